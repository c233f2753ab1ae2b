"""A finished run as a table of paths and as the summary every output reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.economics.impact import Impact
from simulator.runs.blocks import RunResult
from simulator.runs.precision import median_rel_error

if TYPE_CHECKING:
    from simulator.model.scenario import Scenario

__all__ = [
    "path_frame",
    "path_units",
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


def path_units(frame: pd.DataFrame, sc: Scenario, about: Mapping[str, Any], grid: Sequence[str] = ()) -> dict[str, str]:
    """Unit of every column of a run's ``paths.parquet`` (and of a sweep variant's, with its grid columns).

    Parameters
    ----------
    frame : pandas.DataFrame
        The per-path table (:func:`path_frame`, plus a sweep variant's grid columns).
    sc : Scenario
        The scenario run: a drawn parameter's (``param.<path>``) and a grid column's unit is its field's in the
        scenario schema.
    about : mapping
        ``currency`` and, if known, ``money_year``: the unit of every money column.
    grid : sequence of str
        The columns that are grid paths (scenario fields).

    Returns
    -------
    dict
        Column -> unit; ``""`` for a column without one (a text or a flag, a field the schema gives none).
    """
    from simulator.model.fields import money_unit, numeric_fields, prior_targets, unit_of

    money = money_unit(about["currency"], about.get("money_year"), scale="")
    fixed = {"path": "index", "gdp_loss_pct": "% of GDP", "value_added_loss": money, "value_added_loss_gross": money,
             "premium_cost": money}
    prefix = {"output_loss": money, "output_loss_gross": money, "value_added_loss": money,
              "value_added_loss_gross": money, "first_stoppage_day": "day (NaN: never)", "half_output_lost_day": "day (NaN: never)", "stoppage_days": "days",
              "peak_shortfall": "share of the day's requirement", "shortfall_days": "days"}
    targets = prior_targets(sc)
    if any(g not in targets for g in grid):  # a field no prior may take (e.g. run.horizon_days)
        targets = {p: (cls, f, x) for p, cls, f, x in numeric_fields(sc)} | targets
    units: dict[str, str] = {}
    for col in frame.columns:
        head = col.split(".", 1)[0]
        if col in grid or (head == "param" and col[6:] in targets):
            field = col if col in grid else col[6:]
            u = unit_of(*targets[field][:2]) if field in targets else None
            units[col] = u.unit if u is not None else ""
        elif col in fixed:
            units[col] = fixed[col]
        elif head in prefix:
            units[col] = prefix[head]
        else:
            units[col] = ""
    return units


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
