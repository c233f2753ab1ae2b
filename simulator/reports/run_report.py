"""The report of one finished run (``supplyshock run --out DIR``): HTML, Markdown and figures.

Read from the run's results directory alone (``summary.json``,
``paths.parquet``, ``daily_quantiles.nc``, ``scenario.json``,
``manifest.json``), so ``supplyshock report DIR`` can rebuild it at any time
and ``supplyshock run --out DIR --report`` writes it in the same staged
directory as the results. It holds the headline loss with its 5-95 % band,
the sector table, fan charts of daily output by sector and of inventory,
stockpile cover and shortfall by material, the quarterly path of the loss, the
distribution of first-stop days, and every drawn assumption with its prior and
source.

``report.html`` is one self-contained page (figures embedded as base64 PNG);
``report.md`` shows the same content with the figures as ``figures/*.png``
beside it. The page follows the sweep report's style
(:mod:`simulator.reports.sweep_report`) and draws with :mod:`simulator.reports.figures`.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
from simulator.runs.store import RunDir, read_run

__all__ = [
    "REPORT_FILES",
    "ReportFigure",
    "build_figures",
    "render_run_report",
]

REPORT_FILES = ("report.html", "report.md", "figures/")
"""What the report adds to the directory."""

BLUE, GREY, RED, ORANGE = "#1f5fa8", "#8c8c8c", "#b8322a", "#d95f02"

_DAYS_AXIS = "time since the start of the run, days"


def bn(x: float | None) -> str:
    """Money in billions with at least three significant figures (as the command's table prints it)."""
    if x is None or not math.isfinite(x):
        return "–"
    v = x / 1e9
    if v == 0.0 or abs(v) >= 100.0:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def pct(x: float | None) -> str:
    """A share of GDP in %: three decimals, or two significant figures when smaller than 0.01."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:.3f}" if x == 0 or abs(x) >= 0.01 else f"{x:.2g}"


def day(x: float | None) -> str:
    """A day, or ``never`` when that quantile's paths never get there."""
    return "never" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f}"


def _num(x: float | None) -> str:
    if x is None:
        return "–"
    a = abs(x)
    for scale, word in ((1e12, " tn"), (1e9, " bn"), (1e6, " mn")):
        if a >= scale:
            return f"{x / scale:,.4g}{word}"
    return f"{x:,.4g}"


def _band(st: dict[str, Any], f: Any = bn) -> str:
    return f"{f(st.get('median'))} [{f(st.get('p05'))}–{f(st.get('p95'))}]"


def _quantiles(values: pd.Series | np.ndarray) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"median": math.nan, "p05": math.nan, "p95": math.nan}
    return {"median": float(np.median(v)), "p05": float(np.quantile(v, 0.05)), "p95": float(np.quantile(v, 0.95))}


def prior_text(prior: dict[str, Any]) -> str:
    """A prior as text: its distribution and parameters, e.g. ``triangular 20–120, mode 60``."""
    d = prior.get("dist")
    g = {k: prior.get(k) for k in ("low", "high", "mode", "mean", "sd", "median", "sigma", "value")}
    trunc = (f", truncated to [{_num(g['low']) if g['low'] is not None else '-inf'}, "
             f"{_num(g['high']) if g['high'] is not None else 'inf'}]") if (g["low"] is not None or g["high"] is not None) else ""
    if d in ("uniform", "loguniform"):
        return f"{d} {_num(g['low'])}–{_num(g['high'])}"
    if d == "triangular":
        return f"triangular {_num(g['low'])}–{_num(g['high'])}, mode {_num(g['mode'])}"
    if d == "normal":
        return f"normal, mean {_num(g['mean'])}, sd {_num(g['sd'])}{trunc}"
    if d == "lognormal":
        return f"lognormal, median {_num(g['median'])}, sigma {g['sigma']:.3g}{trunc}" if g["sigma"] is not None else f"lognormal{trunc}"
    if d == "fixed":
        return f"fixed at {_num(g['value'])}"
    return f"{d} " + ", ".join(f"{k} {_num(v)}" for k, v in g.items() if v is not None)


def _name(s: str) -> str:
    return s.replace("_", " ")


@dataclass
class ReportFigure:
    """One figure of the report.

    Attributes
    ----------
    name : str
        File stem in ``figures/``.
    heading : str
    caption : str
    fig : matplotlib.figure.Figure
    """

    name: str
    heading: str
    caption: str
    fig: Figure


def _grid(n: int, ncols: int, width: float, row_height: float, legend_rows: float = 0.7) -> tuple[Figure, list[Axes]]:
    from simulator.reports.figures import figure

    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig, axs = figure(width, row_height * nrows + legend_rows, ncols=ncols, nrows=nrows)
    for ax in axs[n:]:
        fig.delaxes(ax)
    return fig, axs[:n]


def _fig_legend(fig: Figure, ax: Axes, ncols: int = 5) -> None:
    """One legend above the panels (they share their marks), where it hides no data."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(ncols, max(len(labels), 1)), fontsize=9,
               frameon=False)


def _fan(ax: Axes, days: np.ndarray, q: np.ndarray, mean: np.ndarray, *, title: str, ylabel: str) -> None:
    from simulator.reports.figures import fan_chart

    fan_chart(ax, days, q, title=title, ylabel=ylabel)
    for artist in ax.get_children():  # the bands are over paths: say so in the legend
        if artist.get_label() in ("5-95 %", "25-75 %"):
            artist.set_label(f"{artist.get_label()} of paths")
    ax.plot(days, mean, color="black", lw=0.9, ls="--", label="mean")
    ax.set_xlabel(_DAYS_AXIS, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)


def _headline_figure(run: RunDir) -> ReportFigure:
    from matplotlib.ticker import MaxNLocator

    from simulator.reports.figures import figure

    s = run.summary
    va = run.paths["value_added_loss"].to_numpy(dtype=float) / 1e9
    gdp_pct = run.paths["gdp_loss_pct"].to_numpy(dtype=float)
    fig, (ax,) = figure(9.0, 4.2)
    ax.hist(va, bins=min(40, max(10, int(np.sqrt(len(va))) * 2)), color=BLUE, alpha=0.75, label="paths")
    st = s["value_added_loss"]
    ax.axvline(st["median"] / 1e9, color=RED, lw=1.8, label=f"median: {run.currency} {bn(st['median'])} bn")
    ax.axvline(st["p05"] / 1e9, color="black", lw=1.2, ls="--", label=f"5 % and 95 %: {bn(st['p05'])} and {bn(st['p95'])} bn")
    ax.axvline(st["p95"] / 1e9, color="black", lw=1.2, ls="--")
    ax.set_xlabel(f"value added lost over the horizon, {run.money}")
    ax.set_ylabel("paths, count")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{s['scenario']}: value added lost over {s['horizon_days']} days, {s['paths']:,} paths", fontsize=10)
    ax.grid(alpha=0.3)
    # the same axis in % of GDP (the loss is value added lost / GDP), when the paths say so
    ok = va != 0
    ratio = gdp_pct[ok] / va[ok] if ok.any() else np.array([100.0 * 1e9 / float(s["gdp_base"])])
    if ratio.size and np.allclose(ratio, ratio[0], rtol=1e-9):
        r = float(ratio[0])
        top = ax.secondary_xaxis("top", functions=(lambda x: np.asarray(x, dtype=float) * r,
                                                   lambda x: np.asarray(x, dtype=float) / r))
        top.set_xlabel("the same loss, % of GDP")
    _fig_legend(fig, ax, ncols=3)
    return ReportFigure("headline", "Distribution of the loss over paths",
                        f"Value added lost over the {s['horizon_days']}-day horizon on each path ({run.money}; top axis: "
                        "the same as % of GDP), with the median and the 5 % and 95 % quantiles over paths.", fig)


def _output_figure(run: RunDir) -> ReportFigure:
    ds = run.daily
    sectors = [str(x) for x in ds["sector"].values]
    days = ds["day"].to_numpy()
    q = 100.0 * ds["output_quantile"].transpose("day", "quantile", "sector").to_numpy()
    mean = 100.0 * ds["output_mean"].transpose("day", "sector").to_numpy()
    fig, axs = _grid(len(sectors), 3, 12.0, 2.9)
    lo = min(0.0, float(np.nanmin(q))) - 3.0
    hi = max(105.0, float(np.nanmax(q)) + 3.0)
    for i, (ax, sec) in enumerate(zip(axs, sectors, strict=True)):
        _fan(ax, days, q[:, :, i], mean[:, i], title=_name(sec), ylabel="output, % of plan")
        ax.set_ylim(lo, hi)
    _fig_legend(fig, axs[0])
    return ReportFigure("output_by_sector", "Daily output by sector",
                        "Each sector's daily output as a share of its planned (baseline) output, over paths: median, 25-75 % "
                        "and 5-95 % bands, and the mean; quantiles come from fixed-bin histograms (exact to 1/1000 of the "
                        "range). Above 100 % is catch-up (overtime making up earlier losses)." + _day0(run), fig)


def _day0(run: RunDir) -> str:
    start = run.scenario.get("run", {}).get("start_date")
    return f" Day 0 is {start}." if start else " Day 0 is the first simulated day."


def _materials_figure(run: RunDir) -> ReportFigure:
    ds = run.daily
    mats = [str(x) for x in ds["material"].values]
    days = ds["day"].to_numpy()
    fams = [("inventory_days", "firms' inventory cover", "cover, days of demand", 1.0),
            ("stockpile_days", "national stockpile", "cover, days of demand", 1.0),
            ("shortfall_share", "shortfall", "unmet, % of daily demand", 100.0)]
    fig, axs = _grid(3 * len(mats), 3, 12.0, 2.9)
    for m, mat in enumerate(mats):
        for f, (fam, what, ylabel, scale) in enumerate(fams):
            ax = axs[3 * m + f]
            q = scale * ds[f"{fam}_quantile"].sel(material=mat).transpose("day", "quantile").to_numpy()
            mean = scale * ds[f"{fam}_mean"].sel(material=mat).to_numpy()
            none = fam == "stockpile_days" and not np.any(mean)
            if none:  # cover is >= 0 and its exact mean is 0: every path holds none (not the half-bin a histogram says)
                q = np.zeros_like(q)
            title = f"{_name(mat)}: {what}" + (" (none held)" if none else "")
            _fan(ax, days, q, mean, title=title, ylabel=ylabel)
            if none:
                ax.set_ylim(-1.0, 10.0)
    _fig_legend(fig, axs[0])
    return ReportFigure("materials", "Inventory, stockpile cover and shortfall by material",
                        "Per material and day, over paths (median, 25-75 % and 5-95 % bands, mean): firms' inventory cover "
                        "and the national stockpile, both in days of the material's baseline demand, and the shortfall "
                        "(requirement not met) as % of baseline daily demand." + _day0(run), fig)


def _quarters_figure(run: RunDir) -> ReportFigure:
    from simulator.reports.figures import figure

    s = run.summary
    quarters = [str(q["quarter"]) for q in s["quarters"]]
    net = [_quantiles(run.paths[f"value_added_loss.{q}"]) if f"value_added_loss.{q}" in run.paths else
           {k: s["quarters"][i]["value_added_loss"][k] for k in ("median", "p05", "p95")} for i, q in enumerate(quarters)]
    gross = [_quantiles(run.paths[f"value_added_loss_gross.{q}"]) if f"value_added_loss_gross.{q}" in run.paths else
             {k: s["quarters"][i]["value_added_loss_gross"][k] for k in ("median", "p05", "p95")}
             for i, q in enumerate(quarters)]
    fig, (ax,) = figure(max(7.0, 1.3 * len(quarters) + 3.0), 4.6)
    x = np.arange(len(quarters))
    w = 0.38
    for off, st, color, label in ((-w / 2, gross, GREY, "gross (before catch-up), median"),
                                  (w / 2, net, BLUE, "net of catch-up, median")):
        med = np.array([v["median"] for v in st]) / 1e9
        lo = np.array([v["p05"] for v in st]) / 1e9
        hi = np.array([v["p95"] for v in st]) / 1e9
        ax.bar(x + off, med, width=w, color=color, alpha=0.85, label=label)
        ax.errorbar(x + off, med, yerr=[np.maximum(med - lo, 0), np.maximum(hi - med, 0)], fmt="none", ecolor="black",
                    elinewidth=1.0, capsize=3, label="5-95 % of paths" if color == BLUE else "_nolegend_")
    ax.axhline(0.0, color="black", lw=0.8, label="zero (a net bar below it: catch-up)")
    ax.set_xticks(x, [f"{q}\n({s['quarters'][i]['days']} days)" for i, q in enumerate(quarters)], fontsize=9)
    ax.set_xlabel("calendar quarter, with the days of it in the run")
    ax.set_ylabel(f"value added lost, {run.money}")
    ax.set_title(f"Value added lost by quarter ({run.money})", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    _fig_legend(fig, ax, ncols=2)
    return ReportFigure("quarters", "The loss by quarter",
                        "Value added lost in each quarter over paths: gross (output below plan, before catch-up) and net "
                        "of catch-up, medians with 5-95 % whiskers. A negative net quarter is catch-up: output above plan "
                        "making up losses of earlier quarters. Quarterly medians do not add up to the horizon's median.",
                        fig)


def _first_stop_figure(run: RunDir) -> ReportFigure | None:
    from matplotlib.ticker import MaxNLocator

    n = len(run.paths)
    stops: list[tuple[str, np.ndarray]] = []
    for sec in run.summary["sectors"]:
        col = f"first_stoppage_day.{sec}"
        if col in run.paths:
            v = run.paths[col].to_numpy(dtype=float)
            if np.isfinite(v).any():
                stops.append((sec, v))
    if not stops:
        return None
    fig, axs = _grid(len(stops), 3, 12.0, 2.9)
    horizon = int(run.summary["horizon_days"])
    for ax, (sec, v) in zip(axs, stops, strict=True):
        d = v[np.isfinite(v)]
        lo, hi = math.floor(d.min()), math.ceil(d.max())
        width = max(1, math.ceil((hi - lo + 1) / 25))
        bins = [b - 0.5 for b in range(lo, hi + width + 1, width)]
        ax.hist(d, bins=bins, color=BLUE, alpha=0.8, label="paths that stop, by first-stop day")
        ax.axvline(float(np.median(d)), color=RED, lw=1.5, ls="--", label="median of the paths that stop")
        never = n - d.size
        ax.set_title(f"{_name(sec)}\n{d.size:,} of {n:,} paths stop, {never:,} never", fontsize=9)
        ax.set_xlabel(f"first-stop day, days since the start (of {horizon})", fontsize=9)
        ax.set_ylabel("paths, count", fontsize=9)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, axis="y")
    _fig_legend(fig, axs[0])
    return ReportFigure("first_stop_days", "When sectors first stop",
                        "For each sector that stops on some path, how many paths first stop on each day (the first day its "
                        "output is more than 1 % below plan, when its first firms stop); paths that never stop within the "
                        "horizon are counted in each panel's title." + _day0(run), fig)


def build_figures(run: RunDir) -> list[ReportFigure]:
    """Every figure of the report, in the report's order.

    Parameters
    ----------
    run : RunDir
        From :func:`read_run`.

    Returns
    -------
    list of ReportFigure
        The headline distribution, daily output by sector, materials, the
        quarterly path, and (when some sector stops on some path) the
        first-stop days.
    """
    figs = [_headline_figure(run), _output_figure(run), _materials_figure(run), _quarters_figure(run)]
    stop = _first_stop_figure(run)
    if stop is not None:
        figs.append(stop)
    return figs


def _calibration_text(run: RunDir) -> str:
    cal = run.summary.get("calibration")
    if not cal:
        return ("uncalibrated: every drawn field from its prior as written (no fitted sample, or the run was made "
                "with --uncalibrated)")
    on = f"targets {cal.get('targets') or 'none'}"
    if cal.get("episodes"):
        on += f" and episodes {cal['episodes']}"
    return (f"calibrated on {on}: {cal.get('fitted', '?')} drawn jointly from {int(cal.get('draws', 0)):,} fitted rows "
            f"(fitted {str(cal.get('date', '?'))[:10]}; supplyshock run --uncalibrated for the priors as written)")


def _headline_rows(run: RunDir) -> list[list[str]]:
    s = run.summary
    rows = [["GDP loss, % of GDP", *(pct(s["gdp_loss_pct"][k]) for k in ("median", "p05", "p95", "mean"))]]
    for key, label in (("value_added_loss", "value added lost"),
                       ("value_added_loss_gross", "value added lost before catch-up (gross)"),
                       ("premium_cost", "extra procurement cost (not in the GDP loss)")):
        rows.append([f"{label}, {run.money}", *(bn(s[key][k]) for k in ("median", "p05", "p95", "mean"))])
    return rows


def _sector_rows(run: RunDir) -> list[list[str]]:
    rows = []
    # largest loss first, by the median the table shows (then the mean)
    secs = sorted(run.summary["sectors"].items(),
                  key=lambda kv: (-kv[1]["output_loss"]["median"], -kv[1]["output_loss"]["mean"]))
    for name, sec in secs:
        plan = sec.get("output_loss_pct_of_plan")
        rows.append([_name(name), _band(sec["output_loss"]),
                     _band(plan, lambda x: "–" if x is None else f"{x:.2g}") if plan else "–",
                     _band(sec["first_stoppage_day"], day), f"{sec.get('stop_probability', 0.0):.0%}"])
    return rows


def _material_rows(run: RunDir) -> list[list[str]]:
    return [[_name(m), _band(v["peak_shortfall_share"], lambda x: "–" if x is None else f"{100 * x:.3g}"),
             _band(v["shortfall_days"], lambda x: "–" if x is None else f"{x:.0f}")]
            for m, v in run.summary["materials"].items()]


def _quarter_rows(run: RunDir) -> list[list[str]]:
    return [[str(q["quarter"]), str(q["days"]), _band(q["value_added_loss_gross"]), _band(q["value_added_loss"]),
             _band(q["gdp_loss_pct_of_quarter"], pct)] for q in run.summary["quarters"]]


def _drawn(run: RunDir, field: str) -> str:
    col = f"param.{field}"
    if col not in run.paths:
        return "–"
    return _band(_quantiles(run.paths[col]), _num)


def _assumption_rows(run: RunDir) -> list[list[str]]:
    unc = run.scenario.get("uncertainty") or {}
    return [[field, run.units.get(f"param.{field}", ""), prior_text(p), _drawn(run, field), str(p.get("source") or "–")]
            for field, p in unc.items()]


def _fitted(run: RunDir) -> tuple[list[list[str]], list[list[str]]]:
    post = (run.scenario.get("calibration") or {}).get("posterior")
    cal = run.summary.get("calibration")
    if not post or not cal:
        return [], []
    free = str(post.get("provenance", {}).get("free", ""))
    priors = {m.group(2).strip(): m.group(3).strip() for m in re.finditer(r"(\w+) \(([^,()]+), ([^()]+)\)", free)}
    unc = run.scenario.get("uncertainty") or {}
    draws = np.asarray(post.get("draws") or [], dtype=float)
    rows = []
    for j, col in enumerate(post.get("columns", [])):
        prior = priors.get(col) or (prior_text(unc[col]) if col in unc else "–")
        sample = _band(_quantiles(draws[:, j]), _num) if draws.size else "–"
        rows.append([col, run.units.get(f"param.{col}", ""), prior, sample, _drawn(run, col)])
    prov = [[str(k), str(v)] for k, v in {"rows": f"{len(draws):,}", **post.get("provenance", {})}.items()]
    return rows, prov


def _measures(run: RunDir) -> str:
    out = []
    for mid, m in (run.scenario.get("policy") or {}).items():
        if isinstance(m, dict) and "start_day" in m:
            end = m.get("end_day")
            out.append(f"{mid} (days {m['start_day']}–{end if end is not None else 'the end'}"
                       + (f": {m['description']}" if m.get("description") else "") + ")")
    return "; ".join(out) or "none"

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; vertical-align: top; } th { background: #f2f4f7; }
td.l, th.l { text-align: left; } td.src { text-align: left; max-width: 34em; overflow-wrap: anywhere; }
td.f { text-align: left; max-width: 24em; } td.n { white-space: nowrap; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.note { font-size: 0.9em; color: #444; } footer { margin-top: 3em; font-size: 0.85em; color: #555; border-top: 1px solid #ccc; }
code { background: #f4f4f4; padding: 0 3px; } .headline { font-size: 1.1em; }
"""

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>{{ style }}</style></head><body>
<h1>{{ title }}</h1>
<p class="note">{{ description }}</p>
<p class="headline"><b>GDP loss {{ g_med }} % of GDP</b> (5-95 %: {{ g_lo }}–{{ g_hi }} %);
<b>value added lost {{ cur }} {{ v_med }} bn</b> (5-95 %: {{ v_lo }}–{{ v_hi }}; {{ money }}), median over paths.</p>
<p>{{ run_line }}</p>
<p><b>Calibration:</b> {{ calibration }}</p>
<p class="note">Measures: {{ measures }}.</p>

{% macro table(head, rows, left=(0,), cls={}) -%}
<table><tr>{% for h in head %}<th class="{{ 'l' if loop.index0 in left else '' }}">{{ h }}</th>{% endfor %}</tr>
{% for r in rows %}<tr>{% for c in r %}{% set k = cls.get(loop.index0, 'l' if loop.index0 in left else '') %}<td class="{{ k }}">{{ c|dots if k == 'f' else c }}</td>{% endfor %}</tr>
{% endfor %}</table>
{%- endmacro %}

<h2>1. Headline</h2>
{{ table(headline_head, headline_rows) }}
<p class="note">{{ headline_note }}</p>
{{ fig(figures[0]) }}

<h2>2. By sector</h2>
{{ table(sector_head, sector_rows) }}
<p class="note">{{ sector_note }}</p>
{{ fig(figures[1]) }}

<h2>3. Materials</h2>
{{ table(material_head, material_rows) }}
{{ fig(figures[2]) }}

<h2>4. By quarter</h2>
{{ table(quarter_head, quarter_rows) }}
<p class="note">{{ quarter_note }}</p>
{{ fig(figures[3]) }}

<h2>5. First-stop days</h2>
<p>{{ stop_note }}</p>
{% if figures|length > 4 %}{{ fig(figures[4]) }}{% endif %}

<h2>6. Assumptions</h2>
<p>{{ assumptions_note }}</p>
{% if fitted_rows %}<h3>Fitted (calibrated) fields</h3>
{{ table(fitted_head, fitted_rows, left=(0, 1, 2), cls={0: 'f', 3: 'n', 4: 'n'}) }}
{{ table(["provenance", "value"], provenance_rows, left=(0, 1), cls={1: 'src'}) }}{% endif %}
<h3>Drawn fields and their priors</h3>
{{ table(assumption_head, assumption_rows, left=(0, 1, 2, 4), cls={0: 'f', 3: 'n', 4: 'src'}) }}

<footer>supplyshock {{ version }} (run written by {{ run_version }}) · scenario {{ scenario }} (sha256 {{ sha[:16] }}…) ·
seed {{ seed }} · block size {{ block_size }}<br>
Rebuild: <code>{{ command }}</code> then <code>supplyshock report {{ directory }}</code></footer>
</body></html>
"""

_MD = """# {{ title }}

{{ description }}

**GDP loss {{ g_med }} % of GDP** (5-95 %: {{ g_lo }}–{{ g_hi }} %); **value added lost {{ cur }} {{ v_med }} bn** (5-95 %: {{ v_lo }}–{{ v_hi }}; {{ money }}), median over paths.

{{ run_line }}

**Calibration:** {{ calibration }}

Measures: {{ measures }}.

## 1. Headline

{{ table(headline_head, headline_rows) }}

{{ headline_note }}

{{ fig(figures[0]) }}

## 2. By sector

{{ table(sector_head, sector_rows) }}

{{ sector_note }}

{{ fig(figures[1]) }}

## 3. Materials

{{ table(material_head, material_rows) }}

{{ fig(figures[2]) }}

## 4. By quarter

{{ table(quarter_head, quarter_rows) }}

{{ quarter_note }}

{{ fig(figures[3]) }}

## 5. First-stop days

{{ stop_note }}
{% if figures|length > 4 %}
{{ fig(figures[4]) }}
{% endif %}
## 6. Assumptions

{{ assumptions_note }}
{% if fitted_rows %}
### Fitted (calibrated) fields

{{ table(fitted_head, fitted_rows) }}

{{ table(["provenance", "value"], provenance_rows) }}
{% endif %}
### Drawn fields and their priors

{{ table(assumption_head, assumption_rows) }}

---

supplyshock {{ version }} (run written by {{ run_version }}) · scenario {{ scenario }} (sha256 {{ sha[:16] }}…) · seed {{ seed }} · block size {{ block_size }}. Rebuild: `{{ command }}` then `supplyshock report {{ directory }}`
"""


def _md_cell(c: str) -> str:
    return " ".join(str(c).split()).replace("|", "\\|")


def _md_table(head: list[str], rows: list[list[str]], **_: Any) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _context(run: RunDir, figs: list[ReportFigure], shown: str) -> dict[str, Any]:
    from simulator import __version__

    s, m = run.summary, run.manifest
    g, v = s["gdp_loss_pct"], s["value_added_loss"]
    err = s.get("gdp_loss_median_rel_error")
    start = (run.scenario.get("run") or {}).get("start_date")
    run_line = (f"{s['paths']:,} Monte Carlo paths, seed {s['seed']}, {s['engine']} engine, horizon {s['horizon_days']} "
                f"days" + (f" from {start}" if start else "") + f", {s['multiplier']} input-output multipliers, GDP base "
                f"{run.currency} {float(s['gdp_base']) / 1e12:,.1f} tn ({run.money_year})."
                + (f" Monte Carlo error of the median GDP loss: ±{err:.1%} (one standard error, relative)." if err is not None
                   else ""))
    stopping = [n for n, sec in s["sectors"].items() if sec.get("stop_probability", 0.0) > 0]
    never = [n for n in s["sectors"] if n not in stopping]
    stop_note = (f"{len(stopping)} of {len(s['sectors'])} sectors stop on at least one path"
                 + (f"; {', '.join(_name(n) for n in never)} never stop on any path" if never else "") + "."
                 if stopping else "No sector stops on any path (output never falls more than 1 % below plan).")
    fitted_rows, provenance_rows = _fitted(run)
    n_unc = len(run.scenario.get("uncertainty") or {})
    return {
        "title": f"Run of {s['scenario']}: what the curb costs",
        "description": str(run.scenario.get("description") or "").strip(),
        "cur": run.currency, "money": run.money,
        "g_med": pct(g["median"]), "g_lo": pct(g["p05"]), "g_hi": pct(g["p95"]),
        "v_med": bn(v["median"]), "v_lo": bn(v["p05"]), "v_hi": bn(v["p95"]),
        "run_line": run_line, "calibration": _calibration_text(run), "measures": _measures(run),
        "headline_head": ["", "median", "5 %", "95 %", "mean"], "headline_rows": _headline_rows(run),
        "headline_note": ("Over the whole horizon, over paths. The GDP loss is value added lost (net of catch-up, "
                          f"{s['multiplier']} multipliers) as % of GDP; gross is before catch-up. Extra procurement cost "
                          "is what buying from dearer suppliers costs, not part of the GDP loss."),
        "sector_head": ["sector", f"output lost, {run.money}: median [5-95 %]",
                        "output lost, % of plan over the horizon: median [5-95 %]",
                        "first-stop day: median [5-95 %]", "paths that stop"],
        "sector_rows": _sector_rows(run),
        "sector_note": ("First-stop day: the first day a sector's output is more than 1 % below plan (its first firms "
                        "stop), in days since the start; 'never' where that quantile's paths never stop within the horizon."),
        "material_head": ["material", "peak shortfall, % of the day's requirement: median [5-95 %]",
                          "days with a shortfall: median [5-95 %]"],
        "material_rows": _material_rows(run),
        "quarter_head": ["quarter", "days", f"gross (before catch-up), {run.money}: median [5-95 %]",
                         f"net of catch-up, {run.money}: median [5-95 %]", "net, % of the quarter's GDP: median [5-95 %]"],
        "quarter_rows": _quarter_rows(run),
        "quarter_note": ("Gross is output below plan before catch-up; net subtracts the catch-up (overtime making up "
                         "earlier losses), so a negative net quarter is catch-up."),
        "stop_note": stop_note,
        "assumptions_note": (f"{n_unc} fields are drawn on every path from the priors below (scenario.json, "
                             "'uncertainty'); the column 'drawn' is what this run's paths took (paths.parquet, "
                             "param.*). Every other field is as the scenario writes it (scenario.json)."
                             + (" The fitted fields take one row of the calibration's joint sample per path, in place "
                                "of any prior." if fitted_rows else "")),
        "fitted_head": ["field", "unit", "prior of the fit", "fitted sample: median [5-95 %]",
                        "drawn in this run: median [5-95 %]"],
        "fitted_rows": fitted_rows, "provenance_rows": provenance_rows,
        "assumption_head": ["field", "unit", "prior", "drawn: median [5-95 %]", "source"],
        "assumption_rows": _assumption_rows(run),
        "figures": figs, "version": __version__, "run_version": m.get("supplyshock", "?"), "scenario": s["scenario"],
        "sha": str(m.get("scenario_sha256", "")), "seed": s["seed"], "block_size": m.get("block_size", "?"),
        "command": m.get("command", ""), "directory": shown,
    }


def render_run_report(directory: str | Path, *, shown: str | Path | None = None) -> Path:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` for the run in ``directory``; return the HTML's path.

    Everything is read and drawn before anything is written, so bad input
    leaves the directory as it was.

    Parameters
    ----------
    directory : path
        A finished run's results directory (``supplyshock run --out``).
    shown : path, optional
        The directory's name as the report shows it (for a report written in
        a staged directory before it is renamed into place) [default:
        ``directory``].

    Returns
    -------
    Path
        ``directory/report.html``.

    Raises
    ------
    InputError
        ``directory`` is not a finished run's results directory (see :func:`read_run`).
    """
    import jinja2

    from simulator.reports.figures import to_png_base64

    d = Path(directory)
    run = read_run(d)
    figs = build_figures(run)
    pngs = {f.name: to_png_base64(f.fig) for f in figs}
    ctx = _context(run, figs, str(shown if shown is not None else d))

    markup, escape = jinja2.utils.markupsafe.Markup, jinja2.utils.markupsafe.escape
    html_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html_env.filters["dots"] = lambda text: markup(str(escape(text)).replace(".", ".<wbr>"))  # dotted paths break at dots
    html_env.globals["fig"] = lambda f: markup(
        '<figure><img alt="{h}" src="data:image/png;base64,{png}"><figcaption>{c}</figcaption></figure>').format(
        h=f.heading, png=pngs[f.name], c=f.caption)
    html = html_env.from_string(_HTML).render(style=markup(_STYLE), **ctx)

    md_env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    md_env.globals["table"] = _md_table
    md_env.globals["fig"] = lambda f: f"![{f.heading}](figures/{f.name}.png)\n\n*{f.caption}*"
    md = md_env.from_string(_MD).render(**ctx)

    (d / "figures").mkdir(exist_ok=True)
    for name, data in pngs.items():
        (d / "figures" / f"{name}.png").write_bytes(base64.b64decode(data))
    for name, text in (("report.md", md), ("report.html", html)):
        tmp = d / f".tmp-{name}"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(d / name)
    return d / "report.html"
