"""Cross-field rules of export measures: each measure's own rules (days, materials, a licence's processing time,
schedule and decision shares) and the rules across measures (windows the priors allow, overlaps).

A measure's own rules take ``(scenario, measure id, measure)`` and are walked measure by measure, once its source
is an exporting one, in the order of :data:`simulator.model.validation.MEASURE_RULES`; the rules across measures
are registered in :data:`simulator.model.validation.CROSS_FIELD_RULES`. Each rule's docstring names the fields and
the rule as its messages state them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from simulator.errors import suggest
from simulator.model.rules_common import SHARE_TOLERANCE, Problem, _prior_range
from simulator.model.scenario import Scenario
from simulator.model.schema_measures import Ban, Licence, Quota

__all__ = ["MAX_PROCESSING_DAYS"]


MAX_PROCESSING_DAYS = 3650
"""Hard upper end of a licence's processing time prior, working days."""


def _measure_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.end_day: must be after start_day."""
    if meas.end_day <= meas.start_day:
        yield (f"policy.{j}.end_day", f"must be after start_day ({meas.start_day})", meas.end_day)


def _measure_materials(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.materials: names an unknown material, or a material the measure's source does not supply."""
    mats = list(sc.materials)
    for m in meas.materials:
        if m not in sc.materials:
            yield (f"policy.{j}.materials", "names an unknown material" + suggest(m, mats), m)
        elif m not in sc.sources[meas.source].supply:
            yield (f"policy.{j}.materials", f"names a material that source {meas.source!r} does not supply", m)


def _licence_processing_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.processing_days (and each schedule change's): must not produce negative working days, nor more
    than MAX_PROCESSING_DAYS (after the prior's own rules)."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
    priors = [(f"{where}.processing_days", meas.processing_days)]
    priors += [(f"{where}.schedule.{h}.processing_days", ph.processing_days)
               for h, ph in meas.schedule.items() if ph.processing_days is not None]
    for path, pr in priors:
        chk = pr.check()
        if chk is not None:
            yield (f"{path}.{chk[0]}", chk[1], chk[2])
        elif pr.support()[0] < 0:
            yield (path, "must not produce negative working days (a normal needs low >= 0)",
                   pr.model_dump(exclude_none=True, exclude={"source"}))
        elif pr.support()[1] > MAX_PROCESSING_DAYS:
            yield (path, f"must not produce more than {MAX_PROCESSING_DAYS} working days "
                   "(a normal or lognormal needs high)", pr.support()[1])


def _licence_schedule_days(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.schedule.<h>.day: must be after the previous change day (or start_day) and before end_day; a
    schedule's change days are fixed (no prior)."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
    last = meas.start_day
    end_hi = _prior_range(sc, f"{where}.end_day", meas.end_day)[1]
    for h, ph in meas.schedule.items():
        if f"{where}.schedule.{h}.day" in sc.uncertainty:
            yield (f"uncertainty.{where}.schedule.{h}.day", "a schedule's change days are fixed (no prior)", h)
        if ph.day <= last:
            rule = (f"must be after the previous change day ({last})" if last != meas.start_day
                    else f"must be after start_day ({meas.start_day})")
            yield (f"{where}.schedule.{h}.day", rule + "; changes are listed in order of their days", ph.day)
        elif ph.day >= end_hi:
            yield (f"{where}.schedule.{h}.day", f"must be before end_day ({end_hi:g})", ph.day)
        last = max(last, ph.day)


def _licence_decision_shares(sc: Scenario, j: str, meas: Ban | Quota | Licence) -> Iterator[Problem]:
    """policy.<j>.reject_share (or a schedule change's): approve_share + reject_share must be <= 1 (the rest stays
    pending), in every phase, with the widest values their priors allow."""
    if not isinstance(meas, Licence):
        return
    where = f"policy.{j}"
    names = {0: where, **{i + 1: f"{where}.schedule.{h}" for i, h in enumerate(meas.schedule)}}
    a_path, r_path = f"{where}.approve_share", f"{where}.reject_share"
    for i, ph in enumerate(meas.phases()):
        own = names[i]
        if i and list(meas.schedule.values())[i - 1].approve_share is not None:
            a_path = f"{own}.approve_share"
        if i and list(meas.schedule.values())[i - 1].reject_share is not None:
            r_path = f"{own}.reject_share"
        a_hi = _prior_range(sc, a_path, float(ph.approve_share or 0.0))[1]
        r_hi = _prior_range(sc, r_path, float(ph.reject_share or 0.0))[1]
        if a_hi + r_hi > 1.0 + SHARE_TOLERANCE:
            yield (f"{own}.reject_share" if i == 0 or list(meas.schedule.values())[i - 1].reject_share is not None
                   else f"{own}.approve_share",
                   "approve_share + reject_share must be <= 1 (the rest stays pending)"
                   + (" with the widest values their priors allow" if a_path in sc.uncertainty or r_path in sc.uncertainty else ""),
                   round(a_hi + r_hi, 9))


def _measure_windows(sc: Scenario) -> Iterator[tuple[str, Ban | Quota | Licence, tuple[float, float], tuple[float, float]]]:
    """Each measure on a known source with the widest range of its start and end days: ``(id, measure, start, end)``."""
    for j, meas in sc.policy.items():
        if meas.source in sc.sources:
            yield (j, meas, _prior_range(sc, f"policy.{j}.start_day", meas.start_day),
                   _prior_range(sc, f"policy.{j}.end_day", meas.end_day))


def _measure_window_priors(sc: Scenario) -> Iterator[Problem]:
    """uncertainty.policy.<j>: priors allow end_day <= start_day."""
    for j, _, s0, e0 in _measure_windows(sc):
        if e0[0] <= s0[1] and (f"policy.{j}.start_day" in sc.uncertainty or f"policy.{j}.end_day" in sc.uncertainty):
            yield (f"uncertainty.policy.{j}", "priors allow end_day <= start_day",
                   f"start_day up to {s0[1]:g}, end_day from {e0[0]:g}")


def _measure_overlaps(sc: Scenario) -> Iterator[Problem]:
    """policy.<j>: overlaps another measure on the same source and material (one measure per source and material at
    a time), with the widest windows the priors allow."""
    windows: dict[tuple[str, str], list[tuple[str, float, float]]] = {}
    for j, meas, s0, e0 in _measure_windows(sc):
        # a prior without a bound leaves its side open (the priors rule reports a prior that needs one)
        first = float(math.floor(s0[0])) if math.isfinite(s0[0]) else -math.inf
        last = float(math.ceil(e0[1])) if math.isfinite(e0[1]) else math.inf
        for m in meas.materials:
            windows.setdefault((meas.source, m), []).append((j, first, last))
    for (k, m), ws in windows.items():
        ws.sort(key=lambda w: w[1])
        for a, b in itertools.pairwise(ws):
            if b[1] < a[2]:
                yield (f"policy.{b[0]}", f"overlaps policy.{a[0]} on source {k!r}, material {m!r} (one measure per source and material at a time)", f"days {b[1]:g}-{b[2]:g}")
