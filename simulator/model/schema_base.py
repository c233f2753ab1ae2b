"""The schema's building blocks: a numeric field's :class:`Unit` metadata and the frozen base of every model.

Every model of a scenario file derives from ``_Frozen`` (no unknown keys, no silent coercion, no ``inf`` or
``nan``, a field's docstring as its description); every numeric field carries a :class:`Unit` next to its hard
range. ``Refs`` is the per-entity table of citations.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = ["Refs", "Unit"]


@dataclass(frozen=True)
class Unit:
    """Field metadata: the unit of a numeric field and the range of values that are usual.

    Every numeric field of a scenario model carries one (a test checks this),
    next to its hard range (``Ge``/``Gt``/``Le``/``Lt``). The two ranges mean:

    - outside the **hard range** a value is impossible, or would overflow the
      arithmetic (``annual_demand = 1e308`` makes ``demand x price``
      infinite): an :class:`~simulator.errors.InputError`, exit 2;
    - outside the **usual range** a value is possible but unusual
      (``overtime_rate = 1.5``: output 2.5 times the plan while catching up):
      the scenario is accepted and an :class:`~simulator.errors.InputWarning`
      names the field, so a typo does not pass silently.

    Non-finite numbers (``inf``, ``nan``) are refused for every field by the
    models' configuration (``allow_inf_nan=False``).

    Parameters
    ----------
    unit : str
        E.g. ``"t/yr"``, ``"days"``, ``"share"``, ``"currency/t"``.
    usual : (float or None, float or None)
        Usual range, ``None`` for no bound on that side.
    """

    unit: str
    usual: tuple[float | None, float | None] = (None, None)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["unit"] = self.unit
        if self.usual != (None, None):
            out["usual"] = list(self.usual)
        return out


class _Frozen(BaseModel):
    # strict: no silent coercion (``true`` is not 1 day, ``"5"`` is not 5); ints are accepted for floats.
    # allow_inf_nan=False: no inf or nan in any float field (TOML and JSON can both spell them).
    # use_attribute_docstrings: a field's docstring is its description (in the schema and the reference).
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, strict=True,
                              allow_inf_nan=False, use_attribute_docstrings=True)


Refs = dict[str, str]
"""Per-entity citations: field name -> source and date."""
