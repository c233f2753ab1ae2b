"""What a reviewer needs beyond the fit itself, computed once by ``supplyshock calibrate`` and stored.

* **Predictive distributions** of every published estimate's quantity: the
  posterior predictive (each path draws one row of the fitted sample and every
  other prior) and the prior predictive (each path draws the free parameters
  from their priors and every other prior), per path, on the estimate's own
  scenario and horizon.
* **Loss versus duration** of a full stop, posterior and prior predictive,
  each duration run past its stop's end (``simulator.runs.curve.RECOVERY_DAYS``).
* **Backcasts** of the shipped episodes with the fitted sample.
* **Facts** of each estimate's scenario (what the model computes for it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from typing import Any

import numpy as np

import simulator
from calibration.model import FreeParam, _quantities
from calibration.parallel import one_blas_thread, run_metrics
from calibration.register import target_facts
from calibration.targets import Target
from simulator.model.draws import Draws, sample_draws
from simulator.model.fields import prior_targets
from simulator.model.scenario import Scenario
from simulator.model.schema_prior import Prior
from simulator.runs.curve import RECOVERY_DAYS

__all__ = ["CURVE_DAYS", "CURVE_MEASURE", "CURVE_SCENARIO", "QUANTILES", "duration_curve", "episode_backcasts",
           "facts", "predictive"]

QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles stored for every distribution over paths: the per-path 5-95 % band and the median."""

CURVE_SCENARIO = "japan-1y-curb"
"""Scenario of the report's loss-versus-duration curve (a full stop of every Chinese rare earth)."""
CURVE_MEASURE = "china_stop"
"""Its measure whose duration varies."""
CURVE_DAYS = (30, 60, 90, 120, 180, 270, 365)
"""Durations (days) of the full stop in the curve."""

Say = Callable[[str], None]


def _q(v: np.ndarray) -> list[float]:
    return [float(x) for x in np.quantile(v, QUANTILES)]


def with_free_priors(sc: Scenario, free: Sequence[FreeParam]) -> Scenario:
    """``sc`` with each free parameter's prior on its fields (the prior predictive's scenario)."""
    known = prior_targets(sc)
    pri = {p.path: Prior(dist=p.dist, low=p.low, high=p.high, source=p.basis)  # type: ignore[arg-type]
           for p in free if p.path in known}
    return sc.model_copy(update={"uncertainty": {**sc.uncertainty, **pri}})


def prior_draws(sc: Scenario, free: Sequence[FreeParam], n_paths: int, seed: int) -> Draws:
    """Draws of ``with_free_priors(sc, free)``; a parameter over several fields sets them all to its one draw."""
    draws = sample_draws(sc, n_paths, seed)
    known = prior_targets(sc)
    params = dict(draws.params)
    for p in free:
        if p.path in params:
            for extra in p.also:
                if extra in known:
                    params[extra] = params[p.path]
    return dataclasses.replace(draws, params=params)


def _scenario(name: str, overrides: Mapping[str, Any], post: Mapping[str, Any] | None) -> Scenario:
    """A scenario with overrides, on the fitted sample ``post`` (None: uncalibrated, scales as written)."""
    if post is None:
        return simulator.load_scenario(name, overrides=dict(overrides) or None, calibrated=False)
    return simulator.load_scenario(name, overrides={**overrides, "calibration": {"posterior": dict(post)}}, calibrated=True)


@one_blas_thread()
def predictive(targets: Sequence[Target], free: Sequence[FreeParam], post: Mapping[str, Any], *, n_paths: int, seed: int,
               progress: Say | None = None, workers: int = 1) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Posterior and prior predictive of every target's quantity, per path, on its own scenario.

    Targets on the same scenario and overrides share one run (the same paths).

    Parameters
    ----------
    targets : sequence of Target
        Fitted and reconciliation targets.
    free : sequence of FreeParam
    post : mapping
        The fitted sample (the layout of ``calibration.posterior``).
    n_paths, seed : int
    workers : int
        Processes the paths run on (the same numbers for any number).

    Returns
    -------
    doc : dict
        ``{"paths", "seed", "quantiles", "targets": {name: {"posterior": [5, 50, 95 %], "prior": [...]}}}``.
    per_path : dict of str to ndarray
        Target name -> its posterior-predictive values per path.
    """
    groups: dict[str, list[Target]] = {}
    for t in targets:
        groups.setdefault(f"{t.scenario}|{sorted(t.overrides.items())!r}", []).append(t)
    out: dict[str, dict[str, list[float]]] = {t.name: {} for t in targets}
    per: dict[str, np.ndarray] = {}
    runs = []  # per group: its posterior predictive run, then its prior predictive run
    for ts in groups.values():
        t0 = ts[0]
        sc = _scenario(t0.scenario, t0.overrides, post)
        sc0 = with_free_priors(_scenario(t0.scenario, t0.overrides, None), free)
        runs += [(sc, sample_draws(sc, n_paths, seed)), (sc0, prior_draws(sc0, free, n_paths, seed))]
    with closing(run_metrics(runs, workers)) as pms:  # every run at once
        for i, ts in enumerate(groups.values()):
            t0 = ts[0]
            if progress is not None:
                progress(f"predictive: {t0.scenario}{' (with overrides)' if t0.overrides else ''}, posterior and prior, "
                         f"{n_paths:,} paths each")
            (sc, draws), (sc0, draws0) = runs[2 * i], runs[2 * i + 1]
            vals = _quantities(sc, draws, ts, next(pms))
            vals0 = _quantities(sc0, draws0, ts, next(pms))
            for t in ts:
                out[t.name] = {"posterior": _q(vals[t.name]), "prior": _q(vals0[t.name])}
                per[t.name] = vals[t.name]
    return {"paths": n_paths, "seed": seed, "quantiles": list(QUANTILES), "targets": out}, per


@one_blas_thread()
def duration_curve(free: Sequence[FreeParam], post: Mapping[str, Any], *, n_paths: int, seed: int,
                   scenario: str = CURVE_SCENARIO, measure: str = CURVE_MEASURE,
                   days: Sequence[int] = CURVE_DAYS, workers: int = 1) -> dict[str, Any]:
    """Value added lost against the duration of a full stop: posterior and prior predictive, per-path quantiles.

    Each duration ``D`` ends the measure at ``start_day + D`` and runs to
    ``max(horizon, start_day + D + RECOVERY_DAYS)``, so every stop is followed
    by a recovery (catch-up, orders refilled) inside the horizon; every
    duration uses the same seed (common random numbers). ``workers``
    processes run the paths (the same numbers for any number).

    Returns
    -------
    dict
        ``scenario``, ``measure``, ``days``, ``horizons`` (days, per duration), ``recovery_days``, ``paths``,
        ``seed``, ``calibrated`` and ``prior`` (per duration: 5, 50, 95 % of the value added lost, currency).
    """
    base = simulator.load_scenario(scenario, calibrated=False)
    start = base.policy[measure].start_day
    horizons = [max(base.run.horizon_days, start + int(d) + RECOVERY_DAYS) for d in days]
    out: dict[str, Any] = {"scenario": scenario, "measure": measure, "days": [int(d) for d in days], "horizons": horizons,
                           "recovery_days": RECOVERY_DAYS, "paths": n_paths, "seed": seed,
                           "currency": base.economy.currency, "price_year": base.economy.price_year}
    q = Target(name="curve", description="curve", scenario=scenario, quantity="value_added_loss", value=1.0, unit="currency",
               rel_sd=1.0, uncertainty_basis="curve", source="curve", confidence="-")
    labels, runs = [], []
    for label in ("calibrated", "prior"):
        out[label] = []
        for d, h in zip(days, horizons, strict=True):
            ov = {"policy": {measure: {"end_day": start + int(d)}}, "run": {"horizon_days": h}}
            if label == "calibrated":
                sc = _scenario(scenario, ov, post)
                draws = sample_draws(sc, n_paths, seed)
            else:
                sc = with_free_priors(_scenario(scenario, ov, None), free)
                draws = prior_draws(sc, free, n_paths, seed)
            labels.append(label)
            runs.append((sc, draws))
    with closing(run_metrics(runs, workers)) as pms:  # every run at once
        for label, (sc, draws), pm in zip(labels, runs, pms, strict=True):
            out[label].append(_q(_quantities(sc, draws, [q], pm)["curve"]))
    return out


@one_blas_thread()
def episode_backcasts(post: Mapping[str, Any], *, n_paths: int, seed: int, progress: Say | None = None) -> dict[str, Any]:
    """Each shipped episode backcast with the fitted sample ``post``: coverage and the observation rows.

    Returns
    -------
    dict
        Episode name -> the backcast document without its monthly fans (``calibration.backcast.backcast``).
    """
    from calibration.backcast import backcast, json_ready
    from calibration.episodes import builtin_episodes, load_episode
    from calibration.reconcile import _merge

    out = {}
    for name in builtin_episodes():
        if progress is not None:
            progress(f"backcast: {name}, {n_paths:,} paths, with the fitted sample")
        ep = load_episode(name)
        ep = ep.model_copy(update={"overrides": _merge(ep.overrides, {"calibration": {"posterior": dict(post)}})})
        doc = backcast(ep, n_paths=n_paths, seed=seed, calibrated=True)
        doc.pop("fans", None)
        out[name] = json_ready(doc)
    return out


def facts(targets: Sequence[Target]) -> dict[str, Any]:
    """:func:`calibration.register.target_facts` of every target's scenario (uncalibrated, with its overrides)."""
    return {t.name: target_facts(simulator.load_scenario(t.scenario, overrides=t.overrides or None, calibrated=False),
                                 t.sector) for t in targets}
