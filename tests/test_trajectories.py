"""Trajectories: the tidy frame users analyse with pandas."""

from __future__ import annotations

import numpy as np

import simulator
from simulator.engines.trajectories import ARRAY_FIELDS


def test_to_frame_is_tidy_and_holds_every_daily_value() -> None:
    sc = simulator.load_scenario("japan-3m-curb", overrides={"run": {"horizon_days": 20}})
    tr = simulator.simulate(sc, simulator.sample_draws(sc, 2, seed=3), engine="vectorised")
    df = tr.to_frame()
    assert list(df.columns) == ["path", "day", "dimension", "label", "variable", "value"]
    assert set(df["variable"]) == set(ARRAY_FIELDS)
    expected_rows = sum(int(np.prod(getattr(tr, name).shape)) for name in ARRAY_FIELDS)
    assert len(df) == expected_rows
    # a value read back from the frame is the array's value
    s = sc.sector_ids.index("vehicles_electrified")
    row = df[(df.variable == "output_fraction") & (df.label == "vehicles_electrified") & (df.path == 1) & (df.day == 7)]
    assert row["value"].item() == tr.output_fraction[1, 7, s]
    row = df[(df.variable == "arrivals") & (df.label == "lynas/ndpr") & (df.path == 0) & (df.day == 3)]
    assert row["value"].item() == tr.arrivals[0, 3, sc.source_ids.index("lynas"), sc.material_ids.index("ndpr")]


def test_to_frame_is_compact_and_selects_variables() -> None:
    sc = simulator.load_scenario("japan-3m-curb", overrides={"run": {"horizon_days": 20}})
    tr = simulator.simulate(sc, simulator.sample_draws(sc, 3, seed=3), engine="vectorised")
    df = tr.to_frame()
    # no Python object per row: about 18 bytes a row (a frame of strings took ~75)
    assert df.memory_usage(deep=True).sum() / len(df) < 20
    out = tr.to_frame("output")
    assert set(out["variable"]) == {"output"} and len(out) == 3 * 20 * len(sc.sectors)
    back = out.pivot_table(index=["path", "day"], columns="label", values="value", observed=True)
    np.testing.assert_array_equal(back[sc.sector_ids].to_numpy().reshape(3, 20, -1), tr.output)
    ds = tr.to_xarray()
    assert ds["arrivals"].dims == ("path", "day", "source", "material")
    assert float(ds["output"].sel(path=2, day=5, sector="vehicles_other")) == tr.output[2, 5, sc.sector_ids.index("vehicles_other")]
