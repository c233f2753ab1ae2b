"""Cross-field rules of the economy and the run: the tables a scenario must define, the money years, the sectors
against the input-output table and the materials, and the run's calendar.

Each rule is a function of the scenario yielding :data:`~simulator.model.rules_common.Problem` triples, its
docstring naming the fields and the rule as its messages state them; they are registered, in the order they are
reported, in :data:`simulator.model.validation.CROSS_FIELD_RULES`.
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.errors import suggest
from simulator.model.fields import (
    conversion_use_share,
)
from simulator.model.rules_common import SHARE_TOLERANCE, Problem, _prior_range
from simulator.model.scenario import Scenario


def _tables_not_empty(sc: Scenario) -> Iterator[Problem]:
    """materials, sources, sectors: must define at least one material (source, sector)."""
    if not sc.materials:
        yield ("materials", "must define at least one material", {})
    if not sc.sources:
        yield ("sources", "must define at least one source", {})
    if not sc.sectors:
        yield ("sectors", "must define at least one sector", {})


def _price_index_years(sc: Scenario) -> Iterator[Problem]:
    """economy.price_index.<year>: keys must be years (four digits)."""
    for year in sc.economy.price_index:
        if not (year.isdigit() and len(year) == 4):
            yield (f"economy.price_index.{year}", "keys must be years (four digits)", year)


def _money_years(sc: Scenario) -> Iterator[Problem]:
    """economy.table_year: is required when price_year is set; economy.price_year and table_year: needs a value in
    economy.price_index to convert the table to price_year money."""
    econ = sc.economy
    if econ.price_year is None:
        return
    if econ.table_year is None:
        yield ("economy.table_year", f"is required when price_year is set (the year of the table's money); price_year is {econ.price_year}", None)
        return
    if econ.price_year != econ.table_year:
        have = sorted(econ.price_index)
        for field, y in (("price_year", econ.price_year), ("table_year", econ.table_year)):
            if str(y) not in econ.price_index:
                rule = (f"needs a value in economy.price_index to convert the {econ.table_year} table to {econ.price_year} money"
                        f" (index has {', '.join(have) if have else 'no years'})")
                yield (f"economy.{field}", rule, y)


def _sector_names(sc: Scenario) -> Iterator[Problem]:
    """sectors.<s>.io_sector: must be a sector of the input-output table; sectors.<s>.materials.<m>: names an
    unknown material (sector by sector)."""
    mats = list(sc.materials)
    codes = list(sc.economy.table.codes) if sc.economy.table is not None else None
    for s, sec in sc.sectors.items():
        if codes is not None and sec.io_sector not in codes:
            yield (f"sectors.{s}.io_sector", "must be a sector of the input-output table" + suggest(sec.io_sector, codes),
                   sec.io_sector)
        for m in sec.materials:
            if m not in sc.materials:
                yield (f"sectors.{s}.materials.{m}", "names an unknown material" + suggest(m, mats), m)


def _io_shares_sum(sc: Scenario) -> Iterator[Problem]:
    """sectors.*.io_share: shares of one table sector must sum to at most 1."""
    io_share_sum: dict[str, float] = {}
    for sec in sc.sectors.values():
        io_share_sum[sec.io_sector] = io_share_sum.get(sec.io_sector, 0.0) + sec.io_share
    for code, tot in io_share_sum.items():
        if tot > 1.0 + SHARE_TOLERANCE:
            yield (f"sectors.*.io_share (io_sector {code!r})", "shares of one table sector must sum to at most 1", round(tot, 9))


def _use_shares_sum(sc: Scenario) -> Iterator[Problem]:
    """sectors.*.materials.<m>.use_share: shares of a material's use must sum to 1 (with the domestic conversions'
    baseline use of it)."""
    use_sum = {m: 0.0 for m in sc.materials}
    for src in sc.sources.values():
        for m, sup in src.supply.items():
            if m in sc.materials:
                for i, amount in sup.recipe.items():
                    if i in use_sum:
                        use_sum[i] += conversion_use_share(sc, sup, m, i, amount)
    for sec in sc.sectors.values():
        for m, sm in sec.materials.items():
            if m in sc.materials:
                use_sum[m] += sm.use_share
    for m, tot in use_sum.items():
        if abs(tot - 1.0) > SHARE_TOLERANCE:
            conv = any(m in sup.recipe for src in sc.sources.values() for sup in src.supply.values())
            rule = ("shares of a material's use must sum to 1" + (" (with the domestic conversions' baseline use of it:"
                    " recipe x share x the product's annual_demand / this material's annual_demand)" if conv else ""))
            yield (f"sectors.*.materials.{m}.use_share", rule, round(tot, 9))


def _criticality_floors(sc: Scenario) -> Iterator[Problem]:
    """sectors.<s>.materials.<m>.criticality_floor: must be at most criticality (and its prior must draw a floor at
    or below criticality)."""
    for s, sec in sc.sectors.items():
        for m, sm in sec.materials.items():
            if sm.criticality_floor is None:
                continue
            where = f"sectors.{s}.materials.{m}"
            if sm.criticality_floor > sm.criticality:
                yield (f"{where}.criticality_floor", f"must be at most criticality ({sm.criticality:g})", sm.criticality_floor)
            elif f"{where}.criticality_floor" in sc.uncertainty:
                f_lo, f_hi = _prior_range(sc, f"{where}.criticality_floor", sm.criticality_floor)
                c_lo, c_hi = _prior_range(sc, f"{where}.criticality", sm.criticality)
                if f_lo <= f_hi and c_lo <= c_hi and f_lo > c_hi:  # a broken prior is named by its own check
                    yield (f"uncertainty.{where}.criticality_floor", f"prior never draws a floor at or below criticality"
                           f" (at most {c_hi:g}), so it never substitutes", f_lo)


def _start_weekday(sc: Scenario) -> Iterator[Problem]:
    """run.start_weekday: must be the weekday of run.start_date (when both are given)."""
    start = sc.run.start_date
    if start is not None and sc.run.start_weekday != start.weekday():
        yield ("run.start_weekday", f"must be the weekday of run.start_date ({start.isoformat()} is {start.weekday()}, "
               "0 Monday ... 6 Sunday)", sc.run.start_weekday)
