"""Published estimates as calibration targets (value, unit, tolerance, source).

The default target is NRI's estimate that a 3-month stop of Chinese rare
earths costs Japan ¥660bn (0.11 % of GDP). Fitting comes in ``fit.py``; this
module only reads and checks the targets, and says how far a run is from one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Target", "default_target", "load_targets"]


@dataclass(frozen=True)
class Target:
    """One published estimate."""

    name: str
    description: str
    scenario: str
    quantity: str
    value: float
    unit: str
    tolerance: float
    source: str
    confidence: str
    default: bool = False

    def relative_error(self, estimate: float) -> float:
        """(estimate - target) / target."""
        return (estimate - self.value) / self.value

    def reproduced_by(self, estimate: float) -> bool:
        """True if ``estimate`` lies within the target's relative tolerance."""
        return abs(self.relative_error(estimate)) <= self.tolerance


def load_targets(path: Path | None = None) -> dict[str, Target]:
    """Targets from ``calibration/data/targets.toml`` (or another file of that layout)."""
    if path is None:
        path = Path(str(resources.files("calibration") / "data" / "targets.toml"))
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    out = {}
    for name, t in raw.get("targets", {}).items():
        out[name] = Target(name=name, **t)
    return out


def default_target() -> Target:
    """The target a calibration fits unless told otherwise (NRI, 3 months)."""
    return next(t for t in load_targets().values() if t.default)
