"""Compiled loops of the vectorised engine's phases (numba, nopython mode, no fastmath).

Each function ``phase(t, lay, par, state, p0, p1)`` does what the NumPy phase of
the same name in :mod:`simulator.engines.phases` does (see its docstring for
the contract), for paths ``p0 <= p < p1`` of the state's arrays
(:mod:`simulator.engines.state`), with the same IEEE operations in the same
order as the SimPy engine (sums of firms in use order within a cohort, then
cohorts in order; without fastmath, numba keeps that order), so trajectories
stay bit-identical. Paths are independent, so :func:`day` runs every phase on
one block of paths after another. Paths are the innermost, contiguous axis of
every loop over firms; a firm's loop over paths is a small function on rows
(``_*_row``) that LLVM vectorises, and path indices are unsigned so no
negative-index check stands in its way. Scratch arrays live in the state
(``State.w_*``), so a day allocates nothing per firm.

Functions are compiled once per machine (``cache=True``). When numba is not
installed, :data:`AVAILABLE` is False and the engine runs the NumPy phases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines import rules

try:  # numba is a declared dependency; the NumPy phases remain the fallback
    from numba import njit
    from numba.core.errors import NumbaError

    AVAILABLE = True
    COMPILE_ERRORS: tuple[type[BaseException], ...] = (NumbaError,)
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False
    COMPILE_ERRORS = ()

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]

        def wrap(f: Any) -> Any:
            return f
        return wrap

__all__ = [
    "AVAILABLE",
    "COMPILE_ERRORS",
    "arrivals",
    "attempt",
    "consume",
    "convert",
    "day",
    "days",
    "decide",
    "dispatch",
    "fused_ok",
    "histogram_values",
    "order",
    "pairwise_sum",
    "produce",
    "ramps",
    "record_histograms",
    "record_metrics",
    "requirements",
    "review_day_totals",
    "run_day",
    "run_recorded",
    "stockpile",
]

ENOUGH = rules.ENOUGH
LICENCE = int(rules.MeasureKind.LICENCE)
BAN = int(rules.MeasureKind.BAN)
QUOTA = int(rules.MeasureKind.QUOTA)

_jit = njit(cache=True, error_model="numpy")
"""Compile a phase: cached; IEEE semantics for division (``inf``/``nan`` as NumPy gives, never an exception)."""

ramp_at = _jit(rules.ramp_at)
review_days_at = _jit(rules.review_days_at)


@_jit
def pass_share_at(t: float, quota: float, leakage: float, start: float, leak_lag: float,
                  leak_days: float) -> float:  # pragma: no cover
    """:func:`simulator.engines.rules.pass_share_at`, compiled (it calls the compiled :func:`ramp_at`)."""
    leak = leakage * ramp_at(t, start + leak_lag, leak_days)
    return quota + leak * (1.0 - quota)


@_jit
def _later(slot: int, d: int, B: int) -> int:  # pragma: no cover
    """Ring slot ``d`` days after ``slot`` (``0 <= d < B``): ``(slot + d) % B`` without a division."""
    x = slot + d
    return x - B if x >= B else x


@_jit
def _moves(t: int, begin: float, days: float, ok: bool) -> bool:  # pragma: no cover
    """Whether a ramp's share done may differ from what is stored: its disruption is known, it has begun
    (before, the share is 0, as stored from the start) and it was not already complete yesterday."""
    if not ok or t - begin < 0.0:
        return False
    before = (t - 1) - begin
    return before < days if days > 0.0 else before < 0.0


@_jit
def _phase_of(days: Any, t: int) -> int:  # pragma: no cover
    """Index of the licence phase in force on day ``t``: the last phase started, at least 0."""
    h = 0
    for i in range(1, days.shape[0]):
        if days[i] <= t:
            h = i
    return h


@_jit
def _review_value(x: float, a: float) -> float:  # pragma: no cover
    """:func:`simulator.engines.params.review_days` of one processing time and acceptance time (a whole number)."""
    v = np.ceil((x + a) - 1e-9)
    return v if v >= 1.0 else 1.0


@_jit
def review_day_totals(x: Any, accept: Any, out: Any) -> None:  # pragma: no cover
    """For each acceptance time ``accept[j]``, the sum over processing times ``x`` (sorted, non-decreasing)
    of :func:`simulator.engines.params.review_days`, into ``out[j]`` (int).

    The whole days do not decrease along ``x``, so each run of equal days is
    found by bisection and counted at once: the same integers as the
    elementwise sum, from the same floating-point operations.
    """
    n = x.shape[0]
    for j in range(accept.shape[0]):
        a = accept[j]
        total = 0
        k = 0
        while k < n:
            v = _review_value(x[k], a)
            lo, hi = k, n - 1  # the last index whose days are v
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _review_value(x[mid], a) == v:
                    lo = mid
                else:
                    hi = mid - 1
            total += int(v) * (lo - k + 1)
            k = lo + 1
        out[j] = total


# ------------------------------------------------------------------ deliveries


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
    ``xshare`` (:func:`_give_to_firms`). As :func:`simulator.engines.phases.deliver`.
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


# ------------------------------------------------------------------ phases


@_jit
def ramps(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.ramps` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.arrivals` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.stockpile` for paths ``[p0, p1)``.

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


@_jit
def requirements(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.requirements` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.consume` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.convert` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.produce` for paths ``[p0, p1)``.

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


@_jit
def decide(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.decide` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    B = lay.B
    slot = t % B
    for i in range(lay.L):
        j = lay.lic_meas[i]
        e_l = lay.lic_edge[i]
        mm = lay.edge_m[e_l]
        h = _phase_of(lay.reg_days[j], t)
        limited = lay.limited[j]
        working = lay.working[t]
        for p in range(q0, q1):
            tr = par.transit[e_l, p]
            if par.end[j, p] == t:  # the regime ends: everything pending ships, in order of decision day
                total = state.lic_waiting[i, p]
                for dd in range(B):
                    total += state.lic_due[i, (t + dd) % B, p]
                state.ring[_later(slot, tr, B), e_l, p] += total
                for dd in range(B):
                    state.lic_due[i, dd, p] = 0.0
                state.lic_waiting[i, p] = 0.0
            due = state.lic_due[i, slot, p] + state.lic_waiting[i, p]
            state.lic_due[i, slot, p] = 0.0
            if due == 0.0:
                continue
            if limited:
                decided = 0.0
                if working:
                    cap = par.capacity[j, h, p]
                    decided = due if due <= cap else cap
                state.lic_waiting[i, p] = due - decided
            else:
                decided = due
            state.ring[_later(slot, tr, B), e_l, p] += decided * par.approve[j, h, p]
            state.denied[mm, p] += decided * par.reject[j, h, p]
            pending = decided * par.pending[j, h, p]
            again = lay.nth[lay.cum[t] + review_days_at(par.lic_x[i, t, p], 0.0)] % B
            state.lic_due[i, again, p] += pending
    for m in range(lay.M):
        for p in range(q0, q1):
            state.pipeline[m, p] -= state.denied[m, p]


@_jit
def _split_stats(lay: Any, state: Any, par: Any, caps: Any, m: int, q0: Any, nb: int, stats: Any) -> None:  # pragma: no cover
    """Per path, over material m's edges: capacity of the alternatives, edges under a measure, share at risk,
    baseline share under a measure (``stats[0:4]``, each (nb,)); 0 where the material has no edge."""
    a, b = lay.e_lo[m], lay.e_hi[m]
    for k in range(4):
        for i in range(nb):
            stats[k, i] = 0.0
    for e in range(a, b):
        first = e == a
        for i in range(nb):
            p = q0 + np.uint64(i)
            aff = state.kind[e, p] >= 0
            sh = par.share[e, p]
            x1 = 0.0 if aff else caps[e, i]
            x2 = 1.0 if aff else 0.0
            x3 = sh * (1.0 - state.cov[e, p]) if aff else 0.0
            x4 = sh if aff else 0.0
            if first:
                stats[0, i] = x1
                stats[1, i] = x2
                stats[2, i] = x3
                stats[3, i] = x4
            else:
                stats[0, i] += x1
                stats[1, i] += x2
                stats[2, i] += x3
                stats[3, i] += x4


@_jit
def _split_weights(lay: Any, state: Any, par: Any, caps: Any, m: int, q0: Any, nb: int, stats: Any,
                   wts: Any) -> None:  # pragma: no cover
    """Each of material m's edges' weight in :func:`_split` (E, nb): an alternative's share of the
    alternatives' capacity ``caps / stats[0]``, an edge under a measure's share of the baseline under a
    measure ``share / stats[3]`` (0 where the total is not positive). The same for every order split on a
    day, so formed once."""
    a, b = lay.e_lo[m], lay.e_hi[m]
    for e in range(a, b):
        for i in range(nb):
            p = q0 + np.uint64(i)
            aff = state.kind[e, p] >= 0
            num = par.share[e, p] if aff else caps[e, i]
            den = stats[3, i] if aff else stats[0, i]
            wts[e, i] = num / den if den > 0.0 else 0.0


@_jit
def _split(lay: Any, state: Any, par: Any, wts: Any, m: int, q0: Any, nb: int, stats: Any, Qm: Any,
           work: Any, out: Any) -> None:  # pragma: no cover
    """Orders ``out[e, i]`` on material m's edges for orders ``Qm`` (nb,) t once a disruption is known.

    Alternatives (edges under no measure) get the share at risk first, up to
    their capacity, pro rata to it; the rest goes to the edges under a
    measure by baseline share (with none, by baseline share to every edge).
    ``stats`` from :func:`_split_stats`, ``wts`` from :func:`_split_weights`;
    ``work`` (2, nb) scratch.
    """
    a, b = lay.e_lo[m], lay.e_hi[m]
    for i in range(nb):
        cap_alt = stats[0, i]
        want = Qm[i] * (1.0 - stats[2, i]) if stats[1, i] > 0.0 else Qm[i]
        to_alt = cap_alt if cap_alt <= want else want
        work[0, i] = to_alt
        work[1, i] = Qm[i] - to_alt
    for e in range(a, b):
        for i in range(nb):
            p = q0 + np.uint64(i)
            aff = state.kind[e, p] >= 0
            wt = wts[e, i]
            if stats[1, i] > 0.0:
                out[e, i] = work[1, i] * wt if aff else work[0, i] * wt
            else:  # no edge under a measure
                out[e, i] = work[0, i] * wt + work[1, i] * par.share[e, p]


@_jit
def _measures_today(t: int, lay: Any, par: Any, state: Any, q0: Any, q1: Any) -> None:  # pragma: no cover
    """The measure in force on each edge on day ``t`` (the last listed where several are) for paths ``[q0, q1)``."""
    for k in range(lay.measured.shape[0]):
        e = lay.measured[k]
        for p in range(q0, q1):
            state.cov[e, p] = 0.0
            state.kind[e, p] = -1
            state.passing[e, p] = 0.0
            state.leak[e, p] = 0.0
            state.exempt[e, p] = 0.0
            state.ahead[e, p] = 0.0
    for j in range(lay.J):
        kind = lay.meas_kind[j]
        h = _phase_of(lay.reg_days[j], t)
        for k in range(lay.me_lo[j], lay.me_hi[j]):
            e = lay.me_rows[k]
            for p in range(q0, q1):
                if not (par.start[j, p] <= t and t < par.end[j, p]):
                    continue
                state.cov[e, p] = par.coverage[j, p]
                state.kind[e, p] = kind
                if kind == LICENCE:
                    state.leak[e, p] = pass_share_at(t, 0.0, par.leakage[j, p], par.start[j, p], par.leak_lag[j, p],
                                                  par.leak_days[j, p])
                    ex = par.exempt[j, h, p]
                    state.exempt[e, p] = ex
                    state.ahead[e, p] = (par.coverage[j, p] * (1.0 - ex)) * par.lead[j, h, p]
                else:
                    state.passing[e, p] = pass_share_at(t, par.quota[j, p], par.leakage[j, p], par.start[j, p],
                                                     par.leak_lag[j, p], par.leak_days[j, p])


@_jit
def _capacities(lay: Any, par: Any, state: Any, q0: Any, nb: int, caps: Any) -> None:  # pragma: no cover
    """Each edge's capacity as importers see it into ``caps`` (E, nb) t/day: ``state.capacity``, a domestic
    conversion's at most what its firms' input stocks can make (each input's stock over its cohorts / its
    recipe's t per t)."""
    for e in range(lay.E):
        for i in range(nb):
            caps[e, i] = state.capacity[e, q0 + np.uint64(i)]
    for k in range(lay.crow.shape[0]):
        u = lay.crow[k]
        e_q = lay.conv_edge[lay.c_conv[k]]
        for i in range(nb):
            p = q0 + np.uint64(i)
            s_u = state.stock[u, 0, p]
            for c in range(1, lay.C):
                s_u += state.stock[u, c, p]
            x = s_u / par.recipe[u, p]
            if not caps[e_q, i] <= x:
                caps[e_q, i] = x


@_jit
def _target(t: int, lay: Any, par: Any, state: Any, m: int, q0: Any, nb: int, qd: Any, sums: Any,
            tgt: Any) -> None:  # pragma: no cover
    """Material m's target position (nb,) t into ``tgt``.

    The order-up-to position ``par.target`` until the disruption is known,
    then inventory cover plus the pipeline the current supply mix needs
    (``qd`` (E, nb) t, a day's demand split as today's order would be, times
    each edge's transit days) and, under a licence, the days ordered ahead.
    ``sums`` (3, nb) scratch.
    """
    a, b = lay.e_lo[m], lay.e_hi[m]
    lead, n_lic, ahead = sums[0], sums[1], sums[2]
    for e in range(a, b):
        for i in range(nb):
            p = q0 + np.uint64(i)
            x = qd[e, i] * par.transit_f[e, p]
            y = 1.0 if state.kind[e, p] == LICENCE else 0.0
            z = qd[e, i] * state.ahead[e, p]
            if e == a:
                lead[i], n_lic[i], ahead[i] = x, y, z
            else:
                lead[i] += x
                n_lic[i] += y
                ahead[i] += z
    for i in range(nb):
        p = q0 + np.uint64(i)
        x = par.target[m, p]
        if t >= par.trigger[m, p]:
            x = par.cover_d[m, p] + (lead[i] if b > a else 0.0)
            if b > a and n_lic[i] > 0.0:
                x = x + ahead[i]
        tgt[i] = x


@_jit
def _order_sizes(lay: Any, par: Any, state: Any, m: int, q0: Any, nb: int, tgt: Any, fb: Any,
                 Qm: Any) -> None:  # pragma: no cover
    """Material m's order (nb,) t into ``Qm``: the target ``tgt`` (nb,) t plus the stockpile released so far
    and the material for the sectors' backlog of lost output, less inventory and pipeline; at least 0.
    ``fb`` (nb,) scratch."""
    ua, ub = lay.u_lo[m], lay.u_hi[m]
    # released stockpile is a bridge; the sectors' backlog is ordered on top of the target
    for u in range(ua, ub):
        si = lay.urow_s[u]
        for i in range(nb):
            p = q0 + np.uint64(i)
            x = par.pair_base[si, p] * state.backlog[lay.s_sec[si], p] if si >= 0 else 0.0
            if u == ua:
                fb[i] = x
            else:
                fb[i] += x
    for i in range(nb):
        p = q0 + np.uint64(i)
        qm = ((tgt[i] + state.released[m, p]) + (fb[i] if ub > ua else 0.0)) - (state.inventory[m, p] + state.pipeline[m, p])
        Qm[i] = qm if not qm < 0.0 else 0.0


@_jit
def _orders(t: int, lay: Any, par: Any, state: Any, m: int, q0: Any, nb: int, Qm: Any,
            qo: Any) -> None:  # pragma: no cover
    """``state.orders`` (E, P) t on material m's edges for orders ``Qm`` (nb,) t: by baseline share until the
    disruption is known, then ``qo`` (E, nb) t (:func:`_split`); 0 where the material orders nothing."""
    for e in range(lay.e_lo[m], lay.e_hi[m]):
        for i in range(nb):
            p = q0 + np.uint64(i)
            qm = Qm[i]
            q = qo[e, i] if t >= par.trigger[m, p] else par.share[e, p] * qm
            if not qm > 0.0:
                q = 0.0
            state.orders[e, p] = q


@_jit
def _ship_and_apply(lay: Any, par: Any, state: Any, m: int, q0: Any, nb: int) -> None:  # pragma: no cover
    """What of material m's orders ships and what applies for a licence: ``state.ship``, ``state.apply``
    (E, P) t.

    Off a measure everything ships. Under one the uncovered users buy as
    before up to their baseline flow; a ban's or quota's covered users get
    their pass share of it; a licence's exempt and leaking shares ship and
    the rest applies.
    """
    for e in range(lay.e_lo[m], lay.e_hi[m]):
        for i in range(nb):
            p = q0 + np.uint64(i)
            q = state.orders[e, p]
            kd = state.kind[e, p]
            if kd < 0:
                state.ship[e, p] = q
                state.apply[e, p] = 0.0
                continue
            sd = par.share_d[e, p]
            cov = state.cov[e, p]
            covered = q * cov
            low = q if q <= sd else sd
            ship = low * (1.0 - cov)
            apply = 0.0
            if kd == BAN or kd == QUOTA:
                y = (state.passing[e, p] * cov) * sd
                ship = ship + (covered if covered <= y else y)
            elif kd == LICENCE:
                ex = state.exempt[e, p]
                lk = state.leak[e, p]
                ship = ship + low * (cov * ex)
                ship = ship + low * ((cov * (1.0 - ex)) * lk)
                apply = (covered * (1.0 - ex)) * (1.0 - lk)
            state.ship[e, p] = ship
            state.apply[e, p] = apply


@_jit
def _premium(t: int, lay: Any, par: Any, state: Any, q0: Any, q1: Any) -> None:  # pragma: no cover
    """``state.premium`` (P,) currency/day: the extra cost of shipments above each edge's baseline flow (price x
    premium a tonne), once the disruption of its material is known."""
    rows = lay.prem_rows
    for k in range(rows.shape[0]):
        e = rows[k]
        m = lay.edge_m[e]
        for pp in range(q0, q1):
            x = state.ship[e, pp] - par.share_d[e, pp]
            if x < 0.0:
                x = 0.0
            if not t >= par.trigger[m, pp]:
                x = x * 0.0
            x = (x * par.price[e, pp]) * par.premium[e, pp]
            if k == 0:
                state.premium[pp] = x
            else:
                state.premium[pp] += x


@_jit
def order(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.order` for paths ``[p0, p1)``, material by material."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    nb = p1 - p0
    E = lay.E
    _measures_today(t, lay, par, state, q0, q1)
    caps = np.empty((E, nb))
    _capacities(lay, par, state, q0, nb, caps)
    stats = np.empty((4, nb))
    work = np.empty((2, nb))
    qd = np.empty((E, nb))
    qo = np.empty((E, nb))
    wts = np.empty((E, nb))
    sums = np.empty((3, nb))
    dem = np.empty(nb)
    tgt = np.empty(nb)
    fb = np.empty(nb)
    Qm = np.empty(nb)
    for m in range(lay.M):
        any_known = False
        for i in range(nb):
            p = q0 + np.uint64(i)
            dem[i] = par.demand[m, p]
            if t >= par.trigger[m, p]:
                any_known = True
        if any_known:
            _split_stats(lay, state, par, caps, m, q0, nb, stats)
            _split_weights(lay, state, par, caps, m, q0, nb, stats, wts)
            # the pipeline the current supply mix needs: a day's demand split as today's order would be
            _split(lay, state, par, wts, m, q0, nb, stats, dem, work, qd)
        _target(t, lay, par, state, m, q0, nb, qd, sums, tgt)
        _order_sizes(lay, par, state, m, q0, nb, tgt, fb, Qm)
        if any_known:
            _split(lay, state, par, wts, m, q0, nb, stats, Qm, work, qo)
        _orders(t, lay, par, state, m, q0, nb, Qm, qo)
        _ship_and_apply(lay, par, state, m, q0, nb)  # what ships, what is dropped (ban, quota), what applies
    _premium(t, lay, par, state, q0, q1)


@_jit
def dispatch(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.dispatch` for paths ``[p0, p1)``."""
    q0, q1 = np.uint64(p0), np.uint64(p1)
    B = lay.B
    today = t % B
    for m in range(lay.M):
        a, b = lay.e_lo[m], lay.e_hi[m]
        for p in range(q0, q1):
            if b == a:
                state.placed[m, p] = 0.0
                continue
            s1 = state.ship[a, p]
            s2 = state.apply[a, p]
            for e in range(a + 1, b):
                s1 += state.ship[e, p]
                s2 += state.apply[e, p]
            state.placed[m, p] = s1 + s2
            state.pipeline[m, p] += s1 + s2
    for q in range(lay.Q):
        e_q = lay.conv_edge[q]
        for p in range(q0, q1):
            state.conv_order[q, p] = state.ship[e_q, p]
    for e in range(lay.E):
        if lay.is_conv_edge[e]:
            continue
        for p in range(q0, q1):
            state.ring[_later(today, par.transit[e, p], B), e, p] += state.ship[e, p]
    for i in range(lay.L):
        j = lay.lic_meas[i]
        e_l = lay.lic_edge[i]
        for p in range(q0, q1):
            if par.start[j, p] <= t and t < par.end[j, p]:
                slot = lay.nth[lay.cum[t] + review_days_at(par.lic_x[i, t, p], par.accept[j, p])] % B
                state.lic_due[i, slot, p] += state.apply[e_l, p]


@_jit
def day(t: int, lay: Any, par: Any, state: Any, block: int) -> None:  # pragma: no cover
    """Every phase of day ``t``, in the daily step's order, on one block of ``block`` paths after another."""
    for p0 in range(0, lay.P, block):
        p1 = min(p0 + block, lay.P)
        ramps(t, lay, par, state, p0, p1)
        arrivals(t, lay, par, state, p0, p1)
        stockpile(t, lay, par, state, p0, p1)
        requirements(t, lay, par, state, p0, p1)
        consume(t, lay, par, state, p0, p1)
        convert(t, lay, par, state, p0, p1)
        produce(t, lay, par, state, p0, p1)
        decide(t, lay, par, state, p0, p1)
        order(t, lay, par, state, p0, p1)
        dispatch(t, lay, par, state, p0, p1)


@_jit
def days(t0: int, t1: int, lay: Any, par: Any, state: Any, block: int) -> None:  # pragma: no cover
    """Days ``t0 <= t < t1`` (:func:`day`) in one call, recording nothing (the kernel alone, for benchmarks)."""
    for t in range(t0, t1):
        day(t, lay, par, state, block)


_FUSED_FAILED: list[str] = []


def fused_ok() -> bool:
    """Whether the fused day can run: numba is installed and it has not failed to compile."""
    return AVAILABLE and not _FUSED_FAILED


def attempt(fn: Any, args: tuple[Any, ...], what: str, instead: str, note: Any, stacklevel: int = 2) -> bool:
    """Call compiled ``fn(*args)``; if it fails to compile, ``note(reason)``, warn that the compiled ``what`` failed
    and what runs ``instead``, and return False (the caller falls back). ``stacklevel`` is the warning's, counted
    from the caller of this function."""
    try:
        fn(*args)
    except COMPILE_ERRORS as exc:
        import warnings

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        note(reason)
        warnings.warn(f"the compiled {what} failed to compile ({reason}); {instead}", RuntimeWarning,
                      stacklevel=stacklevel + 1)
        return False
    return True


def run_day(t: int, lay: Any, par: Any, state: Any, block: int) -> bool:
    """Run :func:`day`; if it fails to compile, say so, note it and return False (the caller then runs the
    phases one by one, each compiled where it compiles)."""
    return attempt(day, (t, lay, par, state, block), "day (every phase, fused)",
                   "running the phases one by one instead (same numbers)", _FUSED_FAILED.append, stacklevel=2)


# ------------------------------------------------------------------ recorders


@_jit
def record_metrics(t: int, q: int, f: Any, lost: Any, premium: Any, shortfall: Any, requirement: Any,
                   daily_output: Any, inv_demand: Any, stoppage: float, half_lost: float, tolerance: float,
                   acc_lost: Any, acc_gross: Any, q_lost: Any, q_gross: Any, first: Any, half: Any, stop_days: Any,
                   acc_premium: Any, peak: Any, short_days: Any) -> None:  # pragma: no cover
    """One day into per-path totals (:class:`simulator.economics.recorders.MetricsRecorder`), element by element as its
    NumPy code: output lost and its gross (``(1 - f) x daily output``), by quarter ``q``; the first day
    output is below ``stoppage`` and below ``half_lost``, days below ``stoppage``; premium; the peak share of
    the requirement not met (at most 1) and the days the shortfall exceeds ``tolerance`` of demand."""
    S, P = f.shape
    for s in range(S):
        for p in range(P):
            x = lost[s, p]
            acc_lost[s, p] += x
            g = (1.0 - f[s, p]) * daily_output[s, p]
            acc_gross[s, p] += g
            q_lost[q, s, p] += x
            q_gross[q, s, p] += g
            stopped = f[s, p] < stoppage
            if stopped and np.isinf(first[s, p]):
                first[s, p] = float(t)
            if f[s, p] < half_lost and np.isinf(half[s, p]):
                half[s, p] = float(t)
            if stopped:
                stop_days[s, p] += 1
    for p in range(P):
        acc_premium[p] += premium[p]
    M = shortfall.shape[0]
    for m in range(M):
        for p in range(P):
            sh = shortfall[m, p]
            req = requirement[m, p]
            of_req = sh / req if req > 0.0 else 0.0
            if not (of_req <= 1.0 or of_req != of_req):  # np.minimum(of_req, 1.0)
                of_req = 1.0
            pk = peak[m, p]
            if not (pk >= of_req or pk != pk):  # np.maximum(peak, of_req)
                peak[m, p] = of_req
            if sh * inv_demand[m, p] > tolerance:
                short_days[m, p] += 1


@_jit
def record_histograms(t: int, values: Any, lo: Any, scale: Any, family: Any, counts: Any,
                      bins: int) -> None:  # pragma: no cover
    """Bin each row of ``values`` (n, P) into ``counts[family[row]][t, label]``, as
    :class:`simulator.economics.recorders.HistogramRecorder` does: ``(value - lo) x scale`` truncated towards 0
    (NumPy's cast: NaN or out of range gives the smallest integer), clipped to the bins."""
    n, P = values.shape
    label = 0
    for row in range(n):
        fam = family[row]
        if row > 0 and family[row - 1] != fam:
            label = 0
        cnt = counts[fam]
        for p in range(P):
            v = (values[row, p] - lo[fam]) * scale[fam]
            b = 0
            if v == v and -9.223372036854775808e18 <= v < 9.223372036854775808e18:
                b = int(v)
                if b < 0:
                    b = 0
                elif b > bins - 1:
                    b = bins - 1
            cnt[t, label, b] += 1
        label += 1


@_jit
def histogram_values(output: Any, inv: Any, stock: Any, shortfall: Any, inv_demand: Any,
                     out: Any) -> None:  # pragma: no cover
    """The histograms' daily values, stacked (S + 3 M, P): output; inventory, stockpile and shortfall in
    days (or shares) of baseline demand (each x ``inv_demand``)."""
    S, P = output.shape
    M = inv.shape[0]
    for s in range(S):
        for p in range(P):
            out[s, p] = output[s, p]
    for m in range(M):
        for p in range(P):
            d = inv_demand[m, p]
            out[S + m, p] = inv[m, p] * d
            out[S + M + m, p] = stock[m, p] * d
            out[S + 2 * M + m, p] = shortfall[m, p] * d


@_jit
def _pairwise_leaf(a: Any, lo: int, n: int) -> float:  # pragma: no cover
    """NumPy's sum of a contiguous float64 run of at most 128 values: one running sum under 8 values, else
    eight running sums (every eighth value) added pairwise, then the rest one by one."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    whole = n - n % 8
    while i < whole:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_jit
def pairwise_sum(a: Any, lo: int, n: int) -> float:  # pragma: no cover
    """``a[lo:lo + n].sum()`` as NumPy adds a contiguous float64 row, the same additions in the same order
    (so the same bits): runs of at most 128 values by :func:`_pairwise_leaf`; a longer run is cut in two
    (the first half a multiple of 8) and the halves' sums added. Walked with an explicit stack (numba's
    cache does not take recursive functions)."""
    if n <= 128:
        return _pairwise_leaf(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    right = np.zeros(64, dtype=np.bool_)  # the node's first half is summed, in acc; its second is on the stack
    acc = np.empty(64)
    top = 0
    los[0], ns[0], right[0] = lo, n, False
    ret = 0.0
    while True:
        m = ns[top]
        if m > 128:  # a node met for the first time: its first half next
            half = m // 2
            half -= half % 8
            los[top + 1], ns[top + 1], right[top + 1] = los[top], half, False
            top += 1
            continue
        ret = _pairwise_leaf(a, los[top], m)
        top -= 1
        while top >= 0:  # hand the sum to the parents
            if not right[top]:
                acc[top] = ret
                right[top] = True
                half = ns[top] // 2
                half -= half % 8
                los[top + 1], ns[top + 1], right[top + 1] = los[top] + half, ns[top] - half, False
                top += 1
                break
            ret = acc[top] + ret
            top -= 1
        if top < 0:
            return ret


@_jit
def run_recorded(t0: int, t1: int, lay: Any, par: Any, state: Any, block: int, qidx: Any, daily_output: Any,
                 inv_demand: Any, stoppage: float, half_lost: float, tolerance: float, acc_lost: Any, acc_gross: Any,
                 q_lost: Any, q_gross: Any, first: Any, half: Any, stop_days: Any, acc_premium: Any, peak: Any,
                 short_days: Any, histograms: bool, values: Any, lo: Any, scale: Any, family: Any, counts: Any,
                 bins: int, sums: Any) -> None:  # pragma: no cover
    """Days ``t0 <= t < t1`` of a block, each recorded as it ends, in one call.

    Each day is :func:`day`, then :func:`record_metrics` (per-path totals)
    and, with ``histograms``, :func:`histogram_values`, :func:`record_histograms`
    and each value row's sum over paths added into ``sums[t]`` (T, S + 3 M) as
    NumPy sums it (:func:`pairwise_sum`). The same numbers as the day-by-day
    recorders of :mod:`simulator.runs.blocks`, without a Python call per day.
    """
    P = lay.P
    for t in range(t0, t1):
        day(t, lay, par, state, block)
        record_metrics(t, qidx[t], state.fraction, state.lost, state.premium, state.shortfall, state.requirement, daily_output,
                       inv_demand, stoppage, half_lost, tolerance, acc_lost, acc_gross, q_lost, q_gross, first, half,
                       stop_days, acc_premium, peak, short_days)
        if histograms:
            histogram_values(state.output, state.inventory, state.stockpile, state.shortfall, inv_demand, values)
            record_histograms(t, values, lo, scale, family, counts, bins)
            for r in range(values.shape[0]):
                sums[t, r] += 0.0 + pairwise_sum(values[r], 0, P)
