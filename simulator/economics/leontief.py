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

from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from simulator.errors import InputError
from simulator.model.scenario import Scenario
from simulator.model.schema_economy import IOTable

__all__ = [
    "MULTIPLIERS",
    "domestic_coefficients",
    "linkage",
    "loss_vector",
    "price_scale",
    "sector_map",
    "table_multipliers",
    "va_multipliers",
    "value_added_lost",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


Multiplier = Literal["supply-chain", "direct", "household"]

MULTIPLIERS: tuple[str, ...] = ("supply-chain", "direct", "household")


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
    >>> from simulator.model.schema_economy import IOTable
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
