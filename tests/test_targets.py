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


def test_gdp_base_is_the_price_years_and_nri_yen_and_share_differ_against_it() -> None:
    """The GDP base is nominal GDP of the price year (2025: JPY 662.8tn).

    NRI's JPY 660bn and 0.11 % imply a base of about JPY 600tn (about 2024's
    JPY 609tn), so against 2025 GDP the yen target and the share target are
    about 10 % apart: a fit can match one of them, and the default target is
    the yen figure.
    """
    sc = simulator.load_scenario("japan-3m-curb")
    econ = sc.economy
    assert econ.price_year == 2025
    assert econ.gdp == econ.price_index["2025"] == 662.8e12
    share = load_targets()["nri-3m-gdp"].value / 100
    implied = default_target().value / share
    assert implied == pytest.approx(600e12, rel=0.01)
    assert econ.gdp / implied - 1 == pytest.approx(0.105, abs=0.01)
    assert default_target().quantity == "value_added_loss"
