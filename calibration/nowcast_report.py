"""The report of ``supplyshock calibrate --episode``: self-contained HTML and Markdown from ``conditioning.json`` alone.

What the observations imply for each lever (prior against posterior), the
nowcast of the horizon's loss as the data arrive, every observation's
predictive before and after conditioning, each series over both fans, the
sampler's diagnostics and the sources.
"""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from calibration.backcast import _html_table, _md_table, read_results, save_figures, write_pages
from calibration.condition import FORMAT

__all__ = ["render_conditioning"]

BLUE, GREY, RED = "#1f5fa8", "#8c8c8c", "#b8322a"
EDGE = 0.02
"""A posterior whose 5 % or 95 % quantile lies within this share of the prior's width from a bound is said to press on it."""


def _g(v: float | None) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _band(q: list[float], unit: str = "") -> str:
    return f"{_g(q[2])}{unit} [{_g(q[0])}–{_g(q[4])}]"


def _yen(q: list[float]) -> str:
    return f"¥{q[2] / 1e9:,.0f}bn [{q[0] / 1e9:,.0f}–{q[4] / 1e9:,.0f}]"


def _label(until: str | None) -> str:
    return "prior" if until is None else datetime.date.fromisoformat(until).strftime("to %d %b %Y")


def implications(doc: dict[str, Any]) -> list[str]:
    """One sentence per lever: where the posterior sits against its prior, and whether it presses on a bound."""
    out = []
    for f in doc["free"]:
        q = f["posterior_q"]
        lo, hi = f["low"], f["high"]
        mid = np.sqrt(lo * hi) if f["dist"] == "loguniform" else (lo + hi) / 2
        width = (q[4] - q[0]) / (hi - lo)
        side = "above" if q[2] > mid else "below"
        s = (f"**{f['name']}** ({f['label']}): prior {f['dist']} {_g(lo)}–{_g(hi)}; posterior median {_g(q[2])} "
             f"[5–95 %: {_g(q[0])}–{_g(q[4])}], {side} the prior's centre ({_g(mid)}); the 90 % interval spans "
             f"{width:.0%} of the prior's range.")
        if hi - q[4] < EDGE * (hi - lo) or q[2] > hi - 0.1 * (hi - lo):
            s += " It presses on the prior's upper bound: the observations ask for more than the prior allows."
        elif q[0] - lo < EDGE * (hi - lo) or q[2] < lo + 0.1 * (hi - lo):
            s += " It presses on the prior's lower bound: the observations ask for less than the prior allows."
        elif width > 0.8:
            s += " The observations barely inform it."
        out.append(s)
    return out


def unreachable(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Point observations outside the range the model's median takes over the design (the levers' reach in their priors)."""
    out = []
    for o in doc["observations"]:
        r = o.get("reach")
        if r is None or o["kind"] == "gdp_loss" or o["none_by"]:
            continue
        if o["observed"] > r[1] + o["sd"] or o["observed"] < r[0] - o["sd"]:
            out.append(o)
    return out


def _later(st: dict[str, Any]) -> tuple[int, int]:
    later = [o for o in st["observations"].values() if not o["used"] and "in90" in o]
    return sum(o["in90"] for o in later), len(later)


def _figures(doc: dict[str, Any]) -> dict[str, Any]:
    """The report's figures by stem: ``nowcast``, ``levers``, then ``series_1``, ``series_2``, ... (one per fan)."""
    return {"nowcast": _nowcast_figure(doc), "levers": _levers_figure(doc), **_series_figures(doc)}


def _nowcast_figure(doc: dict[str, Any]) -> Any:
    """The horizon's loss (% of GDP, and in yen) at every row of the nowcast: median, 25–75 % and 5–95 %."""
    from simulator.reports.figures import figure

    steps = doc["nowcast"]
    fig, axes = figure(9.5, 3.6, ncols=2)
    x = np.arange(len(steps))
    for ax, key, scale, ylabel in ((axes[0], "gdp_loss_pct", 1.0, "loss over the horizon, % of annual GDP"),
                                   (axes[1], "value_added_loss", 1e9, f"value added lost, JPY bn ({doc['money_year']} money)")):
        q = np.array([s["loss"][key] for s in steps]) / scale
        ax.vlines(x, q[:, 0], q[:, 4], color=BLUE, lw=1.2, label="5–95 %")
        ax.vlines(x, q[:, 1], q[:, 3], color=BLUE, lw=6, alpha=0.5, label="25–75 %")
        ax.plot(x, q[:, 2], "o", color=BLUE, ms=5, label="median")
        ax.set_xticks(x, [_label(s["until"]).replace("to ", "") for s in steps], rotation=40, ha="right", fontsize=8)
        ax.set_xlabel("observations used up to (cut-off)")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=7, loc="upper right")
    axes[0].set_title("the horizon's loss as the data arrive", fontsize=10)
    axes[1].set_title("the same in yen", fontsize=10)
    return fig


def _levers_figure(doc: dict[str, Any]) -> Any:
    """Each lever's posterior histogram (last cut-off) over its prior's (20,000 draws, seed 0), three panels a row."""
    from calibration.model import FreeParam
    from simulator.reports.figures import figure

    free = doc["free"]
    post = np.asarray(doc["posterior"])
    k = len(free)
    ncols = min(k, 3)
    nrows = -(-k // ncols)
    fig, axes = figure(3.3 * ncols, 2.7 * nrows, ncols=ncols, nrows=nrows)
    rng = np.random.default_rng(0)
    for i, f in enumerate(free):
        ax = axes[i]
        p = FreeParam(name=f["name"], path=f["paths"][0], label=f["label"], dist=f["dist"], low=f["low"], high=f["high"],
                      basis=f["basis"])
        bins = np.linspace(f["low"], f["high"], 26).tolist()
        ax.hist(post[:, i], bins=bins, density=True, color=BLUE, alpha=0.6, label=f"posterior ({_label(doc['until'])})")
        ax.hist(p.from_unit(rng.random(20000)), bins=bins, density=True, color="black", histtype="step", lw=1.0, label="prior")
        ax.set_title(f["name"], fontsize=9)
        ax.set_xlabel(textwrap.fill(f["label"], 42), fontsize=7)
        ax.set_ylabel("density", fontsize=8)
    for ax in axes[k:]:
        ax.set_axis_off()
    axes[0].legend(fontsize=7)
    return fig


def _series_figures(doc: dict[str, Any]) -> dict[str, Any]:
    """One figure per series with fans (``series_1``, ...): the prior's and the last cut-off's fans, the observations
    of the series (filled: used; open: later) and the cut-off."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

    from simulator.reports.figures import figure

    figs: dict[str, Any] = {}
    first, last = doc["nowcast"][0], doc["nowcast"][-1]
    cut = date2num(datetime.date.fromisoformat(doc["until"]))
    anchor = datetime.date.fromisoformat(doc["anchor"])
    for j, key in enumerate(last["fans"]):
        fig, (ax,) = figure(8.0, 3.5)
        for st, color, name in ((first, GREY, "prior"), (last, BLUE, _label(doc["until"]))):
            _fan(ax, st["fans"][key], color, name)
        rows = [o for o in doc["observations"] if o["series"] == key and o["kind"] in ("arrivals", "sector_output")]
        for used in (True, False):
            _observed(ax, [o for o in rows if (o["name"] in last["used"]) == used], used, anchor)
        ax.axvline(cut, color="black", lw=0.8, ls="--", label="cut-off")
        ax.set_title(key, fontsize=10)
        unit = rows[0]["unit"] if rows else ""
        ax.set_ylabel("index (1 = the baseline flow)" if unit == "index" else unit, fontsize=8)
        loc = AutoDateLocator()
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, frameon=False)
        figs[f"series_{j + 1}"] = fig
    return figs


def _fan(ax: Any, fan: list[dict[str, Any]], color: str, name: str) -> None:
    """Draw one fan on ``ax``: its 5–95 % band and median at each period's middle, labelled with ``name``."""
    from matplotlib.dates import date2num

    mid = np.array([(date2num(datetime.date.fromisoformat(r["first"])) + date2num(datetime.date.fromisoformat(r["last"]))) / 2
                    for r in fan])
    q = np.array([r["q"] for r in fan])
    ax.fill_between(mid, q[:, 0], q[:, 4], color=color, alpha=0.18, lw=0, label=f"{name}: 5–95 %")
    ax.plot(mid, q[:, 2], color=color, lw=1.6, label=f"{name}: median")


def _observed(ax: Any, sel: list[dict[str, Any]], used: bool, anchor: datetime.date) -> None:
    """Draw observations ``sel`` on ``ax`` at their periods' middles with ± 1.645 sd (filled when ``used``); none: nothing."""
    from matplotlib.dates import date2num

    if not sel:
        return
    ends = [datetime.date.fromisoformat(o["end"]) for o in sel]
    starts = [_start(o, anchor) for o in sel]
    ox = [(date2num(a) + date2num(b)) / 2 for a, b in zip(starts, ends, strict=True)]
    ax.errorbar(ox, [o["observed"] for o in sel], yerr=[1.645 * o["sd"] for o in sel], fmt="o", color=RED, ms=5,
                capsize=3, mfc=RED if used else "white",
                label="observed, used (± 1.645 sd)" if used else "observed later, not used")


def _start(o: dict[str, Any], anchor: datetime.date) -> datetime.date:
    """An observation's first day (its period's start; the anchor when it covers no period)."""
    return anchor if o.get("start") is None else datetime.date.fromisoformat(o["start"])


_BODY = """# Conditioning: {{ episode }} on the observations to {{ until }}

{{ description }}

Scenario **{{ scenario }}** from {{ anchor }} over {{ horizon }} days; {{ mode }}. {{ paths }} paths per design point, {{ design }} design points, seed {{ seed }}; supplyshock {{ version }}, {{ date }}.

## What the observations imply

{{ implications }}

{{ later }}

**Proxy and assumptions.** {{ notes }}

## Levers: prior and posterior

The posterior given the {{ n_used }} observations that ended on or before {{ until }}. R-hat: split R-hat over walkers (< 1.05: mixed); ESS: bulk effective sample size.

{{ levers_table }}

{{ fig_levers }}

## Nowcast: the horizon's loss as the data arrive

Each row conditions on the observations that ended on or before its cut-off and runs the model at posterior draws; *prior* is before any. "Later observations inside": how many point observations not yet used fall inside the 90 % predictive band (observation error included).

{{ nowcast_table }}

{{ fig_nowcast }}

## Observations: the predictive before and after conditioning

Predictive median and 5–95 % of each observation (model value plus the observation's stated error), before conditioning and with the observations to {{ until }}; *quantile*: where the observation falls in the conditioned predictive; *levers' reach*: the lowest and highest median over paths the model gives it anywhere in the design (the levers over their whole prior box).

{{ obs_table }}

## Series: observed points over the prior and conditioned fans

{{ fig_series }}

## Diagnostics

{{ diag_table }}

## Method

The levers are set to one value on every path of a design (a scrambled Sobol sample of the prior box, then half as many points drawn from a first posterior); everything else a path draws stays drawn (the other priors{{ calibrated_note }}, licence times). At each design point the likelihood of the observations is estimated by the mean over paths of the product of each observation's kernel: normal with its stated sd for a value, the normal CDF with its sd in days for a "none by" date, and 1 inside (10⁻⁶ outside) a bound. A Gaussian process emulates its logarithm over the unit cube and emcee samples the posterior on it (flat on the cube, which is the priors).{{ joint_note }} Observations enter by the date their period ended (or the reported date), not by their publication date.

## Sources

{{ sources }}
"""


def render_conditioning(directory: Path) -> Path:
    """Write ``report.html`` (figures embedded), ``report.md`` and ``figures/*.png`` from ``conditioning.json``.

    Raises
    ------
    InputError
        ``directory`` holds no readable conditioning document.
    """
    doc = read_results(directory, "conditioning.json", FORMAT,
                       "conditioning results file (supplyshock calibrate --episode --out)")
    figs = _figures(doc)
    md_list, html_list = save_figures(directory, [(name, name, fig) for name, fig in figs.items()])
    md_f, html_f = dict(zip(figs, md_list, strict=True)), dict(zip(figs, html_list, strict=True))
    tables = _Tables(levers=_lever_rows(doc), nowcast=_nowcast_rows(doc), observations=_observation_rows(doc),
                     diagnostics=_diagnostic_rows(doc), sources=_source_rows(doc))
    later = _later_text(doc)
    return write_pages(directory, _BODY, lambda md: _fill(doc, tables, later, md_f if md else html_f, md),
                       "supplyshock conditioning")


@dataclass(frozen=True)
class _Tables:
    """The rows of the report's tables (cells as shown)."""

    levers: list[list[str]]
    nowcast: list[list[str]]
    observations: list[list[str]]
    diagnostics: list[list[str]]
    sources: list[list[str]]


def _lever_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per lever: name, label, prior, posterior median [5–95 %], R-hat, ESS, the prior's source."""
    return [[f["name"], f["label"], f"{f['dist']} {_g(f['low'])}–{_g(f['high'])}", _band(f["posterior_q"]),
             f"{f['rhat']:.3f}", f"{f['ess_bulk']:.0f}", f["basis"]] for f in doc["free"]]


def _nowcast_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per nowcast step: cut-off, observations used, the loss (% of GDP, yen), later ones inside 90 %, R-hat."""
    now_rows = []
    for st in doc["nowcast"]:
        inside, n = _later(st)
        now_rows.append([_label(st["until"]), str(len(st["used"])), _band(st["loss"]["gdp_loss_pct"]),
                         _yen(st["loss"]["value_added_loss"]), f"{inside} of {n}" if n else "–",
                         "–" if st["diagnostics"] is None else f"{st['diagnostics']['rhat_max']:.3f}"])
    return now_rows


def _observation_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per observation: its end, unit, observed value, used or later, the predictive before and after the
    last cut-off (bands, or for bounds and "none by" dates probabilities), its quantile and the levers' reach."""
    first, last = doc["nowcast"][0], doc["nowcast"][-1]
    obs_by = {o["name"]: o for o in doc["observations"]}
    obs_rows = []
    for name, o in last["observations"].items():
        ob, o0 = obs_by[name], first["observations"][name]
        if "q" in o and "quantile" in o:
            observed = f"{_g(ob['observed'])} ± {_g(ob['sd'])}"
            before, after, where = _band(o0["q"]), _band(o["q"]), f"{o['quantile']:.2f}"
        elif ob["kind"] == "gdp_loss":
            observed = f"{_g(ob['low'])}–{_g(ob['high'])}"
            before, after, where = f"P = {o0['probability']:.2f}", f"P = {o['probability']:.2f}", "–"
        else:
            observed = f"none by day {_g(ob['observed'])}"
            before, after, where = f"P = {o0['probability']:.2f}", f"P = {o['probability']:.2f}", "–"
        reach = ob.get("reach")
        rr = "–" if reach is None or ob["kind"] == "gdp_loss" or ob["none_by"] else f"{_g(reach[0])}–{_g(reach[1])}"
        obs_rows.append([name, ob["end"], ob["unit"], observed, "used" if o["used"] else "later", before, after, where, rr])
    return obs_rows


def _diagnostic_rows(doc: dict[str, Any]) -> list[list[str]]:
    """The sampler's and the emulator's diagnostics (last cut-off), the design's size and the predictive's."""
    d = doc["diagnostics"]
    last = doc["nowcast"][-1]
    return [["sampler", str(d["sampler"]).replace("synthetic Gaussian likelihood", "Monte Carlo likelihood")],
            ["walkers x kept steps", f"{d['walkers']} x {d['kept_steps']}"],
            ["split R-hat (max over levers)", f"{d['rhat_max']:.3f}"],
            ["bulk ESS (min over levers)", f"{min(d['ess_bulk'].values()):.0f}"],
            ["acceptance (mean, min)", f"{d['acceptance_mean']:.2f}, {d['acceptance_min']:.2f}"],
            ["emulator leave-one-out error (rms, log-likelihood units)", f"{last['diagnostics']['emulator_loo_rms']:.3g}"],
            ["design points (first wave + second)", f"{doc['design']['first_wave']} + {doc['design']['second_wave']}"],
            ["predictive per cut-off (posterior draws x paths)", f"{doc['predictive']['draws']} x {doc['predictive']['paths']}"]]


def _source_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per observation: its source, publication, confidence, and proxy and reasoning (– when neither)."""
    return [[o["name"], o["ref"], o["published"], o["confidence"],
             " ".join(x for x in (o.get("proxy") and f"Proxy: {o['proxy']}", o.get("reasoning")) if x) or "–"]
            for o in doc["observations"]]


def _later_text(doc: dict[str, Any]) -> str:
    """The paragraphs on the later observations (inside the conditioned 90 % band, and before conditioning) and, when
    some lie there, on the point observations beyond the levers' reach."""
    first, last = doc["nowcast"][0], doc["nowcast"][-1]
    inside1, n1 = _later(last)
    later = (f"**Later observations.** Of the {n1} point observations after {doc['until']}, {inside1} fall inside the "
             f"conditioned 90 % predictive band (before conditioning: {_later_all(first, last)}).") if n1 else (
             "Every observation was used: there is no later observation to check the forecast against.")
    far = unreachable(doc)
    if far:
        above = all(o["observed"] > o["reach"][1] for o in far)
        later += (f"\n\n**Beyond the levers' reach.** {len(far)} of the {sum(1 for o in doc['observations'] if not o['none_by'] and o['kind'] != 'gdp_loss')} "
                  f"point observations ({', '.join(o['name'] for o in far)}) lie more than one stated sd "
                  f"{'above the highest' if above else 'outside the range of the'} median the model reaches anywhere in the "
                  f"levers' prior box (the column *levers' reach*). No setting of these levers within their priors "
                  f"produces them: the gap is in the rest of the model, in the proxy, or in the priors' bounds, and the "
                  f"posterior presses on the bound nearest to them rather than explaining them.")
    return later


def _mode(doc: dict[str, Any]) -> str:
    """What the conditioning ran on: jointly with published targets, or the episode alone (fitted sample or priors)."""
    targets = ", ".join(t["name"] for t in doc["targets"])
    return (f"jointly with the published targets {targets} (their scales free; the priors as written)" if targets else
            "the episode alone, on " + ("the economy's fitted sample (as run draws it)" if doc["calibrated"] else
                                        "the priors as written"))


def _fill(doc: dict[str, Any], tables: _Tables, later: str, f: dict[str, str], md: bool) -> dict[str, Any]:
    """The template's values: Markdown tables (``md``) or HTML ones, with the figures' links ``f`` in the same form."""
    tab = _md_table if md else _html_table
    last = doc["nowcast"][-1]
    targets = ", ".join(t["name"] for t in doc["targets"])
    return {
        "episode": doc["episode"], "until": doc["until"], "description": doc["description"].strip(),
        "scenario": doc["scenario"], "anchor": doc["anchor"], "horizon": doc["horizon_days"], "mode": _mode(doc),
        "paths": f"{doc['paths']:,}", "design": doc["design"]["first_wave"] + doc["design"]["second_wave"],
        "seed": doc["seed"], "version": doc["version"], "date": doc["date"][:10],
        "implications": "\n\n".join(implications(doc)), "later": later, "notes": (doc.get("notes") or "–").strip(),
        "n_used": len(last["used"]),
        "levers_table": tab(["lever", "what it is", "prior", "posterior median [5–95 %]", "R-hat", "ESS", "prior's source"],
                            tables.levers),
        "fig_levers": f["levers"],
        "nowcast_table": tab(["cut-off", "observations used", "loss, % of GDP: median [5–95 %]",
                              f"value added lost ({doc['money_year']} money)", "later observations inside 90 %",
                              "R-hat (max)"], tables.nowcast),
        "fig_nowcast": f["nowcast"],
        "obs_table": tab(["observation", "ended", "unit", "observed", "used?", "before: median [5–95 %]",
                          f"{_label(doc['until'])}: median [5–95 %]", "quantile", "levers' reach"], tables.observations),
        "fig_series": "\n\n".join(v for k, v in f.items() if k.startswith("series_")) or "(no series)",
        "diag_table": tab(["diagnostic", "value"], tables.diagnostics),
        "calibrated_note": ", the economy's fitted sample" if doc["calibrated"] else "",
        "joint_note": (" The published targets add their Gaussian synthetic likelihood on an emulator of their medians, "
                       "as in the calibration.") if targets else "",
        "sources": tab(["observation", "source", "published", "confidence", "proxy / reasoning"], tables.sources),
    }


def _later_all(first: dict[str, Any], last: dict[str, Any]) -> str:
    """How many of the last cut-off's later observations the prior's band held."""
    names = [n for n, o in last["observations"].items() if not o["used"] and "in90" in o]
    inside = sum(first["observations"][n]["in90"] for n in names)
    return f"{inside} of {len(names)}"
