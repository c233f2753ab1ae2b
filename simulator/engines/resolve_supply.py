"""The steps of :func:`~simulator.engines.resolve.resolve` for materials and supply.

Each material's per-path numbers and stockpile (:func:`_materials`), the firm cohorts'
weights and normal covers (:func:`_cohorts`, :func:`cohort_covers`) and each source's
supply of each material (:func:`_supply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from simulator.engines.params import DAYS_PER_YEAR, Getter
from simulator.model.draws import COHORT_KEY
from simulator.model.scenario import Scenario

__all__ = ["cohort_covers"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Materials:
    """Each material's per-path numbers, (P, M) each (:func:`_materials`)."""

    demand: FloatArray
    price: FloatArray
    cover: FloatArray
    spread: FloatArray
    stock0: FloatArray
    stock_trigger: FloatArray
    stock_lag: IntArray
    stock_rate: FloatArray


@dataclass(frozen=True)
class _Supply:
    """Each source's supply of each material, per path (:func:`_supply`)."""

    share: FloatArray
    transit: IntArray
    extra: FloatArray
    ramp_lag: FloatArray
    ramp_days: FloatArray
    premium: FloatArray


def _materials(sc: Scenario, get: Getter) -> _Materials:
    """Each material's per-path numbers.

    Returns
    -------
    _Materials
        (P, M) each: ``demand`` t/day; ``price`` currency/t; ``cover`` days (scaled by
        ``calibration.cover_scale``); ``spread``, the lognormal sigma of cover; the
        stockpile's ``stock0`` t, ``stock_trigger`` t, ``stock_lag`` int days and
        ``stock_rate`` t/day.
    """
    mats = sc.material_ids

    def col(field: str) -> FloatArray:
        return np.stack([get(f"materials.{m}.{field}") for m in mats], axis=1)

    demand = col("annual_demand") / DAYS_PER_YEAR
    return _Materials(
        demand=demand, price=col("price"), cover=col("inventory_days") * get("calibration.cover_scale")[:, None],
        spread=col("inventory_spread"), stock0=col("stockpile.days") * demand,
        stock_trigger=col("stockpile.trigger_cover_days") * demand,
        stock_lag=col("stockpile.decision_lag_days").astype(np.int64),
        stock_rate=col("stockpile.max_release_per_day") * demand)


def _cohorts(sc: Scenario, drawn: Mapping[str, FloatArray], get: Getter, mat: _Materials,
             P: int) -> tuple[FloatArray, FloatArray]:
    """The firm cohorts' weights (C,) and normal covers (P, M, C) days (:func:`cohort_covers`), each cohort's
    quantile matched across materials by the drawn uniforms where cover is not fully correlated."""
    C = sc.firms.cohorts
    rho = get("firms.cover_correlation") if sc.adaptation.sector_cover else np.ones(P)
    match = None
    if C > 1 and bool((rho < 1.0).any()):
        match = np.stack([np.stack([drawn[f"{COHORT_KEY}.{m}.{c}"] for c in range(C)], axis=1)
                          for m in sc.material_ids], axis=1)
    return cohort_covers(mat.cover, mat.spread, C, rho=rho, match=match)


def _supply(sc: Scenario, get: Getter, P: int) -> _Supply:
    """Each source's supply of each material, per path (0 where the source does not supply it).

    Returns
    -------
    _Supply
        ``share`` (P, K, M); ``transit`` (P, K) int, days (at least 1); ``extra`` (P, K, M)
        t/day (scaled by ``calibration.capacity_scale``); ``ramp_lag``, ``ramp_days``
        (P, K, M) days; ``premium`` (P, K, M), share of the price.
    """
    mats, srcs = sc.material_ids, sc.source_ids
    K, M = len(srcs), len(mats)
    share, extra, ramp_lag, ramp_days, premium = (np.zeros((P, K, M)) for _ in range(5))
    transit = np.zeros((P, K), dtype=np.int64)
    for ki, k in enumerate(srcs):
        transit[:, ki] = np.maximum(get(f"sources.{k}.transit_days"), 1).astype(np.int64)
        for mi, m in enumerate(mats):
            if m not in sc.sources[k].supply:
                continue
            base = f"sources.{k}.supply.{m}"
            share[:, ki, mi] = get(f"{base}.share")
            extra[:, ki, mi] = get(f"{base}.extra_capacity") * get("calibration.capacity_scale") / DAYS_PER_YEAR
            ramp_lag[:, ki, mi] = get(f"{base}.ramp_lag_days")
            ramp_days[:, ki, mi] = get(f"{base}.ramp_days")
            premium[:, ki, mi] = get(f"{base}.price_premium")
    return _Supply(share, transit, extra, ramp_lag, ramp_days, premium)


def cohort_covers(cover: FloatArray, spread: FloatArray, n: int, *, rho: FloatArray | None = None,
                  match: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Cohort weights and covers: quantiles of a lognormal cover distribution with mean ``cover``.

    Parameters
    ----------
    cover : ndarray of shape (P, M), days
        Average cover.
    spread : ndarray of shape (P, M)
        Sigma of the lognormal (0: every cohort holds the average cover).
    n : int
        Number of cohorts.
    rho : ndarray of shape (P,), optional
        Correlation of a cohort's cover across materials (default 1).
    match : ndarray of shape (P, M, n), optional
        Uniforms whose order matches each material's quantiles to the
        cohorts: cohort ``i``'s normal score is ``rho x z_i + sqrt(1 - rho^2)
        x z_r``, where ``r`` is the rank of ``match[p, m, i]`` among the
        material's ``n`` uniforms (needed where ``rho < 1``).

    Returns
    -------
    w : ndarray of shape (n,)
        Equal shares ``1 / n``.
    covers : ndarray of shape (P, M, n), days
        Cover of cohort ``i`` at quantile ``(i + 0.5) / n``, scaled so the
        share-weighted mean is exactly ``cover`` before rounding.

    Examples
    --------
    >>> w, c = cohort_covers(np.array([[60.0]]), np.array([[0.0]]), 4)
    >>> w.tolist(), c[0, 0].tolist()
    ([0.25, 0.25, 0.25, 0.25], [60.0, 60.0, 60.0, 60.0])
    >>> w, c = cohort_covers(np.array([[60.0]]), np.array([[0.8]]), 5)
    >>> bool(c[0, 0, 0] < 30.0 < 120.0 < c[0, 0, 4]), round(float((w * c[0, 0]).sum()), 9)
    (True, 60.0)
    """
    w = np.full(n, 1.0 / n)
    z = stats.norm.ppf((np.arange(n) + 0.5) / n)  # (n,)
    score = np.broadcast_to(z, (*spread.shape, n))
    if rho is not None and match is not None and bool((rho < 1.0).any()):
        ranks = np.argsort(np.argsort(match, axis=-1, kind="stable"), axis=-1, kind="stable")
        r = rho[:, None, None]
        score = r * z + np.sqrt(1.0 - r * r) * z[ranks]
    raw = np.exp(spread[..., None] * score)  # (P, M, n)
    mean = (raw * w).sum(axis=-1, keepdims=True)
    return w, cover[..., None] * (raw / mean)
