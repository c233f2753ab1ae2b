"""Per-path parameters: every number the engines need, per path (:class:`PathParams`).

Both engines read a :class:`PathParams`, built from a scenario and its prior draws by
:func:`simulator.engines.resolve.resolve`; the formulas they share outside the daily
dynamics are in :mod:`simulator.engines.formulas`.

Array axes: ``P`` paths, ``M`` materials, ``K`` sources, ``S`` sectors, ``J``
policy measures, in the scenario file's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

__all__ = ["KIND_CODES", "NEVER", "LicenceRegime", "PathParams", "Users"]

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
        covered flow gets through (see :func:`~simulator.engines.formulas.pass_share`).
    licences : tuple of LicenceRegime or None, length J
        The regime of each licence measure (None for a ban or quota).
    trigger : ndarray of shape (P, M), int, days
        First day a measure on the material starts (``NEVER`` if none).
    first_start : ndarray of shape (P,), int, days
        First start day of any measure (0 if none): catch-up windows count from it.
    crit_floor, subst_lag, subst_days : ndarray of shape (P, S, M)
        Criticality after redesign (``crit`` where there is no substitution),
        the days from the disruption being known to the start of its fall
        and the days of the fall (see :func:`~simulator.engines.formulas.criticality_on`).
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


Getter = Callable[[str], FloatArray]
"""A field's per-path values by its path (``materials.<id>.price``), shape (P,)."""
