"""Condition parameters on an observed episode: ``supplyshock calibrate --episode EPISODE [--until DATE]``.

The episode's levers (its ``[free]`` section, priors from its scenario's
``[uncertainty]``; or ``--free`` names) get a posterior given the observations
that ended on or before ``until`` (an observation's period end, its reported
date, or its "none by" date), with the calibration's machinery:

1. **Design.** A scrambled Sobol design over the levers' prior box (unit
   cube); the episode's scenario is run at every design point on the same
   paths (common random numbers) and each observation's model value is kept
   per path (:class:`calibration.episode_runs.EpisodeRuns`). A second wave of half as many points is drawn from the first
   posterior of the last cut-off, so the design resolves where the posterior is.
2. **Likelihood.** Per design point, the Monte Carlo estimate of the marginal
   likelihood of the observations: the mean over paths of the product of
   each observation's kernel (normal with the observation's stated sd for
   points, the normal CDF of the path's first stop past a "none by" date with
   ``sd_days``, the indicator of a bound with a floor of ``BOUND_FLOOR``). It
   integrates over everything else a path draws (the other priors, the
   economy's fitted sample, licence times), so only the levers are conditioned.
3. **Emulator and sampler.** A Gaussian process of the log-likelihood over
   the unit cube, emcee on it (flat on the cube = the priors), ArviZ split
   R-hat and bulk ESS. With ``targets``, the published targets' synthetic
   likelihood (as :func:`calibration.fit.calibrate`) is added and their free
   scales join the levers (a joint fit on the priors as written).
4. **Nowcast.** The same at every month-end at which an observation ended, up
   to ``until``: the posterior, and the predictive of every observation and of
   the horizon's loss (the model run at posterior draws), before conditioning
   (the prior: the design's first wave) and after each cut-off; later
   observations show whether the forecast held.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats
from scipy.stats import qmc

import simulator
from calibration.episode_runs import EpisodeRuns, RunValues
from calibration.episode_values import observed_sd, observed_value
from calibration.episodes import Episode, period_days, series_key
from calibration.fit import Emulator, sample_posterior, target_log_likelihood
from calibration.model import FreeParam, TargetRuns, from_unit_cube
from calibration.targets import Target
from simulator.errors import PARAMETER, InputError
from simulator.model.loading import scenario_to_json
from simulator.model.scenario import Scenario

__all__ = ["FORMAT", "condition", "cutoffs", "episode_free", "log_kernels", "log_likelihood", "observation_end"]

FloatArray = npt.NDArray[np.float64]
FORMAT = "supplyshock-conditioning/1"
BOUND_FLOOR = 1e-6
"""A path outside a bound (or stopped before a "none by" date) keeps this much likelihood: the chance the bound itself
is wrong. It keeps the log-likelihood finite where no path satisfies the bound."""
QS = (0.05, 0.25, 0.5, 0.75, 0.95)


def episode_free(ep: Episode, sc: Scenario, names: Sequence[str] = ()) -> list[FreeParam]:
    """The episode's levers as free parameters (priors from the scenario), all or those in ``names``.

    Raises
    ------
    InputError
        An unknown name, or an episode without levers.
    """
    if not ep.free:
        raise InputError(ep.origin, "free", "must name at least one lever ([free.NAME] with paths) to condition on", "missing")
    out = []
    for name, fr in ep.free.items():
        if names and name not in names:
            continue
        prior = sc.uncertainty[fr.paths[0]]
        out.append(FreeParam(name=name, path=fr.paths[0], also=tuple(fr.paths[1:]), label=fr.label, dist=prior.dist,
                             low=float(prior.low or 0.0), high=float(prior.high or 0.0),
                             basis=prior.source or "the scenario's prior"))
    return out


def observation_end(ep: Episode, name: str, horizon: int) -> datetime.date:
    """The date an observation is known by: its period's end, its reported date, or the horizon's end (a bound)."""
    ob = ep.observations[name]
    if ob.kind == "first_stop":
        return ob.stop_date
    if ob.period is not None:
        y, m = (int(x) for x in ob.period.split("-"))
        return datetime.date(y, m, calendar.monthrange(y, m)[1])
    if ob.end is not None:
        return ob.end
    return ep.anchor + datetime.timedelta(days=horizon - 1)


def _month_end(d: datetime.date) -> datetime.date:
    return datetime.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def cutoffs(ep: Episode, until: datetime.date | None, horizon: int) -> list[datetime.date]:
    """The nowcast's cut-offs: every month-end by which a new observation ended, up to ``until`` (which ends the list)."""
    ends = sorted({_month_end(observation_end(ep, n, horizon)) for n in ep.observations})
    last = until or ends[-1]
    out = [d for d in ends if d < last]
    return [*out, last]


def used_by(ep: Episode, cut: datetime.date | None, horizon: int) -> list[str]:
    """Observations that ended on or before ``cut`` (none for ``None``: the prior)."""
    if cut is None:
        return []
    return [n for n in ep.observations if observation_end(ep, n, horizon) <= cut]


# ------------------------------------------------------------------ likelihood


def log_kernels(ep: Episode, sc: Scenario, values: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Each observation's log-likelihood given one path's value, for every path (same shapes as ``values``).

    Points: normal density of the observation around the path's value with
    the stated sd (a first stop that never came counts at the horizon); "none
    by": the normal CDF of (path's first stop - date) / ``sd_days``; bounds:
    0 inside, ``log(BOUND_FLOOR)`` outside.

    Raises
    ------
    InputError
        A point observation without a stated uncertainty (sd 0).
    """
    out = {}
    floor = math.log(BOUND_FLOOR)
    for name, v in values.items():
        ob = ep.observations[name]
        if ob.kind == "gdp_loss":
            out[name] = np.where((v >= (ob.low or 0.0)) & (v <= (ob.high or 0.0)), 0.0, floor)
        elif ob.kind == "first_stop" and ob.none_by is not None:
            d = observed_value(ep, ob)
            z = np.where(np.isfinite(v), (v - d) / max(ob.sd_days, 1.0), np.inf)
            out[name] = np.maximum(stats.norm.logcdf(z), floor)
        else:
            sd = observed_sd(ep, ob)
            if not sd > 0:
                field = "sd_days" if ob.kind == "first_stop" else "sd"
                raise InputError(ep.origin, f"observations.{name}.{field}", "must be > 0 to condition on the observation "
                                 "(its stated uncertainty is the likelihood's width)", sd)
            x = np.where(np.isfinite(v), v, float(sc.run.horizon_days))
            out[name] = stats.norm.logpdf(observed_value(ep, ob), loc=x, scale=sd)
    return out


def log_likelihood(kernels: dict[str, FloatArray], names: Sequence[str]) -> FloatArray:
    """Monte Carlo marginal log-likelihood of observations ``names`` per parameter vector: log mean over paths of
    the product of their kernels; ``kernels`` of shape (J, P), result (J,) (0 with no observations)."""
    if not names:
        first = next(iter(kernels.values()))
        return np.zeros(first.shape[0])
    tot = np.sum([kernels[n] for n in names], axis=0)
    return np.asarray(special.logsumexp(tot, axis=1) - math.log(tot.shape[1]), dtype=np.float64)


# ------------------------------------------------------------------ conditioning


def _q(x: FloatArray) -> list[float]:
    return [float(v) for v in np.quantile(np.asarray(x).ravel(), QS)]


def _predictive(ep: Episode, sc: Scenario, rv: RunValues, used: Sequence[str], rng: np.random.Generator) -> dict[str, Any]:
    """Quantiles of every observation's predictive (model value plus the observation's error), where the observation
    falls in it, and the horizon's loss; from runs stacked over parameter draws and paths."""
    obs = {}
    for name, ob in ep.observations.items():
        v = rv.values[name].ravel()
        row: dict[str, Any] = {"used": name in used}
        if ob.kind == "gdp_loss":
            row.update(q=_q(v), probability=float(np.mean((v >= (ob.low or 0.0)) & (v <= (ob.high or 0.0)))))
        elif ob.kind == "first_stop" and ob.none_by is not None:
            row.update(probability=float(np.mean(~(v <= observed_value(ep, ob)))))
        else:
            x = np.where(np.isfinite(v), v, float(sc.run.horizon_days)) + observed_sd(ep, ob) * rng.standard_normal(v.size)
            q = np.quantile(x, QS)
            y = observed_value(ep, ob)
            row.update(q=[float(a) for a in q], quantile=float(np.mean(x < y) + 0.5 * np.mean(x == y)),
                       in50=bool(q[1] <= y <= q[3]), in90=bool(q[0] <= y <= q[4]))
        obs[name] = row
    return {"observations": obs, "loss": {k: _q(v) for k, v in rv.loss.items()},
            "fans": {k: [{"first": f, "last": la, "q": _q(v)} for f, la, v in rows] for k, rows in rv.months.items()}}


def _checked_until(ep: Episode, until: datetime.date | None, horizon: int) -> None:
    """Refuse an ``until`` before the episode's day 0 or past its horizon's last day.

    Raises
    ------
    InputError
        ``until`` outside the episode's horizon.
    """
    if until is not None and not ep.anchor <= until:
        raise InputError(PARAMETER, "until", f"must be on or after the episode's day 0 ({ep.anchor})", until.isoformat())
    last_end = ep.anchor + datetime.timedelta(days=horizon - 1)
    if until is not None and until > last_end:
        raise InputError(PARAMETER, "until", f"must lie within the episode's horizon ({ep.anchor} to {last_end})",
                         until.isoformat())


def _checked_cutoffs(ep: Episode, until: datetime.date | None, horizon: int) -> list[datetime.date]:
    """The nowcast's cut-offs (:func:`cutoffs`), refused when the last one uses no observation.

    Raises
    ------
    InputError
        ``until`` before the first observation's end.
    """
    cuts = cutoffs(ep, until, horizon)
    if not used_by(ep, cuts[-1], horizon):
        first = min(observation_end(ep, n, horizon) for n in ep.observations)
        raise InputError(PARAMETER, "until", f"must be on or after the first observation's end ({first})",
                         until.isoformat() if until else "")
    return cuts


@dataclass(frozen=True)
class _Sampler:
    """How a posterior is fitted on a design: the published targets (none: the episode alone), the first wave's
    size (the targets' Monte Carlo error is read from it), the levers' names and emcee's settings."""

    targets: Sequence[Target]
    n_design: int
    names: list[str]
    walkers: int
    steps: int
    n_keep: int

    def fit(self, u: FloatArray, kern: dict[str, FloatArray], used: list[str], tst: dict[str, FloatArray],
            tse: dict[str, FloatArray], wave_seed: int) -> tuple[FloatArray, dict[str, Any], float]:
        """The posterior given observations ``used`` on design ``u`` (unit cube, (J, k)).

        Parameters
        ----------
        u : ndarray of shape (J, k)
            Design points.
        kern : dict of str to ndarray of shape (J, P)
            Each observation's log-kernel per design point and path (:func:`log_kernels`).
        used : list of str
            The observations conditioned on.
        tst, tse : dict of str to ndarray of shape (J,)
            The targets' medians and their Monte Carlo errors at ``u`` (empty without targets).
        wave_seed : int
            Seeds the emulators and the sampler.

        Returns
        -------
        u_post : ndarray of shape (n_keep, k)
            Posterior draws on the unit cube.
        diagnostics : dict
            :func:`calibration.fit.sample_posterior`'s.
        loo : float
            The episode emulator's leave-one-out rms error (log-likelihood units).
        """
        ll = log_likelihood(kern, used)
        emu = Emulator(u, {"episode": ll}, wave_seed, log=False)
        parts: list[Callable[[FloatArray], FloatArray]] = [lambda x: emu.mean(x)["episode"]]
        if self.targets:
            targets, n_design = self.targets, self.n_design
            temu = Emulator(u, {t.name: np.maximum(tst[t.name], 1e-12 * t.value) for t in targets}, wave_seed)
            rel = {t.name: float(np.median(tse[t.name][:n_design] / np.maximum(tst[t.name][:n_design], 1e-300)))
                   for t in targets}
            parts.append(target_log_likelihood(targets, temu, rel))

        def total(x: FloatArray) -> FloatArray:
            return np.sum([f(x) for f in parts], axis=0)

        start = u[int(np.argmax(total(u)))]
        u_post, diag = sample_posterior(total, start, self.names, seed=wave_seed, walkers=self.walkers, steps=self.steps,
                                        burn=self.steps // 4, n_keep=self.n_keep)
        return u_post, diag, emu.loo_rel_error["episode"]


@dataclass
class _Design:
    """Both waves of the design, stacked: points ``u`` (unit cube), each observation's log-kernels ``kern`` per point
    and path, the targets' medians ``tstat`` and errors ``tse`` (empty without targets); the first wave's runs
    ``rv1`` (the prior predictive), the last cut-off's first posterior ``u_first`` and each observation's ``reach``."""

    u: FloatArray
    kern: dict[str, FloatArray]
    tstat: dict[str, FloatArray]
    tse: dict[str, FloatArray]
    rv1: RunValues
    u_first: FloatArray
    reach: dict[str, list[float]]


def _design(ep: Episode, sc: Scenario, free: list[FreeParam], runs: EpisodeRuns, sampler: _Sampler,
            cuts: list[datetime.date], n_paths: int, seed: int, say: Callable[[str], None]) -> _Design:
    """Run both waves: the Sobol first wave, then half as many points drawn from the last cut-off's first posterior.

    The targets' medians (with ``sampler.targets``) are simulated at the same points on their own runs.
    """
    T = sc.run.horizon_days
    n_design = sampler.n_design
    say(f"design: {n_design} points x {n_paths:,} paths of {sc.name} over {T} days")
    u1 = qmc.Sobol(len(free), scramble=True, seed=seed).random(n_design)
    rv1 = runs.run(from_unit_cube(free, u1))
    trun = None
    tstat: dict[str, FloatArray] = {}
    tse: dict[str, FloatArray] = {}
    if sampler.targets:
        say(f"targets: {', '.join(t.name for t in sampler.targets)} at the same design")
        trun = TargetRuns(sampler.targets, free, n_paths, seed, partial=True)
        tstat, tse = trun.statistics(from_unit_cube(free, u1))
    # second wave: half as many points from the last cut-off's first posterior
    kern1 = log_kernels(ep, sc, rv1.values)
    used_last = used_by(ep, cuts[-1], T)
    say(f"first-wave posterior given {len(used_last)} observations to {cuts[-1]}")
    u_first, _, _ = sampler.fit(u1, kern1, used_last, tstat, tse, seed)
    rng = np.random.default_rng([seed, 0xC0D])
    u2 = u_first[rng.choice(u_first.shape[0], size=n_design // 2, replace=False)]
    say(f"second wave: {n_design // 2} points from it")
    rv2 = runs.run(from_unit_cube(free, u2))
    reach = _reach(ep, T, (rv1, rv2))
    kern = {n: np.vstack([kern1[n], v]) for n, v in log_kernels(ep, sc, rv2.values).items()}
    if sampler.targets and trun is not None:
        s2, se2 = trun.statistics(from_unit_cube(free, u2))
        tstat = {n: np.concatenate([tstat[n], s2[n]]) for n in tstat}
        tse = {n: np.concatenate([tse[n], se2[n]]) for n in tse}
    return _Design(u=np.vstack([u1, u2]), kern=kern, tstat=tstat, tse=tse, rv1=rv1, u_first=u_first, reach=reach)


def _reach(ep: Episode, horizon: int, waves: Sequence[RunValues]) -> dict[str, list[float]]:
    """What the levers can reach: the lowest and highest of each observation's median over paths at every design
    point of ``waves`` (a first stop that never came counts at the horizon, as in the likelihood)."""
    med = {n: np.concatenate([np.median(np.where(np.isfinite(r.values[n]), r.values[n], float(horizon)), axis=1)
                              for r in waves])
           for n in ep.observations}
    return {n: [float(np.min(v)), float(np.max(v))] for n, v in med.items()}


def _nowcast(ep: Episode, sc: Scenario, free: list[FreeParam], runs: EpisodeRuns, sampler: _Sampler,
             cuts: list[datetime.date], design: _Design, seed: int, predict_draws: int, predict_paths: int,
             say: Callable[[str], None]) -> tuple[list[dict[str, Any]], FloatArray, dict[str, Any]]:
    """The prior's predictive, then at every cut-off the posterior and the predictive (model run at posterior draws).

    Returns
    -------
    steps : list of dict
        One per row of the nowcast, the prior first.
    u_post : ndarray
        The last cut-off's posterior draws (unit cube).
    diagnostics : dict
        The last cut-off's sampler diagnostics.
    """
    T = sc.run.horizon_days
    prng = np.random.default_rng([seed, 0xB4C5])
    prior = _predictive(ep, sc, design.rv1, [], prng)
    steps_out: list[dict[str, Any]] = [{"until": None, "used": [], **prior, "posterior": None, "diagnostics": None}]
    u_post = design.u_first
    diag: dict[str, Any] = {}
    for i, cut in enumerate(cuts):
        used = used_by(ep, cut, T)
        say(f"cut-off {cut}: {len(used)} observations; posterior and predictive "
            f"({predict_draws} draws x {predict_paths} paths)")
        u_post, diag, loo = sampler.fit(design.u, design.kern, used, design.tstat, design.tse, seed + 1 + i)
        pick = np.linspace(0, u_post.shape[0] - 1, predict_draws).round().astype(int)
        rv = runs.run(from_unit_cube(free, u_post[pick]), n_paths=predict_paths)
        th = from_unit_cube(free, u_post)
        steps_out.append({"until": cut.isoformat(), "used": used, **_predictive(ep, sc, rv, used, prng),
                          "posterior": {p.name: _q(th[:, j]) for j, p in enumerate(free)},
                          "diagnostics": {**diag, "emulator_loo_rms": loo}})
    return steps_out, u_post, diag


def condition(ep: Episode, *, until: datetime.date | None = None, free_names: Sequence[str] = (),
              targets: Sequence[Target] = (), target_free: Sequence[FreeParam] = (), n_paths: int = 1000,
              n_design: int = 64, seed: int = 20260107, steps: int = 3000, walkers: int = 32, n_keep: int = 1000,
              predict_draws: int = 32, predict_paths: int = 125, calibrated: bool = True,
              progress: Callable[[str], None] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The levers' posterior given the episode's observations up to ``until``, and the nowcast up to it.

    Parameters
    ----------
    ep : Episode
    until : datetime.date, optional
        Condition on the observations that ended on or before it (all by default).
    free_names : sequence of str
        The episode's levers to free (all of its ``[free]`` section by default).
    targets, target_free : sequence
        Published targets fitted jointly, and the free scales they move (then the scenario's priors as written).
    n_paths : int
        Paths per design point (common random numbers).
    n_design : int
        First-wave design points (a power of two); the second wave adds half as many.
    seed : int
        The one seed: draws, design, emulators, samplers, observation errors of the predictive.
    steps, walkers, n_keep : int
        emcee steps per walker (the first quarter is burn-in), walkers, draws kept.
    predict_draws, predict_paths : int
        The predictive after each cut-off: posterior draws x paths each.
    calibrated : bool
        Alone (no targets): draw the economy's fitted sample per path, as ``run`` does.

    Returns
    -------
    document : dict
        JSON-ready results (``FORMAT``).
    posterior : dict or None
        The last cut-off's posterior in the layout of ``calibration.posterior`` (with provenance), or None
        when a chain did not mix.
    """
    say = progress or (lambda _m: None)
    joint = bool(targets)
    sc = ep.build_scenario(calibrated=calibrated and not joint)
    T = sc.run.horizon_days
    _checked_until(ep, until, T)
    free = episode_free(ep, sc, free_names) + list(target_free)
    cuts = _checked_cutoffs(ep, until, T)
    sampler = _Sampler(targets=targets, n_design=n_design, names=[p.name for p in free], walkers=walkers, steps=steps,
                       n_keep=n_keep)
    runs = EpisodeRuns(ep, sc, free, n_paths, seed)
    design = _design(ep, sc, free, runs, sampler, cuts, n_paths, seed, say)
    steps_out, u_post, diag = _nowcast(ep, sc, free, runs, sampler, cuts, design, seed, predict_draws, predict_paths, say)
    th = from_unit_cube(free, u_post)
    mixed = float(diag["rhat_max"]) < 1.05  # type: ignore[arg-type]
    doc = _document(ep, sc, free, cuts, steps_out, th, diag, design.u, design.kern, n_paths, n_design, seed, steps,
                    calibrated and not joint, targets, predict_draws, predict_paths)
    for row in doc["observations"]:
        row["reach"] = design.reach[row["name"]]
    post = _posterior_doc(sc, free, th, doc, seed) if mixed else None
    return doc, post


def _document(ep: Episode, sc: Scenario, free: list[FreeParam], cuts: list[datetime.date], steps_out: list[dict[str, Any]],
              th: FloatArray, diag: dict[str, Any], u: FloatArray, kern: dict[str, FloatArray], n_paths: int, n_design: int,
              seed: int, steps: int, calibrated: bool, targets: Sequence[Target], predict_draws: int,
              predict_paths: int) -> dict[str, Any]:
    T = sc.run.horizon_days
    obs_rows = []
    for name, ob in ep.observations.items():
        obs_rows.append({"name": name, "kind": ob.kind, "series": series_key(ob), "description": ob.description,
                         "unit": ob.shown_unit, "observed": observed_value(ep, ob), "sd": observed_sd(ep, ob),
                         "low": ob.low, "high": ob.high, "none_by": ob.none_by is not None,
                         "end": observation_end(ep, name, T).isoformat(),
                         "start": (ep.anchor + datetime.timedelta(days=period_days(ep, ob)[0])).isoformat()
                         if ob.kind in ("arrivals", "sector_output") else None, "ref": ob.ref, "published": ob.published,
                         "confidence": ob.confidence, "proxy": ob.proxy, "reasoning": ob.reasoning})
    return {
        "format": FORMAT, "episode": ep.name, "description": ep.description, "notes": ep.notes, "origin": ep.origin,
        "scenario": sc.name, "anchor": ep.anchor.isoformat(), "horizon_days": T, "until": cuts[-1].isoformat(),
        "money_year": sc.economy.price_year or sc.economy.table_year,
        "calibrated": calibrated and sc.calibration.posterior is not None,
        "targets": [{"name": t.name, "value": t.value, "unit": t.unit, "rel_sd": t.rel_sd, "source": t.source} for t in targets],
        "paths": n_paths, "design": {"first_wave": n_design, "second_wave": n_design // 2}, "seed": seed, "steps": steps,
        "predictive": {"draws": predict_draws, "paths": predict_paths},
        "version": simulator.__version__, "date": datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
        "free": [{"name": p.name, "label": p.label, "paths": list(p.paths), "dist": p.dist, "low": p.low, "high": p.high,
                  "basis": p.basis, "posterior_q": _q(th[:, j]), "rhat": diag["rhat"][p.name],
                  "ess_bulk": diag["ess_bulk"][p.name]} for j, p in enumerate(free)],
        "posterior": [[float(f"{x:.6g}") for x in row] for row in th],
        "correlations": (np.corrcoef(th.T) if th.shape[1] > 1 else np.ones((1, 1))).tolist(),
        "diagnostics": diag, "observations": obs_rows, "nowcast": steps_out,
        "design_log_likelihood": [float(x) for x in log_likelihood(kern, used_by(ep, cuts[-1], T))],
    }


def _posterior_doc(sc: Scenario, free: list[FreeParam], th: FloatArray, doc: dict[str, Any], seed: int) -> dict[str, Any]:
    """The posterior in the layout of ``calibration.posterior``: one column per field each lever sets; joined with the
    economy's fitted sample (row by row, drawn with the seed) when the conditioning ran on it, so a scenario naming
    this file keeps the targets' fit for the fields the episode did not condition."""
    cols = [path for p in free for path in p.paths]
    rows = [[float(f"{x:.6g}") for x, p in zip(row, free, strict=True) for _ in p.paths] for row in th]
    targets = ", ".join(t["name"] for t in doc["targets"])
    base = sc.calibration.posterior if doc["calibrated"] else None
    if base is not None:
        keep = [j for j, c in enumerate(base.columns) if c not in cols]
        pick = np.random.default_rng([seed, 0x90]).integers(0, len(base.draws), len(rows))
        cols = [base.columns[j] for j in keep] + cols
        rows = [[base.draws[int(i)][j] for j in keep] + r for i, r in zip(pick, rows, strict=True)]
        targets = base.provenance.get("targets", "")
    digest = hashlib.sha256(scenario_to_json(sc).encode("utf-8")).hexdigest()[:16]
    prov = {"targets": targets, "episodes": f"{doc['episode']} until {doc['until']}",
            "free": ", ".join(f"{p.name} ({', '.join(p.paths)}, {p.dist} {p.low:g}-{p.high:g})" for p in free),
            "date": doc["date"], "seed": str(seed), "paths_per_point": str(doc["paths"]),
            "design_points": str(doc["design"]["first_wave"] + doc["design"]["second_wave"]),
            "package_version": simulator.__version__, "scenario_hash": f"{sc.name} sha256:{digest}",
            "sampler": str(doc["diagnostics"]["sampler"]).replace("synthetic Gaussian likelihood", "Monte Carlo likelihood")}
    return {"columns": cols, "draws": rows, "provenance": prov}


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """The command's printed summary: each lever's prior and posterior, then the nowcast of the horizon's loss."""
    out = []
    for f in doc["free"]:
        q = f["posterior_q"]
        out.append(f"{f['name']}: prior {f['dist']} {f['low']:g}-{f['high']:g}, posterior median {q[2]:.3g} "
                   f"[5-95 %: {q[0]:.3g}-{q[4]:.3g}], R-hat {f['rhat']:.3f}, ESS {f['ess_bulk']:.0f}")
    for st in doc["nowcast"]:
        q = st["loss"]["gdp_loss_pct"]
        later = [o for n, o in st["observations"].items() if not o["used"] and "in90" in o]
        inside = sum(o["in90"] for o in later)
        out.append(f"{'prior' if st['until'] is None else 'to ' + st['until']}: {len(st['used'])} observations, loss over "
                   f"the horizon {q[2]:.3g} % of GDP [5-95 %: {q[0]:.3g}-{q[4]:.3g}]"
                   + (f"; {inside} of {len(later)} later observations inside the 90 % band" if later else ""))
    return out
