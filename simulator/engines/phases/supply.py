"""Supply phases of the day: :func:`ramps`, :func:`arrivals` and :func:`stockpile`.

Capacity, thrift and substitution ramps; shipments arriving and delivered to
the firms; the national stockpile's releases. Compiled twin:
:mod:`simulator.engines.compiled.supply`.
"""

from __future__ import annotations

import numpy as np

from simulator.engines.compiled import supply as _compiled
from simulator.engines.phases.deliveries import deliver
from simulator.engines.phases.fallback import _run_compiled, compiled_ok
from simulator.engines.rules import Phase
from simulator.engines.state.kernel import Kernel
from simulator.engines.state.sums import csum, msum

__all__ = ["arrivals", "ramps", "stockpile"]


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
    if compiled and compiled_ok(Phase.RAMPS) and _run_compiled(Phase.RAMPS, _compiled.ramps, t, lay, par, state, 0, lay.P):
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
    if compiled and compiled_ok(Phase.ARRIVALS) and _run_compiled(Phase.ARRIVALS, _compiled.arrivals, t, lay, par, state,
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
    if compiled and compiled_ok(Phase.STOCKPILE) and _run_compiled(Phase.STOCKPILE, _compiled.stockpile, t, lay, par,
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
