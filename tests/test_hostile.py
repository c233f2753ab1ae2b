"""Hostile input: no non-finite or absurd number gets through to a result.

A built-in scenario is resolved to JSON (what ``--out`` writes and ``run``
reads back), one numeric leaf anywhere in it (economy, materials, sources,
sectors, policy, priors, run settings) is replaced by a hostile value, and the
file is run from the command line. The outcome must be one of two: exit 2
with a message naming the field, or exit 0 with a JSON summary holding only
finite numbers (no ``Infinity``/``NaN``, which are not JSON).
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import examples

from simulator.cli.main import cli
from simulator.model.fields import numeric_fields, unit_of
from simulator.model.loading import load_scenario, scenario_to_json
from simulator.model.scenario import Scenario
from simulator.model.schema_prior import Prior

HOSTILE: list[Any] = [
    math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300, 0, 0.0, -0.0, -1, -1e-9,
    1e15, 1e30, 2**63, 2**70, 50, 1.5, 1e6, 3651, 36501, 0.5,
]


def _resolved(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(scenario_to_json(load_scenario(name)))
    data["run"]["horizon_days"] = 60
    return data


BASES = {name: _resolved(name) for name in ("japan-3m-curb", "japan-licence")}


def _leaves(tree: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _leaves(v, (*prefix, str(k)))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out.append(prefix)
    return out


LEAVES = {name: _leaves(data) for name, data in BASES.items()}


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for k in path[:-1]:
        tree = tree[k]
    tree[path[-1]] = value


def _finite(x: Any) -> bool:
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    if isinstance(x, list):
        return all(_finite(v) for v in x)
    if isinstance(x, float):
        return math.isfinite(x)
    return True


def _named(field: str, leaf: str) -> bool:
    """The message's field is the leaf, a table above it, or a pattern (``sources.*.supply.m.share``) matching it.

    For a prior's parameter, another parameter of the same prior also names it
    (``high: must be > low (1e+15)`` for a hostile ``low``).
    """
    field = re.sub(r" \(.*\)$", "", field)
    prior_params = {"low", "high", "mode", "mean", "sd", "median", "sigma", "value"}
    if leaf.rsplit(".", 1)[-1] in prior_params and field.rsplit(".", 1)[0] == leaf.rsplit(".", 1)[0]:
        return True
    return fnmatch.fnmatchcase(leaf, field) or leaf.startswith(field + ".") or fnmatch.fnmatchcase(leaf, field + ".*")


@settings(max_examples=examples(40), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_value_is_refused_or_gives_finite_result(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(BASES)), label="base")
    leaf = data.draw(st.sampled_from(LEAVES[name]), label="leaf")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    doc = json.loads(json.dumps(BASES[name]))
    _set(doc, leaf, value)
    f = tmp_path_factory.mktemp("hostile") / "s.json"
    f.write_text(json.dumps(doc))  # writes Infinity / NaN for non-finite values, as a careless tool would
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "8", "--block-size", "8", "--format", "json", "--quiet"])
    dotted = ".".join(leaf)
    if res.exit_code == 2:
        first = res.stderr.splitlines()[0]
        assert first.startswith(f"error: {f}: "), first
        field = first[len(f"error: {f}: "):].split(": ", 1)[0]
        rule = first[len(f"error: {f}: {field}: "):]
        # a rule across two fields of one table may name the other field, with the hostile one in its rule
        # ("criticality_floor: must be at most criticality (4.9e-324)" for a hostile criticality)
        sibling = field.rsplit(".", 1)[0] == dotted.rsplit(".", 1)[0] and re.search(
            rf"\b{re.escape(dotted.rsplit('.', 1)[-1])}\b", rule) is not None
        assert _named(field, dotted) or sibling, (dotted, value, first)
        assert "; got " in first
    else:
        assert res.exit_code == 0, (dotted, value, res.exit_code, res.stderr, res.exception)
        summary = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON output ({dotted} = {value})"))
        assert _finite(summary), (dotted, value)


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ("[sources.lynas.supply.ndpr]\nextra_capacity = inf", "sources.lynas.supply.ndpr.extra_capacity", "must be a finite number"),
        ("[materials.ndpr]\nannual_demand = 1e308", "materials.ndpr.annual_demand", "must be <= 1e+11"),
        ("[materials.ndpr]\nannual_demand = 5e-324", "materials.ndpr.annual_demand", "must be >= 1e-06"),
        ("[materials.ndpr]\nprice = nan", "materials.ndpr.price", "must be a finite number"),
        ("[economy]\ngdp = inf", "economy.gdp", "must be a finite number"),
        ("[materials.ndpr]\ninventory_days = inf", "materials.ndpr.inventory_days", "must be a finite number"),
        ("[materials.ndpr.stockpile]\ndays = inf", "materials.ndpr.stockpile.days", "must be a finite number"),
        ("[sectors.glass_ceramics]\novertime_rate = 50", "sectors.glass_ceramics.overtime_rate", "must be <= 2"),
        ('[uncertainty]\n"materials.ndpr.price" = { dist = "uniform", low = 1, high = inf }',
         "uncertainty.materials.ndpr.price.high", "must be a finite number"),
        ('[uncertainty]\n"materials.ndpr.price" = { dist = "lognormal", median = 1e6, sigma = 1 }',
         "uncertainty.materials.ndpr.price", "prior can draw inf"),
    ],
)
def test_issue_cases_are_errors(tmp_path: Path, override: str, field: str, rule: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(f'name = "t"\nextends = "japan-3m-curb"\n{override}\n')
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "8", "--quiet", "--out", str(out)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {f}: {field}: {rule}"), res.stderr
    assert not out.exists()


def test_licence_processing_time_has_a_hard_upper_end(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('name = "t"\nextends = "japan-licence"\n[policy.licence_heavy]\n'
                 'processing_days = { dist = "uniform", low = 1, high = 1e15 }\n')
    res = CliRunner().invoke(cli, ["validate", str(f)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {f}: policy.licence_heavy.processing_days: must not produce more than 3650"), res.stderr


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("[sectors.glass_ceramics]\novertime_rate = 1.5", "sectors.glass_ceramics.overtime_rate"),
        ("[policy.china_stop]\nstart_day = 400\nend_day = 500", "policy.china_stop.start_day"),
        ("[materials.ndpr]\ninventory_days = 900", "materials.ndpr.inventory_days"),
        ("[sources.lynas.supply.ndpr]\nextra_capacity = 1e6", "sources.lynas.supply.ndpr.extra_capacity"),
        ("[economy]\ngdp = 600e9", "economy.gdp"),
        ("[policy.china_stop]\nend_day = 400", "policy.china_stop.end_day"),  # past the horizon: no recovery seen
    ],
)
def test_unusual_values_warn_on_stderr_and_exit_0(tmp_path: Path, override: str, field: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(f'name = "t"\nextends = "japan-3m-curb"\n{override}\n')
    res = CliRunner().invoke(cli, ["validate", str(f)])
    assert res.exit_code == 0, res.stderr
    assert f"warning: {f}: {field}: " in res.stderr
    assert "warning" not in res.stdout


def test_a_scenario_without_measures_warns_that_it_is_the_baseline(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('name = "t"\nextends = "japan-rare-earths"\n')
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "20"])
    assert res.exit_code == 0, res.stderr
    assert f"warning: {f}: policy: holds no measure: the run is the baseline" in res.stderr


def test_builtins_have_no_warnings() -> None:
    for name in ("japan-3m-curb", "japan-1y-curb", "japan-licence", "japan-dual-use", "japan-2026", "gallium-stop"):
        res = CliRunner().invoke(cli, ["validate", name])
        assert res.exit_code == 0 and res.stderr == "", res.stderr


def _models(cls: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if cls in seen:
        return
    seen.add(cls)
    for info in cls.model_fields.values():
        for t in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for u in (t, *getattr(t, "__args__", ())):
                if isinstance(u, type) and issubclass(u, BaseModel):
                    _models(u, seen)


def test_every_numeric_field_has_a_unit_and_a_finite_hard_range() -> None:
    from simulator.model.fields import bounds
    from simulator.model.schema_measures import Ban, Licence, Quota

    seen: set[type[BaseModel]] = set()
    for root in (Scenario, Ban, Quota, Licence):
        _models(root, seen)
    checked = 0
    for cls in seen - {Prior}:
        for name, info in cls.model_fields.items():
            if info.annotation in (int, float):
                assert unit_of(cls, name) is not None, f"{cls.__name__}.{name} has no Unit"
                lo, hi, _, _ = bounds(cls, name)
                assert math.isfinite(lo) and math.isfinite(hi), f"{cls.__name__}.{name} has no finite hard range"
                assert info.description, f"{cls.__name__}.{name} has no description"
                checked += 1
    assert checked > 30
    # and the walker finds them in a real scenario
    sc = load_scenario("japan-3m-curb")
    assert any(p == "sources.lynas.supply.ndpr.extra_capacity" for p, *_ in numeric_fields(sc))


@pytest.mark.parametrize(("body", "needle"), [
    ('name = "t"\nextends = "japan-rare-earthz"\n', "extends: must name a built-in economy (japan-rare-earths, toy-gallium), "
                                                     "a built-in scenario"),
    ('name = "t"\nextends = "japan-rare-earthz"\n', "did you mean 'japan-rare-earths'?"),
    ('name = "t"\nextends = "japan-3m-curb"\n[policy.x]\nkind = "ban"\nmaterials = ["ndpr"]\nstart_day = 0\nend_day = 10\n',
     "policy.x.source: is required; got nothing (the field is missing)"),
])
def test_messages_name_what_is_allowed_and_what_is_missing(tmp_path: Path, body: str, needle: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(body)
    res = CliRunner().invoke(cli, ["validate", str(f)])
    assert res.exit_code == 2 and needle in res.stderr, res.stderr


def test_a_misspelt_scenario_name_gets_a_suggestion() -> None:
    res = CliRunner().invoke(cli, ["run", "japan-3m-curbb"])
    assert res.exit_code == 2 and "did you mean 'japan-3m-curb'?" in res.stderr


def test_a_prior_on_a_missing_measure_gets_a_short_message_naming_what_exists(tmp_path: Path) -> None:
    """Not a list of every field (hundreds): the table it missed and what that table holds."""
    f = tmp_path / "s.toml"
    f.write_text('name = "t"\nextends = "japan-3m-curb"\n[uncertainty]\n'
                 '"policy.removed.quota_share" = { dist = "uniform", low = 0, high = 0.2, source = "t" }\n')
    res = CliRunner().invoke(cli, ["validate", str(f)])
    assert res.exit_code == 2
    assert "uncertainty.policy.removed.quota_share: is not a numeric field of this scenario; policy has no 'removed' " \
           "(it has 'china_stop';" in res.stderr
    assert len(res.stderr) < 400, res.stderr
