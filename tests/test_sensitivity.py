"""Sobol indices of the headline outputs: every prior gets indices; irrelevant parameters get none."""

from __future__ import annotations

import numpy as np
import pytest

import simulator
from calibration.sensitivity import OUTPUTS, sobol
from simulator.errors import InputError


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    sc = simulator.load_scenario("japan-3m-curb", overrides={"run": {"horizon_days": 150}})
    return sc, sobol(sc, 64, seed=2, num_resamples=50)


def test_every_uncertain_parameter_gets_first_order_and_total_indices(result) -> None:  # type: ignore[no-untyped-def]
    sc, r = result
    assert r.names == list(sc.uncertainty)
    for o in OUTPUTS:
        assert r.st[o].shape == r.s1[o].shape == (len(r.names),)
        assert np.isfinite(r.st[o]).all() and np.isfinite(r.st_conf[o]).all()
        assert r.st_change[o] >= 0.0


def test_a_parameter_that_cannot_move_the_loss_has_no_index_and_inventory_cover_does(result) -> None:  # type: ignore[no-untyped-def]
    _, r = result
    rank = dict((n, st) for n, st, _ in r.ranking())
    # an alternative supplier's price premium changes the procurement cost, never the GDP loss
    assert rank["sources.lynas.supply.ndpr.price_premium"] == 0.0
    top, st, _ = r.ranking()[0]
    assert st > 0.1 and top.endswith((".inventory_days", ".share", ".criticality", ".inventory_spread"))


def test_bad_sample_sizes_are_refused() -> None:
    sc = simulator.load_scenario("japan-3m-curb")
    with pytest.raises(InputError, match="power of two"):
        sobol(sc, 100)
