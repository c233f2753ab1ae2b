"""What every cross-field rule shares: the problem it reports, the rules' signatures, the share tolerance and the
widest range a field takes under its prior.

A rule (:data:`Rule`, or :data:`MeasureRule` for one measure) yields :data:`Problem` triples ``(field, rule,
value)``; :data:`simulator.model.validation.CROSS_FIELD_RULES` and :data:`~simulator.model.validation.MEASURE_RULES`
register them in the order they are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Ban, Licence, Quota

__all__ = ["SHARE_TOLERANCE", "MeasureRule", "Problem", "Rule"]


SHARE_TOLERANCE = 1e-6
"""Shares that must sum to one may miss by at most this much."""

Problem = tuple[str, str, Any]
"""One broken rule: ``(field, rule, value)``, as :class:`~simulator.errors.InputError` names it."""

Rule = Callable[[Scenario], Iterator[Problem]]
"""A cross-field rule: the problems it finds in a scenario the schema accepted, in the order it reports them."""


def _prior_range(sc: Scenario, path: str, base: float) -> tuple[float, float]:
    """The widest range a field takes: its prior's support, else its value."""
    pr = sc.uncertainty.get(path)
    return pr.support() if pr is not None else (float(base), float(base))


MeasureRule = Callable[[Scenario, str, Ban | Quota | Licence], Iterator[Problem]]
"""A rule of one measure: ``(scenario, measure id, measure)`` -> its problems."""
