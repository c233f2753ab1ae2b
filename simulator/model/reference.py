"""The scenario reference, generated from the validation models and the rules' registry.

Both outputs come from the schema (:class:`~simulator.model.scenario.Scenario` and the models it holds): keys,
types and defaults from the pydantic models, descriptions from the fields' docstrings, units and usual ranges
from their :class:`~simulator.model.schema_base.Unit` metadata, hard ranges from their ``Ge``/``Gt``/``Le``/``Lt``
metadata. The rules across fields are the docstrings of the rules of
:data:`~simulator.model.validation.CROSS_FIELD_RULES` (and :data:`~simulator.model.validation.MEASURE_RULES`), in
the order they are checked. A field or rule added appears after a regenerate::

    supplyshock schema --markdown > docs/scenario-reference.md

(a test fails while the committed page differs from the generated one).
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from simulator.model import validation
from simulator.model.rules_common import SHARE_TOLERANCE
from simulator.model.rules_measures import MAX_PROCESSING_DAYS
from simulator.model.scenario import Scenario
from simulator.model.schema_base import Unit
from simulator.model.schema_prior import Prior

__all__ = ["json_schema", "markdown", "rule_text"]

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

Generated from the validation models (`simulator/model/scenario.py` and the
`schema_*.py` modules beside it) and the rules' registry
(`simulator/model/validation.py`) by
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

_RULES_INTRO = f"""\
## Rules across fields

Checked once every key has passed its own rule, in this order; the first
problem found is the error and the rest are listed after it. Each rule names
the fields it checks and the rule as its message states it (`<k>` a source's
id, `<m>` a material's, `<s>` a sector's, `<j>` a measure's, `<h>` a schedule
change's name, `*` any). Shares that must sum to 1 may miss by {SHARE_TOLERANCE:g}.
"""

_RULES_NOTES = """\
Drawn whole-day fields (`transit_days`, `decision_lag_days`, `start_day`,
`end_day`) are rounded. When a share that sums to 1 with others gets a prior,
the others are scaled to fill the rest, so the drawn shares must leave room.

Warnings (exit 0): a measure starting on or after `run.horizon_days`; extra
capacity above 10 times the material's annual demand; `economy.gdp` more
than a factor 2 from the table's value added x `io_unit`.
"""

_CONSTANTS = {":data:`MEASURE_RULES`": "below", "MAX_PROCESSING_DAYS": str(MAX_PROCESSING_DAYS)}
"""Names a rule's docstring may use, and what the reference shows instead."""

_PATH = re.compile(r"(?<![\w`.])[A-Za-z_*<][\w*<>]*(?:\.[\w*<>]+)+")
"""A dotted field path in a rule's docstring (``policy.<j>.end_day``), shown as code."""


def rule_text(rule: Callable[..., Any]) -> str:
    """A rule's docstring as the reference shows it: on one line, dotted paths as code, constants as their values.

    Parameters
    ----------
    rule : callable
        A rule of :data:`~simulator.model.validation.CROSS_FIELD_RULES` or
        :data:`~simulator.model.validation.MEASURE_RULES`.

    Returns
    -------
    str
        Markdown, one line.
    """
    text = " ".join((rule.__doc__ or rule.__name__).split())
    for name, value in _CONSTANTS.items():
        text = text.replace(name, value)
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)  # Sphinx roles as code
    return _PATH.sub(lambda m: f"`{m.group(0)}`", text)


def _rules_section() -> list[str]:
    """The rules across fields, generated from the registries in the order they are checked: each rule of
    :data:`~simulator.model.validation.CROSS_FIELD_RULES` by its docstring, and under the rule that walks them, a
    measure's own rules (:data:`~simulator.model.validation.MEASURE_RULES`)."""
    lines = [_RULES_INTRO]
    for rule in validation.CROSS_FIELD_RULES:
        lines.append(f"- {rule_text(rule)}")
        if "MEASURE_RULES" in (rule.__doc__ or ""):
            lines += [f"  - {rule_text(m)}" for m in validation.MEASURE_RULES]
    lines += ["", _RULES_NOTES]
    return lines


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
    lines += _rules_section()
    lines.append(_IO)
    return "\n".join(lines).rstrip() + "\n"
