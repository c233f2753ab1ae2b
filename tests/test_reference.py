"""The scenario reference: generated from the models, kept in sync, enough to write a new economy."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator
from simulator.cli.main import cli
from simulator.model import validation
from simulator.model.reference import json_schema, markdown, rule_text
from simulator.model.rules_common import Problem
from simulator.model.scenario import Scenario
from simulator.model.validation import CROSS_FIELD_RULES, MEASURE_RULES, _measures

DOC = Path(__file__).resolve().parent.parent / "docs" / "scenario-reference.md"


def test_docs_page_is_the_generated_reference() -> None:
    assert DOC.read_text() == markdown(), (
        "docs/scenario-reference.md is out of date: regenerate it with "
        "`supplyshock schema --markdown > docs/scenario-reference.md`")


def test_schema_command_prints_json_schema_and_markdown() -> None:
    res = CliRunner().invoke(cli, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert schema == json.loads(json.dumps(json_schema()))
    assert set(schema["properties"]) == {"extends", *Scenario.model_fields} - {"origin"}
    mat = schema["$defs"]["Material"]["properties"]
    assert mat["annual_demand"]["unit"] == "t/yr" and mat["annual_demand"]["maximum"] == 1e11
    assert "table" not in schema["$defs"]["Economy"]["properties"]
    res = CliRunner().invoke(cli, ["schema", "--markdown"])
    assert res.exit_code == 0 and res.stdout == markdown()


def test_every_model_field_is_in_the_reference() -> None:
    text = markdown()
    for name in ("annual_demand", "extra_capacity", "overtime_rate", "processing_days", "quota_share", "horizon_days",
                 "io_unit", "trigger_cover_days"):
        assert re.search(rf"^\| `{name}` \|", text, re.M), name
    assert "`expo`" in text and "`impo`" in text and "Value-added rows" in text


def test_every_registered_rule_is_in_the_reference_in_order() -> None:
    """The rules across fields are generated from the registry: every rule's docstring, in the order checked."""
    text = markdown()
    section = text[text.index("## Rules across fields"):text.index("## Input-output table")]
    rules = [*CROSS_FIELD_RULES[:CROSS_FIELD_RULES.index(_measures) + 1], *MEASURE_RULES,
             *CROSS_FIELD_RULES[CROSS_FIELD_RULES.index(_measures) + 1:]]
    at = [section.find(f"- {rule_text(rule)}\n") for rule in rules]
    assert all(i >= 0 for i in at), [r.__name__ for r, i in zip(rules, at, strict=True) if i < 0]
    assert at == sorted(at), "the reference lists the rules in the registry's order"
    assert "policy.<j>.end_day" in rule_text(MEASURE_RULES[0]) and "`" in rule_text(MEASURE_RULES[0])


def test_a_rule_added_to_the_registry_appears_in_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    def _new_rule(sc: Scenario) -> Iterator[Problem]:
        """economy.gdp: must be a round number (a rule made up for this test)."""
        yield from ()

    monkeypatch.setattr(validation, "CROSS_FIELD_RULES", (*validation.CROSS_FIELD_RULES, _new_rule))
    assert "- `economy.gdp`: must be a round number (a rule made up for this test).\n" in markdown()


def _reference_table() -> str:
    """The example input-output table, as printed in the reference."""
    m = re.search(r"```\n(row,.*?)```", DOC.read_text(), re.S)
    assert m, "the reference shows an example table"
    return m.group(1)


# Written only from docs/scenario-reference.md: a German gallium importer, not the built-in economy.
NEW_ECONOMY = """\
name = "germany-gallium"
description = "Germany's gallium supply and its users, with no shock."

[economy]
name = "Germany"
currency = "EUR"
gdp = 280e9
io_table = "table.csv"
io_unit = 1e9

[materials.ga]
name = "Gallium"
annual_demand = 40.0
price = 4.0e5
inventory_days = 45.0
[materials.ga.stockpile]
days = 10.0
trigger_cover_days = 20.0
decision_lag_days = 7
max_release_per_day = 0.5

[sources.china]
transit_days = 30
[sources.china.supply.ga]
share = 0.8

[sources.japan]
transit_days = 20
[sources.japan.supply.ga]
share = 0.2
extra_capacity = 10.0
ramp_lag_days = 30.0
ramp_days = 90.0
price_premium = 0.5

[sectors.chips]
io_sector = "b"
io_share = 0.3
catch_up_share = 0.5
overtime_rate = 0.1
catch_up_window_days = 120.0
[sectors.chips.materials.ga]
use_share = 0.7
criticality = 0.8

[sectors.leds]
io_sector = "c"
io_share = 0.2
[sectors.leds.materials.ga]
use_share = 0.3
criticality = 0.5
priority = 2

[uncertainty]
"materials.ga.inventory_days" = { dist = "triangular", low = 20, mode = 45, high = 90, source = "test" }
"""

CURB = """\
name = "germany-gallium-ban"
extends = "economy.toml"

[policy.china_ban]
kind = "ban"
source = "china"
materials = ["ga"]
start_day = 0
end_day = 120

[run]
horizon_days = 200
"""


def test_a_new_economy_written_from_the_reference_validates_and_runs(tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text(_reference_table())
    (tmp_path / "economy.toml").write_text(NEW_ECONOMY)
    (tmp_path / "curb.toml").write_text(CURB)
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(tmp_path / "economy.toml")])
    assert res.exit_code == 0, res.stderr
    assert res.stderr == "", res.stderr  # no warnings either (GDP matches the table's value added)
    res = runner.invoke(cli, ["run", str(tmp_path / "curb.toml"), "--paths", "50", "--format", "json", "--quiet"])
    assert res.exit_code == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["currency"] == "EUR" and s["scenario"] == "germany-gallium-ban"
    assert math.isfinite(s["gdp_loss_pct"]["mean"]) and s["value_added_loss"]["mean"] > 0
    assert set(s["sectors"]) == {"chips", "leds"}


def test_description_is_not_inherited(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('name = "mine"\nextends = "japan-rare-earths"\n[policy.b]\nkind = "ban"\nsource = "china"\n'
                 'materials = ["dytb"]\nend_day = 30\n')
    assert simulator.load_scenario(f).description == ""
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "10", "--quiet"])
    assert res.exit_code == 0 and "no shock" not in res.stdout


def test_economies_are_listed_and_validate() -> None:
    res = CliRunner().invoke(cli, ["scenarios"])
    assert "Built-in economies" in res.stdout and "japan-rare-earths" in res.stdout
    res = CliRunner().invoke(cli, ["validate", "japan-rare-earths"])
    assert res.exit_code == 0 and "0 measures" in res.stdout
