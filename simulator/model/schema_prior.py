"""The schema of a prior: the distribution one numeric field is drawn from on every Monte Carlo path.

:class:`Prior` holds the family and its parameters, checks that they fit together (:meth:`Prior.check`) and
states the widest range it can produce (:meth:`Prior.support`); drawing from it is :mod:`simulator.model.draws`'s
job.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from annotated_types import Gt, Le

from simulator.model.schema_base import _Frozen

__all__ = ["Prior"]


class Prior(_Frozen):
    """A distribution for one numeric field, drawn once per Monte Carlo path.

    ``dist`` is one of ``uniform`` (low, high), ``triangular`` (low, mode, high),
    ``normal`` (mean, sd; optionally truncated to [low, high]), ``lognormal``
    (median, sigma; optionally truncated), ``loguniform`` (low, high) or
    ``fixed`` (value).
    """

    dist: Literal["uniform", "triangular", "normal", "lognormal", "loguniform", "fixed"]
    """Distribution family."""
    low: float | None = None
    """Lower end (uniform, triangular, loguniform; optional truncation for normal and lognormal), field's unit."""
    high: float | None = None
    """Upper end (as ``low``), field's unit."""
    mode: float | None = None
    """Most likely value (triangular), field's unit."""
    mean: float | None = None
    """Mean (normal), field's unit; must be a value the field can take."""
    sd: Annotated[float, Gt(0)] | None = None
    """Standard deviation (normal), field's unit."""
    median: Annotated[float, Gt(0)] | None = None
    """Median (lognormal), field's unit; must be a value the field can take."""
    sigma: Annotated[float, Gt(0), Le(5)] | None = None
    """Standard deviation of the logarithm (lognormal)."""
    value: float | None = None
    """The value (fixed), field's unit."""
    source: str = ""
    """Where the range comes from, with a date."""

    _REQUIRED: dict[str, tuple[str, ...]] = {
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd"),
        "lognormal": ("median", "sigma"),
        "loguniform": ("low", "high"),
        "fixed": ("value",),
    }
    _ALLOWED: dict[str, tuple[str, ...]] = {
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd", "low", "high"),
        "lognormal": ("median", "sigma", "low", "high"),
        "loguniform": ("low", "high"),
        "fixed": ("value",),
    }

    def check(self) -> tuple[str, str, Any] | None:
        """Return ``(field, rule, value)`` for the first inconsistency, or None."""
        params = ("low", "high", "mode", "mean", "sd", "median", "sigma", "value")
        for name in self._REQUIRED[self.dist]:
            if getattr(self, name) is None:
                return name, f"is required for dist = {self.dist!r}", None
        for name in params:
            if getattr(self, name) is not None and name not in self._ALLOWED[self.dist]:
                return name, f"is not a parameter of dist = {self.dist!r}", getattr(self, name)
        for name in params:
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                return name, "must be finite", v
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not lo < hi:
            return "high", f"must be > low ({lo:g})", hi
        if self.dist == "triangular":
            mode = self.mode
            if mode is None or lo is None or hi is None or not lo <= mode <= hi:
                return "mode", f"must lie in [low, high] = [{lo:g}, {hi:g}]", self.mode
        if self.dist == "loguniform" and lo is not None and lo <= 0:
            return "low", "must be > 0 for a loguniform prior", lo
        if self.dist == "normal" and self.mean is not None:
            if lo is not None and hi is not None and not (lo <= self.mean + 5 * (self.sd or 1) and hi >= self.mean - 5 * (self.sd or 1)):
                return "mean", "truncation range [low, high] holds no probability mass", self.mean
        return None

    def support(self) -> tuple[float, float]:
        """Smallest interval holding every value this prior can produce."""
        if self.dist == "fixed":
            if self.value is None:  # an error reported elsewhere
                return -math.inf, math.inf
            v = float(self.value)
            return v, v
        if self.dist in ("uniform", "triangular", "loguniform"):  # a missing bound is an error reported elsewhere
            return (float(self.low) if self.low is not None else -math.inf), (
                float(self.high) if self.high is not None else math.inf
            )
        if self.dist == "lognormal":
            return (self.low if self.low is not None else 0.0), (
                self.high if self.high is not None else math.inf
            )
        return (self.low if self.low is not None else -math.inf), (
            self.high if self.high is not None else math.inf
        )
