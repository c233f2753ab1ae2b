"""The figures of a run's report, drawn from its results directory alone.

The headline loss distribution with its median and 5-95 % band, fan charts of daily output by sector
and of inventory, stockpile cover and shortfall by material, the quarterly path of the loss, and the
distribution of first-stop days (:func:`build_figures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.runs.store import RunDir

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
from simulator.reports.formats import bn, quantiles

BLUE, GREY, RED, ORANGE = "#1f5fa8", "#8c8c8c", "#b8322a", "#d95f02"

_DAYS_AXIS = "time since the start of the run, days"


def label(s: str) -> str:
    """An id as a reader sees it: ``vehicles_electrified`` -> ``vehicles electrified``."""
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
        _fan(ax, days, q[:, :, i], mean[:, i], title=label(sec), ylabel="output, % of plan")
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
            title = f"{label(mat)}: {what}" + (" (none held)" if none else "")
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
    net = [quantiles(run.paths[f"value_added_loss.{q}"]) if f"value_added_loss.{q}" in run.paths else
           {k: s["quarters"][i]["value_added_loss"][k] for k in ("median", "p05", "p95")} for i, q in enumerate(quarters)]
    gross = [quantiles(run.paths[f"value_added_loss_gross.{q}"]) if f"value_added_loss_gross.{q}" in run.paths else
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
        ax.set_title(f"{label(sec)}\n{d.size:,} of {n:,} paths stop, {never:,} never", fontsize=9)
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
