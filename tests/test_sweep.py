"""Sweeps (``simulator.runs.sweep.run_sweep``, ``supplyshock sweep``): a grid of variants of one scenario.

What a user relies on: a sweep without a grid is ``supplyshock run``; every
variant gets the same random numbers; bad grids are refused before anything
runs, naming the path or the variant; a sweep killed mid-way and resumed ends
with the numbers of an uninterrupted one; the numbers do not depend on where
the tasks ran (here, a local Dask cluster, a scheduler and worker started as
separate processes); the outputs load in one call with pandas and xarray.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator.cli.main import cli
from simulator.economics.impact import impact_from_metrics
from simulator.errors import InputError
from simulator.runs.blocks import run_paths
from simulator.runs.grid import parse_grid
from simulator.runs.sweep import SweepResult, run_sweep

SEED = 5
BLOCK = 40
N = 100  # blocks of 40, 40, 20
END = "policy.china_stop.end_day"
STOCK = "materials.dytb.stockpile.days"  # has a prior in the built-in economy


@pytest.fixture(scope="module")
def scen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("sweep") / "short.toml"
    f.write_text('name = "short"\nextends = "japan-3m-curb"\n\n[policy.china_stop]\nend_day = 45\n\n[run]\nhorizon_days = 60\n')
    return f


@pytest.fixture(scope="module")
def grid_sweep(scen: Path, tmp_path_factory: pytest.TempPathFactory) -> SweepResult:
    out = tmp_path_factory.mktemp("grid") / "out"
    return run_sweep(scen, [f"{END}=20,45", f"{STOCK}=0,40"], n_paths=N, seed=SEED, block_size=BLOCK, out=out,
                     keep_results=True)


def _same_run(a: Any, b: Any) -> None:
    for name in ("output_loss", "first_stoppage_day", "stoppage_days", "premium_cost", "peak_shortfall", "shortfall_days", "gdp"):
        np.testing.assert_array_equal(getattr(a.metrics, name), getattr(b.metrics, name), err_msg=name, strict=True)
    assert a.params.keys() == b.params.keys()
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k], err_msg=k, strict=True)
    for f in a.daily.FAMILIES:
        np.testing.assert_array_equal(a.daily.counts[f], b.daily.counts[f], err_msg=f, strict=True)
        np.testing.assert_array_equal(a.daily.sums[f], b.daily.sums[f], err_msg=f, strict=True)


def test_no_grid_is_run_bit_for_bit(scen: Path) -> None:
    sw = run_sweep(scen, [], n_paths=N, seed=SEED, block_size=BLOCK, keep_results=True)
    assert len(sw.variants) == 1
    ref = run_paths(simulator.load_scenario(scen), N, SEED, block_size=BLOCK)
    _same_run(sw.results[0], ref)
    assert ref.metrics.output_loss.sum() > 0  # not vacuous


def test_cli_sweep_without_grid_prints_run_numbers(scen: Path, tmp_path: Path) -> None:
    r = CliRunner()
    args = [str(scen), "--paths", "60", "--seed", "3", "--block-size", "25", "--format", "json", "--quiet"]
    run = r.invoke(cli, ["run", *args])
    sw = r.invoke(cli, ["sweep", *args, "--out", str(tmp_path / "o")])
    assert run.exit_code == 0 and sw.exit_code == 0, sw.output
    s = json.loads(run.stdout)
    v = json.loads(sw.stdout)["variants"][0]["summary"]
    shared = [k for k in v if k in s]
    assert len(shared) >= 10 and all(v[k] == s[k] for k in shared), [k for k in shared if v[k] != s[k]]
    paths = pd.read_parquet(tmp_path / "o" / "paths")
    assert len(paths) == 60 and (paths["variant"].astype(int) == 0).all()


def test_variants_are_their_scenarios_with_common_random_numbers(scen: Path, grid_sweep: SweepResult) -> None:
    """Each variant is its overridden scenario run alone; the grid value replaces the prior; shared draws are equal."""
    assert [v.values for v in grid_sweep.variants] == [{END: 20, STOCK: 0}, {END: 20, STOCK: 40}, {END: 45, STOCK: 0}, {END: 45, STOCK: 40}]
    for v in grid_sweep.variants:
        assert STOCK not in v.scenario.uncertainty and v.scenario.materials["dytb"].stockpile.days == v.values[STOCK]
        assert v.scenario.policy["china_stop"].end_day == v.values[END]
    alone = simulator.load_scenario(scen, overrides={"policy": {"china_stop": {"end_day": 20}}, "materials": {"dytb": {"stockpile": {"days": 40}}}})
    alone = alone.model_copy(update={"uncertainty": {k: p for k, p in alone.uncertainty.items() if k != STOCK}})
    _same_run(grid_sweep.results[1], run_paths(alone, N, SEED, block_size=BLOCK))
    p0 = grid_sweep.results[0].params
    assert len(p0) > 5
    for i in (1, 2, 3):
        for k in p0:
            np.testing.assert_array_equal(grid_sweep.results[i].params[k], p0[k], err_msg=k)
    loss = [s["value_added_loss"]["mean"] for s in grid_sweep.summaries]
    assert loss[2] > loss[0] and loss[2] >= loss[3]  # a longer curb costs more; stock does not make it worse


def test_outputs_load_in_one_call(grid_sweep: SweepResult) -> None:
    out = grid_sweep.out
    assert out is not None
    paths = pd.read_parquet(out / "paths")
    assert len(paths) == 4 * N
    assert sorted(paths["variant"].astype(int).unique()) == [0, 1, 2, 3]
    assert set(paths.groupby(paths["variant"].astype(int))[END].first()) == {20, 45}
    row = paths[paths["variant"].astype(int) == 3]
    first = grid_sweep.variants[3].scenario.sector_ids[0]
    impact = impact_from_metrics(grid_sweep.results[3].metrics, grid_sweep.variants[3].scenario)
    np.testing.assert_array_equal(row[f"output_loss.{first}"].to_numpy(), impact.output_loss[:, 0])  # price-year money
    ds = xr.open_dataset(out / "daily_quantiles.nc")
    assert ds["output_quantile"].dims[:2] == (END, STOCK)
    assert list(ds[END].values) == [20, 45] and list(ds[STOCK].values) == [0, 40]
    np.testing.assert_allclose(ds["output_mean"].sel({END: 45, STOCK: 0}).values,
                               grid_sweep.results[2].daily.to_xarray()["output_mean"].values)
    ds.close()
    head = pd.read_csv(out / "summary.csv")
    assert list(head[END]) == [20, 20, 45, 45]
    assert (head["gdp_loss_pct_p05"] <= head["gdp_loss_pct_mean"]).all() and (head["gdp_loss_pct_mean"] <= head["gdp_loss_pct_p95"]).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["variants"][2]["summary"]["value_added_loss"] == grid_sweep.summaries[2]["value_added_loss"]


def test_grid_parsing() -> None:
    axes = parse_grid([f"{END}=30:90:30", f"{STOCK}=0,0.5", "name=a,b"])
    assert axes[0].values == (30, 60, 90) and axes[1].values == (0.0, 0.5) and axes[2].values == ("a", "b")
    assert parse_grid(["x=0:1:0.25"])[0].values == (0.0, 0.25, 0.5, 0.75, 1.0)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ([f"{END}x=1,2"], r"parameter: grid policy.china_stop.end_dayx: no such field in the scenario; did you mean 'policy.china_stop.end_day'\?"),
        (["materials.dytbb.stockpile.days=1"], r"no such field in the scenario; did you mean 'materials.dytb'\?"),
        ([f"{END}=30,abc"], r"^`grid` \(variant 1: policy.china_stop.end_day=abc\): policy.china_stop.end_day: must be a whole number; got 'abc'$"),
        ([f"{END}=30", f"{STOCK}=10,-5"], r"^`grid` \(variant 1: policy.china_stop.end_day=30, materials.dytb.stockpile.days=-5\): materials.dytb.stockpile.days: must be >= 0; got -5"),
        ([f"{END}="], r"parameter: grid policy.china_stop.end_day: must list at least one value"),
        ([f"{END}=30,,60"], r"must not have an empty value"),
        ([f"{END}=90:30:30"], r"a range's step must be non-zero"),
        ([f"{END}=30,30"], r"values must be distinct; got 30"),
        (["materials.dytb=1"], r"must name a single value, not a table"),
        ([END], r"must be PATH=v1,v2"),
    ],
    ids=["did-you-mean", "did-you-mean-level", "wrong-type", "validator-names-variant", "empty", "empty-item", "bad-range",
         "repeated", "table", "no-equals"],
)
def test_bad_grid_is_refused_before_anything_runs(scen: Path, tmp_path: Path, grid: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_sweep(scen, grid, n_paths=10, block_size=10, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
    res = CliRunner().invoke(cli, ["sweep", str(scen), *[a for g in grid for a in ("--grid", g)], "--paths", "10", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.output
    assert not (tmp_path / "o").exists()


def _files(d: Path) -> dict[str, float]:
    return {str(p.relative_to(d)): p.stat().st_mtime_ns for p in d.rglob("*") if p.is_file()}


def test_out_and_resume_refuse_another_sweep(scen: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_sweep(scen, [f"{END}=20,30"], n_paths=20, seed=1, block_size=10, out=out)
    before = _files(out)
    cases = [
        ({}, r"parameter: out: must be an empty or new directory \(use `resume=True`"),
        ({"resume": True, "seed": 2}, r"sweep.json: seed: `resume=True` continues the sweep in this directory, which has seed = 1; got 2"),
        ({"resume": True, "grid": [f"{END}=20,31"]}, r"sweep.json: grid: `resume=True` continues"),
        ({"resume": True, "block_size": 5}, r"sweep.json: block_size: `resume=True`"),
    ]
    for kw, msg in cases:
        args: dict[str, Any] = {"grid": [f"{END}=20,30"], "n_paths": 20, "seed": 1, "block_size": 10, "out": out} | kw
        with pytest.raises(InputError, match=msg):
            run_sweep(scen, **args)
    manifest = json.loads((out / "sweep.json").read_text())
    manifest["supplyshock"] = "99.0"
    (out / "sweep.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=r"sweep.json: supplyshock: must be this version \(0.1.0\) to resume the sweep.*; got '99.0'"):
        run_sweep(scen, [f"{END}=20,30"], n_paths=20, seed=1, block_size=10, out=out, resume=True)
    after = _files(out)
    del before["sweep.json"], after["sweep.json"]
    assert after == before  # nothing finished was lost or rewritten
    with pytest.raises(InputError, match=r"parameter: resume: needs `out`"):
        run_sweep(scen, [], n_paths=20, resume=True)


def test_unreachable_scheduler_is_a_clear_error(scen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.runs.execute.CONNECT_TIMEOUT", 1.0)
    res = CliRunner().invoke(cli, ["sweep", str(scen), "--paths", "10", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    # (the scenario's own warning, a 60-day horizon before its catch-up window closes, may come first)
    assert res.stderr.splitlines()[-1] == ("error: option: --scheduler: must be the address of a running Dask scheduler; "
                                           "could not connect within 1 s (OSError); got 'tcp://127.0.0.1:9'")
    assert all(ln.startswith("warning: ") for ln in res.stderr.splitlines()[:-1])
    assert not (tmp_path / "o").exists()
    res = CliRunner().invoke(cli, ["run", str(scen), "--paths", "10", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "cannot be combined with --workers" in res.stderr


def test_interrupted_sweep_resumes_to_the_same_numbers(scen: Path, grid_sweep: SweepResult, tmp_path: Path) -> None:
    """In-process: stop after some tasks (an exception), resume, compare every file's numbers."""
    out = tmp_path / "o"

    class Stop(Exception):
        pass

    def stop_after(k: int) -> Any:
        def progress(done: int, total: int) -> None:
            if done >= k:
                raise Stop

        return progress

    grid = [f"{END}=20,45", f"{STOCK}=0,40"]
    with pytest.raises(Stop):
        run_sweep(scen, grid, n_paths=N, seed=SEED, block_size=BLOCK, out=out, progress=stop_after(5))
    with pytest.raises(Stop):
        run_sweep(scen, grid, n_paths=N, seed=SEED, block_size=BLOCK, out=out, resume=True, progress=stop_after(8))
    res = run_sweep(scen, grid, n_paths=N, seed=SEED, block_size=BLOCK, out=out, resume=True)
    assert res.resumed == 8 and res.tasks == 12
    _same_outputs(out, grid_sweep.out)


def _same_outputs(a: Path, b: Path | None) -> None:
    assert b is not None
    pd.testing.assert_frame_equal(pd.read_parquet(a / "paths"), pd.read_parquet(b / "paths"))
    sa, sb = json.loads((a / "summary.json").read_text()), json.loads((b / "summary.json").read_text())
    assert sa == sb
    xr.testing.assert_identical(xr.load_dataset(a / "daily_quantiles.nc"), xr.load_dataset(b / "daily_quantiles.nc"))
    blocks = sorted(p.relative_to(a) for p in (a / "blocks").rglob("*.npz"))
    assert blocks == sorted(p.relative_to(b) for p in (b / "blocks").rglob("*.npz"))
    assert not [p for p in a.rglob(".tmp-*")]


def test_sigkill_and_resume_give_the_uninterrupted_numbers(scen: Path, grid_sweep: SweepResult, tmp_path: Path) -> None:
    """A sweep process killed with SIGKILL twice mid-sweep, then resumed, ends with the uninterrupted files."""
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "simulator.cli", "sweep", str(scen), "--grid", f"{END}=20,45", "--grid", f"{STOCK}=0,40",
           "--paths", str(N), "--seed", str(SEED), "--block-size", str(BLOCK), "--out", str(out), "--quiet", "--format", "csv"]
    killed_at = []
    for attempt in range(2):
        args = cmd + (["--resume"] if attempt else [])
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            want = 3 * (attempt + 1)  # blocks on disk before the kill
            while proc.poll() is None and len(list(out.glob("blocks/*/*.npz"))) < want:
                time.sleep(0.005)
            assert proc.poll() is None, "the sweep finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        killed_at.append(len(list(out.glob("blocks/*/*.npz"))))
        assert proc.returncode == -signal.SIGKILL
    assert killed_at[0] < killed_at[1] < 12
    done = subprocess.run([c for c in cmd if c != "--quiet"] + ["--resume"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"resumed {out}: {killed_at[1]} of 12 tasks (variant x block) were finished, {12 - killed_at[1]} run now" in done.stderr
    _same_outputs(out, grid_sweep.out)


def test_ctrl_c_on_a_sweep_says_what_was_kept_and_how_to_resume(scen: Path, tmp_path: Path) -> None:
    """Ctrl-C mid-sweep: exit 130 and one line naming the finished tasks kept and the command that continues."""
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "simulator.cli", "sweep", str(scen), "--grid", f"{END}=20,45", "--grid", f"{STOCK}=0,40",
           "--paths", str(N), "--seed", str(SEED), "--block-size", str(BLOCK), "--out", str(out), "--quiet", "--format", "csv"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while proc.poll() is None and len(list(out.glob("blocks/*/*.npz"))) < 2:
            time.sleep(0.005)
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    msg = err.decode().strip().splitlines()[-1]
    assert proc.returncode == 130, err.decode()
    kept = len(list(out.glob("blocks/*/*.npz")))
    assert msg.startswith(f"interrupted: {kept} of 12 finished tasks (variant x block) kept in {out / 'blocks'}"), msg
    assert msg.endswith("--resume") and "continue with: supplyshock sweep " in msg and "Traceback" not in err.decode()


def test_two_local_dask_workers_give_the_same_numbers(scen: Path, grid_sweep: SweepResult, tmp_path: Path) -> None:
    res = run_sweep(scen, [f"{END}=20,45", f"{STOCK}=0,40"], n_paths=N, seed=SEED, block_size=BLOCK, out=tmp_path / "o",
                    workers=2, keep_results=True)
    for i in range(4):
        _same_run(res.results[i], grid_sweep.results[i])
    _same_outputs(tmp_path / "o", grid_sweep.out)


@contextmanager
def _cluster(tmp_path: Path, n_workers: int) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and ``n_workers`` workers started as separate processes on localhost, stopped afterwards."""
    bindir = Path(sys.executable).parent
    sched_file = tmp_path / "scheduler.json"
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    sched = subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(sched_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(n_workers):
            workers.append(subprocess.Popen([str(bindir / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                                             "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(n_workers, timeout=60)
        yield address, workers
    finally:
        for p in [*workers, sched]:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    with _cluster(tmp_path, 1) as (address, _):
        yield address


@pytest.mark.slow
def test_scheduler_and_worker_processes_give_the_same_numbers(scen: Path, grid_sweep: SweepResult, tmp_path: Path,
                                                              dask_cluster: str) -> None:
    res = CliRunner().invoke(cli, ["sweep", str(scen), "--grid", f"{END}=20,45", "--grid", f"{STOCK}=0,40", "--paths", str(N),
                                   "--seed", str(SEED), "--block-size", str(BLOCK), "--out", str(tmp_path / "o"), "--quiet",
                                   "--scheduler", dask_cluster])
    assert res.exit_code == 0, res.output
    _same_outputs(tmp_path / "o", grid_sweep.out)
    one = CliRunner().invoke(cli, ["run", str(scen), "--paths", "60", "--seed", "3", "--block-size", "25", "--format", "json",
                                   "--scheduler", dask_cluster])
    here = CliRunner().invoke(cli, ["run", str(scen), "--paths", "60", "--seed", "3", "--block-size", "25", "--format", "json"])
    assert one.exit_code == 0 and json.loads(one.stdout) == json.loads(here.stdout)


def test_report_is_one_self_contained_page(grid_sweep: SweepResult, tmp_path: Path) -> None:
    out = grid_sweep.out
    assert out is not None
    res = CliRunner().invoke(cli, ["report", str(out)])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    for heading in ("Loss against the duration of china_stop", "over time", f"Loss over {END} and {STOCK}", "Value of the dytb stockpile"):
        assert heading in html, heading
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html)
    assert len(images) == 4 and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "http://" not in html.replace("investorwords.com", "") and "<script" not in html
    assert "break-even annual probability" in html and "Carrying rate 10%" in html
    bad = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: option: DIR: must be the results directory of a finished run")
    assert bad.stderr.endswith(f"sweep (supplyshock sweep --out: sweep.json) or calibration (supplyshock calibrate --out); it has none of these files; got '{tmp_path}'\n")


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_loses_no_task(scen: Path, grid_sweep: SweepResult, tmp_path: Path) -> None:
    """SIGKILL one of two workers while the sweep runs: its tasks run on the other; the numbers are unchanged."""
    out = tmp_path / "o"
    with _cluster(tmp_path, 2) as (address, workers):
        cmd = [sys.executable, "-m", "simulator.cli", "sweep", str(scen), "--grid", f"{END}=20,45", "--grid", f"{STOCK}=0,40",
               "--paths", str(N), "--seed", str(SEED), "--block-size", str(BLOCK), "--out", str(out), "--quiet",
               "--scheduler", address]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while proc.poll() is None and len(list(out.glob("blocks/*/*.npz"))) < 2:
                time.sleep(0.005)
            assert proc.poll() is None, "the sweep finished before a worker could be killed"
            os.kill(workers[0].pid, signal.SIGKILL)
            assert proc.wait(timeout=300) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    _same_outputs(out, grid_sweep.out)


def test_every_output_states_its_money_year_units_horizon_and_calibration(scen: Path, tmp_path: Path) -> None:
    """run --out (Parquet, NetCDF, JSON) and a sweep (CSV, table, report): money with its year, every variable a unit."""
    import pyarrow.parquet as pq
    import xarray as xr

    out = tmp_path / "run"
    r = CliRunner().invoke(cli, ["run", str(scen), "--paths", "30", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    meta = json.loads(pq.read_schema(out / "paths.parquet").metadata[b"supplyshock"])
    assert all("money" in u or "prices" in u for c, u in meta["units"].items() if c.startswith("value_added_loss"))
    ds = xr.open_dataset(out / "daily_quantiles.nc")
    assert all(ds[v].attrs.get("units") for v in ds.data_vars), [v for v in ds.data_vars if not ds[v].attrs.get("units")]
    s = json.loads((out / "summary.json").read_text())
    assert s["value_added_loss"]["price_year"] and s["horizon_days"]
    sw = tmp_path / "sweep"
    r = CliRunner().invoke(cli, ["sweep", str(scen), "--grid", f"{END}=20,45", "--paths", "30", "--out", str(sw), "--quiet"])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "money)" in text and "horizon" in text and "calibrated" in text
    head = pd.read_csv(sw / "summary.csv")
    assert {"currency", "price_year", "horizon_days", "calibration"} <= set(head.columns) and head["price_year"].notna().all()
    CliRunner().invoke(cli, ["report", str(sw)])
    html = (sw / "report.html").read_text()
    assert "money" in html and "calibrated" in html
