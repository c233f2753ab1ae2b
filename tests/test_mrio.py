"""One region of a multi-regional table read with pymrio, tested offline on pymrio's bundled test system."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.economics.leontief import domestic_coefficients, table_multipliers
from simulator.errors import InputError

pymrio = pytest.importorskip("pymrio")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mrio") / "test_mrio"
    pymrio.load_test().save_all(folder)
    return folder


def scenario(tmp_path: Path, saved: Path, region: str = "reg2", fmt: str = "pymrio") -> Path:
    path = tmp_path / "mrio.toml"
    path.write_text(f"""extends = "gallium-stop"
[economy]
currency = "USD"
io_unit = 1e6
io_table = {{ mrio = "{saved}", format = "{fmt}", region = "{region}" }}
[sectors.chips]
io_sector = "manufactoring"
[sectors.power_electronics]
io_sector = "manufactoring"
[sectors.vehicle_electronics]
io_sector = "manufactoring"
[run]
horizon_days = 60
""", encoding="utf-8")
    return path


def test_region_table_is_the_domestic_block_and_imports_of_the_mrio(tmp_path: Path, saved: Path) -> None:
    sc = simulator.load_scenario(scenario(tmp_path, saved))
    t = sc.economy.table
    assert t is not None
    mrio = pymrio.load_test()
    mrio.calc_all()
    assert t.codes == tuple(mrio.get_sectors())
    np.testing.assert_allclose(t.output, mrio.x.loc["reg2"].to_numpy().ravel(), rtol=1e-12)
    # the domestic coefficients are pymrio's own domestic block of A
    a_d, _ = domestic_coefficients(t)
    np.testing.assert_allclose(a_d, mrio.A.loc["reg2", "reg2"].to_numpy(), rtol=1e-10, atol=1e-15)
    # imports: reg2's use of other regions' products, intermediate and final
    z, y = mrio.Z, mrio.Y
    foreign = z.index.get_level_values(0) != "reg2"
    y2 = y.xs("reg2", axis=1, level=0)
    y2 = y2.loc[:, ["Export" not in str(c) for c in y2.columns]]
    want = (z.loc[foreign, "reg2"].groupby(level=1, sort=False).sum().sum(axis=1)
            + y2.loc[foreign].groupby(level=1, sort=False).sum().sum(axis=1)).reindex(list(t.codes))
    np.testing.assert_allclose(t.imports, want.to_numpy(), rtol=1e-12)
    # rows and columns balance (value added closes the columns)
    np.testing.assert_allclose(t.intermediate.sum(axis=0) + t.value_added, t.output, rtol=1e-12)
    rows = t.intermediate.sum(axis=1) + t.domestic_final_demand + t.exports - t.imports
    np.testing.assert_allclose(rows, t.output, rtol=1e-9)
    m = table_multipliers(t)
    assert np.all((m > 0) & (m <= 1))


def test_mrio_scenario_runs(tmp_path: Path, saved: Path) -> None:
    sc = simulator.load_scenario(scenario(tmp_path, saved))
    imp = simulator.assess(simulator.simulate(sc, simulator.sample_draws(sc, 20, seed=1)), sc)
    assert imp.currency == "USD" and imp.value_added_loss.max() > 0


def test_unknown_region_names_the_field_and_the_regions(tmp_path: Path, saved: Path) -> None:
    path = scenario(tmp_path, saved, region="JPN")
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    assert (exc.value.file, exc.value.field, exc.value.value) == (str(path), "economy.io_table.region", "JPN")
    assert exc.value.rule == "must be a region of the table (reg1, reg2, reg3, reg4, reg5, reg6)"


def test_unreadable_or_missing_table_is_bad_input(tmp_path: Path, saved: Path) -> None:
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(scenario(tmp_path, tmp_path / "nowhere"))
    assert exc.value.field == "economy.io_table.mrio" and exc.value.rule == "must be an existing file or folder"
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(scenario(tmp_path, saved, fmt="gtap"))
    assert exc.value.field == "economy.io_table.format"
    (tmp_path / "junk").mkdir()
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(scenario(tmp_path, tmp_path / "junk"))
    assert exc.value.field == "economy.io_table.mrio" and exc.value.rule.startswith("must be a table pymrio can read as format 'pymrio'")
