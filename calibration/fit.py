"""Fit the free parameters to published estimates: design, emulator, point fit, posterior, identifiability.

1. **Design.** A scrambled Sobol design over the free parameters' prior box
   (unit cube, each axis the prior's CDF); every target's median is simulated
   at every design point on the same paths (common random numbers).
2. **Emulator.** A Gaussian process (scikit-learn) of each target's log median
   over the unit cube, with a white-noise term for the Monte Carlo error;
   leave-one-out errors are reported. Each likelihood evaluation of the model
   itself would need thousands of paths, so the sampler runs on the emulator
   and the result is checked against fresh simulations.
3. **Point fit** (simulated method of moments): minimise the sum of squared
   target distances, in the targets' stated standard deviations, on the
   simulator with common random numbers (scipy.optimize, Powell, bounded),
   started from the emulator's optimum. With fewer targets than free
   parameters the minimum is a ridge: a small penalty on the distance from the
   prior's centre picks the point of the ridge nearest the stated judgements
   (the report says so; the posterior shows the ridge).
4. **Posterior** (emcee, an affine-invariant ensemble sampler, with a
   Gaussian synthetic likelihood from the emulator: target sd, Monte Carlo
   error and emulator variance added), flat on the unit cube (= the priors);
   diagnostics with ArviZ (bulk effective sample size, split R-hat over
   walkers) and emcee's acceptance fraction and autocorrelation time.
5. **Identifiability.** Objective profiles (emulator), posterior correlations,
   and the principal directions of the posterior covariance against the
   prior's: the combinations a target pins down have a posterior sd well below
   the prior's; the others keep the prior's width.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy.stats import qmc

from calibration.model import FreeParam, TargetRuns, from_unit_cube, same_scenario
from calibration.parallel import one_blas_thread
from calibration.targets import Target

__all__ = ["Emulator", "FitResult", "calibrate", "sample_posterior", "target_log_likelihood"]

FloatArray = npt.NDArray[np.float64]
PRIOR_SD_UNIT = 1.0 / np.sqrt(12.0)  # sd of a uniform on [0, 1]
RIDGE_PENALTY = 1e-2
"""Weight of the squared distance from the prior's centre (unit cube) added to the point fit's objective."""


class Emulator:
    """Gaussian-process emulators of each target's log median (or of any quantity) over the unit cube.

    Parameters
    ----------
    u : ndarray of shape (J, k)
        Design points (unit cube).
    stat : dict of str to ndarray of shape (J,)
        Simulated medians per target (all > 0), or with ``log=False`` any
        finite quantity (e.g. an episode's log-likelihood).
    seed : int
    log : bool
        Emulate the logarithm (medians, > 0) or the values themselves.
    """

    def __init__(self, u: FloatArray, stat: dict[str, FloatArray], seed: int, *, log: bool = True) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        k = u.shape[1]
        self.names = list(stat)
        self.gps = {}
        self.log = log
        self.loo_rel_error: dict[str, float] = {}
        """Leave-one-out error (rms): relative for ``log=True``, in the quantity's unit otherwise."""
        for name, y in stat.items():
            logy = np.log(np.maximum(y, 1e-300)) if log else np.asarray(y, dtype=np.float64)
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(k, 0.5), (1e-2, 1e2)) + WhiteKernel(1e-4, (1e-8, 1e-1))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=3, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence notes of the hyperparameter search
                gp.fit(u, logy)
            self.gps[name] = gp
            self.loo_rel_error[name] = _loo(gp, u, logy, log)

    def predict(self, u: FloatArray) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
        """Emulated median and the emulator's sd of its log, per target; ``u`` of shape (n, k).

        With ``log=False``: the emulated value and the emulator's sd, in the quantity's unit.
        """
        mean, sd = {}, {}
        for name, gp in self.gps.items():
            m, s = gp.predict(np.atleast_2d(u), return_std=True)
            mean[name], sd[name] = (np.exp(m) if self.log else m), s
        return mean, sd


    def mean(self, u: FloatArray) -> dict[str, FloatArray]:
        """The emulated values alone (no sd: cheaper), per target; ``u`` of shape (n, k)."""
        out = {}
        for name, gp in self.gps.items():
            m = gp.predict(np.atleast_2d(u))
            out[name] = np.exp(m) if self.log else m
        return out


def _loo(gp: object, u: FloatArray, logy: FloatArray, log: bool = True) -> float:
    """Leave-one-out error (rms) of the emulator, refitting with the fitted kernel held fixed: relative for
    a log-emulator, in the quantity's unit otherwise."""
    from sklearn.base import clone

    errs = []
    for i in range(u.shape[0]):
        keep = np.arange(u.shape[0]) != i
        g = clone(gp)
        g.set_params(kernel=gp.kernel_, optimizer=None)  # type: ignore[attr-defined]
        g.fit(u[keep], logy[keep])  # type: ignore[attr-defined]
        d = float(g.predict(u[i:i + 1])[0] - logy[i])  # type: ignore[attr-defined]
        errs.append(float(np.expm1(d)) if log else d)
    return float(np.sqrt(np.mean(np.square(errs))))


@dataclass
class FitResult:
    """Everything a calibration produced (in the free parameters' units unless said)."""

    free: list[FreeParam]
    targets: list[Target]
    n_paths: int
    seed: int
    design_u: FloatArray
    design_stat: dict[str, FloatArray]
    design_se: dict[str, FloatArray]
    emulator_loo: dict[str, float]
    prior_stat: dict[str, float]
    """Each target's simulated median with every free parameter at 1 x (the uncalibrated model)."""
    point: FloatArray
    point_stat: dict[str, float]
    point_se: dict[str, float]
    point_objective: float
    optimizer: dict[str, object]
    posterior: FloatArray
    """Posterior sample, shape (n, k), parameter values."""
    diagnostics: dict[str, object]
    profiles: dict[str, dict[str, list[float]]]
    correlations: FloatArray
    directions: list[dict[str, object]]
    check: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """Emulator against fresh simulations at posterior draws: target -> emulated, simulated."""
    also_design: dict[str, FloatArray] = field(default_factory=dict)
    """Each companion target's (``calibrate(also=)``) median at the design points, read from the fit's own runs."""
    also_point: dict[str, float] = field(default_factory=dict)
    """Each companion target's median at the point fit, read from the fit's own runs."""

    @property
    def converged(self) -> bool:
        """Point fit within one stated sd of every fitted target, the optimiser done, and the sampler's chains mixed.

        The optimiser is done when it reports success, or when it ran out of
        evaluations with every target within 0.1 sd (a median over simulated
        paths is a step function of the parameters, so Powell's tolerances
        need not be met at a fit that is already exact to Monte Carlo error).
        """
        z = [abs(t.z(self.point_stat[t.name])) for t in self.targets]
        z_ok = all(v <= 1.0 for v in z)
        done = bool(self.optimizer.get("success")) or all(v <= 0.1 for v in z)
        rhat = self.diagnostics.get("rhat_max", np.inf)
        return bool(z_ok and done and isinstance(rhat, float) and rhat < 1.05)


def _objective(targets: Sequence[Target], stat: dict[str, FloatArray]) -> FloatArray:
    return np.sum([np.square(t.z(stat[t.name])) for t in targets], axis=0)  # type: ignore[arg-type]


@one_blas_thread()
def calibrate(targets: Sequence[Target], free: Sequence[FreeParam], *, n_paths: int = 1000, seed: int = 0,
              n_design: int = 64, walkers: int = 32, steps: int = 3000, burn: int = 1000, n_keep: int = 1000,
              n_check: int = 8, progress: object = None, workers: int = 1, also: Sequence[Target] = ()) -> FitResult:
    """Fit ``free`` to ``targets``: design, emulator, SMM point fit, emcee posterior, identifiability.

    Parameters
    ----------
    targets : sequence of Target
        Fitted targets.
    free : sequence of FreeParam
        Free parameters (at least one).
    n_paths : int
        Paths per parameter vector (common random numbers).
    seed : int
        The one seed: draws, design scrambling, emulator, sampler, thinning.
    n_design : int
        Design points (a power of two).
    walkers, steps, burn : int
        emcee ensemble size, steps per walker, steps discarded.
    n_keep : int
        Posterior draws kept (thinned evenly from the chains after burn-in).
    n_check : int
        Posterior draws simulated afresh to check the emulator.
    progress : callable, optional
        Called with a short message at each stage.
    workers : int
        Processes the simulations use (the same numbers for any number).
    also : sequence of Target
        Further (unfitted) targets: those on a fitted target's scenario (same overrides) are read from the same
        runs at the design points and the point fit (``also_design``, ``also_point``), which the reconciliation
        would otherwise simulate again; they change nothing in the fit.
    """
    say = progress if callable(progress) else (lambda _m: None)
    names = [t.name for t in targets]
    companions = [t for t in also if t.name not in names and any(same_scenario(t, f) for f in targets)]
    with TargetRuns([*targets, *companions], free, n_paths, seed, workers=workers) as runs:
        return _calibrate(targets, free, runs, companions, n_paths=n_paths, seed=seed, n_design=n_design,
                          walkers=walkers, steps=steps, burn=burn, n_keep=n_keep, n_check=n_check, say=say)


_Stats = tuple[dict[str, FloatArray], dict[str, FloatArray], dict[str, FloatArray]]


class _Statistics:
    """``runs.statistics`` of the fitted targets, and the companions' medians apart. A parameter vector simulated
    before is not simulated again (the optimiser may come back to one: the same paths give the same numbers)."""

    def __init__(self, runs: TargetRuns, names: list[str], companions: Sequence[Target]) -> None:
        self.runs, self.names, self.companions = runs, names, companions
        self.seen: dict[bytes, _Stats] = {}

    def __call__(self, theta: FloatArray) -> _Stats:
        """Medians and their Monte Carlo errors of the fitted targets, and the companions' medians, at ``theta`` (n, k)."""
        key = theta.tobytes() if theta.shape[0] == 1 else b""
        if key in self.seen:
            return self.seen[key]
        st, se = self.runs.statistics(theta)
        out = {n: st[n] for n in self.names}, {n: se[n] for n in self.names}, {t.name: st[t.name] for t in self.companions}
        if key:
            self.seen[key] = out
        return out


def _emu_objective(emu: Emulator, targets: Sequence[Target], u: FloatArray) -> FloatArray:
    """The point fit's objective on the emulator at unit-cube points ``u`` (n, k): squared target distances plus the
    ridge penalty; shape (n,)."""
    m = emu.mean(u)
    return _objective(targets, m) + RIDGE_PENALTY * np.sum(np.square(np.atleast_2d(u) - 0.5), axis=1)


@dataclass
class _DesignRuns:
    """The design (unit cube), the fitted targets' medians (floored above 0) and errors and the companions' medians
    there, and the fitted targets' medians of the uncalibrated model (every scale at 1)."""

    u: FloatArray
    stat: dict[str, FloatArray]
    se: dict[str, FloatArray]
    also: dict[str, FloatArray]
    base_stat: dict[str, FloatArray]


def _design(targets: Sequence[Target], free: Sequence[FreeParam], statistics: _Statistics, n_design: int, seed: int,
            n_paths: int, say: Callable[[str], None]) -> _DesignRuns:
    """Simulate the scrambled Sobol design and the model as written (scales at 1, clipped to the priors)."""
    say(f"design: {n_design} points x {n_paths} paths")
    u_design = qmc.Sobol(len(free), scramble=True, seed=seed).random(n_design)
    stat, se, also_design = statistics(from_unit_cube(free, u_design))
    ones = np.array([[float(np.clip(1.0, p.low, p.high)) for p in free]])  # the economy as written (scales at 1)
    base_stat, _, _ = statistics(ones)
    for t in targets:
        if np.any(stat[t.name] <= 0):
            stat[t.name] = np.maximum(stat[t.name], 1e-12 * t.value)
    return _DesignRuns(u=u_design, stat=stat, se=se, also=also_design, base_stat=base_stat)


def _point_fit(targets: Sequence[Target], free: Sequence[FreeParam], statistics: _Statistics,
               emu_obj: Callable[[FloatArray], FloatArray], seed: int,
               say: Callable[[str], None]) -> tuple[optimize.OptimizeResult, optimize.OptimizeResult, FloatArray, _Stats]:
    """The SMM point fit: Powell on the simulator (common random numbers), started at the emulator's optimum.

    Returns
    -------
    best : OptimizeResult
        The emulator's optimum (best of 16 Sobol starts, L-BFGS-B).
    res : OptimizeResult
        Powell's result on the simulator.
    u_point : ndarray of shape (k,)
        The point fit (unit cube).
    stats : tuple of dict
        The statistics at the point fit.
    """
    k = len(free)
    # start of the point fit: the emulator's optimum from a few starts
    starts = qmc.Sobol(k, scramble=True, seed=seed + 1).random(16)
    best = min((optimize.minimize(lambda x: float(emu_obj(x)[0]), s, method="L-BFGS-B", bounds=[(0, 1)] * k)
                for s in starts), key=lambda r: r.fun)

    say("point fit (simulated method of moments, common random numbers)")

    def sim_obj(u: FloatArray) -> float:
        u = np.clip(u, 0.0, 1.0)
        st, _, _ = statistics(from_unit_cube(free, u))
        return float(_objective(targets, st)[0] + RIDGE_PENALTY * np.sum(np.square(u - 0.5)))

    res = optimize.minimize(sim_obj, best.x, method="Powell", bounds=[(0, 1)] * k,
                            options={"maxfev": 40 * k, "xtol": 1e-3, "ftol": 1e-4})
    u_point = np.clip(res.x, 0.0, 1.0)
    return best, res, u_point, statistics(from_unit_cube(free, u_point))


def _emulator_check(free: Sequence[FreeParam], names: list[str], emu: Emulator, statistics: _Statistics,
                    u_post: FloatArray, n_check: int, seed: int, say: Callable[[str], None]) -> dict[str, dict[str, list[float]]]:
    """The emulator against fresh simulations at ``n_check`` posterior draws (picked with the seed): target ->
    emulated, simulated."""
    rng = np.random.default_rng(seed)
    say(f"emulator check: {n_check} posterior draws simulated afresh")
    pick = rng.choice(u_post.shape[0], size=min(n_check, u_post.shape[0]), replace=False)
    em, _ = emu.predict(u_post[pick])
    sm, _, _ = statistics(from_unit_cube(free, u_post[pick]))
    return {n: {"emulated": em[n].tolist(), "simulated": sm[n].tolist()} for n in names}


def _calibrate(targets: Sequence[Target], free: Sequence[FreeParam], runs: TargetRuns, companions: Sequence[Target], *,
               n_paths: int, seed: int, n_design: int, walkers: int, steps: int, burn: int, n_keep: int, n_check: int,
               say: Callable[[str], None]) -> FitResult:
    """:func:`calibrate` on ``runs`` (the fitted targets' scenarios with their draws, and the companions').

    The steps: the design (:func:`_design`), the emulator, the point fit (:func:`_point_fit`), the posterior
    (:func:`sample_posterior` on the targets' synthetic likelihood), identifiability (:func:`_profiles`,
    correlations, :func:`_directions`) and the emulator's check (:func:`_emulator_check`).
    """
    k = len(free)
    names = [t.name for t in targets]
    statistics = _Statistics(runs, names, companions)
    d = _design(targets, free, statistics, n_design, seed, n_paths, say)

    say("emulator")
    emu = Emulator(d.u, d.stat, seed)
    emu_obj = partial(_emu_objective, emu, targets)
    best, res, u_point, (pst, pse, also_pst) = _point_fit(targets, free, statistics, emu_obj, seed, say)

    say(f"posterior (emcee, {walkers} walkers x {steps} steps, on the emulator)")
    rel_mc = {n: float(np.median(d.se[n] / np.maximum(d.stat[n], 1e-300))) for n in names}  # the medians' relative MC error
    target_ll = target_log_likelihood(targets, emu, rel_mc)
    u_post, diag = sample_posterior(target_ll, u_point, [p.name for p in free], seed=seed, walkers=walkers, steps=steps,
                                    burn=burn, n_keep=n_keep)

    say("identifiability")
    profiles = _profiles(free, emu_obj, u_point)
    corr = np.atleast_2d(np.corrcoef(u_post.T)) if k > 1 else np.ones((1, 1))
    directions = _directions(free, u_post)
    check = _emulator_check(free, names, emu, statistics, u_post, n_check, seed, say)

    values = partial(from_unit_cube, free)
    return FitResult(
        free=list(free), targets=list(targets), n_paths=n_paths, seed=seed,
        design_u=d.u, design_stat=d.stat, design_se=d.se, emulator_loo=emu.loo_rel_error,
        prior_stat={n: float(d.base_stat[n][0]) for n in names},
        point=values(u_point)[0], point_stat={n: float(pst[n][0]) for n in names},
        point_se={n: float(pse[n][0]) for n in names}, point_objective=float(res.fun),
        optimizer={"method": "Powell (scipy.optimize.minimize, bounded)", "success": bool(res.success),
                   "message": str(res.message), "evaluations": int(res.nfev), "start": values(best.x)[0].tolist()},
        posterior=values(u_post), diagnostics=diag, profiles=profiles, correlations=corr,
        directions=directions, check=check, also_design=d.also,
        also_point={n: float(v[0]) for n, v in also_pst.items()})


def sample_posterior(log_lik: Callable[[FloatArray], FloatArray], u_start: FloatArray, names: list[str], *, seed: int,
                     walkers: int = 32, steps: int = 3000, burn: int = 1000, n_keep: int = 1000) -> tuple[FloatArray, dict[str, object]]:
    """emcee on the unit cube (flat prior = the free parameters' priors) with log-likelihood ``log_lik``.

    Parameters
    ----------
    log_lik : callable
        Unit-cube points of shape (n, k) inside the cube -> log-likelihood, shape (n,).
    u_start : ndarray of shape (k,)
        Where the walkers start (scattered by 0.05).
    names : list of str
        Parameter names (for the diagnostics).

    Returns
    -------
    u_post : ndarray of shape (n_keep, k)
        Draws thinned evenly from the chains after burn-in.
    diagnostics : dict
        ArviZ bulk ESS and split R-hat (walkers as chains), acceptance, autocorrelation times.
    """
    import emcee

    k = len(names)

    def log_prob(u: FloatArray) -> FloatArray:
        u = np.atleast_2d(u)
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        out = np.full(u.shape[0], -np.inf)
        if inside.any():
            out[inside] = log_lik(u[inside])
        return out

    rng = np.random.default_rng(seed)
    p0 = np.clip(np.asarray(u_start) + 0.05 * rng.standard_normal((walkers, k)), 0.01, 0.99)
    sampler = emcee.EnsembleSampler(walkers, k, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(seed % 2**32).get_state()
    sampler.run_mcmc(p0, steps, progress=False)
    chain = sampler.get_chain(discard=burn)  # (steps - burn, walkers, k)
    flat = chain.reshape(-1, k)
    keep = np.linspace(0, flat.shape[0] - 1, n_keep).round().astype(int)
    return flat[keep], _diagnostics(sampler, chain, names)


def target_log_likelihood(targets: Sequence[Target], emu: Emulator, rel_mc: dict[str, float]) -> Callable[[FloatArray], FloatArray]:
    """The targets' Gaussian synthetic log-likelihood on the emulator, as a function of unit-cube points (n, k).

    Each target's sd adds its stated sd, the Monte Carlo error of the median
    (relative, ``rel_mc``) and the emulator's sd, in quadrature.
    """
    tv = {t.name: t.value for t in targets}

    def ll(u: FloatArray) -> FloatArray:
        m, s = emu.predict(u)
        lp = np.zeros(np.atleast_2d(u).shape[0])
        for t in targets:
            sd = np.sqrt((t.rel_sd * tv[t.name]) ** 2 + (m[t.name] * rel_mc[t.name]) ** 2 + (m[t.name] * s[t.name]) ** 2)
            lp += -0.5 * np.square((m[t.name] - tv[t.name]) / sd) - np.log(sd)
        return lp

    return ll


def _diagnostics(sampler: object, chain: FloatArray, names: list[str]) -> dict[str, object]:
    """ArviZ bulk ESS and split R-hat (walkers as chains), acceptance and autocorrelation times."""
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = az.from_dict(posterior={n: chain[:, :, i].T for i, n in enumerate(names)})
        ess = az.ess(idata, method="bulk")
        rhat = az.rhat(idata)
        try:
            tau = sampler.get_autocorr_time(tol=0)  # type: ignore[attr-defined]
        except Exception:  # emcee raises when the chain is too short to estimate it
            tau = np.full(len(names), np.nan)
    acc = np.asarray(sampler.acceptance_fraction)  # type: ignore[attr-defined]
    return {
        "sampler": "emcee EnsembleSampler (stretch move), synthetic Gaussian likelihood on the emulator",
        "walkers": int(chain.shape[1]), "kept_steps": int(chain.shape[0]),
        "acceptance_mean": float(acc.mean()), "acceptance_min": float(acc.min()),
        "ess_bulk": {n: float(ess[n]) for n in names},
        "rhat": {n: float(rhat[n]) for n in names},
        "rhat_max": float(max(float(rhat[n]) for n in names)),
        "autocorr_steps": {n: float(t) for n, t in zip(names, tau, strict=True)},
    }


def _profiles(free: Sequence[FreeParam], emu_obj: object, u_point: FloatArray, n: int = 21) -> dict[str, dict[str, list[float]]]:
    """Objective profile of each free parameter: the emulated objective minimised over the others
    (``objective``), and with the others held at the point fit (``conditional``)."""
    k = len(free)
    out: dict[str, dict[str, list[float]]] = {}
    grid = np.linspace(0.0, 1.0, n)
    for i, p in enumerate(free):
        prof = []
        cond = []
        for g in grid:
            uc = u_point.copy()
            uc[i] = g
            cond.append(float(emu_obj(uc[None, :])[0]))  # type: ignore[operator]
            if k == 1:
                prof.append(float(emu_obj(np.array([[g]]))[0]))  # type: ignore[operator]
                continue
            others = [j for j in range(k) if j != i]

            def f(x: FloatArray, g: float = g, others: list[int] = others, i: int = i) -> float:
                u = np.empty(k)
                u[i] = g
                u[others] = x
                return float(emu_obj(u[None, :])[0])  # type: ignore[operator]

            r = min((optimize.minimize(f, np.full(k - 1, s), method="L-BFGS-B", bounds=[(0, 1)] * (k - 1))
                     for s in (0.2, 0.5, 0.8)), key=lambda r: r.fun)
            prof.append(float(r.fun))
        out[p.name] = {"value": p.from_unit(grid).tolist(), "objective": prof, "conditional": cond}
    return out


def _directions(free: Sequence[FreeParam], u_post: FloatArray) -> list[dict[str, object]]:
    """Principal directions of the posterior (unit cube), sharpest first, with sd relative to the prior's."""
    cov = np.atleast_2d(np.cov(u_post.T))
    w, v = np.linalg.eigh(cov)
    out = []
    for j in np.argsort(w):
        vec = v[:, j] / np.max(np.abs(v[:, j])) * np.sign(v[np.argmax(np.abs(v[:, j])), j])
        out.append({"weights": {p.name: float(vec[i]) for i, p in enumerate(free)},
                    "sd_ratio": float(np.sqrt(max(w[j], 0.0)) / PRIOR_SD_UNIT)})
    return out
