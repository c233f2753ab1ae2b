"""Warnings: the values of a valid scenario that are unusual (outside a field's usual range, past the horizon, far
from the table's value added), as :data:`~simulator.model.rules_common.Problem` triples.

:func:`simulator.model.validation.build_scenario` and the loader issue each as an
:class:`~simulator.errors.InputWarning`; the scenario is accepted.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.model.fields import (
    numeric_fields,
    prior_targets,
    unit_of,
)
from simulator.model.rules_common import Problem
from simulator.model.scenario import Scenario

__all__ = ["scenario_warnings"]


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
