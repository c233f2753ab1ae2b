"""Per-path parameters: a scenario's numbers with each path's prior draws applied.

Both engines read a :class:`PathParams` (built by :func:`resolve`) and a few pure
helpers defined here (working-day calendar, ramps), so the two engines share
every formula that is not part of the daily dynamics itself.

Array axes: ``P`` paths, ``M`` materials, ``K`` sources, ``S`` sectors, ``J``
policy measures, in the scenario file's order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy import stats

from simulator.model.draws import COHORT_KEY, prior_ppf
from simulator.model.fields import is_integer_field, prior_targets, share_groups
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Licence, Quota
from simulator.model.schema_prior import Prior

__all__ = ["KIND_CODES", "NEVER", "LicenceRegime", "PathParams", "Users", "criticality_on", "decision_day", "pass_share",
           "ramp_fraction", "resolve", "review_days", "working_day_calendar"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAYS_PER_YEAR = 365.0
KIND_CODES = {"ban": 0, "quota": 1, "licence": 2}
NEVER = 10**9
"""A day that never comes (trigger day of a material no measure touches)."""


@dataclass(frozen=True)
class LicenceRegime:
    """A licence measure's phases, per path.

    Phase ``h`` holds from day ``days[h]`` on (``days[0]`` is the measure's
    start day). Shares are of the volume decided on a day.

    Attributes
    ----------
    days : ndarray of shape (H,), int, days
    approve, reject, pending : ndarray of shape (P, H)
        ``pending = 1 - approve - reject``: decided again after another processing time.
    exempt : ndarray of shape (P, H)
        Share of the covered users' orders that general licences exempt.
    capacity : ndarray of shape (P, H), t per working day
        ``inf`` where the ministry has no capacity limit.
    lead : ndarray of shape (P, H), calendar days
        The wait importers plan for (``planned_days``, or acceptance plus the
        expected processing time rounded up as decisions are, in calendar
        days): they order this far ahead.
    accept : ndarray of shape (P,), working days
        Before the processing clock starts (first decision only).
    limited : bool
        Some phase has a capacity limit.
    """

    days: IntArray
    approve: FloatArray
    reject: FloatArray
    pending: FloatArray
    exempt: FloatArray
    capacity: FloatArray
    lead: FloatArray
    accept: FloatArray
    limited: bool

    def phase(self, t: int) -> int:
        """Index of the phase in force on day ``t``."""
        return max(int(np.searchsorted(self.days, t, side="right")) - 1, 0)


@dataclass(frozen=True)
class Users:
    """The firms' uses of materials, the same on every path: sector pairs and conversions' inputs.

    Grouped by material (material order), within a material the sectors in
    order, then the conversions in order. Each use's firms are split into
    the cohorts; a use and a cohort together are one stock-holding firm.

    Attributes
    ----------
    material : ndarray of shape (U,), int
    sector : ndarray of shape (U,), int
        Sector index, or -1 for a conversion's input.
    conversion : ndarray of shape (U,), int
        Conversion index (see ``PathParams.conv_k``), or -1 for a sector.
    rank : ndarray of shape (U,), int
        Delivery rank (``priority`` or ``input_priority``; 1 first).
    bounds : list of (int, int)
        Rows ``[a, b)`` of each material.
    """

    material: IntArray
    sector: IntArray
    conversion: IntArray
    rank: IntArray
    bounds: list[tuple[int, int]]

    @property
    def n(self) -> int:
        """Number of uses (rows)."""
        return len(self.material)

    @property
    def ranks(self) -> list[int]:
        """Distinct delivery ranks, ascending."""
        return sorted({int(x) for x in self.rank})


@dataclass(frozen=True)
class PathParams:
    """Every number the engines need, per path.

    Attributes
    ----------
    n_paths, n_days : int
    demand : ndarray of shape (P, M), t/day
        Baseline daily demand.
    price : ndarray of shape (P, M), currency/t
    cover : ndarray of shape (P, M), days
        Average corporate inventory cover at the start (and the ordering target).
    cohort_w : ndarray of shape (C,)
        Each firm cohort's share of every sector's output (and of each material's use).
    cohort_cover : ndarray of shape (P, M, C), days
        Each cohort's normal cover: ``cover`` times its quantile of the
        material's cover distribution, normalised so that ``sum_c w_c x
        cohort_cover = cover``.
    stock0 : ndarray of shape (P, M), t
        National stockpile at the start.
    stock_trigger : ndarray of shape (P, M), t
        Release when corporate inventory is below this.
    stock_lag : ndarray of shape (P, M), int, days
    stock_rate : ndarray of shape (P, M), t/day
        Maximum release per day.
    share : ndarray of shape (P, K, M)
        Baseline share of each source in each material's supply.
    transit : ndarray of shape (P, K), int, days (>= 1)
    extra : ndarray of shape (P, K, M), t/day
        Extra capacity available once fully ramped up.
    ramp_lag, ramp_days : ndarray of shape (P, K, M), days
    premium : ndarray of shape (P, K, M)
        Price premium over the baseline price on volume above baseline flow.
    daily_output : ndarray of shape (P, S), currency/day
        Baseline gross output per day.
    use : ndarray of shape (P, S, M)
        Sector's share of the material's baseline use.
    crit, thrift, thrift_lag, thrift_ramp : ndarray of shape (P, S, M)
    priority : ndarray of shape (S, M), int
        Allocation rank (1 is served first); the same on every path.
    catch_share, overtime, window : ndarray of shape (P, S)
    gdp : ndarray of shape (P,), currency/yr
    kind : ndarray of shape (J,), int
        0 ban, 1 quota, 2 licence.
    msource : ndarray of shape (J,), int
        Source index of each measure.
    mmat : ndarray of shape (J, M), bool
        Materials each measure covers.
    start, end : ndarray of shape (P, J), int, days
        Active on days ``start <= t < end``.
    coverage : ndarray of shape (P, J)
    quota : ndarray of shape (P, J)
        Share of the covered users' baseline flow a quota lets through (0 for
        a ban or licence).
    leakage, leak_lag, leak_days : ndarray of shape (P, J)
        Full leakage share, the days from the start day to its start, and the
        days of its linear build-up: on day ``t`` the share
        ``leakage x ramp_fraction(t, start + leak_lag, leak_days)`` of the
        covered flow gets through (see :func:`pass_share`).
    licences : tuple of LicenceRegime or None, length J
        The regime of each licence measure (None for a ban or quota).
    trigger : ndarray of shape (P, M), int, days
        First day a measure on the material starts (``NEVER`` if none).
    first_start : ndarray of shape (P,), int, days
        First start day of any measure (0 if none): catch-up windows count from it.
    crit_floor, subst_lag, subst_days : ndarray of shape (P, S, M)
        Criticality after redesign (``crit`` where there is no substitution),
        the days from the disruption being known to the start of its fall
        and the days of the fall (see :func:`criticality_on`).
    conv_k, conv_m : ndarray of shape (Q,), int
        Source and product of each domestic conversion (a supply with a recipe).
    users : Users
        The firms' uses of materials (sector pairs and conversions' inputs),
        grouped by material; what each holds and is delivered.
    user_base : ndarray of shape (P, U), t/day
        Baseline use (a conversion's at its baseline output).
    user_recipe : ndarray of shape (P, U), t per t
        A conversion input's tonnes per tonne of product (0 for a sector).
    user_cover : ndarray of shape (P, U, C), days
        Normal cover of each firm cohort of each use.
    user_value : ndarray of shape (P, U), currency/t
        Value added a tonne saves at baseline (the triage order): for a
        sector, ``criticality x daily output x value-added ratio / baseline
        use``; for a conversion input, the use-weighted mean of its
        product's users' values divided by the recipe's tonnes per tonne.
    triage : ndarray of shape (P,)
        0 deliveries pro rata to gaps within a rank, 1 by value first.
    """

    n_paths: int
    n_days: int
    start_weekday: int
    demand: FloatArray
    price: FloatArray
    cover: FloatArray
    cohort_w: FloatArray
    cohort_cover: FloatArray
    stock0: FloatArray
    stock_trigger: FloatArray
    stock_lag: IntArray
    stock_rate: FloatArray
    share: FloatArray
    transit: IntArray
    extra: FloatArray
    ramp_lag: FloatArray
    ramp_days: FloatArray
    premium: FloatArray
    daily_output: FloatArray
    use: FloatArray
    crit: FloatArray
    thrift: FloatArray
    thrift_lag: FloatArray
    thrift_ramp: FloatArray
    priority: IntArray
    catch_share: FloatArray
    overtime: FloatArray
    window: FloatArray
    gdp: FloatArray
    kind: IntArray
    msource: IntArray
    mmat: BoolArray
    start: IntArray
    end: IntArray
    coverage: FloatArray
    quota: FloatArray
    leakage: FloatArray
    leak_lag: FloatArray
    leak_days: FloatArray
    licences: tuple[LicenceRegime | None, ...]
    trigger: IntArray
    first_start: IntArray
    crit_floor: FloatArray
    subst_lag: FloatArray
    subst_days: FloatArray
    conv_k: IntArray
    conv_m: IntArray
    users: Users
    user_base: FloatArray
    user_recipe: FloatArray
    user_cover: FloatArray
    user_value: FloatArray
    triage: FloatArray

    @cached_property
    def target(self) -> FloatArray:
        """Order-up-to position, shape (P, M), t: inventory cover plus baseline pipeline."""
        lead = np.einsum("pkm,pk->pm", self.share, self.transit.astype(np.float64))
        return (self.cover + lead) * self.demand

    @property
    def priority_levels(self) -> list[int]:
        """Distinct allocation ranks, ascending."""
        return sorted({int(x) for x in np.unique(self.priority)})


def _values(sc: Scenario, n_paths: int, drawn: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Value of every numeric field per path: base value, or the path's draw."""
    targets = prior_targets(sc)
    vals: dict[str, FloatArray] = {}
    for path, (_, field, base) in targets.items():
        if path in drawn:
            v = np.asarray(drawn[path], dtype=np.float64)
            if is_integer_field(field):
                v = np.rint(v)
            vals[path] = v
        else:
            vals[path] = np.full(n_paths, base)
    # share groups: drawn shares kept, the others scaled to fill the rest
    for members in share_groups(sc).values():
        drawn_m = [x for x in members if x in drawn]
        if not drawn_m:
            continue
        rest = [x for x in members if x not in drawn]
        used = np.sum([vals[x] for x in drawn_m], axis=0)
        if rest:
            base_rest = float(sum(targets[x][2] for x in rest))
            scale = (1.0 - used) / base_rest
            for x in rest:
                vals[x] = vals[x] * scale
        else:
            for x in drawn_m:
                vals[x] = vals[x] / used
    return vals


Getter = Callable[[str], FloatArray]
"""A field's per-path values by its path (``materials.<id>.price``), shape (P,)."""


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
class _Measures:
    """The policy measures, per path (:func:`_measures`); its fields are :class:`PathParams`' of the same names."""

    kind: IntArray
    msource: IntArray
    mmat: BoolArray
    start: IntArray
    end: IntArray
    coverage: FloatArray
    quota: FloatArray
    leakage: FloatArray
    leak_lag: FloatArray
    leak_days: FloatArray
    licences: tuple[LicenceRegime | None, ...]


@dataclass(frozen=True)
class _UseNumbers:
    """Each use's per-path numbers, (P, U) each (:func:`_use_numbers`)."""

    base: FloatArray
    recipe: FloatArray
    value: FloatArray
    cover_factor: FloatArray


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


def _measures(sc: Scenario, get: Getter, P: int) -> _Measures:
    """The policy measures, per path.

    Returns
    -------
    _Measures
        ``kind`` (J,) int (:data:`KIND_CODES`); ``msource`` (J,) int, the source;
        ``mmat`` (J, M) bool, the materials covered; ``start``, ``end`` (P, J) int, days
        (``end`` after ``start``); ``coverage``, ``quota``, ``leakage`` (P, J), shares
        (leakage scaled by ``calibration.leakage_scale``, at most 1, 0 without
        leakage); ``leak_lag``, ``leak_days`` (P, J) days; ``licences``: each licence's
        regime (None for a ban or quota).
    """
    meas, mats = sc.measure_ids, sc.material_ids
    J = len(meas)
    kind = np.array([KIND_CODES[sc.policy[j].kind] for j in meas], dtype=np.int64)
    msource = np.array([sc.source_ids.index(sc.policy[j].source) for j in meas], dtype=np.int64)
    mmat = np.zeros((J, len(mats)), dtype=bool)
    start = np.zeros((P, J), dtype=np.int64)
    end = np.zeros((P, J), dtype=np.int64)
    coverage, quota, leakage, leak_lag, leak_days = (np.zeros((P, J)) for _ in range(5))
    licences: list[LicenceRegime | None] = []
    for ji, j in enumerate(meas):
        mea = sc.policy[j]
        for m in mea.materials:
            mmat[ji, mats.index(m)] = True
        start[:, ji] = get(f"policy.{j}.start_day").astype(np.int64)
        end[:, ji] = np.maximum(get(f"policy.{j}.end_day"), start[:, ji] + 1).astype(np.int64)
        coverage[:, ji] = get(f"policy.{j}.coverage")
        if isinstance(mea, Quota):
            quota[:, ji] = get(f"policy.{j}.quota_share")
        if sc.adaptation.leakage:
            leakage[:, ji] = np.minimum(get(f"policy.{j}.leakage") * get("calibration.leakage_scale"), 1.0)
            leak_lag[:, ji] = get(f"policy.{j}.leakage_lag_days")
            leak_days[:, ji] = get(f"policy.{j}.leakage_days")
        licences.append(_licence_regime(mea, j, get, P) if isinstance(mea, Licence) else None)
    return _Measures(kind, msource, mmat, start, end, coverage, quota, leakage, leak_lag, leak_days, tuple(licences))


def _triggers(meas: _Measures, P: int) -> tuple[IntArray, IntArray]:
    """Each material's trigger day (P, M) int, days: the first start of a measure on it (``NEVER`` if none); and
    the first start of any measure (P,) int, days (0 if none)."""
    J, M = meas.mmat.shape
    trigger = np.full((P, M), NEVER, dtype=np.int64)
    for ji in range(J):
        for mi in range(M):
            if meas.mmat[ji, mi]:
                trigger[:, mi] = np.minimum(trigger[:, mi], meas.start[:, ji])
    first_start = meas.start.min(axis=1) if J else np.zeros(P, dtype=np.int64)
    return trigger, first_start


def _conversions(sc: Scenario, extra: FloatArray) -> list[tuple[int, int]]:
    """The domestic conversions: each supply with a recipe, as (source, product) index pairs.

    Without ``adaptation.conversion``, their spare capacity in ``extra`` (P, K, M) is set to 0 (in place).
    """
    mats, srcs = sc.material_ids, sc.source_ids
    convs = [(ki, mi) for ki, k in enumerate(srcs) for mi, m in enumerate(mats)
             if m in sc.sources[k].supply and sc.sources[k].supply[m].recipe]
    if not sc.adaptation.conversion:
        for ki, mi in convs:
            extra[:, ki, mi] = 0.0
    return convs


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


def resolve(sc: Scenario, drawn: Mapping[str, FloatArray], n_paths: int) -> PathParams:
    """Apply per-path prior draws to a scenario.

    Parameters
    ----------
    sc : Scenario
    drawn : mapping of str to ndarray of shape (n_paths,)
        Prior path -> drawn values (see :class:`simulator.model.draws.Draws`).
    n_paths : int

    Returns
    -------
    PathParams
    """
    v = _values(sc, n_paths, drawn)
    P = n_paths

    def get(path: str) -> FloatArray:
        return v[path]

    mat = _materials(sc, get)
    cohort_w, cohort_cover = _cohorts(sc, drawn, get, mat, P)
    supply = _supply(sc, get, P)
    sectors = _sectors(sc, get, P)
    uses = _sector_uses(sc, get, P)
    meas = _measures(sc, get, P)
    trigger, first_start = _triggers(meas, P)
    convs = _conversions(sc, supply.extra)
    users = _users(sc, convs)
    numbers = _use_numbers(sc, get, users, convs, mat.demand, supply, sectors, uses)
    return PathParams(
        n_paths=P, n_days=sc.run.horizon_days, start_weekday=sc.run.start_weekday,
        demand=mat.demand, price=mat.price, cover=mat.cover, cohort_w=cohort_w, cohort_cover=cohort_cover,
        stock0=mat.stock0, stock_trigger=mat.stock_trigger, stock_lag=mat.stock_lag, stock_rate=mat.stock_rate,
        share=supply.share, transit=supply.transit, extra=supply.extra, ramp_lag=supply.ramp_lag,
        ramp_days=supply.ramp_days, premium=supply.premium,
        daily_output=sectors.daily_output, use=uses.use, crit=uses.crit, thrift=uses.thrift,
        thrift_lag=uses.thrift_lag, thrift_ramp=uses.thrift_ramp, priority=uses.priority,
        catch_share=sectors.catch_share, overtime=sectors.overtime, window=sectors.window,
        gdp=get("economy.gdp").copy(),
        **vars(meas), trigger=trigger, first_start=first_start,
        crit_floor=uses.crit_floor, subst_lag=uses.subst_lag, subst_days=uses.subst_days,
        conv_k=np.array([c[0] for c in convs], dtype=np.int64), conv_m=np.array([c[1] for c in convs], dtype=np.int64),
        users=users, user_base=numbers.base, user_recipe=numbers.recipe,
        user_cover=_user_covers(users, numbers, cohort_cover), user_value=numbers.value,
        triage=get("firms.triage").copy() if sc.adaptation.triage else np.zeros(P),
    )


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


WORKING_TO_CALENDAR = 7.0 / 5.0
"""Calendar days per working day (Monday to Friday; public holidays are not modelled)."""


def _expected_review(prior: Prior, accept: FloatArray) -> FloatArray:
    """Expected working days to a first decision, shape (P,): acceptance plus processing, rounded up.

    By the midpoint rule on 4,096 quantiles of the processing-time prior.
    """
    u = (np.arange(4096) + 0.5) / 4096
    x = prior_ppf(prior, u)
    values, inverse = np.unique(accept, return_inverse=True)
    # the whole days summed exactly as integers (a float64 sum of these integers is exact in any order, so
    # the mean is the one NumPy's ``mean`` of each row gives): compiled, by runs of equal days along the
    # sorted quantiles, else 256 acceptance times at a time
    totals = np.empty(len(values), dtype=np.int64)
    if not _review_totals(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(values, dtype=np.float64),
                          totals):
        for a in range(0, len(values), 256):
            days = review_days(x[np.newaxis, :], values[a:a + 256, np.newaxis])
            totals[a:a + 256] = days.sum(axis=1)
    means = totals.astype(np.float64) / len(x)
    return np.asarray(means[inverse.reshape(-1)], dtype=np.float64)


def _review_totals(x: FloatArray, accept: FloatArray, out: npt.NDArray[np.int64]) -> bool:
    """Fill ``out`` with each acceptance time's total review days over ``x`` by the compiled loop
    (:func:`simulator.engines.compiled.rules.review_day_totals`); False where it cannot run (no numba, ``x``
    not sorted, or it fails to compile), leaving ``out`` to the NumPy code."""
    from simulator.engines.compiled import jit
    from simulator.engines.compiled import rules as _compiled

    if not jit.AVAILABLE or x.size == 0 or not bool(np.all(x[1:] >= x[:-1])) or not np.isfinite(x).all():
        return False
    try:
        _compiled.review_day_totals(x, accept, out)
    except jit.COMPILE_ERRORS:
        return False
    return True


def _licence_regime(mea: Licence, j: str, get: Callable[[str], FloatArray], P: int) -> LicenceRegime:
    phases = mea.phases()
    names = [f"policy.{j}"] + [f"policy.{j}.schedule.{h}" for h in mea.schedule]
    cols: dict[str, list[FloatArray]] = {f: [] for f in ("approve_share", "reject_share", "exempt_share", "capacity")}
    owner = dict.fromkeys(cols, names[0])
    for h, ph in enumerate(phases):
        if h:
            sched = list(mea.schedule.values())[h - 1]
            for f in cols:
                if getattr(sched, f) is not None:
                    owner[f] = names[h]
        for f in cols:
            if f == "capacity" and getattr(ph, f) is None:
                cols[f].append(np.full(P, np.inf))
            else:
                cols[f].append(get(f"{owner[f]}.{f}"))
    approve = np.stack(cols["approve_share"], axis=1)
    reject = np.stack(cols["reject_share"], axis=1)
    accept = get(f"policy.{j}.acceptance_days")
    if mea.planned_days is not None:
        lead = np.full((P, len(phases)), get(f"policy.{j}.planned_days")[:, None] * WORKING_TO_CALENDAR)
    else:
        lead = np.stack([_expected_review(ph.processing_days, accept) for ph in phases if ph.processing_days is not None],
                        axis=1) * WORKING_TO_CALENDAR
    capacity = np.stack(cols["capacity"], axis=1)
    return LicenceRegime(
        days=np.array([ph.day for ph in phases], dtype=np.int64),
        approve=approve,
        reject=reject,
        pending=np.maximum((1.0 - approve) - reject, 0.0),
        exempt=np.stack(cols["exempt_share"], axis=1),
        capacity=capacity,
        lead=lead,
        accept=accept,
        limited=bool(np.isfinite(capacity).any()),
    )


def pass_share(t: int, quota: FloatArray, leakage: FloatArray, start: FloatArray, leak_lag: FloatArray,
               leak_days: FloatArray) -> FloatArray:
    """Share of the covered users' baseline flow a ban or quota lets through on day ``t``.

    ``quota + leak x (1 - quota)`` with ``leak = leakage x ramp_fraction(t,
    start + leak_lag, leak_days)`` (elementwise).
    """
    leak = leakage * ramp_fraction(t, start + leak_lag, leak_days)
    return np.asarray(quota + leak * (1.0 - quota), dtype=np.float64)


def criticality_on(crit: FloatArray, floor: FloatArray, frac: FloatArray) -> FloatArray:
    """Criticality once ``frac`` of the substitution is done: ``crit - (crit - floor) x frac``."""
    return np.asarray(crit - (crit - floor) * frac, dtype=np.float64)


def review_days(work: FloatArray | float, accept: FloatArray | float) -> IntArray:
    """Whole working days to a decision: a drawn processing time plus acceptance, rounded up, at least 1."""
    return np.maximum(np.ceil((np.asarray(work) + accept) - 1e-9), 1).astype(np.int64)


def ramp_fraction(t: float, start: FloatArray | float, ramp: FloatArray | float) -> FloatArray:
    """Share of a ramp completed on day ``t``.

    0 before ``start``; rises linearly to 1 over ``ramp`` days; a ramp of 0 days
    is a step at ``start``. Works elementwise on arrays of any shape.
    """
    start_a = np.asarray(start, dtype=np.float64)
    ramp_a = np.asarray(ramp, dtype=np.float64)
    elapsed = t - start_a
    safe = np.where(ramp_a > 0.0, ramp_a, 1.0)
    with np.errstate(over="ignore"):  # a ramp of a few 1e-300 days is a step
        frac = np.where(ramp_a > 0.0, np.clip(elapsed / safe, 0.0, 1.0), np.where(elapsed >= 0.0, 1.0, 0.0))
    return np.asarray(frac, dtype=np.float64)


def working_day_calendar(n_days: int, start_weekday: int) -> tuple[IntArray, IntArray]:
    """Working-day counts for converting processing times to calendar days.

    Day 0 is weekday ``start_weekday`` (0 Monday ... 6 Sunday); Monday to Friday
    are working days (public holidays are not modelled).

    Returns
    -------
    cum : ndarray of shape (n_days,), int
        Working days in days ``0..t`` inclusive.
    nth : ndarray, int
        ``nth[j]`` is the calendar day of the j-th working day (``nth[0] = -1``).
    """
    days = np.arange(n_days)
    working = ((start_weekday + days) % 7) < 5
    cum = np.cumsum(working).astype(np.int64)
    nth = np.concatenate([[-1], days[working]]).astype(np.int64)
    return cum, nth


def decision_day(t: int | IntArray, tau: int | npt.NDArray[np.integer], cum: IntArray, nth: IntArray) -> IntArray:
    """Calendar day on which an application submitted on day ``t`` is decided.

    The decision falls on the ``tau``-th working day strictly after day ``t``.
    ``cum`` and ``nth`` come from :func:`working_day_calendar` and must cover
    the answer (make them long enough: horizon + 2 x the longest ``tau`` + 14).
    """
    return np.asarray(nth[cum[t] + tau], dtype=np.int64)
