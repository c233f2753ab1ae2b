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
from simulator.engines import _compiled, phases
from simulator.stream import run_paths
from simulator.trajectories import ARRAY_FIELDS

OVERRIDES = {
    "firms": {"triage": 0.7, "cover_correlation": 0.4},
    "sources": {"makers": {"transit_days": 10, "supply": {"magnets": {
        "share": 0.0, "extra_capacity": 1500.0, "ramp_lag_days": 20, "ramp_days": 60, "recipe": {"ndpr": 0.31, "dytb": 0.02}}}}},
}
FIELDS = (*ARRAY_FIELDS, "inventory0", "stockpile0", "pipeline0")

needs_numba = pytest.mark.skipif(not _compiled.AVAILABLE, reason="numba is not installed")


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
    monkeypatch.setattr(phases, "_FAILED", {})
    monkeypatch.setattr(_compiled, "_FUSED_FAILED", [])
    monkeypatch.setattr(_compiled, "day", broken)
    monkeypatch.setattr(_compiled, "consume", broken)
    with pytest.warns(RuntimeWarning) as caught:
        got = simulator.simulate(sc, draws, engine="vectorised")
    messages = [str(w.message) for w in caught]
    assert any("compiled consume phase failed to compile" in m and "NumPy" in m for m in messages), messages
    assert any("compiled day" in m for m in messages), messages
    _assert_identical(got, want)
    assert phases._FAILED.keys() == {phases.Phase.CONSUME}
