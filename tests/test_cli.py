"""The ``supplyshock`` command end to end, through ``click.testing.CliRunner``.

Runs are kept small: at most 200 paths with the vectorised engine, 3 with
SimPy, and mostly a 120-day scenario written next to the test.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner, Result

import simulator
import simulator.runs.memory
from simulator.cli.main import cli

BUILTINS = ("japan-3m-curb", "japan-1y-curb", "japan-licence", "japan-dual-use")
OUT_FILES = {"summary.json", "paths.parquet", "daily_quantiles.nc", "scenario.json", "manifest.json"}
STATS = ("mean", "median", "p05", "p95")
DAY_STATS = ("median", "p05", "p95")

SMALL = """name = "small-curb"
description = "Chinese rare earths to Japan stopped for the whole 120-day horizon (test)."
extends = "japan-rare-earths"

[policy.stop]
kind = "ban"
source = "china"
materials = ["ndpr", "dytb", "magnets", "other"]
start_day = 0
end_day = 120
coverage = 1.0

[run]
horizon_days = 120
"""

BAD = SMALL.replace("[run]", "[materials.dytb]\ninventory_days = -5\n\n[run]")


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def ok(*args: str | Path) -> Result:
    res = invoke(*args)
    assert res.exit_code == 0, f"exit {res.exit_code}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return res


def run_json(*args: str | Path) -> dict[str, Any]:
    return json.loads(ok("run", *args, "--format", "json", "--quiet").stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("scenarios")
    (d / "small.toml").write_text(SMALL, encoding="utf-8")
    (d / "bad.toml").write_text(BAD, encoding="utf-8")
    return {"small": d / "small.toml", "bad": d / "bad.toml"}


@pytest.fixture(scope="module")
def summary(files: dict[str, Path]) -> dict[str, Any]:
    return run_json(files["small"], "--paths", "200", "--seed", "5", "--block-size", "64")


def numbers(x: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON document, with its path."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from numbers(v, f"{prefix}.{k}")
    else:
        yield prefix, x


# ------------------------------------------------------------------ run


def test_run_without_scenario_runs_the_default_and_prints_a_table() -> None:
    res = ok("run", "--paths", "200", "--quiet")
    out = res.stdout
    assert out.startswith("japan-3m-curb")
    assert "200 paths" in out
    row = next(line for line in out.splitlines() if "value added lost (JPY bn, 2025 money)" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert len(cells) == 5, row  # label, mean, median, 5 %, 95 %
    assert float(cells[1].replace(",", "")) > 0  # a 90-day stop of all Chinese supply costs something
    assert "share of GDP (%)" in out
    for sector in simulator.load_scenario("japan-3m-curb").sector_ids[:3]:
        assert sector.split("_")[0] in out
    # the sector table says which statistic each column is, has a total row, and a total that is the headline
    assert "mean" in out and "median" in out and "% of plan" in out
    total = next(line for line in out.splitlines() if line.startswith("│ total"))
    cells = [c.strip() for c in total.strip("│ ").split("│")]
    assert cells[3] == [c.strip() for c in row.strip("│ ").split("│")][1]  # VA lost: the sectors add up to the total


def test_small_losses_keep_three_significant_figures() -> None:
    from simulator.reports.formats import bn as _bn

    assert _bn(0.4e9) == "0.4" and _bn(4.237e9) == "4.24" and _bn(42.37e9) == "42.4" and _bn(1234.5e9) == "1,234"
    assert _bn(0.0) == "0"


def test_json_has_the_documented_fields(summary: dict[str, Any], files: dict[str, Path]) -> None:
    sc = simulator.load_scenario(files["small"])
    assert summary["scenario"] == "small-curb"
    assert summary["paths"] == 200 and summary["seed"] == 5 and summary["engine"] == "vectorised"
    assert summary["horizon_days"] == 120
    assert summary["price_year"] == 2025
    for q in ("gdp_loss_pct", "value_added_loss", "premium_cost"):
        money = q != "gdp_loss_pct"
        assert set(summary[q]) == set(STATS) | ({"price_year"} if money else set()), q
        assert all(isinstance(summary[q][k], float) for k in STATS)
        assert summary[q]["p05"] <= summary[q]["median"] <= summary[q]["p95"]
        if money:
            assert summary[q]["price_year"] == 2025
    assert list(summary["sectors"]) == sc.sector_ids
    for name, sec in summary["sectors"].items():
        assert set(sec["output_loss"]) == {*STATS, "price_year"}, name
        assert sec["output_loss"]["price_year"] == sec["value_added_loss"]["price_year"] == 2025
        assert set(sec["first_stoppage_day"]) == set(DAY_STATS), name
        for k in DAY_STATS:
            v = sec["first_stoppage_day"][k]
            assert v is None or (isinstance(v, float) and 0 <= v < 120), (name, k, v)
        assert 0.0 <= sec["stop_probability"] <= 1.0
    # not vacuous: the curb stops some sector on most paths, and costs value added
    assert summary["value_added_loss"]["mean"] > 0
    assert any(sec["first_stoppage_day"]["median"] is not None for sec in summary["sectors"].values())


def test_json_numbers_are_consistent(summary: dict[str, Any]) -> None:
    g, v = summary["gdp_loss_pct"], summary["value_added_loss"]
    assert math.isclose(v["mean"] / summary["gdp_base"] * 100, g["mean"], rel_tol=1e-9)
    assert math.isclose(v["median"] / summary["gdp_base"] * 100, g["median"], rel_tol=1e-9)
    by_sector = sum(sec["value_added_loss"]["mean"] for sec in summary["sectors"].values())
    assert math.isclose(by_sector, v["mean"], rel_tol=1e-9)


def test_csv_parses_and_matches_json(files: dict[str, Path], summary: dict[str, Any]) -> None:
    res = ok("run", files["small"], "--paths", "200", "--seed", "5", "--block-size", "64", "--format", "csv", "--quiet")
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["quantity", "label", "mean", "median", "p05", "p95", "price_year", "value"]
    assert all(len(r) == 8 for r in rows)
    by_key = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert len(by_key) == len(rows) - 1, "one row per quantity and label"
    year = {(r[0], r[1]): r[6] for r in rows[1:]}
    for q in ("gdp_loss_pct", "value_added_loss", "premium_cost"):
        assert [float(x) for x in by_key[(q, "total")][:4]] == [summary[q][k] for k in STATS]
    assert year[("gdp_loss_pct", "total")] == ""
    assert year[("value_added_loss", "total")] == year[("premium_cost", "total")] == "2025"
    for name, sec in summary["sectors"].items():
        assert [float(x) for x in by_key[("output_loss", name)][:4]] == [sec["output_loss"][k] for k in STATS]
        assert year[("output_loss", name)] == "2025"
        fs = by_key[("first_stoppage_day", name)]
        assert fs[0] == ""
        assert [None if x == "" else float(x) for x in fs[1:4]] == [sec["first_stoppage_day"][k] for k in DAY_STATS]


def test_csv_holds_everything_the_json_holds(files: dict[str, Path], summary: dict[str, Any]) -> None:
    res = ok("run", files["small"], "--paths", "200", "--seed", "5", "--block-size", "64", "--format", "csv", "--quiet")
    rows = list(csv.reader(io.StringIO(res.stdout)))[1:]
    cells = {(r[0], r[1]): r[2:] for r in rows}

    def leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
        out = []
        for k, v in tree.items():
            if isinstance(v, dict):
                out += leaves(v, (*prefix, k))
            elif isinstance(v, list) and v and all(isinstance(x, dict) and "quarter" in x for x in v):
                for x in v:  # one row per quarter, labelled by it
                    out += leaves({q: y for q, y in x.items() if q != "quarter"}, (*prefix, k, str(x["quarter"])))
            else:
                out.append(((*prefix, k), v))
        return out

    n = 0
    for path, v in leaves(summary):
        stat = path[-1] if len(path) > 1 and path[-1] in ("mean", "median", "p05", "p95", "price_year") else None
        head = path[:-1] if stat else path
        grouped = head[0] in ("sectors", "materials", "quarters") and len(head) >= 3
        key = (".".join(head[2:]), head[1]) if grouped else (".".join(head), "total" if stat else "")
        row = cells[key]
        got = row[("mean", "median", "p05", "p95", "price_year").index(stat)] if stat else row[5]
        if v is None:
            assert got in ("", "null"), (path, got)
        elif isinstance(v, (int, float)):
            assert float(got) == v, (path, got, v)
        else:
            assert got == str(v), (path, got, v)
        n += 1
    assert n > 50


def test_same_seed_same_numbers_other_seed_other_numbers(files: dict[str, Path], summary: dict[str, Any]) -> None:
    again = run_json(files["small"], "--paths", "200", "--seed", "5", "--block-size", "64")
    assert again == summary
    other = run_json(files["small"], "--paths", "200", "--seed", "6", "--block-size", "64")
    assert other["value_added_loss"] != summary["value_added_loss"]
    assert other["gdp_loss_pct"]["mean"] != summary["gdp_loss_pct"]["mean"]


def test_workers_do_not_change_the_summary(files: dict[str, Path], summary: dict[str, Any]) -> None:
    two = run_json(files["small"], "--paths", "200", "--seed", "5", "--block-size", "64", "--workers", "2")
    assert two == summary


def test_simpy_and_vectorised_engines_give_the_same_summary(files: dict[str, Path]) -> None:
    a = run_json(files["small"], "--paths", "3", "--seed", "9", "--engine", "simpy")
    b = run_json(files["small"], "--paths", "3", "--seed", "9", "--engine", "vectorised")
    assert (a["engine"], b["engine"]) == ("simpy", "vectorised")
    la, lb = dict(numbers(a)), dict(numbers(b))
    assert la.keys() == lb.keys()
    assert b["value_added_loss"]["mean"] > 0
    for k in la:
        if k == ".engine":
            continue
        x, y = la[k], lb[k]
        if isinstance(y, float) and isinstance(x, float):
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (k, x, y)
        else:
            assert x == y, (k, x, y)


# ------------------------------------------------------------------ --out


# Bug: `run --out` crashes (exit 1, traceback) before writing anything:
# scenario_to_json() calls Scenario.model_dump(mode="json"), which cannot serialise the
# loaded input-output table (numpy arrays) that it only removes afterwards.


@pytest.fixture(scope="module")
def out_run(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    out = tmp_path_factory.mktemp("results") / "run1"
    res = CliRunner().invoke(cli, ["run", str(files["small"]), "--paths", "150", "--block-size", "64", "--out", str(out),
                                   "--format", "json", "--quiet"])
    return out, res


def _written(out_run: tuple[Path, Result]) -> tuple[Path, dict[str, Any]]:
    out, res = out_run
    assert res.exit_code == 0, f"exit {res.exit_code}: {res.exception!r}\n{res.stderr}"
    return out, json.loads(res.stdout)


def test_out_writes_exactly_the_documented_files(out_run: tuple[Path, Result]) -> None:
    out, printed = _written(out_run)
    assert {p.name for p in out.iterdir()} == OUT_FILES
    assert not [p for p in out.parent.iterdir() if p.name != out.name], "temporary folder left behind"
    assert json.loads((out / "summary.json").read_text()) == printed


def test_out_parquet_has_one_row_per_path_and_the_drawn_parameters(out_run: tuple[Path, Result],
                                                                      files: dict[str, Path]) -> None:
    out, printed = _written(out_run)
    sc = simulator.load_scenario(files["small"])
    df = pd.read_parquet(out / "paths.parquet")
    assert len(df) == 150
    assert df["path"].tolist() == list(range(150))
    params = {c.removeprefix("param.") for c in df.columns if c.startswith("param.")}
    fitted = set(sc.calibration.posterior.columns) if sc.calibration.posterior is not None else set()
    assert params == set(sc.uncertainty) | fitted  # every drawn field, the fitted scales' rows included
    for s in sc.sector_ids:
        assert f"output_loss.{s}" in df.columns and f"first_stoppage_day.{s}" in df.columns
    # per-path numbers agree with the summary
    assert math.isclose(df["value_added_loss"].mean(), printed["value_added_loss"]["mean"], rel_tol=1e-12)
    assert math.isclose(df["gdp_loss_pct"].median(), printed["gdp_loss_pct"]["median"], rel_tol=1e-12)
    # drawn parameters lie in their priors' supports
    for p in params - fitted:
        lo, hi = sc.uncertainty[p].support()
        assert df[f"param.{p}"].between(lo, hi).all(), p
    if sc.calibration.posterior is not None:  # fitted fields take values of the fitted rows only
        post = sc.calibration.posterior
        for j, c in enumerate(post.columns):
            assert set(df[f"param.{c}"]) <= {row[j] for row in post.draws}, c


def test_out_netcdf_has_daily_output_quantiles(out_run: tuple[Path, Result], files: dict[str, Path]) -> None:
    out, _ = _written(out_run)
    sc = simulator.load_scenario(files["small"])
    with xr.open_dataset(out / "daily_quantiles.nc", engine="scipy") as ds:
        q = ds["output_quantile"]
        assert q.dims == ("day", "quantile", "sector")
        assert q.shape == (120, 5, len(sc.sectors))
        np.testing.assert_allclose(ds["quantile"].values, [0.05, 0.25, 0.5, 0.75, 0.95])
        assert [str(s) for s in ds["sector"].values] == sc.sector_ids
        v = q.values
        assert np.all(np.diff(v, axis=1) >= 0)
        assert v.min() < 0.9 and v.max() <= 2.0  # output falls during the curb
        assert "output_mean" in ds and ds["output_mean"].dims == ("day", "sector")


def test_out_files_say_which_run_and_what_units(out_run: tuple[Path, Result]) -> None:
    import pyarrow.parquet as pq

    out, printed = _written(out_run)
    meta = json.loads(pq.read_schema(out / "paths.parquet").metadata[b"supplyshock"])
    assert meta["scenario"] == printed["scenario"] and meta["seed"] == printed["seed"]
    assert meta["currency"] == printed["currency"]
    cols = pq.read_schema(out / "paths.parquet").names
    assert set(meta["units"]) == set(cols)
    assert meta["units"]["gdp_loss_pct"] == "% of GDP"
    assert all(meta["units"][c] for c in cols if c.startswith("param.")), "every drawn parameter has a unit"
    with xr.open_dataset(out / "daily_quantiles.nc", engine="scipy") as ds:
        assert ds.attrs["scenario"] == printed["scenario"] and int(ds.attrs["seed"]) == printed["seed"]
        assert ds.attrs["currency"] == printed["currency"]
        assert ds["output_quantile"].attrs["units"]


def test_out_scenario_json_reruns_to_the_same_summary(out_run: tuple[Path, Result]) -> None:
    out, printed = _written(out_run)
    again = run_json(out / "scenario.json", "--paths", "150", "--block-size", "64")
    assert again == printed


def test_out_manifest_records_the_run(out_run: tuple[Path, Result]) -> None:
    out, printed = _written(out_run)
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == printed["seed"] == simulator.load_scenario(out / "scenario.json").run.seed
    assert man["paths"] == 150 and man["block_size"] == 64 and man["blocks"] == 3
    assert man["engine"] == "vectorised"
    assert set(man["files"]) == OUT_FILES


# ------------------------------------------------------------------ bad input


def _bad_cases(files: dict[str, Path]) -> list[tuple[list[str | Path], str]]:
    names = ", ".join(simulator.list_scenarios())
    small = files["small"]
    return [
        (["run", small, "--paths", "0"], "option: --paths: must be >= 1; got 0"),
        (["run", small, "--seed", "-1"], "option: --seed: must be >= 0; got -1"),
        (["run", small, "--block-size", "0"], "option: --block-size: must be >= 1; got 0"),
        (["run", small, "--workers", "0"], "option: --workers: must be >= 1; got 0"),
        (["run", "japan-nowhere"],
         f"japan-nowhere: (scenario): must be a built-in scenario ({names}) or an existing file; got 'japan-nowhere'"),
        (["run", files["bad"], "--paths", "10"], f"{files['bad']}: materials.dytb.inventory_days: must be >= 0; got -5"),
    ]


@pytest.mark.parametrize("case", range(6), ids=["paths", "seed", "block-size", "workers", "unknown-scenario", "bad-file"])
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(case: int, files: dict[str, Path], tmp_path: Path) -> None:
    args, message = _bad_cases(files)[case]
    out = tmp_path / "out"
    res = invoke(*args, "--out", out, "--quiet")
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"error: {message}"
    assert res.stdout == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "something was written beside --out"


def test_non_integer_option_is_a_usage_error(files: dict[str, Path], tmp_path: Path) -> None:
    res = invoke("run", files["small"], "--paths", "many", "--out", tmp_path / "out")
    assert res.exit_code == 2
    assert "--paths" in res.stderr and "many" in res.stderr
    assert not (tmp_path / "out").exists()


def test_memory_guard_refuses_too_many_paths(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path], tmp_path: Path) -> None:
    monkeypatch.setattr(simulator.runs.memory, "machine_memory", lambda: 50 * 2**20)
    out = tmp_path / "out"
    res = invoke("run", files["small"], "--paths", "100000000", "--block-size", "100", "--out", out, "--quiet")
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert err.startswith("error: option: --paths: ")
    m = re.search(r"at most ([\d,]+) paths fit", err)
    assert m, err
    assert 0 < int(m.group(1).replace(",", "")) < 100_000_000
    assert err.rstrip().endswith("got 100000000")
    assert not out.exists()


def test_memory_guard_asks_for_smaller_blocks_when_one_block_does_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.runs.memory, "machine_memory", lambda: 50 * 2**20)
    res = invoke("run", "--paths", "100000", "--quiet")  # default block of 10,000 paths over 365 days
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: option: --block-size: ")
    assert "smaller block" in res.stderr


# ------------------------------------------------------------------ other commands


def test_validate_good_file(files: dict[str, Path]) -> None:
    res = ok("validate", files["small"])
    line = res.stdout.strip()
    assert line.startswith(f"{files['small']}: ok:")
    assert "1 measures" in line and "horizon 120 days" in line
    sc = simulator.load_scenario(files["small"])
    assert f"{len(sc.sectors)} sectors" in line and f"{len(sc.uncertainty)} priors" in line


def test_validate_bad_file(files: dict[str, Path]) -> None:
    res = invoke("validate", files["bad"])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {files['bad']}: materials.dytb.inventory_days: must be >= 0; got -5"
    assert res.stdout == ""


def test_scenarios_lists_the_builtins() -> None:
    out = ok("scenarios").stdout
    for name in BUILTINS:
        assert re.search(rf"│ {re.escape(name)}\s+│", out), name
    assert "90 days" in out  # descriptions are shown


def test_explain_prints_licence_applications_decisions_and_the_cost() -> None:
    out = ok("explain", "japan-licence", "--all").stdout
    lines = out.splitlines()
    assert lines[0].startswith("japan-licence, seed ")
    categories = [ln.split()[2] for ln in lines if re.match(r"day +\d+ ", ln)]
    assert "application" in categories and "decision" in categories
    # the life of the first application: each decision splits what is still pending into approved,
    # rejected and pending, and the pending part is decided again on the day it names
    life = [ln for ln in lines if "decision" in ln and "licence_heavy #1 " in ln]
    assert len(life) >= 2
    pending = float(re.search(r"#1 \(filed day 0, ([\d,.]+) t\)", life[0]).group(1).replace(",", ""))
    for a, b in itertools.pairwise(life):
        approved, rejected, left, nxt = re.search(
            r"([\d,.]+) t approved.*?([\d,.]+) t rejected; ([\d,.]+) t still pending, next decision day (\d+)", a).groups()
        split = sum(float(x.replace(",", "")) for x in (approved, rejected, left))
        assert split == pytest.approx(pending, abs=0.02)
        pending = float(left.replace(",", ""))
        assert re.match(rf"day +{nxt} ", b)
    assert re.fullmatch(r"whole horizon, days 0-364: value added lost JPY [\d,.]+ bn of 2025 \([\d.]+ % of GDP; gross, "
                        r"before catch-up, JPY [\d,.]+ bn\); extra procurement cost JPY [\d,.]+ bn of 2025", lines[-1]), lines[-1]


def test_version() -> None:
    assert simulator.__version__ in ok("--version").stdout


def test_curve_gives_a_loss_that_grows_with_the_duration_of_a_full_ban() -> None:
    out = json.loads(ok("curve", "japan-1y-curb", "--measure", "china_stop", "--paths", "300", "--seed", "3",
                        "--durations", "30,90,180", "--format", "json").stdout)
    assert [p["duration_days"] for p in out["points"]] == [30, 90, 180]
    med = [p["gdp_loss_pct"]["median"] for p in out["points"]]
    assert med[0] < med[1] < med[2]
    for p in out["points"]:
        g = p["gdp_loss_pct"]
        assert 0.0 <= g["p05"] <= g["median"] <= g["p95"]


def test_curve_names_an_unknown_measure() -> None:
    res = invoke("curve", "japan-1y-curb", "--measure", "china_sto", "--paths", "10")
    assert res.exit_code == 2
    assert "--measure: names no measure of the scenario; did you mean 'china_stop'?; got 'china_sto'" in res.output
def test_peak_shortfall_share_never_exceeds_one() -> None:
    # on japan-licence the shortfall including unmet catch-up reached 1.085 x baseline daily demand
    s = run_json("japan-licence", "--paths", "40", "--block-size", "40")
    for m, mat in s["materials"].items():
        assert 0.0 <= mat["peak_shortfall_share"]["p05"] <= mat["peak_shortfall_share"]["p95"] <= 1.0, m


def test_explain_counts_routine_events_and_filters_by_category_and_days() -> None:
    r = CliRunner().invoke(cli, ["explain", "japan-licence"])
    assert r.exit_code == 0
    last = [ln for ln in r.output.splitlines() if ln.startswith("not listed: ")]
    assert last and "application" in last[0] and "decision" in last[0]
    assert not any(" decision " in ln for ln in r.output.splitlines() if ln.startswith("day "))
    r = CliRunner().invoke(cli, ["explain", "japan-licence", "--category", "output cut", "--from", "40", "--to", "120"])
    days = [int(ln.split()[1]) for ln in r.output.splitlines() if ln.startswith("day ")]
    assert r.exit_code == 0 and days and all(40 <= d <= 120 for d in days)
    assert all("output cut" in ln for ln in r.output.splitlines() if ln.startswith("day "))
    for bad in (["--from", "-1"], ["--from", "9", "--to", "5"], ["--to", "365"], ["--category", "outpt"],
                ["--material", "dytx"], ["--summary", "--all"]):
        r = CliRunner().invoke(cli, ["explain", "japan-licence", *bad])
        assert r.exit_code == 2 and bad[-2 if bad[-1] in ("5", "--all") else 0] in r.output, (bad, r.output)


def test_explain_summary_has_a_line_per_licence_stoppage_and_release_that_adds_up() -> None:
    from simulator.api import simulate
    from simulator.model.draws import sample_draws
    from simulator.model.loading import load_scenario
    from simulator.reports import explain

    sc = load_scenario("japan-licence")
    tr = simulate(sc, sample_draws(sc, 1, sc.run.seed), engine="simpy", events=True)
    last = sc.run.horizon_days - 1
    lines = explain.summary(tr, sc, explain.Window(0, last))
    text = "\n".join(lines)
    # a line per licence office, and its tonnes are those of the applications in the log
    for mid in sc.policy:
        applied = sum(ev.tonnes for ev in tr.events[0] if ev.office == mid and ev.category == "application")
        row = next(ln for ln in lines if ln.startswith(f"  {mid}: "))
        assert f"{applied:,.1f} t applied for" in row
    # a line per sector below plan, with its days counted from the daily output
    for i, s in enumerate(tr.sectors):
        below = int((tr.output_fraction[0, :, i] < 0.99).sum())
        assert (f"  {s}: {below} days below plan" in text) == (below > 0), s
    # releases: the tonnes are the daily release's sum
    for i, m in enumerate(tr.materials):
        total = float(tr.release[0, :, i].sum())
        assert (f"  {m}: {total:,.1f} t released" in text) == (total > 0), m
    # a material filter keeps that material's release and drops the others'
    only = "\n".join(explain.summary(tr, sc, explain.Window(0, last, materials=frozenset({"dytb"}))))
    assert "licence_heavy" in only and "licence_magnets" not in only
    assert all(f"  {m}: " not in only.split("stockpile releases:")[1] for m in tr.materials if m != "dytb")


def test_explain_material_filter_keeps_the_material_and_its_users() -> None:
    r = CliRunner().invoke(cli, ["explain", "japan-licence", "--material", "dytb", "--all", "--to", "60"])
    assert r.exit_code == 0
    body = [ln for ln in r.output.splitlines() if ln.startswith("day ")]
    assert body and all(int(ln.split()[1]) <= 60 for ln in body)
    assert not any(" ndpr" in ln or "of magnets" in ln for ln in body), body[:5]


def test_a_long_simpy_run_says_how_long_it_will_take() -> None:
    r = CliRunner().invoke(cli, ["run", "gallium-stop", "--engine", "simpy", "--paths", "80", "--format", "json"])
    assert r.exit_code == 0
    assert "note: the SimPy engine (the readable reference) runs about" in r.stderr and "80 paths x 365 days" in r.stderr
    json.loads(r.stdout)  # the note is on stderr only


def test_curve_at_the_runs_duration_and_horizon_gives_runs_headline_and_says_its_settings() -> None:
    """The same paths, seed, duration and horizon: the curve's point is run's figure; every format says horizon,
    money year and calibration status."""
    r = CliRunner().invoke(cli, ["curve", "gallium-stop", "--measure", "stop", "--durations", "180", "--horizon", "365",
                                 "--paths", "200", "--format", "json"])
    assert r.exit_code == 0, r.output
    c = json.loads(r.stdout)
    run = json.loads(CliRunner().invoke(cli, ["run", "gallium-stop", "--paths", "200", "--format", "json"]).stdout)
    assert c["points"][0]["gdp_loss_pct"]["median"] == run["gdp_loss_pct"]["median"]
    assert c["horizon_days"] == run["horizon_days"] == 365 and c["price_year"] and c["calibration"].startswith("uncalibrated")
    t = CliRunner().invoke(cli, ["curve", "gallium-stop", "--measure", "stop", "--durations", "30", "--paths", "50"])
    text = " ".join(t.output.split())
    assert "horizon 365 days" in text and "money)" in text and "uncalibrated" in text
    bad = CliRunner().invoke(cli, ["curve", "gallium-stop", "--measure", "stop", "--durations", "180", "--horizon", "100"])
    assert bad.exit_code == 2 and "--horizon" in bad.output


def test_assumptions_lists_every_field_fixed_drawn_or_fitted_with_unit_and_source() -> None:
    import csv as _csv
    import io as _io

    from simulator.model.fields import prior_targets

    sc = simulator.load_scenario("japan-licence")
    r = CliRunner().invoke(cli, ["assumptions", "japan-licence", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(_csv.DictReader(_io.StringIO(r.stdout)))
    by = {row["field"]: row for row in rows}
    assert set(prior_targets(sc)) <= set(by)
    for col in sc.calibration.posterior.columns:  # the fitted sample's columns, with the fit's prior and what it rests on
        assert by[col]["status"] == "fitted" and "fitted to targets" in by[col]["source"] and by[col]["prior"] != "–"
    for path, prior in sc.uncertainty.items():
        if path not in sc.calibration.posterior.columns:
            assert by[path]["status"] == "drawn" and by[path]["prior"].startswith(prior.dist)
    assert all(row["unit"] for row in rows) and all(row["source"] for row in rows)
    r = CliRunner().invoke(cli, ["assumptions", "japan-licence", "--uncalibrated", "--status", "fitted", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["assumptions"] == []


def test_tables_at_80_columns_fold_and_never_cut_a_number(tmp_path: Path) -> None:
    """Piped or in a standard terminal (80 columns), every table of run, sweep, curve and compare folds its cells:
    no cell ends in an ellipsis, so no number is cut."""
    runner = CliRunner(env={"COLUMNS": "80"})
    commands = [
        ["run", "japan-3m-curb", "--paths", "40", "--quiet"],
        ["sweep", "japan-3m-curb", "--grid", "policy.china_stop.end_day=60,90", "--paths", "40", "--quiet",
         "--out", str(tmp_path / "sw")],
        ["curve", "japan-3m-curb", "--measure", "china_stop", "--durations", "60,90", "--paths", "40", "--quiet"],
        ["compare", "japan-3m-curb", "japan-licence", "--paths", "40", "--quiet"],
    ]
    for args in commands:
        r = runner.invoke(cli, args)
        assert r.exit_code == 0, (args, r.output)
        assert "…" not in r.stdout, (args[0], [ln for ln in r.stdout.splitlines() if "…" in ln])
        assert max(len(ln) for ln in r.stdout.splitlines()) <= 80, args[0]


def test_a_sweeps_input_warning_is_printed_once_in_the_projects_format(tmp_path: Path) -> None:
    """A sweep loads its scenario once per variant; a warning about the file is said once, as `warning: ...`."""
    f = tmp_path / "short.toml"
    f.write_text('name = "short"\nextends = "japan-3m-curb"\n[policy.china_stop]\nend_day = 45\n[run]\nhorizon_days = 60\n')
    r = CliRunner().invoke(cli, ["sweep", str(f), "--grid", "policy.china_stop.end_day=20,40", "--paths", "20", "--quiet"])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("warning: ") for ln in lines), lines
    assert len(lines) == len(set(lines)) and not any("load_scenario(" in ln for ln in lines)
