"""A finished run as a table of paths and as the summary every output reports.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulator.economics.impact import Impact
from simulator.runs.blocks import RunResult
from simulator.runs.precision import median_rel_error

__all__ = [
    "path_frame",
    "run_summary",
]


def path_frame(res: RunResult, impact: Impact) -> pd.DataFrame:
    """Per-path metrics of a run, one row per path: the columns of ``paths.parquet``.

    Money columns are in the impact's price year (``frame.attrs``).
    """
    cols: dict[str, Any] = {
        "path": np.arange(res.n_paths),
        "gdp_loss_pct": impact.gdp_loss_pct,
        "value_added_loss": impact.value_added_loss,
        "value_added_loss_gross": impact.value_added_loss_gross,
        "premium_cost": impact.premium_cost,
    }
    for qi, quarter in enumerate(impact.quarters):
        cols[f"value_added_loss.{quarter}"] = impact.value_added_loss_quarter[:, qi]
        cols[f"value_added_loss_gross.{quarter}"] = impact.value_added_loss_gross_quarter[:, qi]
    for i, s in enumerate(impact.sectors):
        cols[f"output_loss.{s}"] = impact.output_loss[:, i]
        cols[f"output_loss_gross.{s}"] = impact.output_loss_gross[:, i]
        cols[f"first_stoppage_day.{s}"] = np.where(np.isinf(impact.first_stoppage_day[:, i]), np.nan, impact.first_stoppage_day[:, i])
        cols[f"stoppage_days.{s}"] = impact.stoppage_days[:, i]
        if impact.half_lost_day is not None:
            cols[f"half_output_lost_day.{s}"] = np.where(np.isinf(impact.half_lost_day[:, i]), np.nan, impact.half_lost_day[:, i])
    for i, m in enumerate(impact.materials):
        cols[f"peak_shortfall.{m}"] = impact.peak_shortfall[:, i]
        cols[f"shortfall_days.{m}"] = impact.shortfall_days[:, i]
    for k, v in res.params.items():
        cols[f"param.{k}"] = v
    frame = pd.DataFrame(cols)
    frame.attrs["money"] = (f"value_added_loss*, premium_cost and output_loss* in {impact.currency}"
                            + (f" of {impact.price_year}" if impact.price_year else " of the table's year"))
    frame.attrs["price_year"] = impact.price_year
    return frame


def run_summary(res: RunResult, impact: Impact) -> dict[str, Any]:
    """The summary of a run that ``--format json`` prints and ``summary.json`` holds.

    Run settings, the impact's statistics (:meth:`Impact.summary`), each
    sector's output lost as % of its planned output over the horizon, and the
    relative Monte Carlo error of the median GDP loss.
    """
    sc = res.scenario
    s = impact.summary()
    s = {
        "scenario": sc.name,
        "engine": res.engine,
        "seed": res.seed,
        "paths": res.n_paths,
        "horizon_days": sc.run.horizon_days,
        "gdp_base": sc.economy.gdp,
        "calibration": None if sc.calibration.posterior is None else {
            "fitted": ", ".join(sc.calibration.posterior.columns), "draws": len(sc.calibration.posterior.draws),
            **sc.calibration.posterior.provenance},
        **{k: v for k, v in s.items() if k != "paths"},
    }
    table = sc.economy.table
    if table is not None:  # each sector's output lost as % of its planned output over the horizon (table money)
        for i, name in enumerate(sc.sector_ids):
            sec = sc.sectors[name]
            plan = table.output[table.codes.index(sec.io_sector)] * sc.economy.io_unit * sec.io_share
            plan *= sc.run.horizon_days / 365.0
            if plan > 0 and name in s["sectors"]:
                pct = 100.0 * res.metrics.output_loss[:, i] / plan
                s["sectors"][name]["output_loss_pct_of_plan"] = {
                    "mean": float(pct.mean()), "median": float(np.median(pct)),
                    "p05": float(np.quantile(pct, 0.05)), "p95": float(np.quantile(pct, 0.95))}
    err = median_rel_error(impact.gdp_loss_pct)  # relative standard error of the median, from order statistics
    s["gdp_loss_median_rel_error"] = None if not math.isfinite(err) else err
    return s
