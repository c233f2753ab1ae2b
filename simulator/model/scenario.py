"""Scenario: the schema of a scenario file, as frozen pydantic models (the data, not the checks).

Every model and field a scenario file may hold, with each numeric field's hard range (``Ge``/``Gt``/``Le``/``Lt``)
and :class:`Unit` (unit and usual range), and each field's docstring as its description. A :class:`Scenario` is
built from a parsed file by :func:`simulator.model.validation.build_scenario`, which also checks the rules that
span several fields; what the fields mean beyond their types (which may take a prior, share groups) is read by
:mod:`simulator.model.fields`. The engines trust a :class:`Scenario` and never check it again.

Units: tonnes (t) for material, the economy's currency for money, days for
time (working days for licence processing), shares as fractions in [0, 1].
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "Adaptation",
    "Ban",
    "Economy",
    "Firms",
    "IOTable",
    "Licence",
    "LicencePhase",
    "Material",
    "Measure",
    "MrioTable",
    "Prior",
    "Quota",
    "RunSettings",
    "Scenario",
    "Sector",
    "SectorMaterial",
    "Source",
    "Stockpile",
    "Supply",
    "Unit",
]


@dataclass(frozen=True)
class Unit:
    """Field metadata: the unit of a numeric field and the range of values that are usual.

    Every numeric field of a scenario model carries one (a test checks this),
    next to its hard range (``Ge``/``Gt``/``Le``/``Lt``). The two ranges mean:

    - outside the **hard range** a value is impossible, or would overflow the
      arithmetic (``annual_demand = 1e308`` makes ``demand x price``
      infinite): an :class:`~simulator.errors.InputError`, exit 2;
    - outside the **usual range** a value is possible but unusual
      (``overtime_rate = 1.5``: output 2.5 times the plan while catching up):
      the scenario is accepted and an :class:`~simulator.errors.InputWarning`
      names the field, so a typo does not pass silently.

    Non-finite numbers (``inf``, ``nan``) are refused for every field by the
    models' configuration (``allow_inf_nan=False``).

    Parameters
    ----------
    unit : str
        E.g. ``"t/yr"``, ``"days"``, ``"share"``, ``"currency/t"``.
    usual : (float or None, float or None)
        Usual range, ``None`` for no bound on that side.
    """

    unit: str
    usual: tuple[float | None, float | None] = (None, None)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["unit"] = self.unit
        if self.usual != (None, None):
            out["usual"] = list(self.usual)
        return out


class _Frozen(BaseModel):
    # strict: no silent coercion (``true`` is not 1 day, ``"5"`` is not 5); ints are accepted for floats.
    # allow_inf_nan=False: no inf or nan in any float field (TOML and JSON can both spell them).
    # use_attribute_docstrings: a field's docstring is its description (in the schema and the reference).
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, strict=True,
                              allow_inf_nan=False, use_attribute_docstrings=True)


Refs = dict[str, str]
"""Per-entity citations: field name -> source and date."""


# --------------------------------------------------------------------- priors


class Prior(_Frozen):
    """A distribution for one numeric field, drawn once per Monte Carlo path.

    ``dist`` is one of ``uniform`` (low, high), ``triangular`` (low, mode, high),
    ``normal`` (mean, sd; optionally truncated to [low, high]), ``lognormal``
    (median, sigma; optionally truncated), ``loguniform`` (low, high) or
    ``fixed`` (value).
    """

    dist: Literal["uniform", "triangular", "normal", "lognormal", "loguniform", "fixed"]
    """Distribution family."""
    low: float | None = None
    """Lower end (uniform, triangular, loguniform; optional truncation for normal and lognormal), field's unit."""
    high: float | None = None
    """Upper end (as ``low``), field's unit."""
    mode: float | None = None
    """Most likely value (triangular), field's unit."""
    mean: float | None = None
    """Mean (normal), field's unit; must be a value the field can take."""
    sd: Annotated[float, Gt(0)] | None = None
    """Standard deviation (normal), field's unit."""
    median: Annotated[float, Gt(0)] | None = None
    """Median (lognormal), field's unit; must be a value the field can take."""
    sigma: Annotated[float, Gt(0), Le(5)] | None = None
    """Standard deviation of the logarithm (lognormal)."""
    value: float | None = None
    """The value (fixed), field's unit."""
    source: str = ""
    """Where the range comes from, with a date."""

    _REQUIRED: dict[str, tuple[str, ...]] = {
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd"),
        "lognormal": ("median", "sigma"),
        "loguniform": ("low", "high"),
        "fixed": ("value",),
    }
    _ALLOWED: dict[str, tuple[str, ...]] = {
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd", "low", "high"),
        "lognormal": ("median", "sigma", "low", "high"),
        "loguniform": ("low", "high"),
        "fixed": ("value",),
    }

    def check(self) -> tuple[str, str, Any] | None:
        """Return ``(field, rule, value)`` for the first inconsistency, or None."""
        params = ("low", "high", "mode", "mean", "sd", "median", "sigma", "value")
        for name in self._REQUIRED[self.dist]:
            if getattr(self, name) is None:
                return name, f"is required for dist = {self.dist!r}", None
        for name in params:
            if getattr(self, name) is not None and name not in self._ALLOWED[self.dist]:
                return name, f"is not a parameter of dist = {self.dist!r}", getattr(self, name)
        for name in params:
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                return name, "must be finite", v
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not lo < hi:
            return "high", f"must be > low ({lo:g})", hi
        if self.dist == "triangular":
            mode = self.mode
            if mode is None or lo is None or hi is None or not lo <= mode <= hi:
                return "mode", f"must lie in [low, high] = [{lo:g}, {hi:g}]", self.mode
        if self.dist == "loguniform" and lo is not None and lo <= 0:
            return "low", "must be > 0 for a loguniform prior", lo
        if self.dist == "normal" and self.mean is not None:
            if lo is not None and hi is not None and not (lo <= self.mean + 5 * (self.sd or 1) and hi >= self.mean - 5 * (self.sd or 1)):
                return "mean", "truncation range [low, high] holds no probability mass", self.mean
        return None

    def support(self) -> tuple[float, float]:
        """Smallest interval holding every value this prior can produce."""
        if self.dist == "fixed":
            if self.value is None:  # an error reported elsewhere
                return -math.inf, math.inf
            v = float(self.value)
            return v, v
        if self.dist in ("uniform", "triangular", "loguniform"):  # a missing bound is an error reported elsewhere
            return (float(self.low) if self.low is not None else -math.inf), (
                float(self.high) if self.high is not None else math.inf
            )
        if self.dist == "lognormal":
            return (self.low if self.low is not None else 0.0), (
                self.high if self.high is not None else math.inf
            )
        return (self.low if self.low is not None else -math.inf), (
            self.high if self.high is not None else math.inf
        )


# -------------------------------------------------------------------- economy


class IOTable(_Frozen):
    """An input-output table in competitive-import form.

    Attributes
    ----------
    codes : tuple of str
        Sector codes, length n.
    intermediate : ndarray of shape (n, n), float64, table units
        Intermediate use: row i supplies column j.
    value_added : ndarray of shape (n,), float64, table units
        Gross value added of each sector.
    compensation : ndarray of shape (n,), float64, table units
        Compensation of employees (for type II multipliers).
    household_consumption : ndarray of shape (n,), float64, table units
    domestic_final_demand : ndarray of shape (n,), float64, table units
        Final demand excluding exports.
    exports, imports : ndarray of shape (n,), float64, table units
        Imports as a positive number.
    output : ndarray of shape (n,), float64, table units
        Domestic output.
    domestic_intermediate : ndarray of shape (n, n), float64, table units, optional
        Intermediate use of domestic products only, where the source gives it
        (one region of a multi-regional table); otherwise imports are removed
        from ``intermediate`` in proportion to each product's domestic use.
    """

    codes: tuple[str, ...]
    """Sector codes."""
    intermediate: Any
    value_added: Any
    compensation: Any
    household_consumption: Any
    domestic_final_demand: Any
    exports: Any
    imports: Any
    output: Any
    domestic_intermediate: Any = None


class MrioTable(_Frozen):
    """One region of a multi-regional table that pymrio can read.

    ``format``: ``pymrio`` (a system saved by pymrio), or the name of one of
    pymrio's parsers (``oecd``, ``exiobase3``, ``wiod``, ``eora26``);
    ``year`` is passed to the parsers that take one.
    """

    mrio: str
    format: Literal["pymrio", "oecd", "exiobase3", "wiod", "eora26"]
    region: str
    year: int | None = None


class Economy(_Frozen):
    """The importing economy: GDP, currency and its input-output table.

    Money: ``gdp``, material prices and every money figure reported are in
    ``price_year`` money. The table is in ``table_year`` money; its output is
    scaled to the price year by ``price_index`` (year -> level, e.g. nominal
    GDP), which must give both years when they differ. Without years, no
    conversion is made and figures are in the table's money.

    ``mpc``: marginal propensity to consume out of compensation of employees,
    used only by the ``household`` linkage (a sensitivity).
    """

    name: str
    """Name of the economy."""
    currency: str = "JPY"
    """Currency code of every money figure (prices, GDP, the table after ``io_unit``)."""
    gdp: Annotated[float, Gt(0), Le(1e18), Unit("currency/yr")]
    """GDP base that losses are divided by for the share of GDP (that of ``price_year``)."""
    price_year: Annotated[int, Ge(1800), Le(2200), Unit("year")] | None = None
    """Year whose money every figure is in (table output is scaled to it by ``price_index``)."""
    table_year: Annotated[int, Ge(1800), Le(2200), Unit("year")] | None = None
    """Year of the input-output table's money."""
    price_index: dict[str, Annotated[float, Gt(0)]] = {}
    """Year -> nominal index level (e.g. nominal GDP) for scaling table output from ``table_year`` to ``price_year``."""
    io_table: str | MrioTable
    """Input-output table: a built-in file name (``japan_io_2015_37.csv``), a CSV path relative to the scenario file, or one region of a multi-regional table (``{ mrio = PATH, format = ..., region = ... }``)."""
    io_unit: Annotated[float, Gt(0), Le(1e12), Unit("currency per table unit")] = 1.0
    """Money per unit of the table (1e9 for a table in billions)."""
    mpc: Annotated[float, Ge(0), Le(1), Unit("share of compensation")] | None = None
    """Marginal propensity to consume out of compensation of employees (household linkage, a sensitivity only)."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""
    table: IOTable | None = None
    """The loaded table (set by the loader, never in a file)."""


# ------------------------------------------------------------------ materials


class Stockpile(_Frozen):
    """The national stockpile of one material and its release rule.

    The agency opens the stockpile ``decision_lag_days`` after a disruption of
    the material is known (the first start day of a measure on it). From then
    on, on every day corporate inventory cover is below
    ``trigger_cover_days``, it tops inventory up towards that cover, at most
    ``max_release_per_day`` (share of daily demand), until the stockpile is
    empty.
    """

    days: Annotated[float, Ge(0), Le(3650), Unit("days of demand", (None, 365))] = 0.0
    """Stockpile at the start, in days of the material's baseline demand."""
    trigger_cover_days: Annotated[float, Ge(0), Le(3650), Unit("days of demand", (None, 365))] = 0.0
    """The agency releases while corporate inventory cover is below this."""
    decision_lag_days: Annotated[int, Ge(0), Le(3650), Unit("days", (None, 365))] = 0
    """Days from the disruption being known to the first release."""
    max_release_per_day: Annotated[float, Ge(0), Le(100), Unit("days of demand per day", (None, 5))] = 0.0
    """Largest release in a day, as a share of a day's baseline demand."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Material(_Frozen):
    """A critical input: demand, price, corporate inventory, national stockpile.

    ``inventory_days`` is the average corporate cover (days of demand);
    ``inventory_spread`` the spread of cover across firms (the sigma of a
    lognormal with that mean): each firm cohort holds cover at its quantile
    of that distribution (see :class:`Firms`).
    """

    name: str = ""
    """Readable name."""
    annual_demand: Annotated[float, Ge(1e-6), Le(1e11), Unit("t/yr")]
    """The importer's baseline use of the material (at least a gram a year: smaller values overflow days of cover)."""
    price: Annotated[float, Ge(0), Le(1e15), Unit("currency/t")] = 0.0
    """Baseline price (alternative suppliers charge a premium on it)."""
    inventory_days: Annotated[float, Ge(0), Le(3650), Unit("days of demand", (None, 365))]
    """Average corporate inventory at the start, in days of baseline demand; also the cover the importer orders up to."""
    inventory_spread: Annotated[float, Ge(0), Le(3), Unit("lognormal sigma", (None, 1.5))] = 0.0
    """Spread of inventory cover across firm cohorts (sigma of a lognormal with mean ``inventory_days``; 0: all alike)."""
    stockpile: Stockpile = Stockpile()
    """The national stockpile and its release rule."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


# -------------------------------------------------------------------- sources


class Supply(_Frozen):
    """What one source supplies of one material to the importer."""

    share: Annotated[float, Ge(0), Le(1), Unit("share")]
    """Baseline share of the material's supply (the shares of a material sum to 1 over sources)."""
    extra_capacity: Annotated[float, Ge(0), Le(1e11), Unit("t/yr")] = 0.0
    """Supply that can be added on top of the baseline share once a disruption is known, at full ramp."""
    ramp_lag_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 730))] = 0.0
    """Days from the disruption being known to the start of the ramp-up."""
    ramp_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 1825))] = 0.0
    """Days of linear ramp-up to the full extra capacity."""
    price_premium: Annotated[float, Ge(0), Le(100), Unit("share of price", (None, 5))] = 0.0
    """Extra price paid on extra supply, as a share of the baseline price (0.5 = 50 % more)."""
    recipe: dict[str, Annotated[float, Gt(0), Le(1000), Unit("t per t")]] = {}
    """A domestic conversion: input material id -> tonnes of it per tonne of this material made (empty: an import).

    The source then makes the material at home: what is ordered from it one
    day is made the next from its own stock of the inputs (which it holds and
    is delivered as a using sector is), in proportion to the scarcest input,
    and arrives ``transit_days`` after the order (so at least 2). Importers
    count on it for at most what its input stocks can make."""
    input_priority: Annotated[int, Ge(1), Le(1000), Unit("rank")] = 1
    """Delivery rank of a conversion's inputs when they are scarce (as a sector's ``priority``)."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Source(_Frozen):
    """An exporting country or supplier (or domestic recycling)."""

    name: str = ""
    """Readable name."""
    transit_days: Annotated[int, Ge(1), Le(365), Unit("days", (None, 120))]
    """Days from shipment to arrival."""
    supply: dict[str, Supply]
    """Material id -> what this source supplies of it."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


# -------------------------------------------------------------------- sectors


class SectorMaterial(_Frozen):
    """How one sector uses one material."""

    use_share: Annotated[float, Ge(0), Le(1), Unit("share")]
    """This sector's share of the material's use (the shares of a material sum to 1 over sectors)."""
    criticality: Annotated[float, Ge(0), Le(1), Unit("share")]
    """Share of the sector's output that cannot be made without the material."""
    thrift: Annotated[float, Ge(0), Lt(1), Unit("share")] = 0.0
    """Cut in use per unit of output once thrifting has ramped up."""
    thrift_lag_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 730))] = 0.0
    """Days from the disruption being known to the start of thrifting."""
    thrift_ramp_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 1825))] = 0.0
    """Days of linear ramp-up to the full thrift."""
    priority: Annotated[int, Ge(1), Le(1000), Unit("rank")] = 1
    """Delivery rank when material is scarce: 1 is served first; within a rank, see ``firms.triage``."""
    criticality_floor: Annotated[float, Ge(0), Le(1), Unit("share")] | None = None
    """Criticality once products are redesigned (ferrite or heavy-rare-earth-free grades, new suppliers qualified): at most ``criticality`` (a path that draws a floor above its criticality keeps the criticality); none: no substitution."""
    substitution_lag_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 730))] = 0.0
    """Days from the disruption being known to the start of substitution."""
    substitution_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 1825))] = 0.0
    """Days of linear fall from ``criticality`` to ``criticality_floor``."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Sector(_Frozen):
    """A producing sector, a share of one sector of the input-output table.

    Catch-up: ``catch_up_share`` of lost output joins a backlog that is made
    up at up to ``overtime_rate`` (share of baseline daily output) per day,
    until ``catch_up_window_days`` after the disruption starts (the first
    measure's start day); what is left then is lost for good.
    """

    name: str = ""
    """Readable name."""
    io_sector: str
    """Code of the input-output table sector this is a share of (a row and column code of the table)."""
    io_share: Annotated[float, Gt(0), Le(1), Unit("share")]
    """Share of that table sector's output (the shares of one table sector sum to at most 1)."""
    catch_up_share: Annotated[float, Ge(0), Le(1), Unit("share")] = 0.0
    """Share of lost output that joins the backlog to be made up later."""
    overtime_rate: Annotated[float, Ge(0), Le(2), Unit("share of daily output", (None, 0.5))] = 0.0
    """Extra output per day while catching up, as a share of baseline daily output (at most 2: three times the plan)."""
    catch_up_window_days: Annotated[float, Ge(0), Le(3650), Unit("days", (None, 730))] = 0.0
    """Catch-up ends this many days after the disruption starts; the backlog left is lost."""
    cover_factor: Annotated[float, Gt(0), Le(100), Unit("x", (0.1, 10))] = 1.0
    """The sector's firms' inventory cover relative to the economy's (each material's ``inventory_days`` stays the use-weighted average over sectors)."""
    materials: dict[str, SectorMaterial]
    """Material id -> how the sector uses it."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


# --------------------------------------------------------------------- policy


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


class Firms(_Frozen):
    """Firm cohorts: who holds the corporate stock, and how scarce deliveries are shared.

    The firms of each sector (and of each domestic conversion) are split in
    ``cohorts`` cohorts, each making an equal share of its output and holding
    its own stock of every material it uses. Cohort ``i`` of sector ``s``
    holds, of material ``m``, the cover ``inventory_days`` of ``m`` times the
    sector's ``cover_factor`` (normalised so the use-weighted mean over
    sectors is 1) times its quantile of the material's lognormal cover
    distribution (sigma ``inventory_spread``, mean 1). With
    ``cover_correlation = 1`` cohort ``i`` is at quantile ``(i + 0.5) /
    cohorts`` for every material (a firm short of one input is short of the
    others); below 1, each path draws a matching of each material's quantiles
    to the cohorts and blends the two normal scores with that correlation.

    Firms do not pool stocks: a firm cohort that runs dry of a material stops
    its share of the sector's output. Deliveries (arrivals, and the national
    stockpile's releases) are shared among the firms using the material:
    rank 1 uses (``priority``) first; within a rank, pro rata to how far each
    firm is below its normal stock (or the release trigger) when ``triage =
    0``, first to the uses that save the most value added per tonne when
    ``triage = 1``, and the blend of the two shares between; deliveries
    beyond every gap are shared by baseline use.
    """

    cohorts: Annotated[int, Ge(1), Le(20), Unit("cohorts")] = 1
    """Number of firm cohorts holding each material's corporate stock (cost grows in proportion)."""
    cover_correlation: Annotated[float, Ge(0), Le(1), Unit("correlation")] = 1.0
    """Correlation of a cohort's cover across materials (1: the same quantile for every material; below 1 each path draws how each material's quantiles are matched)."""
    triage: Annotated[float, Ge(0), Le(1), Unit("share")] = 0.0
    """How scarce deliveries are shared within a priority rank: 0 pro rata to the firms' gaps, 1 to the uses that save the most value added per tonne first; between, that blend."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class Adaptation(_Frozen):
    """Switches of the adaptation mechanisms (all on by default), for comparisons such as the reconciliation's.

    A mechanism switched off behaves as if its fields were at their neutral
    values; the fields themselves are kept (and still validated).
    """

    conversion: bool = True
    """Domestic conversion (sources with a ``recipe``) may add its spare capacity; off: ``extra_capacity`` of every conversion is 0."""
    substitution: bool = True
    """Criticality falls to ``criticality_floor``; off: it stays at ``criticality``."""
    leakage: bool = True
    """Measures leak (``leakage``); off: every measure's leakage is 0."""
    triage: bool = True
    """Deliveries favour the uses that save the most value added per tonne (``firms.triage``); off: pro rata."""
    sector_cover: bool = True
    """Sectors' covers differ (``cover_factor``) and materials' cohort quantiles are not comonotone (``firms.cover_correlation``); off: factors 1, correlation 1."""


class PosteriorSample(_Frozen):
    """A joint sample of fitted parameters (rows = draws), drawn one row per path.

    Written by ``supplyshock calibrate``; each path of a run takes one row
    (chosen at random from the seed), so the parameters keep the correlations
    the fit found. A column's values replace the column's prior, if any.
    """

    columns: list[str]
    """Dotted paths of the fitted fields (e.g. ``"calibration.cover_scale"``)."""
    draws: list[list[float]]
    """Rows of values, one value per column, in the columns' units."""
    provenance: dict[str, str] = {}
    """How the sample was made: targets, date, seed, package version, scenario hash, sampler."""


class Calibration(_Frozen):
    """Common scales on groups of judgement parameters (the calibration's levers), and the fitted sample.

    The scales multiply a field everywhere in the economy, on top of each
    path's own draw, so the relative judgements between materials and
    sectors are kept and only their common level is fitted. At 1 (the
    default) the scenario is as written.
    """

    criticality_scale: Annotated[float, Ge(0), Le(4), Unit("x")] = 1.0
    """Multiplies every sector's criticality of every material (the product is capped at 1)."""
    cover_scale: Annotated[float, Gt(0), Le(10), Unit("x")] = 1.0
    """Multiplies every material's corporate inventory cover (``inventory_days``)."""
    catch_up_scale: Annotated[float, Ge(0), Le(10), Unit("x")] = 1.0
    """Multiplies every sector's catch-up share (the product is capped at 1)."""
    capacity_scale: Annotated[float, Ge(0), Le(10), Unit("x")] = 1.0
    """Multiplies every supply's ``extra_capacity`` (alternative suppliers, recycling, domestic conversions)."""
    substitution_scale: Annotated[float, Ge(0), Le(4), Unit("x")] = 1.0
    """Multiplies how far substitution lowers each criticality (``criticality - criticality_floor``); the floor
    it gives is kept within 0 and the criticality."""
    leakage_scale: Annotated[float, Ge(0), Le(10), Unit("x")] = 1.0
    """Multiplies every measure's ``leakage`` (the product is capped at 1)."""
    posterior: PosteriorSample | None = None
    """Joint fitted sample (in a file: the name of a JSON file beside it); drop it with ``--uncalibrated``."""
    refs: Refs = {}
    """Sources of the figures above: field name -> source and date."""


class RunSettings(_Frozen):
    """Horizon, default number of paths and seed, calendar.

    ``start_date`` is the calendar date of day 0 (losses are reported by
    calendar quarter from it; without it, by quarters of the run). When it is
    given, ``start_weekday`` is its weekday (and must agree if also given).
    """

    horizon_days: Annotated[int, Ge(1), Le(3650), Unit("days")] = 365
    """Days simulated."""
    paths: Annotated[int, Ge(1), Le(100_000_000), Unit("paths")] = 1000
    """Monte Carlo paths when the command line does not say (``--paths``)."""
    seed: Annotated[int, Ge(0), Le(2**63 - 1), Unit("seed")] = 20260107
    """Seed when the command line does not say (``--seed``)."""
    start_date: datetime.date | None = None
    """Calendar date of day 0 (losses are reported by calendar quarter from it)."""
    start_weekday: Annotated[int, Ge(0), Le(6), Unit("weekday")] = 0
    """Weekday of day 0 (0 = Monday), for working-day licence processing; follows ``start_date`` when that is given."""


class Scenario(_Frozen):
    """A validated, immutable scenario: economy, materials, sources, sectors, policy, priors.

    Build it with :func:`~simulator.model.validation.build_scenario` (or :func:`simulator.load_scenario`),
    never directly: the cross-field rules live there.
    """

    name: str
    """Scenario name (shown in results)."""
    description: str = ""
    """What the scenario is; its first line is printed above the results. Not inherited through ``extends``."""
    economy: Economy
    """The importing economy."""
    materials: dict[str, Material]
    """Material id -> material."""
    sources: dict[str, Source]
    """Source id -> exporting source."""
    sectors: dict[str, Sector]
    """Sector id -> producing sector."""
    policy: dict[str, Measure] = {}
    """Measure id -> export measure (``kind`` = ban, quota or licence)."""
    firms: Firms = Firms()
    """Firm cohorts that hold the corporate stock."""
    adaptation: Adaptation = Adaptation()
    """Switches of the adaptation mechanisms (all on unless switched off)."""
    calibration: Calibration = Calibration()
    """Common scales fitted by ``supplyshock calibrate``, and the fitted joint sample."""
    uncertainty: dict[str, Prior] = {}
    """Dotted path of a numeric field -> its prior (e.g. ``"materials.ndpr.inventory_days"``)."""
    run: RunSettings = RunSettings()
    """Horizon, default paths and seed, calendar."""
    origin: str = ""
    """The file the scenario was read from (set by the loader, never in a file)."""

    # convenient index lists (orders are the file's orders)
    @property
    def material_ids(self) -> list[str]:
        """Material ids in file order (the engines' material index)."""
        return list(self.materials)

    @property
    def source_ids(self) -> list[str]:
        """Source ids in file order (the engines' source index)."""
        return list(self.sources)

    @property
    def sector_ids(self) -> list[str]:
        """Sector ids in file order (the engines' sector index)."""
        return list(self.sectors)

    @property
    def measure_ids(self) -> list[str]:
        """Measure ids in file order (the engines' measure index)."""
        return list(self.policy)
