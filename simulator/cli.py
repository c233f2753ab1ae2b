"""The ``supplyshock`` command: parse, call the API, format. No model logic here.

Exit codes: 0 ok, 2 bad input (a message naming the file or option, the field,
the rule and the value given; nothing is written), 1 internal error.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator import __version__
from simulator.draws import DEFAULT_BLOCK_SIZE, sample_draws
from simulator.economics import Impact, impact_from_metrics
from simulator.errors import InputError
from simulator.io import list_scenarios, load_scenario, scenario_to_json, write_results_dir
from simulator.scenario import Scenario
from simulator.stream import RunResult, check_memory, check_run_options, run_paths

__all__ = ["cli", "main"]

DEFAULT_PATHS = 100_000


class _Fail(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _input_error(exc: InputError) -> _Fail:
    return _Fail(str(exc))


def _load(scenario: str) -> Scenario:
    try:
        return load_scenario(scenario)
    except InputError as exc:
        raise _input_error(exc) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplyshock")
def cli() -> None:
    """What an export curb on a critical input costs an importing economy."""


@cli.command("scenarios")
def scenarios_cmd() -> None:
    """List the built-in scenarios."""
    table = Table(title="Built-in scenarios", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, desc in list_scenarios().items():
        table.add_row(name, desc)
    Console().print(table)


@cli.command("validate")
@click.argument("file")
def validate_cmd(file: str) -> None:
    """Check a scenario file (or built-in name); print a one-line summary."""
    sc = _load(file)
    click.echo(
        f"{file}: ok: {len(sc.materials)} materials, {len(sc.sources)} sources, {len(sc.sectors)} sectors, "
        f"{len(sc.policy)} measures, {len(sc.uncertainty)} priors, horizon {sc.run.horizon_days} days"
    )


@cli.command("run")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--paths", "n_paths", type=int, default=None, help=f"Monte Carlo paths [default: {DEFAULT_PATHS:,} vectorised, the scenario's run.paths for simpy].")
@click.option("--seed", type=int, default=None, help="Seed (>= 0) [default: the scenario's run.seed].")
@click.option("--engine", type=click.Choice(["vectorised", "simpy"]), default="vectorised", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Write the results directory here.")
@click.option("--multiplier", type=click.Choice(["type1", "direct", "type2"]), default="type1", show_default=True, help="Value-added multiplier.")
@click.option("--block-size", type=int, default=DEFAULT_BLOCK_SIZE, show_default=True, help="Paths per block (fixes the random streams).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes (K > 1 starts a local Dask cluster).")
@click.option("--scheduler", default=None, help="Run on an existing Dask cluster: its scheduler's address (tcp://host:port).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_cmd(scenario: str, n_paths: int | None, seed: int | None, engine: str, fmt: str, out: Path | None,
            multiplier: str, block_size: int, workers: int, scheduler: str | None, quiet: bool) -> None:
    """Simulate SCENARIO (a built-in name or a file; default japan-3m-curb) and print its cost."""
    sc = _load(scenario)
    if n_paths is None:
        n_paths = DEFAULT_PATHS if engine == "vectorised" else sc.run.paths
    seed = sc.run.seed if seed is None else seed
    try:
        check_run_options(n_paths, seed, block_size, workers)
        check_memory(sc, n_paths, block_size, workers)
    except InputError as exc:
        raise _input_error(exc) from None
    err = Console(stderr=True)
    show = not quiet and err.is_terminal
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not show, transient=True) as prog:
        task = prog.add_task(f"{sc.name} ({engine})", total=n_paths)
        try:
            res = run_paths(sc, n_paths, seed, engine=engine, block_size=block_size, workers=workers, scheduler=scheduler,
                            progress=lambda n: prog.advance(task, n))
        except InputError as exc:
            raise _input_error(exc) from None
    impact = impact_from_metrics(res.metrics, sc, multiplier=multiplier)  # type: ignore[arg-type]
    summary = _summary(res, impact)
    if out is not None:
        _write_results(out, res, impact, summary)
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    elif fmt == "csv":
        click.echo(_csv(summary), nl=False)
    else:
        _print_table(summary, sc)
        if out is not None:
            err.print(f"results written to {out}")


def _summary(res: RunResult, impact: Impact) -> dict[str, Any]:
    sc = res.scenario
    s = impact.summary()
    s = {
        "scenario": sc.name,
        "engine": res.engine,
        "seed": res.seed,
        "paths": res.n_paths,
        "horizon_days": sc.run.horizon_days,
        "gdp_base": sc.economy.gdp,
        **{k: v for k, v in s.items() if k != "paths"},
    }
    return s


def _write_results(out: Path, res: RunResult, impact: Impact, summary: dict[str, Any]) -> None:
    def text(content: str) -> Callable[[Path], None]:
        def write(p: Path) -> None:
            p.write_text(content)

        return write

    sc = res.scenario
    scen_json = scenario_to_json(sc)
    frame = _path_frame(res, impact)
    ds = res.daily.to_xarray()
    manifest = {
        "supplyshock": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scenario": sc.name,
        "scenario_sha256": hashlib.sha256(scen_json.encode()).hexdigest(),
        "seed": res.seed,
        "paths": res.n_paths,
        "block_size": res.block_size,
        "blocks": -(-res.n_paths // res.block_size),
        "streams": "block b uses SeedSequence(seed, spawn_key=(b, crc32(name))) per random quantity",
        "engine": res.engine,
        "multiplier": impact.multiplier,
        "command": " ".join(sys.argv),
        "files": ["summary.json", "paths.parquet", "daily_quantiles.nc", "scenario.json", "manifest.json"],
    }
    write_results_dir(
        out,
        {
            "summary.json": text(json.dumps(summary, indent=2)),
            "paths.parquet": lambda p: frame.to_parquet(p, index=False),
            "daily_quantiles.nc": lambda p: ds.to_netcdf(p, engine="scipy"),
            "scenario.json": text(scen_json),
            "manifest.json": text(json.dumps(manifest, indent=2)),
        },
    )


def _path_frame(res: RunResult, impact: Impact) -> pd.DataFrame:
    cols: dict[str, Any] = {
        "path": np.arange(res.n_paths),
        "gdp_loss_pct": impact.gdp_loss_pct,
        "value_added_loss": impact.value_added_loss,
        "premium_cost": impact.premium_cost,
    }
    for i, s in enumerate(impact.sectors):
        cols[f"output_loss.{s}"] = impact.output_loss[:, i]
        cols[f"first_stoppage_day.{s}"] = np.where(np.isinf(impact.first_stoppage_day[:, i]), np.nan, impact.first_stoppage_day[:, i])
        cols[f"stoppage_days.{s}"] = impact.stoppage_days[:, i]
    for i, m in enumerate(impact.materials):
        cols[f"peak_shortfall.{m}"] = impact.peak_shortfall[:, i]
        cols[f"shortfall_days.{m}"] = impact.shortfall_days[:, i]
    for k, v in res.params.items():
        cols[f"param.{k}"] = v
    return pd.DataFrame(cols)


def _csv(summary: dict[str, Any]) -> str:
    buf = _io.StringIO()
    w = csv.writer(buf)
    w.writerow(["quantity", "label", "mean", "median", "p05", "p95"])
    for q in ("gdp_loss_pct", "value_added_loss", "premium_cost"):
        st = summary[q]
        w.writerow([q, "total", st["mean"], st["median"], st["p05"], st["p95"]])
    for name, sec in summary["sectors"].items():
        for q in ("output_loss", "value_added_loss"):
            st = sec[q]
            w.writerow([q, name, st["mean"], st["median"], st["p05"], st["p95"]])
        st = sec["first_stoppage_day"]
        w.writerow(["first_stoppage_day", name, "", _blank(st["median"]), _blank(st["p05"]), _blank(st["p95"])])
    return buf.getvalue()


def _blank(x: float | None) -> str | float:
    return "" if x is None else x


def _bn(x: float) -> str:
    return f"{x / 1e9:,.0f}"


def _day(x: float | None) -> str:
    return "never" if x is None else f"{x:.0f}"


def _print_table(s: dict[str, Any], sc: Scenario) -> None:
    con = Console()
    cur = s["currency"]
    g, v, pc = s["gdp_loss_pct"], s["value_added_loss"], s["premium_cost"]
    con.print(f"[bold]{s['scenario']}[/bold]: {sc.description.splitlines()[0] if sc.description else ''}")
    con.print(f"{s['paths']:,} paths, seed {s['seed']}, {s['engine']} engine, horizon {s['horizon_days']} days, "
              f"{s['multiplier']} multipliers, GDP base {cur} {s['gdp_base'] / 1e12:,.1f}tn")
    head = Table(show_header=True, header_style="bold")
    for c in ("", "mean", "median", "5 %", "95 %"):
        head.add_column(c, justify="right" if c else "left")
    head.add_row(f"value added lost ({cur} bn)", _bn(v["mean"]), _bn(v["median"]), _bn(v["p05"]), _bn(v["p95"]))
    head.add_row("share of GDP (%)", f"{g['mean']:.3f}", f"{g['median']:.3f}", f"{g['p05']:.3f}", f"{g['p95']:.3f}")
    head.add_row(f"extra procurement cost ({cur} bn, not in GDP loss)", _bn(pc["mean"]), _bn(pc["median"]), _bn(pc["p05"]), _bn(pc["p95"]))
    con.print(head)
    t = Table(title="By sector", show_header=True, header_style="bold")
    t.add_column("sector", overflow="fold")
    t.add_column(f"output lost, {cur} bn\nmedian [5-95 %]", justify="right")
    t.add_column(f"value added lost, {cur} bn\nmean", justify="right")
    t.add_column("first stoppage day\nmedian [5-95 %]", justify="right")
    t.add_column("P(stop)", justify="right")
    rows = sorted(s["sectors"].items(), key=lambda kv: -kv[1]["value_added_loss"]["mean"])
    for name, sec in rows:
        ol, fs = sec["output_loss"], sec["first_stoppage_day"]
        t.add_row(
            name,
            f"{_bn(ol['median'])} [{_bn(ol['p05'])}-{_bn(ol['p95'])}]",
            _bn(sec["value_added_loss"]["mean"]),
            f"{_day(fs['median'])} [{_day(fs['p05'])}-{_day(fs['p95'])}]",
            f"{sec['stop_probability']:.0%}",
        )
    con.print(t)


@cli.command("explain")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--seed", type=int, default=None, help="Seed (>= 0) [default: the scenario's run.seed].")
@click.option("--path", "path_index", type=int, default=0, show_default=True, help="Which path of the seed's first block.")
@click.option("--all", "show_all", is_flag=True, help="Also list every shipment from an alternative supplier.")
def explain_cmd(scenario: str, seed: int | None, path_index: int, show_all: bool) -> None:
    """Print one path's event log from the SimPy engine."""
    from simulator.api import simulate
    from simulator.economics import assess

    sc = _load(scenario)
    seed = sc.run.seed if seed is None else seed
    if seed < 0:
        raise _Fail(str(InputError("option", "--seed", "must be >= 0", seed)))
    if not 0 <= path_index < DEFAULT_BLOCK_SIZE:
        raise _Fail(str(InputError("option", "--path", f"must be in 0..{DEFAULT_BLOCK_SIZE - 1}", path_index)))
    draws = sample_draws(sc, path_index + 1, seed).subset(slice(path_index, path_index + 1))
    tr = simulate(sc, draws, engine="simpy", events=True)
    impact = assess(tr, sc)
    con = Console(soft_wrap=True)
    con.print(f"[bold]{sc.name}[/bold], seed {seed}, path {path_index}")
    for k, v in draws.params.items():
        con.print(f"  {k} = {float(v[0]):.4g}")
    for ev in tr.events[0]:
        if ev.category == "shipment" and not show_all:
            continue
        con.print(f"day {ev.day:>4}  [cyan]{ev.category:<11}[/cyan] {ev.text}", highlight=False)
    cur = sc.economy.currency
    con.print(f"value added lost: {cur} {impact.value_added_loss[0] / 1e9:,.1f} bn "
              f"({impact.gdp_loss_pct[0]:.3f} % of GDP); extra procurement cost {cur} {impact.premium_cost[0] / 1e9:,.1f} bn")


# ------------------------------------------------------------------ sweep


@cli.command("sweep")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--grid", "grid", multiple=True, metavar="PATH=V1,V2,...",
              help="A dotted scenario path and its values (or start:stop:step, stop included); repeat for more dimensions.")
@click.option("--paths", "n_paths", type=int, default=DEFAULT_PATHS, show_default=True, help="Monte Carlo paths per variant.")
@click.option("--seed", type=int, default=None, help="Seed (>= 0) [default: the scenario's run.seed].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sweep directory: every finished block is kept here, with the outputs.")
@click.option("--resume", is_flag=True, help="Continue the sweep in --out, skipping finished blocks.")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes (K > 1 starts a local Dask cluster).")
@click.option("--scheduler", default=None, help="Run on an existing Dask cluster: its scheduler's address (tcp://host:port).")
@click.option("--block-size", type=int, default=DEFAULT_BLOCK_SIZE, show_default=True, help="Paths per block (fixes the random streams).")
@click.option("--multiplier", type=click.Choice(["type1", "direct", "type2"]), default="type1", show_default=True, help="Value-added multiplier.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar and no resume line.")
def sweep_cmd(scenario: str, grid: tuple[str, ...], n_paths: int, seed: int | None, out: Path | None, resume: bool,
              workers: int, scheduler: str | None, block_size: int, multiplier: str, fmt: str, quiet: bool) -> None:
    """Run SCENARIO over a grid of values of its fields (every combination), with common random numbers."""
    from rich.progress import TimeRemainingColumn

    from simulator.sweep import run_sweep

    err = Console(stderr=True)
    show = not quiet and err.is_terminal
    state: dict[str, Any] = {}
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), console=err, disable=not show, transient=True) as prog:
        task = prog.add_task(f"sweep {scenario} (variant x block)", total=None)

        def progress(done: int, total: int) -> None:
            if "total" not in state:
                state.update(total=total, resumed=done)
                prog.reset(task, total=total, completed=done)  # the ETA counts only tasks run now
            prog.update(task, completed=done)

        try:
            res = run_sweep(scenario, list(grid), n_paths=n_paths, seed=seed, block_size=block_size, out=out,
                            resume=resume, workers=workers, scheduler=scheduler, multiplier=multiplier,  # type: ignore[arg-type]
                            progress=progress)
        except InputError as exc:
            raise _input_error(exc) from None
    if resume and not quiet:
        click.echo(f"resumed {out}: {res.resumed} of {res.tasks} tasks (variant x block) were finished, "
                   f"{res.tasks - res.resumed} run now", err=True)
    head = res.headline()
    if fmt == "json":
        click.echo(json.dumps(res.to_json(), indent=2))
    elif fmt == "csv":
        click.echo(head.to_csv(index=False), nl=False)
    else:
        _print_sweep(res, head)
        if out is not None:
            err.print(f"sweep written to {out} (supplyshock report {out} makes its HTML report)")


@cli.command("report")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--carrying-rate", type=float, default=None,
              help="Annual cost of holding stock, share of its value [default: 0.10, range 0.02-0.25; see the report].")
def report_cmd(directory: Path, carrying_rate: float | None) -> None:
    """Write DIRECTORY/report.html for a finished sweep (self-contained HTML with its figures)."""
    from simulator.sweep_report import render_report

    try:
        path = render_report(directory, carrying_rate=carrying_rate)
    except InputError as exc:
        raise _input_error(exc) from None
    click.echo(f"report written to {path}")


def _print_sweep(res: Any, head: pd.DataFrame) -> None:
    con = Console()
    cur = res.base.economy.currency
    con.print(f"[bold]{res.base.name}[/bold]: {len(res.variants)} variant(s), {res.n_paths:,} paths each, seed {res.seed}, "
              f"{res.engine} engine, {res.multiplier} multipliers; the same random numbers in every variant")
    t = Table(show_header=True, header_style="bold")
    t.add_column("#", justify="right")
    for a in res.axes:
        t.add_column(a.path, justify="right", overflow="fold")
    t.add_column("share of GDP lost (%)\nmean [5-95 %]", justify="right")
    t.add_column(f"value added lost ({cur} bn)\nmean [5-95 %]", justify="right")
    t.add_column(f"extra procurement ({cur} bn)\nmean", justify="right")
    t.add_column("earliest median\nstoppage day", justify="right")
    for r in head.to_dict("records"):
        first = r["earliest_median_stoppage_day"]
        t.add_row(
            str(r["variant"]),
            *[str(r[a.path]) for a in res.axes],
            f"{r['gdp_loss_pct_mean']:.3f} [{r['gdp_loss_pct_p05']:.3f}-{r['gdp_loss_pct_p95']:.3f}]",
            f"{_bn(r['value_added_loss_mean'])} [{_bn(r['value_added_loss_p05'])}-{_bn(r['value_added_loss_p95'])}]",
            _bn(r["premium_cost_mean"]),
            "never" if pd.isna(first) else f"{first:.0f}",
        )
    con.print(t)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(standalone_mode=True)
    except InputError as exc:  # anything not caught at the command level
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
