"""The sections of the calibration report: each reads the report's context and writes its text and tables.

One function per section (summary, what the labels mean, why these targets, targets, free parameters,
identification, method, sensitivity, the calibrated run, the duration curve, reconciliation, backcasts,
the assumptions register), each giving Markdown or HTML (``md``); :func:`sections` gathers them for the
template in :mod:`calibration.report`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import markupsafe

from calibration.fit import RIDGE_PENALTY
from calibration.reconcile import Reconciliation
from calibration.report_context import NOT_COMPUTED, PINNED, WEAK, Context, fmt, fmt_band, num
from calibration.review import CURVE_SCENARIO
from calibration.sensitivity import CONVERGENCE_TOL, OUTPUT_LABELS
from calibration.targets import Target
from simulator.model.specification import specification

__all__ = ["LABELS", "inline", "sections"]

LABELS = {
    "published": "published ± stated sd",
    "as_written": "as written",
    "point": "point-fit median",
    "over_posterior": "median over the posterior [5–95 % of the median]",
    "posterior_pred": "posterior-predictive median [per-path 5–95 %]",
    "prior_pred": "prior-predictive median [per-path 5–95 %]",
    "curve": "curve at D days",
}
"""The labels of the model's figures; each is defined once, in section 2."""


def _table(head: list[str], rows: list[list[str]], md: bool) -> str:
    if md:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in r) + " |" for r in rows]
        return "\n".join(out)
    def esc(c: str) -> markupsafe.Markup:
        """Escaped, with a break opportunity after each dot of a dotted path (long field names wrap)."""
        out = markupsafe.escape(c)
        return markupsafe.Markup(re.sub(r"(?<=[a-z_])\.(?=[a-z_])", ".\u200b", str(out))) if " " not in c else out

    h = "".join(f"<th>{esc(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(
        f"<td class='n'>{esc(c)}</td>" if (c[:1].isdigit() or c[:1] in "-+−¥–") and len(c) <= 24
        else f"<td class='src'>{esc(c)}</td>" if "/" in c and len(c) > 40 else f"<td>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _bullets(items: Sequence[str], md: bool) -> str:
    if md:
        return "\n".join(f"- {x}" for x in items)
    return "<ul>" + "".join(f"<li>{inline(x)}</li>" for x in items) + "</ul>"


def inline(text: str) -> str:
    """Escape, then the bold and italic forms the report's prose uses."""
    b = str(markupsafe.escape(text))
    b = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", b)
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", b)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _combo(d: dict[str, Any]) -> str:
    return " ".join(f"{w:+.2f}·{n}" for n, w in d["weights"].items())


def _verdict(r: float) -> str:
    return "pinned down" if r < PINNED else "weakly constrained" if r < WEAK else "not constrained (prior width)"


def _z(t: dict[str, Any], v: float | None) -> str:
    return "–" if v is None else f"{(v - t['value']) / t['value'] / t['rel_sd']:+.2f}"


def _band(q: Sequence[float] | None, unit: str) -> str:
    return NOT_COMPUTED if q is None else fmt_band(q, unit)


def _run_line(ctx: Context) -> str:
    prov = ctx.doc["provenance"]
    return (f"Fitted with supplyshock {prov['package_version']} on {prov['date']}, seed {prov['seed']}; "
            f"{int(prov['paths_per_point']):,} paths per parameter vector (the same paths for every vector) on a design "
            f"of {prov['design_points']} points. Targets: {prov['targets']}.")


def _banner(ctx: Context, md: bool) -> str:
    if ctx.doc["converged"]:
        return ""
    text = ("**NOT CONVERGED**: the point fit misses a fitted target by more than one sd, the optimiser stopped early, "
            "or the sampler's chains did not mix (section 7). These results are not a calibration and were not "
            "written as defaults.")
    return text if md else f"<div class='banner'>{inline(text)}</div>"


def _summary(ctx: Context, md: bool) -> str:
    doc = ctx.doc
    free = doc["free"]
    k, n_t = len(free), len(ctx.targets)
    items = []
    fitted = []
    for t in ctx.targets:
        d = ctx.stop_days(t["name"])
        stop = f"a {d}-day stop" if d is not None else "its scenario"
        fitted.append(f"{t['name']} ({fmt(t['value'], t['unit'])} for {stop} on {t['scenario']}, stated sd {_pct(t['rel_sd'])})")
    items.append(f"**Fitted:** {n_t} published estimate{'s' if n_t != 1 else ''}: " + "; ".join(fitted) + ".")
    items.append(f"**Free:** {k} parameter{'s' if k != 1 else ''}, each a common scale over a group of judgement "
                 "parameters, with these priors: " + ", ".join(
                     f"{f['name']} ({f['dist']} {f['low']:g}–{f['high']:g})" for f in free) + ".")
    c = ctx.counts
    if c is not None:
        items.append(f"**The other parameters of the fitted scenario:** {c['drawn']} keep their priors (drawn afresh on "
                     f"every path) and {c['fixed']} are fixed at the economy file's values (section 12).")
    else:
        items.append(f"**The other parameters of the fitted scenario:** how many are drawn and how many fixed is "
                     f"{NOT_COMPUTED}: the fitted scenario's snapshot is {ctx.snapshot.origin}")
    dirs = doc["directions"]
    pinned = [d for d in dirs if d["sd_ratio"] < PINNED]
    loose = [d for d in dirs if d["sd_ratio"] >= PINNED]
    most = min(n_t, k)
    ident = (f"**Identified:** {n_t} target{'s' if n_t != 1 else ''} can pin down at most {most} combination"
             f"{'s' if most != 1 else ''} of the {k} free parameters. ")
    if pinned:
        ident += ("Pinned down (posterior sd under half the prior's): " + "; ".join(
            f"{_combo(d)} (posterior sd / prior sd {d['sd_ratio']:.2f})" for d in pinned) + ". ")
    else:
        ident += "No combination is pinned down (every posterior sd is at least half the prior's). "
    if loose:
        ident += (f"The other {len(loose)} combination{'s' if len(loose) != 1 else ''} "
                  f"{'keep' if len(loose) != 1 else 'keeps'} most of the prior's width (sd ratio "
                  + ", ".join(f"{d['sd_ratio']:.2f}" for d in loose) + ").")
    items.append(ident.strip())
    ratios, pmax = ctx.marginal_sd_ratio(), ctx.profile_max()
    flat = [n for n, v in pmax.items() if v < 1.0]
    each = ("**Each parameter on its own:** posterior sd / prior sd " + ", ".join(f"{n} {r:.2f}" for n, r in ratios.items())
            + "; largest value of its profile (the objective minimised over the others) across its whole prior "
            + ", ".join(f"{n} {v:.2f}" for n, v in pmax.items()) + ". ")
    if len(flat) == len(pmax):
        each += ("Every profile stays below an objective of 1 (one sd): at every value of any one parameter the others "
                 "can reproduce the target, so no parameter is identified on its own.")
    elif flat:
        each += (f"{', '.join(flat)} {'is' if len(flat) == 1 else 'are'} not identified on {'its' if len(flat) == 1 else 'their'} "
                 "own (profile below 1 everywhere); the others are ruled out somewhere in their prior.")
    else:
        each += "Every parameter is ruled out somewhere in its prior (profile above 1)."
    items.append(each)
    informed = ctx.one_year_informed()
    stops = ", ".join(f"{t['name']}: {ctx.stop_days(t['name'])} days" for t in ctx.targets)
    if informed is None:
        items.append(f"**Whether the 1-year figures are informed by the fit** is {NOT_COMPUTED}: the fitted targets' "
                     "scenarios could not be read.")
    elif informed:
        items.append(f"**The 1-year figures are informed by the fit**: a fitted target is a stop of a year or more ({stops}).")
    else:
        items.append(f"**The 1-year figures are not informed by the fit**: every fitted target is a shorter stop ({stops}). "
                     "Every figure for a 1-year stop below is the model's extrapolation: the pinned combination carried to a "
                     "longer stop, with what the fit leaves open at its prior.")
    fits = "; ".join(f"{t['name']} at {fmt(t['point'], t['unit'])} against the published {fmt(t['value'], t['unit'])} "
                     f"(z {t['z_point']:+.2f})" for t in ctx.targets)
    items.append(f"**Point fit:** {fits}. Whether the numerical procedures converged is a technical check in section 7 "
                 f"({'passed' if doc['converged'] else 'failed'}).")
    return _bullets(items, md)


def _labels_table(ctx: Context, md: bool) -> str:
    doc = ctx.doc
    paths = f"{ctx.paths:,}"
    n_post = len(doc["posterior"])
    pp = ctx.predictive_paths
    pp_s = f"{pp:,}" if pp else NOT_COMPUTED
    c = ctx.curve()
    rows = [
        [LABELS["published"], "the estimate as published; its sd is the judgement stated with it (section 3)", "–", "–", "–",
         "the publication's"],
        [LABELS["as_written"], "fitted targets only: the median over the fit's paths", paths, "every scale at 1 x",
         "drawn per path", "the estimate's scenario"],
        [LABELS["point"], "the median over the fit's paths (common random numbers: the same paths as every design point)",
         paths, "at the point fit", "drawn per path", "the estimate's scenario"],
        [LABELS["over_posterior"], f"the emulator's median (a Gaussian process over the design's medians) at each of {n_post:,} "
         "posterior draws; the centre is the median of those medians and the band their 5–95 % spread: parameter "
         "uncertainty only, no path-to-path spread", f"{paths} per design point", "each posterior draw",
         "drawn per path (inside each median)", "the estimate's scenario"],
        [LABELS["posterior_pred"], "every path draws one row of the fitted sample and every other prior; median and "
         "5–95 % over the paths: what one realisation of the stop could cost", pp_s, "one posterior row per path",
         "drawn per path", "the estimate's scenario"],
        [LABELS["prior_pred"], "as the posterior predictive, with the free parameters drawn from their priors instead "
         "(the model before the fit)", pp_s if doc.get("predictive") else NOT_COMPUTED, "drawn from their priors",
         "drawn per path", "the estimate's scenario"],
    ]
    if c:
        if "horizons" in c:
            hz = f"each duration run {c['recovery_days']} days past the stop's end (or to the scenario's horizon if later)"
        else:
            hz = "the scenario's horizon (older run: durations reaching it had no recovery period)"
        rows.append([LABELS["curve"], f"the posterior-predictive median (and band) on {c.get('scenario', CURVE_SCENARIO)} with "
                     "its stop ended at day D; every duration on the same paths",
                     f"{int(c['paths']):,}" if c.get("paths") else "not recorded (older run)",
                     "one posterior row per path", "drawn per path", hz])
    return _table(["label", "what it is", "paths", "free parameters", "other parameters", "horizon"], rows, md)


def _why(ctx: Context, md: bool) -> str:
    """For the fitted target and the longest value-added estimate: every figure with its label, and why they differ."""
    picks = [ctx.targets[0]]
    longest = max((t for t in ctx.others if t["quantity"] == "value_added_loss" and not t.get("overrides")),
                  key=lambda t: ctx.stop_days(t["name"]) or 0, default=None)
    if longest is not None:
        picks.append(longest)
    items = []
    for t in picks:
        u, name = t["unit"], t["name"]
        parts = [f"{LABELS['point']} {fmt(ctx.point(name), u)}"]
        r = ctx.recon(name)
        if r:
            parts.append(f"{LABELS['over_posterior']} {fmt_band(r['calibrated_q'], u)}")
        q = ctx.predictive(name)
        if q:
            parts.append(f"{LABELS['posterior_pred']} {fmt_band(q, u)}")
        d = ctx.stop_days(name)
        f = ctx.facts.get(name)
        cat = ctx.curve_at(d) if d is not None and u == "JPY" else None
        if cat:
            parts.append(f"curve at {d} days {fmt(cat[0][1], u)}")
        why = [f"the point fit is one parameter vector on the fit's {ctx.paths:,} paths"
               + (", chosen so that this median meets the published value" if r is None else "")]
        if q:
            why.append(f"the posterior predictive mixes the posterior's rows over {ctx.predictive_paths:,} fresh paths, and "
                       "the median of that mixture is not the loss at one point of the ridge")
        if r:
            why.append("the median over the posterior is the emulated median of each draw, so it carries the emulator's "
                       f"error (leave-one-out {100 * r['emulator_loo']:.1f} %) and no path-to-path spread")
        if cat and f:
            c = ctx.curve() or {}
            horizon = cat[1]
            on = f"{int(c['paths']):,} paths" if c.get("paths") else "a number of paths this older run did not record"
            cs = c.get("scenario", CURVE_SCENARIO)
            if horizon > f["horizon_days"]:
                why.append(f"the curve is the posterior predictive on {cs} with its stop ended at day {d}, run to day "
                           f"{horizon} ({horizon - f['horizon_days']} days past {f['scenario']}'s horizon of "
                           f"{f['horizon_days']}), so it counts the recovery after the stop (catch-up, refilled stocks) "
                           f"that the estimate's own run ends before; on {on}")
            else:
                why.append(f"the curve is the posterior predictive on {cs} with its stop ended at day {d} and the "
                           f"horizon of {f['scenario']} ({f['horizon_days']} days), on {on}: "
                           + ("it differs from the posterior-predictive median by Monte Carlo error" if q else
                              "it mixes the posterior's rows path by path, where the other two figures take medians "
                              "at fixed parameters"))
        se = t.get("point_se")
        tail = f" (Monte Carlo standard error of the point-fit median: {fmt(se, u)})" if se else ""
        items.append(f"**{name}** ({fmt(t['value'], u)} published): " + "; ".join(parts) + ". They differ because "
                     + "; ".join(why) + tail + ".")
    return "Why one loss has several figures:\n\n" + _bullets(items, md) if md else \
        "<p>Why one loss has several figures:</p>" + _bullets(items, md)


def _targets_table(ctx: Context, md: bool) -> str:
    rows = []
    for t in ctx.all_targets:
        u, name = t["unit"], t["name"]
        fitted = any(x["name"] == name for x in ctx.targets)
        pp, pr = ctx.predictive(name), ctx.predictive(name, "prior")
        pt = ctx.point(name)
        unit = "JPY" if u == "JPY" else u
        rows.append([name + (" (fitted)" if fitted else ""), unit, f"{fmt(t['value'], u)} ± {_pct(t['rel_sd'])}",
                     fmt(t["uncalibrated"], u) if fitted else "–",
                     f"{fmt(pt, u)} (z {_z(t, pt)})" + (f"; MC se {fmt(t['point_se'], u)}" if fitted else ""),
                     f"{_band(pp, u)} (z {_z(t, pp[1])})" if pp else NOT_COMPUTED, _band(pr, u), t["source"]])
    head = ["estimate", "unit", LABELS["published"], LABELS["as_written"], LABELS["point"] + " (z)",
            LABELS["posterior_pred"] + " (z of the median)", LABELS["prior_pred"], "source"]
    return _table(head, rows, md)


def _targets_intro(ctx: Context) -> str:
    """The money year and GDP base the table's units refer to."""
    years = sorted({str(t["money_year"]) for t in ctx.all_targets if t["unit"] == "JPY" and t.get("money_year")})
    bases = sorted({(f["gdp"], f["price_year"]) for f in ctx.facts.values()})
    out = []
    if years:
        out.append(f"Yen are {' and '.join(years)} money (nominal).")
    if bases:
        out.append("Shares of GDP divide the model's value added lost by its GDP base: " + "; ".join(
            f"{fmt(g, 'JPY')} ({y}, nominal)" for g, y in bases) + ".")
    out.extend(_published_bases(ctx))
    return " ".join(out)


def _published_bases(ctx: Context) -> list[str]:
    """The GDP base a published estimate implies where it is stated both in yen and as a share.

    A share target named ``<yen target>-gdp`` states the same estimate as the yen target; their ratio is the
    publication's GDP base, which need not be the model's (another year, another vintage of the accounts).
    """
    names = {t["name"]: t for t in ctx.all_targets}
    out = []
    for t in ctx.all_targets:
        share = names.get(f"{t['name']}-gdp")
        if t["quantity"] != "value_added_loss" or t["unit"] != "JPY" or not share or share["quantity"] != "gdp_loss_pct":
            continue
        line = (f"{t['name']} and {share['name']} state one estimate in yen and as a share, so they imply a GDP base "
                f"of {fmt(t['value'] / (share['value'] / 100), 'JPY')}")
        f = ctx.facts.get(t["name"])
        if f:
            line += (f", not the model's {fmt(f['gdp'], 'JPY')} ({f['price_year']}): the published yen figure is "
                     f"{100 * t['value'] / f['gdp']:.3g} % of the model's base and the published share is "
                     f"{fmt(share['value'] / 100 * f['gdp'], 'JPY')} of it, so fitting one is not fitting the other")
        out.append(line + ".")
    return out


def _covers(ctx: Context, md: bool) -> tuple[str, str]:
    rows, notes = [], []
    catch: set[tuple[float, float, float, float]] = set()
    for t in ctx.all_targets:
        f = ctx.facts.get(t["name"])
        if not f:
            rows.append([t["name"], t["description"], t["uncertainty_basis"], NOT_COMPUTED, "–", "–", "–"])
            continue
        meas = "; ".join(
            f"{m['kind']} on {m['source']} ({', '.join(m['materials'])}), days {m['start_day']}–{m['end_day']}, coverage "
            f"{_pct(m['coverage'])}" + (f", quota {_pct(m['quota_share'])}" if "quota_share" in m else "")
            for m in f["measures"]) or "no measure"
        stock = ", ".join(f"{m} {v:g}" for m, v in f["stockpile_days"].items())
        cu = f["catch_up"]
        catch.add((cu["share"][0], cu["share"][1], cu["window_days"][0], cu["window_days"][1]))
        if t["quantity"] == "output_loss_pct_of_plan":
            what = "output lost by the compared sectors, % of their planned output over the horizon (table money)"
        else:
            what = ("value added lost" if t["quantity"] == "value_added_loss" else
                    f"value added lost, % of the GDP base {fmt(f['gdp'], 'JPY')}") + \
                f", nominal, {f['price_year']} money"
        rows.append([t["name"], t["description"], t["uncertainty_basis"], meas,
                     f"stop {f['stop_days']} days, horizon {f['horizon_days']} days", stock, what])
        if f.get("sectors"):
            parts = " + ".join(f"{s['id']} {s['io_share']:.2f}" for s in f["sectors"])
            cov = "; ".join(f"{_pct(v)} of input-output table sector {code}" for code, v in f["io_cover"].items())
            src = "; ".join(f"{s['id']}: {s['source']}" for s in f["sectors"] if s.get("source"))
            notes.append(f"**{t['name']}** ({t['description']}) is the publication's figure for the whole sector, compared "
                         f"with the model's {' and '.join(s['id'] for s in f['sectors'])} only: their io_share {parts} = "
                         f"{cov} (economy file; {src}). The model's figure is the output-weighted loss of these sectors; "
                         "the rest of the table sector is not in it.")
    head = ["estimate", "what the publication states", "its stated uncertainty (basis)", "model: measures",
            "model: stop and horizon", "model: national stockpile (days of demand)", "model: quantity compared"]
    if catch:
        notes.insert(0, "Every model figure is net of the catch-up made within its horizon: a share of lost output "
                        "(" + "; ".join(f"catch-up shares {a:g}–{b:g} × the catch-up scale, windows {c:g}–{d:g} days"
                                        for a, b, c, d in sorted(catch))
                     + ") is made up later at an overtime rate; gross figures (before catch-up) are larger. Model "
                       "money is nominal; an estimate of real GDP differs from it by the deflator over the horizon.")
    return _table(head, rows, md), "\n\n".join(notes) if md else "".join(f"<p>{inline(n)}</p>" for n in notes)


def _free_table(ctx: Context, md: bool) -> str:
    ratios = ctx.marginal_sd_ratio()
    rows = [[f["name"], f["path"], f"{f['dist']} {f['low']:g}–{f['high']:g}", f["basis"], f"{f['point']:.3f}",
             f"{f['posterior_q'][1]:.3f} [{f['posterior_q'][0]:.3f}–{f['posterior_q'][2]:.3f}]",
             f"{f['prior_q'][1]:.3f} [{f['prior_q'][0]:.3f}–{f['prior_q'][2]:.3f}]", f"{ratios[f['name']]:.2f}"]
            for f in ctx.doc["free"]]
    return _table(["parameter", "field", "prior", "why this prior", "point fit", "posterior median [5–95 % of the draws]",
                   "prior median [5–95 %]", "posterior sd / prior sd"], rows, md)


def _ident(ctx: Context, md: bool) -> tuple[str, str]:
    doc = ctx.doc
    names = [f["name"] for f in doc["free"]]
    dirs = doc["directions"]
    pinned = [d for d in dirs if d["sd_ratio"] < PINNED]
    n_t, k = len(ctx.targets), len(names)
    text = (f"{n_t} fitted target{'s' if n_t != 1 else ''} and {k} free parameter{'s' if k != 1 else ''}: "
            + (f"the data can pin down at most {n_t} combination{'s' if n_t != 1 else ''}; the rest is a ridge. " if n_t < k else "")
            + f"The posterior's principal directions (below; unit-cube coordinates, each parameter's prior CDF) show "
            f"{len(pinned)} combination{'s' if len(pinned) != 1 else ''} pinned down (posterior sd under {PINNED:g} of the "
            f"prior's) and the others weakly constrained (under {WEAK:g}) or at prior width: the point fit is one point of "
            "that ridge (the one nearest the prior's centre), not a sharper answer than the targets allow. "
            "Posterior correlations: " + ", ".join(
                f"{names[a]}–{names[b]} {doc['correlations'][a][b]:+.2f}" for a in range(k) for b in range(a)) + ".")
    rows = [[_combo(d), f"{d['sd_ratio']:.2f}", _verdict(d["sd_ratio"])] for d in dirs]
    return text, _table(["combination (unit-cube coordinates, largest weight 1)", "posterior sd / prior sd", "verdict"], rows, md)


def _method(ctx: Context, md: bool) -> tuple[str, str, str]:
    doc = ctx.doc
    opt = doc["optimizer"]
    prov = doc["provenance"]
    text = (
        f"**Design**: {len(doc['design']['u'])} points of a scrambled Sobol sequence over the free parameters' prior box; at "
        f"each, every target's median over {int(prov['paths_per_point']):,} paths, the same paths at every point (common "
        "random numbers). **Emulator**: a Gaussian process (scikit-learn) of each target's log median over the box with a "
        "white-noise term for the Monte Carlo error; leave-one-out relative error "
        + ", ".join(f"{k} {100 * v:.1f} %" for k, v in doc["emulator"]["loo_rel_error"].items()) + ". "
        f"**Point fit** (simulated method of moments): {opt['method']} on the simulator itself with common random numbers, "
        f"minimising the sum of squared z plus {RIDGE_PENALTY:g} x the squared distance from the prior's centre (unit cube; "
        "this picks one point of the ridge), started at the emulator's optimum; "
        f"{opt['evaluations']} simulator evaluations, objective {opt['objective']:.4f}, optimiser: {opt['message']} "
        "**Posterior**: emcee (affine-invariant ensemble sampler) with a Gaussian synthetic likelihood: for each target, the "
        "emulated median against the published value with variance = (stated sd)² + (Monte Carlo error of the median)² + "
        "(emulator sd)²; flat on the unit cube, i.e. the free parameters' priors. An emulator rather than ABC-SMC on the "
        "simulator: every likelihood needs a median over thousands of paths; the emulator is checked against fresh "
        "simulations below and the sampler's own diagnostics are cheap to make strict.")
    diag = doc["diagnostics"]
    zs = [abs(t["z_point"]) for t in ctx.targets]
    if opt.get("success"):
        done = "reported success"
    else:
        done = (f"stopped without success ({opt['message'].rstrip('.')}), "
                + ("accepted because every target is within 0.1 sd" if max(zs) <= 0.1 else "not accepted (a target is more than 0.1 sd off)"))
    rows = [["converged (technical; the rule of calibration.fit)",
             f"{'yes' if doc['converged'] else 'NO'}: the point fit must be within 1 sd of every fitted target (largest "
             f"absolute z {max(zs):.2f}); the optimiser {done}; the chains must mix (largest split R-hat "
             f"{diag['rhat_max']:.3f}, must be below 1.05)"],
            ["sampler", str(diag["sampler"])], ["walkers × kept steps", f"{diag['walkers']} × {diag['kept_steps']}"],
            ["acceptance fraction (mean, lowest walker)", f"{diag['acceptance_mean']:.2f}, {diag['acceptance_min']:.2f}"]]
    for f in doc["free"]:
        n = f["name"]
        rows.append([f"{n}: bulk ESS, split R-hat (ArviZ), autocorrelation (steps)",
                     f"{diag['ess_bulk'][n]:.0f}, {diag['rhat'][n]:.3f}, {diag['autocorr_steps'][n]:.0f}"])
    tunit = {t["name"]: t["unit"] for t in ctx.targets}
    c_rows = []
    for n, c in doc["emulator"]["check"].items():
        for e, s in zip(c["emulated"], c["simulated"], strict=True):
            c_rows.append([n, fmt(e, tunit[n]), fmt(s, tunit[n]), f"{100 * (e - s) / s:+.1f} %"])
    return (text, _table(["diagnostic", "value"], rows, md),
            _table(["target", "emulated median", "simulated median", "difference"], c_rows, md))


def _sensitivity(ctx: Context, md: bool) -> tuple[str, str]:
    sens = ctx.doc.get("sensitivity")
    if not sens:
        return "The free parameters were named with --free; no sensitivity analysis was run.", ""
    tol = float(sens.get("tolerance", CONVERGENCE_TOL))
    change = sens["st_change"]
    labels = {o: sens.get("outputs", {}).get(o, OUTPUT_LABELS.get(o, o)) for o in change}
    worst = max(change, key=lambda o: change[o])
    conv = bool(sens["converged"])
    has_s1 = "indices" in sens
    text = (f"First-order (S1) and total (ST) Sobol indices of {len(change)} outputs of the fitted scenario: "
            + "; ".join(labels[o] for o in change) + ". Every prior of the scenario and every candidate scale over its "
            f"prior; Saltelli sample with N = {sens['n_base']} base samples. **Converged** means that no total index of any "
            f"output moved by more than {tol:g} between N/2 and N base samples. "
            + (f"**Converged**: the largest move was {change[worst]:.3f} ({labels[worst]}). " if conv else
               f"**Not converged**: the total indices of {labels[worst]} moved by up to {change[worst]:.3f}, more than "
               f"{tol:g}; " + ", ".join(f"{labels[o]} {change[o]:.3f}" for o in change if o != worst)
               + " (read those indices as rough). ")
            + "The free parameters were chosen among the candidate scales by the GDP loss's total indices unless named "
              "with --free. S1 is the share of the output's variance a parameter explains alone; ST adds its interactions.")
    if not has_s1:
        text += f" First-order indices: {NOT_COMPUTED} (this run stored the total indices only)."
    tables = []
    for o in change:
        if has_s1:
            rows = [[n, f"{s1:.3f} ± {c1:.3f}", f"{st:.3f} ± {ct:.3f}"] for n, s1, c1, st, ct in sens["indices"][o][:12]]
            head = ["parameter (largest ST first)", "S1 ± 95 % half-width", "ST ± 95 % half-width"]
        else:
            rows = [[n, f"{s:.3f} ± {c:.3f}"] for n, s, c in sens["ranking"][o][:12]]
            head = ["parameter (largest ST first)", "ST ± 95 % half-width"]
        title = f"**{labels[o]}** (ST moved {change[o]:.3f} between N/2 and N):"
        tables.append((title if md else f"<p>{inline(title)}</p>") + ("\n\n" if md else "") + _table(head, rows, md))
    return text, "\n\n".join(tables)


def _calibrated(ctx: Context) -> str:
    cr = ctx.doc.get("calibrated_run")
    if not cr:
        return f"The calibrated run: {NOT_COMPUTED}."
    t = ctx.targets[0]
    u = cr["unit"]
    return (f"{cr['scenario']} on the fitted sample ({len(cr['per_path']):,} paths, each drawing one posterior row and every "
            f"other prior): {LABELS['posterior_pred']} {fmt_band(cr['q'], u)} against the published {fmt(cr['target'], u)} "
            f"± {_pct(t['rel_sd'])}. The band is what one realisation of the stop could cost given what the fit leaves "
            "open (the ridge) and every other prior; it is not the uncertainty of the median (that is the narrower "
            f"'{LABELS['over_posterior']}' of section 10).")


def _curve_text(ctx: Context) -> str:
    c = ctx.curve()
    if not c:
        return f"Loss versus duration: {NOT_COMPUTED}."
    days = c["days"]
    med = {d: q[1] for d, q in zip(days, c["calibrated"], strict=True)}
    new = "prior" in c
    t0 = ctx.targets[0]
    d0 = ctx.stop_days(t0["name"])
    on = f"{int(c['paths']):,} paths" if c.get("paths") else "paths not recorded by this older run"
    head = (f"Loss versus duration on {c.get('scenario', CURVE_SCENARIO)} ({on}, the same at every duration), stop ended "
            "at day D"
            + (f" and each duration run {c['recovery_days']} days past the stop's end (or to the scenario's horizon if "
               "later). " if "horizons" in c else ": an older run, whose durations ran to the scenario's horizon only. "))
    meds = "Posterior-predictive medians: " + ", ".join(f"{fmt(med[d], 'JPY')} at {d} days" for d in days) + ". "
    out = head + meds
    if new:
        def width(key: str, d: int) -> float:
            q = c[key][days.index(d)]
            return float(q[2] - q[0])
        cmp = [d for d in (d0, days[-1]) if d is not None and d in days]
        if cmp:
            out += ("Per-path 5–95 % width, prior predictive → posterior predictive: " + ", ".join(
                f"{d} days {fmt(width('prior', d), 'JPY')} → {fmt(width('calibrated', d), 'JPY')}" for d in dict.fromkeys(cmp))
                + ". ")
    else:
        out += (f"The grey band is the model as written (every scale 1 x); the prior predictive is {NOT_COMPUTED}. ")
    if d0 is not None and d0 in med and days[-1] != d0 and med[d0] > 0:
        ratio = med[days[-1]] / med[d0]
        out += (f"The median at {days[-1]} days is {ratio:.1f} times the median at {d0} days, against "
                f"{days[-1] / d0:.1f} times in proportion to duration: the model's losses grow faster than duration once "
                "firms' covers and the stockpile are gone, as losses rise non-linearly with duration in "
                "disaster-propagation studies (Colon, Hallegatte & Rozenberg 2021). This is why the 1-year estimates "
                "reconcile so differently in section 10.")
    return out


def _reconciliation(ctx: Context, md: bool) -> tuple[str, str, str, str]:
    doc = ctx.doc
    if not doc["reconciliation"]:
        return f"Reconciliation: {NOT_COMPUTED} (--no-reconcile).", "", "", ""
    intro = (f"Each estimate against the calibrated model: the {LABELS['point']}, the {LABELS['over_posterior']} and its *z*, "
             "the share of the prior box (and of the posterior's draws) whose emulated median reproduces the estimate "
             "within one stated sd, and the parameter range inside that region. The posterior-predictive figures of the "
             "same estimates are in section 3.")
    free = doc["free"]
    labels = {f["name"]: f["label"] for f in free}
    boxes = {f["name"]: (f["low"], f["high"]) for f in free}
    r_rows, texts = [], []
    for r in doc["reconciliation"]:
        t = r["target"]
        u = t["unit"]
        reg = "; ".join(f"{n} {lo:.2f}–{hi:.2f}" for n, (lo, hi) in r["region"].items()) or "none"
        r_rows.append([t["name"], f"{fmt(t['value'], u)} ± {_pct(t['rel_sd'])}", fmt(r["at_point"], u),
                       fmt_band(r["calibrated_q"], u), f"{r['z']:+.2f}", _pct(r["region_share"]), _pct(r["posterior_share"]), reg])
        rec = Reconciliation(target=Target(**t), calibrated=tuple(r["calibrated_q"]), z=r["z"], at_point=r["at_point"],  # type: ignore[arg-type]
                             region_share=r["region_share"], posterior_share=r["posterior_share"],
                             region={k: (v[0], v[1]) for k, v in r["region"].items()}, mechanisms=r["mechanisms"],
                             emulator_loo=r["emulator_loo"])
        texts.append(rec.summary(labels, boxes))
    table = _table(["estimate", LABELS["published"], LABELS["point"], LABELS["over_posterior"], "z (median over the posterior)",
                    "share of prior box reproducing it", "share of the posterior's draws", "parameter range in that region"],
                   r_rows, md)
    recs = doc["reconciliation"]
    mechs = list(recs[0]["mechanisms"])
    m_rows = [[LABELS["point"], *[fmt(r["at_point"], r["target"]["unit"]) for r in recs]]]
    for m in mechs:
        m_rows.append([f"without {m}", *[f"{100 * (r['mechanisms'][m] - r['at_point']) / r['at_point']:+.0f} %"
                                         if r["at_point"] else fmt(r["mechanisms"][m], r["target"]["unit"]) for r in recs]])
    mech = _table(["mechanism switched off", *[r["target"]["name"] for r in recs]], m_rows, md)
    return intro, table, _bullets(texts, md), mech


def _backcasts(ctx: Context, md: bool) -> str:
    from calibration.backcast import HEADER as BACKCAST_HEADER  # backcast imports the command line, which imports this
    from calibration.backcast import table_rows as backcast_rows

    backs = ctx.doc.get("backcasts")
    if not isinstance(backs, dict) or not backs:
        return (f"Backcasts of the shipped episodes with this fit's sample: {NOT_COMPUTED} (results written before they "
                "were stored, or --backcast-paths 0). `supplyshock backcast EPISODE` scores the shipped defaults.")
    parts = [("Each shipped episode run with this fit's sample (the free scales drawn jointly from the posterior, every other "
              "prior drawn per path) and scored on its observations. The model's *predictive 5–95 %* here is the per-path "
              "5–95 % of the model's value plus the observation's stated error; *quantile* is where the observation falls "
              "in it; bounds and 'none by' observations are scored by the probability the model gives them.")]
    for name, b in backs.items():
        cov = b["coverage"]
        n = cov["n"]
        head = f"### {name}"
        desc = " ".join(str(b["description"]).split())
        line = (f"{desc} Scenario {b['scenario']} from {b['anchor']} over {b['horizon_days']} days; {b['paths']:,} paths, "
                f"seed {b['seed']}. ")
        if n:
            line += (f"**Coverage of the {n} point observations:** {round(cov['in50'] * n)} of {n} inside the central 50 % "
                     f"band and {round(cov['in90'] * n)} of {n} inside the 90 % band (a calibrated model: about 50 % and 90 %); "
                     f"mean quantile {cov['mean_quantile']:.2f} (0.5 if unbiased; near 1: the model runs low).")
        else:
            line += "No point observations (coverage not defined)."
        parts += [head, line if md else f"<p>{inline(line)}</p>", _table(BACKCAST_HEADER, backcast_rows(b), md)]
    return "\n\n".join(parts)


def _register(ctx: Context, md: bool) -> tuple[str, str]:
    if not ctx.register:
        return (f"The fitted scenario's parameters: {NOT_COMPUTED}. Its snapshot is {ctx.snapshot.origin} A new "
                "`supplyshock calibrate` stores it (scenario.json) beside calibration.json, and this section lists every "
                "parameter from it."), ""
    c = ctx.counts or {}
    text = (f"Every parameter of the fitted scenario ({ctx.doc['targets'][0]['scenario']}), {ctx.snapshot.origin} "
            f"{c.get('free', 0)} free (fitted; value: point fit and posterior median), {c.get('drawn', 0)} drawn from "
            f"their priors on every path, {c.get('fixed', 0)} fixed at the file's value; then the mechanism switches and "
            "the run's horizon and calendar. The fitted scales multiply their groups on every path. Source: the prior's "
            "stated source (drawn), the fit's reason (free), or the file's citation for the value (fixed).")
    rows = [[r.path, r.status, num(float(r.value)) if _is_number(r.value) else r.value, _prior_nums(r.prior), r.unit, r.source]
            for r in ctx.register]
    return text, _table(["parameter", "status", "value", "prior", "unit", "source"], rows, md)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _prior_nums(text: str) -> str:
    """Large or small numbers of a prior's description as ×10ⁿ."""
    return re.sub(r"-?\d+(?:\.\d+)?e[+-]\d+", lambda m: num(float(m.group(0))), text)


def sections(ctx: Context, md: bool, figs: dict[str, str]) -> dict[str, str]:
    """Every section's text for the report template, Markdown if ``md`` else HTML, with figures ``figs``."""
    covers, sector_text = _covers(ctx, md)
    ident_text, directions_table = _ident(ctx, md)
    method_text, diagnostics_table, check_table = _method(ctx, md)
    sensitivity_text, sensitivity_tables = _sensitivity(ctx, md)
    recon_intro, recon_table, recon_text, mech_table = _reconciliation(ctx, md)
    register_text, register_table = _register(ctx, md)
    return {
        "banner": _banner(ctx, md), "run_line": _run_line(ctx), "summary": _summary(ctx, md),
        "labels_table": _labels_table(ctx, md), "why_text": _why(ctx, md),
        "targets_table": _targets_table(ctx, md), "targets_intro": _targets_intro(ctx), "facts_origin": ctx.facts_origin, "covers_table": covers,
        "sector_text": sector_text, "free_table": _free_table(ctx, md), "ident_text": ident_text,
        "directions_table": directions_table, "spec": specification(md), "method_text": method_text,
        "diagnostics_table": diagnostics_table, "check_table": check_table, "sensitivity_text": sensitivity_text,
        "sensitivity_tables": sensitivity_tables, "calibrated_text": _calibrated(ctx), "curve_text": _curve_text(ctx),
        "recon_intro": recon_intro, "recon_table": recon_table, "recon_text": recon_text, "mech_table": mech_table,
        "backcasts": _backcasts(ctx, md), "register_text": register_text, "register_table": register_table,
        "provenance_table": _table(["", ""], [[k, v] for k, v in ctx.doc["provenance"].items()], md),
        **{f"fig_{k}": v for k, v in figs.items()},
    }
