"""The base year (2024) reproduces the data it was calibrated on, exactly.

Expected values are copied from the shipped data files and cite them:
``data/macro_history.csv`` (IMF WEO Oct 2025, WDI 2026-07, UN AMA 2026-02-04, Census c5700)
and ``data/facts.csv`` (BEA, SAFE, PIIE).
"""

import numpy as np
import pytest

from rebalancing import calibrate

# data/macro_history.csv, year 2024
US_GDP = 29298.025  # US,2024,gdp_usd_bn (IMF WEO Oct2025 NGDPD)
CN_GDP = 18749.759  # China,2024,gdp_usd_bn
US_CA = -1185.3  # US,2024,current_account_usd_bn (WEO BCA)
CN_CA = 423.919  # China,2024,current_account_usd_bn
US_CA_PCT = -4.046  # US,2024,current_account_pct_gdp
CN_CA_PCT = 2.261  # China,2024,current_account_pct_gdp
US_C_PCT, CN_C_PCT = 67.909072, 39.926817  # household_consumption_pct_gdp (UN AMA)
US_G_PCT, CN_G_PCT = 13.624821, 16.633263  # government_consumption_pct_gdp (UN AMA)
US_X_PCT, CN_X_PCT = 10.974696, 20.442828  # exports_pct_gdp (WDI)
US_M_PCT, CN_M_PCT = 14.041321, 17.513232  # imports_pct_gdp (WDI)
US_GOODS_TO_CN, US_GOODS_FROM_CN = 143.2718, 440.3195  # Census c5700, fetched 2026-06-17
# data/facts.csv
US_NFA, CN_NFA = -26230.0, 3300.0  # BEA 25-09; SAFE via Xinhua, end-2024


@pytest.fixture(scope="module")
def cal():
    return calibrate()


def test_us_and_china_levels(cal):
    us, cn = cal.index("US"), cal.index("CN")
    assert cal.Y[us] == pytest.approx(US_GDP, rel=1e-12)
    assert cal.Y[cn] == pytest.approx(CN_GDP, rel=1e-12)
    for i, y, c, g, x, m in (
        (us, US_GDP, US_C_PCT, US_G_PCT, US_X_PCT, US_M_PCT),
        (cn, CN_GDP, CN_C_PCT, CN_G_PCT, CN_X_PCT, CN_M_PCT),
    ):
        assert cal.C[i] == pytest.approx(y * c / 100, rel=1e-12)
        assert cal.G[i] == pytest.approx(y * g / 100, rel=1e-12)
        assert cal.X[i] == pytest.approx(y * x / 100, rel=1e-12)
        assert cal.M[i] == pytest.approx(y * m / 100, rel=1e-12)
    assert cal.CA[us] == pytest.approx(US_CA, rel=1e-12)
    assert cal.CA[cn] == pytest.approx(CN_CA, rel=1e-12)
    assert 100 * cal.CA[us] / cal.Y[us] == pytest.approx(US_CA_PCT, abs=5e-4)
    assert 100 * cal.CA[cn] / cal.Y[cn] == pytest.approx(CN_CA_PCT, abs=5e-4)


def test_bilateral_goods_flows_and_nfa(cal):
    us, cn = cal.index("US"), cal.index("CN")
    assert cal.trade[us, cn] == pytest.approx(US_GOODS_FROM_CN, rel=1e-12)
    assert cal.trade[cn, us] == pytest.approx(US_GOODS_TO_CN, rel=1e-12)
    assert cal.NFA[us] == US_NFA and cal.NFA[cn] == CN_NFA
    assert abs(cal.NFA.sum()) < 1e-9


def test_investment_closes_gdp_and_discrepancy_is_reported(cal):
    """WEO investment differs from Y - C - G - NX by the expenditure discrepancy; the model
    puts it into investment and reports it (China: ~0.1% of GDP, data/SOURCES.md)."""
    us = cal.index("US")
    # data/macro_history.csv gross_capital_formation_pct_gdp 2024: US 21.533, China 40.607
    assert cal.I[us] - US_GDP * 0.21533 == pytest.approx(
        cal.notes["investment_discrepancy_US"], abs=1e-6
    )
    assert abs(cal.notes["investment_discrepancy_CN"]) < 0.002 * CN_GDP


def test_world_discrepancy_goes_to_row(cal):
    """WEO World CA 2024 = +494.924 bn (data/macro_history.csv); the model's world sums to 0
    by taking it out of ROW."""
    assert cal.notes["world_ca_discrepancy_measured"] == pytest.approx(494.924)
    assert abs(cal.CA.sum()) < 1e-9
    row = cal.index("ROW")
    assert cal.notes["row_ca_measured"] - cal.CA[row] == pytest.approx(494.924, rel=1e-9)


def test_ras_matrix_hits_totals(cal):
    """Row sums = imports, column sums = exports (WDI), diagonal zero for US and China."""
    assert np.isclose(cal.trade[0, 0], 0) and np.isclose(cal.trade[1, 1], 0)
    assert (cal.trade >= 0).all()
    assert cal.notes["ras_max_relative_error"] < 1e-12


def test_simulated_base_year_equals_calibration(default_results):
    """The solve itself, not only the calibration, reproduces 2024 on every path."""
    cal = default_results.calibration
    s = default_results.solution
    for name, data in (("Y", cal.Y), ("C", cal.C), ("I", cal.I), ("G", cal.G), ("NFA", cal.NFA)):
        np.testing.assert_allclose(
            getattr(s, name)[:, 0],
            np.broadcast_to(data, (5, 4)),
            rtol=1e-12,
            atol=1e-9,
            err_msg=name,
        )
    np.testing.assert_allclose(s.trade[:, 0], np.broadcast_to(cal.trade, (5, 4, 4)), rtol=1e-12)
    assert default_results.value("baseline", "US", "current_account", 2024) == pytest.approx(
        US_CA, rel=1e-12
    )
    assert default_results.value("orderly", "CN", "consumption_pct_gdp", 2024) == pytest.approx(
        CN_C_PCT, rel=1e-12
    )


def test_two_country_base_year():
    """Two-country mode keeps each GDP; each economy trades with the other as with the
    world (the pair's flows the mean of the two sides' totals in four-region mode, so trade
    is the same share of GDP); CA mirror exactly."""
    c2, c4 = calibrate(two_country=True), calibrate(two_country=False)
    us, cn = c4.index("US"), c4.index("CN")
    assert c2.Y[0] == pytest.approx(US_GDP) and c2.Y[1] == pytest.approx(CN_GDP)
    assert c2.trade[0, 1] == pytest.approx(0.5 * (c4.trade[us].sum() + c4.trade[:, cn].sum()))
    assert c2.trade[1, 0] == pytest.approx(0.5 * (c4.trade[:, us].sum() + c4.trade[cn].sum()))
    # the Census bilateral flows are a small part of it
    assert c2.trade[0, 1] > 5 * US_GOODS_FROM_CN and c2.trade[1, 0] > 5 * US_GOODS_TO_CN
    # trade's share of GDP within a fifth of four-region mode's, for each economy
    for k, r in ((0, us), (1, cn)):
        share2 = (c2.trade[k].sum() + c2.trade[:, k].sum()) / c2.Y[k]
        share4 = (c4.trade[r].sum() + c4.trade[:, r].sum()) / c4.Y[r]
        assert share2 == pytest.approx(share4, rel=0.2)
    assert c2.CA[0] == -c2.CA[1]
    assert c2.NFA[0] == -c2.NFA[1] == -CN_NFA
    np.testing.assert_allclose(c2.C + c2.I + c2.G + c2.X - c2.M, c2.Y, rtol=1e-14)
