"""Command-line options shared by several commands, defined once (this module imports only click).

Each is a decorator: ``@SEED`` above a command adds ``--seed`` with the same
name, type, default and help wherever it appears.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from simulator.defaults import DEFAULT_BLOCK_SIZE

__all__ = ["EXECUTION", "MULTIPLIER", "OVERWRITE", "QUIET", "SEED", "UNCALIBRATED"]

F = TypeVar("F", bound=Callable[..., Any])

SEED = click.option("--seed", type=int, default=None, help="Seed (>= 0) [default: the scenario's run.seed].")
"""``--seed``: the run's one seed; by default the scenario's ``run.seed``."""

QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")
"""``--quiet``: no progress bar."""

OVERWRITE = click.option("--overwrite", is_flag=True, help="Replace an existing non-empty --out directory.")
"""``--overwrite``: replace a non-empty results directory."""

UNCALIBRATED = click.option("--uncalibrated", is_flag=True,
                            help="Run on the uncalibrated priors (ignore the economy's fitted sample).")
"""``--uncalibrated``: the priors as written, without the economy's fitted sample."""

MULTIPLIER = click.option(
    "--multiplier", type=click.Choice(["supply-chain", "direct", "household"]), default="supply-chain",
    show_default=True,
    help="Linkage for value added lost: own and domestic suppliers' (supply-chain), own only (direct), or with "
         "household consumption (household, a sensitivity).")
"""``--multiplier``: how lost output becomes value added lost."""


def EXECUTION(f: F) -> F:
    """``--block-size``, ``--workers`` and ``--scheduler``: how the paths are split and where they run."""
    f = click.option("--scheduler", default=None,
                     help="Run on an existing Dask cluster: its scheduler's address (tcp://host:port).")(f)
    f = click.option("--workers", type=int, default=1, show_default=True,
                     help="Worker processes (K > 1 starts a local Dask cluster).")(f)
    return click.option("--block-size", type=int, default=DEFAULT_BLOCK_SIZE, show_default=True,
                        help="Paths per block (fixes the random streams).")(f)
