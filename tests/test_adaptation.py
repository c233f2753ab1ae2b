"""The adaptation mechanisms: closed-form toys on both engines, the built-ins with every mechanism on, bad input.

Mechanisms (fields in ``simulator/model/schema_economy.py``, ``schema_supply.py``,
``schema_measures.py`` and ``scenario.py``'s ``Adaptation``; the SimPy engine's
``deliver``, ``production`` and ``ship_or_apply``):

- **substitution**: a sector's criticality of a material falls linearly from
  ``criticality`` to ``criticality_floor`` over ``substitution_days``, from
  ``substitution_lag_days`` after the material's disruption is known (the
  first start day of a measure on it);
- **leakage** that builds up: on day t, ``leak = leakage x
  ramp_fraction(t, start_day + leakage_lag_days, leakage_days)``; a ban or
  quota lets ``quota + leak x (1 - quota)`` of the covered users' baseline
  flow through, a licence lets ``leak`` of the covered orders needing a
  licence ship without one (up to the baseline flow);
- **domestic conversion**: a source whose supply has a ``recipe`` makes what
  is ordered from it on day t on day t + 1 from its own stock of the inputs
  (in proportion to its scarcest input; the rest is ``denied``) and delivers
  it on day t + transit_days; its inputs are delivered to it as to a sector;
- **triage**: within a delivery rank, a scarce delivery is shared
  ``(1 - triage)`` pro rata to the firms' gaps and ``triage`` to the uses
  that save the most value added per tonne first;
- **sector cover**: a sector's cover is the material's cover times its
  ``cover_factor`` normalised to a use-weighted mean of 1; below
  ``firms.cover_correlation = 1`` each material's cohort quantiles are
  matched to the cohorts per path;
- ``[adaptation]`` switches each of them off.

The toys use the two-sector table of ``tests/test_toy.py`` (daily output
1000 per sector, value added = output), material demand 8 t/day and
quantities that are small multiples of powers of two, so most expectations
hold to the last bit; they are compared to 1e-12 all the same.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats
from test_toy import TOY_TABLE

import simulator
from simulator.cli.main import cli
from simulator.engines.params import PathParams
from simulator.engines.resolve import resolve
from simulator.engines.trajectories import ARRAY_FIELDS, Trajectories
from simulator.errors import InputError
from simulator.model.draws import COHORT_KEY
from simulator.model.validation import build_scenario

ENGINES = ("simpy", "vectorised")
D = 8.0
"""Daily demand of the toy material, t/day (annual demand 2920 t)."""
DAILY_OUTPUT = 1000.0
ATOL = 1e-12

# the two-sector toy table of the toy closed-form tests (sector output 365,000 a year each)


def toy(
    *,
    materials: dict[str, Any],
    sources: dict[str, Any],
    sectors: dict[str, Any],
    policy: dict[str, Any] | None = None,
    horizon: int,
    firms: dict[str, Any] | None = None,
    adaptation: dict[str, Any] | None = None,
    uncertainty: dict[str, Any] | None = None,
) -> simulator.Scenario:
    """A toy scenario on :data:`TOY_TABLE`; sectors ``A`` and ``B`` are table sectors A and B in full."""
    secs = {s: {"io_sector": s, "io_share": 1.0, **v} for s, v in sectors.items()}
    data: dict[str, Any] = {
        "name": "toy",
        "economy": {"name": "Toy", "currency": "XTS", "gdp": 730_000.0, "io_table": "toy.csv"},
        "materials": materials,
        "sources": sources,
        "sectors": secs,
        "policy": policy or {},
        "firms": firms or {},
        "adaptation": adaptation or {},
        "uncertainty": uncertainty or {},
        "run": {"horizon_days": horizon, "paths": 1, "seed": 0},
    }
    return build_scenario(copy.deepcopy(data), file="<toy>", table=TOY_TABLE)


def material(cover: float, annual: float = 365 * D, **kw: Any) -> dict[str, Any]:
    return {"annual_demand": annual, "price": 1.0, "inventory_days": cover, **kw}


def simulate(sc: simulator.Scenario, engine: str, n_paths: int = 1, seed: int = 0) -> Trajectories:
    return simulator.simulate(sc, simulator.sample_draws(sc, n_paths, seed=seed), engine=cast(Any, engine))


def path_params(sc: simulator.Scenario, n_paths: int = 1, seed: int = 0) -> PathParams:
    draws = simulator.sample_draws(sc, n_paths, seed=seed)
    return resolve(sc, draws.params, n_paths)


def ramp(t: np.ndarray, start: float, days: float) -> np.ndarray:
    """Share of a linear ramp done on day t (a step at ``start`` if ``days`` is 0), written out independently."""
    if days == 0:
        return (t >= start).astype(np.float64)
    return np.clip((t - start) / days, 0.0, 1.0)


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=0, atol=ATOL)


# ---------------------------------------------------------------- substitution

KAPPA, FLOOR = 0.75, 0.25


def substitution_toy(*, start: int, lag: float, days: float, cover: float, transit: int, horizon: int,
                     adaptation: dict[str, Any] | None = None) -> simulator.Scenario:
    return toy(
        materials={"x": material(cover)},
        sources={"src": {"transit_days": transit, "supply": {"x": {"share": 1.0}}}},
        sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA, "criticality_floor": FLOOR,
                                           "substitution_lag_days": lag, "substitution_days": days}}},
                 "B": {"materials": {}}},
        policy={"ban": {"kind": "ban", "source": "src", "materials": ["x"], "start_day": start, "end_day": 500}},
        horizon=horizon,
        adaptation=adaptation,
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("start", "lag", "days"), [(0, 0, 16), (3, 8, 16), (0, 30, 8), (5, 4, 0), (0, 0, 0), (2, 10, 64),
                                                    (0, 2.5, 10)])
def test_criticality_falls_linearly_to_its_floor_from_the_lag_after_the_disruption(engine: str, start: int, lag: float,
                                                                                   days: float) -> None:
    """A full ban from ``start``: the stock (cover 10 days, transit 5) is empty from day start + 15 on, and the
    sector then makes ``1 - criticality(t)``, with ``criticality(t) = kappa - (kappa - floor) x frac(t)`` and
    ``frac`` the linear ramp from day start + lag over ``days`` days."""
    cover, L, T = 10, 5, 60
    tr = simulate(substitution_toy(start=start, lag=lag, days=days, cover=cover, transit=L, horizon=T), engine)
    t = np.arange(T)
    crit = KAPPA - (KAPPA - FLOOR) * ramp(t, start + lag, days)
    empty = t >= start + L + cover
    f = tr.output_fraction[0, :, 0]
    close(f, np.where(empty, 1.0 - crit, 1.0))
    close(tr.lost_output[0, :, 0], np.where(empty, crit * DAILY_OUTPUT, 0.0))
    assert (tr.output_fraction[0, :, 1] == 1.0).all()
    if days <= 16 and start + lag + days < T:
        assert f[-1] == 1.0 - FLOOR  # the floor is reached and held


@pytest.mark.parametrize("engine", ENGINES)
def test_substitution_switched_off_keeps_the_criticality(engine: str) -> None:
    T = 60
    tr = simulate(substitution_toy(start=0, lag=0, days=10, cover=10, transit=5, horizon=T,
                                   adaptation={"substitution": False}), engine)
    t = np.arange(T)
    close(tr.output_fraction[0, :, 0], np.where(t >= 15, 1.0 - KAPPA, 1.0))


# --------------------------------------------------------------------- leakage

LEAK = 0.5
QUOTA = 0.25


def leakage_toy(kind: str, *, start: int, lag: float, days: float, cover: float, horizon: int, transit: int = 5,
                coverage: float = 1.0, adaptation: dict[str, Any] | None = None) -> simulator.Scenario:
    meas: dict[str, Any] = {"kind": kind, "source": "src", "materials": ["x"], "start_day": start, "end_day": 500,
                            "coverage": coverage, "leakage": LEAK, "leakage_lag_days": lag, "leakage_days": days}
    if kind == "quota":
        meas["quota_share"] = QUOTA
    elif kind == "licence":
        # nothing is ever decided (all pending) and importers plan for no wait: only leakage gets through
        meas.update(processing_days={"dist": "fixed", "value": 5.0}, approve_share=0.0, reject_share=0.0,
                    planned_days=0.0)
    return toy(
        materials={"x": material(cover)},
        sources={"src": {"transit_days": transit, "supply": {"x": {"share": 1.0}}}},
        sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA}}}, "B": {"materials": {}}},
        policy={"m": meas},
        horizon=horizon,
        adaptation=adaptation,
    )


def pass_share(kind: str, t: np.ndarray, start: int, lag: float, days: float, leak: float = LEAK) -> np.ndarray:
    """Share of the covered baseline flow let through on day t (written out independently of the library)."""
    lk = leak * ramp(t, start + lag, days)
    if kind == "quota":
        return QUOTA + lk * (1.0 - QUOTA)
    return lk


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["ban", "quota", "licence"])
@pytest.mark.parametrize(("start", "lag", "days"), [(2, 10, 16), (0, 0, 8), (0, 5, 0), (4, 0, 0), (0, 3.5, 20)])
def test_leakage_builds_up_on_the_curbed_edge_day_by_day(engine: str, kind: str, start: int, lag: float,
                                                        days: float) -> None:
    """The order placed on day t >= start ships ``pass(t) x d`` and arrives on day t + L.

    The cover (100 days) outlasts the horizon, so the importer orders at least a day's demand every day and
    the covered users get exactly their pass share of the baseline flow: ``quota + leak(t) (1 - quota)`` for a
    ban (quota 0) or quota, ``leak(t)`` for a licence that never decides.
    """
    L, T = 5, 60
    tr = simulate(leakage_toy(kind, start=start, lag=lag, days=days, cover=100, horizon=T, transit=L), engine)
    arr = tr.arrivals[0, :, 0, 0]
    t = np.arange(T)
    expected = np.where(t < start + L, D, D * pass_share(kind, t - L, start, lag, days))
    close(arr, expected)
    assert arr[-1] == D * pass_share(kind, np.array([T - 1 - L]), start, lag, days)[0]
    assert (tr.lost_output == 0.0).all()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["ban", "quota"])
def test_leaked_flow_is_what_the_sector_gets_once_the_stock_is_gone(engine: str, kind: str) -> None:
    """No corporate stock: what leaks through on day t - L is all the sector has on day t."""
    L, T, start, lag, days = 4, 50, 3, 6, 12
    tr = simulate(leakage_toy(kind, start=start, lag=lag, days=days, cover=0, horizon=T, transit=L), engine)
    t = np.arange(T)
    got = np.where(t < start + L, 1.0, pass_share(kind, t - L, start, lag, days))
    close(tr.arrivals[0, :, 0, 0], D * got)
    close(tr.output_fraction[0, :, 0], 1.0 - KAPPA * (1.0 - got))


@pytest.mark.parametrize("engine", ENGINES)
def test_leakage_with_partial_coverage_adds_to_the_uncovered_flow(engine: str) -> None:
    L, T, c = 5, 60, 0.5
    tr = simulate(leakage_toy("ban", start=0, lag=8, days=16, cover=100, horizon=T, transit=L, coverage=c), engine)
    t = np.arange(T)
    expected = np.where(t < L, D, D * ((1.0 - c) + c * pass_share("ban", t - L, 0, 8, 16)))
    close(tr.arrivals[0, :, 0, 0], expected)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["ban", "quota", "licence"])
def test_leakage_switched_off_lets_nothing_through(engine: str, kind: str) -> None:
    L, T = 5, 50
    tr = simulate(leakage_toy(kind, start=0, lag=0, days=0, cover=100, horizon=T, transit=L,
                              adaptation={"leakage": False}), engine)
    arr = tr.arrivals[0, :, 0, 0]
    assert (arr[:L] == D).all()
    assert (arr[L:] == (QUOTA * D if kind == "quota" else 0.0)).all()


# ------------------------------------------------------------------ conversion

SIGMA, RECIPE, EXTRA, RAMP_DAYS = 0.5, 2.0, 2.0, 8.0  # baseline share, t of y per t of x, extra t/day, ramp days


def plant_toy(*, horizon: int, adaptation: dict[str, Any] | None = None) -> simulator.Scenario:
    """x half imported (transit 3), half made at home from y (2 t of y per t, transit 3; spare capacity 2 t/day,
    ramped over 8 days from the disruption); y imported (transit 4), used only by the plant; a full ban on the
    imports of x from day 0. Baseline use of y = 2 x 0.5 x 8 t/day = its whole demand of 8 t/day."""
    return toy(
        materials={"x": material(100), "y": material(100, annual=365 * RECIPE * SIGMA * D)},
        sources={
            "imp": {"transit_days": 3, "supply": {"x": {"share": 1.0 - SIGMA}}},
            "plant": {"transit_days": 3, "supply": {"x": {"share": SIGMA, "recipe": {"y": RECIPE},
                                                          "extra_capacity": 365 * EXTRA, "ramp_days": RAMP_DAYS}}},
            "ysrc": {"transit_days": 4, "supply": {"y": {"share": 1.0}}},
        },
        sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA}}}, "B": {"materials": {}}},
        policy={"ban": {"kind": "ban", "source": "imp", "materials": ["x"], "start_day": 0, "end_day": 500}},
        horizon=horizon,
        adaptation=adaptation,
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("on", [True, False], ids=["conversion", "conversion-off"])
def test_conversion_ships_what_was_ordered_transit_days_after_the_order(engine: str, on: bool) -> None:
    """Imports of x stop; the importer turns to the plant, which can make its baseline 4 t/day plus the
    spare 2 t/day ramped over 8 days. The shortfall outruns that, so the order of day t is the plant's
    capacity ``4 + 2 min(t/8, 1)``; it is made on day t + 1 from the plant's stock of y (2 t of y a tonne,
    stock for 100 days: enough) and arrives on day t + 3. Switched off, the plant keeps its baseline."""
    L, T = 3, 40
    tr = simulate(plant_toy(horizon=T, adaptation=None if on else {"conversion": False}), engine)
    t = np.arange(T)
    cap = SIGMA * D + (EXTRA * ramp(t, 0.0, RAMP_DAYS) if on else np.zeros(T))
    x, y = 0, 1
    imp, plant = 0, 1
    close(tr.placed[0, :, x], cap)  # everything ordered goes to the plant (the import is banned)
    arrived = tr.arrivals[0, :, plant, x]
    close(arrived[:L], np.full(L, SIGMA * D))  # at sea on day 0, and the plant's day-0 order
    close(arrived[L:], tr.placed[0, : T - L, x])  # the order of day t arrives on day t + 3 ...
    assert (tr.denied[0, :, x] == 0.0).all()  # ... in full
    assert (tr.arrivals[0, L:, imp, x] == 0.0).all()
    # the plant uses 2 t of y for each tonne made on day t + 1
    close(tr.consumption[0, 1:, y], RECIPE * tr.placed[0, :-1, x])
    assert tr.consumption[0, 0, y] == RECIPE * SIGMA * D
    assert (tr.shortfall[0, :, y] == 0.0).all()


QUOTA_Y = 0.25


def short_plant_toy(*, horizon: int) -> simulator.Scenario:
    """x made only at home from y (2 t of y per t, transit 3; cover of x 10 days); y imported (transit 4,
    cover 6 days), used only by the plant, under a quota of 1/4 of its flow from day 0."""
    return toy(
        materials={"x": material(10), "y": material(6, annual=365 * RECIPE * D)},
        sources={
            "plant": {"transit_days": 3, "supply": {"x": {"share": 1.0, "recipe": {"y": RECIPE}}}},
            "ysrc": {"transit_days": 4, "supply": {"y": {"share": 1.0}}},
        },
        sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA}}}, "B": {"materials": {}}},
        policy={"q": {"kind": "quota", "quota_share": QUOTA_Y, "source": "ysrc", "materials": ["y"], "start_day": 0,
                      "end_day": 500}},
        horizon=horizon,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_conversion_short_of_its_input_makes_what_the_input_allows(engine: str) -> None:
    """y arrives at 16 t/day until day 3, then at the quota's 4 t/day; the plant uses 16 t/day, so its 96 t
    of y (6 days) fall by 12 t/day from day 4 and are gone at the end of day 11. From day 12 it has only
    the 4 t of y that arrive each day and makes 4 / 2 = 2 t of x a day, whatever is ordered; the rest of
    each order is denied. Those 2 t/day arrive from day 14; A's 80 t of x fall by 6 t/day and give out on
    day 27 (2 + 2 of 8 t: output 1 - kappa / 2), after which A gets 2 of 8 t a day: 1 - 3/4 kappa."""
    T = 40
    tr = simulate(short_plant_toy(horizon=T), engine)
    x, y, plant = 0, 1, 0
    t = np.arange(T)
    made = np.where(t <= 11, D, QUOTA_Y * RECIPE * D / RECIPE)  # made on day t (ordered on day t - 1)
    arrived = tr.arrivals[0, :, plant, x]
    close(arrived[:2], np.full(2, D))
    close(arrived[2:], made[: T - 2])  # made on day t, arrives on day t - 1 + 3
    ordered = np.concatenate([[D], tr.placed[0, :-1, x]])  # the day-0 make is the baseline order at sea
    close(tr.denied[0, :, x], ordered - made)
    assert (tr.denied[0, :12, x] == 0.0).all() and (tr.denied[0, 12:, x] > 0.0).all()
    # made in proportion to the input: 2 t of y per tonne made, i.e. all the y it has
    close(tr.consumption[0, :, y], RECIPE * made)
    close(made[1:], np.minimum(ordered[1:], (tr.inventory[0, :-1, y] + tr.arrivals[0, 1:, :, y].sum(axis=1)) / RECIPE))
    close(tr.arrivals[0, 4:, 1, y], np.full(T - 4, QUOTA_Y * RECIPE * D))
    expected = np.ones(T)
    expected[27] = 1.0 - KAPPA * 0.5
    expected[28:] = 1.0 - KAPPA * 0.75
    close(tr.output_fraction[0, :, 0], expected)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cohorts", [1, 2, 3, 4, 5, 7])
def test_a_conversion_with_its_inputs_denies_nothing(engine: str, cohorts: int) -> None:
    """No shock: a plant making 0.1 t/day of x (1 t/day) from ample y makes exactly what is ordered every day.

    ``denied`` is volume not made: exactly 0 here, never negative. (Until commit b751f99 the made volume
    was the sum over cohorts of ``(w x order) x ratio``, which with 5 or 7 cohorts rounds above the order:
    ``denied`` was -1.4e-17 every day.)
    """
    sc = toy(materials={"x": material(10, annual=365.0), "y": material(100, annual=36.5)},
             sources={"imp": {"transit_days": 3, "supply": {"x": {"share": 0.9}}},
                      "plant": {"transit_days": 3, "supply": {"x": {"share": 0.1, "recipe": {"y": 1.0}}}},
                      "ysrc": {"transit_days": 4, "supply": {"y": {"share": 1.0}}}},
             sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA}}}, "B": {"materials": {}}},
             firms={"cohorts": cohorts}, horizon=20)
    tr = simulate(sc, engine)
    assert (tr.denied >= 0.0).all(), f"denied < 0: min {tr.denied.min()!r}"
    assert (tr.denied == 0.0).all()
    np.testing.assert_allclose(tr.arrivals[0, :, 1, 0], 0.1, rtol=1e-12)  # the order itself carries rounding


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cohorts", [1, 3, 5, 7])
def test_a_conversion_without_its_input_makes_nothing(engine: str, cohorts: int) -> None:
    """y (no cover) is banned from day 0, so from day 4 the plant has none and makes nothing of x: nothing
    arrives from it (exactly 0, never a negative tonnage) and all that is ordered from it is denied.

    With every cohort out of input the made volume is exactly 0 (never a negative tonnage, which the
    vectorised engine once booked as an arrival while the SimPy engine shipped nothing).
    """
    T = 40
    sc = toy(materials={"x": material(5, annual=365.0), "y": material(0, annual=36.5 * 0.7)},
             sources={"imp": {"transit_days": 3, "supply": {"x": {"share": 0.9}}},
                      "plant": {"transit_days": 3, "supply": {"x": {"share": 0.1, "recipe": {"y": 0.7}}}},
                      "ysrc": {"transit_days": 4, "supply": {"y": {"share": 1.0}}}},
             sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": KAPPA}}}, "B": {"materials": {}}},
             policy={"ban": {"kind": "ban", "source": "ysrc", "materials": ["y"], "start_day": 0, "end_day": 500}},
             firms={"cohorts": cohorts}, horizon=T)
    tr = simulate(sc, engine)
    plant = tr.arrivals[0, :, 1, 0]
    assert (plant >= 0.0).all(), f"negative arrivals from the plant: min {plant.min()!r} on day {int(plant.argmin())}"
    # made from day 4 on, arriving from day 6: nothing but what rounding left in a cohort's stock of y (a stock
    # used down to have - (have - avail) can keep ~1e-18 t, which is made into ~1e-16 t of x)
    assert (plant[6:] <= 1e-12 * 0.1).all(), plant[6:].max()
    ordered = np.concatenate([[0.1], 0.1 * tr.placed[0, :-1, 0]])  # x is not disrupted: 10 % of each order
    np.testing.assert_allclose(tr.denied[0, 4:, 0], ordered[4:], rtol=1e-12)


# ---------------------------------------------------------------------- triage

KAPPA_A, KAPPA_B = 0.25, 0.75  # B, listed second, saves three times the value added per tonne


def triage_toy(theta: float, *, cover: float, factors: tuple[float, float], quota: float, ban_days: int,
               priority_b: int = 1, adaptation: dict[str, Any] | None = None, horizon: int = 50) -> simulator.Scenario:
    """A and B each use half of x (4 t/day); a full ban on days [0, ban_days), then a quota: from day
    ban_days + L the quota's ``quota x 8`` t arrive each day to two empty stocks."""
    return toy(
        materials={"x": material(cover)},
        sources={"src": {"transit_days": 4, "supply": {"x": {"share": 1.0}}}},
        sectors={"A": {"cover_factor": factors[0], "materials": {"x": {"use_share": 0.5, "criticality": KAPPA_A}}},
                 "B": {"cover_factor": factors[1],
                       "materials": {"x": {"use_share": 0.5, "criticality": KAPPA_B, "priority": priority_b}}}},
        policy={"ban": {"kind": "ban", "source": "src", "materials": ["x"], "start_day": 0, "end_day": ban_days},
                "quota": {"kind": "quota", "quota_share": quota, "source": "src", "materials": ["x"],
                          "start_day": ban_days, "end_day": 500}},
        firms={"triage": theta},
        adaptation=adaptation,
        horizon=horizon,
    )


# Two cases; each day from day ban_days + 4 on, both stocks are empty when the quota's delivery arrives,
# so the gaps are the normal stocks and all that is delivered is used the same day.
# - "scarce": cover 16 days, factors 1 and 3 (normalised 0.5 and 1.5): normal stocks A 32 t, B 96 t; 2 t
#   arrive a day. Pro rata: A 2 x 32/128 = 0.5, B 1.5; B first: B 2 (its gap is larger), A 0.
# - "spill": cover 1 day, factors 1 and 1: normal stocks 4 t each; 6 t arrive a day. Pro rata 3 and 3;
#   B first: B's whole gap 4, A the other 2.
TRIAGE_CASES: dict[str, tuple[dict[str, Any], dict[float, tuple[float, float]]]] = {
    "scarce": ({"cover": 16, "factors": (1.0, 3.0), "quota": 0.25, "ban_days": 24}, {0.0: (0.5, 1.5), 1.0: (0.0, 2.0)}),
    "spill": ({"cover": 1, "factors": (1.0, 1.0), "quota": 0.75, "ban_days": 4}, {0.0: (3.0, 3.0), 1.0: (2.0, 4.0)}),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(TRIAGE_CASES))
@pytest.mark.parametrize("theta", [0.0, 0.25, 0.5, 1.0])
def test_triage_blends_pro_rata_and_value_first(engine: str, case: str, theta: float) -> None:
    kw, alloc = TRIAGE_CASES[case]
    sc = triage_toy(theta, **kw)
    # value added a tonne saves: criticality x daily output x value-added ratio (1) / baseline use (4 t/day)
    pp = path_params(sc)
    np.testing.assert_array_equal(pp.user_value[0], [KAPPA_A * DAILY_OUTPUT / 4.0, KAPPA_B * DAILY_OUTPUT / 4.0])
    assert pp.triage[0] == theta
    tr = simulate(sc, engine)
    lo, hi = np.array(alloc[0.0]), np.array(alloc[1.0])
    got = (1.0 - theta) * lo + theta * hi  # t/day to A and B
    ratio = got / 4.0
    start = kw["ban_days"] + 4
    f = tr.output_fraction[0, start:, :]
    close(f, np.broadcast_to(1.0 - np.array([KAPPA_A, KAPPA_B]) * (1.0 - ratio), f.shape))


@pytest.mark.parametrize("engine", ENGINES)
def test_triage_at_one_half_is_the_average_of_pro_rata_and_value_first(engine: str) -> None:
    kw = TRIAGE_CASES["scarce"][0]
    runs = {th: simulate(triage_toy(th, **kw), engine).output_fraction[0] for th in (0.0, 0.5, 1.0)}
    close(runs[0.5], (runs[0.0] + runs[1.0]) / 2.0)
    assert not np.array_equal(runs[0.0], runs[1.0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("theta", [0.0, 1.0])
def test_delivery_rank_comes_before_triage(engine: str, theta: float) -> None:
    """B saves more per tonne but is served in rank 2: A (rank 1) gets the 2 t a day whatever the triage."""
    kw = TRIAGE_CASES["scarce"][0]
    tr = simulate(triage_toy(theta, priority_b=2, **kw), engine)
    f = tr.output_fraction[0, 28:, :]
    close(f, np.broadcast_to([1.0 - KAPPA_A * (1.0 - 2.0 / 4.0), 1.0 - KAPPA_B], f.shape))


@pytest.mark.parametrize("engine", ENGINES)
def test_triage_switched_off_is_pro_rata(engine: str) -> None:
    kw = TRIAGE_CASES["scarce"][0]
    off = simulate(triage_toy(1.0, adaptation={"triage": False}, **kw), engine)
    pro = simulate(triage_toy(0.0, **kw), engine)
    np.testing.assert_array_equal(off.output_fraction, pro.output_fraction)


# ---------------------------------------------------------------- sector cover


def cover_toy(*, cover: float, factors: tuple[float, float], uses: tuple[float, float],
              adaptation: dict[str, Any] | None = None, horizon: int = 60) -> simulator.Scenario:
    return toy(
        materials={"x": material(cover)},
        sources={"src": {"transit_days": 5, "supply": {"x": {"share": 1.0}}}},
        sectors={"A": {"cover_factor": factors[0], "materials": {"x": {"use_share": uses[0], "criticality": 0.5}}},
                 "B": {"cover_factor": factors[1], "materials": {"x": {"use_share": uses[1], "criticality": 0.5}}}},
        policy={"ban": {"kind": "ban", "source": "src", "materials": ["x"], "start_day": 0, "end_day": 500}},
        adaptation=adaptation,
        horizon=horizon,
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("cover", "factors", "uses", "covers", "first"), [
    (20, (1.0, 3.0), (0.25, 0.75), (8.0, 24.0), (13, 29)),  # use-weighted mean factor 2.5: 20 x 1/2.5, 20 x 3/2.5
    (20, (1.0, 3.0), (0.5, 0.5), (10.0, 30.0), (15, 35)),  # mean 2
    (12, (2.0, 2.0), (0.5, 0.5), (12.0, 12.0), (17, 17)),  # equal factors of any size change nothing
    (15, (4.0, 1.0), (0.75, 0.25), (60 / 3.25, 15 / 3.25), (23, 9)),  # mean 3.25: 18.46 and 4.62 days
])
def test_cover_factor_sets_each_sectors_first_stoppage(engine: str, cover: float, factors: tuple[float, float],
                                                       uses: tuple[float, float], covers: tuple[float, float],
                                                       first: tuple[int, int]) -> None:
    """Full ban from day 0, transit 5: sector s's stock lasts ``cover x factor_s / sum_u use_u factor_u``
    days from day 5, so it first stops on day 5 + the whole days of that."""
    sc = cover_toy(cover=cover, factors=factors, uses=uses)
    pp = path_params(sc)
    np.testing.assert_allclose(pp.user_cover[0, :, 0], covers, rtol=1e-15)
    tr = simulate(sc, engine)
    imp = simulator.assess(tr, sc)
    assert imp.first_stoppage_day[0].tolist() == list(first)
    t = np.arange(60)
    got = np.clip(np.array(covers)[None, :] - (t[:, None] - 5), 0.0, 1.0)
    got[t < 5] = 1.0
    close(tr.output_fraction[0], 1.0 - 0.5 * (1.0 - got))


@pytest.mark.parametrize("engine", ENGINES)
def test_sector_cover_switched_off_gives_every_sector_the_materials_cover(engine: str) -> None:
    sc = cover_toy(cover=20, factors=(1.0, 3.0), uses=(0.25, 0.75), adaptation={"sector_cover": False})
    imp = simulator.assess(simulate(sc, engine), sc)
    assert imp.first_stoppage_day[0].tolist() == [25, 25]


def correlation_toy(rho: float, *, spread: float = 0.6, cohorts: int = 3, horizon: int = 70) -> simulator.Scenario:
    """Sector A needs x (criticality 0.75) and z (0.5), both from one source, banned from day 0."""
    return toy(
        materials={"x": material(20, inventory_spread=spread), "z": material(30, inventory_spread=spread)},
        sources={"src": {"transit_days": 5, "supply": {"x": {"share": 1.0}, "z": {"share": 1.0}}}},
        sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": 0.75},
                                     "z": {"use_share": 1.0, "criticality": 0.5}}},
                 "B": {"materials": {}}},
        policy={"ban": {"kind": "ban", "source": "src", "materials": ["x", "z"], "start_day": 0, "end_day": 500}},
        firms={"cohorts": cohorts, "cover_correlation": rho},
        horizon=horizon,
    )


def cohort_covers_by_hand(cover: float, spread: float, rho: float, u: np.ndarray) -> np.ndarray:
    """Covers of the cohorts of one material on each path, shape (P, C), from the documented formula.

    Cohort i's normal score is ``rho z_i + sqrt(1 - rho^2) z_r``, r the rank of its matching uniform
    ``u[:, i]`` among the material's; its cover is ``cover x exp(spread x score)`` scaled to mean ``cover``.
    """
    C = u.shape[1]
    z = stats.norm.ppf((np.arange(C) + 0.5) / C)
    ranks = np.argsort(np.argsort(u, axis=1), axis=1)
    score = rho * z[None, :] + np.sqrt(1.0 - rho * rho) * z[ranks] if rho < 1.0 else np.broadcast_to(z, u.shape)
    raw = np.exp(spread * score)
    return cover * raw / raw.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_cover_correlation_matches_each_materials_quantiles_to_the_cohorts(engine: str, rho: float) -> None:
    """Each cohort holds its own cover of x and of z; the cohort's output is the worse of the two, so with
    ``rho < 1`` a cohort rich in x may be short of z and the loss comes earlier than with ``rho = 1``."""
    P, C, L, T = 8, 3, 5, 70
    sc = correlation_toy(rho, cohorts=C, horizon=T)
    draws = simulator.sample_draws(sc, P, seed=3)
    pp = resolve(sc, draws.params, P)
    covers = {}
    for mi, (m, cover) in enumerate((("x", 20.0), ("z", 30.0))):
        if rho < 1.0:
            u = np.stack([draws.params[f"{COHORT_KEY}.{m}.{c}"] for c in range(C)], axis=1)
        else:
            u = np.tile(np.arange(C, dtype=np.float64), (P, 1))
        covers[m] = cohort_covers_by_hand(cover, 0.6, rho, u)
        np.testing.assert_allclose(pp.user_cover[:, mi, :], covers[m], rtol=1e-12)
    # x's and z's cohort orders differ on some paths and agree on others (rho < 1), always agree (rho = 1)
    same = (np.argsort(covers["x"], axis=1) == np.argsort(covers["z"], axis=1)).all(axis=1)
    assert same.all() if rho == 1.0 else (0 < same.sum() < P)
    tr = simulator.simulate(sc, draws, engine=cast(Any, engine))
    t = np.arange(T)[None, :, None]
    f = np.ones((P, T, C))
    for m, kappa in (("x", 0.75), ("z", 0.5)):
        got = np.clip(covers[m][:, None, :] - (t - L), 0.0, 1.0)
        got = np.where(t < L, 1.0, got)
        f = np.minimum(f, 1.0 - kappa * (1.0 - got))
    close(tr.output_fraction[:, :, 0], f.mean(axis=2))


# ------------------------------------------- the built-ins with every mechanism on

COMPARED = (*ARRAY_FIELDS, "inventory0", "stockpile0", "pipeline0")
ADAPTED_BUILTINS = ("japan-1y-curb", "japan-licence", "japan-2026")
PLANT_SHARE = 0.05
PLANT_RECIPE = {"ndpr": 0.3, "dytb": 0.02}


def adapted_overrides(name: str, *, horizon: int = 200) -> dict[str, Any]:
    """Overrides that push every mechanism of a built-in Japan scenario on, computed from the scenario as shipped.

    - a domestic magnet plant with a baseline share (taken from China's) made from NdPr and Dy/Tb, its
      baseline use of each taken from that input's largest using sector (so use shares still sum to 1),
      with spare capacity, a ramp and inputs served in rank 2;
    - a spare-capacity-only conversion that makes Dy/Tb from 'other' rare earths, which chains into the plant;
    - triage 0.5, cover correlation 0.4, strong cover factors on the first and last sectors;
    - a criticality floor (with lag and fall) on one pair of each sector, below any prior on the criticality;
    - leakage with a lag and a build-up on every measure (licences leak too); a prior on one measure's lag.
    Setting a value drops the shipped prior on that field.
    """
    sc = simulator.load_scenario(name)
    mats = sc.materials
    sectors: dict[str, Any] = {}
    for inp, r in PLANT_RECIPE.items():
        u = r * PLANT_SHARE * mats["magnets"].annual_demand / mats[inp].annual_demand
        s = max((s for s in sc.sectors if inp in sc.sectors[s].materials), key=lambda s: sc.sectors[s].materials[inp].use_share)
        assert sc.sectors[s].materials[inp].use_share > u
        sectors.setdefault(s, {"materials": {}})["materials"][inp] = {"use_share": sc.sectors[s].materials[inp].use_share - u}
    ids = sc.sector_ids
    for s, f in ((ids[0], 2.5), (ids[-1], 0.4)):
        sectors.setdefault(s, {})["cover_factor"] = f
    for i, s in enumerate(ids):
        m = sorted(sc.sectors[s].materials)[i % len(sc.sectors[s].materials)]
        crit_lo = sc.uncertainty[f"sectors.{s}.materials.{m}.criticality"].support()[0] \
            if f"sectors.{s}.materials.{m}.criticality" in sc.uncertainty else sc.sectors[s].materials[m].criticality
        sm = sectors.setdefault(s, {}).setdefault("materials", {}).setdefault(m, {})
        sm.update(criticality_floor=0.5 * crit_lo, substitution_lag_days=float(10 * i), substitution_days=float(30 + 20 * i))
    china_magnets = sc.sources["china"].supply["magnets"].share
    policy = {j: {"leakage": 0.3, "leakage_lag_days": 20.0, "leakage_days": 40.0} for j in sc.policy}
    first = sc.measure_ids[0]
    return {
        "sources": {
            "china": {"supply": {"magnets": {"share": china_magnets - PLANT_SHARE}}},
            "test_magnet_plant": {"transit_days": 5, "supply": {"magnets": {
                "share": PLANT_SHARE, "recipe": PLANT_RECIPE, "extra_capacity": 1500.0, "ramp_lag_days": 10.0,
                "ramp_days": 60.0, "price_premium": 0.2, "input_priority": 2}}},
            "test_heavy_recovery": {"transit_days": 3, "supply": {"dytb": {
                "share": 0.0, "recipe": {"other": 0.5}, "extra_capacity": 30.0, "ramp_days": 30.0}}},
        },
        "sectors": sectors,
        "firms": {"triage": 0.5, "cover_correlation": 0.4},
        "policy": policy,
        "uncertainty": {f"policy.{first}.leakage_lag_days": {"dist": "uniform", "low": 10.0, "high": 40.0}},
        "run": {"horizon_days": horizon},
    }


def not_bit_identical(a: Trajectories, b: Trajectories) -> list[str]:
    out = []
    for name in COMPARED:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        if x.shape != y.shape:
            out.append(f"{name}: shapes {x.shape} vs {y.shape}")
        elif not np.array_equal(x, y):
            idx = np.unravel_index(int(np.argmax(np.abs(x - y))), x.shape)
            out.append(f"{name}: max |a - b| = {float(np.abs(x - y).max()):.3e} at {tuple(int(i) for i in idx)}")
    return out


@pytest.mark.parametrize("switches", ["on", "off"])
@pytest.mark.parametrize("name", ADAPTED_BUILTINS)
def test_engines_agree_bit_for_bit_on_builtins_with_every_mechanism_on(name: str, switches: str) -> None:
    overrides = adapted_overrides(name, horizon=200 if switches == "on" else 120)
    if switches == "off":
        overrides["adaptation"] = dict.fromkeys(("conversion", "substitution", "leakage", "triage", "sector_cover"), False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unusual values (a cover factor of 2.5) are the point here
        sc = simulator.load_scenario(name, overrides=overrides)
    draws = simulator.sample_draws(sc, 3, seed=20260107)
    a = simulator.simulate(sc, draws, engine="simpy")
    b = simulator.simulate(sc, draws, engine="vectorised")
    assert not_bit_identical(a, b) == []
    # not vacuous: the plant and the recovery deliver, above the plant's baseline once it has ramped up
    k, m = sc.source_ids.index("test_magnet_plant"), sc.material_ids.index("magnets")
    base = PLANT_SHARE * sc.materials["magnets"].annual_demand / 365.0
    plant = a.arrivals[:, :, k, m]
    if switches == "on":
        assert plant.max() > 1.5 * base
        assert a.arrivals[:, :, sc.source_ids.index("test_heavy_recovery"), :].sum() > 0.0
    else:
        assert plant.max() <= base * (1 + 1e-12)
        assert (a.arrivals[:, :, sc.source_ids.index("test_heavy_recovery"), :] == 0.0).all()
    assert a.lost_output.sum() > 0.0


# --------------------------------------- switches off = the mechanisms' neutral values

def neutralised(data: dict[str, Any]) -> dict[str, Any]:
    """A generated scenario mapping with every adaptation field at its neutral value, and no switch."""
    out = copy.deepcopy(data)
    out.pop("adaptation", None)
    for meas in out["policy"].values():
        for f in ("leakage", "leakage_lag_days", "leakage_days"):
            meas.pop(f, None)
    for sec in out["sectors"].values():
        sec.pop("cover_factor", None)
        for sm in sec["materials"].values():
            for f in ("criticality_floor", "substitution_lag_days", "substitution_days"):
                sm.pop(f, None)
    for f in ("triage", "cover_correlation"):
        out["firms"].pop(f, None)
    for src in out["sources"].values():
        for sup in src["supply"].values():
            if sup.get("recipe"):
                sup["extra_capacity"] = 0.0
    neutral = (".leakage", ".leakage_lag_days", ".leakage_days", ".cover_factor", ".criticality_floor",
               ".substitution_lag_days", ".substitution_days", "firms.triage", "firms.cover_correlation")
    conv = tuple(f"sources.{k}." for k, src in out["sources"].items()
                 if any(sup.get("recipe") for sup in src["supply"].values()))
    out["uncertainty"] = {k: v for k, v in out["uncertainty"].items()
                          if not k.endswith(neutral) and not (k.startswith(conv) and k.endswith(".extra_capacity"))}
    return out


def _switches_off_property() -> Any:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from strategies import build, examples, scenario_dicts

    @settings(max_examples=examples(25), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=scenario_dicts(), seed=st.integers(0, 2**32 - 1))
    def test_switching_every_mechanism_off_is_setting_its_fields_neutral(data: dict, seed: int) -> None:
        """``[adaptation]`` all false gives, bit for bit, the scenario without the mechanisms' fields
        (conversions keep their baseline share, with no spare capacity)."""
        off = copy.deepcopy(data)
        off["adaptation"] = dict.fromkeys(("conversion", "substitution", "leakage", "triage", "sector_cover"), False)
        a, b = build(off), build(neutralised(data))
        tr_a = simulator.simulate(a, simulator.sample_draws(a, 3, seed), engine="vectorised")
        tr_b = simulator.simulate(b, simulator.sample_draws(b, 3, seed), engine="vectorised")
        assert not_bit_identical(tr_a, tr_b) == []

    return test_switching_every_mechanism_off_is_setting_its_fields_neutral


test_switching_every_mechanism_off_is_setting_its_fields_neutral = _switches_off_property()


# ------------------------------------------------------------------- bad input

BASE = 'extends = "japan-rare-earths"\n'
PLANT = """
[sources.test_plant]
transit_days = 5
[sources.test_plant.supply.magnets]
share = 0.0
extra_capacity = 500.0
recipe = { ndpr = 0.3 }
"""
BACK = """
[sources.test_back]
transit_days = 5
[sources.test_back.supply.ndpr]
share = 0.0
recipe = { magnets = 2.0 }
"""
LOOP3 = """
[sources.p1]
transit_days = 5
[sources.p1.supply.magnets]
share = 0.0
recipe = { ndpr = 0.3 }
[sources.p2]
transit_days = 5
[sources.p2.supply.ndpr]
share = 0.0
recipe = { other = 2.0 }
[sources.p3]
transit_days = 5
[sources.p3.supply.other]
share = 0.0
recipe = { magnets = 2.0 }
"""
CURB = '[policy.curb]\nkind = "ban"\nsource = "{source}"\nmaterials = ["{material}"]\nend_day = 90\n'
CHEM = "[sectors.chemicals.materials.other]\ncriticality = 0.5\n"
FLOOR_PRIOR = '[uncertainty]\n"sectors.chemicals.materials.other.criticality_floor" = {{ dist = "uniform", low = {lo}, high = {hi} }}\n'
CRIT_PRIOR = '"sectors.chemicals.materials.other.criticality" = {{ dist = "uniform", low = {lo}, high = {hi} }}\n'
TRANSIT_PRIOR = '[uncertainty]\n"sources.test_plant.transit_days" = {{ dist = "uniform", low = {low}, high = 10 }}\n'
TRANSIT_PRIOR_RULE = ("prior can draw fewer than 2 days (rounded), but a domestic conversion needs at least 2 (made the day "
                      "after the order, then delivered)")
LOOP_RULE = "recipes must not form a loop (a material made, in the end, from itself)"
FLOOR_RULE = "must be at most criticality ({c})"
NEVER_RULE = "prior never draws a floor at or below criticality (at most {c}), so it never substitutes"

BAD_INPUT: dict[str, tuple[str, str, str, Any]] = {
    # id: (body, field, rule, value)
    "recipe-from-itself": (PLANT.replace("ndpr = 0.3", "magnets = 1.0"), "sources.test_plant.supply.magnets.recipe.magnets",
                           "must not make a material from itself", "magnets"),
    "recipe-loop": (PLANT + BACK, "sources.*.supply.magnets.recipe", LOOP_RULE, "magnets <- ndpr <- magnets"),
    "recipe-loop-of-three": (LOOP3, "sources.*.supply.magnets.recipe", LOOP_RULE, "magnets <- ndpr <- other <- magnets"),
    "recipe-unknown-input": (PLANT.replace("ndpr = 0.3", "ndrp = 0.3"), "sources.test_plant.supply.magnets.recipe.ndrp",
                             "names an unknown material; did you mean 'ndpr'?", "ndrp"),
    "recipe-amount-zero": (PLANT.replace("ndpr = 0.3", "ndpr = 0.0"), "sources.test_plant.supply.magnets.recipe.ndpr",
                           "must be > 0", 0.0),
    "conversion-extra-negative": (PLANT.replace("extra_capacity = 500.0", "extra_capacity = -5.0"),
                                  "sources.test_plant.supply.magnets.extra_capacity", "must be >= 0", -5.0),
    "conversion-transit-1": (PLANT.replace("transit_days = 5", "transit_days = 1"), "sources.test_plant.transit_days",
                             "must be at least 2 for a domestic conversion (made the day after the order, then delivered)", 1),
    "conversion-transit-prior-from-1": (PLANT + TRANSIT_PRIOR.format(low=1), "uncertainty.sources.test_plant.transit_days",
                                        TRANSIT_PRIOR_RULE, 1.0),
    "conversion-input-priority-0": (PLANT + "input_priority = 0\n", "sources.test_plant.supply.magnets.input_priority",
                                    "must be >= 1", 0),
    "measure-on-a-conversion": (PLANT + CURB.format(source="test_plant", material="magnets"), "policy.curb.source",
                                "must be an exporting source, not a domestic conversion (a source with a recipe)", "test_plant"),
    "floor-above-criticality": (CHEM + "criticality_floor = 0.6\n", "sectors.chemicals.materials.other.criticality_floor",
                                FLOOR_RULE.format(c=0.5), 0.6),
    "floor-above-criticality-with-a-prior-on-it": (CHEM + "criticality_floor = 0.6\n" + FLOOR_PRIOR.format(lo=0.1, hi=0.6),
                                                   "sectors.chemicals.materials.other.criticality_floor",
                                                   FLOOR_RULE.format(c=0.5), 0.6),
    "floor-prior-entirely-above-criticality": (CHEM + "criticality_floor = 0.4\n" + FLOOR_PRIOR.format(lo=0.6, hi=0.8),
                                               "uncertainty.sectors.chemicals.materials.other.criticality_floor",
                                               NEVER_RULE.format(c=0.5), 0.6),
    "floor-prior-entirely-above-criticality-prior": (CHEM + "criticality_floor = 0.4\n" + FLOOR_PRIOR.format(lo=0.5, hi=0.7)
                                                     + CRIT_PRIOR.format(lo=0.25, hi=0.45),
                                                     "uncertainty.sectors.chemicals.materials.other.criticality_floor",
                                                     NEVER_RULE.format(c=0.45), 0.5),
    "ban-leakage-above-one": (CURB.format(source="china", material="ndpr") + "leakage = 1.2\n", "policy.curb.leakage",
                              "must be <= 1", 1.2),
    "licence-leakage-above-one": (CURB.format(source="china", material="dytb").replace('"ban"', '"licence"')
                                  + 'processing_days = { dist = "fixed", value = 5 }\napprove_share = 0.5\nleakage = 1.2\n',
                                  "policy.curb.leakage", "must be <= 1", 1.2),
    "leakage-negative": (CURB.format(source="china", material="ndpr") + "leakage = -0.1\n", "policy.curb.leakage",
                         "must be >= 0", -0.1),
    "leakage-prior-above-one": (CURB.format(source="china", material="ndpr")
                                + '[uncertainty]\n"policy.curb.leakage" = { dist = "uniform", low = 0.5, high = 1.5 }\n',
                                "uncertainty.policy.curb.leakage", "prior can draw 1.5, but leakage must be <= 1", 1.5),
    "leakage-lag-negative": (CURB.format(source="china", material="ndpr") + "leakage = 0.2\nleakage_lag_days = -3\n",
                             "policy.curb.leakage_lag_days", "must be >= 0", -3),
    "triage-above-one": ("[firms]\ntriage = 1.5\n", "firms.triage", "must be <= 1", 1.5),
    "triage-negative": ("[firms]\ntriage = -0.1\n", "firms.triage", "must be >= 0", -0.1),
    "triage-prior-above-one": ('[uncertainty]\n"firms.triage" = { dist = "uniform", low = 0.5, high = 1.2 }\n',
                               "uncertainty.firms.triage", "prior can draw 1.2, but triage must be <= 1", 1.2),
    "cover-correlation-above-one": ("[firms]\ncover_correlation = 1.5\n", "firms.cover_correlation", "must be <= 1", 1.5),
    "cover-factor-zero": ("[sectors.chemicals]\ncover_factor = 0\n", "sectors.chemicals.cover_factor", "must be > 0", 0),
    "cover-factor-negative": ("[sectors.chemicals]\ncover_factor = -1.0\n", "sectors.chemicals.cover_factor", "must be > 0", -1.0),
    "cover-factor-prior-from-zero": ('[uncertainty]\n"sectors.chemicals.cover_factor" = { dist = "uniform", low = 0.0, high = 2.0 }\n',
                                     "uncertainty.sectors.chemicals.cover_factor",
                                     "prior can draw 0, but cover_factor must be > 0", 0.0),
    "adaptation-switch-typo": ("[adaptation]\nsubstitutoin = false\n", "adaptation.substitutoin",
                               "unknown key; did you mean 'substitution'?", False),
    "adaptation-switch-not-a-bool": ("[adaptation]\nleakage = 0\n", "adaptation.leakage", "must be true or false", 0),
}


def _bad_file(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.toml"
    path.write_text(BASE + BAD_INPUT[case][0], encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_adaptation_input_names_file_field_rule_and_value(tmp_path: Path, case: str) -> None:
    _, field, rule, value = BAD_INPUT[case]
    path = _bad_file(tmp_path, case)
    with pytest.raises(InputError, match=re.escape(f"{path}: {field}: {rule}; got ")) as exc:
        simulator.load_scenario(path)
    err = exc.value
    assert (err.file, err.field, err.rule) == (str(path), field, rule)
    assert err.value == value and type(err.value) is type(value)


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_adaptation_input_exits_2_and_writes_nothing(tmp_path: Path, case: str, command: str) -> None:
    _, field, rule, value = BAD_INPUT[case]
    path = _bad_file(tmp_path, case)
    out = tmp_path / "out"
    args = [command, str(path)] + (["--paths", "8", "--quiet", "--out", str(out)] if command == "run" else [])
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[0] == f"error: {path}: {field}: {rule}; got {value!r}"
    assert res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "something was written"


@pytest.mark.parametrize(("low", "refused"), [(1.0, True), (1.4, True), (1.6, False), (2.0, False)])
def test_a_prior_on_a_conversions_transit_days_must_not_draw_fewer_than_2(tmp_path: Path, low: float, refused: bool) -> None:
    """Drawn transit days are rounded: a prior from 1.6 days draws at least 2."""
    path = tmp_path / "s.toml"
    path.write_text(BASE + PLANT + TRANSIT_PRIOR.format(low=low), encoding="utf-8")
    if not refused:
        simulator.load_scenario(path)
        return
    field = "uncertainty.sources.test_plant.transit_days"
    with pytest.raises(InputError, match=re.escape(f"{path}: {field}: {TRANSIT_PRIOR_RULE}; got {low!r}")):
        simulator.load_scenario(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_floor_prior_overlapping_the_criticality_is_accepted_and_never_raises_it(engine: str) -> None:
    """Priors on the floor and the criticality that overlap are accepted; a path that draws a floor above its
    criticality keeps the criticality (no substitution), the others fall to the floor drawn."""
    P, T = 64, 40
    sc = toy(materials={"x": material(5)},
             sources={"src": {"transit_days": 5, "supply": {"x": {"share": 1.0}}}},
             sectors={"A": {"materials": {"x": {"use_share": 1.0, "criticality": 0.5, "criticality_floor": 0.3,
                                                "substitution_days": 0.0}}}, "B": {"materials": {}}},
             policy={"ban": {"kind": "ban", "source": "src", "materials": ["x"], "start_day": 0, "end_day": 500}},
             uncertainty={"sectors.A.materials.x.criticality_floor": {"dist": "uniform", "low": 0.1, "high": 0.9},
                          "sectors.A.materials.x.criticality": {"dist": "uniform", "low": 0.2, "high": 0.6}},
             horizon=T)
    draws = simulator.sample_draws(sc, P, seed=1)
    floor, crit = draws.params["sectors.A.materials.x.criticality_floor"], draws.params["sectors.A.materials.x.criticality"]
    above = floor > crit
    assert 0 < above.sum() < P
    pp = resolve(sc, draws.params, P)
    np.testing.assert_array_equal(pp.crit_floor[:, 0, 0], np.where(above, crit, floor))
    tr = simulator.simulate(sc, draws, engine=cast(Any, engine))
    # the stock is gone from day 10 on, and the floor reached at once (substitution_days 0)
    close(tr.output_fraction[:, 10:, 0], np.broadcast_to((1.0 - np.minimum(floor, crit))[:, None], (P, T - 10)))
