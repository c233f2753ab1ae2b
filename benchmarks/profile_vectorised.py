"""Where the vectorised engine's time goes.

Times one block of paths, as ``supplyshock run`` streams it (slices of
``simulator.runs.recipe.KERNEL_PATHS`` paths), with several repeats (medians; the
figures depend on the machine and on what else runs on it):

- draws and per-path parameters (``sample_block`` and ``resolve``);
- the kernel alone (recording nothing), every day of a slice in one compiled call;
- the kernel with the streaming recorders (per-path totals and daily
  histograms, compiled into the same calls): the recorders' share of the kernel;
- the whole streamed block (draws, parameters, kernel, recorders);
- each phase's share of the kernel, timed inside the fused day (with
  ``--numpy``, the phases called one by one, :class:`simulator.engines.vectorised.PhaseTimer`);
- with ``--blocks``, the fused day on blocks of that many paths;
- with ``--numpy``, the same without the compiled loops.

When ``line_profiler`` is installed (``pip install line_profiler``), the
NumPy phases' lines by time follow (the compiled loops cannot be profiled by
line).

Usage::

    python benchmarks/profile_vectorised.py [--scenario japan-1y-curb] [--paths 10000] [--repeat 3]
                                            [--blocks 256,512,1024] [--numpy]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


class _Null:
    def start(self, state: object) -> None:
        pass

    def record(self, t: int, state: object) -> None:
        pass


def _median(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _timed_phases(slices: list[tuple[Any, Any]], sc: Any) -> Any:
    """Seconds in each compiled phase, in the daily step's order, timed inside the fused day (a clock read
    between phases through numba's object mode, about a microsecond a read: small beside a phase on a slice)."""
    from numba import njit, objmode

    from simulator.engines.compiled import firms, orders, supply
    from simulator.engines.state.kernel import build

    @njit
    def now() -> float:
        with objmode(x="float64"):
            x = time.perf_counter()
        return x

    @njit
    def day_timed(t: int, lay: Any, par: Any, state: Any, sec: Any) -> None:
        p0, p1 = 0, lay.P
        a = now()
        supply.ramps(t, lay, par, state, p0, p1)
        b = now()
        sec[0] += b - a
        supply.arrivals(t, lay, par, state, p0, p1)
        a = now()
        sec[1] += a - b
        supply.stockpile(t, lay, par, state, p0, p1)
        b = now()
        sec[2] += b - a
        firms.requirements(t, lay, par, state, p0, p1)
        a = now()
        sec[3] += a - b
        firms.consume(t, lay, par, state, p0, p1)
        b = now()
        sec[4] += b - a
        firms.convert(t, lay, par, state, p0, p1)
        a = now()
        sec[5] += a - b
        firms.produce(t, lay, par, state, p0, p1)
        b = now()
        sec[6] += b - a
        orders.decide(t, lay, par, state, p0, p1)
        a = now()
        sec[7] += a - b
        orders.order(t, lay, par, state, p0, p1)
        b = now()
        sec[8] += b - a
        orders.dispatch(t, lay, par, state, p0, p1)
        a = now()
        sec[9] += a - b

    sec = np.zeros(10)
    first = build(sc, slices[0][1], slices[0][0])
    day_timed(0, first.lay, first.par, first.state, sec)  # compile
    sec[:] = 0.0
    for sub, pp in slices:
        k = build(sc, pp, sub)
        for t in range(k.lay.T):
            day_timed(t, k.lay, k.par, k.state, sec)
    return sec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-1y-curb")
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="repeats of each timing (medians are printed)")
    ap.add_argument("--blocks", default="", help="comma-separated block sizes of the fused day to time")
    ap.add_argument("--numpy", action="store_true", help="time the NumPy phases (no compiled loops)")
    ap.add_argument("--lines", type=int, default=25, help="NumPy phase lines to show (with line_profiler)")
    args = ap.parse_args()

    import simulator
    from simulator.economics.recorders import HistogramRecorder, MetricsRecorder, histogram_ranges
    from simulator.engines import vectorised
    from simulator.engines.compiled import jit, loop
    from simulator.engines.phases.deliveries import deliver
    from simulator.engines.phases.loop import PHASES
    from simulator.engines.resolve import resolve
    from simulator.engines.rules import DAILY_STEP
    from simulator.engines.state.kernel import build
    from simulator.model.draws import sample_block
    from simulator.runs.blocks import run_blocks
    from simulator.runs.recipe import KERNEL_PATHS, run_slice

    if args.numpy:
        vectorised.COMPILED = False
    compiled = vectorised.COMPILED and jit.AVAILABLE
    sc = simulator.load_scenario(args.scenario)
    n, T = args.paths, sc.run.horizon_days
    ranges = histogram_ranges(sc)
    draws = sample_block(sc, 1, 0, n, block_size=n)
    slices = []
    for a in range(0, n, KERNEL_PATHS):
        sub = draws.subset(slice(a, min(a + KERNEL_PATHS, n)))
        slices.append((sub, resolve(sc, sub.params, sub.n_paths)))

    def draws_and_params() -> None:
        d = sample_block(sc, 1, 0, n, block_size=n)
        for a in range(0, n, KERNEL_PATHS):
            sub = d.subset(slice(a, min(a + KERNEL_PATHS, n)))
            resolve(sc, sub.params, sub.n_paths)

    def kernel(record: bool, only: int | None = None) -> Callable[[], None]:
        def run() -> None:
            for sub, pp in slices[:only]:
                if record:  # as a streamed block records: compiled days with their recorders, where numba is
                    run_slice(sc, pp, sub, MetricsRecorder(sc, pp), HistogramRecorder(sc, pp, ranges))
                elif compiled:  # every day in one compiled call, recording nothing
                    k = build(sc, pp, sub)
                    loop.days(0, k.lay.T, k.lay, k.par, k.state, vectorised.FUSED_PATHS)
                else:
                    vectorised.run_kernel(sc, pp, sub, _Null())
        return run

    kernel(False, 1)()  # compile (or load) the loops first
    kernel(True, 1)()
    pd = n * T
    mode = "NumPy phases" if args.numpy else "compiled phases, a day fused"
    print(f"{args.scenario}: {n:,} paths x {T} days = {pd:,} path-days, slices of {KERNEL_PATHS}, {mode}; "
          f"medians of {args.repeat}")
    t_draw = _median(draws_and_params, args.repeat)
    t_kernel = _median(kernel(False), args.repeat)
    t_rec = _median(kernel(True), args.repeat)
    t_stream = _median(lambda: run_blocks(sc, 1, [(0, n)], n, "vectorised", ranges), args.repeat)
    print(f"  draws + parameters    {t_draw:7.2f} s")
    print(f"  kernel alone          {t_kernel:7.2f} s  {pd / t_kernel:>12,.0f} path-days/s")
    print(f"  kernel + recorders    {t_rec:7.2f} s  {pd / t_rec:>12,.0f} path-days/s  "
          f"(recorders {100 * (t_rec - t_kernel) / t_kernel:.0f} % of the kernel)")
    print(f"  streamed block        {t_stream:7.2f} s  {pd / t_stream:>12,.0f} path-days/s (draws included)")

    for block in [int(b) for b in args.blocks.split(",") if b.strip()]:
        old = vectorised.FUSED_PATHS
        vectorised.FUSED_PATHS = block
        t_b = _median(kernel(False), args.repeat)
        vectorised.FUSED_PATHS = old
        print(f"  fused blocks of {block:5d} {t_b:7.2f} s  {pd / t_b:>12,.0f} path-days/s")

    if compiled:
        seconds = _timed_phases(slices, sc)
        total = float(seconds.sum())
        print(f"\nphases inside the fused day (kernel alone, {total:.2f} s timed; ns per path-day):")
        order = [ph for ph in DAILY_STEP if ph in PHASES]
        for i in np.argsort(-seconds):
            print(f"  {order[i].name.lower():13s} {seconds[i]:7.2f} s  {100 * seconds[i] / total:5.1f} %  "
                  f"{1e9 * seconds[i] / pd:7.0f} ns")
    else:
        timer = vectorised.PhaseTimer()
        for sub, pp in slices:
            vectorised.run_kernel(sc, pp, sub, _Null(), timer=timer)
        total = sum(timer.seconds.values())
        print(f"\nphases one by one (kernel alone, {total:.2f} s; all days take {t_kernel:.2f} s):")
        for ph, share in sorted(timer.shares().items(), key=lambda x: -x[1]):
            print(f"  {ph.name.lower():13s} {timer.seconds[ph]:7.2f} s  {100 * share:5.1f} %")

    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("(install line_profiler for the NumPy phases' lines by time)")
        return
    import linecache

    vectorised.COMPILED = False
    lp = LineProfiler(*PHASES.values(), deliver)
    sub, pp = slices[0]
    lp.runcall(vectorised.run_kernel, sc, pp, sub, _Null())
    stats = lp.get_stats()
    rows = []
    for (filename, _first, _name), timings in stats.timings.items():
        for lineno, _hits, t in timings:
            rows.append((t * stats.unit, lineno, linecache.getline(filename, lineno).strip()))
    whole = sum(r[0] for r in rows) or 1.0
    print(f"\nNumPy phase lines by time (one slice, total {whole:.2f} s):")
    for t, ln, code in sorted(rows, reverse=True)[: args.lines]:
        print(f"  {100 * t / whole:5.1f} %  line {ln:4d}  {code[:100]}")


if __name__ == "__main__":
    main()
