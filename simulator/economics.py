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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from simulator.errors import InputError
from simulator.scenario import IOTable, Scenario
from simulator.trajectories import Trajectories

__all__ = [
    "HALF_LOST",
    "MULTIPLIERS",
    "STOPPAGE_THRESHOLD",
    "Impact",
    "PathMetrics",
    "assess",
    "domestic_coefficients",
    "impact_from_metrics",
    "linkage",
    "loss_vector",
    "metrics_from_trajectories",
    "price_scale",
    "quarter_calendar",
    "scenario_quarters",
    "sector_map",
    "summarise",
    "table_multipliers",
    "va_multipliers",
    "value_added_lost",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Multiplier = Literal["supply-chain", "direct", "household"]
MULTIPLIERS: tuple[str, ...] = ("supply-chain", "direct", "household")

STOPPAGE_THRESHOLD = 0.99
"""A sector has stopped on the first day its output is more than 1 % below plan (its first firms stop)."""
HALF_LOST = 0.5
"""Output below this share of plan: half the sector's output is lost (most of its firms have stopped)."""


def domestic_coefficients(table: IOTable) -> tuple[FloatArray, FloatArray]:
    """Domestic input coefficients and import shares of a table.

    Returns
    -------
    a_d : ndarray of shape (n, n), float64
        ``(1 - m_i) z_ij / x_j``: domestic product i used per unit of j's
        output (the table's own domestic block over ``x_j`` where it has one).
    m : ndarray of shape (n,), float64
        Import share of each product's domestic use (intermediate plus final
        demand excluding exports), in [0, 1].
    """
    x = np.asarray(table.output, dtype=np.float64)
    z = np.asarray(table.intermediate, dtype=np.float64)
    n = x.size
    a = z / x[np.newaxis, :]
    domestic_use = z.sum(axis=1) + np.asarray(table.domestic_final_demand, dtype=np.float64)
    imp = np.asarray(table.imports, dtype=np.float64)
    m = np.divide(imp, domestic_use, out=np.zeros(n), where=domestic_use > 0)
    m = np.clip(m, 0.0, 1.0)
    if table.domestic_intermediate is not None:  # known domestic block (one region of a multi-regional table)
        return np.asarray(table.domestic_intermediate, dtype=np.float64) / x[np.newaxis, :], m
    return (1.0 - m)[:, np.newaxis] * a, m


def linkage(table: IOTable, kind: Multiplier = "supply-chain", *, mpc: float | None = None) -> tuple[FloatArray, FloatArray]:
    """Coefficient matrix and value-added ratios of a linkage.

    Parameters
    ----------
    table : IOTable
    kind : {"supply-chain", "direct", "household"}
    mpc : float, optional
        Marginal propensity to consume out of compensation of employees
        (``household`` only; required there).

    Returns
    -------
    a : ndarray of shape (N, N), float64
        ``N = n`` table sectors, plus one household row and column for
        ``household``.
    v : ndarray of shape (N,), float64
        Value added per unit of gross output (0 for the household account,
        whose income is not value added).
    """
    x = np.asarray(table.output, dtype=np.float64)
    n = x.size
    v = np.asarray(table.value_added, dtype=np.float64) / x
    if kind == "direct":
        return np.zeros((n, n)), v
    a_d, m = domestic_coefficients(table)
    if kind == "supply-chain":
        return a_d, v
    if kind == "household":
        if mpc is None:
            raise ValueError("household linkage needs a marginal propensity to consume (economy.mpc)")
        comp = np.asarray(table.compensation, dtype=np.float64)
        hh = np.asarray(table.household_consumption, dtype=np.float64)
        if comp.sum() <= 0 or hh.sum() <= 0:
            raise ValueError("household linkage needs compensation of employees and household consumption in the table")
        big = np.zeros((n + 1, n + 1))
        big[:n, :n] = a_d
        big[:n, n] = mpc * (1.0 - m) * hh / hh.sum()  # domestic products bought per unit of compensation
        big[n, :n] = comp / x  # compensation per unit of output
        return big, np.concatenate([v, [0.0]])
    raise ValueError(f"multiplier must be one of {MULTIPLIERS}; got {kind!r}")


def table_multipliers(table: IOTable, kind: Multiplier = "supply-chain", *, mpc: float | None = None) -> FloatArray:
    """Value added lost per unit of gross output lost, for each table sector alone.

    ``sum_i v_i L_ij / L_jj`` with ``L = (I - A)^-1`` for the linkage's ``A``
    (:func:`linkage`): the sector's own value added plus that of its domestic
    suppliers (and, for ``household``, of the consumption its lost wages
    would have bought), when its gross output is cut by one unit and nothing
    else is constrained. This is an output-based value-added coefficient (a
    level, per unit of gross output), not a type I multiplier (a ratio of
    direct plus indirect to direct effects).

    Parameters
    ----------
    table : IOTable
    kind : {"supply-chain", "direct", "household"}
    mpc : float, optional
        For ``household``.

    Returns
    -------
    ndarray of shape (n,), float64
        Value added lost (currency) per unit of gross output lost in each sector.

    Examples
    --------
    A two-sector table where sector 0 buys 0.2 of its output from sector 1:

    >>> import numpy as np
    >>> from simulator.scenario import IOTable
    >>> z = np.array([[0.0, 0.0], [20.0, 0.0]])
    >>> t = IOTable(codes=("a", "b"), intermediate=z, value_added=np.array([80.0, 100.0]),
    ...             compensation=np.zeros(2), household_consumption=np.zeros(2),
    ...             domestic_final_demand=np.array([100.0, 80.0]), exports=np.zeros(2),
    ...             imports=np.zeros(2), output=np.array([100.0, 100.0]))
    >>> table_multipliers(t).round(6).tolist()
    [1.0, 1.0]
    >>> table_multipliers(t, "direct").tolist()
    [0.8, 1.0]
    """
    a, v = linkage(table, kind, mpc=mpc)
    n = np.asarray(table.output).size
    if kind == "direct":
        return v
    leontief = np.linalg.inv(np.eye(a.shape[0]) - a)
    return (v @ leontief)[:n] / np.diag(leontief)[:n]


def loss_vector(a: FloatArray, constrained: FloatArray) -> FloatArray:
    """Loss over the table's sectors: the fixed point ``ell = max(c, a ell)``.

    Each sector loses the larger of its own constrained loss ``c`` and the
    loss induced by every sector's lost purchases from it (``a ell``). The
    fixed point is unique for ``a >= 0`` with spectral radius below 1 and
    ``c >= 0``. It is solved exactly, vectorised over rows: sectors with no
    constrained loss on any row are solved out (``ell_U = G ell_C``); on
    the constrained ones, the set of sectors whose induced loss exceeds their
    own grows from empty until it is consistent (policy iteration, at most
    one step per constrained sector), each step a linear solve per distinct
    set.

    Parameters
    ----------
    a : ndarray of shape (N, N), float64
        Non-negative coefficients; ``a[i, j]`` is i's sales per unit of j's output.
    constrained : ndarray of shape (R, N), float64, >= 0
        Own constrained loss of each sector, one row per path (or period).

    Returns
    -------
    ndarray of shape (R, N), float64
        Loss of every sector (same unit as ``constrained``).

    Examples
    --------
    Sector 1 sells 0.5 per unit of sector 0's output. Constrained alone, 0
    takes 1 with it; when 1 is itself constrained by more, it loses that,
    not the sum:

    >>> import numpy as np
    >>> a = np.array([[0.0, 0.0], [0.5, 0.0]])
    >>> loss_vector(a, np.array([[2.0, 0.0], [2.0, 0.4], [2.0, 3.0]])).tolist()
    [[2.0, 1.0], [2.0, 1.0], [2.0, 3.0]]
    """
    c = np.asarray(constrained, dtype=np.float64)
    R, N = c.shape
    out = np.zeros((R, N))
    cs = np.flatnonzero((c > 0).any(axis=0))
    us, g, ell = _solve_constrained(a, cs, c[:, cs])
    out[:, cs] = ell
    if us.size:
        out[:, us] = ell @ g.T
    return out


def _solve_constrained(a: FloatArray, cs: IntArray, cc: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """The fixed point on sectors ``cs`` with own losses ``cc`` (R, k), all others solved out.

    Returns the other sectors' indices, ``G`` (their loss per unit of each
    constrained sector's loss, shape (U, k)) and the constrained sectors' loss (R, k).
    """
    R, k = cc.shape
    us = np.setdiff1d(np.arange(a.shape[0]), cs).astype(np.int64)
    if k == 0:
        return us, np.zeros((us.size, 0)), np.zeros((R, 0))
    if us.size:
        g = np.linalg.solve(np.eye(us.size) - a[np.ix_(us, us)], a[np.ix_(us, cs)])  # (U, k)
        at = a[np.ix_(cs, cs)] + a[np.ix_(cs, us)] @ g
    else:
        g = np.zeros((0, k))
        at = a[np.ix_(cs, cs)]
    ell = cc.copy()
    free = np.zeros((R, k), dtype=bool)  # sectors whose induced loss binds
    for _ in range(k + 1):
        grown = free | (ell @ at.T > cc)
        changed = np.flatnonzero((grown != free).any(axis=1))
        if changed.size == 0:
            break
        free = grown
        # rows whose set changed, grouped by their set (one linear solve per distinct set)
        sub = free[changed]
        if k <= 62:
            keys = sub.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64))
            _, first, which = np.unique(keys, return_index=True, return_inverse=True)
            patterns = sub[first]
        else:
            patterns, which = np.unique(sub, axis=0, return_inverse=True)
        which = which.ravel()
        for pi, pat in enumerate(patterns):
            rows = changed[which == pi]
            f, b = np.flatnonzero(pat), np.flatnonzero(~pat)
            rhs = cc[np.ix_(rows, b)] @ at[np.ix_(f, b)].T  # (r, |F|)
            sol = np.linalg.solve(np.eye(f.size) - at[np.ix_(f, f)], rhs.T).T
            blk = cc[rows].copy()
            blk[:, f] = sol
            ell[rows] = blk
    return us, np.asarray(g, dtype=np.float64), ell


def va_multipliers(sc: Scenario, kind: Multiplier = "supply-chain") -> FloatArray:
    """Value added lost per unit of gross output lost of each model sector alone, shape (S,)."""
    table = _table(sc)
    mult = table_multipliers(table, kind, mpc=_mpc(sc, kind))
    return np.array([mult[table.codes.index(sec.io_sector)] for sec in sc.sectors.values()])


def _table(sc: Scenario) -> IOTable:
    table = sc.economy.table
    if table is None:
        raise ValueError("scenario has no input-output table loaded; use load_scenario")
    return table


def _mpc(sc: Scenario, kind: Multiplier) -> float | None:
    if kind != "household":
        return None
    if sc.economy.mpc is None:
        raise InputError(sc.origin or "<scenario>", "economy.mpc",
                         "is required for the household linkage (a marginal propensity to consume in [0, 1])", None)
    return sc.economy.mpc


def sector_map(sc: Scenario) -> FloatArray:
    """0/1 matrix of shape (S, n): model sector s is part of table sector j."""
    table = _table(sc)
    out = np.zeros((len(sc.sectors), len(table.codes)))
    for si, sec in enumerate(sc.sectors.values()):
        out[si, table.codes.index(sec.io_sector)] = 1.0
    return out


def value_added_lost(sc: Scenario, output_loss: FloatArray, kind: Multiplier = "supply-chain") -> FloatArray:
    """Value added lost from gross output lost by model sector, without double counting.

    Parameters
    ----------
    sc : Scenario
    output_loss : ndarray of shape (..., S), currency, >= 0
        Gross output lost by each model sector (per path, or per path and period).
    kind : {"supply-chain", "direct", "household"}

    Returns
    -------
    ndarray of shape (...), currency
        ``v . ell`` with ``ell`` the :func:`loss_vector` of the table sectors'
        constrained losses.
    """
    table = _table(sc)
    a, v = linkage(table, kind, mpc=_mpc(sc, kind))
    lead = output_loss.shape[:-1]
    smap = sector_map(sc)
    cs = np.flatnonzero(smap.any(axis=0))  # table sectors some model sector belongs to
    cc = np.clip(output_loss.reshape(-1, output_loss.shape[-1]) @ smap[:, cs], 0.0, None)  # (R, k)
    us, g, ell = _solve_constrained(a, cs, cc)
    per_unit = v[cs] + g.T @ v[us]  # value added lost per unit of a constrained sector's loss, others induced
    return np.asarray(ell @ per_unit, dtype=np.float64).reshape(lead)


def price_scale(sc: Scenario, params: Mapping[str, FloatArray] | None = None, n_paths: int = 1) -> FloatArray:
    """Factor taking the table's money to the price year's, per path.

    ``price_index[price_year] / price_index[table_year]`` with each level the
    path's draw where it has a prior (``params``, from the draws) and its
    value in the scenario otherwise; 1 when the two years are the same or
    not given.

    Returns
    -------
    ndarray of shape (n_paths,), float64
    """
    econ = sc.economy
    if econ.price_year is None or econ.table_year is None or econ.price_year == econ.table_year:
        return np.ones(n_paths)
    params = params or {}

    def level(year: int) -> FloatArray:
        key = str(year)
        drawn = params.get(f"economy.price_index.{key}")
        if drawn is not None:
            return np.asarray(drawn, dtype=np.float64)
        return np.full(n_paths, float(econ.price_index[key]))

    return np.asarray(level(econ.price_year) / level(econ.table_year), dtype=np.float64)


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


@dataclass(frozen=True)
class Impact:
    """The cost of a shock, per path.

    Attributes
    ----------
    sectors : list of str
    currency : str
    price_year : int or None
        Year of the money of every currency figure (``None``: the table's,
        year not given).
    multiplier : str
    multipliers : ndarray of shape (S,)
        Value added lost per unit of gross output lost of each sector alone
        (:func:`table_multipliers`).
    output_loss : ndarray of shape (P, S), currency
        Gross output lost over the horizon, net of catch-up (price-year money).
    value_added_loss_alone : ndarray of shape (P, S), currency
        ``output_loss x multipliers``: each sector's loss as if no other
        sector were constrained (these overlap: do not add them up).
    value_added_loss_by_sector : ndarray of shape (P, S), currency
        ``value_added_loss`` shared out in proportion to ``value_added_loss_alone``
        (sums to ``value_added_loss``).
    value_added_loss : ndarray of shape (P,), currency
        Net (after catch-up), over the horizon: from the loss vector over the
        table's sectors (:func:`value_added_lost`), no value added counted twice.
    output_loss_gross : ndarray of shape (P, S), currency
        Gross output lost before catch-up (the shortfall from plan).
    value_added_loss_gross : ndarray of shape (P,), currency
        Value added lost before catch-up, over the horizon.
    quarters : list of str
        Labels of the Q quarters the horizon touches.
    quarter_days : ndarray of shape (Q,), int
        Days of the horizon in each quarter.
    value_added_loss_quarter : ndarray of shape (P, Q), currency
        Net value added lost in each quarter: gross lost less value added of
        the catch-up made in it (negative in a quarter of catch-up).
    value_added_loss_gross_quarter : ndarray of shape (P, Q), currency
    gdp_loss_pct_quarter : ndarray of shape (P, Q)
        Net value added lost in a quarter, % of a quarter's GDP (annual / 4).
    half_lost_day : ndarray of shape (P, S), float, optional
        First day output fell below half of plan; ``inf`` if never.
    gdp_loss_pct : ndarray of shape (P,), % of annual GDP
    first_stoppage_day : ndarray of shape (P, S), float
        First day output fell more than 1 % below plan; ``inf`` if never.
    stoppage_days : ndarray of shape (P, S), int
        Days with output more than 1 % below plan.
    premium_cost : ndarray of shape (P,), currency
        Extra procurement cost paid to alternative suppliers (not in the GDP loss).
    peak_shortfall : ndarray of shape (P, M), in [0, 1]
        Largest share of a day's requirement (plan plus catch-up) not met.
    shortfall_days : ndarray of shape (P, M), int
        Days on which requirements were not met in full.
    """

    sectors: list[str]
    materials: list[str]
    currency: str
    price_year: int | None
    multiplier: str
    multipliers: FloatArray
    output_loss: FloatArray
    value_added_loss_alone: FloatArray
    value_added_loss_by_sector: FloatArray
    value_added_loss: FloatArray
    gdp_loss_pct: FloatArray
    first_stoppage_day: FloatArray
    stoppage_days: npt.NDArray[np.int64]
    premium_cost: FloatArray
    peak_shortfall: FloatArray
    shortfall_days: npt.NDArray[np.int64]
    output_loss_gross: FloatArray
    value_added_loss_gross: FloatArray
    quarters: list[str]
    quarter_days: IntArray
    value_added_loss_quarter: FloatArray
    value_added_loss_gross_quarter: FloatArray
    gdp_loss_pct_quarter: FloatArray
    half_lost_day: FloatArray | None = None

    @property
    def n_paths(self) -> int:
        return int(self.value_added_loss.shape[0])

    def summary(self) -> dict[str, Any]:
        """Headline statistics over paths (JSON-ready).

        ``gdp_loss_pct``, ``value_added_loss``, ``premium_cost``: mean, median,
        p05, p95; every money figure also gives its ``price_year``. ``sectors``: for each sector its ``output_loss`` and
        ``value_added_loss`` (same statistics), ``first_stoppage_day`` (median,
        p05, p95 over all paths, ``None`` where that quantile never stops) and
        ``stop_probability``.
        """
        return summarise(self)


def _stats(x: FloatArray) -> dict[str, float]:
    return {
        "mean": float(np.mean(x)),
        "median": float(np.median(x)),
        "p05": float(np.quantile(x, 0.05)),
        "p95": float(np.quantile(x, 0.95)),
    }


def _day_stats(x: FloatArray) -> dict[str, float | None]:
    def q(p: float) -> float | None:
        v = float(np.quantile(x, p, method="inverted_cdf"))
        return None if not np.isfinite(v) else v

    return {"median": q(0.5), "p05": q(0.05), "p95": q(0.95)}


def summarise(imp: Impact) -> dict[str, Any]:
    """See :meth:`Impact.summary`."""

    def money(x: FloatArray) -> dict[str, Any]:
        return {**_stats(x), "price_year": imp.price_year}

    sectors = {}
    for i, s in enumerate(imp.sectors):
        sectors[s] = {
            "output_loss": money(imp.output_loss[:, i]),
            "output_loss_gross": money(imp.output_loss_gross[:, i]),
            "value_added_loss": money(imp.value_added_loss_by_sector[:, i]),
            "value_added_loss_alone": money(imp.value_added_loss_alone[:, i]),
            "first_stoppage_day": _day_stats(imp.first_stoppage_day[:, i]),
            "stop_probability": float(np.mean(np.isfinite(imp.first_stoppage_day[:, i]))),
            **({} if imp.half_lost_day is None else {"half_output_lost_day": _day_stats(imp.half_lost_day[:, i])}),
            "stoppage_days": _stats(imp.stoppage_days[:, i].astype(np.float64)),
            "multiplier": float(imp.multipliers[i]),
        }
    return {
        "paths": imp.n_paths,
        "currency": imp.currency,
        "price_year": imp.price_year,
        "multiplier": imp.multiplier,
        **({"sensitivity": "household linkage (induced consumption out of lost wages at economy.mpc): a sensitivity, "
                           "not the headline"} if imp.multiplier == "household" else {}),
        "gdp_loss_pct": _stats(imp.gdp_loss_pct),
        "value_added_loss": money(imp.value_added_loss),
        "value_added_loss_gross": money(imp.value_added_loss_gross),
        "quarters": [
            {
                "quarter": q,
                "days": int(imp.quarter_days[k]),
                "value_added_loss": money(imp.value_added_loss_quarter[:, k]),
                "value_added_loss_gross": money(imp.value_added_loss_gross_quarter[:, k]),
                "gdp_loss_pct_of_quarter": _stats(imp.gdp_loss_pct_quarter[:, k]),
            }
            for k, q in enumerate(imp.quarters)
        ],
        "double_counting_removed": money(imp.value_added_loss_alone.sum(axis=1) - imp.value_added_loss),
        "premium_cost": money(imp.premium_cost),
        "sectors": sectors,
        "materials": {
            m: {
                "peak_shortfall_share": _stats(imp.peak_shortfall[:, i]),
                "shortfall_days": _stats(imp.shortfall_days[:, i].astype(np.float64)),
            }
            for i, m in enumerate(imp.materials)
        },
    }


@dataclass(frozen=True)
class PathMetrics:
    """Per-path totals a run keeps (enough for :class:`Impact`), paths first.

    Attributes
    ----------
    output_loss : ndarray of shape (P, S), currency
        Gross output lost over the horizon, net of catch-up.
    first_stoppage_day : ndarray of shape (P, S), float
        ``inf`` where the sector never stopped.
    stoppage_days : ndarray of shape (P, S), int
    premium_cost : ndarray of shape (P,), currency
    peak_shortfall : ndarray of shape (P, M), in [0, 1]
        Largest share of a day's requirement (plan plus catch-up) not met.
    shortfall_days : ndarray of shape (P, M), int
    gdp : ndarray of shape (P,), currency/yr
    output_loss_gross : ndarray of shape (P, S), currency
        Gross output lost before catch-up: ``(1 - output_fraction) x daily output``, summed.
    quarters : list of str
        Labels of the Q quarters of the horizon (:func:`quarter_calendar`).
    quarter_days : ndarray of shape (Q,), int
    output_loss_quarter, output_loss_gross_quarter : ndarray of shape (P, Q, S), currency
        Net and gross output lost within each quarter.
    price_scale : ndarray of shape (P,), optional
        Table's money to the price year's (:func:`price_scale`, with the
        paths' draws); ``None``: from the scenario's values.
    half_lost_day : ndarray of shape (P, S), float, optional
        First day output fell below half of plan (``inf`` if never).

    ``output_loss`` is in the table's money, as the engines book it; the
    impact converts it to the price year's.
    """

    sectors: list[str]
    materials: list[str]
    currency: str
    output_loss: FloatArray
    first_stoppage_day: FloatArray
    stoppage_days: npt.NDArray[np.int64]
    premium_cost: FloatArray
    peak_shortfall: FloatArray
    shortfall_days: npt.NDArray[np.int64]
    gdp: FloatArray
    output_loss_gross: FloatArray
    quarters: list[str]
    quarter_days: IntArray
    output_loss_quarter: FloatArray
    output_loss_gross_quarter: FloatArray
    price_scale: FloatArray | None = None
    half_lost_day: FloatArray | None = None

    @staticmethod
    def concat(parts: list[PathMetrics]) -> PathMetrics:
        """Join the metrics of consecutive blocks of paths."""
        first = parts[0]
        scales = [p.price_scale for p in parts]
        return PathMetrics(
            sectors=first.sectors,
            materials=first.materials,
            currency=first.currency,
            quarters=first.quarters,
            quarter_days=first.quarter_days,
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in ("output_loss", "first_stoppage_day", "stoppage_days", "premium_cost",
                             "peak_shortfall", "shortfall_days", "gdp", "output_loss_gross",
                             "output_loss_quarter", "output_loss_gross_quarter")
            },
            price_scale=None if any(x is None for x in scales) else np.concatenate(scales),  # type: ignore[arg-type]
            half_lost_day=None if any(p.half_lost_day is None for p in parts)
            else np.concatenate([p.half_lost_day for p in parts]),  # type: ignore[misc]
        )


SHORTFALL_TOLERANCE = 1e-9
"""A day counts as a shortfall day when unmet requirement exceeds this share of daily demand."""


def metrics_from_trajectories(tr: Trajectories, sc: Scenario | None = None) -> PathMetrics:
    """Per-path totals of full trajectories.

    Quarters follow ``sc``'s calendar (:func:`scenario_quarters`); without a
    scenario, quarters of the run.
    """
    labels, qidx = quarter_calendar(sc.run.start_date if sc is not None else None, tr.n_days)
    Q = len(labels)
    gross_daily = (1.0 - tr.output_fraction) * tr.daily_output[:, np.newaxis, :]  # (P, T, S)
    onehot = np.zeros((tr.n_days, Q))
    onehot[np.arange(tr.n_days), qidx] = 1.0
    stopped = tr.output_fraction < STOPPAGE_THRESHOLD
    any_stop = stopped.any(axis=1)
    first = np.where(any_stop, stopped.argmax(axis=1).astype(np.float64), np.inf)
    halved = tr.output_fraction < HALF_LOST
    half = np.where(halved.any(axis=1), halved.argmax(axis=1).astype(np.float64), np.inf)
    base = tr.demand[:, np.newaxis, :]
    share = tr.shortfall / base
    of_req = np.divide(tr.shortfall, tr.requirement, out=np.zeros_like(tr.shortfall), where=tr.requirement > 0)
    return PathMetrics(
        sectors=list(tr.sectors),
        materials=list(tr.materials),
        currency=tr.currency,
        output_loss=tr.lost_output.sum(axis=1),
        first_stoppage_day=first,
        half_lost_day=half,
        stoppage_days=stopped.sum(axis=1).astype(np.int64),
        premium_cost=tr.premium_cost.sum(axis=1),
        peak_shortfall=np.clip(of_req.max(axis=1), 0.0, 1.0),
        shortfall_days=(share > SHORTFALL_TOLERANCE).sum(axis=1).astype(np.int64),
        gdp=tr.gdp.copy(),
        output_loss_gross=gross_daily.sum(axis=1),
        quarters=labels,
        quarter_days=np.bincount(qidx, minlength=Q).astype(np.int64),
        output_loss_quarter=np.einsum("pts,tq->pqs", tr.lost_output, onehot),
        output_loss_gross_quarter=np.einsum("pts,tq->pqs", gross_daily, onehot),
        price_scale=None if tr.price_scale is None else tr.price_scale.copy(),
    )


def impact_from_metrics(pm: PathMetrics, sc: Scenario, *, multiplier: Multiplier = "supply-chain") -> Impact:
    """Value added lost, % of GDP, by sector, from per-path totals."""
    mult = va_multipliers(sc, multiplier)
    scale = pm.price_scale if pm.price_scale is not None else price_scale(sc, None, pm.output_loss.shape[0])
    output_loss = pm.output_loss * scale[:, np.newaxis]
    alone = output_loss * mult[np.newaxis, :]
    va = value_added_lost(sc, output_loss, multiplier)
    total_alone = alone.sum(axis=1)
    share = np.divide(va, total_alone, out=np.zeros_like(va), where=total_alone > 0)
    gross = pm.output_loss_gross * scale[:, np.newaxis]
    gross_q = pm.output_loss_gross_quarter * scale[:, np.newaxis, np.newaxis]
    caught_up_q = np.clip(gross_q - pm.output_loss_quarter * scale[:, np.newaxis, np.newaxis], 0.0, None)
    va_gross_q = value_added_lost(sc, gross_q, multiplier)
    va_net_q = va_gross_q - value_added_lost(sc, caught_up_q, multiplier)
    return Impact(
        sectors=list(pm.sectors),
        materials=list(pm.materials),
        currency=pm.currency,
        price_year=sc.economy.price_year,
        multiplier=multiplier,
        multipliers=mult,
        output_loss=output_loss,
        value_added_loss_alone=alone,
        value_added_loss_by_sector=alone * share[:, np.newaxis],
        value_added_loss=va,
        gdp_loss_pct=100.0 * va / pm.gdp,
        first_stoppage_day=pm.first_stoppage_day,
        stoppage_days=pm.stoppage_days,
        premium_cost=pm.premium_cost,
        peak_shortfall=pm.peak_shortfall,
        shortfall_days=pm.shortfall_days,
        output_loss_gross=gross,
        value_added_loss_gross=value_added_lost(sc, gross, multiplier),
        quarters=list(pm.quarters),
        quarter_days=pm.quarter_days,
        value_added_loss_quarter=va_net_q,
        value_added_loss_gross_quarter=va_gross_q,
        gdp_loss_pct_quarter=100.0 * va_net_q / (pm.gdp[:, np.newaxis] / 4.0),
        half_lost_day=pm.half_lost_day,
    )


def assess(tr: Trajectories, sc: Scenario, *, multiplier: Multiplier = "supply-chain") -> Impact:
    """Value added lost, % of GDP, by sector, from a run's trajectories.

    Parameters
    ----------
    tr : Trajectories
    sc : Scenario
        The scenario the trajectories were run on (for the input-output table).
    multiplier : {"supply-chain", "direct", "household"}

    Returns
    -------
    Impact
    """
    return impact_from_metrics(metrics_from_trajectories(tr, sc), sc, multiplier=multiplier)
