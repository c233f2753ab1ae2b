"""From a scenario and its prior draws to per-path parameters: :func:`resolve`.

It applies each path's draws to the scenario's fields (:func:`_values`) and builds a
:class:`~simulator.engines.params.PathParams` in named steps, one module per part of
the scenario: :mod:`simulator.engines.resolve_supply` (materials, firm cohorts,
supply), :mod:`simulator.engines.resolve_sectors` (sectors, their uses of materials,
the firms' uses) and :mod:`simulator.engines.resolve_measures` (policy measures and
licence regimes, trigger days, conversions).

Array axes: ``P`` paths, ``M`` materials, ``K`` sources, ``S`` sectors, ``J``
policy measures, ``U`` uses, ``C`` firm cohorts, in the scenario file's order.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from simulator.engines.params import PathParams
from simulator.engines.resolve_measures import _conversions, _measures, _triggers
from simulator.engines.resolve_sectors import _sector_uses, _sectors, _use_numbers, _user_covers, _users
from simulator.engines.resolve_supply import _cohorts, _materials, _supply
from simulator.model.fields import is_integer_field, prior_targets, share_groups
from simulator.model.scenario import Scenario

__all__ = ["resolve"]

FloatArray = npt.NDArray[np.float64]


def _values(sc: Scenario, n_paths: int, drawn: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Value of every numeric field per path: base value, or the path's draw."""
    targets = prior_targets(sc)
    vals: dict[str, FloatArray] = {}
    for path, (_, field, base) in targets.items():
        if path in drawn:
            v = np.asarray(drawn[path], dtype=np.float64)
            if is_integer_field(field):
                v = np.rint(v)
            vals[path] = v
        else:
            vals[path] = np.full(n_paths, base)
    # share groups: drawn shares kept, the others scaled to fill the rest
    for members in share_groups(sc).values():
        drawn_m = [x for x in members if x in drawn]
        if not drawn_m:
            continue
        rest = [x for x in members if x not in drawn]
        used = np.sum([vals[x] for x in drawn_m], axis=0)
        if rest:
            base_rest = float(sum(targets[x][2] for x in rest))
            scale = (1.0 - used) / base_rest
            for x in rest:
                vals[x] = vals[x] * scale
        else:
            for x in drawn_m:
                vals[x] = vals[x] / used
    return vals


def resolve(sc: Scenario, drawn: Mapping[str, FloatArray], n_paths: int) -> PathParams:
    """Apply per-path prior draws to a scenario.

    Parameters
    ----------
    sc : Scenario
    drawn : mapping of str to ndarray of shape (n_paths,)
        Prior path -> drawn values (see :class:`simulator.model.draws.Draws`).
    n_paths : int

    Returns
    -------
    PathParams
    """
    v = _values(sc, n_paths, drawn)
    P = n_paths

    def get(path: str) -> FloatArray:
        return v[path]

    mat = _materials(sc, get)
    cohort_w, cohort_cover = _cohorts(sc, drawn, get, mat, P)
    supply = _supply(sc, get, P)
    sectors = _sectors(sc, get, P)
    uses = _sector_uses(sc, get, P)
    meas = _measures(sc, get, P)
    trigger, first_start = _triggers(meas, P)
    convs = _conversions(sc, supply.extra)
    users = _users(sc, convs)
    numbers = _use_numbers(sc, get, users, convs, mat.demand, supply, sectors, uses)
    return PathParams(
        n_paths=P, n_days=sc.run.horizon_days, start_weekday=sc.run.start_weekday,
        demand=mat.demand, price=mat.price, cover=mat.cover, cohort_w=cohort_w, cohort_cover=cohort_cover,
        stock0=mat.stock0, stock_trigger=mat.stock_trigger, stock_lag=mat.stock_lag, stock_rate=mat.stock_rate,
        share=supply.share, transit=supply.transit, extra=supply.extra, ramp_lag=supply.ramp_lag,
        ramp_days=supply.ramp_days, premium=supply.premium,
        daily_output=sectors.daily_output, use=uses.use, crit=uses.crit, thrift=uses.thrift,
        thrift_lag=uses.thrift_lag, thrift_ramp=uses.thrift_ramp, priority=uses.priority,
        catch_share=sectors.catch_share, overtime=sectors.overtime, window=sectors.window,
        gdp=get("economy.gdp").copy(),
        **vars(meas), trigger=trigger, first_start=first_start,
        crit_floor=uses.crit_floor, subst_lag=uses.subst_lag, subst_days=uses.subst_days,
        conv_k=np.array([c[0] for c in convs], dtype=np.int64), conv_m=np.array([c[1] for c in convs], dtype=np.int64),
        users=users, user_base=numbers.base, user_recipe=numbers.recipe,
        user_cover=_user_covers(users, numbers, cohort_cover), user_value=numbers.value,
        triage=get("firms.triage").copy() if sc.adaptation.triage else np.zeros(P),
    )
