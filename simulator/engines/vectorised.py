"""The Monte Carlo engine: the daily semantics in NumPy over all paths at once.

Every state array has the paths axis last (``(..., P)``, C-contiguous), so the
day's operations stream through memory; the day loop is the only loop over
time, and the other loops run over a handful of priority levels and licensed
(measure, material) pairs. Shipments are scheduled into a ring buffer of
future arrivals indexed by ``day % B``; licence applications are scheduled at
submission (their outcome is in the draws) into the arrival buffer (approved)
or a ring buffer of denials (denied), so no per-application object exists.

The kernel (:func:`run_kernel`) reports each day's state to a recorder: a
:class:`FullRecorder` fills :class:`~simulator.trajectories.Trajectories`;
streaming recorders (see :mod:`simulator.stream`) keep only summaries.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from simulator.draws import Draws
from simulator.params import NEVER, PathParams, ramp_fraction, working_day_calendar
from simulator.scenario import Scenario
from simulator.trajectories import Trajectories

__all__ = ["simulate_vectorised", "run_kernel", "DayState", "FullRecorder", "ENOUGH"]

FloatArray = npt.NDArray[np.float64]

ENOUGH = 1e-12
"""A requirement is met in full when supply falls short of it by at most this share (as the SimPy engine)."""


class DayState:
    """The kernel's view of one day, paths last. Arrays are reused: copy to keep.

    Attributes (shapes with P last): ``inv, stock, pipe`` (M, P) end of day;
    ``arrivals`` (K, M, P); ``release, requirement, consumption, shortfall,
    placed, denied`` (M, P); ``f, output, lost`` (S, P); ``premium`` (P,).
    """

    __slots__ = (
        "arrivals",
        "consumption",
        "denied",
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

    def __init__(self, M: int, K: int, S: int, P: int) -> None:
        self.inv = np.zeros((M, P))
        self.stock = np.zeros((M, P))
        self.pipe = np.zeros((M, P))
        self.arrivals = np.zeros((K, M, P))
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
        tr.arrivals[:, t] = s.arrivals.transpose(2, 0, 1)
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


def _last(a: npt.NDArray[np.generic], lead: int) -> npt.NDArray[np.generic]:
    """Move the paths axis (first) to the end, contiguous; ``lead`` = number of other axes."""
    return np.ascontiguousarray(np.moveaxis(a, 0, lead)) if lead else np.ascontiguousarray(a)


def run_kernel(sc: Scenario, pp: PathParams, draws: Draws, rec: Recorder) -> None:
    """Run the daily semantics over all paths, reporting each day to ``rec``.

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
    ar = np.arange(P)

    # ---- parameters, paths last
    d = _last(pp.demand, 1)  # (M, P)
    price = _last(pp.price, 1)
    target = _last(pp.target, 1)
    stock_trigger = _last(pp.stock_trigger, 1)
    stock_lag = _last(pp.stock_lag, 1)
    stock_rate = _last(pp.stock_rate, 1)
    share = _last(pp.share, 2)  # (K, M, P)
    transit = _last(pp.transit, 1)  # (K, P)
    extra = _last(pp.extra, 2)
    premium = _last(pp.premium, 2)
    use = _last(pp.use, 2)  # (S, M, P)
    crit = _last(pp.crit, 2)
    thrift = _last(pp.thrift, 2)
    trigger = _last(pp.trigger, 1)  # (M, P)
    trig_f = trigger.astype(np.float64)
    thrift_begin = trig_f[np.newaxis] + _last(pp.thrift_lag, 2)
    thrift_ramp = _last(pp.thrift_ramp, 2)
    ramp_begin = trig_f[np.newaxis] + _last(pp.ramp_lag, 2)
    ramp_days = _last(pp.ramp_days, 2)
    ramp_on = (extra > 0.0) & (trigger < NEVER)[np.newaxis]
    thrift_on = (thrift > 0.0) & (trigger < NEVER)[np.newaxis]
    overtime = _last(pp.overtime, 1)  # (S, P)
    catch_share = _last(pp.catch_share, 1)
    daily_output = _last(pp.daily_output, 1)
    window_end = pp.last_end[np.newaxis, :] + _last(pp.window, 1)
    used_by = use > 0.0
    share_d = share * d[np.newaxis]  # baseline flow (K, M, P)
    start = _last(pp.start, 1)  # (J, P)
    end = _last(pp.end, 1)
    coverage = _last(pp.coverage, 1)
    quota = _last(pp.quota, 1)
    approval = _last(pp.approval, 1)
    levels = pp.priority_levels
    members = [(pp.priority == lev)[:, :, np.newaxis] for lev in levels]  # (S, M, 1)
    on_km = np.zeros((J, K, M), dtype=bool)
    for j in range(J):
        on_km[j, pp.msource[j]] = pp.mmat[j]

    licensed: list[tuple[int, int, int, npt.NDArray[np.int32], FloatArray]] = []
    for j, name in enumerate(sc.measure_ids):
        if pp.kind[j] == 2:
            for m in np.flatnonzero(pp.mmat[j]):
                key = f"{name}/{sc.material_ids[m]}"
                licensed.append((j, int(pp.msource[j]), int(m), draws.licence_days[key], draws.licence_u[key]))
    longest = max((int(v[3].max()) for v in licensed), default=0)
    cum, nth = working_day_calendar(T + 2 * longest + 14, pp.start_weekday)
    transit_same = bool((transit == transit[:, :1]).all())
    max_transit = int(transit.max())
    span = (int(nth[cum[T - 1] + longest]) - (T - 1) if licensed else 0) + max_transit + 2
    B = max(span, max_transit + 2)

    # ---- state
    st = DayState(M, K, S, P)
    st.inv[:] = _last(pp.cover, 1) * d
    st.stock[:] = _last(pp.stock0, 1)
    arr_buf = np.zeros((B, K, M, P))
    den_buf = np.zeros((B, M, P))
    for k in range(K):
        for m in range(M):
            q = share_d[k, m]
            for day in range(max_transit):
                has = day < transit[k]
                arr_buf[day % B, k, m] += np.where(has, q, 0.0)
                st.pipe[m] += np.where(has & (q > 0.0), q, 0.0)
    backlog = np.zeros((S, P))
    trig_day = np.full((M, P), -1, dtype=np.int64)
    rec.start(st)

    ratio = np.ones((S, M, P))
    req = np.zeros((S, M, P))
    for t in range(T):
        slot = t % B
        # 1. arrivals
        np.copyto(st.arrivals, arr_buf[slot])
        arr_buf[slot] = 0.0
        arrived = st.arrivals.sum(axis=0)
        st.inv += arrived
        st.pipe -= arrived
        # 2. stockpile agency
        low = st.inv < stock_trigger
        trig_day = np.where((trig_day < 0) & low, t, trig_day)
        can = (trig_day >= 0) & (t >= trig_day + stock_lag) & low
        rel = np.where(can, np.minimum(st.stock, stock_rate), 0.0)
        st.release[:] = rel
        st.stock -= rel
        st.inv += rel
        # 3. requirements (plan includes catch-up)
        backlog = np.where(t > window_end, 0.0, backlog)
        plan = 1.0 + np.minimum(overtime, backlog)  # (S, P)
        tf = np.where(thrift_on, ramp_fraction(t, thrift_begin, thrift_ramp), 0.0)
        np.multiply(use * d[np.newaxis], plan[:, np.newaxis, :], out=req)
        req *= 1.0 - thrift * tf
        # 4. allocation by priority, pro rata within a level
        have = st.inv
        avail = have.copy()
        ratio.fill(1.0)
        st.shortfall.fill(0.0)
        for mem in members:
            need = np.where(mem, req, 0.0).sum(axis=0)  # (M, P)
            enough = need <= avail + ENOUGH * need
            share_lev = np.divide(avail, need, out=np.ones_like(need), where=~enough)
            np.copyto(ratio, np.broadcast_to(share_lev[np.newaxis], ratio.shape), where=mem & ~enough[np.newaxis])
            st.shortfall += np.where(enough, 0.0, need - avail)
            avail = np.where(enough, np.maximum(avail - need, 0.0), 0.0)
        used = have - avail
        st.consumption[:] = used
        st.inv = have - used
        st.requirement[:] = req.sum(axis=0)
        # 5-6. output, lost output, catch-up
        val = np.where(used_by, 1.0 - crit * (1.0 - ratio), 1.0)
        np.minimum(val.min(axis=1), 1.0, out=st.f)
        produced = st.f * plan
        made_up = np.maximum(produced - 1.0, 0.0)
        loss = np.maximum(1.0 - produced, 0.0)
        backlog = np.maximum(backlog + catch_share * loss - made_up, 0.0)
        st.output[:] = produced
        st.lost[:] = (loss - made_up) * daily_output
        # 7a. licence decisions due today (denials leave the pipeline)
        np.copyto(st.denied, den_buf[slot])
        den_buf[slot] = 0.0
        st.pipe -= st.denied
        # 7b. order up to target, split over sources
        Q = np.maximum(target - (st.inv + st.pipe), 0.0)  # (M, P)
        known = t >= trigger  # (M, P)
        act = (start <= t) & (t < end)  # (J, P)
        cov = np.zeros((K, M, P))
        kind = np.full((K, M, P), -1, dtype=np.int64)
        quo = np.zeros((K, M, P))
        for j in range(J):
            on = on_km[j][:, :, np.newaxis] & act[j][np.newaxis, np.newaxis, :]
            cov = np.where(on, coverage[j], cov)
            kind = np.where(on, pp.kind[j], kind)
            quo = np.where(on, quota[j], quo)
        aff = kind >= 0
        caps = share_d + extra * np.where(ramp_on, ramp_fraction(t, ramp_begin, ramp_days), 0.0)
        alt = ~aff
        cap_alt = np.where(alt, caps, 0.0).sum(axis=0)
        any_aff = aff.any(axis=0)
        at_risk = np.where(aff, share * (1.0 - cov), 0.0).sum(axis=0)
        want = np.where(any_aff, Q * (1.0 - at_risk), Q)
        to_alt = np.minimum(cap_alt, want)
        frac_alt = np.divide(caps, cap_alt[np.newaxis], out=np.zeros_like(caps), where=cap_alt[np.newaxis] > 0.0)
        q_alt = np.where(alt & (cap_alt > 0.0)[np.newaxis], to_alt[np.newaxis] * frac_alt, 0.0)
        rest = Q - to_alt
        base = np.where(aff, share, 0.0).sum(axis=0)
        frac_aff = np.divide(share, base[np.newaxis], out=np.zeros_like(share), where=base[np.newaxis] > 0.0)
        q_post = np.where(
            any_aff[np.newaxis],
            np.where(aff, rest[np.newaxis] * frac_aff, q_alt),
            q_alt + rest[np.newaxis] * share,
        )
        q = np.where(known[np.newaxis], q_post, share * Q[np.newaxis])
        q = np.where(Q[np.newaxis] > 0.0, q, 0.0)
        st.premium[:] = np.where(known[np.newaxis], np.maximum(q - share_d, 0.0) * price[np.newaxis] * premium, 0.0).sum(axis=(0, 1))
        # 8. ship, drop (ban, quota) or apply (licence)
        covered = q * cov
        ship = np.where(aff, q - covered, q)
        ship = np.where(kind == 1, ship + np.minimum(covered, quo * cov * share_d), ship)
        apply = np.where(kind == 2, covered, 0.0)
        ship = np.where(q > 0.0, ship, 0.0)
        apply = np.where(q > 0.0, apply, 0.0)
        st.placed[:] = ship.sum(axis=0) + apply.sum(axis=0)
        st.pipe += st.placed
        if transit_same:
            for k in range(K):
                arr_buf[(t + int(transit[k, 0])) % B, k] += ship[k]
        else:
            for k in range(K):
                arr_buf[(t + transit[k]) % B, k, :, ar] += ship[k].T
        for j, k, m, tau_all, u_all in licensed:
            if not act[j].any():
                continue
            vol = np.where(act[j], apply[k, m], 0.0)
            dday = nth[cum[t] + tau_all[:, t]]
            ok = u_all[:, t] < approval[j]
            arr_buf[(dday + transit[k]) % B, k, m, ar] += np.where(ok, vol, 0.0)
            den_buf[dday % B, m, ar] += np.where(ok, 0.0, vol)
        # 9. end of day
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
