"""Cross-field rules of what is drawn: the priors of ``uncertainty`` (on fields that may take one, drawing only
values the field can take, leaving room for the shares they fill) and the fitted posterior sample.

Each rule is a function of the scenario yielding :data:`~simulator.model.rules_common.Problem` triples, its
docstring naming the fields and the rule as its messages state them; they are registered, in the order they are
reported, in :data:`simulator.model.validation.CROSS_FIELD_RULES`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from simulator.errors import suggest
from simulator.model.fields import (
    NOT_UNCERTAIN,
    bounds,
    prior_targets,
    share_groups,
)
from simulator.model.rules_common import SHARE_TOLERANCE, Problem
from simulator.model.scenario import Scenario


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


def _share_group_priors(sc: Scenario) -> Iterator[Problem]:
    """uncertainty.<share>: priors on the shares of a material can sum to more than 1, or the other shares are all
    zero, so they cannot be scaled to fill the rest."""
    targets = prior_targets(sc)
    groups = share_groups(sc)
    for m in sc.materials:
        for members in (groups[f"supply:{m}"], groups[f"use:{m}"]):
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
