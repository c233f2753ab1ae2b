"""Progress reports: often enough for a live bar (many times a block, per SimPy path), adding up to the paths run."""

from __future__ import annotations

import math

import numpy as np

import simulator
from simulator.runs.blocks import run_paths
from simulator.runs.precision import median_rel_error, median_standard_error
from simulator.runs.recipe import PROGRESS_CALLS


def _small() -> simulator.Scenario:
    return simulator.load_scenario("japan-3m-curb", overrides={"run": {"horizon_days": 40}})


def test_vectorised_reports_through_each_block_and_adds_up() -> None:
    sc = _small()
    calls: list[float] = []
    run_paths(sc, 30, 1, block_size=16, progress=calls.append)
    # two blocks of 40 days, each reported in PROGRESS_CALLS steps (days 2 at a time here): a bar that moves smoothly
    assert len(calls) >= 2 * min(PROGRESS_CALLS, 40)
    assert math.isclose(sum(calls), 30, rel_tol=1e-12)


def test_simpy_reports_every_path_and_gives_the_same_result() -> None:
    sc = _small()
    calls: list[float] = []
    with_bar = run_paths(sc, 5, 2, engine="simpy", block_size=4, progress=calls.append)
    without = run_paths(sc, 5, 2, engine="simpy", block_size=4)
    assert len(calls) >= 5 and math.isclose(sum(calls), 5, rel_tol=1e-12)
    for name in ("output_loss", "first_stoppage_day", "premium_cost", "peak_shortfall", "shortfall_days"):
        np.testing.assert_array_equal(getattr(with_bar.metrics, name), getattr(without.metrics, name), err_msg=name)


def test_median_error_estimate_matches_theory_for_a_normal_sample() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    se = median_standard_error(rng.normal(10.0, 2.0, size=n))
    theory = 2.0 * math.sqrt(math.pi / (2 * n))
    assert 0.8 < se / theory < 1.25
    assert math.isnan(median_rel_error(np.zeros(100)))


def test_workers_report_progress_too_and_change_nothing() -> None:
    sc = _small()
    calls: list[float] = []
    two = run_paths(sc, 40, 3, block_size=10, workers=2, progress=calls.append)
    one = run_paths(sc, 40, 3, block_size=10)
    assert math.isclose(sum(calls), 40, rel_tol=1e-12) and len(calls) >= 2
    np.testing.assert_array_equal(two.metrics.output_loss, one.metrics.output_loss)
