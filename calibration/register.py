"""What a fitted scenario holds, read from the snapshot stored with a calibration's results.

``supplyshock calibrate`` writes the resolved scenario it fitted
(:func:`simulator.model.loading.scenario_to_json`) as ``scenario.json`` beside
``calibration.json``; the report's parameter register, its counts of drawn and
fixed parameters and the facts of what each published estimate is compared
with come from that file, not from the scenario files as they are today
(which can have changed since the fit).

For a results directory written before the snapshot was stored, the current
files are used only when their hash equals the one the fit recorded (then
they are the fitted scenario); otherwise the report says the snapshot is
missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simulator
from simulator.errors import InputError
from simulator.model.assumptions import AssumptionRow, Fitted, assumption_rows
from simulator.model.loading import scenario_to_json
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Quota
from simulator.model.validation import build_scenario

__all__ = ["SNAPSHOT", "RegisterRow", "Snapshot", "counts", "read_snapshot", "register_rows", "snapshot_hash",
           "target_facts"]

SNAPSHOT = "scenario.json"
"""File name of the fitted scenario's snapshot in a results directory."""


def snapshot_hash(sc: Scenario) -> str:
    """sha256 of the scenario's JSON (the first 16 hex digits are what ``provenance`` records)."""
    return hashlib.sha256(scenario_to_json(sc).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The fitted scenario as the report reads it, and where it came from.

    Attributes
    ----------
    scenario : Scenario or None
        None when neither a stored snapshot nor an identical current file is available.
    origin : str
        One sentence for the report: stored with the run, rebuilt from identical current files, or missing (why).
    """

    scenario: Scenario | None
    origin: str


def read_snapshot(directory: Path, doc: Mapping[str, Any]) -> Snapshot:
    """The fitted scenario of a results directory: its stored snapshot, or the current files if identical.

    Parameters
    ----------
    directory : Path
        The results directory (``calibration.json`` and, since it is stored, ``scenario.json``).
    doc : mapping
        The parsed ``calibration.json``.
    """
    meta = doc.get("scenario_snapshot")
    path = Path(directory) / (meta.get("file", SNAPSHOT) if isinstance(meta, Mapping) else SNAPSHOT)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            sc = build_scenario(data, file=str(path), warn=False)
        except (OSError, json.JSONDecodeError, InputError) as exc:
            return Snapshot(None, f"the stored snapshot {path.name} does not load ({exc}).")
        stored = meta.get("sha256") if isinstance(meta, Mapping) else None
        if stored and snapshot_hash(sc) != stored:
            return Snapshot(None, f"the stored snapshot {path.name} does not match the hash recorded at fit time "
                                  f"(sha256:{str(stored)[:16]}): it was changed after the fit.")
        return Snapshot(sc, f"read from {path.name}, the resolved scenario stored with this run at fit time.")
    targets = [t for t in doc.get("targets", []) if isinstance(t, Mapping)]
    if not targets:
        return Snapshot(None, "not stored with this run, and the run names no fitted target.")
    t = targets[0]
    recorded = _recorded_hash(doc, t)
    try:
        sc = simulator.load_scenario(t["scenario"], overrides=t.get("overrides") or None, calibrated=False)
    except InputError as exc:
        return Snapshot(None, f"not stored with this run, and scenario {t['scenario']!r} no longer loads ({exc}).")
    now = snapshot_hash(sc)[:16]
    if recorded is not None and now == recorded:
        return Snapshot(sc, f"not stored with this run; rebuilt from the current scenario files, whose hash "
                            f"(sha256:{now}) equals the one recorded at fit time, so they are the fitted scenario.")
    return Snapshot(None, f"not stored with this run (results written before the snapshot was kept), and the current "
                          f"scenario files differ from the fitted scenario (hash sha256:{now}, recorded at fit time "
                          f"sha256:{recorded or 'none'}).")


def _recorded_hash(doc: Mapping[str, Any], t: Mapping[str, Any]) -> str | None:
    """The 16-digit hash ``provenance.scenario_hash`` recorded for the first fitted target's scenario."""
    text = str(doc.get("provenance", {}).get("scenario_hash", ""))
    for part in text.split(", "):
        name, _, h = part.rpartition(" sha256:")
        if name.split(" (")[0] == t["scenario"] and h:
            return h
    return None


RegisterRow = AssumptionRow
"""One parameter of the fitted scenario (status ``free``, ``drawn`` or ``fixed``): the project's assumption row."""


def register_rows(sc: Scenario, free: Sequence[Mapping[str, Any]]) -> list[RegisterRow]:
    """Every parameter of ``sc`` that may take a prior, the adaptation switches and the run's horizon and calendar.

    Parameters
    ----------
    sc : Scenario
        The fitted scenario (uncalibrated: no fitted sample).
    free : sequence of mapping
        The results' free parameters (``calibration.json``'s ``free``: name, path, dist, low, high, basis, point,
        posterior_q, and optionally ``also``).
    """
    fitted: dict[str, Fitted] = {}
    for f in free:
        q = f["posterior_q"]
        shown = Fitted("free", f"point fit {f['point']:.3g}; posterior median {q[1]:.3g}",
                       f"{f['dist']} {f['low']:g}–{f['high']:g}", str(f["basis"]))
        for p in (f["path"], *f.get("also", ())):
            fitted[p] = shown
    return assumption_rows(sc, fitted)


def counts(rows: Sequence[RegisterRow]) -> dict[str, int]:
    """How many numeric parameters are free, drawn and fixed (switches and run settings not counted)."""
    numeric = [r for r in rows if not r.path.startswith(("adaptation.", "run."))]
    return {s: sum(r.status == s for r in numeric) for s in ("free", "drawn", "fixed")}


def target_facts(sc: Scenario, sector: Sequence[str] = ()) -> dict[str, Any]:
    """What the model computes for a published estimate: curbed materials, stop, horizon, stockpile, money, sectors.

    Parameters
    ----------
    sc : Scenario
        The estimate's scenario (with its overrides).
    sector : sequence of str
        The model sectors an output target compares (their table sector and ``io_share``).

    Returns
    -------
    dict
        JSON-ready: ``scenario``, ``horizon_days``, ``start_date``, ``measures`` (id, kind, source, materials,
        start_day, end_day, coverage, quota_share, leakage), ``stop_days`` (longest measure), ``stockpile_days``
        (material -> days of demand), ``currency``, ``price_year``, ``gdp``, ``catch_up`` (range of the sectors'
        catch-up shares and windows), ``sectors`` (id, name, io_sector, io_share, source of the share) and
        ``io_cover`` (table sector -> summed ``io_share`` of the compared sectors).
    """
    measures = []
    for j, m in sc.policy.items():
        entry: dict[str, Any] = {"id": j, "kind": m.kind, "source": m.source, "materials": list(m.materials),
                                 "start_day": m.start_day, "end_day": m.end_day, "coverage": m.coverage,
                                 "leakage": m.leakage}
        if isinstance(m, Quota):
            entry["quota_share"] = m.quota_share
        entry["description"] = m.description
        measures.append(entry)
    stop = max((min(m["end_day"], sc.run.horizon_days) - m["start_day"] for m in measures), default=0)
    secs = []
    cover: dict[str, float] = {}
    for s in sector:
        sec = sc.sectors[s]
        secs.append({"id": s, "name": sec.name, "io_sector": sec.io_sector, "io_share": sec.io_share,
                     "source": sec.refs.get("io_share", "")})
        cover[sec.io_sector] = cover.get(sec.io_sector, 0.0) + sec.io_share
    shares = [sec.catch_up_share for sec in sc.sectors.values()]
    windows = [sec.catch_up_window_days for sec in sc.sectors.values()]
    return {
        "scenario": sc.name, "horizon_days": sc.run.horizon_days,
        "start_date": sc.run.start_date.isoformat() if sc.run.start_date else None,
        "measures": measures, "stop_days": int(stop),
        "stockpile_days": {m: mat.stockpile.days for m, mat in sc.materials.items()},
        "currency": sc.economy.currency, "price_year": sc.economy.price_year, "gdp": sc.economy.gdp,
        "catch_up": {"share": [min(shares, default=0.0), max(shares, default=0.0)],
                     "window_days": [min(windows, default=0.0), max(windows, default=0.0)]},
        "sectors": secs, "io_cover": cover,
    }
