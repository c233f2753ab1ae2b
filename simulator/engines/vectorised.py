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

from typing import Protocol

import numpy as np
import numpy.typing as npt

from simulator.draws import Draws
from simulator.params import NEVER, LicenceRegime, PathParams, review_days, working_day_calendar
from simulator.scenario import Scenario
from simulator.trajectories import Trajectories

__all__ = ["ENOUGH", "DayState", "FullRecorder", "run_kernel", "simulate_vectorised"]

FloatArray = npt.NDArray[np.float64]

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
    grouped by material) and use on *pairs* (sector-material pairs a sector
    uses, grouped by material), so the per-day work scales with the pairs
    that exist rather than with sources x materials x sectors.

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
    mats, srcs, secs = sc.material_ids, sc.source_ids, sc.sector_ids
    ar = np.arange(P)

    # ---- structure: edges (k, m) grouped by material; pairs (s, m) grouped by material
    edges = [(k, m) for m in range(M) for k in range(K) if mats[m] in sc.sources[srcs[k]].supply]
    ek = np.array([e[0] for e in edges], dtype=np.int64)
    em = np.array([e[1] for e in edges], dtype=np.int64)
    e_start = np.searchsorted(em, np.arange(M))
    pairs = [(s, m) for m in range(M) for s in range(S) if mats[m] in sc.sectors[secs[s]].materials]
    us = np.array([u[0] for u in pairs], dtype=np.int64)
    um = np.array([u[1] for u in pairs], dtype=np.int64)
    u_start = np.searchsorted(um, np.arange(M))

    e_bounds = [(int(a), int(b)) for a, b in zip(e_start, [*e_start[1:], len(edges)], strict=False)]
    u_bounds = [(int(a), int(b)) for a, b in zip(u_start, [*u_start[1:], len(pairs)], strict=False)]

    def msum(x: FloatArray, bounds: list[tuple[int, int]]) -> FloatArray:
        """Sum rows of each material's group (rows added in order, as the SimPy engine adds them)."""
        out = np.empty((len(bounds), x.shape[1]))
        for i, (a, b) in enumerate(bounds):
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
    base_u = _rows(pp.use, (us, um)) * d[um]  # (U, P) baseline use, t/day
    crit_u = np.where(_rows(pp.use, (us, um)) > 0.0, _rows(pp.crit, (us, um)), 0.0)
    thrift_u = _rows(pp.thrift, (us, um))
    thrift_rows = np.flatnonzero((thrift_u > 0.0).any(axis=1) & (trigger[um] < NEVER).any(axis=1))
    thrift_r = thrift_u[thrift_rows]
    thrift_ok = thrift_r > 0.0
    thrift_ok &= trigger[um[thrift_rows]] < NEVER
    tramp = _Ramp(trigger[um[thrift_rows]].astype(np.float64) + _rows(pp.thrift_lag, (us[thrift_rows], um[thrift_rows])),
                  _rows(pp.thrift_ramp, (us[thrift_rows], um[thrift_rows])))
    factor_u = np.ones_like(base_u)
    overtime = np.ascontiguousarray(pp.overtime.T)  # (S, P)
    catch_share = np.ascontiguousarray(pp.catch_share.T)
    daily_output = np.ascontiguousarray(pp.daily_output.T)
    window_end = pp.first_start[np.newaxis, :] + np.ascontiguousarray(pp.window.T)
    levels = pp.priority_levels
    lev_u = np.array([levels.index(int(pp.priority[s, m])) for s, m in pairs], dtype=np.int64)
    lev_masks = [(lev_u == i)[:, np.newaxis] for i in range(len(levels))]
    start = np.ascontiguousarray(pp.start.T)  # (J, P)
    end = np.ascontiguousarray(pp.end.T)
    coverage = np.ascontiguousarray(pp.coverage.T)
    pass_share = np.ascontiguousarray(pp.pass_share.T)
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

    # ---- firm cohorts: steps 1-6 run on a combined (cohort, path) axis of length C x P, cohort-major,
    # so the allocation and output code is the same for one cohort or many
    C = len(pp.cohort_w)
    CP = C * P
    w_cp = np.repeat(pp.cohort_w, P)  # (CP,) each cohort's share of every sector's output

    def tile(x: FloatArray) -> FloatArray:
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

    def share_out(amount: FloatArray, below: FloatArray) -> FloatArray:
        """Deliveries over cohorts (M, CP): pro rata to how far each is below its normal stock.

        ``amount`` holds the same value for every cohort of a path; what exceeds
        the total gap is shared by the cohorts' shares of use.
        """
        gap = tile(csum(below))
        frac = np.divide(below, gap, out=np.zeros_like(below), where=gap > 0.0)
        return np.where((amount <= gap) & (gap > 0.0), amount * frac, below + (amount - gap) * w_cp)

    d_c = w_cp * tile(d)  # (M, CP) each cohort's daily demand, t/day
    normal_c = np.ascontiguousarray(pp.cohort_cover.transpose(1, 2, 0)).reshape(M, CP) * d_c  # normal stock, t
    trig_c = tile(stock_trigger) * w_cp  # stockpile release trigger per cohort, t

    # ---- state
    E, _U = len(edges), len(pairs)
    st = DayState(M, K, S, P, ek, em)
    inv_c = normal_c.copy()  # (M, CP) corporate inventory of each cohort
    st.inv[:] = csum(inv_c)
    st.stock[:] = np.ascontiguousarray(pp.stock0.T)
    arr_buf = np.zeros((B, E, P))
    # licence queues by decision day, per licensed (measure, edge); volume waiting for capacity
    due_buf = [np.zeros((B, P)) for _ in licensed]
    waiting = [np.zeros(P) for _ in licensed]
    working = ((pp.start_weekday + np.arange(T)) % 7) < 5
    released = np.zeros((M, P))  # stockpile released so far: a bridge, not a substitute for imports
    for day in range(max_transit):
        has = day < transit_e
        arr_buf[day % B] += np.where(has, share_d, 0.0)
    # pipeline: in SimPy order (sources in order, days in order) for identical rounding
    for e in range(E):
        flow = share_d[e]
        for day in range(max_transit):
            st.pipe[em[e]] += np.where((day < transit_e[e]) & (flow > 0.0), flow, 0.0)
    backlog = np.zeros((S, P))
    stock_open = np.where(trigger < NEVER, trigger + stock_lag, NEVER)  # day the agency opens the stockpile
    cov_e = np.zeros((E, P))
    kind_e = np.full((E, P), -1, dtype=np.int64)
    quo_e = np.zeros((E, P))
    ex_e = np.zeros((E, P))  # share of covered orders exempted by general licences
    ahead_e = np.zeros((E, P))  # calendar days importers order ahead per unit of a day's order
    caps = share_d.copy()
    ratio_l = np.ones((len(levels), M, CP))
    cover_d = np.ascontiguousarray(pp.cover.T) * d  # normal inventory, t
    transit_f = np.ascontiguousarray(pp.transit.T)[ek].astype(np.float64)  # (E, P) days
    enough_l = np.ones((len(levels), M, CP), dtype=bool)
    crit_lm = np.zeros((len(levels), S, M, P))  # criticality of the pairs served at each level, 0 elsewhere
    for i, (s_, m_) in enumerate(pairs):
        crit_lm[lev_u[i], s_, m_] = crit_u[i]
    crit_sm = tile(crit_lm.sum(axis=0))  # criticality where the sector uses the material (one level per pair)
    crit_lm = tile(crit_lm)
    base_u_c = w_cp * tile(base_u)  # (U, CP) each cohort's baseline use, t/day
    # requirements of each cohort, recomputed while thrifting ramps (see ``requirements``)
    factor_c = tile(factor_u)
    req = base_u_c * factor_c
    need_l: list[FloatArray] = []
    required_base = np.zeros((M, CP))

    # ---- the phases of a day, in the order of DESIGN.md section 2 and of the SimPy engine

    def arrivals(t: int) -> None:
        """Step 1: shipments due today arrive into corporate inventory."""
        nonlocal inv_c
        # 1. arrivals, shared out over cohorts by how far each is below its normal stock
        slot = t % B
        st.arrivals_e[:] = arr_buf[slot]
        arr_buf[slot] = 0.0
        arrived = msum(st.arrivals_e, e_bounds)
        if C == 1:
            inv_c += arrived
        else:
            inv_c += share_out(tile(arrived), np.maximum(normal_c - inv_c, 0.0))
        st.pipe -= arrived

    def stockpile(t: int) -> None:
        """Step 2: the stockpile agency releases (see the SimPy engine's ``stockpile_agency``)."""
        nonlocal inv_c, released
        # 2. stockpile agency: tops each cohort up towards the trigger cover
        need_c = np.maximum(trig_c - inv_c, 0.0)
        sneed = csum(need_c)
        can = (t >= stock_open) & (sneed > 0.0)
        rel = np.where(can, np.minimum(np.minimum(st.stock, stock_rate), sneed), 0.0)
        st.release[:] = rel
        st.stock -= rel
        if C == 1:
            inv_c += rel
        else:
            inv_c += tile(rel) * np.divide(need_c, tile(sneed), out=np.zeros_like(need_c), where=tile(sneed) > 0.0)
        released += rel

    def requirements(t: int) -> FloatArray:
        """Step 3: each cohort's requirement of each material; returns planned catch-up (S, P)."""
        nonlocal factor_c, req, need_l, required_base
        # 3. requirements: the baseline plan, and catch-up on top (each cohort its share)
        backlog[t > window_end] = 0.0
        extra = np.minimum(overtime, backlog)  # (S, P) planned catch-up, share of baseline output
        ramping = bool(thrift_rows.size) and tramp.first_day <= t <= tramp.done_day + 1
        if ramping:
            factor_u[thrift_rows] = 1.0 - thrift_r * np.where(thrift_ok, tramp(t), 0.0)
        if t == 0 or ramping:
            # the requirements change only while thrifting ramps: recompute them then
            factor_c = tile(factor_u)
            req = base_u_c * factor_c
            need_l = [msum(req * mask, u_bounds) if len(levels) > 1 else msum(req, u_bounds) for mask in lev_masks]
            required_base = msum(req, u_bounds)
        return extra

    def allocate(t: int, extra: FloatArray) -> tuple[npt.NDArray[np.bool_], FloatArray, FloatArray] | None:
        """Step 4: allocation; returns the catch-up allocation ``(cu_ok, cu_ratio, extra_c)`` or None."""
        nonlocal inv_c
        catching_up = bool(extra.any())
        # 4. allocation by priority, pro rata within a level, within each cohort's own stock
        have = inv_c
        avail = have.copy()
        short = np.zeros((M, CP))
        for li, need in enumerate(need_l):
            enough = need <= avail + ENOUGH * need
            enough_l[li] = enough
            ratio_l[li] = np.divide(avail, need, out=np.ones_like(need), where=~enough)
            short += np.where(enough, 0.0, need - avail)
            avail = np.where(enough, np.maximum(avail - need, 0.0), 0.0)
        required = required_base
        if catching_up:
            # catch-up only from material above the cohort's normal stock
            extra_c = tile(extra)
            cu_need = msum((base_u_c * extra_c[us]) * factor_c, u_bounds)
            surplus = np.maximum(avail - normal_c, 0.0)
            cu_ok = cu_need <= surplus + ENOUGH * cu_need
            cu_ratio = np.divide(surplus, cu_need, out=np.ones_like(cu_need), where=~cu_ok)
            short += np.where(cu_ok, 0.0, cu_need - surplus)
            avail = np.where(cu_ok, np.maximum(avail - cu_need, 0.0), avail - surplus)
            required = required + cu_need
        used = have - avail
        inv_c = have - used
        st.shortfall[:] = csum(short)
        st.requirement[:] = csum(required)
        st.consumption[:] = csum(used)
        st.inv = csum(inv_c)
        return (cu_ok, cu_ratio, extra_c) if catching_up else None

    def produce(t: int, catch: tuple[npt.NDArray[np.bool_], FloatArray, FloatArray] | None) -> None:
        """Steps 5-6: output of each cohort and sector, lost output, catch-up."""
        nonlocal backlog
        catching_up = catch is not None
        if catch is not None:
            cu_ok, cu_ratio, extra_c = catch
        # 5-6. output, lost output, catch-up
        # each cohort's output fraction: min over materials of 1 - criticality x (1 - share received);
        # a material no cohort of any path is short of today leaves every sector at 1
        f_c = np.ones((S, CP))
        short_lm = np.logical_not(enough_l.all(axis=2))  # (L, M)
        for m in np.flatnonzero(short_lm.any(axis=0)):
            lv = np.flatnonzero(short_lm[:, m])
            term = crit_lm[lv[0]][:, m] * (1.0 - ratio_l[lv[0], m])
            for li in lv[1:]:
                term += crit_lm[li][:, m] * (1.0 - ratio_l[li, m])
            np.minimum(f_c, 1.0 - term, out=f_c)
        if catching_up:
            g = np.ones((S, CP))
            for m in np.flatnonzero(np.logical_not(cu_ok.all(axis=1))):
                np.minimum(g, 1.0 - crit_sm[:, m] * (1.0 - cu_ratio[m]), out=g)
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
        st.denied.fill(0.0)
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
            ex_e[measured] = 0.0
            ahead_e[measured] = 0.0
            for j in active:
                act = (start[j] <= t) & (t < end[j])
                rows = m_edges[j]
                cov_e[rows] = np.where(act, coverage[j], cov_e[rows])
                kind_e[rows] = np.where(act, pp.kind[j], kind_e[rows])
                quo_e[rows] = np.where(act, pass_share[j], quo_e[rows])
                reg = pp.licences[j]
                if reg is not None:
                    h = reg.phase(t)
                    ex_e[rows] = np.where(act, reg.exempt[:, h], ex_e[rows])
                    ahead_e[rows] = np.where(act, (coverage[j] * (1.0 - reg.exempt[:, h])) * reg.lead[:, h], ahead_e[rows])
        kinds_on = {int(pp.kind[j]) for j in active}
        aff = kind_e >= 0
        alt = ~aff
        if any_known and ramp_rows.size and ramp.first_day <= t <= ramp.done_day + 1:
            caps[ramp_rows] = share_d[ramp_rows] + extra_r * (ramp(t) if ramp_all_ok else np.where(ramp_ok, ramp(t), 0.0))

        def split(Qm: FloatArray, active: list[int] = active, aff: npt.NDArray[np.bool_] = aff,
                  alt: npt.NDArray[np.bool_] = alt) -> FloatArray:
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
                apply = np.where(lic, covered * (1.0 - ex_e), 0.0)
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
            Q = np.maximum(((tgt + released) + msum(base_u * backlog[us], u_bounds)) - (st.inv + st.pipe), 0.0)
        else:
            Q = np.maximum(((tgt + released) + 0.0) - (st.inv + st.pipe), 0.0)  # (M, P)
        Qe = Q[em]
        if not any_known:
            # nobody knows of a disruption yet: orders split by baseline shares
            q = share * Qe
            q[~(Qe > 0.0)] = 0.0
        else:
            q = split(Q)
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
        if transit_same:
            for e in range(E):
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
        arrivals(t)
        stockpile(t)
        extra = requirements(t)
        catch = allocate(t, extra)
        produce(t, catch)
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
