"""``supplyshock compare``: scenarios side by side on common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from simulator.cli.main import cli
from simulator.runs.compare import compare


def _longer(tmp_path: Path, days: int) -> Path:
    f = tmp_path / f"stop{days}.toml"
    f.write_text(f'name = "stop{days}"\nextends = "gallium-stop"\n[policy.stop]\nend_day = {days}\n')
    return f


def test_a_scenario_against_itself_differs_by_nothing_on_every_path() -> None:
    doc = compare(["gallium-stop", "gallium-stop"], n_paths=200, seed=3)
    d = doc["scenarios"][1]["difference"]
    assert doc["paired"] and all(v == 0.0 for v in d["gdp_loss_pct"].values())
    assert d["share_higher"] == 0.0 and d["share_lower"] == 0.0


def test_the_difference_is_taken_path_by_path(tmp_path: Path) -> None:
    """A longer stop on the same paths: its difference band is narrower than the two bands' spread suggests."""
    doc = compare([str(_longer(tmp_path, 60)), str(_longer(tmp_path, 150))], n_paths=400, seed=3, calibrated=False)
    a, b = doc["scenarios"]
    d = b["difference"]["gdp_loss_pct"]
    assert b["difference"]["share_higher"] > 0.9 and d["p05"] >= 0.0
    independent = (b["gdp_loss_pct"]["p95"] - a["gdp_loss_pct"]["p05"]) - (b["gdp_loss_pct"]["p05"] - a["gdp_loss_pct"]["p95"])
    assert d["p95"] - d["p05"] < independent
    assert doc["money"] == "EUR bn, 2024 money" and doc["horizon_days"] == 365


def test_compare_command_table_json_figure_and_bad_input(tmp_path: Path) -> None:
    fig = tmp_path / "cmp.png"
    r = CliRunner().invoke(cli, ["compare", str(_longer(tmp_path, 60)), str(_longer(tmp_path, 150)), "--paths", "100",
                                 "--format", "json", "--figure", str(fig), "--quiet"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["scenarios"][1]["difference"] is not None and fig.stat().st_size > 1000
    r = CliRunner().invoke(cli, ["compare", "japan-3m-curb", "gallium-stop", "--paths", "50"])
    assert r.exit_code == 2 and "must share the economy and horizon" in r.output and "gallium-stop" in r.output
    r = CliRunner().invoke(cli, ["compare", "japan-3m-curb", "gallium-stop", "--paths", "50", "--allow-different",
                                 "--format", "json"])
    assert r.exit_code == 0 and "warning:" in r.stderr and json.loads(r.stdout)["scenarios"][1]["difference"] is None
    r = CliRunner().invoke(cli, ["compare", "gallium-stop"])
    assert r.exit_code == 2 and "at least two" in r.output
