"""The scenario reference, generated from the validation models.

Both outputs come from the schema, :mod:`simulator.model.scenario`: keys, types and
defaults from the pydantic models, descriptions from the fields' docstrings,
units and usual ranges from their :class:`~simulator.model.schema_base.Unit`
metadata, hard ranges from their ``Ge``/``Gt``/``Le``/``Lt`` metadata. The
rules across fields (:mod:`simulator.model.validation`) are summarised by hand. A
field added to a model appears after a regenerate::

    supplyshock schema --markdown > docs/scenario-reference.md

(a test fails while the committed page differs from the generated one).
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from simulator.model.rules_common import SHARE_TOLERANCE
from simulator.model.scenario import Scenario
from simulator.model.schema_base import Unit
from simulator.model.schema_prior import Prior

__all__ = ["json_schema", "markdown"]

_INTERNAL = {"Scenario": {"origin"}, "Economy": {"table"}}
"""Fields the loader sets, never written in a file."""


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, as pydantic generates it.

    The loader's own fields (``origin``, ``economy.table``) are removed and
    ``extends`` is added. Numeric fields carry ``unit`` (and ``usual`` where a
    usual range is stated) next to ``minimum``/``maximum``.
    """
    schema = Scenario.model_json_schema()
    schema["properties"].pop("origin", None)
    defs = schema["$defs"]
    defs["Economy"]["properties"].pop("table", None)
    defs.pop("IOTable", None)
    schema["properties"] = {
        "extends": {"type": "string", "description": "A built-in economy or scenario name, or a path relative to this "
                    "file, whose tables this file's are merged over key by key (``description`` is not inherited)."},
        **schema["properties"],
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "supplyshock scenario"
    return schema


# ------------------------------------------------------------------ markdown


def _models() -> list[tuple[type[BaseModel], str]]:
    """Every model reachable from :class:`Scenario`, with the TOML table it is written as."""
    out: list[tuple[type[BaseModel], str]] = []
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel], where: str) -> None:
        if model in seen:
            return
        seen.add(model)
        out.append((model, where))
        for name, info in model.model_fields.items():
            if name in _INTERNAL.get(model.__name__, set()):
                continue
            for sub, keyed in _submodels(info.annotation):
                if sub is Prior:
                    visit(sub, "`\"<dotted.path>\" = { dist = ... }` under `[uncertainty]`, and a licence's "
                               "`processing_days = { dist = ... }`")
                    continue
                prefix = where.strip("`[]") if where.startswith("`[") else ""
                path = f"{prefix}.{name}" if prefix else name
                visit(sub, f"`[{path}.<id>]`" if keyed else f"`[{path}]`")

    visit(Scenario, "top level")
    return out


def _submodels(ann: Any) -> list[tuple[type[BaseModel], bool]]:
    """Models inside an annotation: (model, reached through a mapping)."""
    found: list[tuple[type[BaseModel], bool]] = []

    def walk(a: Any, keyed: bool) -> None:
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append((a, keyed))
            return
        origin = get_origin(a)
        args = get_args(a)
        if origin is dict:
            walk(args[1], True)
        elif origin in (list, tuple):
            for x in args:
                walk(x, keyed)
        elif origin is typing.Annotated:
            walk(args[0], keyed)
        elif origin in (Union, types.UnionType):
            for x in args:
                walk(x, keyed)

    walk(ann, False)
    return found


def _metadata(ann: Any, meta: list[Any]) -> list[Any]:
    out = list(meta)
    for a in get_args(ann):
        out.extend(getattr(a, "__metadata__", ()))
    return out


def _type(ann: Any) -> str:
    if ann is float:
        return "number"
    if ann is int:
        return "integer"
    if ann is str:
        return "string"
    if ann is bool:
        return "true/false"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return f"table ({_link(ann)})"
    origin, args = get_origin(ann), get_args(ann)
    if origin is Literal:
        return " or ".join(json.dumps(a) for a in args)
    if origin is typing.Annotated:
        inner = _submodels(args[0])
        if len(inner) > 1:
            return " or ".join(_link(m) for m, _ in inner) + " (by `kind`)"
        return _type(args[0])
    if origin is dict:
        return f"table of id -> {_type(args[1])}"
    if origin is list:
        return f"list of {_type(args[0])}s"
    if origin is tuple:
        return f"list of {_type(args[0])}s"
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type(a) for a in rest) + (" (optional)" if len(rest) < len(args) else "")
    return str(ann)


def _link(model: type[BaseModel]) -> str:
    return f"[{model.__name__}](#{model.__name__.lower()})"


def _num(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else f"{x:g}"


def _rule(meta: list[Any]) -> str:
    parts = []
    for m in meta:
        if isinstance(m, Ge):
            parts.append(f">= {_num(m.ge)}")  # type: ignore[arg-type]
        elif isinstance(m, Gt):
            parts.append(f"> {_num(m.gt)}")  # type: ignore[arg-type]
        elif isinstance(m, Le):
            parts.append(f"<= {_num(m.le)}")  # type: ignore[arg-type]
        elif isinstance(m, Lt):
            parts.append(f"< {_num(m.lt)}")  # type: ignore[arg-type]
        elif isinstance(m, MinLen) and m.min_length == 1:
            parts.append("not empty")
    rule = ", ".join(parts)
    unit = next((m for m in meta if isinstance(m, Unit)), None)
    if unit is not None and unit.usual != (None, None):
        lo, hi = unit.usual
        if hi is None:
            usual = f">= {_num(lo)}" if lo is not None else ""
        else:
            usual = f"<= {_num(hi)}" if lo is None else f"{_num(lo)}-{_num(hi)}"
        rule += f"; warning unless {usual}"
    return rule


def _default(info: Any) -> str:
    if info.is_required():
        return "**required**"
    d = info.default
    if d is PydanticUndefined or d is None:
        return "none"
    if isinstance(d, BaseModel):
        return "(its defaults)"
    if isinstance(d, (dict, list)) and not d:
        return "empty"
    if isinstance(d, str):
        return json.dumps(d)
    if isinstance(d, bool):
        return str(d).lower()
    if isinstance(d, (int, float)):
        return _num(d)
    return str(d)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _model_section(model: type[BaseModel], where: str) -> list[str]:
    doc = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
    written = "At the top level of the file." if where == "top level" else f"Written as {where}."
    lines = [f"### {model.__name__}", "", f"{written} {doc}", ""]
    lines += ["| key | type | unit | default | rule | description |", "|---|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name in _INTERNAL.get(model.__name__, set()):
            continue
        meta = _metadata(info.annotation, info.metadata)
        unit = next((m for m in meta if isinstance(m, Unit)), None)
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"`{name}`", _type(info.annotation), unit.unit if unit else "", _default(info), _rule(meta),
            info.description or "")) + " |")
    lines.append("")
    return lines


_INTRO = """\
# Scenario reference

Generated from the validation models (`simulator/model/scenario.py`) by
`supplyshock schema --markdown > docs/scenario-reference.md`; do not edit by
hand. `supplyshock schema` prints the same as JSON Schema.

## Files

A scenario is a TOML file (or JSON, as written to a results directory's
`scenario.json`). Ids (the `<id>` in table names) are yours to choose; other
tables refer to them (`sources.<id>.supply.<material id>`,
`sectors.<id>.materials.<material id>`, a measure's `source` and `materials`).

A file may start from another with `extends = "NAME-or-PATH"`: a built-in
economy (`supplyshock scenarios` lists them), a built-in scenario, or a file
path relative to this file. Its tables are merged over the base key by key (a
prior, or a measure with `kind`, is replaced as a whole). `description` is
not inherited: a scenario without one has none.

Units: tonnes (t) for material, the economy's `currency` for money, days for
time (working days for licence processing), shares as fractions in [0, 1].
Every number must be finite (`inf` and `nan` are refused). A value outside a
field's hard range is an error (exit 2, nothing written); a value outside its
usual range is accepted with a warning on stderr naming the field (exit 0).
"""

_RULES = f"""\
## Rules across fields

- At least one material, one source and one sector.
- For each material, the `share` of every source's `supply` of it sums to 1
  (within {SHARE_TOLERANCE:g}); and the `use_share` of every sector using it
  sums to 1.
- The `io_share` of the sectors on one table sector sums to at most 1;
  `io_sector` is a sector code of the input-output table.
- A measure names a known `source` and materials that source supplies;
  `end_day` > `start_day`; on one source and material at most one measure is
  active on a day (also over the range its priors allow).
- `uncertainty` keys are dotted paths of numeric fields
  (`"materials.ndpr.inventory_days"`, `"policy.<id>.end_day"`); every value a
  prior can draw must satisfy the field's hard range (a normal or lognormal
  prior on a bounded field needs `low`/`high`); `mean` and `median` must be
  values the field can take. `priority` cannot take a prior. Drawn whole-day
  fields (`transit_days`, `decision_lag_days`, `start_day`, `end_day`) are
  rounded. When a share that sums to 1 with others gets a prior, the others
  are scaled to fill the rest, so the drawn shares must leave room.
- Warnings (exit 0): a measure starting on or after `run.horizon_days`; extra
  capacity above 10 times the material's annual demand; `economy.gdp` more
  than a factor 2 from the table's value added x `io_unit`.
"""


def _prior_section() -> list[str]:
    lines = ["## Priors", "", "A prior is a table with `dist` and its parameters (in the field's unit):", "",
             "| dist | required | optional |", "|---|---|---|"]
    example = Prior(dist="fixed", value=0.0)
    for dist, req in example._REQUIRED.items():
        opt = [p for p in example._ALLOWED[dist] if p not in req]
        lines.append(f"| `{dist}` | {', '.join(f'`{p}`' for p in req)} | {', '.join(f'`{p}`' for p in opt)} |")
    lines += ["", "Every prior may have `source` (where the range comes from, with a date).", ""]
    return lines


_IO = """\
## Input-output table (CSV)

`economy.io_table` names a built-in table (`japan_io_2015_37.csv`) or a CSV
file, relative to the scenario file. Money in the table times
`economy.io_unit` is money in `economy.currency`. Competitive-import form,
producer prices:

- **First row**: a label cell, then column codes. **First column**: row codes.
- **Sector codes**: the codes that appear both as a row and as a column
  (except `Total`); the block of sector rows x sector columns is intermediate
  use (row i supplies column j). Every cell of it must be a number.
- **Value-added rows**: every row that is not a sector code and not `Total`
  (their sum over the rows is each sector's gross value added). A row
  `epin` (compensation of employees) is used for type II multipliers. The
  `Total` row is not read.
- **Columns after the sectors**: `expo` exports; `impo`, `imta`, `imtx`
  imports (as negative numbers); `Total` domestic output (must be > 0 for every
  sector); `hhco` household consumption (type II multipliers). Every other
  column is domestic final demand.
- Empty cells outside the intermediate block count as 0; every number must be
  finite.

A minimal three-sector table in billions (`io_unit = 1e9`):

```
row,a,b,c,hhco,gfcf,expo,impo,Total
a,10,20,5,30,5,10,-10,70
b,5,30,20,40,25,20,-20,120
c,5,10,10,60,10,5,-10,90
epin,20,30,25,,,,,
opse,30,30,30,,,,,
Total,70,120,90,,,,,
```
"""


def markdown() -> str:
    """The scenario reference page (Markdown)."""
    lines = [_INTRO, "## Keys", ""]
    for model, where in _models():
        lines += _model_section(model, where)
    lines += _prior_section()
    lines.append(_RULES)
    lines.append(_IO)
    return "\n".join(lines).rstrip() + "\n"
