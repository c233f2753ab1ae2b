"""--paths: the scenario's run.paths for every engine; the measured default only when the file says nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator.cli.run
import simulator.runs.memory
from simulator.cli.main import cli


def _paths(*args: str) -> tuple[int, float | None]:
    res = CliRunner().invoke(cli, ["run", *args, "--format", "json", "--quiet"])
    assert res.exit_code == 0, res.stderr
    s = json.loads(res.stdout)
    return s["paths"], s["gdp_loss_median_rel_error"]


def test_run_paths_in_the_file_is_honoured_by_both_engines(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('name = "p"\nextends = "japan-3m-curb"\n[run]\nhorizon_days = 30\npaths = 12\n')
    assert _paths(str(f))[0] == 12
    assert _paths(str(f), "--engine", "simpy")[0] == 12
    assert _paths(str(f), "--paths", "15")[0] == 15  # the command line wins


def test_default_applies_when_the_file_says_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.cli.run, "DEFAULT_PATHS", 40)
    monkeypatch.setattr(simulator.cli.run, "DEFAULT_PATHS_SIMPY", 3)
    f = tmp_path / "s.toml"
    f.write_text('name = "p"\nextends = "japan-3m-curb"\n[run]\nhorizon_days = 120\n')
    n, err = _paths(str(f))
    assert n == 40 and err is not None and 0 < err < 1
    assert _paths(str(f), "--engine", "simpy")[0] == 3
    res = CliRunner().invoke(cli, ["run", str(f), "--quiet"])
    assert "Monte Carlo error of the median: ±" in res.stdout


def test_too_many_paths_from_the_file_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.runs.memory, "machine_memory", lambda: 300 * 2**20)
    f = tmp_path / "s.toml"
    f.write_text('name = "p"\nextends = "japan-3m-curb"\n[run]\npaths = 100000000\n')
    res = CliRunner().invoke(cli, ["run", str(f), "--block-size", "100", "--quiet"])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {f}: run.paths: needs "), res.stderr
