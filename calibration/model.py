"""The model as the calibration sees it: free parameters in, each target's statistic out.

A :class:`FreeParam` is a lever the fit may move (a field that may take a
prior, usually one of the common scales of ``[calibration]``) with its prior
range and the reason for it (``calibration/data/free.toml``).
:class:`TargetRuns` holds the draws of every target scenario once (common
random numbers: every parameter vector is evaluated on the same paths) and
evaluates a whole design of parameter vectors in one vectorised run per
scenario, the design points stacked on the path axis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

import simulator
from calibration.parallel import PathPool
from calibration.targets import Target, pick_named, read_entries
from simulator.economics.impact import impact_from_metrics
from simulator.economics.leontief import price_scale
from simulator.economics.metrics import PathMetrics
from simulator.errors import PARAMETER, InputError
from simulator.model.draws import DEFAULT_BLOCK_SIZE, Draws, prior_ppf, sample_draws
from simulator.model.fields import prior_targets
from simulator.model.scenario import Scenario
from simulator.model.schema_prior import Prior
from simulator.runs.precision import median_rel_error
from simulator.runs.recipe import path_metrics

__all__ = ["FreeParam", "TargetRuns", "from_unit_cube", "load_free", "pick_free", "same_scenario", "stack_draws"]

FloatArray = npt.NDArray[np.float64]


class FreeParam(BaseModel):
    """A parameter the calibration may free, with its prior and the reason for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    path: str = Field(min_length=1)
    """Dotted scenario path (e.g. ``calibration.cover_scale``)."""
    label: str = Field(min_length=1)
    dist: str = Field(pattern="^(uniform|loguniform)$")
    low: float
    high: float
    basis: str = Field(min_length=1)
    """Why this prior range (sources and judgement)."""
    also: tuple[str, ...] = ()
    """Further dotted paths set to the same value (one lever over several fields, e.g. the same share in
    three licences that rest on the same evidence)."""

    @property
    def paths(self) -> tuple[str, ...]:
        """Every field this parameter sets: ``path`` then ``also``."""
        return (self.path, *self.also)

    @property
    def prior(self) -> Prior:
        """The free parameter's prior as a scenario prior."""
        return Prior(dist=self.dist, low=self.low, high=self.high)  # type: ignore[arg-type]

    def from_unit(self, u: FloatArray) -> FloatArray:
        """Values at unit-cube coordinates ``u`` (the prior's inverse CDF)."""
        return prior_ppf(self.prior, np.asarray(u, dtype=np.float64))

    def to_unit(self, x: FloatArray) -> FloatArray:
        """Unit-cube coordinates of values ``x`` (the prior's CDF)."""
        x = np.asarray(x, dtype=np.float64)
        if self.dist == "loguniform":
            return (np.log(x) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (x - self.low) / (self.high - self.low)


def load_free(path: Path | None = None) -> dict[str, FreeParam]:
    """Candidate free parameters from ``calibration/data/free.toml``.

    Raises
    ------
    InputError
        Naming the file, the parameter's field, the rule and the value given.
    """
    if path is None:
        path = Path(str(resources.files("calibration") / "data" / "free.toml"))
    shown = str(path)
    out = read_entries(path, "free", FreeParam)
    for name, fp in out.items():
        if not fp.low < fp.high or (fp.dist == "loguniform" and fp.low <= 0):
            raise InputError(shown, f"free.{name}.low", "must be below high (and > 0 for loguniform)", fp.low)
    return out


def pick_free(free_names: Sequence[str], free: Mapping[str, FreeParam] | None = None) -> list[FreeParam]:
    """Free parameters by name, with a "did you mean" for an unknown one (an :class:`InputError` naming ``free_names``)."""
    return pick_named(free_names, load_free() if free is None else free, "free_names", "candidate free parameter")


def from_unit_cube(free: Sequence[FreeParam], u: FloatArray) -> FloatArray:
    """Unit-cube points ``u`` (n, k), clipped to the cube, as the free parameters' values (n, k) through each
    prior's inverse CDF (:meth:`FreeParam.from_unit`); a single point (k,) is taken as one row."""
    u = np.atleast_2d(u)
    return np.stack([p.from_unit(np.clip(u[:, i], 0.0, 1.0)) for i, p in enumerate(free)], axis=1)


def _key(t: Target) -> str:
    return f"{t.scenario}|{sorted(t.overrides.items())!r}"


def same_scenario(a: Target, b: Target) -> bool:
    """``a`` and ``b`` are evaluated on the same scenario with the same overrides (so on the same paths)."""
    return _key(a) == _key(b)


@dataclass
class _ScenarioRun:
    sc: Scenario
    draws: Draws
    targets: list[Target]


class TargetRuns:
    """Every target's scenario with its draws fixed (common random numbers).

    Parameters
    ----------
    targets : sequence of Target
    free : sequence of FreeParam
    n_paths : int
        Paths per parameter vector (the same paths for every vector).
    seed : int
    calibrated : bool
        Draw the fields the economy's fitted sample names from it (default: the priors as written).
    partial : bool
        Allow free parameters that are not fields of a target's scenario (they leave it unchanged); used
        when targets are fitted jointly with an episode whose parameters they do not have.
    workers : int
        Processes the runs use (:mod:`calibration.parallel`: the same numbers for any number); with more than
        one, call :meth:`close` (or use ``with``) when done.

    Raises
    ------
    InputError
        A free parameter that is not a field of a target's scenario (unless ``partial``).
    """

    def __init__(self, targets: Sequence[Target], free: Sequence[FreeParam], n_paths: int, seed: int, *,
                 calibrated: bool = False, partial: bool = False, workers: int = 1) -> None:
        self.targets = list(targets)
        self.free = list(free)
        self.n_paths = n_paths
        self.seed = seed
        self.workers = workers
        self._pool: PathPool | None = None
        groups: dict[str, _ScenarioRun] = {}
        for t in self.targets:
            k = _key(t)
            if k not in groups:
                sc = simulator.load_scenario(t.scenario, overrides=t.overrides or None, calibrated=calibrated)
                known = prior_targets(sc)
                for p in self.free:
                    if not partial and p.path not in known:
                        raise InputError(PARAMETER, "free", f"must be a field of scenario {t.scenario!r}", p.path)
                groups[k] = _ScenarioRun(sc, sample_draws(sc, n_paths, seed), [])
            groups[k].targets.append(t)
        self._groups = groups

    def scenario(self, t: Target) -> Scenario:
        """The (uncalibrated) scenario a target is evaluated on."""
        return self._groups[_key(t)].sc

    def per_path(self, theta: FloatArray | Callable[[Target], FloatArray]) -> dict[str, FloatArray]:
        """Each target's quantity on every path, for each parameter vector.

        Parameters
        ----------
        theta : ndarray of shape (J, k), or a callable
            Parameter vectors (free parameters' values, in ``free`` order); or, for each target, its own
            (``theta(target)``; the targets of one scenario share its first target's).

        Returns
        -------
        dict of str to ndarray of shape (J, n_paths)
            Target name -> its quantity (unit of the target) per vector and path.
        """
        P = self.n_paths
        groups = list(self._groups.values())
        thetas = [np.atleast_2d(np.asarray(theta(g.targets[0]) if callable(theta) else theta, dtype=np.float64))
                  for g in groups]
        if callable(theta) and any(not np.array_equal(np.atleast_2d(theta(t)), th) for g, th in zip(groups, thetas, strict=True)
                                   for t in g.targets[1:]):
            raise ValueError("targets on the same scenario (and overrides) must share their parameter vectors")
        vals = {t.name: np.empty(th.shape[0] * P) for g, th in zip(groups, thetas, strict=True) for t in g.targets}
        per_chunk = max(1, DEFAULT_BLOCK_SIZE // P)
        chunks = [(i, a, th[a:a + per_chunk]) for i, th in enumerate(thetas) for a in range(0, th.shape[0], per_chunk)]
        # every chunk's paths run at once (on the workers); each chunk's quantities from its own metrics, as one run
        pms = self._paths().metrics([((i, rows), rows.shape[0] * P) for i, _, rows in chunks])
        for (i, a, rows), pm in zip(chunks, pms, strict=True):
            g, m = groups[i], rows.shape[0]
            q = _quantities(g.sc, stack_draws(g.sc, g.draws, self.free, rows), g.targets, pm)
            for name, v in q.items():
                vals[name][a * P:(a + m) * P] = v
        return {name: v.reshape(-1, P) for name, v in vals.items()}

    def _paths(self) -> PathPool:
        if self._pool is None:
            self._pool = PathPool(self._build, self.workers)
        return self._pool

    def _build(self, key: tuple[int, FloatArray], a: int, b: int) -> tuple[Scenario, Draws]:
        """Group ``key[0]``'s scenario and paths ``a`` to ``b - 1`` of its draws stacked for vectors ``key[1]``."""
        i, rows = key
        g = list(self._groups.values())[i]
        P = self.n_paths
        if (a, b) == (0, rows.shape[0] * P):
            return g.sc, stack_draws(g.sc, g.draws, self.free, rows)
        r0, r1 = a // P, -(-b // P)
        if r1 - r0 == 1:  # within one vector's copy: its own paths
            return g.sc, stack_draws(g.sc, g.draws.subset(slice(a - r0 * P, b - r0 * P)), self.free, rows[r0:r1])
        return g.sc, stack_draws(g.sc, g.draws, self.free, rows[r0:r1]).subset(slice(a - r0 * P, b - r0 * P))

    def close(self) -> None:
        """Stop the workers, if any started."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> TargetRuns:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def statistics(self, theta: FloatArray | Callable[[Target], FloatArray]) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
        """Each target's statistic (the median over paths) and its Monte Carlo standard error, for each parameter
        vector (``theta`` as :meth:`per_path`'s).

        Returns
        -------
        stat, se : dict of str to ndarray of shape (J,)
            Target name -> median per parameter vector, and the standard error
            of that median (order statistics), both in the target's unit.
        """
        pp = self.per_path(theta)
        stat = {k: np.median(v, axis=1) for k, v in pp.items()}
        se = {k: np.array([abs(s) * _rel_err(row) for s, row in zip(stat[k], v, strict=True)]) for k, v in pp.items()}
        return stat, se


def stack_draws(sc: Scenario, draws: Draws, free: Sequence[FreeParam], rows: FloatArray) -> Draws:
    """The same paths once per parameter vector, stacked on the path axis (common random numbers).

    Parameters
    ----------
    sc : Scenario
    draws : Draws
        ``P`` paths.
    free : sequence of FreeParam
    rows : ndarray of shape (m, k)
        Parameter vectors (``free`` order); each sets every field of its
        parameter (:attr:`FreeParam.paths`) that is a field of ``sc`` on all
        ``P`` paths of its copy.

    Returns
    -------
    Draws
        ``m * P`` paths: vector ``r``'s copy holds paths ``r * P`` to ``(r + 1) * P - 1``.
    """
    m, P = rows.shape[0], draws.n_paths
    known = prior_targets(sc)
    params = {k: np.tile(v, m) for k, v in draws.params.items()}
    for i, p in enumerate(free):
        for path in p.paths:
            if path in known:
                params[path] = np.repeat(rows[:, i], P)
    return dataclasses.replace(draws, n_paths=m * P, params=params,
                               licence_days={k: np.tile(v, (m, 1)) for k, v in draws.licence_days.items()})


def _rel_err(x: FloatArray) -> float:
    e = median_rel_error(x)
    return float(e) if np.isfinite(e) else 0.0


def _quantities(sc: Scenario, draws: Draws, targets: Sequence[Target], pm: PathMetrics | None = None,
                ) -> dict[str, FloatArray]:
    """Run the vectorised kernel on ``draws`` (unless its metrics ``pm`` are given) and read each target's quantity
    per path."""
    n = draws.n_paths
    pm = dataclasses.replace(path_metrics(sc, draws) if pm is None else pm, price_scale=price_scale(sc, draws.params, n))
    imp = impact_from_metrics(pm, sc)
    out: dict[str, FloatArray] = {}
    table = sc.economy.table
    for t in targets:
        if t.quantity == "value_added_loss":
            out[t.name] = np.asarray(imp.value_added_loss, dtype=np.float64)
        elif t.quantity == "gdp_loss_pct":
            out[t.name] = np.asarray(imp.gdp_loss_pct, dtype=np.float64)
        else:  # the sectors' output lost, % of their planned output over the horizon (table money, as in run's summary)
            if table is None:
                raise ValueError("scenario has no input-output table loaded; use load_scenario")
            num = np.zeros(n)
            den = 0.0
            for s in t.sector:
                sec = sc.sectors[s]
                plan = table.output[table.codes.index(sec.io_sector)] * sc.economy.io_unit * sec.io_share
                num += pm.output_loss[:, sc.sector_ids.index(s)]
                den += plan * sc.run.horizon_days / 365.0
            out[t.name] = 100.0 * num / den
    return out
