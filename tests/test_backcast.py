"""Episodes and ``supplyshock backcast``: scoring with a known answer, both engines, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from calibration.backcast import backcast, crps_ensemble, pit, score_observation
from calibration.episodes import builtin_episodes, load_episode
from simulator.cli.main import cli
from simulator.errors import InputError
from simulator.runs.store import MANIFEST_KEYS

EMBARGO = """
name = "toy-embargo"
description = "a test episode"
scenario = "japan-3m-curb"
anchor = 2010-09-01
[overrides.run]
horizon_days = 122
[overrides.policy.china_stop]
materials = ["ndpr", "dytb", "other"]
start_day = 20
end_day = 81
"""

IMPORTS = """
[observations.{name}]
kind = "arrivals"
description = "imports"
supplier = "china"
materials = ["ndpr", "dytb", "other"]
period = "{period}"
unit = "t"
value = {value}
rel_sd = 0.1
ref = "test"
published = "2010"
confidence = "M"
"""


def _episode(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "episode.toml"
    p.write_text(EMBARGO + body, encoding="utf-8")
    return p


# ------------------------------------------------------------------ scores


def test_crps_matches_its_definition() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    y = 0.3
    brute = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert crps_ensemble(x, y) == pytest.approx(brute, rel=1e-12)
    assert crps_ensemble(np.full(10, 2.0), 2.0) == 0.0


def test_a_model_that_is_the_truth_scores_within_its_monte_carlo_error() -> None:
    """Observations drawn from the model's own predictive distribution: quantiles uniform, bands cover, CRPS as expected.

    Model N(0, 1) sampled on 4,000 paths; 400 truths from N(0, 1) observed without error. Expected: mean
    quantile 0.5 (sd 0.29/sqrt(400)), 90 % coverage 0.9 (sd 0.015), 50 % coverage 0.5 (sd 0.025), mean CRPS
    1/sqrt(pi) = 0.564. A model biased by one sd is detected on every count.
    """
    rng = np.random.default_rng(7)
    model = rng.normal(size=4000)
    truths = rng.normal(size=400)
    rows = [score_observation(model, float(t), 0.0, rng) for t in truths]
    q = np.array([r["quantile"] for r in rows])
    assert abs(q.mean() - 0.5) < 3 * 0.2887 / math.sqrt(400)
    assert abs(np.mean([r["in90"] for r in rows]) - 0.9) < 3 * 0.015
    assert abs(np.mean([r["in50"] for r in rows]) - 0.5) < 3 * 0.025
    crps = np.array([r["crps"] for r in rows])
    assert abs(crps.mean() - 1 / math.sqrt(math.pi)) < 3 * crps.std() / math.sqrt(400)
    biased = [score_observation(model + 1.0, float(t), 0.0, rng) for t in truths]
    assert np.mean([r["quantile"] for r in biased]) < 0.3
    assert np.mean([r["in90"] for r in biased]) < 0.8
    assert np.mean([r["crps"] for r in biased]) > crps.mean() + 0.2


def test_the_observation_error_widens_the_predictive_band() -> None:
    rng = np.random.default_rng(3)
    model = np.zeros(2000)  # a sharp model: only the stated error spreads it
    r = score_observation(model, 1.0, 1.0, rng)
    assert r["p95"] == pytest.approx(1.645, abs=0.1)
    assert r["quantile"] == pytest.approx(0.84, abs=0.03)
    assert pit(np.array([1.0, 2.0, 3.0]), 2.0) == pytest.approx(0.5)


def test_bounds_and_none_by_are_scored_by_probability() -> None:
    rng = np.random.default_rng(0)
    v = np.array([0.0, 0.05, 0.2, 0.3])
    b = score_observation(v, math.nan, 0.0, rng, kind="bound", low=0.0, high=0.1)
    assert b["probability"] == 0.5 and b["log_score"] == pytest.approx(math.log(0.5))
    days = np.array([10.0, 40.0, np.inf, np.inf])
    n = score_observation(days, 30.0, 0.0, rng, kind="none_by")
    assert n["probability"] == 0.75 and n["stop_probability"] == 0.5


# ------------------------------------------------------------------ episodes through the model


def test_an_observation_at_the_models_median_falls_mid_band_and_a_biased_one_outside(tmp_path: Path) -> None:
    """Tonnes from China in October: the model's own median scores near quantile 0.5; 3 x its 95th
    percentile is outside every band with quantile 1."""
    ep = load_episode(_episode(tmp_path, IMPORTS.format(name="oct", period="2010-12", value=1.0)))
    first = backcast(ep, n_paths=200, seed=5)["observations"][0]
    med, p95 = first["median"], first["p95"]
    for value, check in ((med, lambda r: 0.3 < r["quantile"] < 0.7 and r["in50"]),
                         (3 * p95, lambda r: r["quantile"] == 1.0 and not r["in90"])):
        ep = load_episode(_episode(tmp_path, IMPORTS.format(name="oct", period="2010-12", value=value)))
        r = backcast(ep, n_paths=200, seed=5)["observations"][0]
        assert check(r), r


def test_both_engines_give_the_same_quantiles(tmp_path: Path) -> None:
    body = IMPORTS.format(name="oct", period="2010-10", value=400.0) + IMPORTS.format(name="dec", period="2010-12", value=3000.0)
    ep = load_episode(_episode(tmp_path, body))
    a = backcast(ep, n_paths=20, seed=2, engine="vectorised")
    b = backcast(ep, n_paths=20, seed=2, engine="simpy")
    for ra, rb in zip(a["observations"], b["observations"], strict=True):
        assert ra["quantile"] == rb["quantile"]
        assert ra["median"] == pytest.approx(rb["median"], rel=1e-12)


def test_shipped_episodes_load_and_score(tmp_path: Path) -> None:
    assert {"embargo-2010", "licence-2025"} <= set(builtin_episodes())
    res = CliRunner().invoke(cli, ["backcast", "embargo-2010", "--paths", "100", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "out" / "backcast.json").read_text())
    assert [r["name"] for r in doc["observations"]][:4] == ["imports_sep", "imports_oct", "imports_nov", "imports_dec"]
    assert doc["coverage"]["n"] == 4
    assert (tmp_path / "out" / "report.html").read_text().count("<img") == 1
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())  # the store's manifest, as a run's
    assert list(man)[:len(MANIFEST_KEYS)] == list(MANIFEST_KEYS) and man["format"] == doc["format"]
    assert (man["episode"], man["seed"], man["paths"], man["scenario"]) == ("embargo-2010", doc["seed"], 100, doc["scenario"])
    assert set(man["files"]) == {p.name for p in (tmp_path / "out").iterdir()}
    ep = load_episode("licence-2025")
    assert ep.build_scenario().run.start_date == ep.anchor


# ------------------------------------------------------------------ bad input

BAD = [
    (IMPORTS.format(name="x", period="2010-10", value=1.0).replace('"ndpr", "dytb", "other"', '"ndpr", "dytbb"'),
     "observations.x.materials", "dytbb"),
    (IMPORTS.format(name="x", period="2011-03", value=1.0), "observations.x.period", "within the horizon"),
    (IMPORTS.format(name="x", period="2010-10", value=1.0) + IMPORTS.format(name="y", period="2010-10", value=2.0),
     "observations.y.period", "overlap"),
    (IMPORTS.format(name="x", period="2010-10", value=-5.0), "observations.x.value", ">= 0"),
    ('\n[observations.x]\nkind = "gdp_loss"\ndescription = "d"\nlow = 0.2\nhigh = 0.1\nreasoning = "r"\nref = "r"\n'
     'published = "p"\nconfidence = "M"\n', "observations.x.low", "<= high"),
    ('\n[observations.x]\nkind = "prices"\ndescription = "d"\n', "observations.x.kind", "must be one of"),
    (IMPORTS.format(name="x", period="2010-10", value=1.0).replace("rel_sd = 0.1\n", ""), "observations.x.sd", "stated uncertainty"),
    (IMPORTS.format(name="x", period="2010-10", value=1.0).replace('supplier = "china"', 'supplier = "chna"'),
     "observations.x.supplier", "did you mean 'china'"),
]


@pytest.mark.parametrize(("body", "field", "words"), BAD)
def test_bad_observations_are_refused_with_the_file_field_and_rule(tmp_path: Path, body: str, field: str, words: str) -> None:
    path = _episode(tmp_path, body)
    with pytest.raises(InputError) as exc:
        load_episode(path).build_scenario()
    assert exc.value.field == field and str(path) in exc.value.file
    assert words in str(exc.value)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["backcast", str(path), "--paths", "50", "--out", str(out)])
    assert res.exit_code == 2 and field in res.output and not out.exists()
