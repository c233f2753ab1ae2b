"""The calendar quarters a run's days fall in: labels and, for each day, the index of its quarter.

A run with a start date is cut at calendar quarters; a run without one at 91/91/91/92-day
"run quarters" from day 0 (:data:`RUN_QUARTER_DAYS`).
"""

from __future__ import annotations

import datetime

import numpy as np
import numpy.typing as npt

from simulator.model.scenario import Scenario

__all__ = [
    "quarter_calendar",
    "scenario_quarters",
]

IntArray = npt.NDArray[np.int64]


RUN_QUARTER_DAYS = (91, 91, 91, 92)
"""Lengths of the quarters of a run without a start date (a 365-day year)."""


def quarter_calendar(start: datetime.date | None, n_days: int) -> tuple[list[str], IntArray]:
    """Quarter of each day of the horizon.

    Parameters
    ----------
    start : date or None
        Calendar date of day 0: quarters are calendar quarters (``"2026Q1"``;
        the first and last may be partial). ``None``: quarters of the run
        (``"Q1"`` = days 0-90, then 91, 91 and 92 days, repeating).
    n_days : int

    Returns
    -------
    labels : list of str, length Q
    index : ndarray of shape (n_days,), int
        Position in ``labels`` of each day's quarter.

    Examples
    --------
    >>> import datetime
    >>> labels, idx = quarter_calendar(datetime.date(2026, 3, 30), 5)
    >>> labels, idx.tolist()
    (['2026Q1', '2026Q2'], [0, 0, 1, 1, 1])
    """
    if start is None:
        lengths = np.resize(np.array(RUN_QUARTER_DAYS), n_days // 91 + 2)
        ends = np.cumsum(lengths)
        index = np.searchsorted(ends, np.arange(n_days), side="right").astype(np.int64)
        return [f"Q{q + 1}" for q in range(int(index[-1]) + 1)], index
    keys = []
    for t in range(n_days):
        d = start + datetime.timedelta(days=t)
        keys.append(d.year * 4 + (d.month - 1) // 3)
    first = keys[0]
    index = np.array([k - first for k in keys], dtype=np.int64)
    labels = [f"{k // 4}Q{k % 4 + 1}" for k in range(first, keys[-1] + 1)]
    return labels, index


def scenario_quarters(sc: Scenario) -> tuple[list[str], IntArray]:
    """:func:`quarter_calendar` of a scenario's start date and horizon."""
    return quarter_calendar(sc.run.start_date, sc.run.horizon_days)
