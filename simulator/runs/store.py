"""The results store: every file a command writes, and the reading of a run's results directory.

* One writer for every file, :func:`write_file`: the content goes to a temporary sibling (``.tmp-...``),
  is flushed to disk and renamed into place, so a file is its old contents, absent, or complete, also
  after a crash. :func:`write_json` for a JSON document.
* One manifest for every results directory, :func:`manifest`: the keys every kind shares (format,
  versions, scenario and its sha256, seed, paths, block size, engine, command, files), then the kind's
  own. A run's is ``manifest.json``, a sweep's ``sweep.json``; a calibration's, an episode
  conditioning's and a backcast's ``manifest.json``.
* Parquet with the unit of every column in its schema metadata, :func:`write_paths` (a run's
  ``paths.parquet``, a sweep variant's ``paths/variant=*/part-0.parquet``).
* A sweep's finished blocks, kept for a resume: :class:`BlockStore`.
* A results directory is written into a staged temporary sibling (:func:`staged_dir`) and moved into
  place whole, so ``out`` is either absent, the previous contents, or complete; a directory being
  written carries a marker naming its writer, and temporaries of a writer that died are removed
  (:func:`clean_stale_temporaries`). A sweep's directory is written in place, file by file, so that it
  can be resumed.
* A run's directory (``RUN_FILES``, layout ``RUN_FORMAT``) is read back and checked by :func:`read_run`.

The file and directory writing itself is :mod:`simulator.runs.staging`'s; its functions are the store's,
imported from here.
"""
from __future__ import annotations

import hashlib
import json
import platform
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator import __version__
from simulator.defaults import DEFAULT_BLOCK_SIZE
from simulator.errors import PARAMETER, InputError
from simulator.runs.staging import (
    MARKER,
    OLD_TAG,
    TMP_FILE,
    TMP_TAG,
    check_out_dir,
    clean_stale_temporaries,
    listing,
    remove_partial_files,
    staged_dir,
    write_file,
    write_json,
    write_results_dir,
)

if TYPE_CHECKING:
    import xarray as xr

    from simulator.economics.impact import Impact
    from simulator.model.scenario import Scenario
    from simulator.runs.blocks import RunResult

__all__ = [
    "MANIFEST_KEYS",
    "MARKER",
    "OLD_TAG",
    "RUN_FILES",
    "RUN_FORMAT",
    "TMP_FILE",
    "TMP_TAG",
    "BlockStore",
    "RunDir",
    "check_out_dir",
    "clean_stale_temporaries",
    "is_run_dir",
    "listing",
    "manifest",
    "not_a_results_dir",
    "read_run",
    "remove_partial_files",
    "staged_dir",
    "write_file",
    "write_json",
    "write_parquet",
    "write_paths",
    "write_results_dir",
    "write_run",
]


# ------------------------------------------------------------------ manifests


MANIFEST_KEYS = ("format", "supplyshock", "python", "numpy", "pandas", "scenario", "scenario_sha256", "seed", "paths",
                 "block_size", "engine", "command", "files")
"""The keys every results directory's manifest has, in this order (:func:`manifest`); a kind's own follow."""


def manifest(fmt: str, scenario: Scenario, *, seed: int, paths: int, block_size: int = DEFAULT_BLOCK_SIZE,
             engine: str = "vectorised", files: Sequence[str], **kind: Any) -> dict[str, Any]:
    """What a results directory is and how it was made: the keys every kind shares, then the kind's own.

    Parameters
    ----------
    fmt : str
        The directory's layout (``format``), e.g. :data:`RUN_FORMAT`.
    scenario : Scenario
        The scenario that was run: its name and the sha256 of its resolved JSON (the bytes a
        ``scenario.json`` beside holds).
    seed, paths, block_size, engine
        The random streams (paths per run, variant or design point, in blocks of ``block_size``) and the engine.
    files : sequence of str
        The files and folders of the finished directory.
    **kind
        The keys of this kind of directory (a run's ``multiplier``, a sweep's ``grid``, ...), JSON-ready.

    Returns
    -------
    dict
        :data:`MANIFEST_KEYS`, then ``kind``'s keys.

    Raises
    ------
    ValueError
        If ``kind`` repeats a common key.
    """
    from simulator.model.loading import scenario_to_json

    if set(kind) & set(MANIFEST_KEYS):
        raise ValueError(f"a manifest's own keys must not repeat the common ones: {sorted(set(kind) & set(MANIFEST_KEYS))}")
    return {
        "format": fmt,
        "supplyshock": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scenario": scenario.name,
        "scenario_sha256": hashlib.sha256(scenario_to_json(scenario).encode()).hexdigest(),
        "seed": seed,
        "paths": paths,
        "block_size": block_size,
        "engine": engine,
        "command": " ".join(sys.argv),
        "files": list(files),
        **kind,
    }


class BlockStore:
    """A sweep's finished blocks: one file each under ``out/blocks`` (crash-safe, kept for a resume), or in memory.

    A block ``(v, b)`` (variant, block index) is the packed result of
    :func:`simulator.runs.blocks.block_task`, stored whole by :meth:`put` (:func:`write_file`), so a block
    file is complete or absent; the blocks found are the tasks a resumed sweep does not run again.

    Parameters
    ----------
    out : path or None
        The sweep's directory; None keeps the blocks in memory until :meth:`release`.
    """

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.mem: dict[tuple[int, int], bytes] = {}

    def _file(self, v: int, b: int) -> Path:
        return Path(self.out or ".") / "blocks" / f"v{v:05d}" / f"b{b:06d}.npz"

    def done(self) -> set[tuple[int, int]]:
        """The blocks ``(variant, block)`` on disk (none in memory: a sweep without a directory starts afresh)."""
        if self.out is None:
            return set()
        found = set()
        for f in (self.out / "blocks").glob("v*/*"):
            m = re.fullmatch(r"b(\d{6})\.npz", f.name)
            mv = re.fullmatch(r"v(\d{5})", f.parent.name)
            if m and mv:
                found.add((int(mv.group(1)), int(m.group(1))))
            elif f.name.startswith(TMP_FILE):
                f.unlink()  # an interrupted write: the task runs again
        return found

    def put(self, v: int, b: int, data: bytes) -> None:
        """Keep block ``(v, b)``."""
        if self.out is None:
            self.mem[(v, b)] = data
            return
        f = self._file(v, b)
        f.parent.mkdir(parents=True, exist_ok=True)
        write_file(f, data)

    def get(self, v: int, b: int) -> bytes:
        """Block ``(v, b)`` as :meth:`put` was given it."""
        if self.out is None:
            return self.mem[(v, b)]
        return self._file(v, b).read_bytes()

    def release(self, v: int, nb: int) -> None:
        """Forget variant ``v``'s ``nb`` blocks held in memory (the files stay)."""
        for b in range(nb):
            self.mem.pop((v, b), None)


# ------------------------------------------------------------------ a run's directory


RUN_FORMAT = "supplyshock-run/1"
"""Layout of a run's results directory, recorded as ``format`` in ``manifest.json``.

A manifest without ``format`` predates the key and has this same layout."""

RUN_FILES = ("summary.json", "paths.parquet", "daily_quantiles.nc", "scenario.json", "manifest.json")
"""The files of a finished run's results directory."""

_SUMMARY_KEYS = ("scenario", "engine", "seed", "paths", "horizon_days", "gdp_base", "currency", "multiplier",
                 "gdp_loss_pct", "value_added_loss", "value_added_loss_gross", "premium_cost", "quarters", "sectors",
                 "materials")


@dataclass
class RunDir:
    """The contents of a finished run's results directory.

    Attributes
    ----------
    directory : Path
    summary : dict
        ``summary.json``.
    manifest : dict
        ``manifest.json``.
    scenario : dict
        ``scenario.json`` (the resolved scenario).
    paths : pandas.DataFrame
        ``paths.parquet``, one row per path.
    units : dict
        Unit of every column of ``paths.parquet`` (from its schema metadata).
    daily : xarray.Dataset
        ``daily_quantiles.nc``.
    """

    directory: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    scenario: dict[str, Any]
    paths: pd.DataFrame
    units: dict[str, str]
    daily: xr.Dataset

    @property
    def currency(self) -> str:
        """Currency of every money figure."""
        return str(self.summary["currency"])

    @property
    def money_year(self) -> str:
        """The money figures' price year, e.g. ``"2025 money"``."""
        year = self.summary.get("price_year")
        if year is not None:
            return f"{year} money"
        table_year = self.scenario.get("economy", {}).get("table_year")
        return f"{table_year} money (the input-output table's prices)" if table_year else "the input-output table's money"

    @property
    def money(self) -> str:
        """The unit of money figures in billions, e.g. ``"JPY bn, 2025 money"``."""
        return f"{self.currency} bn, {self.money_year}"


def is_run_dir(directory: str | Path) -> bool:
    """``directory`` looks like a run's results directory (some of :data:`RUN_FILES`, and no sweep's ``sweep.json``).

    A ``manifest.json`` alone counts unless it states another kind's format (a calibration's, a backcast's).
    Whether it is a finished run is :func:`read_run`'s to say.
    """
    d = Path(directory)
    if not d.is_dir() or (d / "sweep.json").exists():
        return False
    if any((d / f).exists() for f in RUN_FILES if f != "manifest.json"):
        return True
    if not (d / "manifest.json").exists():
        return False
    try:
        fmt = json.loads((d / "manifest.json").read_text(encoding="utf-8")).get("format", RUN_FORMAT)
    except (OSError, ValueError, AttributeError):
        return True  # a damaged manifest: read_run says what is wrong
    return str(fmt).startswith("supplyshock-run/")


def not_a_results_dir(directory: str | Path) -> InputError:
    """The error for a directory that holds no run, sweep or calibration results."""
    d = Path(directory)
    if not d.is_dir():
        return InputError(PARAMETER, "directory", "must be an existing results directory", str(d))
    return InputError(PARAMETER, "directory", "must be the results directory of a finished run (supplyshock run --out: "
                      f"{', '.join(RUN_FILES)}), sweep (supplyshock sweep --out: sweep.json) or calibration "
                      "(supplyshock calibrate --out); it has none of these files", str(d))


def _json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "(file)", "must be a readable file", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"line {exc.lineno}", f"must be valid JSON ({exc.msg})", exc.doc[:40]) from None
    if not isinstance(doc, dict):
        raise InputError(str(path), "(file)", "must hold a JSON object", type(doc).__name__)
    return doc


def read_run(directory: str | Path) -> RunDir:
    """Read and check a finished run's results directory.

    Parameters
    ----------
    directory : path
        Written by ``supplyshock run --out``.

    Returns
    -------
    RunDir

    Raises
    ------
    InputError
        A file is missing (all missing files are named), the manifest has
        another format, ``scenario.json`` is not the scenario the manifest
        hashed, or a file cannot be read.
    """
    import pyarrow.parquet as pq
    import xarray as xr

    d = Path(directory)
    if not d.is_dir():
        raise not_a_results_dir(d)
    missing = [f for f in RUN_FILES if not (d / f).is_file()]
    if missing:
        raise InputError(PARAMETER, "directory", "must be a finished run's results directory (supplyshock run --out); "
                         f"missing {', '.join(missing)}", str(d))
    manifest = _json(d / "manifest.json")
    fmt = manifest.get("format", RUN_FORMAT)
    if fmt != RUN_FORMAT:
        raise InputError(str(d / "manifest.json"), "format", f"must be {RUN_FORMAT} (the results directory this "
                         "version of supplyshock run --out writes); rerun the scenario with this version", fmt)
    summary = _json(d / "summary.json")
    absent = [k for k in _SUMMARY_KEYS if k not in summary]
    if absent:
        raise InputError(str(d / "summary.json"), ", ".join(absent), "must be present in a run's summary "
                         "(written by supplyshock run --out)", None)
    text = (d / "scenario.json").read_bytes()
    sha = manifest.get("scenario_sha256")
    if sha is not None and hashlib.sha256(text).hexdigest() != sha:
        raise InputError(str(d / "scenario.json"), "(file)", "must be the scenario the run used (its sha256 is in "
                         "manifest.json: scenario_sha256); it was changed after the run",
                         hashlib.sha256(text).hexdigest()[:16] + "…")
    scenario = _json(d / "scenario.json")
    try:
        meta = pq.read_schema(d / "paths.parquet").metadata or {}
        frame = pd.read_parquet(d / "paths.parquet")
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(str(d / "paths.parquet"), "(file)", "must be a readable Parquet file", str(exc)) from None
    units = json.loads(meta.get(b"supplyshock", b"{}")).get("units", {})
    try:
        daily = xr.load_dataset(d / "daily_quantiles.nc", engine="scipy")
    except Exception as exc:  # scipy's netcdf reader raises several types for a damaged file
        raise InputError(str(d / "daily_quantiles.nc"), "(file)", "must be a readable NetCDF file", str(exc)) from None
    need = [c for c in ("gdp_loss_pct", "value_added_loss") if c not in frame.columns]
    if need:
        raise InputError(str(d / "paths.parquet"), ", ".join(need), "must be columns of a run's paths", list(frame.columns)[:5])
    for var in ("output_quantile", "inventory_days_quantile", "stockpile_days_quantile", "shortfall_share_quantile"):
        if var not in daily:
            raise InputError(str(d / "daily_quantiles.nc"), var, "must be a variable of a run's daily quantiles",
                             sorted(str(v) for v in daily.data_vars))
    return RunDir(directory=d, summary=summary, manifest=manifest, scenario=scenario, paths=frame, units=units, daily=daily)


def _about(res: RunResult, impact: Impact, summary: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's file needs to be read on its own: which run, and in what money (the Parquet and NetCDF metadata)."""
    sc = res.scenario
    about: dict[str, Any] = {"scenario": sc.name, "seed": res.seed, "paths": res.n_paths, "block_size": res.block_size,
                             "engine": res.engine, "multiplier": impact.multiplier, "currency": sc.economy.currency}
    if summary.get("price_year") is not None:
        about["money_year"] = summary["price_year"]
    return about


def write_run(out: Path, res: RunResult, impact: Impact, summary: dict[str, Any], *, also: Sequence[str] = ()) -> None:
    """Write a run's results files (:data:`RUN_FILES`) into the (staged) directory ``out``.

    ``also`` names files another layer writes into the same directory (a report), listed in the manifest.
    """
    from simulator.model.loading import scenario_to_json

    sc = res.scenario
    about = _about(res, impact, summary)
    ds = res.daily.to_xarray()
    ds.attrs.update({k: v for k, v in about.items() if isinstance(v, (str, int, float))})
    ds.attrs["day"] = "day 0 is the first simulated day"
    write_json(out / "summary.json", summary)
    write_paths(out / "paths.parquet", res, impact, summary)
    write_file(out / "daily_quantiles.nc", lambda p: ds.to_netcdf(p, engine="scipy"))
    write_file(out / "scenario.json", scenario_to_json(sc))
    write_json(out / "manifest.json", manifest(
        RUN_FORMAT, sc, seed=res.seed, paths=res.n_paths, block_size=res.block_size, engine=res.engine,
        files=[*RUN_FILES, *also], blocks=-(-res.n_paths // res.block_size),
        streams="block b uses SeedSequence(seed, spawn_key=(b, crc32(name))) per random quantity",
        multiplier=impact.multiplier))


def write_paths(path: Path, res: RunResult, impact: Impact, summary: Mapping[str, Any],
                grid: Mapping[str, Any] | None = None) -> None:
    """Write a run's per-path table (:func:`~simulator.runs.summaries.path_frame`) as Parquet, with units.

    The schema metadata key ``supplyshock`` holds the run's description (scenario, seed, paths, block size,
    engine, multiplier, currency, money year) and the unit of every column
    (:func:`~simulator.runs.summaries.path_units`). A sweep's variant adds its grid values as columns (and as ``grid``).
    """
    from simulator.runs.summaries import path_frame, path_units

    frame = path_frame(res, impact)
    about = _about(res, impact, summary)
    for k, v in (grid or {}).items():
        frame[k] = v
    if grid is not None:
        about["grid"] = dict(grid)
    about["units"] = path_units(frame, res.scenario, about, grid=list(grid or ()))
    write_file(path, lambda p: write_parquet(p, frame, about))


def write_parquet(path: Path, frame: pd.DataFrame, about: dict[str, Any]) -> None:
    """Parquet with a description (``about``, JSON) under the schema metadata key ``supplyshock``.

    Writes ``path`` itself: call it through :func:`write_file` (as :func:`write_paths` does).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"supplyshock"] = json.dumps(about).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
