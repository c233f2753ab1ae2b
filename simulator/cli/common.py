"""What the commands share: loading a scenario with its warnings printed once, the exit-2 error, signals, plugins.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from simulator.errors import InputError, InputWarning

if TYPE_CHECKING:

    from simulator.model.scenario import Scenario


OPTIONS: dict[str, str] = {
    # the runs, reports and stores (simulator)
    "n_paths": "--paths", "seed": "--seed", "block_size": "--block-size", "workers": "--workers",
    "scheduler": "--scheduler", "out": "--out", "overwrite": "--overwrite", "resume": "--resume", "grid": "--grid",
    "directory": "DIR", "carrying_rate": "--carrying-rate", "scenarios": "SCENARIO",
    "allow_different": "--allow-different", "measure": "--measure", "durations": "--durations", "horizon": "--horizon",
    # calibration (supplyshock calibrate, backcast)
    "name_or_path": "EPISODE", "until": "--until", "free": "--free", "free_names": "--free",
    "target_names": "--target", "n_base": "--sensitivity-samples",
}
"""The one map from a Python parameter (as the library's functions spell it) to the command line's option or
argument for it: an :class:`InputError` naming a parameter reaches the user naming the option (:func:`fail`)."""


class Fail(click.ClickException):
    """A bad input at the command line: printed as ``error: MESSAGE`` on stderr, exit code 2."""
    exit_code = 2

    def show(self, file: Any = None) -> None:
        """Print ``error: MESSAGE`` on stderr (click's default adds a usage line)."""
        click.echo(f"error: {self.message}", err=True)


def as_option(exc: InputError) -> InputError:
    """``exc`` in the command line's words: a parameter it names becomes its option (:data:`OPTIONS`)."""
    return exc.renamed(OPTIONS, "option")


def fail(exc: InputError) -> Fail:
    """The exit-2 error for ``exc``, naming the command line's options rather than the library's parameters."""
    return Fail(str(as_option(exc)))


def load(scenario: str, calibrated: bool = True) -> Scenario:
    """Load a scenario; unusual values are printed to stderr as ``warning: ...`` (the exit code stays 0)."""
    from simulator.model.loading import load_scenario
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            sc = load_scenario(scenario, calibrated=calibrated)
        except InputError as exc:
            raise fail(exc) from None
    for w in caught:
        if issubclass(w.category, InputWarning):
            click.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return sc


def plugins(group: str) -> list[Any]:
    """Objects other installed packages offer under entry-point ``group`` (the command module stays thin)."""
    from importlib.metadata import entry_points

    return [ep.load() for ep in entry_points(group=group)]


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks (the staged --out) run."""


class Stopped(BaseException):
    """Interrupted or terminated with work kept (a sweep's finished blocks): the exit code and what to tell the user."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM handler: raise :class:`Terminated` in the main thread, so staged outputs are removed on the way out."""
    raise Terminated


def progress_bar(err: Console, *, quiet: bool) -> Progress:
    """The progress bar every long command shows on stderr: what runs, a bar, done of total, time taken and left.

    Hidden with ``--quiet`` or when stderr is not a terminal, and removed when done (``transient``), so a
    command's output is the same whether or not the bar was shown.
    """
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("ETA"), TimeRemainingColumn(), console=err, disable=quiet or not err.is_terminal,
                    transient=True)
