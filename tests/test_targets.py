"""Calibration targets: data with stated uncertainty; each builds its scenario and reads its quantity."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from calibration.targets import default_targets, load_targets, pick, target_value
from simulator.economics.impact import impact_from_metrics
from simulator.errors import InputError
from simulator.runs.blocks import run_paths
from simulator.runs.summaries import run_summary


def test_every_target_has_a_scenario_a_quantity_an_uncertainty_and_a_source() -> None:
    targets = load_targets()
    assert {"nri-3m", "nri-1y", "daiwa-1y", "daiwa-1y-transport", "mizuho-1y", "mizuho-halved"} <= set(targets)
    for t in targets.values():
        sc = t.build_scenario()  # the scenario, with its overrides, validates
        assert sc.name
        assert 0 < t.rel_sd < 5 and t.uncertainty_basis and t.source
        if t.quantity == "value_added_loss":
            assert t.money_year == sc.economy.price_year == 2025
        for s in t.sector:
            assert s in sc.sectors


def test_the_default_fitted_target_is_nri_three_months_in_2025_yen() -> None:
    fitted = default_targets()
    assert [t.name for t in fitted] == ["nri-3m"]
    t = fitted[0]
    assert t.value == pytest.approx(660e9) and t.unit == "JPY" and t.statistic == "median"
    assert t.z(660e9 * 1.15) == pytest.approx(1.0)


def test_reconciliation_scenarios_change_what_they_say() -> None:
    targets = load_targets()
    mizuho = targets["mizuho-1y"].build_scenario()
    assert all(m.stockpile.days == 60.0 for m in mizuho.materials.values())
    halved = targets["mizuho-halved"].build_scenario()
    meas = halved.policy["china_stop"]
    assert meas.kind == "quota" and meas.quota_share == 0.5  # type: ignore[union-attr]


def test_gdp_base_is_the_price_years_and_nri_yen_and_share_differ_against_it() -> None:
    """NRI's JPY 660bn and 0.11 % imply a base of ~JPY 600tn: against 2025 GDP (662.8tn) they are ~10 % apart."""
    sc = simulator.load_scenario("japan-3m-curb")
    econ = sc.economy
    assert econ.price_year == 2025
    assert econ.gdp == econ.price_index["2025"] == 662.8e12
    targets = load_targets()
    implied = targets["nri-3m"].value / (targets["nri-3m-gdp"].value / 100)
    assert implied == pytest.approx(600e12, rel=0.01)
    assert econ.gdp / implied - 1 == pytest.approx(0.105, abs=0.01)


def test_target_values_are_read_off_a_run() -> None:
    t = load_targets()["daiwa-1y-transport"]
    sc = t.build_scenario()
    res = run_paths(sc, 40, seed=3, block_size=40)
    s = run_summary(res, impact_from_metrics(res.metrics, sc))
    got = target_value(t, s, sc)
    parts = [s["sectors"][x]["output_loss_pct_of_plan"]["median"] for x in t.sector]
    assert min(parts) <= got <= max(parts) and got > 0
    assert target_value(load_targets()["daiwa-1y"], s, sc) == s["gdp_loss_pct"]["median"]


def test_bad_targets_file_and_unknown_target_names(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[targets.x]\ndescription = "d"\nscenario = "japan-3m-curb"\nquantity = "gdp_loss_pct"\n'
                   'value = -1\nunit = "%"\nrel_sd = 0.1\nuncertainty_basis = "b"\nsource = "s"\nconfidence = "H"\n')
    with pytest.raises(InputError) as exc:
        load_targets(bad)
    assert exc.value.field == "targets.x.value" and exc.value.file == str(bad)
    with pytest.raises(InputError, match="did you mean 'nri-3m'"):
        pick(["nri-3n"])
