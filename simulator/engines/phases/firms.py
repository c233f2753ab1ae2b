"""Firm phases of the day: :func:`requirements`, :func:`consume`, :func:`convert` and :func:`produce`.

What the sectors need, what their firms consume of their stocks, what
domestic conversions make, and the output that follows. Compiled twin:
:mod:`simulator.engines.compiled.firms`.
"""

from __future__ import annotations

import numpy as np

from simulator.engines.compiled import firms as _compiled
from simulator.engines.phases.fallback import _run_compiled, compiled_ok
from simulator.engines.rules import ENOUGH, Phase
from simulator.engines.state.kernel import Kernel
from simulator.engines.state.sums import csum, msum

__all__ = ["consume", "convert", "produce", "requirements"]


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
    if compiled and compiled_ok(Phase.REQUIREMENTS) and _run_compiled(Phase.REQUIREMENTS, _compiled.requirements, t,
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
    if compiled and compiled_ok(Phase.CONSUME) and _run_compiled(Phase.CONSUME, _compiled.consume, t, lay, par, state,
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
    if compiled and compiled_ok(Phase.CONVERT) and _run_compiled(Phase.CONVERT, _compiled.convert, t, lay, par, state,
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
    if compiled and compiled_ok(Phase.PRODUCE) and _run_compiled(Phase.PRODUCE, _compiled.produce, t, lay, par, state,
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
