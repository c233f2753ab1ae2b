"""A value set in a more specific file removes the inherited prior on that field; a prior set there keeps it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

import simulator
from simulator.cli.main import cli
from simulator.model.loading import data_path, prior_origins

FIELD = "sectors.vehicles_electrified.catch_up_share"
ECONOMY = str(data_path("economies", "japan-rare-earths.toml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_value_and_prior_in_the_same_file_keep_the_prior() -> None:
    sc = simulator.load_scenario("japan-3m-curb")
    assert FIELD in sc.uncertainty
    drawn, overridden = prior_origins("japan-3m-curb")
    assert drawn[FIELD] == ECONOMY and overridden == {}
    draws = simulator.sample_draws(sc, 50, seed=1)
    assert np.ptp(draws.params[FIELD]) > 0.1


def test_a_value_in_a_more_specific_file_removes_the_inherited_prior(tmp_path: Path) -> None:
    path = write(tmp_path, "b.toml", 'extends = "japan-3m-curb"\n[sectors.vehicles_electrified]\ncatch_up_share = 0\n')
    sc = simulator.load_scenario(path)
    assert FIELD not in sc.uncertainty
    assert sc.sectors["vehicles_electrified"].catch_up_share == 0
    assert "sectors.vehicles_other.catch_up_share" in sc.uncertainty  # other priors untouched
    assert FIELD not in simulator.sample_draws(sc, 5, seed=1).params
    drawn, overridden = prior_origins(path)
    assert FIELD not in drawn and overridden == {FIELD: (str(path), ECONOMY)}
    # nested [uncertainty] tables are overridden the same way
    nested = write(tmp_path, "n.toml", 'extends = "japan-rare-earths"\n[sectors.vehicles_other]\ncatch_up_share = 0.1\n')
    assert "sectors.vehicles_other.catch_up_share" not in simulator.load_scenario(nested).uncertainty


def test_a_prior_in_a_more_specific_file_is_kept_over_an_inherited_value(tmp_path: Path) -> None:
    write(tmp_path, "b.toml", 'extends = "japan-3m-curb"\n[sectors.vehicles_electrified]\ncatch_up_share = 0\n')
    c = write(tmp_path, "c.toml", 'extends = "b.toml"\n[uncertainty]\n'
              f'"{FIELD}" = {{ dist = "uniform", low = 0.1, high = 0.3, source = "test" }}\n')
    sc = simulator.load_scenario(c)
    assert sc.uncertainty[FIELD].high == 0.3
    drawn, overridden = prior_origins(c)
    assert drawn[FIELD] == str(c) and FIELD not in overridden
    # a value and a prior in the same more specific file: the prior is kept
    d = write(tmp_path, "d.toml", 'extends = "japan-3m-curb"\n[sectors.vehicles_electrified]\ncatch_up_share = 0.4\n'
              f'[uncertainty]\n"{FIELD}" = {{ dist = "uniform", low = 0.3, high = 0.5 }}\n')
    assert simulator.load_scenario(d).uncertainty[FIELD].low == 0.3
    # inherited priors are named by the file they come from (a built-in reached through extends by its path)
    builtin = str(data_path("scenarios", "japan-3m-curb.toml"))
    assert prior_origins(d) == ({**prior_origins(builtin)[0], FIELD: str(d)}, {})


def test_validate_lists_drawn_fields_and_the_file_of_each_prior(tmp_path: Path) -> None:
    path = write(tmp_path, "b.toml", 'extends = "japan-3m-curb"\n[sectors.vehicles_electrified]\ncatch_up_share = 0\n'
                 '[uncertainty]\n"materials.ndpr.price" = { dist = "uniform", low = 8e6, high = 11e6, source = "test" }\n')
    res = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "drawn on every path (prior from):" in out
    assert f"  materials.ndpr.price  ({path})" in out
    assert f"  materials.ndpr.inventory_days  ({ECONOMY})" in out
    assert f"  {FIELD}  (" not in out
    assert f"not drawn: {FIELD} is set in {path}, which removes the prior from {ECONOMY}" in out
