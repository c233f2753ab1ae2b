"""Global sensitivity of the headline outputs to every uncertain parameter (Sobol indices, SALib).

Paths draw their own parameters, so one vectorised run evaluates a whole
Saltelli sample: each row of the sample (uniforms over the unit cube, pushed
through each prior's inverse CDF, as :mod:`simulator.model.draws` does) is one path.
Outputs per path: the GDP loss (% of GDP) and the day the first firms of the
vehicle sectors stop (the earlier of the two; days past the horizon count as
the horizon). First-order (S1) and total (ST) indices with bootstrap
confidence intervals, computed at N and at 2N base samples to check that they
have converged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from calibration.parallel import one_blas_thread, run_metrics
from simulator.economics.impact import impact_from_metrics
from simulator.economics.leontief import price_scale
from simulator.errors import PARAMETER, InputError
from simulator.model.draws import COHORT_KEY, DEFAULT_BLOCK_SIZE, prior_ppf, sample_block
from simulator.model.scenario import Scenario

__all__ = ["CONVERGENCE_TOL", "OUTPUTS", "OUTPUT_LABELS", "SobolResult", "evaluate", "sobol"]

FloatArray = npt.NDArray[np.float64]

OUTPUTS = ("gdp_loss_pct", "vehicles_first_stop_day")
OUTPUT_LABELS = {"gdp_loss_pct": "GDP loss (% of GDP)",
                 "vehicles_first_stop_day": "day the first vehicle firms stop (the horizon if never)"}
"""What each output is, for reports."""
CONVERGENCE_TOL = 0.05
"""The indices have converged when no total index of any output moved by more than this between N/2 and N."""
VEHICLES = ("vehicles_electrified", "vehicles_other")


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of each output, per parameter.

    Attributes
    ----------
    names : list of str
        The uncertain parameters (dotted paths with a prior), length d.
    n_base : int
        Base samples N (the model ran N x (d + 2) paths).
    s1, s1_conf, st, st_conf : dict of str to ndarray of shape (d,)
        First-order and total indices, and the half-widths of their 95 %
        bootstrap intervals, per output.
    st_change : dict of str to float
        Largest change of a total index between N/2 and N base samples.
    """

    names: list[str]
    n_base: int
    s1: dict[str, FloatArray]
    s1_conf: dict[str, FloatArray]
    st: dict[str, FloatArray]
    st_conf: dict[str, FloatArray]
    st_change: dict[str, float]

    def converged(self, tol: float = CONVERGENCE_TOL) -> bool:
        """Every total index of every output moved by at most ``tol`` between N/2 and N base samples."""
        return all(v <= tol for v in self.st_change.values())

    def indices(self, output: str = "gdp_loss_pct") -> list[tuple[str, float, float, float, float]]:
        """``(parameter, S1, S1 half-width, ST, ST half-width)``, largest total index first."""
        order = np.argsort(-self.st[output])
        return [(self.names[i], float(self.s1[output][i]), float(self.s1_conf[output][i]), float(self.st[output][i]),
                 float(self.st_conf[output][i])) for i in order]

    def ranking(self, output: str = "gdp_loss_pct") -> list[tuple[str, float, float]]:
        """``(parameter, ST, ST half-width)``, largest total index first."""
        order = np.argsort(-self.st[output])
        return [(self.names[i], float(self.st[output][i]), float(self.st_conf[output][i])) for i in order]


def evaluate(sc: Scenario, unit: FloatArray, seed: int, *, block_size: int = DEFAULT_BLOCK_SIZE,
             workers: int = 1) -> dict[str, FloatArray]:
    """Run one path per row of ``unit`` (uniforms, shape (n, d) in the order of ``sc.uncertainty``).

    ``workers`` processes run the paths (:mod:`calibration.parallel`: the same numbers for any number).

    Returns
    -------
    dict of str to ndarray of shape (n,)
        Per path: ``gdp_loss_pct`` and ``vehicles_first_stop_day`` (horizon if never).
    """
    names = list(sc.uncertainty)
    n = unit.shape[0]
    T = sc.run.horizon_days
    veh = [sc.sector_ids.index(s) for s in VEHICLES if s in sc.sectors]
    gdp, first = np.empty(n), np.empty(n)
    blocks = []
    for b, a in enumerate(range(0, n, block_size)):
        m = min(block_size, n - a)
        draws = sample_block(sc, seed, b, m, block_size=block_size)  # licence processing times and the like
        params = {k: prior_ppf(sc.uncertainty[k], unit[a:a + m, i]) for i, k in enumerate(names)}
        # how cohorts are matched across materials is not a prior: held fixed over the design (the first path's)
        params.update({k: np.full(m, v[0]) for k, v in draws.params.items() if k.startswith(COHORT_KEY)})
        blocks.append((a, dataclasses.replace(draws, params=params)))
    for (a, draws), pm in zip(blocks, run_metrics([(sc, d) for _, d in blocks], workers), strict=True):
        m = draws.n_paths
        imp = impact_from_metrics(dataclasses.replace(pm, price_scale=price_scale(sc, draws.params, m)), sc)
        gdp[a:a + m] = imp.gdp_loss_pct
        f = imp.first_stoppage_day[:, veh].min(axis=1) if veh else np.full(m, np.inf)
        first[a:a + m] = np.minimum(f, T)
    return {"gdp_loss_pct": gdp, "vehicles_first_stop_day": first}


@one_blas_thread()
def sobol(sc: Scenario, n_base: int = 512, seed: int = 0, *, num_resamples: int = 200, workers: int = 1) -> SobolResult:
    """Sobol first-order and total indices of the headline outputs for every parameter with a prior.

    Parameters
    ----------
    sc : Scenario
    n_base : int
        Base samples N, a power of two (Saltelli's scheme runs N x (d + 2) paths).
    seed : int
        Seeds the Sobol sequence's scrambling, the bootstrap and the other random inputs.
    workers : int
        Processes the paths run on (the same numbers for any number).

    Raises
    ------
    InputError
        Fewer than two uncertain parameters, or ``n_base`` not a power of two >= 16.
    """
    names = list(sc.uncertainty)
    d = len(names)
    if d < 2:
        raise InputError(sc.origin or sc.name, "uncertainty", "needs at least two priors for a sensitivity analysis", d)
    if n_base < 16 or n_base & (n_base - 1):
        raise InputError(PARAMETER, "n_base", "must be a power of two >= 16", n_base)
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    unit = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    y = evaluate(sc, np.asarray(unit, dtype=np.float64), seed, workers=workers)
    per = d + 2

    def analyse(rows: int, out: str) -> dict[str, FloatArray]:
        yy = y[out][: rows * per]
        if np.ptp(yy) == 0.0:  # the output does not move: every index is 0
            z = np.zeros(d)
            return {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z}
        res = sobol_analyze.analyze(problem, yy, calc_second_order=False, num_resamples=num_resamples,
                                    conf_level=0.95, seed=seed)
        return {k: np.asarray(res[k], dtype=np.float64) for k in ("S1", "S1_conf", "ST", "ST_conf")}

    full = {o: analyse(n_base, o) for o in OUTPUTS}
    half = {o: analyse(n_base // 2, o) for o in OUTPUTS}
    return SobolResult(
        names=names,
        n_base=n_base,
        s1={o: full[o]["S1"] for o in OUTPUTS},
        s1_conf={o: full[o]["S1_conf"] for o in OUTPUTS},
        st={o: full[o]["ST"] for o in OUTPUTS},
        st_conf={o: full[o]["ST_conf"] for o in OUTPUTS},
        st_change={o: float(np.max(np.abs(full[o]["ST"] - half[o]["ST"]))) for o in OUTPUTS},
    )
