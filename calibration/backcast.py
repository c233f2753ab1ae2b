"""``supplyshock backcast EPISODE``: the model against an episode that happened.

For each observation: the model's predictive distribution (its per-path values
plus the observation's stated error), the observation's quantile in it (the
PIT), the continuous ranked probability score (CRPS, in the observation's
unit; lower is better) and whether it falls in the central 50 % and 90 %
bands; over all point observations, the bands' coverage. Bounds (``gdp_loss``)
and "no stoppage by" observations are scored by the probability the model
gives them (and its log), not counted in coverage. Figures show each series
as observed points over the model's fan.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

import simulator
from calibration.episode_values import model_values, observed_sd, observed_value
from calibration.episodes import Episode, period_days, series_key
from simulator.engines.resolve import resolve
from simulator.errors import InputError
from simulator.model.draws import sample_draws
from simulator.runs.store import write_file

__all__ = ["backcast", "crps_ensemble", "json_ready", "monthly_values", "pit", "read_results", "render_backcast", "save_figures", "score_observation", "write_pages"]

FloatArray = npt.NDArray[np.float64]
FORMAT = "supplyshock-backcast/1"
NOISE_STREAM = 0xB4C5
"""Key of the generator stream that draws the observation errors added to the model's values (with the run's seed)."""


def crps_ensemble(x: FloatArray, y: float) -> float:
    """CRPS of the empirical distribution of ``x`` (shape (n,)) at the observation ``y``.

    ``mean|X - y| - mean|X - X'| / 2`` over all pairs, computed from the
    sorted sample in O(n log n); in the unit of ``x``.
    """
    s = np.sort(np.asarray(x, dtype=float))
    n = s.size
    i = np.arange(1, n + 1)
    spread = float(np.sum((2 * i - n - 1) * s)) / (n * n)  # = mean|X - X'| / 2
    return float(np.mean(np.abs(s - y))) - spread


def pit(x: FloatArray, y: float) -> float:
    """Quantile of ``y`` in the sample ``x``: share below, plus half the share equal (ties split)."""
    x = np.asarray(x, dtype=float)
    return float(np.mean(x < y) + 0.5 * np.mean(x == y))


def score_observation(values: FloatArray, obs: float, sd: float, rng: np.random.Generator, *, kind: str = "point",
                      low: float | None = None, high: float | None = None) -> dict[str, Any]:
    """Score one observation against the model's per-path ``values`` (shape (P,)).

    ``kind``: ``"point"`` (predictive = values + N(0, sd) error, drawn from
    ``rng``; infinite values, a sector that never stopped, stay infinite),
    ``"none_by"`` (probability the model has no value <= ``obs``) or
    ``"bound"`` (probability the model lies in [``low``, ``high``]).
    """
    v = np.asarray(values, dtype=float)
    if kind == "bound":
        if low is None or high is None:
            raise ValueError("a bound needs low and high")
        prob = float(np.mean((v >= low) & (v <= high)))
        q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        return {"p05": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4], "probability": prob,
                "log_score": math.log(max(prob, 1.0 / (v.size + 1)))}
    if kind == "none_by":
        prob = float(np.mean(~(v <= obs)))
        fin = np.where(np.isfinite(v), v, np.nan)
        q = np.nanquantile(fin, [0.05, 0.5, 0.95]) if np.isfinite(v).any() else [np.inf] * 3
        return {"p05": float(q[0]), "median": float(np.quantile(v, 0.5, method="inverted_cdf")), "p95": float(q[2]), "probability": prob,
                "stop_probability": float(np.mean(np.isfinite(v))), "log_score": math.log(max(prob, 1.0 / (v.size + 1)))}
    y = v + (sd * rng.standard_normal(v.size) if sd > 0 else 0.0)
    q = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95])
    finite = np.isfinite(y)
    crps = crps_ensemble(np.where(finite, y, np.max(np.append(y[finite], obs)) + 1.0), obs) if finite.any() else float("inf")
    u = pit(y, obs)
    return {"p05": float(q[0]), "p25": float(q[1]), "median": float(q[2]), "p75": float(q[3]), "p95": float(q[4]),
            "quantile": u, "crps": crps, "in50": bool(q[1] <= obs <= q[3]), "in90": bool(q[0] <= obs <= q[4]),
            "censored_share": float(np.mean(~finite))}


def backcast(ep: Episode, *, n_paths: int = 1000, seed: int = 20101, engine: str = "vectorised",
             calibrated: bool = True) -> dict[str, Any]:
    """Run the episode's scenario and score every observation; the backcast document (JSON-ready).

    Parameters
    ----------
    n_paths : int
        Monte Carlo paths (the predictive distribution's sample size).
    seed : int
        The one seed: the draws of ``supplyshock run --seed`` and the observation errors.
    engine : {"vectorised", "simpy"}
    calibrated : bool
        Use the economy's fitted sample (as ``run`` does) or the priors as written.
    """
    sc = ep.build_scenario(calibrated=calibrated)
    draws = sample_draws(sc, n_paths, seed)
    pp = resolve(sc, draws.params, draws.n_paths)
    tr = simulator.simulate(sc, draws, engine=engine)  # type: ignore[arg-type]
    imp = simulator.assess(tr, sc)
    vals = model_values(ep, sc, tr, pp, imp)
    rng = np.random.Generator(np.random.PCG64([seed, NOISE_STREAM]))
    rows = []
    for name, ob in ep.observations.items():
        obs = observed_value(ep, ob)
        sd = observed_sd(ep, ob)
        if ob.kind == "gdp_loss":
            sc_ = score_observation(vals[name], math.nan, 0.0, rng, kind="bound", low=ob.low, high=ob.high)
        elif ob.kind == "first_stop" and ob.none_by is not None:
            sc_ = score_observation(vals[name], obs, 0.0, rng, kind="none_by")
        elif ob.kind == "first_stop":
            # a path that never stopped is censored at the horizon (shown as "never")
            v = vals[name]
            sc_ = score_observation(np.where(np.isfinite(v), v, float(sc.run.horizon_days)), obs, sd, rng)
            sc_["never_share"] = float(np.mean(~np.isfinite(v)))
        else:
            sc_ = score_observation(vals[name], obs, sd, rng)
        a, b = period_days(ep, ob) if ob.kind in ("arrivals", "sector_output") else (None, None)
        rows.append({
            "horizon_days": sc.run.horizon_days,
            "name": name, "kind": ob.kind, "series": series_key(ob), "description": ob.description,
            "unit": ob.shown_unit, "observed": obs, "observed_raw": ob.value, "sd": sd,
            "low": ob.low, "high": ob.high, "first_day": a, "last_day": b,
            "period": ob.period or (f"{ob.start}..{ob.end}" if ob.start else (str(ob.date or ob.none_by or "") or "horizon")),
            "none_by": ob.none_by is not None, "ref": ob.ref, "published": ob.published, "confidence": ob.confidence,
            "proxy": ob.proxy, "reasoning": ob.reasoning, **sc_})
    points = [r for r in rows if "in90" in r]
    fans = _fans(ep, sc, tr, pp)
    return {
        "format": FORMAT, "episode": ep.name, "description": ep.description, "notes": ep.notes,
        "scenario": sc.name, "anchor": ep.anchor.isoformat(), "horizon_days": sc.run.horizon_days,
        "calibrated": calibrated and bool(sc.calibration.posterior), "paths": n_paths, "seed": seed, "engine": engine,
        "version": simulator.__version__, "date": datetime.date.today().isoformat(),
        "observations": rows,
        "coverage": {"n": len(points), "in50": float(np.mean([r["in50"] for r in points])) if points else None,
                     "in90": float(np.mean([r["in90"] for r in points])) if points else None,
                     "mean_quantile": float(np.mean([r["quantile"] for r in points])) if points else None},
        "fans": fans,
    }


def months_of(ep: Episode, horizon: int) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar months of the horizon (first, last day; the first and last cut at the horizon's ends)."""
    months = []
    d = ep.anchor
    while ep.day(d) < horizon:
        nxt = datetime.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        months.append((d, min(nxt - datetime.timedelta(days=1), ep.anchor + datetime.timedelta(days=horizon - 1))))
        d = nxt
    return months


def monthly_values(ep: Episode, sc: simulator.Scenario, tr: Any, pp: Any) -> dict[str, list[tuple[str, str, FloatArray]]]:
    """Per series of ``arrivals`` or ``sector_output`` observations: its model value per path for every calendar month.

    Returns
    -------
    dict of str to list of (first, last, ndarray of shape (P,))
        Series key -> months (ISO dates) whose values lie within the horizon
        (departures: shifted by the supplier's transit), in the series' unit.
    """
    from calibration.episodes import Observation

    out: dict[str, list[tuple[str, str, FloatArray]]] = {}
    T = sc.run.horizon_days
    for ob in ep.observations.values():
        key = series_key(ob)
        if key in out or ob.kind not in ("arrivals", "sector_output"):
            continue
        shift = sc.sources[ob.supplier].transit_days if ob.measured_at == "departure" and ob.supplier else 0
        rows = []
        for first, last in months_of(ep, T):
            if ep.day(last) + shift >= T:
                break
            probe = Observation(**{**ob.model_dump(exclude={"period", "start", "end"}), "start": first, "end": last})
            one = Episode(name=ep.name, description=ep.description, scenario=ep.scenario, anchor=ep.anchor,
                          observations={"probe": probe}, origin=ep.origin)
            v = model_values(one, sc, tr, pp, None)["probe"]  # type: ignore[arg-type]
            rows.append((first.isoformat(), last.isoformat(), v))
        out[key] = rows
    return out


def fan_rows(months: list[tuple[str, str, FloatArray]]) -> list[dict[str, Any]]:
    """A series' monthly values as the figure's fan: the 5, 25, 50, 75 and 95 % quantiles per month."""
    return [{"first": a, "last": b, "q": [float(x) for x in np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])]}
            for a, b, v in months]


def _fans(ep: Episode, sc: simulator.Scenario, tr: Any, pp: Any) -> dict[str, Any]:
    """Per series of point observations: the model's quantiles for every calendar month of the horizon (the figure's fan)."""
    return {key: fan_rows(rows) for key, rows in monthly_values(ep, sc, tr, pp).items()}


# ------------------------------------------------------------------ report


def _fmt(v: Any, unit: str = "", horizon: int | None = None) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and not math.isfinite(v):
        return "never" if unit == "day" else "–"
    if unit == "day":
        return "never" if horizon is not None and v >= horizon else f"{v:.0f}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def table_rows(doc: dict[str, Any]) -> list[list[str]]:
    """The observation table (one row per observation), as shown by the command and the report."""
    rows = []
    for r in doc["observations"]:
        u = r["unit"]
        if r["kind"] == "gdp_loss":
            obs = f"{_fmt(r['low'])}–{_fmt(r['high'])}"
            score = f"P = {r['probability']:.2f}"
            where = "–"
        elif r["none_by"]:
            obs = f"none by day {r['observed']:.0f}"
            score = f"P = {r['probability']:.2f}"
            where = "–"
        else:
            obs = _fmt(r["observed"], u) + (f" ± {_fmt(r['sd'], u)}" if r["sd"] else "")
            score = f"CRPS {_fmt(r['crps'])}"
            where = f"{r['quantile']:.2f}" + (" (in 50 %)" if r["in50"] else " (in 90 %)" if r["in90"] else " (outside)")
        h = r.get("horizon_days")
        rows.append([r["name"], r["period"], u, obs, _fmt(r["median"], u, h), f"{_fmt(r['p05'], u, h)}–{_fmt(r['p95'], u, h)}",
                     where, score])
    return rows


HEADER = ["observation", "period", "unit", "observed", "model median", "predictive 5–95 %", "quantile", "score"]


def _figures(doc: dict[str, Any]) -> dict[str, Any]:
    from simulator.reports.figures import figure

    figs = {}
    for key, fan in doc["fans"].items():
        if not fan:
            continue
        fig, (ax,) = figure(7.5, 3.4)
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

        mid = np.array([(date2num(datetime.date.fromisoformat(f["first"])) + date2num(datetime.date.fromisoformat(f["last"]))) / 2
                        for f in fan])
        q = np.array([f["q"] for f in fan])
        ax.fill_between(mid, q[:, 0], q[:, 4], color="#1f5fa8", alpha=0.18, lw=0, label="model 5–95 %")
        ax.fill_between(mid, q[:, 1], q[:, 3], color="#1f5fa8", alpha=0.35, lw=0, label="model 25–75 %")
        ax.plot(mid, q[:, 2], color="#1f5fa8", lw=1.6, label="model median")
        obs = [r for r in doc["observations"] if r["series"] == key and r["first_day"] is not None]
        anchor = datetime.date.fromisoformat(doc["anchor"])
        ox = np.array([date2num(anchor) + (r["first_day"] + r["last_day"]) / 2 for r in obs])
        ax.errorbar(ox, [r["observed"] for r in obs], yerr=[1.645 * r["sd"] for r in obs], fmt="o", color="#b8322a",
                    ms=5, capsize=3, label="observed (± 1.645 sd)")
        ax.set_title(key, fontsize=10)
        ax.set_ylabel(obs[0]["unit"] if obs else "")
        ax.legend(fontsize=7, loc="best")
        loc = AutoDateLocator()
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
        figs[key] = fig
    return figs


_BODY = """# Backcast: {{ episode }}

{{ description }}

Scenario **{{ scenario }}** from {{ anchor }} over {{ horizon }} days; {{ paths }} paths, seed {{ seed }}, {{ engine }} engine, {{ cal }}; supplyshock {{ version }}, {{ date }}.

**Coverage of the point observations ({{ n }}):** {{ in50 }} inside the model's central 50 % band and {{ in90 }} inside its 90 % band (a calibrated model: about 50 % and 90 %); mean quantile {{ mq }} (0.5 if unbiased; near 0: the model runs high, near 1: low).

## Observations against the model

The model's predictive distribution is its per-path value plus the observation's stated error (sd). *quantile*: where the observation falls in it. CRPS: continuous ranked probability score in the observation's unit (0 for a perfect sharp forecast; lower is better). Bounds and "none by" observations are scored by the probability the model gives them.

{{ table }}

## Series: observed points over the model's fan (monthly)

{{ figures }}

## Sources and assumptions

{{ sources }}

{{ notes }}
"""


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    import markupsafe

    h = "".join(f"<th>{markupsafe.escape(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{markupsafe.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def read_results(directory: Path, name: str, fmt: str, what: str) -> dict[str, Any]:
    """A results document (``DIR/name``) of format ``fmt``.

    Raises
    ------
    InputError
        The file is missing, not JSON, or of another format; ``what`` says which command writes it.
    """
    path = Path(directory) / name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "(file)", f"must be a {what}", str(exc)) from None
    if doc.get("format") != fmt:
        raise InputError(str(path), "format", f"must be {fmt}", doc.get("format"))
    return doc  # type: ignore[no-any-return]


def save_figures(directory: Path, items: list[tuple[str, str, Any]]) -> tuple[list[str], list[str]]:
    """Write ``figures/STEM.png`` for each (stem, alt text, figure); their Markdown links and embedded HTML images."""
    import markupsafe

    from simulator.reports.figures import to_png_base64

    (Path(directory) / "figures").mkdir(exist_ok=True)
    md, html = [], []
    for stem, alt, fig in items:
        write_file(Path(directory) / "figures" / f"{stem}.png", functools.partial(fig.savefig, dpi=110, format="png"))
        md.append(f"![{alt}](figures/{stem}.png)")
        html.append(f'<img alt="{markupsafe.escape(alt)}" src="data:image/png;base64,{to_png_base64(fig)}">')
    return md, html


def write_pages(directory: Path, template: str, fill: Any, title: str) -> Path:
    """Render ``template`` with ``fill(md)`` as ``report.md`` and as self-contained ``report.html`` titled ``title``."""
    import jinja2

    from calibration.report import _HTML, _md_to_html

    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    write_file(Path(directory) / "report.md", env.from_string(template).render(**fill(True)))
    body = env.from_string(template).render(**fill(False))
    html = env.from_string(_HTML).render(body=_md_to_html(body)).replace("supplyshock calibration report", title)
    out = Path(directory) / "report.html"
    write_file(out, html)
    return out


def render_backcast(directory: Path) -> Path:
    """Write ``report.html`` (figures embedded), ``report.md`` and ``figures/*.png`` from ``backcast.json``.

    Raises
    ------
    InputError
        ``directory`` holds no readable backcast document.
    """
    doc = read_results(directory, "backcast.json", FORMAT, "backcast results file (supplyshock backcast --out)")
    md_figs, html_figs = save_figures(directory, [(f"series_{i + 1}", key, fig) for i, (key, fig) in enumerate(_figures(doc).items())])
    cov = doc["coverage"]
    n = cov["n"]
    src_rows = [[r["name"], r["ref"], r["published"], r["confidence"],
                 " ".join(x for x in (r.get("proxy") and f"Proxy: {r['proxy']}", r.get("reasoning")) if x) or "–"]
                for r in doc["observations"]]
    src_head = ["observation", "source", "published", "confidence", "proxy / reasoning"]

    def fill(md: bool) -> dict[str, Any]:
        tab = _md_table if md else _html_table
        return {"episode": doc["episode"], "description": doc["description"].strip(), "scenario": doc["scenario"],
                "anchor": doc["anchor"], "horizon": doc["horizon_days"], "paths": f"{doc['paths']:,}", "seed": doc["seed"],
                "engine": doc["engine"], "cal": "calibrated defaults" if doc["calibrated"] else "priors as written (uncalibrated)",
                "version": doc["version"], "date": doc["date"], "n": n,
                "in50": "–" if not n else f"{round(cov['in50'] * n)} of {n} ({cov['in50']:.0%})",
                "in90": "–" if not n else f"{round(cov['in90'] * n)} of {n} ({cov['in90']:.0%})",
                "mq": "–" if not n else f"{cov['mean_quantile']:.2f}",
                "table": tab(HEADER, table_rows(doc)),
                "figures": "\n\n".join(md_figs if md else html_figs) or "(no series with a fan)",
                "sources": tab(src_head, src_rows), "notes": (doc.get("notes") or "").strip()}

    return write_pages(directory, _BODY, fill, "supplyshock backcast")


def json_ready(x: Any) -> Any:
    """JSON-ready: NumPy scalars as Python ones, non-finite numbers (a sector that never stopped) as null."""
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_ready(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else None
    return x
