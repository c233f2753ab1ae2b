"""Firm phases, compiled: :func:`requirements`, :func:`consume`, :func:`convert` and :func:`produce`.

Each does what the NumPy phase of the same name in
:mod:`simulator.engines.phases.firms` does, for paths ``p0 <= p < p1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines import rules
from simulator.engines.compiled.jit import _jit
from simulator.engines.compiled.rules import _later

__all__ = ["consume", "convert", "produce", "requirements"]


ENOUGH = rules.ENOUGH


@_jit
def requirements(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.firms.requirements` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    for s in range(lay.S):
        for p in range(q0, q1):
            if t > par.window_end[s, p]:
                state.backlog[s, p] = 0.0
            ot, bl = par.overtime[s, p], state.backlog[s, p]
            state.catch_up[s, p] = ot if ot <= bl else bl


@_jit
def _consume_row(stock: Any, normal: Any, ratio: Any, cu_ratio: Any, base: Any, factor: Any, catch: Any, wc: float,
                 req: Any, used_: Any, short: Any, inv: Any, first: bool) -> None:  # pragma: no cover
    """Step 4 for one firm along a row of paths: its need ``(wc x base) x factor`` and catch-up need
    ``((wc x base) x catch) x factor``; ``req, used_, short, inv`` get (``first``) or add the requirement,
    use, shortfall and stock left."""
    n = stock.shape[0]
    for i in range(n):
        bw = wc * base[i]
        f = factor[i]
        nd = bw * f
        cn = (bw * catch[i]) * f
        have = stock[i]
        unmet = 0.0
        if nd <= have + ENOUGH * nd:
            avail = have - nd
            if avail < 0.0:
                avail = 0.0
            ratio[i] = 1.0
        else:
            ratio[i] = have / nd
            unmet = nd - have
            avail = 0.0
        surplus = avail - normal[i]
        if surplus < 0.0:
            surplus = 0.0
        if cn <= surplus + ENOUGH * cn:
            avail = avail - cn
            if avail < 0.0:
                avail = 0.0
            cu_ratio[i] = 1.0
        else:
            cu_ratio[i] = surplus / cn
            unmet += cn - surplus
            avail = avail - surplus
        used = have - avail
        left = have - used
        stock[i] = left
        if first:
            req[i] = nd + cn
            used_[i] = used
            short[i] = unmet
            inv[i] = left
        else:
            req[i] += nd + cn
            used_[i] += used
            short[i] += unmet
            inv[i] += left


@_jit
def consume(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.firms.consume` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    C = lay.C
    w = par.cohort_w
    acc = state.w_acc  # requirement, use, shortfall, stock left: firms in order, per cohort
    zeros = state.w_G[0, p0:p1]  # a row of zeros: a conversion's catch-up need
    for i in range(p1 - p0):
        zeros[i] = 0.0
    for m in range(lay.M):
        a, b = lay.u_lo[m], lay.u_hi[m]
        for u in range(a, b):
            si = lay.urow_s[u]
            if si >= 0:
                base = par.base[u, p0:p1]
                factor = state.thrift_factor[si, p0:p1]
                catch = state.catch_up[lay.s_sec[si], p0:p1]
            else:  # a conversion's firm needs the recipe's input for yesterday's order
                base = par.recipe[u, p0:p1]
                factor = state.conv_order[lay.u_conv[u], p0:p1]
                catch = zeros
            for c in range(C):
                _consume_row(state.stock[u, c, p0:p1], state.normal[u, c, p0:p1], state.ratio[u, c, p0:p1],
                             state.cu_ratio[u, c, p0:p1], base, factor, catch, w[c], acc[0, c, p0:p1], acc[1, c, p0:p1],
                             acc[2, c, p0:p1], acc[3, c, p0:p1], u == a)
        req, used, short, inv = state.requirement, state.consumption, state.shortfall, state.inventory
        if a == b:
            for p in range(q0, q1):
                req[m, p] = 0.0
                used[m, p] = 0.0
                short[m, p] = 0.0
                inv[m, p] = 0.0
            continue
        for p in range(q0, q1):  # cohorts in order, each along the paths
            req[m, p] = acc[0, 0, p]
            used[m, p] = acc[1, 0, p]
            short[m, p] = acc[2, 0, p]
            inv[m, p] = acc[3, 0, p]
        for c in range(1, C):
            for p in range(q0, q1):
                req[m, p] += acc[0, c, p]
                used[m, p] += acc[1, c, p]
                short[m, p] += acc[2, c, p]
                inv[m, p] += acc[3, c, p]


@_jit
def convert(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.firms.convert` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    for m in range(lay.M):
        for p in range(q0, q1):
            state.denied[m, p] = 0.0
    w = par.cohort_w
    B = lay.B
    today = t % B
    for q in range(lay.Q):
        e_q = lay.conv_edge[q]
        mq = lay.conv_mat[q]
        for p in range(q0, q1):
            order_q = state.conv_order[q, p]
            full = True
            made = 0.0
            for c in range(lay.C):
                r = 1.0
                for i in range(lay.crow.shape[0]):
                    if lay.c_conv[i] == q:
                        x = state.ratio[lay.crow[i], c, p]
                        if not r <= x:
                            r = x
                if r < 1.0:
                    full = False
                part = (w[c] * order_q) * r
                made = part if c == 0 else made + part
            if full:
                made = order_q
            elif not made <= order_q:
                made = order_q
            state.ring[_later(today, par.transit[e_q, p] - 1, B), e_q, p] += made
            state.denied[mq, p] += order_q - made
            state.conv_order[q, p] = 0.0


@_jit
def _min_term_row(out: Any, crit: Any, ratio: Any) -> None:  # pragma: no cover
    """``out = min(out, 1 - crit x (1 - ratio))`` along a row of paths."""
    for i in range(out.shape[0]):
        x = 1.0 - crit[i] * (1.0 - ratio[i])
        if x < out[i]:
            out[i] = x


@_jit
def produce(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.firms.produce` for paths ``[p0, p1)``.

    A sector with no catch-up planned on any path of the block makes up
    ``w x (0 x g) = 0`` whatever its catch-up fraction ``g``, which is then not formed.
    """
    q0, q1 = np.uint64(p0), np.uint64(p1)
    S, C = lay.S, lay.C
    f_c, g_c = state.w_f, state.w_g
    catching = np.zeros(S, dtype=np.bool_)
    for s in range(S):
        for p in range(q0, q1):
            if state.catch_up[s, p] != 0.0:
                catching[s] = True
        for c in range(C):
            for p in range(q0, q1):
                f_c[s, c, p] = 1.0
                g_c[s, c, p] = 1.0
    for k in range(lay.srow.shape[0]):
        u = lay.srow[k]
        s = lay.s_sec[k]
        for c in range(C):
            _min_term_row(f_c[s, c, p0:p1], state.criticality[k, p0:p1], state.ratio[u, c, p0:p1])
            if catching[s]:
                _min_term_row(g_c[s, c, p0:p1], state.criticality[k, p0:p1], state.cu_ratio[u, c, p0:p1])
    w = par.cohort_w
    frac, made = state.fraction, state.made_up
    for s in range(S):  # cohorts in order, each along the paths (so the loops over paths vectorise)
        for p in range(q0, q1):
            frac[s, p] = w[0] * f_c[s, 0, p]
        for c in range(1, C):
            for p in range(q0, q1):
                frac[s, p] += w[c] * f_c[s, c, p]
        if catching[s]:
            for c in range(C):
                wc = w[c]
                for p in range(q0, q1):
                    x = wc * (state.catch_up[s, p] * g_c[s, c, p] if f_c[s, c, p] == 1.0 else 0.0)
                    made[s, p] = x if c == 0 else made[s, p] + x
        else:  # no catch-up on any path: w x (0 x g) or w x 0, +0 either way
            for p in range(q0, q1):
                made[s, p] = 0.0
        for p in range(q0, q1):
            f = frac[s, p]
            mu = made[s, p]
            loss = 1.0 - f
            bl = state.backlog[s, p] + par.catch_share[s, p] * loss - mu
            if bl < 0.0:
                bl = 0.0
            state.backlog[s, p] = bl
            state.output[s, p] = f + mu
            state.lost[s, p] = (loss - mu) * par.daily_output[s, p]
