"""Sweeps: one scenario over a grid of values of its fields, many paths per variant.

The grid and its variants are built and checked first (:mod:`simulator.runs.grid`: each variant is
loaded and validated as a scenario file would be), before anything runs.

Work is cut into tasks ``(variant, block of paths)``, run by
:mod:`simulator.runs.execute` (here, on a local Dask cluster, or on a given one).
Block ``b`` of every variant draws from the same streams (keyed by seed, block
and quantity name), so variants share their random numbers for the
quantities they have in common and differences between them are not noise.

With an output directory, each finished task is written at once, atomically,
under ``blocks/`` (the store's :class:`~simulator.runs.store.BlockStore`); a sweep
that stops (even killed) is resumed with ``resume=True`` and ends with exactly
the numbers of an uninterrupted one, because each variant's blocks are merged
in block order, whatever order they finished in. Every file is written by the
store (:mod:`simulator.runs.store`). Directory layout::

    sweep.json            the manifest (store.manifest): what this sweep is (scenario hash, grid, seed, blocks, version)
    scenario.json         the base scenario, resolved
    blocks/vVVVVV/bBBBBBB.npz   one finished (variant, block)
    paths/variant=VVVVV/part-0.parquet   per-path metrics with the grid values as columns, every column's unit
    daily_quantiles.nc    daily quantiles and means per variant, grid paths as dimensions
    summary.json          every variant's summary (as ``supplyshock run --format json``)
    summary.csv           variant x headline metrics with 5-95 % bands
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from simulator.economics.impact import Impact, impact_from_metrics
from simulator.economics.leontief import Multiplier
from simulator.economics.recorders import add_counts, histogram_ranges
from simulator.errors import PARAMETER, InputError
from simulator.model.draws import DEFAULT_BLOCK_SIZE
from simulator.model.fields import calibration_status
from simulator.model.loading import scenario_to_json
from simulator.model.scenario import Scenario
from simulator.runs.blocks import RunResult, block_task, blocks_of, merge_blocks, unpack_block
from simulator.runs.execute import Executor, executor
from simulator.runs.grid import GridAxis, Variant, build_variants, parse_grid
from simulator.runs.memory import check_memory, check_run_options
from simulator.runs.store import BlockStore, manifest, remove_partial_files, write_file, write_json, write_paths
from simulator.runs.summaries import run_summary

__all__ = [
    "SweepResult",
    "headline",
    "run_sweep",
]

SWEEP_FORMAT = "supplyshock-sweep/1"
"""Layout of a sweep's directory, recorded as ``format`` in ``sweep.json`` (its manifest)."""

SWEEP_FILES = ("sweep.json", "scenario.json", "blocks", "paths", "daily_quantiles.nc", "summary.json", "summary.csv")
"""The files and folders of a finished sweep's directory."""

_IDENTITY = ("supplyshock", "scenario_sha256", "grid", "seed", "paths", "block_size", "engine")


@dataclass
class SweepResult:
    """What a sweep returns: the grid, each variant's summary and daily quantiles.

    Attributes
    ----------
    summaries : list of dict
        Per variant, the summary ``supplyshock run --format json`` prints for it.
    daily : xarray.Dataset
        Daily quantiles and means per variant, the grid paths as dimensions.
    resumed : int
        Tasks found finished in the output directory and not run again.
    """

    base: Scenario
    axes: list[GridAxis]
    variants: list[Variant]
    seed: int
    n_paths: int
    block_size: int
    engine: str
    multiplier: str
    summaries: list[dict[str, Any]]
    daily: xr.Dataset
    tasks: int
    resumed: int
    out: Path | None = None
    results: dict[int, RunResult] = field(default_factory=dict)

    def headline(self) -> pd.DataFrame:
        """Variant x headline metrics (see :func:`headline`)."""
        return headline(self.summaries, self.axes)

    def to_json(self) -> dict[str, Any]:
        """The sweep as printed by ``--format json`` and written to ``summary.json``."""
        return {
            "scenario": self.base.name,
            "seed": self.seed,
            "paths": self.n_paths,
            "block_size": self.block_size,
            "engine": self.engine,
            "multiplier": self.multiplier,
            "grid": {a.path: list(a.values) for a in self.axes},
            "variants": [
                {"variant": v.index, "values": v.values, "summary": s} for v, s in zip(self.variants, self.summaries, strict=True)
            ],
        }


def headline(summaries: Sequence[Mapping[str, Any]], axes: Sequence[GridAxis]) -> pd.DataFrame:
    """One row per variant: grid values, GDP loss (% of GDP), value added lost and extra cost, with 5-95 % bands."""
    rows = []
    for i, s in enumerate(summaries):
        row: dict[str, Any] = {"variant": i, **{a.path: s["grid"][a.path] for a in axes}}
        for q in ("gdp_loss_pct", "value_added_loss", "premium_cost"):
            for k in ("mean", "median", "p05", "p95"):
                row[f"{q}_{k}"] = s[q][k]
        first = [sec["first_stoppage_day"]["median"] for sec in s["sectors"].values()]
        stops = [x for x in first if x is not None]
        row["earliest_median_stoppage_day"] = min(stops) if stops else None
        row["currency"] = s["currency"]
        row["price_year"] = s["value_added_loss"].get("price_year")
        row["horizon_days"] = s["horizon_days"]
        row["calibration"] = calibration_status(s.get("calibration"))
        rows.append(row)
    return pd.DataFrame(rows)


def _variant_summary(res: RunResult, impact: Impact, v: Variant) -> dict[str, Any]:
    return {**run_summary(res, impact), "variant": v.index, "grid": dict(v.values)}


def _daily_dataset(dsets: list[xr.Dataset], axes: Sequence[GridAxis]) -> xr.Dataset:
    for d in dsets:
        for name in d.data_vars:
            d[name].attrs.pop("range", None)  # ranges differ by variant; values are in the variables' units
    ds = xr.concat(dsets, dim="variant", join="outer", combine_attrs="override")
    ds = ds.assign_coords(variant=np.arange(len(dsets)))
    if axes:
        index = pd.MultiIndex.from_product([list(a.values) for a in axes], names=[a.path for a in axes])
        ds = ds.assign_coords(variant_index=("variant", np.arange(len(dsets))))
        ds = ds.drop_vars("variant").assign_coords(xr.Coordinates.from_pandas_multiindex(index, "variant")).unstack("variant")
        ds = ds.transpose(*[a.path for a in axes], ...)
    else:
        ds = ds.isel(variant=0)
    ds.attrs["paths"] = int(dsets[0].attrs["paths"])
    ds.attrs["grid"] = json.dumps({a.path: list(a.values) for a in axes})
    return ds


def _manifest(base: Scenario, axes: Sequence[GridAxis], variants: Sequence[Variant], seed: int, n_paths: int,
              block_size: int, engine: str) -> dict[str, Any]:
    """``sweep.json``: the store's manifest with the sweep's own keys (``kind``, ``grid``, ``variants`` ...)."""
    return manifest(
        SWEEP_FORMAT, base, seed=seed, paths=n_paths, block_size=block_size, engine=engine, files=SWEEP_FILES,
        kind="supplyshock sweep", grid=[[a.path, list(a.values)] for a in axes],
        blocks_per_variant=len(blocks_of(n_paths, block_size)),
        variants=[{"variant": v.index, "values": v.values} for v in variants],
        streams="block b uses SeedSequence(seed, spawn_key=(b, crc32(name))) per random quantity, the same for every variant")


def _check_resume(out: Path, mine: Mapping[str, Any]) -> None:
    f = out / "sweep.json"
    try:
        old = json.loads(f.read_text())
    except (OSError, json.JSONDecodeError):
        raise InputError(PARAMETER, "out", "must be an empty or new directory, or a sweep directory with `resume=True` "
                         "(no readable sweep.json here)", str(out)) from None
    if old.get("supplyshock") != mine["supplyshock"]:
        raise InputError(str(f), "supplyshock", f"must be this version ({mine['supplyshock']}) to resume the sweep; "
                         "rerun with the version that wrote it or start a new directory", old.get("supplyshock"))
    for key in _IDENTITY[1:]:
        if old.get(key) != json.loads(json.dumps(mine[key])):
            raise InputError(str(f), key, f"`resume=True` continues the sweep in this directory, which has {key} = "
                             f"{json.dumps(old.get(key))}", mine[key])


def _axes(grid: Sequence[str] | Sequence[GridAxis]) -> list[GridAxis]:
    """The grid's axes, given as axes or as specs.

    Parameters
    ----------
    grid : sequence of str or GridAxis
        Either every item a :class:`GridAxis` (kept as given) or ``"PATH=..."``
        specs (parsed by :func:`parse_grid`); empty for the scenario alone.

    Returns
    -------
    list of GridAxis
        One per grid dimension, in the order given.

    Raises
    ------
    InputError
        A spec :func:`parse_grid` refuses.
    """
    given = list(grid)
    return ([a for a in given if isinstance(a, GridAxis)] if all(isinstance(a, GridAxis) for a in given)
            else parse_grid([str(g) for g in given]))


def _check_options(variants: Sequence[Variant], n_paths: int, seed: int, block_size: int, workers: int,
                   scheduler: str | None, resume: bool, out: str | os.PathLike[str] | None) -> None:
    """Refuse bad run options before anything runs or is written.

    Parameters
    ----------
    variants : sequence of Variant
        The grid's variants; the one with the longest horizon sizes the memory check.
    n_paths, seed, block_size, workers
        As given to :func:`run_sweep` (``seed`` resolved).
    scheduler : str or None
        A Dask scheduler's address; with one, a single variant's per-path totals
        are held here at a time (the memory check counts one worker).
    resume : bool
        Whether to continue a sweep; needs ``out``.
    out : path or None
        The sweep's directory.

    Raises
    ------
    InputError
        Bad options, too little memory, or ``resume`` without ``out``.
    """
    check_run_options(n_paths, seed, block_size, workers)
    check_memory(max((v.scenario for v in variants), key=lambda sc: sc.run.horizon_days), n_paths, block_size,
                 workers if scheduler is None else 1)  # one variant's per-path totals are held at a time
    if resume and out is None:
        raise InputError(PARAMETER, "resume", "needs `out` (the directory of the sweep to continue)", True)


def _check_out(out: Path, mine: Mapping[str, Any], resume: bool) -> None:
    """Refuse an output directory this sweep may not write into (nothing is written).

    Parameters
    ----------
    out : Path
        The sweep's directory: new, empty, or (with ``resume``) holding this same sweep.
    mine : mapping
        This sweep's manifest (:func:`_manifest`), checked against ``out/sweep.json`` on a resume.
    resume : bool
        Whether a non-empty ``out`` may be continued.

    Raises
    ------
    InputError
        ``out`` is a file, is not empty (without ``resume``), or holds another sweep.
    """
    if out.exists() and not out.is_dir():
        raise InputError(PARAMETER, "out", "must be a directory", str(out))
    if out.is_dir() and any(out.iterdir()):
        if not resume:
            raise InputError(PARAMETER, "out", "must be an empty or new directory (use `resume=True` to continue the sweep in it)", str(out))
        _check_resume(out, mine)


def _prepare_out(out: Path, base: Scenario, mine: Mapping[str, Any]) -> None:
    """Create the sweep's directory and its first files; clear writes an interruption cut short.

    Parameters
    ----------
    out : Path
        The sweep's directory (created if missing).
    base : Scenario
        The base scenario, written to ``scenario.json`` on a new sweep.
    mine : mapping
        The manifest, written to ``sweep.json`` on a new sweep (a resumed one keeps its own).
    """
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "sweep.json").exists():
        write_file(out / "scenario.json", scenario_to_json(base))
        write_json(out / "sweep.json", mine)
    remove_partial_files(out)  # writes cut short by an interruption (never read: names start with a dot)


@dataclass
class _Variants:
    """Every variant's run, as its blocks finish: what they share, and what each finished variant gave.

    Attributes
    ----------
    variants : list of Variant
        The grid's variants, indexed by ``Variant.index``.
    store : BlockStore
        Where finished blocks are kept until their variant is merged.
    seed, block_size, engine, multiplier
        As given to :func:`run_sweep` (``seed`` resolved).
    jobs : list of (int, int)
        The blocks ``(index, n_paths)`` of every variant (:func:`blocks_of`).
    keep_results : bool
        Keep each variant's :class:`RunResult` in :attr:`results`.
    out : Path or None
        The sweep's directory, for each variant's per-path parquet file.
    ranges : list of dict
        Per variant, its histogram bin ranges (:func:`histogram_ranges`), set by :meth:`run`.
    summaries, dsets, results : dict
        By variant index: its summary (:func:`_variant_summary`), daily
        dataset (``RunResult.daily.to_xarray()``), and RunResult if kept.
    """

    variants: list[Variant]
    store: BlockStore
    seed: int
    block_size: int
    engine: str
    multiplier: Multiplier
    jobs: list[tuple[int, int]]
    keep_results: bool
    out: Path | None
    ranges: list[dict[str, tuple[float, float]]] = field(default_factory=list)
    summaries: dict[int, dict[str, Any]] = field(default_factory=dict)
    dsets: dict[int, xr.Dataset] = field(default_factory=dict)
    results: dict[int, RunResult] = field(default_factory=dict)

    def run(self, ex: Executor, done: set[tuple[int, int]], progress: Callable[[int, int], None] | None) -> None:
        """Run every task not ``done``; finish each variant as its last block comes in.

        Parameters
        ----------
        ex : Executor
            Runs the tasks (:func:`block_task`), returning them in any order.
        done : set of (int, int)
            The tasks ``(variant, block)`` already in the store (a resume); a
            variant with all its blocks there is finished before any task runs.
        progress : callable, optional
            ``progress(finished, total)`` in tasks after each task.
        """
        nb = len(self.jobs)
        total = len(self.variants) * nb
        self.ranges = [histogram_ranges(v.scenario) for v in self.variants]
        remaining = [nb - sum(1 for (vv, _) in done if vv == v.index) for v in self.variants]
        for v in self.variants:
            if remaining[v.index] == 0:
                self.finish(v)
        tasks = [((v.index, b), (v.scenario, self.seed, b, n, self.block_size, self.engine, self.ranges[v.index]))
                 for v in self.variants for b, n in self.jobs if (v.index, b) not in done]
        finished = len(done)
        for (vi, b), data in ex.map_unordered(block_task, tasks):
            self.store.put(vi, b, data)
            finished += 1
            remaining[vi] -= 1
            if remaining[vi] == 0:
                self.finish(self.variants[vi])
            if progress:
                progress(finished, total)

    def merge(self, v: Variant) -> RunResult:
        """Variant ``v``'s blocks from the store joined in block order, then released from memory.

        Parameters
        ----------
        v : Variant
            A variant whose every block is in the store.

        Returns
        -------
        RunResult
            Its per-path totals and daily recorders over all ``n_paths`` paths.
        """
        nb = len(self.jobs)
        counts = None
        blocks = []
        for b in range(nb):  # one block's dense histogram counts at a time
            r = unpack_block(self.store.get(v.index, b), v.scenario)
            if counts is None:
                counts = r.counts
            else:
                add_counts(counts, r.counts)
            r.counts = {}
            blocks.append(r)
        res = merge_blocks(v.scenario, self.seed, self.block_size, self.engine, self.ranges[v.index], blocks, counts)
        self.store.release(v.index, nb)
        return res

    def finish(self, v: Variant) -> None:
        """Merge variant ``v`` and keep its summary and daily dataset; write its per-path file under ``out``.

        Parameters
        ----------
        v : Variant
            A variant whose every block is in the store.
        """
        res = self.merge(v)
        impact = impact_from_metrics(res.metrics, v.scenario, multiplier=self.multiplier)
        self.summaries[v.index] = _variant_summary(res, impact, v)
        self.dsets[v.index] = res.daily.to_xarray()
        if self.keep_results:
            self.results[v.index] = res
        if self.out is not None:
            part = self.out / "paths" / f"variant={v.index:05d}"
            part.mkdir(parents=True, exist_ok=True)
            write_paths(part / "part-0.parquet", res, impact, self.summaries[v.index], grid=v.values)


def _write_outputs(out: Path, result: SweepResult) -> None:
    """Write the finished sweep's outputs: ``daily_quantiles.nc``, ``summary.json`` and ``summary.csv``.

    Parameters
    ----------
    out : Path
        The sweep's directory.
    result : SweepResult
        The finished sweep (every variant's summary and the daily dataset).
    """
    write_file(out / "daily_quantiles.nc", lambda p: result.daily.to_netcdf(p, engine="scipy"))
    write_json(out / "summary.json", result.to_json())
    write_file(out / "summary.csv", lambda p: result.headline().to_csv(p, index=False))


def run_sweep(
    scenario: str | os.PathLike[str],
    grid: Sequence[str] | Sequence[GridAxis] = (),
    *,
    n_paths: int = 100_000,
    seed: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    multiplier: Multiplier = "supply-chain",
    engine: str = "vectorised",
    progress: Callable[[int, int], None] | None = None,
    keep_results: bool = False,
    calibrated: bool = True,
) -> SweepResult:
    """Run every variant of a grid over one scenario.

    Parameters
    ----------
    scenario : str or path
        A built-in scenario name or a scenario file.
    grid : sequence of str or GridAxis
        ``"PATH=v1,v2,..."`` / ``"PATH=start:stop:step"`` specs (see
        :func:`parse_grid`); empty for the scenario alone, which gives exactly
        the numbers of :func:`simulator.runs.blocks.run_paths` for the same seed.
    n_paths : int
        Paths per variant.
    seed : int, optional
        Default: the base scenario's ``run.seed``.
    block_size : int
        Paths per block (fixes the random streams).
    out : path, optional
        Directory for the results; every finished block is kept there.
    resume : bool
        Continue the sweep already in ``out`` (it must be the same sweep).
    workers, scheduler
        Where tasks run (see :func:`simulator.runs.execute.executor`).
    multiplier : {"supply-chain", "direct", "household"}
    engine : {"vectorised", "simpy"}
    progress : callable, optional
        ``progress(done, total)`` in tasks, once at the start (``done`` = tasks
        resumed) and after each task.
    keep_results : bool
        Keep every variant's :class:`~simulator.runs.blocks.RunResult` (per-path
        totals) in :attr:`SweepResult.results`.
    calibrated : bool
        Run on the economy's fitted sample (``False``: the uncalibrated priors).

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        Bad grid, a variant that breaks a rule, bad options, an ``out`` that is
        not empty (without ``resume``) or holds another sweep, an unreachable
        scheduler. Nothing is written or overwritten then.

    Examples
    --------
    >>> r = run_sweep("japan-3m-curb", ["policy.china_stop.end_day=30,90"], n_paths=4, block_size=2, seed=1)
    >>> [s["grid"] for s in r.summaries]
    [{'policy.china_stop.end_day': 30}, {'policy.china_stop.end_day': 90}]
    >>> r.summaries[1]["value_added_loss"]["mean"] > r.summaries[0]["value_added_loss"]["mean"]
    True
    """
    axes = _axes(grid)
    base, variants = build_variants(scenario, axes, calibrated=calibrated)
    seed = base.run.seed if seed is None else seed
    _check_options(variants, n_paths, seed, block_size, workers, scheduler, resume, out)
    jobs = blocks_of(n_paths, block_size)
    outp = Path(out) if out is not None else None
    mine = _manifest(base, axes, variants, seed, n_paths, block_size, engine)
    if outp is not None:
        _check_out(outp, mine, resume)
    runs = _Variants(variants, BlockStore(outp), seed, block_size, engine, multiplier, jobs, keep_results, outp)
    with executor(workers=workers, scheduler=scheduler) as ex:  # an unreachable scheduler fails before anything is written
        if outp is not None:
            _prepare_out(outp, base, mine)
        done = {k for k in runs.store.done() if k[0] < len(variants) and k[1] < len(jobs)}
        total = len(variants) * len(jobs)
        if progress:
            progress(len(done), total)
        runs.run(ex, done, progress)
    result = SweepResult(base=base, axes=axes, variants=variants, seed=seed, n_paths=n_paths, block_size=block_size,
                         engine=engine, multiplier=multiplier, summaries=[runs.summaries[v.index] for v in variants],
                         daily=_daily_dataset([runs.dsets[v.index] for v in variants], axes), tasks=total,
                         resumed=len(done), out=outp, results=runs.results)
    if outp is not None:
        _write_outputs(outp, result)
    return result
