"""Bring your own table: the CSV layout, its validation, and the illustrative toy economy."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli.main import cli
from simulator.economics.leontief import table_multipliers
from simulator.errors import InputError
from simulator.model.loading import data_path

TOY = data_path("io", "toy_gallium_5.csv").read_text(encoding="utf-8")


def scenario_with_table(tmp_path: Path, csv_text: str) -> Path:
    (tmp_path / "mine.csv").write_text(csv_text, encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text('extends = "gallium-stop"\n[economy]\nio_table = "mine.csv"\n[run]\nhorizon_days = 60\n', encoding="utf-8")
    return path


def load_error(tmp_path: Path, csv_text: str) -> InputError:
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(scenario_with_table(tmp_path, csv_text))
    return exc.value


def test_toy_economy_is_labelled_illustrative_throughout() -> None:
    raw = tomllib.loads(data_path("economies", "toy-gallium.toml").read_text(encoding="utf-8"))
    assert raw["description"].startswith("ILLUSTRATIVE")
    refs: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "refs":
                    refs.extend(v.values())
                else:
                    collect(v)

    collect(raw)
    assert len(refs) > 30 and all(r.startswith("illustrative") for r in refs), [r for r in refs if not r.startswith("illustrative")]
    assert all(p["source"] == "illustrative" for p in raw["uncertainty"].values())
    assert TOY.startswith("# ILLUSTRATIVE")
    assert simulator.load_scenario("gallium-stop").description.startswith("ILLUSTRATIVE")


def test_toy_table_reads_and_balances() -> None:
    sc = simulator.load_scenario("gallium-stop")
    t = sc.economy.table
    assert t is not None
    assert t.codes == ("MIN", "SEM", "EQP", "VEH", "SRV")
    assert float(t.value_added.sum()) == 1230.0 == sc.economy.gdp / sc.economy.io_unit
    assert t.output.tolist() == [80, 120, 200, 300, 1300]
    assert t.compensation.tolist() == [20, 30, 50, 60, 520]
    assert t.household_consumption.tolist() == [2, 5, 30, 70, 620]
    assert t.imports.tolist() == [10, 30, 60, 40, 120]
    assert t.domestic_final_demand.tolist() == [2, 11, 75, 97, 915]
    # SEM's own value added 60/120; with its domestic suppliers more, never more than its output
    m = table_multipliers(t)
    assert 0.5 < m[1] < 1.0


def test_toy_curb_runs_end_to_end() -> None:
    res = CliRunner().invoke(cli, ["run", "gallium-stop", "--paths", "50", "--quiet", "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0
    assert '"currency": "EUR"' in res.stdout and '"price_year": 2024' in res.stdout


@pytest.mark.parametrize("edit, field, rule, value", [
    (lambda s: s.replace(",Total\n", ",Sum\n", 1), "column Total", "is required (domestic output)", "missing"),
    (lambda s: s.replace(",impo,", ",imports,"), "column impo", "is required (imports, entered negative)", "missing"),
    (lambda s: s.replace("\nTotal,", "\nSum,"), "row Total", "is required (domestic output)", "missing"),
    (lambda s: s.replace("SEM,1,18,30", "SEM,1,18,x30"), "row SEM, column EQP", "must be a number", "x30"),
    (lambda s: s.replace("-120,1300", "-120,-1300").replace("Total,80,120,200,300,1300", "Total,80,120,200,300,-1300"),
     "row SRV, column Total", "domestic output must be > 0", -1300),
    (lambda s: s.replace("VEH,1,0,2,60,10,70", "VEH,1,0,2,60,10,71"), "sector VEH",
     "must balance within 0.1 %: output (Total column) 300 vs sum of its row's entries", 301),
    (lambda s: s.replace("opse,28,26,32,38,344", "opse,28,26,32,38,346"), "sector SRV",
     "must balance within 0.1 %: output (Total column) 1300 vs sum of its column's entries", 1302),
])
def test_bad_tables_name_the_file_the_row_or_column_and_the_value(tmp_path: Path, edit, field: str, rule: str, value: object) -> None:
    err = load_error(tmp_path, edit(TOY))
    assert (err.file, err.field, err.rule, err.value) == (str(tmp_path / "mine.csv"), field, rule, value)


def test_a_small_imbalance_within_tolerance_is_accepted(tmp_path: Path) -> None:
    text = TOY.replace("opse,28,26,32,38,344", "opse,28,26,32,38,344.5")  # 0.04 % of 1300
    sc = simulator.load_scenario(scenario_with_table(tmp_path, text))
    assert sc.economy.table is not None and float(sc.economy.table.value_added[4]) == pytest.approx(924.5)


def test_bad_table_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = scenario_with_table(tmp_path, TOY.replace("VEH,1,0,2,60,10,70", "VEH,1,0,2,60,10,75"))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(path), "--paths", "10", "--out", str(out), "--quiet"])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {tmp_path / 'mine.csv'}: sector VEH: must balance within 0.1 %")
    assert res.stderr.strip().endswith("; got 305")
    assert not out.exists()


def test_outside_households_row_is_reclassified_as_intermediate_use(tmp_path: Path) -> None:
    """An ohcr row (with its ohcc column) leaves value added and joins intermediate use; totals still balance."""
    lines = TOY.splitlines()
    head = lines.index(next(x for x in lines if x.startswith("row,")))
    lines[head] = lines[head].replace("row,MIN,SEM,EQP,VEH,SRV,", "row,MIN,SEM,EQP,VEH,SRV,ohcc,")
    for i, code in enumerate(("MIN", "SEM", "EQP", "VEH", "SRV")):
        j = head + 1 + i
        extra, hh_cut = ("10", True) if code == "SRV" else ("0", False)
        cells = lines[j].split(",")
        if hh_cut:
            cells[6] = str(int(cells[6]) - 10)  # households buy 10 less of services, business entertainment 10 more
        lines[j] = ",".join([*cells[:6], extra, *cells[6:]])
    for k in range(head + 6, len(lines)):
        cells = lines[k].split(",")
        lines[k] = ",".join([*cells[:6], "", *cells[6:]])
    lines.insert(head + 6, "ohcr,1,1,2,2,4,,,,,,,10")
    for name, cut in (("opse", [1, 1, 2, 2, 4]),):
        idx = next(i for i, x in enumerate(lines) if x.startswith(name + ","))
        cells = lines[idx].split(",")
        cells[1:6] = [str(int(c) - d) for c, d in zip(cells[1:6], cut, strict=True)]
        lines[idx] = ",".join(cells)
    sc = simulator.load_scenario(scenario_with_table(tmp_path, "\n".join(lines) + "\n"))
    t = sc.economy.table
    assert t is not None
    assert float(t.value_added.sum()) == 1230.0 - 10.0
    assert t.intermediate[4].tolist() == pytest.approx([16 + 1, 24 + 1, 40 + 2, 50 + 2, 330 + 4])
    np.testing.assert_allclose(t.intermediate.sum(axis=0) + t.value_added, t.output, rtol=1e-12)
