"""Scenario files in, result files out: the only file I/O of the core.

Scenario files are TOML (or JSON, as written to a results directory). A file may
start from a built-in economy or another file with ``extends = "NAME-or-PATH"``;
its tables are merged over the base key by key. A value a file sets removes
any prior its bases put on that field (a value set in a more specific file
always wins); a prior set in the same or a more specific file is kept.
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
from pydantic import ValidationError

from simulator.errors import InputError, InputWarning, suggest
from simulator.scenario import IOTable, MrioTable, Scenario, build_scenario, scenario_warnings

__all__ = [
    "check_out_dir",
    "clean_stale_temporaries",
    "data_path",
    "list_economies",
    "list_scenarios",
    "load_scenario",
    "prior_origins",
    "read_io_table",
    "read_mrio_table",
    "staged_dir",
    "write_results_dir",
]

_DATA = resources.files("simulator") / "data"


def data_path(*parts: str) -> Path:
    """Path of a file shipped in the package's data folder."""
    return Path(str(_DATA.joinpath(*parts)))


NAME_CUTOFF = 0.8
"""Built-in names share a "japan-" prefix, so a lower cutoff suggests unrelated ones: only near-misspellings."""


def list_scenarios() -> dict[str, str]:
    """Built-in scenarios: name -> one-line description."""
    return _first_lines("scenarios")


def list_economies() -> dict[str, str]:
    """Built-in economies (a scenario file ``extends`` one): name -> one-line description."""
    return _first_lines("economies")


def _first_lines(folder: str) -> dict[str, str]:
    """Each file's first sentence of its description (a description's lines are wrapped text, not sentences)."""
    import re

    out: dict[str, str] = {}
    for f in sorted(data_path(folder).glob("*.toml")):
        with f.open("rb") as fh:
            raw = tomllib.load(fh)
        text = " ".join(str(raw.get("description", "")).split())
        first = re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
        out[f.stem] = first
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
    scens = sorted(p.stem for p in data_path("scenarios").glob("*.toml"))
    raise InputError(shown, "extends", "must name a built-in economy (" + ", ".join(econs) + "), a built-in scenario ("
                     + ", ".join(scens) + ") or an existing file (relative to this one)" + suggest(name, econs + scens, cutoff=NAME_CUTOFF, listing=False), name)


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


def _flat_priors(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``uncertainty`` with nested tables flattened to dotted paths (anything else kept for validation)."""
    if not isinstance(tree, Mapping):
        return {prefix: tree} if prefix else {}
    out: dict[str, Any] = {}
    for key, val in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(val, Mapping) and "dist" not in val:
            out.update(_flat_priors(val, path))
        else:
            out[path] = val
    return out


def _value_paths(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Dotted paths of every value a file sets (not its priors)."""
    out: set[str] = set()
    for k, v in data.items():
        if not prefix and k in ("uncertainty", "extends"):
            continue
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and "dist" not in v:
            out |= _value_paths(v, path)
        else:
            out.add(path)
    return out


def _override_priors(base: Mapping[str, Any], own: Mapping[str, Any], shown: str,
                     priors: dict[str, str] | None, overridden: dict[str, tuple[str, str]] | None) -> dict[str, Any]:
    """Drop the base's priors on fields ``own`` sets a value for: a value in a more specific file wins."""
    if "uncertainty" not in base:
        return dict(base)
    inherited = _flat_priors(base["uncertainty"])
    values = _value_paths(own)
    kept = {k: v for k, v in inherited.items() if k not in values}
    for k in inherited.keys() - kept.keys():
        if overridden is not None:
            overridden[k] = (shown, priors.get(k, "") if priors is not None else "")
        if priors is not None:
            priors.pop(k, None)
    return {**base, "uncertainty": kept}


def _read_with_extends(path: Path, shown: str, depth: int = 0,
                       origins: dict[tuple[str, ...], str] | None = None,
                       priors: dict[str, str] | None = None,
                       overridden: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    data = _read_mapping(path, shown)
    ext = data.get("extends")
    if ext is None:
        if origins is not None:
            origins.update(_leaves(data, shown))
        if priors is not None:
            priors.update(dict.fromkeys(_flat_priors(data.get("uncertainty", {})), shown))
        return data
    if not isinstance(ext, str):
        raise InputError(shown, "extends", "must be a string", ext)
    if depth > 8:
        raise InputError(shown, "extends", "must not nest more than 8 levels (a cycle?)", ext)
    base_path = _resolve_base(ext, path, shown)
    base = _read_with_extends(base_path, str(base_path), depth + 1, origins, priors, overridden)
    base.pop("description", None)  # a description says what this file is: it is not inherited
    own = {k: v for k, v in data.items() if k != "extends"}
    if origins is not None:
        origins.update(_leaves(own, shown))
    base = _override_priors(base, own, shown, priors, overridden)
    if priors is not None:
        priors.update(dict.fromkeys(_flat_priors(own.get("uncertainty", {})), shown))
    return _merge(base, own)


def prior_origins(name_or_path: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Which file each prior of a scenario comes from, and which inherited priors a value removed.

    Returns
    -------
    drawn : dict
        Dotted field path -> the file whose ``[uncertainty]`` set its prior.
    overridden : dict
        Dotted field path -> (file that set a value, file whose prior it removed).
    """
    path, shown = _locate(name_or_path)
    priors: dict[str, str] = {}
    overridden: dict[str, tuple[str, str]] = {}
    _read_with_extends(path, shown, priors=priors, overridden=overridden)
    for k in priors:
        overridden.pop(k, None)  # a prior set again in a more specific file
    return priors, overridden


OUTSIDE_ROW, OUTSIDE_COLUMN = "ohcr", "ohcc"
"""Row and column of consumption expenditure outside households (business entertainment, ...):
not value added in the national accounts but intermediate consumption, so the table is read with
the column's purchases moved into intermediate use and the row left out of value added."""

IMPORT_COLUMNS = ("impo", "imta", "imtx")
"""Import columns (entered negative): imports, customs duties, commodity taxes on imports."""
EXPORT_COLUMN, HOUSEHOLD_COLUMN, COMPENSATION_ROW, TOTAL = "expo", "hhco", "epin", "Total"
BALANCE_TOLERANCE = 1e-3
"""A sector's row total, column total and stated output must agree within 0.1 %."""


def read_io_table(path: Path, shown: str = "") -> IOTable:
    """Read an input-output table from a CSV file (layout in the README, "Bring your own table").

    Competitive-import form, one currency unit throughout (``economy.io_unit``
    says how many currency units one table unit is). The first row names the
    columns, the first column the rows; lines starting with ``#`` are
    comments. Sector codes are the column names that are also row names.
    Other rows (except ``Total`` and ``ohcr``) are value added; ``epin`` among
    them is compensation of employees. Other columns (except ``Total``,
    ``expo``, the import columns ``impo``, ``imta``, ``imtx`` and ``ohcc``)
    are domestic final demand; ``hhco`` among them is household consumption.
    ``Total`` (row and column) is domestic output. Empty cells are 0.

    Parameters
    ----------
    path : Path
    shown : str
        Name of the file in messages (default: the path).

    Raises
    ------
    InputError
        Naming the file, the row or column and the value: a missing ``Total``
        row or column or ``impo`` column, a cell that is not a number, an
        output that is not positive, a sector whose row total, column total
        and stated output differ by more than 0.1 %.
    """
    shown = shown or str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    except OSError as exc:
        raise InputError(shown, "economy.io_table", "must be a readable CSV file", exc.strerror) from None
    except UnicodeDecodeError:
        raise InputError(shown, "economy.io_table", "must be UTF-8 text", "undecodable bytes") from None
    if not rows:
        raise InputError(shown, "(file)", "must hold a header row and sector rows", "an empty file")
    header = [c.strip() for c in rows[0][1:]]
    body: dict[str, list[str]] = {}
    for r in rows[1:]:
        name = r[0].strip()
        if name in body:
            raise InputError(shown, f"row {name}", "must appear once", "a second row")
        body[name] = r[1:]
    col = {c: i for i, c in enumerate(header)}
    for need in (TOTAL, "impo"):
        if need not in col:
            what = "domestic output" if need == TOTAL else "imports, entered negative"
            raise InputError(shown, f"column {need}", f"is required ({what})", "missing")
    if TOTAL not in body:
        raise InputError(shown, f"row {TOTAL}", "is required (domestic output)", "missing")
    codes = [c for c in header if c in body and c != TOTAL]
    if not codes:
        raise InputError(shown, "(sectors)", "must have sector codes as both column and row names", "none in common")
    n = len(codes)

    def num(r: str, c: str) -> float:
        cells = body[r]
        i = col[c]
        x = cells[i].strip() if i < len(cells) else ""
        if not x:
            return 0.0
        try:
            v = float(x)
        except ValueError:
            raise InputError(shown, f"row {r}, column {c}", "must be a number", x) from None
        if not np.isfinite(v):
            raise InputError(shown, f"row {r}, column {c}", "must be finite", x)
        return v

    def row(name: str, cols: list[str] | None = None) -> np.ndarray:
        return np.array([num(name, c) for c in (cols or codes)])

    def column(name: str) -> np.ndarray:
        return np.array([num(r, name) for r in codes])

    z = np.array([row(r) for r in codes])
    va_rows = [r for r in body if r not in codes and r not in (TOTAL, OUTSIDE_ROW)]
    if not va_rows:
        raise InputError(shown, "(value added)", "needs at least one value-added row (a row that is not a sector or Total)", "none")
    va = sum((row(r) for r in va_rows), np.zeros(n))
    comp = row(COMPENSATION_ROW) if COMPENSATION_ROW in body else np.zeros(n)
    fd_cols = [c for c in header if c not in codes and c not in (TOTAL, EXPORT_COLUMN, *IMPORT_COLUMNS, OUTSIDE_COLUMN)]
    dfd = sum((column(c) for c in fd_cols), np.zeros(n))
    hh = column(HOUSEHOLD_COLUMN) if HOUSEHOLD_COLUMN in col else np.zeros(n)
    ex = column(EXPORT_COLUMN) if EXPORT_COLUMN in col else np.zeros(n)
    im = -sum((column(c) for c in IMPORT_COLUMNS if c in col), np.zeros(n))
    out_col = column(TOTAL)
    out_row = row(TOTAL)
    for i, c in enumerate(codes):
        if out_col[i] <= 0:
            raise InputError(shown, f"row {c}, column {TOTAL}", "domestic output must be > 0", _g(out_col[i]))
        if out_row[i] <= 0:
            raise InputError(shown, f"row {TOTAL}, column {c}", "domestic output must be > 0", _g(out_row[i]))
    outside_in = row(OUTSIDE_ROW) if OUTSIDE_ROW in body else np.zeros(n)
    outside_out = column(OUTSIDE_COLUMN) if OUTSIDE_COLUMN in col else np.zeros(n)
    row_sum = z.sum(axis=1) + dfd + outside_out + ex - im
    col_sum = z.sum(axis=0) + va + outside_in
    for i, c in enumerate(codes):
        x = out_col[i]
        for what, got in (("the Total row", out_row[i]), ("its row's entries", row_sum[i]), ("its column's entries", col_sum[i])):
            if abs(got - x) > BALANCE_TOLERANCE * abs(x):
                raise InputError(shown, f"sector {c}", f"must balance within 0.1 %: output (Total column) {_g(x)} "
                                 f"vs sum of {what}", _g(got))
    if outside_in.sum() > 0 and outside_out.sum() > 0:
        # consumption expenditure outside households is intermediate consumption in the national
        # accounts: the column's purchases become inputs of each sector in proportion to its row entry
        z = z + np.outer(outside_out, outside_in) / outside_in.sum()
    elif outside_out.sum() > 0:
        dfd = dfd + outside_out  # no outside-households row: an ordinary final-demand column
    elif outside_in.sum() > 0:
        raise InputError(shown, f"column {OUTSIDE_COLUMN}", f"is required with row {OUTSIDE_ROW} "
                         "(consumption expenditure outside households is reclassified as intermediate use)", "missing")
    return IOTable(
        codes=tuple(codes),
        intermediate=z,
        value_added=va,
        compensation=comp,
        household_consumption=hh,
        domestic_final_demand=dfd,
        exports=ex,
        imports=im,
        output=out_col,
    )


def read_mrio_table(ref: MrioTable, path: Path, shown: str) -> IOTable:
    """One region of a multi-regional table read by pymrio, as a competitive-import table.

    For region r: intermediate use of each product by r's sectors from every
    origin (``intermediate``) and from r itself (``domestic_intermediate``,
    the domestic block, used as is); final demand of r from every origin
    except export categories (``domestic_final_demand``); imports = r's
    intermediate and final use of other regions' products; exports = sales
    of r's products to other regions plus r's export categories; output = r's
    row totals; value added = output less all intermediate inputs (so
    columns balance whatever the source's factor-input rows). Sectors with
    no output in r are left out. Compensation is not read (the household
    linkage needs a CSV table).

    Parameters
    ----------
    ref : MrioTable
    path : Path
        The table (file or folder) to pass to pymrio.
    shown : str
        File named in messages (the scenario file that set it).
    """
    try:
        import pymrio
    except ImportError:
        raise InputError(shown, "economy.io_table.mrio", "needs the pymrio package (pip install 'supplyshock[mrio]')", ref.mrio) from None
    try:
        if ref.format == "pymrio":
            mrio = pymrio.load_all(path)
        else:
            parser = getattr(pymrio, f"parse_{ref.format}")
            mrio = parser(path, year=ref.year) if ref.format in ("oecd", "wiod", "eora26") else parser(path)
    except Exception as exc:  # pymrio raises many kinds of errors on files it cannot read
        raise InputError(shown, "economy.io_table.mrio", f"must be a table pymrio can read as format {ref.format!r} ({type(exc).__name__}: {exc})",
                         ref.mrio) from None
    z, y = mrio.Z, mrio.Y
    if z is None or y is None:
        raise InputError(shown, "economy.io_table.mrio", "must hold Z and Y (intermediate and final demand)", ref.mrio)
    regions = [str(r) for r in z.index.get_level_values(0).unique()]
    r = ref.region
    if r not in regions:
        raise InputError(shown, "economy.io_table.region", "must be a region of the table (" + ", ".join(regions) + ")", r)
    zr = z.xs(r, axis=1, level=0)  # every origin -> r's sectors
    sectors = [str(c) for c in zr.columns]
    origin = z.index.get_level_values(0).astype(str)
    product = z.index.get_level_values(1)
    z_total = zr.groupby(product, sort=False).sum().reindex(zr.columns).to_numpy(dtype=np.float64)
    z_dom = zr[origin == r].to_numpy(dtype=np.float64)
    yr = y.xs(r, axis=1, level=0)
    export_cat = np.array(["export" in str(c).lower() for c in yr.columns])
    y_use = yr.loc[:, ~export_cat]
    fd_total = y_use.groupby(product, sort=False).sum().reindex(zr.columns).to_numpy(dtype=np.float64).sum(axis=1)
    hh_cols = [c for c in y_use.columns if "household" in str(c).lower()]
    hh = y_use[hh_cols].groupby(product, sort=False).sum().reindex(zr.columns).to_numpy(dtype=np.float64).sum(axis=1)
    foreign = origin != r
    imports = (zr[foreign].groupby(product[foreign], sort=False).sum().reindex(zr.columns).to_numpy(dtype=np.float64).sum(axis=1)
               + y_use[foreign].groupby(product[foreign], sort=False).sum().reindex(zr.columns).to_numpy(dtype=np.float64).sum(axis=1))
    own_rows = origin == r
    sales = z[own_rows].to_numpy(dtype=np.float64)
    dest_z = z.columns.get_level_values(0).astype(str)
    dest_y = y.columns.get_level_values(0).astype(str)
    y_own = y[own_rows].to_numpy(dtype=np.float64)
    y_export = np.array([d != r or "export" in str(c).lower() for d, c in zip(dest_y, y.columns.get_level_values(1), strict=True)])
    exports = sales[:, dest_z != r].sum(axis=1) + y_own[:, y_export].sum(axis=1)
    output = sales.sum(axis=1) + y_own.sum(axis=1)
    va = output - z_total.sum(axis=0)
    keep = output > 0
    if not keep.any():
        raise InputError(shown, "economy.io_table.region", "must have sectors with output > 0", r)
    k = np.flatnonzero(keep)
    return IOTable(
        codes=tuple(sectors[i] for i in k),
        intermediate=z_total[np.ix_(k, k)],
        value_added=va[k] + z_total[np.ix_(np.flatnonzero(~keep), k)].sum(axis=0),
        compensation=np.zeros(k.size),
        household_consumption=hh[k],
        domestic_final_demand=fd_total[k],
        exports=exports[k],
        imports=imports[k],
        output=output[k],
        domestic_intermediate=z_dom[np.ix_(k, k)],
    )


def _g(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _table_path(ref: str, here: Path | None) -> Path:
    builtin = data_path("io", ref)
    if builtin.is_file():
        return builtin
    if here is not None and (here.parent / ref).is_file():
        return here.parent / ref
    return Path(ref)


def _locate(name_or_path: str | os.PathLike[str]) -> tuple[Path, str]:
    """File of a built-in scenario name or a path, and how to name it in messages."""
    text = str(name_or_path)
    builtin = data_path("scenarios", f"{text}.toml")
    economy = data_path("economies", f"{text}.toml")
    if builtin.is_file() and not Path(text).exists():
        return builtin, f"{text} (built-in)"
    if economy.is_file() and not Path(text).exists():
        return economy, f"{text} (built-in economy)"
    path = Path(text)
    if not path.is_file():
        names = list_scenarios()
        raise InputError(text, "(scenario)", f"must be a built-in scenario ({', '.join(names)}) or an existing file"
                         + suggest(text, list(names), cutoff=NAME_CUTOFF, listing=False), text)
    return path, text


def _read_posterior(ref: str, here: Path, setter: str) -> dict[str, Any]:
    """The fitted sample a ``calibration.posterior`` file name points at (relative to the file that named it)."""
    builtin = data_path("economies", ref)
    path = builtin if builtin.is_file() else Path(ref) if Path(ref).is_absolute() else here.parent / ref
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError(setter, "calibration.posterior", "must name a readable JSON file (relative to the file naming it)",
                         ref) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(setter, "calibration.posterior", f"must be valid UTF-8 JSON ({exc})", ref) from None
    if not isinstance(data, dict):
        raise InputError(setter, "calibration.posterior", "must hold a JSON object with columns, draws, provenance", ref)
    return data


def load_scenario(name_or_path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None,
                  calibrated: bool = True) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Parameters
    ----------
    name_or_path : str or path
        A name from :func:`list_scenarios` or a TOML/JSON file.
    overrides : mapping, optional
        Nested tables merged over the file before validation
        (e.g. ``{"run": {"horizon_days": 120}}``).
    calibrated : bool
        Keep the fitted sample (``calibration.posterior``) the economy ships;
        ``False`` runs on the uncalibrated priors (the scales stay at the
        values the files give, 1 unless set).

    Raises
    ------
    InputError
        If the file cannot be read or breaks a rule.
    """
    path, shown = _locate(name_or_path)
    origins: dict[tuple[str, ...], str] = {}
    data = _read_with_extends(path, shown, origins=origins)
    if overrides:
        data = _merge(_override_priors(data, overrides, shown, None, None), overrides)
    cal = data.get("calibration")
    if isinstance(cal, Mapping) and "posterior" in cal:
        cal = dict(cal)
        if not calibrated:
            del cal["posterior"]
        elif isinstance(cal["posterior"], str):
            setter = _origin("calibration.posterior", origins, shown)
            cal["posterior"] = _read_posterior(cal["posterior"], path if setter == shown else Path(setter), setter)
        post = cal.get("posterior")
        if overrides and isinstance(post, Mapping) and isinstance(post.get("columns"), list):
            # a value set by an override (a sweep's grid value, say) replaces that field's fitted column, as it does a prior
            setv = _value_paths({k: v for k, v in overrides.items() if k != "calibration"}) | {
                f"calibration.{k}" for k in (overrides.get("calibration") or {}) if k != "posterior"}
            drop = [i for i, c in enumerate(post["columns"]) if c in setv]
            if drop:
                keep = [i for i in range(len(post["columns"])) if i not in drop]
                rows: list[Any] = post["draws"] if isinstance(post.get("draws"), list) else []
                cal["posterior"] = None if not keep else {
                    **post, "columns": [post["columns"][i] for i in keep],
                    "draws": [[r[i] for i in keep] for r in rows if isinstance(r, list) and len(r) == len(post["columns"])]}
        data = {**data, "calibration": cal}
    table = None
    econ = data.get("economy")
    if isinstance(econ, Mapping) and isinstance(econ.get("io_table"), Mapping) and "mrio" in econ["io_table"]:
        setter = _origin("economy.io_table", origins, shown)
        try:
            ref = MrioTable.model_validate(dict(econ["io_table"]))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(setter, "economy.io_table." + ".".join(str(x) for x in err["loc"]), str(err["msg"]).lower(),
                             err.get("input")) from None
        base = Path(setter).parent if setter != shown else path.parent
        mpath = Path(ref.mrio) if Path(ref.mrio).is_absolute() else base / ref.mrio
        if not mpath.exists():
            raise InputError(setter, "economy.io_table.mrio", "must be an existing file or folder", ref.mrio)
        table = read_mrio_table(ref, mpath, setter)
    elif isinstance(econ, Mapping) and isinstance(econ.get("io_table"), str):
        setter = _origin("economy.io_table", origins, shown)  # a relative path is relative to the file that set it
        here = path if setter == shown else Path(setter)
        tpath = _table_path(econ["io_table"], here)
        if not tpath.is_file():
            raise InputError(setter, "economy.io_table", "must name a built-in table or an existing CSV file", econ["io_table"])
        table = read_io_table(tpath, str(tpath) if tpath.parent != data_path("io") else f"{tpath.name} (built-in)")
    try:
        sc = build_scenario(data, file=shown, table=table, warn=False)
        for f, r, v in scenario_warnings(sc):
            warnings.warn(InputWarning(_origin(f, origins, shown), f, r, v), stacklevel=2)
        if not sc.policy and len(set(origins.values())) > 1:  # a scenario built on an economy that adds no shock
            warnings.warn(InputWarning(shown, "policy", "holds no measure: the run is the baseline, every loss is 0 "
                                       "(add a [policy.NAME] table)", 0), stacklevel=2)
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
