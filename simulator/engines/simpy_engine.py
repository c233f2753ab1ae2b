"""The reference engine: the daily semantics as SimPy processes, one path at a time.

Each day ``t`` is divided into the phases of the shared daily step
(:class:`~simulator.engines.rules.Phase`, run at the times of
:data:`~simulator.engines.rules.SIMPY_TIME`), so the fixed order of operations
of the model holds however SimPy interleaves processes:

=========  ============  ======================================================
time       phase         what happens
=========  ============  ======================================================
t + 0.05   RAMPS         supplier ramp-ups, thrifting and substitution advance
                         (one ``ramp`` process each)
t + 0.10   (dock)        shipments due arrive at the dock (one process each)
t + 0.15   ARRIVALS      the day's arrivals go into corporate inventory
t + 0.20   STOCKPILE     the stockpile agency checks its rule and releases
t + 0.50   REQUIREMENTS, one process (``production``) calls a method per
           CONSUME,      phase, in order: ``requirements`` (firms' needs and
           CONVERT,      catch-up), ``consume`` (each firm uses its own stock),
           PRODUCE       ``convert`` (conversions make yesterday's orders),
                         ``produce`` (output, lost output and catch-up)
t + 0.65   DECIDE        a licence regime that ends today lets every pending
                         application ship
t + 0.70   DECIDE        licence applications due are decided
t + 0.80   ORDER,        the importer orders up to its target and ships or
           DISPATCH      applies
t + 0.90   RECORD        the day's state is recorded
=========  ============  ======================================================

Inventories and stockpiles are ``simpy.Container`` objects. This engine is the
readable statement of the model; :mod:`simulator.engines.vectorised` must give
the same numbers on the same draws.

This module runs the engine: :func:`simulate_simpy` builds each path (:class:`_Path`) and collects its
trajectories and event log. A path joins the processes of the day, one module each, with the phase
methods named as the vectorised engine's phases (:mod:`simulator.engines.phases`):

- :mod:`simulator.engines.simpy_path`: the path's state and the helpers every process uses;
- :mod:`simulator.engines.simpy_ramps`: RAMPS;
- :mod:`simulator.engines.simpy_deliveries`: the pipeline at the start, ARRIVALS and STOCKPILE;
- :mod:`simulator.engines.simpy_production`: REQUIREMENTS, CONSUME, CONVERT and PRODUCE;
- :mod:`simulator.engines.simpy_licences`: the licence offices, DECIDE;
- :mod:`simulator.engines.simpy_importer`: ORDER and DISPATCH.

The event log's lines are worded in one place, :mod:`simulator.engines.event_log`; the model calls
its functions through ``_Path.tell`` with structured fields (ids, days, tonnes, shares).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.engines import event_log
from simulator.engines.params import PathParams
from simulator.engines.rules import SIMPY_TIME, Phase, licence_calendar
from simulator.engines.simpy_deliveries import _Deliveries
from simulator.engines.simpy_importer import _Importer
from simulator.engines.simpy_production import _Production
from simulator.engines.simpy_ramps import _Ramps
from simulator.engines.trajectories import Event, Trajectories
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["simulate_simpy"]

# times of day of the processes: the shared daily step (simulator.engines.rules)
_RECORD = SIMPY_TIME[Phase.RECORD]


class _Path(_Ramps, _Deliveries, _Production, _Importer):
    """One Monte Carlo path: its state, its processes (one per phase of the day) and its records.

    The processes are its bases' (:class:`~simulator.engines.simpy_path._PathState`, the state they share):
    ramps, deliveries, production, the importer and the licence offices; this class starts them, announces
    the measures and records the day's state.

    Shapes in the methods' docstrings are this path's: ``pp.x`` (S,) is row ``p`` of ``pp.x`` (P, S);
    ``out.x`` (M,) on day ``t`` is ``out.x[p, t]``.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        Every path's parameters; this path is row ``p``.
    p : int
        The path.
    draws : Draws
        The draws (the licence processing times, ``draws.licence_days``).
    out : Trajectories
        Written in place: row ``p`` of every array.
    calendar : (ndarray, ndarray) of int
        The working-day calendar (:func:`~simulator.engines.rules.licence_calendar`): working days in
        days ``0..t``, and the calendar day of the j-th working day.
    log : list of Event or None
        The path's event log, appended to (None: no log).
    """

    def __init__(
        self,
        sc: Scenario,
        pp: PathParams,
        p: int,
        draws: Draws,
        out: Trajectories,
        calendar: tuple[np.ndarray, np.ndarray],
        log: list[Event] | None,
    ) -> None:
        self.env = simpy.Environment()
        self.sc, self.pp, self.p, self.draws, self.out, self.log = sc, pp, p, draws, out, log
        self.working_days_through, self.working_day_date = calendar
        self.T = pp.n_days
        self.M, self.K, self.S = len(sc.materials), len(sc.sources), len(sc.sectors)
        self.material_ids, self.source_ids, self.sector_ids = sc.material_ids, sc.source_ids, sc.sector_ids
        self.demand = pp.demand[p]  # (M,) t/day
        self.users = pp.users
        self.U = self.users.n
        self.cohort_weight = [float(x) for x in pp.cohort_w]
        self.C = len(self.cohort_weight)
        self.set_up_firms()
        self.set_up_state()
        out.inventory0[p] = [self.level(m) for m in range(self.M)]
        out.stockpile0[p] = [c.level for c in self.stockpile]
        self.set_up_pipeline()
        out.pipeline0[p] = self.pipeline
        self.set_up_offices()
        if self.offices:
            self.env.process(self.licensing())
        self.env.process(self.receiving())
        self.env.process(self.stockpile_agency())
        self.start_ramps()
        self.env.process(self.policy_announcements())
        self.env.process(self.production())
        self.env.process(self.importer())
        self.env.process(self.recorder())

    def policy_announcements(self) -> Generator[Any, Any, None]:
        """Logs measures starting and ending (their effect is in the importer)."""
        pp, p = self.pp, self.p
        changes = sorted({(int(pp.start[p, j]), j, "starts") for j in range(len(pp.kind))}
                         | {(int(pp.end[p, j]), j, "ends") for j in range(len(pp.kind))})
        for day, j, what in changes:
            if day >= self.T:
                return
            yield self.wait_until(day)
            mea = self.sc.policy[self.sc.measure_ids[j]]
            self.tell(event_log.measure_changes, day, self.sc.measure_ids[j], mea.kind, mea.source, list(mea.materials),
                      pp.coverage[p, j], what)

    def recorder(self) -> Generator[Any, Any, None]:
        """Phase RECORD: the day's inventory, stockpile and pipeline of each material, t, at ``t + 0.90`` each day."""
        out, p = self.out, self.p
        for t in range(self.T):
            yield self.wait_until(t + _RECORD)
            for m in range(self.M):
                out.inventory[p, t, m] = self.level(m)
                out.stockpile[p, t, m] = self.stockpile[m].level
                out.pipeline[p, t, m] = self.pipeline[m]


def simulate_simpy(sc: Scenario, pp: PathParams, draws: Draws, *, events: bool = False) -> Trajectories:
    """Run every path through the SimPy model.

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        Per-path parameters (from :func:`simulator.engines.resolve.resolve` on ``draws``).
    draws : Draws
    events : bool
        Keep each path's event log in ``Trajectories.events``.

    Returns
    -------
    Trajectories
    """
    P, T = pp.n_paths, pp.n_days
    out = Trajectories.empty(
        P, T, sc.material_ids, sc.source_ids, sc.sector_ids,
        inventory0=np.zeros((P, len(sc.materials))),
        stockpile0=np.zeros((P, len(sc.materials))),
        pipeline0=np.zeros((P, len(sc.materials))),
        daily_output=pp.daily_output.copy(),
        demand=pp.demand.copy(),
        gdp=pp.gdp.copy(),
        currency=sc.economy.currency,
        engine="simpy",
    )
    working_days_through, working_day_date, _ = licence_calendar(pp, draws, sc.measure_ids)
    calendar = (working_days_through, working_day_date)
    for p in range(P):
        log: list[Event] | None = [] if events else None
        path = _Path(sc, pp, p, draws, out, calendar, log)
        path.env.run(until=T)
        if log is not None:
            out.events.append(sorted(log, key=lambda e: e.day))
    return out
