"""A block's :class:`Kernel` (layout, parameters and state) and :func:`build`, which sets it up with its day-0 state.

:func:`build` assembles the :class:`~simulator.engines.state.layout.Layout` and
:class:`~simulator.engines.state.parameters.Params` from the parts of
:mod:`simulator.engines.state.parts`; :func:`allocate` sets up the day-0
:class:`~simulator.engines.state.day.State` (normal stocks, the national
stockpile, goods already in transit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engines.params import NEVER, PathParams
from simulator.engines.rules import Ramp
from simulator.engines.state.day import DayState, State
from simulator.engines.state.layout import Layout
from simulator.engines.state.parameters import Params
from simulator.engines.state.parts import (
    _c,
    _calendar,
    _capacity_ramps,
    _criticality,
    _edge_flows,
    _edges,
    _i,
    _licence_queues,
    _measures,
    _subst_ramps,
    _thrift_ramps,
    _triage_order,
    _use_shares,
    _uses,
)
from simulator.engines.state.sums import csum, msum
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["Kernel", "allocate", "build"]


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
