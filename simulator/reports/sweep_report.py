"""The report of a finished sweep: one self-contained HTML page (figures embedded as PNG).

Read from a sweep directory (:mod:`simulator.runs.sweep`): the summary table, the
loss against a measure's duration when the grid varies a measure's
``end_day``, fan charts of the hardest-hit sector's output, a heat map over
two grid dimensions, and, when the grid varies a material's stockpile days,
the value of the stockpile: the expected loss avoided per extra day of stock
beside what holding that day costs a year (price x a day's demand x a
carrying rate, :data:`CARRYING_RATE`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import xarray as xr

from simulator.errors import PARAMETER, InputError
from simulator.model.fields import calibration_status, money_unit
from simulator.reports import figures
from simulator.reports.figures import to_png_base64
from simulator.reports.formats import bn, day
from simulator.runs.store import write_file

__all__ = ["CARRYING_RATE", "render_report"]

CARRYING_RATE: dict[str, Any] = {
    "value": 0.10,
    "low": 0.02,
    "high": 0.25,
    "unit": "share of the stock's value per year",
    "source": ("judgement: the low end is a public holder's financing cost (10-year JGB yields of about 1-2 % in "
               "2025) plus storage; the high end the 20-30 %/yr rule of thumb for commercial inventory carrying "
               "costs (capital, storage, insurance, obsolescence; e.g. investorwords.com, 'inventory carrying cost'); "
               "central 10 %. A parameter: pass --carrying-rate to use another."),
}
"""Annual cost of holding stock, as a share of its value: central value, range and source."""

_END = re.compile(r"^policy\.([^.]+)\.end_day$")
_STOCK = re.compile(r"^materials\.([^.]+)\.stockpile\.days$")

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; } th { background: #f2f4f7; }
td.l, th.l { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.note { font-size: 0.9em; color: #444; } footer { margin-top: 3em; font-size: 0.85em; color: #555; border-top: 1px solid #ccc; }
code { background: #f4f4f4; padding: 0 3px; }
</style></head><body>
<h1>{{ title }}</h1>
<p class="note">{{ description }}</p>
<p>{{ n_variants }} variant(s) of <b>{{ scenario }}</b>, {{ "{:,}".format(paths) }} Monte Carlo paths each, seed {{ seed }};
every variant uses the same random numbers, so differences between variants are the effect of the grid values, not noise.
Grid: {% for a in grid %}<code>{{ a[0] }}</code> = {{ a[1]|join(", ") }}{% if not loop.last %}; {% endif %}{% endfor %}{% if not grid %}none (the scenario alone){% endif %}.
Losses are value added lost ({{ multiplier }} input-output multipliers) over a {{ horizon }}-day horizon, in {{ cur }}; bands are 5-95 % over paths; {{ calibration }}.</p>

<h2>Summary</h2>
<table><tr><th>#</th>{% for a in grid %}<th>{{ a[0] }}</th>{% endfor %}
<th>share of GDP lost, %<br>mean [5-95 %]</th><th>value added lost, {{ cur }}<br>mean [5-95 %]</th>
<th>extra procurement cost, {{ cur }}<br>mean</th><th>earliest median<br>stoppage day</th></tr>
{% for r in rows %}<tr><td>{{ r.variant }}</td>{% for a in grid %}<td>{{ r[a[0]] }}</td>{% endfor %}
<td>{{ "%.3f"|format(r.gdp_loss_pct_mean) }} [{{ "%.3f"|format(r.gdp_loss_pct_p05) }}-{{ "%.3f"|format(r.gdp_loss_pct_p95) }}]</td>
<td>{{ bn(r.value_added_loss_mean) }} [{{ bn(r.value_added_loss_p05) }}-{{ bn(r.value_added_loss_p95) }}]</td>
<td>{{ bn(r.premium_cost_mean) }}</td><td>{{ day(r.earliest_median_stoppage_day) }}</td></tr>
{% endfor %}</table>

{% for f in figures %}
<h2>{{ f.heading }}</h2>
<figure><img alt="{{ f.heading }}" src="data:image/png;base64,{{ f.png }}"><figcaption>{{ f.caption }}</figcaption></figure>
{% if f.table %}{{ f.table }}{% endif %}
{% endfor %}

<footer>supplyshock {{ version }} · scenario {{ scenario }} (sha256 {{ sha[:16] }}…) · seed {{ seed }} · block size {{ block_size }}<br>
Rebuild: <code>{{ command }}</code> then <code>supplyshock report {{ directory }}</code></footer>
</body></html>
"""


def _chance(p: float) -> str:
    if not np.isfinite(p):
        return "never pays"
    if p >= 1:
        return "pays only with more than one such curb a year"
    return f"{100 * p:.2g} % a year (once in {1 / p:,.0f} years)"


def _read(d: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    f = d / "sweep.json"
    if not f.is_file():
        raise InputError(PARAMETER, "directory", "must be a sweep directory (written by supplyshock sweep --out); no sweep.json", str(d))
    if not (d / "summary.json").is_file():
        raise InputError(str(f), "(sweep)", "must be finished before its report: run the same supplyshock sweep with --resume",
                         str(d))
    return json.loads(f.read_text()), json.loads((d / "summary.json").read_text()), json.loads((d / "scenario.json").read_text())


def _fixed_rows(head: pd.DataFrame, keep: list[str], grid: list[list[Any]]) -> pd.DataFrame:
    """Rows where every grid path not in ``keep`` is at its first value."""
    sel = head
    for path, values in grid:
        if path not in keep:
            sel = sel[sel[path] == values[0]]
    return sel


@dataclass(frozen=True)
class _Sweep:
    """A finished sweep as its report reads it.

    Attributes
    ----------
    directory : Path
        The sweep's directory.
    manifest, summary, base : dict
        Its ``sweep.json``, ``summary.json`` and ``scenario.json`` (the base scenario, resolved).
    grid : list of [str, list]
        The grid: per dimension its dotted path and values, in the manifest's order.
    sums : list of dict
        Per variant (in variant order), its summary as ``supplyshock run --format json`` prints it.
    head : pandas.DataFrame
        One row per variant (:func:`simulator.runs.sweep.headline`): grid values and headline metrics.
    code : str
        The losses' currency code (e.g. ``"JPY"``).
    cur : str
        The losses' money unit, e.g. ``"JPY bn, 2025 money"``.
    gdp : float
        The first variant's base GDP, in ``code`` (not bn).
    """

    directory: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    base: dict[str, Any]
    grid: list[list[Any]]
    sums: list[dict[str, Any]]
    head: pd.DataFrame
    code: str
    cur: str
    gdp: float


def _carrying_rate(carrying_rate: float | None) -> float:
    """The carrying rate to use: ``carrying_rate``, or :data:`CARRYING_RATE` ``["value"]`` when None.

    Parameters
    ----------
    carrying_rate : float or None
        Annual holding cost, as a share of the stock's value per year.

    Returns
    -------
    float
        The rate, a share per year in [0, 5].

    Raises
    ------
    InputError
        A rate outside [0, 5].
    """
    rate: float = CARRYING_RATE["value"] if carrying_rate is None else carrying_rate
    if not 0 <= rate <= 5:
        raise InputError(PARAMETER, "carrying_rate", "must be between 0 and 5 (a share of the stock's value per year)", rate)
    return rate


def _sweep(d: Path, manifest: dict[str, Any], summary: dict[str, Any], base: dict[str, Any]) -> _Sweep:
    """The sweep's grid, per-variant summaries and headline table, and the money they are in.

    Parameters
    ----------
    d : Path
        The sweep's directory.
    manifest, summary, base : dict
        Its ``sweep.json``, ``summary.json`` and ``scenario.json`` (:func:`_read`).

    Returns
    -------
    _Sweep
    """
    grid: list[list[Any]] = manifest["grid"]
    from simulator.runs.grid import GridAxis
    from simulator.runs.sweep import headline

    axes = [GridAxis(p, tuple(v)) for p, v in grid]
    sums = [v["summary"] for v in summary["variants"]]
    head = headline(sums, axes)
    code = sums[0]["currency"]
    cur = money_unit(code, sums[0]["value_added_loss"].get("price_year"))  # "JPY bn, 2025 money"
    gdp = float(sums[0]["gdp_base"])
    return _Sweep(d, manifest, summary, base, grid, sums, head, code, cur, gdp)


def _curves(sw: _Sweep, path: str) -> tuple[str | None, list[tuple[Any, pd.DataFrame]]]:
    """The headline rows of one curve per value of a second grid dimension, against grid path ``path``.

    Parameters
    ----------
    sw : _Sweep
        The sweep.
    path : str
        The grid path on the curves' x axis.

    Returns
    -------
    by : str or None
        The first other grid path with more than one value (one curve per value), or None (one curve).
    groups : list of (value, DataFrame)
        Per curve, the value of ``by`` (None without ``by``) and its rows of
        ``sw.head``, every other grid path at its first value; in the rows' order.
    """
    others = [p for p, vals in sw.grid if p != path and len(vals) > 1]
    by = others[0] if others else None
    rows = _fixed_rows(sw.head, [path] + ([by] if by else []), sw.grid)
    return by, [(None, rows)] if by is None else list(rows.groupby(by, sort=False))


def _duration_figures(sw: _Sweep) -> list[dict[str, Any]]:
    """A figure of the loss against a measure's duration, per grid path that is a measure's ``end_day``.

    Parameters
    ----------
    sw : _Sweep
        The sweep.

    Returns
    -------
    list of dict
        Figures (``heading``, ``png`` base64, ``caption``, ``table`` empty), in grid order.
    """
    figs: list[dict[str, Any]] = []
    for path, _values in sw.grid:
        m = _END.match(path)
        if not m:
            continue
        measure = m.group(1)
        by, groups = _curves(sw, path)
        fig, (ax,) = figures.figure(8.5, 4.6)
        start_grid = f"policy.{measure}.start_day"
        for key, g in groups:
            g = g.sort_values(path)
            start = g[start_grid] if start_grid in g else sw.base["policy"][measure]["start_day"]
            x = (g[path] - start).to_numpy()
            figures.duration_curve(ax, x, g["gdp_loss_pct_mean"].to_numpy(), g["gdp_loss_pct_p05"].to_numpy(),
                                   g["gdp_loss_pct_p95"].to_numpy(),
                                   label="mean" if by is None else f"{by.split('.')[-2]}.{by.split('.')[-1]} = {key} (mean)")
        ax.set_xlabel(f"duration of {measure}, days (end_day - start_day)")
        ax.set_ylabel("value added lost, % of GDP")
        ax.set_title(f"Loss against the duration of {measure}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncols=2)
        figs.append({"heading": f"Loss against the duration of {measure}", "png": to_png_base64(fig),
                     "caption": f"Mean share of GDP lost (points) with its 5-95 % band over paths (shaded, dotted edges), for each duration of {measure}"
                                + (f", one curve per value of {by}" if by else "") + ". "
                                "A curve steeper than a straight line means each extra month costs more than the last.",
                     "table": ""})
    return figs


def _fan_figure(sw: _Sweep) -> dict[str, Any]:
    """Fan charts of the hardest-hit sector's daily output, for the variants of smallest, middle and largest mean loss.

    Parameters
    ----------
    sw : _Sweep
        The sweep; reads its ``daily_quantiles.nc`` (``output_quantile``: grid paths x day x quantile x sector,
        a share of baseline daily output).

    Returns
    -------
    dict
        The figure (``heading``, ``png`` base64, ``caption``, ``table`` empty).
    """
    ds = xr.load_dataset(sw.directory / "daily_quantiles.nc")
    sums, grid = sw.sums, sw.grid
    va_by_sector = {s: float(np.mean([v["sectors"][s]["value_added_loss"]["mean"] for v in sums])) for s in sums[0]["sectors"]}
    sector = max(va_by_sector, key=lambda s: va_by_sector[s])
    order = np.argsort(sw.head["gdp_loss_pct_mean"].to_numpy())
    picks = sorted({int(order[0]), int(order[len(order) // 2]), int(order[-1])})
    fig, axs = figures.figure(4.2 * len(picks), 3.8, ncols=len(picks))
    for ax, i in zip(axs, picks, strict=True):
        sel = {p: sw.manifest["variants"][i]["values"][p] for p, _ in grid}
        q = ds["output_quantile"].sel(sel).sel(sector=sector).transpose("day", "quantile").to_numpy()
        label = ", ".join(f"{p.split('.')[-1]}={v}" for p, v in sel.items()) or "the scenario"
        figures.fan_chart(ax, ds["day"].to_numpy(), q, title=f"variant {i}: {label}", ylabel=f"output of {sector}, share of plan")
        ax.set_ylim(min(0.0, float(np.nanmin(q))) - 0.02, max(1.05, float(np.nanmax(q)) + 0.02))
    axs[0].legend(fontsize=8, loc="lower right")
    return {"heading": f"Output of {sector} over time", "png": to_png_base64(fig),
            "caption": f"Daily output of {sector} (the sector losing the most value added) as a share of plan: median, "
                       "25-75 % and 5-95 % of paths, for the variants with the smallest, middle and largest mean loss.",
            "table": ""}


def _heat_map_figure(sw: _Sweep) -> dict[str, Any] | None:
    """A heat map of the mean loss over the first two grid dimensions with more than one value.

    Parameters
    ----------
    sw : _Sweep
        The sweep.

    Returns
    -------
    dict or None
        The figure (``heading``, ``png`` base64, ``caption``, ``table`` empty), other grid
        paths at their first value; None when fewer than two dimensions vary.
    """
    grid, head = sw.grid, sw.head
    multi = [(p, v) for p, v in grid if len(v) > 1]
    if len(multi) < 2:
        return None
    (px, vx), (py, vy) = multi[0], multi[1]
    rows = _fixed_rows(head, [px, py], grid)
    z = np.full((len(vy), len(vx)), np.nan)
    for _, r in rows.iterrows():
        z[vy.index(r[py]), vx.index(r[px])] = r["gdp_loss_pct_mean"]
    fig, (ax,) = figures.figure(8.5, 5.0)
    figures.heat_map(ax, vx, vy, z, xlabel=px, ylabel=py, cbar="mean value added lost, % of GDP",
                     title=f"Mean loss over {px} and {py}")
    rest = [p for p, _ in grid if p not in (px, py)]
    return {"heading": f"Loss over {px} and {py}", "png": to_png_base64(fig),
            "caption": "Mean share of GDP lost for each pair of values" + (
                " (other grid paths at their first value: " + ", ".join(rest) + ")" if rest else "") + ".",
            "table": ""}


def _stockpile_figures(sw: _Sweep, rate: float) -> list[dict[str, Any]]:
    """The value of a material's stockpile, per grid path that is its ``stockpile.days`` with two values or more.

    Parameters
    ----------
    sw : _Sweep
        The sweep.
    rate : float
        The central carrying rate, a share of the stock's value per year.

    Returns
    -------
    list of dict
        Figures with their tables (``heading``, ``png`` base64, ``caption``, ``table`` HTML), in grid order.
    """
    figs: list[dict[str, Any]] = []
    for path, values in sw.grid:
        m = _STOCK.match(path)
        if not m or len(values) < 2:
            continue
        figs.append(_stockpile_figure(sw, path, m.group(1), rate))
    return figs


def _stockpile_figure(sw: _Sweep, path: str, mat: str, rate: float) -> dict[str, Any]:
    """Loss avoided per extra day of ``mat``'s stockpile against a day's holding cost a year: bars and table.

    Parameters
    ----------
    sw : _Sweep
        The sweep; the base scenario gives the material's price (currency per t) and annual demand (t a year).
    path : str
        The grid path ``materials.<mat>.stockpile.days``.
    mat : str
        The material's id.
    rate : float
        The central carrying rate, a share of the stock's value per year.

    Returns
    -------
    dict
        The figure (``heading``, ``png`` base64, ``caption``) and its ``table`` (HTML, with a note).
    """
    cur, code = sw.cur, sw.code
    price = float(sw.base["materials"][mat]["price"])
    demand = float(sw.base["materials"][mat]["annual_demand"])
    day_value = price * demand / 365.0  # currency per day of demand
    cost = {k: day_value * r for k, r in (("low", CARRYING_RATE["low"]), ("mid", rate), ("high", CARRYING_RATE["high"]))}
    by, groups = _curves(sw, path)
    labels, avoided, lines = _stockpile_rows(path, by, groups, cost)
    fig, (ax,) = figures.figure(max(7.0, 0.55 * len(labels) + 3), 4.8)
    figures.bars_against_band(ax, labels, avoided, cost["low"] / 1e9, cost["mid"] / 1e9, cost["high"] / 1e9,
                              ylabel=f"{cur} per extra day of stock", band_label="holding cost a year",
                              title=f"Value of one more day of {mat} stockpile")
    table = ("<table><tr><th class='l'>stockpile days (interval)</th><th>expected value added saved per extra day, "
             f"{cur}</th><th>holding cost of one day a year, {cur}<br>central [range]</th>"
             "<th>break-even annual probability of this curb</th></tr>" + "".join(lines) + "</table>"
             f"<p class='note'>A day of stock is {demand / 365:,.1f} t of {mat} worth {code} {day_value / 1e9:,.2f} bn "
             f"({code} {price:,.0f}/t x {demand:,.0f} t/yr / 365). Carrying rate {rate:.0%} a year "
             f"(range {CARRYING_RATE['low']:.0%}-{CARRYING_RATE['high']:.0%}); source: {CARRYING_RATE['source']} "
             "The break-even probability is the yearly chance of a curb like this one above which holding the extra "
             "day costs less than the loss it is expected to avoid.</p>")
    return {"heading": f"Value of the {mat} stockpile", "png": to_png_base64(fig),
            "caption": f"Mean value added saved by each extra day of {mat} stockpile (between neighbouring grid values), "
                       "against what holding one day of stock costs a year (orange; the scale turns logarithmic when "
                       "the cost is far below the bars). A bar above the band pays for itself if such a curb comes "
                       "once a year.",
            "table": table}


def _stockpile_rows(path: str, by: str | None, groups: list[tuple[Any, pd.DataFrame]],
                    cost: dict[str, float]) -> tuple[list[str], list[float], list[str]]:
    """Per interval between neighbouring stockpile days (per curve), the loss avoided per extra day.

    Parameters
    ----------
    path : str
        The grid path of the stockpile's days.
    by, groups
        The curves (:func:`_curves`): one per value of ``by``, each its headline rows.
    cost : dict
        Holding one day of stock for a year (``"low"``, ``"mid"``, ``"high"``), in currency (not bn).

    Returns
    -------
    labels : list of str
        Per interval, e.g. ``"10-20 d"`` (with ``" | <by>=<value>"`` when there are several curves).
    avoided : list of float
        Per interval, the mean value added saved per extra day of stock, in currency bn.
    lines : list of str
        Per interval, its HTML table row (saved per day, holding cost, break-even probability).
    """
    labels, avoided, lines = [], [], []
    for key, g in groups:
        g = g.sort_values(path)
        days = g[path].to_numpy(dtype=float)
        loss = g["value_added_loss_mean"].to_numpy()
        for k in range(len(days) - 1):
            per_day = (loss[k] - loss[k + 1]) / (days[k + 1] - days[k])
            lab = f"{days[k]:g}-{days[k + 1]:g} d" + ("" if by is None else f" | {by.split('.')[-1]}={key}")
            labels.append(lab)
            avoided.append(per_day / 1e9)
            be = cost["mid"] / per_day if per_day > 0 else float("inf")
            lines.append(f"<tr><td class='l'>{lab}</td><td>{per_day / 1e9:,.2f}</td><td>{cost['mid'] / 1e9:,.3f} "
                         f"[{cost['low'] / 1e9:,.3f}-{cost['high'] / 1e9:,.3f}]</td>"
                         f"<td>{_chance(be)}</td></tr>")
    return labels, avoided, lines


def _html(sw: _Sweep, figs: list[dict[str, Any]], version: str) -> str:
    """The report page: :data:`_TEMPLATE` rendered with the sweep's summary table and ``figs``.

    Parameters
    ----------
    sw : _Sweep
        The sweep.
    figs : list of dict
        The figures in page order (``heading``, ``png``, ``caption``, ``table``); each ``table`` is
        marked safe HTML here (in place).
    version : str
        The supplyshock version, for the footer.

    Returns
    -------
    str
        The whole HTML page.
    """
    summary, manifest, sums = sw.summary, sw.manifest, sw.sums
    env = jinja2.Environment(autoescape=jinja2.select_autoescape(default=True, default_for_string=True))
    env.filters["format"] = lambda fmt, *a: fmt % a
    for f in figs:
        f["table"] = jinja2.utils.markupsafe.Markup(f["table"])
    return env.from_string(_TEMPLATE).render(
        title=f"Sweep of {summary['scenario']}: what the curb costs across {len(sums)} variant(s)",
        description=(sw.base.get("description") or "").strip(),
        scenario=summary["scenario"], n_variants=len(sums), paths=summary["paths"], seed=summary["seed"], grid=sw.grid,
        multiplier=summary["multiplier"], horizon=sums[0]["horizon_days"], cur=sw.cur,
        calibration=calibration_status(sums[0].get("calibration")),
        rows=sw.head.to_dict("records"), bn=bn, day=day, figures=figs, version=version, sha=manifest["scenario_sha256"],
        block_size=manifest["block_size"], command=manifest.get("command", ""), directory=str(sw.directory), gdp=sw.gdp,
    )


def render_report(directory: str | Path, *, carrying_rate: float | None = None, out: Path | None = None) -> Path:
    """Write ``report.html`` for the sweep in ``directory``; return its path.

    Parameters
    ----------
    directory : path
        A finished sweep directory.
    carrying_rate : float, optional
        Annual holding cost as a share of the stock's value
        [default: :data:`CARRYING_RATE` ``["value"]``].
    out : path, optional
        Where to write the page [default: ``directory/report.html``].
    """
    from simulator import __version__

    d = Path(directory)
    manifest, summary, base = _read(d)
    rate = _carrying_rate(carrying_rate)
    sw = _sweep(d, manifest, summary, base)
    figs = _duration_figures(sw)
    figs.append(_fan_figure(sw))
    heat = _heat_map_figure(sw)
    if heat is not None:
        figs.append(heat)
    figs += _stockpile_figures(sw, rate)
    html = _html(sw, figs, __version__)
    target = out or d / "report.html"
    write_file(target, html)
    return target
