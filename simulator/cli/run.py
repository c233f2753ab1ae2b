"""``supplyshock run`` (a scenario's Monte Carlo, to the terminal or a results directory) and ``explain`` (one path told event by event).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from simulator.cli.options import EXECUTION, MULTIPLIER, OVERWRITE, QUIET, SEED, UNCALIBRATED
from simulator.defaults import DEFAULT_BLOCK_SIZE
from simulator.errors import PARAMETER, InputError

if TYPE_CHECKING:

    pass
from simulator.cli.common import Fail, fail, load, progress_bar
from simulator.reports.tables import print_run_table, summary_csv

DEFAULT_PATHS = 20_000
"""Paths when neither ``--paths`` nor the scenario's ``run.paths`` says: the smallest round count at which the
relative Monte Carlo error of the median GDP loss is below 1 % on the built-in scenarios
(``benchmarks/mc_error.py``)."""

DEFAULT_PATHS_SIMPY = 1_000
"""The same for ``--engine simpy`` (the reference engine runs ~10^3 path-days a second; its error is printed)."""

SIMPY_PATH_DAYS_PER_S = 900
"""The SimPy engine's speed on japan-1y-curb, measured by benchmarks/engines.py (868 path-days/s on 2 cores, 2026)."""

SIMPY_NOTE_PATH_DAYS = 30 * SIMPY_PATH_DAYS_PER_S
"""A SimPy run longer than about 30 s gets a note on stderr with its expected duration."""


@click.command("run")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--paths", "n_paths", type=int, default=None,
              help=f"Monte Carlo paths [default: the scenario's run.paths, else {DEFAULT_PATHS:,} ({DEFAULT_PATHS_SIMPY:,} for simpy)].")


@SEED
@click.option("--engine", type=click.Choice(["vectorised", "simpy"]), default="vectorised", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the results directory here (must not exist or be empty).")


@OVERWRITE
@click.option("--report", "with_report", is_flag=True,
              help="Also write report.html, report.md and figures/ into the --out directory (as supplyshock report DIR).")


@MULTIPLIER
@EXECUTION
@QUIET
@UNCALIBRATED
def run_cmd(scenario: str, n_paths: int | None, seed: int | None, engine: str, fmt: str, out: Path | None,
            overwrite: bool, with_report: bool, multiplier: str, block_size: int, workers: int, scheduler: str | None,
            quiet: bool, uncalibrated: bool) -> None:
    """Simulate SCENARIO (a built-in name or a file; default japan-3m-curb) and print its cost."""
    from simulator.economics.impact import impact_from_metrics
    from simulator.economics.leontief import va_multipliers
    from simulator.runs.blocks import run_paths
    from simulator.runs.memory import check_memory, check_run_options
    from simulator.runs.store import staged_dir
    from simulator.runs.summaries import run_summary
    if with_report and out is None:
        raise fail(InputError("option", "--report", "needs --out (the report is written into the results directory)", True))
    sc = load(scenario, calibrated=not uncalibrated)
    from_file = n_paths is None and "paths" in sc.run.model_fields_set
    if n_paths is None:  # the file's run.paths if it says, whatever the engine; else the measured default
        n_paths = sc.run.paths if from_file else (DEFAULT_PATHS if engine == "vectorised" else DEFAULT_PATHS_SIMPY)
    seed = sc.run.seed if seed is None else seed
    try:
        check_run_options(n_paths, seed, block_size, workers)
        check_memory(sc, n_paths, block_size, workers)
        va_multipliers(sc, multiplier)  # type: ignore[arg-type]  # the linkage's inputs (e.g. economy.mpc) before the run
    except InputError as exc:
        if from_file and exc.file == PARAMETER and exc.field == "n_paths":  # the number came from the file: name it there
            exc = InputError(sc.origin, "run.paths", exc.rule + " (or give --paths)", exc.value)
        raise fail(exc) from None
    err = Console(stderr=True)
    path_days = n_paths * sc.run.horizon_days
    if engine == "simpy" and path_days > SIMPY_NOTE_PATH_DAYS and not quiet:
        minutes = path_days / SIMPY_PATH_DAYS_PER_S / 60 / max(workers, 1)
        click.echo(f"note: the SimPy engine (the readable reference) runs about {SIMPY_PATH_DAYS_PER_S:,} path-days a second: "
                   f"{n_paths:,} paths x {sc.run.horizon_days} days is about {minutes:.0f} minutes; the vectorised engine "
                   "computes the same numbers in seconds", err=True)
    # the results directory is staged before the run (a refused --out fails before the work) and renamed
    # into place only once every file is written; an error or Ctrl-C removes it
    try:
        staged = staged_dir(out, overwrite=overwrite) if out is not None else contextlib.nullcontext(None)
        with staged as tmp:
            with progress_bar(err, quiet=quiet) as prog:
                task = prog.add_task(f"{sc.name} ({engine})", total=n_paths)
                res = run_paths(sc, n_paths, seed, engine=engine, block_size=block_size, workers=workers,
                                scheduler=scheduler, progress=lambda n: prog.advance(task, n))
            impact = impact_from_metrics(res.metrics, sc, multiplier=multiplier)  # type: ignore[arg-type]
            summary = run_summary(res, impact)
            if tmp is not None:
                from simulator.reports.run_report import REPORT_FILES, render_run_report
                from simulator.runs.store import write_run

                write_run(tmp, res, impact, summary, also=REPORT_FILES if with_report else ())
                if with_report:

                    render_run_report(tmp, shown=out)
    except InputError as exc:
        raise fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    elif fmt == "csv":
        click.echo(summary_csv(summary), nl=False)
    else:
        print_run_table(summary, sc)
        if out is not None:
            err.print(f"results written to {out}" + (f" (report: {out / 'report.html'})" if with_report else ""))


@click.command("explain")
@click.argument("scenario", default="japan-3m-curb")
@SEED
@click.option("--path", "path_index", type=int, default=0, show_default=True, help="Which path of the seed's first block.")
@click.option("--summary", "summarise", is_flag=True,
              help="A line per licence office, per sector below plan and per stockpile release, then the policy events "
                   "and stock-outs, instead of the event list.")


@click.option("--all", "show_all", is_flag=True,
              help="List every event, also the many routine ones (shipments from alternative suppliers, each licence "
                   "application and decision), which are otherwise counted, not listed.")


@click.option("--category", "categories", multiple=True, metavar="NAME",
              help="List only events of this category (repeatable; e.g. 'output cut', 'firms stop', decision).")


@click.option("--material", "materials", multiple=True, metavar="ID",
              help="Only events about this material and the sectors that use it (repeatable).")


@click.option("--from", "day_from", type=int, default=None, metavar="DAY", help="First day to tell [default: 0].")
@click.option("--to", "day_to", type=int, default=None, metavar="DAY", help="Last day to tell [default: the horizon's last].")
@click.option("--draws", "show_draws", is_flag=True, help="List the values the path drew (every prior's draw).")
@UNCALIBRATED
def explain_cmd(scenario: str, seed: int | None, path_index: int, summarise: bool, show_all: bool,
                categories: tuple[str, ...], materials: tuple[str, ...], day_from: int | None, day_to: int | None,
                show_draws: bool, uncalibrated: bool) -> None:
    """Tell one path of the SimPy engine event by event (routine events counted), or in a summary (--summary)."""
    from simulator.api import simulate
    from simulator.economics.impact import assess
    from simulator.errors import suggest
    from simulator.model.draws import COHORT_KEY, sample_draws
    from simulator.reports import explain

    sc = load(scenario, calibrated=not uncalibrated)
    seed = sc.run.seed if seed is None else seed
    if seed < 0:
        raise Fail(str(InputError("option", "--seed", "must be >= 0", seed)))
    if not 0 <= path_index < DEFAULT_BLOCK_SIZE:
        raise Fail(str(InputError("option", "--path", f"must be in 0..{DEFAULT_BLOCK_SIZE - 1}", path_index)))
    last_day = sc.run.horizon_days - 1
    first = 0 if day_from is None else day_from
    last = last_day if day_to is None else day_to
    if not 0 <= first <= last_day:
        raise Fail(str(InputError("option", "--from", f"must be a day of the horizon, 0..{last_day}", first)))
    if not first <= last <= last_day:
        raise Fail(str(InputError("option", "--to", f"must be a day from --from ({first}) to the horizon's last "
                                   f"({last_day})", last)))
    for m in materials:
        if m not in sc.materials:
            raise Fail(str(InputError("option", "--material", "must be a material of the scenario ("
                                       + ", ".join(sc.material_ids) + ")" + suggest(m, sc.material_ids, listing=False), m)))
    if summarise and (show_all or categories):
        raise Fail(str(InputError("option", "--summary", "cannot be combined with --all or --category (a summary "
                                   "covers every category)", "--summary")))
    draws = sample_draws(sc, path_index + 1, seed).subset(slice(path_index, path_index + 1))
    tr = simulate(sc, draws, engine="simpy", events=True)
    known = sorted({ev.category for ev in tr.events[0]})
    for c in categories:
        if c not in known:
            raise Fail(str(InputError("option", "--category", "must be a category of this path's events ("
                                       + ", ".join(known) + ")", c)))
    window = explain.Window(first, last, frozenset(categories), frozenset(materials))
    impact = assess(tr, sc)
    con = Console(soft_wrap=True)
    con.print(f"[bold]{sc.name}[/bold], seed {seed}, path {path_index}")
    drawn = {k: float(v[0]) for k, v in draws.params.items() if not k.startswith(COHORT_KEY)}
    if show_draws:
        for k, x in drawn.items():
            con.print(f"  {k} = {x:.4g}")
    elif drawn:
        con.print(f"  {len(drawn)} values drawn from their priors (--draws to list them)")
    if summarise:
        for line in explain.summary(tr, sc, window):
            con.print(line, highlight=False)
    else:
        hidden: dict[str, int] = {}
        for ev in explain.select(tr.events[0], sc, window):
            if not categories and not show_all and ev.category in explain.ROUTINE:
                hidden[ev.category] = hidden.get(ev.category, 0) + 1
                continue
            con.print(f"day {ev.day:>4}  [cyan]{ev.category:<11}[/cyan] {ev.text}", highlight=False)
        if hidden:
            con.print("not listed: " + ", ".join(f"{n:,} {c}" for c, n in sorted(hidden.items()))
                      + " events (--all, or --category NAME, to list them; --summary for a line per licence, "
                        "stoppage and release)")
    cur = sc.economy.currency
    yr = f" of {impact.price_year}" if impact.price_year else ""
    con.print(f"whole horizon, days 0-{last_day}: value added lost {cur} {impact.value_added_loss[0] / 1e9:,.1f} bn{yr} "
              f"({impact.gdp_loss_pct[0]:.3f} % of GDP; gross, before catch-up, {cur} "
              f"{impact.value_added_loss_gross[0] / 1e9:,.1f} bn); extra procurement cost {cur} "
              f"{impact.premium_cost[0] / 1e9:,.1f} bn{yr}")
