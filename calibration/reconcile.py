"""Reconcile the model with the published estimates it was not fitted to.

For each reconciliation target: what the calibrated model gives (its median
over the posterior, with the posterior's 5-95 % band), the region of the free
parameters' prior box that reproduces the estimate (within one stated sd),
and the mechanisms that make the difference (the target's median with the
national stockpile, alternative supply, thrifting or catch-up switched off at
the point fit). The region comes from an emulator fitted on the calibration's
own design (same paths, same seed); the switches are simulated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import qmc

import simulator
from calibration.fit import Emulator, FitResult
from calibration.model import TargetRuns, same_scenario
from calibration.parallel import one_blas_thread
from calibration.targets import Target
from simulator.model.scenario import Scenario

__all__ = ["MECHANISMS", "Reconciliation", "mechanism_overrides", "reconcile", "switch_overrides"]

FloatArray = npt.NDArray[np.float64]

MECHANISMS = ("stockpile", "alternative supply", "thrifting", "catch-up", "conversion", "substitution", "leakage", "triage",
              "sector cover")


@dataclass
class Reconciliation:
    """One published estimate against the calibrated model."""

    target: Target
    calibrated: tuple[float, float, float]
    """The target's median under the posterior: 5 %, 50 %, 95 % (emulated), target unit."""
    z: float
    """Distance of the calibrated median from the estimate, in the estimate's stated sds."""
    at_point: float
    """Simulated at the point fit."""
    region_share: float
    """Share of the prior box (by prior probability) that reproduces the estimate within one sd."""
    posterior_share: float
    """Share of the posterior's draws that reproduce it within one sd."""
    region: dict[str, tuple[float, float]]
    """Per free parameter: the range it spans inside that region (empty if no region)."""
    mechanisms: dict[str, float]
    """Mechanism -> the target's median with it switched off, at the point fit (simulated)."""
    emulator_loo: float

    def summary(self, labels: Mapping[str, str], boxes: Mapping[str, tuple[float, float]]) -> str:
        """A sentence an economist can quote."""
        t = self.target
        if self.region_share == 0.0:
            return (f"{t.description}: no parameters in the prior box reproduce {_fmt(t.value, t.unit)} within one sd "
                    f"({_pct(t.rel_sd)}); the calibrated model gives {_fmt(self.calibrated[1], t.unit)}.")
        needs = []
        for name, (lo, hi) in self.region.items():
            blo, bhi = boxes[name]
            span = bhi - blo
            if lo > blo + 0.05 * span and hi < bhi - 0.05 * span:
                needs.append(f"{labels[name]} between {lo:.2f} and {hi:.2f}")
            elif lo > blo + 0.05 * span:
                needs.append(f"{labels[name]} >= {lo:.2f}")
            elif hi < bhi - 0.05 * span:
                needs.append(f"{labels[name]} <= {hi:.2f}")
        cond = "; it needs " + " and ".join(needs) if needs else "; no free parameter is ruled out on its own"
        return (f"{t.description}: {_fmt(t.value, t.unit)} is reproduced (within {_pct(t.rel_sd)}) in "
                f"{_pct(self.region_share)} of the prior box and by {_pct(self.posterior_share)} of the fitted "
                f"posterior's draws{cond}.")


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _fmt(v: float, unit: str) -> str:
    if unit == "JPY":
        return f"¥{v / 1e12:.2f}tn" if abs(v) >= 1e12 else f"¥{v / 1e9:.0f}bn"
    return f"{v:.3g} {unit}"


def mechanism_overrides(runs: TargetRuns, t: Target) -> dict[str, dict[str, Any]]:
    """Scenario overrides that switch each mechanism off (on top of the target's own overrides)."""
    return switch_overrides(runs.scenario(t))


def switch_overrides(sc: Scenario) -> dict[str, dict[str, Any]]:
    """Overrides of ``sc`` (a target's scenario, with its overrides) that switch each mechanism off, in
    :data:`MECHANISMS` order."""
    curbed = {mea.source for mea in sc.policy.values()}
    stock = {"materials": {m: {"stockpile": {"days": 0}} for m in sc.materials}}
    alt = {"sources": {k: {"supply": {m: {"extra_capacity": 0} for m in src.supply}}
                       for k, src in sc.sources.items()
                       if k not in curbed and not any(sup.recipe for sup in src.supply.values())}}  # conversions: own switch
    thrift = {"sectors": {s: {"materials": {m: {"thrift": 0} for m in sec.materials}} for s, sec in sc.sectors.items()}}
    catch = {"calibration": {"catch_up_scale": 0}}
    adapt = {name: {"adaptation": {key: False}} for name, key in
             (("conversion", "conversion"), ("substitution", "substitution"), ("leakage", "leakage"), ("triage", "triage"),
              ("sector cover", "sector_cover"))}
    return {"stockpile": stock, "alternative supply": alt, "thrifting": thrift, "catch-up": catch, **adapt}


def _variant(t: Target, mech: str) -> str:
    return f"{t.name} without {mech}"


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


@one_blas_thread()
def reconcile(fit: FitResult, targets: Sequence[Target], *, n_region: int = 4096,
              progress: object = None, workers: int = 1) -> list[Reconciliation]:
    """Each reconciliation target against the calibrated model (same design, paths and seed as ``fit``).

    Parameters
    ----------
    fit : FitResult
        A target it read from its own runs (``calibrate(also=)``) is not simulated again.
    targets : sequence of Target
    n_region : int
        Points of the prior box (a power of two) at which the emulated estimate decides the region.
    progress : callable, optional
    workers : int
        Processes the simulations use (the same numbers for any number).
    """
    say = progress if callable(progress) else (lambda _m: None)
    if not targets:
        return []
    free = fit.free
    say(f"reconciliation: {len(targets)} estimates, {fit.design_u.shape[0]} design points x {fit.n_paths} paths")

    def values(u: FloatArray) -> FloatArray:
        return np.stack([p.from_unit(u[:, i]) for i, p in enumerate(free)], axis=1)

    # targets on a fitted target's scenario were read from the fit's own runs (calibrate(also=)); the others run here
    fresh = [t for t in targets if t.name not in fit.also_design or t.name not in fit.also_point]
    design: dict[str, FloatArray] = {}
    at_point: dict[str, FloatArray] = {}
    scenarios: list[tuple[Target, Scenario]] = []  # the first target on each scenario, and the scenario
    if fresh:
        with TargetRuns(fresh, free, fit.n_paths, fit.seed, workers=workers) as runs:
            design, _ = runs.statistics(values(fit.design_u))
            at_point, _ = runs.statistics(fit.point[None, :])
    for t in targets:
        if not any(same_scenario(t, f) for f, _ in scenarios):
            scenarios.append((t, simulator.load_scenario(t.scenario, overrides=t.overrides or None, calibrated=False)))
    stat = {t.name: design[t.name] if t.name in design else fit.also_design[t.name] for t in targets}
    point = {t.name: float(at_point[t.name][0]) if t.name in at_point else fit.also_point[t.name] for t in targets}
    stat = {n: np.maximum(v, 1e-12 * max(float(np.max(np.abs(v))), 1.0)) for n, v in stat.items()}
    emu = Emulator(fit.design_u, stat, fit.seed)
    u_post = np.stack([p.to_unit(fit.posterior[:, i]) for i, p in enumerate(free)], axis=1)
    post = emu.mean(u_post)
    box = qmc.Sobol(len(free), scramble=True, seed=fit.seed + 2).random(n_region)
    boxm = emu.mean(box)

    say("reconciliation: mechanisms switched off at the point fit")
    # each switch once per scenario (its targets read from the same run), every run at once
    variants: list[Target] = []
    thetas: dict[str, FloatArray] = {}
    for first, sc in scenarios:
        for mech, ov in switch_overrides(sc).items():
            theta = fit.point.copy()
            for i, p in enumerate(free):  # a free parameter's value is the path's, so switch it there
                leaf = p.path.split(".")
                node: Any = ov
                for part in leaf[:-1]:
                    node = node.get(part, {}) if isinstance(node, Mapping) else {}
                if isinstance(node, Mapping) and leaf[-1] in node:
                    theta[i] = node[leaf[-1]]
            for t in targets:
                if same_scenario(t, first):
                    variants.append(t.model_copy(update={"overrides": _merge(t.overrides, ov), "name": _variant(t, mech)}))
                    thetas[_variant(t, mech)] = theta[None, :]
    with TargetRuns(variants, free, fit.n_paths, fit.seed, workers=workers) as vruns:
        st, _ = vruns.statistics(lambda v: thetas[v.name])
    switched = {t.name: {mech: float(st[_variant(t, mech)][0]) for mech in MECHANISMS} for t in targets}

    out = []
    for t in targets:
        ok = np.abs(t.z(boxm[t.name])) <= 1.0  # type: ignore[arg-type]
        region = {p.name: (float(values(box[ok])[:, i].min()), float(values(box[ok])[:, i].max()))
                  for i, p in enumerate(free)} if ok.any() else {}
        q = np.quantile(post[t.name], [0.05, 0.5, 0.95])
        out.append(Reconciliation(
            target=t, calibrated=(float(q[0]), float(q[1]), float(q[2])), z=float(t.z(float(q[1]))),
            at_point=float(point[t.name]), region_share=float(ok.mean()),
            posterior_share=float(np.mean(np.abs(t.z(post[t.name])) <= 1.0)),  # type: ignore[arg-type]
            region=region, mechanisms=switched[t.name], emulator_loo=emu.loo_rel_error[t.name]))
    return out
