"""An episode's observations as numbers: each observation's model value per path (from a run's trajectories, or a
recorder of the few series it reads) and its observed value and stated sd in the same unit.

:mod:`calibration.episodes` reads the episode; :mod:`calibration.backcast` and :mod:`calibration.condition` compare
the two values.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from calibration.episodes import Episode, Observation, period_days
from simulator.economics.impact import Impact
from simulator.engines.params import PathParams
from simulator.engines.rules import STOPPAGE
from simulator.engines.trajectories import Trajectories
from simulator.model.scenario import Scenario

__all__ = ["LossSource", "SeriesSource", "model_values", "needed_series", "observed_sd", "observed_value"]


FloatArray = npt.NDArray[np.float64]


class SeriesSource(Protocol):
    """Daily series of a run, paths first: what an observation's model value is read from."""

    n_paths: int

    def arrivals(self, k: int, m: int) -> FloatArray:
        """Arrivals of material ``m`` from source ``k`` (t/day), shape (P, T)."""
        ...

    def fraction(self, s: int) -> FloatArray:
        """Sector ``s``'s output as a fraction of plan, shape (P, T)."""
        ...


class _FromTrajectories:
    def __init__(self, tr: Trajectories) -> None:
        self.tr, self.n_paths = tr, tr.n_paths

    def arrivals(self, k: int, m: int) -> FloatArray:
        return self.tr.arrivals[:, :, k, m]

    def fraction(self, s: int) -> FloatArray:
        return self.tr.output_fraction[:, :, s]


class LossSource(Protocol):
    """What a ``gdp_loss`` observation reads: the value added lost per path, % of annual GDP (e.g. an Impact)."""

    @property
    def gdp_loss_pct(self) -> npt.ArrayLike:
        """GDP loss of each path, % of GDP."""


def needed_series(ep: Episode, sc: Scenario) -> tuple[list[tuple[int, int]], list[int]]:
    """The (source, material) pairs and the sectors whose daily series the observations read (index order)."""
    k_of = {k: i for i, k in enumerate(sc.source_ids)}
    m_of = {m: i for i, m in enumerate(sc.material_ids)}
    s_of = {s: i for i, s in enumerate(sc.sector_ids)}
    edges: list[tuple[int, int]] = []
    sectors: list[int] = []
    for ob in ep.observations.values():
        if ob.kind == "arrivals":
            for k in ([k_of[ob.supplier]] if ob.supplier else list(range(len(k_of)))):
                edges += [(k, m_of[m]) for m in ob.materials if (k, m_of[m]) not in edges]
        elif ob.kind in ("sector_output", "first_stop") and s_of[ob.sector or ""] not in sectors:
            sectors.append(s_of[ob.sector or ""])
    return edges, sectors


def model_values(ep: Episode, sc: Scenario, tr: Trajectories | SeriesSource, pp: PathParams,
                 imp: Impact | LossSource | None) -> dict[str, FloatArray]:
    """Each observation's model quantity per path, shape (P,), in the observation's unit.

    ``arrivals``: tonnes over the period (index: over the path's baseline flow
    for the period's days); ``sector_output``: mean output over the period,
    % change against plan; ``first_stop``: the first day output fell more than
    1 % below plan (``inf`` if it never did); ``gdp_loss``: value added lost
    over the horizon, % of annual GDP (needs ``imp``).

    ``tr``: a run's trajectories, or any :class:`SeriesSource` (e.g. a recorder
    that kept only the series the observations read).
    """
    src: SeriesSource = _FromTrajectories(tr) if isinstance(tr, Trajectories) else tr
    out: dict[str, FloatArray] = {}
    k_of = {k: i for i, k in enumerate(sc.source_ids)}
    m_of = {m: i for i, m in enumerate(sc.material_ids)}
    s_of = {s: i for i, s in enumerate(sc.sector_ids)}
    for name, ob in ep.observations.items():
        if ob.kind == "arrivals":
            a, b = period_days(ep, ob)
            ks = [k_of[ob.supplier]] if ob.supplier else list(range(len(k_of)))
            ms = [m_of[m] for m in ob.materials]
            total = np.zeros(src.n_paths)
            base = np.zeros(src.n_paths)
            for k in ks:
                for m in ms:
                    series = src.arrivals(k, m)
                    if ob.measured_at == "departure":
                        # what left day t arrives transit days later (each path's transit)
                        days = a + pp.transit[:, k, np.newaxis] + np.arange(b - a + 1)  # (P, days)
                        total += np.take_along_axis(series, days, axis=1).sum(axis=1)
                    else:
                        total += series[:, a: b + 1].sum(axis=1)
                    base += pp.demand[:, m] * pp.share[:, k, m]  # t/day
            out[name] = total / (base * (b - a + 1)) if ob.unit == "index" else total
        elif ob.kind == "sector_output":
            a, b = period_days(ep, ob)
            out[name] = 100.0 * (src.fraction(s_of[ob.sector or ""])[:, a: b + 1].mean(axis=1) - 1.0)
        elif ob.kind == "first_stop":
            below = src.fraction(s_of[ob.sector or ""]) < STOPPAGE
            out[name] = np.where(below.any(axis=1), below.argmax(axis=1).astype(float), np.inf)
        else:
            if imp is None:
                raise ValueError("a gdp_loss observation needs the run's impact")
            out[name] = np.asarray(imp.gdp_loss_pct, dtype=float)
    return out


def observed_value(ep: Episode, ob: Observation) -> float:
    """The observation in the unit its model values are in (an index for ``unit = 'index'``; the day for ``first_stop``)."""
    if ob.kind == "arrivals" and ob.unit == "index":
        return (ob.value or 0.0) / _baseline_over_period(ep, ob)
    if ob.kind == "first_stop":
        return float(ep.day(ob.stop_date))
    return float(ob.value) if ob.value is not None else float("nan")


def observed_sd(ep: Episode, ob: Observation) -> float:
    """The stated uncertainty in the unit of :func:`observed_value` (an index's sd scales with the index)."""
    if ob.kind == "arrivals" and ob.unit == "index":
        return ob.stated_sd / _baseline_over_period(ep, ob)
    return ob.stated_sd


def _baseline_over_period(ep: Episode, ob: Observation) -> float:
    """The observed baseline flow (t) scaled to the observation's period."""
    if ob.baseline is None:
        raise ValueError(f"observation {ob.name!r} is an index without a baseline")
    a, b = period_days(ep, ob)
    return ob.baseline / ob.baseline_days * (b - a + 1)
