"""Speed and peak memory of both engines, side by side.

Runs each configuration in a fresh Python process (so peak memory is that
configuration's own; the compiled loops are loaded from numba's cache, a first
run compiles them) ``--repeat`` times and prints the median path-days per
second and the largest peak resident memory. The SimPy engine is timed on a
small number of paths (it runs about 10^3 path-days a second); the vectorised
engine from 10^3 to 10^6 paths, streamed in blocks as ``supplyshock run`` does.

Usage::

    python benchmarks/engines.py                      # japan-3m-curb, 1e3..1e6 paths
    python benchmarks/engines.py --scenario japan-1y-curb --max-paths 1000000 --workers 2
    python benchmarks/engines.py --quick              # 1e3..1e5, fewer SimPy paths
    python benchmarks/engines.py --numpy              # the vectorised engine without its compiled loops

Not part of the test suite; the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one(engine: str, scenario: str, n_paths: int, workers: int, block_size: int, numpy: bool = False) -> dict[str, float]:
    """Time one run in this process and report its figures."""
    import simulator
    from simulator.engines import vectorised
    from simulator.runs.blocks import run_paths

    if numpy:
        vectorised.COMPILED = False
    sc = simulator.load_scenario(scenario)
    t0 = time.perf_counter()
    run_paths(sc, n_paths, seed=1, engine=engine, block_size=block_size, workers=workers)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    days = sc.run.horizon_days
    return {
        "engine": engine,
        "paths": n_paths,
        "days": days,
        "workers": workers,
        "seconds": dt,
        "path_days_per_s": n_paths * days / dt,
        "peak_rss_mib": max(rss, children) / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-3m-curb")
    ap.add_argument("--max-paths", type=int, default=1_000_000)
    ap.add_argument("--simpy-paths", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--block-size", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="up to 1e5 paths, 5 SimPy paths")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each configuration (the median is printed)")
    ap.add_argument("--numpy", action="store_true", help="the vectorised engine without its compiled loops")
    ap.add_argument("--one", nargs=2, metavar=("ENGINE", "PATHS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.scenario, int(args.one[1]), args.workers, args.block_size, args.numpy)))
        return
    max_paths = 100_000 if args.quick else args.max_paths
    simpy_paths = 5 if args.quick else args.simpy_paths
    configs = [("simpy", simpy_paths)]
    n = 1000
    while n <= max_paths:
        configs.append(("vectorised", n))
        n *= 10
    rows = []
    for engine, paths in configs:
        cmd = [sys.executable, __file__, "--scenario", args.scenario, "--workers", str(args.workers),
               "--block-size", str(args.block_size), "--one", engine, str(paths)] + (["--numpy"] if args.numpy else [])
        runs = []
        for _ in range(max(args.repeat, 1)):
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        runs.sort(key=lambda r: r["seconds"])
        row = dict(runs[len(runs) // 2])
        row["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        rows.append(row)
        spread = f"{runs[0]['seconds']:.2f}-{runs[-1]['seconds']:.2f} s" if len(runs) > 1 else ""
        print(f"{engine:>10} {paths:>9,} paths x {row['days']} days: {row['seconds']:8.2f} s  "
              f"{row['path_days_per_s']:>12,.0f} path-days/s  peak {row['peak_rss_mib']:7.0f} MiB  "
              f"(median of {len(runs)}; {spread})", flush=True)
    simpy_rate = rows[0]["path_days_per_s"]
    best = max(r["path_days_per_s"] for r in rows[1:])
    print(f"\n{args.scenario}, workers={args.workers}, block size {args.block_size}: "
          f"vectorised / SimPy per path-day = {best / simpy_rate:,.0f}x")


if __name__ == "__main__":
    main()
