"""Validation: a parsed scenario mapping checked into a frozen :class:`~simulator.model.scenario.Scenario`.

This is the only place user input is checked. :func:`build_scenario` validates a plain mapping (parsed from
TOML or JSON by :mod:`simulator.model.loading`) against the schema, then walks :data:`CROSS_FIELD_RULES`, the
rules that span several fields, in order; anything wrong raises :class:`~simulator.errors.InputError` naming
the file, the dotted field path, the rule and the value given (the first problem, then the rest in the
rules' order). :func:`scenario_warnings` lists the values that are valid but unusual. The engines trust a
:class:`~simulator.model.scenario.Scenario` and never check it again.
"""

from __future__ import annotations

import datetime
import difflib
import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from simulator.errors import MISSING, InputError, InputWarning, suggest
from simulator.model.fields import (
    NOT_UNCERTAIN,
    bounds,
    conversion_use_share,
    numeric_fields,
    prior_targets,
    share_groups,
    unit_of,
)
from simulator.model.scenario import Scenario
from simulator.model.schema_economy import IOTable
from simulator.model.schema_measures import Ban, Licence, Quota

__all__ = [
    "CROSS_FIELD_RULES",
    "MAX_PROCESSING_DAYS",
    "MEASURE_RULES",
    "SHARE_TOLERANCE",
    "MeasureRule",
    "Problem",
    "Rule",
    "build_scenario",
    "scenario_warnings",
]

SHARE_TOLERANCE = 1e-6
"""Shares that must sum to one may miss by at most this much."""

MAX_PROCESSING_DAYS = 3650
"""Hard upper end of a licence's processing time prior, working days."""

Problem = tuple[str, str, Any]
"""One broken rule: ``(field, rule, value)``, as :class:`~simulator.errors.InputError` names it."""

Rule = Callable[[Scenario], Iterator[Problem]]
"""A cross-field rule: the problems it finds in a scenario the schema accepted, in the order it reports them."""


# ------------------------------------------------------------ building


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


# ------------------------------------------------------------ the schema's errors in the rules' words


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
    """The dotted field path of a pydantic error location (a measure's ``kind`` tag left out)."""
    parts = list(loc)
    # pydantic puts the discriminator tag after the measure's name: policy.<name>.<kind>.<field>
    if len(parts) > 2 and parts[0] == "policy" and parts[2] in ("ban", "quota", "licence"):
        del parts[2]
    return ".".join(str(p) for p in parts) if parts else "(top level)"


def _num(x: Any) -> str:
    """A bound as a message shows it (``1e+11``, ``0.5``)."""
    return f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _rule_from_pydantic(err: Mapping[str, Any]) -> InputError:
    """One pydantic error as an :class:`~simulator.errors.InputError` in the rules' words (its file filled in later)."""
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


# ------------------------------------------------------------ cross-field rules


def _prior_range(sc: Scenario, path: str, base: float) -> tuple[float, float]:
    """The widest range a field takes: its prior's support, else its value."""
    pr = sc.uncertainty.get(path)
    return pr.support() if pr is not None else (float(base), float(base))


def _tables_not_empty(sc: Scenario) -> Iterator[Problem]:
    """materials, sources, sectors: must define at least one material (source, sector)."""
    if not sc.materials:
        yield ("materials", "must define at least one material", {})
    if not sc.sources:
        yield ("sources", "must define at least one source", {})
    if not sc.sectors:
        yield ("sectors", "must define at least one sector", {})


def _price_index_years(sc: Scenario) -> Iterator[Problem]:
    """economy.price_index.<year>: keys must be years (four digits)."""
    for year in sc.economy.price_index:
        if not (year.isdigit() and len(year) == 4):
            yield (f"economy.price_index.{year}", "keys must be years (four digits)", year)


def _money_years(sc: Scenario) -> Iterator[Problem]:
    """economy.table_year: is required when price_year is set; economy.price_year and table_year: needs a value in
    economy.price_index to convert the table to price_year money."""
    econ = sc.economy
    if econ.price_year is None:
        return
    if econ.table_year is None:
        yield ("economy.table_year", f"is required when price_year is set (the year of the table's money); price_year is {econ.price_year}", None)
        return
    if econ.price_year != econ.table_year:
        have = sorted(econ.price_index)
        for field, y in (("price_year", econ.price_year), ("table_year", econ.table_year)):
            if str(y) not in econ.price_index:
                rule = (f"needs a value in economy.price_index to convert the {econ.table_year} table to {econ.price_year} money"
                        f" (index has {', '.join(have) if have else 'no years'})")
                yield (f"economy.{field}", rule, y)


def _supply_materials_known(sc: Scenario) -> Iterator[Problem]:
    """sources.<k>.supply.<m>: names an unknown material."""
    mats = list(sc.materials)
    for k, src in sc.sources.items():
        for m in src.supply:
            if m not in sc.materials:
                yield (f"sources.{k}.supply.{m}", "names an unknown material" + suggest(m, mats), m)


def _supply_shares_sum(sc: Scenario) -> Iterator[Problem]:
    """sources.*.supply.<m>.share: shares of a material's supply must sum to 1."""
    supply_sum = {m: 0.0 for m in sc.materials}
    for src in sc.sources.values():
        for m, sup in src.supply.items():
            if m in sc.materials:
                supply_sum[m] += sup.share
    for m, tot in supply_sum.items():
        if abs(tot - 1.0) > SHARE_TOLERANCE:
            yield (f"sources.*.supply.{m}.share", "shares of a material's supply must sum to 1", round(tot, 9))


def _conversion_recipes(sc: Scenario) -> Iterator[Problem]:
    """sources.<k>.supply.<m>.recipe.<input>: names an unknown material, or must not make a material from itself;
    sources.<k>.transit_days: must be at least 2 for a domestic conversion (and its prior must not draw fewer)."""
    mats = list(sc.materials)
    for k, src in sc.sources.items():
        for m, sup in src.supply.items():
            if not sup.recipe:
                continue
            where = f"sources.{k}.supply.{m}.recipe"
            for i in sup.recipe:
                if i not in sc.materials:
                    yield (f"{where}.{i}", "names an unknown material" + suggest(i, mats), i)
                elif i == m:
                    yield (f"{where}.{i}", "must not make a material from itself", i)
            transit = f"sources.{k}.transit_days"
            if src.transit_days < 2:
                yield (transit, "must be at least 2 for a domestic conversion (made the day after the order, then"
                       " delivered)", src.transit_days)
            elif transit in sc.uncertainty and sc.uncertainty[transit].support()[0] < 1.5:
                yield (f"uncertainty.{transit}", "prior can draw fewer than 2 days (rounded), but a domestic conversion"
                       " needs at least 2 (made the day after the order, then delivered)",
                       sc.uncertainty[transit].support()[0])


def _recipe_loops(sc: Scenario) -> Iterator[Problem]:
    """sources.*.supply.<m>.recipe: recipes must not form a loop (a material made, in the end, from itself)."""
    makes: dict[str, set[str]] = {}
    for src in sc.sources.values():
        for m, sup in src.supply.items():
            for i in sup.recipe:
                if i in sc.materials and i != m:
                    makes.setdefault(m, set()).add(i)
    for start in sorted(makes):  # only the first loop found is reported
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(makes.get(node, ())):
                if nxt == start:
                    loop = " <- ".join([*trail, nxt])
                    yield (f"sources.*.supply.{start}.recipe", "recipes must not form a loop (a material made, in the"
                           " end, from itself)", loop)
                    return
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))


def _sector_names(sc: Scenario) -> Iterator[Problem]:
    """sectors.<s>.io_sector: must be a sector of the input-output table; sectors.<s>.materials.<m>: names an
    unknown material (sector by sector)."""
    mats = list(sc.materials)
    codes = list(sc.economy.table.codes) if sc.economy.table is not None else None
    for s, sec in sc.sectors.items():
        if codes is not None and sec.io_sector not in codes:
            yield (f"sectors.{s}.io_sector", "must be a sector of the input-output table" + suggest(sec.io_sector, codes),
                   sec.io_sector)
        for m in sec.materials:
            if m not in sc.materials:
                yield (f"sectors.{s}.materials.{m}", "names an unknown material" + suggest(m, mats), m)


def _io_shares_sum(sc: Scenario) -> Iterator[Problem]:
    """sectors.*.io_share: shares of one table sector must sum to at most 1."""
    io_share_sum: dict[str, float] = {}
    for sec in sc.sectors.values():
        io_share_sum[sec.io_sector] = io_share_sum.get(sec.io_sector, 0.0) + sec.io_share
    for code, tot in io_share_sum.items():
        if tot > 1.0 + SHARE_TOLERANCE:
            yield (f"sectors.*.io_share (io_sector {code!r})", "shares of one table sector must sum to at most 1", round(tot, 9))


def _use_shares_sum(sc: Scenario) -> Iterator[Problem]:
    """sectors.*.materials.<m>.use_share: shares of a material's use must sum to 1 (with the domestic conversions'
    baseline use of it)."""
    use_sum = {m: 0.0 for m in sc.materials}
    for src in sc.sources.values():
        for m, sup in src.supply.items():
            if m in sc.materials:
                for i, amount in sup.recipe.items():
                    if i in use_sum:
                        use_sum[i] += conversion_use_share(sc, sup, m, i, amount)
    for sec in sc.sectors.values():
        for m, sm in sec.materials.items():
            if m in sc.materials:
                use_sum[m] += sm.use_share
    for m, tot in use_sum.items():
        if abs(tot - 1.0) > SHARE_TOLERANCE:
            conv = any(m in sup.recipe for src in sc.sources.values() for sup in src.supply.values())
            rule = ("shares of a material's use must sum to 1" + (" (with the domestic conversions' baseline use of it:"
                    " recipe x share x the product's annual_demand / this material's annual_demand)" if conv else ""))
            yield (f"sectors.*.materials.{m}.use_share", rule, round(tot, 9))


def _criticality_floors(sc: Scenario) -> Iterator[Problem]:
    """sectors.<s>.materials.<m>.criticality_floor: must be at most criticality (and its prior must draw a floor at
    or below criticality)."""
    for s, sec in sc.sectors.items():
        for m, sm in sec.materials.items():
            if sm.criticality_floor is None:
                continue
            where = f"sectors.{s}.materials.{m}"
            if sm.criticality_floor > sm.criticality:
                yield (f"{where}.criticality_floor", f"must be at most criticality ({sm.criticality:g})", sm.criticality_floor)
            elif f"{where}.criticality_floor" in sc.uncertainty:
                f_lo, f_hi = _prior_range(sc, f"{where}.criticality_floor", sm.criticality_floor)
                c_lo, c_hi = _prior_range(sc, f"{where}.criticality", sm.criticality)
                if f_lo <= f_hi and c_lo <= c_hi and f_lo > c_hi:  # a broken prior is named by its own check
                    yield (f"uncertainty.{where}.criticality_floor", f"prior never draws a floor at or below criticality"
                           f" (at most {c_hi:g}), so it never substitutes", f_lo)


# a measure's own rules, walked measure by measure by _measures once its source is an exporting one

def _measure_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.end_day: must be after start_day."""
    if meas.end_day <= meas.start_day:
        yield (f"policy.{j}.end_day", f"must be after start_day ({meas.start_day})", meas.end_day)


def _measure_materials(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.materials: names an unknown material, or a material the measure's source does not supply."""
    mats = list(sc.materials)
    for m in meas.materials:
        if m not in sc.materials:
            yield (f"policy.{j}.materials", "names an unknown material" + suggest(m, mats), m)
        elif m not in sc.sources[meas.source].supply:
            yield (f"policy.{j}.materials", f"names a material that source {meas.source!r} does not supply", m)


def _licence_processing_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.processing_days (and each schedule change's): must not produce negative working days, nor more
    than MAX_PROCESSING_DAYS (after the prior's own rules)."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
    priors = [(f"{where}.processing_days", meas.processing_days)]
    priors += [(f"{where}.schedule.{h}.processing_days", ph.processing_days)
               for h, ph in meas.schedule.items() if ph.processing_days is not None]
    for path, pr in priors:
        chk = pr.check()
        if chk is not None:
            yield (f"{path}.{chk[0]}", chk[1], chk[2])
        elif pr.support()[0] < 0:
            yield (path, "must not produce negative working days (a normal needs low >= 0)",
                   pr.model_dump(exclude_none=True, exclude={"source"}))
        elif pr.support()[1] > MAX_PROCESSING_DAYS:
            yield (path, f"must not produce more than {MAX_PROCESSING_DAYS} working days "
                   "(a normal or lognormal needs high)", pr.support()[1])


def _licence_schedule_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.schedule.<h>.day: must be after the previous change day (or start_day) and before end_day; a
    schedule's change days are fixed (no prior)."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
    last = meas.start_day
    end_hi = _prior_range(sc, f"{where}.end_day", meas.end_day)[1]
    for h, ph in meas.schedule.items():
        if f"{where}.schedule.{h}.day" in sc.uncertainty:
            yield (f"uncertainty.{where}.schedule.{h}.day", "a schedule's change days are fixed (no prior)", h)
        if ph.day <= last:
            rule = (f"must be after the previous change day ({last})" if last != meas.start_day
                    else f"must be after start_day ({meas.start_day})")
            yield (f"{where}.schedule.{h}.day", rule + "; changes are listed in order of their days", ph.day)
        elif ph.day >= end_hi:
            yield (f"{where}.schedule.{h}.day", f"must be before end_day ({end_hi:g})", ph.day)
        last = max(last, ph.day)


def _licence_decision_shares(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.reject_share (or a schedule change's): approve_share + reject_share must be <= 1 (the rest stays
    pending), in every phase, with the widest values their priors allow."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
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
            yield (f"{own}.reject_share" if i == 0 or list(meas.schedule.values())[i - 1].reject_share is not None
                   else f"{own}.approve_share",
                   "approve_share + reject_share must be <= 1 (the rest stays pending)"
                   + (" with the widest values their priors allow" if a_path in sc.uncertainty or r_path in sc.uncertainty else ""),
                   round(a_hi + r_hi, 9))


MeasureRule = Callable[[Scenario, str, Ban | Quota | Licence], Iterator[Problem]]
"""A rule of one measure: ``(scenario, measure id, measure)`` -> its problems."""

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
    measure by measure, the rules of :data:`MEASURE_RULES`."""
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


def _priors(sc: Scenario) -> Iterator[Problem]:
    """uncertainty.<path>: is not a numeric field of this scenario (or cannot take a prior); the prior's own rules;
    its mean or median must be a value the field can take; prior can draw a value the field must not take."""
    targets = prior_targets(sc)
    for path, prior in sc.uncertainty.items():
        where = f"uncertainty.{path}"
        if path not in targets:
            last = path.rsplit(".", 1)[-1]
            if last in NOT_UNCERTAIN:
                yield (where, f"{last} cannot take a prior ({NOT_UNCERTAIN[last]}, not a quantity)", path)
            else:
                yield (where, "is not a numeric field of this scenario" + _suggest_path(path, list(targets)), path)
            continue
        chk = prior.check()
        if chk is not None:
            yield (f"{where}.{chk[0]}", chk[1], chk[2])
            continue
        model, field, _ = targets[path]
        lo, hi, lo_open, hi_open = bounds(model, field)
        for centre in ("mean", "median"):
            c = getattr(prior, centre)
            if c is not None and not lo <= c <= hi:
                yield (f"{where}.{centre}", f"must be a value {field} can take, in [{lo:g}, {hi:g}]", c)
        slo, shi = prior.support()
        if slo < lo or (lo_open and slo <= lo):
            yield (where, f"prior can draw {slo:g}, but {field} must be {'>' if lo_open else '>='} {lo:g}", slo)
        elif shi > hi or (hi_open and shi >= hi):
            yield (where, f"prior can draw {shi:g}, but {field} must be {'<' if hi_open else '<='} {hi:g}", shi)


def _measure_windows(sc: Scenario) -> Iterator[tuple[str, Ban | Quota | Licence, tuple[float, float], tuple[float, float]]]:
    """Each measure on a known source with the widest range of its start and end days: ``(id, measure, start, end)``."""
    for j, meas in sc.policy.items():
        if meas.source in sc.sources:
            yield (j, meas, _prior_range(sc, f"policy.{j}.start_day", meas.start_day),
                   _prior_range(sc, f"policy.{j}.end_day", meas.end_day))


def _measure_window_priors(sc: Scenario) -> Iterator[Problem]:
    """uncertainty.policy.<j>: priors allow end_day <= start_day."""
    for j, _, s0, e0 in _measure_windows(sc):
        if e0[0] <= s0[1] and (f"policy.{j}.start_day" in sc.uncertainty or f"policy.{j}.end_day" in sc.uncertainty):
            yield (f"uncertainty.policy.{j}", "priors allow end_day <= start_day",
                   f"start_day up to {s0[1]:g}, end_day from {e0[0]:g}")


def _measure_overlaps(sc: Scenario) -> Iterator[Problem]:
    """policy.<j>: overlaps another measure on the same source and material (one measure per source and material at
    a time), with the widest windows the priors allow."""
    windows: dict[tuple[str, str], list[tuple[str, float, float]]] = {}
    for j, meas, s0, e0 in _measure_windows(sc):
        # a prior without a bound leaves its side open (the priors rule reports a prior that needs one)
        first = float(math.floor(s0[0])) if math.isfinite(s0[0]) else -math.inf
        last = float(math.ceil(e0[1])) if math.isfinite(e0[1]) else math.inf
        for m in meas.materials:
            windows.setdefault((meas.source, m), []).append((j, first, last))
    for (k, m), ws in windows.items():
        ws.sort(key=lambda w: w[1])
        for a, b in itertools.pairwise(ws):
            if b[1] < a[2]:
                yield (f"policy.{b[0]}", f"overlaps policy.{a[0]} on source {k!r}, material {m!r} (one measure per source and material at a time)", f"days {b[1]:g}-{b[2]:g}")


def _share_group_priors(sc: Scenario) -> Iterator[Problem]:
    """uncertainty.<share>: priors on the shares of a material can sum to more than 1, or the other shares are all
    zero, so they cannot be scaled to fill the rest."""
    targets = prior_targets(sc)
    groups = share_groups(sc)
    for m in sc.materials:
        for name, members in groups.items():
            if not name.endswith(f":{m}"):
                continue
            drawn = [x for x in members if x in sc.uncertainty]
            if not drawn:
                continue
            rest = [x for x in members if x not in sc.uncertainty]
            hi = sum(sc.uncertainty[x].support()[1] for x in drawn)
            rest_base = sum(targets[x][2] for x in rest)
            if rest and hi > 1.0 + SHARE_TOLERANCE:
                yield (f"uncertainty.{drawn[-1]}", f"priors on the shares of {m!r} can sum to more than 1 (the other shares are scaled to fill the rest)", round(hi, 9))
            elif rest and rest_base <= 0.0:
                yield (f"uncertainty.{drawn[-1]}", f"the other shares of {m!r} are all zero, so they cannot be scaled to fill 1 minus the drawn shares", rest_base)


def _posterior_sample(sc: Scenario) -> Iterator[Problem]:
    """calibration.posterior: columns name fields that may take a prior, once each; rows are complete and each
    column lies inside its field's bounds."""
    post = sc.calibration.posterior
    if post is None:
        return
    where = "calibration.posterior"
    targets = prior_targets(sc)
    if not post.columns:
        yield (f"{where}.columns", "must name at least one field", post.columns)
        return
    if len(set(post.columns)) != len(post.columns):
        yield (f"{where}.columns", "must name each field once", post.columns)
    if not post.draws:
        yield (f"{where}.draws", "must hold at least one row", 0)
    for c in post.columns:
        if c not in targets:
            yield (f"{where}.columns", "must be numeric fields that may take a prior" + suggest(c, list(targets), listing=False), c)
            return
    for i, row in enumerate(post.draws):
        if len(row) != len(post.columns):
            yield (f"{where}.draws[{i}]", f"must hold one value per column ({len(post.columns)})", len(row))
            return
    for j, c in enumerate(post.columns):
        cls, f, _ = targets[c]
        lo, hi, lo_open, hi_open = bounds(cls, f)
        vals = [row[j] for row in post.draws]
        bad = [v for v in vals if v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi)]
        if bad:
            yield (f"{where}.draws", f"column {c!r} must lie in [{lo:g}, {hi:g}]", bad[0])


def _start_weekday(sc: Scenario) -> Iterator[Problem]:
    """run.start_weekday: must be the weekday of run.start_date (when both are given)."""
    start = sc.run.start_date
    if start is not None and sc.run.start_weekday != start.weekday():
        yield ("run.start_weekday", f"must be the weekday of run.start_date ({start.isoformat()} is {start.weekday()}, "
               "0 Monday ... 6 Sunday)", sc.run.start_weekday)


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


# ------------------------------------------------------------ warnings


def scenario_warnings(sc: Scenario) -> list[Problem]:
    """Valid but unusual values: (field, rule, value) triples, reported as warnings."""
    w: list[Problem] = []
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
