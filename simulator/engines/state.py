"""The vectorised engine's state: named arrays, paths last, built in one place.

Three named tuples hold everything the phases read and write (named tuples of
arrays and numbers, so the compiled phases take them as they are):

- :class:`Layout`: the structure, the same on every path: supply *edges*
  (source-material pairs a source supplies, grouped by material), *uses*
  (``PathParams.users``: sector-material pairs and domestic conversions'
  inputs, grouped by material), delivery ranks, measures and licence queues,
  the working-day calendar;
- :class:`Params`: per-path numbers, constant over the run;
- :class:`State`: what the day's phases change, and the day's flows that the
  recorders see (:class:`DayState` is their view of it).

Axes: ``P`` paths (always last, contiguous), ``C`` firm cohorts, ``M``
materials, ``E`` edges, ``U`` uses, ``Us`` uses by sectors, ``S`` sectors,
``Q`` domestic conversions, ``J`` measures, ``L`` licence queues (one per
licensed measure and edge), ``B`` days of the ring buffer of future arrivals
(indexed by ``day % B``), ``H`` phases of a licence regime. A *firm* is one
cohort of one use; firm arrays are (U, C, P). Quantities are in tonnes (t),
flows in t/day, times in days, money in the scenario's currency.

:func:`build` sets up all three for a block of paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from simulator.engines.params import NEVER, PathParams
from simulator.engines.rules import Ramp, licence_calendar
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["DayState", "Kernel", "Layout", "Params", "State", "allocate", "build", "csum", "msum"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BIG_DAY = 2**62
"""Pads a licence regime's phase days: a phase that never starts."""


class Layout(NamedTuple):
    """The structure of a block: sizes and index arrays, the same on every path.

    Attributes
    ----------
    P, C, T, B, M, K, S, U, E, Q, J, L : int
        Paths, cohorts, days, ring days, materials, sources, sectors, uses,
        edges, conversions, measures, licence queues.
    n_ranks : int
        Distinct delivery ranks.
    edge_k, edge_m : ndarray of shape (E,), int
        Source and material of each edge, grouped by material (sources in order).
    e_lo, e_hi : ndarray of shape (M,), int
        Edges ``[e_lo[m], e_hi[m])`` are material m's.
    is_conv_edge : ndarray of shape (E,), bool
        The edge is a domestic conversion's product.
    u_mat, u_sec, u_conv : ndarray of shape (U,), int
        Each use's material, sector (-1 for a conversion's input), conversion (-1 for a sector).
    u_lo, u_hi : ndarray of shape (M,), int
        Uses ``[u_lo[m], u_hi[m])`` are material m's (sectors in order, then conversions).
    rank_of : ndarray of shape (U,), int
        Index of each use's delivery rank among the distinct ranks (0 served first).
    srow, s_sec, s_mat : ndarray of shape (Us,), int
        Uses by sectors: their row, sector and material.
    urow_s : ndarray of shape (U,), int
        Index of a use among ``srow`` (-1 for a conversion's input).
    crow, c_conv : ndarray of shape (Uc,), int
        Conversions' inputs: their row and conversion.
    conv_edge, conv_mat : ndarray of shape (Q,), int
        Each conversion's edge and product.
    g_lo, g_hi : ndarray of shape (M x n_ranks,), int
        With triage, rows ``[g_lo, g_hi)`` of ``Params.value_order`` are the uses of (material, rank).
    meas_kind : ndarray of shape (J,), int
        :class:`~simulator.engines.rules.MeasureKind` of each measure.
    me_lo, me_hi : ndarray of shape (J,), int; me_rows : ndarray, int
        Edges ``me_rows[me_lo[j]:me_hi[j]]`` are under measure j.
    measured : ndarray, int
        Edges under some measure.
    lic_meas, lic_edge : ndarray of shape (L,), int
        Measure and edge of each licence queue.
    reg_days : ndarray of shape (J, H), int
        Day each licence phase starts (padded with a day that never comes).
    limited : ndarray of shape (J,), bool
        Some phase of the regime has a capacity limit.
    cum, nth : ndarray, int
        The working-day calendar (:func:`simulator.engines.rules.licence_calendar`).
    working : ndarray of shape (T,), bool
        Day t is a working day.
    ramp_rows, thrift_rows, subst_rows, prem_rows : ndarray, int
        Edges whose capacity can ramp up; sector uses that can thrift; sector
        uses whose criticality can fall; edges that charge a premium.
    ramp_first, ramp_done, thrift_first, thrift_done, subst_first, subst_done : float
        The days between which each kind of ramp can move (see :meth:`~simulator.engines.rules.Ramp.moving`).
    """

    P: int
    C: int
    T: int
    B: int
    M: int
    K: int
    S: int
    U: int
    E: int
    Q: int
    J: int
    L: int
    n_ranks: int
    edge_k: IntArray
    edge_m: IntArray
    e_lo: IntArray
    e_hi: IntArray
    is_conv_edge: BoolArray
    u_mat: IntArray
    u_sec: IntArray
    u_conv: IntArray
    u_lo: IntArray
    u_hi: IntArray
    rank_of: IntArray
    srow: IntArray
    s_sec: IntArray
    s_mat: IntArray
    urow_s: IntArray
    crow: IntArray
    c_conv: IntArray
    conv_edge: IntArray
    conv_mat: IntArray
    g_lo: IntArray
    g_hi: IntArray
    meas_kind: IntArray
    me_lo: IntArray
    me_hi: IntArray
    me_rows: IntArray
    measured: IntArray
    lic_meas: IntArray
    lic_edge: IntArray
    reg_days: IntArray
    limited: BoolArray
    cum: IntArray
    nth: IntArray
    working: BoolArray
    ramp_rows: IntArray
    thrift_rows: IntArray
    subst_rows: IntArray
    prem_rows: IntArray
    ramp_first: float
    ramp_done: float
    thrift_first: float
    thrift_done: float
    subst_first: float
    subst_done: float


class Params(NamedTuple):
    """Per-path numbers of a block, constant over the run, paths last.

    Attributes
    ----------
    cohort_w : ndarray of shape (C,)
        Each cohort's share of every use.
    demand, target, cover_d : ndarray of shape (M, P), t/day, t, t
        Baseline daily demand; order-up-to position before a disruption is
        known (cover plus baseline pipeline); normal inventory (cover x demand).
    trigger : ndarray of shape (M, P), int, days
        Day a disruption of the material is known (``NEVER``: none).
    stock_open : ndarray of shape (M, P), int, days
        Day the stockpile agency opens (``NEVER``: never).
    stock_trigger, stock_rate : ndarray of shape (M, P), t, t/day
        Release towards this inventory; at most this a day.
    share, share_d : ndarray of shape (E, P), share, t/day
        Baseline share of each edge in its material's supply, and its baseline flow.
    extra : ndarray of shape (E, P), t/day
        Extra capacity once fully ramped up.
    price, premium : ndarray of shape (E, P), currency/t, share
        The material's price and the edge's premium over it.
    transit : ndarray of shape (E, P), int, days; transit_f : the same as float
    ramp_begin, ramp_days : ndarray of shape (R, P), days; ramp_ok : bool
        Capacity ramps of ``Layout.ramp_rows`` (``ramp_ok``: the disruption is ever known).
    ramp_span, thrift_span, subst_span : ndarray of shape (R, 2), days
        Each ramp row's first start and last end over its paths whose disruption is known
        (``inf, -inf`` for none): outside them no path of the row moves.
    base : ndarray of shape (U, P), t/day
        Each use's baseline use (a conversion input's at the conversion's baseline output).
    recipe : ndarray of shape (U, P), t per t
        A conversion input's tonnes per tonne made (0 for a sector).
    cover : ndarray of shape (U, C, P), days
        Each firm's normal cover.
    vshare, xshare : ndarray of shape (U, P)
        A use's share of its material's baseline use (stockpile releases), and
        of the sectors' baseline use (deliveries beyond every gap); a firm's
        share is its cohort's weight times this.
    value_order : ndarray of shape (n, P), int
        With triage, the uses of each (material, rank) in order of value, highest first.
    triage : ndarray of shape (P,)
        Share of scarce deliveries that goes by value first.
    crit : ndarray of shape (Us, P)
        Criticality of each sector use before substitution.
    subst_begin, subst_days : ndarray of shape (Rs, P), days; subst_ok : bool
    subst_drop : ndarray of shape (Rs, P)
        Criticality minus its floor.
    thrift : ndarray of shape (Rt, P), share
    thrift_begin, thrift_days : ndarray of shape (Rt, P), days; thrift_ok : bool
    pair_base : ndarray of shape (Us, P), t/day
        Baseline use of each sector use.
    overtime, catch_share : ndarray of shape (S, P), share of daily output
    daily_output : ndarray of shape (S, P), currency/day
    window_end : ndarray of shape (S, P), days
        Last day catch-up can be made.
    start, end : ndarray of shape (J, P), int, days
        Each measure is active on days ``start <= t < end``.
    coverage, quota, leakage, leak_lag, leak_days : ndarray of shape (J, P)
    approve, reject, pending, exempt, capacity, lead : ndarray of shape (J, H, P)
        Each licence phase's shares of the volume decided, exempt share,
        t per working day (``inf``: no limit), planned wait in calendar days.
    accept : ndarray of shape (J, P), working days
    lic_x : ndarray of shape (L, T, P), working days
        Drawn processing time of an application filed (or decided again) on each day.
    """

    cohort_w: FloatArray
    demand: FloatArray
    target: FloatArray
    cover_d: FloatArray
    trigger: IntArray
    stock_open: IntArray
    stock_trigger: FloatArray
    stock_rate: FloatArray
    share: FloatArray
    share_d: FloatArray
    extra: FloatArray
    price: FloatArray
    premium: FloatArray
    transit: IntArray
    transit_f: FloatArray
    ramp_begin: FloatArray
    ramp_days: FloatArray
    ramp_ok: BoolArray
    ramp_span: FloatArray
    thrift_span: FloatArray
    subst_span: FloatArray
    base: FloatArray
    recipe: FloatArray
    cover: FloatArray
    vshare: FloatArray
    xshare: FloatArray
    value_order: IntArray
    triage: FloatArray
    crit: FloatArray
    subst_begin: FloatArray
    subst_days: FloatArray
    subst_ok: BoolArray
    subst_drop: FloatArray
    thrift: FloatArray
    thrift_begin: FloatArray
    thrift_days: FloatArray
    thrift_ok: BoolArray
    pair_base: FloatArray
    overtime: FloatArray
    catch_share: FloatArray
    daily_output: FloatArray
    window_end: FloatArray
    start: IntArray
    end: IntArray
    coverage: FloatArray
    quota: FloatArray
    leakage: FloatArray
    leak_lag: FloatArray
    leak_days: FloatArray
    approve: FloatArray
    reject: FloatArray
    pending: FloatArray
    exempt: FloatArray
    capacity: FloatArray
    lead: FloatArray
    accept: FloatArray
    lic_x: FloatArray


class State(NamedTuple):
    """What the phases change, paths last. Stocks are in t, flows in t/day.

    Attributes
    ----------
    stock : ndarray of shape (U, C, P), t
        Each firm's stock.
    normal : ndarray of shape (U, C, P), t
        Each firm's normal stock (cover x use; a conversion's follows its capacity).
    ratio, cu_ratio : ndarray of shape (U, C, P)
        Share of today's need, and of today's catch-up need, each firm met (``CONSUME``).
    stockpile, pipeline, released : ndarray of shape (M, P), t
        National stockpile; ordered and not arrived; stockpile released so far.
    inventory : ndarray of shape (M, P), t
        Firms' stock of each material after today's production.
    release, requirement, consumption, shortfall, placed, denied : ndarray of shape (M, P), t/day
        The day's flows (denied: rejected by licence decisions or not made by a conversion).
    arrivals : ndarray of shape (E, P), t/day
        The day's arrivals on each edge.
    capacity : ndarray of shape (E, P), t/day
        Each edge's capacity: baseline flow plus the extra capacity ramped up.
    orders, ship, apply : ndarray of shape (E, P), t
        Today's orders; what of them ships; what applies for a licence.
    cov, passing, leak, exempt, ahead : ndarray of shape (E, P)
        The measure in force on each edge today: coverage; a ban's or quota's
        pass share; a licence's leakage and exempt shares; days ordered ahead
        per unit of a day's order.
    kind : ndarray of shape (E, P), int
        Its :class:`~simulator.engines.rules.MeasureKind`, or -1.
    ring : ndarray of shape (B, E, P), t
        Arrivals scheduled on each future day ``d`` at ``ring[d % B]``.
    lic_due : ndarray of shape (L, B, P), t
        Applications due for a decision on day ``d`` at ``lic_due[:, d % B]``.
    lic_waiting : ndarray of shape (L, P), t
        Volume waiting for the ministry's capacity.
    conv_order : ndarray of shape (Q, P), t
        Ordered from each conversion, made the next day.
    backlog : ndarray of shape (S, P), days of output
        Lost output still to be made up.
    catch_up : ndarray of shape (S, P), share of daily output
        Catch-up planned today.
    fraction, output : ndarray of shape (S, P), share of daily output
        Output before and after catch-up.
    made_up : ndarray of shape (S, P), share of daily output
    lost : ndarray of shape (S, P), currency/day
    thrift_factor : ndarray of shape (Us, P)
        Use per unit of output relative to baseline.
    criticality : ndarray of shape (Us, P)
        Today's criticality of each sector use.
    premium : ndarray of shape (P,), currency/day
        Extra cost paid today.
    w_gap, w_inner, w_total, w_G, w_rem_r, w_mode, w_rem, w_give, w_gsum, w_acc, w_f, w_g : ndarray
        Scratch of the compiled phases, by path (so blocks of paths use their own
        columns): a material's firms' gaps (width, C, P), their sums by rank (R, C, P)
        and over all firms (C, P); each rank's total gap, amount left and mode (R, P);
        the amount left (P,); triage's give and per-use gaps (U, P); consumption's sums
        (4, C, P); each sector cohort's output and catch-up fractions (S, C, P). Not state:
        a phase writes what it reads.
    """

    stock: FloatArray
    normal: FloatArray
    ratio: FloatArray
    cu_ratio: FloatArray
    stockpile: FloatArray
    pipeline: FloatArray
    released: FloatArray
    inventory: FloatArray
    release: FloatArray
    requirement: FloatArray
    consumption: FloatArray
    shortfall: FloatArray
    placed: FloatArray
    denied: FloatArray
    arrivals: FloatArray
    capacity: FloatArray
    orders: FloatArray
    ship: FloatArray
    apply: FloatArray
    cov: FloatArray
    passing: FloatArray
    leak: FloatArray
    exempt: FloatArray
    ahead: FloatArray
    kind: IntArray
    ring: FloatArray
    lic_due: FloatArray
    lic_waiting: FloatArray
    conv_order: FloatArray
    backlog: FloatArray
    catch_up: FloatArray
    fraction: FloatArray
    output: FloatArray
    made_up: FloatArray
    lost: FloatArray
    thrift_factor: FloatArray
    criticality: FloatArray
    premium: FloatArray
    w_gap: FloatArray
    w_inner: FloatArray
    w_total: FloatArray
    w_G: FloatArray
    w_rem_r: FloatArray
    w_mode: IntArray
    w_rem: FloatArray
    w_give: FloatArray
    w_gsum: FloatArray
    w_acc: FloatArray
    w_f: FloatArray
    w_g: FloatArray

    def copy(self) -> State:
        """A deep copy (every array copied)."""
        return State._make(np.array(a, copy=True) for a in self)


class DayState:
    """The recorders' view of one day, paths last. Arrays are reused: copy to keep.

    Attributes (shapes with P last): ``inv, stock, pipe`` (M, P) end of day;
    ``arrivals_e`` (E, P) arrivals on each supply edge (a source-material pair
    listed in ``edge_k, edge_m``); ``release, requirement, consumption,
    shortfall, placed, denied`` (M, P); ``f, output, lost`` (S, P);
    ``premium`` (P,).
    """

    __slots__ = (
        "arrivals_e",
        "consumption",
        "denied",
        "edge_k",
        "edge_m",
        "f",
        "inv",
        "lost",
        "output",
        "pipe",
        "placed",
        "premium",
        "release",
        "requirement",
        "shortfall",
        "stock",
    )

    def __init__(self, M: int, K: int, S: int, P: int, edge_k: IntArray | None = None,
                 edge_m: IntArray | None = None) -> None:
        if edge_k is None or edge_m is None:
            edge_k, edge_m = np.repeat(np.arange(K), M), np.tile(np.arange(M), K)
        self.edge_k, self.edge_m = edge_k, edge_m
        self.inv = np.zeros((M, P))
        self.stock = np.zeros((M, P))
        self.pipe = np.zeros((M, P))
        self.arrivals_e = np.zeros((len(edge_k), P))
        self.release = np.zeros((M, P))
        self.requirement = np.zeros((M, P))
        self.shortfall = np.zeros((M, P))
        self.consumption = np.zeros((M, P))
        self.placed = np.zeros((M, P))
        self.denied = np.zeros((M, P))
        self.f = np.ones((S, P))
        self.output = np.ones((S, P))
        self.lost = np.zeros((S, P))
        self.premium = np.zeros(P)

    @classmethod
    def view(cls, lay: Layout, state: State) -> DayState:
        """The recorders' view of a kernel's state (no copy: the arrays are the state's)."""
        ds = cls.__new__(cls)
        ds.edge_k, ds.edge_m = lay.edge_k, lay.edge_m
        ds.inv, ds.stock, ds.pipe = state.inventory, state.stockpile, state.pipeline
        ds.arrivals_e = state.arrivals
        ds.release, ds.requirement, ds.consumption = state.release, state.requirement, state.consumption
        ds.shortfall, ds.placed, ds.denied = state.shortfall, state.placed, state.denied
        ds.f, ds.output, ds.lost, ds.premium = state.fraction, state.output, state.lost, state.premium
        return ds


@dataclass
class Kernel:
    """A block's layout, parameters and state, with the ramps' schedules the NumPy phases use."""

    lay: Layout
    par: Params
    state: State
    ramp: Ramp
    thrift_ramp: Ramp
    subst_ramp: Ramp

    @property
    def day(self) -> DayState:
        """The recorders' view of the state."""
        return DayState.view(self.lay, self.state)


_A = TypeVar("_A", bound=npt.NDArray[Any])


def _c(a: _A) -> _A:
    """``a`` C-contiguous (the compiled phases are compiled for contiguous arrays)."""
    return np.ascontiguousarray(a)  # type: ignore[return-value]


def _rows(a: FloatArray, idx: tuple[IntArray, ...]) -> FloatArray:
    """Select ``a[:, i, j]`` for index arrays and put paths last, contiguous."""
    sel: tuple[slice | IntArray, ...] = (slice(None), *idx)
    return np.ascontiguousarray(a[sel].T)


def msum(x: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Sum rows ``[lo[m], hi[m])`` of ``x`` (n, ...) for each m, one row after another (0 for none).

    Returns an array of shape (len(lo), ...): the order of addition of the SimPy engine.
    """
    out = np.zeros((len(lo), *x.shape[1:]))
    for i in range(len(lo)):
        a, b = int(lo[i]), int(hi[i])
        if b > a:
            acc = out[i]
            acc[...] = x[a]
            for r in range(a + 1, b):
                acc += x[r]
    return out


def csum(x: FloatArray) -> FloatArray:
    """Sum a firm array (..., C, P) over cohorts, in cohort order: (..., P)."""
    acc = np.array(x[..., 0, :], copy=True)
    for c in range(1, x.shape[-2]):
        acc += x[..., c, :]
    return acc


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


def build(sc: Scenario, pp: PathParams, draws: Draws) -> Kernel:
    """Lay out a block of paths and set up its day-0 state (goods already in transit, normal stocks).

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        Per-path parameters of the block's ``P`` paths.
    draws : Draws
        The block's draws (licence processing times).

    Returns
    -------
    Kernel
    """
    P, T = pp.n_paths, pp.n_days
    M, K, S, J = len(sc.materials), len(sc.sources), len(sc.sectors), len(sc.policy)
    edges, uses = _edges(sc, pp), _uses(pp)
    d, trigger = _c(pp.demand.T), _c(pp.trigger.T)
    flows = _edge_flows(pp, edges, d)
    crit, floor = _criticality(pp, uses)
    cap, thrift, subst = (_capacity_ramps(pp, trigger, edges, flows.extra), _thrift_ramps(pp, trigger, uses),
                          _subst_ramps(pp, trigger, uses, crit, floor))
    base, vshare, xshare = _use_shares(pp, uses)
    meas = _measures(pp, edges, J)
    queues = _licence_queues(sc, pp, draws, edges, meas)
    cum, nth, B = _calendar(sc, pp, draws, len(queues.meas))
    tri = _triage_order(pp, uses, M)
    lay = Layout(
        P=P, C=len(pp.cohort_w), T=T, B=B, M=M, K=K, S=S, U=pp.users.n, E=len(edges.pairs), Q=len(pp.conv_k), J=J,
        L=len(queues.meas), n_ranks=tri.n_ranks, edge_k=edges.source, edge_m=edges.material, e_lo=edges.lo,
        e_hi=edges.hi, is_conv_edge=edges.is_conv, u_mat=uses.material, u_sec=uses.sector, u_conv=uses.conversion,
        u_lo=uses.lo, u_hi=uses.hi, rank_of=tri.rank_of, srow=uses.srow, s_sec=uses.s_sec, s_mat=uses.s_mat,
        urow_s=uses.urow_s, crow=uses.crow, c_conv=_i(uses.conversion[uses.crow]), conv_edge=edges.conv,
        conv_mat=_i(pp.conv_m), g_lo=tri.g_lo, g_hi=tri.g_hi, meas_kind=_i(pp.kind), me_lo=meas.lo, me_hi=meas.hi,
        me_rows=meas.rows, measured=meas.measured, lic_meas=queues.meas, lic_edge=queues.edge,
        reg_days=queues.reg_days, limited=queues.limited, cum=cum, nth=nth,
        working=((pp.start_weekday + np.arange(T)) % 7) < 5, ramp_rows=cap.rows, thrift_rows=thrift.rows,
        subst_rows=subst.rows, prem_rows=flows.prem_rows, ramp_first=cap.ramp.first_day,
        ramp_done=cap.ramp.done_day, thrift_first=thrift.ramp.first_day, thrift_done=thrift.ramp.done_day,
        subst_first=subst.ramp.first_day, subst_done=subst.ramp.done_day,
    )
    transit = flows.transit
    par = Params(
        cohort_w=_c(np.asarray(pp.cohort_w, dtype=np.float64)), demand=d, target=_c(pp.target.T),
        cover_d=_c(pp.cover.T) * d, trigger=trigger,
        stock_open=_c(np.where(trigger < NEVER, trigger + _c(pp.stock_lag.T), NEVER).astype(np.int64)),
        stock_trigger=_c(pp.stock_trigger.T), stock_rate=_c(pp.stock_rate.T), share=flows.share,
        share_d=flows.share_d, extra=flows.extra, price=flows.price, premium=flows.premium, transit=transit,
        transit_f=_c(transit.astype(np.float64)), ramp_begin=_c(cap.ramp.begin), ramp_days=cap.days,
        ramp_ok=cap.ok, ramp_span=cap.span, thrift_span=thrift.span, subst_span=subst.span, base=base,
        recipe=_c(pp.user_recipe.T), cover=_c(pp.user_cover.transpose(1, 2, 0)), vshare=vshare, xshare=xshare,
        value_order=tri.value_order, triage=_c(np.asarray(pp.triage, dtype=np.float64)), crit=_c(crit),
        subst_begin=_c(subst.ramp.begin), subst_days=subst.days, subst_ok=subst.ok, subst_drop=subst.amount,
        thrift=thrift.amount, thrift_begin=_c(thrift.ramp.begin), thrift_days=thrift.days, thrift_ok=thrift.ok,
        pair_base=_c(base[uses.srow]), overtime=_c(pp.overtime.T), catch_share=_c(pp.catch_share.T),
        daily_output=_c(pp.daily_output.T), window_end=_c(pp.first_start[np.newaxis, :] + pp.window.T),
        start=_c(pp.start.T.astype(np.int64)), end=_c(pp.end.T.astype(np.int64)), coverage=_c(pp.coverage.T),
        quota=_c(pp.quota.T), leakage=_c(pp.leakage.T), leak_lag=_c(pp.leak_lag.T), leak_days=_c(pp.leak_days.T),
        accept=queues.accept, lic_x=queues.lic_x, **queues.regime,
    )
    return Kernel(lay, par, allocate(lay, par, pp), cap.ramp, thrift.ramp, subst.ramp)


def allocate(lay: Layout, par: Params, pp: PathParams) -> State:
    """The day-0 state: normal stocks, the national stockpile, the baseline flow in transit.

    Goods already on their way on day 0 are each edge's baseline flow over its
    transit time (a conversion's last day of it is the order it makes on day 0),
    added to the pipeline in the SimPy engine's order (sources, then days).
    """
    P, C, M, E, U, S = lay.P, lay.C, lay.M, lay.E, lay.U, lay.S
    w = par.cohort_w[:, np.newaxis]
    normal = par.cover * (w * par.base[:, np.newaxis, :])  # (U, C, P): cover x (w x baseline use)
    stock = normal.copy()
    inventory = csum(msum(stock, lay.u_lo, lay.u_hi))  # firms in order within a cohort, then cohorts
    ring = np.zeros((lay.B, E, P))
    transit, share_d = par.transit, par.share_d
    max_transit = int(transit.max()) if transit.size else 0
    is_conv = lay.is_conv_edge[:, np.newaxis]
    for day in range(max_transit):
        has = (day < transit) & ~(is_conv & (day == transit - 1))
        ring[day % lay.B] += np.where(has, share_d, 0.0)
    pipeline = np.zeros((M, P))
    for e in range(E):
        flow = share_d[e]
        for day in range(max_transit):
            pipeline[lay.edge_m[e]] += np.where((day < transit[e]) & (flow > 0.0), flow, 0.0)
    Us = len(lay.srow)
    width = int(max((lay.u_hi - lay.u_lo).max(initial=0), 1))
    R = lay.n_ranks
    return State(
        stock=stock, normal=normal, ratio=np.ones((U, C, P)), cu_ratio=np.ones((U, C, P)),
        stockpile=_c(pp.stock0.T.astype(np.float64)), pipeline=pipeline, released=np.zeros((M, P)),
        inventory=_c(inventory),
        release=np.zeros((M, P)), requirement=np.zeros((M, P)), consumption=np.zeros((M, P)),
        shortfall=np.zeros((M, P)), placed=np.zeros((M, P)), denied=np.zeros((M, P)),
        arrivals=np.zeros((E, P)), capacity=share_d.copy(), orders=np.zeros((E, P)), ship=np.zeros((E, P)),
        apply=np.zeros((E, P)), cov=np.zeros((E, P)), passing=np.zeros((E, P)), leak=np.zeros((E, P)),
        exempt=np.zeros((E, P)), ahead=np.zeros((E, P)), kind=np.full((E, P), -1, dtype=np.int64),
        ring=ring, lic_due=np.zeros((lay.L, lay.B, P)), lic_waiting=np.zeros((lay.L, P)),
        conv_order=_c(share_d[lay.conv_edge]), backlog=np.zeros((S, P)), catch_up=np.zeros((S, P)),
        fraction=np.ones((S, P)), output=np.ones((S, P)), made_up=np.zeros((S, P)), lost=np.zeros((S, P)),
        thrift_factor=np.ones((Us, P)), criticality=par.crit.copy(), premium=np.zeros(P),
        w_gap=np.zeros((width, C, P)), w_inner=np.zeros((R, C, P)), w_total=np.zeros((C, P)), w_G=np.zeros((R, P)),
        w_rem_r=np.zeros((R, P)), w_mode=np.zeros((R, P), dtype=np.int64), w_rem=np.zeros(P),
        w_give=np.zeros((U, P)), w_gsum=np.zeros((U, P)), w_acc=np.zeros((4, C, P)), w_f=np.ones((S, C, P)),
        w_g=np.ones((S, C, P)),
    )

