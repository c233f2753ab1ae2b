"""Compiled loops for the vectorised engine's hottest phases (numba, nopython, no fastmath).

Each function computes exactly what the NumPy phase it replaces computes, with
the same IEEE operations in the same order as the SimPy engine (sums of firms
in use order within a cohort, then cohorts in order), so trajectories stay
bit-identical. Arrays hold firms as rows and the combined (cohort, path) axis
``c x P + p`` as columns. When numba is not installed, :data:`AVAILABLE` is
False and the engine uses its NumPy phases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # numba is a declared dependency; the NumPy phases remain the fallback
    from numba import njit

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        def wrap(f: Any) -> Any:
            return f
        return wrap

__all__ = ["AVAILABLE", "consume_firms", "deliver_firms", "gap_totals", "output_fractions", "sector_output"]

ENOUGH = 1e-12


@njit(cache=True)
def deliver_firms(amount: Any, target: Any, inv: Any, excess: bool, xshare: Any, lo: Any, hi: Any, rank_of: Any,
                  n_ranks: int, g_lo: Any, g_hi: Any, order: Any, triage: Any, C: int, P: int) -> None:  # pragma: no cover
    """Deliver ``amount`` (M, P) to the firms (U, C x P), adding to ``inv`` in place, as the SimPy engine's ``deliver``.

    Each firm's gap is ``max(target - inv, 0)``. ``lo[m]:hi[m]`` are material
    m's rows; ``rank_of[u]`` the rank index of row u; ``order[g_lo[m *
    n_ranks + r]:g_hi[...], p]`` the rows of material m and rank r by value,
    highest first, for path p (used when ``triage[p] > 0``); with ``excess``,
    what is left after every gap goes by ``xshare`` (U, C x P). Rows are walked
    outermost so memory is read in order.
    """
    M = amount.shape[0]
    CP = C * P
    inner = np.empty((n_ranks, CP))
    seen = np.zeros(n_ranks, dtype=np.bool_)
    G = np.empty((n_ranks, P))
    rem_r = np.empty((n_ranks, P))  # what is left for the rank when it is served
    mode = np.zeros((n_ranks, P), dtype=np.int64)  # 0 nothing, 1 fill every gap, 2 share what is left
    rem = np.empty(P)
    give = np.zeros((inv.shape[0], P))
    gsum_u = np.zeros((inv.shape[0], P))
    width = 0
    for m in range(M):
        width = max(width, hi[m] - lo[m])
    gap = np.empty((width, CP))
    for m in range(M):
        a, b = lo[m], hi[m]
        if a == b:
            continue
        # the gaps, and their sums over each rank's firms (in row order, then cohorts)
        for r in range(n_ranks):
            seen[r] = False
        for u in range(a, b):
            r = rank_of[u]
            for k in range(CP):
                gp = target[u, k] - inv[u, k]
                if gp < 0.0:
                    gp = 0.0
                gap[u - a, k] = gp
                if seen[r]:
                    inner[r, k] += gp
                else:
                    inner[r, k] = gp
            seen[r] = True
        for p in range(P):
            rem[p] = amount[m, p]
        any_triage = False
        for r in range(n_ranks):
            for p in range(P):
                mode[r, p] = 0
            if not seen[r]:
                continue
            any_part = False
            for p in range(P):
                g = inner[r, p]
                for c in range(1, C):
                    g += inner[r, c * P + p]
                G[r, p] = g
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
            gi = m * n_ranks + r
            if any_part and g_hi[gi] > g_lo[gi]:
                for p in range(P):
                    if mode[r, p] != 2 or triage[p] <= 0.0:
                        continue
                    any_triage = True
                    before = 0.0
                    for i in range(g_lo[gi], g_hi[gi]):
                        u = order[i, p]
                        gs = gap[u - a, p]
                        for c in range(1, C):
                            gs += gap[u - a, c * P + p]
                        gsum_u[u, p] = gs
                        v = rem_r[r, p] - before
                        if v < 0.0:
                            v = 0.0
                        give[u, p] = gs if gs <= v else v
                        before += gs
        # one pass over the firms: what each gets, added to its stock
        for u in range(a, b):
            r = rank_of[u]
            for c in range(C):
                for p in range(P):
                    k = c * P + p
                    md = mode[r, p]
                    x = 0.0
                    if md == 1:
                        x = gap[u - a, k]
                    elif md == 2:
                        x = rem_r[r, p] * (gap[u - a, k] / G[r, p])
                        th = triage[p]
                        if any_triage and th > 0.0:
                            gs = gsum_u[u, p]
                            greedy = give[u, p] * (gap[u - a, k] / gs) if gs > 0.0 else 0.0
                            x = (1.0 - th) * x + th * greedy
                    if excess and rem[p] > 0.0:
                        x = x + rem[p] * xshare[u, k]
                    if x != 0.0:
                        inv[u, k] = inv[u, k] + x


@njit(cache=True)
def consume_firms(need: Any, cu_need: Any, inv: Any, normal: Any, lo: Any, hi: Any, C: int, P: int, ratio: Any,
                  cu_ratio: Any, short_m: Any, req_m: Any, used_m: Any, inv_m: Any) -> None:  # pragma: no cover
    """Step 4 for every firm (U, C x P), as the SimPy engine's ``production`` does it; totals per material (M, P).

    Updates ``inv`` in place; fills ``ratio`` and ``cu_ratio`` (share of the
    need and of the catch-up need met) and the material totals in the SimPy
    engine's order of addition (firms in order within a cohort, then cohorts).
    """
    M = short_m.shape[0]
    CP = C * P
    acc_req = np.empty(CP)
    acc_used = np.empty(CP)
    acc_short = np.empty(CP)
    acc_inv = np.empty(CP)
    for m in range(M):
        a, b = lo[m], hi[m]
        for u in range(a, b):
            for k in range(CP):
                nd = need[u, k]
                have = inv[u, k]
                unmet = 0.0
                if nd <= have + ENOUGH * nd:
                    avail = have - nd
                    if avail < 0.0:
                        avail = 0.0
                    ratio[u, k] = 1.0
                else:
                    ratio[u, k] = have / nd
                    unmet = nd - have
                    avail = 0.0
                cn = cu_need[u, k]
                surplus = avail - normal[u, k]
                if surplus < 0.0:
                    surplus = 0.0
                if cn <= surplus + ENOUGH * cn:
                    avail = avail - cn
                    if avail < 0.0:
                        avail = 0.0
                    cu_ratio[u, k] = 1.0
                else:
                    cu_ratio[u, k] = surplus / cn
                    unmet += cn - surplus
                    avail = avail - surplus
                used = have - avail
                left = have - used
                inv[u, k] = left
                if u == a:
                    acc_req[k] = nd + cn
                    acc_used[k] = used
                    acc_short[k] = unmet
                    acc_inv[k] = left
                else:
                    acc_req[k] += nd + cn
                    acc_used[k] += used
                    acc_short[k] += unmet
                    acc_inv[k] += left
        for p in range(P):
            if a == b:
                req_m[m, p] = 0.0
                used_m[m, p] = 0.0
                short_m[m, p] = 0.0
                inv_m[m, p] = 0.0
                continue
            rq, us, sh, iv = acc_req[p], acc_used[p], acc_short[p], acc_inv[p]
            for c in range(1, C):
                rq += acc_req[c * P + p]
                us += acc_used[c * P + p]
                sh += acc_short[c * P + p]
                iv += acc_inv[c * P + p]
            req_m[m, p] = rq
            used_m[m, p] = us
            short_m[m, p] = sh
            inv_m[m, p] = iv


@njit(cache=True)
def output_fractions(ratio: Any, cu_ratio: Any, crit: Any, srow: Any, s_sec: Any, f: Any, g: Any) -> None:  # pragma: no cover
    """Steps 5: each sector's firms' output fraction ``f`` (S, C x P), min over their materials of
    ``1 - criticality x (1 - share of the need met)``, and the same of the catch-up need, ``g``."""
    S, CP = f.shape
    for s in range(S):
        for k in range(CP):
            f[s, k] = 1.0
            g[s, k] = 1.0
    for i in range(srow.shape[0]):
        u = srow[i]
        s = s_sec[i]
        for k in range(CP):
            t = 1.0 - crit[i, k] * (1.0 - ratio[u, k])
            if t < f[s, k]:
                f[s, k] = t
            t2 = 1.0 - crit[i, k] * (1.0 - cu_ratio[u, k])
            if t2 < g[s, k]:
                g[s, k] = t2


@njit(cache=True)
def sector_output(ratio: Any, cu_ratio: Any, crit: Any, srow: Any, s_sec: Any, w: Any, extra: Any, catching_up: bool,
                  C: int, P: int, f_c: Any, g_c: Any, f: Any, made_up: Any) -> None:  # pragma: no cover
    """Steps 5-6 for every sector: its firms' output fractions, their output-weighted sum ``f`` (S, P) and the
    catch-up made ``made_up`` (S, P), as the SimPy engine adds them (cohorts in order).

    ``f_c``, ``g_c`` (S, C x P) are work arrays: each cohort's output fraction, min over the sector's
    materials of ``1 - criticality x (1 - share of the need met)``, and the same of the catch-up need.
    """
    output_fractions(ratio, cu_ratio, crit, srow, s_sec, f_c, g_c)
    S = f.shape[0]
    for s in range(S):
        for p in range(P):
            acc = w[0] * f_c[s, p]
            mu = w[0] * (extra[s, p] * g_c[s, p] if f_c[s, p] == 1.0 else 0.0) if catching_up else 0.0
            for c in range(1, C):
                k = c * P + p
                acc += w[c] * f_c[s, k]
                if catching_up:
                    mu += w[c] * (extra[s, p] * g_c[s, k] if f_c[s, k] == 1.0 else 0.0)
            f[s, p] = acc
            made_up[s, p] = mu


@njit(cache=True)
def gap_totals(target: Any, inv: Any, lo: Any, hi: Any, C: int, P: int, out: Any) -> None:  # pragma: no cover
    """Each material's total gap ``sum max(target - inv, 0)`` over its firms (M, P): firms in order within a
    cohort, then cohorts in order."""
    M = out.shape[0]
    CP = C * P
    acc = np.empty(CP)
    for m in range(M):
        a, b = lo[m], hi[m]
        if a == b:
            for p in range(P):
                out[m, p] = 0.0
            continue
        for u in range(a, b):
            for k in range(CP):
                g = target[u, k] - inv[u, k]
                if g < 0.0:
                    g = 0.0
                if u == a:
                    acc[k] = g
                else:
                    acc[k] += g
        for p in range(P):
            t = acc[p]
            for c in range(1, C):
                t += acc[c * P + p]
            out[m, p] = t
