"""The schema of the importing economy: GDP, money years and its input-output table, and the producing sectors
(shares of the table's sectors) with how each uses each material.

Units: the economy's currency for money, days for time, shares as fractions in [0, 1].
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt

from simulator.model.schema_base import Refs, Unit, _Frozen

__all__ = ["Economy", "IOTable", "MrioTable", "Sector", "SectorMaterial"]


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
