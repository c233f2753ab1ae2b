"""Sweep benchmark: scaling from 1 to 2 workers, overhead per task, a 100-variant sweep's wall time.

Prints figures; run by hand (not by pytest)::

    python benchmarks/sweep.py                      # 8 variants x 20,000 paths (see --paths)
    python benchmarks/sweep.py --paths 100000       # the issue's 8 x 1e5 (about 10 min on 2 cores)

1. Scaling: the same 8-variant sweep in-process (1 worker) and on a local Dask
   cluster of 2 worker processes; efficiency = t1 / (2 t2). Cluster start-up
   is included in t2 (it is part of what a user waits for).
2. Overhead per task: many tiny tasks (10 paths, 30 days), in-process and on
   2 workers; (wall time - compute time) / tasks.
3. A 100-variant sweep (10 x 10 grid) of --small-paths paths each, on 2 workers.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from simulator.economics.recorders import histogram_ranges
from simulator.model.loading import load_scenario
from simulator.runs.blocks import block_task
from simulator.runs.execute import executor
from simulator.runs.sweep import run_sweep


def timed(**kw: object) -> float:
    t = time.perf_counter()
    run_sweep(**kw)  # type: ignore[arg-type]
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-3m-curb")
    ap.add_argument("--paths", type=int, default=20_000, help="paths per variant in the scaling test")
    ap.add_argument("--block-size", type=int, default=10_000)
    ap.add_argument("--small-paths", type=int, default=1_000, help="paths per variant of the 100-variant sweep")
    ap.add_argument("--skip", nargs="*", default=[], choices=["scaling", "overhead", "hundred"])
    a = ap.parse_args()
    print(f"cores: {os.cpu_count()}, scenario {a.scenario}")
    grid8 = ["policy.china_stop.end_day=30,60,90,120,180,240,300,365"]
    if "scaling" not in a.skip:
        common = {"scenario": a.scenario, "grid": grid8, "n_paths": a.paths, "seed": 1, "block_size": a.block_size}
        tasks = 8 * -(-a.paths // a.block_size)
        t1 = timed(**common, workers=1)
        t2 = timed(**common, workers=2)
        print(f"scaling: 8 variants x {a.paths:,} paths ({tasks} tasks): 1 worker {t1:.1f} s, 2 workers {t2:.1f} s; "
              f"speed-up {t1 / t2:.2f}, efficiency {t1 / (2 * t2):.0%}")
    if "overhead" not in a.skip:
        with tempfile.TemporaryDirectory() as d:
            scen = Path(d) / "tiny.toml"
            scen.write_text(f'name = "tiny"\nextends = "{a.scenario}"\n[policy.china_stop]\nend_day = 20\n[run]\nhorizon_days = 30\n')
            grid = ["policy.china_stop.end_day=10,20,30,40"]
            common = {"scenario": scen, "grid": grid, "n_paths": 500, "seed": 1, "block_size": 10}
            n = 4 * 50
            t_in = timed(**common, workers=1)
            t_in_out = timed(**common, workers=1, out=Path(d) / "o1")
            sc = load_scenario(scen)
            ranges = histogram_ranges(sc)
            tasks = [(b, (sc, 1, b, 10, 10, "vectorised", ranges)) for b in range(n)]
            t = time.perf_counter()
            with executor(workers=2) as ex:
                t_start = time.perf_counter() - t
                t = time.perf_counter()
                list(ex.map_unordered(block_task, tasks))
                t_two = time.perf_counter() - t
            t = time.perf_counter()
            for _, args in tasks:
                block_task(*args)
            t_compute = time.perf_counter() - t
            print(f"overhead: {n} tasks of 10 paths x 30 days: whole sweep in-process {1e3 * t_in / n:.1f} ms/task "
                  f"({1e3 * t_in_out / n:.1f} ms/task writing every block to disk); the bare task {1e3 * t_compute / n:.1f} ms; "
                  f"on 2 Dask workers {1e3 * t_two / n:.1f} ms/task of wall time, i.e. "
                  f"{1e3 * (2 * t_two - t_compute) / n:.1f} ms of overhead per task per worker; "
                  f"starting the 2-worker cluster {t_start:.1f} s")
    if "hundred" not in a.skip:
        grid = ["policy.china_stop.end_day=30:300:30", "materials.dytb.stockpile.days=0:180:20"]
        with tempfile.TemporaryDirectory() as d:
            t = timed(scenario=a.scenario, grid=grid, n_paths=a.small_paths, seed=1, block_size=a.block_size, workers=2,
                      out=Path(d) / "o")
        print(f"100 variants x {a.small_paths:,} paths on 2 workers, writing every block: {t:.1f} s "
              f"({t / 100:.2f} s per variant)")


if __name__ == "__main__":
    main()
