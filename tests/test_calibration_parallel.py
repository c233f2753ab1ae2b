"""The calibration's runs on several processes give the numbers of one, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np

import simulator
from calibration.model import TargetRuns, pick_free
from calibration.parallel import run_metrics
from calibration.sensitivity import evaluate
from calibration.targets import pick
from simulator.economics.metrics import PathMetrics
from simulator.model.draws import sample_draws
from simulator.runs.recipe import path_metrics


def _same(a: PathMetrics, b: PathMetrics) -> None:
    for f in dataclasses.fields(PathMetrics):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name


def test_sliced_runs_on_two_workers_are_the_whole_runs() -> None:
    sc = simulator.load_scenario("japan-3m-curb", calibrated=False)
    runs = [(sc, sample_draws(sc, 300, 5)), (sc, sample_draws(sc, 170, 6))]
    for (s, d), pm in zip(runs, run_metrics(runs, workers=2), strict=True):
        _same(pm, path_metrics(s, d))


def test_design_on_two_workers_is_the_design_on_one() -> None:
    free = pick_free(["cover_scale", "catch_up_scale"])
    targets = pick(["nri-3m", "nri-3m-gdp"])
    theta = np.array([[1.0, 1.0], [1.6, 0.2], [0.6, 1.8]])
    one = TargetRuns(targets, free, 300, seed=4).per_path(theta)  # slices cross the vectors' copies
    with TargetRuns(targets, free, 300, seed=4, workers=2) as runs:
        two = runs.per_path(theta)
        assert list(two) == list(one)
        for name in one:
            assert np.array_equal(one[name], two[name]), name
        # each target's own vectors: the same numbers as a run of its vectors alone
        each = runs.per_path(lambda t: theta[:1])
        assert all(np.array_equal(each[n], one[n][:1]) for n in one)


def test_sensitivity_paths_on_two_workers_are_those_on_one() -> None:
    sc = simulator.load_scenario("japan-3m-curb", calibrated=False)
    unit = np.random.default_rng(3).random((300, len(sc.uncertainty)))
    one = evaluate(sc, unit, 7, block_size=128)
    two = evaluate(sc, unit, 7, block_size=128, workers=2)
    for k in one:
        assert np.array_equal(one[k], two[k]), k
