"""Monte Carlo error of the headline median (GDP loss) against the number of paths.

For each path count N, runs R independent seeds and prints

- ``spread``: the standard deviation of the R medians over their mean (the
  direct, replicate-based measure of the median's relative error);
- ``estimate``: the mean over the R runs of the single-run estimate
  :func:`simulator.runs.precision.median_rel_error` (what ``supplyshock run``
  prints beside the median).

The command line's default number of paths is the smallest round count whose
error is below 1 % on the built-in scenarios. Usage::

    python benchmarks/mc_error.py                          # japan-3m-curb
    python benchmarks/mc_error.py --scenario japan-1y-curb --paths 5000 10000 20000 --seeds 6
    python benchmarks/mc_error.py --single 20000           # one run per built-in scenario, estimate only

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import simulator
from simulator.economics.impact import impact_from_metrics
from simulator.runs.blocks import run_paths
from simulator.runs.precision import median_rel_error


def medians(scenario: str, n: int, seeds: list[int]) -> tuple[list[float], list[float], float]:
    sc = simulator.load_scenario(scenario)
    meds, ests = [], []
    t0 = time.perf_counter()
    for s in seeds:
        res = run_paths(sc, n, s)
        g = impact_from_metrics(res.metrics, sc).gdp_loss_pct
        meds.append(float(np.median(g)))
        ests.append(median_rel_error(g))
    return meds, ests, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-3m-curb")
    ap.add_argument("--paths", type=int, nargs="+", default=[1000, 2000, 5000, 10000, 20000, 50000])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--single", type=int, default=0, help="one run of this many paths per built-in scenario")
    args = ap.parse_args()
    if args.single:
        print(f"{'scenario':<16} {'paths':>8} {'median %GDP':>12} {'estimate':>9}")
        for name in simulator.list_scenarios():
            meds, ests, _ = medians(name, args.single, [1])
            print(f"{name:<16} {args.single:>8,} {meds[0]:>12.4f} {ests[0]:>8.2%}")
        return
    print(f"{args.scenario}: relative Monte Carlo error of the median GDP loss, {args.seeds} seeds per row")
    print(f"{'paths':>8} {'mean median %GDP':>17} {'spread':>8} {'estimate':>9} {'seconds':>8}")
    for n in args.paths:
        meds, ests, dt = medians(args.scenario, n, list(range(1, args.seeds + 1)))
        m = float(np.mean(meds))
        spread = float(np.std(meds, ddof=1)) / m
        print(f"{n:>8,} {m:>17.4f} {spread:>7.2%} {float(np.mean(ests)):>8.2%} {dt:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
