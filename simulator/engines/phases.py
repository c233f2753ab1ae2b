"""The phases of the vectorised engine's day, one function each, in the order of :data:`~simulator.engines.rules.DAILY_STEP`.

Each phase reads and writes the arrays of a :class:`~simulator.engines.state.Kernel`
(``k.lay`` the structure, ``k.par`` per-path parameters, ``k.state`` the state;
paths last, firm arrays (U, C, P); see :mod:`simulator.engines.state` for every
array's shape and unit) and does what the SimPy engine's processes do at the
same time of day, adding the same numbers in the same order, so trajectories
are bit-identical.

Each phase has two implementations of one contract: the compiled loops of
:mod:`simulator.engines.compiled` (numba, used when ``compiled`` is true and
numba is installed) and the NumPy code below (the fallback and the reference
the compiled loops are tested against). A compiled phase that fails to
compile falls back to its NumPy code with a warning naming the phase.

Call a phase alone to test it: build a kernel (:func:`~simulator.engines.state.build`),
run the phases before it, then the phase, and look at its outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.engines.compiled import firms as _compiled_firms
from simulator.engines.compiled import jit as _compiled_jit
from simulator.engines.compiled import orders as _compiled_orders
from simulator.engines.compiled import supply as _compiled_supply
from simulator.engines.params import pass_share, review_days
from simulator.engines.rules import ENOUGH, MeasureKind, Phase
from simulator.engines.state import Kernel, csum, msum

__all__ = [
    "PHASES",
    "CompileFailure",
    "arrivals",
    "compiled_ok",
    "consume",
    "convert",
    "decide",
    "dispatch",
    "order",
    "produce",
    "ramps",
    "requirements",
    "stockpile",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_FAILED: dict[Phase, str] = {}
"""Phases whose compiled loops failed to compile in this process, with the reason."""


class CompileFailure(RuntimeError):
    """A compiled phase failed to compile and no NumPy fallback was allowed."""


def compiled_ok(phase: Phase) -> bool:
    """Whether ``phase`` runs compiled: numba is installed and its loops compiled (or are not tried yet)."""
    return _compiled_jit.AVAILABLE and phase not in _FAILED


def _run_compiled(phase: Phase, fn: Callable[..., Any], *args: Any) -> bool:
    """Call a compiled phase; on a compilation error note it, warn naming the phase, and return False."""
    return _compiled_jit.attempt(fn, args, f"{phase.name.lower()} phase",
                             "running its NumPy code instead (same numbers, slower)",
                             lambda reason: _FAILED.__setitem__(phase, reason), stacklevel=3)


def _phase_of(reg_days: npt.NDArray[np.int64], t: int) -> int:
    """Index of the licence phase in force on day ``t`` (as :meth:`simulator.engines.params.LicenceRegime.phase`)."""
    return max(int(np.searchsorted(reg_days, t, side="right")) - 1, 0)


# ----------------------------------------------------------------- phases


def ramps(k: Kernel, t: int, compiled: bool = True) -> None:
    """Ramps of day ``t`` (the SimPy engine's ramp-up, thrifting and substitution processes at ``t + 0.05``).

    Each ramp starts on the day the disruption of its material is known plus
    its lag and rises linearly over its days (:func:`simulator.engines.rules.ramp_at`);
    rows whose disruption is never known stay at their baseline.

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
    Reads ``par.ramp_*``, ``par.thrift*``, ``par.subst_*`` (rows, P) days, ``par.share_d``,
    ``par.extra`` (E, P) t/day, ``par.cover`` (U, C, P) days, ``par.recipe`` (U, P) t/t.

    Writes ``state.capacity`` (E, P) t/day of the edges that ramp up (baseline flow plus ``extra x``
    the share done), a conversion input's firms' ``state.normal`` (U, C, P) t (their cover of the
    recipe's input at today's capacity), ``state.thrift_factor`` (Us, P) ``1 - thrift x`` share done,
    ``state.criticality`` (Us, P) ``crit - (crit - floor) x`` share done.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.RAMPS) and _run_compiled(Phase.RAMPS, _compiled_supply.ramps, t, lay, par, state, 0, lay.P):
        return
    if lay.ramp_rows.size and bool((par.trigger <= t).any()) and k.ramp.moving(t):
        rows = lay.ramp_rows
        state.capacity[rows] = par.share_d[rows] + par.extra[rows] * np.where(par.ramp_ok, k.ramp(t), 0.0)
        if lay.Q:
            cap_u = state.capacity[lay.conv_edge][lay.c_conv]  # (Uc, P) each conversion input's capacity
            w = par.cohort_w[np.newaxis, :, np.newaxis]
            state.normal[lay.crow] = par.cover[lay.crow] * (w * (par.recipe[lay.crow] * cap_u)[:, np.newaxis, :])
    if lay.thrift_rows.size and k.thrift_ramp.moving(t):
        state.thrift_factor[lay.thrift_rows] = 1.0 - par.thrift * np.where(par.thrift_ok, k.thrift_ramp(t), 0.0)
    if lay.subst_rows.size and k.subst_ramp.moving(t):
        frac = np.where(par.subst_ok, k.subst_ramp(t), 0.0)
        state.criticality[lay.subst_rows] = par.crit[lay.subst_rows] - par.subst_drop * frac


def arrivals(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 1: shipments due on day ``t`` arrive and are delivered to the firms using each material.

    Each material's arrivals (its edges summed in order) go to its firms rank
    by rank, filling each firm's gap to its normal stock (a conversion's
    firm's: to at least ``(w_c x recipe) x conv_order``, the input for what it
    makes today) (:func:`deliver`); what is left over every gap goes to the
    sectors' firms by baseline use.

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
    Reads ``state.ring[t % B]`` (E, P) t, ``state.normal`` (U, C, P) t, ``par.xshare`` (U, P),
    ``par.recipe`` (U, P) t/t, ``state.conv_order`` (Q, P) t.

    Writes ``state.arrivals`` (E, P) t/day (and clears the ring slot), adds the deliveries to
    ``state.stock`` (U, C, P) t and takes the arrivals off ``state.pipeline`` (M, P) t.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.ARRIVALS) and _run_compiled(Phase.ARRIVALS, _compiled_supply.arrivals, t, lay, par, state,
                                                                  0, lay.P):
        return
    slot = t % lay.B
    state.arrivals[:] = state.ring[slot]
    state.ring[slot] = 0.0
    arrived = msum(state.arrivals, lay.e_lo, lay.e_hi)
    claim = state.normal
    if lay.Q:  # a conversion's firm: at least the recipe's input for yesterday's order, made today
        claim = state.normal.copy()
        w = par.cohort_w[np.newaxis, :, np.newaxis]
        need = (w * par.recipe[lay.crow][:, np.newaxis, :]) * state.conv_order[lay.c_conv][:, np.newaxis, :]
        claim[lay.crow] = np.maximum(claim[lay.crow], need)
    state.stock[...] += deliver(k, arrived, np.maximum(claim - state.stock, 0.0), par.xshare)
    state.pipeline[...] -= arrived


def stockpile(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 2: the stockpile agency tops the firms up towards the trigger cover.

    From the day it opens (``par.stock_open``), each firm's gap to its share
    of ``stock_trigger`` (cohort weight x ``vshare``) is filled as a delivery
    (:func:`deliver`, nothing beyond the gaps), at most ``stock_rate`` a day
    in all and no more than the stockpile holds.

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
    Reads ``par.stock_open`` (M, P) day, ``par.stock_trigger`` (M, P) t, ``par.stock_rate`` (M, P) t/day,
    ``par.vshare`` (U, P), ``state.stock`` (U, C, P) t, ``state.stockpile`` (M, P) t.

    Writes ``state.release`` (M, P) t/day; takes it off ``state.stockpile``, adds it to ``state.stock`` and
    to ``state.released`` (M, P) t.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.STOCKPILE) and _run_compiled(Phase.STOCKPILE, _compiled_supply.stockpile, t, lay, par,
                                                                   state, 0, lay.P):
        return
    open_m = t >= par.stock_open
    if not open_m.any():
        state.release.fill(0.0)
        return
    w = par.cohort_w[np.newaxis, :, np.newaxis]
    trig = par.stock_trigger[lay.u_mat][:, np.newaxis, :] * (w * par.vshare[:, np.newaxis, :])
    need = np.maximum(trig - state.stock, 0.0)
    sneed = csum(msum(need, lay.u_lo, lay.u_hi))
    can = open_m & (sneed > 0.0)
    rel = np.where(can, np.minimum(np.minimum(state.stockpile, par.stock_rate), sneed), 0.0)
    state.release[:] = rel
    state.stockpile[...] -= rel
    if rel.any():
        state.stock[...] += deliver(k, rel, need, None)
    state.released[...] += rel


def requirements(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 3: the catch-up planned today.

    A sector's backlog is dropped after its catch-up window; it plans to make
    up ``min(overtime, backlog)``. A firm's need of a material is then
    ``(w_c x base) x thrift_factor`` for a sector's firm and ``(w_c x recipe)
    x conv_order`` for a conversion's (what was ordered from it yesterday); its
    catch-up need ``((w_c x base) x catch_up) x thrift_factor``; :func:`consume`
    forms both.

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
    Reads ``par.window_end`` (S, P) day, ``par.overtime`` (S, P) share of daily output.

    Writes ``state.backlog`` (S, P) days of output (0 after the window) and ``state.catch_up`` (S, P)
    share of daily output.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.REQUIREMENTS) and _run_compiled(Phase.REQUIREMENTS, _compiled_firms.requirements, t,
                                                                      lay, par, state, 0, lay.P):
        return
    state.backlog[t > par.window_end] = 0.0
    np.minimum(par.overtime, state.backlog, out=state.catch_up)


def consume(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 4: each firm uses its own stock (firms do not pool).

    A firm meets its need if it is short by at most ``ENOUGH`` of it, else it
    uses all it has; catch-up gets only material above the firm's normal stock.

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
    Reads ``par.base``, ``par.recipe`` (U, P), ``state.thrift_factor`` (Us, P), ``state.catch_up`` (S, P),
    ``state.conv_order`` (Q, P) t, ``state.normal`` (U, C, P) t.

    Writes ``state.ratio`` and ``state.cu_ratio`` (U, C, P), the shares of the need and of the catch-up
    need met; ``state.stock`` (U, C, P) t; ``state.requirement``, ``state.consumption``, ``state.shortfall``
    (M, P) t/day and ``state.inventory`` (M, P) t, summed over firms in use order within a cohort,
    then cohorts.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.CONSUME) and _run_compiled(Phase.CONSUME, _compiled_firms.consume, t, lay, par, state,
                                                                 0, lay.P):
        return
    w = par.cohort_w[np.newaxis, :, np.newaxis]
    srow, crow = lay.srow, lay.crow
    base_s = w * par.base[srow][:, np.newaxis, :]  # (Us, C, P) each sector firm's baseline use
    factor = state.thrift_factor[:, np.newaxis, :]
    need = np.empty_like(state.stock)
    need[srow] = base_s * factor
    need[crow] = (w * par.recipe[crow][:, np.newaxis, :]) * state.conv_order[lay.c_conv][:, np.newaxis, :]
    have = state.stock
    enough = need <= have + ENOUGH * need
    ratio = np.where(enough, 1.0, np.divide(have, need, out=np.ones_like(need), where=~enough))
    short = np.where(enough, 0.0, need - have)
    avail = np.where(enough, np.maximum(have - need, 0.0), 0.0)
    cu_need = np.zeros_like(need)
    cu_need[srow] = (base_s * state.catch_up[lay.s_sec][:, np.newaxis, :]) * factor
    surplus = np.maximum(avail - state.normal, 0.0)
    cu_ok = cu_need <= surplus + ENOUGH * cu_need
    state.cu_ratio[:] = np.where(cu_ok, 1.0, np.divide(surplus, cu_need, out=np.ones_like(cu_need), where=~cu_ok))
    short = short + np.where(cu_ok, 0.0, cu_need - surplus)
    avail = np.where(cu_ok, np.maximum(avail - cu_need, 0.0), avail - surplus)
    required = need + cu_need
    used = have - avail
    state.ratio[:] = ratio
    state.stock[:] = have - used
    state.shortfall[:] = csum(msum(short, lay.u_lo, lay.u_hi))
    state.requirement[:] = csum(msum(required, lay.u_lo, lay.u_hi))
    state.consumption[:] = csum(msum(used, lay.u_lo, lay.u_hi))
    state.inventory[:] = csum(msum(state.stock, lay.u_lo, lay.u_hi))


def convert(k: Kernel, t: int, compiled: bool = True) -> None:
    """Step 4 (conversions): each domestic conversion makes yesterday's order as its scarcest input allows.

    A conversion's cohort makes its share of the order times the least share
    of need met over its inputs; the total (exactly the order when no cohort
    is short) ships, arriving after the edge's transit time less the day it
    took to make; what was not made is denied.

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
    Reads ``state.conv_order`` (Q, P) t, ``state.ratio`` (U, C, P), ``par.transit`` (E, P) days.

    Writes ``state.denied`` (M, P) t/day (set to 0, then what conversions could not make), adds
    what they made to ``state.ring``, clears ``state.conv_order``.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.CONVERT) and _run_compiled(Phase.CONVERT, _compiled_firms.convert, t, lay, par, state,
                                                                 0, lay.P):
        return
    state.denied.fill(0.0)
    ar = np.arange(lay.P)
    w = par.cohort_w[:, np.newaxis]
    for q in range(lay.Q):
        r = np.ones((lay.C, lay.P))
        for u in lay.crow[lay.c_conv == q]:
            r = np.minimum(r, state.ratio[u])
        full = csum((r < 1.0).astype(np.float64)) == 0.0
        order_q = state.conv_order[q]
        made = np.where(full, order_q, np.minimum(csum((w * order_q) * r), order_q))
        e_q = int(lay.conv_edge[q])
        state.ring[(t - 1 + par.transit[e_q]) % lay.B, e_q, ar] += made
        state.denied[lay.conv_mat[q]] += order_q - made
        state.conv_order[q] = 0.0


def produce(k: Kernel, t: int, compiled: bool = True) -> None:
    """Steps 5-6: output of each firm cohort and sector, lost output, catch-up.

    A cohort's output fraction is the minimum over its sector's materials of
    ``1 - criticality x (1 - ratio)``; at full output it makes up ``catch_up
    x`` the same minimum of ``cu_ratio``. A ``catch_share`` of the loss joins
    the backlog, the catch-up made leaves it.

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
    Reads ``state.ratio``, ``state.cu_ratio`` (U, C, P), ``state.criticality`` (Us, P), ``state.catch_up`` (S, P),
    ``par.cohort_w`` (C,), ``par.catch_share`` (S, P), ``par.daily_output`` (S, P) currency/day.

    Writes ``state.fraction`` (S, P) share of daily output (the cohorts' weighted sum),
    ``state.made_up`` and ``state.output`` (S, P) share of daily output, ``state.lost`` (S, P)
    currency/day, ``state.backlog`` (S, P) days of output.
    """
    lay, par, state = k.lay, k.par, k.state
    if compiled and compiled_ok(Phase.PRODUCE) and _run_compiled(Phase.PRODUCE, _compiled_firms.produce, t, lay, par, state,
                                                                 0, lay.P):
        return
    S, C, P = lay.S, lay.C, lay.P
    crit = state.criticality[:, np.newaxis, :]
    f_c = np.ones((S, C, P))
    g = np.ones((S, C, P))
    for x, out in ((state.ratio, f_c), (state.cu_ratio, g)):
        r_s = x[lay.srow]
        if (r_s == 1.0).all():
            continue
        term = 1.0 - crit * (1.0 - r_s)
        for i, s in enumerate(lay.s_sec):
            np.minimum(out[s], term[i], out=out[s])
    w = par.cohort_w[np.newaxis, :, np.newaxis]
    state.made_up[:] = csum(w * np.where(f_c == 1.0, state.catch_up[:, np.newaxis, :] * g, 0.0))
    state.fraction[:] = csum(w * f_c)
    loss = 1.0 - state.fraction
    np.maximum(state.backlog + par.catch_share * loss - state.made_up, 0.0, out=state.backlog)
    state.output[:] = state.fraction + state.made_up
    state.lost[:] = (loss - state.made_up) * par.daily_output


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
    if compiled and compiled_ok(Phase.DECIDE) and _run_compiled(Phase.DECIDE, _compiled_orders.decide, t, lay, par, state,
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
    if compiled and compiled_ok(Phase.ORDER) and _run_compiled(Phase.ORDER, _compiled_orders.order, t, lay, par, state,
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
    if compiled and compiled_ok(Phase.DISPATCH) and _run_compiled(Phase.DISPATCH, _compiled_orders.dispatch, t, lay, par,
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


def _triage_gives(k: Kernel, gap: FloatArray, part: BoolArray, rem: FloatArray, ri: int) -> FloatArray:
    """What each firm (U, C, P) t of rank ``ri`` gets by value where its material's paths share (``part`` (M, P)).

    The uses of each (material, rank) in order of value, highest first
    (``par.value_order``): each use's gap (``gap`` (U, C, P) t over its
    cohorts, in cohort order) in full while the amount left ``rem`` (M, P) t
    lasts; a use's cohorts pro rata to their gaps. 0 outside the rank.
    """
    lay, par = k.lay, k.par
    greedy = np.zeros_like(gap)
    for m in range(lay.M):
        gi = m * lay.n_ranks + ri
        a, b = int(lay.g_lo[gi]), int(lay.g_hi[gi])
        if b == a or not part[m].any():
            continue
        by_row = par.value_order[a:b]  # (n, P) the group's uses by value, highest first
        rows = np.sort(by_row[:, 0])
        by_value = np.searchsorted(rows, by_row)
        Gu = csum(gap[rows])  # (n, P)
        sortedG = np.take_along_axis(Gu, by_value, axis=0)
        before = np.zeros_like(sortedG)
        if len(rows) > 1:
            before[1:] = np.cumsum(sortedG[:-1], axis=0)
        give_s = np.minimum(sortedG, np.maximum(rem[m] - before, 0.0))
        give = np.empty_like(give_s)
        np.put_along_axis(give, by_value, give_s, axis=0)
        Gt = np.broadcast_to(Gu[:, np.newaxis, :], gap[rows].shape)
        greedy[rows] = give[:, np.newaxis, :] * np.divide(gap[rows], Gt, out=np.zeros_like(Gt), where=Gt > 0.0)
    return greedy


def deliver(k: Kernel, amount: FloatArray, gap: FloatArray, share: FloatArray | None) -> FloatArray:
    """Share deliveries ``amount`` (M, P) t among the firms: what each firm gets, (U, C, P) t.

    Rank by rank, each firm's ``gap`` (U, C, P) t is filled when the amount
    left covers the rank's gaps; otherwise the amount left is shared within
    the rank, ``1 - triage`` of it pro rata to the gaps and ``triage`` to the
    uses in order of value (each use's gap in full before the next; its
    cohorts pro rata to their gaps). With ``share`` (U, P), what is left
    after every gap goes to the firms by cohort weight x ``share``. The SimPy
    engine's ``deliver``, for every path at once.
    """
    lay, par = k.lay, k.par
    um = lay.u_mat
    x = np.zeros_like(gap)
    rem = amount.copy()
    for ri in range(lay.n_ranks):
        mask = (lay.rank_of == ri)[:, np.newaxis, np.newaxis]
        G = csum(msum(gap if lay.n_ranks == 1 else np.where(mask, gap, 0.0), lay.u_lo, lay.u_hi))  # (M, P)
        has = G > 0.0
        if not has.any():
            continue
        fill = has & (rem >= G)
        part = has & ~fill
        fill_u = np.broadcast_to(fill[um][:, np.newaxis, :], gap.shape)
        part_u = np.broadcast_to(part[um][:, np.newaxis, :], gap.shape)
        if lay.n_ranks > 1:
            fill_u = fill_u & mask
            part_u = part_u & mask
        x = np.where(fill_u, gap, x)
        if part.any():
            G_u = np.broadcast_to(G[um][:, np.newaxis, :], gap.shape)
            pro = rem[um][:, np.newaxis, :] * np.divide(gap, G_u, out=np.zeros_like(gap), where=G_u > 0.0)
            if lay.g_hi.size and bool((lay.g_hi > lay.g_lo).any()):
                tri = par.triage[np.newaxis, np.newaxis, :]
                pro = np.where(tri > 0.0, (1.0 - tri) * pro + tri * _triage_gives(k, gap, part, rem, ri), pro)
            x = np.where(part_u, pro, x)
        rem = np.where(fill, rem - G, np.where(part, 0.0, rem))
    if share is not None:
        left = rem[um][:, np.newaxis, :]
        w = par.cohort_w[np.newaxis, :, np.newaxis]
        x = np.where(left > 0.0, x + left * (w * share[:, np.newaxis, :]), x)
    return x


PHASES: dict[Phase, Callable[[Kernel, int, bool], None]] = {
    Phase.RAMPS: ramps,
    Phase.ARRIVALS: arrivals,
    Phase.STOCKPILE: stockpile,
    Phase.REQUIREMENTS: requirements,
    Phase.CONSUME: consume,
    Phase.CONVERT: convert,
    Phase.PRODUCE: produce,
    Phase.DECIDE: decide,
    Phase.ORDER: order,
    Phase.DISPATCH: dispatch,
}
"""The phase functions of a day by phase (``RECORD`` is the recorders'), in :data:`DAILY_STEP` order."""
