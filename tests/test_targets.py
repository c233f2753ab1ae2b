"""Calibration targets: every target names a built-in scenario, and the GDP base agrees with NRI."""

from __future__ import annotations

import pytest

import simulator
from calibration.targets import default_target, load_targets


def test_every_target_names_a_builtin_scenario_and_a_reported_quantity() -> None:
    targets = load_targets()
    assert {"nri-3m", "daiwa-1y", "mizuho-1y"} <= set(targets)
    for t in targets.values():
        assert t.scenario in simulator.list_scenarios()
        assert t.quantity in ("value_added_loss", "gdp_loss_pct")
        assert t.value > 0 and 0 < t.tolerance < 1
        assert t.source


def test_default_target_is_nri_three_months() -> None:
    t = default_target()
    assert t.name == "nri-3m" and t.value == pytest.approx(660e9) and t.unit == "JPY"
    assert t.reproduced_by(700e9) and not t.reproduced_by(400e9)


def test_gdp_base_reconciles_nri_yen_and_share() -> None:
    """NRI's ¥660bn and 0.11 % imply a ≈¥600tn base: the built-in economy must use it."""
    sc = simulator.load_scenario("japan-3m-curb")
    share = load_targets()["nri-3m-gdp"].value / 100
    assert sc.economy.gdp * share == pytest.approx(default_target().value, rel=0.01)
