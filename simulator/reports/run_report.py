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
import re
from pathlib import Path
from typing import Any

import numpy as np

from simulator.reports.formats import band, bn, day, number, pct, prior_text, quantiles
from simulator.reports.run_figures import ReportFigure, build_figures, label
from simulator.runs.store import RunDir, read_run, write_file

__all__ = [
    "REPORT_FILES",
    "ReportFigure",
    "build_figures",
    "render_run_report",
]

REPORT_FILES = ("report.html", "report.md", "figures/")
"""What the report adds to the directory."""


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
    for key, what in (("value_added_loss", "value added lost"),
                       ("value_added_loss_gross", "value added lost before catch-up (gross)"),
                       ("premium_cost", "extra procurement cost (not in the GDP loss)")):
        rows.append([f"{what}, {run.money}", *(bn(s[key][k]) for k in ("median", "p05", "p95", "mean"))])
    return rows


def _sector_rows(run: RunDir) -> list[list[str]]:
    rows = []
    # largest loss first, by the median the table shows (then the mean)
    secs = sorted(run.summary["sectors"].items(),
                  key=lambda kv: (-kv[1]["output_loss"]["median"], -kv[1]["output_loss"]["mean"]))
    for name, sec in secs:
        plan = sec.get("output_loss_pct_of_plan")
        rows.append([label(name), band(sec["output_loss"]),
                     band(plan, lambda x: "–" if x is None else f"{x:.2g}") if plan else "–",
                     band(sec["first_stoppage_day"], day), f"{sec.get('stop_probability', 0.0):.0%}"])
    return rows


def _material_rows(run: RunDir) -> list[list[str]]:
    return [[label(m), band(v["peak_shortfall_share"], lambda x: "–" if x is None else f"{100 * x:.3g}"),
             band(v["shortfall_days"], lambda x: "–" if x is None else f"{x:.0f}")]
            for m, v in run.summary["materials"].items()]


def _quarter_rows(run: RunDir) -> list[list[str]]:
    return [[str(q["quarter"]), str(q["days"]), band(q["value_added_loss_gross"]), band(q["value_added_loss"]),
             band(q["gdp_loss_pct_of_quarter"], pct)] for q in run.summary["quarters"]]


def _drawn(run: RunDir, field: str) -> str:
    col = f"param.{field}"
    if col not in run.paths:
        return "–"
    return band(quantiles(run.paths[col]), number)


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
        sample = band(quantiles(draws[:, j]), number) if draws.size else "–"
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
                 + (f"; {', '.join(label(n) for n in never)} never stop on any path" if never else "") + "."
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
        write_file(d / "figures" / f"{name}.png", base64.b64decode(data))
    for name, text in (("report.md", md), ("report.html", html)):
        write_file(d / name, text)
    return d / "report.html"
