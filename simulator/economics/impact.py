"""The impact of many paths: value added lost in money and in % of GDP, by sector and quarter, and its summary.

:func:`impact_from_metrics` turns per-path metrics into an :class:`Impact` through the input-output
linkage (:mod:`simulator.economics.leontief`) and the scenario's price scale; :func:`summarise` gives the
means, medians and 5-95 % bands every output reports. The share of GDP divides by the economy's GDP base.
Extra procurement cost paid to alternative suppliers is reported separately and not added to the GDP loss:
it is a transfer abroad, not lost production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.economics.leontief import (
    Multiplier,
    price_scale,
    va_multipliers,
    value_added_lost,
)
from simulator.economics.metrics import PathMetrics, metrics_from_trajectories
from simulator.engines.trajectories import Trajectories
from simulator.model.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


__all__ = [
    "Impact",
    "assess",
    "impact_from_metrics",
    "summarise",
]


@dataclass(frozen=True)
class Impact:
    """The cost of a shock, per path.

    Attributes
    ----------
    sectors : list of str
    currency : str
    price_year : int or None
        Year of the money of every currency figure (``None``: the table's,
        year not given).
    multiplier : str
    multipliers : ndarray of shape (S,)
        Value added lost per unit of gross output lost of each sector alone
        (:func:`table_multipliers`).
    output_loss : ndarray of shape (P, S), currency
        Gross output lost over the horizon, net of catch-up (price-year money).
    value_added_loss_alone : ndarray of shape (P, S), currency
        ``output_loss x multipliers``: each sector's loss as if no other
        sector were constrained (these overlap: do not add them up).
    value_added_loss_by_sector : ndarray of shape (P, S), currency
        ``value_added_loss`` shared out in proportion to ``value_added_loss_alone``
        (sums to ``value_added_loss``).
    value_added_loss : ndarray of shape (P,), currency
        Net (after catch-up), over the horizon: from the loss vector over the
        table's sectors (:func:`value_added_lost`), no value added counted twice.
    output_loss_gross : ndarray of shape (P, S), currency
        Gross output lost before catch-up (the shortfall from plan).
    value_added_loss_gross : ndarray of shape (P,), currency
        Value added lost before catch-up, over the horizon.
    quarters : list of str
        Labels of the Q quarters the horizon touches.
    quarter_days : ndarray of shape (Q,), int
        Days of the horizon in each quarter.
    value_added_loss_quarter : ndarray of shape (P, Q), currency
        Net value added lost in each quarter: gross lost less value added of
        the catch-up made in it (negative in a quarter of catch-up).
    value_added_loss_gross_quarter : ndarray of shape (P, Q), currency
    gdp_loss_pct_quarter : ndarray of shape (P, Q)
        Net value added lost in a quarter, % of a quarter's GDP (annual / 4).
    half_lost_day : ndarray of shape (P, S), float, optional
        First day output fell below half of plan; ``inf`` if never.
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
    price_year: int | None
    multiplier: str
    multipliers: FloatArray
    output_loss: FloatArray
    value_added_loss_alone: FloatArray
    value_added_loss_by_sector: FloatArray
    value_added_loss: FloatArray
    gdp_loss_pct: FloatArray
    first_stoppage_day: FloatArray
    stoppage_days: npt.NDArray[np.int64]
    premium_cost: FloatArray
    peak_shortfall: FloatArray
    shortfall_days: npt.NDArray[np.int64]
    output_loss_gross: FloatArray
    value_added_loss_gross: FloatArray
    quarters: list[str]
    quarter_days: IntArray
    value_added_loss_quarter: FloatArray
    value_added_loss_gross_quarter: FloatArray
    gdp_loss_pct_quarter: FloatArray
    half_lost_day: FloatArray | None = None

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.value_added_loss.shape[0])

    def summary(self) -> dict[str, Any]:
        """Headline statistics over paths (JSON-ready).

        ``gdp_loss_pct``, ``value_added_loss``, ``premium_cost``: mean, median,
        p05, p95; every money figure also gives its ``price_year``. ``sectors``: for each sector its ``output_loss`` and
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

    def money(x: FloatArray) -> dict[str, Any]:
        return {**_stats(x), "price_year": imp.price_year}

    sectors = {}
    for i, s in enumerate(imp.sectors):
        sectors[s] = {
            "output_loss": money(imp.output_loss[:, i]),
            "output_loss_gross": money(imp.output_loss_gross[:, i]),
            "value_added_loss": money(imp.value_added_loss_by_sector[:, i]),
            "value_added_loss_alone": money(imp.value_added_loss_alone[:, i]),
            "first_stoppage_day": _day_stats(imp.first_stoppage_day[:, i]),
            "stop_probability": float(np.mean(np.isfinite(imp.first_stoppage_day[:, i]))),
            **({} if imp.half_lost_day is None else {"half_output_lost_day": _day_stats(imp.half_lost_day[:, i])}),
            "stoppage_days": _stats(imp.stoppage_days[:, i].astype(np.float64)),
            "multiplier": float(imp.multipliers[i]),
        }
    return {
        "paths": imp.n_paths,
        "currency": imp.currency,
        "price_year": imp.price_year,
        "multiplier": imp.multiplier,
        **({"sensitivity": "household linkage (induced consumption out of lost wages at economy.mpc): a sensitivity, "
                           "not the headline"} if imp.multiplier == "household" else {}),
        "gdp_loss_pct": _stats(imp.gdp_loss_pct),
        "value_added_loss": money(imp.value_added_loss),
        "value_added_loss_gross": money(imp.value_added_loss_gross),
        "quarters": [
            {
                "quarter": q,
                "days": int(imp.quarter_days[k]),
                "value_added_loss": money(imp.value_added_loss_quarter[:, k]),
                "value_added_loss_gross": money(imp.value_added_loss_gross_quarter[:, k]),
                "gdp_loss_pct_of_quarter": _stats(imp.gdp_loss_pct_quarter[:, k]),
            }
            for k, q in enumerate(imp.quarters)
        ],
        "double_counting_removed": money(imp.value_added_loss_alone.sum(axis=1) - imp.value_added_loss),
        "premium_cost": money(imp.premium_cost),
        "sectors": sectors,
        "materials": {
            m: {
                "peak_shortfall_share": _stats(imp.peak_shortfall[:, i]),
                "shortfall_days": _stats(imp.shortfall_days[:, i].astype(np.float64)),
            }
            for i, m in enumerate(imp.materials)
        },
    }


def impact_from_metrics(pm: PathMetrics, sc: Scenario, *, multiplier: Multiplier = "supply-chain") -> Impact:
    """Value added lost, % of GDP, by sector, from per-path totals."""
    mult = va_multipliers(sc, multiplier)
    scale = pm.price_scale if pm.price_scale is not None else price_scale(sc, None, pm.output_loss.shape[0])
    output_loss = pm.output_loss * scale[:, np.newaxis]
    alone = output_loss * mult[np.newaxis, :]
    va = value_added_lost(sc, output_loss, multiplier)
    total_alone = alone.sum(axis=1)
    share = np.divide(va, total_alone, out=np.zeros_like(va), where=total_alone > 0)
    gross = pm.output_loss_gross * scale[:, np.newaxis]
    gross_q = pm.output_loss_gross_quarter * scale[:, np.newaxis, np.newaxis]
    caught_up_q = np.clip(gross_q - pm.output_loss_quarter * scale[:, np.newaxis, np.newaxis], 0.0, None)
    va_gross_q = value_added_lost(sc, gross_q, multiplier)
    va_net_q = va_gross_q - value_added_lost(sc, caught_up_q, multiplier)
    return Impact(
        sectors=list(pm.sectors),
        materials=list(pm.materials),
        currency=pm.currency,
        price_year=sc.economy.price_year,
        multiplier=multiplier,
        multipliers=mult,
        output_loss=output_loss,
        value_added_loss_alone=alone,
        value_added_loss_by_sector=alone * share[:, np.newaxis],
        value_added_loss=va,
        gdp_loss_pct=100.0 * va / pm.gdp,
        first_stoppage_day=pm.first_stoppage_day,
        stoppage_days=pm.stoppage_days,
        premium_cost=pm.premium_cost,
        peak_shortfall=pm.peak_shortfall,
        shortfall_days=pm.shortfall_days,
        output_loss_gross=gross,
        value_added_loss_gross=value_added_lost(sc, gross, multiplier),
        quarters=list(pm.quarters),
        quarter_days=pm.quarter_days,
        value_added_loss_quarter=va_net_q,
        value_added_loss_gross_quarter=va_gross_q,
        gdp_loss_pct_quarter=100.0 * va_net_q / (pm.gdp[:, np.newaxis] / 4.0),
        half_lost_day=pm.half_lost_day,
    )


def assess(tr: Trajectories, sc: Scenario, *, multiplier: Multiplier = "supply-chain") -> Impact:
    """Value added lost, % of GDP, by sector, from a run's trajectories.

    Parameters
    ----------
    tr : Trajectories
    sc : Scenario
        The scenario the trajectories were run on (for the input-output table).
    multiplier : {"supply-chain", "direct", "household"}

    Returns
    -------
    Impact
    """
    return impact_from_metrics(metrics_from_trajectories(tr, sc), sc, multiplier=multiplier)
