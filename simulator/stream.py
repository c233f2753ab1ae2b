"""Many paths in fixed-size blocks, keeping summaries instead of trajectories.

A run of N paths is cut into blocks of ``block_size`` paths. Block ``b`` draws
from its own stream (see :mod:`simulator.draws`), is simulated, and reduced to
per-path totals (:class:`~simulator.economics.PathMetrics`) and per-day
histograms over paths (:class:`DailyHistograms`). Blocks are independent, so
they can run in any order, in other processes, and the merged result is the
same bit for bit; peak memory is that of the blocks running at once plus the
per-path totals, whatever N is.

Daily quantiles come from histograms with a fixed number of bins over a range
known before the run (e.g. output between 0 and 1 + the largest overtime
rate), so they are exact to within one bin (1/``HIST_BINS`` of the range).
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from simulator.draws import COHORT_KEY, DEFAULT_BLOCK_SIZE, Draws, sample_block
from simulator.economics import (
    HALF_LOST,
    SHORTFALL_TOLERANCE,
    STOPPAGE_THRESHOLD,
    Impact,
    PathMetrics,
    price_scale,
    scenario_quarters,
)
from simulator.engines import _compiled
from simulator.engines import vectorised as _vectorised
from simulator.engines.rules import calendar_length
from simulator.engines.state import Kernel, build
from simulator.engines.vectorised import DayState, run_days, run_kernel
from simulator.errors import InputError
from simulator.params import PathParams, resolve
from simulator.precision import median_rel_error
from simulator.scenario import Licence, Scenario
from simulator.trajectories import Trajectories

__all__ = [
    "HIST_BINS",
    "QUANTILES",
    "BlockResult",
    "DailyHistograms",
    "RunResult",
    "block_task",
    "blocks_of",
    "estimate_memory",
    "group_task",
    "merge_blocks",
    "pack_block",
    "path_metrics",
    "record_paths",
    "run_paths",
    "task_groups",
    "unpack_block",
    "unpack_counts",
]

FloatArray = npt.NDArray[np.float64]
R = TypeVar("R")

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HIST_BINS = 1000


# ----------------------------------------------------------------- recorders


def _use_compiled() -> bool:
    """Record with the compiled loops (numba installed, the engine's compiled switch on, they compiled)."""
    return _vectorised.COMPILED and _compiled.AVAILABLE and not _RECORD_FAILED


_RECORD_FAILED: list[str] = []


def _record_compiled(fn: Callable[..., None], *args: Any) -> bool:
    """Call a compiled recorder loop; if it fails to compile, say so once and return False (use NumPy)."""
    return _compiled.attempt(fn, args, "record phase", "recording with NumPy instead (same numbers, slower)",
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
        pass

    def record(self, t: int, s: DayState) -> None:
        if _use_compiled() and _record_compiled(
                _compiled.record_metrics, t, int(self.qidx[t]), s.f, s.lost, s.premium, s.shortfall, s.requirement,
                self.daily_output, self.inv_demand, STOPPAGE_THRESHOLD, HALF_LOST, SHORTFALL_TOLERANCE, self.lost,
                self.gross, self.q_lost, self.q_gross, self.first, self.half, self.stop_days, self.premium, self.peak,
                self.short_days):
            return
        self.lost += s.lost
        gross = (1.0 - s.f) * self.daily_output  # shortfall from plan, before catch-up
        self.gross += gross
        q = self.qidx[t]
        self.q_lost[q] += s.lost
        self.q_gross[q] += gross
        stopped = s.f < STOPPAGE_THRESHOLD
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


KERNEL_PATHS = 1024
"""Paths the vectorised kernel runs at once within a block: a slice whose per-firm state fits in cache.

A block's numbers do not depend on it (paths are independent and keep their draws); only the
daily sums over paths for the means are added slice by slice."""


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

    def merge(self, other: DailyHistograms) -> None:
        """Add another block's counts (same scenario and ranges)."""
        for f in self.FAMILIES:
            self.counts[f] += other.counts[f]
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


class _BlockHistograms:
    """A block's daily histograms: counts (its own, or shared by several blocks) and sums of its slices."""

    def __init__(self, sc: Scenario, n: int, ranges: dict[str, tuple[float, float]],
                 counts: dict[str, npt.NDArray[np.int32]] | None) -> None:
        self.h = DailyHistograms.empty(sc, ranges, with_counts=counts is None)
        if counts is not None:
            self.h.counts = counts
        self.h.n_paths = n


class _Both:
    def __init__(self, *recs: Any) -> None:
        self.recs = recs

    def start(self, state: DayState) -> None:
        for r in self.recs:
            r.start(state)

    def record(self, t: int, state: DayState) -> None:
        for r in self.recs:
            r.record(t, state)


def replay(tr: Trajectories, rec: _Both | MetricsRecorder | HistogramRecorder | _DayProgress) -> None:
    """Feed full trajectories (e.g. from the SimPy engine) to a recorder day by day."""
    P, T = tr.n_paths, tr.n_days
    st = DayState(len(tr.materials), len(tr.sources), len(tr.sectors), P)
    st.inv, st.stock, st.pipe = tr.inventory0.T.copy(), tr.stockpile0.T.copy(), tr.pipeline0.T.copy()
    rec.start(st)
    for t in range(T):
        st.inv = np.ascontiguousarray(tr.inventory[:, t].T)
        st.stock = np.ascontiguousarray(tr.stockpile[:, t].T)
        st.pipe = np.ascontiguousarray(tr.pipeline[:, t].T)
        st.arrivals_e = np.ascontiguousarray(tr.arrivals[:, t].reshape(P, -1).T)  # every (source, material)
        st.release = np.ascontiguousarray(tr.release[:, t].T)
        st.requirement = np.ascontiguousarray(tr.requirement[:, t].T)
        st.consumption = np.ascontiguousarray(tr.consumption[:, t].T)
        st.shortfall = np.ascontiguousarray(tr.shortfall[:, t].T)
        st.placed = np.ascontiguousarray(tr.placed[:, t].T)
        st.denied = np.ascontiguousarray(tr.denied[:, t].T)
        st.f = np.ascontiguousarray(tr.output_fraction[:, t].T)
        st.output = np.ascontiguousarray(tr.output[:, t].T)
        st.lost = np.ascontiguousarray(tr.lost_output[:, t].T)
        st.premium = tr.premium_cost[:, t].copy()
        rec.record(t, st)


# ------------------------------------------------------------------ blocks


@dataclass
class BlockResult:
    """One block's per-path totals, drawn parameters, per-day sums (for means) and histogram counts.

    ``counts`` is empty when the counts were added into a histogram shared by several blocks.
    """

    block: int
    n_paths: int
    metrics: PathMetrics
    sums: dict[str, FloatArray]
    params: dict[str, FloatArray]
    counts: dict[str, npt.NDArray[np.int32]] = field(default_factory=dict)


def run_blocks(sc: Scenario, seed: int, jobs: list[tuple[int, int]], block_size: int, engine: str,
               ranges: dict[str, tuple[float, float]], progress: Callable[[float], None] | None = None,
               ) -> tuple[list[BlockResult], dict[str, npt.NDArray[np.int32]]]:
    """Draw, simulate and summarise blocks ``(index, n_paths)``; histogram counts are shared."""
    counts = DailyHistograms.empty(sc, ranges).counts
    out = []
    for block, n in jobs:
        out.append(_simulate_block(sc, seed, block, n, block_size, engine, ranges, counts, progress))
    return out, counts


class _DayProgress:
    """Reports a block's progress: ``n / T`` paths per simulated day (vectorised), or per path (SimPy)."""

    def __init__(self, n: int, T: int, progress: Callable[[float], None] | None) -> None:
        self.step, self.T, self.progress = n / T, T, progress
        self.reported = 0.0

    def start(self, state: DayState) -> None:
        pass

    def record(self, t: int, state: DayState) -> None:
        if self.progress is not None and t < self.T - 1:  # the last day is reported with the block
            self.progress(self.step)
            self.reported += self.step

    def path(self, k: float) -> None:
        if self.progress is not None:
            self.progress(k)
            self.reported += k

    def days(self, t0: int, t1: int) -> None:
        """Days ``t0 <= t < t1`` done at once (as :meth:`record` for each)."""
        n = min(t1, self.T - 1) - t0
        if self.progress is not None and n > 0:
            self.progress(self.step * n)
            self.reported += self.step * n


def _simpy_block(sc: Scenario, pp: PathParams, draws: Draws, progress: Callable[[float], None] | None) -> Trajectories:
    """A block through the SimPy engine; with ``progress``, one path at a time, reporting each path."""
    from simulator.engines.simpy_engine import simulate_simpy

    if progress is None or draws.n_paths == 1:
        return simulate_simpy(sc, pp, draws)
    parts = []
    for i in range(draws.n_paths):
        one = draws.subset(slice(i, i + 1))
        parts.append(simulate_simpy(sc, resolve(sc, one.params, 1), one))
        progress(1.0)
    return Trajectories.concat(parts)


PROGRESS_CALLS = 20
"""Calls a slice's compiled days are cut into when progress is reported (else one call for every day)."""


def run_slice(sc: Scenario, pp: PathParams, draws: Draws, metrics: MetricsRecorder,
              hist: HistogramRecorder | None = None, days: _DayProgress | None = None) -> None:
    """Run the kernel over one slice of paths into its recorders.

    Where numba is installed, the days run in compiled calls that record
    each day as it ends (:func:`simulator.engines._compiled.run_recorded`):
    the same numbers as the recorders called day by day from Python, which
    run otherwise (no numba, the engine's compiled switches off, or a
    compile failure, said once in a warning).

    Parameters
    ----------
    sc : Scenario
    pp : PathParams
        The slice's ``P`` paths' parameters.
    draws : Draws
        The slice's draws.
    metrics : MetricsRecorder
        Per-path totals of the slice (``pp``'s paths).
    hist : HistogramRecorder, optional
        Daily histograms and sums of the slice.
    days : _DayProgress, optional
        Told of the days done.
    """
    k = build(sc, pp, draws)
    if (_use_compiled() and _vectorised.FUSED and _compiled.fused_ok() and not _DAYS_FAILED
            and _run_recorded(k, metrics, hist, days)):
        return
    recs: list[Any] = [metrics] + ([hist] if hist is not None else []) + ([days] if days is not None else [])
    run_days(k, _Both(*recs))


_DAYS_FAILED: list[str] = []


def _days_compiled(*args: Any) -> bool:
    """Call :func:`simulator.engines._compiled.run_recorded`; if it fails to compile, say so once, note it and
    return False (the slice then runs day by day, each day compiled where it compiles)."""
    return _compiled.attempt(_compiled.run_recorded, args, "days with their recorders",
                             "running the days one by one instead (same numbers, slower)", _DAYS_FAILED.append,
                             stacklevel=4)


_NO_COUNTS = tuple(np.zeros((1, 1, 1), dtype=np.int32) for _ in DailyHistograms.FAMILIES)


def _run_recorded(k: Kernel, m: MetricsRecorder, hist: HistogramRecorder | None, days: _DayProgress | None) -> bool:
    """The slice's days in compiled calls (see :func:`run_slice`); False if they failed to compile (the kernel
    is then untouched: compilation precedes the first day)."""
    T, P = k.lay.T, k.lay.P
    if hist is not None:
        values, lo, scale, family, counts = hist._values, hist._lo, hist._scale, hist._family, hist._counts
        sums = np.zeros((T, values.shape[0]))
    else:
        values, lo, scale, family = np.empty((0, P)), np.zeros(4), np.ones(4), np.zeros(0, dtype=np.int64)
        counts, sums = _NO_COUNTS, np.zeros((T, 0))
    step = T if days is None or days.progress is None else max(1, -(-T // PROGRESS_CALLS))
    for t0 in range(0, T, step):
        t1 = min(t0 + step, T)
        if not _days_compiled(
                t0, t1, k.lay, k.par, k.st, _vectorised.FUSED_PATHS, m.qidx, m.daily_output,
                m.inv_demand, STOPPAGE_THRESHOLD, HALF_LOST, SHORTFALL_TOLERANCE, m.lost, m.gross, m.q_lost,
                m.q_gross, m.first, m.half, m.stop_days, m.premium, m.peak, m.short_days, hist is not None, values,
                lo, scale, family, counts, HIST_BINS, sums):
            if t0 == 0:
                return False
            raise RuntimeError("the compiled days failed after running")  # pragma: no cover - compiled once
        if days is not None:
            days.days(t0, t1)
    if hist is not None:
        for f, a in hist._rows.items():
            out = hist.h.sums[f]
            out += sums[:, a:a + out.shape[1]]
    return True


def path_metrics(sc: Scenario, draws: Draws) -> PathMetrics:
    """Per-path totals of ``draws`` from the vectorised kernel, run in slices of :data:`KERNEL_PATHS` paths.

    The price scale is not set (see :func:`simulator.economics.price_scale`).
    """
    return record_paths(sc, draws)[0]


def record_paths(sc: Scenario, draws: Draws, also: Callable[[PathParams], R] | None = None,
                 ) -> tuple[PathMetrics, list[tuple[PathParams, R]]]:
    """Per-path totals of ``draws`` (as :func:`path_metrics`), and a further recorder of each slice of paths.

    Parameters
    ----------
    also : callable, optional
        Builds a recorder (``start``, ``record``) for a slice's path parameters;
        it sees every day of the slice's paths as the metrics do.

    Returns
    -------
    metrics : PathMetrics
        All paths (price scale not set).
    slices : list of (PathParams, recorder)
        The further recorders in path order, with their slice's parameters
        (empty without ``also``).
    """
    parts, extra = [], []
    for a in range(0, draws.n_paths, KERNEL_PATHS):
        sub = draws if draws.n_paths <= KERNEL_PATHS else draws.subset(slice(a, min(a + KERNEL_PATHS, draws.n_paths)))
        pp = resolve(sc, sub.params, sub.n_paths)
        rec = MetricsRecorder(sc, pp)
        if also is None:
            run_slice(sc, pp, sub, rec)
        else:
            more = also(pp)
            run_kernel(sc, pp, sub, _Both(rec, more))
            extra.append((pp, more))
        parts.append(rec.result())
    return (parts[0] if len(parts) == 1 else PathMetrics.concat(parts)), extra


def _simulate_block(sc: Scenario, seed: int, block: int, n: int, block_size: int, engine: str,
                    ranges: dict[str, tuple[float, float]], counts: dict[str, npt.NDArray[np.int32]] | None,
                    progress: Callable[[float], None] | None = None) -> BlockResult:
    """Draw, simulate and summarise one block; ``progress`` gets exactly ``n`` paths in all."""
    if engine not in ("vectorised", "simpy"):
        raise ValueError(f"engine must be 'vectorised' or 'simpy'; got {engine!r}")
    draws = sample_block(sc, seed, block, n, block_size=block_size)
    days = _DayProgress(n, sc.run.horizon_days, progress)
    hist = _BlockHistograms(sc, n, ranges, counts)
    if engine == "vectorised":
        # the kernel runs the block in slices that fit in cache; each slice is the same paths with the same draws
        parts = []
        for a in range(0, n, KERNEL_PATHS):
            sub = draws if n <= KERNEL_PATHS else draws.subset(slice(a, min(a + KERNEL_PATHS, n)))
            pp_s = resolve(sc, sub.params, sub.n_paths)
            m_s, h_s = MetricsRecorder(sc, pp_s), HistogramRecorder(sc, pp_s, ranges, hist.h.counts)
            d_s = _DayProgress(sub.n_paths, sc.run.horizon_days, progress)
            run_slice(sc, pp_s, sub, m_s, h_s, d_s if progress is not None else None)
            days.reported += d_s.reported
            parts.append(m_s.result())
            for f in DailyHistograms.FAMILIES:
                hist.h.sums[f] += h_s.h.sums[f]
        result = parts[0] if len(parts) == 1 else PathMetrics.concat(parts)
    else:
        pp = resolve(sc, draws.params, n)
        metrics, h_all = MetricsRecorder(sc, pp), HistogramRecorder(sc, pp, ranges, hist.h.counts)
        replay(_simpy_block(sc, pp, draws, days.path if progress is not None else None), _Both(metrics, h_all))
        hist.h.sums = h_all.h.sums
        result = metrics.result()
    if progress:
        progress(n - days.reported)  # the rest of the block, so a finished run has reported exactly n_paths
    pm = dataclasses.replace(result, price_scale=price_scale(sc, draws.params, n))
    own = hist.h.counts if counts is None else {}
    return BlockResult(block, n, pm, hist.h.sums, {k: v.copy() for k, v in draws.params.items() if not k.startswith(COHORT_KEY)}, own)


def block_task(sc: Scenario, seed: int, block: int, n: int, block_size: int, engine: str,
               ranges: dict[str, tuple[float, float]]) -> bytes:
    """Simulate one block and return it packed (:func:`pack_block`): the unit of work of every executor."""
    return pack_block(_simulate_block(sc, seed, block, n, block_size, engine, ranges, None))


def group_task(sc: Scenario, seed: int, jobs: list[tuple[int, int]], block_size: int, engine: str,
               ranges: dict[str, tuple[float, float]]) -> tuple[list[bytes], bytes]:
    """Simulate several blocks one after another, adding their histogram counts together.

    Returns each block packed without its counts (:func:`pack_block`) and the
    group's counts packed once (:func:`unpack_counts` reads them): a worker
    sends one histogram per group instead of one per block. Counts are
    integers, so the sum is the same whichever group a block ran in.
    """
    results, counts = run_blocks(sc, seed, jobs, block_size, engine, ranges)
    buf = io.BytesIO()
    np.savez(buf, **_counts_arrays(counts, sum(n for _, n in jobs)))  # type: ignore[arg-type]
    return [pack_block(r) for r in results], buf.getvalue()


def unpack_counts(data: bytes) -> dict[str, npt.NDArray[np.int32]]:
    """The histogram counts a :func:`group_task` returned."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return _counts_of({k: z[k] for k in z.files})


def task_groups(jobs: list[tuple[int, int]], workers: int, per_worker: int = 4) -> list[list[tuple[int, int]]]:
    """Cut a run's blocks into groups of consecutive blocks for ``workers`` workers.

    About ``per_worker`` groups a worker (so a worker that finishes early
    takes another), their number a multiple of ``workers`` and their sizes
    within one block of each other, so the last groups end together; never
    more groups than blocks.

    Examples
    --------
    >>> [len(g) for g in task_groups([(b, 10) for b in range(100)], 2)]
    [13, 13, 13, 13, 12, 12, 12, 12]
    >>> [len(g) for g in task_groups([(b, 10) for b in range(3)], 2)]
    [1, 1, 1]
    """
    n = len(jobs)
    if n == 0:
        return []
    k = max(workers, 1) * max(per_worker, 1)
    k = min(k, n)
    base, extra = divmod(n, k)
    out, a = [], 0
    for i in range(k):
        size = base + (1 if i < extra else 0)
        out.append(jobs[a:a + size])
        a += size
    return out


def _metric_arrays(pm: PathMetrics) -> dict[str, npt.NDArray[Any]]:
    """Every array field of a block's metrics (labels are rebuilt from the scenario)."""
    out = {}
    for f in dataclasses.fields(pm):
        v = getattr(pm, f.name)
        if isinstance(v, np.ndarray):
            out[f.name] = v
    return out


def pack_block(r: BlockResult) -> bytes:
    """One block's results as bytes (an ``.npz`` archive; histogram counts deflated).

    Counts are at most the block's number of paths, so they are stored as
    ``uint16`` when that fits (exactly, then compressed: about 1 MB for a block
    of 10,000 paths over a year, against 30 MB dense).
    """
    arrays: dict[str, npt.NDArray[Any]] = {"meta": np.array([r.block, r.n_paths], dtype=np.int64)}
    for name, v in _metric_arrays(r.metrics).items():
        arrays[f"m/{name}"] = v
    for k, v in r.params.items():
        arrays[f"p/{k}"] = v
    for f, v in r.sums.items():
        arrays[f"s/{f}"] = v
    arrays.update(_counts_arrays(r.counts, r.n_paths))
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _counts_arrays(counts: dict[str, npt.NDArray[np.int32]], n_paths: int) -> dict[str, npt.NDArray[Any]]:
    """Histogram counts of at most ``n_paths`` paths as deflated arrays (``uint16`` when that holds them)."""
    arrays: dict[str, npt.NDArray[Any]] = {}
    small = n_paths < 2**16
    for f, c in counts.items():
        raw = c.astype(np.uint16 if small else np.uint32).tobytes()
        arrays[f"c/{f}"] = np.frombuffer(zlib.compress(raw, 1), dtype=np.uint8)
        arrays[f"cshape/{f}"] = np.array([*c.shape, 16 if small else 32], dtype=np.int64)
    return arrays


def _counts_of(got: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[np.int32]]:
    """Inverse of :func:`_counts_arrays`."""
    counts = {}
    for k in got:
        if k.startswith("c/"):
            f = k[2:]
            *shape, bits = (int(x) for x in got[f"cshape/{f}"])
            raw = zlib.decompress(got[k].tobytes())
            counts[f] = np.frombuffer(raw, dtype=np.uint16 if bits == 16 else np.uint32).reshape(shape).astype(np.int32)
    return counts


def unpack_block(data: bytes, sc: Scenario) -> BlockResult:
    """Inverse of :func:`pack_block` (``sc`` gives the sector, material and quarter labels)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        got = {k: z[k] for k in z.files}
    block, n = (int(x) for x in got["meta"])
    quarters, _ = scenario_quarters(sc)
    metrics = PathMetrics(sectors=sc.sector_ids, materials=sc.material_ids, currency=sc.economy.currency,
                          quarters=list(quarters), **{k[2:]: v for k, v in got.items() if k.startswith("m/")})
    counts = _counts_of(got)
    return BlockResult(
        block=block,
        n_paths=n,
        metrics=metrics,
        sums={k[2:]: v for k, v in got.items() if k.startswith("s/")},
        params={k[2:]: v for k, v in got.items() if k.startswith("p/")},
        counts=counts,
    )


@dataclass
class RunResult:
    """What a run keeps: per-path totals, drawn parameters, daily histograms."""

    scenario: Scenario
    seed: int
    n_paths: int
    block_size: int
    engine: str
    metrics: PathMetrics
    params: dict[str, FloatArray]
    daily: DailyHistograms


def blocks_of(n_paths: int, block_size: int) -> list[tuple[int, int]]:
    """The blocks ``(index, n_paths)`` of a run of ``n_paths`` paths."""
    return [(b, min(block_size, n_paths - b * block_size)) for b in range(math.ceil(n_paths / block_size))]


def merge_blocks(sc: Scenario, seed: int, block_size: int, engine: str, ranges: dict[str, tuple[float, float]],
                 results: list[BlockResult], counts: dict[str, npt.NDArray[np.int32]] | None = None) -> RunResult:
    """Join blocks into a run's result, in block order whatever order they finished in.

    Histogram counts are integers (any order gives the same total); float sums
    and per-path rows are taken in block order, so the result is the same bit
    for bit however and wherever the blocks ran. ``counts``, if given, already
    holds the counts of every block (added as they finished).
    """
    results = sorted(results, key=lambda r: r.block)
    hist = DailyHistograms.empty(sc, ranges, with_counts=counts is None)
    if counts is not None:
        hist.counts = counts
    for r in results:
        for f in DailyHistograms.FAMILIES:
            if counts is None:
                hist.counts[f] += r.counts[f]
            hist.sums[f] += r.sums[f]
        hist.n_paths += r.n_paths
    params = {k: np.concatenate([r.params[k] for r in results]) for k in results[0].params} if results else {}
    return RunResult(
        scenario=sc,
        seed=seed,
        n_paths=sum(r.n_paths for r in results),
        block_size=block_size,
        engine=engine,
        metrics=PathMetrics.concat([r.metrics for r in results]),
        params=params,
        daily=hist,
    )


def run_paths(
    sc: Scenario,
    n_paths: int,
    seed: int,
    *,
    engine: str = "vectorised",
    block_size: int = DEFAULT_BLOCK_SIZE,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> RunResult:
    """Run ``n_paths`` paths in blocks and keep their summaries.

    Parameters
    ----------
    sc : Scenario
    n_paths : int
        Number of paths (>= 1).
    seed : int
        Non-negative seed.
    engine : {"vectorised", "simpy"}
    block_size : int
        Paths per block; results do not depend on it only through the seed
        streams (a path's draws depend on its block), so keep it fixed to
        reproduce a run.
    workers : int
        1 runs blocks here, one after another; K > 1 starts a local Dask
        cluster of K worker processes (results are identical for any value).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``) to run the
        blocks on instead (see :mod:`simulator.execute`).
    progress : callable, optional
        Called with a number of paths (a float) as the run advances: per
        simulated day of a block for the vectorised engine (``block / T``),
        per path for the SimPy engine (with several workers, the workers'
        reports a few times a second); the calls add up to ``n_paths``.

    Returns
    -------
    RunResult
    """
    from simulator.execute import executor

    check_run_options(n_paths, seed, block_size, workers)
    ranges = histogram_ranges(sc)
    jobs = blocks_of(n_paths, block_size)
    with executor(workers=workers, scheduler=scheduler) as ex:
        if ex.local:
            # blocks one after another in this process, adding counts into one histogram
            counts = DailyHistograms.empty(sc, ranges).counts
            results = [_simulate_block(sc, seed, b, n, block_size, engine, ranges, counts, progress) for b, n in jobs]
            return merge_blocks(sc, seed, block_size, engine, ranges, results, counts)
        counts = DailyHistograms.empty(sc, ranges).counts
        results = []
        groups = task_groups(jobs, ex.slots)
        tasks = [(i, (sc, seed, g, block_size, engine, ranges)) for i, g in enumerate(groups)]
        for _, (packed, packed_counts) in ex.map_unordered(group_task, tasks):
            group = unpack_counts(packed_counts)
            for f in DailyHistograms.FAMILIES:  # integer counts: any order gives the same total
                counts[f] += group[f]
            for data in packed:
                r = unpack_block(data, sc)
                results.append(r)
                if progress:
                    progress(r.n_paths)
    return merge_blocks(sc, seed, block_size, engine, ranges, results, counts)


def path_frame(res: RunResult, impact: Impact) -> pd.DataFrame:
    """Per-path metrics of a run, one row per path: the columns of ``paths.parquet``.

    Money columns are in the impact's price year (``frame.attrs``).
    """
    cols: dict[str, Any] = {
        "path": np.arange(res.n_paths),
        "gdp_loss_pct": impact.gdp_loss_pct,
        "value_added_loss": impact.value_added_loss,
        "value_added_loss_gross": impact.value_added_loss_gross,
        "premium_cost": impact.premium_cost,
    }
    for qi, quarter in enumerate(impact.quarters):
        cols[f"value_added_loss.{quarter}"] = impact.value_added_loss_quarter[:, qi]
        cols[f"value_added_loss_gross.{quarter}"] = impact.value_added_loss_gross_quarter[:, qi]
    for i, s in enumerate(impact.sectors):
        cols[f"output_loss.{s}"] = impact.output_loss[:, i]
        cols[f"output_loss_gross.{s}"] = impact.output_loss_gross[:, i]
        cols[f"first_stoppage_day.{s}"] = np.where(np.isinf(impact.first_stoppage_day[:, i]), np.nan, impact.first_stoppage_day[:, i])
        cols[f"stoppage_days.{s}"] = impact.stoppage_days[:, i]
        if impact.half_lost_day is not None:
            cols[f"half_output_lost_day.{s}"] = np.where(np.isinf(impact.half_lost_day[:, i]), np.nan, impact.half_lost_day[:, i])
    for i, m in enumerate(impact.materials):
        cols[f"peak_shortfall.{m}"] = impact.peak_shortfall[:, i]
        cols[f"shortfall_days.{m}"] = impact.shortfall_days[:, i]
    for k, v in res.params.items():
        cols[f"param.{k}"] = v
    frame = pd.DataFrame(cols)
    frame.attrs["money"] = (f"value_added_loss*, premium_cost and output_loss* in {impact.currency}"
                            + (f" of {impact.price_year}" if impact.price_year else " of the table's year"))
    frame.attrs["price_year"] = impact.price_year
    return frame



def run_summary(res: RunResult, impact: Impact) -> dict[str, Any]:
    """The summary of a run that ``--format json`` prints and ``summary.json`` holds.

    Run settings, the impact's statistics (:meth:`Impact.summary`), each
    sector's output lost as % of its planned output over the horizon, and the
    relative Monte Carlo error of the median GDP loss.
    """
    sc = res.scenario
    s = impact.summary()
    s = {
        "scenario": sc.name,
        "engine": res.engine,
        "seed": res.seed,
        "paths": res.n_paths,
        "horizon_days": sc.run.horizon_days,
        "gdp_base": sc.economy.gdp,
        "calibration": None if sc.calibration.posterior is None else {
            "fitted": ", ".join(sc.calibration.posterior.columns), "draws": len(sc.calibration.posterior.draws),
            **sc.calibration.posterior.provenance},
        **{k: v for k, v in s.items() if k != "paths"},
    }
    table = sc.economy.table
    if table is not None:  # each sector's output lost as % of its planned output over the horizon (table money)
        for i, name in enumerate(sc.sector_ids):
            sec = sc.sectors[name]
            plan = table.output[table.codes.index(sec.io_sector)] * sc.economy.io_unit * sec.io_share
            plan *= sc.run.horizon_days / 365.0
            if plan > 0 and name in s["sectors"]:
                pct = 100.0 * res.metrics.output_loss[:, i] / plan
                s["sectors"][name]["output_loss_pct_of_plan"] = {
                    "mean": float(pct.mean()), "median": float(np.median(pct)),
                    "p05": float(np.quantile(pct, 0.05)), "p95": float(np.quantile(pct, 0.95))}
    err = median_rel_error(impact.gdp_loss_pct)  # relative standard error of the median, from order statistics
    s["gdp_loss_median_rel_error"] = None if not math.isfinite(err) else err
    return s


# ------------------------------------------------------------------ memory


def check_run_options(n_paths: int, seed: int, block_size: int, workers: int = 1) -> None:
    """Reject impossible run options with a message naming the option."""
    if n_paths < 1:
        raise InputError("option", "--paths", "must be >= 1", n_paths)
    if seed < 0:
        raise InputError("option", "--seed", "must be >= 0", seed)
    if block_size < 1:
        raise InputError("option", "--block-size", "must be >= 1", block_size)
    if workers < 1:
        raise InputError("option", "--workers", "must be >= 1", workers)


WORKER_PROCESS_BYTES = 300 * 2**20
"""Memory allowed for one worker process of a local cluster before it takes a block (Python, NumPy, numba,
Dask and the package loaded)."""


def estimate_memory(sc: Scenario, n_paths: int, block_size: int, workers: int = 1) -> tuple[int, int]:
    """Bytes a streamed run needs: (fixed per run, per path kept).

    The fixed part is the working set of the blocks running at once (state,
    ring buffers, draws, temporaries; at most one block per worker, and no
    more workers busy than there are blocks) plus the daily histograms and,
    with several workers, each worker process (:data:`WORKER_PROCESS_BYTES`);
    the per-path part is the totals kept for every path.
    """
    T = sc.run.horizon_days
    M, K, S = len(sc.materials), len(sc.sources), len(sc.sectors)
    max_transit = max(src.transit_days for src in sc.sources.values())
    licence = [m for mea in sc.policy.values() if isinstance(mea, Licence) for m in mea.materials]
    longest = max((math.ceil(mea.processing_days.support()[1]) if math.isfinite(mea.processing_days.support()[1]) else 200
                   for mea in sc.policy.values() if isinstance(mea, Licence)), default=0)
    B = max_transit + 2 + (calendar_length(0, longest) if licence else 0)  # the kernel's ring of future days
    per_block_path = 8 * (B * (K * M + M) + 60 * max(S * M, K * M) + 4 * len(sc.policy)) + 12 * T * len(licence) + 8 * 40
    busy = min(workers, math.ceil(n_paths / block_size))  # workers that get a block
    n_in_flight = min(n_paths, block_size) * busy
    hist = 4 * T * (S + 3 * M) * HIST_BINS * (busy + 1)
    processes = WORKER_PROCESS_BYTES * workers if workers > 1 else 0
    Q = sc.run.horizon_days // 90 + 2
    per_path = 8 * (2 * S + 2 * M + 2 + S + M + len(sc.uncertainty)) + 8 * (3 * S) + 8 * (2 * S + 2 * Q * S + 4 * Q + 2)
    return per_block_path * n_in_flight + hist + processes, per_path


def machine_memory() -> int:
    """Memory this process may use, bytes (MemAvailable, else physical memory)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_memory(sc: Scenario, n_paths: int, block_size: int, workers: int = 1, available: int | None = None) -> None:
    """Refuse a run that needs more memory than the machine has, naming the option to change.

    ``--workers`` when one worker would fit (saying how many do), else
    ``--block-size`` when one block does not fit, else ``--paths`` (saying how
    many paths fit).
    """
    have = machine_memory() if available is None else available

    def need_for(w: int) -> int:
        f, p = estimate_memory(sc, n_paths, block_size, w)
        return f + p * n_paths

    need = need_for(workers)
    if need <= have:
        return
    fixed, per_path = estimate_memory(sc, n_paths, block_size, workers)
    if workers > 1 and need_for(1) <= have:  # one worker fits: the workers at once do not
        most = max(w for w in range(1, min(workers, 4096)) if need_for(w) <= have)
        raise InputError("option", "--workers", f"needs {_size(need)} for {workers} workers (each a process "
                         f"running a block of {min(n_paths, block_size):,} paths) but {_size(have)} is available; "
                         f"at most {most} worker(s) fit", workers)
    fit = max((have - fixed) // per_path, 0)
    if fit < 1:
        raise InputError("option", "--block-size", f"needs {_size(fixed)} for blocks of {block_size} paths "
                         f"x {workers} worker(s) but {_size(have)} is available; use a smaller block", block_size)
    raise InputError("option", "--paths", f"needs {_size(need)} but {_size(have)} is available; "
                     f"at most {fit:,} paths fit", n_paths)


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"

