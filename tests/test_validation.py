"""Bad input: every problem is an InputError reading ``<file>: <field>: <rule>; got <value>``.

Each test writes a small scenario file that extends the built-in economy with
one bad override, loads it, and checks that the message names the file, the
dotted field path, the rule and the value the user gave, so that the user can
find the line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import simulator
from simulator.errors import MISSING, InputError

BASE = 'extends = "japan-rare-earths"\n'

BAN = """
[policy.{id}]
kind = "{kind}"
source = "{source}"
materials = {materials}
start_day = {start}
end_day = {end}
"""


def measure(
    id: str = "curb",
    *,
    kind: str = "ban",
    source: str = "china",
    materials: str = '["ndpr"]',
    start: int = 0,
    end: int = 90,
) -> str:
    return BAN.format(id=id, kind=kind, source=source, materials=materials, start=start, end=end)


def write(tmp_path: Path, name: str, body: str, *, base: str = BASE) -> Path:
    path = tmp_path / name
    path.write_text(base + body, encoding="utf-8")
    return path


def line(file: str | Path, field: str, rule: str, value: str) -> str:
    """Regex matching one whole message line (everything escaped)."""
    return re.escape(f"{file}: {field}: {rule}; got {value}")


def check(exc: pytest.ExceptionInfo[InputError], file: str | Path, field: str, rule: str, value: Any) -> None:
    err = exc.value
    assert err.file == str(file)
    assert err.field == field
    assert err.rule == rule
    assert err.value == value
    first = str(err).splitlines()[0]
    assert first.startswith(f"{file}: {field}: {rule}; got ")


# ------------------------------------------------------------------ files


def test_malformed_toml_names_file_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.toml", "[materials.dytb\ninventory_days = 5\n")
    with pytest.raises(InputError, match=re.escape(f"{path}: (syntax): must be valid TOML; got ")) as exc:
        simulator.load_scenario(path)
    assert exc.value.file == str(path)
    assert exc.value.field == "(syntax)"
    assert exc.value.rule == "must be valid TOML"
    # the parser's own description, with the line and column of the mistake
    assert "line 2" in exc.value.value
    assert "column" in exc.value.value
    assert exc.value.value in str(exc.value)


def test_malformed_toml_in_base_file_names_the_base_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", "[materials.dytb\n")
    child = write(tmp_path, "child.toml", "", base='extends = "base.toml"\n')
    with pytest.raises(InputError, match=re.escape(f"{base}: (syntax): must be valid TOML; got ")) as exc:
        simulator.load_scenario(child)
    assert exc.value.file == str(base)
    assert "line 2" in exc.value.value  # line 1 is the `extends` line


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-scenario.toml"
    names = ", ".join(simulator.list_scenarios())
    rule = f"must be a built-in scenario ({names}) or an existing file"
    with pytest.raises(InputError, match=line(path, "(scenario)", rule, repr(str(path)))) as exc:
        simulator.load_scenario(path)
    check(exc, path, "(scenario)", rule, str(path))
    assert "japan-3m-curb" in exc.value.rule


def test_unknown_builtin_name() -> None:
    names = ", ".join(simulator.list_scenarios())
    rule = f"must be a built-in scenario ({names}) or an existing file; did you mean 'japan-3m-curb'?"
    with pytest.raises(InputError, match=line("japan-3m-curbb", "(scenario)", rule, "'japan-3m-curbb'")) as exc:
        simulator.load_scenario("japan-3m-curbb")
    check(exc, "japan-3m-curbb", "(scenario)", rule, "japan-3m-curbb")


def test_unknown_base_in_extends(tmp_path: Path) -> None:
    path = write(tmp_path, "ext.toml", "", base='extends = "japan-rare-earthz"\n')
    scens = ", ".join(simulator.list_scenarios())
    rule = (f"must name a built-in economy (japan-rare-earths, toy-gallium), a built-in scenario ({scens}) or an existing "
            "file (relative to this one); did you mean 'japan-rare-earths'?")
    with pytest.raises(InputError, match=line(path, "extends", rule, "'japan-rare-earthz'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, "extends", rule, "japan-rare-earthz")


# ------------------------------------------------------------- field rules


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.toml", "[materials.dytb]\ninventory_dayz = 5\n")
    field = "materials.dytb.inventory_dayz"
    rule = "unknown key; did you mean 'inventory_days'?"
    with pytest.raises(InputError, match=line(path, field, rule, "5")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, 5)


@pytest.mark.parametrize(
    ("body", "field", "suggestion", "value"),
    [
        ("[materials.dytb.stockpile]\ndayz = 5\n", "materials.dytb.stockpile.dayz", "days", 5),
        ("[sources.china.supply.ndpr]\nshar = 0.6\n", "sources.china.supply.ndpr.shar", "share", 0.6),
        (
            "[sectors.chemicals.materials.other]\nuse_shar = 0.4\n",
            "sectors.chemicals.materials.other.use_shar",
            "use_share",
            0.4,
        ),
        ("[economy]\ngpd = 5\n", "economy.gpd", "gdp", 5),
        ("[run]\nhorizon = 5\n", "run.horizon", "horizon_days", 5),
        (measure() + "coverge = 0.5\n", "policy.curb.coverge", "coverage", 0.5),
        (
            '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "uniform", low = 30, hihg = 120 }\n',
            "uncertainty.materials.dytb.inventory_days.hihg",
            "high",
            120,
        ),
    ],
    ids=["stockpile", "supply", "sector-material", "economy", "run", "measure", "prior"],
)
def test_unknown_key_suggestion_at_every_level(
    tmp_path: Path, body: str, field: str, suggestion: str, value: Any
) -> None:
    path = write(tmp_path, "typo.toml", body)
    rule = f"unknown key; did you mean {suggestion!r}?"
    with pytest.raises(InputError, match=line(path, field, rule, repr(value))) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, value)


def test_negative_duration(tmp_path: Path) -> None:
    path = write(tmp_path, "neg.toml", "[materials.dytb]\ninventory_days = -5\n")
    field = "materials.dytb.inventory_days"
    # the bound may be printed as 0 or 0.0; the user needs the field, the bound and -5
    pattern = re.escape(f"{path}: {field}: must be >= 0") + r"(\.0)?" + re.escape("; got -5") + "$"
    with pytest.raises(InputError, match=pattern) as exc:
        simulator.load_scenario(path)
    assert exc.value.file == str(path)
    assert exc.value.field == field
    assert re.fullmatch(r"must be >= 0(\.0)?", exc.value.rule)
    assert exc.value.value == -5


def test_negative_duration_rule_reads_like_the_bound(tmp_path: Path) -> None:
    path = write(tmp_path, "neg.toml", "[materials.dytb]\ninventory_days = -5\n")
    field = "materials.dytb.inventory_days"
    with pytest.raises(InputError, match=line(path, field, "must be >= 0", "-5") + "$") as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be >= 0", -5)


def test_share_above_one(tmp_path: Path) -> None:
    path = write(tmp_path, "share.toml", "[sources.china.supply.ndpr]\nshare = 1.5\n")
    field = "sources.china.supply.ndpr.share"
    with pytest.raises(InputError, match=re.escape(f"{path}: {field}: must be <= 1") + r"(\.0)?; got 1\.5") as exc:
        simulator.load_scenario(path)
    assert exc.value.field == field
    assert exc.value.value == 1.5


def test_text_where_a_number_is_needed(tmp_path: Path) -> None:
    path = write(tmp_path, "text.toml", '[materials.dytb]\ninventory_days = "sixty"\n')
    field = "materials.dytb.inventory_days"
    with pytest.raises(InputError, match=line(path, field, "must be a number", "'sixty'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be a number", "sixty")


def test_boolean_where_a_number_is_needed(tmp_path: Path) -> None:
    path = write(tmp_path, "bool.toml", "[materials.dytb]\ninventory_days = true\n")
    field = "materials.dytb.inventory_days"
    with pytest.raises(InputError, match=line(path, field, "must be a number", "True")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be a number", True)


def test_fraction_of_a_day_where_whole_days_are_needed(tmp_path: Path) -> None:
    path = write(tmp_path, "transit.toml", "[sources.china]\ntransit_days = 1.5\n")
    field = "sources.china.transit_days"
    with pytest.raises(InputError, match=line(path, field, "must be a whole number", "1.5")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be a whole number", 1.5)


# ----------------------------------------------------------------- shares


def test_supply_shares_must_sum_to_one(tmp_path: Path) -> None:
    # base shares of ndpr: china 0.60 + lynas 0.25 + vietnam 0.08 + france 0.05 + india 0.02 = 1
    path = write(tmp_path, "supply.toml", "[sources.china.supply.ndpr]\nshare = 0.7\n")
    field = "sources.*.supply.ndpr.share"
    rule = "shares of a material's supply must sum to 1"
    with pytest.raises(InputError, match=line(path, field, rule, "1.1")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, pytest.approx(1.1))


def test_use_shares_must_sum_to_one(tmp_path: Path) -> None:
    # base use shares of other: 0.1 + 0.15 + 0.05 + 0.4 + 0.3 = 1; chemicals 0.4 -> 0.5
    path = write(tmp_path, "use.toml", "[sectors.chemicals.materials.other]\nuse_share = 0.5\n")
    field = "sectors.*.materials.other.use_share"
    rule = "shares of a material's use must sum to 1"
    with pytest.raises(InputError, match=line(path, field, rule, "1.1")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, pytest.approx(1.1))


def test_supply_of_unknown_material(tmp_path: Path) -> None:
    path = write(tmp_path, "mat.toml", "[sources.china.supply.ndrp]\nshare = 0.0\n")
    field = "sources.china.supply.ndrp"
    rule = "names an unknown material; did you mean 'ndpr'?"
    with pytest.raises(InputError, match=line(path, field, rule, "'ndrp'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "ndrp")


# ---------------------------------------------------------------- sectors


def test_io_sector_not_in_table(tmp_path: Path) -> None:
    path = write(tmp_path, "io.toml", '[sectors.chemicals]\nio_sector = "99"\n')
    codes = simulator.load_scenario("japan-3m-curb").economy.table.codes
    field = "sectors.chemicals.io_sector"
    rule = "must be a sector of the input-output table; expected one of " + ", ".join(repr(c) for c in sorted(codes))
    with pytest.raises(InputError, match=line(path, field, rule, "'99'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "99")
    assert "'35'" in exc.value.rule


def test_io_shares_of_one_table_sector_exceed_one(tmp_path: Path) -> None:
    # vehicles_electrified 0.30 + vehicles_other 0.9 of table sector 35
    path = write(tmp_path, "ioshare.toml", "[sectors.vehicles_other]\nio_share = 0.9\n")
    field = "sectors.*.io_share (io_sector '35')"
    rule = "shares of one table sector must sum to at most 1"
    with pytest.raises(InputError, match=line(path, field, rule, "1.2")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, pytest.approx(1.2))


# ----------------------------------------------------------------- policy


def test_measure_ends_before_it_starts(tmp_path: Path) -> None:
    path = write(tmp_path, "window.toml", measure(start=50, end=10))
    field = "policy.curb.end_day"
    rule = "must be after start_day (50)"
    with pytest.raises(InputError, match=line(path, field, rule, "10")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, 10)


def test_measure_ending_on_its_start_day(tmp_path: Path) -> None:
    path = write(tmp_path, "window.toml", measure(start=50, end=50))
    with pytest.raises(
        InputError, match=line(path, "policy.curb.end_day", "must be after start_day (50)", "50")
    ) as exc:
        simulator.load_scenario(path)
    check(exc, path, "policy.curb.end_day", "must be after start_day (50)", 50)


def test_measure_names_unknown_source_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "src.toml", measure(source="chian"))
    field = "policy.curb.source"
    rule = "names an unknown source; did you mean 'china'?"
    with pytest.raises(InputError, match=line(path, field, rule, "'chian'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "chian")


def test_measure_names_unknown_source_lists_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "src.toml", measure(source="mars"))
    field = "policy.curb.source"
    rule = "names an unknown source; expected one of 'china', 'france', 'india', 'lynas', 'magnet_makers', 'recycling', 'vietnam'"
    with pytest.raises(InputError, match=line(path, field, rule, "'mars'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "mars")


def test_measure_with_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "kind.toml", measure(kind="embargo"))
    field = "policy.curb.kind"
    rule = "must be one of 'ban', 'quota', 'licence'"
    with pytest.raises(InputError, match=line(path, field, rule, "'embargo'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "embargo")


def test_measure_without_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "kind.toml", measure().replace('kind = "ban"\n', ""))
    field = "policy.curb.kind"
    rule = "is required (one of 'ban', 'quota', 'licence')"
    with pytest.raises(InputError, match=line(path, field, rule, "nothing (the field is missing)")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, MISSING)


def test_quota_without_quota_share(tmp_path: Path) -> None:
    path = write(tmp_path, "quota.toml", measure(kind="quota"))
    with pytest.raises(InputError, match=line(path, "policy.curb.quota_share", "is required", "nothing (the field is missing)")) as exc:
        simulator.load_scenario(path)
    check(exc, path, "policy.curb.quota_share", "is required", MISSING)


def test_measure_names_unknown_material(tmp_path: Path) -> None:
    path = write(tmp_path, "mat.toml", measure(materials='["ndrp"]'))
    field = "policy.curb.materials"
    rule = "names an unknown material; did you mean 'ndpr'?"
    with pytest.raises(InputError, match=line(path, field, rule, "'ndrp'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "ndrp")


def test_measure_on_material_the_source_does_not_supply(tmp_path: Path) -> None:
    path = write(tmp_path, "mat.toml", measure(source="france", materials='["dytb"]'))
    field = "policy.curb.materials"
    rule = "names a material that source 'france' does not supply"
    with pytest.raises(InputError, match=line(path, field, rule, "'dytb'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "dytb")


def test_overlapping_measures_on_same_source_and_material(tmp_path: Path) -> None:
    path = write(tmp_path, "overlap.toml", measure("first", end=90) + measure("second", start=50, end=120))
    field = "policy.second"
    rule = "overlaps policy.first on source 'china', material 'ndpr' (one measure per source and material at a time)"
    with pytest.raises(InputError, match=line(path, field, rule, "'days 50-120'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "days 50-120")


def test_back_to_back_measures_do_not_overlap(tmp_path: Path) -> None:
    path = write(tmp_path, "seq.toml", measure("first", end=90) + measure("second", start=90, end=120))
    sc = simulator.load_scenario(path)
    assert sc.measure_ids == ["first", "second"]


def test_overlap_through_a_prior_on_end_day(tmp_path: Path) -> None:
    body = (
        measure("first", end=90)
        + measure("second", start=100, end=120)
        + '[uncertainty]\n"policy.first.end_day" = { dist = "uniform", low = 80, high = 110 }\n'
    )
    path = write(tmp_path, "overlap.toml", body)
    field = "policy.second"
    rule = "overlaps policy.first on source 'china', material 'ndpr' (one measure per source and material at a time)"
    with pytest.raises(InputError, match=line(path, field, rule, "'days 100-120'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "days 100-120")


def test_measure_named_like_a_kind_keeps_its_id_in_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, "licence.toml", measure("licence", end=0))
    field = "policy.licence.end_day"
    with pytest.raises(InputError, match=line(path, field, "must be >= 1", "0")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be >= 1", 0)


# ----------------------------------------------------------------- priors


def test_triangular_mode_outside_range(tmp_path: Path) -> None:
    body = (
        '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "triangular", low = 30, mode = 200, high = 120 }\n'
    )
    path = write(tmp_path, "tri.toml", body)
    field = "uncertainty.materials.dytb.inventory_days.mode"
    rule = "must lie in [low, high] = [30, 120]"
    with pytest.raises(InputError, match=line(path, field, rule, "200.0")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, 200)


def test_prior_high_below_low(tmp_path: Path) -> None:
    body = '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "uniform", low = 30, high = 20 }\n'
    path = write(tmp_path, "hl.toml", body)
    field = "uncertainty.materials.dytb.inventory_days.high"
    with pytest.raises(InputError, match=line(path, field, "must be > low (30)", "20.0")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, "must be > low (30)", 20)


def test_prior_with_missing_parameter(tmp_path: Path) -> None:
    body = '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "triangular", low = 30, high = 120 }\n'
    path = write(tmp_path, "miss.toml", body)
    field = "uncertainty.materials.dytb.inventory_days.mode"
    rule = "is required for dist = 'triangular'"
    with pytest.raises(InputError, match=line(path, field, rule, "None")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, None)


def test_prior_with_unknown_distribution(tmp_path: Path) -> None:
    body = '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "unifrom", low = 30, high = 120 }\n'
    path = write(tmp_path, "dist.toml", body)
    field = "uncertainty.materials.dytb.inventory_days.dist"
    with pytest.raises(
        InputError, match=re.escape(f"{path}: {field}: must be one of 'uniform'") + ".*; got 'unifrom'"
    ) as exc:
        simulator.load_scenario(path)
    assert exc.value.field == field
    assert exc.value.value == "unifrom"
    for dist in ("uniform", "triangular", "normal", "lognormal", "loguniform", "fixed"):
        assert repr(dist) in exc.value.rule


def test_prior_on_path_that_does_not_exist(tmp_path: Path) -> None:
    body = '[uncertainty]\n"materials.dytb.inventory_dayz" = { dist = "uniform", low = 30, high = 120 }\n'
    path = write(tmp_path, "path.toml", body)
    field = "uncertainty.materials.dytb.inventory_dayz"
    rule = "is not a numeric field of this scenario; did you mean 'materials.dytb.inventory_days'?"
    with pytest.raises(InputError, match=line(path, field, rule, "'materials.dytb.inventory_dayz'")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, "materials.dytb.inventory_dayz")


def test_prior_on_field_that_may_not_be_uncertain(tmp_path: Path) -> None:
    body = (
        '[uncertainty]\n"sectors.glass_ceramics.materials.other.priority" = { dist = "uniform", low = 1, high = 3 }\n'
    )
    path = write(tmp_path, "prio.toml", body)
    field = "uncertainty.sectors.glass_ceramics.materials.other.priority"
    with pytest.raises(InputError, match=re.escape(f"{path}: {field}: ")) as exc:
        simulator.load_scenario(path)
    assert "did you mean" not in exc.value.rule
    assert "priority" in exc.value.rule


def test_prior_support_breaks_field_bound(tmp_path: Path) -> None:
    body = '[uncertainty]\n"materials.dytb.inventory_days" = { dist = "uniform", low = -10, high = 10 }\n'
    path = write(tmp_path, "bound.toml", body)
    field = "uncertainty.materials.dytb.inventory_days"
    rule = "prior can draw -10, but inventory_days must be >= 0"
    with pytest.raises(InputError, match=line(path, field, rule, "-10.0")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, -10)


def test_prior_support_breaks_upper_bound(tmp_path: Path) -> None:
    body = (
        '[uncertainty]\n"sectors.chemicals.materials.other.criticality" = { dist = "uniform", low = 0.5, high = 1.5 }\n'
    )
    path = write(tmp_path, "bound.toml", body)
    field = "uncertainty.sectors.chemicals.materials.other.criticality"
    rule = "prior can draw 1.5, but criticality must be <= 1"
    with pytest.raises(InputError, match=line(path, field, rule, "1.5")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, 1.5)


def test_prior_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "notable.toml", '[uncertainty]\n"materials.dytb.inventory_days" = 5\n')
    field = "uncertainty.materials.dytb.inventory_days"
    rule = 'must be a prior table such as {dist = "uniform", low = ..., high = ...}'
    with pytest.raises(InputError, match=line(path, field, rule, "5")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, 5)


def test_priors_on_shares_that_can_sum_above_one(tmp_path: Path) -> None:
    # china's dytb prior reaches 1.0 already; lynas up to 0.5 more
    body = '[uncertainty]\n"sources.lynas.supply.dytb.share" = { dist = "uniform", low = 0.0, high = 0.5 }\n'
    path = write(tmp_path, "shares.toml", body)
    field = "uncertainty.sources.lynas.supply.dytb.share"
    rule = "priors on the shares of 'dytb' can sum to more than 1 (the other shares are scaled to fill the rest)"
    with pytest.raises(InputError, match=line(path, field, rule, "1.5")) as exc:
        simulator.load_scenario(path)
    check(exc, path, field, rule, pytest.approx(1.5))


# ------------------------------------------------------ several problems


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "two.toml", "[materials.dytb]\ninventory_days = -5\n[materials.ndpr]\nannual_demand = 0\n")
    with pytest.raises(InputError, match=re.escape(f"{path}: materials.ndpr.annual_demand: must be >= 1e-06 (a gram a year)")) as exc:
        simulator.load_scenario(path)
    lines = str(exc.value).splitlines()
    assert len(lines) == 2
    assert [e.field for e in exc.value.more] == ["materials.dytb.inventory_days"]
    assert "materials.dytb.inventory_days: must be >= 0" in lines[1]
    assert lines[1].endswith("; got -5")


def test_every_reported_problem_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "two.toml", "[materials.dytb]\ninventory_days = -5\n[materials.ndpr]\nannual_demand = 0\n")
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    lines = str(exc.value).splitlines()
    assert len(lines) == 2
    assert all(ln.startswith(f"{path}: ") for ln in lines)
    assert all(e.file == str(path) for e in exc.value.more)


def test_bad_value_in_base_file_names_the_base_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", "[materials.dytb]\ninventory_days = -1\n")
    child = write(tmp_path, "child.toml", "", base='extends = "base.toml"\n')
    with pytest.raises(InputError, match=re.escape(f"{base}: materials.dytb.inventory_days: must be >= 0")) as exc:
        simulator.load_scenario(child)
    assert exc.value.file == str(base)
    assert exc.value.value == -1


# ------------------------------------------------------------ licence queues, partial measures

LICENCE = measure(kind="licence", materials='["dytb"]', end=200) + """processing_days = { dist = "uniform", low = 30, high = 45 }
approve_share = 0.3
"""


def _load(tmp_path: Path, body: str) -> pytest.ExceptionInfo[InputError]:
    path = write(tmp_path, "s.toml", body)
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    return exc


@pytest.mark.parametrize(
    ("extra", "field", "rule", "value"),
    [
        ("reject_share = 0.8\n", "policy.curb.reject_share",
         "approve_share + reject_share must be <= 1 (the rest stays pending)", 1.1),
        ("capacity = 0\n", "policy.curb.capacity", "must be > 0", 0),
        ("capacity = -5.0\n", "policy.curb.capacity", "must be > 0", -5.0),
        ("approval_probability = 0.25\n", "policy.curb.approval_probability",
         "is no longer a field: a licence is a queue; give approve_share (and reject_share; "
         "the rest of each decision stays pending)", 0.25),
        ("[policy.curb.schedule.a]\nday = 50\n[policy.curb.schedule.b]\nday = 40\n", "policy.curb.schedule.b.day",
         "must be after the previous change day (50); changes are listed in order of their days", 40),
        ("[policy.curb.schedule.a]\nday = 50\n[policy.curb.schedule.b]\nday = 50\n", "policy.curb.schedule.b.day",
         "must be after the previous change day (50); changes are listed in order of their days", 50),
        ("[policy.curb.schedule.a]\nday = 0\n", "policy.curb.schedule.a.day",
         "must be after start_day (0); changes are listed in order of their days", 0),
        ("[policy.curb.schedule.a]\nday = 250\n", "policy.curb.schedule.a.day", "must be before end_day (200)", 250),
        ("[policy.curb.schedule.a]\nday = 50\napprove_share = 0.5\nreject_share = 0.6\n",
         "policy.curb.schedule.a.reject_share", "approve_share + reject_share must be <= 1 (the rest stays pending)", 1.1),
        ("[policy.curb.schedule.a]\nday = 50\ncapacity = 0.0\n", "policy.curb.schedule.a.capacity", "must be > 0", 0.0),
    ],
)
def test_licence_regime_rules(tmp_path: Path, extra: str, field: str, rule: str, value: Any) -> None:
    exc = _load(tmp_path, LICENCE + extra)
    check(exc, tmp_path / "s.toml", field, rule, value)


@pytest.mark.parametrize("leak", ["-0.1", "1.5"])
def test_leakage_is_a_share(tmp_path: Path, leak: str) -> None:
    exc = _load(tmp_path, measure() + f"coverage = 0.5\nleakage = {leak}\n")
    rule = "must be >= 0" if leak.startswith("-") else "must be <= 1"
    check(exc, tmp_path / "s.toml", "policy.curb.leakage", rule, float(leak))


def test_a_licence_schedule_loads_with_its_phases(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", LICENCE + "[policy.curb.schedule.green]\nday = 60\napprove_share = 0.5\n"
                 "[policy.curb.schedule.general]\nday = 120\nexempt_share = 0.4\n")
    sc = simulator.load_scenario(path)
    phases = sc.policy["curb"].phases()  # type: ignore[union-attr]
    assert [p.day for p in phases] == [0, 60, 120]
    assert [p.approve_share for p in phases] == [0.3, 0.5, 0.5]
    assert [p.exempt_share for p in phases] == [0.0, 0.0, 0.4]


def test_cross_field_problems_are_reported_in_the_order_of_the_rules(tmp_path: Path) -> None:
    from simulator.model.validation import CROSS_FIELD_RULES, MEASURE_RULES

    body = (measure("first", end=90) + measure("second", start=50, end=120)
            + measure("backwards", materials='["dytb"]', start=10, end=5)
            + '[run]\nstart_date = 2025-01-06\nstart_weekday = 3\n'
            + '[uncertainty]\n"materials.ndpr.priority" = { dist = "uniform", low = 1, high = 2 }\n')
    exc = _load(tmp_path, body)
    found = [exc.value.field] + [e.field for e in exc.value.more]
    # _measures, _priors, _measure_overlaps, _start_weekday: the registry's order, whatever the file's
    assert found == ["policy.backwards.end_day", "uncertainty.materials.ndpr.priority", "policy.second", "run.start_weekday"]
    for rule in (*CROSS_FIELD_RULES, *MEASURE_RULES):
        assert rule.__doc__ and ":" in rule.__doc__.splitlines()[0], f"{rule.__name__} does not name its field and rule"


@pytest.mark.parametrize(
    ("prior", "field", "rule"),
    [
        ('"policy.china_stop.end_day" = { dist = "normal", mean = 90, sd = 30, low = 10 }',
         "uncertainty.policy.china_stop.end_day", "prior can draw inf"),
        ('"policy.china_stop.start_day" = { dist = "uniform", low = 0 }',
         "uncertainty.policy.china_stop.start_day.high", "is required for dist = 'uniform'"),
        ('"policy.china_stop.end_day" = { dist = "fixed" }',
         "uncertainty.policy.china_stop.end_day.value", "is required for dist = 'fixed'"),
    ],
)
def test_a_measure_window_prior_without_a_bound_is_reported_not_a_crash(tmp_path: Path, prior: str, field: str,
                                                                        rule: str) -> None:
    """A prior on a measure's start or end day that lacks a bound is a clear error (the overlap and window rules
    read its support; they used to raise OverflowError or TypeError before the message was shown)."""
    path = write(tmp_path, "s.toml", f'name = "s"\nextends = "japan-3m-curb"\n[uncertainty]\n{prior}\n', base="")
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    assert exc.value.field == field
    assert rule in exc.value.rule


def test_share_priors_checked_under_their_own_material_only(tmp_path: Path) -> None:
    # a material whose id ends with another's (":dytb") has its own share groups, checked once, named as its own
    body = """
[materials."hre:dytb"]
name = "Heavy rare earths, a second grade"
annual_demand = 10.0
price = 6.3e7
inventory_days = 60.0
[sources.china.supply."hre:dytb"]
share = 0.6
[sources.lynas.supply."hre:dytb"]
share = 0.3
[sources.recycling.supply."hre:dytb"]
share = 0.1
[uncertainty]
"sources.china.supply.hre:dytb.share" = { dist = "uniform", low = 0.5, high = 0.9 }
"sources.lynas.supply.hre:dytb.share" = { dist = "uniform", low = 0.1, high = 0.5 }
"""
    path = write(tmp_path, "prefix.toml", body)
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(path)
    shares = [e for e in [exc.value, *exc.value.more] if "priors on the shares" in e.rule]
    assert [e.rule for e in shares] == [
        "priors on the shares of 'hre:dytb' can sum to more than 1 (the other shares are scaled to fill the rest)"]
    assert shares[0].field == "uncertainty.sources.lynas.supply.hre:dytb.share"
