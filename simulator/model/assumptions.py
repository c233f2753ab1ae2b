"""Every assumption a run makes: each field that may take a prior, fixed, drawn or fitted, with its unit and source.

One table for ``supplyshock assumptions`` and the reports: a field is *fixed*
(the file's value, with the file's citation), *drawn* (its prior, on every
path, with the prior's source) or *fitted* (drawn from a fitted sample, with
what the sample was fitted to); then the adaptation switches and the run's
horizon and calendar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from simulator.model.fields import calibration_status, prior_targets, unit_of
from simulator.model.scenario import Scenario

__all__ = ["AssumptionRow", "Fitted", "assumption_rows", "entity_and_field", "prior_text"]


@dataclass(frozen=True)
class AssumptionRow:
    """One assumption of a scenario.

    Attributes
    ----------
    path : str
        Dotted path of the field.
    status : str
        ``"fixed"`` (the file's value), ``"drawn"`` (its prior, on every path) or a fitted status
        (``"fitted"``, or the caller's, e.g. ``"free"`` in a calibration's register).
    value : str
        The value the file gives (for a fitted field: the fit's summary and the value as written).
    prior : str
        The prior (drawn, fitted), or "–".
    unit : str
    source : str
        The prior's stated source (drawn), what the fit rests on (fitted) or the file's citation for the value.
    """

    path: str
    status: str
    value: str
    prior: str
    unit: str
    source: str


@dataclass(frozen=True)
class Fitted:
    """How a fitted field is shown: its status word, the fit's summary, its prior and what the fit rests on."""

    status: str
    value: str
    prior: str
    source: str


def entity_and_field(sc: Scenario, path: str) -> tuple[BaseModel | None, str]:
    """The last model object on ``path`` and the field name that follows it (whose ``refs`` cite the value)."""
    node: Any = sc
    owner: BaseModel | None = None
    field = ""
    for part in path.split("."):
        if isinstance(node, BaseModel):
            owner, field = node, part
            node = getattr(node, part, None)
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            break
    return owner, field


def prior_text(p: Any) -> str:
    """A prior as one line: ``"uniform low 0.1, high 0.4"``."""
    d = p.model_dump(exclude_none=True)
    d.pop("source", None)
    d.pop("usual", None)
    dist = d.pop("dist")
    return f"{dist} " + ", ".join(f"{k} {v:g}" if isinstance(v, int | float) else f"{k} {v}" for k, v in d.items())


def _posterior_fitted(sc: Scenario) -> dict[str, Fitted]:
    post = sc.calibration.posterior
    if post is None:
        return {}
    rows = np.asarray(post.draws, dtype=np.float64)
    on = calibration_status(sc).removeprefix("calibrated (").removesuffix(")")
    # the fit's own priors, as its provenance states them: "name (path, path, dist low-high), ..."
    fit_priors: dict[str, str] = {}
    for m in re.finditer(r"\w+ \(([^()]+)\)", str(post.provenance.get("free", ""))):
        *paths, dist = (x.strip() for x in m.group(1).split(","))
        for p in paths:
            fit_priors[p] = dist
    out = {}
    for j, col in enumerate(post.columns):
        q = np.quantile(rows[:, j], [0.05, 0.5, 0.95])
        prior = sc.uncertainty.get(col)
        shown = fit_priors.get(col) or (prior_text(prior) if prior is not None else "–")
        out[col] = Fitted("fitted", f"median {q[1]:.3g} [5-95 %: {q[0]:.3g}-{q[2]:.3g}] of {rows.shape[0]:,} fitted rows",
                          shown, f"fitted to {on} ({post.provenance.get('date', '?')[:10]})")
    return out


def assumption_rows(sc: Scenario, fitted: Mapping[str, Fitted] | None = None) -> list[AssumptionRow]:
    """Every field of ``sc`` that may take a prior, fixed, drawn or fitted; then switches, horizon and calendar.

    Parameters
    ----------
    sc : Scenario
    fitted : mapping of str to Fitted, optional
        Fields to show as fitted (default: the columns of the scenario's fitted sample, if any).
    """
    fit = _posterior_fitted(sc) if fitted is None else dict(fitted)
    rows = []
    for path, (cls, name, value) in prior_targets(sc).items():
        u = unit_of(cls, name)
        unit = u.unit if u is not None else "–"
        owner, field = entity_and_field(sc, path)
        refs = getattr(owner, "refs", {}) if owner is not None else {}
        cited = str(refs.get(field, "")) if isinstance(refs, Mapping) else ""
        shown = f"{value:g}"
        if path in fit:
            f = fit[path]
            rows.append(AssumptionRow(path, f.status, f"{f.value} (as written: {shown})", f.prior, unit, f.source))
        elif path in sc.uncertainty:
            pr = sc.uncertainty[path]
            rows.append(AssumptionRow(path, "drawn", shown, prior_text(pr), unit,
                                      pr.source or cited or "no source stated in the file"))
        else:
            rows.append(AssumptionRow(path, "fixed", shown, "–", unit, cited or "no source stated in the file"))
    for name in type(sc.adaptation).model_fields:
        on = bool(getattr(sc.adaptation, name))
        rows.append(AssumptionRow(f"adaptation.{name}", "fixed", "on" if on else "off", "–", "switch",
                                  "mechanism switch (the model's default is on)"))
    rows.append(AssumptionRow("run.horizon_days", "fixed", str(sc.run.horizon_days), "–", "days", "the scenario's horizon"))
    if sc.run.start_date is not None:
        rows.append(AssumptionRow("run.start_date", "fixed", sc.run.start_date.isoformat(), "–", "date",
                                  "calendar date of day 0 (the scenario's)"))
    return rows


def counts(rows: Sequence[AssumptionRow]) -> dict[str, int]:
    """How many numeric fields have each status (switches and run settings not counted)."""
    numeric = [r for r in rows if not r.path.startswith(("adaptation.", "run."))]
    out: dict[str, int] = {}
    for r in numeric:
        out[r.status] = out.get(r.status, 0) + 1
    return out
