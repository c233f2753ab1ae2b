"""Headline figures of the built-in scenarios, for before/after comparisons of the adaptation mechanisms.

For each built-in scenario (the economy ``japan-rare-earths`` is skipped, and so, with a message, is
any scenario this version of the code cannot load):

1. median GDP loss (% of GDP) with its 5-95 % band over paths, and the same in currency (value added
   lost, in the economy's price-year money);
2. the loss by calendar quarter: median % of that quarter's GDP (and median currency);
3. for each sector: the median day the first firms stop (output more than 1 % below plan; "never"
   where the median path never does) and the median output lost, as % of the sector's planned
   output over the horizon and in currency.

Then the loss-versus-duration curve of a full ban: ``japan-1y-curb`` with
``policy.china_stop.end_day = D`` and ``run.horizon_days = D + 90``, median % of GDP [5, 95] and
median currency.

Every figure comes from the project's own reductions, as ``supplyshock run`` computes them:
per-path totals (:func:`simulator.runs.recipe.path_metrics`: the vectorised kernel in cache-sized
slices, no daily arrays kept), the impact (:func:`simulator.economics.impact.impact_from_metrics`) and the
run's summary (:func:`simulator.runs.summaries.run_summary`); the draws are those of ``supplyshock run
--seed S`` (same blocks), so the figures match it.

``--off MECH`` (repeatable) merges ``{"adaptation": {MECH: False}}`` into every scenario loaded
(mechanisms: conversion, substitution, leakage, triage, sector_cover); code without that table
refuses the override, and the scenarios are then reported as skipped.

Run by hand::

    python benchmarks/adaptation_figures.py [--paths N] [--curve-paths N] [--seed S] [--uncalibrated]
        [--scenario NAME ...] [--no-curve] [--off MECH ...] [--json FILE]

To run it on another checkout of the code, put that checkout first on the path, e.g.
``PYTHONPATH=/path/to/checkout python benchmarks/adaptation_figures.py``; the header says which
code ran.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

import simulator
from simulator.economics.impact import impact_from_metrics
from simulator.economics.leontief import price_scale
from simulator.economics.metrics import PathMetrics
from simulator.economics.recorders import DailyHistograms, histogram_ranges
from simulator.model.draws import DEFAULT_BLOCK_SIZE
from simulator.model.loading import list_scenarios
from simulator.model.scenario import Scenario
from simulator.runs.blocks import RunResult
from simulator.runs.recipe import path_metrics
from simulator.runs.summaries import run_summary

ECONOMY = "japan-rare-earths"
CURVE_SCENARIO = "japan-1y-curb"
CURVE_MEASURE = "china_stop"
CURVE_DURATIONS = (30, 60, 90, 180, 270, 365, 545, 730)
RECOVERY_DAYS = 90
"""Days of the curve's horizon after the ban ends."""
MECHANISMS = ("conversion", "substitution", "leakage", "triage", "sector_cover")
"""Switches of the ``adaptation`` table (``--off`` passes any name through; these are the known ones)."""


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Nested tables ``extra`` merged over ``base`` (neither is changed).

    Parameters
    ----------
    base, extra : mapping
        Override tables as :func:`simulator.load_scenario` takes them.

    Returns
    -------
    dict
        ``base`` with every leaf of ``extra`` set, tables merged key by key.
    """
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = merged(out[k], v)
        else:
            out[k] = v
    return out


def off_overrides(mechanisms: Sequence[str]) -> dict[str, Any]:
    """The override that switches off each of ``mechanisms`` (empty if none)."""
    return {"adaptation": {m: False for m in mechanisms}} if mechanisms else {}


def run_metrics(sc: Scenario, n_paths: int, seed: int) -> PathMetrics:
    """Per-path totals of ``n_paths`` paths, as ``supplyshock run`` computes them (:func:`simulator.runs.recipe.path_metrics`).

    Parameters
    ----------
    sc : Scenario
    n_paths : int
    seed : int

    Returns
    -------
    PathMetrics
        All paths, in order, with the price scale of the economy's money year.
    """
    draws = simulator.sample_draws(sc, n_paths, seed)
    return dataclasses.replace(path_metrics(sc, draws), price_scale=price_scale(sc, draws.params, n_paths))


def summary_of(sc: Scenario, n_paths: int, seed: int) -> dict[str, Any]:
    """The summary ``supplyshock run`` gives for ``sc`` (:func:`simulator.runs.summaries.run_summary`).

    Parameters
    ----------
    sc : Scenario
    n_paths : int
    seed : int

    Returns
    -------
    dict
        JSON-ready statistics over paths: GDP loss, value added lost, quarters, sectors (with
        ``output_loss_pct_of_plan`` where the economy has an input-output table).
    """
    pm = run_metrics(sc, n_paths, seed)
    impact = impact_from_metrics(pm, sc)
    res = RunResult(scenario=sc, seed=seed, n_paths=n_paths, block_size=DEFAULT_BLOCK_SIZE, engine="vectorised", metrics=pm,
                    params={}, daily=DailyHistograms.empty(sc, histogram_ranges(sc), with_counts=False))
    return run_summary(res, impact)


def _band(stats: Mapping[str, Any]) -> dict[str, float]:
    return {"median": float(stats["median"]), "p05": float(stats["p05"]), "p95": float(stats["p95"])}


def scenario_figures(sc: Scenario, n_paths: int, seed: int) -> dict[str, Any]:
    """Figures 1-3 of one scenario.

    Parameters
    ----------
    sc : Scenario
    n_paths : int
    seed : int

    Returns
    -------
    dict
        ``gdp_loss_pct`` and ``value_added_loss`` (median, p05, p95), ``currency``, ``price_year``,
        ``horizon_days``, ``quarters`` (label, days, median % of the quarter's GDP, median value
        added lost) and ``sectors`` (median first-stop day or ``None`` for never, median output
        lost as % of plan and in currency).
    """
    s = summary_of(sc, n_paths, seed)
    sectors = {}
    for name, sec in s["sectors"].items():
        pct = sec.get("output_loss_pct_of_plan")
        sectors[name] = {
            "first_stoppage_day_median": sec["first_stoppage_day"]["median"],
            "output_loss_pct_of_plan_median": None if pct is None else float(pct["median"]),
            "output_loss_median": float(sec["output_loss"]["median"]),
        }
    return {
        "paths": n_paths,
        "horizon_days": sc.run.horizon_days,
        "currency": s["currency"],
        "price_year": s["price_year"],
        "gdp_loss_pct": _band(s["gdp_loss_pct"]),
        "value_added_loss": _band(s["value_added_loss"]),
        "quarters": [
            {
                "quarter": q["quarter"],
                "days": q["days"],
                "gdp_loss_pct_of_quarter_median": float(q["gdp_loss_pct_of_quarter"]["median"]),
                "value_added_loss_median": float(q["value_added_loss"]["median"]),
            }
            for q in s["quarters"]
        ],
        "sectors": sectors,
    }


def curve_scenario(duration: int, overrides: Mapping[str, Any], calibrated: bool) -> Scenario:
    """The variant of ``japan-1y-curb`` whose full ban lasts ``duration`` days.

    Parameters
    ----------
    duration : int
        ``policy.china_stop.end_day`` (the ban starts on day 0); the horizon is
        ``duration + RECOVERY_DAYS``.
    overrides : mapping
        Merged under the curve's own overrides (e.g. ``--off``).
    calibrated : bool

    Returns
    -------
    Scenario

    Raises
    ------
    Exception
        Whatever :func:`simulator.load_scenario` raises for a scenario it cannot build.
    """
    ov = merged(overrides, {"policy": {CURVE_MEASURE: {"end_day": duration}},
                            "run": {"horizon_days": duration + RECOVERY_DAYS}})
    return simulator.load_scenario(CURVE_SCENARIO, overrides=ov, calibrated=calibrated)


def curve_figures(sc: Scenario, duration: int, n_paths: int, seed: int) -> dict[str, Any]:
    """One point of the loss-versus-duration curve.

    Parameters
    ----------
    sc : Scenario
        The variant from :func:`curve_scenario`.
    duration : int
        Its ban's ``end_day`` (as given to :func:`curve_scenario`).
    n_paths, seed : int

    Returns
    -------
    dict
        ``end_day``, ``horizon_days``, ``gdp_loss_pct`` and ``value_added_loss`` (median, p05, p95).
    """
    s = summary_of(sc, n_paths, seed)
    return {"end_day": duration, "horizon_days": sc.run.horizon_days, "paths": n_paths,
            "currency": s["currency"], "price_year": s["price_year"], "gdp_loss_pct": _band(s["gdp_loss_pct"]),
            "value_added_loss": _band(s["value_added_loss"])}


# ------------------------------------------------------------------ text


def _bn(x: float) -> str:
    return f"{x / 1e9:,.1f}"


def _pct_band(b: Mapping[str, float]) -> str:
    return f"{b['median']:.3f} [{b['p05']:.3f}, {b['p95']:.3f}]"


def _money(cur: str, year: int | None) -> str:
    return f"{cur} bn, {year} money" if year else f"{cur} bn, the table's money"


def print_scenario(name: str, f: Mapping[str, Any]) -> None:
    """Print :func:`scenario_figures` of one scenario."""
    money = _money(f["currency"], f["price_year"])
    v = f["value_added_loss"]
    print(f"{name}  ({f['paths']:,} paths, horizon {f['horizon_days']} days)")
    print(f"  GDP loss: {_pct_band(f['gdp_loss_pct'])} % of GDP;  "
          f"{_bn(v['median'])} [{_bn(v['p05'])}, {_bn(v['p95'])}] {money}  (median [5 %, 95 %])")
    print(f"  by quarter (medians): % of the quarter's GDP | value added lost ({money})")
    for q in f["quarters"]:
        print(f"    {q['quarter']:8s} {q['days']:3d} days  {q['gdp_loss_pct_of_quarter_median']:8.3f} %"
              f"  {_bn(q['value_added_loss_median']):>10s}")
    print(f"  by sector (medians): first stop day | output lost, % of plan | output lost ({money})")
    for sec, x in f["sectors"].items():
        day = x["first_stoppage_day_median"]
        pct = x["output_loss_pct_of_plan_median"]
        print(f"    {sec:26s} {'never' if day is None else f'{day:.0f}':>6s}  "
              f"{'n/a' if pct is None else f'{pct:.3f}':>8s} %  {_bn(x['output_loss_median']):>10s}")


def print_curve(points: Sequence[Mapping[str, Any]]) -> None:
    """Print the loss-versus-duration curve."""
    ran = [p for p in points if "skipped" not in p]
    money = _money(ran[0]["currency"], ran[0]["price_year"]) if ran else "bn"
    for p in points:
        if "skipped" in p:
            print(f"  {p['end_day']:4d} days  skipped: {p['skipped']}")
            continue
        print(f"  {p['end_day']:4d} days (horizon {p['horizon_days']:4d})  {_pct_band(p['gdp_loss_pct'])} % of GDP"
              f"  {_bn(p['value_added_loss']['median']):>10s} {money}")


# ------------------------------------------------------------------ main


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, print the figures and write them as JSON if asked."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--paths", type=int, default=2_000, help="paths per scenario (default 2000)")
    ap.add_argument("--curve-paths", type=int, default=1_000, help="paths per point of the curve (default 1000)")
    ap.add_argument("--seed", type=int, default=11, help="seed (default 11)")
    ap.add_argument("--uncalibrated", action="store_true", help="the priors as written (ignore the fitted sample)")
    ap.add_argument("--scenario", action="append", default=[], metavar="NAME",
                    help="a built-in scenario (repeatable; default: all of them)")
    ap.add_argument("--no-curve", action="store_true", help="skip the loss-versus-duration curve")
    ap.add_argument("--off", action="append", default=[], metavar="MECH",
                    help=f"switch an adaptation mechanism off (repeatable; e.g. {', '.join(MECHANISMS)})")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    calibrated = not args.uncalibrated
    overrides = off_overrides(args.off)
    names = args.scenario or [n for n in list_scenarios() if n != ECONOMY]
    started = time.perf_counter()

    code = str(Path(simulator.__file__).parent)
    print(f"adaptation figures: code {code}; {'calibrated' if calibrated else 'uncalibrated'}; "
          f"{args.paths:,} paths per scenario, {args.curve_paths:,} per curve point; seed {args.seed}; "
          f"off: {', '.join(args.off) if args.off else 'none'}")
    print()
    out: dict[str, Any] = {
        "code": code,
        "settings": {"paths": args.paths, "curve_paths": args.curve_paths, "seed": args.seed,
                     "calibrated": calibrated, "off": list(args.off)},
        "scenarios": {},
        "curve": None,
    }
    for name in names:
        if name == ECONOMY:
            continue
        t0 = time.perf_counter()
        try:
            sc = simulator.load_scenario(name, overrides=overrides or None, calibrated=calibrated)
        except Exception as exc:  # a scenario (or an override) this version of the code cannot build
            print(f"{name}: skipped, fails to load: {_one_line(exc)}")
            print()
            out["scenarios"][name] = {"skipped": _one_line(exc)}
            continue
        f = scenario_figures(sc, args.paths, args.seed)
        f["seconds"] = round(time.perf_counter() - t0, 1)
        out["scenarios"][name] = f
        print_scenario(name, f)
        print()
        print(f"  [{name}: {f['seconds']} s]", file=sys.stderr, flush=True)

    if not args.no_curve:
        print(f"loss versus duration of a full ban ({CURVE_SCENARIO}, policy.{CURVE_MEASURE}.end_day = D, "
              f"run.horizon_days = D + {RECOVERY_DAYS}; {args.curve_paths:,} paths): median % of GDP [5 %, 95 %], "
              f"median value added lost")
        points: list[dict[str, Any]] = []
        for d in CURVE_DURATIONS:
            try:
                sc = curve_scenario(d, overrides, calibrated)
            except Exception as exc:  # the variant (or an override) this version of the code cannot build
                points.append({"end_day": d, "skipped": f"fails to load: {_one_line(exc)}"})
            else:
                points.append(curve_figures(sc, d, args.curve_paths, args.seed))
            print(f"  [curve D = {d}]", file=sys.stderr, flush=True)
        print_curve(points)
        out["curve"] = points

    out["seconds"] = round(time.perf_counter() - started, 1)
    print()
    print(f"total {out['seconds']} s")
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2, default=_json_default) + "\n")


def _json_default(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        arr: npt.NDArray[Any] = x
        return arr.tolist()
    raise TypeError(f"not JSON-serialisable: {type(x).__name__}")


if __name__ == "__main__":
    main()
