"""Recorders: per-path totals and per-day histograms kept while a block of paths runs, instead of trajectories.

:class:`MetricsRecorder` adds each day into the :class:`~simulator.economics.metrics.PathMetrics` the
trajectories would give (element by element, so the two agree bit for bit); :class:`HistogramRecorder` counts
each day's values over paths into :class:`DailyHistograms` with a fixed number of bins over a range known
before the run (e.g. output between 0 and 1 + the largest overtime rate), so daily quantiles are exact to
within one bin (1/``HIST_BINS`` of the range) and histograms of blocks merge by addition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import xarray as xr

from simulator.economics.metrics import HALF_LOST, SHORTFALL_TOLERANCE, PathMetrics
from simulator.economics.quarters import scenario_quarters
from simulator.engines import vectorised as _vectorised
from simulator.engines.compiled import jit
from simulator.engines.compiled import recorders as _compiled
from simulator.engines.params import PathParams
from simulator.engines.rules import STOPPAGE
from simulator.engines.vectorised import DayState
from simulator.model.scenario import Scenario

__all__ = [
    "HIST_BINS",
    "QUANTILES",
    "DailyHistograms",
    "add_counts",
]

FloatArray = npt.NDArray[np.float64]


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

HIST_BINS = 1000


def _use_compiled() -> bool:
    """Record with the compiled loops (numba installed, the engine's compiled switch on, they compiled)."""
    return _vectorised.COMPILED and jit.AVAILABLE and not _RECORD_FAILED

_RECORD_FAILED: list[str] = []


def _record_compiled(fn: Callable[..., None], *args: Any) -> bool:
    """Call a compiled recorder loop; if it fails to compile, say so once and return False (use NumPy)."""
    return jit.attempt(fn, args, "record phase", "recording with NumPy instead (same numbers, slower)",
                       _RECORD_FAILED.append, stacklevel=3)


class MetricsRecorder:
    """Accumulates per-path totals from each day's state (compiled loops where numba is installed)."""

    def __init__(self, sc: Scenario, pp: PathParams) -> None:
        P, M, S = pp.n_paths, len(sc.materials), len(sc.sectors)
        self.sc, self.pp = sc, pp
        self.lost = np.zeros((S, P))
        self.first = np.full((S, P), np.inf)
        self.half = np.full((S, P), np.inf)
        self.stop_days = np.zeros((S, P), dtype=np.int64)
        self.premium = np.zeros(P)
        self.peak = np.zeros((M, P))
        self.short_days = np.zeros((M, P), dtype=np.int64)
        self.inv_demand = 1.0 / np.ascontiguousarray(pp.demand.T)
        self.daily_output = np.ascontiguousarray(pp.daily_output.T)  # (S, P)
        self.quarters, self.qidx = scenario_quarters(sc)
        Q = len(self.quarters)
        self.gross = np.zeros((S, P))
        self.q_lost = np.zeros((Q, S, P))
        self.q_gross = np.zeros((Q, S, P))

    def start(self, state: DayState) -> None:
        """Nothing to keep from day 0 (the totals start at zero)."""
        pass

    def record(self, t: int, s: DayState) -> None:
        """Add day ``t`` of every path into the totals (compiled when numba is present, else NumPy; the same numbers)."""
        if _use_compiled() and _record_compiled(
                _compiled.record_metrics, t, int(self.qidx[t]), s.f, s.lost, s.premium, s.shortfall, s.requirement,
                self.daily_output, self.inv_demand, STOPPAGE, HALF_LOST, SHORTFALL_TOLERANCE, self.lost,
                self.gross, self.q_lost, self.q_gross, self.first, self.half, self.stop_days, self.premium, self.peak,
                self.short_days):
            return
        self.lost += s.lost
        gross = (1.0 - s.f) * self.daily_output  # shortfall from plan, before catch-up
        self.gross += gross
        q = self.qidx[t]
        self.q_lost[q] += s.lost
        self.q_gross[q] += gross
        stopped = s.f < STOPPAGE
        self.first = np.where(stopped & np.isinf(self.first), float(t), self.first)
        self.half = np.where((s.f < HALF_LOST) & np.isinf(self.half), float(t), self.half)
        self.stop_days += stopped
        self.premium += s.premium
        share = s.shortfall * self.inv_demand
        # peak share of the day's requirement (plan plus catch-up) not met: in [0, 1]
        of_req = np.divide(s.shortfall, s.requirement, out=np.zeros_like(s.shortfall), where=s.requirement > 0)
        np.maximum(self.peak, np.minimum(of_req, 1.0), out=self.peak)
        self.short_days += share > SHORTFALL_TOLERANCE

    def result(self) -> PathMetrics:
        """The per-path totals after the last day, as :class:`~simulator.economics.metrics.PathMetrics`."""
        sc, pp = self.sc, self.pp
        return PathMetrics(
            sectors=sc.sector_ids,
            materials=sc.material_ids,
            currency=sc.economy.currency,
            output_loss=np.ascontiguousarray(self.lost.T),
            first_stoppage_day=np.ascontiguousarray(self.first.T),
            half_lost_day=np.ascontiguousarray(self.half.T),
            stoppage_days=np.ascontiguousarray(self.stop_days.T),
            premium_cost=self.premium.copy(),
            peak_shortfall=np.ascontiguousarray(self.peak.T),
            shortfall_days=np.ascontiguousarray(self.short_days.T),
            gdp=pp.gdp.copy(),
            output_loss_gross=np.ascontiguousarray(self.gross.T),
            quarters=list(self.quarters),
            quarter_days=np.bincount(self.qidx, minlength=len(self.quarters)).astype(np.int64),
            output_loss_quarter=np.ascontiguousarray(self.q_lost.transpose(2, 0, 1)),
            output_loss_gross_quarter=np.ascontiguousarray(self.q_gross.transpose(2, 0, 1)),
        )


class Counted(Protocol):
    """What a block of paths adds into daily histograms: counts, per-day sums over its paths, its path count."""

    counts: dict[str, npt.NDArray[np.int32]]
    sums: dict[str, FloatArray]
    n_paths: int


@dataclass
class DailyHistograms:
    """Counts of paths per day and bin, for four families of daily variables.

    ``output`` (output as a share of baseline, by sector), ``inventory_days``
    (corporate inventory in days of baseline demand, by material),
    ``stockpile_days`` (by material), ``shortfall_share`` (unmet requirement
    as a share of baseline demand, by material). Each family has counts of
    shape (T, n_labels, HIST_BINS), its bin range ``(low, high)``, and exact
    daily sums over paths (for means).
    """

    labels: dict[str, list[str]]
    ranges: dict[str, tuple[float, float]]
    counts: dict[str, npt.NDArray[np.int32]]
    sums: dict[str, FloatArray]
    n_paths: int

    FAMILIES = ("output", "inventory_days", "stockpile_days", "shortfall_share")

    @classmethod
    def empty(cls, sc: Scenario, ranges: dict[str, tuple[float, float]], *, with_counts: bool = True) -> DailyHistograms:
        """Zero histograms for ``sc``'s horizon over ``ranges`` (no count arrays if ``with_counts`` is False)."""
        T = sc.run.horizon_days
        labels = {
            "output": sc.sector_ids,
            "inventory_days": sc.material_ids,
            "stockpile_days": sc.material_ids,
            "shortfall_share": sc.material_ids,
        }
        return cls(
            labels=labels,
            ranges=ranges,
            counts={f: np.zeros((T, len(labels[f]), HIST_BINS), dtype=np.int32) for f in cls.FAMILIES} if with_counts else {},
            sums={f: np.zeros((T, len(labels[f]))) for f in cls.FAMILIES},
            n_paths=0,
        )

    def merge(self, other: Counted, *, counts: bool = True) -> None:
        """Add another block's sums, path count and (unless ``counts`` is False: kept elsewhere) counts."""
        if counts:
            add_counts(self.counts, other.counts)
        for f in self.FAMILIES:
            self.sums[f] += other.sums[f]
        self.n_paths += other.n_paths

    def quantiles(self, family: str, qs: tuple[float, ...] = QUANTILES) -> FloatArray:
        """Quantiles over paths, shape (T, len(qs), n_labels), exact to one bin width."""
        counts = self.counts[family].astype(np.float64)
        lo, hi = self.ranges[family]
        width = (hi - lo) / HIST_BINS
        cum = np.cumsum(counts, axis=2)
        total = cum[..., -1:]
        out = np.empty((counts.shape[0], len(qs), counts.shape[1]))
        for i, q in enumerate(qs):
            want = q * total
            idx = (cum < want).sum(axis=2)
            idx = np.minimum(idx, HIST_BINS - 1)
            below = np.take_along_axis(cum, idx[..., None], axis=2)[..., 0] - np.take_along_axis(counts, idx[..., None], axis=2)[..., 0]
            inbin = np.take_along_axis(counts, idx[..., None], axis=2)[..., 0]
            frac = np.divide(want[..., 0] - below, inbin, out=np.zeros_like(below), where=inbin > 0)
            out[:, i, :] = lo + (idx + np.clip(frac, 0.0, 1.0)) * width
        return out

    def to_xarray(self) -> xr.Dataset:
        """Daily quantiles and means over paths as a labelled dataset."""
        T = next(iter(self.counts.values())).shape[0]
        data_vars: dict[str, tuple[tuple[str, ...], FloatArray]] = {}
        dims = {"output": "sector", "inventory_days": "material", "stockpile_days": "material", "shortfall_share": "material"}
        for f in self.FAMILIES:
            data_vars[f"{f}_quantile"] = (("day", "quantile", dims[f]), self.quantiles(f))
            data_vars[f"{f}_mean"] = (("day", dims[f]), self.sums[f] / max(self.n_paths, 1))
        ds = xr.Dataset(
            data_vars,
            coords={
                "day": np.arange(T),
                "quantile": np.array(QUANTILES),
                "sector": self.labels["output"],
                "material": self.labels["inventory_days"],
            },
        )
        ds.attrs["paths"] = self.n_paths
        ds.attrs["bins"] = HIST_BINS
        ds.attrs["note"] = "quantiles over paths from fixed-bin histograms: exact to one bin (range / bins)"
        for f in self.FAMILIES:
            ds[f"{f}_quantile"].attrs["range"] = list(self.ranges[f])
        units = {"output": "share of baseline daily output", "inventory_days": "days of baseline demand",
                 "stockpile_days": "days of baseline demand", "shortfall_share": "share of baseline daily demand"}
        for f, u in units.items():
            for kind in ("quantile", "mean"):
                if f"{f}_{kind}" in ds:
                    ds[f"{f}_{kind}"].attrs["units"] = u
        return ds


def add_counts(into: dict[str, npt.NDArray[np.int32]], more: dict[str, npt.NDArray[np.int32]]) -> None:
    """Add one block's (or group's) histogram counts into ``into``, family by family, in place.

    Integer counts: any order of blocks gives the same total, so blocks finished in any order merge exactly.
    Each array has shape (T, n_labels, HIST_BINS).
    """
    for f in DailyHistograms.FAMILIES:
        into[f] += more[f]


def histogram_ranges(sc: Scenario) -> dict[str, tuple[float, float]]:
    """Bin ranges for the daily histograms, fixed by the scenario and its priors.

    Upper ends are the largest values any path can take (from the priors'
    supports), so ranges are the same for every block.
    """
    max_ot = max((_upper(sc, f"sectors.{s}.overtime_rate", sec.overtime_rate) for s, sec in sc.sectors.items()), default=0.0)
    max_cover = 0.0
    max_stock = 0.0
    for m, mat in sc.materials.items():
        lead = max((src.transit_days for src in sc.sources.values() if m in src.supply), default=1)
        lead_hi = max((_upper(sc, f"sources.{k}.transit_days", src.transit_days) for k, src in sc.sources.items() if m in src.supply), default=lead)
        stock_hi = _upper(sc, f"materials.{m}.stockpile.days", mat.stockpile.days)
        max_cover = max(max_cover, _upper(sc, f"materials.{m}.inventory_days", mat.inventory_days) + lead_hi + stock_hi)
        max_stock = max(max_stock, stock_hi)
    return {
        "output": (0.0, 1.0 + max_ot),
        "inventory_days": (0.0, max(max_cover, 1.0)),
        "stockpile_days": (0.0, max(max_stock, 1.0)),
        "shortfall_share": (0.0, 1.0 + max_ot),
    }


def _upper(sc: Scenario, path: str, base: float) -> float:
    pr = sc.uncertainty.get(path)
    if pr is None:
        return float(base)
    hi = pr.support()[1]
    return float(hi) if math.isfinite(hi) else float(base) * 10.0


class HistogramRecorder:
    """Bins each day's state into :class:`DailyHistograms` (compiled loops where numba is installed).

    Each day's values of every family are stacked in one (S + 3 M, P) array;
    its sums over paths (for the means) are NumPy's, row by row, as when each
    family is summed alone.
    """

    def __init__(self, sc: Scenario, pp: PathParams, ranges: dict[str, tuple[float, float]],
                 counts: dict[str, npt.NDArray[np.int32]] | None = None) -> None:
        self.h = DailyHistograms.empty(sc, ranges, with_counts=counts is None)
        if counts is not None:
            self.h.counts = counts  # accumulate into a histogram shared by several blocks
        self.h.n_paths = pp.n_paths
        self.inv_demand = 1.0 / np.ascontiguousarray(pp.demand.T)
        self.P = pp.n_paths
        sizes = [len(self.h.labels[f]) for f in DailyHistograms.FAMILIES]
        self._rows = dict(zip(DailyHistograms.FAMILIES, np.cumsum([0, *sizes[:-1]]).tolist(), strict=True))
        self._family = np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)
        self._lo = np.array([self.h.ranges[f][0] for f in DailyHistograms.FAMILIES])
        self._scale = np.array([HIST_BINS / (self.h.ranges[f][1] - self.h.ranges[f][0]) for f in DailyHistograms.FAMILIES])
        self._values = np.empty((sum(sizes), pp.n_paths))
        self._counts = tuple(self.h.counts[f] for f in DailyHistograms.FAMILIES)

    def start(self, state: DayState) -> None:
        """Nothing to count on day 0 (histograms are of days 0..T-1 after each day's step)."""
        pass

    def _add(self, family: str, t: int, values: FloatArray) -> None:
        lo, hi = self.h.ranges[family]
        n = values.shape[0]
        idx = ((values - lo) * (HIST_BINS / (hi - lo))).astype(np.int64)
        np.clip(idx, 0, HIST_BINS - 1, out=idx)
        idx += (np.arange(n) * HIST_BINS)[:, None]
        self.h.counts[family][t] += np.bincount(idx.ravel(), minlength=n * HIST_BINS).reshape(n, HIST_BINS).astype(np.int32)
        self.h.sums[family][t] += values.sum(axis=1)

    def record(self, t: int, s: DayState) -> None:
        """Count day ``t``'s values of every path into the histograms and add them into the daily sums."""
        if _use_compiled():
            values = self._values
            if (_record_compiled(_compiled.histogram_values, s.output, s.inv, s.stock, s.shortfall, self.inv_demand,
                                 values)
                    and _record_compiled(_compiled.record_histograms, t, values, self._lo, self._scale, self._family,
                                         self._counts, HIST_BINS)):
                sums = values.sum(axis=1)
                for f, a in self._rows.items():
                    out = self.h.sums[f][t]
                    out += sums[a:a + out.shape[0]]
                return
        self._add("output", t, s.output)
        self._add("inventory_days", t, s.inv * self.inv_demand)
        self._add("stockpile_days", t, s.stock * self.inv_demand)
        self._add("shortfall_share", t, s.shortfall * self.inv_demand)
