"""The SimPy engine's path state: what one path holds and the helpers every one of its processes uses.

:class:`_PathState` is the base of the processes' classes (:mod:`simulator.engines.simpy_deliveries`,
:mod:`~simulator.engines.simpy_licences`, :mod:`~simulator.engines.simpy_importer`,
:mod:`~simulator.engines.simpy_production`, :mod:`~simulator.engines.simpy_ramps`), which
:class:`simulator.engines.simpy_engine._Path` joins into one path: the firms and their stocks, the stockpiles,
ramps and backlogs at the start, the sums taken in the vectorised engine's order, the event log's entry point
(:meth:`_PathState.tell`) and the one process all of them start, a shipment in transit.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, ParamSpec

import numpy as np
import simpy

from simulator.engines import event_log
from simulator.engines.params import PathParams, Users
from simulator.engines.rules import DOCK_TIME
from simulator.engines.trajectories import Event, Trajectories
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

# times of day of the processes: the shared daily step (simulator.engines.rules)
_ARRIVE = DOCK_TIME

_Fields = ParamSpec("_Fields")


class _PathState:
    """One Monte Carlo path's state and the helpers its processes share.

    Shapes in the methods' docstrings are this path's: ``pp.x`` (S,) is row ``p`` of ``pp.x`` (P, S);
    ``out.x`` (M,) on day ``t`` is ``out.x[p, t]``. The attributes below are set by
    :class:`~simulator.engines.simpy_engine._Path`'s constructor; :meth:`set_up_firms` and
    :meth:`set_up_state` set the rest of the path's state.

    Attributes
    ----------
    env : simpy.Environment
        The path's clock and event queue.
    sc : Scenario
    pp : PathParams
        Every path's parameters; this path is row ``p``.
    p : int
        The path.
    draws : Draws
        The draws (the licence processing times, ``draws.licence_days``).
    out : Trajectories
        Written in place: row ``p`` of every array.
    log : list of Event or None
        The path's event log, appended to (None: no log).
    working_days_through, working_day_date : ndarray of int
        The working-day calendar (:func:`~simulator.engines.rules.licence_calendar`): working days in
        days ``0..t``, and the calendar day of the j-th working day.
    T, M, K, S, U, C : int
        Days, materials, sources, sectors, uses (rows of ``users``) and firm cohorts.
    material_ids, source_ids, sector_ids : list of str
    demand : ndarray of shape (M,), t/day
        Baseline daily demand.
    users : Users
        The firms' uses of materials (``pp.users``).
    cohort_weight : list of float, length C
        Each firm cohort's share of every use.
    """

    env: simpy.Environment
    sc: Scenario
    pp: PathParams
    p: int
    draws: Draws
    out: Trajectories
    log: list[Event] | None
    working_days_through: np.ndarray
    working_day_date: np.ndarray
    T: int
    M: int
    K: int
    S: int
    U: int
    C: int
    material_ids: list[str]
    source_ids: list[str]
    sector_ids: list[str]
    demand: np.ndarray
    users: Users
    cohort_weight: list[float]

    def set_up_firms(self) -> None:
        """The firms: each use's (sector pair or conversion input) firm cohorts, their stocks and shares.

        Corporate inventory is one container per use and cohort (firms do not
        pool stocks), starting at the normal stock ``N_{u,c}`` (docs/model.md,
        "Stocks and scales"); uses are grouped by material.
        """
        pp, p, users = self.pp, self.p, self.users
        self.rows_of = [list(range(a, b)) for a, b in users.bounds]  # each material's uses
        self.sector_rows = [[u for m in range(self.M) for u in self.rows_of[m] if users.sector[u] == s]
                            for s in range(self.S)]  # each sector's uses, material by material
        self.base = [float(pp.user_base[p, u]) for u in range(self.U)]  # t/day
        self.conv_rows = [[u for u in range(self.U) if users.conversion[u] == q] for q in range(len(pp.conv_k))]
        self.conv_of_edge = {(int(pp.conv_k[q]), int(pp.conv_m[q])): q for q in range(len(pp.conv_k))}
        self.normal = [[float(pp.user_cover[p, u, c] * (self.cohort_weight[c] * self.base[u])) for c in range(self.C)]
                       for u in range(self.U)]  # (U, C) t
        self.inventory = [[simpy.Container(self.env, init=self.normal[u][c]) for c in range(self.C)]
                          for u in range(self.U)]
        # each firm's share of the stockpile's release trigger: its baseline use; of deliveries beyond every
        # gap: its baseline use among the sectors' firms (a conversion's firms hold no more than their normal
        # stock, which follows what they are asked to make), or among all when only conversions use it
        self.trigger_share = [[0.0] * self.C for _ in range(self.U)]
        self.excess_share = [[0.0] * self.C for _ in range(self.U)]
        for m in range(self.M):
            rows = self.rows_of[m]
            if not rows:
                continue
            self._share(rows, self.trigger_share)
            direct = [u for u in rows if users.conversion[u] < 0]
            self._share(direct if direct and self._total_base(direct) > 0.0 else rows, self.excess_share)
        # the value added a tonne saves, for triage: uses of each (material, rank) in order of value, highest first
        self.triage = float(pp.triage[p])
        self.ranked: list[list[list[int]]] = []
        for m in range(self.M):
            groups = []
            for r in users.ranks:
                members = [u for u in self.rows_of[m] if users.rank[u] == r]
                groups.append(sorted(members, key=lambda u: -float(pp.user_value[p, u])))
            self.ranked.append(groups)

    def set_up_state(self) -> None:
        """The rest of the path's state at the start: stockpiles, ramps, backlogs and the event log's flags."""
        pp, p = self.pp, self.p
        self.conv_order = [0.0] * len(pp.conv_k)  # (Q,) t ordered yesterday from each conversion, made today
        self.window_end = pp.first_start[p] + pp.window[p]  # (S,) last day of each sector's catch-up window
        self.stockpile = [simpy.Container(self.env, init=float(pp.stock0[p, m])) for m in range(self.M)]
        self.released = [0.0] * self.M  # (M,) t released from the stockpile so far
        self.pipeline = [0.0] * self.M  # (M,) t ordered and not yet arrived
        self.backlog = [0.0] * self.S  # (S,) days of output to make up
        self.capacity_done = np.zeros((self.K, self.M))  # shares of the ramps done
        self.thrift_done = np.zeros((self.S, self.M))
        self.substitution_done = np.zeros((self.S, self.M))
        self.target = pp.target[p]  # (M,) t, the order-up-to position before a disruption is known
        self.cohort_stopped = [[False] * self.C for _ in range(self.S)]  # for the event log
        self.stopped = [False] * self.S
        self.empty = [False] * self.M

    def tell(self, event: Callable[_Fields, Event], *args: _Fields.args, **kwargs: _Fields.kwargs) -> None:
        """Event log: add the line ``event`` (one of the wording functions above) makes of the fields given.

        Nothing is worded when the path keeps no log.
        """
        if self.log is not None:
            self.log.append(event(*args, **kwargs))

    def msum(self, x: list[list[float]], m: int, members: list[int] | None = None) -> float:
        """Sum of ``x[u][c]`` over the uses of material m (or ``members``) and cohorts.

        Uses in order within each cohort, then cohorts in order (as the vectorised engine adds them).
        """
        rows = self.rows_of[m] if members is None else members
        total = 0.0
        for c in range(self.C):
            inner = x[rows[0]][c]
            for u in rows[1:]:
                inner += x[u][c]
            total = inner if c == 0 else total + inner
        return float(total)

    def level(self, m: int) -> float:
        """Corporate inventory of material m over all firms, t."""
        if not self.rows_of[m]:
            return 0.0
        return self.msum([[c.level for c in self.inventory[u]] for u in range(self.U)], m)

    def conversion_capacity(self, q: int) -> float:
        """Today's capacity of conversion q, t/day: baseline output plus the spare capacity ramped up so far."""
        pp, p = self.pp, self.p
        k, m = int(pp.conv_k[q]), int(pp.conv_m[q])
        return float(pp.share[p, k, m] * self.demand[m] + pp.extra[p, k, m] * self.capacity_done[k, m])

    def normal_stock(self, u: int, c: int) -> float:
        """Normal stock of use u's cohort c, t: its cover of its use (a conversion's at today's capacity)."""
        q = int(self.users.conversion[u])
        if q < 0:
            return self.normal[u][c]
        pp, p = self.pp, self.p
        input_per_day = float(pp.user_recipe[p, u]) * self.conversion_capacity(q)
        return float(pp.user_cover[p, u, c] * (self.cohort_weight[c] * input_per_day))

    def _total_base(self, rows: list[int]) -> float:
        """Total baseline use of the uses ``rows``, t/day, added in order."""
        total = self.base[rows[0]]
        for u in rows[1:]:
            total += self.base[u]
        return total

    def _share(self, rows: list[int], share: list[list[float]]) -> None:
        """Write each firm of ``rows``' share of their total baseline use into ``share`` (U x C)."""
        total = self._total_base(rows)
        for u in rows:
            for c in range(self.C):
                share[u][c] = self.cohort_weight[c] * (self.base[u] / total) if total > 0.0 else 0.0

    def wait_until(self, time: float) -> simpy.Timeout:
        """The event to yield to wait until ``time`` (a timeout of 0 if it has passed).

        Parameters
        ----------
        time : float
            Days since the start: a day ``t`` plus a phase's time of day (:data:`~simulator.engines.rules.SIMPY_TIME`).

        Returns
        -------
        simpy.Timeout
            A timeout of ``max(time - now, 0)`` days.
        """
        return self.env.timeout(max(time - self.env.now, 0.0))

    def active_measure(self, k: int, m: int, t: int) -> int:
        """Index of the measure on source k and material m active on day t, or -1."""
        pp, p = self.pp, self.p
        for j in range(len(pp.kind)):
            if pp.msource[j] == k and pp.mmat[j, m] and pp.start[p, j] <= t < pp.end[p, j]:
                return j
        return -1

    def shipment(self, k: int, m: int, q: float, arrive: int, initial: bool = False) -> Generator[Any, Any, None]:
        """A shipment in transit: arrives at the dock on day ``arrive``."""
        if arrive >= self.T:
            return
        yield self.wait_until(arrive + _ARRIVE)
        self.out.arrivals[self.p, arrive, k, m] += q
        if not initial and self.pp.premium[self.p, k, m] > 0:
            self.tell(event_log.shipment_arrives, arrive, self.material_ids[m], self.source_ids[k], q)
