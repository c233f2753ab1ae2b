"""Draws: every random number a run uses, sampled up front from one seed.

Paths are grouped in fixed-size blocks. Block ``b`` draws from its own stream,
``SeedSequence(seed, spawn_key=(b, key))`` (the same as the b-th child of
``SeedSequence(seed).spawn``, further keyed), with one ``key`` per random
quantity (a CRC-32 of its name). So a path's draws depend only on the seed,
its block and its place in the block: never on how many paths or blocks a run
has, where they run, or which other priors the scenario has. Draws are
uniforms pushed through inverse CDFs, so two scenarios that differ only in a
parameter share their randomness (common random numbers).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import stats

from simulator.defaults import DEFAULT_BLOCK_SIZE
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Licence
from simulator.model.schema_prior import Prior

__all__ = ["COHORT_KEY", "DEFAULT_BLOCK_SIZE", "Draws", "prior_ppf", "sample_block", "sample_draws"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

COHORT_KEY = "~cohort"
"""Prefix of the internal draws (not priors) that match each material's cover quantiles to firm cohorts:
``~cohort.<material>.<cohort>`` holds one uniform per path; a material's cohorts take its quantiles in the
order of these uniforms."""
_EPS = 1e-12


@dataclass(frozen=True)
class Draws:
    """Random inputs of a run.

    Attributes
    ----------
    seed : int
    n_paths : int
    n_days : int
    block_size : int
    first_path : int
        Global index of the first path held here (a block's draws start at
        ``block * block_size``).
    params : dict of str to ndarray of shape (n_paths,), float64
        Prior path -> the value drawn for each path; keys that start with
        :data:`COHORT_KEY` are internal draws (how firm cohorts are matched
        across materials), not priors.
    licence_days : dict of str to ndarray of shape (n_paths, n_days), float64, working days
        ``"measure/material"`` -> processing time (before rounding up) of the
        applications that enter the licence queue on each day, filed or sent
        back pending, drawn from the processing-time prior of the regime's
        phase on that day.
    """

    seed: int
    n_paths: int
    n_days: int
    block_size: int
    first_path: int = 0
    params: Mapping[str, FloatArray] = field(default_factory=dict)
    licence_days: Mapping[str, FloatArray] = field(default_factory=dict)

    def subset(self, index: slice) -> Draws:
        """The draws of a contiguous range of paths."""
        start, stop, _ = index.indices(self.n_paths)
        return Draws(
            seed=self.seed,
            n_paths=stop - start,
            n_days=self.n_days,
            block_size=self.block_size,
            first_path=self.first_path + start,
            params={k: v[index] for k, v in self.params.items()},
            licence_days={k: v[index] for k, v in self.licence_days.items()},
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, bytes."""
        arrays: list[npt.NDArray[np.generic]] = [*self.params.values(), *self.licence_days.values()]
        return int(sum(a.nbytes for a in arrays))


def prior_ppf(prior: Prior, u: FloatArray) -> FloatArray:
    """Inverse CDF of a prior at uniforms ``u`` (any shape)."""
    d = prior.dist
    if d == "fixed":
        return np.full(np.shape(u), float(prior.value))  # type: ignore[arg-type]
    if d == "uniform":
        lo, hi = float(prior.low), float(prior.high)  # type: ignore[arg-type]
        return lo + u * (hi - lo)
    if d == "loguniform":
        lo, hi = math.log(prior.low), math.log(prior.high)  # type: ignore[arg-type]
        return np.exp(lo + u * (hi - lo))
    if d == "triangular":
        lo, c, hi = float(prior.low), float(prior.mode), float(prior.high)  # type: ignore[arg-type]
        fc = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - c))
        return np.where(u < fc, left, right)
    uc = np.clip(u, _EPS, 1.0 - _EPS)
    if d == "normal":
        mu, sd = float(prior.mean), float(prior.sd)  # type: ignore[arg-type]
        a = -np.inf if prior.low is None else (prior.low - mu) / sd
        b = np.inf if prior.high is None else (prior.high - mu) / sd
        return np.asarray(stats.truncnorm.ppf(uc, a, b, loc=mu, scale=sd), dtype=np.float64)
    if d == "lognormal":
        mu, sg = math.log(prior.median), float(prior.sigma)  # type: ignore[arg-type]
        fa = 0.0 if prior.low is None or prior.low <= 0 else stats.norm.cdf((math.log(prior.low) - mu) / sg)
        fb = 1.0 if prior.high is None else stats.norm.cdf((math.log(prior.high) - mu) / sg)
        z = stats.norm.ppf(np.clip(fa + uc * (fb - fa), _EPS, 1.0 - _EPS))
        return np.exp(mu + sg * z)
    raise ValueError(f"unknown distribution {d!r}")


def _stream(seed: int, block: int, name: str) -> np.random.Generator:
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, key))))


def sample_block(sc: Scenario, seed: int, block: int, n: int, *, block_size: int = DEFAULT_BLOCK_SIZE) -> Draws:
    """Draws of the first ``n`` paths of block ``block``.

    Parameters
    ----------
    sc : Scenario
    seed : int
        Non-negative seed of the run.
    block : int
        Block index; the block holds paths ``block * block_size`` onwards.
    n : int
        Number of paths to draw (``<= block_size``); the first ``n`` paths of a
        block are the same whatever ``n`` is.
    """
    if not 0 < n <= block_size:
        raise ValueError(f"n must be in 1..block_size ({block_size}); got {n}")
    T = sc.run.horizon_days
    params: dict[str, FloatArray] = {}
    for path, prior in sc.uncertainty.items():
        u = _stream(seed, block, f"prior:{path}").random(n)
        params[path] = prior_ppf(prior, u)
    post = sc.calibration.posterior
    if post is not None:  # a fitted joint sample: one row per path, replacing those fields' priors
        rows = np.asarray(post.draws, dtype=np.float64)
        pick = _stream(seed, block, "posterior").integers(0, rows.shape[0], n)
        for c, col in enumerate(post.columns):
            params[col] = rows[pick, c]
    C = sc.firms.cohorts
    if C > 1:  # how each material's cover quantiles are matched to the firm cohorts (used below a correlation of 1)
        for m in sc.materials:
            u_c = _stream(seed, block, f"cohort-match:{m}").random((n, C))
            for c in range(C):
                params[f"{COHORT_KEY}.{m}.{c}"] = u_c[:, c]
    days: dict[str, FloatArray] = {}
    for j, mea in sc.policy.items():
        if not isinstance(mea, Licence):
            continue
        phases = mea.phases()
        for m in mea.materials:
            key = f"{j}/{m}"
            u_t = _stream(seed, block, f"licence-time:{key}").random((n, T))
            x = prior_ppf(mea.processing_days, u_t)
            for ph in phases[1:]:  # the phase in force on each day
                if ph.day < T and ph.processing_days is not None:
                    x[:, ph.day:] = prior_ppf(ph.processing_days, u_t[:, ph.day:])
            days[key] = np.maximum(x, 0.0)
    return Draws(seed=seed, n_paths=n, n_days=T, block_size=block_size, first_path=block * block_size,
                 params=params, licence_days=days)


def sample_draws(sc: Scenario, n_paths: int, seed: int, *, block_size: int = DEFAULT_BLOCK_SIZE) -> Draws:
    """Every random number a run of ``n_paths`` paths uses.

    Parameters
    ----------
    sc : Scenario
    n_paths : int
        Number of Monte Carlo paths (>= 1).
    seed : int
        Non-negative seed; the same seed gives the same draws.
    block_size : int, optional
        Paths per block (each block has its own random stream).

    Returns
    -------
    Draws

    Examples
    --------
    >>> from simulator import load_scenario
    >>> sc = load_scenario("japan-licence")
    >>> d = sample_draws(sc, 3, seed=1)
    >>> d.licence_days["licence_heavy/dytb"].shape
    (3, 365)
    >>> bool((sample_draws(sc, 5, seed=1).params["policy.licence_heavy.approve_share"][:3]
    ...       == d.params["policy.licence_heavy.approve_share"]).all())
    True
    """
    if n_paths < 1:
        raise ValueError(f"n_paths must be >= 1; got {n_paths}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0; got {seed}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1; got {block_size}")
    parts = []
    for b in range(math.ceil(n_paths / block_size)):
        n = min(block_size, n_paths - b * block_size)
        parts.append(sample_block(sc, seed, b, n, block_size=block_size))
    if len(parts) == 1:
        return parts[0]
    return Draws(
        seed=seed,
        n_paths=n_paths,
        n_days=sc.run.horizon_days,
        block_size=block_size,
        params={k: np.concatenate([p.params[k] for p in parts]) for k in parts[0].params},
        licence_days={k: np.concatenate([p.licence_days[k] for p in parts]) for k in parts[0].licence_days},
    )
