"""Conditioning on an episode (``supplyshock calibrate --episode``): a known answer, the likelihood's parts, bad input."""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import simulator
from calibration.condition import condition, cutoffs, episode_free, log_kernels, log_likelihood, used_by
from calibration.episode_runs import EpisodeRuns
from calibration.episode_values import model_values
from calibration.episodes import load_episode
from simulator.cli.main import cli
from simulator.engines.resolve import resolve
from simulator.model.draws import sample_draws
from simulator.runs.store import MANIFEST_KEYS

SCENARIO = """
name = "toy-quota"
description = "the dominant supplier caps gallium at a share of its normal flow for 100 days"
extends = "toy-gallium"
[policy.cap]
kind = "quota"
source = "dominant"
materials = ["gallium"]
start_day = 0
end_day = 100
coverage = 1.0
quota_share = 0.5
description = "test"
refs = { quota_share = "test" }
[uncertainty]
"policy.cap.quota_share" = { dist = "uniform", low = 0.1, high = 0.9, source = "test prior" }
[run]
start_date = 2026-01-01
horizon_days = 120
"""

EPISODE = """
name = "toy-cap"
description = "a test episode: the capped flow observed as an index of its normal level"
scenario = "scenario.toml"
anchor = 2026-01-01

[free.quota]
label = "the cap, share of the normal flow"
paths = ["policy.cap.quota_share"]
"""

OBS = """
[observations.{name}]
kind = "arrivals"
description = "exports of the dominant supplier"
supplier = "dominant"
materials = ["gallium"]
measured_at = "departure"
period = "{period}"
unit = "index"
value = {value}
baseline = 365.0
baseline_days = 365
baseline_ref = "test"
rel_sd = 0.05
ref = "test"
published = "2026"
confidence = "M"
"""


def _write(tmp_path: Path, obs: dict[str, tuple[str, float]], extra: str = "", free: bool = True) -> Path:
    (tmp_path / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    body = EPISODE if free else EPISODE.split("[free.quota]")[0]
    body += "".join(OBS.format(name=n, period=p, value=v) for n, (p, v) in obs.items()) + extra
    path = tmp_path / "episode.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _truth_episode(tmp_path: Path, truth: float) -> Path:
    """Observations that are the model's own median at ``quota_share = truth`` (index of a baseline of 1 t/day)."""
    first = _write(tmp_path, {"feb": ("2026-02", 1.0), "mar": ("2026-03", 1.0)})
    ep = load_episode(first)
    sc = ep.build_scenario(calibrated=False)
    rv = EpisodeRuns(ep, sc, episode_free(ep, sc), 200, 3).run(np.array([[truth]]))
    days = {"feb": 28, "mar": 31}
    return _write(tmp_path, {n: (p, float(np.median(rv.values[n])) * days[n])
                             for n, p in (("feb", "2026-02"), ("mar", "2026-03"))})


def test_the_posterior_finds_the_value_that_made_the_observations(tmp_path: Path) -> None:
    """Observed = the model at quota 0.3 (5 % error): the posterior's 90 % interval holds 0.3 and is far narrower than
    the prior (0.1-0.9); after both months the later-observation count is empty and every chain mixed."""
    ep = load_episode(_truth_episode(tmp_path, 0.3))
    doc, post = condition(ep, n_paths=60, n_design=8, seed=5, steps=1500, walkers=16, n_keep=400, predict_draws=4,
                          predict_paths=30, calibrated=False)
    q = doc["free"][0]["posterior_q"]
    assert q[0] < 0.3 < q[4]
    assert q[4] - q[0] < 0.25 * (0.9 - 0.1)
    assert doc["diagnostics"]["rhat_max"] < 1.05
    assert post is not None and post["columns"] == ["policy.cap.quota_share"]
    assert post["provenance"]["episodes"] == "toy-cap until 2026-03-31"
    # the nowcast: the prior, then one cut-off per month; the horizon's loss narrows once the cap is known
    assert [s["until"] for s in doc["nowcast"]] == [None, "2026-02-28", "2026-03-31"]
    prior, last = doc["nowcast"][0]["loss"]["gdp_loss_pct"], doc["nowcast"][-1]["loss"]["gdp_loss_pct"]
    assert last[4] - last[0] < prior[4] - prior[0]


def test_a_biased_observation_moves_the_posterior_away_from_the_truth(tmp_path: Path) -> None:
    """The same episode with the observations at the model's value for 0.7: the posterior leaves 0.3 behind."""
    ep = load_episode(_truth_episode(tmp_path, 0.7))
    doc, _ = condition(ep, n_paths=60, n_design=8, seed=5, steps=1500, walkers=16, n_keep=400, predict_draws=4,
                       predict_paths=30, calibrated=False)
    q = doc["free"][0]["posterior_q"]
    assert q[0] > 0.5


def test_log_likelihood_is_the_log_of_the_mean_over_paths_of_the_product_of_kernels() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    direct = np.log(np.mean(np.exp(a + b), axis=1))
    assert np.allclose(log_likelihood({"a": a, "b": b}, ["a", "b"]), direct, rtol=0, atol=1e-12)
    assert np.array_equal(log_likelihood({"a": a}, []), np.zeros(3))


def test_kernels_of_each_kind(tmp_path: Path) -> None:
    extra = """
[observations.stop]
kind = "first_stop"
description = "no stoppage"
sector = "chips"
none_by = 2026-02-10
sd_days = 4
ref = "test"
published = "2026"
confidence = "M"

[observations.gdp]
kind = "gdp_loss"
description = "no measurable loss"
low = 0.0
high = 0.1
reasoning = "test"
ref = "test"
published = "2026"
confidence = "M"
"""
    ep = load_episode(_write(tmp_path, {"feb": ("2026-02", 14.0)}, extra))
    sc = ep.build_scenario(calibrated=False)
    v = {"feb": np.array([[0.5, 0.4]]), "stop": np.array([[30.0, np.inf]]), "gdp": np.array([[0.05, 0.2]])}
    k = log_kernels(ep, sc, v)
    # feb: index 14 t over 28 days of a 1 t/day baseline = 0.5, sd 5 % of it
    assert np.allclose(k["feb"], stats.norm.logpdf(0.5, loc=[[0.5, 0.4]], scale=0.025))
    assert k["stop"][0, 0] == pytest.approx(stats.norm.logcdf((30.0 - 40.0) / 4.0))  # stopped 10 days before "none by"
    assert k["stop"][0, 1] == 0.0  # never stopped
    assert k["gdp"][0, 0] == 0.0 and k["gdp"][0, 1] == pytest.approx(math.log(1e-6))


def test_the_recorder_reads_the_same_values_as_full_trajectories(tmp_path: Path) -> None:
    """The conditioning keeps only the series the observations read; the values equal those from a full simulation."""
    ep = load_episode(_write(tmp_path, {"feb": ("2026-02", 14.0), "mar": ("2026-03", 15.0)}))
    sc = ep.build_scenario(calibrated=False)
    runs = EpisodeRuns(ep, sc, episode_free(ep, sc), 40, 9)
    rv = runs.run(np.array([[0.4]]))
    draws = sample_draws(sc, 40, 9)
    draws.params["policy.cap.quota_share"] = np.full(40, 0.4)
    tr = simulator.simulate(sc, draws)
    want = model_values(ep, sc, tr, resolve(sc, draws.params, 40), simulator.assess(tr, sc))
    for n in ("feb", "mar"):
        assert np.array_equal(rv.values[n][0], want[n])


def test_cutoffs_of_the_2025_licence_episode() -> None:
    ep = load_episode("licence-2025")
    assert cutoffs(ep, datetime.date(2025, 6, 30), 365) == [datetime.date(2025, 5, 31), datetime.date(2025, 6, 30)]
    assert used_by(ep, datetime.date(2025, 5, 31), 365) == ["magnet_exports_may", "first_stop_vehicles"]
    assert cutoffs(ep, None, 365)[-1] == datetime.date(2026, 2, 28)


def test_written_defaults_carry_their_provenance_and_run_says_so(tmp_path: Path) -> None:
    """--write-defaults: the posterior (every field of each lever) in the layout calibration.posterior names; a scenario
    naming it runs, and `run` says which episode it was conditioned on."""
    ep_path = _truth_episode(tmp_path, 0.3)
    out, defaults = tmp_path / "out", tmp_path / "cap.posterior.json"
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(ep_path), "--paths", "60", "--design", "8", "--steps", "1500",
                                 "--out", str(out), "--write-defaults", str(defaults), "--quiet"])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} >= {"conditioning.json", "posterior.json", "report.html", "report.md", "figures"}
    man = json.loads((out / "manifest.json").read_text())  # the store's manifest, as a run's
    assert list(man)[:len(MANIFEST_KEYS)] == list(MANIFEST_KEYS) and man["format"] == "supplyshock-conditioning/1"
    assert man["episode"] == "toy-cap" and set(man["files"]) == {p.name for p in out.iterdir()}
    post = json.loads(defaults.read_text())
    assert post["columns"] == ["policy.cap.quota_share"] and post["provenance"]["episodes"] == "toy-cap until 2026-03-31"
    sc_path = tmp_path / "scenario.toml"
    sc_path.write_text(SCENARIO + '\n[calibration]\nposterior = "cap.posterior.json"\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["run", str(sc_path), "--paths", "50"])
    assert r.exit_code == 0, r.output
    assert "toy-cap until 2026-03-31" in " ".join(r.output.split())


@pytest.mark.parametrize(("args", "field"), [
    (["--until", "2025-12-31"], "--until"),          # before the episode's day 0
    (["--until", "2027-01-01"], "--until"),          # past the horizon
    (["--until", "2026-01-15"], "--until"),          # before any observation ended
    (["--free", "quotta"], "--free"),                # not a lever (did you mean)
    (["--paths", "10"], "--paths"),
])
def test_bad_conditioning_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str], field: str) -> None:
    ep_path = _write(tmp_path, {"feb": ("2026-02", 14.0)})
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(ep_path), "--out", str(out), "--quiet", *args])
    assert r.exit_code == 2, r.output
    assert field in r.output and not out.exists()
    if field == "--free":
        assert "did you mean 'quota'" in r.output


def test_an_episode_without_levers_or_an_observation_without_error_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(_write(tmp_path, {"feb": ("2026-02", 14.0)}, free=False)),
                                 "--out", str(out), "--quiet"])
    assert r.exit_code == 2 and "free" in r.output and "lever" in r.output and not out.exists()
    p = _write(tmp_path, {"feb": ("2026-02", 14.0)})
    p.write_text(p.read_text().replace("rel_sd = 0.05", "sd = 0.0"), encoding="utf-8")
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(p), "--out", str(out), "--quiet", "--paths", "50",
                                 "--design", "8", "--steps", "200"])
    assert r.exit_code == 2 and "observations.feb.sd" in r.output and "must be > 0" in r.output and not out.exists()


def test_until_without_episode_is_refused() -> None:
    r = CliRunner().invoke(cli, ["calibrate", "--until", "2025-06-30"])
    assert r.exit_code == 2 and "--until" in r.output and "--episode" in r.output


def test_a_lever_whose_fields_disagree_on_the_prior_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, {"feb": ("2026-02", 14.0)})
    p.write_text(p.read_text().replace('paths = ["policy.cap.quota_share"]',
                                       'paths = ["policy.cap.quota_share", "policy.cap.coverage"]'), encoding="utf-8")
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(p), "--out", str(tmp_path / "o"), "--quiet"])
    assert r.exit_code == 2 and "free.quota.paths" in r.output and "policy.cap.coverage" in r.output


def test_jointly_with_a_published_target_the_scales_join_the_levers(tmp_path: Path) -> None:
    """--target with --episode: the target's free scale joins the episode's lever, both in the posterior and its file."""
    ep_path = _truth_episode(tmp_path, 0.3)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["calibrate", "--episode", str(ep_path), "--target", "nri-3m", "--free", "quota",
                                 "--free", "cover_scale", "--paths", "50", "--design", "8", "--steps", "200", "--out", str(out),
                                 "--quiet"])
    assert r.exit_code in (0, 1), r.output  # 1: chains too short to mix at this size; results written all the same
    doc = json.loads((out / "conditioning.json").read_text())
    assert [f["name"] for f in doc["free"]] == ["quota", "cover_scale"]
    assert [t["name"] for t in doc["targets"]] == ["nri-3m"] and doc["calibrated"] is False
    assert "jointly with the published targets nri-3m" in (out / "report.md").read_text()
