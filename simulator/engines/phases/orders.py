"""Licences and orders: :func:`decide` (licence decisions), :func:`order` and :func:`dispatch`.

The ministry's decisions on licence applications due today; the firms'
orders on each supply edge under the measures in force, in named steps
(``_measures_today``, ``_capacities``, ``_target``, ``_order_sizes``,
``_orders`` with ``_split``, ``_ship_and_apply``, ``_premium``); and
shipping them (or filing them for a licence). Compiled twin:
:mod:`simulator.engines.compiled.orders`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.engines.compiled import orders as _compiled
from simulator.engines.formulas import pass_share, review_days
from simulator.engines.phases.fallback import _run_compiled, compiled_ok
from simulator.engines.rules import MeasureKind, Phase
from simulator.engines.state.kernel import Kernel
from simulator.engines.state.sums import csum, msum

__all__ = ["decide", "dispatch", "order"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _phase_of(reg_days: npt.NDArray[np.int64], t: int) -> int:
    """Index of the licence phase in force on day ``t`` (as :meth:`simulator.engines.params.LicenceRegime.phase`)."""
    return max(int(np.searchsorted(reg_days, t, side="right")) - 1, 0)


def decide(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 7: licence regimes that end today, and the day's licence decisions.

    A regime ending on day ``t`` lets everything still pending or waiting
    ship (in order of decision day). Then the volume due today (plus any
    waiting for the ministry's capacity, at most ``capacity`` decided a
    working day) is decided: ``approve`` of it ships, ``reject`` is denied,
    ``pending`` is decided again after another drawn processing time.

    Parameters
    ----------
    k : Kernel
        The block's layout, parameters and state (:mod:`simulator.engines.state`); the state is updated in place.
    t : int
        The day, 0-based.
    compiled : bool
        Run the compiled loops where numba is installed (the same numbers as the NumPy code below).

    Notes
    -----
    Reads ``state.lic_due`` (L, B, P) t, ``state.lic_waiting`` (L, P) t, ``par.approve``, ``par.reject``,
    ``par.pending``, ``par.capacity`` (J, H, P), ``par.lic_x`` (L, T, P) working days,
    ``par.end`` (J, P) day, ``par.transit`` (E, P) days.

    Writes ``state.lic_due``, ``state.lic_waiting``; adds approved volume to ``state.ring`` and rejected
    volume to ``state.denied`` (M, P) t/day; takes the day's denials off ``state.pipeline`` (M, P) t.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.DECIDE) and _run_compiled(Phase.DECIDE, _compiled.decide, t, lay, par, state,
                                                                0, lay.P):
        return
    B, P = lay.B, lay.P
    slot = t % B
    ar = np.arange(P)
    for i in range(lay.L):
        j, e_l = int(lay.lic_meas[i]), int(lay.lic_edge[i])
        buf, wait = state.lic_due[i], state.lic_waiting[i]
        ending = par.end[j] == t
        if ending.any():
            total = wait.copy()
            for dd in range(B):  # in order of decision day
                total += buf[(t + dd) % B]
            state.ring[(t + par.transit[e_l]) % B, e_l, ar] += np.where(ending, total, 0.0)
            buf[:, ending] = 0.0
            wait[ending] = 0.0
        due = buf[slot] + wait
        buf[slot] = 0.0
        if not due.any():
            continue
        h = _phase_of(lay.reg_days[j], t)
        if lay.limited[j]:
            decided = np.minimum(due, par.capacity[j, h]) if lay.working[t] else np.zeros(P)
            wait[:] = due - decided
        else:
            decided = due
        approved = decided * par.approve[j, h]
        state.ring[(t + par.transit[e_l]) % B, e_l, ar] += approved
        state.denied[lay.edge_m[e_l]] += decided * par.reject[j, h]
        pending = decided * par.pending[j, h]
        again = lay.nth[lay.cum[t] + review_days(par.lic_x[i, t], 0.0)] % B
        buf[again, ar] += pending
    state.pipeline[...] -= state.denied


def _measures_today(k: Kernel, t: int) -> list[int]:
    """Set the measure in force on each edge on day ``t`` (``state.cov, kind, passing, leak, exempt, ahead``).

    Returns the measures active on some path.
    """
    lay, par, state = k.lay, k.par, k.state
    P = lay.P
    rows_all = lay.measured
    state.cov[rows_all] = 0.0
    state.kind[rows_all] = -1
    state.passing[rows_all] = 0.0
    state.leak[rows_all] = 0.0
    state.exempt[rows_all] = 0.0
    state.ahead[rows_all] = 0.0
    active = []
    for j in range(lay.J):
        act = (par.start[j] <= t) & (t < par.end[j])
        if not act.any():
            continue
        active.append(j)
        rows = lay.me_rows[lay.me_lo[j]:lay.me_hi[j]]
        state.cov[rows] = np.where(act, par.coverage[j], state.cov[rows])
        state.kind[rows] = np.where(act, lay.meas_kind[j], state.kind[rows])
        if lay.meas_kind[j] == MeasureKind.LICENCE:
            h = _phase_of(lay.reg_days[j], t)
            lk = pass_share(t, np.zeros(P), par.leakage[j], par.start[j], par.leak_lag[j], par.leak_days[j])
            state.leak[rows] = np.where(act, lk, state.leak[rows])
            state.exempt[rows] = np.where(act, par.exempt[j, h], state.exempt[rows])
            need_lic = par.coverage[j] * (1.0 - par.exempt[j, h])  # planned without counting on leakage
            state.ahead[rows] = np.where(act, need_lic * par.lead[j, h], state.ahead[rows])
        else:
            passing = pass_share(t, par.quota[j], par.leakage[j], par.start[j], par.leak_lag[j], par.leak_days[j])
            state.passing[rows] = np.where(act, passing, state.passing[rows])
    return active


def _capacities(k: Kernel) -> FloatArray:
    """Each edge's capacity as importers see it, (E, P) t/day: ``state.capacity``, a domestic conversion's at
    most what its firms' input stocks can make (each input's stock over its cohorts / its recipe's t per t)."""
    lay, par, state = k.lay, k.par, k.state
    caps = state.capacity
    if lay.Q:
        caps = caps.copy()
        for qi in range(lay.Q):
            e_q = int(lay.conv_edge[qi])
            for u in lay.crow[lay.c_conv == qi]:
                caps[e_q] = np.minimum(caps[e_q], csum(state.stock[u]) / par.recipe[u])
    return caps


def _split(k: Kernel, caps: FloatArray, measured: bool, Qm: FloatArray) -> FloatArray:
    """Orders (E, P) t on each edge for order sizes ``Qm`` (M, P) t once a disruption is known.

    Alternatives (edges under no measure) get the share at risk first, up to
    their capacity ``caps`` (E, P) t/day, pro rata to it; the rest goes to the
    edges under a measure by baseline share (where the material has none, by
    baseline share to every edge). ``measured``: some measure is active today.
    """
    lay, par, state = k.lay, k.par, k.state
    em, share = lay.edge_m, par.share
    aff = state.kind >= 0
    alt = ~aff

    def esum(x: FloatArray) -> FloatArray:
        return msum(x, lay.e_lo, lay.e_hi)

    if measured:
        cap_alt = esum(np.where(alt, caps, 0.0))
        any_aff = esum(aff.astype(np.float64)) > 0.0
        at_risk = esum(np.where(aff, share * (1.0 - state.cov), 0.0))
        want = np.where(any_aff, Qm * (1.0 - at_risk), Qm)
    else:
        cap_alt = esum(caps)
        want = Qm
    to_alt = np.minimum(cap_alt, want)
    frac_alt = np.divide(caps, cap_alt[em], out=np.zeros_like(caps), where=cap_alt[em] > 0.0)
    rest = Qm - to_alt
    if measured:
        q_alt = np.where(alt, to_alt[em] * frac_alt, 0.0)
        base = esum(np.where(aff, share, 0.0))
        frac_aff = np.divide(share, base[em], out=np.zeros_like(share), where=base[em] > 0.0)
        return np.where(any_aff[em], np.where(aff, rest[em] * frac_aff, q_alt), q_alt + rest[em] * share)
    return to_alt[em] * frac_alt + rest[em] * share


def _target(k: Kernel, known_m: BoolArray, kinds_on: set[int], caps: FloatArray, measured: bool) -> FloatArray:
    """Each material's target position (M, P) t.

    The order-up-to position ``par.target`` until the disruption is known
    (``known_m`` (M, P)), then inventory cover plus the pipeline the current
    supply mix needs (a day's demand split as today's order would be, times
    each edge's transit days) and, under a licence, the days ordered ahead.
    """
    lay, par, state = k.lay, k.par, k.state
    if not known_m.any():
        return par.target
    qd = _split(k, caps, measured, par.demand)
    tgt = np.where(known_m, par.cover_d + msum(qd * par.transit_f, lay.e_lo, lay.e_hi), par.target)
    if MeasureKind.LICENCE in kinds_on:
        # under a licence, importers also order ahead by the processing time they plan for
        licensed_m = msum((state.kind == MeasureKind.LICENCE).astype(np.float64), lay.e_lo, lay.e_hi) > 0.0
        tgt = np.where(known_m & licensed_m, tgt + msum(qd * state.ahead, lay.e_lo, lay.e_hi), tgt)
    return tgt


def _order_sizes(k: Kernel, tgt: FloatArray) -> FloatArray:
    """Each material's order (M, P) t: the target ``tgt`` (M, P) t plus the stockpile released so far and the
    material for the sectors' backlog of lost output, less inventory and pipeline; at least 0."""
    lay, par, state = k.lay, k.par, k.state
    # released stockpile is a bridge, not a substitute for imports; material to make up the
    # sectors' backlog of lost output is ordered on top of the usual target
    if state.backlog.any():
        for_backlog = np.zeros((lay.U, lay.P))
        for_backlog[lay.srow] = par.pair_base * state.backlog[lay.s_sec]
        return np.maximum(((tgt + state.released) + msum(for_backlog, lay.u_lo, lay.u_hi))
                          - (state.inventory + state.pipeline), 0.0)
    return np.maximum(((tgt + state.released) + 0.0) - (state.inventory + state.pipeline), 0.0)


def _orders(k: Kernel, known_m: BoolArray, caps: FloatArray, measured: bool, Qm: FloatArray) -> FloatArray:
    """Each edge's order (E, P) t for order sizes ``Qm`` (M, P) t: by baseline share until the disruption is
    known (``known_m`` (M, P)), then :func:`_split`; 0 where the material orders nothing."""
    lay, par = k.lay, k.par
    em = lay.edge_m
    Qe = Qm[em]
    if not known_m.any():
        # nobody knows of a disruption yet: orders split by baseline shares
        q = par.share * Qe
    else:
        q = _split(k, caps, measured, Qm)
        if not known_m.all():
            q = np.where(known_m[em], q, par.share * Qe)
    q[~(Qe > 0.0)] = 0.0
    return q


def _ship_and_apply(k: Kernel, q: FloatArray, kinds_on: set[int]) -> None:
    """What of the orders ``q`` (E, P) t ships and what applies for a licence: ``state.ship``, ``state.apply``
    (E, P) t.

    Off a measure everything ships. Under one the uncovered users buy as
    before up to their baseline flow; a ban's or quota's covered users get
    their pass share of it; a licence's exempt and leaking shares ship and
    the rest applies. ``kinds_on``: the kinds of the measures active today.
    """
    par, state = k.par, k.state
    share_d = par.share_d
    if not kinds_on:
        state.ship[:] = q
        state.apply[:] = 0.0
        return
    aff = state.kind >= 0
    cov = state.cov
    covered = q * cov
    # uncovered users buy as before, up to their baseline flow
    ship = np.where(aff, np.minimum(q, share_d) * (1.0 - cov), q)
    if kinds_on & {MeasureKind.BAN, MeasureKind.QUOTA}:
        # ban, quota: the covered users' pass share (quota plus leakage) of their baseline flow
        passing = (state.kind == MeasureKind.BAN) | (state.kind == MeasureKind.QUOTA)
        ship = np.where(passing, ship + np.minimum(covered, (state.passing * cov) * share_d), ship)
    if MeasureKind.LICENCE in kinds_on:
        # licence: users exempted by general licences buy as uncovered users do; the rest applies
        lic = state.kind == MeasureKind.LICENCE
        ex = state.exempt
        ship = np.where(lic, ship + np.minimum(q, share_d) * (cov * ex), ship)
        # leakage: gets through without a licence, up to the baseline flow
        ship = np.where(lic, ship + np.minimum(q, share_d) * ((cov * (1.0 - ex)) * state.leak), ship)
        apply = np.where(lic, (covered * (1.0 - ex)) * (1.0 - state.leak), 0.0)
    else:
        apply = np.zeros_like(q)
    state.ship[:] = ship
    state.apply[:] = apply


def _premium(k: Kernel, known_m: BoolArray) -> None:
    """``state.premium`` (P,) currency/day: the extra cost of shipments above each edge's baseline flow (price x
    premium a tonne), once the disruption of its material is known (``known_m`` (M, P))."""
    lay, par, state = k.lay, k.par, k.state
    rows = lay.prem_rows
    if rows.size and bool(known_m.any()):
        extra_q = np.maximum(state.ship[rows] - par.share_d[rows], 0.0)
        if not known_m.all():
            extra_q *= known_m[lay.edge_m[rows]]
        state.premium[:] = (extra_q * par.price[rows] * par.premium[rows]).sum(axis=0)


def order(k: Kernel, t: int, compiled: bool = True) -> None:
    """Steps 7-8: the importer orders up to its target position; what ships and what applies.

    The target is the order-up-to position until the disruption is known,
    then inventory cover plus the pipeline the current supply mix needs (and,
    under a licence, the wait planned for), plus the stockpile released so
    far and the material for the sectors' backlog. Once known, alternatives
    (edges under no measure) get the share at risk first, up to their
    capacity (a conversion's: at most what its firms' input stocks make); the
    rest goes by baseline share. Under a measure the uncovered users buy as
    before up to their baseline flow; a ban's or quota's covered users get
    their pass share; a licence's apply (less the exempt and leaking shares).

    Parameters
    ----------
    k : Kernel
        The block's layout, parameters and state (:mod:`simulator.engines.state`); the state is updated in place.
    t : int
        The day, 0-based.
    compiled : bool
        Run the compiled loops where numba is installed (the same numbers as the NumPy code below).

    Notes
    -----
    Reads ``par.target``, ``par.cover_d`` (M, P) t, ``par.demand`` (M, P) t/day, ``par.trigger`` (M, P)
    day, ``par.share``, ``par.share_d``, ``state.capacity`` (E, P), the measures' ``par.start``,
    ``par.end``, ``par.coverage``, ``par.quota``, ``par.leak*`` (J, P), ``state.inventory``,
    ``state.pipeline``, ``state.released`` (M, P) t, ``state.backlog`` (S, P), ``state.stock`` (U, C, P) t.

    Writes the measure in force on each edge (``state.cov``, ``state.kind``, ``state.passing``,
    ``state.leak``, ``state.exempt``, ``state.ahead`` (E, P)), ``state.orders``, ``state.ship``, ``state.apply``
    (E, P) t, and ``state.premium`` (P,) currency/day (extra cost on shipments above an edge's
    baseline flow once the disruption is known).
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.ORDER) and _run_compiled(Phase.ORDER, _compiled.order, t, lay, par, state,
                                                               0, lay.P):
        return
    known_m = t >= par.trigger  # (M, P)
    active = _measures_today(k, t)
    kinds_on = {int(lay.meas_kind[j]) for j in active}
    caps = _capacities(k)
    Qm = _order_sizes(k, _target(k, known_m, kinds_on, caps, bool(active)))
    state.orders[:] = _orders(k, known_m, caps, bool(active), Qm)
    _ship_and_apply(k, state.orders, kinds_on)  # 8. ship, drop (ban, quota) or apply (licence)
    _premium(k, known_m)


def dispatch(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 8: shipments leave for their transit time, applications enter the licence queues.

    An order to a domestic conversion is made tomorrow; every other shipment
    arrives after its edge's transit time; an application under an active
    licence is due for its first decision after acceptance plus its drawn
    processing time (working days, on the working-day calendar).

    Parameters
    ----------
    k : Kernel
        The block's layout, parameters and state (:mod:`simulator.engines.state`); the state is updated in place.
    t : int
        The day, 0-based.
    compiled : bool
        Run the compiled loops where numba is installed (the same numbers as the NumPy code below).

    Notes
    -----
    Reads ``state.ship``, ``state.apply`` (E, P) t, ``par.transit`` (E, P) days, ``par.accept`` (J, P)
    working days, ``par.lic_x`` (L, T, P) working days.

    Writes ``state.placed`` (M, P) t/day (shipped plus applied) and adds it to ``state.pipeline``;
    ``state.conv_order`` (Q, P) t; adds to ``state.ring`` (B, E, P) and ``state.lic_due`` (L, B, P) t.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.DISPATCH) and _run_compiled(Phase.DISPATCH, _compiled.dispatch, t, lay, par,
                                                                  state, 0, lay.P):
        return
    B, P = lay.B, lay.P
    ship, apply = state.ship, state.apply
    state.placed[:] = msum(ship, lay.e_lo, lay.e_hi) + msum(apply, lay.e_lo, lay.e_hi)
    state.pipeline[...] += state.placed
    if lay.Q:  # a domestic conversion makes tomorrow what is ordered from it today
        state.conv_order[:] = ship[lay.conv_edge]
    ar = np.arange(P)
    nc = np.flatnonzero(~lay.is_conv_edge)
    state.ring[(t + par.transit[nc]) % B, nc[:, np.newaxis], ar[np.newaxis, :]] += ship[nc]
    for i in range(lay.L):
        j, e_l = int(lay.lic_meas[i]), int(lay.lic_edge[i])
        act = (par.start[j] <= t) & (t < par.end[j])
        if not act.any():
            continue
        # applications enter the queue: first decision after acceptance plus a processing time
        dslot = lay.nth[lay.cum[t] + review_days(par.lic_x[i, t], par.accept[j])] % B
        state.lic_due[i][dslot, ar] += np.where(act, apply[e_l], 0.0)
