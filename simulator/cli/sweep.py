"""``supplyshock sweep`` (a grid of variants, resumable) and ``report`` (the report of a finished run or sweep).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from simulator.cli.options import EXECUTION, MULTIPLIER, SEED, UNCALIBRATED
from simulator.errors import InputError

if TYPE_CHECKING:

    pass
from simulator.cli.common import Fail, Stopped, Terminated, fail, plugins, progress_bar
from simulator.cli.run import DEFAULT_PATHS
from simulator.reports.tables import print_sweep


@click.command("sweep")
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

    from simulator.runs.sweep import run_sweep

    err = Console(stderr=True)
    state: dict[str, Any] = {}
    with progress_bar(err, quiet=quiet) as prog:
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
            raise fail(exc) from None
        except (KeyboardInterrupt, Terminated) as exc:
            blocks = out / "blocks" if out is not None else None
            if blocks is None or not blocks.is_dir():
                raise
            kept = sum(1 for _ in blocks.glob("*/*.npz"))
            total = state.get("total")
            again = " ".join(["supplyshock sweep", *sys.argv[2:]] + ([] if resume else ["--resume"]))
            raise Stopped(130 if isinstance(exc, KeyboardInterrupt) else 143,
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
        print_sweep(res, head)
        if out is not None:
            err.print(f"sweep written to {out} (supplyshock report {out} makes its HTML report)")


@click.command("report")
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
            raise Fail("--carrying-rate: applies to sweep reports only")

    try:
        for plugin in plugins("supplyshock.reports"):  # e.g. calibration results (supplyshock calibrate --out)
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
        raise fail(exc) from None
    click.echo(f"report written to {path} (and report.md, figures/)")
