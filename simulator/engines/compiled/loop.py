"""The day loop, compiled: a whole day (:func:`day`) and runs of days (:func:`days`, :func:`run_recorded`).

:func:`day` runs every phase, in the daily step's order, on one block of
paths after another; :func:`run_recorded` runs days and records each as it
ends, without a Python call a day. :func:`run_day` runs a fused day or, if it
fails to compile, notes it (:func:`fused_ok` is then False) so the engine
runs the phases one by one.
"""

from __future__ import annotations

from typing import Any

from simulator.engines.compiled.firms import consume, convert, produce, requirements
from simulator.engines.compiled.jit import AVAILABLE, _jit, attempt
from simulator.engines.compiled.orders import decide, dispatch, order
from simulator.engines.compiled.recorders import histogram_values, pairwise_sum, record_histograms, record_metrics
from simulator.engines.compiled.supply import arrivals, ramps, stockpile

__all__ = ["day", "days", "fused_ok", "run_day", "run_recorded"]


@_jit
def day(t: int, lay: Any, par: Any, state: Any, block: int) -> None:  # pragma: no cover
    """Every phase of day ``t``, in the daily step's order, on one block of ``block`` paths after another."""
    for p0 in range(0, lay.P, block):
        p1 = min(p0 + block, lay.P)
        ramps(t, lay, par, state, p0, p1)
        arrivals(t, lay, par, state, p0, p1)
        stockpile(t, lay, par, state, p0, p1)
        requirements(t, lay, par, state, p0, p1)
        consume(t, lay, par, state, p0, p1)
        convert(t, lay, par, state, p0, p1)
        produce(t, lay, par, state, p0, p1)
        decide(t, lay, par, state, p0, p1)
        order(t, lay, par, state, p0, p1)
        dispatch(t, lay, par, state, p0, p1)


@_jit
def days(t0: int, t1: int, lay: Any, par: Any, state: Any, block: int) -> None:  # pragma: no cover
    """Days ``t0 <= t < t1`` (:func:`day`) in one call, recording nothing (the kernel alone, for benchmarks)."""
    for t in range(t0, t1):
        day(t, lay, par, state, block)


_FUSED_FAILED: list[str] = []


def fused_ok() -> bool:
    """Whether the fused day can run: numba is installed and it has not failed to compile."""
    return AVAILABLE and not _FUSED_FAILED


def run_day(t: int, lay: Any, par: Any, state: Any, block: int) -> bool:
    """Run :func:`day`; if it fails to compile, say so, note it and return False (the caller then runs the
    phases one by one, each compiled where it compiles)."""
    return attempt(day, (t, lay, par, state, block), "day (every phase, fused)",
                   "running the phases one by one instead (same numbers)", _FUSED_FAILED.append, stacklevel=2)


@_jit
def run_recorded(t0: int, t1: int, lay: Any, par: Any, state: Any, block: int, qidx: Any, daily_output: Any,
                 inv_demand: Any, stoppage: float, half_lost: float, tolerance: float, acc_lost: Any, acc_gross: Any,
                 q_lost: Any, q_gross: Any, first: Any, half: Any, stop_days: Any, acc_premium: Any, peak: Any,
                 short_days: Any, histograms: bool, values: Any, lo: Any, scale: Any, family: Any, counts: Any,
                 bins: int, sums: Any) -> None:  # pragma: no cover
    """Days ``t0 <= t < t1`` of a block, each recorded as it ends, in one call.

    Each day is :func:`day`, then :func:`record_metrics` (per-path totals)
    and, with ``histograms``, :func:`histogram_values`, :func:`record_histograms`
    and each value row's sum over paths added into ``sums[t]`` (T, S + 3 M) as
    NumPy sums it (:func:`pairwise_sum`). The same numbers as the day-by-day
    recorders of :mod:`simulator.runs.blocks`, without a Python call per day.
    """
    P = lay.P
    for t in range(t0, t1):
        day(t, lay, par, state, block)
        record_metrics(t, qidx[t], state.fraction, state.lost, state.premium, state.shortfall, state.requirement, daily_output,
                       inv_demand, stoppage, half_lost, tolerance, acc_lost, acc_gross, q_lost, q_gross, first, half,
                       stop_days, acc_premium, peak, short_days)
        if histograms:
            histogram_values(state.output, state.inventory, state.stockpile, state.shortfall, inv_demand, values)
            record_histograms(t, values, lo, scale, family, counts, bins)
            for r in range(values.shape[0]):
                sums[t, r] += 0.0 + pairwise_sum(values[r], 0, P)
