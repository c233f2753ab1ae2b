"""Input-output multipliers checked against hand-computed values, and the impact arithmetic."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import simulator
from simulator.economics import assess, table_multipliers, va_multipliers
from simulator.scenario import IOTable

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

# Type I (output-based): sum_i v_i L_ij / L_jj.
#   a: (0.7*10680/9497 + 0.6*7280/28491 + 0.6*240/9497) / (10680/9497) = 2269/2670
#   b: (0.7*1910/9497 + 0.6*33670/28491 + 0.6*1110/9497) / (33670/28491) = 26211/33670
#   c: (0.7*1300/9497 + 0.6*8000/28491 + 0.6*10700/9497) / (10700/9497) = 893/1070
TYPE1 = [F(2269, 2670), F(26211, 33670), F(893, 1070)]


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


def test_hand_type1_follows_from_inverse() -> None:
    for j in range(3):
        assert sum(V[i] * L[i][j] for i in range(3)) / L[j][j] == TYPE1[j]


def test_type1_multipliers_match_hand_values() -> None:
    got = table_multipliers(small_table(), "type1")
    assert got.shape == (3,)
    assert got.dtype == np.float64
    assert got.tolist() == pytest.approx([float(t) for t in TYPE1], rel=1e-12)
    # about 0.8498, 0.7785, 0.8346
    assert got.round(4).tolist() == [0.8498, 0.7785, 0.8346]


def test_type1_is_the_default() -> None:
    t = small_table()
    assert table_multipliers(t).tolist() == pytest.approx(table_multipliers(t, "type1").tolist(), rel=1e-15)


def test_imports_are_removed_before_inverting() -> None:
    """Leaving imported inputs in would overstate every type I multiplier here."""
    got = table_multipliers(small_table(), "type1")
    # with no imports A_d = A: every sector buys more from domestic a and c,
    # so every type I multiplier rises above the hand values
    t = small_table()
    no_imports = t.model_copy(update={"imports": np.zeros(3)})
    assert np.all(table_multipliers(no_imports, "type1") > got)


def test_direct_multipliers_are_value_added_ratios() -> None:
    got = table_multipliers(small_table(), "direct")
    assert got.tolist() == pytest.approx([0.7, 0.6, 0.6], rel=1e-15)


def test_type1_lies_between_direct_and_one() -> None:
    t = small_table()
    direct = table_multipliers(t, "direct")
    type1 = table_multipliers(t, "type1")
    assert np.all(type1 > direct)
    assert np.all(type1 <= 1.0)


def test_type2_exceeds_type1_when_households_earn_compensation() -> None:
    t = small_table()
    type1 = table_multipliers(t, "type1")
    type2 = table_multipliers(t, "type2")
    assert type2.shape == (3,)
    assert np.all(np.isfinite(type2))
    assert np.all(type2 > type1)


def test_type2_needs_compensation() -> None:
    with pytest.raises(ValueError, match="compensation"):
        table_multipliers(small_table(compensation=[0, 0, 0]), "type2")


def test_unknown_multiplier_kind() -> None:
    with pytest.raises(ValueError, match="'type3'"):
        table_multipliers(small_table(), "type3")  # type: ignore[arg-type]


def test_type1_equals_direct_without_intermediate_use_or_imports() -> None:
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
    assert table_multipliers(t, "type1").tolist() == pytest.approx([0.5, 0.25, 0.8], rel=1e-12)


# ------------------------------------------------------------ the Japan table


@pytest.fixture(scope="module")
def japan() -> simulator.Scenario:
    return simulator.load_scenario("japan-3m-curb")


def test_japan_table_multipliers_are_shares_of_output(japan: simulator.Scenario) -> None:
    table = japan.economy.table
    assert table is not None
    assert len(table.codes) == 37
    type1 = table_multipliers(table, "type1")
    direct = table_multipliers(table, "direct")
    assert np.all(np.isfinite(type1))
    assert np.all((type1 > 0) & (type1 <= 1)), dict(zip(table.codes, type1.round(3), strict=True))
    assert np.all(type1 >= direct - 1e-12)
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
    assert round(float(table_multipliers(table, "direct")[j]), 3) == 0.242
    # MIC 2015: gross value added 13,427.1 / domestic output 55,377.7 (billion yen)
    assert float(table.value_added[j]) == pytest.approx(13427.099, abs=1e-3)
    assert float(table.output[j]) == pytest.approx(55377.713, abs=1e-3)


def test_model_sectors_take_their_table_sectors_multiplier(japan: simulator.Scenario) -> None:
    table = japan.economy.table
    assert table is not None
    by_code = dict(zip(table.codes, table_multipliers(table, "type1"), strict=True))
    got = va_multipliers(japan, "type1")
    want = [by_code[sec.io_sector] for sec in japan.sectors.values()]
    assert got.tolist() == pytest.approx(want, rel=1e-15)


# ------------------------------------------------------------------- assess


@pytest.fixture(scope="module")
def run(japan: simulator.Scenario) -> tuple[simulator.Trajectories, simulator.Impact]:
    draws = simulator.sample_draws(japan, 3, seed=1)
    tr = simulator.simulate(japan, draws, engine="vectorised")
    return tr, assess(tr, japan)


def test_value_added_loss_is_output_loss_times_multipliers(
    run: tuple[simulator.Trajectories, simulator.Impact],
) -> None:
    tr, imp = run
    assert imp.output_loss.shape == (3, len(imp.sectors))
    np.testing.assert_allclose(imp.output_loss, tr.lost_output.sum(axis=1), rtol=1e-12)
    want = (imp.output_loss * imp.multipliers).sum(axis=1)
    assert imp.value_added_loss.shape == (3,)
    assert imp.value_added_loss.tolist() == pytest.approx(want.tolist(), rel=1e-12)
    assert imp.value_added_loss_by_sector.sum(axis=1).tolist() == pytest.approx(want.tolist(), rel=1e-12)
    # a three-month stop costs something on at least one path, and never gains
    assert np.all(imp.value_added_loss >= 0)
    assert imp.value_added_loss.max() > 0


def test_gdp_loss_pct_is_value_added_loss_over_gdp(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario
) -> None:
    tr, imp = run
    gdp = japan.economy.gdp
    assert tr.gdp.tolist() == [gdp] * 3  # no prior on GDP in this scenario
    assert imp.gdp_loss_pct.tolist() == pytest.approx((100.0 * imp.value_added_loss / gdp).tolist(), rel=1e-12)


def test_impact_uses_type1_multipliers_by_default(
    run: tuple[simulator.Trajectories, simulator.Impact], japan: simulator.Scenario
) -> None:
    _, imp = run
    assert imp.multiplier == "type1"
    assert imp.multipliers.tolist() == pytest.approx(va_multipliers(japan, "type1").tolist(), rel=1e-15)


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
