"""How every report writes a number: money in billions, shares of GDP, days, bands, priors.

One owner for each format, so the terminal's tables, the run report and the sweep report print the
same value the same way (e.g. money in billions with at least three significant figures: a loss of
0.4 bn is not printed as 0; a day no path reaches is ``never``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


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


def number(x: float | None) -> str:
    """A plain number with four significant figures, in tn, bn or mn when large; ``–`` for none."""
    if x is None:
        return "–"
    a = abs(x)
    for scale, word in ((1e12, " tn"), (1e9, " bn"), (1e6, " mn")):
        if a >= scale:
            return f"{x / scale:,.4g}{word}"
    return f"{x:,.4g}"


def band(st: dict[str, Any], f: Any = bn) -> str:
    """``median [p05–p95]`` of a summary statistic, each written by ``f``."""
    return f"{f(st.get('median'))} [{f(st.get('p05'))}–{f(st.get('p95'))}]"


def quantiles(values: pd.Series | np.ndarray) -> dict[str, float]:
    """Median, 5 % and 95 % quantiles of the finite values (NaN when there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"median": math.nan, "p05": math.nan, "p95": math.nan}
    return {"median": float(np.median(v)), "p05": float(np.quantile(v, 0.05)), "p95": float(np.quantile(v, 0.95))}


def prior_text(prior: dict[str, Any]) -> str:
    """A prior as text: its distribution and parameters, e.g. ``triangular 20–120, mode 60``."""
    d = prior.get("dist")
    g = {k: prior.get(k) for k in ("low", "high", "mode", "mean", "sd", "median", "sigma", "value")}
    trunc = (f", truncated to [{number(g['low']) if g['low'] is not None else '-inf'}, "
             f"{number(g['high']) if g['high'] is not None else 'inf'}]") if (g["low"] is not None or g["high"] is not None) else ""
    if d in ("uniform", "loguniform"):
        return f"{d} {number(g['low'])}–{number(g['high'])}"
    if d == "triangular":
        return f"triangular {number(g['low'])}–{number(g['high'])}, mode {number(g['mode'])}"
    if d == "normal":
        return f"normal, mean {number(g['mean'])}, sd {number(g['sd'])}{trunc}"
    if d == "lognormal":
        return f"lognormal, median {number(g['median'])}, sigma {g['sigma']:.3g}{trunc}" if g["sigma"] is not None else f"lognormal{trunc}"
    if d == "fixed":
        return f"fixed at {number(g['value'])}"
    return f"{d} " + ", ".join(f"{k} {number(v)}" for k, v in g.items() if v is not None)
