"""Hypothesis strategies: random, valid, small scenarios.

A scenario is generated as the plain mapping a scenario file would parse to
(:func:`scenario_dicts`), so a test can edit it and build a variant, and is
built with :func:`build` against a small, consistent three-sector
input-output table (:data:`TABLE`). Everything is kept small (1-3 materials,
1-4 sources, 1-4 sectors, a 30-90 day horizon) so that a SimPy run of a few
paths takes milliseconds.

Validity rules honoured here (see ``simulator/model/validation.py``):

- every material has at least one source and at least one using sector; the
  supply shares and the use shares of a material sum to 1 (random weights,
  normalised, the last share fixed as 1 minus the others);
- measures name a source and materials that source supplies; on one source
  their windows (widened by any prior on ``end_day``) do not overlap;
- priors stay inside their field's bounds; a prior on a supply share leaves
  the other shares of the material a positive base to be scaled;
- domestic conversions (sources ``c0``, ``c1`` with a ``recipe``) make a
  material from materials listed before it (so recipes never form a loop),
  take transit days >= 2 (priors too) and never carry a measure; one with a
  baseline share takes it from the product's other sources (scaled by 1 -
  share), and its baseline use of each input (recipe x share x product
  demand / input demand, at most 0.9 in all) is taken from the input's
  sectors (their use shares scaled by 1 - that); no prior moves a
  conversion's share (its baseline use would no longer match);
- a ``criticality_floor`` is at most the criticality, and at most the low end
  of any prior on the criticality (and a prior on the floor stays below both).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from simulator.model.scenario import Scenario
from simulator.model.schema_economy import IOTable
from simulator.model.validation import build_scenario

__all__ = [
    "TABLE",
    "build",
    "draws_seeds",
    "examples",
    "licence_measures",
    "measures_on",
    "scenario_dicts",
    "scenarios",
]

KINDS = ("ban", "quota", "licence")


TABLE_UNIT = 1e5
"""Scale of the table. A day's output of the smallest generated sector (1 % of
table sector a, ~1e5 a day) exceeds the largest daily material spend a
generated scenario can have (price <= 1e3 x demand <= 50,000 t/yr / 365, ~1.4e5)
by the same order as in a real economy; currency arrays are compared on the
scale of daily output, so an economy whose sectors are worth less than the
material they buy would turn rounding noise in premium costs into failures."""


def _table() -> IOTable:
    """A consistent 3-sector table in competitive-import form (codes a, b, c)."""
    x = np.array([36500.0, 73000.0, 54750.0]) * TABLE_UNIT
    z = np.array(
        [
            [3000.0, 8000.0, 2000.0],
            [4000.0, 12000.0, 9000.0],
            [1500.0, 6000.0, 5000.0],
        ]
    ) * TABLE_UNIT
    imports = np.array([2000.0, 5000.0, 0.0]) * TABLE_UNIT
    exports = np.array([4000.0, 10000.0, 3000.0]) * TABLE_UNIT
    value_added = x - z.sum(axis=0)  # column identity: output = inputs + value added
    dfd = x - z.sum(axis=1) - exports + imports  # row identity: output = uses - imports
    assert (value_added > 0).all() and (dfd > 0).all()
    return IOTable(
        codes=("a", "b", "c"),
        intermediate=z,
        value_added=value_added,
        compensation=0.55 * value_added,
        household_consumption=0.6 * dfd,
        domestic_final_demand=dfd,
        exports=exports,
        imports=imports,
        output=x,
    )


TABLE = _table()
CODES = TABLE.codes


def build(data: dict[str, Any]) -> Scenario:
    """Validate a generated mapping against :data:`TABLE` (raises on a strategy bug)."""
    return build_scenario(copy.deepcopy(data), file="<hypothesis>", table=TABLE)


def examples(n: int) -> int:
    """``max_examples`` for a property: ``n``, times ``$SUPPLYSHOCK_EXAMPLES_SCALE`` for a deep run."""
    return max(1, round(n * float(os.environ.get("SUPPLYSHOCK_EXAMPLES_SCALE", "1"))))


# ------------------------------------------------------------------ numbers


def num(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in [lo, hi], often round (ties and boundaries are where bugs hide)."""
    return st.one_of(
        st.integers(math.ceil(lo), math.floor(hi)).map(float) if math.ceil(lo) <= math.floor(hi) else st.just(float(lo)),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )


def _shares(draw: st.DrawFn, n: int) -> list[float]:
    """n shares >= 0 that sum to exactly 1 (up to one rounding): weights normalised, last = 1 - rest."""
    w = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n).filter(lambda v: sum(v) > 0))
    tot = float(sum(w))
    out = [wi / tot for wi in w[:-1]]
    out.append(max(0.0, 1.0 - sum(out)))
    return out


def _subset(draw: st.DrawFn, items: Sequence[str]) -> list[str]:
    """A non-empty subset, in the given order."""
    mask = draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)).filter(any))
    return [x for x, keep in zip(items, mask, strict=True) if keep]


def _uniform(draw: st.DrawFn, lo: float, hi: float, min_width: float = 1e-3) -> dict[str, Any]:
    a = draw(num(lo, hi - min_width))
    b = draw(num(a + min_width, hi))
    return {"dist": "uniform", "low": a, "high": b}


def _processing_prior(draw: st.DrawFn) -> dict[str, Any]:
    """Licence processing time in working days (support >= 0)."""
    kind = draw(st.sampled_from(["fixed", "triangular", "uniform"]))
    if kind == "fixed":
        return {"dist": "fixed", "value": draw(num(0.0, 12.0))}
    if kind == "uniform":
        return _uniform(draw, 0.0, 15.0, min_width=0.5)
    low = draw(num(0.0, 6.0))
    mode = draw(num(low, low + 5.0))
    high = draw(num(mode + 0.5, mode + 8.0))
    return {"dist": "triangular", "low": low, "mode": mode, "high": high}


# ---------------------------------------------------------------- scenarios


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    *,
    min_measures: int = 0,
    max_measures: int = 3,
    kinds: Sequence[str] = KINDS,
    require_kind: str | None = None,
    uncertainty: bool = True,
    horizon: tuple[int, int] = (30, 90),
    require_stockpile: bool = False,
    stockpiles: bool = True,
    adaptation: bool = True,
    conversions: bool = True,
    adaptation_scales: bool = False,
    require_conversion: bool = False,
) -> dict[str, Any]:
    """A random valid scenario as a plain mapping (build it with :func:`build`).

    Parameters
    ----------
    min_measures, max_measures : int
        Number of policy measures; ``max_measures=0`` gives a scenario with no
        shock at all. Fewer than ``min_measures`` may result only if no window
        fits (never for ``min_measures <= 1``).
    kinds : sequence of str
        Measure kinds to draw from.
    require_kind : str, optional
        The first measure has this kind (so there is at least one).
    uncertainty : bool
        Whether to add priors on some numeric fields.
    horizon : (int, int)
        Range of ``run.horizon_days``.
    require_stockpile : bool
        Every material gets a non-empty national stockpile.
    stockpiles : bool
        Whether materials may have a national stockpile at all (to explore
        the rest of the model apart from the stockpile rule).
    adaptation : bool
        Whether to draw the adaptation mechanisms' fields: domestic
        conversions, criticality floors, leakage that builds up (on licences
        too), sector cover factors, cover correlation, triage, and
        ``[adaptation]`` switches (``False`` gives the model without them).
    conversions : bool
        Whether to draw domestic conversions (with ``adaptation``).
    adaptation_scales : bool
        Also draw the calibration's adaptation scales (capacity, substitution, leakage) away from 1 (off by
        default so the other properties keep their derandomized examples).
    require_conversion : bool
        At least one domestic conversion (needs 2 or more materials, so the
        scenario then has 2 or 3).
    """
    H = draw(st.integers(*horizon))
    n_m = draw(st.integers(2 if require_conversion else 1, 3))
    n_k = draw(st.integers(1, 4))
    n_s = draw(st.integers(1, 4))
    mats = [f"m{i}" for i in range(n_m)]
    srcs = [f"k{i}" for i in range(n_k)]
    secs = [f"s{i}" for i in range(n_s)]

    materials: dict[str, Any] = {}
    for m in mats:
        mat: dict[str, Any] = {
            "annual_demand": draw(num(10.0, 50_000.0)),
            "price": draw(num(0.0, 1e3)),
            "inventory_days": draw(num(0.0, 60.0)),
        }
        if draw(st.booleans()):
            mat["inventory_spread"] = draw(num(0.0, 1.5))
        if require_stockpile or (stockpiles and draw(st.booleans())):
            mat["stockpile"] = {
                "days": draw(num(1.0 if require_stockpile else 0.0, 60.0)),
                "trigger_cover_days": draw(num(0.0, 60.0)),
                "decision_lag_days": draw(st.integers(0, 20)),
                "max_release_per_day": draw(num(0.01 if require_stockpile else 0.0, 2.0)),
            }
        materials[m] = mat

    sources: dict[str, Any] = {k: {"transit_days": draw(st.integers(1, 20)), "supply": {}} for k in srcs}
    for m in mats:
        chosen = _subset(draw, srcs)
        for k, share in zip(chosen, _shares(draw, len(chosen)), strict=True):
            sup: dict[str, Any] = {"share": share}
            if draw(st.booleans()):
                sup["extra_capacity"] = draw(num(0.0, 2.0 * materials[m]["annual_demand"]))
                sup["ramp_lag_days"] = draw(num(0.0, 30.0))
                sup["ramp_days"] = draw(num(0.0, 60.0))
                sup["price_premium"] = draw(num(0.0, 1.0))
            sources[k]["supply"][m] = sup

    # domestic conversions: c<q> makes a material from materials listed before it
    conv_use = dict.fromkeys(mats, 0.0)  # the conversions' baseline use of each material, share of its demand
    conv_share: dict[str, float] = {}  # product -> baseline share of its conversion
    if adaptation and conversions and n_m >= 2 and (require_conversion or draw(st.booleans())):
        products = draw(st.lists(st.integers(1, n_m - 1), min_size=1, max_size=min(2, n_m - 1), unique=True))
        for q, p in enumerate(products):
            prod = mats[p]
            sup = _conversion(draw, materials, prod, mats[:p], conv_use)
            for src in sources.values():
                if prod in src["supply"]:
                    src["supply"][prod]["share"] *= 1.0 - sup["share"]
            sources[f"c{q}"] = {"transit_days": draw(st.integers(2, 20)), "supply": {prod: sup}}
            conv_share[prod] = sup["share"]

    sectors: dict[str, Any] = {}
    for s in secs:
        sec: dict[str, Any] = {
            "io_sector": draw(st.sampled_from(CODES)),
            "io_share": draw(num(0.01, 0.25)),  # <= 4 x 0.25: one table sector is never over-allocated
            "materials": {},
        }
        if draw(st.booleans()):
            sec["catch_up_share"] = draw(num(0.0, 1.0))
            sec["overtime_rate"] = draw(num(0.0, 0.5))
            sec["catch_up_window_days"] = draw(num(0.0, 60.0))
        if adaptation and draw(st.booleans()):
            sec["cover_factor"] = draw(num(0.1, 10.0))
        sectors[s] = sec
    for m in mats:
        chosen = _subset(draw, secs)
        for s, share in zip(chosen, _shares(draw, len(chosen)), strict=True):
            sm: dict[str, Any] = {
                "use_share": share * (1.0 - conv_use[m]),  # the rest is the conversions' baseline use
                "criticality": draw(num(0.0, 1.0)),
                "priority": draw(st.integers(1, 2)),
            }
            if draw(st.booleans()):
                sm["thrift"] = draw(num(0.0, 0.9))
                sm["thrift_lag_days"] = draw(num(0.0, 30.0))
                sm["thrift_ramp_days"] = draw(num(0.0, 60.0))
            if adaptation and draw(st.booleans()):
                sm["criticality_floor"] = sm["criticality"] * draw(num(0.0, 1.0))
                sm["substitution_lag_days"] = draw(num(0.0, 30.0))
                sm["substitution_days"] = draw(num(0.0, 60.0))
            sectors[s]["materials"][m] = sm

    priors: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    supplying = [k for k in srcs if sources[k]["supply"]]
    busy: dict[str, list[tuple[int, int]]] = {k: [] for k in srcs}  # occupied [start, end_hi) per source
    n_meas = draw(st.integers(min_measures, max(min_measures, max_measures)))
    for i in range(n_meas):
        kind = require_kind if (i == 0 and require_kind is not None) else draw(st.sampled_from(list(kinds)))
        k = draw(st.sampled_from(supplying))
        start = draw(st.integers(0, H - 1))
        end = start + draw(st.integers(1, H))
        end_prior = None
        if uncertainty and draw(st.booleans()):
            lo = draw(st.integers(start + 1, end))
            end_prior = {"dist": "uniform", "low": float(lo), "high": float(lo + draw(st.integers(1, 20)))}
        hi = math.ceil(end_prior["high"]) if end_prior else end
        if any(start < b and a < hi for a, b in busy[k]):
            continue
        busy[k].append((start, hi))
        j = f"j{i}"
        meas: dict[str, Any] = {
            "kind": kind,
            "source": k,
            "materials": _subset(draw, list(sources[k]["supply"])),
            "start_day": start,
            "end_day": end,
            "coverage": draw(st.one_of(st.just(1.0), num(0.05, 1.0))),
        }
        if (kind in ("ban", "quota") or adaptation) and draw(st.booleans()):
            meas["leakage"] = draw(num(0.0, 1.0))
            if adaptation and draw(st.booleans()):
                meas["leakage_lag_days"] = draw(num(0.0, 30.0))
                meas["leakage_days"] = draw(num(0.0, 60.0))
        if kind == "quota":
            meas["quota_share"] = draw(num(0.0, 1.0))
        elif kind == "licence":
            meas.update(_licence_regime(draw, start, math.floor(end_prior["high"]) if end_prior else end))
        policy[j] = meas
        if end_prior is not None:
            priors[f"policy.{j}.end_day"] = end_prior

    if uncertainty:
        if draw(st.booleans()):
            m = draw(st.sampled_from(mats))
            low = draw(num(0.0, 30.0))
            mode = draw(num(low, low + 15.0))
            priors[f"materials.{m}.inventory_days"] = {
                "dist": "triangular", "low": low, "mode": mode, "high": draw(num(mode + 1.0, mode + 30.0)),
            }
        if draw(st.booleans()):
            m = draw(st.sampled_from(mats))
            priors[f"materials.{m}.inventory_spread"] = _uniform(draw, 0.0, 1.5)
        if stockpiles and draw(st.booleans()):
            m = draw(st.sampled_from(mats))
            priors[f"materials.{m}.stockpile.days"] = _uniform(draw, 0.0, 60.0, min_width=1.0)
        if draw(st.booleans()):
            s = draw(st.sampled_from(secs))
            if sectors[s]["materials"]:
                m = draw(st.sampled_from(list(sectors[s]["materials"])))
                if draw(st.booleans()):
                    priors[f"sectors.{s}.materials.{m}.criticality"] = _uniform(draw, 0.0, 1.0)
                else:
                    priors[f"sectors.{s}.materials.{m}.criticality"] = {
                        "dist": "normal", "mean": draw(num(0.0, 1.0)), "sd": draw(num(0.05, 0.5)), "low": 0.0, "high": 1.0,
                    }
                sm = sectors[s]["materials"][m]
                if "criticality_floor" in sm:  # at most every criticality the prior can draw
                    sm["criticality_floor"] = min(sm["criticality_floor"], priors[f"sectors.{s}.materials.{m}.criticality"]["low"])
        if draw(st.booleans()):
            k = draw(st.sampled_from(list(sources)))
            # a conversion needs 2 days (made the day after the order, then delivered)
            priors[f"sources.{k}.transit_days"] = _uniform(draw, 2.0 if k not in srcs else 1.0, 20.0, min_width=1.0)
        if draw(st.booleans()):
            # one supply share drawn, the others of its material scaled to fill the rest
            cands = [
                (k, m)
                for m in mats
                for k in srcs
                if m in sources[k]["supply"] and conv_share.get(m, 0.0) == 0.0
                and sum(sources[o]["supply"][m]["share"] for o in srcs if o != k and m in sources[o]["supply"]) > 0.0
            ]
            if cands:
                k, m = draw(st.sampled_from(cands))
                priors[f"sources.{k}.supply.{m}.share"] = _uniform(draw, 0.0, 1.0, min_width=0.01)
        for j, meas in policy.items():
            if meas["kind"] == "licence" and meas["reject_share"] < 0.9 and draw(st.booleans()):
                priors[f"policy.{j}.approve_share"] = _uniform(draw, 0.0, 1.0 - meas.get("reject_share", 0.0) - 1e-9)
            if draw(st.booleans()):
                priors[f"policy.{j}.coverage"] = _uniform(draw, 0.01, 1.0)
        if adaptation:
            _adaptation_priors(draw, priors, sources, sectors, policy)

    firms: dict[str, Any] = {"cohorts": draw(st.integers(1, 4))}
    switches: dict[str, bool] = {}
    if adaptation:
        if draw(st.booleans()):
            firms["cover_correlation"] = draw(st.one_of(st.just(0.0), num(0.0, 1.0)))
        if draw(st.booleans()):
            firms["triage"] = draw(st.one_of(st.just(1.0), num(0.0, 1.0)))
        if draw(st.integers(0, 3)) == 0:
            switches = {name: draw(st.booleans()) for name in _subset(draw, SWITCHES)}

    return {
        "name": "hypothesis",
        "economy": {"name": "Toyland", "currency": "XTS", "gdp": 1.5e10, "io_table": "toy.csv", "io_unit": 1.0},
        "materials": materials,
        "sources": sources,
        "sectors": sectors,
        "policy": policy,
        "uncertainty": priors,
        "firms": firms,
        **({"adaptation": switches} if switches else {}),
        "calibration": {"criticality_scale": draw(st.sampled_from([1.0, 0.6, 1.7])),
                        "cover_scale": draw(st.sampled_from([1.0, 0.5, 2.5])),
                        "catch_up_scale": draw(st.sampled_from([1.0, 0.0, 3.0])),
                        **({"capacity_scale": draw(st.sampled_from([1.0, 0.0, 2.5])),
                            "substitution_scale": draw(st.sampled_from([1.0, 0.0, 1.8])),
                            "leakage_scale": draw(st.sampled_from([1.0, 0.5, 4.0]))} if adaptation_scales else {})},
        "run": {"horizon_days": H, "paths": 3, "seed": draw(st.integers(0, 2**32 - 1))},
    }


SWITCHES = ("conversion", "substitution", "leakage", "triage", "sector_cover")
"""The ``[adaptation]`` switches."""


def _conversion(draw: st.DrawFn, materials: dict[str, Any], product: str, pool: Sequence[str],
                conv_use: dict[str, float]) -> dict[str, Any]:
    """A domestic conversion's supply of ``product`` from some of ``pool``, with a baseline share or not.

    With a baseline share, each input's baseline use ``u = recipe x share x demand(product) /
    demand(input)`` is added to ``conv_use`` (kept at most 0.9 in all, recipes at most 1000 t per t);
    if an input has no room left the conversion has spare capacity only (share 0).
    """
    inputs = _subset(draw, pool)
    share = draw(st.one_of(st.just(0.0), num(0.05, 0.5)))
    d_p = materials[product]["annual_demand"]
    recipe: dict[str, float] = {}
    if share > 0.0:
        for i in inputs:
            d_i = materials[i]["annual_demand"]
            room = min(0.9 - conv_use[i], 1000.0 * share * d_p / d_i)
            if room < 1e-3:
                share, recipe = 0.0, {}
                break
            u = room * draw(num(0.05, 1.0))
            recipe[i] = min(u * d_i / (share * d_p), 1000.0)
    if share == 0.0:
        recipe = {i: draw(num(0.05, 5.0)) for i in inputs}
    else:
        for i, r in recipe.items():
            conv_use[i] += r * share * d_p / materials[i]["annual_demand"]
    sup: dict[str, Any] = {"share": share, "recipe": recipe, "input_priority": draw(st.integers(1, 2))}
    if share == 0.0 or draw(st.booleans()):
        sup["extra_capacity"] = draw(num(0.0, 2.0 * d_p))
        sup["ramp_lag_days"] = draw(num(0.0, 30.0))
        sup["ramp_days"] = draw(num(0.0, 60.0))
        sup["price_premium"] = draw(num(0.0, 1.0))
    return sup


def _adaptation_priors(draw: st.DrawFn, priors: dict[str, Any], sources: dict[str, Any], sectors: dict[str, Any],
                       policy: dict[str, Any]) -> None:
    """Priors on the adaptation fields: triage, cover correlation, a cover factor, a criticality floor and its lag,
    a measure's leakage and its lag, a conversion's spare capacity."""
    if draw(st.booleans()):
        priors["firms.triage"] = _uniform(draw, 0.0, 1.0)
    if draw(st.booleans()):
        priors["firms.cover_correlation"] = _uniform(draw, 0.0, 1.0)
    if draw(st.booleans()):
        priors[f"sectors.{draw(st.sampled_from(sorted(sectors)))}.cover_factor"] = _uniform(draw, 0.1, 10.0, min_width=0.05)
    floors = [(s, m) for s, sec in sectors.items() for m, sm in sec["materials"].items() if "criticality_floor" in sm]
    if bool(floors) and draw(st.booleans()):
        s, m = draw(st.sampled_from(floors))
        sm = sectors[s]["materials"][m]
        crit = priors.get(f"sectors.{s}.materials.{m}.criticality", {"low": sm["criticality"]})["low"]
        if crit >= 2e-3:
            pr = _uniform(draw, 0.0, crit)
            priors[f"sectors.{s}.materials.{m}.criticality_floor"] = pr
            sm["criticality_floor"] = min(sm["criticality_floor"], pr["high"])
        if draw(st.booleans()):
            priors[f"sectors.{s}.materials.{m}.substitution_lag_days"] = _uniform(draw, 0.0, 30.0, min_width=0.5)
    if bool(policy) and draw(st.booleans()):
        j = draw(st.sampled_from(sorted(policy)))
        priors[f"policy.{j}.leakage"] = _uniform(draw, 0.0, 1.0)
        if draw(st.booleans()):
            priors[f"policy.{j}.leakage_lag_days"] = _uniform(draw, 0.0, 30.0, min_width=0.5)
    convs = [(k, m) for k, src in sources.items() for m, sup in src["supply"].items() if sup.get("recipe")]
    if bool(convs) and draw(st.booleans()):
        k, m = draw(st.sampled_from(convs))
        priors[f"sources.{k}.supply.{m}.extra_capacity"] = _uniform(draw, 0.0, 1000.0, min_width=1.0)


def _licence_regime(draw: st.DrawFn, start: int, end: int) -> dict[str, Any]:
    """A licence queue: decision shares, acceptance, general-licence exemption, capacity, a schedule."""
    approve = draw(num(0.0, 1.0))
    out: dict[str, Any] = {
        "processing_days": _processing_prior(draw),
        "approve_share": approve,
        "reject_share": draw(num(0.0, 1.0 - approve)),
    }
    if draw(st.booleans()):
        out["acceptance_days"] = draw(num(0.0, 10.0))
    if draw(st.booleans()):
        out["exempt_share"] = draw(num(0.0, 1.0))
    if draw(st.booleans()):
        out["capacity"] = draw(num(0.5, 50.0))
    if end - start >= 3 and draw(st.booleans()):
        days = sorted(draw(st.sets(st.integers(start + 1, end - 1), min_size=1, max_size=2)))
        sched: dict[str, Any] = {}
        for n, day in enumerate(days):
            ph: dict[str, Any] = {"day": day}
            if draw(st.booleans()):
                a = draw(num(0.0, 1.0))
                ph["approve_share"] = a
                ph["reject_share"] = draw(num(0.0, 1.0 - a))
            if draw(st.booleans()):
                ph["processing_days"] = _processing_prior(draw)
            if draw(st.booleans()):
                ph["exempt_share"] = draw(num(0.0, 1.0))
            if draw(st.booleans()):
                ph["capacity"] = draw(num(0.5, 50.0))
            sched[f"p{n}"] = ph
        out["schedule"] = sched
    return out


def scenarios(**kw: Any) -> st.SearchStrategy[Scenario]:
    """Built :class:`Scenario` objects (see :func:`scenario_dicts` for the options)."""
    return scenario_dicts(**kw).map(build)


def draws_seeds() -> st.SearchStrategy[int]:
    """Seeds for :func:`simulator.sample_draws`."""
    return st.integers(0, 2**32 - 1)


def measures_on(data: dict[str, Any], source: str, material: str) -> list[str]:
    """Ids of the measures of a scenario mapping on one (source, material)."""
    return [j for j, m in data["policy"].items() if m["source"] == source and material in m["materials"]]


def licence_measures(data: dict[str, Any]) -> list[str]:
    """Ids of the licence measures of a scenario mapping."""
    return [j for j, m in data["policy"].items() if m["kind"] == "licence"]
