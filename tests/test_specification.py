"""docs/model.md, the model's specification: current, and every symbol names a field of the scenario schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.model import fields, schema_economy, schema_measures, schema_supply
from simulator.model.specification import SYMBOLS, document, field_owner, symbol_unit

ROOT = Path(__file__).resolve().parents[1]

FIELDS = sorted({f for _, _, fs, _ in SYMBOLS
                 for f in [fs.split(",")[0].strip()] + [fs.split(",")[0].rsplit(".", 1)[0] + "." + x.strip()
                                                        for x in fs.split(",")[1:]]})


def test_docs_model_md_is_the_specification_as_written() -> None:
    assert (ROOT / "docs" / "model.md").read_text(encoding="utf-8") == document(), \
        "docs/model.md is stale: python -m simulator.model.specification --write"


@pytest.mark.parametrize("field", FIELDS)
def test_every_symbol_names_a_field_of_the_scenario_schema(field: str) -> None:
    assert field_owner(field) is not None, field


def test_fields_resolve_to_their_model_and_a_renamed_field_is_caught() -> None:
    assert field_owner("sectors.S.materials.M.criticality") == (schema_economy.SectorMaterial, "criticality")
    assert field_owner("materials.M.stockpile.days") == (schema_supply.Stockpile, "days")
    assert field_owner("policy.J.quota_share") == (schema_measures.Quota, "quota_share")
    assert field_owner("materials.M.inventory_dayz") is None
    assert field_owner("sectors.S.materials.M.criticalty") is None


def test_units_are_the_schemas() -> None:
    assert symbol_unit("materials.M.inventory_days", "") == fields.unit_of(schema_supply.Material, "inventory_days").unit
    for _, _, field, stated in SYMBOLS:
        assert symbol_unit(field, stated), field  # every symbol shows a unit
