"""The one recipe from a scenario and its draws to per-path metrics: resolve, run the kernel in slices, record.

Every caller that simulates many paths (a block of a run, a sweep's task, the calibration's design runs, an
episode's conditioning) goes through :func:`record_paths` or :func:`path_metrics`: draws are resolved to
per-path parameters, the vectorised kernel runs :data:`KERNEL_PATHS` paths at a time (compiled days with their
recorders when numba is present, else day by day in NumPy), and recorders keep totals and histograms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from simulator.economics.metrics import HALF_LOST, SHORTFALL_TOLERANCE, PathMetrics
from simulator.economics.recorders import HIST_BINS, DailyHistograms, HistogramRecorder, MetricsRecorder, _use_compiled
from simulator.engines import vectorised as _vectorised
from simulator.engines.compiled import jit, loop
from simulator.engines.params import PathParams
from simulator.engines.resolve import resolve
from simulator.engines.rules import STOPPAGE
from simulator.engines.state.kernel import Kernel, build
from simulator.engines.trajectories import Trajectories
from simulator.engines.vectorised import DayState, run_days, run_kernel
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = [
    "KERNEL_PATHS",
    "PROGRESS_CALLS",
    "path_metrics",
    "record_paths",
    "replay",
    "run_slice",
]

R = TypeVar("R")


KERNEL_PATHS = 1024
"""Paths the vectorised kernel runs at once within a block: a slice whose per-firm state fits in cache.

A block's numbers do not depend on it (paths are independent and keep their draws); only the
daily sums over paths for the means are added slice by slice."""


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
    day_state = DayState(len(tr.materials), len(tr.sources), len(tr.sectors), P)
    day_state.inv, day_state.stock, day_state.pipe = tr.inventory0.T.copy(), tr.stockpile0.T.copy(), tr.pipeline0.T.copy()
    rec.start(day_state)
    for t in range(T):
        day_state.inv = np.ascontiguousarray(tr.inventory[:, t].T)
        day_state.stock = np.ascontiguousarray(tr.stockpile[:, t].T)
        day_state.pipe = np.ascontiguousarray(tr.pipeline[:, t].T)
        day_state.arrivals_e = np.ascontiguousarray(tr.arrivals[:, t].reshape(P, -1).T)  # every (source, material)
        day_state.release = np.ascontiguousarray(tr.release[:, t].T)
        day_state.requirement = np.ascontiguousarray(tr.requirement[:, t].T)
        day_state.consumption = np.ascontiguousarray(tr.consumption[:, t].T)
        day_state.shortfall = np.ascontiguousarray(tr.shortfall[:, t].T)
        day_state.placed = np.ascontiguousarray(tr.placed[:, t].T)
        day_state.denied = np.ascontiguousarray(tr.denied[:, t].T)
        day_state.f = np.ascontiguousarray(tr.output_fraction[:, t].T)
        day_state.output = np.ascontiguousarray(tr.output[:, t].T)
        day_state.lost = np.ascontiguousarray(tr.lost_output[:, t].T)
        day_state.premium = tr.premium_cost[:, t].copy()
        rec.record(t, day_state)


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
    each day as it ends (:func:`simulator.engines.compiled.loop.run_recorded`):
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
    if (_use_compiled() and _vectorised.FUSED and loop.fused_ok() and not _DAYS_FAILED
            and _run_recorded(k, metrics, hist, days)):
        return
    recs: list[Any] = [metrics] + ([hist] if hist is not None else []) + ([days] if days is not None else [])
    run_days(k, _Both(*recs))

_DAYS_FAILED: list[str] = []


def _days_compiled(*args: Any) -> bool:
    """Call :func:`simulator.engines.compiled.loop.run_recorded`; if it fails to compile, say so once, note it and
    return False (the slice then runs day by day, each day compiled where it compiles)."""
    return jit.attempt(loop.run_recorded, args, "days with their recorders",
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
                t0, t1, k.lay, k.par, k.state, _vectorised.FUSED_PATHS, m.qidx, m.daily_output,
                m.inv_demand, STOPPAGE, HALF_LOST, SHORTFALL_TOLERANCE, m.lost, m.gross, m.q_lost,
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

    The price scale is not set (see :func:`simulator.economics.leontief.price_scale`).
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
