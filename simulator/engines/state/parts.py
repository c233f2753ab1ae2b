"""The parts :func:`~simulator.engines.state.kernel.build` lays a block out from, one function each.

From a scenario and its :class:`~simulator.engines.params.PathParams`: the
supply edges, the uses, each edge's flows, the rows that ramp (capacity,
thrift, substitution), criticality, the uses' shares, the measures' edges,
the licence queues and regimes, the working-day calendar and the triage
order; each returns a small named tuple of arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from simulator.engines.params import NEVER, PathParams
from simulator.engines.rules import Ramp, licence_calendar
from simulator.engines.state.sums import msum
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["BIG_DAY"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BIG_DAY = 2**62
"""Pads a licence regime's phase days: a phase that never starts."""


_A = TypeVar("_A", bound=npt.NDArray[Any])


def _c(a: _A) -> _A:
    """``a`` C-contiguous (the compiled phases are compiled for contiguous arrays)."""
    return np.ascontiguousarray(a)  # type: ignore[return-value]


def _rows(a: FloatArray, idx: tuple[IntArray, ...]) -> FloatArray:
    """Select ``a[:, i, j]`` for index arrays and put paths last, contiguous."""
    sel: tuple[slice | IntArray, ...] = (slice(None), *idx)
    return np.ascontiguousarray(a[sel].T)


def _spans(begin: FloatArray, days: FloatArray, ok: BoolArray) -> FloatArray:
    """Each row's first start and last end of its ramps, over the paths where ``ok`` (R, 2), days."""
    end = np.where(days > 0.0, begin + days, begin)
    first = np.min(np.where(ok, begin, np.inf), axis=1, initial=np.inf)
    last = np.max(np.where(ok, end, -np.inf), axis=1, initial=-np.inf)
    return np.ascontiguousarray(np.stack([first, last], axis=1).reshape(-1, 2))


def _i(x: list[int] | npt.NDArray[np.generic]) -> IntArray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.int64).reshape(-1))


class _Edges(NamedTuple):
    """Supply edges (:func:`_edges`)."""

    pairs: list[tuple[int, int]]
    source: IntArray
    material: IntArray
    lo: IntArray
    hi: IntArray
    conv: IntArray
    is_conv: BoolArray


class _Uses(NamedTuple):
    """The firms' uses as index arrays (:func:`_uses`)."""

    material: IntArray
    sector: IntArray
    conversion: IntArray
    lo: IntArray
    hi: IntArray
    srow: IntArray
    crow: IntArray
    urow_s: IntArray
    s_sec: IntArray
    s_mat: IntArray


class _EdgeFlows(NamedTuple):
    """Each edge's per-path numbers (:func:`_edge_flows`)."""

    share: FloatArray
    share_d: FloatArray
    extra: FloatArray
    premium: FloatArray
    prem_rows: IntArray
    transit: IntArray
    price: FloatArray


class _RampRows(NamedTuple):
    """The rows of one kind of ramp that can move, and their ramps (:func:`_ramp_rows`)."""

    rows: IntArray
    ramp: Ramp
    days: FloatArray
    ok: BoolArray
    span: FloatArray
    amount: FloatArray


class _Measures(NamedTuple):
    """The edges under each measure (:func:`_measures`)."""

    edges: list[IntArray]
    lo: IntArray
    hi: IntArray
    rows: IntArray
    measured: IntArray


class _Queues(NamedTuple):
    """Licence queues and the licence regimes' phases (:func:`_licence_queues`)."""

    meas: IntArray
    edge: IntArray
    reg_days: IntArray
    limited: BoolArray
    regime: dict[str, FloatArray]
    accept: FloatArray
    lic_x: FloatArray


class _Triage(NamedTuple):
    """Delivery ranks and the triage order (:func:`_triage_order`)."""

    rank_of: IntArray
    n_ranks: int
    g_lo: IntArray
    g_hi: IntArray
    value_order: IntArray


def _edges(sc: Scenario, pp: PathParams) -> _Edges:
    """The supply edges, grouped by material (sources in order within a material).

    Returns
    -------
    _Edges
        ``pairs``: the E (source, material) index pairs; ``source``, ``material``:
        (E,) int; ``lo``, ``hi``: (M,) int, edges ``[lo[m], hi[m])`` are material m's;
        ``conv``: (Q,) int, each domestic conversion's edge; ``is_conv``: (E,) bool.
    """
    M, K = len(sc.materials), len(sc.sources)
    mats, srcs = sc.material_ids, sc.source_ids
    pairs = [(k, m) for m in range(M) for k in range(K) if mats[m] in sc.sources[srcs[k]].supply]
    source = _i([e[0] for e in pairs])
    material = _i([e[1] for e in pairs])
    lo = _i(np.searchsorted(material, np.arange(M)))
    hi = _i([*lo[1:], len(pairs)])
    conv = _i([pairs.index((int(pp.conv_k[q]), int(pp.conv_m[q]))) for q in range(len(pp.conv_k))])
    is_conv = np.zeros(len(pairs), dtype=bool)
    is_conv[conv] = True
    return _Edges(pairs, source, material, lo, hi, conv, is_conv)


def _uses(pp: PathParams) -> _Uses:
    """The firms' uses (``PathParams.users``, grouped by material) as index arrays.

    Returns
    -------
    _Uses
        ``material``, ``sector``, ``conversion``: (U,) int; ``lo``, ``hi``: (M,) int,
        uses ``[lo[m], hi[m])`` are material m's; ``srow``: (Us,) int, the sector
        uses' rows; ``crow``: (Uc,) int, the conversion inputs' rows; ``urow_s``:
        (U,) int, a use's index among ``srow`` (-1 for a conversion's input);
        ``s_sec``, ``s_mat``: (Us,) int, the sector uses' sector and material.
    """
    users = pp.users
    material, sector, conversion = _i(users.material), _i(users.sector), _i(users.conversion)
    srow = _i(np.flatnonzero(sector >= 0))
    crow = _i(np.flatnonzero(conversion >= 0))
    urow_s = np.full(users.n, -1, dtype=np.int64)
    urow_s[srow] = np.arange(len(srow))
    return _Uses(material, sector, conversion, _i([a for a, _ in users.bounds]), _i([b for _, b in users.bounds]),
                 srow, crow, urow_s, _i(sector[srow]), _i(material[srow]))


def _edge_flows(pp: PathParams, edges: _Edges, demand: FloatArray) -> _EdgeFlows:
    """Each edge's per-path numbers, paths last, given each material's ``demand`` (M, P) t/day.

    Returns
    -------
    _EdgeFlows
        ``share``: (E, P), baseline share of the material's supply; ``share_d``: (E, P)
        t/day, the baseline flow; ``extra``: (E, P) t/day, extra capacity; ``premium``:
        (E, P), share of the price; ``prem_rows``: int, the edges with a premium on some
        path; ``transit``: (E, P) int, days; ``price``: (E, P) currency/t.
    """
    idx = (edges.source, edges.material)
    share = _rows(pp.share, idx)
    premium = _rows(pp.premium, idx)
    return _EdgeFlows(
        share=share, share_d=share * demand[edges.material], extra=_rows(pp.extra, idx), premium=premium,
        prem_rows=_i(np.flatnonzero((premium > 0.0).any(axis=1))),
        transit=_c(pp.transit.T[edges.source].astype(np.int64)), price=_c(_c(pp.price.T)[edges.material]))


def _ramp_rows(rows: IntArray, known_day: IntArray, lag: FloatArray, days: FloatArray, ok: BoolArray,
               amount: FloatArray) -> _RampRows:
    """One kind of ramp on ``rows`` (R,): each starts ``lag`` (R, P) days after ``known_day`` (R, P) int,
    the day its disruption is known, and lasts ``days`` (R, P) days.

    Returns
    -------
    _RampRows
        ``rows``; ``ramp``: the :class:`~simulator.engines.rules.Ramp`; ``days`` (R, P), days;
        ``ok`` (R, P) bool, the row can move on the path; ``span`` (R, 2) days
        (:func:`_spans` over the paths where ``ok``); ``amount`` (R, P), how far each moves.
    """
    ramp = Ramp(known_day.astype(np.float64) + lag, days)
    return _RampRows(rows, ramp, _c(days), _c(ok), _spans(ramp.begin, days, ok), _c(amount))


def _capacity_ramps(pp: PathParams, trigger: IntArray, edges: _Edges, extra: FloatArray) -> _RampRows:
    """Ramp-up of extra capacity: the edges with ``extra`` (E, P) t/day on some path whose disruption is known.

    Returns
    -------
    _RampRows
        ``amount`` (R, P) t/day: the extra capacity once fully ramped up.
    """
    rows = _i(np.flatnonzero((extra > 0.0).any(axis=1) & (trigger[edges.material] < NEVER).any(axis=1)))
    idx = (edges.source[rows], edges.material[rows])
    known_day = trigger[edges.material[rows]]
    return _ramp_rows(rows, known_day, _rows(pp.ramp_lag, idx), _rows(pp.ramp_days, idx), known_day < NEVER,
                      extra[rows])


def _criticality(pp: PathParams, uses: _Uses) -> tuple[FloatArray, FloatArray]:
    """Each sector use's criticality before and after substitution, (Us, P) each (0 where it uses nothing)."""
    idx = (uses.s_sec, uses.s_mat)
    use_s = _rows(pp.use, idx)
    crit = np.where(use_s > 0.0, _rows(pp.crit, idx), 0.0)
    floor = np.where(use_s > 0.0, _rows(pp.crit_floor, idx), 0.0)
    return crit, floor


def _thrift_ramps(pp: PathParams, trigger: IntArray, uses: _Uses) -> _RampRows:
    """Thrifting: the sector uses that thrift on some path whose disruption is known.

    Returns
    -------
    _RampRows
        ``amount`` (R, P), share: the use per unit of output saved once fully ramped up.
    """
    thrift_s = _rows(pp.thrift, (uses.s_sec, uses.s_mat))
    rows = _i(np.flatnonzero((thrift_s > 0.0).any(axis=1) & (trigger[uses.s_mat] < NEVER).any(axis=1)))
    idx = (uses.s_sec[rows], uses.s_mat[rows])
    known_day = trigger[uses.s_mat[rows]]
    thrift = _c(thrift_s[rows])
    return _ramp_rows(rows, known_day, _rows(pp.thrift_lag, idx), _rows(pp.thrift_ramp, idx),
                      (thrift > 0.0) & (known_day < NEVER), thrift)


def _subst_ramps(pp: PathParams, trigger: IntArray, uses: _Uses, crit: FloatArray, floor: FloatArray) -> _RampRows:
    """Substitution: the sector uses whose criticality ``crit`` (Us, P) can fall to ``floor`` on some path
    whose disruption is known.

    Returns
    -------
    _RampRows
        ``amount`` (R, P): criticality minus its floor.
    """
    rows = _i(np.flatnonzero((floor < crit).any(axis=1) & (trigger[uses.s_mat] < NEVER).any(axis=1)))
    idx = (uses.s_sec[rows], uses.s_mat[rows])
    known_day = trigger[uses.s_mat[rows]]
    return _ramp_rows(rows, known_day, _rows(pp.subst_lag, idx), _rows(pp.subst_days, idx),
                      (floor[rows] < crit[rows]) & (known_day < NEVER), crit[rows] - floor[rows])


def _use_shares(pp: PathParams, uses: _Uses) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each use's baseline use and its shares of it.

    Returns
    -------
    base : ndarray of shape (U, P), t/day
        Baseline use.
    vshare : ndarray of shape (U, P)
        Share of its material's baseline use (0 where the material has none).
    xshare : ndarray of shape (U, P)
        Share of the sectors' baseline use of its material (``vshare`` where the sectors use none).
    """
    base = _c(pp.user_base.T)
    tot_base = msum(base, uses.lo, uses.hi)[uses.material]
    vs = np.divide(base, tot_base, out=np.zeros_like(base), where=tot_base > 0.0)
    base_dir = np.where((uses.conversion < 0)[:, np.newaxis], base, 0.0)
    tot_dir = msum(base_dir, uses.lo, uses.hi)[uses.material]
    xs = np.where(tot_dir > 0.0, np.divide(base_dir, tot_dir, out=np.zeros_like(base), where=tot_dir > 0.0), vs)
    return base, _c(vs), _c(xs)


def _measures(pp: PathParams, edges: _Edges, J: int) -> _Measures:
    """The edges under each of the J measures (its source's edges of the materials it covers).

    Returns
    -------
    _Measures
        ``edges``: J arrays of edge rows; ``lo``, ``hi``: (J,) int and ``rows``: int,
        edges ``rows[lo[j]:hi[j]]`` are under measure j; ``measured``: int, the edges
        under some measure.
    """
    m_edges = [np.flatnonzero((edges.source == pp.msource[j]) & pp.mmat[j][edges.material]) for j in range(J)]
    lo = _i(np.cumsum([0, *[len(r) for r in m_edges]])[:-1]) if J else _i([])
    hi = _i(np.cumsum([len(r) for r in m_edges])) if J else _i([])
    rows = _i(np.concatenate(m_edges)) if J else _i([])
    return _Measures(m_edges, lo, hi, rows, _i(np.unique(rows)))


def _licence_queues(sc: Scenario, pp: PathParams, draws: Draws, edges: _Edges, meas: _Measures) -> _Queues:
    """The licence queues (one per licence measure and edge under it, in measure order) and the regimes' phases.

    Returns
    -------
    _Queues
        ``meas``, ``edge``: (L,) int, each queue's measure and edge; ``reg_days``: (J, H)
        int, day each licence phase starts (``BIG_DAY`` pads); ``limited``: (J,) bool;
        ``regime``: ``approve``, ``reject``, ``pending``, ``exempt``, ``capacity``
        (t per working day), ``lead`` (calendar days), each (J, H, P); ``accept``:
        (J, P) working days; ``lic_x``: (L, T, P) working days, the drawn processing
        time of an application filed on each day.
    """
    P, T, J = pp.n_paths, pp.n_days, len(sc.policy)
    mats = sc.material_ids
    lic: list[tuple[int, int, FloatArray]] = []
    for j, name in enumerate(sc.measure_ids):
        if pp.licences[j] is not None:
            for row in meas.edges[j]:
                lic.append((j, int(row), draws.licence_days[f"{name}/{mats[edges.material[row]]}"]))
    H = max((len(reg.days) for reg in pp.licences if reg is not None), default=1)
    reg_days = np.full((J, H), BIG_DAY, dtype=np.int64)
    limited = np.zeros(J, dtype=bool)
    regime = {f: np.zeros((J, H, P)) for f in ("approve", "reject", "pending", "exempt", "capacity", "lead")}
    accept = np.zeros((J, P))
    for j, reg in enumerate(pp.licences):
        if reg is None:
            continue
        n = len(reg.days)
        reg_days[j, :n] = reg.days
        limited[j] = reg.limited
        for f, arr in regime.items():
            arr[j, :n] = getattr(reg, f).T
        accept[j] = reg.accept
    lic_x = np.empty((len(lic), T, P))
    for i, (_, _, x) in enumerate(lic):
        lic_x[i] = x.T
    return _Queues(_i([j for j, _, _ in lic]), _i([e for _, e, _ in lic]), reg_days, limited, regime, accept, lic_x)


def _calendar(sc: Scenario, pp: PathParams, draws: Draws, L: int) -> tuple[IntArray, IntArray, int]:
    """The working-day calendar and the ring's length.

    Returns
    -------
    cum, nth : ndarray, int
        :func:`simulator.engines.rules.licence_calendar`.
    B : int
        Days of the ring buffers: beyond the longest transit and, with ``L`` licence
        queues, the last decision of an application filed on the last day.
    """
    T = pp.n_days
    cum, nth, longest = licence_calendar(pp, draws, sc.measure_ids)
    max_transit = int(pp.transit.max()) if pp.transit.size else 0
    span = (int(nth[cum[T - 1] + longest]) - (T - 1) if L else 0) + max_transit + 2
    return _i(cum), _i(nth), max(span, max_transit + 2)


def _triage_order(pp: PathParams, uses: _Uses, M: int) -> _Triage:
    """Delivery ranks and, with triage on some path, the uses of each (material, rank) by value, highest first.

    Returns
    -------
    _Triage
        ``rank_of``: (U,) int, each use's rank among the ``n_ranks`` distinct ranks (0
        served first); ``g_lo``, ``g_hi``: (M x n_ranks,) int, rows ``[g_lo, g_hi)`` of
        ``value_order`` are the uses of (material, rank); ``value_order``: (n, P) int,
        per path (empty without triage).
    """
    P, users = pp.n_paths, pp.users
    ranks = users.ranks
    rank_of = _i([ranks.index(int(r)) for r in users.rank])
    n_ranks = len(ranks)
    g_lo = np.zeros(M * n_ranks, dtype=np.int64)
    g_hi = np.zeros(M * n_ranks, dtype=np.int64)
    parts = []
    if (pp.triage > 0.0).any():
        value = _c(pp.user_value.T)
        n_ord = 0
        for ri, r in enumerate(ranks):
            for m in range(M):
                rows = np.flatnonzero((uses.material == m) & (users.rank == r))
                if rows.size:
                    g_lo[m * n_ranks + ri] = n_ord
                    parts.append(rows[np.argsort(-value[rows], axis=0, kind="stable")])
                    n_ord += len(rows)
                    g_hi[m * n_ranks + ri] = n_ord
    value_order = _c(np.concatenate(parts).astype(np.int64)) if parts else np.zeros((0, P), dtype=np.int64)
    return _Triage(rank_of, n_ranks, g_lo, g_hi, value_order)
