"""Scenario: the top-level model of a scenario file, with its settings tables (firms, adaptation, calibration, run).

A :class:`Scenario` holds the economy, materials, sources, sectors, measures and priors (their models live in
:mod:`simulator.model.schema_economy`, :mod:`simulator.model.schema_supply`, :mod:`simulator.model.schema_measures`
and :mod:`simulator.model.schema_prior`, on the base of :mod:`simulator.model.schema_base`), and the tables that
set how a run goes: firm cohorts, the adaptation switches, the calibration's scales and sample, the run settings.
It is built from a parsed file by :func:`simulator.model.validation.build_scenario`, which also checks the rules
that span several fields; what the fields mean beyond their types (which may take a prior, share groups) is read
by :mod:`simulator.model.fields`. The engines trust a :class:`Scenario` and never check it again.

Units: tonnes (t) for material, the economy's currency for money, days for
time (working days for licence processing), shares as fractions in [0, 1].
"""

from __future__ import annotations

import datetime
from typing import Annotated

from annotated_types import Ge, Gt, Le

from simulator.model.schema_base import Refs, Unit, _Frozen
from simulator.model.schema_economy import Economy, Sector
from simulator.model.schema_measures import Measure
from simulator.model.schema_prior import Prior
from simulator.model.schema_supply import Material, Source

__all__ = ["Adaptation", "Firms", "RunSettings", "Scenario"]


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
