"""A run's summary as the terminal shows it: a table (folded at the terminal's width, nothing cut) or CSV.
"""

from __future__ import annotations

import csv
import io as _io
import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from simulator.reports.formats import bn, day

if TYPE_CHECKING:
    import pandas as pd

    from simulator.model.scenario import Scenario


STAT_KEYS = ("mean", "median", "p05", "p95")


def summary_csv(summary: dict[str, Any]) -> str:
    """The JSON summary as CSV, every value of it (a test checks nothing is left out).

    Columns ``quantity, label, mean, median, p05, p95, value``: statistics go in
    the first four (blank where a quantile never happens, e.g. a stoppage day),
    anything else in ``value``. ``label`` is the sector or material, ``total``
    for the economy-wide statistics, empty for run settings.
    """
    buf = _io.StringIO()
    w = csv.writer(buf)
    w.writerow(["quantity", "label", *STAT_KEYS, "price_year", "value"])
    for parts, v in _leaves(summary):
        if parts[0] in ("sectors", "materials", "quarters") and len(parts) >= 3:
            quantity, label = ".".join(parts[2:]), parts[1]
        else:
            quantity, label = ".".join(parts), "total" if isinstance(v, dict) else ""
        if isinstance(v, dict):
            w.writerow([quantity, label, *(blank(v.get(k)) for k in STAT_KEYS), blank(v.get("price_year")), ""])
        else:
            w.writerow([quantity, label, "", "", "", "", "", json.dumps(v) if isinstance(v, (list, bool)) or v is None else v])
    return buf.getvalue()


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(key path, value) for every scalar, and for every table of statistics (kept whole)."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for k, v in tree.items():
        path = (*prefix, str(k))
        if isinstance(v, dict) and "median" in v and set(v) <= {*STAT_KEYS, "price_year"}:
            out.append((path, v))
        elif isinstance(v, dict):
            out.extend(_leaves(v, path))
        elif isinstance(v, list) and v and all(isinstance(x, dict) and "quarter" in x for x in v):
            for x in v:  # one row per quarter, labelled by it
                out.extend(_leaves({str(x["quarter"]): {q: y for q, y in x.items() if q != "quarter"}}, path))
        else:
            out.append((path, v))
    return out


def blank(x: float | None) -> str | float:
    """An empty CSV cell for a value that does not exist (a day no path reaches)."""
    return "" if x is None else x


def print_run_table(s: dict[str, Any], sc: Scenario) -> None:
    """Print a run's summary ``s`` (see :func:`simulator.runs.summaries.run_summary`) as the terminal's tables."""
    from simulator.economics.metrics import HALF_LOST
    con = Console()
    cur = s["currency"]
    yr = f", {s['price_year']} money" if s.get("price_year") else ""
    g, v, pc = s["gdp_loss_pct"], s["value_added_loss"], s["premium_cost"]
    con.print(f"[bold]{s['scenario']}[/bold]: {sc.description.splitlines()[0] if sc.description else ''}")
    con.print(f"{s['paths']:,} paths, seed {s['seed']}, {s['engine']} engine, horizon {s['horizon_days']} days, "
              f"{s['multiplier']} linkage, GDP base {cur} {s['gdp_base'] / 1e12:,.1f}tn{yr}")
    cal = s.get("calibration")
    if cal:
        on = f"targets {cal.get('targets') or 'none'}" + (f"; episodes {cal['episodes']}" if cal.get("episodes") else "")
        cols = cal["fitted"].split(", ")
        fitted = ", ".join(cols) if len(cols) <= 4 else f"{', '.join(cols[:3])} and {len(cols) - 3} more fields"
        con.print(f"calibrated: {fitted} drawn from {cal['draws']:,} fitted rows "
                  f"(conditioned on {on}, {cal.get('date', '?')[:10]}); --uncalibrated for the priors as written")
    head = Table(show_header=True, header_style="bold")
    for c in ("", "mean", "median", "5 %", "95 %"):
        head.add_column(c, justify="right" if c else "left")
    head.add_row(f"value added lost ({cur} bn{yr})", bn(v["mean"]), bn(v["median"]), bn(v["p05"]), bn(v["p95"]))
    vg = s["value_added_loss_gross"]
    head.add_row(f"  gross, before catch-up ({cur} bn{yr})", bn(vg["mean"]), bn(vg["median"]), bn(vg["p05"]), bn(vg["p95"]))
    head.add_row("share of GDP (%)", f"{g['mean']:.3f}", f"{g['median']:.3f}", f"{g['p05']:.3f}", f"{g['p95']:.3f}")
    head.add_row(f"extra procurement cost ({cur} bn{yr}, not in GDP loss)", bn(pc["mean"]), bn(pc["median"]), bn(pc["p05"]), bn(pc["p95"]))
    con.print(head)
    if s.get("gdp_loss_median_rel_error") is not None:
        con.print(f"Monte Carlo error of the median: ±{s['gdp_loss_median_rel_error']:.1%} (one standard error, relative to the median)")
    elif g["median"] == 0.0:
        con.print("Monte Carlo error of the median: none relative to it (the median path loses nothing)")
    t = Table(title=f"By sector ({cur} bn{yr}; means over paths, but % of plan: median [5-95 %] of the output lost "
                    f"over the whole {s['horizon_days']}-day horizon, not only the measure's days; cut day: first day "
                    f"output is more than 1 % below plan, the first firms stop; half lost: below {HALF_LOST:.0%} of plan)",
              show_header=True,
              header_style="bold")
    t.add_column("sector", overflow="fold", min_width=11, max_width=22)
    t.add_column("output\nlost\nmean", justify="right")
    t.add_column("% of plan\nmedian\n[5-95 %]", justify="right")
    t.add_column("VA lost\nmean", justify="right")
    t.add_column("cut\nday\nmedian", justify="right")
    t.add_column("half\nlost\nday\nmedian", justify="right")
    t.add_column("P(cut)", justify="right")
    rows = sorted(s["sectors"].items(), key=lambda kv: -kv[1]["value_added_loss"]["mean"])
    total_out = 0.0
    for name, sec in rows:
        ol, fs = sec["output_loss"], sec["first_stoppage_day"]
        half = sec.get("half_output_lost_day", {}).get("median")
        pct = sec.get("output_loss_pct_of_plan", {}).get("median")
        total_out += ol["mean"]
        pct_st = sec.get("output_loss_pct_of_plan")
        t.add_row(
            name.replace("_", " "),
            bn(ol["mean"]),
            "" if pct is None or pct_st is None else f"{pct:.2g} [{pct_st['p05']:.2g}-{pct_st['p95']:.2g}]",
            bn(sec["value_added_loss"]["mean"]),
            day(fs["median"]),
            day(half),
            f"{sec['stop_probability']:.0%}",
        )
    t.add_section()
    t.add_row("total", bn(total_out), "", bn(s["value_added_loss"]["mean"]), "", "", "")
    con.print(t)
    print_quarters(con, s, cur, yr)


def print_quarters(con: Console, s: dict[str, Any], cur: str, yr: str) -> None:
    """Print the loss by quarter, net and gross of catch-up (money in ``cur`` bn, money year ``yr``)."""
    t = Table(title="By quarter", show_header=True, header_style="bold")
    t.add_column("quarter")
    t.add_column("days", justify="right")
    t.add_column(f"value added lost, {cur} bn{yr}\nmean [5 %, 95 %]", justify="right")
    t.add_column(f"gross (before catch-up), {cur} bn{yr}\nmean [5 %, 95 %]", justify="right")
    t.add_column("% of the quarter's GDP\nmean", justify="right")
    for q in s["quarters"]:
        n, g = q["value_added_loss"], q["value_added_loss_gross"]
        t.add_row(q["quarter"], str(q["days"]), f"{bn(n['mean'])} [{bn(n['p05'])}, {bn(n['p95'])}]",
                  f"{bn(g['mean'])} [{bn(g['p05'])}, {bn(g['p95'])}]", f"{q['gdp_loss_pct_of_quarter']['mean']:.3f}")
    con.print(t)
    if any(q["value_added_loss"]["mean"] < 0 or q["value_added_loss"]["p05"] < 0 for q in s["quarters"]):
        con.print("A negative net figure is catch-up: output lost earlier made up in that quarter (overtime once the "
                  "input is back); the gross column counts only what was lost.")


def print_sweep(res: Any, head: pd.DataFrame) -> None:
    """Print a sweep's headline table: one row per variant, grid values and headline metrics with their bands."""
    import pandas as pd

    from simulator.model.fields import calibration_status, money_unit
    con = Console()
    econ = res.base.economy
    money = money_unit(econ.currency, econ.price_year or econ.table_year)
    con.print(f"[bold]{res.base.name}[/bold]: {len(res.variants)} variant(s), {res.n_paths:,} paths each, seed {res.seed}, "
              f"{res.engine} engine, {res.multiplier} multipliers, horizon {res.base.run.horizon_days} days, "
              f"{calibration_status(res.base)}; the same random numbers in every variant")
    t = Table(show_header=True, header_style="bold")
    t.add_column("#", justify="right")
    for a in res.axes:
        t.add_column(a.path, justify="right", overflow="fold")
    # cells fold rather than cut, and a band sits under its mean, so nothing is lost at 80 columns
    t.add_column("share of GDP lost (%)\nmean\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column(f"value added lost ({money})\nmean\n[5 %, 95 %]", justify="right", overflow="fold")
    t.add_column(f"extra procurement ({money})\nmean", justify="right", overflow="fold")
    t.add_column("earliest median\nstoppage day", justify="right", overflow="fold")
    for r in head.to_dict("records"):
        first = r["earliest_median_stoppage_day"]
        t.add_row(
            str(r["variant"]),
            *[str(r[a.path]) for a in res.axes],
            f"{r['gdp_loss_pct_mean']:.3f}\n[{r['gdp_loss_pct_p05']:.3f}, {r['gdp_loss_pct_p95']:.3f}]",
            f"{bn(r['value_added_loss_mean'])}\n[{bn(r['value_added_loss_p05'])}, {bn(r['value_added_loss_p95'])}]",
            bn(r["premium_cost_mean"]),
            "never" if pd.isna(first) else f"{first:.0f}",
        )
    con.print(t)
