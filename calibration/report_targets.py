"""The calibration report's sections on what was fitted: the run line and banner, the summary, what the labels mean,
why these targets, the targets (and the covers they were read at), the free parameters and what the targets
identify; each reads the report's context and writes Markdown or HTML (``md``).
"""

from __future__ import annotations

from calibration.report_context import NOT_COMPUTED, PINNED, WEAK, Context, fmt, fmt_band
from calibration.report_markup import _band, _bullets, _combo, _pct, _table, _verdict, _z, inline
from calibration.review import CURVE_SCENARIO

__all__ = ["LABELS"]

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
