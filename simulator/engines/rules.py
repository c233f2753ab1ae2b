"""The rules both engines share: the daily step's phases in order, measure kinds, thresholds, the
working-day calendar's length and the ramps.

The SimPy engine (:mod:`simulator.engines.simpy_engine`) runs each phase as a
process at its time of day (:data:`SIMPY_TIME`); the vectorised engine
(:mod:`simulator.engines.vectorised`) calls one function per phase, in the
order of :data:`DAILY_STEP`. Both import the constants below, so a threshold
or an order cannot differ between them.

The scalar helpers (:func:`ramp_at`, :func:`pass_share_at`,
:func:`review_days_at`) compute exactly what the array functions of
:mod:`simulator.engines.formulas` compute, element by element, with the same IEEE
operations in the same order; the compiled loops use them.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from simulator.engines.formulas import review_days, working_day_calendar

if TYPE_CHECKING:
    from simulator.engines.params import PathParams
    from simulator.model.draws import Draws

__all__ = [
    "CALENDAR_MARGIN",
    "DAILY_STEP",
    "DOCK_TIME",
    "ENOUGH",
    "REGIME_END_TIME",
    "SIMPY_TIME",
    "STOPPAGE",
    "MeasureKind",
    "Phase",
    "Ramp",
    "calendar_length",
    "licence_calendar",
    "longest_review",
    "pass_share_at",
    "ramp_at",
    "review_days_at",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Phase(IntEnum):
    """The phases of a day, numbered in the order both engines run them.

    The README's daily step ("The model in one page") in code: ``RAMPS``
    (supplier capacity, thrift and substitution advance), ``ARRIVALS`` (step
    1), ``STOCKPILE`` (2), ``REQUIREMENTS`` (3), ``CONSUME`` and ``CONVERT``
    (4), ``PRODUCE`` (5-6), ``DECIDE`` (7, licence decisions), ``ORDER`` (7,
    orders split over sources; 8, what ships and what applies), ``DISPATCH``
    (8, shipments leave, applications are filed), ``RECORD`` (the day's state
    is reported).
    """

    RAMPS = 0
    ARRIVALS = 1
    STOCKPILE = 2
    REQUIREMENTS = 3
    CONSUME = 4
    CONVERT = 5
    PRODUCE = 6
    DECIDE = 7
    ORDER = 8
    DISPATCH = 9
    RECORD = 10


DAILY_STEP: tuple[Phase, ...] = tuple(sorted(Phase))
"""The phases in the order they run each day."""

SIMPY_TIME: dict[Phase, float] = {
    Phase.RAMPS: 0.05,
    Phase.ARRIVALS: 0.15,
    Phase.STOCKPILE: 0.20,
    Phase.REQUIREMENTS: 0.50,
    Phase.CONSUME: 0.50,
    Phase.CONVERT: 0.50,
    Phase.PRODUCE: 0.50,
    Phase.DECIDE: 0.70,
    Phase.ORDER: 0.80,
    Phase.DISPATCH: 0.80,
    Phase.RECORD: 0.90,
}
"""Time of day (a fraction of day ``t``) at which the SimPy engine runs each phase; non-decreasing in
:data:`DAILY_STEP` order, so SimPy's event order is the daily step's. Steps 3-6 are one process at
``t + 0.50``, as are ordering and dispatch at ``t + 0.80``."""

DOCK_TIME = 0.10
"""Shipments due reach the dock (SimPy: each shipment's process) before ``ARRIVALS`` delivers them."""

REGIME_END_TIME = 0.65
"""A licence regime ending today lets its pending applications ship, before the day's decisions."""

ENOUGH = 1e-12
"""A requirement is met in full when supply falls short of it by at most this share of it."""

STOPPAGE = 0.99
"""Output below this share of plan: firms have stopped. A sector has stopped on the first day its output is
more than 1 % below plan (its first firms stop): the event log, the first-stoppage day, stoppage days."""

CALENDAR_MARGIN = 14
"""Days past the horizon plus twice the longest review the working-day calendar covers."""


class MeasureKind(IntEnum):
    """Kinds of measure, as coded in :attr:`simulator.engines.params.PathParams.kind`."""

    BAN = 0
    QUOTA = 1
    LICENCE = 2


def calendar_length(n_days: int, longest: int) -> int:
    """Days the working-day calendar must cover: the horizon, twice the longest review, a margin.

    Parameters
    ----------
    n_days : int
        Horizon, days.
    longest : int
        The longest review (acceptance plus processing), working days.

    Returns
    -------
    int
        ``n_days + 2 x longest + CALENDAR_MARGIN``: a decision on an
        application filed on the horizon's last day, decided again after
        another review, still falls inside it.
    """
    return n_days + 2 * longest + CALENDAR_MARGIN


def longest_review(pp: PathParams, draws: Draws, measure_ids: list[str]) -> int:
    """The longest review of any licence application on any path, working days.

    For each licence measure, the drawn processing times of its materials
    (``draws.licence_days``, keys ``"measure/material"``) plus its longest
    acceptance, rounded up as decisions are (:func:`simulator.engines.formulas.review_days`);
    0 without licences.
    """
    longest = 0
    for j, name in enumerate(measure_ids):
        reg = pp.licences[j]
        if reg is None:
            continue
        accept = float(reg.accept.max(initial=0.0))
        for key, x in draws.licence_days.items():
            if key.split("/", 1)[0] == name and x.size:
                longest = max(longest, int(review_days(float(x.max()), accept)))
    return longest


def licence_calendar(pp: PathParams, draws: Draws, measure_ids: list[str]) -> tuple[IntArray, IntArray, int]:
    """The working-day calendar both engines decide licences on.

    Returns
    -------
    cum : ndarray of shape (n,), int
        Working days in days ``0..t`` inclusive.
    nth : ndarray, int
        Calendar day of the j-th working day.
    longest : int
        :func:`longest_review`, working days.
    """
    longest = longest_review(pp, draws, measure_ids)
    cum, nth = working_day_calendar(calendar_length(pp.n_days, longest), pp.start_weekday)
    return cum, nth, longest


def ramp_at(t: float, begin: float, days: float) -> float:
    """Share of a linear ramp done on day ``t``: :func:`simulator.engines.formulas.ramp_fraction` of one element.

    0 before ``begin``, linear to 1 over ``days`` days; a ramp of 0 days is a
    step at ``begin``.
    """
    elapsed = t - begin
    if days > 0.0:
        x = elapsed / days
        if x <= 0.0:  # as np.clip: +0.0 for -0.0
            return 0.0
        if x > 1.0:
            return 1.0
        return x
    return 1.0 if elapsed >= 0.0 else 0.0


def pass_share_at(t: float, quota: float, leakage: float, start: float, leak_lag: float, leak_days: float) -> float:
    """:func:`simulator.engines.formulas.pass_share` of one element: ``quota + leak x (1 - quota)``."""
    leak = leakage * ramp_at(t, start + leak_lag, leak_days)
    return quota + leak * (1.0 - quota)


def review_days_at(work: float, accept: float) -> int:
    """:func:`simulator.engines.formulas.review_days` of one element: whole working days to a decision, at least 1."""
    days = math.ceil((work + accept) - 1e-9)
    return days if days > 1 else 1


class Ramp:
    """Linear ramps of many rows and paths, as :func:`simulator.engines.formulas.ramp_fraction` computes them.

    Parameters
    ----------
    begin : ndarray of shape (R, P), days
        Day each ramp starts.
    days : ndarray of shape (R, P), days
        Its length (0: a step).

    Attributes
    ----------
    first_day, done_day : float
        Before ``first_day`` every ramp is at 0; after ``done_day + 1`` at its end.
    """

    def __init__(self, begin: FloatArray, days: FloatArray) -> None:
        self.begin = begin
        self.pos = days > 0.0
        self.safe = np.where(self.pos, days, 1.0)
        self.done_day = float(np.max(np.where(self.pos, begin + days, begin), initial=-np.inf))
        self.first_day = float(np.min(begin, initial=np.inf))
        self.all_pos = bool(self.pos.all())

    def moving(self, t: int) -> bool:
        """Some ramp may change on day ``t``."""
        return self.first_day <= t <= self.done_day + 1

    def __call__(self, t: int) -> FloatArray:
        """Share of each ramp done on day ``t``, shape (R, P)."""
        elapsed = t - self.begin
        with np.errstate(over="ignore"):  # a ramp of a few 1e-300 days is a step
            frac = np.clip(elapsed / self.safe, 0.0, 1.0)
        return frac if self.all_pos else np.where(self.pos, frac, np.where(elapsed >= 0.0, 1.0, 0.0))
