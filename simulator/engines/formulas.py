"""The formulas both engines share outside the daily dynamics, elementwise on arrays of any shape.

Ramps (:func:`ramp_fraction`), a ban's or quota's pass share (:func:`pass_share`),
criticality after substitution (:func:`criticality_on`) and the licences' working-day
calendar (:func:`review_days`, :func:`working_day_calendar`, :func:`decision_day`).
Their scalar twins in :mod:`simulator.engines.rules` compute the same IEEE operations
in the same order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["criticality_on", "decision_day", "pass_share", "ramp_fraction", "review_days", "working_day_calendar"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def pass_share(t: int, quota: FloatArray, leakage: FloatArray, start: FloatArray, leak_lag: FloatArray,
               leak_days: FloatArray) -> FloatArray:
    """Share of the covered users' baseline flow a ban or quota lets through on day ``t``.

    ``quota + leak x (1 - quota)`` with ``leak = leakage x ramp_fraction(t,
    start + leak_lag, leak_days)`` (elementwise).
    """
    leak = leakage * ramp_fraction(t, start + leak_lag, leak_days)
    return np.asarray(quota + leak * (1.0 - quota), dtype=np.float64)


def criticality_on(crit: FloatArray, floor: FloatArray, frac: FloatArray) -> FloatArray:
    """Criticality once ``frac`` of the substitution is done: ``crit - (crit - floor) x frac``."""
    return np.asarray(crit - (crit - floor) * frac, dtype=np.float64)


def review_days(work: FloatArray | float, accept: FloatArray | float) -> IntArray:
    """Whole working days to a decision: a drawn processing time plus acceptance, rounded up, at least 1."""
    return np.maximum(np.ceil((np.asarray(work) + accept) - 1e-9), 1).astype(np.int64)


def ramp_fraction(t: float, start: FloatArray | float, ramp: FloatArray | float) -> FloatArray:
    """Share of a ramp completed on day ``t``.

    0 before ``start``; rises linearly to 1 over ``ramp`` days; a ramp of 0 days
    is a step at ``start``. Works elementwise on arrays of any shape.
    """
    start_a = np.asarray(start, dtype=np.float64)
    ramp_a = np.asarray(ramp, dtype=np.float64)
    elapsed = t - start_a
    safe = np.where(ramp_a > 0.0, ramp_a, 1.0)
    with np.errstate(over="ignore"):  # a ramp of a few 1e-300 days is a step
        frac = np.where(ramp_a > 0.0, np.clip(elapsed / safe, 0.0, 1.0), np.where(elapsed >= 0.0, 1.0, 0.0))
    return np.asarray(frac, dtype=np.float64)


def working_day_calendar(n_days: int, start_weekday: int) -> tuple[IntArray, IntArray]:
    """Working-day counts for converting processing times to calendar days.

    Day 0 is weekday ``start_weekday`` (0 Monday ... 6 Sunday); Monday to Friday
    are working days (public holidays are not modelled).

    Returns
    -------
    cum : ndarray of shape (n_days,), int
        Working days in days ``0..t`` inclusive.
    nth : ndarray, int
        ``nth[j]`` is the calendar day of the j-th working day (``nth[0] = -1``).
    """
    days = np.arange(n_days)
    working = ((start_weekday + days) % 7) < 5
    cum = np.cumsum(working).astype(np.int64)
    nth = np.concatenate([[-1], days[working]]).astype(np.int64)
    return cum, nth


def decision_day(t: int | IntArray, tau: int | npt.NDArray[np.integer], cum: IntArray, nth: IntArray) -> IntArray:
    """Calendar day on which an application submitted on day ``t`` is decided.

    The decision falls on the ``tau``-th working day strictly after day ``t``.
    ``cum`` and ``nth`` come from :func:`working_day_calendar` and must cover
    the answer (make them long enough: horizon + 2 x the longest ``tau`` + 14).
    """
    return np.asarray(nth[cum[t] + tau], dtype=np.int64)
