"""The results store (``simulator.runs.store``): one file writer, one manifest, units on every Parquet column.

What a user relies on: a file the store writes is its old contents or complete, never half; every results
directory (run, sweep, calibration, conditioning, backcast) says what it is with the same manifest keys; a
sweep's per-path Parquet carries the units a run's does, and its grid columns' units from the scenario schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli.main import cli
from simulator.model.fields import prior_targets, unit_of
from simulator.runs.store import (
    MANIFEST_KEYS,
    RUN_FORMAT,
    TMP_FILE,
    BlockStore,
    is_run_dir,
    listing,
    manifest,
    read_run,
    write_file,
    write_json,
)
from simulator.runs.sweep import SWEEP_FORMAT, run_sweep

END = "policy.stop.end_day"
STOCK = "materials.gallium.stockpile.days"


@pytest.fixture(scope="module")
def scen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("store") / "short.toml"
    f.write_text('name = "short"\nextends = "gallium-stop"\n\n[policy.stop]\nend_day = 30\n\n[run]\nhorizon_days = 180\n')
    return f


def test_write_file_writes_text_bytes_and_through_a_writer(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", "één")
    write_file(tmp_path / "b.bin", b"\x00\x01")
    write_file(tmp_path / "c.csv", lambda p: p.write_text("a,b"))
    write_json(tmp_path / "d.json", {"x": 1}, indent=1, newline=True)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "één"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.csv").read_text() == "a,b"
    assert (tmp_path / "d.json").read_text() == '{\n "x": 1\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.csv", "d.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    f = tmp_path / "summary.json"
    f.write_text("old")

    def boom(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_file(f, boom)
    with pytest.raises(KeyboardInterrupt):
        write_file(f, lambda p: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert f.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_block_store_keeps_blocks_whole_and_forgets_partial_writes(tmp_path: Path) -> None:
    store = BlockStore(tmp_path)
    store.put(0, 1, b"block")
    (tmp_path / "blocks" / "v00000" / f"{TMP_FILE}b000002.npz-9-abc").write_bytes(b"hal")  # a killed write
    assert store.done() == {(0, 1)}
    assert store.get(0, 1) == b"block"
    assert listing(tmp_path / "blocks" / "v00000") == ["b000001.npz"]
    memory = BlockStore(None)
    memory.put(2, 0, b"x")
    assert memory.get(2, 0) == b"x" and memory.done() == set()
    memory.release(2, 1)
    assert memory.mem == {}


def test_the_manifest_has_the_common_keys_then_the_kinds(scen: Path) -> None:
    sc = simulator.load_scenario(scen)
    m = manifest("supplyshock-x/1", sc, seed=3, paths=10, files=["a"], extra={"k": 1})
    assert list(m) == [*MANIFEST_KEYS, "extra"]
    assert (m["format"], m["scenario"], m["seed"], m["paths"], m["files"]) == ("supplyshock-x/1", "short", 3, 10, ["a"])


def _units(path: Path) -> dict[str, str]:
    return dict(json.loads(pq.read_schema(path).metadata[b"supplyshock"])["units"])


def test_run_and_sweep_directories_share_the_manifest_and_the_units(scen: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    r = CliRunner().invoke(cli, ["run", str(scen), "--paths", "20", "--seed", "2", "--out", str(run), "--quiet"])
    assert r.exit_code == 0, r.output
    sweep = tmp_path / "sweep"
    run_sweep(scen, [f"{END}=20,30", f"{STOCK}=0,30"], n_paths=20, seed=2, block_size=10, out=sweep)
    run_manifest = read_run(run).manifest
    sweep_manifest = json.loads((sweep / "sweep.json").read_text())
    assert list(run_manifest)[:len(MANIFEST_KEYS)] == list(MANIFEST_KEYS) == list(sweep_manifest)[:len(MANIFEST_KEYS)]
    assert (run_manifest["format"], sweep_manifest["format"]) == (RUN_FORMAT, SWEEP_FORMAT)
    assert run_manifest["scenario_sha256"] == sweep_manifest["scenario_sha256"]
    assert {"blocks", "streams", "multiplier"} <= set(run_manifest)
    assert {"kind", "grid", "variants", "blocks_per_variant", "streams"} <= set(sweep_manifest)  # as before
    assert set(sweep_manifest["files"]) == {p.name for p in sweep.iterdir()}
    run_units = _units(run / "paths.parquet")
    sc = simulator.load_scenario(scen)
    targets = prior_targets(sc)
    for part in sorted((sweep / "paths").glob("variant=*/part-0.parquet")):
        units = _units(part)
        fixed = {END, STOCK, f"param.{END}", f"param.{STOCK}"}  # a grid path's prior (if any) is fixed by the grid
        assert set(units) - fixed == set(run_units) - fixed and {END, STOCK} <= set(units)
        assert {c: u for c, u in units.items() if c in run_units} == {c: run_units[c] for c in units if c in run_units}
        for path in (END, STOCK):
            unit = unit_of(*targets[path][:2])
            assert unit is not None and units[path] == unit.unit
    assert not is_run_dir(sweep) and is_run_dir(run)


def test_a_calibration_like_manifest_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "supplyshock-backcast/1"}))
    assert not is_run_dir(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"seed": 1}))  # a run's, from before "format"
    assert is_run_dir(tmp_path)
