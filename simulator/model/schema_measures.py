"""The schema of export measures: bans, quotas and licence regimes (a queue of applications, with the changes of its
schedule), told apart by ``kind``.

Units: days of the run for start and end days, working days for licence processing, tonnes per working day for a
ministry's capacity, shares as fractions in [0, 1].
"""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Gt, Le
from pydantic import Field

from simulator.model.schema_base import Refs, Unit, _Frozen
from simulator.model.schema_prior import Prior

__all__ = ["Ban", "Licence", "LicencePhase", "Measure", "Quota"]


class _MeasureBase(_Frozen):
    source: str
    """Id of the exporting source the measure applies to."""
    materials: list[str] = Field(min_length=1)
    """Material ids covered."""
    start_day: Annotated[int, Ge(0), Le(3650), Unit("day")] = 0
    """First day the measure is active (day 0 is the first simulated day)."""
    end_day: Annotated[int, Ge(1), Le(36500), Unit("day")]
    """First day it is no longer active (active on start_day <= day < end_day)."""
    coverage: Annotated[float, Gt(0), Le(1), Unit("share")] = 1.0
    """Share of the source's flows of the covered materials the measure applies to."""
    leakage: Annotated[float, Ge(0), Le(1), Unit("share of the covered baseline flow")] = 0.0
    """Share of the covered users' baseline flow that gets through anyway once leakage has built up (re-routed through third countries, or imported inside finished components)."""
    leakage_lag_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 730))] = 0.0
    """Days from the measure's start to the start of leakage."""
    leakage_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 1825))] = 0.0
    """Days of linear build-up of leakage to its full share (0 with no lag: leakage from the start day)."""
    description: str = ""
    """What the measure is."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Ban(_MeasureBase):
    """The covered users cannot buy the source's material.

    ``coverage`` is the covered end users' share of the source's baseline
    flow; uncovered users buy as before, up to their baseline flow.
    ``leakage`` is the share of the covered users' baseline flow that gets
    through anyway once it has built up: from 0 on ``start_day +
    leakage_lag_days``, linearly over ``leakage_days`` (re-routing through
    third countries, finished components that carry the material).
    """

    kind: Literal["ban"]
    """``"ban"``."""


class Quota(_MeasureBase):
    """The covered users' shipments are capped at ``quota_share`` of their baseline flow.

    Uncovered users buy as before, up to their baseline flow; ``leakage`` is
    the share of the blocked rest that gets through anyway once it has built
    up (as a ban's).
    """

    kind: Literal["quota"]
    """``"quota"``."""
    quota_share: Annotated[float, Ge(0), Le(1), Unit("share of baseline flow")]
    """Covered shipments are capped at this share of their baseline flow."""


class LicencePhase(_Frozen):
    """A change to a licence regime from a given day on (a step of its schedule).

    Fields left out keep the value of the phase before. ``day`` is a day of the
    run (day 0 is the run's first day), after the measure's ``start_day``.
    """

    day: Annotated[int, Ge(0), Le(3650), Unit("day of the run")]
    """Day of the run from which the change holds."""
    processing_days: Prior | None = None
    """Prior of the processing time from this day, working days."""
    approve_share: Annotated[float, Ge(0), Le(1), Unit("share of the volume decided")] | None = None
    """Share of the volume decided that is approved, from this day."""
    reject_share: Annotated[float, Ge(0), Le(1), Unit("share of the volume decided")] | None = None
    """Share of the volume decided that is rejected, from this day."""
    exempt_share: Annotated[float, Ge(0), Le(1), Unit("share of the covered orders")] | None = None
    """Share of the covered users' orders exempted by general licences, from this day."""
    capacity: Annotated[float, Gt(0), Le(1e12), Unit("t per working day")] | None = None
    """Most the ministry decides a working day from this day, t."""
    description: str = ""
    """What changed."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Licence(_MeasureBase):
    """The covered share of each order needs a licence: a queue of applications.

    An application is filed for the covered users' order (less the share
    ``exempt_share`` that general licences exempt, which ships as uncovered
    users' orders do). The ministry accepts the file after
    ``acceptance_days`` working days, then decides it after a processing time
    drawn from ``processing_days`` (working days, rounded up, at least one):
    ``approve_share`` of the volume decided is approved and ships,
    ``reject_share`` is rejected and returns to unfilled demand, and the rest
    stays pending and is decided again after another processing time. With
    ``capacity`` (t per working day) the ministry decides at most that much a
    working day and the rest waits, first come, first served. ``schedule``
    changes any of these from given days on. When the regime ends, every
    application still pending ships. ``leakage`` (built up as a ban's) is
    the share of the covered orders needing a licence that gets through
    without one, up to their baseline flow.

    Importers order ahead of the licence by the working days they plan for:
    ``planned_days`` if given, else acceptance plus the expected processing
    time (rounded up as decisions are) of the phase in force.
    """

    kind: Literal["licence"]
    """``"licence"``."""
    processing_days: Prior
    """Prior of the processing time of one application, working days (rounded up, at least 1; at most 3650)."""
    approve_share: Annotated[float, Ge(0), Le(1), Unit("share of the volume decided")]
    """Share of the volume decided on a day that is approved and ships."""
    reject_share: Annotated[float, Ge(0), Le(1), Unit("share of the volume decided")] = 0.0
    """Share of the volume decided on a day that is rejected (returns to unfilled demand); the rest stays pending."""
    exempt_share: Annotated[float, Ge(0), Le(1), Unit("share of the covered orders")] = 0.0
    """Share of the covered users' orders that general licences exempt (they ship as uncovered users' orders do)."""
    acceptance_days: Annotated[float, Ge(0), Le(3650), Unit("working days", (None, 60))] = 0.0
    """Working days before the ministry accepts a file and the processing clock starts (first decision only)."""
    capacity: Annotated[float, Gt(0), Le(1e12), Unit("t per working day")] | None = None
    """Most the ministry decides a working day, t (none: no limit)."""
    planned_days: Annotated[float, Ge(0), Le(3650), Unit("working days")] | None = None
    """Working days importers plan for and order ahead by (default: acceptance plus the expected processing time)."""
    schedule: dict[str, LicencePhase] = {}
    """Change name -> a change of the regime from a given day, in order of their days."""

    def phases(self) -> list[LicencePhase]:
        """The regime's phases in order, each with every field filled in (the first from the measure's own)."""
        cur = LicencePhase(day=self.start_day, processing_days=self.processing_days, approve_share=self.approve_share,
                           reject_share=self.reject_share, exempt_share=self.exempt_share, capacity=self.capacity)
        out = [cur]
        for ph in self.schedule.values():
            upd = {f: getattr(ph, f) for f in ("processing_days", "approve_share", "reject_share", "exempt_share",
                                               "capacity") if getattr(ph, f) is not None}
            cur = cur.model_copy(update={"day": ph.day, **upd})
            out.append(cur)
        return out


Measure = Annotated[Ban | Quota | Licence, Field(discriminator="kind")]
