"""Headline figures of the built-in scenarios, for before/after comparisons of model changes.

For each built-in scenario: median GDP loss (% of GDP) with its 5-95 % band, and for each vehicle
sector the day the first firms stop (output more than 1 % below plan) and the day half its output is
lost (output below 50 % of plan), medians and 5-95 % bands over paths ("never" where a quantile of
paths never gets there within the horizon). Then the loss-versus-duration curve of a full ban.

Run by hand: ``python benchmarks/scenario_figures.py [--paths N] [--seed S] [--uncalibrated]``.
"""

from __future__ import annotations

import argparse

import numpy as np

import simulator
from simulator.model.loading import list_scenarios

VEHICLES = ("vehicles_electrified", "vehicles_other")


def _first_day(frac: np.ndarray, level: float) -> np.ndarray:
    """First day (per path) output fraction falls below ``level``; inf if never. frac: (P, T)."""
    below = frac < level
    day = below.argmax(axis=1).astype(float)
    day[~below.any(axis=1)] = np.inf
    return day


def _q(x: np.ndarray) -> str:
    qs = np.quantile(x, [0.5, 0.05, 0.95])
    return "{} [{}, {}]".format(*("never" if not np.isfinite(v) else f"{v:.0f}" for v in qs))


def figures(name: str, n_paths: int, seed: int, chunk: int = 2000, overrides: dict | None = None,
            calibrated: bool = True) -> dict[str, object]:
    sc = simulator.load_scenario(name, overrides=overrides or None, calibrated=calibrated)
    draws = simulator.sample_draws(sc, n_paths, seed)
    gdp, first, half = [], {s: [] for s in VEHICLES}, {s: [] for s in VEHICLES}
    for a in range(0, n_paths, chunk):
        d = draws.subset(slice(a, min(a + chunk, n_paths)))
        tr = simulator.simulate(sc, d, engine="vectorised")
        imp = simulator.assess(tr, sc)
        gdp.append(np.asarray(imp.gdp_loss_pct))
        for s in VEHICLES:
            i = sc.sector_ids.index(s)
            frac = tr.output_fraction[:, :, i]
            first[s].append(_first_day(frac, 0.99))
            half[s].append(_first_day(frac, 0.5))
    g = np.concatenate(gdp)
    out: dict[str, object] = {"gdp_loss_pct": f"{np.median(g):.3f} [{np.quantile(g, 0.05):.3f}, {np.quantile(g, 0.95):.3f}]"}
    for s in VEHICLES:
        out[f"{s}.first_stop"] = _q(np.concatenate(first[s]))
        out[f"{s}.half_lost"] = _q(np.concatenate(half[s]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--curve-paths", type=int, default=5_000)
    ap.add_argument("--uncalibrated", action="store_true", help="the priors as written (ignore the fitted sample)")
    args = ap.parse_args()
    for name in list_scenarios():
        if name == "japan-rare-earths":
            continue
        try:
            f = figures(name, args.paths, args.seed, calibrated=not args.uncalibrated)
        except Exception as exc:  # a scenario that this version cannot build
            print(f"{name}: {exc}")
            continue
        print(name)
        for k, v in f.items():
            print(f"  {k:38s} {v}")
    print("loss-versus-duration of a full ban (japan-1y-curb with end_day = D), median % of GDP [5, 95]")
    for D in (30, 60, 90, 120, 180, 270, 365):
        f = figures("japan-1y-curb", args.curve_paths, args.seed, overrides={"policy": {"china_stop": {"end_day": D}}},
                    calibrated=not args.uncalibrated)
        print(f"  {D:4d} days  {f['gdp_loss_pct']}   vehicles_electrified half lost {f['vehicles_electrified.half_lost']}")


if __name__ == "__main__":
    main()
