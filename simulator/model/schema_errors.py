"""The schema's errors in the rules' words: each pydantic validation error as an
:class:`~simulator.errors.InputError` naming the dotted field path, the rule and the value given.

:func:`simulator.model.validation.build_scenario` reports the schema's errors through ``_rule_from_pydantic``, in
pydantic's order, before any cross-field rule runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel

from simulator.errors import MISSING, InputError, suggest
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Ban, Licence, Quota


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
