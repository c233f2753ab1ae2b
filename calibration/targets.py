"""Published estimates as calibration targets: value, stated uncertainty, scenario, quantity, source.

A published estimate is another model's output, not an observation, so each
target carries a stated relative standard deviation with its reasoning. The
default fitted target is NRI's estimate that a 3-month stop of Chinese rare
earths costs Japan ¥660bn; the other targets are for reconciliation (compared,
not fitted, unless asked). This module reads and checks the targets, builds
each one's scenario, and reads the target's quantity off a run's summary.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import simulator
from simulator.errors import PARAMETER, InputError, suggest
from simulator.model.scenario import Scenario

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E")

__all__ = ["Target", "default_targets", "load_targets", "target_value"]

QUANTITIES = ("value_added_loss", "gdp_loss_pct", "output_loss_pct_of_plan")


class Target(BaseModel):
    """One published estimate.

    Attributes
    ----------
    value : float
        In ``unit`` (currency for ``value_added_loss``, % for the others).
    rel_sd : float
        Stated uncertainty: relative standard deviation of the estimate, as
        another model's output (``uncertainty_basis`` says why).
    overrides : mapping
        Merged over the built-in ``scenario`` (as ``load_scenario(overrides=)``).
    sector : list of str
        For ``output_loss_pct_of_plan``: the model sectors whose (output-weighted)
        loss is compared.
    fit : bool
        Fitted by default (the others are reconciliation targets).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    scenario: str
    overrides: dict[str, Any] = {}
    quantity: Literal["value_added_loss", "gdp_loss_pct", "output_loss_pct_of_plan"]
    sector: list[str] = []
    statistic: Literal["median"] = "median"
    value: float = Field(gt=0)
    unit: str
    money_year: int | None = None
    rel_sd: float = Field(gt=0, lt=5)
    uncertainty_basis: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: str
    fit: bool = False

    def relative_error(self, estimate: float) -> float:
        """(estimate - target) / target."""
        return (estimate - self.value) / self.value

    def z(self, estimate: float) -> float:
        """Distance of ``estimate`` from the target in the target's stated standard deviations."""
        return self.relative_error(estimate) / self.rel_sd

    def build_scenario(self) -> Scenario:
        """The target's scenario (built-in, with its overrides)."""
        return simulator.load_scenario(self.scenario, overrides=self.overrides or None)


def read_entries(path: Path, section: str, model: type[M]) -> dict[str, M]:
    """Validate every ``[section.NAME]`` table of a TOML file into ``model`` (with ``name = NAME``).

    Raises
    ------
    InputError
        Naming the file, ``section.NAME.field``, the rule and the value given.
    """
    shown = str(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise InputError(shown, "(file)", "must be a readable TOML file", exc.strerror) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(shown, "(file)", "must be valid TOML", str(exc)) from None
    out = {}
    for name, t in raw.get(section, {}).items():
        try:
            out[name] = model(name=name, **t)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"])
            raise InputError(shown, f"{section}.{name}.{field}", str(err["msg"]).lower(), err.get("input")) from None
    return out


def load_targets(path: Path | None = None) -> dict[str, Target]:
    """Targets from ``calibration/data/targets.toml`` (or another file of that layout).

    Raises
    ------
    InputError
        Naming the file, the target's field, the rule and the value given.
    """
    if path is None:
        path = Path(str(resources.files("calibration") / "data" / "targets.toml"))
    out = read_entries(path, "targets", Target)
    for name, tgt in out.items():
        if tgt.quantity == "output_loss_pct_of_plan" and not tgt.sector:
            raise InputError(str(path), f"targets.{name}.sector", "is required for output_loss_pct_of_plan", None)
    return out


def default_targets() -> list[Target]:
    """The targets a calibration fits unless told otherwise (NRI, 3 months)."""
    return [t for t in load_targets().values() if t.fit]


def pick_named(names: Sequence[str], table: Mapping[str, E], parameter: str, noun: str) -> list[E]:
    """Entries of ``table`` by name, in order; an unknown name gets a "did you mean", a repeated one an error.

    Raises
    ------
    InputError
        Of :data:`~simulator.errors.PARAMETER`, naming ``parameter`` (the caller's parameter that gave
        ``names``, e.g. ``target_names``), the rule and the name given.
    """
    out = []
    for n in names:
        if n not in table:
            raise InputError(PARAMETER, parameter, f"names no {noun}" + suggest(n, list(table)), n)
        out.append(table[n])
    if len(set(names)) != len(names):
        raise InputError(PARAMETER, parameter, f"must name each {noun} once", list(names))
    return out


def pick(target_names: list[str], targets: Mapping[str, Target] | None = None) -> list[Target]:
    """Targets by name, with a "did you mean" for an unknown one (an :class:`InputError` naming ``target_names``)."""
    return pick_named(target_names, load_targets() if targets is None else targets, "target_names", "target")


def target_value(t: Target, summary: Mapping[str, Any], sc: Scenario) -> float:
    """The target's quantity (its statistic) read off a run's summary (``supplyshock run --format json``).

    For ``output_loss_pct_of_plan`` over several sectors, their losses are
    weighted by planned output.
    """
    if t.quantity in ("value_added_loss", "gdp_loss_pct"):
        return float(summary[t.quantity][t.statistic])
    table = sc.economy.table
    if table is None:
        raise ValueError("scenario has no input-output table loaded")
    num = den = 0.0
    for s in t.sector:
        sec = sc.sectors[s]
        plan = table.output[table.codes.index(sec.io_sector)] * sc.economy.io_unit * sec.io_share
        num += plan * float(summary["sectors"][s]["output_loss_pct_of_plan"][t.statistic])
        den += plan
    return num / den
