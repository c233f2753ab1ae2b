"""Loss versus duration: the same measure run for a range of durations on common random numbers.

Each duration is a variant of the scenario with the measure's ``end_day`` set
to ``start_day + duration`` (any prior on its ``end_day`` removed), run over a
common horizon long enough to see the recovery after the longest one, with the
same seed: every variant draws the same numbers for everything else, so the
curve's steps are the measure's doing, not noise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.draws import DEFAULT_BLOCK_SIZE
from simulator.economics import impact_from_metrics
from simulator.errors import InputError
from simulator.io import load_scenario
from simulator.scenario import _suggest
from simulator.stream import run_paths

__all__ = ["DEFAULT_DURATIONS", "RECOVERY_DAYS", "CurvePoint", "duration_curve"]

DEFAULT_DURATIONS = (30, 60, 90, 120, 180, 270, 365)
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

    Returns
    -------
    list of CurvePoint, one per duration, in the given order.

    Raises
    ------
    InputError
        Unknown measure (with a suggestion) or a duration below 1 day.
    """
    base = load_scenario(scenario)
    if measure not in base.policy:
        raise InputError(str(scenario), "--measure", "names no measure of the scenario"
                         + _suggest(measure, list(base.policy)), measure)
    bad = [d for d in durations if d < 1]
    if bad or not durations:
        raise InputError(str(scenario), "--durations", "must be whole days >= 1", bad[0] if bad else "(none)")
    start = base.policy[measure].start_day
    horizon = max(base.run.horizon_days, start + max(durations) + RECOVERY_DAYS)
    seed = base.run.seed if seed is None else seed
    out = []
    for dur in durations:
        over = {"policy": {measure: {"end_day": start + int(dur)}}, "run": {"horizon_days": horizon}}
        sc = load_scenario(scenario, overrides=over)
        if f"policy.{measure}.end_day" in sc.uncertainty:
            priors = {k: v for k, v in sc.uncertainty.items() if k != f"policy.{measure}.end_day"}
            sc = sc.model_copy(update={"uncertainty": priors})
        res = run_paths(sc, n_paths, seed, block_size=block_size, progress=progress)
        imp = impact_from_metrics(res.metrics, sc)
        first = np.nanmin(np.where(np.isfinite(imp.first_stoppage_day), imp.first_stoppage_day, np.nan), axis=1,
                          initial=np.inf) if imp.first_stoppage_day.size else np.array([np.inf])
        med = float(np.median(first))
        out.append(CurvePoint(int(dur), _band(imp.gdp_loss_pct), _band(imp.value_added_loss),
                              med if np.isfinite(med) else None))
    return out
