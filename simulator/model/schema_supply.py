"""The schema of materials and their supply: each material's demand, price, inventory and stockpile, and what
each source supplies of it (imports, or a domestic conversion with a recipe).

Units: tonnes (t) for material, the economy's currency for money, days for time, shares as fractions in [0, 1].
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Gt, Le

from simulator.model.schema_base import Refs, Unit, _Frozen

__all__ = ["Material", "Source", "Stockpile", "Supply"]


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
