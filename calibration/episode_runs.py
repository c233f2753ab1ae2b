"""The episode's runs: its scenario with the draws fixed, run at parameter vectors on the same paths (common random
numbers), keeping each observation's model value, the horizon's loss and the monthly series.

:class:`EpisodeRuns` evaluates the vectors of a design; :class:`SeriesRecorder` keeps only the daily series an
episode's observations read. :mod:`calibration.condition` conditions on what they give.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from calibration.backcast import monthly_values
from calibration.episode_values import model_values, needed_series
from calibration.episodes import Episode
from calibration.model import FreeParam, stack_draws
from simulator.economics.impact import impact_from_metrics
from simulator.economics.leontief import price_scale
from simulator.engines.params import PathParams
from simulator.model.draws import Draws, sample_draws
from simulator.model.scenario import Scenario
from simulator.runs.recipe import record_paths

if TYPE_CHECKING:
    from simulator.engines.vectorised import DayState

__all__ = ["CHUNK", "EpisodeRuns", "RunValues", "SeriesRecorder"]

FloatArray = npt.NDArray[np.float64]

CHUNK = 4000
"""Paths simulated at once (whole trajectories are kept while an observation's values are read)."""


@dataclasses.dataclass
class RunValues:
    """Model values of an episode at ``J`` parameter vectors on the same ``P`` paths."""

    values: dict[str, FloatArray]
    """Observation name -> its model value, shape (J, P), in the unit of :func:`observed_value`."""
    loss: dict[str, FloatArray]
    """``gdp_loss_pct`` (% of annual GDP) and ``value_added_loss`` (yen of the scenario's money year) over the horizon, (J, P)."""
    months: dict[str, list[tuple[str, str, FloatArray]]]
    """Series key -> (first, last, values of shape (J * P,)) per calendar month (the fans)."""


class EpisodeRuns:
    """An episode's scenario with its draws fixed; evaluates parameter vectors on the same paths.

    Parameters
    ----------
    ep : Episode
    sc : Scenario
        The episode's scenario (:meth:`Episode.build_scenario`).
    free : sequence of FreeParam
    n_paths : int
    seed : int
    """

    def __init__(self, ep: Episode, sc: Scenario, free: Sequence[FreeParam], n_paths: int, seed: int) -> None:
        self.ep, self.sc, self.free = ep, sc, list(free)
        self.draws = sample_draws(sc, n_paths, seed)

    def run(self, theta: FloatArray, n_paths: int | None = None) -> RunValues:
        """Every observation's value, the horizon's loss and the monthly series at each vector of ``theta`` (J, k).

        ``n_paths``: use the first ``n_paths`` of the fixed paths (all by default).
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        base = self.draws if n_paths is None else _first(self.draws, n_paths)
        P, J = base.n_paths, theta.shape[0]
        per = max(1, CHUNK // P)
        vals: dict[str, list[FloatArray]] = {n: [] for n in self.ep.observations}
        loss: dict[str, list[FloatArray]] = {"gdp_loss_pct": [], "value_added_loss": []}
        months: dict[str, list[tuple[str, str, list[FloatArray]]]] = {}
        for a in range(0, J, per):
            draws = stack_draws(self.sc, base, self.free, theta[a:a + per])
            pm, slices = record_paths(self.sc, draws, lambda pp: SeriesRecorder(self.ep, self.sc, pp))
            pm = dataclasses.replace(pm, price_scale=price_scale(self.sc, draws.params, draws.n_paths))
            imp = impact_from_metrics(pm, self.sc)
            loss["gdp_loss_pct"].append(np.asarray(imp.gdp_loss_pct, dtype=np.float64))
            loss["value_added_loss"].append(np.asarray(imp.value_added_loss, dtype=np.float64))
            at = 0
            for pp, rec in slices:
                part = slice(at, at + pp.n_paths)
                at += pp.n_paths
                for n, v in model_values(self.ep, self.sc, rec, pp, _ImpactSlice(imp.gdp_loss_pct[part])).items():
                    vals[n].append(v)
                for key, rows in monthly_values(self.ep, self.sc, rec, pp).items():
                    acc = months.setdefault(key, [(f, la, []) for f, la, _ in rows])
                    for (_, _, lst), (_, _, v) in zip(acc, rows, strict=True):
                        lst.append(v)
        return RunValues(values={n: np.concatenate(v).reshape(J, P) for n, v in vals.items()},
                         loss={n: np.concatenate(v).reshape(J, P) for n, v in loss.items()},
                         months={k: [(f, la, np.concatenate(v)) for f, la, v in rows] for k, rows in months.items()})


class SeriesRecorder:
    """Keeps only the daily series an episode's observations read (arrivals on their edges, their sectors' output
    fraction), paths first; a :class:`calibration.episode_values.SeriesSource` for :func:`model_values`."""

    def __init__(self, ep: Episode, sc: Scenario, pp: PathParams) -> None:
        self.edges, self.sectors = needed_series(ep, sc)
        P, T = pp.n_paths, pp.n_days
        self.n_paths = P
        self._arr = {e: np.zeros((P, T)) for e in self.edges}
        self._frac = {s: np.ones((P, T)) for s in self.sectors}
        self._rows: list[tuple[tuple[int, int], int]] = []

    def start(self, state: DayState) -> None:
        """Find the kernel rows of the observed edges (an edge the kernel lacks carries nothing)."""
        where = {(int(k), int(m)): i for i, (k, m) in enumerate(zip(state.edge_k, state.edge_m, strict=True))}
        self._rows = [(e, where[e]) for e in self.edges if e in where]  # an edge the kernel lacks carries nothing

    def record(self, t: int, state: DayState) -> None:
        """Keep day ``t``'s arrivals on the observed edges and output share of the observed sectors."""
        for e, row in self._rows:
            self._arr[e][:, t] = state.arrivals_e[row]
        for s in self.sectors:
            self._frac[s][:, t] = state.f[s]

    def arrivals(self, k: int, m: int) -> FloatArray:
        """Daily arrivals of material ``m`` from source ``k``, t/day, shape (P, T)."""
        return self._arr[(k, m)]

    def fraction(self, s: int) -> FloatArray:
        """Daily output of sector ``s`` as a share of plan, shape (P, T)."""
        return self._frac[s]


@dataclasses.dataclass
class _ImpactSlice:
    gdp_loss_pct: FloatArray


def _first(d: Draws, n: int) -> Draws:
    n = min(n, d.n_paths)
    return dataclasses.replace(d, n_paths=n, params={k: v[:n] for k, v in d.params.items()},
                               licence_days={k: v[:n] for k, v in d.licence_days.items()})
