"""The Monte Carlo engine: the daily semantics over all paths of a block at once.

The state is explicit (:mod:`simulator.engines.state`: named arrays, paths
last, built in one place) and each phase of the day is one function
(:mod:`simulator.engines.phases`), called in the order of
:data:`~simulator.engines.rules.DAILY_STEP`, the order of the SimPy engine's
processes. Shipments are scheduled into a ring buffer of future arrivals
indexed by ``day % B``; a licence application is filed at submission (its
processing time and outcome are in the draws) into a ring buffer of volume
due for a decision, per licensed (measure, edge), so no per-application
object exists.

With numba installed (:data:`COMPILED`), the phases run as compiled loops
and a day runs as one call (:func:`simulator.engines.compiled.loop.day`) that
takes the phases in order over blocks of :data:`FUSED_PATHS` paths (by
default a streamed run's whole slice of paths: smaller blocks cost more in
loop overhead than they save in cache misses); without numba the phases run
as NumPy code. Both give the same trajectories bit for bit.

After each day the state is reported to a recorder: a :class:`FullRecorder`
fills :class:`~simulator.engines.trajectories.Trajectories`; streaming recorders (see
:mod:`simulator.runs.blocks`) keep only summaries, and a streamed run calls the
compiled days and recorders together
(:func:`simulator.engines.compiled.loop.run_recorded`, through
:func:`simulator.runs.recipe.run_slice`), without a Python call a day.
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from simulator.engines.compiled import jit, loop
from simulator.engines.params import PathParams
from simulator.engines.phases.loop import PHASES
from simulator.engines.rules import DAILY_STEP, ENOUGH, Phase
from simulator.engines.state.day import DayState
from simulator.engines.state.kernel import Kernel, build
from simulator.engines.trajectories import Trajectories
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["COMPILED", "ENOUGH", "DayState", "FullRecorder", "run_kernel", "simulate_vectorised"]

COMPILED = True
"""Run the phases as the compiled loops of :mod:`simulator.engines.compiled` where numba is installed
(the same numbers)."""

FUSED = True
"""With :data:`COMPILED`, run a day as one compiled call over blocks of paths (else phase by phase)."""

FUSED_PATHS = 1024
"""Paths a fused day takes through every phase at once (the streamed runs' slices of
:data:`simulator.runs.recipe.KERNEL_PATHS` paths are one block: smaller blocks cost more in loop overhead
than they save in cache misses, ``benchmarks/profile_vectorised.py --blocks``)."""


class Recorder(Protocol):
    """What the day loop reports to: ``start`` with the day-0 state, then ``record`` after each day's step."""
    def start(self, state: DayState) -> None:
        """Receive the day-0 state (before the first step)."""

    def record(self, t: int, state: DayState) -> None:
        """Receive the state after day ``t``'s step."""


class FullRecorder:
    """Keeps every daily array in a :class:`Trajectories` (paths first)."""

    def __init__(self, sc: Scenario, pp: PathParams) -> None:
        P, M = pp.n_paths, len(sc.materials)
        self.tr = Trajectories.empty(
            P,
            pp.n_days,
            sc.material_ids,
            sc.source_ids,
            sc.sector_ids,
            inventory0=np.zeros((P, M)),
            stockpile0=np.zeros((P, M)),
            pipeline0=np.zeros((P, M)),
            daily_output=pp.daily_output.copy(),
            demand=pp.demand.copy(),
            gdp=pp.gdp.copy(),
            currency=sc.economy.currency,
            engine="vectorised",
        )

    def start(self, state: DayState) -> None:
        """Keep the day-0 inventories, stockpiles and pipelines."""
        self.tr.inventory0[:] = state.inv.T
        self.tr.stockpile0[:] = state.stock.T
        self.tr.pipeline0[:] = state.pipe.T

    def record(self, t: int, s: DayState) -> None:
        """Copy day ``t``'s state into the trajectories."""
        tr = self.tr
        tr.inventory[:, t] = s.inv.T
        tr.stockpile[:, t] = s.stock.T
        tr.pipeline[:, t] = s.pipe.T
        tr.arrivals[:, t][:, s.edge_k, s.edge_m] = s.arrivals_e.T
        tr.release[:, t] = s.release.T
        tr.requirement[:, t] = s.requirement.T
        tr.consumption[:, t] = s.consumption.T
        tr.shortfall[:, t] = s.shortfall.T
        tr.placed[:, t] = s.placed.T
        tr.denied[:, t] = s.denied.T
        tr.output_fraction[:, t] = s.f.T
        tr.output[:, t] = s.output.T
        tr.lost_output[:, t] = s.lost.T
        tr.premium_cost[:, t] = s.premium


class PhaseTimer:
    """Seconds spent in each phase over a run (pass to :func:`run_kernel` as ``timer``)."""

    def __init__(self) -> None:
        self.seconds: dict[Phase, float] = dict.fromkeys(DAILY_STEP, 0.0)

    def shares(self) -> dict[Phase, float]:
        """Each phase's share of the total time."""
        total = sum(self.seconds.values()) or 1.0
        return {ph: s / total for ph, s in self.seconds.items()}


def run_kernel(sc: Scenario, pp: PathParams, draws: Draws, rec: Recorder, *, timer: PhaseTimer | None = None) -> None:
    """Run the daily semantics over all paths, reporting each day to ``rec``.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        Per-path parameters for the paths of ``draws``.
    draws : Draws
    rec : Recorder
        Receives ``start(state)`` once, then ``record(t, state)`` each day
        (a :class:`DayState`, paths last; its arrays are reused: copy to keep).
    timer : PhaseTimer, optional
        Times each phase (the day then runs phase by phase, not fused).
    """
    k = build(sc, pp, draws)
    run_days(k, rec, timer=timer)


def run_days(k: Kernel, rec: Recorder, *, timer: PhaseTimer | None = None, compiled: bool | None = None) -> None:
    """Run every day of a built kernel (see :func:`run_kernel`)."""
    use_compiled = (COMPILED and jit.AVAILABLE) if compiled is None else compiled
    day = k.day
    rec.start(day)
    steps = [(ph, PHASES[ph]) for ph in DAILY_STEP if ph in PHASES]
    fused = use_compiled and FUSED and timer is None and loop.fused_ok()
    for t in range(k.lay.T):
        if fused and loop.run_day(t, k.lay, k.par, k.state, FUSED_PATHS):
            rec.record(t, day)
            continue
        fused = False
        if timer is None:
            for _, fn in steps:
                fn(k, t, use_compiled)
            rec.record(t, day)
            continue
        for ph, fn in steps:
            t0 = time.perf_counter()
            fn(k, t, use_compiled)
            timer.seconds[ph] += time.perf_counter() - t0
        t0 = time.perf_counter()
        rec.record(t, day)
        timer.seconds[Phase.RECORD] += time.perf_counter() - t0


def simulate_vectorised(sc: Scenario, pp: PathParams, draws: Draws) -> Trajectories:
    """Run every path with the vectorised engine and keep all daily arrays.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
    draws : Draws

    Returns
    -------
    Trajectories
    """
    rec = FullRecorder(sc, pp)
    run_kernel(sc, pp, draws, rec)
    return rec.tr
