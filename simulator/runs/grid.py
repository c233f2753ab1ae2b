"""Grids of variants: value lists over dotted scenario paths, and the variants they make.

A grid is the product of value lists over dotted scenario paths
(``policy.china_stop.end_day=30,60,90``, ``materials.dytb.stockpile.days=0:180:30``).
Each combination is a *variant*: the value is set in the scenario's tables and
the scenario is loaded and validated again, so a variant obeys every rule a
scenario file does. A grid value replaces any prior on that field (the field
is fixed in the variant). Every variant is built and checked before anything runs.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.errors import PARAMETER, InputError, suggest
from simulator.model.loading import load_scenario
from simulator.model.scenario import Scenario

__all__ = [
    "MAX_VARIANTS",
    "GridAxis",
    "Variant",
    "build_variants",
    "parse_grid",
]

Value = int | float | str | bool


MAX_VARIANTS = 100_000
"""Largest grid accepted (a guard against a mistyped range)."""


@dataclass(frozen=True)
class GridAxis:
    """One dimension of a grid: a dotted scenario path and its values, in the order given."""

    path: str
    values: tuple[Value, ...]


def _scalar(text: str) -> Value:
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        return int(t)
    except ValueError:
        pass
    try:
        x = float(t)
    except ValueError:
        return t
    return x if math.isfinite(x) else t


def _range(spec: str, text: str) -> list[Value]:
    parts = [_scalar(p) for p in text.split(":")]
    if len(parts) != 3 or not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
        raise InputError(PARAMETER, f"grid {spec}", "a range must be start:stop:step with three numbers", text)
    start, stop, step = (p for p in parts if isinstance(p, (int, float)))
    if step == 0 or (stop - start) * step < 0:
        raise InputError(PARAMETER, f"grid {spec}", "a range's step must be non-zero and go from start towards stop", text)
    n = math.floor((stop - start) / step + 1e-9) + 1
    if n > MAX_VARIANTS:
        raise InputError(PARAMETER, f"grid {spec}", f"a range must have at most {MAX_VARIANTS:,} values", text)
    if all(isinstance(p, int) for p in parts):
        return [int(start + i * step) for i in range(n)]
    return [round(start + i * step, 12) for i in range(n)]


def parse_grid(specs: Sequence[str]) -> list[GridAxis]:
    """Parse grid specs (``supplyshock sweep --grid``): ``PATH=v1,v2,...`` or ``PATH=start:stop:step``.

    Values are numbers, ``true``/``false`` or text; a range includes its stop
    when the steps land on it (``0:180:60`` is 0, 60, 120, 180). A list with
    a decimal number makes every number of that list decimal.

    Examples
    --------
    >>> [(a.path, a.values) for a in parse_grid(["policy.china_stop.end_day=30,60", "materials.dytb.stockpile.days=0:60:30"])]
    [('policy.china_stop.end_day', (30, 60)), ('materials.dytb.stockpile.days', (0, 30, 60))]

    Raises
    ------
    InputError
        No ``=``, an empty or repeated value, a bad range, a path given twice.
    """
    axes: list[GridAxis] = []
    for spec in specs:
        path, eq, rhs = spec.partition("=")
        path = path.strip()
        if not eq or not path:
            raise InputError(PARAMETER, "grid", "must be PATH=v1,v2,... or PATH=start:stop:step", spec)
        if not rhs.strip():
            raise InputError(PARAMETER, f"grid {path}", "must list at least one value", rhs)
        items = [x.strip() for x in rhs.split(",")]
        if any(not x for x in items):
            raise InputError(PARAMETER, f"grid {path}", "must not have an empty value in its list", rhs)
        values: list[Value] = []
        for x in items:
            if re.fullmatch(r"[-+.\deE]+:[-+.\deE]+:[-+.\deE]+", x):
                values.extend(_range(path, x))
            else:
                values.append(_scalar(x))
        numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numeric) == len(values) and any(isinstance(v, float) for v in values):
            values = [float(v) for v in values]
        if len(set(map(repr, values))) != len(values):
            dup = next(v for i, v in enumerate(values) if repr(v) in map(repr, values[:i]))
            raise InputError(PARAMETER, f"grid {path}", "values must be distinct", dup)
        if any(a.path == path for a in axes):
            raise InputError(PARAMETER, f"grid {path}", "a path may be given once (list all its values there)", spec)
        axes.append(GridAxis(path, tuple(values)))
    n = math.prod(len(a.values) for a in axes)
    if n > MAX_VARIANTS:
        raise InputError(PARAMETER, "grid", f"must make at most {MAX_VARIANTS:,} variants", n)
    return axes


def check_path(sc: Scenario, path: str) -> None:
    """Raise unless ``path`` names one value of the scenario (with a 'did you mean' otherwise)."""
    tree: Any = sc.model_dump(mode="python", exclude={"origin": True, "economy": {"table"}})
    parts = path.split(".")
    if parts[0] == "uncertainty":
        raise InputError(PARAMETER, f"grid {path}", "must name a scenario field, not a prior (a grid value replaces the field's prior)", path)
    done: list[str] = []
    for p in parts:
        if not isinstance(tree, Mapping) or p not in tree:
            here = ".".join(done)
            if not isinstance(tree, Mapping):
                raise InputError(PARAMETER, f"grid {path}", f"{here} is a single value, it has no fields", path)
            options = [f"{here}.{k}" if here else str(k) for k in tree]
            want = ".".join([*done, p])
            raise InputError(PARAMETER, f"grid {path}", "no such field in the scenario" + suggest(want, options, most=12),
                             path)
        tree = tree[p]
        done.append(p)
    if isinstance(tree, Mapping):
        raise InputError(PARAMETER, f"grid {path}", "must name a single value, not a table (give one of its fields)", path)
    if isinstance(tree, (list, tuple)):
        raise InputError(PARAMETER, f"grid {path}", "must name a single value, not a list", path)


@dataclass(frozen=True)
class Variant:
    """One point of the grid: its index (row-major over the axes), values and validated scenario."""

    index: int
    values: dict[str, Value]
    scenario: Scenario

    @property
    def label(self) -> str:
        """The variant's grid values as ``path=value, ...`` (``base`` for the scenario itself)."""
        return ", ".join(f"{k}={v}" for k, v in self.values.items()) or "base"


def _nested(path: str, value: Value) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    parts = path.split(".")
    for p in parts[:-1]:
        node[p] = {}
        node = node[p]
    node[parts[-1]] = value
    return out


def _merge_all(trees: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in trees:
        stack = [(out, t)]
        while stack:
            dst, src = stack.pop()
            for k, v in src.items():
                if isinstance(v, Mapping):
                    stack.append((dst.setdefault(k, {}), v))
                else:
                    dst[k] = v
    return out


def build_variants(scenario: str | os.PathLike[str], axes: Sequence[GridAxis], *,
                   calibrated: bool = True) -> tuple[Scenario, list[Variant]]:
    """Load the base scenario and every variant of the grid, validating each.

    Returns
    -------
    base : Scenario
    variants : list of Variant
        Row-major over ``axes`` (the last axis varies fastest); one variant,
        the base scenario itself, when there are no axes.

    Raises
    ------
    InputError
        An unknown path (with a 'did you mean'), or a variant that breaks a
        rule of the scenario (the message names the variant).
    """
    base = load_scenario(scenario, calibrated=calibrated)
    for a in axes:
        check_path(base, a.path)
    if not axes:
        return base, [Variant(0, {}, base)]
    variants = []
    for i, combo in enumerate(itertools.product(*(a.values for a in axes))):
        values = {a.path: v for a, v in zip(axes, combo, strict=True)}
        label = ", ".join(f"{k}={v}" for k, v in values.items())
        try:
            sc = load_scenario(scenario, overrides=_merge_all([_nested(k, v) for k, v in values.items()]), calibrated=calibrated)
        except InputError as exc:
            where = "`grid`" if any(exc.field == k or exc.field.startswith(k + ".") for k in values) else exc.file
            more = [InputError(f"{where} (variant {i}: {label})", e.field, e.rule, e.value) for e in exc.more]
            raise InputError(f"{where} (variant {i}: {label})", exc.field, exc.rule, exc.value, more) from None
        fixed = {k: v for k, v in sc.uncertainty.items() if k not in values}
        if len(fixed) != len(sc.uncertainty):
            sc = sc.model_copy(update={"uncertainty": fixed})
        variants.append(Variant(i, values, sc))
    return base, variants
