"""Scenario files in: reading a scenario (a built-in name or a file), its ``extends`` chain, and its tables.

Scenario files are TOML (or JSON, as written to a results directory). A file may
start from a built-in economy or another file with ``extends = "NAME-or-PATH"``;
its tables are merged over the base key by key. A value a file sets removes
any prior its bases put on that field (a value set in a more specific file
always wins); a prior set in the same or a more specific file is kept. Input-output
tables are parsed by :mod:`simulator.model.tables`; results are written by the runs
layer's store (:mod:`simulator.runs.store`).
"""

from __future__ import annotations

import json
import os
import tomllib
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.errors import InputError, InputWarning, suggest
from simulator.model.scenario import Scenario
from simulator.model.schema_economy import IOTable, MrioTable
from simulator.model.tables import read_io_table, read_mrio_table
from simulator.model.unusual import scenario_warnings
from simulator.model.validation import build_scenario

__all__ = [
    "NAME_CUTOFF",
    "data_path",
    "list_economies",
    "list_scenarios",
    "load_scenario",
    "prior_origins",
    "scenario_to_json",
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

    In named steps: the file and its ``extends`` chain read and merged (:func:`_locate`,
    :func:`_read_with_extends`) with the ``overrides`` over them, the fitted sample
    (:func:`_with_posterior`), the input-output table (:func:`_economy_table`), validation
    (:func:`_build`).

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
    data = _with_posterior(data, overrides, calibrated, origins, path, shown)
    table = _economy_table(data, origins, path, shown)
    return _build(data, table, origins, shown)


def _with_posterior(data: dict[str, Any], overrides: Mapping[str, Any] | None, calibrated: bool,
                    origins: Mapping[tuple[str, ...], str], path: Path, shown: str) -> dict[str, Any]:
    """The merged scenario ``data`` with its ``calibration.posterior`` resolved (``data`` itself if it has none).

    Left out if not ``calibrated``; a file name is read (:func:`_read_posterior`, relative to the file
    that set it: ``path`` if that is the scenario file ``shown``, per ``origins``); the columns of the
    fields the ``overrides`` set are dropped (:func:`_without_overridden`).

    Raises
    ------
    InputError
        Naming the file that set the posterior: it cannot be read, or is not a JSON object.
    """
    cal = data.get("calibration")
    if not (isinstance(cal, Mapping) and "posterior" in cal):
        return data
    cal = dict(cal)
    if not calibrated:
        del cal["posterior"]
    elif isinstance(cal["posterior"], str):
        setter = _origin("calibration.posterior", origins, shown)
        cal["posterior"] = _read_posterior(cal["posterior"], path if setter == shown else Path(setter), setter)
    post = cal.get("posterior")
    if overrides and isinstance(post, Mapping) and isinstance(post.get("columns"), list):
        cal["posterior"] = _without_overridden(post, overrides)
    return {**data, "calibration": cal}


def _without_overridden(post: Mapping[str, Any], overrides: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A fitted sample ``post`` (``columns``, ``draws``) without the columns of the fields ``overrides`` set.

    A value set by an override (a sweep's grid value, say) replaces that field's fitted column, as it does
    a prior (``calibration.posterior`` itself aside). Returns ``post`` itself if no column is dropped,
    ``None`` if every one is; draws that are not lists of one value a column are left out.
    """
    setv = _value_paths({k: v for k, v in overrides.items() if k != "calibration"}) | {
        f"calibration.{k}" for k in (overrides.get("calibration") or {}) if k != "posterior"}
    drop = [i for i, c in enumerate(post["columns"]) if c in setv]
    if not drop:
        return post
    keep = [i for i in range(len(post["columns"])) if i not in drop]
    rows: list[Any] = post["draws"] if isinstance(post.get("draws"), list) else []
    return None if not keep else {
        **post, "columns": [post["columns"][i] for i in keep],
        "draws": [[r[i] for i in keep] for r in rows if isinstance(r, list) and len(r) == len(post["columns"])]}


def _economy_table(data: Mapping[str, Any], origins: Mapping[tuple[str, ...], str], path: Path,
                   shown: str) -> IOTable | None:
    """The input-output table ``economy.io_table`` of the merged scenario ``data`` names: a region of a
    multi-regional table (:func:`_mrio_table`), a CSV table (:func:`_csv_table`), or ``None`` (neither:
    validation reports what is wrong with the field)."""
    econ = data.get("economy")
    if isinstance(econ, Mapping) and isinstance(econ.get("io_table"), Mapping) and "mrio" in econ["io_table"]:
        return _mrio_table(econ["io_table"], origins, path, shown)
    if isinstance(econ, Mapping) and isinstance(econ.get("io_table"), str):
        return _csv_table(econ["io_table"], origins, path, shown)
    return None


def _mrio_table(spec: Mapping[str, Any], origins: Mapping[tuple[str, ...], str], path: Path, shown: str) -> IOTable:
    """The region of a multi-regional table ``spec`` (``economy.io_table``) names (:func:`read_mrio_table`),
    its ``mrio`` path relative to the file that set it (``path`` if that is the scenario file ``shown``).

    Raises
    ------
    InputError
        Naming the file that set ``economy.io_table``: a field of ``spec`` breaks a rule (the first pydantic
        error); the table does not exist; it cannot be read (:func:`read_mrio_table`).
    """
    setter = _origin("economy.io_table", origins, shown)
    try:
        ref = MrioTable.model_validate(dict(spec))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(setter, "economy.io_table." + ".".join(str(x) for x in err["loc"]), str(err["msg"]).lower(),
                         err.get("input")) from None
    base = Path(setter).parent if setter != shown else path.parent
    mpath = Path(ref.mrio) if Path(ref.mrio).is_absolute() else base / ref.mrio
    if not mpath.exists():
        raise InputError(setter, "economy.io_table.mrio", "must be an existing file or folder", ref.mrio)
    return read_mrio_table(ref, mpath, setter)


def _csv_table(ref: str, origins: Mapping[tuple[str, ...], str], path: Path, shown: str) -> IOTable:
    """The CSV table ``ref`` (``economy.io_table``) names (:func:`read_io_table`): a built-in table, or a file
    relative to the file that set it (``path`` if that is the scenario file ``shown``).

    Raises
    ------
    InputError
        Naming the file that set ``economy.io_table``: no such table; naming the table: it breaks a rule
        (:func:`read_io_table`).
    """
    setter = _origin("economy.io_table", origins, shown)  # a relative path is relative to the file that set it
    here = path if setter == shown else Path(setter)
    tpath = _table_path(ref, here)
    if not tpath.is_file():
        raise InputError(setter, "economy.io_table", "must name a built-in table or an existing CSV file", ref)
    return read_io_table(tpath, str(tpath) if tpath.parent != data_path("io") else f"{tpath.name} (built-in)")


def _build(data: Mapping[str, Any], table: IOTable | None, origins: Mapping[tuple[str, ...], str],
           shown: str) -> Scenario:
    """The validated scenario (:func:`~simulator.model.validation.build_scenario`) of the merged ``data`` and its
    ``table``, warning of unusual values (and of a scenario built on an economy that adds no measure).

    Warnings and errors name the file that set the field (per ``origins``; else the scenario file
    ``shown``). Warnings point at :func:`load_scenario`'s caller.

    Raises
    ------
    InputError
        Every rule the scenario breaks (the first, with the others in ``more``).
    """
    try:
        sc = build_scenario(data, file=shown, table=table, warn=False)
        for f, r, v in scenario_warnings(sc):
            warnings.warn(InputWarning(_origin(f, origins, shown), f, r, v), stacklevel=3)
        if not sc.policy and len(set(origins.values())) > 1:  # a scenario built on an economy that adds no shock
            warnings.warn(InputWarning(shown, "policy", "holds no measure: the run is the baseline, every loss is 0 "
                                       "(add a [policy.NAME] table)", 0), stacklevel=3)
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
