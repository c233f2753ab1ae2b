"""Validation: a parsed scenario mapping checked into a frozen :class:`~simulator.model.scenario.Scenario`.

This is the only place user input is checked. :func:`build_scenario` validates a plain mapping (parsed from
TOML or JSON by :mod:`simulator.model.loading`) against the schema (its errors in the rules' words:
:mod:`simulator.model.schema_errors`), then walks :data:`CROSS_FIELD_RULES`, the rules that span several fields
(in :mod:`simulator.model.rules_economy`, :mod:`~simulator.model.rules_supply`,
:mod:`~simulator.model.rules_measures` and :mod:`~simulator.model.rules_priors`), in order; anything wrong raises
:class:`~simulator.errors.InputError` naming the file, the dotted field path, the rule and the value given (the
first problem, then the rest in the rules' order). The values that are valid but unusual are warned about
(:func:`simulator.model.unusual.scenario_warnings`). The engines trust a
:class:`~simulator.model.scenario.Scenario` and never check it again.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from simulator.errors import InputError, InputWarning, suggest
from simulator.model.rules_common import MeasureRule, Problem, Rule
from simulator.model.rules_economy import (
    _criticality_floors,
    _io_shares_sum,
    _money_years,
    _price_index_years,
    _sector_names,
    _start_weekday,
    _tables_not_empty,
    _use_shares_sum,
)
from simulator.model.rules_measures import (
    _licence_decision_shares,
    _licence_processing_days,
    _licence_schedule_days,
    _measure_days,
    _measure_materials,
    _measure_overlaps,
    _measure_window_priors,
)
from simulator.model.rules_priors import _posterior_sample, _priors, _share_group_priors
from simulator.model.rules_supply import _conversion_recipes, _recipe_loops, _supply_materials_known, _supply_shares_sum
from simulator.model.scenario import Scenario
from simulator.model.schema_economy import IOTable
from simulator.model.schema_errors import _rule_from_pydantic
from simulator.model.unusual import scenario_warnings

__all__ = ["CROSS_FIELD_RULES", "MEASURE_RULES", "build_scenario"]


def build_scenario(data: Mapping[str, Any], *, file: str = "<scenario>", table: IOTable | None = None,
                   warn: bool = True) -> Scenario:
    """Validate a parsed scenario mapping into a frozen :class:`~simulator.model.scenario.Scenario`.

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
        On the first broken rule (further ones are listed after it): the schema's first, else the first
        problem of the first rule in :data:`CROSS_FIELD_RULES` that finds one.
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
    run_raw = raw.get("run")
    start = sc.run.start_date
    if start is not None and not (isinstance(run_raw, Mapping) and "start_weekday" in run_raw):
        # the weekday follows the date unless the file gives it (then it must agree: _start_weekday)
        sc = sc.model_copy(update={"run": sc.run.model_copy(update={"start_weekday": start.weekday()})})
    problems = [problem for rule in CROSS_FIELD_RULES for problem in rule(sc)]
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


MEASURE_RULES: tuple[MeasureRule, ...] = (
    _measure_days,
    _measure_materials,
    _licence_processing_days,
    _licence_schedule_days,
    _licence_decision_shares,
)
"""A measure's own rules, in the order :func:`_measures` reports them for each measure."""


def _measures(sc: Scenario) -> Iterator[Problem]:
    """policy.<j>.source: names an unknown source, or must be an exporting source, not a domestic conversion; then,
    measure by measure, its own rules (:data:`MEASURE_RULES`)."""
    for j, meas in sc.policy.items():
        if meas.source not in sc.sources:
            yield (f"policy.{j}.source", "names an unknown source" + suggest(meas.source, list(sc.sources)), meas.source)
            continue
        if any(sup.recipe for sup in sc.sources[meas.source].supply.values()):
            yield (f"policy.{j}.source", "must be an exporting source, not a domestic conversion (a source with a recipe)",
                   meas.source)
            continue
        for rule in MEASURE_RULES:
            yield from rule(sc, j, meas)


CROSS_FIELD_RULES: tuple[Rule, ...] = (
    _tables_not_empty,
    _price_index_years,
    _money_years,
    _supply_materials_known,
    _supply_shares_sum,
    _conversion_recipes,
    _recipe_loops,
    _sector_names,
    _io_shares_sum,
    _use_shares_sum,
    _criticality_floors,
    _measures,
    _priors,
    _measure_window_priors,
    _measure_overlaps,
    _share_group_priors,
    _posterior_sample,
    _start_weekday,
)
"""The rules that span several fields, in the order :func:`build_scenario` walks them (and so reports what they
find): each rule's docstring names the fields and the rule as its message states them."""
