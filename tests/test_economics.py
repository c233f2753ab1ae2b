"""Input-output multipliers checked against hand-computed values, and the impact arithmetic."""

from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import numpy as np
import pytest

import simulator
from simulator.economics.impact import assess, impact_from_metrics
from simulator.economics.leontief import (
    linkage,
    loss_vector,
    price_scale,
    table_multipliers,
    va_multipliers,
    value_added_lost,
)
from simulator.economics.metrics import metrics_from_trajectories
from simulator.model.schema_economy import IOTable

# ------------------------------------------------------------------ a 3x3 table
#
# Sectors a, b, c. Intermediate use Z (row i supplies column j), table units:
#
#          a    b    c   | row sum  dom. final  exports  imports  output
#     a   10   40   10   |   60        20         40       20      100
#     b   20   20   20   |   60       100         40        0      200
#     c    0   20   10   |   30        70         10       10      100
#  col    30   80   40
#  VA     70  120   60       (= output - column sum of Z)
#
# Domestic use u_i = row sum + domestic final demand = 80, 160, 100, so the
# import shares are m = 20/80, 0/160, 10/100 = 1/4, 0, 1/10.

Z = [[10, 40, 10], [20, 20, 20], [0, 20, 10]]
X = [100, 200, 100]
VA = [70, 120, 60]
DFD = [20, 100, 70]
EXPORTS = [40, 40, 10]
IMPORTS = [20, 0, 10]
COMP = [40, 60, 30]
HH = [10, 60, 40]


def small_table(*, compensation: list[float] = COMP) -> IOTable:
    return IOTable(
        codes=("a", "b", "c"),
        intermediate=np.array(Z, dtype=float),
        value_added=np.array(VA, dtype=float),
        compensation=np.array(compensation, dtype=float),
        household_consumption=np.array(HH, dtype=float),
        domestic_final_demand=np.array(DFD, dtype=float),
        exports=np.array(EXPORTS, dtype=float),
        imports=np.array(IMPORTS, dtype=float),
        output=np.array(X, dtype=float),
    )


# Value-added ratios v_j = VA_j / x_j.
V = [F(7, 10), F(3, 5), F(3, 5)]

# Technical coefficients A = Z / x_j:
#   [[0.1, 0.2, 0.1], [0.2, 0.1, 0.2], [0.0, 0.1, 0.1]]
# Domestic coefficients: row i times (1 - m_i) = 3/4, 1, 9/10.
A_D = [
    [F(3, 40), F(3, 20), F(3, 40)],
    [F(1, 5), F(1, 10), F(1, 5)],
    [F(0), F(9, 100), F(9, 100)],
]

# I - A_d = [[37/40, -3/20, -3/40], [-1/5, 9/10, -1/5], [0, -9/100, 91/100]];
# det = 28491/40000; L = adj(I - A_d) / det, worked out by cofactors:
L = [
    [F(10680, 9497), F(1910, 9497), F(1300, 9497)],
    [F(7280, 28491), F(33670, 28491), F(8000, 28491)],
    [F(240, 9497), F(1110, 9497), F(10700, 9497)],
]

# Value added lost per unit of gross output lost (own plus domestic suppliers'): sum_i v_i L_ij / L_jj.
#   a: (0.7*10680/9497 + 0.6*7280/28491 + 0.6*240/9497) / (10680/9497) = 2269/2670
#   b: (0.7*1910/9497 + 0.6*33670/28491 + 0.6*1110/9497) / (33670/28491) = 26211/33670
#   c: (0.7*1300/9497 + 0.6*8000/28491 + 0.6*10700/9497) / (10700/9497) = 893/1070
SUPPLY = [F(2269, 2670), F(26211, 33670), F(893, 1070)]


def test_hand_worked_coefficients_follow_from_the_table() -> None:
    """The written-out A_d really is the table's, with imports removed pro rata."""
    for i in range(3):
        use = sum(Z[i]) + DFD[i]
        keep = 1 - F(IMPORTS[i], use)
        for j in range(3):
            assert A_D[i][j] == keep * F(Z[i][j], X[j])
    for j in range(3):
        assert V[j] == F(VA[j], X[j])
        assert F(X[j]) == sum(F(Z[i][j]) for i in range(3)) + VA[j]  # columns balance
        assert F(X[j]) == sum(Z[j]) + DFD[j] + EXPORTS[j] - IMPORTS[j]  # rows balance


def test_hand_inverted_leontief_is_exact() -> None:
    """(I - A_d) L = I exactly, so L is the Leontief inverse."""
    for i in range(3):
        for j in range(3):
            entry = sum(((1 if i == k else 0) - A_D[i][k]) * L[k][j] for k in range(3))
            assert entry == (1 if i == j else 0)


def test_hand_supply_chain_follows_from_inverse() -> None:
    for j in range(3):
        assert sum(V[i] * L[i][j] for i in range(3)) / L[j][j] == SUPPLY[j]


def test_supply_chain_multipliers_match_hand_values() -> None:
    got = table_multipliers(small_table(), "supply-chain")
    assert got.shape == (3,)
    assert got.dtype == np.float64
    assert got.tolist() == pytest.approx([float(t) for t in SUPPLY], rel=1e-12)
    # about 0.8498, 0.7785, 0.8346
    assert got.round(4).tolist() == [0.8498, 0.7785, 0.8346]


def test_supply_chain_is_the_default() -> None:
    t = small_table()
    assert table_multipliers(t).tolist() == pytest.approx(table_multipliers(t, "supply-chain").tolist(), rel=1e-15)


def test_imports_are_removed_before_inverting() -> None:
    """Leaving imported inputs in would overstate every sector's value added lost per unit here."""
    got = table_multipliers(small_table(), "supply-chain")
    # with no imports A_d = A: every sector buys more from domestic a and c,
    # so every value added lost per unit rises above the hand values
    t = small_table()
    no_imports = t.model_copy(update={"imports": np.zeros(3)})
    assert np.all(table_multipliers(no_imports, "supply-chain") > got)


def test_direct_multipliers_are_value_added_ratios() -> None:
    got = table_multipliers(small_table(), "direct")
    assert got.tolist() == pytest.approx([0.7, 0.6, 0.6], rel=1e-15)


def test_supply_chain_lies_between_direct_and_one() -> None:
    t = small_table()
    direct = table_multipliers(t, "direct")
    supply_chain = table_multipliers(t, "supply-chain")
    assert np.all(supply_chain > direct)
    assert np.all(supply_chain <= 1.0)


def test_household_exceeds_supply_chain_when_households_earn_compensation() -> None:
    t = small_table()
    supply_chain = table_multipliers(t, "supply-chain")
    household = table_multipliers(t, "household", mpc=0.7)
    assert household.shape == (3,)
    assert np.all(np.isfinite(household))
    assert np.all(household > supply_chain)
    # with nothing consumed out of wages the household account adds nothing
    assert table_multipliers(t, "household", mpc=0.0).tolist() == pytest.approx(supply_chain.tolist(), rel=1e-12)
    # and more is consumed, the more is lost
    assert np.all(table_multipliers(t, "household", mpc=0.9) > household)


def test_household_consumption_is_mpc_times_compensation_spent_on_domestic_products() -> None:
    t = small_table()
    a, v = linkage(t, "household", mpc=0.5)
    assert a.shape == (4, 4) and v.tolist()[-1] == 0.0
    # household row: compensation per unit of output; column: 0.5 x domestic share x consumption shares
    assert a[3, :3].tolist() == pytest.approx([0.4, 0.3, 0.3], rel=1e-15)
    assert a[:3, 3].tolist() == pytest.approx([0.5 * 0.75 * 10 / 110, 0.5 * 1.0 * 60 / 110, 0.5 * 0.9 * 40 / 110], rel=1e-15)


def test_household_needs_compensation_and_an_mpc() -> None:
    with pytest.raises(ValueError, match="compensation"):
        table_multipliers(small_table(compensation=[0, 0, 0]), "household", mpc=0.5)
    with pytest.raises(ValueError, match="propensity"):
        table_multipliers(small_table(), "household")


def test_unknown_multiplier_kind() -> None:
    with pytest.raises(ValueError, match="'type1'"):
        table_multipliers(small_table(), "type1")  # type: ignore[arg-type]


def test_supply_chain_equals_direct_without_intermediate_use_or_imports() -> None:
    t = IOTable(
        codes=("a", "b", "c"),
        intermediate=np.zeros((3, 3)),
        value_added=np.array([50.0, 25.0, 80.0]),
        compensation=np.array([10.0, 10.0, 10.0]),
        household_consumption=np.array([10.0, 10.0, 10.0]),
        domestic_final_demand=np.array([100.0, 100.0, 100.0]),
        exports=np.zeros(3),
        imports=np.zeros(3),
        output=np.array([100.0, 100.0, 100.0]),
    )
    assert table_multipliers(t, "direct").tolist() == pytest.approx([0.5, 0.25, 0.8], rel=1e-15)
    assert table_multipliers(t, "supply-chain").tolist() == pytest.approx([0.5, 0.25, 0.8], rel=1e-12)


# ------------------------------------------------- no double counting: the fixed point
#
# Each table sector loses max(own constrained loss, A_d . loss); value added lost = v . loss.


def test_one_constrained_sector_gives_todays_formula() -> None:
    """With one constrained sector the loss vector is c_j L_.j / L_jj: lost output x per-unit value added."""
    t = small_table()
    a, v = linkage(t)
    for j in range(3):
        for c_j in (1.0, 37.5):
            c = np.zeros((1, 3))
            c[0, j] = c_j
            ell = loss_vector(a, c)[0]
            want = [c_j * float(L[i][j] / L[j][j]) for i in range(3)]
            assert ell.tolist() == pytest.approx(want, rel=1e-12)
            assert float(ell @ v) == pytest.approx(c_j * float(SUPPLY[j]), rel=1e-12)


def test_two_constrained_sectors_closed_form_both_bind() -> None:
    """a and b each lose 10: neither's induced loss reaches 10, so both lose 10 and c loses 9/91 x 10.

    c buys nothing from a (A_d[c, a] = 0) and 9/100 from b and itself, so
    loss_c = (9/100 x 10) / (1 - 9/100) = 90/91; value added lost
    = 0.7 x 10 + 0.6 x 10 + 0.6 x 90/91 = 1237/91 (about 13.59), where
    adding the two sectors' per-unit values gives 10 x (2269/2670 + 26211/33670)
    (about 16.28): a's suppliers include b, counted twice.
    """
    t = small_table()
    a, v = linkage(t)
    ell = loss_vector(a, np.array([[10.0, 10.0, 0.0]]))[0]
    assert ell.tolist() == pytest.approx([10.0, 10.0, 90 / 91], rel=1e-12)
    # consistency: a's and b's induced losses are below their own
    induced = A_D_F @ np.array([10.0, 10.0, 90 / 91])
    assert induced[0] < 10 and induced[1] < 10
    assert float(ell @ v) == pytest.approx(float(F(1237, 91)), rel=1e-12)
    added = 10 * (SUPPLY[0] + SUPPLY[1])
    assert float(added) > float(F(1237, 91)) + 2.6


def test_two_constrained_sectors_closed_form_induced_loss_binds() -> None:
    """a loses 10, b only 1: a's lost purchases from b (1820/801, about 2.27) exceed b's own loss.

    b then loses what a's loss induces, loss_b = (1/5 x 10) / (1 - 1/10 - 1/5 x 9/91) = 1820/801,
    and the whole is a's loss alone: 10 x 2269/2670, not that plus b's 1 x 26211/33670.
    """
    t = small_table()
    a, v = linkage(t)
    ell = loss_vector(a, np.array([[10.0, 1.0, 0.0]]))[0]
    lb = F(1820, 801)
    assert ell.tolist() == pytest.approx([10.0, float(lb), float(F(9, 91) * lb)], rel=1e-12)
    assert float(lb) == pytest.approx(10 * float(L[1][0] / L[0][0]), rel=1e-12)
    assert float(ell @ v) == pytest.approx(10 * float(SUPPLY[0]), rel=1e-12)


A_D_F = np.array([[float(x) for x in row] for row in A_D])


def test_loss_vector_is_the_fixed_point_of_plain_iteration() -> None:
    """On the Japan table with random losses in eight sectors: the exact solve equals iterating to convergence."""
    sc = simulator.load_scenario("japan-3m-curb")
    table = sc.economy.table
    assert table is not None
    a, _ = linkage(table)
    rng = np.random.default_rng(7)
    cols = [table.codes.index(x) for x in ("35", "32", "33", "34", "30", "31", "20", "25")]
    c = np.zeros((200, 37))
    c[:, cols] = rng.random((200, 8)) * rng.random((200, 8)) ** 3
    c[:20, cols[1:]] = 0.0  # some paths with one constrained sector
    ell = loss_vector(a, c)
    it = c.copy()
    at = np.ascontiguousarray(a.T)
    for _ in range(150):  # the spectral radius of A_d is about 0.5: 150 steps converge to rounding
        it = np.maximum(c, it @ at)
    np.testing.assert_allclose(ell, it, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ell, np.maximum(c, ell @ a.T), rtol=1e-12, atol=1e-15)
    assert np.all(ell >= c)


def test_loss_vector_of_no_loss_is_zero() -> None:
    a, _ = linkage(small_table())
    assert loss_vector(a, np.zeros((4, 3))).tolist() == [[0.0] * 3] * 4


def test_direct_linkage_counts_only_the_constrained_sectors() -> None:
    a, v = linkage(small_table(), "direct")
    assert float(loss_vector(a, np.array([[10.0, 1.0, 0.0]]))[0] @ v) == pytest.approx(0.7 * 10 + 0.6 * 1, rel=1e-15)


# ------------------------------------------------------------ the Japan table


@pytest.fixture(scope="module")
def japan() -> simulator.Scenario:
    return simulator.load_scenario("japan-3m-curb")


def test_japan_table_multipliers_are_shares_of_output(japan: simulator.Scenario) -> None:
    table = japan.economy.table
    assert table is not None
    assert len(table.codes) == 37
    supply_chain = table_multipliers(table, "supply-chain")
    direct = table_multipliers(table, "direct")
    assert np.all(np.isfinite(supply_chain))
    assert np.all((supply_chain > 0) & (supply_chain <= 1)), dict(zip(table.codes, supply_chain.round(3), strict=True))
    assert np.all(supply_chain >= direct - 1e-12)
    # value added per unit of output cannot exceed the output itself
    assert np.all((direct >= 0) & (direct <= 1)), dict(zip(table.codes, direct.round(3), strict=True))
    # every sector has value added except 68 (office supplies), a dummy sector
    # of the Japanese tables that is all intermediate input by construction
    positive = {c for c, d in zip(table.codes, direct, strict=True) if d > 0}
    assert set(table.codes) - positive == {"68"}


def test_japan_transport_equipment_value_added_ratio(japan: simulator.Scenario) -> None:
    table = japan.economy.table
    assert table is not None
    j = table.codes.index("35")
    # MIC 2015: gross value added 13,427.1 / domestic output 55,377.7 (billion yen) = 0.242, of which
    # 458.3 is consumption expenditure outside households: intermediate consumption in the national
    # accounts, so value added as GDP counts it is 12,968.8 (0.234 of output)
    assert float(table.value_added[j]) == pytest.approx(13427.099 - 458.348, abs=1e-3)
    assert round(float(table_multipliers(table, "direct")[j]), 3) == 0.234
    assert float(table.output[j]) == pytest.approx(55377.713, abs=1e-3)


def test_japan_value_added_is_gdp_without_consumption_outside_households(japan: simulator.Scenario) -> None:
    """Value added of the table as read is JPY 533.2tn (548.2tn less 15.1tn outside households), and columns still balance."""
    table = japan.economy.table
    assert table is not None
    assert float(table.value_added.sum()) == pytest.approx(533_183.214, abs=1e-2)
    np.testing.assert_allclose(table.intermediate.sum(axis=0) + table.value_added, table.output, rtol=1e-12)
    rows = table.intermediate.sum(axis=1) + table.domestic_final_demand + table.exports - table.imports
    np.testing.assert_allclose(rows, table.output, rtol=1e-9)


def test_model_sectors_take_their_table_sectors_multiplier(japan: simulator.Scenario) -> None:
    table = japan.economy.table
    assert table is not None
    by_code = dict(zip(table.codes, table_multipliers(table, "supply-chain"), strict=True))
    got = va_multipliers(japan, "supply-chain")
    want = [by_code[sec.io_sector] for sec in japan.sectors.values()]
    assert got.tolist() == pytest.approx(want, rel=1e-15)


# ------------------------------------------------------------------- assess


@pytest.fixture(scope="module")
def run(japan: simulator.Scenario) -> tuple[simulator.Trajectories, simulator.Impact]:
    draws = simulator.sample_draws(japan, 3, seed=1)
    tr = simulator.simulate(japan, draws, engine="vectorised")
    return tr, assess(tr, japan)


# ------------------------------------------------------------------ money year


def test_japan_money_is_2025_yen_by_nominal_gdp(japan: simulator.Scenario) -> None:
    """Table output (2015 yen) is scaled by nominal GDP 2025 / 2015, the 2015 level drawn over 530-545tn."""
    econ = japan.economy
    assert (econ.price_year, econ.table_year) == (2025, 2015)
    assert econ.gdp == 662.8e12 == econ.price_index["2025"]
    assert econ.price_index["2015"] == 533.2e12
    assert price_scale(japan).tolist() == pytest.approx([662.8 / 533.2], rel=1e-15)
    draws = simulator.sample_draws(japan, 200, seed=3)
    level = draws.params["economy.price_index.2015"]
    assert level.min() >= 530e12 and level.max() <= 545e12 and level.std() > 1e12
    np.testing.assert_allclose(price_scale(japan, draws.params, 200), 662.8e12 / level, rtol=1e-15)


def test_money_is_converted_once_and_only_output(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario,
) -> None:
    tr, imp = run
    assert imp.price_year == 2025
    pm = metrics_from_trajectories(tr)
    same_year = japan.model_copy(update={"economy": japan.economy.model_copy(update={"price_year": 2015})})
    in_2015 = impact_from_metrics(dataclasses.replace(pm, price_scale=None), same_year)
    assert in_2015.price_year == 2015
    np.testing.assert_allclose(imp.value_added_loss, in_2015.value_added_loss * tr.price_scale, rtol=1e-12)
    # the extra procurement cost is priced at the materials' (price-year) prices: not rescaled
    np.testing.assert_allclose(imp.premium_cost, in_2015.premium_cost, rtol=0)
    np.testing.assert_allclose(imp.gdp_loss_pct, 100 * imp.value_added_loss / 662.8e12, rtol=1e-12)


def test_value_added_loss_counts_linked_sectors_once(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario,
) -> None:
    tr, imp = run
    assert imp.output_loss.shape == (3, len(imp.sectors))
    assert tr.price_scale is not None
    np.testing.assert_allclose(imp.output_loss, tr.lost_output.sum(axis=1) * tr.price_scale[:, None], rtol=1e-12)
    alone = imp.output_loss * imp.multipliers
    np.testing.assert_allclose(imp.value_added_loss_alone, alone, rtol=1e-12)
    assert imp.value_added_loss.shape == (3,)
    want = value_added_lost(japan, imp.output_loss)
    assert imp.value_added_loss.tolist() == pytest.approx(want.tolist(), rel=1e-12)
    # sectors' shares add up to the total, which is below the sum of sectors alone (32 supplies 33, 34, 35)
    assert imp.value_added_loss_by_sector.sum(axis=1).tolist() == pytest.approx(imp.value_added_loss.tolist(), rel=1e-12)
    assert np.all(imp.value_added_loss <= alone.sum(axis=1) * (1 + 1e-12))
    hit = imp.value_added_loss > 0
    assert np.all(imp.value_added_loss[hit] < alone.sum(axis=1)[hit])
    # never below the largest table sector's own loss with its suppliers
    assert np.all(imp.value_added_loss >= alone.max(axis=1) * (1 - 1e-12))
    # a three-month stop costs something on at least one path, and never gains
    assert np.all(imp.value_added_loss >= 0)
    assert imp.value_added_loss.max() > 0


def test_one_constrained_model_sector_gives_todays_formula(japan: simulator.Scenario) -> None:
    """Only vehicles lose output: value added lost is lost output x its per-unit value (today's formula)."""
    loss = np.zeros((2, len(japan.sectors)))
    i = japan.sector_ids.index("vehicles_other")
    loss[:, i] = [1e9, 4.2e11]
    got = value_added_lost(japan, loss)
    assert got.tolist() == pytest.approx((loss[:, i] * va_multipliers(japan)[i]).tolist(), rel=1e-12)
    # two model sectors in the same table sector (35) add up: one table sector is constrained
    j = japan.sector_ids.index("vehicles_electrified")
    loss[:, j] = [3e9, 1e10]
    got = value_added_lost(japan, loss)
    assert got.tolist() == pytest.approx(((loss[:, i] + loss[:, j]) * va_multipliers(japan)[i]).tolist(), rel=1e-12)


def test_gdp_loss_pct_is_value_added_loss_over_gdp(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario
) -> None:
    tr, imp = run
    gdp = japan.economy.gdp
    assert tr.gdp.tolist() == [gdp] * 3  # no prior on GDP in this scenario
    assert imp.gdp_loss_pct.tolist() == pytest.approx((100.0 * imp.value_added_loss / gdp).tolist(), rel=1e-12)


def test_impact_uses_supply_chain_by_default(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario
) -> None:
    _, imp = run
    assert imp.multiplier == "supply-chain"
    assert imp.multipliers.tolist() == pytest.approx(va_multipliers(japan, "supply-chain").tolist(), rel=1e-15)


def test_summary_statistics(run: tuple[simulator.Trajectories, simulator.Impact]) -> None:
    _, imp = run
    s = imp.summary()
    for key, values in (("gdp_loss_pct", imp.gdp_loss_pct), ("value_added_loss", imp.value_added_loss)):
        stats = s[key]
        assert set(stats) >= {"mean", "median", "p05", "p95"}
        assert stats["mean"] == pytest.approx(float(np.mean(values)), rel=1e-12)
        assert stats["median"] == pytest.approx(float(np.median(values)), rel=1e-12)
        assert stats["p05"] <= stats["median"] <= stats["p95"]
        assert min(values) <= stats["p05"] and stats["p95"] <= max(values)
    assert set(s["sectors"]) == set(imp.sectors)
    for i, name in enumerate(imp.sectors):
        day = s["sectors"][name]["first_stoppage_day"]
        assert set(day) >= {"median", "p05", "p95"}
        for q in ("median", "p05", "p95"):
            assert day[q] is None or (isinstance(day[q], float) and 0 <= day[q] < 365)
        finite = imp.first_stoppage_day[:, i][np.isfinite(imp.first_stoppage_day[:, i])]
        if day["p05"] is not None:
            assert day["p05"] in finite.tolist()
