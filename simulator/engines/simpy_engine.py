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

The event log's lines are worded in one place, :mod:`simulator.engines.event_log`; the model calls
its functions through ``_Path.tell`` with structured fields (ids, days, tonnes, shares).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any, NamedTuple, ParamSpec

import numpy as np
import simpy

from simulator.engines import event_log
from simulator.engines.params import (
    NEVER,
    PathParams,
    criticality_on,
    decision_day,
    pass_share,
    ramp_fraction,
    review_days,
)
from simulator.engines.rules import (
    DOCK_TIME,
    ENOUGH,
    REGIME_END_TIME,
    SIMPY_TIME,
    STOPPAGE,
    MeasureKind,
    Phase,
    licence_calendar,
)
from simulator.engines.trajectories import Event, Trajectories
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["ENOUGH", "STOPPAGE", "simulate_simpy"]

# times of day of the processes: the shared daily step (simulator.engines.rules)
_RAMP = SIMPY_TIME[Phase.RAMPS]

_ARRIVE = DOCK_TIME

_RECEIVE = SIMPY_TIME[Phase.ARRIVALS]

_STOCKPILE = SIMPY_TIME[Phase.STOCKPILE]

_PRODUCE = SIMPY_TIME[Phase.PRODUCE]

_LIFT = REGIME_END_TIME

_DECIDE = SIMPY_TIME[Phase.DECIDE]

_ORDER = SIMPY_TIME[Phase.ORDER]

_RECORD = SIMPY_TIME[Phase.RECORD]

_Fields = ParamSpec("_Fields")


class _Needs(NamedTuple):
    """What each firm needs today (phase REQUIREMENTS), per use u (a row of ``PathParams.users``) and cohort c.

    Attributes
    ----------
    catch_up : list of float, length S
        Each sector's planned catch-up ``e_s = min(overtime, backlog)``, share of daily output.
    need : list of list of float, shape (U, C), t/day
        The firm's need ``n_{u,c}`` (its baseline use less thrift, or a conversion's input for its order).
    catch_up_need : list of list of float, shape (U, C), t/day
        The firm's need for catch-up, ``e_s x n_{u,c}`` (0 for a conversion's firm).
    """

    catch_up: list[float]
    need: list[list[float]]
    catch_up_need: list[list[float]]


class _Met(NamedTuple):
    """The shares of each firm's needs met today (phase CONSUME), per use and cohort, shape (U, C), in [0, 1].

    Attributes
    ----------
    need : list of list of float
        ``r_{u,c}``: of its need.
    catch_up : list of list of float
        ``r^cu_{u,c}``: of its catch-up need.
    """

    need: list[list[float]]
    catch_up: list[list[float]]


def _use_own_stock(have: float, need: float, catch_up_need: float, normal: float,
                   catches_up: bool) -> tuple[float, float, float, float]:
    """What one firm cohort uses of its own stock today (phase CONSUME, docs/model.md "The daily step", 4).

    It meets its ``need`` if short by at most ``ENOUGH`` of it, else uses all
    it has; a sector's firm (``catches_up``) then meets its ``catch_up_need``
    from what it holds above its ``normal`` stock only, on the same rule.

    Parameters
    ----------
    have : float
        The firm's stock, t.
    need, catch_up_need : float
        Its needs today, t/day.
    normal : float
        Its normal stock, t.
    catches_up : bool
        A sector's firm (a conversion's firm makes no catch-up).

    Returns
    -------
    used : float
        Taken from its stock, t.
    short : float
        Need and catch-up need not met, t/day.
    need_met, catch_up_met : float
        Shares of its need and of its catch-up need met, in [0, 1].
    """
    need_met, catch_up_met, short = 1.0, 1.0, 0.0
    if need <= have + ENOUGH * need:
        left = max(have - need, 0.0)
    else:
        need_met = have / need
        short = need - have
        left = 0.0
    if catches_up:
        surplus = max(left - normal, 0.0)
        if catch_up_need <= surplus + ENOUGH * catch_up_need:
            left = max(left - catch_up_need, 0.0)
        else:
            catch_up_met = surplus / catch_up_need
            short += catch_up_need - surplus
            left = left - surplus
    return have - left, short, need_met, catch_up_met


class _Lot:
    """One licence application, for the event log: its number (1, 2, ... in its office), day filed and tonnes."""

    __slots__ = ("filed", "number", "tonnes")

    def __init__(self, number: int, filed: int, tonnes: float) -> None:
        self.number, self.filed, self.tonnes = number, filed, tonnes


class _Office:
    """The licence queue of one licensed (measure, source, material).

    ``due`` maps a decision day to the volume due for decision that day (added
    in the order applications enter the queue); ``waiting`` is the volume
    waiting for the ministry's capacity. ``lots`` and ``queued`` follow each
    application's share for the event log only: the parts of one application due on one day (or waiting)
    are one entry, so the log tells each application once a day and its bookkeeping grows with the
    applications, not with the ways their parts were split.
    """

    def __init__(self, j: int, k: int, m: int, key: str, name: str) -> None:
        self.j, self.k, self.m, self.key, self.name = j, k, m, key, name
        self.due: dict[int, float] = {}
        self.waiting = 0.0
        self.lots: list[_Lot] = []
        self.queued: dict[int, dict[_Lot, float]] = {}
        self.waiting_lots: dict[_Lot, float] = {}


class _Path:
    """One Monte Carlo path: its state, its processes (one per phase of the day) and its records.

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

    def set_up_pipeline(self) -> None:
        """Goods already on their way on day 0: the baseline flow of each source over its transit time, t/day.

        A conversion's last day of it is the order it makes on day 0.
        """
        pp, p = self.pp, self.p
        for k in range(self.K):
            for m in range(self.M):
                flow = float(pp.share[p, k, m] * self.demand[m])
                if flow > 0.0:
                    n_days = int(pp.transit[p, k])
                    for day in range(n_days):
                        self.pipeline[m] += flow
                        if (k, m) in self.conv_of_edge and day == n_days - 1:
                            self.conv_order[self.conv_of_edge[(k, m)]] = flow
                        else:
                            self.env.process(self.shipment(k, m, flow, day, initial=True))

    def set_up_offices(self) -> None:
        """One licence queue per licensed (measure, source, material), in the vectorised engine's order."""
        pp = self.pp
        self.offices: list[_Office] = []
        self.office_of: dict[tuple[int, int], _Office] = {}
        for j, name in enumerate(self.sc.measure_ids):
            if pp.kind[j] == MeasureKind.LICENCE:
                k = int(pp.msource[j])
                for m in range(self.M):
                    if pp.mmat[j, m]:
                        office = _Office(j, k, m, f"{name}/{self.material_ids[m]}", name)
                        self.offices.append(office)
                        self.office_of[(j, m)] = office

    # ------------------------------------------------------------ helpers
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

    def deliver(self, m: int, amount: float, gap: list[list[float]], excess: bool) -> list[list[float]]:
        """Share a delivery of material m among the firms using it.

        Rank by rank (``priority``), each firm's ``gap`` is filled if the
        amount left covers the rank's gaps; otherwise the amount left is
        shared within the rank, ``(1 - triage)`` of it pro rata to the gaps
        and ``triage`` to the uses in order of the value added a tonne saves
        (each use's gap in full before the next; its cohorts pro rata to
        their gaps). With ``excess``, what is left after every gap is shared
        by baseline use among the sectors' firms (``excess_share``).

        Parameters
        ----------
        m : int
            The material.
        amount : float
            The delivery, t.
        gap : list of list of float, shape (U, C), t
            Each firm's gap (rows of material m read).
        excess : bool
            Share what is left after every gap (arrivals) or keep it (stockpile releases).

        Returns
        -------
        list of list of float, shape (U, C), t
            What each firm receives (0 outside material m's rows).
        """
        given = [[0.0] * self.C for _ in range(self.U)]
        left = amount
        for members in self.ranked[m]:
            if not members:
                continue
            in_rank = sorted(members)
            rank_gap = self.msum(gap, m, in_rank)
            if rank_gap <= 0.0:
                continue
            if left >= rank_gap:
                for u in in_rank:
                    for c in range(self.C):
                        given[u][c] = gap[u][c]
                left = left - rank_gap
                continue
            for u in in_rank:
                for c in range(self.C):
                    given[u][c] = left * (gap[u][c] / rank_gap)
            if self.triage > 0.0:
                before = 0.0
                for u in members:  # by value, highest first
                    use_gap = gap[u][0]
                    for c in range(1, self.C):
                        use_gap += gap[u][c]
                    give = min(use_gap, max(left - before, 0.0))
                    before += use_gap
                    for c in range(self.C):
                        greedy = give * (gap[u][c] / use_gap) if use_gap > 0.0 else 0.0
                        given[u][c] = (1.0 - self.triage) * given[u][c] + self.triage * greedy
            left = 0.0
        if excess and left > 0.0:
            for u in self.rows_of[m]:
                for c in range(self.C):
                    given[u][c] = given[u][c] + left * self.excess_share[u][c]
        return given

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
        return self.env.timeout(max(time - self.env.now, 0.0))

    def active_measure(self, k: int, m: int, t: int) -> int:
        """Index of the measure on source k and material m active on day t, or -1."""
        pp, p = self.pp, self.p
        for j in range(len(pp.kind)):
            if pp.msource[j] == k and pp.mmat[j, m] and pp.start[p, j] <= t < pp.end[p, j]:
                return j
        return -1

    # ---------------------------------------------------------- processes
    def shipment(self, k: int, m: int, q: float, arrive: int, initial: bool = False) -> Generator[Any, Any, None]:
        """A shipment in transit: arrives at the dock on day ``arrive``."""
        if arrive >= self.T:
            return
        yield self.wait_until(arrive + _ARRIVE)
        self.out.arrivals[self.p, arrive, k, m] += q
        if not initial and self.pp.premium[self.p, k, m] > 0:
            self.tell(event_log.shipment_arrives, arrive, self.material_ids[m], self.source_ids[k], q)

    def receiving(self) -> Generator[Any, Any, None]:
        """Step 1: the day's arrivals at the dock are delivered to the firms using each material.

        A firm's gap is to its normal stock; a conversion's firm's to the larger of its normal stock and the
        recipe's input for what was ordered from it yesterday (made today): with less than a day of cover it
        still gets its day's input, as a sector's firm gets its day's use from what is left over every gap.
        """
        out, p = self.out, self.p
        for t in range(self.T):
            yield self.wait_until(t + _RECEIVE)
            for m in range(self.M):
                total = 0.0
                for k in range(self.K):
                    total += out.arrivals[p, t, k, m]
                if total > 0.0:
                    rows = self.rows_of[m]
                    gap = [[0.0] * self.C for _ in range(self.U)]
                    for u in rows:
                        q = int(self.users.conversion[u])
                        for c in range(self.C):
                            claim = self.normal_stock(u, c)
                            if q >= 0:  # a conversion's firm: at least the input for what it makes today
                                recipe = float(self.pp.user_recipe[self.p, u])
                                claim = max(claim, (self.cohort_weight[c] * recipe) * self.conv_order[q])
                            gap[u][c] = max(claim - self.inventory[u][c].level, 0.0)
                    given = self.deliver(m, total, gap, excess=True)
                    for u in rows:
                        for c in range(self.C):
                            if given[u][c] > 0.0:
                                yield self.inventory[u][c].put(given[u][c])
                    self.pipeline[m] -= total

    def licensing(self) -> Generator[Any, Any, None]:
        """The licensing ministry: ends regimes and takes each day's decisions, office by office."""
        for t in range(self.T):
            yield self.wait_until(t + _LIFT)
            for office in self.offices:
                if int(self.pp.end[self.p, office.j]) == t:
                    self.end_regime(office, t)
            yield self.wait_until(t + _DECIDE)
            for office in self.offices:
                self.decide(office, t)

    def file(self, office: _Office, tonnes: float, t: int) -> None:
        """Step 8 (licence): an application for ``tonnes`` t enters the queue on day t."""
        pp, p = self.pp, self.p
        regime = pp.licences[office.j]
        if regime is None:
            raise RuntimeError("filing under a measure that is not a licence")
        review = int(review_days(self.draws.licence_days[office.key][p, t], float(regime.accept[p])))
        due = int(decision_day(t, review, self.working_days_through, self.working_day_date))
        office.due[due] = office.due.get(due, 0.0) + tonnes
        if self.log is not None:
            lot = _Lot(len(office.lots) + 1, t, tonnes)
            office.lots.append(lot)
            office.queued.setdefault(due, {})[lot] = 1.0
            self.tell(event_log.application, t, office.name, lot.number, self.material_ids[office.m],
                      self.source_ids[office.k], tonnes, review, due)

    def decide(self, office: _Office, t: int) -> None:
        """Step 7a: the applications due today (and any waiting for capacity) are decided.

        Of the volume decided, the approve share ships, the reject share
        returns to unfilled demand and the rest stays pending: it is decided
        again after another processing time. With a capacity, at most that
        much is decided a working day and the rest waits.
        """
        pp, p = self.pp, self.p
        regime = pp.licences[office.j]
        if regime is None:
            return
        due = office.due.pop(t, 0.0) + office.waiting
        if due <= 0.0:
            return
        phase = regime.phase(t)
        if regime.limited:
            decided = min(due, float(regime.capacity[p, phase])) if (pp.start_weekday + t) % 7 < 5 else 0.0
            office.waiting = due - decided
        else:
            decided = due
        approved = decided * float(regime.approve[p, phase])
        rejected = decided * float(regime.reject[p, phase])
        pending = decided * float(regime.pending[p, phase])
        k, m = office.k, office.m
        arrive = t + int(pp.transit[p, k])
        if approved > 0.0:
            self.env.process(self.shipment(k, m, approved, arrive))
        if rejected > 0.0:
            self.out.denied[p, t, m] += rejected  # leaves the pipeline when the importer next orders
        again = t
        if pending > 0.0:
            review = int(review_days(self.draws.licence_days[office.key][p, t], 0.0))
            again = int(decision_day(t, review, self.working_days_through, self.working_day_date))
            office.due[again] = office.due.get(again, 0.0) + pending
        if self.log is not None:
            self.log_decisions(office, t, due, decided, phase, arrive, again)

    def log_decisions(self, office: _Office, t: int, due: float, decided: float, phase: int, arrive: int,
                      again: int) -> None:
        """Event log: each application's share of today's decisions.

        ``due`` and ``decided`` (t) are today's volumes due and decided under the regime's ``phase``;
        approved volume arrives on day ``arrive``, pending volume is decided again on day ``again``.
        """
        regime = self.pp.licences[office.j]
        if regime is None:
            return
        p = self.p
        lots = office.queued.pop(t, {})
        for lot, share in office.waiting_lots.items():
            lots[lot] = lots.get(lot, 0.0) + share
        office.waiting_lots = {}
        share_decided = decided / due if due > 0.0 else 0.0
        approve, reject = float(regime.approve[p, phase]), float(regime.reject[p, phase])
        still_pending = float(regime.pending[p, phase])
        for lot, share in lots.items():
            part = share * share_decided
            pending, waiting = None, None
            if part * still_pending > 0.0:
                later = office.queued.setdefault(again, {})
                later[lot] = later.get(lot, 0.0) + part * still_pending
                pending = lot.tonnes * part * still_pending
            if share - part > 0.0:
                office.waiting_lots[lot] = office.waiting_lots.get(lot, 0.0) + (share - part)
                waiting = lot.tonnes * (share - part)
            self.tell(event_log.decision, t, office.name, lot.number, lot.filed, lot.tonnes, self.material_ids[office.m],
                      lot.tonnes * part * approve, arrive, lot.tonnes * part * reject, pending, again, waiting)

    def end_regime(self, office: _Office, t: int) -> None:
        """A licence regime ends: every application still pending ships."""
        total = office.waiting
        for day in sorted(office.due):
            total += office.due[day]
        office.due.clear()
        office.waiting = 0.0
        if total > 0.0:
            arrive = t + int(self.pp.transit[self.p, office.k])
            self.env.process(self.shipment(office.k, office.m, total, arrive))
            self.tell(event_log.regime_over, t, office.name, self.material_ids[office.m], total, arrive)
        office.queued.clear()
        office.waiting_lots = {}

    def stockpile_agency(self) -> Generator[Any, Any, None]:
        """Releases the national stockpile.

        The agency opens the stockpile ``decision_lag_days`` after a disruption
        of the material is known (a measure's start day). From then on, on any
        day some firm cohort's inventory is below the trigger cover, it tops
        the cohorts up towards the trigger (pro rata to their gaps), at most
        ``max_release_per_day`` in all, until the stockpile is empty.
        """
        pp, p = self.pp, self.p
        opened = [False] * self.M
        for t in range(self.T):
            yield self.wait_until(t + _STOCKPILE)
            for m in range(self.M):
                if pp.trigger[p, m] >= NEVER or t < pp.trigger[p, m] + pp.stock_lag[p, m]:
                    continue
                if not opened[m] and self.stockpile[m].level > 0.0:
                    opened[m] = True
                    self.tell(event_log.stockpile_opens, t, self.material_ids[m], pp.stock_trigger[p, m] / self.demand[m])
                # each firm's gap to its share of the trigger cover
                rows = self.rows_of[m]
                if not rows:
                    continue
                need = [[0.0] * self.C for _ in range(self.U)]
                for u in rows:
                    for c in range(self.C):
                        trigger = float(pp.stock_trigger[p, m] * self.trigger_share[u][c])
                        need[u][c] = max(trigger - self.inventory[u][c].level, 0.0)
                total_need = self.msum(need, m)
                if total_need > 0.0:
                    release = min(min(self.stockpile[m].level, float(pp.stock_rate[p, m])), total_need)
                    if release > 0.0:
                        yield self.stockpile[m].get(release)
                        given = self.deliver(m, release, need, excess=False)
                        for u in rows:
                            for c in range(self.C):
                                if given[u][c] > 0.0:
                                    yield self.inventory[u][c].put(given[u][c])
                        self.out.release[p, t, m] = release
                        self.released[m] += release
                        self.tell(event_log.release, t, self.material_ids[m], release, self.stockpile[m].level)

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
        ``ramp(t; begin, days)`` (:func:`~simulator.engines.params.ramp_fraction`),
        as the vectorised engine's :func:`~simulator.engines.phases.ramps` computes it.

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

    # ------------------------------------------ steps 3-6: one process at t + 0.50, one method per phase
    def production(self) -> Generator[Any, Any, None]:
        """Phases REQUIREMENTS, CONSUME, CONVERT and PRODUCE, in that order, at ``t + 0.50`` each day.

        docs/model.md, "The daily step", 3-6: the vectorised engine's
        :func:`~simulator.engines.phases.requirements`,
        :func:`~simulator.engines.phases.consume`,
        :func:`~simulator.engines.phases.convert` and
        :func:`~simulator.engines.phases.produce`, one method each.
        """
        for t in range(self.T):
            yield self.wait_until(t + _PRODUCE)
            needs = self.requirements(t)
            met = yield from self.consume(t, needs)
            self.convert(t, met)
            self.produce(t, needs, met)

    def requirements(self, t: int) -> _Needs:
        """Phase REQUIREMENTS (docs/model.md, "The daily step", 3): what each firm needs today.

        A sector's backlog is dropped after its catch-up window; it plans to
        make up ``e_s = min(overtime, backlog)``. A sector's firm needs its
        cohort's share of its baseline use less thrift, ``(w_c x b_u) x (1 -
        h_{s,m})``, and for catch-up ``((w_c x b_u) x e_s) x (1 - h_{s,m})``;
        a conversion's firm needs the recipe's input for what was ordered from
        the conversion yesterday, ``(w_c x a_u) x O_q``, and no catch-up.

        Parameters
        ----------
        t : int
            The day, 0-based.

        Returns
        -------
        _Needs
            ``catch_up`` (S,) share of daily output; ``need`` and
            ``catch_up_need`` (U, C) t/day.

        Notes
        -----
        Reads ``window_end`` (S,) day, ``pp.overtime`` (S,) share of daily output, ``pp.thrift`` (S, M) share,
        ``thrift_done`` (S, M) share of the thrift ramp done, ``base`` (U,) t/day, ``pp.user_recipe`` (U,) t per t,
        ``conv_order`` (Q,) t.

        Writes ``backlog`` (S,) days of output (0 after the catch-up window).
        """
        pp, p, users = self.pp, self.p, self.users
        catch_up = [0.0] * self.S
        for s in range(self.S):
            if t > self.window_end[s]:
                self.backlog[s] = 0.0
            catch_up[s] = min(float(pp.overtime[p, s]), self.backlog[s])
        need = [[0.0] * self.C for _ in range(self.U)]
        catch_up_need = [[0.0] * self.C for _ in range(self.U)]
        for u in range(self.U):
            s, q, m = int(users.sector[u]), int(users.conversion[u]), int(users.material[u])
            for c in range(self.C):
                if s >= 0:
                    keep = 1.0 - pp.thrift[p, s, m] * self.thrift_done[s, m]
                    need[u][c] = (self.cohort_weight[c] * self.base[u]) * keep
                    catch_up_need[u][c] = ((self.cohort_weight[c] * self.base[u]) * catch_up[s]) * keep
                else:
                    need[u][c] = (self.cohort_weight[c] * float(pp.user_recipe[p, u])) * self.conv_order[q]
        return _Needs(catch_up, need, catch_up_need)

    def consume(self, t: int, needs: _Needs) -> Generator[Any, Any, _Met]:
        """Phase CONSUME (docs/model.md, "The daily step", 4): each firm uses its own stock (firms do not pool).

        A firm meets its need if it is short by at most ``ENOUGH`` of it, else
        it uses all it has; catch-up uses only material above the firm's
        normal stock, so overtime never eats into the buffer that protects
        tomorrow's output (:func:`_use_own_stock`). Firms take from their
        containers material by material, cohort by cohort, use by use.

        Parameters
        ----------
        t : int
            The day, 0-based.
        needs : _Needs
            Today's :meth:`requirements`.

        Returns
        -------
        _Met
            The shares of each firm's need and catch-up need met, (U, C), in [0, 1].

        Notes
        -----
        Reads and takes from ``inv`` (U, C) t; reads ``normal`` (U, C) t.

        Writes ``out.requirement``, ``out.consumption``, ``out.shortfall`` (M,) t/day on day ``t``: sums over
        the firms of each material in use order within a cohort, then cohorts (:meth:`msum`), as the
        vectorised engine adds them; ``empty`` (M,) (the stock-out event).
        """
        out, p, users = self.out, self.p, self.users
        met = _Met([[1.0] * self.C for _ in range(self.U)], [[1.0] * self.C for _ in range(self.U)])
        required = [[0.0] * self.C for _ in range(self.U)]
        used = [[0.0] * self.C for _ in range(self.U)]
        short = [[0.0] * self.C for _ in range(self.U)]
        for m in range(self.M):
            rows = self.rows_of[m]
            for c in range(self.C):
                for u in rows:
                    need, catch_up_need = needs.need[u][c], needs.catch_up_need[u][c]
                    used[u][c], short[u][c], met.need[u][c], met.catch_up[u][c] = _use_own_stock(
                        self.inventory[u][c].level, need, catch_up_need, self.normal[u][c], bool(users.sector[u] >= 0))
                    if used[u][c] > 0.0:
                        yield self.inventory[u][c].get(used[u][c])
                    required[u][c] = need + catch_up_need
            total_required, total_used, total_short = 0.0, 0.0, 0.0
            if rows:
                total_required = self.msum(required, m)
                total_used = self.msum(used, m)
                total_short = self.msum(short, m)
            out.requirement[p, t, m] = total_required
            out.consumption[p, t, m] = total_used
            out.shortfall[p, t, m] = total_short
            self.watch_stock(t, m, total_required, total_short)
        return met

    def watch_stock(self, t: int, m: int, required: float, short: float) -> None:
        """Event log: every firm's stock of material m has run out while some firm needs it (once until refilled).

        ``required`` and ``short`` are today's requirement and shortfall of the material, t/day.
        """
        level = self.level(m)
        if level == 0.0 and required > 0.0 and not self.empty[m]:
            self.empty[m] = True
            self.tell(event_log.stock_out, t, self.material_ids[m], short)
        elif level > 0.0:
            self.empty[m] = False

    def convert(self, t: int, met: _Met) -> None:
        """Phase CONVERT (docs/model.md, "The daily step", 4): domestic conversions make yesterday's orders.

        Each conversion makes what was ordered from it yesterday as its
        scarcest input allows (:meth:`conversion_output`); what it makes
        ships, arriving after the edge's transit time less the day it took to
        make; what it could not make leaves the pipeline as denied.

        Parameters
        ----------
        t : int
            The day, 0-based.
        met : _Met
            Today's shares of need met (:meth:`consume`), of the conversions' input firms.

        Notes
        -----
        Reads and clears ``conv_order`` (Q,) t; reads ``pp.transit`` (K,) days.

        Writes a :meth:`shipment` of what each conversion makes, t, and adds what it could not make to
        ``out.denied`` (M,) t on day ``t``.
        """
        pp, p, out = self.pp, self.p, self.out
        for q in range(len(self.conv_rows)):
            order = self.conv_order[q]
            self.conv_order[q] = 0.0
            if order <= 0.0:
                continue
            made = self.conversion_output(q, order, met)
            k, m = int(pp.conv_k[q]), int(pp.conv_m[q])
            if made > 0.0:
                self.env.process(self.shipment(k, m, made, t - 1 + int(pp.transit[p, k])))
            out.denied[p, t, m] += order - made  # not made for lack of inputs: leaves the pipeline
            if made < order * STOPPAGE:
                self.tell(event_log.conversion_short, t, self.source_ids[k], self.material_ids[m], made, order)

    def conversion_output(self, q: int, order: float, met: _Met) -> float:
        """What conversion q makes of an ``order`` (t) today, t.

        Each cohort makes its share ``w_c`` of the order times the least share
        of need met over its inputs; the sum, at most the order, is exactly the
        order when no cohort is short of an input and exactly 0 when every
        cohort has none.
        """
        made, full = 0.0, True
        for c in range(self.C):
            scarcest = 1.0
            for u in self.conv_rows[q]:
                scarcest = min(scarcest, met.need[u][c])
            full = full and scarcest == 1.0
            part = (self.cohort_weight[c] * order) * scarcest
            made = part if c == 0 else made + part
        return order if full else min(made, order)

    def produce(self, t: int, needs: _Needs, met: _Met) -> None:
        """Phase PRODUCE (docs/model.md, "The daily step", 5-6): output, lost output and catch-up of each sector.

        A cohort's output is :meth:`cohort_output`; at full output it makes up
        ``e_s`` times its catch-up output. A sector's output fraction and
        catch-up made are the cohorts' weighted sums; ``catch_share`` of the
        loss joins the backlog and the catch-up made leaves it.

        Parameters
        ----------
        t : int
            The day, 0-based.
        needs : _Needs
            Today's :meth:`requirements` (``catch_up``, (S,) share of daily output).
        met : _Met
            Today's shares of need met (:meth:`consume`).

        Notes
        -----
        Reads ``pp.crit``, ``pp.crit_floor`` and ``substitution_done`` (S, M) (today's criticality,
        :func:`~simulator.engines.params.criticality_on`), ``pp.catch_share`` (S,), ``pp.daily_output``
        (S,) currency/day.

        Writes ``backlog`` (S,) days of output; ``out.output_fraction`` and ``out.output`` (S,) share of
        daily output and ``out.lost_output`` (S,) currency/day on day ``t``; ``stopped`` and
        ``cohort_stopped`` (the output-cut and firms-stop events).
        """
        pp, p, out = self.pp, self.p, self.out
        for s in range(self.S):
            criticality = criticality_on(pp.crit[p, s], pp.crit_floor[p, s], self.substitution_done[s])
            fraction, made_up = 0.0, 0.0
            for c in range(self.C):
                cohort_fraction, catch_up_fraction = self.cohort_output(s, c, criticality, met)
                cohort_made_up = needs.catch_up[s] * catch_up_fraction if cohort_fraction == 1.0 else 0.0
                if c == 0:
                    fraction, made_up = self.cohort_weight[c] * cohort_fraction, self.cohort_weight[c] * cohort_made_up
                else:
                    fraction += self.cohort_weight[c] * cohort_fraction
                    made_up += self.cohort_weight[c] * cohort_made_up
                self.watch_cohort(t, s, c, cohort_fraction)
            loss = 1.0 - fraction
            self.backlog[s] = max(self.backlog[s] + pp.catch_share[p, s] * loss - made_up, 0.0)
            out.output_fraction[p, t, s] = fraction
            out.output[p, t, s] = fraction + made_up
            out.lost_output[p, t, s] = (loss - made_up) * pp.daily_output[p, s]
            self.watch_sector(t, s, fraction)

    def cohort_output(self, s: int, c: int, criticality: np.ndarray, met: _Met) -> tuple[float, float]:
        """Sector s's cohort c's output and catch-up output today, shares of plan.

        The minimum over the materials it uses of ``1 - κ_{s,m} x (1 - r)``,
        with ``r`` the share of its need met (output, ``f_{s,c}``) or of its
        catch-up need met (catch-up, ``g_{s,c}``); ``criticality`` is today's
        ``κ_{s,m}``, shape (M,).
        """
        fraction, catch_up_fraction = 1.0, 1.0
        for u in self.sector_rows[s]:
            m = int(self.users.material[u])
            fraction = min(fraction, 1.0 - criticality[m] * (1.0 - met.need[u][c]))
            catch_up_fraction = min(catch_up_fraction, 1.0 - criticality[m] * (1.0 - met.catch_up[u][c]))
        return fraction, catch_up_fraction

    def watch_cohort(self, t: int, s: int, c: int, fraction: float) -> None:
        """Event log (with several cohorts): sector s's cohort c stops (output ``fraction`` below ``STOPPAGE``
        of plan) or resumes."""
        if self.C > 1 and fraction < STOPPAGE and not self.cohort_stopped[s][c]:
            self.cohort_stopped[s][c] = True
            self.tell(event_log.cohort_stops, t, self.sector_ids[s], c, self.C, self.covers(s, c), fraction)
        elif self.C > 1 and fraction >= STOPPAGE and self.cohort_stopped[s][c]:
            self.cohort_stopped[s][c] = False
            self.tell(event_log.cohort_resumes, t, self.sector_ids[s], c, self.C, fraction)

    def watch_sector(self, t: int, s: int, fraction: float) -> None:
        """Event log: sector s's output (``fraction`` of plan) falls below ``STOPPAGE`` or recovers."""
        if fraction < STOPPAGE and not self.stopped[s]:
            self.stopped[s] = True
            self.tell(event_log.output_cut, t, self.sector_ids[s], fraction)
        elif fraction >= STOPPAGE and self.stopped[s]:
            self.stopped[s] = False
            self.tell(event_log.recovery, t, self.sector_ids[s], fraction)

    def covers(self, s: int, c: int) -> list[tuple[str, float]]:
        """Sector s's cohort c's normal cover of each material it uses: (material id, days), in use order."""
        return [(self.material_ids[int(self.users.material[u])], float(self.pp.user_cover[self.p, u, c]))
                for u in range(self.U) if self.users.sector[u] == s]

    def split(self, m: int, order: float, measure_on: list[int]) -> np.ndarray:
        """Split an ``order`` (t) of material m over sources once a disruption is known.

        Sources under no measure (alternatives) get the share at risk first, up
        to their capacity (baseline flow plus the extra capacity ramped up so
        far), pro rata to capacity; the rest goes to the sources under a
        measure by baseline share. With no measure active, alternatives are
        every source and the rest is split by baseline share.
        """
        pp, p, demand = self.pp, self.p, float(self.demand[m])
        orders = np.zeros(self.K)
        affected = [k for k in range(self.K) if measure_on[k] >= 0]
        alternatives = [k for k in range(self.K) if measure_on[k] < 0]
        capacity = [pp.share[p, k, m] * demand + pp.extra[p, k, m] * self.capacity_done[k, m] for k in range(self.K)]
        for k in range(self.K):  # a conversion's capacity as importers see it: at most what its input stocks can make
            if (k, m) in self.conv_of_edge:
                for u in self.conv_rows[self.conv_of_edge[(k, m)]]:
                    stock = self.inventory[u][0].level
                    for c in range(1, self.C):
                        stock += self.inventory[u][c].level
                    capacity[k] = min(capacity[k], stock / float(pp.user_recipe[p, u]))
        alternative_capacity = 0.0
        for k in alternatives:
            alternative_capacity += capacity[k]
        if affected:
            at_risk = 0.0
            for k in affected:
                at_risk += pp.share[p, k, m] * (1.0 - pp.coverage[p, measure_on[k]])
            want = order * (1.0 - at_risk)
        else:
            want = order
        to_alternatives = min(alternative_capacity, want)
        if alternative_capacity > 0.0:
            for k in alternatives:
                orders[k] = to_alternatives * (capacity[k] / alternative_capacity)
        rest = order - to_alternatives
        if affected:
            base = 0.0
            for k in affected:
                base += pp.share[p, k, m]
            if base > 0.0:
                for k in affected:
                    orders[k] = rest * (pp.share[p, k, m] / base)
        else:
            for k in range(self.K):
                orders[k] += rest * pp.share[p, k, m]
        return orders

    def ship_or_apply(self, k: int, m: int, order: float, j: int, t: int) -> tuple[float, float]:
        """Step 8: what of an ``order`` (t) to source k ships and what needs a licence (measure j, or -1).

        Under a measure with coverage c, the uncovered users buy as before, up
        to their baseline flow, ``(1 - c) x min(order, baseline)``; the covered
        users' share ``c x order`` is dropped under a ban or quota except for the
        pass share of their baseline flow (quota plus leakage), or becomes a
        licence application (less the share exempted by general licences,
        whose users buy as uncovered users do). What is dropped is not
        re-ordered through the uncovered users: it stays unfilled.
        """
        pp, p, demand = self.pp, self.p, float(self.demand[m])
        ship, apply = order, 0.0
        if j >= 0:
            coverage = float(pp.coverage[p, j])
            base = pp.share[p, k, m] * demand
            covered = order * coverage
            ship = min(order, base) * (1.0 - coverage)
            regime = pp.licences[j]
            if regime is not None:  # licence: users exempted by general licences buy as uncovered users do
                exempt = float(regime.exempt[p, regime.phase(t)])
                leaked = self.leak(j, t)
                ship += min(order, base) * (coverage * exempt)
                # leakage: gets through without a licence
                ship += min(order, base) * ((coverage * (1.0 - exempt)) * leaked)
                apply = (covered * (1.0 - exempt)) * (1.0 - leaked)
            else:  # ban, quota: the covered users' pass share (quota, and leakage of the rest) of their baseline flow
                passing = float(pass_share(t, pp.quota[p, j], pp.leakage[p, j], pp.start[p, j], pp.leak_lag[p, j],
                                           pp.leak_days[p, j]))
                ship += min(covered, passing * coverage * base)
        return ship, apply

    def leak(self, j: int, t: int) -> float:
        """Measure j's leakage share on day t (built up from its lag over its ramp)."""
        pp, p = self.pp, self.p
        return float(pass_share(t, np.zeros(()), pp.leakage[p, j], pp.start[p, j], pp.leak_lag[p, j],
                                pp.leak_days[p, j]))

    def importer(self) -> Generator[Any, Any, None]:
        """Steps 7-8: order up to the target position, split over sources, ship or apply."""
        pp, p, out = self.pp, self.p, self.out
        for t in range(self.T):
            yield self.wait_until(t + _ORDER)
            premium_cost = 0.0
            for m in range(self.M):
                demand = float(self.demand[m])
                self.pipeline[m] -= out.denied[p, t, m]
                # released stockpile is a bridge, not a substitute for imports; material to make up
                # the sectors' backlog of lost output is ordered on top of the usual target
                for_backlog = 0.0
                for s in range(self.S):
                    for_backlog += (pp.use[p, s, m] * self.demand[m]) * self.backlog[s]
                measure_on = [self.active_measure(k, m, t) for k in range(self.K)]
                known = t >= pp.trigger[p, m]
                if known:
                    # the pipeline the current supply mix needs: a day's demand split as today's order would be
                    day_split = self.split(m, demand, measure_on)
                    lead = 0.0
                    for k in range(self.K):
                        lead += day_split[k] * float(pp.transit[p, k])
                    target = pp.cover[p, m] * demand + lead
                    # under a licence, importers also order ahead by the processing time they plan for
                    ahead, licensed = 0.0, False
                    for k in range(self.K):
                        regime = pp.licences[measure_on[k]] if measure_on[k] >= 0 else None
                        if regime is not None:
                            phase = regime.phase(t)
                            # importers plan for the wait of the whole flow needing a licence (not counting on leakage)
                            exempt = float(regime.exempt[p, phase])
                            needs_licence = float(pp.coverage[p, measure_on[k]]) * (1.0 - exempt)
                            ahead += day_split[k] * (needs_licence * float(regime.lead[p, phase]))
                            licensed = True
                    if licensed:
                        target = target + ahead
                else:
                    target = float(self.target[m])
                position = self.level(m) + self.pipeline[m]
                order = max(((target + self.released[m]) + for_backlog) - position, 0.0)
                orders = np.zeros(self.K)
                if order > 0.0 and not known:
                    for k in range(self.K):
                        orders[k] = pp.share[p, k, m] * order
                elif order > 0.0:
                    orders = self.split(m, order, measure_on)
                shipped, applied = 0.0, 0.0
                for k in range(self.K):
                    if orders[k] <= 0.0:
                        continue
                    j = measure_on[k]
                    ship, apply = self.ship_or_apply(k, m, orders[k], j, t)
                    # extra cost on shipments above the source's baseline flow, once a disruption is known
                    if known and pp.premium[p, k, m] > 0.0:
                        above_baseline = max(ship - pp.share[p, k, m] * demand, 0.0)
                        premium_cost += above_baseline * pp.price[p, m] * pp.premium[p, k, m]
                    if ship > 0.0:
                        shipped += ship
                        if (k, m) in self.conv_of_edge:  # a domestic conversion makes it tomorrow
                            self.conv_order[self.conv_of_edge[(k, m)]] = ship
                        else:
                            self.env.process(self.shipment(k, m, ship, t + int(pp.transit[p, k])))
                    if apply > 0.0:
                        applied += apply
                        self.file(self.office_of[(j, m)], apply, t)
                placed = shipped + applied
                self.pipeline[m] += placed
                out.placed[p, t, m] = placed
            out.premium_cost[p, t] = premium_cost

    def recorder(self) -> Generator[Any, Any, None]:
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
        Per-path parameters (from :func:`simulator.engines.params.resolve` on ``draws``).
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
