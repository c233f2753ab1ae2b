"""Calibration levers, the fitted sample as scenario data, common random numbers, and `supplyshock calibrate`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_agreement import assert_same_trajectories, run_both

import simulator
from calibration.model import TargetRuns, load_free, pick_free
from calibration.targets import load_targets, pick
from simulator.economics.impact import impact_from_metrics
from simulator.engines.resolve import resolve
from simulator.errors import InputError
from simulator.model.fields import prior_targets
from simulator.runs.blocks import run_paths
from simulator.runs.store import MANIFEST_KEYS


def _post(columns: list[str], rows: list[list[float]]) -> dict:
    return {"calibration": {"posterior": {"columns": columns, "draws": rows, "provenance": {"seed": "1"}}}}


def test_scales_multiply_their_groups_with_caps() -> None:
    base = simulator.load_scenario("japan-3m-curb", calibrated=False)
    sc = simulator.load_scenario("japan-3m-curb", overrides={"calibration": {"cover_scale": 2.0, "criticality_scale": 1.5,
                                                                              "catch_up_scale": 3.0}})
    d = simulator.sample_draws(base, 4, seed=3)
    a, b = resolve(base, d.params, 4), resolve(sc, d.params, 4)
    np.testing.assert_allclose(b.cohort_cover, 2.0 * a.cohort_cover)
    np.testing.assert_allclose(b.crit, np.minimum(1.5 * a.crit, 1.0))
    assert b.crit.max() == 1.0 and a.crit.max() < 1.0
    np.testing.assert_allclose(b.catch_share, np.minimum(3.0 * a.catch_share, 1.0))


def test_adaptation_scales_move_their_mechanisms_and_leave_the_scenario_as_written_at_one() -> None:
    """capacity, substitution and leakage scales: 1 is the scenario as written (bit for bit); 0 switches the mechanism
    off; above 1 the substitution floor falls (not below 0) and leakage grows (capped at 1)."""
    base = simulator.load_scenario("japan-1y-curb", calibrated=False)
    d = simulator.sample_draws(base, 6, seed=4)
    a = resolve(base, d.params, 6)

    def at(**scales: float) -> object:
        return resolve(simulator.load_scenario("japan-1y-curb", calibrated=False, overrides={"calibration": scales}), d.params, 6)

    one = at(capacity_scale=1.0, substitution_scale=1.0, leakage_scale=1.0)
    for f in ("extra", "crit_floor", "leakage"):
        assert np.array_equal(getattr(one, f), getattr(a, f))
    off = at(capacity_scale=0.0, substitution_scale=0.0, leakage_scale=0.0)
    assert not off.extra.any() and not off.leakage.any() and np.array_equal(off.crit_floor, off.crit)
    assert a.extra.any() and a.leakage.any() and (a.crit_floor < a.crit).any()
    more = at(capacity_scale=2.0, substitution_scale=3.0, leakage_scale=10.0)
    np.testing.assert_allclose(more.extra, 2.0 * a.extra)
    assert (more.crit_floor <= a.crit_floor).all() and (more.crit_floor >= 0.0).all() and (more.crit_floor < a.crit_floor).any()
    np.testing.assert_allclose(more.leakage, np.minimum(10.0 * a.leakage, 1.0))
    assert more.leakage.max() == 1.0


def test_engines_agree_with_scales_away_from_one() -> None:
    sc = simulator.load_scenario("japan-licence", overrides={"calibration": {"cover_scale": 0.6, "criticality_scale": 1.3,
                                                                              "catch_up_scale": 0.0, "capacity_scale": 1.7,
                                                                              "substitution_scale": 1.6, "leakage_scale": 2.0},
                                                             "run": {"horizon_days": 120}})
    a, b = run_both(sc, 3, 5)
    assert_same_trajectories(a, b)


def test_posterior_rows_are_drawn_jointly_and_replace_priors() -> None:
    rows = [[0.7, 0.5], [1.9, 1.2], [1.1, 0.9]]
    cols = ["calibration.cover_scale", "materials.magnets.inventory_days"]
    sc = simulator.load_scenario("japan-3m-curb", overrides=_post(cols, rows))
    d = simulator.sample_draws(sc, 200, seed=8)
    pairs = {(float(x), float(y)) for x, y in zip(d.params[cols[0]], d.params[cols[1]], strict=True)}
    assert pairs == {tuple(r) for r in rows}  # every path one whole row: the correlations are kept
    again = simulator.sample_draws(sc, 200, seed=8)
    np.testing.assert_array_equal(d.params[cols[0]], again.params[cols[0]])
    # the other priors draw exactly what they draw without a posterior
    plain = simulator.sample_draws(simulator.load_scenario("japan-3m-curb", calibrated=False), 200, seed=8)
    np.testing.assert_array_equal(d.params["materials.ndpr.inventory_days"], plain.params["materials.ndpr.inventory_days"])


def test_uncalibrated_drops_the_sample_and_a_set_value_drops_its_column() -> None:
    ov = _post(["calibration.cover_scale", "calibration.catch_up_scale"], [[0.7, 0.5], [1.9, 1.2]])
    assert simulator.load_scenario("japan-3m-curb", overrides=ov, calibrated=False).calibration.posterior is None
    ov["calibration"]["cover_scale"] = 1.5  # a grid value, say
    sc = simulator.load_scenario("japan-3m-curb", overrides=ov)
    assert sc.calibration.posterior is not None
    assert sc.calibration.posterior.columns == ["calibration.catch_up_scale"]
    d = simulator.sample_draws(sc, 50, seed=1)
    assert "calibration.cover_scale" not in d.params and sc.calibration.cover_scale == 1.5


@pytest.mark.parametrize(("cols", "rows", "field", "rule"), [
    (["calibration.cover_scal"], [[1.0]], "calibration.posterior.columns", "did you mean 'calibration.cover_scale'"),
    (["calibration.cover_scale"], [[1.0, 2.0]], "calibration.posterior.draws[0]", "one value per column"),
    (["calibration.cover_scale"], [[-1.0]], "calibration.posterior.draws", "must lie in"),
    (["calibration.cover_scale"], [], "calibration.posterior.draws", "at least one row"),
])
def test_bad_posterior_names_field_rule_and_value(cols: list[str], rows: list[list[float]], field: str, rule: str) -> None:
    with pytest.raises(InputError) as exc:
        simulator.load_scenario("japan-3m-curb", overrides=_post(cols, rows))
    assert exc.value.field == field and rule in str(exc.value)


def test_posterior_file_beside_the_economy(tmp_path: Path) -> None:
    (tmp_path / "fit.json").write_text(json.dumps({"columns": ["calibration.cover_scale"], "draws": [[1.5]]}))
    f = tmp_path / "s.toml"
    f.write_text('extends = "japan-3m-curb"\n[calibration]\nposterior = "fit.json"\n')
    sc = simulator.load_scenario(f)
    assert sc.calibration.posterior is not None and sc.calibration.posterior.draws == [[1.5]]
    f.write_text('extends = "japan-3m-curb"\n[calibration]\nposterior = "missing.json"\n')
    with pytest.raises(InputError) as exc:
        simulator.load_scenario(f)
    assert exc.value.field == "calibration.posterior" and exc.value.file == str(f) and exc.value.value == "missing.json"


def test_design_points_share_paths_and_stacking_changes_nothing() -> None:
    free = pick_free(["cover_scale", "catch_up_scale"])
    runs = TargetRuns(pick(["nri-3m"]), free, 40, seed=4)
    theta = np.array([[1.0, 1.0], [1.6, 0.2], [0.6, 1.8]])
    together = runs.per_path(theta)["nri-3m"]
    alone = np.stack([runs.per_path(theta[i:i + 1])["nri-3m"][0] for i in range(3)])
    # the engine's per-path output is the same bit for bit; the input-output step's matrix products may round
    # the last bit differently for a batch of 120 paths than for 40
    np.testing.assert_allclose(together, alone, rtol=1e-12)
    # at 1 x the levers, the target's quantity is the uncalibrated model's own, path by path
    sc = simulator.load_scenario("japan-3m-curb", calibrated=False)
    res = run_paths(sc, 40, seed=4)
    np.testing.assert_allclose(together[0], impact_from_metrics(res.metrics, sc).value_added_loss, rtol=1e-12)
    # more cover, less loss; less catch-up, more loss (on the same paths)
    assert np.median(together[1]) != np.median(together[0])
    more_cover = runs.statistics(np.array([[2.0, 1.0]]))[0]["nri-3m"][0]
    less_catch = runs.statistics(np.array([[1.0, 0.0]]))[0]["nri-3m"][0]
    base = float(np.median(together[0]))
    assert more_cover < base < less_catch


def _nested(path: str, value: float) -> dict:
    out: dict = {}
    node = out
    parts = path.split(".")
    for k in parts[:-1]:
        node = node.setdefault(k, {})
    node[parts[-1]] = value
    return out


def test_free_candidates_are_valid_and_have_reasons() -> None:
    free = load_free()
    assert {"cover_scale", "criticality_scale", "catch_up_scale"} <= set(free)
    assert {"capacity_scale", "substitution_scale", "leakage_scale", "triage"} <= set(free)
    sc = simulator.load_scenario("japan-3m-curb", calibrated=False)
    targets = prior_targets(sc)
    for p in free.values():
        assert p.basis and p.path in targets
        if p.path.startswith("calibration."):  # a common scale: 1 (the scenario as written) inside its prior
            assert p.low < 1.0 < p.high
            assert p.path in {f"calibration.{k}" for k in type(sc.calibration).model_fields}
        else:  # a field itself: its prior is the economy's own
            prior = sc.uncertainty[p.path]
            assert (p.dist, p.low, p.high) == (prior.dist, prior.low, prior.high)
        simulator.load_scenario("japan-3m-curb", overrides=_nested(p.path, p.high))
        np.testing.assert_allclose(p.to_unit(p.from_unit(np.array([0.1, 0.5, 0.9]))), [0.1, 0.5, 0.9])
    with pytest.raises(InputError, match="did you mean 'cover_scale'"):
        pick_free(["cover_scal"])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.mark.parametrize(("args", "needle"), [
    (["--target", "nri-3", "--free", "cover_scale"], "did you mean 'nri-3m'"),
    (["--free", "cover"], "--free"),
    (["--free", "cover_scale", "--paths", "10"], "--paths"),
    (["--free", "cover_scale", "--design", "12"], "--design"),
    (["--sensitivity-samples", "8"], "--sensitivity-samples: must be a power of two >= 16; got 8"),
    (["--free", "cover_scale", "--write-defaults", "no/such/dir/fit.json"], "--write-defaults"),
    (["--free", "cover_scale", "--curve-paths", "-1"], "--curve-paths"),
    (["--free", "cover_scale", "--workers", "0"], "--workers"),
    (["--free", "cover_scale", "--free", "cover_scale"], "must name each candidate free parameter once"),
    (["--target", "nri-3m", "--target", "nri-3m", "--free", "cover_scale"], "must name each target once"),
])
def test_calibrate_bad_options_exit_2_and_write_nothing(tmp_path: Path, args: list[str], needle: str) -> None:
    r = _cli("calibrate", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and not (tmp_path / "out").exists()


def test_calibrate_one_lever_end_to_end(tmp_path: Path) -> None:
    out, defaults = tmp_path / "cal", tmp_path / "fit.json"
    r = _cli("calibrate", "--target", "nri-3m", "--free", "cover_scale", "--paths", "100", "--design", "8", "--steps", "2000", "--no-reconcile", "--curve-paths", "40",
             "--predictive-paths", "100", "--backcast-paths", "0", "--seed", "3", "--quiet", "--out", str(out), "--write-defaults", str(defaults), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((out / "calibration.json").read_text())
    t = doc["targets"][0]
    assert t["name"] == "nri-3m" and abs(t["z_point"]) <= 1.0 and t["z_uncalibrated"] > 1.0  # more cover than as written
    assert doc["free"][0]["point"] > 1.0 and doc["converged"]
    man = json.loads((out / "manifest.json").read_text())  # the store's manifest, as a run's
    assert list(man)[:len(MANIFEST_KEYS)] == list(MANIFEST_KEYS) and man["format"] == doc["format"]
    assert (man["targets"], man["free"], man["scenario"], man["seed"]) == (["nri-3m"], ["cover_scale"], "japan-3m-curb", 3)
    html = (out / "report.html").read_text()
    for section in ("Targets", "Free parameters", "identifiability", "Method", "Reconciliation", "Assumptions register",
                    "Reproducibility", "data:image/png;base64"):
        assert section in html
    assert (out / "report.md").read_text().count("figures/") >= 4 and (out / "figures" / "curve.png").is_file()
    # the written sample is what an economy names, and a run on it lands near the target
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "japan-3m-curb"\n[calibration]\nposterior = "{defaults.name}"\n')
    sc = simulator.load_scenario(f)
    assert sc.calibration.posterior is not None and sc.calibration.posterior.columns == ["calibration.cover_scale"]
    assert "package_version" in sc.calibration.posterior.provenance
    # report rebuilds from the directory alone
    (out / "report.html").unlink()
    r2 = _cli("report", str(out), cwd=tmp_path)
    assert r2.returncode == 0 and (out / "report.html").is_file(), r2.stderr


def test_calibrate_not_converged_exits_1_and_writes_no_defaults(tmp_path: Path) -> None:
    src = load_targets()["nri-3m"]
    tf = tmp_path / "t.toml"
    tf.write_text(f'''[targets.tiny]
description = "a loss no lever can reach"
scenario = "japan-3m-curb"
quantity = "value_added_loss"
value = 1e6
unit = "JPY"
rel_sd = 0.01
uncertainty_basis = "test"
source = "{src.source}"
confidence = "L"
fit = true
''')
    r = _cli("calibrate", "--targets-file", str(tf), "--free", "catch_up_scale", "--paths", "60", "--design", "8", "--steps", "300",
             "--no-reconcile", "--curve-paths", "0", "--predictive-paths", "100", "--backcast-paths", "0", "--quiet",
             "--out", str(tmp_path / "cal"), "--write-defaults", str(tmp_path / "fit.json"), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not converged" in r.stderr and not (tmp_path / "fit.json").exists()
    assert "NOT CONVERGED" in (tmp_path / "cal" / "report.html").read_text()
