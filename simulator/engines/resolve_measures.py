"""The steps of :func:`~simulator.engines.resolve.resolve` for measures, triggers and conversions.

Each policy measure per path (:func:`_measures`), a licence's regime with the review
time importers plan for (:func:`_licence_regime`), each material's trigger day
(:func:`_triggers`) and the domestic conversions (:func:`_conversions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.engines.formulas import review_days
from simulator.engines.params import KIND_CODES, NEVER, Getter, LicenceRegime
from simulator.model.draws import prior_ppf
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Licence, Quota
from simulator.model.schema_prior import Prior

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _Measures:
    """The policy measures, per path (:func:`_measures`); its fields are :class:`~simulator.engines.params.PathParams`' of the same names."""

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


def _measures(sc: Scenario, get: Getter, P: int) -> _Measures:
    """The policy measures, per path.

    Returns
    -------
    _Measures
        ``kind`` (J,) int (:data:`~simulator.engines.params.KIND_CODES`); ``msource`` (J,) int, the source;
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
