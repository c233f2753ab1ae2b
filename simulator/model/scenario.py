"""Scenario: the frozen, validated description of an economy and a shock.

This is the only place user input is checked. A scenario is built from a plain
mapping (parsed from TOML or JSON by :mod:`simulator.model.loading`) with
:func:`build_scenario`; anything wrong raises :class:`~simulator.errors.InputError`
naming the file, the dotted field path, the rule and the value given. The
engines trust a :class:`Scenario` and never check it again.

Units: tonnes (t) for material, the economy's currency for money, days for
time (working days for licence processing), shares as fractions in [0, 1].
"""

from __future__ import annotations

import datetime
import difflib
import itertools
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from simulator.errors import MISSING, InputError, InputWarning, suggest

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
    "build_scenario",
    "numeric_fields",
    "prior_targets",
    "scenario_warnings",
]

FloatArray = npt.NDArray[np.float64]

SHARE_TOLERANCE = 1e-6
"""Shares that must sum to one may miss by at most this much."""

MAX_PROCESSING_DAYS = 3650
"""Hard upper end of a licence's processing time prior, working days."""


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
            v = float(self.value)  # type: ignore[arg-type]
            return v, v
        if self.dist in ("uniform", "triangular", "loguniform"):
            return float(self.low), float(self.high)  # type: ignore[arg-type]
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

    Build it with :func:`build_scenario` (or :func:`simulator.load_scenario`),
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
        return list(self.materials)

    @property
    def source_ids(self) -> list[str]:
        return list(self.sources)

    @property
    def sector_ids(self) -> list[str]:
        return list(self.sectors)

    @property
    def measure_ids(self) -> list[str]:
        return list(self.policy)


# ------------------------------------------------------------ prior registry

# Numeric fields that may not take a prior (structure, not quantity).
_NOT_UNCERTAIN = {"priority": "an allocation rank", "input_priority": "an allocation rank", "price_year": "a calendar year", "table_year": "a calendar year",
                  "cohorts": "a number of firm cohorts"}
# Integer fields: drawn values are rounded to the nearest integer.
_INTEGER_FIELDS = {"transit_days", "decision_lag_days", "start_day", "end_day", "day"}


def _bounds(model: type[BaseModel], field: str) -> tuple[float, float, bool, bool]:
    """(low, high, low_open, high_open) of a numeric field from its metadata."""
    lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
    info = model.model_fields[field]
    inner = _optional_number(info.annotation)
    for m in (inner.__metadata__ if inner is not None else info.metadata):
        if isinstance(m, Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Gt):
            lo, lo_open = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, Le):
            hi = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, Lt):
            hi, hi_open = float(m.lt), True  # type: ignore[arg-type]
    return lo, hi, lo_open, hi_open


def _numeric_fields(model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if name in _NOT_UNCERTAIN:
            continue
        if ann in (int, float) or _optional_number(ann) is not None:
            out.append(name)
    return out


def _optional_number(ann: Any) -> Any:
    """The ``Annotated[float, ...]`` inside ``Annotated[float, ...] | None``, or None."""
    args = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
    if len(args) == 1 and getattr(args[0], "__origin__", None) in (int, float) and hasattr(args[0], "__metadata__"):
        return args[0]
    return None


class _RecipeAmount(_Frozen):
    """Bounds of a recipe's input (for priors on ``sources.<k>.supply.<m>.recipe.<input>``)."""

    amount: Annotated[float, Gt(0), Le(1000), Unit("t per t")]


class _IndexLevel(_Frozen):
    """Bounds of a price-index level (for priors on ``economy.price_index.<year>``)."""

    level: Annotated[float, Gt(0), Unit("index level (nominal)")]


def prior_targets(sc: Scenario) -> dict[str, tuple[type[BaseModel], str, float]]:
    """Every dotted path that may take a prior, with its model, field and base value.

    Returns
    -------
    dict
        ``path -> (model class, field name, value in the scenario)``.
    """
    out: dict[str, tuple[type[BaseModel], str, float]] = {}

    def add(prefix: str, obj: BaseModel) -> None:
        cls = type(obj)
        for f in _numeric_fields(cls):
            if getattr(obj, f) is not None:  # an optional number left out cannot take a prior
                out[f"{prefix}.{f}"] = (cls, f, float(getattr(obj, f)))

    add("economy", sc.economy)
    for year, level in sc.economy.price_index.items():
        out[f"economy.price_index.{year}"] = (_IndexLevel, "level", float(level))
    for m, mat in sc.materials.items():
        add(f"materials.{m}", mat)
        add(f"materials.{m}.stockpile", mat.stockpile)
    for k, src in sc.sources.items():
        add(f"sources.{k}", src)
        for m, sup in src.supply.items():
            add(f"sources.{k}.supply.{m}", sup)
            for i, amount in sup.recipe.items():
                out[f"sources.{k}.supply.{m}.recipe.{i}"] = (_RecipeAmount, "amount", float(amount))
    for s, sec in sc.sectors.items():
        add(f"sectors.{s}", sec)
        for m, sm in sec.materials.items():
            add(f"sectors.{s}.materials.{m}", sm)
    add("calibration", sc.calibration)
    add("firms", sc.firms)
    for j, meas in sc.policy.items():
        add(f"policy.{j}", meas)
        if isinstance(meas, Licence):
            for h, ph in meas.schedule.items():
                add(f"policy.{j}.schedule.{h}", ph)
    return out


def unit_of(model: type[BaseModel], field: str) -> Unit | None:
    """The :class:`Unit` metadata of a field, if it has one."""
    info = model.model_fields[field]
    inner = _optional_number(info.annotation)
    meta = inner.__metadata__ if inner is not None else info.metadata
    return next((m for m in meta if isinstance(m, Unit)), None)


def numeric_fields(obj: BaseModel, prefix: str = "") -> Iterator[tuple[str, type[BaseModel], str, float]]:
    """Every numeric field in a validated model tree: ``(dotted path, model class, field, value)``.

    Walks nested models and mappings of models (priors excluded), so a field
    added to any model is covered without listing it here.
    """
    cls = type(obj)
    for name, info in cls.model_fields.items():
        val = getattr(obj, name)
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(val, Prior) or name == "uncertainty":
            continue
        if isinstance(val, BaseModel):
            yield from numeric_fields(val, path)
        elif isinstance(val, Mapping):
            for k, v in val.items():
                if isinstance(v, BaseModel) and not isinstance(v, Prior):
                    yield from numeric_fields(v, f"{path}.{k}")
        elif info.annotation in (int, float) and isinstance(val, (int, float)) and not isinstance(val, bool):
            yield path, cls, name, float(val)


def calibration_status(sc: Scenario | Mapping[str, Any] | None) -> str:
    """What every output says about the defaults: ``"calibrated (targets …; episodes …)"`` or ``"uncalibrated (…)"``.

    ``sc``: a scenario, or a run summary's ``calibration`` entry (the fitted sample's provenance, or None).
    """
    if isinstance(sc, Scenario):
        post = sc.calibration.posterior
        prov: Mapping[str, Any] | None = None if post is None else post.provenance
    else:
        prov = sc
    if prov is None:
        return "uncalibrated (the priors as written)"
    on = f"targets {prov.get('targets') or 'none'}" + (f"; episodes {prov['episodes']}" if prov.get("episodes") else "")
    return f"calibrated ({on})"


def money_unit(currency: str, year: int | None, scale: str = "bn") -> str:
    """How every output labels money: ``"JPY bn, 2025 money"`` (the year left out only when the economy has none)."""
    return currency + (f" {scale}" if scale else "") + (f", {year} money" if year else "")


def scenario_warnings(sc: Scenario) -> list[tuple[str, str, Any]]:
    """Valid but unusual values: (field, rule, value) triples, reported as warnings."""
    w: list[tuple[str, str, Any]] = []
    for path, cls, name, val in numeric_fields(sc):
        u = unit_of(cls, name)
        if u is None:
            continue
        lo, hi = u.usual
        if lo is not None and val < lo:
            w.append((path, f"is unusually small (usually >= {lo:g} {u.unit}); check the unit", val))
        elif hi is not None and val > hi:
            w.append((path, f"is unusually large (usually <= {hi:g} {u.unit}); check the unit", val))
    T = sc.run.horizon_days
    for j, mea in sc.policy.items():
        if mea.start_day < T < mea.end_day:
            w.append((f"policy.{j}.end_day", f"is past the horizon (run.horizon_days = {T}): the run ends before the "
                      "measure does and sees none of the recovery", mea.end_day))
    if sc.policy:
        first = min(mea.start_day for mea in sc.policy.values())
        late = {s: first + sec.catch_up_window_days for s, sec in sc.sectors.items()
                if sec.catch_up_share > 0 and sec.overtime_rate > 0 and first + sec.catch_up_window_days > T}
        if late and all(mea.end_day < T for mea in sc.policy.values()):
            last = max(late, key=lambda k: late[k])
            close = late[last]
            more = f" and {len(late) - 1} more sector{'s' if len(late) > 2 else ''}" if len(late) > 1 else ""
            w.append(("run.horizon_days", f"ends before the catch-up window closes (day {close:g}: the first measure starts "
                      f"on day {first}, sectors.{last}.catch_up_window_days is {sc.sectors[last].catch_up_window_days:g}"
                      f"{more}): output lost may still be made up after the horizon, so the net loss is an upper bound; "
                      f"a horizon of {math.ceil(close)} days sees it all", T))
    targets = prior_targets(sc)
    for path, prior in sc.uncertainty.items():
        shi = prior.support()[1]
        cls_field = targets.get(path)
        if cls_field is None:
            continue
        u = unit_of(cls_field[0], cls_field[1])
        if u is not None and u.usual[1] is not None and math.isfinite(shi) and shi > u.usual[1]:
            w.append((f"uncertainty.{path}", f"prior can draw unusually large values (usually <= {u.usual[1]:g} {u.unit})", shi))
    for j, meas in sc.policy.items():
        if meas.start_day >= sc.run.horizon_days and f"policy.{j}.start_day" not in sc.uncertainty:
            w.append((f"policy.{j}.start_day", f"starts on or after the horizon (run.horizon_days = {sc.run.horizon_days}), so it has no effect",
                      meas.start_day))
    for k, src in sc.sources.items():
        for m, sup in src.supply.items():
            mat = sc.materials.get(m)
            if mat is not None and sup.extra_capacity > 10 * mat.annual_demand:
                w.append((f"sources.{k}.supply.{m}.extra_capacity",
                          f"is more than 10 times the material's annual demand ({mat.annual_demand:g} t/yr)", sup.extra_capacity))
    table = sc.economy.table
    if table is not None:
        va = float(np.sum(np.asarray(table.value_added, dtype=np.float64))) * sc.economy.io_unit
        if va > 0 and not 0.5 <= sc.economy.gdp / va <= 2.0:
            w.append(("economy.gdp", f"differs by more than a factor 2 from the table's value added x io_unit ({va:.4g}); check io_unit",
                      sc.economy.gdp))
    return w


def is_integer_field(field: str) -> bool:
    """True if values of this field are whole days (drawn values are rounded)."""
    return field in _INTEGER_FIELDS


# ------------------------------------------------------------ building


def _suggest_path(path: str, options: list[str], most: int = 8) -> str:
    """'did you mean' for a dotted path, matched part by part from the deepest table above it that exists; else what
    that table holds (a few names, not all)."""
    parts = path.split(".")
    for i in range(len(parts) - 1, -1, -1):
        prefix = ".".join(parts[:i])
        under = [o for o in options if (o.startswith(prefix + ".") if prefix else True) and len(o.split(".")) > i]
        kids = sorted({o.split(".")[i] for o in under})
        if not kids:
            continue
        for k in difflib.get_close_matches(parts[i], kids, n=3, cutoff=0.6):
            fixed = ".".join([*parts[:i], k, *parts[i + 1:]])
            if fixed in options:
                return f"; did you mean {fixed!r}?"
        shown = ", ".join(repr(k) for k in kids[:most]) + (f" and {len(kids) - most} more" if len(kids) > most else "")
        where = f"{prefix} has" if prefix else "the scenario has"
        return f"; {where} no {parts[i]!r} (it has {shown}; every field: docs/scenario-reference.md)"
    return ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the mapping at ``loc`` (for 'did you mean')."""
    model: Any = Scenario
    i = 0
    while i < len(loc):
        key = loc[i]
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        if key not in model.model_fields:
            return None
        ann = model.model_fields[key].annotation
        i += 1
        origin = getattr(ann, "__origin__", None)
        if origin is dict:
            # skip the user key
            i += 1
            ann = ann.__args__[1]  # type: ignore[union-attr]
            if getattr(ann, "__origin__", None) is Annotated or hasattr(ann, "__metadata__"):
                # discriminated union of measures
                if i < len(loc) and loc[i] in ("ban", "quota", "licence"):
                    ann = {"ban": Ban, "quota": Quota, "licence": Licence}[loc[i]]
                    i += 1
                else:
                    ann = Licence
        elif ann is not None and not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            args = getattr(ann, "__args__", ())
            ann = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), ann)
        model = ann
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


def _path(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    # pydantic puts the discriminator tag after the measure's name: policy.<name>.<kind>.<field>
    if len(parts) > 2 and parts[0] == "policy" and parts[2] in ("ban", "quota", "licence"):
        del parts[2]
    return ".".join(str(p) for p in parts) if parts else "(top level)"


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _rule_from_pydantic(err: Mapping[str, Any]) -> InputError:
    loc = tuple(err["loc"])
    typ = err["type"]
    ctx = err.get("ctx", {}) or {}
    value = err.get("input")
    path = _path(loc)
    if typ == "extra_forbidden" and loc[-1] == "approval_probability":
        return InputError("", path, "is no longer a field: a licence is a queue; give approve_share (and reject_share; "
                          "the rest of each decision stays pending)", value)
    if typ == "extra_forbidden":
        owner = _model_at(loc[:-1])
        options = [f for f in owner.model_fields if f != "table"] if owner else []
        return InputError("", path, "unknown key" + suggest(str(loc[-1]), options), value)
    if typ == "missing":
        return InputError("", path, "is required", MISSING)
    if typ in ("greater_than_equal",):
        note = " (a gram a year)" if loc[-1] == "annual_demand" else ""
        return InputError("", path, f"must be >= {_num(ctx.get('ge'))}{note}", value)
    if typ in ("greater_than",):
        return InputError("", path, f"must be > {_num(ctx.get('gt'))}", value)
    if typ in ("less_than_equal",):
        return InputError("", path, f"must be <= {_num(ctx.get('le'))}", value)
    if typ in ("less_than",):
        return InputError("", path, f"must be < {_num(ctx.get('lt'))}", value)
    if typ in ("int_type", "int_parsing", "int_from_float"):
        return InputError("", path, "must be a whole number", value)
    if typ in ("float_type", "float_parsing"):
        return InputError("", path, "must be a number", value)
    if typ == "finite_number":
        return InputError("", path, "must be a finite number", value)
    if typ in ("list_type", "tuple_type"):
        return InputError("", path, "must be a list", value)
    if typ == "bool_type":
        return InputError("", path, "must be true or false", value)
    if typ in ("string_type",):
        return InputError("", path, "must be a string", value)
    if typ in ("dict_type", "model_type", "model_attributes_type"):
        return InputError("", path, "must be a table", value)
    if typ == "union_tag_invalid":
        return InputError("", path + ".kind", "must be one of 'ban', 'quota', 'licence'", ctx.get("tag"))
    if typ == "union_tag_not_found":
        return InputError("", path + ".kind", "is required (one of 'ban', 'quota', 'licence')", MISSING)
    if typ == "literal_error":
        return InputError("", path, f"must be one of {ctx.get('expected')}", value)
    if typ in ("too_short",):
        return InputError("", path, "must not be empty", value)
    return InputError("", path, str(err.get("msg", typ)).lower(), value)


def build_scenario(data: Mapping[str, Any], *, file: str = "<scenario>", table: IOTable | None = None,
                   warn: bool = True) -> Scenario:
    """Validate a parsed scenario mapping into a frozen :class:`Scenario`.

    Parameters
    ----------
    data : mapping
        The scenario as parsed from TOML/JSON (``extends`` already resolved).
    file : str
        Name used in error messages.
    table : IOTable, optional
        The economy's input-output table (loaded by :mod:`simulator.model.loading`).
    warn : bool
        Issue an :class:`~simulator.errors.InputWarning` for every unusual
        value (:func:`scenario_warnings`).

    Raises
    ------
    InputError
        On the first broken rule (further ones are listed after it).
    """
    raw = dict(data)
    raw.pop("extends", None)
    raw["uncertainty"] = _flatten_priors(raw.get("uncertainty", {}), file)
    run_in = raw.get("run")
    if isinstance(run_in, Mapping) and isinstance(run_in.get("start_date"), str):  # JSON has no date type
        try:
            raw["run"] = {**run_in, "start_date": datetime.date.fromisoformat(run_in["start_date"])}
        except ValueError:
            raise InputError(file, "run.start_date", "must be a date (YYYY-MM-DD)", run_in["start_date"]) from None
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as exc:
        errs = [_rule_from_pydantic(e) for e in exc.errors()]
        first = errs[0]
        raise InputError(file, first.field, first.rule, first.value, [e.with_file(file) for e in errs[1:]]) from None
    if table is not None:
        sc = sc.model_copy(update={"economy": sc.economy.model_copy(update={"table": table})})
    problems = list(_cross_checks(sc))
    run_raw = raw.get("run")
    start = sc.run.start_date
    if start is not None:
        weekday = start.weekday()
        if not (isinstance(run_raw, Mapping) and "start_weekday" in run_raw):
            sc = sc.model_copy(update={"run": sc.run.model_copy(update={"start_weekday": weekday})})
        elif sc.run.start_weekday != weekday:
            problems.append(("run.start_weekday", f"must be the weekday of run.start_date ({start.isoformat()} is {weekday}, "
                             "0 Monday ... 6 Sunday)", sc.run.start_weekday))
    if problems:
        f, r, v = problems[0]
        raise InputError(file, f, r, v, [InputError(file, *p) for p in problems[1:]])
    if warn:
        for f, r, v in scenario_warnings(sc):
            warnings.warn(InputWarning(file, f, r, v), stacklevel=2)
    return sc.model_copy(update={"origin": file})


def _flatten_priors(tree: Any, file: str, prefix: str = "") -> dict[str, Any]:
    """Accept both ``"a.b.c" = {dist=...}`` and nested ``[uncertainty.a.b] c = {dist=...}``."""
    if not isinstance(tree, Mapping):
        raise InputError(file, "uncertainty" + (f".{prefix}" if prefix else ""), "must be a table", tree)
    out: dict[str, Any] = {}
    for key, val in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(val, Mapping) and "dist" in val:
            out[path] = val
        elif isinstance(val, Mapping):
            out.update(_flatten_priors(val, file, path))
        else:
            raise InputError(file, f"uncertainty.{path}", "must be a prior table such as {dist = \"uniform\", low = ..., high = ...}", val)
    return out


def _cross_checks(sc: Scenario) -> list[tuple[str, str, Any]]:
    """Rules that span several fields. Returns (field, rule, value) triples."""
    p: list[tuple[str, str, Any]] = []
    mats = list(sc.materials)
    if not sc.materials:
        p.append(("materials", "must define at least one material", {}))
    if not sc.sources:
        p.append(("sources", "must define at least one source", {}))
    if not sc.sectors:
        p.append(("sectors", "must define at least one sector", {}))
    p.extend(_money_checks(sc.economy))
    # sources
    supply_sum = {m: 0.0 for m in mats}
    for k, src in sc.sources.items():
        for m, sup in src.supply.items():
            if m not in sc.materials:
                p.append((f"sources.{k}.supply.{m}", "names an unknown material" + suggest(m, mats), m))
            else:
                supply_sum[m] += sup.share
    for m, tot in supply_sum.items():
        if abs(tot - 1.0) > SHARE_TOLERANCE:
            p.append((f"sources.*.supply.{m}.share", "shares of a material's supply must sum to 1", round(tot, 9)))
    _conversion_checks(sc, p)
    # sectors (and conversions' baseline use of their inputs)
    use_sum = {m: 0.0 for m in mats}
    for src in sc.sources.values():
        for m, sup in src.supply.items():
            if m in sc.materials:
                for i, amount in sup.recipe.items():
                    if i in use_sum:
                        use_sum[i] += conversion_use_share(sc, sup, m, i, amount)
    codes = list(sc.economy.table.codes) if sc.economy.table is not None else None
    io_share_sum: dict[str, float] = {}
    for s, sec in sc.sectors.items():
        if codes is not None and sec.io_sector not in codes:
            p.append((f"sectors.{s}.io_sector", "must be a sector of the input-output table" + suggest(sec.io_sector, codes), sec.io_sector))
        io_share_sum[sec.io_sector] = io_share_sum.get(sec.io_sector, 0.0) + sec.io_share
        for m, sm in sec.materials.items():
            if m not in sc.materials:
                p.append((f"sectors.{s}.materials.{m}", "names an unknown material" + suggest(m, mats), m))
            else:
                use_sum[m] += sm.use_share
    for code, tot in io_share_sum.items():
        if tot > 1.0 + SHARE_TOLERANCE:
            p.append((f"sectors.*.io_share (io_sector {code!r})", "shares of one table sector must sum to at most 1", round(tot, 9)))
    for m, tot in use_sum.items():
        if abs(tot - 1.0) > SHARE_TOLERANCE:
            conv = any(m in sup.recipe for src in sc.sources.values() for sup in src.supply.values())
            rule = ("shares of a material's use must sum to 1" + (" (with the domestic conversions' baseline use of it:"
                    " recipe x share x the product's annual_demand / this material's annual_demand)" if conv else ""))
            p.append((f"sectors.*.materials.{m}.use_share", rule, round(tot, 9)))
    for s, sec in sc.sectors.items():
        for m, sm in sec.materials.items():
            if sm.criticality_floor is None:
                continue
            where = f"sectors.{s}.materials.{m}"
            if sm.criticality_floor > sm.criticality:
                p.append((f"{where}.criticality_floor", f"must be at most criticality ({sm.criticality:g})", sm.criticality_floor))
            elif f"{where}.criticality_floor" in sc.uncertainty:
                f_lo, f_hi = _prior_range(sc, f"{where}.criticality_floor", sm.criticality_floor)
                c_lo, c_hi = _prior_range(sc, f"{where}.criticality", sm.criticality)
                if f_lo <= f_hi and c_lo <= c_hi and f_lo > c_hi:  # a broken prior is named by its own check
                    p.append((f"uncertainty.{where}.criticality_floor", f"prior never draws a floor at or below criticality"
                              f" (at most {c_hi:g}), so it never substitutes", f_lo))
    # policy
    windows: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for j, meas in sc.policy.items():
        if meas.source not in sc.sources:
            p.append((f"policy.{j}.source", "names an unknown source" + suggest(meas.source, list(sc.sources)), meas.source))
            continue
        if any(sup.recipe for sup in sc.sources[meas.source].supply.values()):
            p.append((f"policy.{j}.source", "must be an exporting source, not a domestic conversion (a source with a recipe)",
                      meas.source))
            continue
        if meas.end_day <= meas.start_day:
            p.append((f"policy.{j}.end_day", f"must be after start_day ({meas.start_day})", meas.end_day))
        for m in meas.materials:
            if m not in sc.materials:
                p.append((f"policy.{j}.materials", "names an unknown material" + suggest(m, mats), m))
            elif m not in sc.sources[meas.source].supply:
                p.append((f"policy.{j}.materials", f"names a material that source {meas.source!r} does not supply", m))
        if isinstance(meas, Licence):
            _licence_checks(sc, j, meas, p)
    # priors
    targets = prior_targets(sc)
    for path, prior in sc.uncertainty.items():
        where = f"uncertainty.{path}"
        if path not in targets:
            if path.rsplit(".", 1)[-1] in _NOT_UNCERTAIN:
                last = path.rsplit('.', 1)[-1]
                p.append((where, f"{last} cannot take a prior ({_NOT_UNCERTAIN[last]}, not a quantity)", path))
            else:
                p.append((where, "is not a numeric field of this scenario" + _suggest_path(path, list(targets)), path))
            continue
        chk = prior.check()
        if chk is not None:
            p.append((f"{where}.{chk[0]}", chk[1], chk[2]))
            continue
        model, field, _ = targets[path]
        lo, hi, lo_open, hi_open = _bounds(model, field)
        for centre in ("mean", "median"):
            c = getattr(prior, centre)
            if c is not None and not lo <= c <= hi:
                p.append((f"{where}.{centre}", f"must be a value {field} can take, in [{lo:g}, {hi:g}]", c))
        slo, shi = prior.support()
        if slo < lo or (lo_open and slo <= lo):
            p.append((where, f"prior can draw {slo:g}, but {field} must be {'>' if lo_open else '>='} {lo:g}", slo))
        elif shi > hi or (hi_open and shi >= hi):
            p.append((where, f"prior can draw {shi:g}, but {field} must be {'<' if hi_open else '<='} {hi:g}", shi))
    # measure windows (with the widest range the priors allow) must not overlap
    for j, meas in sc.policy.items():
        if meas.source not in sc.sources:
            continue
        s0 = _prior_range(sc, f"policy.{j}.start_day", meas.start_day)
        e0 = _prior_range(sc, f"policy.{j}.end_day", meas.end_day)
        if e0[0] <= s0[1] and (f"policy.{j}.start_day" in sc.uncertainty or f"policy.{j}.end_day" in sc.uncertainty):
            p.append((f"uncertainty.policy.{j}", "priors allow end_day <= start_day",
                      f"start_day up to {s0[1]:g}, end_day from {e0[0]:g}"))
        for m in meas.materials:
            windows.setdefault((meas.source, m), []).append((j, int(s0[0]), math.ceil(e0[1])))
    for (k, m), ws in windows.items():
        ws.sort(key=lambda w: w[1])
        for a, b in itertools.pairwise(ws):
            if b[1] < a[2]:
                p.append((f"policy.{b[0]}", f"overlaps policy.{a[0]} on source {k!r}, material {m!r} (one measure per source and material at a time)", f"days {b[1]}-{b[2]}"))
    # share groups with priors: drawn shares must leave room for the rest
    for m in mats:
        _share_group_check(sc, m, p)
    if sc.calibration.posterior is not None:
        _posterior_check(sc, sc.calibration.posterior, p)
    return p


def conversion_use_share(sc: Scenario, sup: Supply, product: str, inp: str, amount: float) -> float:
    """A domestic conversion's baseline use of an input, as a share of the input's annual demand.

    ``amount x share x annual_demand(product) / annual_demand(input)``.
    """
    return amount * sup.share * sc.materials[product].annual_demand / sc.materials[inp].annual_demand


def _conversion_checks(sc: Scenario, p: list[tuple[str, str, Any]]) -> None:
    """Recipes: known inputs other than the product, no loops; a conversion needs a day to make its product."""
    mats = list(sc.materials)
    makes: dict[str, set[str]] = {}
    for k, src in sc.sources.items():
        for m, sup in src.supply.items():
            if not sup.recipe:
                continue
            where = f"sources.{k}.supply.{m}.recipe"
            for i in sup.recipe:
                if i not in sc.materials:
                    p.append((f"{where}.{i}", "names an unknown material" + suggest(i, mats), i))
                elif i == m:
                    p.append((f"{where}.{i}", "must not make a material from itself", i))
                else:
                    makes.setdefault(m, set()).add(i)
            if src.transit_days < 2:
                p.append((f"sources.{k}.transit_days", "must be at least 2 for a domestic conversion (made the day after"
                          " the order, then delivered)", src.transit_days))
            elif f"sources.{k}.transit_days" in sc.uncertainty and sc.uncertainty[f"sources.{k}.transit_days"].support()[0] < 1.5:
                p.append((f"uncertainty.sources.{k}.transit_days", "prior can draw fewer than 2 days (rounded), but a"
                          " domestic conversion needs at least 2 (made the day after the order, then delivered)",
                          sc.uncertainty[f"sources.{k}.transit_days"].support()[0]))
    # a loop of recipes (a made from b, b made from a) cannot start
    for start in sorted(makes):
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(makes.get(node, ())):
                if nxt == start:
                    loop = " <- ".join([*trail, nxt])
                    p.append((f"sources.*.supply.{start}.recipe", "recipes must not form a loop (a material made, in the"
                              " end, from itself)", loop))
                    return
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))


def _posterior_check(sc: Scenario, post: PosteriorSample, p: list[tuple[str, str, Any]]) -> None:
    """Columns name fields that may take a prior, once each; rows are complete and inside each field's bounds."""
    where = "calibration.posterior"
    targets = prior_targets(sc)
    if not post.columns:
        p.append((f"{where}.columns", "must name at least one field", post.columns))
        return
    if len(set(post.columns)) != len(post.columns):
        p.append((f"{where}.columns", "must name each field once", post.columns))
    if not post.draws:
        p.append((f"{where}.draws", "must hold at least one row", 0))
    for c in post.columns:
        if c not in targets:
            p.append((f"{where}.columns", "must be numeric fields that may take a prior"
                      + suggest(c, list(targets), listing=False), c))
            return
    for i, row in enumerate(post.draws):
        if len(row) != len(post.columns):
            p.append((f"{where}.draws[{i}]", f"must hold one value per column ({len(post.columns)})", len(row)))
            return
    for j, c in enumerate(post.columns):
        cls, f, _ = targets[c]
        lo, hi, lo_open, hi_open = _bounds(cls, f)
        vals = [row[j] for row in post.draws]
        bad = [v for v in vals if v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi)]
        if bad:
            p.append((f"{where}.draws", f"column {c!r} must lie in [{lo:g}, {hi:g}]", bad[0]))


def _money_checks(econ: Economy) -> list[tuple[str, str, Any]]:
    """Price year, table year and the index linking them."""
    p: list[tuple[str, str, Any]] = []
    for year in econ.price_index:
        if not (year.isdigit() and len(year) == 4):
            p.append((f"economy.price_index.{year}", "keys must be years (four digits)", year))
    if econ.price_year is None:
        return p
    if econ.table_year is None:
        p.append(("economy.table_year", f"is required when price_year is set (the year of the table's money); price_year is {econ.price_year}", None))
        return p
    if econ.price_year != econ.table_year:
        have = sorted(econ.price_index)
        for field, y in (("price_year", econ.price_year), ("table_year", econ.table_year)):
            if str(y) not in econ.price_index:
                rule = (f"needs a value in economy.price_index to convert the {econ.table_year} table to {econ.price_year} money"
                        f" (index has {', '.join(have) if have else 'no years'})")
                p.append((f"economy.{field}", rule, y))
    return p


def _prior_range(sc: Scenario, path: str, base: float) -> tuple[float, float]:
    pr = sc.uncertainty.get(path)
    return pr.support() if pr is not None else (float(base), float(base))


def share_groups(sc: Scenario) -> dict[str, list[str]]:
    """Groups of share fields that must sum to one: group name -> member paths."""
    groups: dict[str, list[str]] = {}
    for m in sc.materials:
        groups[f"supply:{m}"] = [f"sources.{k}.supply.{m}.share" for k, src in sc.sources.items() if m in src.supply]
        groups[f"use:{m}"] = [f"sectors.{s}.materials.{m}.use_share" for s, sec in sc.sectors.items() if m in sec.materials]
    return groups


def _share_group_check(sc: Scenario, m: str, p: list[tuple[str, str, Any]]) -> None:
    targets = prior_targets(sc)
    for name, members in share_groups(sc).items():
        if not name.endswith(f":{m}"):
            continue
        drawn = [x for x in members if x in sc.uncertainty]
        if not drawn:
            continue
        rest = [x for x in members if x not in sc.uncertainty]
        hi = sum(sc.uncertainty[x].support()[1] for x in drawn)
        rest_base = sum(targets[x][2] for x in rest)
        if rest and hi > 1.0 + SHARE_TOLERANCE:
            p.append((f"uncertainty.{drawn[-1]}", f"priors on the shares of {m!r} can sum to more than 1 (the other shares are scaled to fill the rest)", round(hi, 9)))
        elif rest and rest_base <= 0.0:
            p.append((f"uncertainty.{drawn[-1]}", f"the other shares of {m!r} are all zero, so they cannot be scaled to fill 1 minus the drawn shares", rest_base))


def _licence_checks(sc: Scenario, j: str, meas: Licence, p: list[tuple[str, str, Any]]) -> None:
    """A licence regime: processing-time priors, decision shares, schedule order."""
    where = f"policy.{j}"
    priors = [(f"{where}.processing_days", meas.processing_days)]
    priors += [(f"{where}.schedule.{h}.processing_days", ph.processing_days)
               for h, ph in meas.schedule.items() if ph.processing_days is not None]
    for path, pr in priors:
        chk = pr.check()
        if chk is not None:
            p.append((f"{path}.{chk[0]}", chk[1], chk[2]))
        elif pr.support()[0] < 0:
            p.append((path, "must not produce negative working days (a normal needs low >= 0)",
                      pr.model_dump(exclude_none=True, exclude={"source"})))
        elif pr.support()[1] > MAX_PROCESSING_DAYS:
            p.append((path, f"must not produce more than {MAX_PROCESSING_DAYS} working days "
                      "(a normal or lognormal needs high)", pr.support()[1]))
    last = meas.start_day
    end_hi = _prior_range(sc, f"{where}.end_day", meas.end_day)[1]
    for h, ph in meas.schedule.items():
        if f"{where}.schedule.{h}.day" in sc.uncertainty:
            p.append((f"uncertainty.{where}.schedule.{h}.day", "a schedule's change days are fixed (no prior)", h))
        if ph.day <= last:
            rule = (f"must be after the previous change day ({last})" if last != meas.start_day
                    else f"must be after start_day ({meas.start_day})")
            p.append((f"{where}.schedule.{h}.day", rule + "; changes are listed in order of their days", ph.day))
        elif ph.day >= end_hi:
            p.append((f"{where}.schedule.{h}.day", f"must be before end_day ({end_hi:g})", ph.day))
        last = max(last, ph.day)
    # approve + reject <= 1 in every phase, with the widest range their priors allow
    names = {0: where, **{i + 1: f"{where}.schedule.{h}" for i, h in enumerate(meas.schedule)}}
    a_path, r_path = f"{where}.approve_share", f"{where}.reject_share"
    for i, ph in enumerate(meas.phases()):
        own = names[i]
        if i and list(meas.schedule.values())[i - 1].approve_share is not None:
            a_path = f"{own}.approve_share"
        if i and list(meas.schedule.values())[i - 1].reject_share is not None:
            r_path = f"{own}.reject_share"
        a_hi = _prior_range(sc, a_path, float(ph.approve_share or 0.0))[1]
        r_hi = _prior_range(sc, r_path, float(ph.reject_share or 0.0))[1]
        if a_hi + r_hi > 1.0 + SHARE_TOLERANCE:
            p.append((f"{own}.reject_share" if i == 0 or list(meas.schedule.values())[i - 1].reject_share is not None
                      else f"{own}.approve_share",
                      "approve_share + reject_share must be <= 1 (the rest stays pending)"
                      + (" with the widest values their priors allow" if a_path in sc.uncertainty or r_path in sc.uncertainty else ""),
                      round(a_hi + r_hi, 9)))
