"""``supplyshock curve`` (the loss against a measure's duration) and ``compare`` (scenarios side by side on common random numbers).
"""

from __future__ import annotations

import csv
import io as _io
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from simulator.cli.options import QUIET, SEED, UNCALIBRATED
from simulator.defaults import DEFAULT_BLOCK_SIZE, DEFAULT_DURATIONS
from simulator.errors import InputError, InputWarning

if TYPE_CHECKING:

    pass
from simulator.cli.common import Fail, fail, load, progress_bar
from simulator.reports.formats import bn


@click.command("curve")
@click.argument("scenario", default="japan-1y-curb")
@click.option("--measure", "measure", required=True, help="Id of the measure whose duration varies.")
@click.option("--durations", default=",".join(str(d) for d in DEFAULT_DURATIONS), show_default=True,
              help="Durations in days, comma-separated.")


@click.option("--paths", "n_paths", type=int, default=5_000, show_default=True, help="Monte Carlo paths per duration.")
@SEED
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--horizon", type=int, default=None, metavar="DAYS",
              help="Days simulated for every duration [default: the scenario's, or longer so that 90 days follow the "
                   "longest measure]; the scenario's horizon gives run's numbers at its duration.")


@QUIET
@UNCALIBRATED
def curve_cmd(scenario: str, measure: str, durations: str, n_paths: int, seed: int | None, horizon: int | None, fmt: str,
              quiet: bool, uncalibrated: bool) -> None:
    """Loss versus duration of one MEASURE of SCENARIO, on common random numbers."""
    from simulator.model.fields import calibration_status
    from simulator.runs.curve import curve_horizon, duration_curve
    from simulator.runs.memory import check_run_options
    try:
        days = [int(x) for x in durations.split(",") if x.strip()]
    except ValueError:
        raise Fail(f"--durations: must be whole days separated by commas; got {durations!r}") from None
    sc = load(scenario, calibrated=not uncalibrated)
    try:
        check_run_options(n_paths, sc.run.seed if seed is None else seed, DEFAULT_BLOCK_SIZE)
    except InputError as exc:
        raise fail(exc) from None
    err = Console(stderr=True)
    with progress_bar(err, quiet=quiet) as prog:
        task = prog.add_task(f"{sc.name}: {measure}", total=n_paths * max(len(days), 1))
        try:
            points = duration_curve(scenario, measure, days, n_paths=n_paths, seed=seed, horizon=horizon,
                                    progress=lambda n: prog.advance(task, n), calibrated=not uncalibrated)
        except InputError as exc:
            raise fail(exc) from None
    if horizon is None and measure in sc.policy and days:
        horizon = curve_horizon(sc.run.horizon_days, sc.policy[measure].start_day, days)
    cur = sc.economy.currency
    year = sc.economy.price_year or sc.economy.table_year
    status = calibration_status(sc)
    rows = [{"duration_days": p.duration,
             "gdp_loss_pct": dict(zip(("median", "p05", "p95"), p.gdp_loss_pct, strict=True)),
             "value_added_loss": dict(zip(("median", "p05", "p95"), p.value_added_loss, strict=True)),
             "first_output_cut_day_median": p.first_stoppage_day} for p in points]
    if fmt == "json":
        click.echo(json.dumps({"scenario": sc.name, "measure": measure, "seed": sc.run.seed if seed is None else seed,
                               "paths": n_paths, "horizon_days": horizon, "currency": cur, "price_year": year,
                               "calibration": status, "points": rows}, indent=2))
        return
    if fmt == "csv":
        buf = _io.StringIO()
        wr = csv.writer(buf)
        wr.writerow(["duration_days", "horizon_days", "gdp_loss_pct_median", "gdp_loss_pct_p05", "gdp_loss_pct_p95",
                     "value_added_loss_median", "value_added_loss_p05", "value_added_loss_p95", "currency", "price_year",
                     "calibration"])
        for p in points:
            wr.writerow([p.duration, horizon, *p.gdp_loss_pct, *p.value_added_loss, cur, year, status])
        click.echo(buf.getvalue(), nl=False)
        return
    table = Table(title=f"{sc.name}: loss versus duration of {measure}, median [5-95 %]; {n_paths:,} paths per "
                  f"duration, horizon {horizon} days, {status}")
    table.add_column("duration, days", justify="right")
    table.add_column("GDP loss, %", justify="right")
    table.add_column(f"value added lost, {cur} bn ({year} money)", justify="right")
    for p in points:
        g, v = p.gdp_loss_pct, p.value_added_loss
        table.add_row(str(p.duration), f"{g[0]:.3f} [{g[1]:.3f}-{g[2]:.3f}]",
                      f"{v[0] / 1e9:,.0f} [{v[1] / 1e9:,.0f}-{v[2] / 1e9:,.0f}]")
    Console().print(table)


@click.command("compare")
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--paths", "n_paths", type=int, default=5_000, show_default=True, help="Monte Carlo paths per scenario (the same paths).")
@click.option("--seed", type=int, default=None, help="Seed (>= 0) [default: the first scenario's run.seed].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--figure", "figure_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw each scenario's band and the differences to this PNG file.")


@click.option("--allow-different", is_flag=True,
              help="Compare scenarios of different economies or horizons by their headline figures only (a warning).")


@QUIET
@UNCALIBRATED
def compare_cmd(scenarios: tuple[str, ...], n_paths: int, seed: int | None, fmt: str, figure_path: Path | None,
                allow_different: bool, quiet: bool, uncalibrated: bool) -> None:
    """Scenarios side by side on common random numbers: each one's loss and its difference from the first, path by path."""
    from simulator.runs.compare import compare
    from simulator.runs.memory import check_run_options

    for s in scenarios:
        load(s, calibrated=not uncalibrated)  # each file's own errors and warnings first, naming it
    try:
        check_run_options(n_paths, 0 if seed is None else seed, DEFAULT_BLOCK_SIZE)
        if figure_path is not None and not figure_path.absolute().parent.is_dir():
            raise InputError("option", "--figure", "must be in an existing directory", str(figure_path))
        err = Console(stderr=True)
        with progress_bar(err, quiet=quiet) as prog:
            task = prog.add_task("compare", total=n_paths * len(scenarios))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InputWarning)
                doc = compare(list(scenarios), n_paths=n_paths, seed=seed, calibrated=not uncalibrated,
                              allow_different=allow_different, progress=lambda n: prog.advance(task, n))
        for w in caught:
            click.echo(f"warning: {w.message}", err=True)
    except InputError as exc:
        raise fail(exc) from None
    if figure_path is not None:
        compare_figure(doc, figure_path)
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    con = Console()
    first = doc["scenarios"][0]["scenario"]
    con.print(f"{len(scenarios)} scenarios, {n_paths:,} paths each, seed {doc['seed']}, horizon {doc['horizon_days']} days, "
              f"{doc['scenarios'][0]['calibration']}; " + (f"the same paths: differences from the first, {first}, are taken path by path"
                                                           if doc["paired"] else "not comparable path by path"))
    # every cell folds rather than cuts, and a band sits under its median, so nothing is lost at 80 columns
    t = Table(show_header=True, header_style="bold")
    t.add_column("scenario", overflow="fold")
    t.add_column("GDP loss, %\nmedian\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column(f"value added lost\n({doc['money']})\nmedian\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column("minus the\nfirst: GDP\nloss, points\nmedian\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column("share of paths\nlosing more", justify="right", overflow="fold")
    for r in doc["scenarios"]:
        g, v, d = r["gdp_loss_pct"], r["value_added_loss"], r["difference"]
        t.add_row(r["scenario"], f"{g['median']:.3f}\n[{g['p05']:.3f}, {g['p95']:.3f}]",
                  f"{bn(v['median'])}\n[{bn(v['p05'])}, {bn(v['p95'])}]",
                  "–" if d is None else f"{d['gdp_loss_pct']['median']:+.3f}\n[{d['gdp_loss_pct']['p05']:+.3f}, "
                                        f"{d['gdp_loss_pct']['p95']:+.3f}]",
                  "–" if d is None else f"{d['share_higher']:.0%}")
    con.print(t)
    if figure_path is not None:
        Console(stderr=True).print(f"figure written to {figure_path}")


def compare_figure(doc: dict[str, Any], path: Path) -> None:
    """Each scenario's GDP-loss band (left) and its difference from the first (right), dot and whisker."""
    import numpy as np

    from simulator.reports.figures import figure

    rows = doc["scenarios"]
    fig, axes = figure(9.5, 1.0 + 0.55 * len(rows), ncols=2)
    y = np.arange(len(rows))[::-1]
    for ax, key, title in ((axes[0], None, "GDP loss, % of annual GDP"),
                           (axes[1], "difference", f"minus {rows[0]['scenario']}, points of GDP (path by path)")):
        for yi, r in zip(y, rows, strict=True):
            b = r["gdp_loss_pct"] if key is None else (r["difference"] or {}).get("gdp_loss_pct")
            if not b:
                continue
            ax.plot([b["p05"], b["p95"]], [yi, yi], color="#1f5fa8", lw=2, label="5-95 % of paths" if yi == y[0] or key else None)
            ax.plot(b["median"], yi, "o", color="#1f5fa8", label="median" if yi == y[0] or key else None)
        ax.set_yticks(y, [r["scenario"] for r in rows])
        ax.set_xlabel(title, fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    axes[1].axvline(0.0, color="black", lw=0.8)
    handles, labels = axes[0].get_legend_handles_labels()
    axes[0].legend(handles[:2], labels[:2], fontsize=7, loc="lower right")
    fig.suptitle(f"{doc['paths']:,} paths each, seed {doc['seed']}, horizon {doc['horizon_days']} days, "
                 f"{rows[0]['calibration']}", fontsize=9)
    from simulator.runs.store import write_file

    write_file(path, lambda p: fig.savefig(p, dpi=110, format="png"))
