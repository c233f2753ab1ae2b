"""Closed-form cases on a two-sector toy economy, on both engines.

The toy: one material ``x`` from one source (share 1, transit L days), daily
demand d = 8 t, corporate inventory cover D days, no stockpile unless stated,
no alternative supplier, no thrift, no catch-up. Sector A (daily output 1000)
uses all of ``x`` with criticality kappa; sector B (daily output 1000) uses
none. Every quantity is a small multiple of a power of two, so the engines'
arithmetic is exact and the expectations below hold with ``==``.

What the daily semantics imply (the model's daily step in the README and the engines' order of
operations: arrivals, stockpile release, requirement, allocation, output,
licence decisions, ordering, shipping):

- At the start the pipeline holds the baseline flow for the transit time:
  shipments of d arrive on days 0 .. L-1 ("goods already at sea"). The order
  placed on day t (to restore inventory + pipeline to the target (D + L) d)
  arrives on day t + L. In steady state the inventory at the end of a day is
  D d and each day's order is d.
- A ban on days [0, E): orders of days 0 .. E-1 are not shipped, so nothing
  arrives on days L .. E+L-1; on day E the importer orders everything
  consumed on days 0 .. E, d x min(E + 1, D + L), which lands on day E+L. The inventory (D d at the end of day L-1) covers
  days L .. L+D-1; on days D+L .. E+L-1 it is empty and A's output fraction is
  1 - kappa. On day E the importer orders the whole shortfall of its position,
  which arrives on day E+L and restores the steady state. So A stops for
  E - D days (none if E <= D), first on day D + L, and the output lost is
  kappa x 1000 x (E - D).
- A quota (share s of baseline flow, coverage 1) on [0, E): d s arrives on
  days L .. E+L-1, so the inventory falls by (1-s) d a day and is empty at the
  end of day L + n - 1, n = D / (1-s) (an integer here). From day L + n to
  E+L-1 A gets s of its need: output fraction 1 - kappa (1-s), output lost
  kappa (1-s) x 1000 x (E - n) (none if E <= n).
- A licence with approve share 1 and a fixed processing time of tau working days:
  the application of day t is decided on the tau-th working day after t
  (Monday-Friday; day 0 is weekday ``start_weekday``) and arrives L days
  later. Its extra delay is g(t) = decision(t) - t calendar days. Nothing
  arrives on days L .. L + g(0) - 1, so with D < g(0) A first stops on day
  D + L and stays at 1 - kappa until day L + g(0) - 1; with D >= max g
  nothing is ever lost. Importers order ahead by the processing time they
  plan for (1.4 tau calendar days of the licensed flow on top of the usual
  target), which only adds to their position.
- A stockpile of S days that tops inventory up towards one day of demand, at
  up to d a day, opens lam days after the ban is announced (day 0). With
  lam <= D + L it covers days D+L .. D+L+S-1, so A first stops on day
  D + L + S and loses kappa x 1000 x (E - D - S). With lam > D + L, A stops
  on days D+L .. lam-1, then the stockpile covers S days; the total stopped
  days are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import simulator
from simulator.engines.trajectories import Trajectories
from simulator.model.schema_economy import IOTable
from simulator.model.validation import build_scenario

ENGINES = ("simpy", "vectorised")
D_DEMAND = 8.0  # t/day: annual demand 2920 t
DAILY_OUTPUT = 1000.0  # currency/day of each sector: annual output 365,000
KAPPA = 0.75

TOY_TABLE = IOTable(
    codes=("A", "B"),
    intermediate=np.zeros((2, 2)),
    value_added=np.array([365_000.0, 365_000.0]),
    compensation=np.array([200_000.0, 200_000.0]),
    household_consumption=np.array([100_000.0, 100_000.0]),
    domestic_final_demand=np.array([365_000.0, 365_000.0]),
    exports=np.zeros(2),
    imports=np.zeros(2),
    output=np.array([365_000.0, 365_000.0]),
)


def toy(
    *,
    D: float,
    L: int,
    horizon: int,
    policy: dict[str, Any] | None = None,
    stockpile: dict[str, Any] | None = None,
    kappa: float = KAPPA,
    start_weekday: int = 0,
    sources: dict[str, Any] | None = None,
    cohorts: int = 1,
    spread: float = 0.0,
) -> simulator.Scenario:
    material: dict[str, Any] = {"annual_demand": 365 * D_DEMAND, "price": 1.0, "inventory_days": D,
                                "inventory_spread": spread}
    if stockpile is not None:
        material["stockpile"] = stockpile
    data = {
        "name": "toy",
        "economy": {"name": "Toy", "currency": "XTS", "gdp": 730_000.0, "io_table": "toy.csv"},
        "materials": {"x": material},
        "sources": sources or {"src": {"transit_days": L, "supply": {"x": {"share": 1.0}}}},
        "sectors": {
            "A": {"io_sector": "A", "io_share": 1.0, "materials": {"x": {"use_share": 1.0, "criticality": kappa}}},
            "B": {"io_sector": "B", "io_share": 1.0, "materials": {}},
        },
        "policy": policy or {},
        "firms": {"cohorts": cohorts},
        "run": {"horizon_days": horizon, "paths": 1, "seed": 0, "start_weekday": start_weekday},
    }
    return build_scenario(data, file="<toy>", table=TOY_TABLE)


def measure(kind: str, E: int, **kw: Any) -> dict[str, Any]:
    return {"m": {"kind": kind, "source": "src", "materials": ["x"], "start_day": 0, "end_day": E, "coverage": 1.0, **kw}}


def simulate(sc: simulator.Scenario, engine: str) -> Trajectories:
    return simulator.simulate(sc, simulator.sample_draws(sc, 1, seed=0), engine=engine)


def fraction_a(tr: Trajectories) -> np.ndarray:
    return tr.output_fraction[0, :, 0]


def assert_b_never_stops(tr: Trajectories) -> None:
    assert (tr.output_fraction[0, :, 1] == 1.0).all()
    assert (tr.lost_output[0, :, 1] == 0.0).all()


def expected_fraction(T: int, stopped: range, level: float) -> np.ndarray:
    out = np.ones(T)
    out[[t for t in stopped if t < T]] = level
    return out


def test_toy_baseline_is_steady() -> None:
    sc = toy(D=10, L=5, horizon=30)
    tr = simulate(sc, "vectorised")
    assert tr.demand[0, 0] == D_DEMAND and tr.daily_output[0].tolist() == [DAILY_OUTPUT, DAILY_OUTPUT]
    assert tr.inventory0[0, 0] == 10 * D_DEMAND and tr.pipeline0[0, 0] == 5 * D_DEMAND
    assert (tr.inventory[0, :, 0] == 10 * D_DEMAND).all()
    assert (tr.placed[0, :, 0] == D_DEMAND).all()
    assert (tr.arrivals[0, :, 0, 0] == D_DEMAND).all()
    assert (tr.output_fraction == 1.0).all() and (tr.lost_output == 0.0).all()


# ---------------------------------------------------------------------- ban


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("D", "L", "E"), [(10, 5, 30), (3, 12, 20), (0, 1, 5), (7, 7, 8), (20, 3, 21)])
def test_full_ban_stops_a_on_day_d_plus_l(engine: str, D: int, L: int, E: int) -> None:
    T = E + 2 * L + 10
    tr = simulate(toy(D=D, L=L, horizon=T, policy=measure("ban", E)), engine)
    stopped = range(D + L, E + L)
    # goods already at sea arrive on days 0 .. L-1, then nothing until the day-E order lands on day E+L
    arrived = tr.arrivals[0, :, 0, 0]
    assert (arrived[:L] == D_DEMAND).all()
    assert (arrived[L : E + L] == 0.0).all()
    # the day-E order makes up everything consumed on days 0 .. E (the position is back at target)
    assert arrived[E + L] == D_DEMAND * min(E + 1, D + L)
    f = fraction_a(tr)
    assert f.tolist() == expected_fraction(T, stopped, 1.0 - KAPPA).tolist()
    assert int(np.argmax(f < 1.0)) == D + L and (f[: D + L] == 1.0).all()
    assert_b_never_stops(tr)
    lost = tr.lost_output[0, :, 0]
    assert lost.sum() == KAPPA * DAILY_OUTPUT * (E - D)
    assert (lost[list(stopped)] == KAPPA * DAILY_OUTPUT).all()
    imp = simulator.assess(tr, toy(D=D, L=L, horizon=T, policy=measure("ban", E)))
    assert imp.output_loss[0].tolist() == [KAPPA * DAILY_OUTPUT * (E - D), 0.0]
    assert imp.first_stoppage_day[0, 0] == D + L and np.isinf(imp.first_stoppage_day[0, 1])
    assert imp.stoppage_days[0].tolist() == [E - D, 0]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("D", "L", "E"), [(10, 5, 10), (10, 5, 4), (10, 5, 1), (3, 12, 3), (1, 1, 1)])
def test_ban_no_longer_than_the_inventory_cover_costs_nothing(engine: str, D: int, L: int, E: int) -> None:
    tr = simulate(toy(D=D, L=L, horizon=E + 2 * L + 10, policy=measure("ban", E)), engine)
    assert (tr.output_fraction == 1.0).all()
    assert (tr.lost_output == 0.0).all()
    assert (tr.shortfall == 0.0).all()
    # the inventory did run down: to (D - E) days at the end of day E+L-1
    assert tr.inventory[0, E + L - 1, 0] == (D - E) * D_DEMAND


# -------------------------------------------------------------------- quota


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("D", "L", "E", "s"), [(10, 5, 40, 0.5), (3, 4, 30, 0.75), (6, 2, 16, 0.25)])
def test_quota_delays_the_stoppage_to_d_over_one_minus_s(engine: str, D: int, L: int, E: int, s: float) -> None:
    n = D / (1.0 - s)
    assert n == int(n) and E > n
    n = int(n)
    T = E + 2 * L + 10
    tr = simulate(toy(D=D, L=L, horizon=T, policy=measure("quota", E, quota_share=s)), engine)
    assert (tr.arrivals[0, L : E + L, 0, 0] == s * D_DEMAND).all()
    level = 1.0 - KAPPA * (1.0 - s)
    f = fraction_a(tr)
    assert f.tolist() == expected_fraction(T, range(L + n, E + L), level).tolist()
    assert int(np.argmax(f < 1.0)) == L + n
    assert_b_never_stops(tr)
    assert tr.lost_output[0, :, 0].sum() == KAPPA * (1.0 - s) * DAILY_OUTPUT * (E - n)


@pytest.mark.parametrize("engine", ENGINES)
def test_quota_within_its_cover_costs_nothing(engine: str) -> None:
    D, L, s = 10, 5, 0.5
    E = int(D / (1 - s))  # the inventory reaches exactly zero on the last day before the day-E order lands
    tr = simulate(toy(D=D, L=L, horizon=E + 2 * L + 10, policy=measure("quota", E, quota_share=s)), engine)
    assert tr.inventory[0, E + L - 1, 0] == 0.0
    assert (tr.output_fraction == 1.0).all() and (tr.lost_output == 0.0).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_quota_of_zero_is_a_ban(engine: str) -> None:
    kw = {"D": 10, "L": 5, "horizon": 50}
    a = simulate(toy(**kw, policy=measure("quota", 30, quota_share=0.0)), engine)
    b = simulate(toy(**kw, policy=measure("ban", 30)), engine)
    for name in simulator.engines.trajectories.ARRAY_FIELDS:
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name


# ---------------------------------------------------------------- cohorts


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("cohorts", "spread"), [(2, 0.5), (3, 0.8), (5, 0.6), (4, 0.0)])
def test_firm_cohorts_run_dry_one_by_one(engine: str, cohorts: int, spread: float) -> None:
    """Under a full ban, cohort i (cover D_i) runs dry D_i days after the last arrival at sea lands.

    Nothing arrives after day L - 1, each cohort uses its share w of the daily demand, and cohorts do
    not pool stocks, so on day t >= L cohort i receives the share clip(D_i - (t - L), 0, 1) of its
    need and A's output is sum_i w (1 - kappa (1 - that share)): the least-stocked firms stop first.
    """
    from simulator.engines.resolve_supply import cohort_covers

    D, L, T = 20, 5, 80
    tr = simulate(toy(D=D, L=L, horizon=T, policy=measure("ban", T), cohorts=cohorts, spread=spread), engine)
    w, covers = cohort_covers(np.array([[float(D)]]), np.array([[spread]]), cohorts)
    Di = covers[0, 0]
    t = np.arange(T)
    got = np.clip(Di[None, :] - (t[:, None] - L), 0.0, 1.0)
    got[t < L] = 1.0
    expected = (w[None, :] * (1.0 - KAPPA * (1.0 - got))).sum(axis=1)
    np.testing.assert_allclose(fraction_a(tr), expected, rtol=0, atol=1e-12)
    # the first firms stop on day L + floor(D_1); half of A's output goes only when most cohorts are dry
    first = int(np.argmax(fraction_a(tr) < 1.0))
    assert first == L + int(np.floor(Di.min()))
    if spread > 0.0:
        assert first < L + D  # before the average stock runs out
    assert_b_never_stops(tr)


# ----------------------------------------------------------- partial bans


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("c", "leak"), [(0.25, 0.0), (0.5, 0.0), (0.75, 0.0), (0.5, 0.5), (1.0, 0.25)])
def test_a_ban_with_coverage_c_cuts_exactly_c_of_the_flow(engine: str, c: float, leak: float) -> None:
    """Uncovered users buy as before (up to their baseline flow); nothing re-ordered leaks through them.

    The importer's position falls by the blocked volume every day and it re-orders, but the
    uncovered users' purchases are capped at their baseline flow, so on days L .. E+L-1 exactly
    (1 - c + c x leakage) d arrives: the inventory falls by c (1 - leakage) d a day, is empty after
    n = D / (c (1 - leakage)) days, and A then runs at 1 - kappa c (1 - leakage).
    """
    D, L, E = 12, 5, 60
    T = E + 3 * L + 20
    tr = simulate(toy(D=D, L=L, horizon=T, policy=measure("ban", E, coverage=c, leakage=leak)), engine)
    cut = c * (1.0 - leak)
    arr = tr.arrivals[0, :, 0, 0]
    assert (arr[L : E + L] == D_DEMAND * (1.0 - cut)).all()
    n = int(D / cut)
    f = fraction_a(tr)
    assert (f[: L + n] == 1.0).all()
    assert (f[L + n : E + L] == 1.0 - KAPPA * cut).all()
    assert tr.lost_output.sum() == pytest.approx(KAPPA * cut * DAILY_OUTPUT * (E - n), rel=1e-12)
    assert_b_never_stops(tr)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_premium_is_paid_only_on_shipments_above_baseline_flow(engine: str) -> None:
    """An alternative with a premium but no extra capacity never ships above its baseline: premium 0.

    (The ban lasts the whole horizon: after a ban the importer rebuilds its position from every
    source by baseline share, and that rebuild is charged where it exceeds baseline flow.)
    """
    D, L, E = 10, 5, 40

    def sources(extra: float) -> dict[str, Any]:
        return {
            "src": {"transit_days": L, "supply": {"x": {"share": 0.5}}},
            "alt": {"transit_days": L, "supply": {"x": {"share": 0.5, "extra_capacity": extra, "price_premium": 0.5}}},
        }

    none = simulate(toy(D=D, L=L, horizon=E, policy=measure("ban", E), sources=sources(0.0)), engine)
    assert (none.arrivals[0, :, 1, 0] <= 0.5 * D_DEMAND).all()
    assert none.premium_cost.sum() == 0.0
    # with extra capacity (2 t/day, at once) the alternative ships above its baseline, and what it
    # ships on day t arrives on day t + L: the premium is 0.5 x price 1 x the volume above baseline
    some = simulate(toy(D=D, L=L, horizon=E + 30, policy=measure("ban", E), sources=sources(2.0 * 365)), engine)
    T = some.n_days
    above = np.maximum(some.arrivals[0, L:, 1, 0] - 0.5 * D_DEMAND, 0.0).sum()
    assert above > 0.0
    assert some.premium_cost[0, : T - L].sum() == pytest.approx(0.5 * above, rel=1e-12)


# ------------------------------------------------------------------ licence


def decision_day(t: int, tau: int, start_weekday: int) -> int:
    """The tau-th working day (Monday-Friday) strictly after day t (independent of the library)."""
    day, seen = t, 0
    while seen < tau:
        day += 1
        if (start_weekday + day) % 7 < 5:
            seen += 1
    return day


def licence(E: int, tau: float) -> dict[str, Any]:
    return measure("licence", E, processing_days={"dist": "fixed", "value": tau}, approve_share=1.0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("weekday", "tau", "g0"), [(0, 5, 7), (0, 1, 1), (4, 1, 3), (5, 1, 2), (2, 10, 14)])
def test_licence_delay_is_the_working_days_to_decision(engine: str, weekday: int, tau: int, g0: int) -> None:
    assert decision_day(0, tau, weekday) == g0
    L, T = 5, 70
    E = T
    G = max(decision_day(t, tau, weekday) - t for t in range(7))  # the longest delay (by weekday)
    # inventory below the first gap: A stops on day D + L, until the first approved shipment lands
    if g0 >= 2:
        D = g0 - 1
        tr = simulate(toy(D=D, L=L, horizon=T, policy=licence(E, tau), start_weekday=weekday), engine)
        f = fraction_a(tr)
        assert (f[: D + L] == 1.0).all()
        assert (f[D + L : L + g0] == 1.0 - KAPPA).all()
        assert f[L + g0] == 1.0
        assert_b_never_stops(tr)
    # every application is approved and ships on its decision day
    tr = simulate(toy(D=G, L=L, horizon=T, policy=licence(E, tau), start_weekday=weekday), engine)
    expected = np.zeros(T)
    expected[:L] = D_DEMAND
    for t in range(T):
        due = decision_day(t, tau, weekday) + L
        if due < T:
            expected[due] += tr.placed[0, t, 0]
    assert tr.arrivals[0, :, 0, 0].tolist() == expected.tolist()
    assert (tr.denied == 0.0).all()
    assert (tr.arrivals[0, L : L + g0, 0, 0] == 0.0).all()
    # cover of the longest delay: nothing is ever lost
    assert (tr.output_fraction == 1.0).all() and (tr.lost_output == 0.0).all()
    # importers order ahead by the processing time they plan for (tau working days = 1.4 tau calendar
    # days of the licensed flow): on day 0 they replace the day's use and apply for that much more
    assert tr.placed[0, 0, 0] == pytest.approx(D_DEMAND * (1.0 + 1.4 * tau), rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_licence_with_fixed_processing_loses_output_only_below_the_longest_delay(engine: str) -> None:
    L, T, tau = 5, 70, 5
    G = max(decision_day(t, tau, 0) - t for t in range(7))
    assert G == 7
    lost = {D: simulate(toy(D=D, L=L, horizon=T, policy=licence(T, tau)), engine).lost_output.sum() for D in (G - 1, G, G + 5)}
    assert lost[G - 1] > 0.0 and lost[G] == 0.0 and lost[G + 5] == 0.0


# ---------------------------------------------------------------- stockpile


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("S", "lag"), [(5, 0), (5, 2), (1, 0), (12, 3), (5, 18)])
def test_stockpile_release_delays_the_stoppage_by_the_days_it_covers(engine: str, S: int, lag: int) -> None:
    D, L, E = 10, 5, 30
    T = E + 2 * L + 10
    stock = {"days": float(S), "trigger_cover_days": 1.0, "decision_lag_days": lag, "max_release_per_day": 1.0}
    tr = simulate(toy(D=D, L=L, horizon=T, policy=measure("ban", E), stockpile=stock), engine)
    trigger = D + L  # first day the inventory after arrivals is below one day of demand
    first = max(trigger, lag)  # the agency opens lag days after the ban starts (day 0)
    released = range(first, first + S)
    assert tr.release[0, :, 0].tolist() == [D_DEMAND if t in released else 0.0 for t in range(T)]
    assert tr.stockpile[0, -1, 0] == 0.0
    stopped = [t for t in range(trigger, E + L) if t not in released]
    f = fraction_a(tr)
    assert f.tolist() == [1.0 - KAPPA if t in stopped else 1.0 for t in range(T)]
    assert int(np.argmax(f < 1.0)) == (D + L + S if lag <= D + L else D + L)
    assert_b_never_stops(tr)
    assert tr.lost_output.sum() == KAPPA * DAILY_OUTPUT * (E - D - S)


@pytest.mark.parametrize("engine", ENGINES)
def test_stockpile_longer_than_the_gap_costs_nothing(engine: str) -> None:
    D, L, E = 10, 5, 30
    stock = {"days": float(E - D), "trigger_cover_days": 1.0, "decision_lag_days": 0, "max_release_per_day": 1.0}
    tr = simulate(toy(D=D, L=L, horizon=E + 2 * L + 10, policy=measure("ban", E), stockpile=stock), engine)
    assert (tr.output_fraction == 1.0).all() and tr.lost_output.sum() == 0.0
    assert tr.stockpile[0, -1, 0] == 0.0


@pytest.mark.parametrize("engine", ENGINES)
def test_run_metrics_give_the_first_firms_and_half_output_days(engine: str) -> None:
    """The streamed metrics and the trajectories agree on the day the first firms stop and the day half is lost."""
    from simulator.economics.metrics import metrics_from_trajectories
    from simulator.engines.resolve_supply import cohort_covers
    from simulator.runs.blocks import run_paths

    D, L, T = 20, 5, 80
    sc = toy(D=D, L=L, horizon=T, policy=measure("ban", T), cohorts=5, spread=0.8, kappa=1.0)
    _, covers = cohort_covers(np.array([[float(D)]]), np.array([[0.8]]), 5)
    Di = np.sort(covers[0, 0])
    pm = metrics_from_trajectories(simulate(sc, engine), sc)
    assert pm.first_stoppage_day[0, 0] == L + np.floor(Di[0])
    # with criticality 1, output on day t >= L is sum_i w clip(D_i - (t - L), 0, 1): below half once
    # the three least-stocked cohorts are (nearly) dry
    t = np.arange(L, T)
    out = (0.2 * np.clip(Di[None, :] - (t[:, None] - L), 0.0, 1.0)).sum(axis=1)
    assert pm.half_lost_day is not None and pm.half_lost_day[0, 0] == t[np.argmax(out < 0.5)]
    assert L + np.floor(Di[2]) <= pm.half_lost_day[0, 0] <= L + np.ceil(Di[2])
    res = run_paths(sc, 1, seed=0, engine=engine)
    assert res.metrics.half_lost_day is not None
    assert res.metrics.half_lost_day[0, 0] == pm.half_lost_day[0, 0]
    assert res.metrics.first_stoppage_day[0, 0] == pm.first_stoppage_day[0, 0]
