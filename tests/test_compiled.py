"""The vectorised engine's compiled loops and its NumPy phases give the same trajectories, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import simulator
import simulator.engines.vectorised as vectorised
from simulator.engines import _compiled
from simulator.trajectories import ARRAY_FIELDS

OVERRIDES = {
    "firms": {"triage": 0.7, "cover_correlation": 0.4},
    "sources": {"makers": {"transit_days": 10, "supply": {"magnets": {
        "share": 0.0, "extra_capacity": 1500.0, "ramp_lag_days": 20, "ramp_days": 60, "recipe": {"ndpr": 0.31, "dytb": 0.02}}}}},
}


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("name", ["japan-1y-curb", "japan-licence"])
def test_compiled_and_numpy_phases_agree_bit_for_bit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = simulator.load_scenario(name, overrides=OVERRIDES)
    draws = simulator.sample_draws(sc, 12, seed=5)
    compiled = simulator.simulate(sc, draws, engine="vectorised")
    monkeypatch.setattr(vectorised, "COMPILED", False)
    numpy_only = simulator.simulate(sc, draws, engine="vectorised")
    for field in ARRAY_FIELDS:
        assert np.array_equal(getattr(compiled, field), getattr(numpy_only, field)), field
    assert np.array_equal(compiled.inventory0, numpy_only.inventory0)
