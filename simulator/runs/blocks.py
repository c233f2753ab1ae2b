"""Many paths in fixed-size blocks, merged into one result.

A run of N paths is cut into blocks of ``block_size`` paths. Block ``b`` draws
from its own stream (see :mod:`simulator.model.draws`), is simulated, and reduced to
per-path totals (:class:`~simulator.economics.metrics.PathMetrics`) and per-day
histograms over paths (:class:`~simulator.economics.recorders.DailyHistograms`). Blocks are independent, so
they can run in any order, in other processes, and the merged result is the
same bit for bit; peak memory is that of the blocks running at once plus the
per-path totals, whatever N is.
"""

from __future__ import annotations

import dataclasses
import io
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.economics.leontief import price_scale
from simulator.economics.metrics import PathMetrics
from simulator.economics.quarters import scenario_quarters
from simulator.economics.recorders import (
    DailyHistograms,
    HistogramRecorder,
    MetricsRecorder,
    add_counts,
    histogram_ranges,
)
from simulator.engines.resolve import resolve
from simulator.model.draws import COHORT_KEY, DEFAULT_BLOCK_SIZE, sample_block
from simulator.model.scenario import Scenario
from simulator.runs.memory import check_run_options
from simulator.runs.recipe import (
    KERNEL_PATHS,
    _BlockHistograms,
    _Both,
    _DayProgress,
    _simpy_block,
    replay,
    run_slice,
)

FloatArray = npt.NDArray[np.float64]


__all__ = [
    "BlockResult",
    "RunResult",
    "block_task",
    "blocks_of",
    "group_task",
    "merge_blocks",
    "pack_block",
    "run_paths",
    "task_groups",
    "unpack_block",
    "unpack_counts",
]


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


def _histograms(sc: Scenario, ranges: dict[str, tuple[float, float]], blocks: list[BlockResult],
                counts: dict[str, npt.NDArray[np.int32]] | None) -> DailyHistograms:
    """The run's daily histograms: ``counts`` if given (every block's, added as they finished), else the blocks'
    counts added; the blocks' per-day sums added in the order of ``blocks``."""
    hist = DailyHistograms.empty(sc, ranges, with_counts=counts is None)
    if counts is not None:
        hist.counts = counts
    for block in blocks:
        hist.merge(block, counts=counts is None)
    return hist


def merge_blocks(sc: Scenario, seed: int, block_size: int, engine: str, ranges: dict[str, tuple[float, float]],
                 results: list[BlockResult], counts: dict[str, npt.NDArray[np.int32]] | None = None) -> RunResult:
    """Join blocks into a run's result, in block order whatever order they finished in.

    Histogram counts are integers (any order gives the same total); float sums
    and per-path rows are taken in block order, so the result is the same bit
    for bit however and wherever the blocks ran. ``counts``, if given, already
    holds the counts of every block (added as they finished).

    The blocks are consumed: ``results`` is emptied and each block's per-path
    rows are released as soon as they are joined, so the run's per-path rows
    (about 3 kB a path on the Japan economy) are held once while joining, not
    twice (the allocator may still keep some freed memory in the process).
    """
    blocks = sorted(results, key=lambda r: r.block)
    results.clear()
    hist = _histograms(sc, ranges, blocks, counts)
    n_paths = sum(b.n_paths for b in blocks)
    drawn = [b.params for b in blocks]
    parts = [b.metrics for b in blocks]
    blocks.clear()  # the blocks' rows are now held only by drawn and parts, released as they are joined
    params = {k: np.concatenate([d.pop(k) for d in drawn]) for k in list(drawn[0])} if drawn else {}
    return RunResult(
        scenario=sc,
        seed=seed,
        n_paths=n_paths,
        block_size=block_size,
        engine=engine,
        metrics=PathMetrics.concat(parts, consume=True),
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
        blocks on instead (see :mod:`simulator.runs.execute`).
    progress : callable, optional
        Called with a number of paths (a float) as the run advances: per
        simulated day of a block for the vectorised engine (``block / T``),
        per path for the SimPy engine (with several workers, the workers'
        reports a few times a second); the calls add up to ``n_paths``.

    Returns
    -------
    RunResult
    """
    from simulator.runs.execute import executor

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
            add_counts(counts, unpack_counts(packed_counts))
            for data in packed:
                r = unpack_block(data, sc)
                results.append(r)
                if progress:
                    progress(r.n_paths)
    return merge_blocks(sc, seed, block_size, engine, ranges, results, counts)
