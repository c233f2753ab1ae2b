"""What a float64 division costs in the compiled loops, and how often the firm phases could skip one.

The firm phases divide once or twice per firm cohort and path-day (the share
of a firm's need met, ``stock / need``, and of its catch-up need; each firm's
share of a rank's gap when a delivery is short, ``gap / gap of the rank``).
Compiled as vectorised loops, each such division is done on every path of a
row, short or not (the loop computes both sides of the test and keeps one).
This benchmark prints

- the cost per element of a vectorised division, a multiplication and a
  division taken only where a test holds, each a numba loop as the phases
  are compiled (nopython, no fastmath), over rows of 1,024 paths;
- for a scenario, the share of firm cohort path-days that are short
  (``ratio < 1`` after the consume phase), and the share of 4-path vectors
  (the width of one AVX2 register of float64) with at least one short path:
  the most a division skipped where not needed could save.

Usage::

    python benchmarks/division_cost.py [--scenario japan-1y-curb] [--paths 1024]

Not part of the test suite; the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _loops() -> dict[str, Callable[..., None]]:
    """The three loops, compiled as the engine compiles its phases."""
    from numba import njit

    jit = njit(error_model="numpy")

    @jit
    def divide(a: Any, b: Any, out: Any, reps: int) -> None:  # pragma: no cover
        for _ in range(reps):
            for i in range(a.shape[0]):
                out[i] = a[i] / b[i]

    @jit
    def multiply(a: Any, b: Any, out: Any, reps: int) -> None:  # pragma: no cover
        for _ in range(reps):
            for i in range(a.shape[0]):
                out[i] = a[i] * b[i]

    @jit
    def divide_where(a: Any, b: Any, out: Any, reps: int) -> None:  # pragma: no cover
        for _ in range(reps):
            for i in range(a.shape[0]):
                x = 1.0
                if a[i] < b[i]:
                    x = a[i] / b[i]
                out[i] = x

    return {"division": divide, "multiplication": multiply, "division where a < b": divide_where}


def element_costs(n: int = 1024, elements: int = 200_000_000, repeat: int = 3) -> dict[str, float]:
    """Nanoseconds per element of each loop of :func:`_loops` on rows of ``n`` float64 (medians of ``repeat``)."""
    rng = np.random.default_rng(1)
    a, b, out = rng.random(n) + 0.5, rng.random(n) + 0.5, np.empty(n)
    reps = max(1, elements // n)
    costs = {}
    for name, fn in _loops().items():
        fn(a, b, out, 1)  # compile
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(a, b, out, reps)
            times.append(time.perf_counter() - t0)
        costs[name] = 1e9 * float(np.median(times)) / (reps * n)
    return costs


def short_shares(scenario: str, n_paths: int) -> tuple[float, float, int]:
    """Share of firm cohort path-days short after consume, share of 4-path vectors with a short path, and
    the number of firm cohorts of a path, over a run of ``n_paths`` paths of ``scenario``."""
    import simulator
    from simulator.engines.compiled.loop import days
    from simulator.engines.resolve import resolve
    from simulator.engines.state.kernel import build
    from simulator.model.draws import sample_block

    sc = simulator.load_scenario(scenario)
    n = n_paths - n_paths % 4
    draws = sample_block(sc, 1, 0, n, block_size=n)
    k = build(sc, resolve(sc, draws.params, n), draws)
    short = vectors = 0
    for t in range(k.lay.T):
        days(t, t + 1, k.lay, k.par, k.state, n)
        below = k.state.ratio < 1.0  # (U, C, P)
        short += int(below.sum())
        vectors += int(below.reshape(below.shape[0], below.shape[1], -1, 4).any(axis=-1).sum())
    cells = k.lay.T * k.state.ratio.size
    return short / cells, vectors / (cells / 4), int(k.state.ratio.shape[0] * k.state.ratio.shape[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="japan-1y-curb")
    ap.add_argument("--paths", type=int, default=1024)
    args = ap.parse_args()
    print("compiled loops over rows of 1,024 float64 (ns per element, medians of 3):")
    for name, ns in element_costs().items():
        print(f"  {name:24s} {ns:6.3f} ns")
    s, v, firms = short_shares(args.scenario, args.paths)
    print(f"{args.scenario}, {args.paths:,} paths: {firms} firm cohorts a path; short after consume on "
          f"{100 * s:.0f} % of firm cohort path-days; {100 * v:.0f} % of 4-path vectors hold a short path")


if __name__ == "__main__":
    main()
