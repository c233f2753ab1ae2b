"""Trajectories: the daily state of every path, as raw arrays with labelled views.

Axes: ``P`` paths, ``T`` days, ``M`` materials, ``K`` sources, ``S`` sectors.
Stocks (inventory, stockpile, pipeline) are end-of-day values; flows are
the day's totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ARRAY_FIELDS", "Event", "Trajectories"]

FloatArray = npt.NDArray[np.float64]

ARRAY_FIELDS = (
    "inventory",
    "stockpile",
    "pipeline",
    "arrivals",
    "release",
    "requirement",
    "consumption",
    "shortfall",
    "placed",
    "denied",
    "output_fraction",
    "output",
    "lost_output",
    "premium_cost",
)
"""Names of the daily arrays both engines fill (the engine-agreement test compares these)."""


@dataclass(frozen=True)
class Event:
    """One line of a path's event log."""

    day: int
    category: str
    text: str


@dataclass
class Trajectories:
    """Daily arrays per path.

    Attributes
    ----------
    materials, sources, sectors : list of str
        Labels of the M, K, S axes.
    inventory : ndarray of shape (P, T, M), t
        Corporate inventory at the end of each day.
    stockpile : ndarray of shape (P, T, M), t
        National stockpile at the end of each day.
    pipeline : ndarray of shape (P, T, M), t
        Ordered and not yet arrived (in transit or awaiting a licence), end of day.
    arrivals : ndarray of shape (P, T, K, M), t/day
        Shipments arriving, by source.
    release : ndarray of shape (P, T, M), t/day
        Stockpile released into corporate inventory.
    requirement : ndarray of shape (P, T, M), t/day
        What sectors asked for (after thrift, including catch-up).
    consumption : ndarray of shape (P, T, M), t/day
        What they received and used.
    shortfall : ndarray of shape (P, T, M), t/day
        Requirement not met (``requirement - consumption`` up to rounding;
        exactly 0 on days every requirement is met).
    placed : ndarray of shape (P, T, M), t/day
        Volume entering the pipeline (shipped or applied for).
    denied : ndarray of shape (P, T, M), t/day
        Licence applications denied (volume leaves the pipeline).
    output_fraction : ndarray of shape (P, T, S)
        Output as a share of the day's plan, in [0, 1].
    output : ndarray of shape (P, T, S)
        Output as a share of baseline daily output (above 1 while catching up).
    lost_output : ndarray of shape (P, T, S), currency/day
        Gross output lost, net of catch-up (negative on catch-up days).
    premium_cost : ndarray of shape (P, T), currency/day
        Extra paid to alternative suppliers above the baseline price.
    inventory0, stockpile0, pipeline0 : ndarray of shape (P, M), t
        State at the start of day 0.
    daily_output : ndarray of shape (P, S), currency/day
        Baseline gross output.
    demand : ndarray of shape (P, M), t/day
        Baseline daily demand.
    gdp : ndarray of shape (P,), currency/yr
    price_scale : ndarray of shape (P,), optional
        Factor from the table's money (that of ``lost_output``) to the price
        year's, with the paths' draws (set by :func:`simulator.simulate`).
    currency : str
    engine : str
    events : list of list of Event, optional
        Per path event log (SimPy engine only, when asked for).
    """

    materials: list[str]
    sources: list[str]
    sectors: list[str]
    inventory: FloatArray
    stockpile: FloatArray
    pipeline: FloatArray
    arrivals: FloatArray
    release: FloatArray
    requirement: FloatArray
    consumption: FloatArray
    shortfall: FloatArray
    placed: FloatArray
    denied: FloatArray
    output_fraction: FloatArray
    output: FloatArray
    lost_output: FloatArray
    premium_cost: FloatArray
    inventory0: FloatArray
    stockpile0: FloatArray
    pipeline0: FloatArray
    daily_output: FloatArray
    demand: FloatArray
    gdp: FloatArray
    price_scale: FloatArray | None = None
    currency: str = "JPY"
    engine: str = ""
    events: list[list[Event]] = field(default_factory=list)

    @property
    def n_paths(self) -> int:
        return int(self.inventory.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.inventory.shape[1])

    @classmethod
    def empty(
        cls,
        n_paths: int,
        n_days: int,
        materials: list[str],
        sources: list[str],
        sectors: list[str],
        **kw: object,
    ) -> Trajectories:
        """Zero-filled trajectories of the given size (engines fill them in)."""
        P, T, M, K, S = n_paths, n_days, len(materials), len(sources), len(sectors)
        shapes = {
            "arrivals": (P, T, K, M),
            "output_fraction": (P, T, S),
            "output": (P, T, S),
            "lost_output": (P, T, S),
            "premium_cost": (P, T),
        }
        arrays = {name: np.zeros(shapes.get(name, (P, T, M))) for name in ARRAY_FIELDS}
        return cls(materials=materials, sources=sources, sectors=sectors, **arrays, **kw)  # type: ignore[arg-type]

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per path, day and label, one column per variable.

        Columns: ``path, day, dimension, label, variable, value``; ``dimension``
        is ``material``, ``source/material``, ``sector`` or ``total``.
        """
        P, T = self.n_paths, self.n_days
        frames = []
        path_idx, day_idx = np.meshgrid(np.arange(P), np.arange(T), indexing="ij")
        for name in ARRAY_FIELDS:
            arr = getattr(self, name)
            if arr.ndim == 2:
                labels, dim, flat = ["total"], "total", arr.reshape(P, T, 1)
            elif arr.ndim == 4:
                labels = [f"{k}/{m}" for k in self.sources for m in self.materials]
                dim, flat = "source/material", arr.reshape(P, T, -1)
            elif arr.shape[2] == len(self.sectors) and name in ("output_fraction", "output", "lost_output"):
                labels, dim, flat = self.sectors, "sector", arr
            else:
                labels, dim, flat = self.materials, "material", arr
            n = len(labels)
            frames.append(
                pd.DataFrame(
                    {
                        "path": np.repeat(path_idx.ravel(), n),
                        "day": np.repeat(day_idx.ravel(), n),
                        "dimension": dim,
                        "label": np.tile(np.asarray(labels, dtype=object), P * T),
                        "variable": name,
                        "value": flat.reshape(-1),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def array_names(self) -> list[str]:
        """Names of all array attributes (daily and initial)."""
        return [f.name for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)]
