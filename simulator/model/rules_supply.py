"""Cross-field rules of supply: what the sources supply (known materials, shares summing to one) and the domestic
conversions' recipes (known inputs, enough transit days, no loops).

Each rule is a function of the scenario yielding :data:`~simulator.model.rules_common.Problem` triples, its
docstring naming the fields and the rule as its messages state them; they are registered, in the order they are
reported, in :data:`simulator.model.validation.CROSS_FIELD_RULES`.
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.errors import suggest
from simulator.model.rules_common import SHARE_TOLERANCE, Problem
from simulator.model.scenario import Scenario


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
