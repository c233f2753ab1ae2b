"""Deliveries, compiled: a material's amount handed to its firms rank by rank (``_deliver_material``).

The gaps of each firm to its target along a row of paths (``_gap_row``,
``_claim_gap_row``, ``_trigger_gap_row``), their sums by rank
(``_rank_gaps``), triage's gives in order of value (``_triage_gives``) and the
fills or shares (``_give_to_firms``): what
:func:`simulator.engines.phases.deliveries.deliver` does, for the supply
phases of :mod:`simulator.engines.compiled.supply`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines.compiled.jit import _jit


@_jit
def _gap_row(normal: Any, stock: Any, gap: Any, inner: Any, first: bool) -> None:  # pragma: no cover
    """A firm's gaps to its normal stock along a row of paths, ``max(normal - stock, 0)``, into ``gap``; the
    rank's sums ``inner`` are set to them (``first``) or add them."""
    n = gap.shape[0]
    if first:
        for i in range(n):
            g = normal[i] - stock[i]
            if g < 0.0:
                g = 0.0
            gap[i] = g
            inner[i] = g
    else:
        for i in range(n):
            g = normal[i] - stock[i]
            if g < 0.0:
                g = 0.0
            gap[i] = g
            inner[i] += g


@_jit
def _claim_gap_row(normal: Any, need_w: float, recipe: Any, order: Any, stock: Any, gap: Any, inner: Any,
                   first: bool) -> None:  # pragma: no cover
    """A conversion's firm's gaps along a row of paths: to the larger of its normal stock and the recipe's input
    for what it makes today, ``max(max(normal, (need_w x recipe) x order) - stock, 0)``, into ``gap``; the
    rank's sums ``inner`` are set to them (``first``) or add them."""
    n = gap.shape[0]
    for i in range(n):
        claim = normal[i]
        need = (need_w * recipe[i]) * order[i]
        if need > claim:
            claim = need
        g = claim - stock[i]
        if g < 0.0:
            g = 0.0
        gap[i] = g
        if first:
            inner[i] = g
        else:
            inner[i] += g


@_jit
def _trigger_gap_row(trigger: Any, wc: float, vshare: Any, stock: Any, gap: Any, inner: Any, first_inner: bool,
                     total: Any, first_total: bool) -> None:  # pragma: no cover
    """A firm's gaps to its share of the stockpile's trigger, ``max(trigger x (wc x vshare) - stock, 0)``,
    into ``gap``, summed into the rank's ``inner`` and the material's ``total`` (each set when first)."""
    n = gap.shape[0]
    for i in range(n):
        g = trigger[i] * (wc * vshare[i]) - stock[i]
        if g < 0.0:
            g = 0.0
        gap[i] = g
        if first_inner:
            inner[i] = g
        else:
            inner[i] += g
        if first_total:
            total[i] = g
        else:
            total[i] += g


@_jit
def _fill_row(stock: Any, gap: Any, rem: Any, wc: float, xshare: Any, excess: bool) -> None:  # pragma: no cover
    """Every path's rank is filled (or has no gap): the firm gets its gap and, with ``excess``, its share of
    what is left over every gap, ``rem x (wc x xshare)``."""
    n = gap.shape[0]
    for i in range(n):
        x = gap[i]
        if excess and rem[i] > 0.0:
            x = x + rem[i] * (wc * xshare[i])
        if x != 0.0:
            stock[i] = stock[i] + x


@_jit
def _share_row(stock: Any, gap: Any, mode: Any, rem_r: Any, G: Any, rem: Any, wc: float, xshare: Any,
               excess: bool) -> None:  # pragma: no cover
    """Some path shares what is left pro rata to the gaps (mode 2, no triage): ``rem_r x (gap / G)``."""
    n = gap.shape[0]
    for i in range(n):
        x = gap[i]
        if mode[i] == 2:
            x = rem_r[i] * (gap[i] / G[i])
        if excess and rem[i] > 0.0:
            x = x + rem[i] * (wc * xshare[i])
        if x != 0.0:
            stock[i] = stock[i] + x


@_jit
def _triage_row(stock: Any, gap: Any, mode: Any, rem_r: Any, G: Any, triage: Any, give: Any, gsum: Any, rem: Any,
                wc: float, xshare: Any, excess: bool) -> None:  # pragma: no cover
    """As :func:`_share_row`, with ``triage`` of what is shared going to the uses by value: the firm's share
    of its use's ``give``, pro rata to the gaps of the use's cohorts (``gsum``)."""
    n = gap.shape[0]
    for i in range(n):
        x = gap[i]
        if mode[i] == 2:
            x = rem_r[i] * (gap[i] / G[i])
            th = triage[i]
            if th > 0.0:
                gs = gsum[i]
                greedy = 0.0
                if gs > 0.0:
                    greedy = give[i] * (gap[i] / gs)
                x = (1.0 - th) * x + th * greedy
        if excess and rem[i] > 0.0:
            x = x + rem[i] * (wc * xshare[i])
        if x != 0.0:
            stock[i] = stock[i] + x


@_jit
def _rank_gaps(lay: Any, state: Any, r: int, q0: Any, q1: Any) -> bool:  # pragma: no cover
    """Rank r's gap ``state.w_G[r]`` (P,) t, the sum of its firms' (``state.w_inner[r]``, cohorts in order),
    and what each path does with it: fills it (``w_mode`` 1) if the amount left ``state.w_rem`` covers it,
    else shares what is left (mode 2, the amount left becomes 0); ``w_rem_r[r]`` keeps the amount before.

    Returns whether some path shares (mode 2).
    """
    G, inner, rem_r, mode, rem = state.w_G, state.w_inner, state.w_rem_r, state.w_mode, state.w_rem
    any_part = False
    for p in range(q0, q1):  # the rank's gap: cohorts in order, each along the paths
        G[r, p] = inner[r, 0, p]
    for c in range(1, lay.C):
        for p in range(q0, q1):
            G[r, p] += inner[r, c, p]
    for p in range(q0, q1):
        g = G[r, p]
        rem_r[r, p] = rem[p]
        if g <= 0.0:
            continue
        if rem[p] >= g:
            mode[r, p] = 1
            rem[p] = rem[p] - g
        else:
            mode[r, p] = 2
            any_part = True
            rem[p] = 0.0
    return any_part


@_jit
def _triage_gives(lay: Any, par: Any, state: Any, m: int, r: int, p0: int, p1: int) -> bool:  # pragma: no cover
    """What each of material m's uses of rank r gets by value, where the rank's paths share with triage.

    Each use's gap over its cohorts (cohorts in order) into ``state.w_gsum``
    (U, P) t, then, by value, highest first (``par.value_order``), the use's
    gap in full while the amount left ``w_rem_r[r]`` lasts into ``state.w_give``
    (U, P) t (computed on every path; used where triage applies).

    Returns whether some sharing path (``w_mode`` 2) has triage; if none, nothing is computed.
    """
    q0, q1 = np.uint64(p0), np.uint64(p1)
    a, b = lay.u_lo[m], lay.u_hi[m]
    gap, rem_r, mode = state.w_gap, state.w_rem_r, state.w_mode
    give, gsum_u = state.w_give, state.w_gsum
    on = False
    for p in range(q0, q1):
        if mode[r, p] == 2 and par.triage[p] > 0.0:
            on = True
    if not on:
        return False
    for u in range(a, b):
        if lay.rank_of[u] != r:
            continue
        for p in range(q0, q1):
            gsum_u[u, p] = gap[u - a, 0, p]
        for c in range(1, lay.C):
            for p in range(q0, q1):
                gsum_u[u, p] += gap[u - a, c, p]
    gi = m * lay.n_ranks + r
    before = np.zeros(p1 - p0)
    for k in range(lay.g_lo[gi], lay.g_hi[gi]):
        for i in range(p1 - p0):
            pv = q0 + np.uint64(i)
            u = par.value_order[k, pv]
            gs = gsum_u[u, pv]
            v = rem_r[r, pv] - before[i]
            if v < 0.0:
                v = 0.0
            give[u, pv] = gs if gs <= v else v
            before[i] += gs
    return True


@_jit
def _give_to_firms(lay: Any, par: Any, state: Any, m: int, part_r: Any, triage_r: Any, excess: bool, p0: int,
                   p1: int) -> None:  # pragma: no cover
    """One pass over material m's firms: what each gets, added to ``state.stock`` (a rank that every path
    fills, or without a gap, gives each firm its gap; ``part_r``: some path shares; ``triage_r``: with
    triage); with ``excess``, each also gets its share of what is left over every gap."""
    w = par.cohort_w
    a, b = lay.u_lo[m], lay.u_hi[m]
    gap, G, rem_r, mode, rem = state.w_gap, state.w_G, state.w_rem_r, state.w_mode, state.w_rem
    for u in range(a, b):
        r = lay.rank_of[u]
        for c in range(lay.C):
            stock = state.stock[u, c, p0:p1]
            row = gap[u - a, c, p0:p1]
            xshare = par.xshare[u, p0:p1]
            if not part_r[r]:
                _fill_row(stock, row, rem[p0:p1], w[c], xshare, excess)
            elif not triage_r[r]:
                _share_row(stock, row, mode[r, p0:p1], rem_r[r, p0:p1], G[r, p0:p1], rem[p0:p1], w[c], xshare, excess)
            else:
                _triage_row(stock, row, mode[r, p0:p1], rem_r[r, p0:p1], G[r, p0:p1], par.triage[p0:p1],
                            state.w_give[u, p0:p1], state.w_gsum[u, p0:p1], rem[p0:p1], w[c], xshare, excess)


@_jit
def _deliver_material(lay: Any, par: Any, state: Any, m: int, amount: Any, excess: bool, p0: int,
                      p1: int) -> None:  # pragma: no cover
    """Deliver ``amount`` (P,) t of material m to its firms of paths ``[p0, p1)``, adding to ``state.stock``.

    ``state.w_gap`` (rows of m, C, P) holds each firm's gap and ``state.w_inner``
    (R, C, P) their sums over each rank's firms (firms in order, per cohort).
    Rank by rank, a rank's gaps are filled if the amount left covers them,
    else the amount left is shared pro rata to the gaps (:func:`_rank_gaps`),
    ``triage`` of it to the uses in order of value first (:func:`_triage_gives`);
    with ``excess``, what is left after every gap goes by cohort weight x
    ``xshare`` (:func:`_give_to_firms`). As :func:`simulator.engines.phases.deliveries.deliver`.
    """
    q0, q1 = np.uint64(p0), np.uint64(p1)
    R = lay.n_ranks
    has_groups = lay.g_hi.shape[0] > 0 and par.value_order.shape[0] > 0
    for p in range(q0, q1):
        state.w_rem[p] = amount[p]
    part_r = np.zeros(R, dtype=np.bool_)
    triage_r = np.zeros(R, dtype=np.bool_)
    seen = np.zeros(R, dtype=np.bool_)
    for u in range(lay.u_lo[m], lay.u_hi[m]):
        seen[lay.rank_of[u]] = True
    for r in range(R):
        for p in range(q0, q1):
            state.w_mode[r, p] = 0
        if not seen[r]:
            continue
        part_r[r] = _rank_gaps(lay, state, r, q0, q1)
        gi = m * R + r
        if part_r[r] and has_groups and lay.g_hi[gi] > lay.g_lo[gi]:
            triage_r[r] = _triage_gives(lay, par, state, m, r, p0, p1)
    _give_to_firms(lay, par, state, m, part_r, triage_r, excess, p0, p1)
