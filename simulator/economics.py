"""Lost output -> value added (input-output multipliers) -> currency and % of GDP.

Value added lost on a path is ``sum_s lost gross output_s x multiplier_s``.
The multiplier of a model sector is that of its table sector:

``type1`` (default)
    Domestic type I, output-based: ``sum_i v_i L_ij / L_jj`` with
    ``L = (I - A_d)^-1``, ``A_d`` the technical coefficients with imports
    removed in proportion to each product's domestic use, and ``v`` the
    value-added ratios. A loss of gross output in sector j takes with it the
    value added of j and of its domestic suppliers; dividing by ``L_jj``
    avoids counting j's purchases from itself twice.
``direct``
    ``v_j`` only: the value added of the sector itself.
``type2``
    As ``type1`` with households closed: compensation of employees is spent
    on household consumption (domestic share), adding induced effects.

The share of GDP divides by the economy's GDP base. Extra procurement cost
paid to alternative suppliers is reported separately and not added to the
GDP loss: it is a transfer abroad, not lost production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from simulator.scenario import IOTable, Scenario
from simulator.trajectories import Trajectories

__all__ = [
    "STOPPAGE_THRESHOLD",
    "Impact",
    "PathMetrics",
    "assess",
    "impact_from_metrics",
    "metrics_from_trajectories",
    "summarise",
    "table_multipliers",
    "va_multipliers",
]

FloatArray = npt.NDArray[np.float64]
Multiplier = Literal["type1", "direct", "type2"]

STOPPAGE_THRESHOLD = 0.99
"""A sector has stopped on the first day its output is more than 1 % below plan."""


def table_multipliers(table: IOTable, kind: Multiplier = "type1") -> FloatArray:
    """Value-added multipliers of every sector of an input-output table.

    Parameters
    ----------
    table : IOTable
    kind : {"type1", "direct", "type2"}

    Returns
    -------
    ndarray of shape (n,), float64
        Value added lost (currency) per unit of gross output lost in each sector.

    Examples
    --------
    A two-sector table where sector 0 buys 0.2 of its output from sector 1:

    >>> import numpy as np
    >>> from simulator.scenario import IOTable
    >>> z = np.array([[0.0, 0.0], [20.0, 0.0]])
    >>> t = IOTable(codes=("a", "b"), intermediate=z, value_added=np.array([80.0, 100.0]),
    ...             compensation=np.zeros(2), household_consumption=np.zeros(2),
    ...             domestic_final_demand=np.array([100.0, 80.0]), exports=np.zeros(2),
    ...             imports=np.zeros(2), output=np.array([100.0, 100.0]))
    >>> table_multipliers(t).round(6).tolist()
    [1.0, 1.0]
    >>> table_multipliers(t, "direct").tolist()
    [0.8, 1.0]
    """
    x = np.asarray(table.output, dtype=np.float64)
    z = np.asarray(table.intermediate, dtype=np.float64)
    n = x.size
    v = np.asarray(table.value_added, dtype=np.float64) / x
    if kind == "direct":
        return v
    a = z / x[np.newaxis, :]
    domestic_use = z.sum(axis=1) + np.asarray(table.domestic_final_demand, dtype=np.float64)
    imp = np.asarray(table.imports, dtype=np.float64)
    m = np.divide(imp, domestic_use, out=np.zeros(n), where=domestic_use > 0)
    m = np.clip(m, 0.0, 1.0)
    a_d = (1.0 - m)[:, np.newaxis] * a
    if kind == "type1":
        leontief = np.linalg.inv(np.eye(n) - a_d)
        return (v @ leontief) / np.diag(leontief)
    if kind == "type2":
        comp = np.asarray(table.compensation, dtype=np.float64)
        total_comp = comp.sum()
        if total_comp <= 0:
            raise ValueError("type II multipliers need compensation of employees in the table")
        h = comp / x
        c = (1.0 - m) * np.asarray(table.household_consumption, dtype=np.float64) / total_comp
        big = np.zeros((n + 1, n + 1))
        big[:n, :n] = a_d
        big[:n, n] = c
        big[n, :n] = h
        leontief = np.linalg.inv(np.eye(n + 1) - big)
        return (v @ leontief[:n, :n]) / np.diag(leontief)[:n]
    raise ValueError(f"multiplier must be 'type1', 'direct' or 'type2'; got {kind!r}")


def va_multipliers(sc: Scenario, kind: Multiplier = "type1") -> FloatArray:
    """Value-added multiplier of each model sector, shape (S,)."""
    table = sc.economy.table
    if table is None:
        raise ValueError("scenario has no input-output table loaded; use load_scenario")
    mult = table_multipliers(table, kind)
    return np.array([mult[table.codes.index(sec.io_sector)] for sec in sc.sectors.values()])


@dataclass(frozen=True)
class Impact:
    """The cost of a shock, per path.

    Attributes
    ----------
    sectors : list of str
    currency : str
    multiplier : str
    multipliers : ndarray of shape (S,)
        Value added per unit of gross output lost.
    output_loss : ndarray of shape (P, S), currency
        Gross output lost over the horizon, net of catch-up.
    value_added_loss_by_sector : ndarray of shape (P, S), currency
    value_added_loss : ndarray of shape (P,), currency
    gdp_loss_pct : ndarray of shape (P,), % of annual GDP
    first_stoppage_day : ndarray of shape (P, S), float
        First day output fell more than 1 % below plan; ``inf`` if never.
    stoppage_days : ndarray of shape (P, S), int
        Days with output more than 1 % below plan.
    premium_cost : ndarray of shape (P,), currency
        Extra procurement cost paid to alternative suppliers (not in the GDP loss).
    peak_shortfall : ndarray of shape (P, M), in [0, 1]
        Largest share of a day's requirement (plan plus catch-up) not met.
    shortfall_days : ndarray of shape (P, M), int
        Days on which requirements were not met in full.
    """

    sectors: list[str]
    materials: list[str]
    currency: str
    multiplier: str
    multipliers: FloatArray
    output_loss: FloatArray
    value_added_loss_by_sector: FloatArray
    value_added_loss: FloatArray
    gdp_loss_pct: FloatArray
    first_stoppage_day: FloatArray
    stoppage_days: npt.NDArray[np.int64]
    premium_cost: FloatArray
    peak_shortfall: FloatArray
    shortfall_days: npt.NDArray[np.int64]

    @property
    def n_paths(self) -> int:
        return int(self.value_added_loss.shape[0])

    def summary(self) -> dict[str, Any]:
        """Headline statistics over paths (JSON-ready).

        ``gdp_loss_pct``, ``value_added_loss``, ``premium_cost``: mean, median,
        p05, p95. ``sectors``: for each sector its ``output_loss`` and
        ``value_added_loss`` (same statistics), ``first_stoppage_day`` (median,
        p05, p95 over all paths, ``None`` where that quantile never stops) and
        ``stop_probability``.
        """
        return summarise(self)


def _stats(x: FloatArray) -> dict[str, float]:
    return {
        "mean": float(np.mean(x)),
        "median": float(np.median(x)),
        "p05": float(np.quantile(x, 0.05)),
        "p95": float(np.quantile(x, 0.95)),
    }


def _day_stats(x: FloatArray) -> dict[str, float | None]:
    def q(p: float) -> float | None:
        v = float(np.quantile(x, p, method="inverted_cdf"))
        return None if not np.isfinite(v) else v

    return {"median": q(0.5), "p05": q(0.05), "p95": q(0.95)}


def summarise(imp: Impact) -> dict[str, Any]:
    """See :meth:`Impact.summary`."""
    sectors = {}
    for i, s in enumerate(imp.sectors):
        sectors[s] = {
            "output_loss": _stats(imp.output_loss[:, i]),
            "value_added_loss": _stats(imp.value_added_loss_by_sector[:, i]),
            "first_stoppage_day": _day_stats(imp.first_stoppage_day[:, i]),
            "stop_probability": float(np.mean(np.isfinite(imp.first_stoppage_day[:, i]))),
            "stoppage_days": _stats(imp.stoppage_days[:, i].astype(np.float64)),
            "multiplier": float(imp.multipliers[i]),
        }
    return {
        "paths": imp.n_paths,
        "currency": imp.currency,
        "multiplier": imp.multiplier,
        "gdp_loss_pct": _stats(imp.gdp_loss_pct),
        "value_added_loss": _stats(imp.value_added_loss),
        "premium_cost": _stats(imp.premium_cost),
        "sectors": sectors,
        "materials": {
            m: {
                "peak_shortfall_share": _stats(imp.peak_shortfall[:, i]),
                "shortfall_days": _stats(imp.shortfall_days[:, i].astype(np.float64)),
            }
            for i, m in enumerate(imp.materials)
        },
    }


@dataclass(frozen=True)
class PathMetrics:
    """Per-path totals a run keeps (enough for :class:`Impact`), paths first.

    Attributes
    ----------
    output_loss : ndarray of shape (P, S), currency
        Gross output lost over the horizon, net of catch-up.
    first_stoppage_day : ndarray of shape (P, S), float
        ``inf`` where the sector never stopped.
    stoppage_days : ndarray of shape (P, S), int
    premium_cost : ndarray of shape (P,), currency
    peak_shortfall : ndarray of shape (P, M), in [0, 1]
        Largest share of a day's requirement (plan plus catch-up) not met.
    shortfall_days : ndarray of shape (P, M), int
    gdp : ndarray of shape (P,), currency/yr
    """

    sectors: list[str]
    materials: list[str]
    currency: str
    output_loss: FloatArray
    first_stoppage_day: FloatArray
    stoppage_days: npt.NDArray[np.int64]
    premium_cost: FloatArray
    peak_shortfall: FloatArray
    shortfall_days: npt.NDArray[np.int64]
    gdp: FloatArray

    @staticmethod
    def concat(parts: list[PathMetrics]) -> PathMetrics:
        """Join the metrics of consecutive blocks of paths."""
        first = parts[0]
        return PathMetrics(
            sectors=first.sectors,
            materials=first.materials,
            currency=first.currency,
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in ("output_loss", "first_stoppage_day", "stoppage_days", "premium_cost",
                             "peak_shortfall", "shortfall_days", "gdp")
            },
        )


SHORTFALL_TOLERANCE = 1e-9
"""A day counts as a shortfall day when unmet requirement exceeds this share of daily demand."""


def metrics_from_trajectories(tr: Trajectories) -> PathMetrics:
    """Per-path totals of full trajectories."""
    stopped = tr.output_fraction < STOPPAGE_THRESHOLD
    any_stop = stopped.any(axis=1)
    first = np.where(any_stop, stopped.argmax(axis=1).astype(np.float64), np.inf)
    base = tr.demand[:, np.newaxis, :]
    share = tr.shortfall / base
    of_req = np.divide(tr.shortfall, tr.requirement, out=np.zeros_like(tr.shortfall), where=tr.requirement > 0)
    return PathMetrics(
        sectors=list(tr.sectors),
        materials=list(tr.materials),
        currency=tr.currency,
        output_loss=tr.lost_output.sum(axis=1),
        first_stoppage_day=first,
        stoppage_days=stopped.sum(axis=1).astype(np.int64),
        premium_cost=tr.premium_cost.sum(axis=1),
        peak_shortfall=np.clip(of_req.max(axis=1), 0.0, 1.0),
        shortfall_days=(share > SHORTFALL_TOLERANCE).sum(axis=1).astype(np.int64),
        gdp=tr.gdp.copy(),
    )


def impact_from_metrics(pm: PathMetrics, sc: Scenario, *, multiplier: Multiplier = "type1") -> Impact:
    """Value added lost, % of GDP, by sector, from per-path totals."""
    mult = va_multipliers(sc, multiplier)
    va_by_sector = pm.output_loss * mult[np.newaxis, :]
    va = va_by_sector.sum(axis=1)
    return Impact(
        sectors=list(pm.sectors),
        materials=list(pm.materials),
        currency=pm.currency,
        multiplier=multiplier,
        multipliers=mult,
        output_loss=pm.output_loss,
        value_added_loss_by_sector=va_by_sector,
        value_added_loss=va,
        gdp_loss_pct=100.0 * va / pm.gdp,
        first_stoppage_day=pm.first_stoppage_day,
        stoppage_days=pm.stoppage_days,
        premium_cost=pm.premium_cost,
        peak_shortfall=pm.peak_shortfall,
        shortfall_days=pm.shortfall_days,
    )


def assess(tr: Trajectories, sc: Scenario, *, multiplier: Multiplier = "type1") -> Impact:
    """Value added lost, % of GDP, by sector, from a run's trajectories.

    Parameters
    ----------
    tr : Trajectories
    sc : Scenario
        The scenario the trajectories were run on (for the input-output table).
    multiplier : {"type1", "direct", "type2"}

    Returns
    -------
    Impact
    """
    return impact_from_metrics(metrics_from_trajectories(tr), sc, multiplier=multiplier)
