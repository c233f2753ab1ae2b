"""Engine agreement, the central test: SimPy and vectorised engines give the same trajectories.

For the same Scenario and Draws, every daily array of the two engines (and the
day-0 state) must agree to ``1e-9`` relative, where "relative" is to the
larger of the two arrays' magnitudes and the array's natural unit (so that an
array that is ~0 everywhere is compared on the scale of the flows it belongs
to, not on the scale of its rounding noise).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import build, examples, scenario_dicts

import simulator
from simulator.engines.trajectories import ARRAY_FIELDS, Trajectories

RTOL = 1e-9
INITIAL_FIELDS = ("inventory0", "stockpile0", "pipeline0")
COMPARED = (*ARRAY_FIELDS, *INITIAL_FIELDS)
CURRENCY_FIELDS = {"lost_output", "premium_cost"}
FRACTION_FIELDS = {"output_fraction", "output"}


def natural_unit(tr: Trajectories, name: str) -> float:
    """The floor of an array's scale: daily demand (material), daily output (currency) or 1 (fractions)."""
    if name in FRACTION_FIELDS:
        return 1.0
    if name in CURRENCY_FIELDS:
        return float(np.max(tr.daily_output, initial=0.0))
    return float(np.max(tr.demand, initial=0.0))


def trajectory_differences(a: Trajectories, b: Trajectories, rtol: float = RTOL) -> list[tuple[float, str, str]]:
    """Per array: (difference / tolerance, name, description), worst first; > 1 means a failure."""
    rows = []
    for name in COMPARED:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        if x.shape != y.shape:
            rows.append((np.inf, name, f"shapes differ: {x.shape} vs {y.shape}"))
            continue
        if x.size == 0:
            continue
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            rows.append((np.inf, name, f"non-finite value at {idx}: {x[idx]!r} vs {y[idx]!r}"))
            continue
        scale = max(float(np.abs(x).max()), float(np.abs(y).max()), natural_unit(a, name), natural_unit(b, name))
        diff = np.abs(x - y)
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        worst = float(diff[idx])
        tol = rtol * scale
        ratio = worst / tol if tol > 0 else (np.inf if worst > 0 else 0.0)
        rows.append((ratio, name, f"max|a-b| = {worst:.3e} at index {idx} (a = {x[idx]!r}, b = {y[idx]!r}); "
                                  f"tolerance {rtol:g} x scale {scale:.6g} = {tol:.3e}"))
    rows.sort(key=lambda r: -r[0])
    return rows


def assert_same_trajectories(a: Trajectories, b: Trajectories, rtol: float = RTOL) -> None:
    """Fail, naming the worst array, unless every compared array agrees to ``rtol``.

    ``max|a - b| <= rtol * max(max|a|, max|b|, unit)`` for each name in
    :data:`~simulator.engines.trajectories.ARRAY_FIELDS` and the day-0 state, where
    ``unit`` is the largest baseline daily demand for material arrays, the
    largest baseline daily output for currency arrays and 1 for output fractions.
    """
    rows = trajectory_differences(a, b, rtol)
    failing = [r for r in rows if r[0] > 1.0]
    if failing:
        lines = [f"{len(failing)} of {len(rows)} arrays differ between engines {a.engine!r} and {b.engine!r}; "
                 f"worst: {failing[0][1]}"]
        lines += [f"  {name}: {text} ({ratio:.3g} x tolerance)" for ratio, name, text in failing]
        raise AssertionError("\n".join(lines))


def run_both(sc: simulator.Scenario, n_paths: int, seed: int) -> tuple[Trajectories, Trajectories]:
    draws = simulator.sample_draws(sc, n_paths, seed)
    a = simulator.simulate(sc, draws, engine="simpy")
    b = simulator.simulate(sc, draws, engine="vectorised")
    return a, b


# ----------------------------------------------------------- built-in scenarios

BUILTINS = sorted(simulator.list_scenarios())


def test_there_are_builtin_scenarios() -> None:
    assert len(BUILTINS) >= 1


@pytest.fixture(scope="module")
def builtin_runs() -> dict[str, tuple[simulator.Scenario, Trajectories, Trajectories]]:
    out = {}
    for name in BUILTINS:
        sc = simulator.load_scenario(name, overrides={"run": {"horizon_days": 200}})
        out[name] = (sc, *run_both(sc, 4, seed=20260107))
    return out


@pytest.mark.parametrize("name", BUILTINS)
def test_engines_agree_on_builtin_scenario(name: str, builtin_runs: dict) -> None:
    _, a, b = builtin_runs[name]
    assert a.engine == "simpy" and b.engine == "vectorised"
    assert_same_trajectories(a, b)
    assert a.arrivals.sum() > 0.0 and a.consumption.sum() > 0.0


def test_builtin_comparison_is_not_vacuous(builtin_runs: dict) -> None:
    """Some built-in shock stops output, triggers a release and a denial within the horizon."""
    runs = [tr for _, tr, _ in builtin_runs.values()]
    assert any(tr.lost_output.sum() > 0.0 for tr in runs)
    assert any(tr.release.sum() > 0.0 for tr in runs)
    assert any(tr.denied.sum() > 0.0 for tr in runs)
    assert any(tr.premium_cost.sum() > 0.0 for tr in runs)


# ------------------------------------------------------- generated scenarios


@settings(max_examples=examples(40), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=scenario_dicts(), seed=st.integers(0, 2**32 - 1))
def test_engines_agree_on_generated_scenarios(data: dict, seed: int) -> None:
    sc = build(data)
    a, b = run_both(sc, 3, seed)
    assert_same_trajectories(a, b)


@settings(max_examples=examples(15), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=scenario_dicts(min_measures=1, require_kind="licence"), seed=st.integers(0, 2**32 - 1))
def test_engines_agree_on_generated_licence_scenarios(data: dict, seed: int) -> None:
    sc = build(data)
    a, b = run_both(sc, 3, seed)
    assert_same_trajectories(a, b)


# A minimal scenario found by hypothesis: no measure at all; two sources of
# equal transit; the inventory settles exactly at the stockpile's trigger
# (8 days of demand), where ``inventory < trigger`` is decided by the last bits
# of the inventory, which the engines accumulate in a different order (SimPy
# puts each shipment into the container, the vectorised engine adds the day's
# summed arrivals). One engine releases 2 days of demand and the other does
# not, and the paths diverge by whole days of demand from there on.
STOCKPILE_TRIGGER_TIE = {
    "name": "stockpile-trigger-tie",
    "economy": {"name": "Toyland", "currency": "XTS", "gdp": 1.5e10, "io_table": "toy.csv"},
    "materials": {"m1": {"annual_demand": 7909.0, "inventory_days": 0.0,
                         "stockpile": {"days": 14.0, "trigger_cover_days": 8.0, "decision_lag_days": 14,
                                       "max_release_per_day": 2.0}}},
    "sources": {"k0": {"transit_days": 14, "supply": {"m1": {"share": 0.5}}},
                "k1": {"transit_days": 14, "supply": {"m1": {"share": 0.5}}}},
    "sectors": {"s0": {"io_sector": "a", "io_share": 0.01, "materials": {"m1": {"use_share": 1.0, "criticality": 0.0}}}},
    "run": {"horizon_days": 60, "paths": 1, "seed": 0},
}


def test_engines_agree_when_inventory_sits_at_the_stockpile_trigger() -> None:
    a, b = run_both(build(STOCKPILE_TRIGGER_TIE), 1, seed=0)
    assert_same_trajectories(a, b)


# ------------------------------------------------------- the test can fail


def _perturbed(tr: Trajectories, name: str, rel: float = 1e-6) -> Trajectories:
    """A copy of ``tr`` with the largest element of one array moved by ``rel`` relative.

    Relative to the element or, if larger, to the array's natural unit (an
    element far below its unit, e.g. a premium cost of a few yen beside a
    daily output of billions, is compared on the unit's scale).
    """
    out = dataclasses.replace(tr, **{n: np.array(getattr(tr, n), copy=True) for n in COMPARED})
    arr = getattr(out, name)
    idx = np.unravel_index(int(np.argmax(np.abs(arr))), arr.shape)
    arr[idx] += rel * max(abs(float(arr[idx])), natural_unit(tr, name))
    return out


@pytest.mark.parametrize("name", COMPARED)
def test_helper_detects_a_perturbation_of_one_element(name: str, builtin_runs: dict) -> None:
    _, a, b = builtin_runs["japan-licence" if "japan-licence" in builtin_runs else BUILTINS[0]]
    assert_same_trajectories(a, b)  # as run, they agree ...
    bad = _perturbed(b, name)
    with pytest.raises(AssertionError, match=f"worst: {name}\\b"):  # ... but not after a 1e-6 nudge
        assert_same_trajectories(a, bad)


def test_helper_detects_nan_and_shape_mismatch(builtin_runs: dict) -> None:
    _, a, b = builtin_runs[BUILTINS[0]]
    nan = dataclasses.replace(b, inventory=np.array(b.inventory, copy=True))
    nan.inventory[0, 0, 0] = np.nan
    with pytest.raises(AssertionError, match="worst: inventory"):
        assert_same_trajectories(a, nan)
    short = dataclasses.replace(b, release=b.release[:, :-1])
    with pytest.raises(AssertionError, match="worst: release"):
        assert_same_trajectories(a, short)


def test_helper_accepts_rounding_noise(builtin_runs: dict) -> None:
    _, a, _ = builtin_runs[BUILTINS[0]]
    noisy = copy.deepcopy(a)
    noisy.inventory *= 1.0 + 1e-12
    assert_same_trajectories(a, noisy)
