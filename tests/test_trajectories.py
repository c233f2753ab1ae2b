"""Trajectories: the tidy frame users analyse with pandas."""

from __future__ import annotations

import warnings

import numpy as np

import simulator
from simulator.engines.trajectories import ARRAY_FIELDS
from simulator.errors import InputWarning


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


def test_the_event_log_tells_each_licence_application_once_a_day() -> None:
    """With a ministry capacity that binds for weeks, an application's volume is split every working day (part
    decided, part pending, part waiting); the log still tells each application once a day, so its size grows with
    the applications and days, not with the ways their parts were split (it once doubled every few days)."""
    import re
    from collections import Counter

    licence = {"policy": {"stop": {"kind": "licence", "source": "dominant", "materials": ["gallium"], "start_day": 0,
                                   "coverage": 1.0, "processing_days": {"dist": "uniform", "low": 5, "high": 12},
                                   "approve_share": 0.5, "reject_share": 0.1, "capacity": 0.08, "end_day": 70}},
               "run": {"horizon_days": 90}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        sc = simulator.load_scenario("gallium-stop", overrides=licence)
    tr = simulator.simulate(sc, simulator.sample_draws(sc, 1, 11), engine="simpy", events=True)
    told = Counter((e.day, m.group(1)) for e in tr.events[0] if e.category == "decision"
                   and (m := re.match(r"(\S+ #\d+) ", e.text)))
    assert told, "no decisions told"
    assert max(told.values()) == 1, told.most_common(3)
    applications = sum(1 for e in tr.events[0] if e.category == "application")
    assert len(tr.events[0]) < 20 * (applications + sc.run.horizon_days)
