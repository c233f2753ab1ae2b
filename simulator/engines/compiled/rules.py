"""The engine's rules (:mod:`simulator.engines.rules`) compiled for the phases, and ring-slot arithmetic.

Ramps (:func:`ramp_at`), licence review days (:func:`review_days_at`,
:func:`review_day_totals`), a measure's pass share (:func:`pass_share_at`) and
the slot of the ring buffers some days ahead (``_later``): the same numbers as
their Python forms, callable from compiled phases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines import rules
from simulator.engines.compiled.jit import _jit

__all__ = ["pass_share_at", "ramp_at", "review_day_totals", "review_days_at"]


ramp_at = _jit(rules.ramp_at)
review_days_at = _jit(rules.review_days_at)


@_jit
def pass_share_at(t: float, quota: float, leakage: float, start: float, leak_lag: float,
                  leak_days: float) -> float:  # pragma: no cover
    """:func:`simulator.engines.rules.pass_share_at`, compiled (it calls the compiled :func:`ramp_at`)."""
    leak = leakage * ramp_at(t, start + leak_lag, leak_days)
    return quota + leak * (1.0 - quota)


@_jit
def _later(slot: int, d: int, B: int) -> int:  # pragma: no cover
    """Ring slot ``d`` days after ``slot`` (``0 <= d < B``): ``(slot + d) % B`` without a division."""
    x = slot + d
    return x - B if x >= B else x


@_jit
def _review_value(x: float, a: float) -> float:  # pragma: no cover
    """:func:`simulator.engines.formulas.review_days` of one processing time and acceptance time (a whole number)."""
    v = np.ceil((x + a) - 1e-9)
    return v if v >= 1.0 else 1.0


@_jit
def review_day_totals(x: Any, accept: Any, out: Any) -> None:  # pragma: no cover
    """For each acceptance time ``accept[j]``, the sum over processing times ``x`` (sorted, non-decreasing)
    of :func:`simulator.engines.formulas.review_days`, into ``out[j]`` (int).

    The whole days do not decrease along ``x``, so each run of equal days is
    found by bisection and counted at once: the same integers as the
    elementwise sum, from the same floating-point operations.
    """
    n = x.shape[0]
    for j in range(accept.shape[0]):
        a = accept[j]
        total = 0
        k = 0
        while k < n:
            v = _review_value(x[k], a)
            lo, hi = k, n - 1  # the last index whose days are v
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _review_value(x[mid], a) == v:
                    lo = mid
                else:
                    hi = mid - 1
            total += int(v) * (lo - k + 1)
            k = lo + 1
        out[j] = total
