"""The SimPy engine's ramps (phase RAMPS): alternative suppliers' extra capacity, sectors' thrift and
substitution, each a linear ramp from the day a disruption of the material is known."""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np

from simulator.engines import event_log
from simulator.engines.formulas import ramp_fraction
from simulator.engines.params import NEVER
from simulator.engines.rules import SIMPY_TIME, Phase
from simulator.engines.simpy_path import _PathState
from simulator.engines.trajectories import Event

# times of day of the processes: the shared daily step (simulator.engines.rules)
_RAMP = SIMPY_TIME[Phase.RAMPS]


class _Ramps(_PathState):
    """A path's ramps: one :meth:`ramp` process for each that moves something."""

    def start_ramps(self) -> None:
        """Start a :meth:`ramp` process for each ramp of the path that moves something.

        Ramps run only on materials a measure disrupts (``trigger < NEVER``): each source's extra capacity
        of a material (``extra > 0``; ``capacity_done``, (K, M)), then, sector by sector and material by
        material, its thrift (``thrift > 0``; ``thrift_done``, (S, M)) and its substitution (a floor below
        its criticality; ``substitution_done``, (S, M)). The order is the event log's within a day.
        """
        pp, p = self.pp, self.p
        for k in range(self.K):
            for m in range(self.M):
                if pp.extra[p, k, m] > 0.0 and pp.trigger[p, m] < NEVER:
                    source, material = self.source_ids[k], self.material_ids[m]
                    self.env.process(self.ramp(
                        self.capacity_done, k, m, pp.ramp_lag[p, k, m], pp.ramp_days[p, k, m],
                        partial(event_log.capacity_ramp_starts, source=source, material=material, extra=pp.extra[p, k, m],
                                days=pp.ramp_days[p, k, m]),
                        partial(event_log.capacity_ramp_done, source=source, material=material)))
        for s in range(self.S):
            for m in range(self.M):
                sector, material = self.sector_ids[s], self.material_ids[m]
                if pp.thrift[p, s, m] > 0.0 and pp.trigger[p, m] < NEVER:
                    self.env.process(self.ramp(
                        self.thrift_done, s, m, pp.thrift_lag[p, s, m], pp.thrift_ramp[p, s, m],
                        partial(event_log.thrift_starts, sector=sector, material=material, cut=pp.thrift[p, s, m],
                                days=pp.thrift_ramp[p, s, m])))
                if pp.crit_floor[p, s, m] < pp.crit[p, s, m] and pp.trigger[p, m] < NEVER:
                    self.env.process(self.ramp(
                        self.substitution_done, s, m, pp.subst_lag[p, s, m], pp.subst_days[p, s, m],
                        partial(event_log.substitution_starts, sector=sector, material=material, criticality=pp.crit[p, s, m],
                                floor=pp.crit_floor[p, s, m], days=pp.subst_days[p, s, m])))

    def ramp(self, done: np.ndarray, row: int, m: int, lag: float, days: float, started: Callable[[int], Event],
             finished: Callable[[int], Event] | None = None) -> Generator[Any, Any, None]:
        """Phase RAMPS: one linear ramp after the disruption of material m is known, at ``t + 0.05`` each day.

        The same process moves an alternative source's extra capacity
        (docs/model.md, "The daily step", 7: ``cap_k(t)``), a sector's thrift
        (3: ``h_{s,m}(t)``) and its criticality's fall to its floor (5:
        ``κ_{s,m}(t)``): from the day ``begin = t⁰_m + lag`` the share done is
        ``ramp(t; begin, days)`` (:func:`~simulator.engines.formulas.ramp_fraction`),
        as the vectorised engine's :func:`~simulator.engines.phases.supply.ramps` computes it.

        Parameters
        ----------
        done : ndarray of shape (R, M)
            The path's shares done of this kind of ramp (``capacity_done`` (K, M),
            ``thrift_done`` or ``substitution_done`` (S, M)); ``done[row, m]`` is
            written each day from the ramp's first day until it reaches 1.
        row, m : int
            The ramp's source or sector, and material.
        lag : float
            Days from the disruption being known (``trigger``, day) to the ramp's start.
        days : float
            The ramp's length, days (0: a step).
        started, finished : callable of the day, returning an Event
            The event log's line on the ramp's first day and (unless None) on
            the day it is done (wording functions with their fields bound).
        """
        begin = float(self.pp.trigger[self.p, m] + lag)
        first = max(int(np.ceil(begin)), 0)
        if first >= self.T:
            return
        yield self.wait_until(first + _RAMP)
        self.tell(started, first)
        for t in range(first, self.T):
            yield self.wait_until(t + _RAMP)
            done[row, m] = ramp_fraction(t, begin, days)
            if done[row, m] >= 1.0:
                if finished is not None:
                    self.tell(finished, t)
                return
