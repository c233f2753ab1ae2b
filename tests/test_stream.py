"""Block streaming (``simulator.runs.blocks.run_paths``): what a large run keeps must be what a small run computes.

A run is cut into blocks of paths; each block draws from its own streams and is
reduced to per-path totals and per-day histograms. These tests check that the
cut does not change the answer: the same per-path numbers whatever the number
of workers or paths, the same as simulating the full trajectories, daily
quantiles within one histogram bin of the exact ones, and bad options and
runs that do not fit in memory refused with a message a user can act on.
"""

from __future__ import annotations

import re
from dataclasses import fields

import numpy as np
import pytest

import simulator
from simulator.economics.metrics import PathMetrics, metrics_from_trajectories
from simulator.economics.recorders import HIST_BINS, QUANTILES
from simulator.errors import PARAMETER, InputError
from simulator.model.draws import sample_block, sample_draws
from simulator.runs.blocks import RunResult, run_paths
from simulator.runs.memory import check_memory, estimate_memory

SEED = 7
BLOCK = 50
N = 120  # three blocks: 50, 50, 20

ARRAY_METRICS = tuple(f.name for f in fields(PathMetrics) if f.name not in ("sectors", "materials", "currency", "quarters"))


@pytest.fixture(scope="module")
def sc() -> simulator.Scenario:
    return simulator.load_scenario("japan-licence", overrides={"run": {"horizon_days": 60}})


@pytest.fixture(scope="module")
def result(sc: simulator.Scenario) -> RunResult:
    return run_paths(sc, N, SEED, block_size=BLOCK)


@pytest.fixture(scope="module")
def trajectories(sc: simulator.Scenario) -> simulator.Trajectories:
    return simulator.simulate(sc, sample_draws(sc, N, SEED, block_size=BLOCK), engine="vectorised")


def assert_metrics_identical(a: PathMetrics, b: PathMetrics) -> None:
    assert a.sectors == b.sectors and a.materials == b.materials
    for name in ARRAY_METRICS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name, strict=True)


def test_run_is_not_vacuous(result: RunResult, sc: simulator.Scenario) -> None:
    """The comparisons below need paths with losses, stoppages and drawn parameters."""
    m = result.metrics
    assert m.output_loss.shape == (N, len(sc.sectors))
    assert m.first_stoppage_day.shape == (N, len(sc.sectors))
    assert (m.output_loss > 0).any()
    assert np.isfinite(m.first_stoppage_day).any() and np.isinf(m.first_stoppage_day).any()
    assert result.params and all(v.shape == (N,) for v in result.params.values())
    assert result.daily.n_paths == N


@pytest.mark.slow  # starts a local Dask cluster; tests/test_cli.py and tests/test_sweep.py check 2 workers by default
def test_workers_do_not_change_results(sc: simulator.Scenario, result: RunResult) -> None:
    two = run_paths(sc, N, SEED, block_size=BLOCK, workers=2)
    assert_metrics_identical(result.metrics, two.metrics)
    assert result.params.keys() == two.params.keys()
    for k in result.params:
        np.testing.assert_array_equal(result.params[k], two.params[k], err_msg=k)
    for f in result.daily.FAMILIES:
        np.testing.assert_array_equal(result.daily.counts[f], two.daily.counts[f], err_msg=f)
        np.testing.assert_array_equal(result.daily.sums[f], two.daily.sums[f], err_msg=f)
    assert two.daily.n_paths == N


def test_first_paths_do_not_depend_on_how_many_paths_run(sc: simulator.Scenario, result: RunResult) -> None:
    """Paths 0..59 of a 120-path run are those of a 60-path run (60 ends inside block 1)."""
    half = run_paths(sc, N // 2, SEED, block_size=BLOCK)
    for name in ARRAY_METRICS:
        np.testing.assert_array_equal(getattr(result.metrics, name)[: N // 2], getattr(half.metrics, name), err_msg=name)
    for k in half.params:
        np.testing.assert_array_equal(result.params[k][: N // 2], half.params[k], err_msg=k)


def test_different_seed_gives_different_paths(sc: simulator.Scenario, result: RunResult) -> None:
    other = run_paths(sc, N, SEED + 1, block_size=BLOCK)
    assert not np.array_equal(other.metrics.output_loss, result.metrics.output_loss)


def test_sample_draws_is_the_concatenation_of_its_blocks(sc: simulator.Scenario) -> None:
    draws = sample_draws(sc, N, SEED, block_size=BLOCK)
    blocks = [sample_block(sc, SEED, b, n, block_size=BLOCK) for b, n in enumerate((50, 50, 20))]
    assert [b.first_path for b in blocks] == [0, 50, 100]
    assert draws.n_paths == N and draws.params and draws.licence_days
    for attr in ("params", "licence_days"):
        whole, parts = getattr(draws, attr), [getattr(b, attr) for b in blocks]
        assert whole.keys() == parts[0].keys(), attr
        for k in whole:
            np.testing.assert_array_equal(whole[k], np.concatenate([p[k] for p in parts]), err_msg=f"{attr}[{k}]")
    # blocks have their own streams: block 1 is not a copy of block 0
    k = next(iter(draws.params))
    assert not np.array_equal(blocks[0].params[k], blocks[1].params[k])
    # the first n paths of a block are the same whatever n is
    short = sample_block(sc, SEED, 1, 7, block_size=BLOCK)
    for k in short.params:
        np.testing.assert_array_equal(short.params[k], blocks[1].params[k][:7])
    for k in short.licence_days:
        np.testing.assert_array_equal(short.licence_days[k], blocks[1].licence_days[k][:7])


def test_streamed_metrics_equal_metrics_of_full_trajectories(result: RunResult, trajectories: simulator.Trajectories,
                                                             sc: simulator.Scenario) -> None:
    exact = metrics_from_trajectories(trajectories, sc)
    got = result.metrics
    assert got.sectors == exact.sectors and got.materials == exact.materials
    assert got.quarters == exact.quarters
    for name in ARRAY_METRICS:
        x, y = getattr(got, name), getattr(exact, name)
        assert x.shape == y.shape, name
        np.testing.assert_array_equal(np.isinf(x), np.isinf(y), err_msg=f"{name}: never-stopped paths differ")
        fin = np.isfinite(y)
        np.testing.assert_allclose(x[fin], y[fin], rtol=1e-12, atol=0, err_msg=name)


def _daily_values(tr: simulator.Trajectories, family: str) -> np.ndarray:
    """(P, T, labels) values of a histogram family, from full trajectories."""
    demand = tr.demand[:, np.newaxis, :]
    return {
        "output": lambda: tr.output,
        "inventory_days": lambda: tr.inventory / demand,
        "stockpile_days": lambda: tr.stockpile / demand,
        "shortfall_share": lambda: tr.shortfall / demand,
    }[family]()


@pytest.mark.parametrize("family", ["output", "inventory_days", "stockpile_days", "shortfall_share"])
def test_daily_quantiles_within_one_bin_of_exact(family: str, result: RunResult, trajectories: simulator.Trajectories,
                                                 sc: simulator.Scenario) -> None:
    values = _daily_values(trajectories, family)
    T = sc.run.horizon_days
    got = result.daily.quantiles(family)
    assert got.shape == (T, len(QUANTILES), values.shape[2])
    exact = np.quantile(values, QUANTILES, axis=0, method="inverted_cdf").transpose(1, 0, 2)
    lo, hi = result.daily.ranges[family]
    width = (hi - lo) / HIST_BINS
    err = np.abs(got - exact)
    worst = np.unravel_index(int(np.argmax(err)), err.shape)
    assert err.max() <= width * (1 + 1e-9), f"{family}: off by {err.max()} > bin width {width} at (day, q, label) {worst}"
    # the daily means are exact, not binned
    np.testing.assert_allclose(result.daily.sums[family] / result.daily.n_paths, values.mean(axis=0), rtol=1e-12, atol=1e-12)


def test_output_quantiles_are_not_trivially_flat(result: RunResult) -> None:
    """The quantile check is only worth something if output varies across paths and days."""
    q = result.daily.quantiles("output")
    assert (q[:, 0, :] < q[:, -1, :] - 0.05).any()
    assert np.all(np.diff(q, axis=1) >= 0), "quantiles must be ordered"


def test_xarray_dataset_carries_quantiles_and_means(result: RunResult, sc: simulator.Scenario) -> None:
    ds = result.daily.to_xarray()
    assert ds["output_quantile"].dims == ("day", "quantile", "sector")
    assert ds["output_quantile"].shape == (sc.run.horizon_days, len(QUANTILES), len(sc.sectors))
    np.testing.assert_array_equal(ds["output_quantile"].values, result.daily.quantiles("output"))
    np.testing.assert_allclose(ds["output_mean"].values, result.daily.sums["output"] / N, rtol=1e-15)
    assert list(ds["sector"].values) == sc.sector_ids


def test_simpy_engine_streams_the_same_metrics(sc: simulator.Scenario, result: RunResult) -> None:
    """The reference engine, replayed through the same recorders, gives the same per-path totals."""
    simpy_run = run_paths(sc, 3, SEED, engine="simpy", block_size=BLOCK)
    vec = run_paths(sc, 3, SEED, engine="vectorised", block_size=BLOCK)
    for name in ARRAY_METRICS:
        x, y = getattr(simpy_run.metrics, name), getattr(vec.metrics, name)
        np.testing.assert_array_equal(np.isinf(x), np.isinf(y), err_msg=name)
        fin = np.isfinite(y)
        np.testing.assert_allclose(x[fin], y[fin], rtol=1e-9, atol=1e-6, err_msg=name)
    np.testing.assert_array_equal(vec.metrics.output_loss, result.metrics.output_loss[:3])


@pytest.mark.parametrize(
    ("kwargs", "parameter", "value"),
    [
        ({"n_paths": 0}, "n_paths", 0),
        ({"n_paths": -5}, "n_paths", -5),
        ({"seed": -1}, "seed", -1),
        ({"block_size": 0}, "block_size", 0),
        ({"workers": 0}, "workers", 0),
    ],
)
def test_bad_arguments_raise_input_error_naming_the_parameter(sc: simulator.Scenario, kwargs: dict, parameter: str,
                                                              value: int) -> None:
    args = {"n_paths": 10, "seed": SEED, "block_size": BLOCK, "workers": 1} | kwargs
    with pytest.raises(InputError) as exc:
        run_paths(sc, args.pop("n_paths"), args.pop("seed"), **args)
    assert (exc.value.file, exc.value.field, exc.value.value) == (PARAMETER, parameter, value)
    assert str(exc.value).startswith(f"parameter: {parameter}: must be >= ") and str(exc.value).endswith(f"; got {value}")


def _fit_from_message(msg: str) -> int:
    m = re.search(r"at most ([\d,]+) paths fit", msg)
    assert m, f"message does not say how many paths fit: {msg!r}"
    return int(m.group(1).replace(",", ""))


@pytest.mark.parametrize("room", [1, 1_000, 123_457])
def test_check_memory_says_how_many_paths_fit_and_accepts_that_many(sc: simulator.Scenario, room: int) -> None:
    fixed, per_path = estimate_memory(sc, 10**8, BLOCK)
    available = fixed + per_path * room + per_path // 2
    with pytest.raises(InputError) as exc:
        check_memory(sc, 10**8, BLOCK, available=available)
    assert exc.value.field == "n_paths"
    assert exc.value.value == 10**8
    fit = _fit_from_message(str(exc.value))
    assert fit == room
    check_memory(sc, fit, BLOCK, available=available)  # accepted
    if fit >= BLOCK:  # (below one block, fewer paths in flight need less, so a few more may fit)
        with pytest.raises(InputError):  # and it is the most that fit
            check_memory(sc, fit + 1, BLOCK, available=available)


def test_check_memory_accepts_a_run_that_fits(sc: simulator.Scenario) -> None:
    check_memory(sc, N, BLOCK, available=1 << 40)


def test_check_memory_refuses_blocks_that_alone_do_not_fit(sc: simulator.Scenario) -> None:
    fixed, _ = estimate_memory(sc, 10**6, 10**5)
    with pytest.raises(InputError) as exc:
        check_memory(sc, 10**6, 10**5, available=fixed // 2)
    assert exc.value.field == "block_size"
    assert "smaller block" in str(exc.value)


def test_check_memory_names_workers_when_one_worker_fits_but_not_all(sc: simulator.Scenario) -> None:
    fixed1, per_path = estimate_memory(sc, 10**5, BLOCK, 1)
    fixed8, _ = estimate_memory(sc, 10**5, BLOCK, 8)
    available = (fixed1 + fixed8) // 2 + per_path * 10**5
    with pytest.raises(InputError) as exc:
        check_memory(sc, 10**5, BLOCK, workers=8, available=available)
    assert exc.value.field == "workers"
    assert "8 workers" in str(exc.value) and "worker(s) fit" in str(exc.value)
    assert "; got 8" in str(exc.value)
