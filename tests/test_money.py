"""One money year: the table's output scaled to the price year by a cited index; bad years and indexes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
import simulator.model.loading
from simulator.cli.main import cli
from simulator.economics.leontief import price_scale
from simulator.errors import InputError

BASE = 'extends = "japan-rare-earths"\n'
CURB = """
[policy.stop]
kind = "ban"
source = "china"
materials = ["ndpr", "dytb", "magnets", "other"]
start_day = 0
end_day = 60

[run]
horizon_days = 90
"""


def write(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(BASE + body + CURB, encoding="utf-8")
    return path


def load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    return exc.value


def test_price_year_without_an_index_value_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[economy]\nprice_year = 2026\n")
    err = load_error(path)
    assert (err.file, err.field, err.value) == (str(path), "economy.price_year", 2026)
    assert err.rule == "needs a value in economy.price_index to convert the 2015 table to 2026 money (index has 2015, 2025)"
    assert str(err).startswith(f"{path}: economy.price_year: needs a value in economy.price_index")
    assert str(err).endswith("; got 2026")


def test_table_year_after_price_year_without_an_index_value_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[economy]\ntable_year = 2030\n")
    err = load_error(path)
    assert (err.field, err.value) == ("economy.table_year", 2030)
    assert "to convert the 2030 table to 2025 money" in err.rule


def test_price_year_needs_a_table_year(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    text = (simulator.model.loading.data_path("economies", "japan-rare-earths.toml").read_text(encoding="utf-8")
            .replace("table_year = 2015\n", "").replace('io_table = "japan_io_2015_37.csv"', f'io_table = "{simulator.model.loading.data_path("io", "japan_io_2015_37.csv")}"'))
    path.write_text(text, encoding="utf-8")
    err = load_error(path)
    assert err.field == "economy.table_year" and err.value is None
    assert err.rule.startswith("is required when price_year is set")


@pytest.mark.parametrize("body, field, rule, value", [
    ('[economy.price_index]\n"20x5" = 1.0\n', "economy.price_index.20x5", "keys must be years (four digits)", "20x5"),
    ("[economy.price_index]\n2025 = -1.0\n", "economy.price_index.2025", "must be > 0", -1.0),
    ("[economy]\nprice_year = 1700\n", "economy.price_year", "must be >= 1800", 1700),
])
def test_bad_index_values_name_the_field(tmp_path: Path, body: str, field: str, rule: str, value: object) -> None:
    err = load_error(write(tmp_path, body))
    assert (err.field, err.rule, err.value) == (field, rule, value)


def test_years_cannot_take_a_prior(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, '[uncertainty]\n"economy.price_year" = { dist = "uniform", low = 2024, high = 2026 }\n'))
    assert err.field == "uncertainty.economy.price_year"
    assert err.rule == "price_year cannot take a prior (a calendar year, not a quantity)"


def test_index_prior_must_stay_positive(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, '[uncertainty]\n"economy.price_index.2025" = { dist = "uniform", low = -1, high = 2 }\n'))
    assert err.field == "uncertainty.economy.price_index.2025"
    assert err.value == -1


def test_bad_year_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "[economy]\nprice_year = 2026\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(path), "--paths", "10", "--out", str(out)])
    assert res.exit_code == 2
    assert f"{path}: economy.price_year:" in res.stderr
    assert not out.exists()


def test_same_years_need_no_index_and_change_nothing(tmp_path: Path) -> None:
    sc = simulator.load_scenario(write(tmp_path, "[economy]\nprice_year = 2015\nprice_index = {}\n"))
    assert price_scale(sc, None, 4).tolist() == [1.0] * 4


def test_builtin_index_is_the_table_year_and_the_price_year_of_one_vintage() -> None:
    """Only the two levels the scaling uses; 2025 from the revised (2020-base) national accounts, cited by release."""
    econ = simulator.load_scenario("japan-3m-curb").economy
    assert sorted(econ.price_index) == [str(econ.table_year), str(econ.price_year)] == ["2015", "2025"]
    ref = econ.refs["price_index"]
    assert "2020-base vintage" in ref and "Quarterly Estimates of GDP for October-December 2025" in ref
    assert "model choice" in ref and "No 2024 level" in ref
    assert "moneysmith" not in ref + econ.refs["gdp"]


def test_price_year_2024_scales_by_the_2024_index(tmp_path: Path) -> None:
    """A different price year, given its own index level: output in 2024 yen = 2015 output x 609 / 533.2 (2015 drawn).

    The built-in index has no 2024 level (the published one is from another vintage of the national accounts), so
    the scenario supplies one; 609 is only a test value.
    """
    own = "[economy]\nprice_year = 2024\ngdp = 609e12\n[economy.price_index]\n2024 = 609e12\n"
    sc24 = simulator.load_scenario(write(tmp_path, own))
    sc25 = simulator.load_scenario(write(tmp_path, "", "b.toml"))
    draws = simulator.sample_draws(sc25, 30, seed=2)
    tr = simulator.simulate(sc25, draws)
    i24 = simulator.assess(simulator.simulate(sc24, draws), sc24)
    i25 = simulator.assess(tr, sc25)
    assert i24.price_year == 2024 and i25.price_year == 2025
    np.testing.assert_allclose(i24.value_added_loss * 662.8 / 609, i25.value_added_loss, rtol=1e-12)
    np.testing.assert_allclose(i25.output_loss, tr.lost_output.sum(axis=1) * (662.8e12 / draws.params["economy.price_index.2015"])[:, None], rtol=1e-12)


def test_household_linkage_is_a_sensitivity_with_a_sourced_mpc(tmp_path: Path) -> None:
    import json

    sc = simulator.load_scenario("japan-3m-curb")
    assert sc.economy.mpc == 0.738 and "Family Income and Expenditure Survey" in sc.economy.refs["mpc"]
    path = write(tmp_path, "")
    args = ["run", str(path), "--paths", "40", "--seed", "1", "--format", "json", "--quiet"]
    base = json.loads(CliRunner().invoke(cli, args, catch_exceptions=False).stdout)
    hh = json.loads(CliRunner().invoke(cli, [*args, "--multiplier", "household"], catch_exceptions=False).stdout)
    assert "sensitivity" not in base and "not the headline" in hh["sensitivity"]
    assert hh["value_added_loss"]["mean"] > base["value_added_loss"]["mean"] > 0
    # without an mpc the household linkage is bad input
    nompc = tmp_path / "nompc.toml"
    text = (simulator.model.loading.data_path("economies", "japan-rare-earths.toml").read_text(encoding="utf-8")
            .replace("mpc = 0.738\n", "").replace('io_table = "japan_io_2015_37.csv"', f'io_table = "{simulator.model.loading.data_path("io", "japan_io_2015_37.csv")}"'))
    nompc.write_text(text + CURB, encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(nompc), "--paths", "10", "--multiplier", "household", "--quiet"])
    assert res.exit_code == 2
    assert f"{nompc}: economy.mpc: is required for the household linkage" in res.stderr


def test_missing_mpc_is_found_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import simulator.runs.blocks

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run should not start")

    monkeypatch.setattr(simulator.runs.blocks, "run_paths", no_run)
    nompc = tmp_path / "nompc.toml"
    text = (simulator.model.loading.data_path("economies", "japan-rare-earths.toml").read_text(encoding="utf-8")
            .replace("mpc = 0.738\n", "").replace('io_table = "japan_io_2015_37.csv"', f'io_table = "{simulator.model.loading.data_path("io", "japan_io_2015_37.csv")}"'))
    nompc.write_text(text + CURB, encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(nompc), "--paths", "10", "--multiplier", "household", "--quiet"])
    assert res.exit_code == 2 and "economy.mpc" in res.stderr
