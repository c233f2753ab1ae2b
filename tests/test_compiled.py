"""The vectorised engine's compiled loops and its NumPy phases give the same trajectories, bit for bit.

Fused (every phase of a day in one compiled call), phase by phase (each
phase's compiled loops), and NumPy only; the compiled recorders and the NumPy
ones; and a compiled phase that fails to compile falls back to its NumPy code
with a warning naming the phase, never a traceback.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import simulator
import simulator.engines.vectorised as vectorised
from simulator.engines.compiled import firms, jit, loop, recorders, rules
from simulator.engines.phases import fallback
from simulator.engines.rules import Phase
from simulator.engines.trajectories import ARRAY_FIELDS
from simulator.runs.blocks import run_paths

OVERRIDES = {
    "firms": {"triage": 0.7, "cover_correlation": 0.4},
    "sources": {"makers": {"transit_days": 10, "supply": {"magnets": {
        "share": 0.0, "extra_capacity": 1500.0, "ramp_lag_days": 20, "ramp_days": 60, "recipe": {"ndpr": 0.31, "dytb": 0.02}}}}},
}
FIELDS = (*ARRAY_FIELDS, "inventory0", "stockpile0", "pipeline0")

needs_numba = pytest.mark.skipif(not jit.AVAILABLE, reason="numba is not installed")


def _assert_identical(a: simulator.Trajectories, b: simulator.Trajectories) -> None:
    for field in FIELDS:
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


@needs_numba
@pytest.mark.parametrize("name", ["japan-1y-curb", "japan-licence", "japan-2026", "gallium-stop"])
def test_compiled_and_numpy_phases_agree_bit_for_bit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = simulator.load_scenario(name, overrides=OVERRIDES if name.startswith("japan") else None)
    draws = simulator.sample_draws(sc, 12, seed=5)
    fused = simulator.simulate(sc, draws, engine="vectorised")
    monkeypatch.setattr(vectorised, "FUSED", False)
    by_phase = simulator.simulate(sc, draws, engine="vectorised")
    monkeypatch.setattr(vectorised, "COMPILED", False)
    numpy_only = simulator.simulate(sc, draws, engine="vectorised")
    _assert_identical(fused, numpy_only)
    _assert_identical(by_phase, numpy_only)


@needs_numba
def test_fused_blocks_do_not_change_the_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = simulator.load_scenario("japan-1y-curb", overrides=OVERRIDES)
    draws = simulator.sample_draws(sc, 37, seed=9)
    whole = simulator.simulate(sc, draws, engine="vectorised")
    monkeypatch.setattr(vectorised, "FUSED_PATHS", 8)  # 5 blocks, the last of 5 paths
    _assert_identical(simulator.simulate(sc, draws, engine="vectorised"), whole)


@needs_numba
@pytest.mark.parametrize("name", ["japan-1y-curb", "japan-licence"])
def test_compiled_and_numpy_recorders_agree_bit_for_bit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = simulator.load_scenario(name)
    compiled = run_paths(sc, 1100, seed=3, block_size=1100)  # two kernel slices
    monkeypatch.setattr(vectorised, "COMPILED", False)
    numpy_only = run_paths(sc, 1100, seed=3, block_size=1100)
    for f in dataclasses.fields(compiled.metrics):
        x = getattr(compiled.metrics, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, getattr(numpy_only.metrics, f.name)), f.name
    for family in compiled.daily.FAMILIES:
        assert np.array_equal(compiled.daily.counts[family], numpy_only.daily.counts[family]), family
        assert np.array_equal(compiled.daily.sums[family], numpy_only.daily.sums[family]), family


@needs_numba
def test_a_phase_that_fails_to_compile_falls_back_naming_the_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    from numba.core.errors import TypingError

    def broken(*args: object) -> None:
        raise TypingError("Cannot determine Numba type of <class 'object'>")

    sc = simulator.load_scenario("japan-licence", overrides={"run": {"horizon_days": 60}})
    draws = simulator.sample_draws(sc, 5, seed=2)
    want = simulator.simulate(sc, draws, engine="vectorised")
    monkeypatch.setattr(fallback, "_FAILED", {})
    monkeypatch.setattr(loop, "_FUSED_FAILED", [])
    monkeypatch.setattr(loop, "day", broken)
    monkeypatch.setattr(firms, "consume", broken)
    with pytest.warns(RuntimeWarning) as caught:
        got = simulator.simulate(sc, draws, engine="vectorised")
    messages = [str(w.message) for w in caught]
    assert any("compiled consume phase failed to compile" in m and "NumPy" in m for m in messages), messages
    assert any("compiled day" in m for m in messages), messages
    _assert_identical(got, want)
    assert fallback._FAILED.keys() == {Phase.CONSUME}


@needs_numba
def test_compiled_row_sums_are_numpys_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    for n in [*range(0, 140), 255, 256, 257, 1000, 1024, 1031, 4100]:
        a = rng.standard_normal((2, n)) * 10.0 ** rng.integers(-6, 6, size=(2, n))
        want = a.sum(axis=1)
        got = np.array([0.0 + recorders.pairwise_sum(a[r], 0, n) for r in range(2)])
        assert np.array_equal(got, want), n


@needs_numba
def test_compiled_review_day_totals_are_the_elementwise_sums() -> None:
    from simulator.engines.formulas import review_days

    x = np.sort(np.random.default_rng(2).gamma(2.0, 6.0, 4096))
    accept = np.array([0.0, 0.3, 1.0, 2.5, 1e-9, 7.999999999])
    got = np.empty(len(accept), dtype=np.int64)
    rules.review_day_totals(x, accept, got)
    assert got.tolist() == [int(review_days(x, a).sum()) for a in accept]


@needs_numba
def test_progress_cuts_the_compiled_days_without_changing_the_numbers() -> None:
    sc = simulator.load_scenario("japan-licence", overrides={"run": {"horizon_days": 90}})
    seen: list[float] = []
    quiet = run_paths(sc, 1100, seed=3, block_size=1100)
    told = run_paths(sc, 1100, seed=3, block_size=1100, progress=seen.append)
    assert len(seen) > 20 and sum(seen) == pytest.approx(1100)
    assert np.array_equal(quiet.metrics.output_loss, told.metrics.output_loss)
    for family in quiet.daily.FAMILIES:
        assert np.array_equal(quiet.daily.sums[family], told.daily.sums[family]), family
        assert np.array_equal(quiet.daily.counts[family], told.daily.counts[family]), family


@needs_numba
def test_compiled_days_that_fail_to_compile_fall_back_to_day_by_day(monkeypatch: pytest.MonkeyPatch) -> None:
    from numba.core.errors import TypingError

    import simulator.runs.recipe as recipe

    def broken(*args: object) -> None:
        raise TypingError("Cannot determine Numba type of <class 'object'>")

    sc = simulator.load_scenario("japan-licence", overrides={"run": {"horizon_days": 40}})
    want = run_paths(sc, 30, seed=4, block_size=30)
    monkeypatch.setattr(recipe, "_DAYS_FAILED", [])
    monkeypatch.setattr(loop, "run_recorded", broken)
    with pytest.warns(RuntimeWarning, match="compiled days with their recorders failed to compile"):
        got = run_paths(sc, 30, seed=4, block_size=30)
    assert np.array_equal(got.metrics.output_loss, want.metrics.output_loss)
    for family in want.daily.FAMILIES:
        assert np.array_equal(got.daily.sums[family], want.daily.sums[family]), family


@pytest.mark.skipif(not jit.AVAILABLE, reason="numba is not installed")
def test_every_cached_compiled_function_is_stamped_with_the_whole_package() -> None:
    # the fused day embeds every phase it calls: its cache must go stale when any module of the package (or
    # the engine's rules) changes, not only when loop.py does, or an edited phase would run as it was
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import simulator.engines.compiled as package

    assert jit.STAMPED
    stamp = jit._package_stamp()
    seen: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and value._cache is not None and value.__module__ == module.__name__:
                assert value._cache._impl.locator.get_source_stamp() == stamp, value
                seen.add(value.__name__)
    assert {"day", "run_recorded", "consume", "_deliver_material", "_later"} <= seen
