"""What the calibration report reads from a results directory, resolved once: the document, the fitted
scenario's snapshot, each estimate's facts, the parameter register, and the formatting every section shares.

Every number the report prints comes from ``calibration.json`` or the
snapshot stored beside it; a piece an older results directory lacks is
reported as not computed in that run rather than rebuilt from files that may
have changed since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import simulator
from calibration.fit import PRIOR_SD_UNIT
from calibration.model import FreeParam
from calibration.register import RegisterRow, Snapshot, counts, read_snapshot, register_rows, target_facts
from simulator.errors import InputError

__all__ = ["NOT_COMPUTED", "PINNED", "WEAK", "Context", "fmt", "fmt_band", "free_params", "money_scale", "num", "unit_label"]

PINNED = 0.5
"""A combination is pinned down when its posterior sd is below this share of its prior sd."""
WEAK = 0.8
"""... weakly constrained below this share; at prior width above it."""
ONE_YEAR_DAYS = 365
"""A stop this long or longer is a 1-year stop."""
NOT_COMPUTED = "not computed in this run"

_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def num(v: float) -> str:
    """A number as a reader writes it: 3 significant digits, powers of ten as ×10ⁿ outside 1e-3..1e6."""
    if not np.isfinite(v):
        return "–"
    if v == 0 or 1e-3 <= abs(v) < 1e6:
        return f"{v:.4g}"
    e = int(np.floor(np.log10(abs(v))))
    return f"{v / 10 ** e:.4g}×10{str(e).translate(_SUP)}"


def fmt(v: float | None, unit: str) -> str:
    """A target's value in its unit: yen as ¥ bn/tn, shares of GDP and of output as %, else 3 digits."""
    if v is None or not np.isfinite(v):
        return "–"
    if unit == "JPY":
        return f"¥{v / 1e12:.2f}tn" if abs(v) >= 1e12 else f"¥{v / 1e9:.0f}bn"
    if unit.startswith("%"):
        return f"{v:#.3g} %"
    return f"{v:#.3g}"


def fmt_band(q: Sequence[float], unit: str) -> str:
    """``median [5 %–95 %]``."""
    return f"{fmt(q[1], unit)} [{fmt(q[0], unit)}–{fmt(q[2], unit)}]"


def money_scale(values: Sequence[float]) -> tuple[float, str]:
    """Divisor and word (bn or tn) for yen on an axis."""
    big = max((abs(v) for v in values if np.isfinite(v)), default=0.0)
    return (1e12, "tn") if big >= 1e12 else (1e9, "bn")


def unit_label(t: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> str:
    """A target's unit with its money year (yen) or GDP base (% of GDP)."""
    u = str(t["unit"])
    if u == "JPY":
        return f"JPY, {t['money_year']} money" if t.get("money_year") else "JPY (money year not stated)"
    if u == "% of GDP" and facts:
        return f"% of GDP (base {fmt(facts['gdp'], 'JPY')}, {facts['price_year']}, nominal)"
    return u


def free_params(doc: Mapping[str, Any]) -> list[FreeParam]:
    """The results' free parameters as :class:`FreeParam` (prior, unit-cube maps)."""
    keys = ("name", "path", "label", "dist", "low", "high", "basis")
    return [FreeParam(**{k: f[k] for k in keys}, also=tuple(f.get("also", ()))) for f in doc["free"]]


@dataclass
class Context:
    """A results directory as the report reads it.

    Attributes
    ----------
    doc : dict
        ``calibration.json``.
    snapshot : Snapshot
        The fitted scenario (stored snapshot, or identical current files), or why it is missing.
    facts : dict
        Target name -> what its scenario holds (:func:`calibration.register.target_facts`).
    facts_origin : str
        Where the facts come from (stored at fit time, or the current files).
    register : list of RegisterRow
        Every parameter of the fitted scenario (empty without a snapshot).
    """

    doc: dict[str, Any]
    snapshot: Snapshot
    facts: dict[str, Any]
    facts_origin: str
    register: list[RegisterRow] = field(default_factory=list)

    @classmethod
    def read(cls, directory: Path, doc: dict[str, Any]) -> Context:
        """Resolve the snapshot, facts and register of a results directory."""
        snap = read_snapshot(directory, doc)
        facts = doc.get("target_facts")
        if isinstance(facts, dict):
            origin = "stored with this run at fit time"
        else:
            facts, origin = {}, ("not stored with this run; read from the current scenario files (the scenarios' "
                                 "stops, horizons and stockpiles as they are today)")
            for t in [*doc["targets"], *(r["target"] for r in doc["reconciliation"])]:
                try:
                    sc = simulator.load_scenario(t["scenario"], overrides=t.get("overrides") or None, calibrated=False)
                except InputError:
                    continue
                facts[t["name"]] = target_facts(sc, t.get("sector") or [])
        reg = register_rows(snap.scenario, doc["free"]) if snap.scenario is not None else []
        return cls(doc=doc, snapshot=snap, facts=facts, facts_origin=origin, register=reg)

    # ---------------------------------------------------------------- views

    @property
    def targets(self) -> list[dict[str, Any]]:
        """Fitted targets (with their fit results)."""
        return list(self.doc["targets"])

    @property
    def others(self) -> list[dict[str, Any]]:
        """Reconciliation targets (the published estimates not fitted)."""
        return [r["target"] for r in self.doc["reconciliation"]]

    @property
    def all_targets(self) -> list[dict[str, Any]]:
        """Fitted targets, then the other published estimates."""
        return [*self.targets, *self.others]

    @property
    def counts(self) -> dict[str, int] | None:
        """Free, drawn and fixed parameters of the fitted scenario (None without a snapshot)."""
        return counts(self.register) if self.register else None

    def predictive(self, name: str, which: str = "posterior") -> list[float] | None:
        """A target's posterior or prior predictive quantiles (5, 50, 95 % over paths), if computed."""
        pred = self.doc.get("predictive")
        if not isinstance(pred, dict):
            cr = self.doc.get("calibrated_run")
            if which == "posterior" and cr and self.targets and name == self.targets[0]["name"]:
                return list(cr["q"])
            return None
        entry = pred["targets"].get(name)
        return list(entry[which]) if entry and which in entry else None

    @property
    def predictive_paths(self) -> int | None:
        """Paths of the posterior-predictive run (None when it was not computed)."""
        pred = self.doc.get("predictive")
        if isinstance(pred, dict):
            return int(pred["paths"])
        cr = self.doc.get("calibrated_run")
        return len(cr["per_path"]) if cr else None

    def recon(self, name: str) -> dict[str, Any] | None:
        """The reconciliation entry of a target."""
        return next((r for r in self.doc["reconciliation"] if r["target"]["name"] == name), None)

    def point(self, name: str) -> float | None:
        """A target's point-fit median (fitted: the fit's; reconciled: simulated at the point fit)."""
        t = next((t for t in self.targets if t["name"] == name), None)
        if t is not None:
            return float(t["point"])
        r = self.recon(name)
        return float(r["at_point"]) if r else None

    def stop_days(self, name: str) -> int | None:
        """Days of stop behind published estimate ``name`` (None if unknown)."""
        f = self.facts.get(name)
        return int(f["stop_days"]) if f else None

    def one_year_informed(self) -> bool | None:
        """Whether any fitted target is a stop of a year or more (None if the facts are missing)."""
        days = [self.stop_days(t["name"]) for t in self.targets]
        if any(d is None for d in days):
            return None
        return any(d is not None and d >= ONE_YEAR_DAYS for d in days)

    @property
    def paths(self) -> int:
        """Paths per design point."""
        return int(self.doc["provenance"]["paths_per_point"])

    def marginal_sd_ratio(self) -> dict[str, float]:
        """Each free parameter's posterior sd over its prior sd (unit cube: the prior's CDF)."""
        post = np.asarray(self.doc["posterior"], dtype=float)
        return {p.name: float(np.std(p.to_unit(post[:, i])) / PRIOR_SD_UNIT) for i, p in enumerate(free_params(self.doc))}

    def profile_max(self) -> dict[str, float]:
        """Each free parameter's profile (objective minimised over the others): its largest value over the prior."""
        return {n: float(np.max(p["objective"])) for n, p in self.doc["profiles"].items()}

    def curve(self) -> dict[str, Any] | None:
        """The calibrated loss-versus-duration curve (None when not computed)."""
        cr = self.doc.get("calibrated_run") or {}
        c = cr.get("curve")
        return c if isinstance(c, dict) else None

    def curve_at(self, days: int) -> tuple[list[float], int] | None:
        """The curve's posterior-predictive quantiles at a duration, and the horizon that duration ran to."""
        c = self.curve()
        if not c or days not in c["days"]:
            return None
        i = c["days"].index(days)
        horizons = c.get("horizons")
        return list(c["calibrated"][i]), int(horizons[i]) if horizons else -1
