"""The ``supplyshock`` command: parse, call the API, format. No model logic here.

Exit codes: 0 ok, 2 bad input (a message naming the file or option, the field,
the rule and the value given; nothing is written), 1 internal error.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io as _io
import json
import platform
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from simulator import __version__
from simulator.cli.options import EXECUTION, MULTIPLIER, OVERWRITE, QUIET, SEED, UNCALIBRATED
from simulator.defaults import DEFAULT_BLOCK_SIZE, DEFAULT_DURATIONS
from simulator.errors import InputError, InputWarning

if TYPE_CHECKING:
    import pandas as pd

    from simulator.economics.impact import Impact
    from simulator.model.scenario import Scenario
    from simulator.runs.blocks import RunResult

# The model (engines, pandas, SciPy, numba) is imported inside the commands that use it, so that
# `supplyshock --help` and a command's --help answer at once.

__all__ = ["cli", "main"]

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


class _Fail(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _input_error(exc: InputError) -> _Fail:
    return _Fail(str(exc))




def _load(scenario: str, calibrated: bool = True) -> Scenario:
    """Load a scenario; unusual values are printed to stderr as ``warning: ...`` (the exit code stays 0)."""
    from simulator.model.loading import load_scenario
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            sc = load_scenario(scenario, calibrated=calibrated)
        except InputError as exc:
            raise _input_error(exc) from None
    for w in caught:
        if issubclass(w.category, InputWarning):
            click.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return sc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplyshock")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """What an export curb on a critical input costs an importing economy."""
    # a warning about the user's input raised anywhere in a command (a sweep loads its scenario once per variant)
    # is printed once, as `warning: file: field: rule; got value`, never as a Python warning with a source line
    shown: set[str] = set()
    previous = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        if issubclass(category, InputWarning):
            if str(message) not in shown:
                shown.add(str(message))
                click.echo(f"warning: {message}", err=True)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    ctx.call_on_close(lambda: setattr(warnings, "showwarning", previous))


@cli.command("scenarios")
def scenarios_cmd() -> None:
    """List the built-in scenarios and economies (a scenario file ``extends`` an economy)."""
    from simulator.model.loading import list_economies, list_scenarios
    con = Console()
    for title, items in (("Built-in scenarios", list_scenarios()),
                         ("Built-in economies (extends = \"NAME\"; no shock)", list_economies())):
        table = Table(title=title, show_lines=False)
        table.add_column("name", style="bold")
        table.add_column("description")
        for name, desc in items.items():
            table.add_row(name, desc)
        con.print(table)


@cli.command("schema")
@click.option("--markdown", "as_markdown", is_flag=True, help="The Markdown reference (docs/scenario-reference.md) instead of JSON Schema.")
def schema_cmd(as_markdown: bool) -> None:
    """Print the scenario file reference: JSON Schema, or Markdown with --markdown.

    Regenerate the documentation page with
    ``supplyshock schema --markdown > docs/scenario-reference.md``.
    """
    from simulator.model.reference import json_schema, markdown

    click.echo(markdown() if as_markdown else json.dumps(json_schema(), indent=2, ensure_ascii=False), nl=not as_markdown)


@cli.command("validate")
@click.argument("file")
def validate_cmd(file: str) -> None:
    """Check a scenario file (or built-in scenario or economy name); print a summary and which fields are drawn, from which file's prior."""
    from simulator.model.loading import prior_origins
    sc = _load(file)
    click.echo(
        f"{file}: ok: {len(sc.materials)} materials, {len(sc.sources)} sources, {len(sc.sectors)} sectors, "
        f"{len(sc.policy)} measures, {len(sc.uncertainty)} priors, horizon {sc.run.horizon_days} days"
    )
    drawn, overridden = prior_origins(file)
    if sc.uncertainty:
        click.echo("drawn on every path (prior from):")
        for path in sc.uncertainty:
            click.echo(f"  {path}  ({drawn.get(path, '?')})")
    for path, (value_file, prior_file) in overridden.items():
        click.echo(f"not drawn: {path} is set in {value_file}, which removes the prior from {prior_file}")


@cli.command("run")
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
        raise _input_error(InputError("option", "--report", "needs --out (the report is written into the results directory)", True))
    sc = _load(scenario, calibrated=not uncalibrated)
    from_file = n_paths is None and "paths" in sc.run.model_fields_set
    if n_paths is None:  # the file's run.paths if it says, whatever the engine; else the measured default
        n_paths = sc.run.paths if from_file else (DEFAULT_PATHS if engine == "vectorised" else DEFAULT_PATHS_SIMPY)
    seed = sc.run.seed if seed is None else seed
    try:
        check_run_options(n_paths, seed, block_size, workers)
        check_memory(sc, n_paths, block_size, workers)
        va_multipliers(sc, multiplier)  # type: ignore[arg-type]  # the linkage's inputs (e.g. economy.mpc) before the run
    except InputError as exc:
        if from_file and exc.field == "--paths":  # the number came from the file: name it there
            exc = InputError(sc.origin, "run.paths", exc.rule + " (or give --paths)", exc.value)
        raise _input_error(exc) from None
    err = Console(stderr=True)
    show = not quiet and err.is_terminal
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
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("ETA"), TimeRemainingColumn(), console=err, disable=not show, transient=True) as prog:
                task = prog.add_task(f"{sc.name} ({engine})", total=n_paths)
                res = run_paths(sc, n_paths, seed, engine=engine, block_size=block_size, workers=workers,
                                scheduler=scheduler, progress=lambda n: prog.advance(task, n))
            impact = impact_from_metrics(res.metrics, sc, multiplier=multiplier)  # type: ignore[arg-type]
            summary = run_summary(res, impact)
            if tmp is not None:
                _write_results(tmp, res, impact, summary, with_report=with_report)
                if with_report:
                    from simulator.reports.run_report import render_run_report

                    render_run_report(tmp, shown=out)
    except InputError as exc:
        raise _input_error(exc) from None
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    elif fmt == "csv":
        click.echo(_csv(summary), nl=False)
    else:
        _print_table(summary, sc)
        if out is not None:
            err.print(f"results written to {out}" + (f" (report: {out / 'report.html'})" if with_report else ""))


def _write_results(out: Path, res: RunResult, impact: Impact, summary: dict[str, Any], *, with_report: bool = False) -> None:
    """Write the results files into the (staged) directory ``out`` (the manifest lists the report's if ``with_report``)."""
    import numpy as np
    import pandas as pd

    from simulator.model.loading import scenario_to_json
    from simulator.reports.run_report import REPORT_FILES
    from simulator.runs.store import RUN_FILES, RUN_FORMAT
    from simulator.runs.summaries import path_frame

    def text(content: str) -> Callable[[Path], None]:
        def write(p: Path) -> None:
            p.write_text(content)

        return write

    sc = res.scenario
    scen_json = scenario_to_json(sc)
    frame = path_frame(res, impact)
    ds = res.daily.to_xarray()
    # what a file needs to be read on its own: which run, and in what units
    about: dict[str, Any] = {"scenario": sc.name, "seed": res.seed, "paths": res.n_paths, "block_size": res.block_size,
                             "engine": res.engine, "multiplier": impact.multiplier, "currency": sc.economy.currency}
    if summary.get("price_year") is not None:
        about["money_year"] = summary["price_year"]
    ds.attrs.update({k: v for k, v in about.items() if isinstance(v, (str, int, float))})
    ds.attrs["day"] = "day 0 is the first simulated day"
    manifest = {
        "format": RUN_FORMAT,
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
        "files": [*RUN_FILES, *(REPORT_FILES if with_report else ())],
    }
    writers: dict[str, Callable[[Path], None]] = {
        "summary.json": text(json.dumps(summary, indent=2)),
        "paths.parquet": lambda p: _write_parquet(p, frame, {**about, "units": _path_units(frame, sc, about)}),
        "daily_quantiles.nc": lambda p: ds.to_netcdf(p, engine="scipy"),
        "scenario.json": text(scen_json),
        "manifest.json": text(json.dumps(manifest, indent=2)),
    }
    for name, write in writers.items():
        write(out / name)


def _write_parquet(path: Path, frame: pd.DataFrame, about: dict[str, Any]) -> None:
    """Parquet with the run's description as JSON under the schema metadata key ``supplyshock``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"supplyshock"] = json.dumps(about).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def _path_units(frame: pd.DataFrame, sc: Scenario, about: dict[str, Any]) -> dict[str, str]:
    """Unit of every column of ``paths.parquet``."""
    from simulator.model.scenario import money_unit, prior_targets, unit_of

    money = money_unit(about["currency"], about.get("money_year"), scale="")
    fixed = {"path": "index", "gdp_loss_pct": "% of GDP", "value_added_loss": money, "value_added_loss_gross": money,
             "premium_cost": money}
    prefix = {"output_loss": money, "output_loss_gross": money, "value_added_loss": money,
              "value_added_loss_gross": money, "first_stoppage_day": "day (NaN: never)", "half_output_lost_day": "day (NaN: never)", "stoppage_days": "days",
              "peak_shortfall": "share of the day's requirement", "shortfall_days": "days"}
    targets = prior_targets(sc)
    units: dict[str, str] = {}
    for col in frame.columns:
        head = col.split(".", 1)[0]
        if col in fixed:
            units[col] = fixed[col]
        elif head in prefix:
            units[col] = prefix[head]
        elif head == "param" and col[6:] in targets:
            u = unit_of(*targets[col[6:]][:2])
            units[col] = u.unit if u is not None else ""
        else:
            units[col] = ""
    return units


_STAT_KEYS = ("mean", "median", "p05", "p95")


def _csv(summary: dict[str, Any]) -> str:
    """The JSON summary as CSV, every value of it (a test checks nothing is left out).

    Columns ``quantity, label, mean, median, p05, p95, value``: statistics go in
    the first four (blank where a quantile never happens, e.g. a stoppage day),
    anything else in ``value``. ``label`` is the sector or material, ``total``
    for the economy-wide statistics, empty for run settings.
    """
    buf = _io.StringIO()
    w = csv.writer(buf)
    w.writerow(["quantity", "label", *_STAT_KEYS, "price_year", "value"])
    for parts, v in _leaves(summary):
        if parts[0] in ("sectors", "materials", "quarters") and len(parts) >= 3:
            quantity, label = ".".join(parts[2:]), parts[1]
        else:
            quantity, label = ".".join(parts), "total" if isinstance(v, dict) else ""
        if isinstance(v, dict):
            w.writerow([quantity, label, *(_blank(v.get(k)) for k in _STAT_KEYS), _blank(v.get("price_year")), ""])
        else:
            w.writerow([quantity, label, "", "", "", "", "", json.dumps(v) if isinstance(v, (list, bool)) or v is None else v])
    return buf.getvalue()


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(key path, value) for every scalar, and for every table of statistics (kept whole)."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for k, v in tree.items():
        path = (*prefix, str(k))
        if isinstance(v, dict) and "median" in v and set(v) <= {*_STAT_KEYS, "price_year"}:
            out.append((path, v))
        elif isinstance(v, dict):
            out.extend(_leaves(v, path))
        elif isinstance(v, list) and v and all(isinstance(x, dict) and "quarter" in x for x in v):
            for x in v:  # one row per quarter, labelled by it
                out.extend(_leaves({str(x["quarter"]): {q: y for q, y in x.items() if q != "quarter"}}, path))
        else:
            out.append((path, v))
    return out


def _blank(x: float | None) -> str | float:
    return "" if x is None else x


def _bn(x: float) -> str:
    """Billions with at least three significant figures (a loss of 0.4 bn is not printed as 0)."""
    v = x / 1e9
    if v == 0.0 or abs(v) >= 100.0:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _day(x: float | None) -> str:
    return "never" if x is None else f"{x:.0f}"


def _print_table(s: dict[str, Any], sc: Scenario) -> None:
    from simulator.economics.metrics import HALF_LOST
    con = Console()
    cur = s["currency"]
    yr = f", {s['price_year']} money" if s.get("price_year") else ""
    g, v, pc = s["gdp_loss_pct"], s["value_added_loss"], s["premium_cost"]
    con.print(f"[bold]{s['scenario']}[/bold]: {sc.description.splitlines()[0] if sc.description else ''}")
    con.print(f"{s['paths']:,} paths, seed {s['seed']}, {s['engine']} engine, horizon {s['horizon_days']} days, "
              f"{s['multiplier']} linkage, GDP base {cur} {s['gdp_base'] / 1e12:,.1f}tn{yr}")
    cal = s.get("calibration")
    if cal:
        on = f"targets {cal.get('targets') or 'none'}" + (f"; episodes {cal['episodes']}" if cal.get("episodes") else "")
        cols = cal["fitted"].split(", ")
        fitted = ", ".join(cols) if len(cols) <= 4 else f"{', '.join(cols[:3])} and {len(cols) - 3} more fields"
        con.print(f"calibrated: {fitted} drawn from {cal['draws']:,} fitted rows "
                  f"(conditioned on {on}, {cal.get('date', '?')[:10]}); --uncalibrated for the priors as written")
    head = Table(show_header=True, header_style="bold")
    for c in ("", "mean", "median", "5 %", "95 %"):
        head.add_column(c, justify="right" if c else "left")
    head.add_row(f"value added lost ({cur} bn{yr})", _bn(v["mean"]), _bn(v["median"]), _bn(v["p05"]), _bn(v["p95"]))
    vg = s["value_added_loss_gross"]
    head.add_row(f"  gross, before catch-up ({cur} bn{yr})", _bn(vg["mean"]), _bn(vg["median"]), _bn(vg["p05"]), _bn(vg["p95"]))
    head.add_row("share of GDP (%)", f"{g['mean']:.3f}", f"{g['median']:.3f}", f"{g['p05']:.3f}", f"{g['p95']:.3f}")
    head.add_row(f"extra procurement cost ({cur} bn{yr}, not in GDP loss)", _bn(pc["mean"]), _bn(pc["median"]), _bn(pc["p05"]), _bn(pc["p95"]))
    con.print(head)
    if s.get("gdp_loss_median_rel_error") is not None:
        con.print(f"Monte Carlo error of the median: ±{s['gdp_loss_median_rel_error']:.1%} (one standard error, relative to the median)")
    elif g["median"] == 0.0:
        con.print("Monte Carlo error of the median: none relative to it (the median path loses nothing)")
    t = Table(title=f"By sector ({cur} bn{yr}; means over paths, but % of plan: median [5-95 %] of the output lost "
                    f"over the whole {s['horizon_days']}-day horizon, not only the measure's days; cut day: first day "
                    f"output is more than 1 % below plan, the first firms stop; half lost: below {HALF_LOST:.0%} of plan)",
              show_header=True,
              header_style="bold")
    t.add_column("sector", overflow="fold", min_width=11, max_width=22)
    t.add_column("output\nlost\nmean", justify="right")
    t.add_column("% of plan\nmedian\n[5-95 %]", justify="right")
    t.add_column("VA lost\nmean", justify="right")
    t.add_column("cut\nday\nmedian", justify="right")
    t.add_column("half\nlost\nday\nmedian", justify="right")
    t.add_column("P(cut)", justify="right")
    rows = sorted(s["sectors"].items(), key=lambda kv: -kv[1]["value_added_loss"]["mean"])
    total_out = 0.0
    for name, sec in rows:
        ol, fs = sec["output_loss"], sec["first_stoppage_day"]
        half = sec.get("half_output_lost_day", {}).get("median")
        pct = sec.get("output_loss_pct_of_plan", {}).get("median")
        total_out += ol["mean"]
        pct_st = sec.get("output_loss_pct_of_plan")
        t.add_row(
            name.replace("_", " "),
            _bn(ol["mean"]),
            "" if pct is None or pct_st is None else f"{pct:.2g} [{pct_st['p05']:.2g}-{pct_st['p95']:.2g}]",
            _bn(sec["value_added_loss"]["mean"]),
            _day(fs["median"]),
            _day(half),
            f"{sec['stop_probability']:.0%}",
        )
    t.add_section()
    t.add_row("total", _bn(total_out), "", _bn(s["value_added_loss"]["mean"]), "", "", "")
    con.print(t)
    _print_quarters(con, s, cur, yr)


def _print_quarters(con: Console, s: dict[str, Any], cur: str, yr: str) -> None:
    t = Table(title="By quarter", show_header=True, header_style="bold")
    t.add_column("quarter")
    t.add_column("days", justify="right")
    t.add_column(f"value added lost, {cur} bn{yr}\nmean [5 %, 95 %]", justify="right")
    t.add_column(f"gross (before catch-up), {cur} bn{yr}\nmean [5 %, 95 %]", justify="right")
    t.add_column("% of the quarter's GDP\nmean", justify="right")
    for q in s["quarters"]:
        n, g = q["value_added_loss"], q["value_added_loss_gross"]
        t.add_row(q["quarter"], str(q["days"]), f"{_bn(n['mean'])} [{_bn(n['p05'])}, {_bn(n['p95'])}]",
                  f"{_bn(g['mean'])} [{_bn(g['p05'])}, {_bn(g['p95'])}]", f"{q['gdp_loss_pct_of_quarter']['mean']:.3f}")
    con.print(t)
    if any(q["value_added_loss"]["mean"] < 0 or q["value_added_loss"]["p05"] < 0 for q in s["quarters"]):
        con.print("A negative net figure is catch-up: output lost earlier made up in that quarter (overtime once the "
                  "input is back); the gross column counts only what was lost.")


@cli.command("explain")
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

    sc = _load(scenario, calibrated=not uncalibrated)
    seed = sc.run.seed if seed is None else seed
    if seed < 0:
        raise _Fail(str(InputError("option", "--seed", "must be >= 0", seed)))
    if not 0 <= path_index < DEFAULT_BLOCK_SIZE:
        raise _Fail(str(InputError("option", "--path", f"must be in 0..{DEFAULT_BLOCK_SIZE - 1}", path_index)))
    last_day = sc.run.horizon_days - 1
    first = 0 if day_from is None else day_from
    last = last_day if day_to is None else day_to
    if not 0 <= first <= last_day:
        raise _Fail(str(InputError("option", "--from", f"must be a day of the horizon, 0..{last_day}", first)))
    if not first <= last <= last_day:
        raise _Fail(str(InputError("option", "--to", f"must be a day from --from ({first}) to the horizon's last "
                                   f"({last_day})", last)))
    for m in materials:
        if m not in sc.materials:
            raise _Fail(str(InputError("option", "--material", "must be a material of the scenario ("
                                       + ", ".join(sc.material_ids) + ")" + suggest(m, sc.material_ids, listing=False), m)))
    if summarise and (show_all or categories):
        raise _Fail(str(InputError("option", "--summary", "cannot be combined with --all or --category (a summary "
                                   "covers every category)", "--summary")))
    draws = sample_draws(sc, path_index + 1, seed).subset(slice(path_index, path_index + 1))
    tr = simulate(sc, draws, engine="simpy", events=True)
    known = sorted({ev.category for ev in tr.events[0]})
    for c in categories:
        if c not in known:
            raise _Fail(str(InputError("option", "--category", "must be a category of this path's events ("
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


@cli.command("curve")
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
    from simulator.model.scenario import calibration_status
    from simulator.runs.curve import curve_horizon, duration_curve
    from simulator.runs.memory import check_run_options
    try:
        days = [int(x) for x in durations.split(",") if x.strip()]
    except ValueError:
        raise _Fail(f"--durations: must be whole days separated by commas; got {durations!r}") from None
    sc = _load(scenario, calibrated=not uncalibrated)
    try:
        check_run_options(n_paths, sc.run.seed if seed is None else seed, DEFAULT_BLOCK_SIZE)
    except InputError as exc:
        raise _input_error(exc) from None
    err = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet or not err.is_terminal, transient=True) as prog:
        task = prog.add_task(f"{sc.name}: {measure}", total=n_paths * max(len(days), 1))
        try:
            points = duration_curve(scenario, measure, days, n_paths=n_paths, seed=seed, horizon=horizon,
                                    progress=lambda n: prog.advance(task, n), calibrated=not uncalibrated)
        except InputError as exc:
            raise _input_error(exc) from None
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


@cli.command("assumptions")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown", show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(["fixed", "drawn", "fitted"]),
              help="Only fields of this status (repeatable).")
@UNCALIBRATED
def assumptions_cmd(scenario: str, fmt: str, statuses: tuple[str, ...], uncalibrated: bool) -> None:
    """Every field SCENARIO's run uses: fixed (value and citation), drawn (prior and source) or fitted, with units."""
    from simulator.model.assumptions import assumption_rows
    from simulator.model.scenario import calibration_status

    sc = _load(scenario, calibrated=not uncalibrated)
    rows = [r for r in assumption_rows(sc) if not statuses or r.status in statuses]
    head = ["field", "status", "value", "prior", "unit", "source"]
    if fmt == "json":
        click.echo(json.dumps({"scenario": sc.name, "calibration": calibration_status(sc),
                               "assumptions": [dict(zip(head, (r.path, r.status, r.value, r.prior, r.unit, r.source), strict=True))
                                               for r in rows]}, indent=1))
    elif fmt == "csv":
        buf = _io.StringIO()
        wr = csv.writer(buf)
        wr.writerow(head)
        for r in rows:
            wr.writerow([r.path, r.status, r.value, r.prior, r.unit, r.source])
        click.echo(buf.getvalue(), nl=False)
    else:
        n = {st: sum(r.status == st for r in rows) for st in ("fitted", "drawn", "fixed")}
        click.echo(f"# Assumptions of {sc.name}\n\n{calibration_status(sc)}; {n['fitted']} fitted, {n['drawn']} drawn on every "
                   f"path, {n['fixed']} fixed (with the adaptation switches and run settings).\n")
        click.echo("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for r in rows:
            click.echo("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in
                                         (f"`{r.path}`", r.status, r.value, r.prior, r.unit, r.source)) + " |")


@cli.command("compare")
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
        _load(s, calibrated=not uncalibrated)  # each file's own errors and warnings first, naming it
    try:
        check_run_options(n_paths, 0 if seed is None else seed, DEFAULT_BLOCK_SIZE)
        if figure_path is not None and not figure_path.absolute().parent.is_dir():
            raise InputError("option", "--figure", "must be in an existing directory", str(figure_path))
        err = Console(stderr=True)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=quiet or not err.is_terminal, transient=True) as prog:
            task = prog.add_task("compare", total=n_paths * len(scenarios))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InputWarning)
                doc = compare(list(scenarios), n_paths=n_paths, seed=seed, calibrated=not uncalibrated,
                              allow_different=allow_different, progress=lambda n: prog.advance(task, n))
        for w in caught:
            click.echo(f"warning: {w.message}", err=True)
    except InputError as exc:
        raise _input_error(exc) from None
    if figure_path is not None:
        _compare_figure(doc, figure_path)
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
                  f"{_bn(v['median'])}\n[{_bn(v['p05'])}, {_bn(v['p95'])}]",
                  "–" if d is None else f"{d['gdp_loss_pct']['median']:+.3f}\n[{d['gdp_loss_pct']['p05']:+.3f}, "
                                        f"{d['gdp_loss_pct']['p95']:+.3f}]",
                  "–" if d is None else f"{d['share_higher']:.0%}")
    con.print(t)
    if figure_path is not None:
        Console(stderr=True).print(f"figure written to {figure_path}")


def _compare_figure(doc: dict[str, Any], path: Path) -> None:
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
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks (the staged --out) run."""


class _Stopped(BaseException):
    """Interrupted or terminated with work kept (a sweep's finished blocks): the exit code and what to tell the user."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


# ------------------------------------------------------------------ sweep


@cli.command("sweep")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--grid", "grid", multiple=True, metavar="PATH=V1,V2,...",
              help="A dotted scenario path and its values (or start:stop:step, stop included); repeat for more dimensions.")
@click.option("--paths", "n_paths", type=int, default=DEFAULT_PATHS, show_default=True, help="Monte Carlo paths per variant.")
@SEED
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sweep directory: every finished block is kept here, with the outputs.")
@click.option("--resume", is_flag=True, help="Continue the sweep in --out, skipping finished blocks.")
@EXECUTION
@MULTIPLIER
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar and no resume line.")
@UNCALIBRATED
def sweep_cmd(scenario: str, grid: tuple[str, ...], n_paths: int, seed: int | None, out: Path | None, resume: bool,
              workers: int, scheduler: str | None, block_size: int, multiplier: str, fmt: str, quiet: bool,
              uncalibrated: bool) -> None:
    """Run SCENARIO over a grid of values of its fields (every combination), with common random numbers."""
    from rich.progress import TimeRemainingColumn

    from simulator.runs.sweep import run_sweep

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
                            calibrated=not uncalibrated,
                            resume=resume, workers=workers, scheduler=scheduler, multiplier=multiplier,  # type: ignore[arg-type]
                            progress=progress)
        except InputError as exc:
            raise _input_error(exc) from None
        except (KeyboardInterrupt, _Terminated) as exc:
            blocks = out / "blocks" if out is not None else None
            if blocks is None or not blocks.is_dir():
                raise
            kept = sum(1 for _ in blocks.glob("*/*.npz"))
            total = state.get("total")
            again = " ".join(["supplyshock sweep", *sys.argv[2:]] + ([] if resume else ["--resume"]))
            raise _Stopped(130 if isinstance(exc, KeyboardInterrupt) else 143,
                           f"{'interrupted' if isinstance(exc, KeyboardInterrupt) else 'terminated'}: {kept}"
                           + (f" of {total}" if total else "") + f" finished tasks (variant x block) kept in {blocks} "
                           f"with sweep.json and scenario.json; continue with: {again}") from None
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
    """Write DIRECTORY/report.html (and report.md) for a finished run, sweep or calibration.

    A run's and a calibration's report is self-contained HTML with its figures plus Markdown with figures/ beside it;
    a sweep's is the HTML page.
    """
    from simulator.reports.run_report import render_run_report
    from simulator.reports.sweep_report import render_report
    from simulator.runs.store import is_run_dir, not_a_results_dir

    def only_sweeps() -> None:
        if carrying_rate is not None:
            raise _Fail("--carrying-rate: applies to sweep reports only")

    try:
        for plugin in _plugins("supplyshock.reports"):  # e.g. calibration results (supplyshock calibrate --out)
            if plugin.is_calibration(directory):
                only_sweeps()
                path = plugin.render_report(directory)
                click.echo(f"report written to {path} (and report.md)")
                return
        if (directory / "sweep.json").exists():
            path = render_report(directory, carrying_rate=carrying_rate)
            click.echo(f"report written to {path}")
            return
        if not is_run_dir(directory):
            raise not_a_results_dir(directory)
        only_sweeps()
        path = render_run_report(directory)
    except InputError as exc:
        raise _input_error(exc) from None
    click.echo(f"report written to {path} (and report.md, figures/)")


def _print_sweep(res: Any, head: pd.DataFrame) -> None:
    import pandas as pd

    from simulator.model.scenario import calibration_status, money_unit
    con = Console()
    econ = res.base.economy
    money = money_unit(econ.currency, econ.price_year or econ.table_year)
    con.print(f"[bold]{res.base.name}[/bold]: {len(res.variants)} variant(s), {res.n_paths:,} paths each, seed {res.seed}, "
              f"{res.engine} engine, {res.multiplier} multipliers, horizon {res.base.run.horizon_days} days, "
              f"{calibration_status(res.base)}; the same random numbers in every variant")
    t = Table(show_header=True, header_style="bold")
    t.add_column("#", justify="right")
    for a in res.axes:
        t.add_column(a.path, justify="right", overflow="fold")
    # cells fold rather than cut, and a band sits under its mean, so nothing is lost at 80 columns
    t.add_column("share of GDP lost (%)\nmean\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column(f"value added lost ({money})\nmean\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column(f"extra procurement ({money})\nmean", justify="right", overflow="fold")
    t.add_column("earliest median\nstoppage day", justify="right", overflow="fold")
    for r in head.to_dict("records"):
        first = r["earliest_median_stoppage_day"]
        t.add_row(
            str(r["variant"]),
            *[str(r[a.path]) for a in res.axes],
            f"{r['gdp_loss_pct_mean']:.3f}\n[{r['gdp_loss_pct_p05']:.3f}, {r['gdp_loss_pct_p95']:.3f}]",
            f"{_bn(r['value_added_loss_mean'])}\n[{_bn(r['value_added_loss_p05'])}, {_bn(r['value_added_loss_p95'])}]",
            _bn(r["premium_cost_mean"]),
            "never" if pd.isna(first) else f"{first:.0f}",
        )
    con.print(t)


def _plugins(group: str) -> list[Any]:
    """Objects other installed packages offer under entry-point ``group`` (the command module stays thin)."""
    from importlib.metadata import entry_points

    return [ep.load() for ep in entry_points(group=group)]


for _cmd in _plugins("supplyshock.commands"):  # e.g. `calibrate`, from the calibration package
    cli.add_command(_cmd)


def main() -> None:
    """Console-script entry point.

    Exit codes: 0 ok, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated
    (SIGTERM), 1 internal error. Interrupted or terminated, nothing is left
    behind, except a sweep's finished blocks, kept for ``--resume`` (the
    message says so and gives the command).
    """
    signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C means "stop": also when started from a shell that ignores SIGINT for background jobs
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        rv = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted: nothing written", err=True)
        sys.exit(130)
    except _Terminated:
        click.echo("terminated: nothing written", err=True)
        sys.exit(143)
    except _Stopped as exc:
        click.echo(exc.message, err=True)
        sys.exit(exc.code)
    except InputError as exc:  # anything not caught at the command level
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
