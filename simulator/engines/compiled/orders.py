"""Licences and orders, compiled: :func:`decide`, :func:`order` and :func:`dispatch` for a block of paths.

Each does what the NumPy phase of the same name in
:mod:`simulator.engines.phases.orders` does, for paths ``p0 <= p < p1``;
:func:`order` in the same named steps (``_measures_today``, ``_capacities``,
``_target``, ``_order_sizes``, ``_orders`` with ``_split*``,
``_ship_and_apply``, ``_premium``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines import rules
from simulator.engines.compiled.jit import _jit
from simulator.engines.compiled.rules import _later, pass_share_at, review_days_at

__all__ = ["decide", "dispatch", "order"]


LICENCE = int(rules.MeasureKind.LICENCE)
BAN = int(rules.MeasureKind.BAN)
QUOTA = int(rules.MeasureKind.QUOTA)


@_jit
def _phase_of(days: Any, t: int) -> int:  # pragma: no cover
    """Index of the licence phase in force on day ``t``: the last phase started, at least 0."""
    h = 0
    for i in range(1, days.shape[0]):
        if days[i] <= t:
            h = i
    return h


@_jit
def decide(t: int, lay: Any, par: Any, state: Any, p0: int, p1: int) -> None:  # pragma: no cover
    """:func:`simulator.engines.phases.orders.decide` for paths ``[p0, p1)``."""
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
    """:func:`simulator.engines.phases.orders.order` for paths ``[p0, p1)``, material by material."""
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
    """:func:`simulator.engines.phases.orders.dispatch` for paths ``[p0, p1)``."""
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
