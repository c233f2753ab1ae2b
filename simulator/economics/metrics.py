"""Per-path metrics: what a run keeps of each path (:class:`PathMetrics`), and their computation from full trajectories.

A path's output loss by sector (net of catch-up, and gross), the first day each sector stops (output
below :data:`~simulator.engines.rules.STOPPAGE` of plan) and loses half its output (:data:`HALF_LOST`),
days stopped, peak shortfall and days short by material, and the loss by quarter. A streamed run computes
the same numbers day by day with :mod:`simulator.economics.recorders`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.economics.quarters import quarter_calendar
from simulator.engines.rules import STOPPAGE
from simulator.engines.trajectories import Trajectories
from simulator.model.scenario import Scenario

__all__ = [
    "HALF_LOST",
    "PathMetrics",
    "metrics_from_trajectories",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
    output_loss_gross : ndarray of shape (P, S), currency
        Gross output lost before catch-up: ``(1 - output_fraction) x daily output``, summed.
    quarters : list of str
        Labels of the Q quarters of the horizon (:func:`quarter_calendar`).
    quarter_days : ndarray of shape (Q,), int
    output_loss_quarter, output_loss_gross_quarter : ndarray of shape (P, Q, S), currency
        Net and gross output lost within each quarter.
    price_scale : ndarray of shape (P,), optional
        Table's money to the price year's (:func:`price_scale`, with the
        paths' draws); ``None``: from the scenario's values.
    half_lost_day : ndarray of shape (P, S), float, optional
        First day output fell below half of plan (``inf`` if never).

    ``output_loss`` is in the table's money, as the engines book it; the
    impact converts it to the price year's.
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
    output_loss_gross: FloatArray
    quarters: list[str]
    quarter_days: IntArray
    output_loss_quarter: FloatArray
    output_loss_gross_quarter: FloatArray
    price_scale: FloatArray | None = None
    half_lost_day: FloatArray | None = None

    @staticmethod
    def concat(parts: list[PathMetrics], *, consume: bool = False) -> PathMetrics:
        """Join the metrics of consecutive blocks of paths.

        With ``consume``, ``parts`` is emptied and each part's arrays are
        released as soon as they are joined, so the peak memory is the joined
        metrics and one field of the parts rather than twice the metrics (the
        caller must hold no other reference to the parts).
        """
        sectors, materials, currency = parts[0].sectors, parts[0].materials, parts[0].currency
        quarters, quarter_days = parts[0].quarters, parts[0].quarter_days
        columns = [dict(vars(p)) for p in parts]
        if consume:
            parts.clear()
        joined: dict[str, Any] = {}
        for name in _PER_PATH:
            joined[name] = np.concatenate([c.pop(name) for c in columns])
        for name in ("price_scale", "half_lost_day"):
            values = [c.pop(name) for c in columns]
            joined[name] = None if any(v is None for v in values) else np.concatenate(values)
        return PathMetrics(sectors=sectors, materials=materials, currency=currency, quarters=quarters,
                           quarter_days=quarter_days, **joined)


_PER_PATH = ("output_loss", "first_stoppage_day", "stoppage_days", "premium_cost", "peak_shortfall", "shortfall_days",
             "gdp", "output_loss_gross", "output_loss_quarter", "output_loss_gross_quarter")
"""The fields of :class:`PathMetrics` that every block has, one row per path."""

HALF_LOST = 0.5
"""Output below this share of plan: half the sector's output is lost (most of its firms have stopped)."""


SHORTFALL_TOLERANCE = 1e-9
"""A day counts as a shortfall day when unmet requirement exceeds this share of daily demand."""


def metrics_from_trajectories(tr: Trajectories, sc: Scenario | None = None) -> PathMetrics:
    """Per-path totals of full trajectories.

    Quarters follow ``sc``'s calendar (:func:`scenario_quarters`); without a
    scenario, quarters of the run.
    """
    labels, qidx = quarter_calendar(sc.run.start_date if sc is not None else None, tr.n_days)
    Q = len(labels)
    gross_daily = (1.0 - tr.output_fraction) * tr.daily_output[:, np.newaxis, :]  # (P, T, S)
    onehot = np.zeros((tr.n_days, Q))
    onehot[np.arange(tr.n_days), qidx] = 1.0
    stopped = tr.output_fraction < STOPPAGE
    any_stop = stopped.any(axis=1)
    first = np.where(any_stop, stopped.argmax(axis=1).astype(np.float64), np.inf)
    halved = tr.output_fraction < HALF_LOST
    half = np.where(halved.any(axis=1), halved.argmax(axis=1).astype(np.float64), np.inf)
    base = tr.demand[:, np.newaxis, :]
    share = tr.shortfall / base
    of_req = np.divide(tr.shortfall, tr.requirement, out=np.zeros_like(tr.shortfall), where=tr.requirement > 0)
    return PathMetrics(
        sectors=list(tr.sectors),
        materials=list(tr.materials),
        currency=tr.currency,
        output_loss=tr.lost_output.sum(axis=1),
        first_stoppage_day=first,
        half_lost_day=half,
        stoppage_days=stopped.sum(axis=1).astype(np.int64),
        premium_cost=tr.premium_cost.sum(axis=1),
        peak_shortfall=np.clip(of_req.max(axis=1), 0.0, 1.0),
        shortfall_days=(share > SHORTFALL_TOLERANCE).sum(axis=1).astype(np.int64),
        gdp=tr.gdp.copy(),
        output_loss_gross=gross_daily.sum(axis=1),
        quarters=labels,
        quarter_days=np.bincount(qidx, minlength=Q).astype(np.int64),
        output_loss_quarter=np.einsum("pts,tq->pqs", tr.lost_output, onehot),
        output_loss_gross_quarter=np.einsum("pts,tq->pqs", gross_daily, onehot),
        price_scale=None if tr.price_scale is None else tr.price_scale.copy(),
    )
