"""Loss versus duration: the same measure run for a range of durations on common random numbers.

Each duration is a variant of the scenario with the measure's ``end_day`` set
to ``start_day + duration`` (built as a sweep builds its variants, so any prior
on that ``end_day`` is removed), run over a
common horizon long enough to see the recovery after the longest one, with the
same seed: every variant draws the same numbers for everything else, so the
curve's steps are the measure's doing, not noise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.defaults import DEFAULT_BLOCK_SIZE, DEFAULT_DURATIONS
from simulator.economics.impact import impact_from_metrics
from simulator.errors import InputError, suggest
from simulator.model.loading import load_scenario
from simulator.runs.blocks import run_paths
from simulator.runs.grid import GridAxis, build_variants

__all__ = ["DEFAULT_DURATIONS", "RECOVERY_DAYS", "CurvePoint", "curve_horizon", "duration_curve"]

RECOVERY_DAYS = 90
"""Days after the longest measure ends that the common horizon still covers."""


@dataclass(frozen=True)
class CurvePoint:
    """One duration's result: GDP loss (% of GDP) and value added lost (currency) over paths."""

    duration: int
    gdp_loss_pct: tuple[float, float, float]
    value_added_loss: tuple[float, float, float]
    first_stoppage_day: float | None
    """Median over paths of the first day any sector's output is cut (None if most paths never)."""


def curve_horizon(scenario_horizon: int, start: int, durations: Sequence[int]) -> int:
    """The curve's default horizon: the scenario's, or longer so that ``RECOVERY_DAYS`` follow the longest measure."""
    return max(scenario_horizon, start + max(durations) + RECOVERY_DAYS)


def _band(x: np.ndarray) -> tuple[float, float, float]:
    return float(np.median(x)), float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))


def duration_curve(
    scenario: str | os.PathLike[str],
    measure: str,
    durations: Sequence[int] = DEFAULT_DURATIONS,
    *,
    n_paths: int = 5_000,
    seed: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    progress: Callable[[float], None] | None = None,
    calibrated: bool = True,
    horizon: int | None = None,
) -> list[CurvePoint]:
    """Loss for each duration of one measure of a scenario.

    Parameters
    ----------
    scenario : str or path
        A built-in scenario name or a scenario file.
    measure : str
        Id of the measure whose duration varies (a key of the scenario's ``policy``).
    durations : sequence of int, days
        Each at least 1.
    n_paths : int
    seed : int, optional
        Default: the scenario's ``run.seed``.
    calibrated : bool
        Run on the economy's fitted sample (``False``: the uncalibrated priors).
    horizon : int, optional
        Days simulated for every duration (at least the longest measure's end); default
        :func:`curve_horizon`: the scenario's, or longer to see ``RECOVERY_DAYS`` after the longest.

    Returns
    -------
    list of CurvePoint, one per duration, in the given order.

    Raises
    ------
    InputError
        Unknown measure (with a suggestion) or a duration below 1 day.
    """
    base = load_scenario(scenario, calibrated=calibrated)
    if measure not in base.policy:
        raise InputError(str(scenario), "`measure`", "names no measure of the scenario"
                         + suggest(measure, list(base.policy)), measure)
    bad = [d for d in durations if d < 1]
    if bad or not durations:
        raise InputError(str(scenario), "`durations`", "must be whole days >= 1", bad[0] if bad else "(none)")
    start = base.policy[measure].start_day
    if horizon is None:
        horizon = curve_horizon(base.run.horizon_days, start, durations)
    elif horizon < start + max(durations):
        raise InputError(str(scenario), "`horizon`", f"must be at least the longest measure's end (day {start + max(durations)}: "
                         f"start day {start} + {max(durations)} days)", horizon)
    seed = base.run.seed if seed is None else seed
    # the variants as a sweep builds them: validated, the grid's field freed of its prior
    ends = GridAxis(f"policy.{measure}.end_day", tuple(start + int(d) for d in durations))
    _, variants = build_variants(scenario, [ends, GridAxis("run.horizon_days", (horizon,))], calibrated=calibrated)
    out = []
    for dur, v in zip(durations, variants, strict=True):
        res = run_paths(v.scenario, n_paths, seed, block_size=block_size, progress=progress)
        imp = impact_from_metrics(res.metrics, v.scenario)
        first = imp.first_stoppage_day.min(axis=1)  # the first sector's output cut; inf if none
        med = float(np.median(first))
        out.append(CurvePoint(int(dur), _band(imp.gdp_loss_pct), _band(imp.value_added_loss),
                              med if np.isfinite(med) else None))
    return out
