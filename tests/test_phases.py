"""The vectorised engine's phases, one at a time (README "The model in one page": the daily step).

- the rules both engines share (phase order, measure kinds, calendar, ramps)
  are one definition, and the scalar helpers the compiled loops use compute
  exactly what :mod:`simulator.engines.formulas`' array functions compute;
- each phase's compiled loops and its NumPy code give the same state, bit for
  bit, when run alone on the same state on days across the horizon;
- each phase keeps its contract alone (material is conserved where it moves);
- each phase is covered by the engine-agreement check: scaling the phase's
  output by 0.1 % makes the vectorised trajectories differ from the SimPy
  engine's, and the check says so; so does scaling by 0.1 % what the SimPy
  engine's ramp-ups, receiving, stockpile agency, requirements (the firms'
  needs; their catch-up), use of stock (the shares of need met), conversions
  (what they make), output (the criticality it applies), licence decisions,
  order split and shipments compute.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import pytest
from test_agreement import assert_same_trajectories

import simulator
import simulator.engines.vectorised as vectorised
from simulator.engines import rules, simpy_engine, simpy_production, simpy_ramps
from simulator.engines.compiled import jit
from simulator.engines.compiled import rules as _compiled
from simulator.engines.formulas import criticality_on, pass_share, ramp_fraction, review_days
from simulator.engines.params import KIND_CODES
from simulator.engines.phases import firms, orders, supply
from simulator.engines.phases.loop import PHASES
from simulator.engines.resolve import resolve
from simulator.engines.rules import DAILY_STEP, SIMPY_TIME, MeasureKind, Phase
from simulator.engines.state.day import State
from simulator.engines.state.kernel import Kernel, build
from simulator.engines.state.sums import csum, msum

OVERRIDES = {
    "firms": {"triage": 0.7, "cover_correlation": 0.4},
    "sources": {"makers": {"transit_days": 10, "supply": {"magnets": {
        "share": 0.0, "extra_capacity": 1500.0, "ramp_lag_days": 20, "ramp_days": 60,
        "recipe": {"ndpr": 0.31, "dytb": 0.02}}}}},
}
CASES = {
    "japan-1y-curb": ("japan-1y-curb", OVERRIDES),
    "japan-licence": ("japan-licence", None),
    "japan-3m-curb": ("japan-3m-curb", None),
    "gallium-stop": ("gallium-stop", None),
}
DAYS = (0, 1, 30, 75, 120, 200, 300)
pytestmark = pytest.mark.filterwarnings("ignore::simulator.errors.InputWarning")  # horizons cut short on purpose
SCRATCH = {f for f in State._fields if f.startswith("w_")}


# ------------------------------------------------------------ the shared rules


def test_measure_kinds_are_the_parameters_codes() -> None:
    assert {k.name.lower(): int(k) for k in MeasureKind} == KIND_CODES


def test_the_daily_step_is_every_phase_in_simpy_order() -> None:
    assert DAILY_STEP == tuple(Phase) and [int(p) for p in DAILY_STEP] == list(range(len(Phase)))
    times = [SIMPY_TIME[p] for p in DAILY_STEP]
    assert times == sorted(times)  # SimPy runs the phases in the same order
    assert rules.DOCK_TIME < SIMPY_TIME[Phase.ARRIVALS]
    assert SIMPY_TIME[Phase.PRODUCE] < rules.REGIME_END_TIME < SIMPY_TIME[Phase.DECIDE]
    assert set(PHASES) == set(DAILY_STEP) - {Phase.RECORD}


def test_calendar_covers_every_decision_on_the_horizon() -> None:
    """A review of up to ``longest`` working days, started on any day of the horizon, ends inside the calendar."""
    from simulator.engines.formulas import working_day_calendar

    for T, longest in ((30, 0), (365, 40), (730, 200)):
        for weekday in range(7):
            cum, nth = working_day_calendar(rules.calendar_length(T, longest), weekday)
            assert cum[T - 1] + max(longest, 1) < len(nth)
    assert rules.calendar_length(365, 40) == 365 + 2 * 40 + rules.CALENDAR_MARGIN


def _grid() -> Iterator[tuple[float, float, float]]:
    rng = np.random.default_rng(4)
    for t in range(0, 60, 3):
        for begin in (-5.0, 0.0, 7.5, 10.0, 1e9):
            for days in (0.0, 1e-300, 0.5, 3.0, 17.0):
                yield float(t), begin + float(rng.uniform(0, 1)) * (begin != 1e9), days


def test_scalar_ramp_is_the_array_ramp_bit_for_bit() -> None:
    for t, begin, days in _grid():
        want = float(ramp_fraction(t, begin, days))
        assert rules.ramp_at(t, begin, days) == want
        if jit.AVAILABLE:
            assert _compiled.ramp_at(t, begin, days) == want


def test_scalar_pass_share_and_review_days_are_the_array_ones_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    for t, begin, days in _grid():
        quota, leak = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
        want = float(pass_share(int(t), np.array(quota), np.array(leak), np.array(begin), np.array(2.5), np.array(days)))
        assert rules.pass_share_at(t, quota, leak, begin, 2.5, days) == want
        if jit.AVAILABLE:
            assert _compiled.pass_share_at(t, quota, leak, begin, 2.5, days) == want
    for work in (0.0, 1e-10, 0.5, 1.0, 1.0 + 1e-10, 3.999999999, 12.3):
        for accept in (0.0, 1.0, 2.5):
            assert rules.review_days_at(work, accept) == int(review_days(work, accept))


# ------------------------------------------------------------ each phase alone


def _kernel(case: str, n_paths: int = 6, seed: int = 7) -> Kernel:
    name, overrides = CASES[case]
    sc = simulator.load_scenario(name, overrides=overrides)
    draws = simulator.sample_draws(sc, n_paths, seed)
    return build(sc, resolve(sc, draws.params, n_paths), draws)


def _states_by_day(case: str) -> Iterator[tuple[Kernel, int]]:
    """The kernel before each day of :data:`DAYS` (the NumPy phases run up to it)."""
    k = _kernel(case)
    t = 0
    for day in DAYS:
        if day >= k.lay.T:
            return
        while t < day:
            for ph in DAILY_STEP:
                if ph in PHASES:
                    PHASES[ph](k, t, False)
            t += 1
        yield k, day


def _run_until(k: Kernel, t: int, phase: Phase) -> None:
    """Run day t's phases before ``phase`` (NumPy)."""
    for ph in DAILY_STEP:
        if ph == phase:
            return
        if ph in PHASES:
            PHASES[ph](k, t, False)


def _with_state(k: Kernel, st: State) -> Kernel:
    return Kernel(k.lay, k.par, st, k.ramp, k.thrift_ramp, k.subst_ramp)


@pytest.mark.skipif(not jit.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("phase", [ph for ph in DAILY_STEP if ph != Phase.RECORD], ids=lambda p: p.name.lower())
def test_compiled_phase_alone_is_its_numpy_code_bit_for_bit(case: str, phase: Phase) -> None:
    checked = 0
    for k, t in _states_by_day(case):
        before = k.state.copy()
        _run_until(_with_state(k, before), t, phase)
        a, b = before.copy(), before.copy()
        PHASES[phase](_with_state(k, a), t, True)
        PHASES[phase](_with_state(k, b), t, False)
        for name in State._fields:
            if name not in SCRATCH:
                x, y = getattr(a, name), getattr(b, name)
                assert np.array_equal(x, y), f"{phase.name} on day {t}: {name} differs"
        checked += 1
    assert checked >= 4


def _day_before(case: str, t: int, phase: Phase) -> Kernel:
    k = _kernel(case)
    for day in range(t):
        for ph in DAILY_STEP:
            if ph in PHASES:
                PHASES[ph](k, day, True)
    _run_until(k, t, phase)
    return k


def _close(x: np.ndarray, y: np.ndarray, scale: np.ndarray | float) -> bool:
    return bool(np.all(np.abs(x - y) <= 1e-9 * np.maximum(np.abs(scale), 1e-12) + 1e-12))


@pytest.mark.parametrize("t", [0, 40, 150])
def test_arrivals_move_material_from_the_pipeline_to_the_firms(t: int) -> None:
    k = _day_before("japan-1y-curb", t, Phase.ARRIVALS)
    st, lay = k.state, k.lay
    stock0, pipe0, ring0 = st.stock.copy(), st.pipeline.copy(), st.ring[t % lay.B].copy()
    supply.arrivals(k, t)
    arrived = msum(st.arrivals, lay.e_lo, lay.e_hi)
    assert np.array_equal(st.arrivals, ring0) and not st.ring[t % lay.B].any()
    assert np.array_equal(st.pipeline, pipe0 - arrived)
    gained = csum(msum(st.stock - stock0, lay.u_lo, lay.u_hi))
    assert _close(gained, arrived, arrived + csum(msum(stock0, lay.u_lo, lay.u_hi)))


@pytest.mark.parametrize("t", [60, 120, 200])
def test_stockpile_releases_what_the_firms_receive_within_its_limits(t: int) -> None:
    k = _day_before("japan-1y-curb", t, Phase.STOCKPILE)
    st, lay, par = k.state, k.lay, k.par
    stock0, pile0, rel0 = st.stock.copy(), st.stockpile.copy(), st.released.copy()
    supply.stockpile(k, t)
    assert (st.release >= 0.0).all() and (st.release <= par.stock_rate).all() and (st.release <= pile0).all()
    assert np.array_equal(st.stockpile, pile0 - st.release) and np.array_equal(st.released, rel0 + st.release)
    gained = csum(msum(st.stock - stock0, lay.u_lo, lay.u_hi))
    assert _close(gained, st.release, st.release + csum(msum(stock0, lay.u_lo, lay.u_hi)))


@pytest.mark.parametrize("t", [10, 120, 250])
def test_consume_uses_what_it_books_and_books_what_it_lacks(t: int) -> None:
    k = _day_before("japan-1y-curb", t, Phase.CONSUME)
    st, lay = k.state, k.lay
    stock0 = st.stock.copy()
    firms.consume(k, t)
    used = csum(msum(stock0 - st.stock, lay.u_lo, lay.u_hi))
    assert _close(used, st.consumption, st.requirement)
    assert _close(st.requirement - st.consumption, st.shortfall, st.requirement)
    assert ((st.ratio >= 0.0) & (st.ratio <= 1.0)).all() and (st.stock >= 0.0).all()
    assert np.array_equal(st.inventory, csum(msum(st.stock, lay.u_lo, lay.u_hi)))


@pytest.mark.parametrize("t", [10, 120, 250])
def test_produce_books_output_lost_output_and_catch_up(t: int) -> None:
    k = _day_before("japan-3m-curb", t, Phase.PRODUCE)
    st, par = k.state, k.par
    firms.produce(k, t)
    assert ((st.fraction >= 0.0) & (st.fraction <= 1.0)).all()
    assert np.array_equal(st.output, st.fraction + st.made_up)
    assert np.array_equal(st.lost, ((1.0 - st.fraction) - st.made_up) * par.daily_output)
    assert (st.backlog >= 0.0).all()


@pytest.mark.parametrize("t", [5, 60, 200])
def test_order_ships_or_applies_no_more_than_it_orders_and_dispatch_books_it(t: int) -> None:
    k = _day_before("japan-licence", t, Phase.ORDER)
    st, lay = k.state, k.lay
    orders.order(k, t)
    assert (st.orders >= 0.0).all() and (st.ship >= 0.0).all() and (st.apply >= 0.0).all()
    assert (st.ship + st.apply <= st.orders * (1.0 + 1e-12) + 1e-12).all()
    pipe0 = st.pipeline.copy()
    orders.dispatch(k, t)
    assert np.array_equal(st.placed, msum(st.ship, lay.e_lo, lay.e_hi) + msum(st.apply, lay.e_lo, lay.e_hi))
    assert np.array_equal(st.pipeline, pipe0 + st.placed)


# ------------------------------------------------- the agreement check covers every phase

Mutation = Callable[[Kernel], None]


def _scale(name: str, factor: float, rows: str | None = None) -> Mutation:
    def mutate(k: Kernel) -> None:
        arr = getattr(k.state, name)
        if rows is None:
            arr *= factor
        else:
            arr[getattr(k.lay, rows)] *= factor
    return mutate


MUTATIONS: dict[Phase, tuple[str, Mutation]] = {
    Phase.RAMPS: ("japan-1y-curb", _scale("capacity", 1.001, "ramp_rows")),
    Phase.ARRIVALS: ("japan-1y-curb", _scale("stock", 1.001)),
    Phase.STOCKPILE: ("japan-1y-curb", _scale("stockpile", 0.999)),
    Phase.REQUIREMENTS: ("japan-3m-curb", _scale("catch_up", 1.001)),
    Phase.CONSUME: ("japan-1y-curb", _scale("ratio", 0.999)),
    Phase.CONVERT: ("japan-3m-curb", lambda k: k.state.ring.__setitem__(
        (slice(None), k.lay.conv_edge), k.state.ring[:, k.lay.conv_edge] * 1.001)),
    Phase.PRODUCE: ("japan-1y-curb", _scale("fraction", 0.999)),
    Phase.DECIDE: ("japan-licence", _scale("lic_due", 1.001)),
    Phase.ORDER: ("japan-1y-curb", _scale("ship", 1.001)),
    Phase.DISPATCH: ("japan-1y-curb", _scale("ring", 1.001)),
}


def _runs(case: str) -> tuple[simulator.Scenario, Any, Any]:
    name, overrides = CASES[case]
    sc = simulator.load_scenario(name, overrides={**(overrides or {}), "run": {"horizon_days": 130}})
    draws = simulator.sample_draws(sc, 3, 20260107)
    return sc, draws, simulator.simulate(sc, draws, engine="simpy")


@pytest.fixture(scope="module")
def reference() -> dict[str, tuple[simulator.Scenario, Any, Any]]:
    return {case: _runs(case) for case in {c for c, _ in MUTATIONS.values()}}


@pytest.mark.parametrize("phase", sorted(MUTATIONS), ids=lambda p: p.name.lower())
def test_agreement_check_catches_a_phase_off_by_a_tenth_of_a_percent(
        phase: Phase, reference: dict[str, tuple[simulator.Scenario, Any, Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    case, mutate = MUTATIONS[phase]
    sc, draws, simpy = reference[case]
    assert_same_trajectories(simpy, simulator.simulate(sc, draws, engine="vectorised"))  # as written, they agree
    original = PHASES[phase]

    def mutated(k: Kernel, t: int, compiled: bool = True) -> None:
        original(k, t, compiled)
        mutate(k)

    monkeypatch.setitem(PHASES, phase, mutated)
    monkeypatch.setattr(vectorised, "FUSED", False)  # phase by phase, through the table
    with pytest.raises(AssertionError, match="differ between engines"):
        assert_same_trajectories(simpy, simulator.simulate(sc, draws, engine="vectorised"))


# ------------------------------------------------- ... and the SimPy engine's processes

def _simpy_patch(method: str, change: Callable[..., Any]) -> Callable[[pytest.MonkeyPatch], None]:
    """Replace a method of the SimPy engine's path by ``change(original, self, *args, **kwargs)``."""
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        original = getattr(simpy_engine._Path, method)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            return change(original, self, *args, **kwargs)
        monkeypatch.setattr(simpy_engine._Path, method, wrapped)
    return patch


def _scaled_delivery(arrivals: bool) -> Callable[..., Any]:
    """Deliveries to the firms 0.1 % larger: of arrivals (with what is left after every gap) or of releases."""
    def change(original: Callable[..., Any], self: Any, m: int, amount: float, gap: Any, *, excess: bool) -> Any:
        x = original(self, m, amount, gap, excess=excess)
        return [[v * 1.001 for v in row] for row in x] if excess == arrivals else x
    return change


def _decide_more(original: Callable[..., Any], self: Any, office: Any, t: int) -> Any:
    if t in office.due:
        office.due[t] *= 1.001
    return original(self, office, t)


def _scaled(rows: list[list[float]], factor: float) -> list[list[float]]:
    return [[v * factor for v in row] for row in rows]


def _need_more(original: Callable[..., Any], self: Any, t: int) -> Any:
    needs = original(self, t)
    return needs._replace(need=_scaled(needs.need, 1.001))


def _catch_up_more(original: Callable[..., Any], self: Any, t: int) -> Any:
    needs = original(self, t)
    return needs._replace(catch_up=[v * 1.001 for v in needs.catch_up],
                          catch_up_need=_scaled(needs.catch_up_need, 1.001))


def _meet_less(original: Callable[..., Any], self: Any, t: int, needs: Any) -> Generator[Any, Any, Any]:
    met = yield from original(self, t, needs)  # a SimPy process step: takes from the firms' containers
    return met._replace(need=_scaled(met.need, 0.999))


def _ship_more(original: Callable[..., Any], self: Any, k: int, m: int, q: float, arrive: int,
               initial: bool = False) -> Any:
    return original(self, k, m, q if initial else q * 1.001, arrive, initial)


SIMPY_MUTATIONS: dict[str, tuple[str, Callable[[pytest.MonkeyPatch], None]]] = {
    "ramps": ("japan-1y-curb", lambda mp: mp.setattr(
        simpy_ramps, "ramp_fraction", lambda *a: ramp_fraction(*a) * 0.999)),
    "arrivals": ("japan-1y-curb", _simpy_patch("deliver", _scaled_delivery(True))),
    "stockpile": ("japan-1y-curb", _simpy_patch("deliver", _scaled_delivery(False))),
    "requirements": ("japan-1y-curb", _simpy_patch("requirements", _need_more)),
    "requirements-catch-up": ("japan-3m-curb", _simpy_patch("requirements", _catch_up_more)),
    "consume": ("japan-1y-curb", _simpy_patch("consume", _meet_less)),
    "convert": ("japan-3m-curb", _simpy_patch("conversion_output", lambda orig, self, *a: orig(self, *a) * 1.001)),
    "decide": ("japan-licence", _simpy_patch("decide", _decide_more)),
    "order": ("japan-1y-curb", _simpy_patch("split", lambda orig, self, *a: orig(self, *a) * 1.001)),
    "produce": ("japan-1y-curb", lambda mp: mp.setattr(
        simpy_production, "criticality_on", lambda *a: criticality_on(*a) * 1.001)),
    "dispatch": ("japan-1y-curb", _simpy_patch("shipment", _ship_more)),
}


@pytest.mark.parametrize("process", sorted(SIMPY_MUTATIONS))
def test_agreement_check_catches_a_simpy_process_off_by_a_tenth_of_a_percent(
        process: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case, patch = SIMPY_MUTATIONS[process]
    name, overrides = CASES[case]
    sc = simulator.load_scenario(name, overrides={**(overrides or {}), "run": {"horizon_days": 130}})
    draws = simulator.sample_draws(sc, 2, 20260107)
    vec = simulator.simulate(sc, draws, engine="vectorised")
    assert_same_trajectories(simulator.simulate(sc, draws, engine="simpy"), vec)  # as written, they agree
    patch(monkeypatch)
    with pytest.raises(AssertionError, match="differ between engines"):
        assert_same_trajectories(simulator.simulate(sc, draws, engine="simpy"), vec)
