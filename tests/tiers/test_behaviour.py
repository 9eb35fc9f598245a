"""The behaviour the semi-structural core must show (docs/model.md section 3), each a test."""

import numpy as np
import pytest

from rebalancing import LEVERS, Scenario, simulate
from rebalancing.constants import VALID_CA_PCT, VALID_GAP_PCT
from rebalancing.levers import validated_range

#: The year after which no path has a new shock at the defaults: the orderly path's
#: adjustment ends in 2035 (policy start 2026 + 10 years); tariffs, industrial policy, the
#: bloc and the crisis (2030, constraint lifted 2033) are all earlier.
LAST_SHOCK = 2035


@pytest.mark.parametrize("two_country", [False, True])
def test_every_gap_closes_within_eight_years_of_the_last_shock(two_country):
    """The inertial Taylor rule with its neutral-rate learning closes any gap: 8 years after
    the last shock every output gap is inside +/-0.5% (horizon extended to see it)."""
    res = simulate(
        Scenario().with_values({"global.horizon": 2060, "global.two_country": two_country})
    )
    gap = res.variables["output_gap_pct"][:, res.years >= LAST_SHOCK + 8]
    assert np.abs(gap).max() < 0.5


def _random_values(rng):
    vals = {}
    for lid, lev in LEVERS.items():
        if lev.choices:
            vals[lid] = str(rng.choice(lev.choices))
        elif lev.kind == "bool":
            vals[lid] = bool(rng.integers(2))
        elif lev.kind == "int":
            vals[lid] = int(rng.integers(lev.lo, lev.hi + 1))
        else:
            vals[lid] = float(rng.uniform(lev.lo, lev.hi))
    vals["global.horizon"] = 2040
    # The adaptive engine over its whole box; the model-consistent engine's box is
    # tests/unit/test_engine3.py's (its path levers jointly, the rest one at a time).
    vals["global.expectations"] = "adaptive"
    return vals


def test_random_settings_stay_in_the_validated_range_or_say_so():
    """Over 2,000 random admissible settings (every lever uniform over its range, horizon
    2040): every path keeps its output gaps within +/-10% and its current accounts within
    +/-15% of GDP, or the results carry a note naming the path, and the metadata too."""
    rng = np.random.default_rng(20261129)
    outside = noted = 0
    for _ in range(2000):
        res = simulate(Scenario().with_values(_random_values(rng)))
        v = res.variables
        for p in res.paths:
            k = res.run_paths.index(p)
            beyond = (
                np.abs(v["output_gap_pct"][k]).max() > VALID_GAP_PCT
                or np.abs(v["current_account_pct_gdp"][k]).max() > VALID_CA_PCT
            )
            if beyond:
                outside += 1
                notes = res.metadata()["notes"]
                assert any(n.startswith(f"{p}: ") and "validated" in n for n in notes), p
                noted += 1
    assert noted == outside
    # The ranges are the validated ones: most settings stay inside them.
    assert outside < 0.1 * 2000 * 5


@pytest.mark.parametrize("retaliation", [None, 125.0])
@pytest.mark.parametrize("variable", ["real_gdp", "real_consumption"])
def test_own_tariff_lowers_long_run_real_gdp_and_consumption(retaliation, variable):
    """A country's long-run real GDP and real consumption fall as its own tariff rises, for
    every tariff from 0 to the top of the range, with and without retaliation (the
    efficiency cost of 3.1 and the consumer-price squeeze of 3.3)."""
    top = LEVERS["unilateral.us_tariff_on_cn"].hi
    level = []
    for tau in np.linspace(0.0, top, 16):
        vals = {
            "unilateral.us_tariff_on_cn": float(tau),
            "global.horizon": 2060,
            "unilateral.us_industrial_investment": 0.0,
            "unilateral.cn_tariff_on_us": 32.6 if retaliation is None else retaliation,
        }
        res = simulate(Scenario().with_values(vals), ["unilateral"])
        level.append(res.value("unilateral", "US", variable, 2060))
    assert (np.diff(level) < 0).all(), np.diff(level)


def test_chinas_own_tariff_lowers_its_long_run_real_gdp_and_consumption():
    for variable in ("real_gdp", "real_consumption"):
        level = []
        for tau in np.linspace(0.0, LEVERS["unilateral.cn_tariff_on_us"].hi, 11):
            res = simulate(
                Scenario().with_values(
                    {"unilateral.cn_tariff_on_us": float(tau), "global.horizon": 2060}
                ),
                ["unilateral"],
            )
            level.append(res.value("unilateral", "CN", variable, 2060))
        assert (np.diff(level) < 0).all(), (variable, np.diff(level))


@pytest.mark.parametrize("side", ["US", "CN"])
def test_the_crisis_country_stays_below_the_status_quo(side):
    """After a crisis (default settings), the crisis country's GDP is below the status quo
    in every year to the horizon: part of the loss is permanent (Cerra & Saxena)."""
    res = simulate(Scenario().with_values({"disorderly.side": side, "global.horizon": 2060}))
    yc = res.crisis_year()
    gap = res.series("disorderly", side, "gdp_vs_baseline_pct")
    assert (gap[gap.index >= yc] < 0).all()


def test_the_financing_constraint_binds_at_the_defaults(default_results):
    """A sudden stop is a binding constraint: at the defaults (adaptive engine) the current
    account needs a forced demand cut to reach its floor, and reaches it exactly. With
    model-consistent expectations the crisis's demand cut is the credit collapse, shown in
    the same variable."""
    yc = default_results.crisis_year()
    assert default_results.value("disorderly", "US", "crisis_absorption_cut", yc) > 100
    r = simulate(Scenario().with_values({"global.expectations": "adaptive"}))
    assert r.crisis_year() == yc
    assert r.value("disorderly", "US", "crisis_absorption_cut", yc) > 100  # USD bn
    assert r.value("disorderly", "US", "current_account_pct_gdp", yc) == pytest.approx(
        r.scenario.disorderly.ca_floor, abs=1e-9
    )
    assert r.value("disorderly", "US", "financing_shortfall", yc) < 1e-6  # rounding


@pytest.mark.parametrize("two_country", [False, True])
def test_orderly_narrows_imbalances_and_raises_chinese_consumption(two_country):
    """By the end of its adjustment (2035) and at the horizon. Early on, in two-country
    mode, rolling back tariffs widens the bilateral imbalance before the rules catch up."""
    res = simulate(Scenario().with_values({"global.two_country": two_country}))
    ca = res.variables["current_account"]
    for year in (2035, 2040):
        t = year - 2024
        assert (
            np.abs(ca[res.run_paths.index("orderly"), t]).sum()
            < np.abs(ca[res.run_paths.index("baseline"), t]).sum()
        ), year
        assert res.value("orderly", "CN", "consumption_pct_gdp", year) > res.value(
            "baseline", "CN", "consumption_pct_gdp", year
        )


@pytest.mark.parametrize("two_country", [False, True])
@pytest.mark.parametrize("response", ["lo", "hi"])
def test_fiscal_consolidation_narrows_the_us_deficit_whatever_the_central_bank(
    two_country, response
):
    """A US consolidation alone (no other orderly lever) narrows the US deficit in every
    year after its first, even with the strongest monetary offset (Bluedorn & Leigh 2011).
    In its first year the balance barely moves (less than 0.1 pp): with foresight the dollar
    falls on the announcement (rates will be lower) and prices move before volumes (the
    J-curve)."""
    lo, hi = validated_range("global.monetary_response")
    strength = lo if response == "lo" else hi
    only_fiscal = {
        "orderly.us_fiscal_consolidation": 4.0,
        "orderly.cn_consumption_rise": 0.0,
        "orderly.kappa": 0.0,
        "orderly.us_tariff_target": 51.1,
        "orderly.cn_tariff_target": 32.6,
        "global.two_country": two_country,
        "global.monetary_response": strength,
    }
    res = simulate(Scenario().with_values(only_fiscal), ["orderly"])
    d = (
        res.variables["current_account_pct_gdp"][res.run_paths.index("orderly"), 2:, 0]
        - res.variables["current_account_pct_gdp"][res.run_paths.index("baseline"), 2:, 0]
    )
    assert (d[1:] > 0).all()
    assert d[0] > -0.1


def test_a_dollar_fall_raises_the_us_position_through_valuation():
    """70% of US assets are in foreign currency and its liabilities in dollars: a fall of the
    dollar raises US net foreign assets by valuation, and the world's valuation changes sum
    to zero (BEA: exchange-rate changes moved the position by -$1.18tn in 2024 Q4)."""
    res = simulate(Scenario())
    val = res.series("disorderly", "US", "nfa_valuation")
    yc = res.crisis_year()
    assert val[yc] > 1000  # USD bn: the crisis year's 20% dollar fall
    world = res.variables["nfa_valuation"].sum(-1)
    assert np.abs(world).max() < 1e-6


def test_new_variables_are_reported_with_units(default_results):
    df = default_results.to_frame()
    for var, unit in (
        ("inflation", "%"),
        ("policy_rate", "%"),
        ("real_interest_rate", "%"),
        ("nfa_valuation", "USD bn (2024 prices)"),
        ("gross_assets", "USD bn (2024 prices)"),
        ("gross_liabilities", "USD bn (2024 prices)"),
        ("real_consumption", "USD bn (2024 prices)"),
    ):
        rows = df[df.variable == var]
        assert len(rows) and (rows.unit == unit).all(), var
        assert np.isfinite(rows.value).all()
    us = default_results
    assert us.value("baseline", "US", "gross_assets", 2024) == pytest.approx(35890)
    assert us.value("baseline", "US", "gross_liabilities", 2024) == pytest.approx(62120)
