"""A calibration's results as files: ``calibration.json`` (everything), ``posterior.json``, ``design.csv``.

``posterior.json`` has the layout of a scenario's ``calibration.posterior``
(columns, draws, provenance), so it can be named from an economy file and
becomes the calibrated default of ``supplyshock run``.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import simulator
from calibration.fit import FitResult
from calibration.reconcile import Reconciliation
from calibration.register import SNAPSHOT
from calibration.sensitivity import CONVERGENCE_TOL, OUTPUT_LABELS, SobolResult
from simulator.model.loading import scenario_to_json
from simulator.runs.store import write_file, write_json

__all__ = ["posterior_document", "provenance", "to_document", "write_results"]

FORMAT = "supplyshock-calibration/1"


def provenance(fit: FitResult, runs_scenarios: dict[str, Any]) -> dict[str, str]:
    """Targets, date, seed, package version, scenario hashes, sampler: strings, as a scenario stores them."""
    hashes = {name: hashlib.sha256(scenario_to_json(sc).encode("utf-8")).hexdigest()[:16]
              for name, sc in runs_scenarios.items()}
    return {
        "targets": ", ".join(t.name for t in fit.targets),
        "free": ", ".join(f"{p.name} ({p.path}, {p.dist} {p.low:g}-{p.high:g})" for p in fit.free),
        "date": datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
        "seed": str(fit.seed),
        "paths_per_point": str(fit.n_paths),
        "design_points": str(fit.design_u.shape[0]),
        "package_version": simulator.__version__,
        "scenario_hash": ", ".join(f"{k} sha256:{v}" for k, v in hashes.items()),
        "sampler": str(fit.diagnostics["sampler"]),
    }


def posterior_document(fit: FitResult, prov: dict[str, str]) -> dict[str, Any]:
    """The posterior sample in the layout of ``calibration.posterior``."""
    return {"columns": [path for p in fit.free for path in p.paths],
            "draws": [[float(f"{x:.6g}") for x, p in zip(row, fit.free, strict=True) for _ in p.paths] for row in fit.posterior],
            "provenance": prov}


def _q(x: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(x, [0.05, 0.5, 0.95])]


def to_document(fit: FitResult, recon: Sequence[Reconciliation], sobol: SobolResult | None,
                prov: dict[str, str], calibrated_run: dict[str, Any] | None, *, predictive: dict[str, Any] | None = None,
                facts: dict[str, Any] | None = None, backcasts: dict[str, Any] | None = None,
                snapshot: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data.

    Parameters
    ----------
    fit, recon, sobol, prov
        The fit, the reconciliation, the sensitivity analysis (None if the free parameters were named) and the
        provenance.
    calibrated_run : dict, optional
        The first fitted target's posterior-predictive values per path, with the loss-versus-duration curve.
    predictive : dict, optional
        Every target's posterior and prior predictive quantiles (:func:`calibration.review.predictive`).
    facts : dict, optional
        What each target's scenario holds (:func:`calibration.review.facts`).
    backcasts : dict, optional
        The shipped episodes' backcasts with the fitted sample (:func:`calibration.review.episode_backcasts`).
    snapshot : dict, optional
        ``{"file", "scenario", "sha256"}`` of the fitted scenario's snapshot written beside the results.
    """
    labels = {p.name: p.label for p in fit.free}
    boxes = {p.name: (p.low, p.high) for p in fit.free}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "converged": fit.converged,
        "provenance": prov,
        "free": [{**p.model_dump(), "point": float(fit.point[i]), "posterior_q": _q(fit.posterior[:, i]),
                  "prior_q": [float(v) for v in p.from_unit(np.array([0.05, 0.5, 0.95]))],
                  "ess_bulk": fit.diagnostics["ess_bulk"][p.name],  # type: ignore[index]
                  "rhat": fit.diagnostics["rhat"][p.name]}  # type: ignore[index]
                 for i, p in enumerate(fit.free)],
        "targets": [{**t.model_dump(), "uncalibrated": fit.prior_stat[t.name], "point": fit.point_stat[t.name],
                     "point_se": fit.point_se[t.name], "z_uncalibrated": t.z(fit.prior_stat[t.name]),
                     "z_point": t.z(fit.point_stat[t.name])} for t in fit.targets],
        "optimizer": {**fit.optimizer, "objective": fit.point_objective},
        "diagnostics": fit.diagnostics,
        "emulator": {"loo_rel_error": fit.emulator_loo, "check": fit.check},
        "profiles": fit.profiles,
        "correlations": fit.correlations.tolist(),
        "directions": fit.directions,
        "design": {"u": fit.design_u.tolist(), "stat": {k: v.tolist() for k, v in fit.design_stat.items()},
                   "se": {k: v.tolist() for k, v in fit.design_se.items()}},
        "posterior": fit.posterior.tolist(),
        "reconciliation": [{
            "target": r.target.model_dump(), "calibrated_q": list(r.calibrated), "z": r.z, "at_point": r.at_point,
            "region_share": r.region_share, "posterior_share": r.posterior_share,
            "region": {k: list(v) for k, v in r.region.items()}, "mechanisms": r.mechanisms,
            "emulator_loo": r.emulator_loo, "summary": r.summary(labels, boxes)} for r in recon],
        "calibrated_run": calibrated_run,
    }
    for key, val in (("predictive", predictive), ("target_facts", facts), ("backcasts", backcasts),
                     ("scenario_snapshot", snapshot)):
        if val is not None:
            doc[key] = val
    if sobol is not None:
        doc["sensitivity"] = {"n_base": sobol.n_base, "converged": sobol.converged(), "tolerance": CONVERGENCE_TOL,
                              "st_change": sobol.st_change, "outputs": {o: OUTPUT_LABELS.get(o, o) for o in sobol.st},
                              "ranking": {o: [[n, s, c] for n, s, c in sobol.ranking(o)] for o in sobol.st},
                              "indices": {o: [list(row) for row in sobol.indices(o)] for o in sobol.st}}
    return doc


def write_results(directory: Path, doc: dict[str, Any], posterior: dict[str, Any], scenario_json: str | None = None) -> None:
    """Write ``calibration.json``, ``posterior.json``, ``design.csv`` and the fitted scenario's snapshot
    (``scenario.json``, when given) into ``directory`` (already staged), through the store."""
    if scenario_json is not None:
        write_file(directory / SNAPSHOT, scenario_json)
    write_json(directory / "calibration.json", doc, indent=1)
    write_json(directory / "posterior.json", posterior, indent=1)
    names = [f["name"] for f in doc["free"]]
    lines = [",".join([*names, *[f"{t}_median" for t in doc["design"]["stat"]], *[f"{t}_se" for t in doc["design"]["se"]]])]
    free = doc["free"]
    from calibration.model import FreeParam

    fps = [FreeParam(**{k: f[k] for k in ("name", "path", "label", "dist", "low", "high", "basis")}) for f in free]
    u = np.asarray(doc["design"]["u"])
    vals = np.stack([p.from_unit(u[:, i]) for i, p in enumerate(fps)], axis=1)
    for j in range(u.shape[0]):
        row = [f"{x:.6g}" for x in vals[j]]
        row += [f"{doc['design']['stat'][t][j]:.6g}" for t in doc["design"]["stat"]]
        row += [f"{doc['design']['se'][t][j]:.6g}" for t in doc["design"]["se"]]
        lines.append(",".join(row))
    write_file(directory / "design.csv", "\n".join(lines) + "\n")
