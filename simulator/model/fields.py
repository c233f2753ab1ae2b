"""What a scenario's fields mean beyond their types: which take a prior, their units and bounds, the share groups.

Read from the schema's metadata (:mod:`simulator.model.scenario`), so a field added there is covered without
listing it here: every dotted path that may take a prior (:func:`prior_targets`), a field's unit and usual range
(:func:`unit_of`) and hard range (:func:`bounds`), the shares that must sum to one (:func:`share_groups`), and
the words every output uses for money (:func:`money_unit`) and for the calibration (:func:`calibration_status`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict

from simulator.model.scenario import Scenario
from simulator.model.schema_base import Unit
from simulator.model.schema_measures import Licence
from simulator.model.schema_prior import Prior
from simulator.model.schema_supply import Supply

__all__ = [
    "NOT_UNCERTAIN",
    "bounds",
    "calibration_status",
    "conversion_use_share",
    "is_integer_field",
    "money_unit",
    "numeric_fields",
    "prior_targets",
    "share_groups",
    "unit_of",
]

NOT_UNCERTAIN = {"priority": "an allocation rank", "input_priority": "an allocation rank", "price_year": "a calendar year",
                 "table_year": "a calendar year", "cohorts": "a number of firm cohorts"}
"""Numeric fields that may not take a prior (structure, not quantity): field name -> what it is."""

_INTEGER_FIELDS = {"transit_days", "decision_lag_days", "start_day", "end_day", "day"}
"""Integer fields: drawn values are rounded to the nearest integer."""


def bounds(model: type[BaseModel], field: str) -> tuple[float, float, bool, bool]:
    """The hard range of a numeric field, from its ``Ge``/``Gt``/``Le``/``Lt`` metadata.

    Parameters
    ----------
    model : type of BaseModel
        The model that owns the field.
    field : str
        The field's name.

    Returns
    -------
    tuple
        ``(low, high, low_open, high_open)``: ``-inf``/``inf`` where the field has no bound on that side;
        ``low_open`` (``high_open``) when the value may not equal ``low`` (``high``).
    """
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
    """The names of a model's numeric fields that may take a prior."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if name in NOT_UNCERTAIN:
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


class _RecipeAmount(BaseModel):
    """Bounds of a recipe's input (for priors on ``sources.<k>.supply.<m>.recipe.<input>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Annotated[float, Gt(0), Le(1000), Unit("t per t")]


class _IndexLevel(BaseModel):
    """Bounds of a price-index level (for priors on ``economy.price_index.<year>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Annotated[float, Gt(0), Unit("index level (nominal)")]


def prior_targets(sc: Scenario) -> dict[str, tuple[type[BaseModel], str, float]]:
    """Every dotted path that may take a prior, with its model, field and base value.

    Parameters
    ----------
    sc : Scenario
        The scenario whose fields are listed.

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
    """The :class:`~simulator.model.schema_base.Unit` metadata of a field, if it has one."""
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


def is_integer_field(field: str) -> bool:
    """True if values of this field are whole days (drawn values are rounded)."""
    return field in _INTEGER_FIELDS


def share_groups(sc: Scenario) -> dict[str, list[str]]:
    """Groups of share fields that must sum to one: group name -> member paths."""
    groups: dict[str, list[str]] = {}
    for m in sc.materials:
        groups[f"supply:{m}"] = [f"sources.{k}.supply.{m}.share" for k, src in sc.sources.items() if m in src.supply]
        groups[f"use:{m}"] = [f"sectors.{s}.materials.{m}.use_share" for s, sec in sc.sectors.items() if m in sec.materials]
    return groups


def conversion_use_share(sc: Scenario, sup: Supply, product: str, inp: str, amount: float) -> float:
    """A domestic conversion's baseline use of an input, as a share of the input's annual demand.

    ``amount x share x annual_demand(product) / annual_demand(input)``.
    """
    return amount * sup.share * sc.materials[product].annual_demand / sc.materials[inp].annual_demand


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
