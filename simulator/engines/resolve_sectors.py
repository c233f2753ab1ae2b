"""The steps of :func:`~simulator.engines.resolve.resolve` for sectors and uses.

Each sector's per-path numbers (:func:`_sectors`), its use of each material:
criticality, substitution, thrift and priority (:func:`_sector_uses`), and the firms'
uses, sector pairs and conversions' inputs (:func:`_users`), with their baseline use,
recipe, value and normal cover (:func:`_use_numbers`, :func:`_user_covers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.engines.params import DAYS_PER_YEAR, Getter, Users
from simulator.engines.resolve_supply import _Supply
from simulator.model.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Sectors:
    """Each sector's per-path numbers, (P, S) each (:func:`_sectors`)."""

    daily_output: FloatArray
    catch_share: FloatArray
    overtime: FloatArray
    window: FloatArray
    cover_factor: FloatArray


@dataclass(frozen=True)
class _SectorUses:
    """Each sector's use of each material, per path (:func:`_sector_uses`)."""

    use: FloatArray
    crit: FloatArray
    crit_floor: FloatArray
    subst_lag: FloatArray
    subst_days: FloatArray
    thrift: FloatArray
    thrift_lag: FloatArray
    thrift_ramp: FloatArray
    priority: IntArray


@dataclass(frozen=True)
class _UseNumbers:
    """Each use's per-path numbers, (P, U) each (:func:`_use_numbers`)."""

    base: FloatArray
    recipe: FloatArray
    value: FloatArray
    cover_factor: FloatArray


def _sectors(sc: Scenario, get: Getter, P: int) -> _Sectors:
    """Each sector's per-path numbers.

    Returns
    -------
    _Sectors
        (P, S) each: ``daily_output`` currency/day (the input-output table's output x
        ``io_share``); ``catch_share`` (scaled by ``calibration.catch_up_scale``, at most
        1), ``overtime``, share of daily output; ``window`` days; ``cover_factor``
        (1 without sector covers).

    Raises
    ------
    ValueError
        The scenario has sectors and no input-output table.
    """
    table = sc.economy.table
    S = len(sc.sector_ids)
    daily_output, catch_share, overtime, window = (np.zeros((P, S)) for _ in range(4))
    cover_factor = np.ones((P, S))
    for si, s in enumerate(sc.sector_ids):
        sec = sc.sectors[s]
        if table is None:
            raise ValueError("scenario has no input-output table loaded; use load_scenario")
        annual = table.output[table.codes.index(sec.io_sector)] * sc.economy.io_unit
        daily_output[:, si] = annual * get(f"sectors.{s}.io_share") / DAYS_PER_YEAR
        catch_share[:, si] = np.minimum(get(f"sectors.{s}.catch_up_share") * get("calibration.catch_up_scale"), 1.0)
        overtime[:, si] = get(f"sectors.{s}.overtime_rate")
        window[:, si] = get(f"sectors.{s}.catch_up_window_days")
        if sc.adaptation.sector_cover:
            cover_factor[:, si] = get(f"sectors.{s}.cover_factor")
    return _Sectors(daily_output, catch_share, overtime, window, cover_factor)


def _crit_floor(get: Getter, base: str, crit: FloatArray) -> FloatArray:
    """A sector use's criticality after redesign (P,): its floor (scaled as ``crit`` (P,) is, at most ``crit``),
    moved towards ``crit`` by ``calibration.substitution_scale`` (at 1 exactly the floor as written)."""
    floor = np.minimum(get(f"{base}.criticality_floor") * get("calibration.criticality_scale"), 1.0)
    floor = np.minimum(floor, crit)
    sub = get("calibration.substitution_scale")  # scales how far substitution lowers the criticality
    scaled = np.clip(crit - (crit - floor) * sub, 0.0, crit)
    return np.asarray(np.where(sub == 1.0, floor, scaled), dtype=np.float64)


def _sector_uses(sc: Scenario, get: Getter, P: int) -> _SectorUses:
    """Each sector's use of each material, per path (0 where it uses none).

    Returns
    -------
    _SectorUses
        (P, S, M) each: ``use``, share of the material's baseline use; ``crit`` (scaled
        by ``calibration.criticality_scale``, at most 1) and ``crit_floor`` (``crit``
        without substitution); ``subst_lag``, ``subst_days`` days; ``thrift``, share;
        ``thrift_lag``, ``thrift_ramp`` days. ``priority`` (S, M) int, the delivery rank.
    """
    secs, mats = sc.sector_ids, sc.material_ids
    S, M = len(secs), len(mats)
    use, crit, crit_floor, subst_lag, subst_days, thrift, thrift_lag, thrift_ramp = (
        np.zeros((P, S, M)) for _ in range(8))
    priority = np.ones((S, M), dtype=np.int64)
    for si, s in enumerate(secs):
        sec = sc.sectors[s]
        for mi, m in enumerate(mats):
            if m not in sec.materials:
                continue
            base = f"sectors.{s}.materials.{m}"
            use[:, si, mi] = get(f"{base}.use_share")
            crit[:, si, mi] = np.minimum(get(f"{base}.criticality") * get("calibration.criticality_scale"), 1.0)
            crit_floor[:, si, mi] = crit[:, si, mi]
            if sec.materials[m].criticality_floor is not None and sc.adaptation.substitution:
                crit_floor[:, si, mi] = _crit_floor(get, base, crit[:, si, mi])
                subst_lag[:, si, mi] = get(f"{base}.substitution_lag_days")
                subst_days[:, si, mi] = get(f"{base}.substitution_days")
            thrift[:, si, mi] = get(f"{base}.thrift")
            thrift_lag[:, si, mi] = get(f"{base}.thrift_lag_days")
            thrift_ramp[:, si, mi] = get(f"{base}.thrift_ramp_days")
            priority[si, mi] = sec.materials[m].priority
    return _SectorUses(use, crit, crit_floor, subst_lag, subst_days, thrift, thrift_lag, thrift_ramp, priority)


def _users(sc: Scenario, convs: list[tuple[int, int]]) -> Users:
    """The firms' uses: for each material, its sector users in order, then the conversions that take it in."""
    mats, srcs, secs = sc.material_ids, sc.source_ids, sc.sector_ids
    rows: list[tuple[int, int, int, int]] = []  # (material, sector, conversion, rank)
    for mi, m in enumerate(mats):
        for si, s in enumerate(secs):
            if m in sc.sectors[s].materials:
                rows.append((mi, si, -1, int(sc.sectors[s].materials[m].priority)))
        for qi, (ki, pm) in enumerate(convs):
            sup = sc.sources[srcs[ki]].supply[mats[pm]]
            if m in sup.recipe:
                rows.append((mi, -1, qi, int(sup.input_priority)))
    U = len(rows)
    u_mat = np.array([r[0] for r in rows], dtype=np.int64)
    starts = np.searchsorted(u_mat, np.arange(len(mats)))
    return Users(material=u_mat, sector=np.array([r[1] for r in rows], dtype=np.int64),
                 conversion=np.array([r[2] for r in rows], dtype=np.int64),
                 rank=np.array([r[3] for r in rows], dtype=np.int64),
                 bounds=[(int(a), int(b)) for a, b in zip(starts, [*starts[1:], U], strict=False)])


def _sector_values(sc: Scenario, demand: FloatArray, sectors: _Sectors,
                   uses: _SectorUses) -> tuple[FloatArray, FloatArray]:
    """Each sector's baseline use of each material (P, S, M) t/day, and the value added a tonne of it saves
    (P, S, M) currency/t: ``criticality x daily output x value-added ratio / baseline use`` (0 where unused)."""
    table = sc.economy.table
    S = len(sc.sector_ids)
    va_ratio = np.zeros(S)
    if table is not None:
        x_io = np.asarray(table.output, dtype=np.float64)
        v_io = np.asarray(table.value_added, dtype=np.float64)
        for si, s in enumerate(sc.sector_ids):
            i_io = table.codes.index(sc.sectors[s].io_sector)
            va_ratio[si] = v_io[i_io] / x_io[i_io] if x_io[i_io] > 0 else 0.0
    sector_value = np.zeros(uses.use.shape)
    base_sm = uses.use * demand[:, None, :]
    np.divide(uses.crit * (sectors.daily_output * va_ratio)[:, :, None], base_sm, out=sector_value,
              where=base_sm > 0.0)
    return base_sm, sector_value


def _use_numbers(sc: Scenario, get: Getter, users: Users, convs: list[tuple[int, int]], demand: FloatArray,
                 supply: _Supply, sectors: _Sectors, uses: _SectorUses) -> _UseNumbers:
    """Each use's per-path numbers (see ``PathParams.user_*``).

    Returns
    -------
    _UseNumbers
        (P, U) each: ``base`` t/day, baseline use (a conversion input's at the
        conversion's baseline output); ``recipe`` t per t (0 for a sector); ``value``
        currency/t, the triage order; ``cover_factor`` (a conversion input's 1).
    """
    mats, srcs = sc.material_ids, sc.source_ids
    P, U = demand.shape[0], users.n
    base, recipe, value = np.zeros((P, U)), np.zeros((P, U)), np.zeros((P, U))
    factor = np.ones((P, U))
    base_sm, sector_value = _sector_values(sc, demand, sectors, uses)
    for u in range(U):
        mi, si, qi = int(users.material[u]), int(users.sector[u]), int(users.conversion[u])
        if si >= 0:
            base[:, u] = base_sm[:, si, mi]
            value[:, u] = sector_value[:, si, mi]
            factor[:, u] = sectors.cover_factor[:, si]
        else:
            ki, pm = convs[qi]
            amount = get(f"sources.{srcs[ki]}.supply.{mats[pm]}.recipe.{mats[mi]}")
            recipe[:, u] = amount
            base[:, u] = amount * (supply.share[:, ki, pm] * demand[:, pm])
            w_prod = uses.use[:, :, pm]
            tot = w_prod.sum(axis=1)
            mean_value = np.divide((w_prod * sector_value[:, :, pm]).sum(axis=1), tot, out=np.zeros(P), where=tot > 0.0)
            value[:, u] = mean_value / amount
    return _UseNumbers(base, recipe, value, factor)


def _user_covers(users: Users, numbers: _UseNumbers, cohort_cover: FloatArray) -> FloatArray:
    """Each firm's normal cover (P, U, C) days: its material's cohort cover (``cohort_cover`` (P, M, C)) x its
    use's cover factor, normalised to a mean of 1 over the material's uses weighted by baseline use."""
    P, M, C = cohort_cover.shape
    user_cover = np.zeros((P, users.n, C))
    for mi in range(M):
        a, b = users.bounds[mi]
        if a == b:
            continue
        ubase = numbers.base[:, a:b]
        tot = ubase.sum(axis=1, keepdims=True)
        w_use = np.divide(ubase, tot, out=np.full_like(ubase, 1.0 / (b - a)), where=tot > 0.0)
        mean_f = (w_use * numbers.cover_factor[:, a:b]).sum(axis=1, keepdims=True)
        fnorm = numbers.cover_factor[:, a:b] / mean_f
        user_cover[:, a:b, :] = cohort_cover[:, mi, None, :] * fnorm[:, :, None]
    return user_cover
