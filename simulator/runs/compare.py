"""Scenarios side by side on common random numbers: each one's loss and the band of its difference from the first.

Every scenario is run with the same seed and block size, so a field the
scenarios share draws the same value on the same path (streams are keyed by
field and block, see :mod:`simulator.model.draws`): path ``i`` of one scenario and
path ``i`` of another differ only by what the scenarios set differently. The
difference is taken path by path, so its band is far narrower than the gap
between two independent bands would suggest.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.economics.impact import impact_from_metrics
from simulator.errors import PARAMETER, InputError, InputWarning
from simulator.model.draws import DEFAULT_BLOCK_SIZE
from simulator.model.fields import calibration_status, money_unit
from simulator.model.loading import load_scenario
from simulator.model.scenario import Scenario
from simulator.runs.blocks import run_paths

__all__ = ["compare"]

FloatArray = npt.NDArray[np.float64]


def _band(x: FloatArray) -> dict[str, float]:
    return {"mean": float(np.mean(x)), "median": float(np.median(x)), "p05": float(np.quantile(x, 0.05)),
            "p95": float(np.quantile(x, 0.95))}


def _differs(a: Scenario, b: Scenario) -> list[str]:
    """What keeps two scenarios from being compared path by path (empty if nothing)."""
    out = []
    ea, eb = a.economy, b.economy
    if (ea.name, ea.currency, ea.gdp, ea.price_year) != (eb.name, eb.currency, eb.gdp, eb.price_year):
        out.append(f"economy ({ea.name}, {ea.currency} {ea.gdp:.4g}, {ea.price_year} money against {eb.name}, "
                   f"{eb.currency} {eb.gdp:.4g}, {eb.price_year} money)")
    if a.run.horizon_days != b.run.horizon_days:
        out.append(f"horizon ({a.run.horizon_days} days against {b.run.horizon_days})")
    return out


def compare(scenarios: Sequence[str | os.PathLike[str]], *, n_paths: int = 5_000, seed: int | None = None,
            calibrated: bool = True, allow_different: bool = False, block_size: int = DEFAULT_BLOCK_SIZE,
            progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Each scenario's GDP loss and value added lost, and the path-by-path difference from the first.

    Parameters
    ----------
    scenarios : sequence of str or path
        Two or more built-in names or files.
    n_paths : int
        Paths per scenario (the same paths).
    seed : int, optional
        Default: the first scenario's ``run.seed``.
    calibrated : bool
        Draw the economy's fitted sample (as ``run`` does) or the priors as written.
    allow_different : bool
        Scenarios of different economies or horizons: compare their headline figures only, with a
        warning, instead of refusing.

    Returns
    -------
    dict
        JSON-ready: settings (paths, seed, horizon, currency, money year, calibration status), per
        scenario ``gdp_loss_pct`` (% of GDP) and ``value_added_loss`` (currency) bands, and per
        scenario after the first ``difference`` bands (this minus the first, path by path) with
        ``share_higher`` (the share of paths where this loses more), or None when not comparable.

    Raises
    ------
    InputError
        Fewer than two scenarios, or (without ``allow_different``) scenarios that differ in economy
        or horizon, naming what differs.
    """
    if len(scenarios) < 2:
        raise InputError(PARAMETER, "scenarios", "must name at least two scenarios to compare", len(scenarios))
    scs = [load_scenario(s, calibrated=calibrated) for s in scenarios]
    seed = scs[0].run.seed if seed is None else seed
    paired = True
    for name, sc in zip(scenarios[1:], scs[1:], strict=True):
        diff = _differs(scs[0], sc)
        if diff and not allow_different:
            raise InputError(PARAMETER, "scenarios", f"must share the economy and horizon of {scs[0].name!r} to be compared "
                             "path by path (or give `allow_different=True`); differs in " + "; ".join(diff), str(name))
        if diff:
            paired = False
            warnings.warn(InputWarning(str(name), "(scenario)", "differs from the first in " + "; ".join(diff)
                                       + ": headline figures only, no path-by-path difference", str(name)), stacklevel=2)
    per: list[dict[str, FloatArray]] = []
    for sc in scs:
        res = run_paths(sc, n_paths, seed, block_size=block_size, progress=progress)
        imp = impact_from_metrics(res.metrics, sc)
        per.append({"gdp_loss_pct": np.asarray(imp.gdp_loss_pct, dtype=np.float64),
                    "value_added_loss": np.asarray(imp.value_added_loss, dtype=np.float64)})
    econ = scs[0].economy
    rows = []
    for i, (sc, p) in enumerate(zip(scs, per, strict=True)):
        row: dict[str, Any] = {"scenario": sc.name, "description": sc.description.strip().splitlines()[0] if sc.description else "",
                               "horizon_days": sc.run.horizon_days, "calibration": calibration_status(sc),
                               "gdp_loss_pct": _band(p["gdp_loss_pct"]), "value_added_loss": _band(p["value_added_loss"]),
                               "difference": None}
        if i and paired:
            d = {k: p[k] - per[0][k] for k in p}
            row["difference"] = {"gdp_loss_pct": _band(d["gdp_loss_pct"]), "value_added_loss": _band(d["value_added_loss"]),
                                 "share_higher": float(np.mean(d["gdp_loss_pct"] > 0)),
                                 "share_lower": float(np.mean(d["gdp_loss_pct"] < 0))}
        rows.append(row)
    return {"paths": n_paths, "seed": seed, "block_size": block_size, "paired": paired,
            "currency": econ.currency, "price_year": econ.price_year or econ.table_year,
            "money": money_unit(econ.currency, econ.price_year or econ.table_year),
            "horizon_days": scs[0].run.horizon_days, "scenarios": rows}
