"""Supply phases, compiled: :func:`ramps`, :func:`arrivals` and :func:`stockpile` for a block of paths.

Each does what the NumPy phase of the same name in
:mod:`simulator.engines.phases.supply` does, for paths ``p0 <= p < p1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines.compiled.deliveries import _claim_gap_row, _deliver_material, _gap_row, _trigger_gap_row
from simulator.engines.compiled.jit import _jit
from simulator.engines.compiled.rules import ramp_at

__all__ = ["arrivals", "ramps", "stockpile"]


@_jit
def _moves(t: int, begin: float, days: float, ok: bool) -> bool:  # pragma: no cover
    """Whether a ramp's share done may differ from what is stored: its disruption is known, it has begun
    (before, the share is 0, as stored from the start) and it was not already complete yesterday."""
    if not ok or t - begin < 0.0:
        return False
    before = (t - 1) - begin
    return before < days if days > 0.0 else before < 0.0


@_jit
def ramps(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.supply.ramps` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    if lay.ramp_rows.shape[0] > 0 and lay.ramp_first <= t <= lay.ramp_done + 1.0:
        for i in range(lay.ramp_rows.shape[0]):
            e = lay.ramp_rows[i]
            if not par.ramp_span[i, 0] <= t <= par.ramp_span[i, 1] + 1.0:
                continue
            for p in range(q0, q1):
                begin, days = par.ramp_begin[i, p], par.ramp_days[i, p]
                if _moves(t, begin, days, par.ramp_ok[i, p]):
                    state.capacity[e, p] = par.share_d[e, p] + par.extra[e, p] * ramp_at(t, begin, days)
        w = par.cohort_w
        for i in range(lay.crow.shape[0]):
            u = lay.crow[i]
            e_q = lay.conv_edge[lay.c_conv[i]]
            for c in range(lay.C):
                wc = w[c]
                for p in range(q0, q1):
                    state.normal[u, c, p] = par.cover[u, c, p] * (wc * (par.recipe[u, p] * state.capacity[e_q, p]))
    if lay.thrift_rows.shape[0] > 0 and lay.thrift_first <= t <= lay.thrift_done + 1.0:
        for i in range(lay.thrift_rows.shape[0]):
            row = lay.thrift_rows[i]
            if not par.thrift_span[i, 0] <= t <= par.thrift_span[i, 1] + 1.0:
                continue
            for p in range(q0, q1):
                begin, days = par.thrift_begin[i, p], par.thrift_days[i, p]
                if _moves(t, begin, days, par.thrift_ok[i, p]):
                    state.thrift_factor[row, p] = 1.0 - par.thrift[i, p] * ramp_at(t, begin, days)
    if lay.subst_rows.shape[0] > 0 and lay.subst_first <= t <= lay.subst_done + 1.0:
        for i in range(lay.subst_rows.shape[0]):
            row = lay.subst_rows[i]
            if not par.subst_span[i, 0] <= t <= par.subst_span[i, 1] + 1.0:
                continue
            for p in range(q0, q1):
                begin, days = par.subst_begin[i, p], par.subst_days[i, p]
                if _moves(t, begin, days, par.subst_ok[i, p]):
                    state.criticality[row, p] = par.crit[row, p] - par.subst_drop[i, p] * ramp_at(t, begin, days)


@_jit
def arrivals(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.supply.arrivals` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    slot = t % lay.B
    for e in range(lay.E):
        for p in range(q0, q1):
            state.arrivals[e, p] = state.ring[slot, e, p]
            state.ring[slot, e, p] = 0.0
    arrived = state.w_total[0]  # (P,) scratch: each material's arrivals in turn
    seen = np.zeros(lay.n_ranks, dtype=np.bool_)
    for m in range(lay.M):
        a, b = lay.e_lo[m], lay.e_hi[m]
        if b > a:
            for p in range(q0, q1):
                arrived[p] = state.arrivals[a, p]
            for e in range(a + 1, b):
                for p in range(q0, q1):
                    arrived[p] += state.arrivals[e, p]
        else:
            for p in range(q0, q1):
                arrived[p] = 0.0
        ua, ub = lay.u_lo[m], lay.u_hi[m]
        if ub > ua:
            for r in range(lay.n_ranks):
                seen[r] = False
            for u in range(ua, ub):  # the gaps to normal stock, and their sums over each rank's firms
                r = lay.rank_of[u]
                qc = lay.u_conv[u]
                for c in range(lay.C):
                    if qc < 0:
                        _gap_row(state.normal[u, c, p0:p1], state.stock[u, c, p0:p1], state.w_gap[u - ua, c, p0:p1],
                                 state.w_inner[r, c, p0:p1], not seen[r])
                    else:  # a conversion's firm: at least the recipe's input for yesterday's order, made today
                        _claim_gap_row(state.normal[u, c, p0:p1], par.cohort_w[c], par.recipe[u, p0:p1],
                                       state.conv_order[qc, p0:p1], state.stock[u, c, p0:p1], state.w_gap[u - ua, c, p0:p1],
                                       state.w_inner[r, c, p0:p1], not seen[r])
                seen[r] = True
            _deliver_material(lay, par, state, m, arrived, True, p0, p1)
        for p in range(q0, q1):
            state.pipeline[m, p] -= arrived[p]


@_jit
def stockpile(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.supply.stockpile` for paths ``[p0, p1)``.

    A material whose stockpile is closed or empty on every path of the block
    releases nothing (``min(stockpile, ...)`` is 0), so its firms' gaps are not
    formed; otherwise the gaps are formed once, summed over all firms (the
    release) and over each rank's (the delivery).
    """
    q0, q1 = np.uint64(p0), np.uint64(p1)
    M, C = lay.M, lay.C
    w = par.cohort_w
    total = state.w_total
    rel = state.w_acc[0, 0]  # (P,) scratch: each material's release in turn
    seen = np.zeros(lay.n_ranks, dtype=np.bool_)
    for m in range(M):
        live = False
        for p in range(q0, q1):
            if t >= par.stock_open[m, p] and state.stockpile[m, p] != 0.0:
                live = True
        if not live:
            for p in range(q0, q1):
                state.release[m, p] = 0.0
            continue
        a, b = lay.u_lo[m], lay.u_hi[m]
        for r in range(lay.n_ranks):
            seen[r] = False
        for u in range(a, b):  # each firm's gap to its share of the trigger
            r = lay.rank_of[u]
            for c in range(C):
                _trigger_gap_row(par.stock_trigger[m, p0:p1], w[c], par.vshare[u, p0:p1], state.stock[u, c, p0:p1],
                                 state.w_gap[u - a, c, p0:p1], state.w_inner[r, c, p0:p1], not seen[r], total[c, p0:p1],
                                 u == a)
            seen[r] = True
        any_rel = False
        for p in range(q0, q1):  # the need over every firm: cohorts in order, each along the paths
            rel[p] = total[0, p] if b > a else 0.0
        if b > a:
            for c in range(1, C):
                for p in range(q0, q1):
                    rel[p] += total[c, p]
        for p in range(q0, q1):
            sneed = rel[p]
            out = 0.0
            if t >= par.stock_open[m, p] and sneed > 0.0:
                out = state.stockpile[m, p]
                if par.stock_rate[m, p] < out:
                    out = par.stock_rate[m, p]
                if sneed < out:
                    out = sneed
            rel[p] = out
            state.release[m, p] = out
            state.stockpile[m, p] -= out
            if out != 0.0:
                any_rel = True
        if any_rel:
            _deliver_material(lay, par, state, m, rel, False, p0, p1)
        for p in range(q0, q1):
            state.released[m, p] += rel[p]
