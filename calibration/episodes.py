"""Observed episodes: what happened, as observations the model is scored on.

An episode file (``calibration/data/episodes/*.toml``, or any file of that
layout) names a scenario (built-in or path, with overrides), the calendar date
of its day 0 (``anchor``) and observations, each with its publication, date,
confidence, a stated uncertainty and, where it is a proxy, the mapping assumed.

Observation kinds and the model quantity each is compared with, per path:

``arrivals``
    Tonnes of ``materials`` (one, or a group summed) from ``supplier`` (a
    source id; all sources if omitted) over a period: arrivals in the
    importing economy, or with ``measured_at = "departure"`` what left the
    supplier (the model's arrivals ``transit_days`` later, as the supplier's
    customs count exports). ``unit = "t"`` compares tonnes; ``unit =
    "index"`` compares the period's daily flow relative to a baseline: the
    observation's ``value / (baseline / 365.25 x 12 ... )`` is its tonnes over
    the observed ``baseline`` (t per ``baseline_days``) scaled to the
    period's days, the model's is its tonnes over the path's baseline flow
    (annual demand x the supplier's share) for the same days.
``sector_output``
    A sector's output over a period, % change against plan.
``first_stop``
    The day a sector's first firms stopped (output more than 1 % below plan)
    as reported (``date``), or that none did by a date (``none_by``).
``gdp_loss``
    A bound on the value added lost over the horizon, % of annual GDP
    (``low``..``high``), e.g. "no measurable loss", with its reasoning.

This module reads and checks episode files; :mod:`calibration.episode_values`
computes each observation's model values from a run's trajectories and its
observed value, and :mod:`calibration.backcast` scores them.
"""

from __future__ import annotations

import calendar
import datetime
import tomllib
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import simulator
from simulator.errors import PARAMETER, InputError, InputWarning, suggest
from simulator.model.loading import _merge
from simulator.model.scenario import Scenario

__all__ = ["Episode", "EpisodeFree", "Observation", "builtin_episodes", "load_episode", "period_days", "series_key"]

KINDS = ("arrivals", "sector_output", "first_stop", "gdp_loss")
POINT_KINDS = ("arrivals", "sector_output", "first_stop")


class Observation(BaseModel):
    """One observation of an episode (see the module docstring for the kinds).

    Attributes
    ----------
    period : str, optional
        A calendar month, ``"YYYY-MM"``; or give ``start`` and ``end`` (inclusive dates).
    value : float, optional
        The observed figure in the observation's unit (t, index, % of plan); for
        ``first_stop`` the day is given by ``date``.
    sd, rel_sd : float, optional
        Stated uncertainty of the observation (absolute, in its unit, or
        relative to ``value``): measurement error and, for a proxy, the
        mapping's. ``first_stop`` uses ``sd_days``.
    ref, published, confidence : str
        The publication, its date, and H / M / L confidence.
    proxy : str, optional
        Where the observation stands in for the model's quantity, the mapping assumed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["arrivals", "sector_output", "first_stop", "gdp_loss"]
    description: str = Field(min_length=1)
    ref: str = Field(min_length=1)
    published: str = Field(min_length=1)
    confidence: Literal["H", "M", "L", "H/M", "M/L", "L-M", "M-H"]
    proxy: str | None = None
    note: str | None = None
    period: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    supplier: str | None = None
    materials: list[str] = []
    measured_at: Literal["arrival", "departure"] = "arrival"
    unit: Literal["t", "index", "% of plan", "% of GDP", "day"] | None = None
    baseline: float | None = Field(default=None, gt=0)
    baseline_days: float = Field(default=30.4375, gt=0)
    baseline_ref: str | None = None
    sector: str | None = None
    value: float | None = None
    sd: float | None = Field(default=None, ge=0)
    rel_sd: float | None = Field(default=None, ge=0, le=5)
    date: datetime.date | None = None
    none_by: datetime.date | None = None
    sd_days: float = Field(default=0.0, ge=0)
    low: float | None = None
    high: float | None = None
    reasoning: str | None = None

    @model_validator(mode="after")
    def _by_kind(self) -> Observation:
        def need(field: str, why: str) -> None:
            if getattr(self, field) in (None, []):
                raise _Rule(field, f"is required for kind {self.kind!r} ({why})", None)

        def refuse(*fields: str) -> None:
            for f in fields:
                if getattr(self, f) not in (None, [], "arrival"):
                    raise _Rule(f, f"does not apply to kind {self.kind!r}", getattr(self, f))

        if self.kind in ("arrivals", "sector_output"):
            if self.period is None and (self.start is None or self.end is None):
                raise _Rule("period", "is required: a month 'YYYY-MM', or start and end dates", None)
            if self.period is not None and (self.start is not None or self.end is not None):
                raise _Rule("period", "give a month or start and end dates, not both", self.period)
            need("value", "the observed figure")
            if self.sd is None and self.rel_sd is None:
                raise _Rule("sd", "a stated uncertainty is required: sd (in the observation's unit) or rel_sd", None)
            if self.sd is not None and self.rel_sd is not None:
                raise _Rule("sd", "give sd or rel_sd, not both", self.sd)
        if self.kind == "arrivals":
            need("materials", "the material, or the group summed")
            if self.unit not in ("t", "index"):
                raise _Rule("unit", "must be 't' or 'index' for arrivals", self.unit)
            if self.value is not None and self.value < 0:
                raise _Rule("value", "must be >= 0 (tonnes)", self.value)
            if self.unit == "index":
                need("baseline", "the observed baseline flow, t per baseline_days")
                need("baseline_ref", "where the baseline comes from")
            elif self.baseline is not None:
                raise _Rule("baseline", "applies to unit = 'index' only", self.baseline)
            if self.measured_at == "departure" and self.supplier is None:
                raise _Rule("measured_at", "'departure' needs a supplier (its transit days shift the period)", self.measured_at)
            refuse("sector", "date", "none_by", "low", "high")
        elif self.kind == "sector_output":
            need("sector", "the model sector")
            if self.unit not in (None, "% of plan"):
                raise _Rule("unit", "must be '% of plan' for sector_output", self.unit)
            refuse("supplier", "baseline", "date", "none_by", "low", "high")
        elif self.kind == "first_stop":
            need("sector", "the model sector")
            if (self.date is None) == (self.none_by is None):
                raise _Rule("date", "give the reported date of the first stoppage, or none_by (no stoppage by then), not both", self.date)
            refuse("supplier", "baseline", "value", "sd", "rel_sd", "low", "high", "period", "start", "end")
        elif self.kind == "gdp_loss":
            need("low", "the bound's lower end, % of annual GDP")
            need("high", "the bound's upper end, % of annual GDP")
            need("reasoning", "why the bound holds")
            if self.low is not None and self.high is not None and self.low > self.high:
                raise _Rule("low", f"must be <= high ({self.high})", self.low)
            refuse("supplier", "baseline", "value", "sd", "rel_sd", "sector", "date", "none_by", "period", "start", "end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise _Rule("end", f"must be on or after start ({self.start})", self.end.isoformat())
        return self

    @property
    def stated_sd(self) -> float:
        """The observation's standard deviation in its unit (days for ``first_stop``)."""
        if self.kind == "first_stop":
            return self.sd_days
        if self.sd is not None:
            return self.sd
        return abs(self.value or 0.0) * (self.rel_sd or 0.0)

    @property
    def stop_date(self) -> datetime.date:
        """For ``first_stop``: the reported date, or the ``none_by`` date."""
        d = self.date or self.none_by
        if d is None:
            raise ValueError(f"observation {self.name!r} is not a first_stop observation")
        return d

    @property
    def shown_unit(self) -> str:
        """The unit the observation is shown in."""
        return {"arrivals": self.unit or "t", "sector_output": "% of plan", "first_stop": "day",
                "gdp_loss": "% of GDP"}[self.kind]


class _Rule(ValueError):
    def __init__(self, field: str, rule: str, value: Any) -> None:
        super().__init__(rule)
        self.field, self.rule, self.value = field, rule, value


class EpisodeFree(BaseModel):
    """A lever the episode's observations may condition: one value set on every field in ``paths``.

    The prior is the scenario's own (its ``[uncertainty]`` entry for those
    fields, which must agree), so the episode file does not restate it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    paths: list[str] = Field(min_length=1)
    """Dotted scenario fields, each with the same prior in the scenario's ``[uncertainty]``."""


class Episode(BaseModel):
    """An observed episode: a scenario, the date of its day 0 and observations.

    Attributes
    ----------
    scenario : str
        A built-in scenario name or a path (relative to the episode file).
    overrides : mapping
        Merged over the scenario (as ``load_scenario(overrides=)``).
    anchor : datetime.date
        Calendar date of day 0 (the scenario's ``run.start_date`` is set to it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    overrides: dict[str, Any] = {}
    anchor: datetime.date
    notes: str | None = None
    observations: dict[str, Observation]
    free: dict[str, EpisodeFree] = {}
    """Parameters ``supplyshock calibrate --episode`` conditions on the observations by default."""
    origin: str = ""

    def day(self, d: datetime.date) -> int:
        """Day index of date ``d`` (day 0 is ``anchor``)."""
        return (d - self.anchor).days

    def build_scenario(self, *, calibrated: bool = True) -> Scenario:
        """The episode's scenario, with its overrides and ``run.start_date = anchor``.

        Raises
        ------
        InputError
            The scenario cannot be loaded, or an observation does not fit it.
        """
        over = _merge(self.overrides, {"run": {"start_date": self.anchor}})
        base = self.scenario
        if base not in simulator.list_scenarios():
            p = Path(base)
            if not p.is_absolute() and self.origin:
                p = Path(self.origin).parent / p
            base = str(p)
        try:
            with warnings.catch_warnings():
                # the episode's horizon is its observation window, chosen to end with the observations: output
                # made up after it is outside what the episode is scored on, so that warning says nothing here
                warnings.filterwarnings("ignore", message=r".*run\.horizon_days: ends before the catch-up window",
                                        category=InputWarning)
                sc = simulator.load_scenario(base, overrides=over, calibrated=calibrated)
        except InputError as exc:
            if exc.file == "option" or not exc.file:
                raise exc.with_file(self.origin) from None
            raise
        check_against(self, sc)
        return sc


def period_days(ep: Episode, ob: Observation) -> tuple[int, int]:
    """First and last day (inclusive, day indices) the observation covers, before any departure shift."""
    if ob.period is not None:
        y, m = (int(x) for x in ob.period.split("-"))
        first = datetime.date(y, m, 1)
        last = datetime.date(y, m, calendar.monthrange(y, m)[1])
    elif ob.start is not None and ob.end is not None:
        first, last = ob.start, ob.end
    else:
        raise ValueError(f"observation {ob.name!r} ({ob.kind}) covers no period")
    return ep.day(first), ep.day(last)


def series_key(ob: Observation) -> str:
    """Observations of one series share this key (a figure each; periods may not overlap within it)."""
    if ob.kind == "arrivals":
        who = ob.supplier or "all sources"
        return f"{'+'.join(ob.materials)} from {who} ({ob.measured_at}s, {ob.unit})"
    if ob.kind in ("sector_output", "first_stop"):
        return f"{ob.kind.replace('_', ' ')}: {ob.sector}"
    return "GDP loss"


def check_against(ep: Episode, sc: Scenario) -> None:
    """Refuse observations the scenario cannot answer: unknown ids, periods outside the horizon, overlaps.

    Raises
    ------
    InputError
        Naming the episode file, ``observations.NAME.field``, the rule and the value.
    """
    T = sc.run.horizon_days
    seen: dict[str, list[tuple[int, int, str]]] = {}
    for name, ob in ep.observations.items():
        where = f"observations.{name}"
        for m in ob.materials:
            if m not in sc.materials:
                raise InputError(ep.origin, f"{where}.materials", "must name materials of the scenario" + suggest(m, list(sc.materials)), m)
        if ob.supplier is not None and ob.supplier not in sc.sources:
            raise InputError(ep.origin, f"{where}.supplier", "must be a source of the scenario" + suggest(ob.supplier, list(sc.sources)), ob.supplier)
        if ob.supplier is not None and ob.materials and not any(m in sc.sources[ob.supplier].supply for m in ob.materials):
            raise InputError(ep.origin, f"{where}.materials", f"source {ob.supplier!r} supplies none of them", ob.materials)
        if ob.sector is not None and ob.sector not in sc.sectors:
            raise InputError(ep.origin, f"{where}.sector", "must be a sector of the scenario" + suggest(ob.sector, list(sc.sectors)), ob.sector)
        if ob.kind in ("arrivals", "sector_output"):
            if ob.period is not None:
                try:
                    yy, mm = (int(x) for x in ob.period.split("-"))
                    datetime.date(yy, mm, 1)
                except ValueError:
                    raise InputError(ep.origin, f"{where}.period", "must be a month 'YYYY-MM'", ob.period) from None
            a, b = period_days(ep, ob)
            shift = sc.sources[ob.supplier].transit_days if ob.measured_at == "departure" and ob.supplier else 0
            if a < 0 or b + shift >= T:
                last = ep.anchor + datetime.timedelta(days=T - 1 - shift)
                shown = ob.period or f"{ob.start}..{ob.end}"
                raise InputError(ep.origin, f"{where}.period", f"must lie within the horizon: {ep.anchor} to {last}"
                                 + (f" (departures: the last {shift} days arrive after it)" if shift else ""), shown)
            for a2, b2, other in seen.get(series_key(ob), []):
                if a <= b2 and a2 <= b:
                    raise InputError(ep.origin, f"{where}.period", f"must not overlap observation {other!r} of the same series",
                                     ob.period or f"{ob.start}..{ob.end}")
            seen.setdefault(series_key(ob), []).append((a, b, name))
        if ob.kind == "first_stop":
            d = ob.stop_date
            if not 0 <= ep.day(d) < T:
                raise InputError(ep.origin, f"{where}.{'date' if ob.date else 'none_by'}", f"must lie within the horizon: {ep.anchor} to "
                                 f"{ep.anchor + datetime.timedelta(days=T - 1)}", d.isoformat())
    for name, fr in ep.free.items():
        first = None
        for path in fr.paths:
            prior = sc.uncertainty.get(path)
            if prior is None:
                raise InputError(ep.origin, f"free.{name}.paths", "must name fields with a prior in the scenario's [uncertainty]"
                                 + suggest(path, list(sc.uncertainty)), path)
            if prior.dist not in ("uniform", "loguniform"):
                raise InputError(ep.origin, f"free.{name}.paths", "must name fields whose prior is uniform or loguniform "
                                 f"(the conditioning's unit cube); {path!r} is {prior.dist}", path)
            if first is not None and (prior.dist, prior.low, prior.high) != (first.dist, first.low, first.high):
                raise InputError(ep.origin, f"free.{name}.paths", f"must name fields with one prior ({first.dist} "
                                 f"{first.low:g}-{first.high:g} for {fr.paths[0]!r})", path)
            first = first or prior


def builtin_episodes() -> dict[str, Path]:
    """Episode files shipped in ``calibration/data/episodes``, by name."""
    folder = Path(str(resources.files("calibration") / "data" / "episodes"))
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def load_episode(name_or_path: str | Path) -> Episode:
    """Read and check an episode file (a built-in name or a path).

    Raises
    ------
    InputError
        Naming the file, the field (``observations.NAME.field``), the rule and the value given.
    """
    shipped = builtin_episodes()
    path = shipped.get(str(name_or_path), Path(name_or_path))
    shown = str(path) if str(name_or_path) not in shipped else f"{name_or_path} ({path})"
    if not path.is_file():
        rule = "must be a built-in episode or an episode file" + (suggest(str(name_or_path), list(shipped)) if shipped else "")
        raise InputError(PARAMETER, "name_or_path", rule, str(name_or_path))
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(shown, "(file)", "must be valid TOML", str(exc)) from None
    except OSError as exc:
        raise InputError(shown, "(file)", "must be a readable file", exc.strerror) from None
    obs_raw = raw.pop("observations", None)
    if not isinstance(obs_raw, dict) or not obs_raw:
        raise InputError(shown, "observations", "must hold at least one [observations.NAME] table", obs_raw)
    obs = {}
    for name, o in obs_raw.items():
        if not isinstance(o, dict):
            raise InputError(shown, f"observations.{name}", "must be a table", o)
        if o.get("kind") not in KINDS:
            raise InputError(shown, f"observations.{name}.kind", f"must be one of {', '.join(KINDS)}", o.get("kind"))
        try:
            obs[name] = Observation(name=name, **o)
        except ValidationError as exc:
            err = exc.errors()[0]
            ctx = err.get("ctx", {}) or {}
            inner = ctx.get("error")
            if isinstance(inner, _Rule):
                raise InputError(shown, f"observations.{name}.{inner.field}", inner.rule, inner.value) from None
            field = ".".join(str(x) for x in err["loc"]) or "(table)"
            value = err.get("input") if err["type"] != "missing" else "missing"
            raise InputError(shown, f"observations.{name}.{field}", str(err["msg"]).lower(), value) from None
    try:
        return Episode(name=raw.pop("name", path.stem), observations=obs, origin=str(path), **raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        value = err.get("input") if err["type"] != "missing" else "missing"
        raise InputError(shown, field, str(err["msg"]).lower(), value) from None
