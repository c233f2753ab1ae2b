"""The results store: every results directory a command writes, and the reading of a run's.

A results directory is written into a staged temporary sibling (:func:`staged_dir`) and moved
into place whole, so ``--out DIR`` is either absent, the previous contents, or complete; a
directory being written carries a marker naming its writer, and temporaries of a writer that
died are removed (:func:`clean_stale_temporaries`). A run's directory (``RUN_FILES``, layout
``RUN_FORMAT``) is read back and checked by :func:`read_run`.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator import __version__
from simulator.errors import PARAMETER, InputError

if TYPE_CHECKING:
    import xarray as xr

    from simulator.economics.impact import Impact
    from simulator.model.scenario import Scenario
    from simulator.runs.blocks import RunResult

__all__ = [
    "MARKER",
    "OLD_TAG",
    "RUN_FILES",
    "RUN_FORMAT",
    "TMP_TAG",
    "RunDir",
    "check_out_dir",
    "clean_stale_temporaries",
    "is_run_dir",
    "not_a_results_dir",
    "read_run",
    "staged_dir",
    "write_results_dir",
]


TMP_TAG = ".supplyshock-tmp-"
"""Part of the name of a results directory being written: ``.<out>.supplyshock-tmp-<pid>-<random>``."""

OLD_TAG = ".supplyshock-old-"
"""Part of the name of a replaced results directory, until the new one is in place."""

MARKER = ".supplyshock-partial"
"""File inside a directory being written: who is writing it (JSON: pid, host, out)."""


def check_out_dir(out: Path, overwrite: bool = False) -> None:
    """Refuse an ``out`` that is a file, or a non-empty directory without ``overwrite``.

    Raises
    ------
    InputError
        Of :data:`~simulator.errors.PARAMETER`, naming ``out``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(PARAMETER, "out", "must be a directory or not exist (it is a file)", str(out))
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise InputError(PARAMETER, "out", "is a directory that is not empty; use `overwrite=True` to replace it", str(out))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_of(name: str, tag: str) -> int | None:
    try:
        return int(name.split(tag, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return None


def clean_stale_temporaries(out: Path) -> list[Path]:
    """Remove what killed runs left beside ``out``; return what was removed or restored.

    Only directories this module made are touched: a temporary is removed only
    if its name is ``.<out>.supplyshock-tmp-<pid>-...``, it holds the marker
    file naming this host and that pid, and that process is gone. A replaced
    directory (``.<out>.supplyshock-old-<pid>-...``) whose process is gone is
    put back as ``out`` if ``out`` is missing (the run was killed between the
    two renames), else removed (the new results are in place).
    """
    out = Path(out)
    parent = out.absolute().parent
    done: list[Path] = []
    if not parent.is_dir():
        return done
    host = socket.gethostname()
    for p in parent.glob(f".{out.name}{TMP_TAG}*"):
        pid = _pid_of(p.name, TMP_TAG)
        marker = p / MARKER
        if pid is None or not p.is_dir() or not marker.is_file():
            continue
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if info.get("pid") == pid and info.get("host") == host and not _alive(pid):
            shutil.rmtree(p, ignore_errors=True)
            done.append(p)
    for p in parent.glob(f".{out.name}{OLD_TAG}*"):
        pid = _pid_of(p.name, OLD_TAG)
        if pid is None or not p.is_dir() or _alive(pid):
            continue
        if not out.exists():
            os.rename(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    return done


@contextlib.contextmanager
def staged_dir(out: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary directory beside ``out`` that becomes ``out`` in one rename when the block ends.

    On entry: ``out`` is checked (:func:`check_out_dir`), stale temporaries of
    killed runs are cleaned (:func:`clean_stale_temporaries`) and a marked
    temporary directory is made. Write files into the yielded path. On a
    normal exit the directory is renamed to ``out``; with ``overwrite`` an
    existing ``out`` is first renamed aside and removed only once the new one
    is in place. On any exception (including ``KeyboardInterrupt``) the
    temporary is removed and ``out`` is untouched.

    Parameters
    ----------
    out : Path
        Target directory (must not exist, or be empty, unless ``overwrite``).
    overwrite : bool
        Replace an existing non-empty ``out``.

    Raises
    ------
    InputError
        If ``out`` is refused, or another run wrote it meanwhile.
    """
    out = Path(out)
    check_out_dir(out, overwrite)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(out)
    pid = os.getpid()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{TMP_TAG}{pid}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the results directory gets the usual mode, as a sweep's does
    try:
        (tmp / MARKER).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "out": str(out)}))
        yield tmp
        (tmp / MARKER).unlink()
        _into_place(tmp, out, overwrite)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _into_place(tmp: Path, out: Path, overwrite: bool) -> None:
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:  # another run finished first
            raise InputError(PARAMETER, "out", "was written by another run meanwhile; use `overwrite=True` to replace it", str(out))
        old = tmp.parent / f".{out.name}{OLD_TAG}{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.rename(tmp, out)  # replaces a missing or empty directory in one step
        except OSError as exc:
            raise InputError(PARAMETER, "out", "could not be renamed into place (written by another run meanwhile?)",
                             f"{out}: {exc.strerror}") from None


def write_results_dir(out: Path, writers: Mapping[str, Callable[[Path], None]], *, overwrite: bool = False) -> None:
    """Write a results directory atomically.

    Every file is written into a temporary directory beside ``out``
    (:func:`staged_dir`), which is then renamed to ``out`` in one step. An
    error or an interrupt while writing leaves ``out`` as it was and nothing
    beside it.

    Parameters
    ----------
    out : Path
        Target directory (must not exist, or be empty, unless ``overwrite``).
    writers : mapping
        File name -> function that writes that file at the given path.
    overwrite : bool
        Replace an existing non-empty ``out``.
    """
    with staged_dir(Path(out), overwrite=overwrite) as tmp:
        for name, write in writers.items():
            write(tmp / name)


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

    Whether it is a finished one is :func:`read_run`'s to say.
    """
    d = Path(directory)
    return d.is_dir() and not (d / "sweep.json").exists() and any((d / f).exists() for f in RUN_FILES)


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


def write_run(out: Path, res: RunResult, impact: Impact, summary: dict[str, Any], *, also: Sequence[str] = ()) -> None:
    """Write a run's results files (:data:`RUN_FILES`) into the (staged) directory ``out``.

    ``also`` names files another layer writes into the same directory (a report), listed in the manifest.
    """
    import numpy as np
    import pandas as pd

    from simulator.model.loading import scenario_to_json
    from simulator.runs.summaries import path_frame

    def text(content: str) -> Callable[[Path], None]:
        def write(p: Path) -> None:
            p.write_text(content)

        return write

    sc = res.scenario
    scen_json = scenario_to_json(sc)
    frame = path_frame(res, impact)
    ds = res.daily.to_xarray()
    # what a file needs to be read on its own: which run, and in what units
    about: dict[str, Any] = {"scenario": sc.name, "seed": res.seed, "paths": res.n_paths, "block_size": res.block_size,
                             "engine": res.engine, "multiplier": impact.multiplier, "currency": sc.economy.currency}
    if summary.get("price_year") is not None:
        about["money_year"] = summary["price_year"]
    ds.attrs.update({k: v for k, v in about.items() if isinstance(v, (str, int, float))})
    ds.attrs["day"] = "day 0 is the first simulated day"
    manifest = {
        "format": RUN_FORMAT,
        "supplyshock": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scenario": sc.name,
        "scenario_sha256": hashlib.sha256(scen_json.encode()).hexdigest(),
        "seed": res.seed,
        "paths": res.n_paths,
        "block_size": res.block_size,
        "blocks": -(-res.n_paths // res.block_size),
        "streams": "block b uses SeedSequence(seed, spawn_key=(b, crc32(name))) per random quantity",
        "engine": res.engine,
        "multiplier": impact.multiplier,
        "command": " ".join(sys.argv),
        "files": [*RUN_FILES, *also],
    }
    writers: dict[str, Callable[[Path], None]] = {
        "summary.json": text(json.dumps(summary, indent=2)),
        "paths.parquet": lambda p: write_parquet(p, frame, {**about, "units": path_units(frame, sc, about)}),
        "daily_quantiles.nc": lambda p: ds.to_netcdf(p, engine="scipy"),
        "scenario.json": text(scen_json),
        "manifest.json": text(json.dumps(manifest, indent=2)),
    }
    for name, write in writers.items():
        write(out / name)


def write_parquet(path: Path, frame: pd.DataFrame, about: dict[str, Any]) -> None:
    """Parquet with the run's description as JSON under the schema metadata key ``supplyshock``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"supplyshock"] = json.dumps(about).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def path_units(frame: pd.DataFrame, sc: Scenario, about: dict[str, Any]) -> dict[str, str]:
    """Unit of every column of ``paths.parquet``."""
    from simulator.model.fields import money_unit, prior_targets, unit_of

    money = money_unit(about["currency"], about.get("money_year"), scale="")
    fixed = {"path": "index", "gdp_loss_pct": "% of GDP", "value_added_loss": money, "value_added_loss_gross": money,
             "premium_cost": money}
    prefix = {"output_loss": money, "output_loss_gross": money, "value_added_loss": money,
              "value_added_loss_gross": money, "first_stoppage_day": "day (NaN: never)", "half_output_lost_day": "day (NaN: never)", "stoppage_days": "days",
              "peak_shortfall": "share of the day's requirement", "shortfall_days": "days"}
    targets = prior_targets(sc)
    units: dict[str, str] = {}
    for col in frame.columns:
        head = col.split(".", 1)[0]
        if col in fixed:
            units[col] = fixed[col]
        elif head in prefix:
            units[col] = prefix[head]
        elif head == "param" and col[6:] in targets:
            u = unit_of(*targets[col[6:]][:2])
            units[col] = u.unit if u is not None else ""
        else:
            units[col] = ""
    return units
