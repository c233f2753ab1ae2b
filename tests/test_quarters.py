"""Gross and net value added lost, and the loss by calendar quarter."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.economics.leontief import value_added_lost
from simulator.economics.metrics import metrics_from_trajectories
from simulator.economics.quarters import quarter_calendar
from simulator.errors import InputError


@pytest.fixture(scope="module")
def japan() -> simulator.Scenario:
    return simulator.load_scenario("japan-3m-curb")


@pytest.fixture(scope="module")
def run(japan: simulator.Scenario) -> tuple[simulator.Trajectories, simulator.Impact]:
    draws = simulator.sample_draws(japan, 40, seed=4)
    tr = simulator.simulate(japan, draws)
    return tr, simulator.assess(tr, japan)


def test_calendar_quarters_from_a_start_date() -> None:
    labels, idx = quarter_calendar(datetime.date(2026, 1, 1), 365)
    assert labels == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert np.bincount(idx).tolist() == [90, 91, 92, 92]
    labels, idx = quarter_calendar(datetime.date(2025, 4, 4), 365)
    assert labels == ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert np.bincount(idx).tolist() == [88, 92, 92, 90, 3]
    labels, idx = quarter_calendar(datetime.date(2024, 12, 31), 1)
    assert (labels, idx.tolist()) == (["2024Q4"], [0])


def test_run_quarters_without_a_start_date() -> None:
    labels, idx = quarter_calendar(None, 400)
    assert labels == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert np.bincount(idx).tolist() == [91, 91, 91, 92, 35]


def test_builtin_three_month_curb_is_the_first_quarter_of_2026(japan: simulator.Scenario) -> None:
    assert japan.run.start_date == datetime.date(2026, 1, 1)
    assert japan.run.start_weekday == 3  # a Thursday, derived from the date
    assert japan.policy["china_stop"].end_day == 90 == quarter_calendar(japan.run.start_date, 365)[1].tolist().index(1)


def test_start_weekday_must_agree_with_start_date(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('extends = "japan-3m-curb"\n[run]\nstart_date = 2026-01-05\nstart_weekday = 3\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    assert exc.value.field == "run.start_weekday" and exc.value.value == 3
    assert "2026-01-05 is 0" in exc.value.rule
    path.write_text('extends = "japan-3m-curb"\n[run]\nstart_date = 2026-01-05\n', encoding="utf-8")
    assert simulator.load_scenario(path).run.start_weekday == 0


def test_start_date_must_be_a_date(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"extends": "japan-3m-curb", "run": {"start_date": "1 Jan 2026"}}', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    assert (exc.value.field, exc.value.rule, exc.value.value) == ("run.start_date", "must be a date (YYYY-MM-DD)", "1 Jan 2026")


def test_gross_is_shortfall_from_plan_and_net_is_gross_less_catch_up(run: tuple[simulator.Trajectories, simulator.Impact]) -> None:
    tr, imp = run
    assert tr.price_scale is not None
    scale = tr.price_scale[:, None]
    gross = ((1 - tr.output_fraction) * tr.daily_output[:, None, :]).sum(axis=1) * scale
    caught_up = ((tr.output - tr.output_fraction) * tr.daily_output[:, None, :]).sum(axis=1) * scale
    np.testing.assert_allclose(imp.output_loss_gross, gross, rtol=1e-12)
    np.testing.assert_allclose(imp.output_loss, gross - caught_up, rtol=1e-9, atol=1e-3)
    assert np.all(imp.output_loss_gross >= imp.output_loss - 1e-3)
    assert np.all(imp.value_added_loss_gross >= imp.value_added_loss - 1e-3)
    # the default curb is caught up in part on most paths: gross exceeds net
    assert np.mean(imp.value_added_loss_gross > imp.value_added_loss * 1.05) > 0.5


def test_quarters_add_up_to_the_horizon_in_output(run: tuple[simulator.Trajectories, simulator.Impact],
                                                   japan: simulator.Scenario) -> None:
    tr, _ = run
    pm = metrics_from_trajectories(tr, japan)
    assert pm.quarters == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"] and pm.quarter_days.tolist() == [90, 91, 92, 92]
    np.testing.assert_allclose(pm.output_loss_quarter.sum(axis=1), pm.output_loss, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(pm.output_loss_gross_quarter.sum(axis=1), pm.output_loss_gross, rtol=1e-12)
    # the stop is the first quarter: most paths lose then; shortages and catch-up (a window of 180 days) end by June
    assert np.mean(pm.output_loss_gross_quarter[:, 0].sum(axis=1) > 0) > 0.5
    assert np.all(pm.output_loss_gross_quarter[:, 2:] == 0) and np.all(pm.output_loss_quarter[:, 2:] == 0)


def test_quarterly_value_added_net_is_gross_less_catch_up(run: tuple[simulator.Trajectories, simulator.Impact],
                                                          japan: simulator.Scenario) -> None:
    tr, imp = run
    assert imp.quarters == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    pm = metrics_from_trajectories(tr, japan)
    assert pm.price_scale is not None
    s = pm.price_scale[:, None, None]
    gross_q = pm.output_loss_gross_quarter * s
    caught = np.clip(gross_q - pm.output_loss_quarter * s, 0, None)
    np.testing.assert_allclose(imp.value_added_loss_gross_quarter, value_added_lost(japan, gross_q), rtol=1e-12)
    np.testing.assert_allclose(imp.value_added_loss_quarter,
                               value_added_lost(japan, gross_q) - value_added_lost(japan, caught), rtol=1e-9, atol=1e-3)
    # the loss falls in the quarter of the stop; catch-up comes after it
    assert np.mean(imp.value_added_loss_quarter[:, 0] > 0) > 0.5
    assert np.all(imp.value_added_loss_quarter[:, 0] >= 0)
    assert np.all(imp.value_added_loss_gross_quarter[:, 1] >= imp.value_added_loss_quarter[:, 1] - 1e-3)
    # a share of the quarter's GDP is four times the share of the year's
    np.testing.assert_allclose(imp.gdp_loss_pct_quarter, 400 * imp.value_added_loss_quarter / tr.gdp[:, None], rtol=1e-12)
    # the quarters nearly add up to the horizon (the fixed point is applied per period: with sectors stopping
    # on different days, which constraint binds for a table sector can differ between a quarter and the year)
    np.testing.assert_allclose(imp.value_added_loss_quarter.sum(axis=1), imp.value_added_loss, rtol=0.1, atol=1e6)


def test_one_constrained_sector_quarters_add_up_exactly(japan: simulator.Scenario) -> None:
    """With one constrained table sector value added is linear in its loss, so quarters add up to the horizon."""
    sc = japan.model_copy(update={"sectors": {k: v for k, v in japan.sectors.items() if v.io_sector == "35"}})
    out = np.zeros((3, 4, len(sc.sectors)))
    out[:, 0, :] = [[5e11, 1e11], [1e9, 0], [0, 0]]
    out[:, 1, :] = [[2e11, 0], [3e9, 2e9], [0, 4e10]]
    q = value_added_lost(sc, out)
    np.testing.assert_allclose(q.sum(axis=1), value_added_lost(sc, out.sum(axis=1)), rtol=1e-12)


def test_json_table_and_parquet_report_gross_net_and_quarters(tmp_path: Path) -> None:
    import json

    import pandas as pd
    from click.testing import CliRunner

    from simulator.cli.main import cli

    path = tmp_path / "short.toml"
    path.write_text('extends = "japan-3m-curb"\n[run]\nhorizon_days = 120\n', encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(path), "--paths", "60", "--seed", "3", "--format", "json", "--quiet", "--out", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    s = json.loads(res.stdout)
    assert [q["quarter"] for q in s["quarters"]] == ["2026Q1", "2026Q2"]
    assert [q["days"] for q in s["quarters"]] == [90, 30]
    assert s["value_added_loss_gross"]["price_year"] == 2025
    assert s["value_added_loss_gross"]["mean"] >= s["value_added_loss"]["mean"]
    for q in s["quarters"]:
        assert q["value_added_loss"]["price_year"] == q["value_added_loss_gross"]["price_year"] == 2025
    df = pd.read_parquet(out / "paths.parquet")
    for col in ("value_added_loss_gross", "value_added_loss.2026Q1", "value_added_loss_gross.2026Q2", "output_loss_gross.vehicles_other"):
        assert col in df.columns, col
    assert df["value_added_loss.2026Q1"].mean() == pytest.approx(s["quarters"][0]["value_added_loss"]["mean"], rel=1e-12)
    assert df.attrs["price_year"] == 2025
    table = CliRunner().invoke(cli, ["run", str(path), "--paths", "60", "--seed", "3", "--quiet"], catch_exceptions=False).stdout
    assert "By quarter" in table and "2026Q2" in table and "before catch-up" in table
