"""Lost output -> value added (input-output) -> currency and % of GDP.

Value added lost on a path comes from a loss vector over the sectors of the
input-output table, so that linked model sectors are not counted twice
(:func:`loss_vector`). Each table sector loses the larger of

* its own constrained loss: the gross output lost by the model sectors
  mapped to it (the engines' output), and
* the loss induced by the lost purchases of every sector: ``A ell``, with
  ``A`` the coefficient matrix of the chosen linkage,

solved as the fixed point ``ell = max(c, A ell)``; value added lost is
``v . ell`` with ``v`` the value-added ratios. The linkage (``--multiplier``):

``supply-chain`` (default)
    ``A = A_d``, the domestic input coefficients: technical coefficients with
    imports removed in proportion to each product's domestic use. A loss of
    gross output takes with it the sector's own value added and that of its
    domestic suppliers.
``direct``
    ``A = 0``: only the value added of the constrained sectors themselves.
``household``
    ``A_d`` closed for households (a sensitivity, never the headline): lost
    compensation of employees cuts household consumption by the marginal
    propensity to consume, spent on domestic products in the proportions of
    the table's household consumption.

With one constrained table sector ``j`` the fixed point is
``ell = c_j L_{.j} / L_jj`` (``L = (I - A)^-1``), so value added lost is
``c_j`` times the value added lost per unit of gross output lost
``sum_i v_i L_ij / L_jj`` (own value added plus domestic suppliers'; dividing
by ``L_jj`` because ``j``'s output is given, not driven by final demand): see
:func:`table_multipliers`. With several, a sector that supplies another
constrained sector loses the larger of the two, not their sum.

The share of GDP divides by the economy's GDP base. Extra procurement cost
paid to alternative suppliers is reported separately and not added to the
GDP loss: it is a transfer abroad, not lost production.
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
