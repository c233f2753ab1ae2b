"""The event log's wording: every line :func:`simulator.engines.simpy_engine.simulate_simpy` logs, worded here and nowhere else.

The SimPy engine calls these functions (through ``_Path.tell``) with structured fields (ids, days, tonnes,
shares); each returns one :class:`~simulator.engines.trajectories.Event` with its category, its text as
``supplyshock explain`` prints it, and the fields its filters and summaries read. No model logic here.
"""

from __future__ import annotations

from simulator.engines.trajectories import Event


def measure_changes(day: int, measure: str, kind: str, source: str, materials: list[str], coverage: float,
                     change: str) -> Event:
    """A measure starts or ends (``change``: ``"starts"`` or ``"ends"``); ``coverage`` a share."""
    return Event(day, "policy", f"{measure} ({kind}, {source}, {', '.join(materials)}, coverage {coverage:.0%}) "
                 f"{change}", material=",".join(materials))


def shipment_arrives(day: int, material: str, source: str, tonnes: float) -> Event:
    """A shipment of ``tonnes`` t reaches the dock."""
    return Event(day, "shipment", f"{tonnes:,.2f} t of {material} arrive from {source}", material=material,
                 tonnes=tonnes)


def application(day: int, office: str, lot: int, material: str, source: str, tonnes: float, review: int,
                 first_decision: int) -> Event:
    """Application number ``lot`` of a licence office for ``tonnes`` t, reviewed in ``review`` working days."""
    return Event(day, "application", f"{office} #{lot}: apply for {tonnes:,.2f} t of {material} from {source}; "
                 f"{review} working days, first decision on day {first_decision}",
                 material=material, office=office, tonnes=tonnes)


def decision(day: int, office: str, lot: int, filed: int, applied: float, material: str, approved: float,
              arrive: int, rejected: float, pending: float | None, next_decision: int,
              waiting: float | None) -> Event:
    """Today's decision on an application's share due (t): approved (arriving on day ``arrive``), rejected, and,
    unless None, still pending (decided again on day ``next_decision``) and waiting for the ministry's capacity."""
    text = (f"{office} #{lot} (filed day {filed}, {applied:,.2f} t): "
            f"{approved:,.2f} t approved, arrive day {arrive}; {rejected:,.2f} t rejected")
    if pending is not None:
        text += f"; {pending:,.2f} t still pending, next decision day {next_decision}"
    if waiting is not None:
        text += f"; {waiting:,.2f} t wait for the ministry's capacity"
    return Event(day, "decision", text, material=material, office=office, tonnes=approved, rejected=rejected)


def regime_over(day: int, office: str, material: str, tonnes: float, arrive: int) -> Event:
    """A licence regime ends: the ``tonnes`` t still pending ship, arriving on day ``arrive``."""
    return Event(day, "decision", f"{office}: licence regime over; {tonnes:,.2f} t of {material} still pending "
                 f"ship, arrive day {arrive}", material=material, office=office, tonnes=tonnes)


def stockpile_opens(day: int, material: str, cover_days: float) -> Event:
    """The stockpile agency opens; it tops the firms' cover up to ``cover_days`` days of demand."""
    return Event(day, "stockpile", f"{material}: stockpile open; tops cover up to {cover_days:.0f} days",
                 material=material)


def release(day: int, material: str, tonnes: float, left: float) -> Event:
    """The stockpile releases ``tonnes`` t, ``left`` t remain."""
    return Event(day, "release", f"stockpile releases {tonnes:,.2f} t of {material} ({left:,.1f} t left)",
                 material=material, tonnes=tonnes)


def capacity_ramp_starts(day: int, source: str, material: str, extra: float, days: float) -> Event:
    """An alternative source starts adding ``extra`` t/day of capacity over ``days`` days (worded in t/yr)."""
    return Event(day, "ramp-up", f"{source} starts adding capacity for {material} "
                 f"(+{extra * 365:,.0f} t/yr over {days:.0f} days)", material=material)


def capacity_ramp_done(day: int, source: str, material: str) -> Event:
    """An alternative source's extra capacity is fully ramped up."""
    return Event(day, "ramp-up", f"{source} at full extra capacity for {material}", material=material)


def thrift_starts(day: int, sector: str, material: str, cut: float, days: float) -> Event:
    """A sector starts cutting its use per unit of output, by up to the share ``cut``, over ``days`` days."""
    return Event(day, "thrift", f"{sector} starts cutting {material} use (up to {cut:.0%} over {days:.0f} days)",
                 material=material, sector=sector)


def substitution_starts(day: int, sector: str, material: str, criticality: float, floor: float,
                         days: float) -> Event:
    """A sector starts redesigning: its criticality of the material falls to ``floor`` over ``days`` days."""
    return Event(day, "substitution", f"{sector} starts redesigning away from {material} "
                 f"(criticality {criticality:.2f} to {floor:.2f} over {days:.0f} days)",
                 material=material, sector=sector)


def stock_out(day: int, material: str, short: float) -> Event:
    """Every firm's stock of the material is empty; ``short`` t/day of today's requirement unmet."""
    return Event(day, "stock-out", f"corporate inventory of {material} exhausted at every firm; "
                 f"{short:,.2f} t short", material=material)


def conversion_short(day: int, source: str, material: str, made: float, ordered: float) -> Event:
    """A domestic conversion makes ``made`` of the ``ordered`` t, its inputs short."""
    return Event(day, "conversion", f"{source} makes {made:,.2f} of {ordered:,.2f} t of {material} "
                 "ordered (inputs short)", material=material, tonnes=made)


def cohort_stops(day: int, sector: str, cohort: int, cohorts: int, covers: list[tuple[str, float]],
                  fraction: float) -> Event:
    """A sector's firm cohort (0-based, of ``cohorts``) falls below the stoppage threshold; ``covers`` its normal
    cover of each material it uses, days; ``fraction`` its output, a share of plan."""
    cover_text = ", ".join(f"{material} {days:.0f} d" for material, days in covers)
    return Event(day, "firms stop", f"{sector}: cohort {cohort + 1} of {cohorts} (covers {cover_text}) at "
                 f"{fraction:.0%} of plan", sector=sector)


def cohort_resumes(day: int, sector: str, cohort: int, cohorts: int, fraction: float) -> Event:
    """A sector's stopped firm cohort (0-based) is back above the stoppage threshold."""
    return Event(day, "firms resume", f"{sector}: cohort {cohort + 1} of {cohorts} back to {fraction:.0%}",
                 sector=sector)


def output_cut(day: int, sector: str, fraction: float) -> Event:
    """A sector's output falls below the stoppage threshold (``fraction`` of plan)."""
    return Event(day, "output cut", f"{sector} output at {fraction:.0%} of plan", sector=sector)


def recovery(day: int, sector: str, fraction: float) -> Event:
    """A sector's output is back above the stoppage threshold."""
    return Event(day, "recovery", f"{sector} back to {fraction:.0%} of plan", sector=sector)
