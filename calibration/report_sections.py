"""The calibration report's sections on how the fit was made and what it gives, and :func:`sections`, which gathers
every section for the template in :mod:`calibration.report`.

One function per section (method, sensitivity, the calibrated run, the duration curve, reconciliation, backcasts,
the assumptions register), each reading the report's context and giving Markdown or HTML (``md``); the sections
on what was fitted are in :mod:`calibration.report_targets`, the markup in :mod:`calibration.report_markup`.
"""

from __future__ import annotations

from calibration.fit import RIDGE_PENALTY
from calibration.reconcile import Reconciliation
from calibration.report_context import NOT_COMPUTED, Context, fmt, fmt_band, num
from calibration.report_markup import _bullets, _is_number, _pct, _prior_nums, _table, inline
from calibration.report_targets import (
    LABELS,
    _banner,
    _covers,
    _free_table,
    _ident,
    _labels_table,
    _run_line,
    _summary,
    _targets_intro,
    _targets_table,
    _why,
)
from calibration.review import CURVE_SCENARIO
from calibration.sensitivity import CONVERGENCE_TOL, OUTPUT_LABELS
from calibration.targets import Target
from simulator.model.specification import specification

__all__ = ["sections"]


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
