"""The calibration's runs on several processes, with the numbers of one.

A path's per-path metrics (:func:`simulator.runs.recipe.path_metrics`) do not
depend on the paths run beside it (the engine's paths are independent, bit for
bit; ``tests/test_calibration_parallel.py`` checks it), so a run can be cut
into slices of paths that run in other processes and joined in path order: the
same numbers for any number of workers. What is computed from the joined metrics
of a whole run (the price scale and the input-output step, whose matrix
products may round the last bit differently for another batch of paths) stays
with the caller, on the same batches as with one worker.

The workers are forked from this process when a pool first runs, so they share
what it has loaded (scenarios, draws, compiled kernels); only a job's key, the
bounds of a slice and the slice's metrics travel between them. Off Linux, or
with too little work to cut, the runs stay in this process.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from simulator.economics.metrics import PathMetrics
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario
from simulator.runs.recipe import KERNEL_PATHS, path_metrics

__all__ = ["MIN_SLICE", "Build", "PathPool", "available_workers", "one_blas_thread", "run_metrics"]

Build = Callable[[Any, int, int], tuple[Scenario, Draws]]
"""``build(key, a, b)``: the scenario of job ``key`` and the draws of its paths ``a`` to ``b - 1``."""

MIN_SLICE = 128
"""Fewest paths in a slice sent to a worker (below it, forking and sending back cost more than they save)."""

_BUILDS: dict[int, Build] = {}
"""The builds of the pools whose workers are running, by token (the workers see them as forked)."""
_TOKENS = itertools.count()


def available_workers() -> int:
    """The cores this process may run on (the default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Linear algebra on one thread inside the block (BLAS libraries loaded by then: NumPy's, SciPy's).

    The calibration's matrices are small (an emulator's 64 x 64 kernel, the input-output table's sectors), and
    on them OpenBLAS's helper threads spin far longer than they work: an emulator's prediction took ten times the
    CPU time on two threads as on one, on two busy cores. The cores go to the worker processes instead. The
    numbers do not change: ``supplyshock calibrate`` reproduces the shipped ``docs/calibration/calibration.json``
    to the digit.
    """
    import scipy.linalg  # noqa: F401  (its BLAS is loaded before the limit is set, so the limit covers it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _can_fork() -> bool:
    # Linux only: on macOS a forked child of a process that used the system's BLAS (Accelerate) may crash
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _worker_start() -> None:
    """In a worker as it starts: Ctrl-C and SIGTERM are for the parent (which stops the workers), and the worker
    ends with the parent even if the parent is killed outright (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass


_PR_SET_PDEATHSIG = 1


def _slice(token: int, key: Any, a: int, b: int) -> PathMetrics:
    """In a worker: the metrics of paths ``a`` to ``b - 1`` of job ``key``."""
    sc, draws = _BUILDS[token](key, a, b)
    return path_metrics(sc, draws)


class PathPool:
    """Runs jobs of paths on ``workers`` forked processes; each job's metrics come back whole, in job order.

    Parameters
    ----------
    build : callable
        ``build(key, a, b)`` -> the scenario of job ``key`` and the draws of its paths ``a`` to ``b - 1``. It is
        called in the workers (forked after the first :meth:`metrics` call starts), and here for a job run whole;
        whatever it reads must be in place by then.
    workers : int
        Processes (1: every job runs here, one after another).

    Use as a context manager (or call :meth:`close`): the workers stay up between :meth:`metrics` calls.
    """

    def __init__(self, build: Build, workers: int = 1) -> None:
        self.build = build
        self.workers = max(1, int(workers)) if _can_fork() else 1
        self._token = next(_TOKENS)
        self._ex: ProcessPoolExecutor | None = None

    def __enter__(self) -> PathPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (if any started)."""
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None
        _BUILDS.pop(self._token, None)

    def _executor(self, first: tuple[Any, int]) -> ProcessPoolExecutor:
        if self._ex is None:
            # one path here first, so that the kernels are compiled (or loaded from numba's cache) once, in this
            # process, and the workers inherit them instead of each compiling its own
            path_metrics(*self.build(first[0], 0, 1))
            _BUILDS[self._token] = self.build  # before the workers fork, so that they see it
            self._ex = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                           initializer=_worker_start)
        return self._ex

    def metrics(self, jobs: Sequence[tuple[Any, int]]) -> Generator[PathMetrics, None, None]:
        """Each job's per-path metrics, in job order: ``path_metrics(*build(key, 0, n))`` for each ``(key, n)``.

        Every slice of every job is queued at once, so the workers keep running while the caller uses a job's
        metrics; a job is yielded when its slices are done.
        """
        total = sum(n for _, n in jobs)
        size = min(KERNEL_PATHS, max(MIN_SLICE, -(-total // self.workers)))
        if self.workers == 1 or total <= size:
            for key, n in jobs:
                yield path_metrics(*self.build(key, 0, n))
            return
        ex = self._executor(jobs[0])
        with warnings.catch_warnings():
            # Python >= 3.12 warns when a process with threads (here: BLAS's idle helpers) forks; the workers only
            # run the compiled kernels and NumPy
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            futures: list[list[Future[PathMetrics]]] = [
                [ex.submit(_slice, self._token, key, a, min(a + size, n)) for a in range(0, n, size)] for key, n in jobs]
        try:
            for fs in futures:
                parts = [f.result() for f in fs]
                yield parts[0] if len(parts) == 1 else PathMetrics.concat(parts)
        finally:  # the caller stopped early (or failed): drop what is still queued
            for fs in futures:
                for f in fs:
                    f.cancel()


def run_metrics(runs: Sequence[tuple[Scenario, Draws]], workers: int = 1) -> Generator[PathMetrics, None, None]:
    """The per-path metrics of each ``(scenario, draws)``, in order (:func:`path_metrics` of each), on ``workers``."""
    def build(i: int, a: int, b: int) -> tuple[Scenario, Draws]:
        sc, draws = runs[i]
        return sc, (draws if (a, b) == (0, draws.n_paths) else draws.subset(slice(a, b)))

    with PathPool(build, workers) as pool:
        yield from pool.metrics([(i, d.n_paths) for i, (_, d) in enumerate(runs)])
