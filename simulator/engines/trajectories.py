"""Trajectories: the daily state of every path, as raw arrays with labelled views.

Axes: ``P`` paths, ``T`` days, ``M`` materials, ``K`` sources, ``S`` sectors.
Stocks (inventory, stockpile, pipeline) are end-of-day values; flows are
the day's totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

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

_PATH_FIELDS = ("inventory0", "stockpile0", "pipeline0", "daily_output", "demand", "gdp")
"""Per-path arrays that are not daily."""


@dataclass(frozen=True)
class Event:
    """One line of a path's event log, with what it is about for filters and summaries.

    Attributes
    ----------
    day : int
        Day of the event (0 = the first simulated day).
    category : str
        Kind of event (``"application"``, ``"decision"``, ``"release"``, ``"firms stop"``, ...).
    text : str
        The line as printed.
    material, sector, office : str
        The material id (ids comma-separated for a measure that covers
        several), sector id and licence office the event is about; empty
        where it is about none.
    tonnes : float
        Volume the event moves, t: applied for, approved (a decision),
        shipped, released or made; 0 where none.
    rejected : float
        Volume a decision rejects, t.
    """

    day: int
    category: str
    text: str
    material: str = ""
    sector: str = ""
    office: str = ""
    tonnes: float = 0.0
    rejected: float = 0.0


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
        """Number of paths."""
        return int(self.inventory.shape[0])

    @property
    def n_days(self) -> int:
        """Number of simulated days (the horizon)."""
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

    @classmethod
    def concat(cls, parts: Sequence[Trajectories]) -> Trajectories:
        """Join the trajectories of consecutive groups of paths (same scenario and horizon)."""
        first = parts[0]
        arrays = {name: np.concatenate([getattr(p, name) for p in parts]) for name in (*ARRAY_FIELDS, *_PATH_FIELDS)}
        return cls(materials=first.materials, sources=first.sources, sectors=first.sectors, currency=first.currency,
                   engine=first.engine, events=[e for p in parts for e in p.events], **arrays)

    def _labels(self, name: str) -> tuple[str, list[str]]:
        """(dimension, labels) of the last axes of a daily array."""
        arr = getattr(self, name)
        if arr.ndim == 2:
            return "total", ["total"]
        if arr.ndim == 4:
            return "source/material", [f"{k}/{m}" for k in self.sources for m in self.materials]
        if name in ("output_fraction", "output", "lost_output"):
            return "sector", list(self.sectors)
        return "material", list(self.materials)

    def to_frame(self, variables: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy frame: one row per path, day, variable and label.

        Columns: ``path`` (int32), ``day`` (int16), ``dimension``, ``label``,
        ``variable`` (categoricals) and ``value`` (float64); ``dimension`` is
        ``material``, ``source/material``, ``sector`` or ``total``. About 18
        bytes a row, built without Python objects per row: every variable of
        1,000 paths over 365 days of the built-in economy is ~32 M rows,
        ~0.6 GB; pass ``variables`` for fewer, or use :meth:`to_xarray`
        (no copy).

        Parameters
        ----------
        variables : str or sequence of str, optional
            Names from :data:`ARRAY_FIELDS` (default: all).
        """
        names = list(ARRAY_FIELDS) if variables is None else [variables] if isinstance(variables, str) else list(variables)
        unknown = [n for n in names if n not in ARRAY_FIELDS]
        if unknown:
            raise ValueError(f"variables must be among {ARRAY_FIELDS}; got {unknown}")
        P, T = self.n_paths, self.n_days
        dims = {n: self._labels(n) for n in names}
        all_labels = list(dict.fromkeys(lab for _, labs in dims.values() for lab in labs))
        dim_names = list(dict.fromkeys(d for d, _ in dims.values()))
        lab_index = {lab: i for i, lab in enumerate(all_labels)}
        rows = sum(P * T * len(dims[n][1]) for n in names)
        path = np.empty(rows, dtype=np.int32)
        day = np.empty(rows, dtype=np.int16 if T < 2**15 else np.int32)
        dim_code = np.empty(rows, dtype=np.int8)
        lab_code: npt.NDArray[np.integer[Any]] = np.empty(rows, dtype=np.int16 if len(all_labels) < 2**15 else np.int32)
        var_code = np.empty(rows, dtype=np.int8)
        value = np.empty(rows, dtype=np.float64)
        at = 0
        for vi, name in enumerate(names):
            dim, labels = dims[name]
            n = len(labels)
            size = P * T * n
            sl = slice(at, at + size)
            path[sl] = np.repeat(np.arange(P, dtype=np.int32), T * n)
            day[sl] = np.tile(np.repeat(np.arange(T, dtype=day.dtype), n), P)
            dim_code[sl] = dim_names.index(dim)
            lab_code[sl] = np.tile(np.array([lab_index[lab] for lab in labels], dtype=lab_code.dtype), P * T)
            var_code[sl] = vi
            value[sl] = getattr(self, name).reshape(-1)
            at += size
        return pd.DataFrame({
            "path": path,
            "day": day,
            "dimension": pd.Categorical.from_codes(dim_code, dtype=pd.CategoricalDtype(dim_names)),
            "label": pd.Categorical.from_codes(lab_code, dtype=pd.CategoricalDtype(all_labels)),
            "variable": pd.Categorical.from_codes(var_code, dtype=pd.CategoricalDtype(names)),
            "value": value,
        }, copy=False)

    def to_xarray(self) -> xr.Dataset:
        """Every daily array as a labelled dataset, without copying.

        Dimensions ``path, day`` and ``material``, ``source``, ``sector`` as
        each array has them (``arrivals`` is ``path, day, source, material``).
        """
        coords = {"path": np.arange(self.n_paths), "day": np.arange(self.n_days), "material": list(self.materials),
                  "source": list(self.sources), "sector": list(self.sectors)}
        data = {}
        for name in ARRAY_FIELDS:
            dim, _ = self._labels(name)
            last = {"total": (), "source/material": ("source", "material"), "sector": ("sector",),
                    "material": ("material",)}[dim]
            data[name] = (("path", "day", *last), getattr(self, name))
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(currency=self.currency, engine=self.engine)
        return ds

    def array_names(self) -> list[str]:
        """Names of all array attributes (daily and initial)."""
        return [f.name for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)]
