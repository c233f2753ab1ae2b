"""The calibration report: self-contained HTML (figures embedded) and Markdown (figures beside it).

Rendered from a results directory's ``calibration.json`` alone, so
``supplyshock report DIR`` can rebuild it at any time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import numpy as np

import simulator
from calibration.model import FreeParam
from simulator.errors import InputError
from simulator.figures import figure, to_png_base64

__all__ = ["render"]

BLUE, GREY, RED = "#1f5fa8", "#9a9a9a", "#b8322a"


def _free(doc: dict[str, Any]) -> list[FreeParam]:
    return [FreeParam(**{k: f[k] for k in ("name", "path", "label", "dist", "low", "high", "basis")}) for f in doc["free"]]


def _fmt(v: float | None, unit: str) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    if unit == "JPY":
        return f"¥{v / 1e12:.2f}tn" if abs(v) >= 1e12 else f"¥{v / 1e9:.0f}bn"
    if unit.startswith("%"):
        return f"{v:.3g} %"
    return f"{v:.3g}"


def _figures(doc: dict[str, Any]) -> dict[str, Any]:
    """Prior vs posterior, posterior pairs, objective profiles, calibrated loss distribution."""
    free = _free(doc)
    post = np.asarray(doc["posterior"])
    k = len(free)
    figs: dict[str, Any] = {}
    fig, axes = figure(3.2 * k, 2.8, ncols=k)
    rng = np.random.default_rng(0)
    for i, p in enumerate(free):
        ax = axes[i]
        prior = p.from_unit(rng.random(20000))
        bins = np.linspace(p.low, p.high, 31).tolist()
        ax.hist(prior, bins=bins, density=True, color=GREY, alpha=0.5, label="prior")
        ax.hist(post[:, i], bins=bins, density=True, color=BLUE, alpha=0.7, label="posterior")
        ax.axvline(doc["free"][i]["point"], color=RED, lw=1.5, label="point fit")
        ax.axvline(1.0, color="black", lw=0.8, ls=":", label="as written (1 x)")
        ax.set_title(p.name, fontsize=10)
        ax.set_xlabel(p.label, fontsize=8)
        ax.set_ylabel("density")
    axes[0].legend(fontsize=7)
    figs["prior_posterior"] = fig
    if k > 1:
        fig, axes = figure(3.2 * (k - 1), 3.0 * (k - 1), ncols=k - 1, nrows=k - 1)
        for a in range(1, k):
            for b in range(k - 1):
                ax = axes[(a - 1) * (k - 1) + b]
                if b >= a:
                    ax.set_axis_off()
                    continue
                ax.scatter(post[:, b], post[:, a], s=3, alpha=0.3, color=BLUE)
                ax.plot(doc["free"][b]["point"], doc["free"][a]["point"], "o", color=RED, ms=5)
                ax.set_xlim(free[b].low, free[b].high)
                ax.set_ylim(free[a].low, free[a].high)
                ax.set_xlabel(free[b].name, fontsize=8)
                ax.set_ylabel(free[a].name, fontsize=8)
                ax.set_title(f"correlation {doc['correlations'][a][b]:+.2f}", fontsize=9)
        figs["pairs"] = fig
    fig, axes = figure(3.2 * k, 2.8, ncols=k)
    for i, p in enumerate(free):
        prof = doc["profiles"][p.name]
        ax = axes[i]
        ax.plot(prof["value"], prof["objective"], color=BLUE, lw=2, label="others free (profile)")
        ax.plot(prof["value"], prof["conditional"], color=RED, ls="--", label="others at the point fit")
        ax.axvline(doc["free"][i]["point"], color=RED, lw=0.8)
        ax.axhline(1.0, color=GREY, ls="--", lw=0.8)
        ax.set_title(f"profile: {p.name}", fontsize=10)
        ax.set_xlabel(p.label, fontsize=8)
        ax.set_ylabel("min objective (sum of z²)")
        ax.set_ylim(-0.2, max(4.0, min(20.0, float(np.max(prof["conditional"])))))
    axes[0].legend(fontsize=7)
    figs["profiles"] = fig
    cr = doc.get("calibrated_run")
    if cr:
        fig, axes = figure(7.0, 3.0)
        ax = axes[0]
        vals = np.asarray(cr["per_path"])
        scale = 1e9 if cr["unit"] == "JPY" else 1.0
        ax.hist(vals / scale, bins=50, color=BLUE, alpha=0.8)
        ax.axvline(cr["target"] / scale, color=RED, lw=1.5, label="published estimate")
        ax.axvline(np.median(vals) / scale, color="black", lw=1.0, ls="--", label="calibrated median")
        ax.set_xlabel(f"{cr['quantity']} ({'JPY bn' if scale == 1e9 else cr['unit']}), per path")
        ax.set_ylabel("paths")
        ax.set_title(f"calibrated {cr['scenario']}: {len(vals):,} paths", fontsize=10)
        ax.legend(fontsize=8)
        figs["calibrated"] = fig
    curve = (cr or {}).get("curve")
    if curve:
        fig, axes = figure(7.0, 3.6)
        ax = axes[0]
        days = np.asarray(curve["days"], dtype=float)
        for label, color in (("uncalibrated", GREY), ("calibrated", BLUE)):
            q = np.asarray(curve[label]) / 1e12
            ax.fill_between(days, q[:, 0], q[:, 2], color=color, alpha=0.2)
            ax.plot(days, q[:, 1], "o-", color=color, label=f"{label} model, median [5-95 %]")
        ax.plot(days, 0.66 * days / 90.0, "--", color=RED, label="NRI's straight line (JPY 660bn per 90 days)")
        ax.plot([365], [2.6], "s", color=RED, label="NRI 1-year (JPY 2.6tn)")
        ax.set_xlabel("days of the full stop")
        ax.set_ylabel("value added lost (JPY tn, 2025)")
        ax.set_title("loss versus duration of a full stop (japan-1y-curb, stop ended at day D)", fontsize=10)
        ax.legend(fontsize=7)
        figs["curve"] = fig
    return figs


_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>supplyshock calibration report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.92em;max-width:100%}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;overflow-wrap:break-word;max-width:38em}
th{background:#f1f4f8;text-align:left}td.n{text-align:right;white-space:nowrap}.bad{color:#b8322a;font-weight:bold}.ok{color:#1c7c3a;font-weight:bold}
.small{font-size:0.85em;color:#555}td.src{overflow-wrap:anywhere;min-width:14em}td:last-child{overflow-wrap:anywhere}img{max-width:100%}h2{border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:1.6em}</style></head><body>
{{ body }}
</body></html>"""

_BODY = """
# Calibration report

{{ status }}

Fitted to {{ targets_list }} with {{ free_list }} free; {{ paths }} paths per parameter vector (the same paths for every vector), seed {{ seed }}, supplyshock {{ version }}, {{ date }}.

## 1. Targets: published estimates and the model

A published estimate is another model's output, not an observation: each carries a stated relative standard deviation (sd), and *z* is the model's distance from it in those sds.

{{ targets_table }}

## 2. Free parameters: prior, point fit and posterior

Each free parameter is a common scale over a group of judgement parameters: it moves their level and keeps the relative judgements between materials and sectors (1 x = the economy as written). All other parameters keep their priors.

{{ free_table }}

{{ fig_prior_posterior }}

## 3. What the targets pin down (identifiability)

{{ ident_text }}

{{ directions_table }}

{{ fig_pairs }}

Objective profiles: the emulated objective (sum of squared *z* plus the small ridge penalty) at each value of one parameter, minimised over the others (solid) and with the others held at the point fit (dashed); the grey line is z² = 1. A solid line flat near 0 means the targets do not pin that parameter down on its own: at every value the others can make up the difference. The dashed line shows how sharply it is pinned once the others are fixed.

{{ fig_profiles }}

## 4. Method

{{ method_text }}

{{ diagnostics_table }}

Emulator check (posterior draws simulated afresh):

{{ check_table }}

## 5. Sensitivity (Sobol indices, before fitting)

{{ sensitivity_text }}

{{ sensitivity_table }}

## 6. The calibrated model

{{ calibrated_text }}

{{ fig_calibrated }}

{{ curve_text }}

{{ fig_curve }}

## 7. Reconciliation with the other published estimates

Each estimate against the calibrated model: the model's median under the posterior (5–95 % over the posterior), *z*, the share of the prior box (and of the posterior) that reproduces the estimate within one stated sd, and the parameter range inside that region.

{{ recon_table }}

{{ recon_text }}

What each mechanism contributes (the estimate's quantity simulated at the point fit with the mechanism switched off; a mechanism that cannot act within the scenario's horizon changes nothing):

{{ mech_table }}

## 8. Assumptions register

Every prior of the fitted scenario ({{ scenario }}), with its source, as the economy file states it; the fitted scales multiply the corresponding groups on every path.

{{ register_table }}

## 9. Reproducibility

{{ provenance_table }}
"""


def _table(head: list[str], rows: list[list[str]], md: bool) -> str:
    if md:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in r) + " |" for r in rows]
        return "\n".join(out)
    esc = markupsafe.escape
    h = "".join(f"<th>{esc(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(
        f"<td class='n'>{esc(c)}</td>" if (c[:1].isdigit() or c[:1] in "-+−¥–") and len(c) <= 40
        else f"<td class='src'>{esc(c)}</td>" if "/" in c and len(c) > 40 else f"<td>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _sections(doc: dict[str, Any], md: bool, figs: dict[str, str]) -> dict[str, str]:
    free = doc["free"]
    names = [f["name"] for f in free]
    diag = doc["diagnostics"]
    conv = doc["converged"]
    status = ("**Converged**: the point fit is within one stated sd of every fitted target and the sampler's chains mixed (R-hat < 1.05)."
              if conv else "**NOT CONVERGED**: the point fit misses a fitted target by more than one sd, the optimiser stopped early, "
              "or the chains did not mix (R-hat >= 1.05). These results are not a calibration and were not written as defaults.")
    t_rows = []
    for t in doc["targets"]:
        u = t["unit"]
        t_rows.append([t["name"] + " (fitted)", t["description"], _fmt(t["value"], u), f"{100 * t['rel_sd']:.0f} %",
                       _fmt(t["uncalibrated"], u), f"{t['z_uncalibrated']:+.2f}", _fmt(t["point"], u) + f" ± {_fmt(t['point_se'], u)}",
                       f"{t['z_point']:+.2f}", t["source"]])
    for r in doc["reconciliation"]:
        t = r["target"]
        u = t["unit"]
        t_rows.append([t["name"], t["description"], _fmt(t["value"], u), f"{100 * t['rel_sd']:.0f} %", "–", "–",
                       _fmt(r["at_point"], u), f"{t_z(t, r['at_point']):+.2f}", t["source"]])
    targets_table = _table(["target", "what", "published", "stated sd", "uncalibrated model", "z", "at the point fit (± MC se)",
                            "z", "source"], t_rows, md)
    f_rows = [[f["name"], f["path"], f"{f['dist']} {f['low']:g}–{f['high']:g}", f["basis"], f"{f['point']:.3f}",
               f"{f['posterior_q'][1]:.3f} [{f['posterior_q'][0]:.3f}–{f['posterior_q'][2]:.3f}]",
               f"{f['prior_q'][1]:.3f} [{f['prior_q'][0]:.3f}–{f['prior_q'][2]:.3f}]"] for f in free]
    free_table = _table(["parameter", "field", "prior", "why this prior", "point fit", "posterior median [5–95 %]",
                         "prior median [5–95 %]"], f_rows, md)
    dirs = doc["directions"]
    d_rows = [[" ".join(f"{w:+.2f}·{n}" for n, w in d["weights"].items()), f"{d['sd_ratio']:.2f}",
               "pinned down" if d["sd_ratio"] < 0.5 else "weakly constrained" if d["sd_ratio"] < 0.8 else "not constrained (prior width)"]
              for d in dirs]
    directions_table = _table(["combination (unit-cube coordinates, largest weight 1)", "posterior sd / prior sd", "verdict"], d_rows, md)
    pinned = [d for d in dirs if d["sd_ratio"] < 0.5]
    n_t = len(doc["targets"])
    ident_text = (f"{n_t} fitted target(s) and {len(free)} free parameter(s): "
                  + (f"the data can pin down at most {n_t} combination(s); the rest is a ridge. " if n_t < len(free) else "")
                  + f"The posterior's principal directions (below) show {len(pinned)} combination(s) pinned down "
                  "(posterior sd under half the prior's) and the others left near their prior width: the point fit is one "
                  "point of that ridge (the one nearest the prior's centre), not a sharper answer than the targets allow. "
                  "Posterior correlations: " + ", ".join(
                      f"{names[a]}–{names[b]} {doc['correlations'][a][b]:+.2f}" for a in range(len(names)) for b in range(a)) + ".")
    opt = doc["optimizer"]
    method_text = (
        f"**Design**: {len(doc['design']['u'])} points of a scrambled Sobol sequence over the free parameters' prior box; at each, "
        f"every target's median over {doc['provenance']['paths_per_point']} paths, the same paths at every point (common random numbers). "
        f"**Emulator**: a Gaussian process (scikit-learn) of each target's log median over the box with a white-noise term for the "
        f"Monte Carlo error; leave-one-out relative error " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in doc["emulator"]["loo_rel_error"].items()) + ". "
        f"**Point fit** (simulated method of moments): {opt['method']} on the simulator itself with common random numbers, minimising the sum of "
        f"squared z plus {0.01:g} x the squared distance from the prior's centre (unit cube; this picks one point of the ridge and moves the "
        f"objective by under 0.01), started at the emulator's optimum; {opt['evaluations']} simulator evaluations, objective {opt['objective']:.4f}, "
        f"optimiser: {opt['message']} "
        f"**Posterior**: emcee (affine-invariant ensemble sampler) with a Gaussian synthetic likelihood: for each target, the emulated median "
        f"against the published value with variance = (stated sd)² + (Monte Carlo error of the median)² + (emulator sd)²; flat on the unit "
        f"cube, i.e. the free parameters' priors. Why emcee and an emulator rather than ABC-SMC (pyabc) on the simulator: every likelihood "
        f"needs a median over thousands of paths; ABC-SMC would need ~10⁴ such simulations (hours on two cores), while the emulator "
        f"is checked against fresh simulations below and the sampler's own diagnostics are cheap to make strict.")
    d_rows = [["sampler", str(diag["sampler"])], ["walkers × kept steps", f"{diag['walkers']} × {diag['kept_steps']}"],
              ["acceptance fraction (mean, lowest walker)", f"{diag['acceptance_mean']:.2f}, {diag['acceptance_min']:.2f}"]]
    for n in names:
        d_rows.append([f"{n}: bulk ESS, split R-hat (ArviZ), autocorrelation (steps)",
                       f"{diag['ess_bulk'][n]:.0f}, {diag['rhat'][n]:.3f}, {diag['autocorr_steps'][n]:.0f}"])
    diagnostics_table = _table(["diagnostic", "value"], d_rows, md)
    c_rows = []
    tunit = {t["name"]: t["unit"] for t in doc["targets"]}
    for n, c in doc["emulator"]["check"].items():
        for e, s in zip(c["emulated"], c["simulated"], strict=True):
            c_rows.append([n, _fmt(e, tunit[n]), _fmt(s, tunit[n]), f"{100 * (e - s) / s:+.1f} %"])
    check_table = _table(["target", "emulated", "simulated", "difference"], c_rows, md)
    sens = doc.get("sensitivity")
    if sens:
        sensitivity_text = (f"Total (ST) and first-order indices of the GDP loss on the fitted scenario, every prior plus the candidate "
                            f"scales over their priors; Saltelli sample with N = {sens['n_base']} ({'converged' if sens['st_change']['gdp_loss_pct'] <= 0.05 else 'NOT converged'}: "
                            f"largest change of a GDP-loss ST between N/2 and N {sens['st_change']['gdp_loss_pct']:.3f}, tolerance 0.05). The free parameters "
                            "were chosen among the candidate scales by these indices unless named with --free.")
        rows = [[n, f"{s:.3f} ± {c:.3f}"] for n, s, c in sens["ranking"]["gdp_loss_pct"][:12]]
        sensitivity_table = _table(["parameter (largest first)", "ST ± 95 % half-width"], rows, md)
    else:
        sensitivity_text, sensitivity_table = "The free parameters were named with --free; no sensitivity analysis was run.", ""
    cr = doc.get("calibrated_run")
    if cr:
        q = cr["q"]
        calibrated_text = (f"{cr['scenario']} with the posterior as its parameters' joint distribution ({len(cr['per_path']):,} paths, each "
                           f"drawing one posterior row): median {cr['quantity']} {_fmt(q[1], cr['unit'])} [5–95 %: {_fmt(q[0], cr['unit'])}–"
                           f"{_fmt(q[2], cr['unit'])}] against the published {_fmt(cr['target'], cr['unit'])}. The band is the uncertainty "
                           "that remains: the posterior's ridge and every other prior.")
    else:
        calibrated_text = ""
    curve = (cr or {}).get("curve")
    if curve:
        cq = {d: c[1] for d, c in zip(curve["days"], curve["calibrated"], strict=True)}
        curve_text = ("Loss versus duration (the same paths at every duration): NRI's 1-year figure is its 3-month figure "
                      "times four; the model's losses grow faster than in proportion once firms' covers and the stockpile "
                      f"are gone (calibrated medians: {_fmt(cq.get(90, float('nan')), 'JPY')} at 90 days, "
                      f"{_fmt(cq.get(180, float('nan')), 'JPY')} at 180, {_fmt(cq.get(365, float('nan')), 'JPY')} at 365), "
                      "as losses rise non-linearly with duration in disaster-propagation studies (Colon, Hallegatte & "
                      "Rozenberg 2021). This is why the 1-year estimates reconcile so differently below.")
    else:
        curve_text = ""
    r_rows, texts, m_rows = [], [], []
    for r in doc["reconciliation"]:
        t = r["target"]
        u = t["unit"]
        q = r["calibrated_q"]
        reg = "; ".join(f"{n} {lo:.2f}–{hi:.2f}" for n, (lo, hi) in r["region"].items()) or "none"
        r_rows.append([t["name"], _fmt(t["value"], u), f"{_fmt(q[1], u)} [{_fmt(q[0], u)}–{_fmt(q[2], u)}]", f"{r['z']:+.2f}",
                       f"{100 * r['region_share']:.0f} %", f"{100 * r['posterior_share']:.0f} %", reg])
        texts.append(("- " if md else "") + r["summary"])
        m_rows.append([t["name"], _fmt(r["at_point"], u)] + [
            f"{_fmt(v, u)} ({100 * (v - r['at_point']) / r['at_point']:+.0f} %)" if r["at_point"] else _fmt(v, u)
            for v in r["mechanisms"].values()])
    recon_table = _table(["estimate", "published", "calibrated model [5–95 %]", "z", "share of prior box reproducing it",
                          "share of posterior", "parameter range in that region"], r_rows, md)
    recon_text = "\n".join(texts) if md else "<ul>" + "".join(f"<li>{markupsafe.escape(x)}</li>" for x in texts) + "</ul>"
    mechs = list(doc["reconciliation"][0]["mechanisms"]) if doc["reconciliation"] else []
    mech_table = _table(["estimate", "at the point fit", *[f"without {m}" for m in mechs]], m_rows, md) if m_rows else ""
    reg_rows = []
    try:
        sc = simulator.load_scenario(doc["targets"][0]["scenario"], overrides=doc["targets"][0]["overrides"] or None,
                                     calibrated=False)
        for path, pr in sc.uncertainty.items():
            d = pr.model_dump(exclude_none=True)
            src = d.pop("source", "")
            d.pop("usual", None)
            reg_rows.append([path, ", ".join(str(v) if k == "dist" else f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in d.items()), src])
    except InputError:
        reg_rows.append(["(scenario no longer loads)", "", ""])
    register_table = _table(["field", "prior", "source"], reg_rows, md)
    provenance_table = _table(["", ""], [[k, v] for k, v in doc["provenance"].items()], md)
    prov = doc["provenance"]
    return {
        "status": status, "targets_list": ", ".join(t["name"] for t in doc["targets"]), "free_list": ", ".join(names),
        "paths": prov["paths_per_point"], "seed": prov["seed"], "version": prov["package_version"], "date": prov["date"],
        "targets_table": targets_table, "free_table": free_table, "ident_text": ident_text,
        "directions_table": directions_table, "method_text": method_text, "diagnostics_table": diagnostics_table,
        "check_table": check_table, "sensitivity_text": sensitivity_text, "sensitivity_table": sensitivity_table,
        "calibrated_text": calibrated_text, "curve_text": curve_text, "recon_table": recon_table, "recon_text": recon_text, "mech_table": mech_table,
        "register_table": register_table, "provenance_table": provenance_table, "scenario": doc["targets"][0]["scenario"],
        **{f"fig_{k}": v for k, v in figs.items()},
    }


def t_z(t: dict[str, Any], v: float) -> float:
    """z of value ``v`` against target document ``t``."""
    return (v - t["value"]) / t["value"] / t["rel_sd"]


def _md_to_html(text: str) -> str:
    """The few Markdown forms the body uses (headings, bold, italics, list items, paragraphs) as HTML."""
    import re

    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        b = block.strip()
        if b.startswith("<"):
            out.append(b)
            continue
        b = str(markupsafe.escape(b))
        b = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", b)
        b = re.sub(r"\*(.+?)\*", r"<i>\1</i>", b)
        if b.startswith("# "):
            out.append(f"<h1>{b[2:]}</h1>")
        elif b.startswith("## "):
            out.append(f"<h2>{b[3:]}</h2>")
        else:
            out.append(f"<p>{b}</p>")
    return "\n".join(out)


def render(directory: Path) -> Path:
    """Write ``report.html`` and ``report.md`` (with ``figures/*.png``) for a calibration results directory.

    Raises
    ------
    InputError
        ``directory`` holds no readable ``calibration.json``.
    """
    path = Path(directory) / "calibration.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "(file)", "must be a calibration results file (supplyshock calibrate --out)", str(exc)) from None
    if doc.get("format") != "supplyshock-calibration/1":
        raise InputError(str(path), "format", "must be supplyshock-calibration/1", doc.get("format"))
    figs = _figures(doc)
    figdir = Path(directory) / "figures"
    figdir.mkdir(exist_ok=True)
    md_figs, html_figs = {}, {}
    for name, fig in figs.items():
        fig.savefig(figdir / f"{name}.png", dpi=110)
        md_figs[name] = f"![{name}](figures/{name}.png)"
        html_figs[name] = f'<img alt="{name}" src="data:image/png;base64,{to_png_base64(fig)}">'
    for name in ("prior_posterior", "pairs", "profiles", "calibrated", "curve"):
        md_figs.setdefault(name, "")
        html_figs.setdefault(name, "")
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    md = env.from_string(_BODY).render(**_sections(doc, True, md_figs))
    (Path(directory) / "report.md").write_text(md, encoding="utf-8")
    body = env.from_string(_BODY).render(**_sections(doc, False, html_figs))
    html = env.from_string(_HTML).render(body=_md_to_html(body))
    out = Path(directory) / "report.html"
    out.write_text(html, encoding="utf-8")
    return out
