"""The SimPy engine's licence offices: one queue per licensed (measure, source, material), the applications
filed into it and the ministry's decisions on them (phase DECIDE), with the event log's account of each
application."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simulator.engines import event_log
from simulator.engines.formulas import decision_day, review_days
from simulator.engines.rules import REGIME_END_TIME, SIMPY_TIME, MeasureKind, Phase
from simulator.engines.simpy_path import _PathState

# times of day of the processes: the shared daily step (simulator.engines.rules)
_LIFT = REGIME_END_TIME

_DECIDE = SIMPY_TIME[Phase.DECIDE]


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


class _LicenceOffices(_PathState):
    """A path's licence offices (``offices``, ``office_of``): applications filed, decided and released."""

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
