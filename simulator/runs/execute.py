"""Where blocks of paths run: here, on a local Dask cluster, or on an existing one.

One execution layer serves ``run`` and ``sweep``. A task is a pure function
of its arguments (a scenario, a seed, a block), so where and in which order
tasks run cannot change their results; callers merge results in block order.

- ``workers=1`` and no scheduler: tasks run one after another in this process
  (no cluster is started; the same task function is called directly).
- ``workers=K`` (K > 1): a :class:`distributed.LocalCluster` of K worker
  processes, one thread each, started for the run and closed after it.
- ``scheduler="tcp://host:port"``: an existing Dask cluster. Start one with::

      dask scheduler                      # prints its address, e.g. tcp://10.0.0.5:8786
      OMP_NUM_THREADS=1 dask worker tcp://10.0.0.5:8786 --nthreads 1 --no-nanny   # one per core, on each machine

  Every worker needs the same version of supplyshock installed
  (``pip install supplyshock`` or ``pip install -e .`` from a clone).
  ``--no-nanny``: Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
  which also freezes the C library's mmap threshold, so every large NumPy
  temporary is mapped and unmapped again and the engine runs 2-5x slower.
  The local cluster of ``workers=K`` keeps its nannies but drops that setting.

A task whose worker dies is run again on another worker (Dask reschedules
tasks of lost workers; a task that raises is retried twice before its error
is reported).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from simulator.errors import PARAMETER, InputError

__all__ = ["CONNECT_TIMEOUT", "Executor", "executor"]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler before reporting it unreachable."""

K = TypeVar("K")
R = TypeVar("R")


class Executor:
    """Runs tasks and yields their results as they finish.

    Attributes
    ----------
    local : bool
        True when tasks run in this process, one after another, in order.
    """

    def __init__(self, client: Any = None) -> None:
        self.client = client
        self.local = client is None

    @property
    def slots(self) -> int:
        """Tasks that can run at once: 1 here, else the cluster's worker threads (at least 1)."""
        if self.client is None:
            return 1
        try:
            return max(int(sum(self.client.nthreads().values())), 1)
        except (OSError, TimeoutError, ValueError, TypeError):  # a cluster that cannot say: one at a time
            return 1

    def map_unordered(self, fn: Callable[..., R], tasks: Sequence[tuple[K, tuple[Any, ...]]]) -> Iterator[tuple[K, R]]:
        """Run ``fn(*args)`` for each ``(key, args)``; yield ``(key, result)`` as each finishes.

        Local execution yields in the order given; a cluster yields in
        completion order (callers must not depend on it).
        """
        if self.client is None:
            for key, args in tasks:
                yield key, fn(*args)
            return
        from distributed import as_completed

        futures = {}
        for key, args in tasks:
            fut = self.client.submit(fn, *args, pure=False, retries=2)
            futures[fut] = key
        try:
            for fut, result in as_completed(list(futures), loop=self.client.loop, with_results=True):
                key = futures.pop(fut)
                yield key, result
        finally:
            for fut in list(futures):  # interrupted: do not leave work queued on a shared cluster
                fut.cancel()


@contextmanager
def executor(*, workers: int = 1, scheduler: str | None = None, timeout: float | None = None) -> Iterator[Executor]:
    """The executor for ``workers`` local processes or a scheduler's cluster.

    Parameters
    ----------
    workers : int
        1: run in this process; K > 1: start a local Dask cluster of K processes.
    scheduler : str, optional
        Address of a running Dask scheduler; excludes ``workers > 1``.
    timeout : float, optional
        Seconds to wait for the scheduler [default: :data:`CONNECT_TIMEOUT`].

    Raises
    ------
    InputError
        Both options given, or the scheduler cannot be reached within ``timeout``.
    """
    if workers < 1:
        raise InputError(PARAMETER, "workers", "must be >= 1", workers)
    if scheduler is not None and workers > 1:
        raise InputError(PARAMETER, "scheduler", "cannot be combined with `workers > 1` (the cluster has its own workers)", scheduler)
    if scheduler is None and workers == 1:
        yield Executor()
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        if "://" not in scheduler:
            raise InputError(PARAMETER, "scheduler", "must be a scheduler address such as tcp://host:8786", scheduler)
        try:
            client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(PARAMETER, "scheduler", f"must be the address of a running Dask scheduler; "
                             f"could not connect within {timeout:g} s ({type(exc).__name__})", scheduler) from None
        try:
            yield Executor(client)
        finally:
            client.close()
        return
    import dask

    # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which also freezes glibc's mmap threshold:
    # every large NumPy temporary is then mapped and unmapped, and the engine runs 2-5x slower. Keep glibc's default.
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items() if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
        try:
            client = Client(cluster, set_as_default=False)
            try:
                yield Executor(client)
            finally:
                client.close()
        finally:
            cluster.close()
