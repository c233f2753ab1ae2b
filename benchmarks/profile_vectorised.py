"""Where the vectorised engine's time goes.

Times one block of paths three ways: draws, the kernel alone (a recorder that
keeps nothing), and the kernel with the streaming recorders (per-path totals
and daily histograms) as ``supplyshock run`` uses it; then prints the
functions that take the time (cProfile) and, when ``line_profiler`` is
installed (``pip install line_profiler``), the kernel's lines by time.

Usage::

    python benchmarks/profile_vectorised.py [--scenario japan-1y-curb] [--paths 10000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time


class _Null:
    def start(self, state: object) -> None:
        pass

    def record(self, t: int, state: object) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-1y-curb")
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--lines", type=int, default=25, help="kernel lines to show")
    args = ap.parse_args()

    import simulator
    from simulator.draws import sample_block
    from simulator.engines import vectorised
    from simulator.params import resolve
    from simulator.stream import histogram_ranges, run_blocks

    sc = simulator.load_scenario(args.scenario)
    n, T = args.paths, sc.run.horizon_days
    t0 = time.perf_counter()
    draws = sample_block(sc, 1, 0, n, block_size=n)
    pp = resolve(sc, draws.params, n)
    t1 = time.perf_counter()
    vectorised.run_kernel(sc, pp, draws, _Null())
    t2 = time.perf_counter()
    run_blocks(sc, 1, [(0, n)], n, "vectorised", histogram_ranges(sc))
    t3 = time.perf_counter()
    pd = n * T
    print(f"{args.scenario}: {n:,} paths x {T} days = {pd:,} path-days")
    print(f"  draws + parameters   {t1 - t0:7.2f} s")
    print(f"  kernel alone         {t2 - t1:7.2f} s  {pd / (t2 - t1):>12,.0f} path-days/s")
    print(f"  kernel + recorders   {t3 - t2:7.2f} s  {pd / (t3 - t2):>12,.0f} path-days/s (draws included)")

    prof = cProfile.Profile()
    prof.runcall(vectorised.run_kernel, sc, pp, draws, _Null())
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    print("\nfunctions by own time (kernel alone):")
    print("\n".join(buf.getvalue().splitlines()[4:]))

    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("(install line_profiler for the kernel's lines by time)")
        return
    lp = LineProfiler(vectorised.run_kernel)
    lp.runcall(vectorised.run_kernel, sc, pp, draws, _Null())
    stats = lp.get_stats()
    rows = []
    for (_fn, _first, _name), timings in stats.timings.items():
        src = {}
        import linecache

        for lineno, _hits, total in timings:
            src[lineno] = (total * stats.unit, linecache.getline(vectorised.__file__, lineno).strip())
        rows.extend((t, ln, code) for ln, (t, code) in src.items())
    total = sum(r[0] for r in rows)
    print(f"\nkernel lines by time (total {total:.2f} s):")
    for t, ln, code in sorted(rows, reverse=True)[: args.lines]:
        print(f"  {100 * t / total:5.1f} %  line {ln:4d}  {code[:100]}")


if __name__ == "__main__":
    main()
