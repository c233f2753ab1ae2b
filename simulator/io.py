"""Scenario files in, result files out: the only file I/O of the core.

Scenario files are TOML (or JSON, as written to a results directory). A file may
start from a built-in economy or another file with ``extends = "NAME-or-PATH"``;
its tables are merged over the base key by key.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import shutil
import socket
import tempfile
import tomllib
import warnings
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import InputError, InputWarning
from simulator.scenario import IOTable, Scenario, build_scenario, scenario_warnings

__all__ = [
    "check_out_dir",
    "clean_stale_temporaries",
    "data_path",
    "list_economies",
    "list_scenarios",
    "load_scenario",
    "read_io_table",
    "staged_dir",
    "write_results_dir",
]

_DATA = resources.files("simulator") / "data"


def data_path(*parts: str) -> Path:
    """Path of a file shipped in the package's data folder."""
    return Path(str(_DATA.joinpath(*parts)))


def list_scenarios() -> dict[str, str]:
    """Built-in scenarios: name -> one-line description."""
    return _first_lines("scenarios")


def list_economies() -> dict[str, str]:
    """Built-in economies (a scenario file ``extends`` one): name -> one-line description."""
    return _first_lines("economies")


def _first_lines(folder: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in sorted(data_path(folder).glob("*.toml")):
        with f.open("rb") as fh:
            raw = tomllib.load(fh)
        out[f.stem] = str(raw.get("description", "")).strip().splitlines()[0] if raw.get("description") else ""
    return out


def _read_mapping(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, "(file)", "must be a readable file", exc.strerror) from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"line {exc.lineno}", f"must be valid JSON ({exc.msg})", text.decode(errors="replace").splitlines()[exc.lineno - 1] if exc.lineno else "") from None
    else:
        try:
            data = tomllib.loads(text.decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            raise InputError(shown, "(syntax)", "must be valid TOML", msg) from None
        except UnicodeDecodeError:
            raise InputError(shown, "(file)", "must be UTF-8 text", "undecodable bytes") from None
    if not isinstance(data, dict):
        raise InputError(shown, "(top level)", "must be a table", data)
    return data


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) and "dist" not in v and "kind" not in v:
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _resolve_base(name: str, here: Path | None, shown: str) -> Path:
    builtin_econ = data_path("economies", f"{name}.toml")
    builtin_scen = data_path("scenarios", f"{name}.toml")
    if builtin_econ.is_file():
        return builtin_econ
    if builtin_scen.is_file():
        return builtin_scen
    cand = (here.parent / name) if here is not None else Path(name)
    if cand.is_file():
        return cand
    econs = sorted(p.stem for p in data_path("economies").glob("*.toml"))
    raise InputError(shown, "extends", "must name a built-in economy (" + ", ".join(econs) + ") or an existing file", name)


def _leaves(data: Mapping[str, Any], shown: str, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Every key path of a parsed file -> the file it was read from."""
    out: dict[tuple[str, ...], str] = {}
    for k, v in data.items():
        path = (*prefix, str(k))
        out[path] = shown
        if isinstance(v, Mapping):
            out.update(_leaves(v, shown, path))
    return out


def _origin(field: str, origins: Mapping[tuple[str, ...], str], default: str) -> str:
    """The file that set ``field`` (the longest key path of it that a file set)."""
    parts = tuple(field.split("."))
    for n in range(len(parts), 0, -1):
        if parts[:n] in origins:
            return origins[parts[:n]]
    return default


def _read_with_extends(path: Path, shown: str, depth: int = 0,
                       origins: dict[tuple[str, ...], str] | None = None) -> dict[str, Any]:
    data = _read_mapping(path, shown)
    ext = data.get("extends")
    if ext is None:
        if origins is not None:
            origins.update(_leaves(data, shown))
        return data
    if not isinstance(ext, str):
        raise InputError(shown, "extends", "must be a string", ext)
    if depth > 8:
        raise InputError(shown, "extends", "must not nest more than 8 levels (a cycle?)", ext)
    base_path = _resolve_base(ext, path, shown)
    base = _read_with_extends(base_path, str(base_path), depth + 1, origins)
    base.pop("description", None)  # a description says what this file is: it is not inherited
    own = {k: v for k, v in data.items() if k != "extends"}
    if origins is not None:
        origins.update(_leaves(own, shown))
    return _merge(base, own)


def read_io_table(path: Path, shown: str = "") -> IOTable:
    """Read an input-output table in the layout of ``data/io/*.csv``.

    Rows are sector codes then value-added rows and ``Total``; columns are
    sector codes, final-demand columns, ``impo`` (negative), and ``Total``.
    """
    shown = shown or str(path)
    try:
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise InputError(shown, "economy.io_table", "must be a readable CSV file", exc.strerror) from None
    header = rows[0][1:]
    body = {r[0]: r[1:] for r in rows[1:]}
    try:
        codes = [c for c in header if c in body and c != "Total"]
        n = len(codes)
        col = {c: i for i, c in enumerate(header)}

        def num(x: str) -> float:
            return float(x) if x.strip() else 0.0

        def row(name: str) -> np.ndarray:
            return np.array([num(body[name][col[c]]) for c in codes])

        z = np.array([[float(body[r][col[c]]) for c in codes] for r in codes])
        va_rows = [r for r in body if r not in codes and r != "Total"]
        va = sum((row(r) for r in va_rows), np.zeros(n))
        comp = row("epin") if "epin" in body else np.zeros(n)
        fd_cols = [c for c in header if c not in codes and c not in ("Total", "expo", "impo", "imta", "imtx")]
        dfd = np.array([sum(num(body[r][col[c]]) for c in fd_cols) for r in codes])
        hh = np.array([float(body[r][col["hhco"]]) for r in codes]) if "hhco" in col else np.zeros(n)
        ex = np.array([float(body[r][col["expo"]]) for r in codes]) if "expo" in col else np.zeros(n)
        im_cols = [c for c in ("impo", "imta", "imtx") if c in col]
        im = -np.array([sum(num(body[r][col[c]]) for c in im_cols) for r in codes])
        out = np.array([float(body[r][col["Total"]]) for r in codes])
    except (KeyError, ValueError, IndexError) as exc:
        raise InputError(shown, "economy.io_table", "must be a table in the layout of the built-in one (sector rows/columns, value-added rows, final-demand columns, Total)", str(exc)) from None
    for label, arr in (("intermediate use", z), ("value added", va), ("final demand", dfd), ("exports", ex),
                       ("imports", im), ("Total", out)):
        if not np.all(np.isfinite(arr)):
            raise InputError(shown, f"economy.io_table ({label})", "must hold finite numbers", "inf or nan")
    if np.any(out <= 0):
        bad = codes[int(np.argmax(out <= 0))]
        raise InputError(shown, f"economy.io_table (sector {bad})", "domestic output must be > 0", float(out[codes.index(bad)]))
    return IOTable(
        codes=tuple(codes),
        intermediate=z,
        value_added=va,
        compensation=comp,
        household_consumption=hh,
        domestic_final_demand=dfd,
        exports=ex,
        imports=im,
        output=out,
    )


def _table_path(ref: str, here: Path | None) -> Path:
    builtin = data_path("io", ref)
    if builtin.is_file():
        return builtin
    if here is not None and (here.parent / ref).is_file():
        return here.parent / ref
    return Path(ref)


def load_scenario(name_or_path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Parameters
    ----------
    name_or_path : str or path
        A name from :func:`list_scenarios` or a TOML/JSON file.
    overrides : mapping, optional
        Nested tables merged over the file before validation
        (e.g. ``{"run": {"horizon_days": 120}}``).

    Raises
    ------
    InputError
        If the file cannot be read or breaks a rule.
    """
    text = str(name_or_path)
    builtin = data_path("scenarios", f"{text}.toml")
    economy = data_path("economies", f"{text}.toml")
    if builtin.is_file() and not Path(text).exists():
        path, shown = builtin, f"{text} (built-in)"
    elif economy.is_file() and not Path(text).exists():
        path, shown = economy, f"{text} (built-in economy)"
    else:
        path = Path(text)
        shown = text
        if not path.is_file():
            names = ", ".join(list_scenarios())
            raise InputError(shown, "(scenario)", f"must be a built-in scenario ({names}) or an existing file", text)
    origins: dict[tuple[str, ...], str] = {}
    data = _read_with_extends(path, shown, origins=origins)
    if overrides:
        data = _merge(data, overrides)
    table = None
    econ = data.get("economy")
    if isinstance(econ, Mapping) and isinstance(econ.get("io_table"), str):
        tpath = _table_path(econ["io_table"], path)
        if not tpath.is_file():
            raise InputError(shown, "economy.io_table", "must name a built-in table or an existing CSV file", econ["io_table"])
        table = read_io_table(tpath, shown)
    try:
        sc = build_scenario(data, file=shown, table=table, warn=False)
        for f, r, v in scenario_warnings(sc):
            warnings.warn(InputWarning(_origin(f, origins, shown), f, r, v), stacklevel=2)
        return sc
    except InputError as exc:
        # name the file that set the offending value (a base file, for a value it set)
        raise InputError(_origin(exc.field, origins, shown), exc.field, exc.rule, exc.value,
                         [InputError(_origin(e.field, origins, shown), e.field, e.rule, e.value) for e in exc.more]) from None


def scenario_to_json(sc: Scenario) -> str:
    """The resolved scenario as JSON (loadable again with :func:`load_scenario`)."""
    data = sc.model_dump(mode="json", exclude={"origin": True, "economy": {"table"}})
    if "paths" not in sc.run.model_fields_set:
        del data["run"]["paths"]  # the file said nothing: the command line's default applies again
    return json.dumps(data, indent=2, ensure_ascii=False)


TMP_TAG = ".supplyshock-tmp-"
"""Part of the name of a results directory being written: ``.<out>.supplyshock-tmp-<pid>-<random>``."""
OLD_TAG = ".supplyshock-old-"
"""Part of the name of a replaced results directory, until the new one is in place."""
MARKER = ".supplyshock-partial"
"""File inside a directory being written: who is writing it (JSON: pid, host, out)."""


def check_out_dir(out: Path, overwrite: bool = False) -> None:
    """Refuse a ``--out`` that is a file, or a non-empty directory without ``overwrite``.

    Raises
    ------
    InputError
        Naming the option ``--out``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("option", "--out", "must be a directory or not exist (it is a file)", str(out))
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise InputError("option", "--out", "is a directory that is not empty; use --overwrite to replace it", str(out))


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
            raise InputError("option", "--out", "was written by another run meanwhile; use --overwrite to replace it", str(out))
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
            raise InputError("option", "--out", "could not be renamed into place (written by another run meanwhile?)",
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
