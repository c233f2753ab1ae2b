"""Checks before a run starts: its options, and whether its blocks fit in the machine's memory.

A run that cannot start (zero or negative paths, block size or workers; more memory than the machine has)
is refused before any work, naming the parameter, the rule and the value.
"""

from __future__ import annotations

import math
import os

from simulator.economics.recorders import HIST_BINS
from simulator.engines.rules import calendar_length
from simulator.errors import PARAMETER, InputError
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Licence

__all__ = [
    "WORKER_PROCESS_BYTES",
    "check_memory",
    "check_run_options",
    "estimate_memory",
    "machine_memory",
]


def check_run_options(n_paths: int, seed: int, block_size: int, workers: int = 1) -> None:
    """Reject impossible run options, naming the parameter (``n_paths``, ``seed``, ``block_size``, ``workers``).

    Raises
    ------
    InputError
        Of :data:`~simulator.errors.PARAMETER`: fewer than one path, block path or worker, or a negative seed.
    """
    if n_paths < 1:
        raise InputError(PARAMETER, "n_paths", "must be >= 1", n_paths)
    if seed < 0:
        raise InputError(PARAMETER, "seed", "must be >= 0", seed)
    if block_size < 1:
        raise InputError(PARAMETER, "block_size", "must be >= 1", block_size)
    if workers < 1:
        raise InputError(PARAMETER, "workers", "must be >= 1", workers)

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
    """Refuse a run that needs more memory than the machine has, naming the parameter to change.

    ``workers`` when one worker would fit (saying how many do), else
    ``block_size`` when one block does not fit, else ``n_paths`` (saying how
    many paths fit).

    Raises
    ------
    InputError
        Of :data:`~simulator.errors.PARAMETER`, naming that parameter.
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
        raise InputError(PARAMETER, "workers", f"needs {_size(need)} for {workers} workers (each a process "
                         f"running a block of {min(n_paths, block_size):,} paths) but {_size(have)} is available; "
                         f"at most {most} worker(s) fit", workers)
    fit = max((have - fixed) // per_path, 0)
    if fit < 1:
        raise InputError(PARAMETER, "block_size", f"needs {_size(fixed)} for blocks of {block_size} paths "
                         f"x {workers} worker(s) but {_size(have)} is available; use a smaller block", block_size)
    raise InputError(PARAMETER, "n_paths", f"needs {_size(need)} but {_size(have)} is available; "
                     f"at most {fit:,} paths fit", n_paths)


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
