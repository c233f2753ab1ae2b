"""The calibration report's figures, drawn from a :class:`~calibration.report_context.Context`.

Every figure has whole axis labels (wrapped to the panel's width), units and
the money year on money axes, and a legend entry for every kind of mark.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from calibration.report_context import Context, fmt, free_params, money_scale, unit_label
from simulator.reports.figures import figure

__all__ = ["CAPTIONS", "FIGURES", "caption", "figures"]

BLUE, GREY, RED, BLACK = "#1f5fa8", "#8a8a8a", "#b8322a", "#222222"

FIGURES = ("targets", "prior_posterior", "pairs", "profiles", "calibrated", "curve")
"""Every figure the report can show, in its order (``pairs`` needs two or more free parameters)."""

CAPTIONS = {
    "targets": "Published estimates beside the model. Red diamond and whisker: the published value ± its stated sd. "
               "Blue dot and bar: the model's posterior-predictive median and per-path 5–95 % band. Grey: the same for the "
               "prior predictive (before the fit). Black cross: the point-fit median.",
    "prior_posterior": "Each free parameter's prior (grey, filled) and posterior (blue outline) density, the point fit "
                       "(red) and the economy as written (1 x, dotted).",
    "pairs": "Posterior draws of each pair of free parameters (blue) and the point fit (red): a ridge is a combination "
             "the targets pin down, spread along it is what they leave open.",
    "profiles": "Objective profiles on the emulator: minimised over the other free parameters (solid) and with them "
                "at the point fit (dashed).",
    "calibrated": "The fitted target's quantity per path of the posterior-predictive run, against the published value "
                  "and its stated sd.",
    "curve": "Value added lost against the duration of a full stop: posterior-predictive and prior-predictive medians "
             "with their per-path 5–95 % bands, and the published estimates of full stops at their durations.",
}


QUANTITY_WORDS = {"value_added_loss": "value added lost", "gdp_loss_pct": "value added lost",
                  "output_loss_pct_of_plan": "output lost"}
"""What a target's quantity is, on an axis."""


def caption(name: str, ctx: Context) -> str:
    """A figure's caption, saying what an older results directory could not draw."""
    text = CAPTIONS[name]
    if name == "targets" and ctx.doc.get("predictive") is None:
        text = ("Published estimates beside the model. Red diamond and whisker: the published value ± its stated sd. Blue "
                "dot and bar: the fitted target's posterior-predictive median and per-path 5–95 % band; open circle and "
                "dashed bar: the median over the posterior and the 5–95 % of the median (reconciled estimates). Black "
                "cross: the point-fit median. The per-path bands of the reconciled estimates and the prior predictive "
                "are not computed in this run.")
    if name == "curve" and "prior" not in (ctx.curve() or {}):
        text = ("Value added lost against the duration of a full stop: posterior-predictive median with its per-path 5–95 % "
                "band, the model as written (every scale 1 x) in grey, and the published estimates of full stops at their "
                "durations. The prior predictive is not computed in this run; durations ran to the scenario's horizon.")
    return text


def _legend_below(fig: Figure, axes: list[Any]) -> None:
    """One legend under the panels, with every label any panel uses once."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    fig.legend(list(seen.values()), list(seen), loc="outside lower center", ncols=min(len(seen), 4), fontsize=8, frameon=False)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _targets(ctx: Context) -> Figure | None:
    """Dot and whisker: every estimate, one panel per unit."""
    rows = ctx.all_targets
    if not rows:
        return None
    units: dict[str, list[dict[str, Any]]] = {}
    for t in rows:
        units.setdefault(t["unit"], []).append(t)
    heights = [max(len(v), 1) + 1.2 for v in units.values()]
    fig = Figure(figsize=(9.0, 0.42 * sum(heights) + 1.4), layout="constrained")
    axes = fig.subplots(len(units), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    have_pred = ctx.doc.get("predictive") is not None
    for ax, (unit, ts) in zip(axes, units.items(), strict=True):
        vals: list[float] = []
        for t in ts:
            vals += [t["value"] * (1 + t["rel_sd"])]
            for w in ("posterior", "prior"):
                q = ctx.predictive(t["name"], w)
                vals += list(q) if q else []
        div, word = money_scale(vals) if unit == "JPY" else (1.0, "")
        for i, t in enumerate(ts):
            y = len(ts) - 1 - i
            v, sd = t["value"] / div, t["value"] * t["rel_sd"] / div
            ax.errorbar([v], [y + 0.22], xerr=[[sd], [sd]], fmt="D", color=RED, ms=6, capsize=3, lw=1.4)
            q = ctx.predictive(t["name"], "posterior")
            if q:
                ax.plot([q[0] / div, q[2] / div], [y, y], color=BLUE, lw=3.5, solid_capstyle="butt")
                ax.plot([q[1] / div], [y], "o", color=BLUE, ms=6)
            q0 = ctx.predictive(t["name"], "prior")
            if q0:
                ax.plot([q0[0] / div, q0[2] / div], [y - 0.22, y - 0.22], color=GREY, lw=2.0, solid_capstyle="butt")
                ax.plot([q0[1] / div], [y - 0.22], "o", color=GREY, ms=4)
            pt = ctx.point(t["name"])
            if pt is not None:
                ax.plot([pt / div], [y], "x", color=BLACK, ms=7, mew=1.6)
            if not have_pred:
                r = ctx.recon(t["name"])
                if r:
                    cq = r["calibrated_q"]
                    ax.plot([cq[0] / div, cq[2] / div], [y - 0.22, y - 0.22], color=BLUE, lw=1.2, ls="--")
                    ax.plot([cq[1] / div], [y - 0.22], "o", mfc="white", color=BLUE, ms=5)
        ax.set_yticks(range(len(ts)), [t["name"] for t in reversed(ts)])
        ax.set_ylim(-0.7, len(ts) - 0.3)
        facts = ctx.facts.get(ts[0]["name"])
        what = QUANTITY_WORDS.get(ts[0]["quantity"], ts[0]["quantity"])
        if unit == "JPY":
            year = ts[0].get("money_year")
            ax.set_xlabel(f"{what} (JPY {word}, {year} money)" if year else f"{what} (JPY {word}, money year not stated)")
        else:
            ax.set_xlabel(_wrap(f"{what}, {unit_label(ts[0], facts)}", 100))
        ax.grid(alpha=0.3, axis="x")
        ax.set_xlim(left=0)
    handles: list[Any] = [Line2D([], [], marker="D", color=RED, lw=1.4, label="published ± stated sd")]
    if have_pred:
        handles += [Line2D([], [], marker="o", color=BLUE, lw=3.5, label="posterior predictive: median, per-path 5–95 %"),
                    Line2D([], [], marker="o", color=GREY, lw=2.0, ms=4, label="prior predictive: median, per-path 5–95 %")]
    else:
        handles += [Line2D([], [], marker="o", color=BLUE, lw=3.5,
                           label="posterior predictive: median, per-path 5–95 % (fitted target only)"),
                    Line2D([], [], marker="o", mfc="white", color=BLUE, lw=1.2, ls="--",
                           label="median over the posterior, 5–95 % of the median")]
    handles.append(Line2D([], [], marker="x", color=BLACK, lw=0, ms=7, mew=1.6, label="point-fit median"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    fig.suptitle("Published estimates and the calibrated model", fontsize=11)
    return fig


def _prior_posterior(ctx: Context) -> Figure:
    free = free_params(ctx.doc)
    post = np.asarray(ctx.doc["posterior"], dtype=float)
    k = len(free)
    fig, axes = figure(3.4 * k, 3.3, ncols=k)
    rng = np.random.default_rng(0)
    for i, p in enumerate(free):
        ax = axes[i]
        prior = p.from_unit(rng.random(20000))
        bins = np.linspace(p.low, p.high, 31).tolist()
        ax.hist(prior, bins=bins, density=True, color=GREY, alpha=0.5, label="prior")
        ax.hist(post[:, i], bins=bins, density=True, color=BLUE, histtype="step", lw=1.8, label="posterior")
        ax.axvline(ctx.doc["free"][i]["point"], color=RED, lw=1.5, label="point fit")
        if p.low <= 1.0 <= p.high:
            ax.axvline(1.0, color="black", lw=0.8, ls=":", label="as written (1 x)")
        ax.set_title(p.name, fontsize=10)
        ax.set_xlabel(_wrap(p.label, 38), fontsize=8)
        ax.set_ylabel("density (per unit of the scale)", fontsize=8)
    _legend_below(fig, axes)
    return fig


def _pairs(ctx: Context) -> Figure | None:
    free = free_params(ctx.doc)
    k = len(free)
    if k < 2:
        return None
    post = np.asarray(ctx.doc["posterior"], dtype=float)
    fig, axes = figure(3.3 * (k - 1), 3.1 * (k - 1), ncols=k - 1, nrows=k - 1)
    for a in range(1, k):
        for b in range(k - 1):
            ax = axes[(a - 1) * (k - 1) + b]
            if b >= a:
                ax.set_axis_off()
                continue
            ax.scatter(post[:, b], post[:, a], s=3, alpha=0.3, color=BLUE, label="posterior draws")
            ax.plot(ctx.doc["free"][b]["point"], ctx.doc["free"][a]["point"], "o", color=RED, ms=5, label="point fit")
            ax.set_xlim(free[b].low, free[b].high)
            ax.set_ylim(free[a].low, free[a].high)
            ax.set_xlabel(f"{free[b].name} (x)", fontsize=8)
            ax.set_ylabel(f"{free[a].name} (x)", fontsize=8)
            ax.set_title(f"posterior correlation {ctx.doc['correlations'][a][b]:+.2f}", fontsize=9)
    fig.legend(handles=[Line2D([], [], marker="o", color=BLUE, alpha=0.5, lw=0, ms=4, label="posterior draws"),
                        Line2D([], [], marker="o", color=RED, lw=0, ms=6, label="point fit")],
               loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


def _profiles(ctx: Context) -> Figure:
    free = free_params(ctx.doc)
    k = len(free)
    fig, axes = figure(3.4 * k, 3.3, ncols=k)
    for i, p in enumerate(free):
        prof = ctx.doc["profiles"][p.name]
        ax = axes[i]
        ax.plot(prof["value"], prof["objective"], color=BLUE, lw=2, label="others free (profile)")
        ax.plot(prof["value"], prof["conditional"], color=RED, ls="--", label="others at the point fit")
        ax.axvline(ctx.doc["free"][i]["point"], color=RED, lw=0.8, label="point fit")
        ax.axhline(1.0, color=GREY, ls=":", lw=1.0, label="objective 1 (z² = 1)")
        ax.set_title(f"profile: {p.name}", fontsize=10)
        ax.set_xlabel(_wrap(p.label, 38), fontsize=8)
        ax.set_ylabel("objective (sum of z², no unit)", fontsize=8)
        ax.set_ylim(-0.2, max(4.0, min(20.0, float(np.max(prof["conditional"])))))
    _legend_below(fig, axes)
    return fig


def _calibrated(ctx: Context) -> Figure | None:
    cr = ctx.doc.get("calibrated_run")
    if not cr:
        return None
    t = ctx.targets[0]
    vals = np.asarray(cr["per_path"], dtype=float)
    unit = cr["unit"]
    div, word = money_scale([*vals.tolist(), cr["target"]]) if unit == "JPY" else (1.0, "")
    fig, axes = figure(7.4, 3.4)
    ax = axes[0]
    ax.hist(vals / div, bins=50, color=BLUE, alpha=0.8, label="paths (posterior predictive)")
    v, sd = cr["target"] / div, cr["target"] * t["rel_sd"] / div
    ax.axvspan(v - sd, v + sd, color=RED, alpha=0.12, label="published ± stated sd")
    ax.axvline(v, color=RED, lw=1.5, label="published")
    q = cr["q"]
    ax.axvline(q[1] / div, color="black", lw=1.0, ls="--", label="posterior-predictive median")
    ax.axvline(q[0] / div, color="black", lw=0.8, ls=":", label="per-path 5 % and 95 %")
    ax.axvline(q[2] / div, color="black", lw=0.8, ls=":")
    what = QUANTITY_WORDS.get(t["quantity"], t["quantity"])
    xl = (f"{what} per path (JPY {word}, {t['money_year']} money)" if unit == "JPY" and t.get("money_year")
          else f"{what} per path ({unit})")
    ax.set_xlabel(xl)
    ax.set_ylabel("paths")
    ax.set_title(f"{cr['scenario']}: {len(vals):,} paths, each with one posterior row", fontsize=10)
    ax.legend(fontsize=7)
    return fig


def _curve(ctx: Context) -> Figure | None:
    c = ctx.curve()
    if not c:
        return None
    days = np.asarray(c["days"], dtype=float)
    new = "prior" in c
    series = [("calibrated", BLUE, "posterior predictive")]
    series.append(("prior", GREY, "prior predictive") if new else ("uncalibrated", GREY, "as written (scales 1 x)"))
    every = [v for key, _, _ in series for row in c[key] for v in row]
    fulls = [t for t in ctx.all_targets if t["quantity"] == "value_added_loss" and not t.get("overrides")
             and ctx.stop_days(t["name"]) is not None]
    every += [t["value"] * (1 + t["rel_sd"]) for t in fulls]
    div, word = money_scale(every)
    fig, axes = figure(7.6, 4.2)
    ax = axes[0]
    handles: list[Any] = []
    for key, color, lab in series:
        q = np.asarray(c[key], dtype=float) / div
        ax.fill_between(days, q[:, 0], q[:, 2], color=color, alpha=0.2, lw=0)
        ax.plot(days, q[:, 1], "o-", color=color, ms=4)
        handles += [Line2D([], [], marker="o", color=color, ms=4, label=f"{lab}: median"),
                    Patch(color=color, alpha=0.2, label=f"{lab}: per-path 5–95 %")]
    right = float(days.max())
    for t in fulls:
        d = ctx.stop_days(t["name"]) or 0
        ax.errorbar([d], [t["value"] / div], yerr=[[t["value"] * t["rel_sd"] / div]] * 2, fmt="D", color=RED, ms=6, capsize=3)
        left_side = d > right / 2
        ax.annotate(t["name"], (d, t["value"] / div), xytext=(-8 if left_side else 8, 6), textcoords="offset points",
                    ha="right" if left_side else "left", fontsize=7, color=RED)
    if fulls:
        handles.append(Line2D([], [], marker="D", color=RED, label="published full-stop estimates ± stated sd"))
    fit = next((t for t in ctx.targets if t["quantity"] == "value_added_loss" and ctx.stop_days(t["name"])), None)
    if fit is not None:
        d0 = ctx.stop_days(fit["name"]) or 1
        ax.plot(days, fit["value"] / div * days / d0, "--", color=RED, lw=1.0)
        handles.append(Line2D([], [], ls="--", color=RED, lw=1.0,
                              label=f"{fit['name']} scaled in proportion to duration ({fmt(fit['value'], 'JPY')} per {d0} days)"))
    year = c.get("price_year") or (fit or {}).get("money_year")
    ax.set_xlabel("duration of the full stop (days)")
    ax.set_ylabel(f"value added lost (JPY {word}, {year} money)" if year else f"value added lost (JPY {word})")
    tail = (f"each run to {c['recovery_days']} days past the stop's end (or the scenario's horizon if later)" if new
            else "run to the scenario's horizon")
    ax.set_title(_wrap(f"{c.get('scenario', 'japan-1y-curb')}: stop ended at each duration, {tail}", 80), fontsize=9)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    return fig


def figures(ctx: Context) -> dict[str, Figure]:
    """Every figure the document allows, by name (those it cannot draw are left out)."""
    out: dict[str, Figure] = {}
    for name, fn in (("targets", _targets), ("prior_posterior", _prior_posterior), ("pairs", _pairs),
                     ("profiles", _profiles), ("calibrated", _calibrated), ("curve", _curve)):
        fig = fn(ctx)
        if fig is not None:
            out[name] = fig
    return out
