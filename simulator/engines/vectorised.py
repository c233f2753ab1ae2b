"""The Monte Carlo engine: the daily semantics in NumPy over all paths at once.

Every state array has the paths axis last (``(..., P)``, C-contiguous), so the
day's operations stream through memory; the day loop is the only loop over
time, and the other loops run over a handful of priority levels and licensed
(measure, material) pairs. Shipments are scheduled into a ring buffer of
future arrivals indexed by ``day % B``; a licence application is filed at
submission (its processing time and outcome are in the draws) into a ring
buffer of approved or denied volume by decision day, per licensed
(measure, edge), so no per-application object exists.

The kernel (:func:`run_kernel`) sets up the state, then its day loop calls
one function per phase, in the order of the SimPy engine's processes:
``arrivals``, ``stockpile``, ``requirements``, ``allocate``, ``produce``,
``decide_licences``, ``order``, ``dispatch``. Steps 1-6 run on a combined
(firm cohort, path) axis, so allocation and output read the same for one
cohort or many. It reports each day's state to a recorder: a
:class:`FullRecorder` fills :class:`~simulator.trajectories.Trajectories`;
streaming recorders (see :mod:`simulator.stream`) keep only summaries.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from simulator.draws import Draws
from simulator.engines import _compiled
from simulator.params import NEVER, LicenceRegime, PathParams, pass_share, review_days, working_day_calendar
from simulator.scenario import Scenario
from simulator.trajectories import Trajectories

__all__ = ["ENOUGH", "DayState", "FullRecorder", "run_kernel", "simulate_vectorised"]

FloatArray = npt.NDArray[np.float64]

COMPILED = True
"""Use the compiled loops of :mod:`simulator.engines._compiled` where numba is installed (the same numbers)."""

ENOUGH = 1e-12
"""A requirement is met in full when supply falls short of it by at most this share (as the SimPy engine)."""


class DayState:
    """The kernel's view of one day, paths last. Arrays are reused: copy to keep.

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

    def __init__(self, M: int, K: int, S: int, P: int, edge_k: npt.NDArray[np.int64] | None = None,
                 edge_m: npt.NDArray[np.int64] | None = None) -> None:
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


class Recorder(Protocol):
    def start(self, state: DayState) -> None: ...

    def record(self, t: int, state: DayState) -> None: ...


class FullRecorder:
    """Keeps every daily array in a :class:`Trajectories` (paths first)."""

    def __init__(self, sc: Scenario, pp: PathParams) -> None:
        P, M = pp.n_paths, len(sc.materials)
        self.tr = Trajectories.empty(
            P,
            pp.n_days,
            sc.material_ids,
            sc.source_ids,
            sc.sector_ids,
            inventory0=np.zeros((P, M)),
            stockpile0=np.zeros((P, M)),
            pipeline0=np.zeros((P, M)),
            daily_output=pp.daily_output.copy(),
            demand=pp.demand.copy(),
            gdp=pp.gdp.copy(),
            currency=sc.economy.currency,
            engine="vectorised",
        )

    def start(self, state: DayState) -> None:
        self.tr.inventory0[:] = state.inv.T
        self.tr.stockpile0[:] = state.stock.T
        self.tr.pipeline0[:] = state.pipe.T

    def record(self, t: int, s: DayState) -> None:
        tr = self.tr
        tr.inventory[:, t] = s.inv.T
        tr.stockpile[:, t] = s.stock.T
        tr.pipeline[:, t] = s.pipe.T
        tr.arrivals[:, t][:, s.edge_k, s.edge_m] = s.arrivals_e.T
        tr.release[:, t] = s.release.T
        tr.requirement[:, t] = s.requirement.T
        tr.consumption[:, t] = s.consumption.T
        tr.shortfall[:, t] = s.shortfall.T
        tr.placed[:, t] = s.placed.T
        tr.denied[:, t] = s.denied.T
        tr.output_fraction[:, t] = s.f.T
        tr.output[:, t] = s.output.T
        tr.lost_output[:, t] = s.lost.T
        tr.premium_cost[:, t] = s.premium


def _rows(a: FloatArray, idx: tuple[npt.NDArray[np.int64], ...]) -> FloatArray:
    """Select ``a[:, i, j]`` for index arrays and put paths last, contiguous."""
    sel: tuple[slice | npt.NDArray[np.int64], ...] = (slice(None), *idx)
    return np.ascontiguousarray(a[sel].T)


class _Ramp:
    """Linear ramps on a subset of rows, as :func:`simulator.params.ramp_fraction` computes them."""

    def __init__(self, begin: FloatArray, days: FloatArray) -> None:
        self.begin = begin
        self.pos = days > 0.0
        self.safe = np.where(self.pos, days, 1.0)
        self.done_day = float(np.max(np.where(self.pos, begin + days, begin), initial=-np.inf))
        self.first_day = float(np.min(begin, initial=np.inf))

        self.all_pos = bool(self.pos.all())

    def __call__(self, t: int) -> FloatArray:
        elapsed = t - self.begin
        with np.errstate(over="ignore"):  # a ramp of a few 1e-300 days is a step
            frac = np.clip(elapsed / self.safe, 0.0, 1.0)
        return frac if self.all_pos else np.where(self.pos, frac, np.where(elapsed >= 0.0, 1.0, 0.0))


def run_kernel(sc: Scenario, pp: PathParams, draws: Draws, rec: Recorder) -> None:
    """Run the daily semantics over all paths, reporting each day to ``rec``.

    Supply is held on *edges* (source-material pairs a source supplies,
    grouped by material) and stock on *uses* (``pp.users``: sector-material
    pairs and domestic conversions' inputs, grouped by material), each split
    in firm cohorts, so the per-day work scales with the pairs that exist
    rather than with sources x materials x sectors.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        Per-path parameters for the paths of ``draws``.
    draws : Draws
    rec : Recorder
        Receives ``start(state)`` once, then ``record(t, state)`` each day.
    """
    P, T = pp.n_paths, pp.n_days
    M, K, S, J = len(sc.materials), len(sc.sources), len(sc.sectors), len(sc.policy)
    mats, srcs = sc.material_ids, sc.source_ids
    ar = np.arange(P)

    # ---- structure: edges (k, m) grouped by material; uses grouped by material (see PathParams.users)
    edges = [(k, m) for m in range(M) for k in range(K) if mats[m] in sc.sources[srcs[k]].supply]
    ek = np.array([e[0] for e in edges], dtype=np.int64)
    em = np.array([e[1] for e in edges], dtype=np.int64)
    e_start = np.searchsorted(em, np.arange(M))
    e_bounds = [(int(a), int(b)) for a, b in zip(e_start, [*e_start[1:], len(edges)], strict=False)]
    users = pp.users
    U = users.n
    um, usec, uconv = users.material, users.sector, users.conversion
    u_bounds = users.bounds
    srow = np.flatnonzero(usec >= 0)  # uses by sectors
    crow = np.flatnonzero(uconv >= 0)  # conversions' inputs
    Q = len(pp.conv_k)
    conv_edge = np.array([edges.index((int(pp.conv_k[q]), int(pp.conv_m[q]))) for q in range(Q)], dtype=np.int64)
    is_conv_e = np.zeros(len(edges), dtype=bool)
    is_conv_e[conv_edge] = True

    def msum(x: FloatArray, bounds: list[tuple[int, int]]) -> FloatArray:
        """Sum rows of each material's group (rows added in order, as the SimPy engine adds them)."""
        out = np.zeros((len(bounds), x.shape[1]))
        for i, (a, b) in enumerate(bounds):
            if b > a:
                np.sum(x[a:b], axis=0, out=out[i])
        return out

    # ---- parameters, paths last
    d = np.ascontiguousarray(pp.demand.T)  # (M, P)
    target = np.ascontiguousarray(pp.target.T)
    stock_trigger = np.ascontiguousarray(pp.stock_trigger.T)
    stock_lag = np.ascontiguousarray(pp.stock_lag.T)
    stock_rate = np.ascontiguousarray(pp.stock_rate.T)
    trigger = np.ascontiguousarray(pp.trigger.T)  # (M, P)
    share = _rows(pp.share, (ek, em))  # (E, P)
    share_d = share * d[em]
    extra = _rows(pp.extra, (ek, em))
    price_e = np.ascontiguousarray(pp.price.T)[em]
    prem_rows = np.flatnonzero((_rows(pp.premium, (ek, em)) > 0.0).any(axis=1))
    premium = _rows(pp.premium, (ek, em))
    transit_e = np.ascontiguousarray(pp.transit.T)[ek]  # (E, P)
    ramp_rows = np.flatnonzero((extra > 0.0).any(axis=1) & (trigger[em] < NEVER).any(axis=1))
    ramp = _Ramp(trigger[em[ramp_rows]].astype(np.float64) + _rows(pp.ramp_lag, (ek[ramp_rows], em[ramp_rows])),
                 _rows(pp.ramp_days, (ek[ramp_rows], em[ramp_rows])))
    ramp_ok = (trigger[em[ramp_rows]] < NEVER)
    ramp_all_ok = bool(ramp_ok.all())
    extra_r = extra[ramp_rows]
    s_sec, s_mat = usec[srow], um[srow]
    base_u = np.ascontiguousarray(pp.user_base.T)  # (U, P) baseline use, t/day
    pair_base = base_u[srow]  # (Us, P) the sectors' baseline use
    crit_s = np.where(_rows(pp.use, (s_sec, s_mat)) > 0.0, _rows(pp.crit, (s_sec, s_mat)), 0.0)  # (Us, P)
    floor_s = np.where(_rows(pp.use, (s_sec, s_mat)) > 0.0, _rows(pp.crit_floor, (s_sec, s_mat)), 0.0)
    subst_rows = np.flatnonzero((floor_s < crit_s).any(axis=1) & (trigger[s_mat] < NEVER).any(axis=1))
    subst_ok = (floor_s[subst_rows] < crit_s[subst_rows]) & (trigger[s_mat[subst_rows]] < NEVER)
    sramp = _Ramp(trigger[s_mat[subst_rows]].astype(np.float64) + _rows(pp.subst_lag, (s_sec[subst_rows], s_mat[subst_rows])),
                  _rows(pp.subst_days, (s_sec[subst_rows], s_mat[subst_rows])))
    thrift_s = _rows(pp.thrift, (s_sec, s_mat))
    thrift_rows = np.flatnonzero((thrift_s > 0.0).any(axis=1) & (trigger[s_mat] < NEVER).any(axis=1))
    thrift_r = thrift_s[thrift_rows]
    thrift_ok = thrift_r > 0.0
    thrift_ok &= trigger[s_mat[thrift_rows]] < NEVER
    tramp = _Ramp(trigger[s_mat[thrift_rows]].astype(np.float64) + _rows(pp.thrift_lag, (s_sec[thrift_rows], s_mat[thrift_rows])),
                  _rows(pp.thrift_ramp, (s_sec[thrift_rows], s_mat[thrift_rows])))
    factor_s = np.ones_like(pair_base)
    overtime = np.ascontiguousarray(pp.overtime.T)  # (S, P)
    catch_share = np.ascontiguousarray(pp.catch_share.T)
    daily_output = np.ascontiguousarray(pp.daily_output.T)
    window_end = pp.first_start[np.newaxis, :] + np.ascontiguousarray(pp.window.T)
    start = np.ascontiguousarray(pp.start.T)  # (J, P)
    end = np.ascontiguousarray(pp.end.T)
    coverage = np.ascontiguousarray(pp.coverage.T)
    quota = np.ascontiguousarray(pp.quota.T)
    leakage = np.ascontiguousarray(pp.leakage.T)
    leak_lag = np.ascontiguousarray(pp.leak_lag.T)
    leak_days = np.ascontiguousarray(pp.leak_days.T)
    m_edges = [np.flatnonzero((ek == pp.msource[j]) & pp.mmat[j][em]) for j in range(J)]
    measured = np.unique(np.concatenate(m_edges)) if J else np.zeros(0, dtype=np.int64)

    # licence queues: one per licensed (measure, edge), with the regime and the drawn processing times
    licensed: list[tuple[int, int, LicenceRegime, FloatArray]] = []
    for j, name in enumerate(sc.measure_ids):
        reg = pp.licences[j]
        if reg is not None:
            for row in m_edges[j]:
                licensed.append((j, int(row), reg, draws.licence_days[f"{name}/{mats[em[row]]}"]))
    longest = max((int(review_days(float(x.max()), float(reg.accept.max()))) for _, _, reg, x in licensed), default=0)
    cum, nth = working_day_calendar(T + 2 * longest + 14, pp.start_weekday)
    max_transit = int(pp.transit.max())
    transit_same = bool((transit_e == transit_e[:, :1]).all())
    span = (int(nth[cum[T - 1] + longest]) - (T - 1) if licensed else 0) + max_transit + 2
    B = max(span, max_transit + 2)

    # ---- firm cohorts: each use's firms in C cohorts; steps 1-6 run on a combined (cohort, path) axis of
    # length C x P, cohort-major, so the code is the same for one cohort or many
    C = len(pp.cohort_w)
    CP = C * P
    w_cp = np.repeat(pp.cohort_w, P)  # (CP,) each cohort's share of every use

    def tile(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """(..., P) -> (..., C x P): the same value for every cohort."""
        return x if C == 1 else np.concatenate([x] * C, axis=-1)

    def csum(x: FloatArray) -> FloatArray:
        """(..., C x P) -> (..., P): sum over cohorts, in cohort order (as the SimPy engine adds them)."""
        if C == 1:
            return x
        acc = x[..., :P].copy()
        for c in range(1, C):
            acc += x[..., c * P : (c + 1) * P]
        return acc

    cover_uc = np.ascontiguousarray(pp.user_cover.transpose(1, 2, 0)).reshape(U, CP)  # (U, CP) days
    base_uc = w_cp * tile(base_u)  # (U, CP) each firm's baseline use, t/day
    recipe_uc = w_cp * tile(np.ascontiguousarray(pp.user_recipe.T))  # (U, CP) a conversion firm's t per t made
    normal = cover_uc * base_uc  # (U, CP) normal stock, t (a conversion's follows its capacity)
    tot_base = msum(base_u, u_bounds)  # (M, P)
    vshare = w_cp * tile(np.divide(base_u, tot_base[um], out=np.zeros_like(base_u), where=tot_base[um] > 0.0))
    # deliveries beyond every gap go by baseline use among the sectors' firms (all firms if only conversions use it)
    direct_u = (uconv < 0)[:, np.newaxis]  # (U, 1)
    base_dir = np.where(direct_u, base_u, 0.0)
    tot_dir = msum(base_dir, u_bounds)[um]  # (U, P)
    xshare = np.where(tile(tot_dir > 0.0), w_cp * tile(np.divide(base_dir, tot_dir, out=np.zeros_like(base_u),
                                                           where=tot_dir > 0.0)), vshare)
    trig_uc = tile(stock_trigger[um]) * vshare  # each firm's share of the release trigger, t
    crit_sc = tile(crit_s)  # (Us, CP) criticality today
    crit_sp = crit_s[subst_rows]  # (rows, P): the same for every cohort
    subst_drop = crit_sp - floor_s[subst_rows]
    subst_all_ok = bool(subst_ok.all())
    # rows of each material among the sectors' uses (for output: min over a sector's materials)
    s_rows_m = [np.flatnonzero(s_mat == m) for m in range(M)]
    conv_rows = [np.flatnonzero(uconv == q) for q in range(Q)]
    conv_m = pp.conv_m
    # deliveries: ranks, and (with triage) each (material, rank)'s uses in order of value per path
    ranks = users.ranks
    rank_masks = [(users.rank == r)[:, np.newaxis] for r in ranks]
    triage = np.ascontiguousarray(pp.triage)
    triage_on = bool((triage > 0.0).any())
    triage_c = tile(triage)
    groups: list[tuple[int, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []  # (rank index, m, rows, order)
    if triage_on:
        value = np.ascontiguousarray(pp.user_value.T)  # (U, P)
        for ri, r in enumerate(ranks):
            for m in range(M):
                rows = np.flatnonzero((um == m) & (users.rank == r))
                if rows.size:
                    groups.append((ri, m, rows, np.argsort(-value[rows], axis=0, kind="stable")))

    compiled = COMPILED and _compiled.AVAILABLE
    lo = np.array([a for a, _ in u_bounds], dtype=np.int64)
    hi = np.array([b for _, b in u_bounds], dtype=np.int64)
    rank_of = np.array([ranks.index(int(r)) for r in users.rank], dtype=np.int64)
    g_lo = np.zeros(M * len(ranks), dtype=np.int64)
    g_hi = np.zeros(M * len(ranks), dtype=np.int64)
    order_parts = []
    n_ord = 0
    for gi, m, rows, by_value in groups:
        g_lo[m * len(ranks) + gi] = n_ord
        order_parts.append(rows[by_value])
        n_ord += len(rows)
        g_hi[m * len(ranks) + gi] = n_ord
    order_all = np.ascontiguousarray(np.concatenate(order_parts)) if order_parts else np.zeros((0, P), dtype=np.int64)

    def deliver(amount: FloatArray, gap: FloatArray, excess: bool) -> FloatArray:
        """Share deliveries ``amount`` (M, P) among the firms (U, CP), as the SimPy engine's ``deliver``."""
        x = np.zeros((U, CP))
        rem = amount.copy()
        for ri, mask in enumerate(rank_masks):
            G = csum(msum(gap if len(ranks) == 1 else np.where(mask, gap, 0.0), u_bounds))  # (M, P)
            has = G > 0.0
            if not has.any():
                continue
            fill = has & (rem >= G)
            part = has & ~fill
            fill_u, part_u = tile(fill[um]), tile(part[um])
            if len(ranks) > 1:
                fill_u &= mask
                part_u &= mask
            x = np.where(fill_u, gap, x)
            if part.any():
                G_u = tile(G[um])
                pro = tile(rem[um]) * np.divide(gap, G_u, out=np.zeros_like(gap), where=G_u > 0.0)
                if triage_on:
                    greedy = np.zeros((U, CP))
                    for gi, m, rows, by_value in groups:
                        if gi != ri or not part[m].any():
                            continue
                        Gu = csum(gap[rows])  # (n, P)
                        sortedG = np.take_along_axis(Gu, by_value, axis=0)
                        before = np.zeros_like(sortedG)
                        if len(rows) > 1:
                            before[1:] = np.cumsum(sortedG[:-1], axis=0)
                        give_s = np.minimum(sortedG, np.maximum(rem[m] - before, 0.0))
                        give = np.empty_like(give_s)
                        np.put_along_axis(give, by_value, give_s, axis=0)
                        Gt = tile(Gu)
                        greedy[rows] = tile(give) * np.divide(gap[rows], Gt, out=np.zeros_like(Gt), where=Gt > 0.0)
                    pro = np.where(triage_c > 0.0, (1.0 - triage_c) * pro + triage_c * greedy, pro)
                x = np.where(part_u, pro, x)
            rem = np.where(fill, rem - G, np.where(part, 0.0, rem))
        if excess:
            left = tile(rem[um])
            x = np.where(left > 0.0, x + left * xshare, x)
        return x

    # ---- state
    E = len(edges)
    st = DayState(M, K, S, P, ek, em)
    inv = normal.copy()  # (U, CP) each firm's stock
    st.inv[:] = csum(msum(inv, u_bounds))
    st.stock[:] = np.ascontiguousarray(pp.stock0.T)
    arr_buf = np.zeros((B, E, P))
    # licence queues by decision day, per licensed (measure, edge); volume waiting for capacity
    due_buf = [np.zeros((B, P)) for _ in licensed]
    waiting = [np.zeros(P) for _ in licensed]
    working = ((pp.start_weekday + np.arange(T)) % 7) < 5
    released = np.zeros((M, P))  # stockpile released so far: a bridge, not a substitute for imports
    conv_order = np.zeros((Q, P))  # ordered from each conversion yesterday, made today
    for day in range(max_transit):
        # a conversion's last day of baseline flow is the order it makes on day 0
        has = (day < transit_e) & ~(is_conv_e[:, None] & (day == transit_e - 1))
        arr_buf[day % B] += np.where(has, share_d, 0.0)
    conv_order[:] = share_d[conv_edge]
    # pipeline: in SimPy order (sources in order, days in order) for identical rounding
    for e in range(E):
        flow = share_d[e]
        for day in range(max_transit):
            st.pipe[em[e]] += np.where((day < transit_e[e]) & (flow > 0.0), flow, 0.0)
    backlog = np.zeros((S, P))
    stock_open = np.where(trigger < NEVER, trigger + stock_lag, NEVER)  # day the agency opens the stockpile
    cov_e = np.zeros((E, P))
    kind_e = np.full((E, P), -1, dtype=np.int64)
    quo_e = np.zeros((E, P))  # ban, quota: share of the covered baseline flow that passes (quota and leakage)
    leak_e = np.zeros((E, P))  # licence: share of the covered orders that leaks past the licence
    ex_e = np.zeros((E, P))  # share of covered orders exempted by general licences
    ahead_e = np.zeros((E, P))  # calendar days importers order ahead per unit of a day's order
    caps = share_d.copy()
    cover_d = np.ascontiguousarray(pp.cover.T) * d  # normal inventory, t
    transit_f = np.ascontiguousarray(pp.transit.T)[ek].astype(np.float64)  # (E, P) days
    # requirements of each sector's firms, recomputed while thrifting ramps (see ``requirements``)
    base_sc = base_uc[srow]
    factor_c = tile(factor_s)
    req_s = base_sc * factor_c
    conv_req = np.zeros((len(crow), CP))
    crow_conv = uconv[crow]
    recipe_p = np.ascontiguousarray(pp.user_recipe.T)  # (U, P) t of input per t made
    recipe_cr = recipe_uc[crow]

    cover_cr = cover_uc[crow]

    # ---- the phases of a day, in the order of the model's daily step and of the SimPy engine

    def ramps(t: int) -> None:
        """Ramps of the day (the SimPy engine's processes at t + 0.05): extra capacity, and a conversion's normal stock."""
        if ramp_rows.size and bool((trigger <= t).any()) and ramp.first_day <= t <= ramp.done_day + 1:
            caps[ramp_rows] = share_d[ramp_rows] + extra_r * (ramp(t) if ramp_all_ok else np.where(ramp_ok, ramp(t), 0.0))
            if Q:
                cap_u = caps[conv_edge][crow_conv]  # (Uc, P) each conversion input's capacity
                normal[crow] = cover_cr * (w_cp * tile(np.ascontiguousarray(pp.user_recipe.T)[crow] * cap_u))

    def arrivals(t: int) -> None:
        """Step 1: shipments due today arrive and are delivered to the firms using each material."""
        nonlocal inv
        slot = t % B
        st.arrivals_e[:] = arr_buf[slot]
        arr_buf[slot] = 0.0
        arrived = msum(st.arrivals_e, e_bounds)
        if compiled:
            _compiled.deliver_firms(arrived, normal, inv, True, xshare, lo, hi, rank_of, len(ranks), g_lo, g_hi,
                                    order_all, triage, C, P)
        else:
            inv = inv + deliver(arrived, np.maximum(normal - inv, 0.0), excess=True)
        st.pipe -= arrived

    def stockpile(t: int) -> None:
        """Step 2: the stockpile agency releases (see the SimPy engine's ``stockpile_agency``)."""
        nonlocal inv, released
        open_m = t >= stock_open
        if not open_m.any():
            st.release.fill(0.0)
            return
        if compiled:
            _compiled.gap_totals(trig_uc, inv, lo, hi, C, P, sneed_buf)
            sneed = sneed_buf
        else:
            need = np.maximum(trig_uc - inv, 0.0)
            sneed = csum(msum(need, u_bounds))
        can = open_m & (sneed > 0.0)
        rel = np.where(can, np.minimum(np.minimum(st.stock, stock_rate), sneed), 0.0)
        st.release[:] = rel
        st.stock -= rel
        if rel.any() and compiled:
            _compiled.deliver_firms(rel, trig_uc, inv, False, vshare, lo, hi, rank_of, len(ranks), g_lo, g_hi,
                                    order_all, triage, C, P)
        elif rel.any():
            inv = inv + deliver(rel, need, excess=False)
        released += rel

    need_buf = np.empty((U, CP))  # each firm's requirement (compiled path), rebuilt when it changes
    need_buf_stale = [True]
    cu_buf = np.zeros((U, CP))  # each firm's catch-up requirement
    cu_dirty = [False]
    ratio_buf, cu_ratio_buf = np.empty((U, CP)), np.empty((U, CP))

    f_work, g_work = np.empty((S, CP)), np.empty((S, CP))
    extra_sp = np.zeros((S, P))  # planned catch-up of the day, share of baseline output
    sneed_buf = np.empty((M, P))

    def requirements(t: int) -> FloatArray:
        """Step 3: each firm's requirement of each material; returns planned catch-up (S, P)."""
        nonlocal factor_c, req_s
        backlog[t > window_end] = 0.0
        extra = np.minimum(overtime, backlog)  # (S, P) planned catch-up, share of baseline output
        extra_sp[:] = extra
        ramping = bool(thrift_rows.size) and tramp.first_day <= t <= tramp.done_day + 1
        if ramping:
            factor_s[thrift_rows] = 1.0 - thrift_r * np.where(thrift_ok, tramp(t), 0.0)
            factor_c = tile(factor_s)
            req_s = base_sc * factor_c
            need_buf_stale[0] = True
        if Q:
            conv_req[:] = recipe_cr * tile(conv_order)[crow_conv]
        return extra

    def consume(t: int, extra: FloatArray) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
        """Step 4: each firm uses its own stock; returns the share of each need met and the catch-up."""
        nonlocal inv
        st.denied.fill(0.0)
        catching_up = bool(extra.any())
        if compiled:
            if need_buf_stale[0] or Q:
                need_buf[srow] = req_s
                need_buf[crow] = conv_req
                need_buf_stale[0] = False
            extra_c = tile(extra) if catching_up else None
            if extra_c is not None:
                cu_buf[srow] = (base_sc * extra_c[s_sec]) * factor_c
            elif cu_dirty[0]:
                cu_buf.fill(0.0)
            cu_dirty[0] = extra_c is not None
            _compiled.consume_firms(need_buf, cu_buf, inv, normal, lo, hi, C, P, ratio_buf, cu_ratio_buf,
                                    st.shortfall, st.requirement, st.consumption, st.inv)
            return ratio_buf, (cu_ratio_buf if catching_up else None), extra_c
        need = np.empty((U, CP))
        need[srow] = req_s
        need[crow] = conv_req
        have = inv
        enough = need <= have + ENOUGH * need
        ratio = np.where(enough, 1.0, np.divide(have, need, out=np.ones_like(need), where=~enough))
        short = np.where(enough, 0.0, need - have)
        avail = np.where(enough, np.maximum(have - need, 0.0), 0.0)
        required = need
        cu_ratio = extra_c = None
        if catching_up:
            # catch-up only from material above the firm's normal stock
            extra_c = tile(extra)
            cu_need = np.zeros((U, CP))
            cu_need[srow] = (base_sc * extra_c[s_sec]) * factor_c
            surplus = np.maximum(avail - normal, 0.0)
            cu_ok = cu_need <= surplus + ENOUGH * cu_need
            cu_ratio = np.where(cu_ok, 1.0, np.divide(surplus, cu_need, out=np.ones_like(cu_need), where=~cu_ok))
            short = short + np.where(cu_ok, 0.0, cu_need - surplus)
            avail = np.where(cu_ok, np.maximum(avail - cu_need, 0.0), avail - surplus)
            required = need + cu_need
        used = have - avail
        inv = have - used
        st.shortfall[:] = csum(msum(short, u_bounds))
        st.requirement[:] = csum(msum(required, u_bounds))
        st.consumption[:] = csum(msum(used, u_bounds))
        st.inv = csum(msum(inv, u_bounds))
        return ratio, cu_ratio, extra_c

    def convert(t: int, ratio: FloatArray) -> None:
        """Step 4b: each domestic conversion makes yesterday's order in proportion to its firms' scarcest input."""
        for q in range(Q):
            r = np.ones(CP)
            for u in conv_rows[q]:
                r = np.minimum(r, ratio[u])
            # exactly the order when no cohort is short of an input, exactly 0 when every cohort has none
            full = csum((r < 1.0).astype(np.float64)) == 0.0
            made = np.where(full, conv_order[q], np.minimum(csum((w_cp * tile(conv_order[q])) * r), conv_order[q]))
            e_q = int(conv_edge[q])
            arr_buf[(t - 1 + transit_e[e_q]) % B, e_q, ar] += made
            st.denied[conv_m[q]] += conv_order[q] - made
            conv_order[q] = 0.0

    def produce(t: int, ratio: FloatArray, cu_ratio: FloatArray | None, extra_c: FloatArray | None) -> None:
        """Steps 5-6: output of each firm cohort and sector, lost output, catch-up."""
        nonlocal backlog
        if subst_rows.size and sramp.first_day <= t <= sramp.done_day + 1:
            frac = sramp(t) if subst_all_ok else np.where(subst_ok, sramp(t), 0.0)
            crit_sc[subst_rows] = tile(crit_sp - subst_drop * frac)  # crit - (crit - floor) x frac, as criticality_on
        # each cohort's output fraction: min over materials of 1 - criticality x (1 - share of its need met)
        if compiled:
            made_up = np.empty((S, P))
            _compiled.sector_output(ratio, ratio if cu_ratio is None else cu_ratio, crit_sc, srow, s_sec, pp.cohort_w,
                                    extra_sp, cu_ratio is not None, C, P, f_work, g_work, st.f, made_up)
            loss = 1.0 - st.f
            backlog = np.maximum(backlog + catch_share * loss - made_up, 0.0)
            st.output[:] = st.f + made_up
            st.lost[:] = (loss - made_up) * daily_output
            return
        f_c = np.ones((S, CP))
        r_s = ratio[srow]
        if not (r_s == 1.0).all():
            term = 1.0 - crit_sc * (1.0 - r_s)
            for m in range(M):
                rows = s_rows_m[m]
                if rows.size:
                    sec = s_sec[rows]
                    f_c[sec] = np.minimum(f_c[sec], term[rows])
        if cu_ratio is not None and extra_c is not None:
            g = np.ones((S, CP))
            cu_s = cu_ratio[srow]
            if not (cu_s == 1.0).all():
                gterm = 1.0 - crit_sc * (1.0 - cu_s)
                for m in range(M):
                    rows = s_rows_m[m]
                    if rows.size:
                        sec = s_sec[rows]
                        g[sec] = np.minimum(g[sec], gterm[rows])
            made_up = csum(w_cp * np.where(f_c == 1.0, extra_c * g, 0.0))
        else:
            made_up = np.zeros((S, P))
        st.f[:] = csum(w_cp * f_c)
        loss = 1.0 - st.f
        backlog = np.maximum(backlog + catch_share * loss - made_up, 0.0)
        st.output[:] = st.f + made_up
        st.lost[:] = (loss - made_up) * daily_output

    def decide_licences(t: int) -> None:
        """Step 7a: licence regimes that end today, and the day's decisions."""
        slot = t % B
        # 7a. a licence regime ending today lets every application still pending ship; the applications
        # due today (and any waiting for capacity) are decided: the approve share ships, the reject share
        # returns to unfilled demand, the rest is decided again after another processing time
        for i, (j, e_l, reg, x_all) in enumerate(licensed):
            buf, wait = due_buf[i], waiting[i]
            ending = end[j] == t
            if ending.any():
                total = wait.copy()
                for dd in range(B):  # in order of decision day
                    total += buf[(t + dd) % B]
                arr_buf[(t + transit_e[e_l]) % B, e_l, ar] += np.where(ending, total, 0.0)
                buf[:, ending] = 0.0
                wait[ending] = 0.0
            due = buf[slot] + wait
            buf[slot] = 0.0
            if not due.any():
                continue
            h = reg.phase(t)
            if reg.limited:
                decided = np.minimum(due, reg.capacity[:, h]) if working[t] else np.zeros(P)
                wait[:] = due - decided
            else:
                decided = due
            approved = decided * reg.approve[:, h]
            arr_buf[(t + transit_e[e_l]) % B, e_l, ar] += approved
            st.denied[em[e_l]] += decided * reg.reject[:, h]
            pending = decided * reg.pending[:, h]
            again = nth[cum[t] + review_days(x_all[:, t], 0.0)] % B
            buf[again, ar] += pending
        st.pipe -= st.denied

    def order(t: int) -> tuple[FloatArray, FloatArray]:
        """Step 7b and 8: order up to the target, split over sources; what ships and what applies."""
        # 7b. order up to target, split over sources
        known_m = t >= trigger  # (M, P)
        any_known = bool(known_m.any())
        active = [j for j in range(J) if ((start[j] <= t) & (t < end[j])).any()]
        if active:
            cov_e[measured] = 0.0
            kind_e[measured] = -1
            quo_e[measured] = 0.0
            leak_e[measured] = 0.0
            ex_e[measured] = 0.0
            ahead_e[measured] = 0.0
            for j in active:
                act = (start[j] <= t) & (t < end[j])
                rows = m_edges[j]
                cov_e[rows] = np.where(act, coverage[j], cov_e[rows])
                kind_e[rows] = np.where(act, pp.kind[j], kind_e[rows])
                reg = pp.licences[j]
                if reg is not None:
                    h = reg.phase(t)
                    lk = pass_share(t, np.zeros(P), leakage[j], start[j], leak_lag[j], leak_days[j])
                    leak_e[rows] = np.where(act, lk, leak_e[rows])
                    ex_e[rows] = np.where(act, reg.exempt[:, h], ex_e[rows])
                    need_lic = coverage[j] * (1.0 - reg.exempt[:, h])  # planned without counting on leakage
                    ahead_e[rows] = np.where(act, need_lic * reg.lead[:, h], ahead_e[rows])
                else:
                    passing = pass_share(t, quota[j], leakage[j], start[j], leak_lag[j], leak_days[j])
                    quo_e[rows] = np.where(act, passing, quo_e[rows])
        kinds_on = {int(pp.kind[j]) for j in active}
        aff = kind_e >= 0
        alt = ~aff

        if Q:  # a conversion's capacity as importers see it: at most what its firms' input stocks can make
            caps_now = caps.copy()
            for qi in range(Q):
                e_q = int(conv_edge[qi])
                for u in conv_rows[qi]:
                    caps_now[e_q] = np.minimum(caps_now[e_q], csum(inv[u]) / recipe_p[u])
        else:
            caps_now = caps

        def split(Qm: FloatArray, active: list[int] = active, aff: npt.NDArray[np.bool_] = aff,
                  alt: npt.NDArray[np.bool_] = alt, caps: FloatArray = caps_now) -> FloatArray:
            """Orders (E, P) for order sizes ``Qm`` (M, P) once a disruption is known."""
            if active:
                cap_alt = msum(np.where(alt, caps, 0.0), e_bounds)
                any_aff = msum(aff.astype(np.float64), e_bounds) > 0.0
                at_risk = msum(np.where(aff, share * (1.0 - cov_e), 0.0), e_bounds)
                want = np.where(any_aff, Qm * (1.0 - at_risk), Qm)
            else:
                cap_alt = msum(caps, e_bounds)
                want = Qm
            to_alt = np.minimum(cap_alt, want)
            frac_alt = np.divide(caps, cap_alt[em], out=np.zeros_like(caps), where=cap_alt[em] > 0.0)
            rest = Qm - to_alt
            if active:
                q_alt = np.where(alt, to_alt[em] * frac_alt, 0.0)
                base = msum(np.where(aff, share, 0.0), e_bounds)
                frac_aff = np.divide(share, base[em], out=np.zeros_like(share), where=base[em] > 0.0)
                return np.where(any_aff[em], np.where(aff, rest[em] * frac_aff, q_alt), q_alt + rest[em] * share)
            return to_alt[em] * frac_alt + rest[em] * share

        def ship_or_apply(q: FloatArray, active: list[int] = active, aff: npt.NDArray[np.bool_] = aff,
                          kinds_on: set[int] = kinds_on) -> tuple[FloatArray, FloatArray]:
            """Step 8: what of orders ``q`` (E, P) ships and what needs a licence."""
            if not active:
                return q, np.zeros_like(q)
            covered = q * cov_e
            # uncovered users buy as before, up to their baseline flow
            ship = np.where(aff, np.minimum(q, share_d) * (1.0 - cov_e), q)
            if kinds_on & {0, 1}:
                # ban, quota: the covered users' pass share (quota plus leakage) of their baseline flow
                passing = (kind_e == 0) | (kind_e == 1)
                ship = np.where(passing, ship + np.minimum(covered, (quo_e * cov_e) * share_d), ship)
            if 2 in kinds_on:
                # licence: users exempted by general licences buy as uncovered users do; the rest applies
                lic = kind_e == 2
                ship = np.where(lic, ship + np.minimum(q, share_d) * (cov_e * ex_e), ship)
                # leakage: gets through without a licence, up to the baseline flow
                ship = np.where(lic, ship + np.minimum(q, share_d) * ((cov_e * (1.0 - ex_e)) * leak_e), ship)
                apply = np.where(lic, (covered * (1.0 - ex_e)) * (1.0 - leak_e), 0.0)
            else:
                apply = np.zeros_like(q)
            return ship, apply

        tgt = target
        if any_known:
            # the pipeline the current supply mix needs: a day's demand split as today's order would be
            qd = split(d)
            tgt = np.where(known_m, cover_d + msum(qd * transit_f, e_bounds), target)
            if 2 in kinds_on:
                # under a licence, importers also order ahead by the processing time they plan for
                licensed_m = msum((kind_e == 2).astype(np.float64), e_bounds) > 0.0
                tgt = np.where(known_m & licensed_m, tgt + msum(qd * ahead_e, e_bounds), tgt)
        # released stockpile is a bridge, not a substitute for imports; material to make up the
        # sectors' backlog of lost output is ordered on top of the usual target
        if backlog.any():
            for_backlog = np.zeros((U, P))
            for_backlog[srow] = pair_base * backlog[s_sec]
            Qm = np.maximum(((tgt + released) + msum(for_backlog, u_bounds)) - (st.inv + st.pipe), 0.0)
        else:
            Qm = np.maximum(((tgt + released) + 0.0) - (st.inv + st.pipe), 0.0)  # (M, P)
        Qe = Qm[em]
        if not any_known:
            # nobody knows of a disruption yet: orders split by baseline shares
            q = share * Qe
            q[~(Qe > 0.0)] = 0.0
        else:
            q = split(Qm)
            known = known_m[em]
            if not known_m.all():
                q = np.where(known, q, share * Qe)
            q[~(Qe > 0.0)] = 0.0
        # 8. ship, drop (ban, quota) or apply (licence); extra cost on shipments above baseline flow
        ship, apply = ship_or_apply(q)
        if prem_rows.size and any_known:  # once a disruption is known
            extra_q = np.maximum(ship[prem_rows] - share_d[prem_rows], 0.0)
            if not known_m.all():
                extra_q *= known_m[em[prem_rows]]
            st.premium[:] = (extra_q * price_e[prem_rows] * premium[prem_rows]).sum(axis=0)
        return ship, apply

    def dispatch(t: int, ship: FloatArray, apply: FloatArray) -> None:
        """Step 8: shipments leave for their transit time, applications enter the licence queues."""
        st.placed[:] = msum(ship, e_bounds) + msum(apply, e_bounds)
        st.pipe += st.placed
        if Q:  # a domestic conversion makes tomorrow what is ordered from it today
            conv_order[:] = ship[conv_edge]
            ship = np.where(is_conv_e[:, None], 0.0, ship)
        if transit_same:
            for e in range(E):
                if not is_conv_e[e]:
                    arr_buf[(t + int(transit_e[e, 0])) % B, e] += ship[e]
        else:
            arr_buf[(t + transit_e) % B, np.arange(E)[:, None], ar[None, :]] += ship
        for i, (j, e_l, reg, x_all) in enumerate(licensed):
            act = (start[j] <= t) & (t < end[j])
            if not act.any():
                continue
            # applications enter the queue: first decision after acceptance plus a processing time
            dslot = nth[cum[t] + review_days(x_all[:, t], reg.accept)] % B
            due_buf[i][dslot, ar] += np.where(act, apply[e_l], 0.0)

    rec.start(st)
    for t in range(T):
        ramps(t)
        arrivals(t)
        stockpile(t)
        extra = requirements(t)
        ratio, cu_ratio, extra_c = consume(t, extra)
        convert(t, ratio)
        produce(t, ratio, cu_ratio, extra_c)
        decide_licences(t)
        ship, apply = order(t)
        dispatch(t, ship, apply)
        rec.record(t, st)


def simulate_vectorised(sc: Scenario, pp: PathParams, draws: Draws) -> Trajectories:
    """Run every path with the vectorised engine and keep all daily arrays.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
    draws : Draws

    Returns
    -------
    Trajectories
    """
    rec = FullRecorder(sc, pp)
    run_kernel(sc, pp, draws, rec)
    return rec.tr
