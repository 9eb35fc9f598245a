"""Direction tests an economist would demand, each with its reason."""

import numpy as np
import pytest

from rebalancing import Scenario, simulate
from rebalancing.levers import validated_range

#: Version 2's engine, for the mechanisms only it has (the financing floor, the steered
#: status quo); the default engine is the model-consistent one.
ADAPTIVE = {"global.expectations": "adaptive"}


@pytest.fixture(scope="module")
def adaptive_results():
    return simulate(Scenario().with_values(ADAPTIVE))


def bilateral(res, path, year):
    """US goods balance with China (US exports to CN - US imports from CN), USD bn."""
    return res.value(path, "US", "exports_to_CN", year) - res.value(
        path, "CN", "exports_to_US", year
    )


def test_tariff_shrinks_bilateral_deficit_far_more_than_aggregate():
    """Reason: with trade diversion the US buys what it no longer buys from China from third
    countries, and China sells elsewhere, so the bilateral balance moves much more than the
    US aggregate current account (the 2018-19 and 2025 experience)."""
    # A US tariff alone: no retaliation beyond the 2025 truce level, no industrial policy.
    only_tariff = {"unilateral.us_industrial_investment": 0.0, "unilateral.cn_tariff_on_us": 32.6}
    res = simulate(Scenario().with_values(only_tariff))
    d_bil = bilateral(res, "unilateral", 2030) - bilateral(res, "baseline", 2030)
    d_ca = res.value("unilateral", "US", "current_account", 2030) - res.value(
        "baseline", "US", "current_account", 2030
    )
    assert d_bil > 100, "the bilateral deficit must shrink"
    assert d_bil > 1.5 * abs(d_ca)
    # The more is rerouted, the less of the bilateral gain reaches the aggregate; what is
    # left with full rerouting is saving: the tariff raises consumer prices, so households
    # consume less of their income (docs/model.md 3.3).
    full = simulate(Scenario().with_values({**only_tariff, "baseline.rerouting": 100.0}))
    d_ca_full = full.value("unilateral", "US", "current_account", 2030) - full.value(
        "baseline", "US", "current_account", 2030
    )
    assert abs(d_ca_full) < abs(d_ca)


def test_less_diversion_makes_tariffs_bite_on_the_aggregate():
    """Reason: when nothing is rerouted, the tariff's lost imports are made at home, so the
    aggregate US balance improves more than with diversion."""
    base = {"unilateral.us_industrial_investment": 0.0}
    hi = simulate(Scenario().with_values(base), ["unilateral"])
    lo = simulate(
        Scenario().with_values({**base, "baseline.rerouting": 0.0, "baseline.diversion": 0.0}),
        ["unilateral"],
    )
    ca = lambda r: r.value("unilateral", "US", "current_account", 2032)  # noqa: E731
    assert ca(lo) > ca(hi)


def test_orderly_narrows_global_imbalances(default_results):
    """Reason: the orderly rule moves surplus currencies up and deficit ones down, China
    consumes more and the US saves more: the sum of absolute current accounts falls."""
    v = default_results.variables["current_account"]
    paths = default_results.run_paths
    t = -1
    spread = lambda p: np.abs(v[paths.index(p), t]).sum()  # noqa: E731
    assert spread("orderly") < spread("baseline")
    r = default_results
    assert r.value("orderly", "US", "current_account_pct_gdp", 2040) > r.value(
        "baseline", "US", "current_account_pct_gdp", 2040
    )
    assert (
        r.value("orderly", "CN", "consumption_pct_gdp", 2040)
        > r.value("baseline", "CN", "consumption_pct_gdp", 2040) + 3
    )
    assert r.value("orderly", "US", "real_exchange_rate", 2040) < r.value(
        "baseline", "US", "real_exchange_rate", 2040
    )


def test_crisis_is_a_sudden_repricing_that_lowers_output_and_the_deficit(default_results):
    """Reason (model-consistent engine): a dollar crisis is a sudden, persistent repricing
    (Obstfeld & Rogoff 2005): the dollar falls in the crisis year and stays below the status
    quo's, output falls, and the deficit narrows once trade volumes answer (the J-curve)."""
    r = default_results
    yc = r.crisis_year()
    assert yc == r.scenario.disorderly.crisis_year

    def d(v, y):
        return r.value("disorderly", "US", v, y) - r.value("baseline", "US", v, y)

    assert d("real_exchange_rate", yc) < -10
    assert all(d("real_exchange_rate", y) < 0 for y in range(yc, 2041))
    assert r.value("disorderly", "US", "gdp_vs_baseline_pct", yc) < -1.0
    assert all(r.value("disorderly", "US", "gdp_vs_baseline_pct", y) < 0 for y in range(yc, 2041))
    assert d("current_account_pct_gdp", yc + 1) > 1.0
    assert d("current_account_pct_gdp", 2040) >= 0
    # Before the crisis, the path is the status quo: the crisis is a surprise.
    assert r.value("disorderly", "US", "gdp", yc - 1) == pytest.approx(
        r.value("baseline", "US", "gdp", yc - 1), rel=1e-12
    )


def test_crisis_forces_deficit_ca_up_and_output_down(adaptive_results):
    """Reason (adaptive engine): a sudden stop means the deficit can no longer be financed:
    the current account must jump to the financing floor, through a currency fall and an
    absorption cut that lowers output."""
    r = adaptive_results
    yc = r.crisis_year()
    assert yc == r.scenario.disorderly.crisis_year
    floor = r.scenario.disorderly.ca_floor
    assert r.value("disorderly", "US", "current_account_pct_gdp", yc) >= floor - 1e-9
    assert (
        r.value("disorderly", "US", "current_account_pct_gdp", yc)
        > r.value("baseline", "US", "current_account_pct_gdp", yc) + 1.5
    )
    assert r.value("disorderly", "US", "gdp_vs_baseline_pct", yc) < -1.0
    # Before the crisis, the path is the status quo.
    assert r.value("disorderly", "US", "gdp", yc - 1) == pytest.approx(
        r.value("baseline", "US", "gdp", yc - 1), rel=1e-12
    )


def test_absorption_cut_hits_the_floor_exactly_when_currency_does_not_move():
    """Reason: with no depreciation only the absorption cut can close the gap; CA is affine in
    the cut, so the floor is met exactly, not approximately."""
    res = simulate(
        Scenario().with_values(
            {
                **ADAPTIVE,
                "disorderly.currency_fall": 0.0,
                "disorderly.output_loss": 0.0,
                "disorderly.ca_floor": -1.0,
            }
        ),
        ["disorderly"],
    )
    yc = res.crisis_year()
    assert res.value("disorderly", "US", "crisis_absorption_cut", yc) > 0
    assert res.value("disorderly", "US", "current_account_pct_gdp", yc) == pytest.approx(
        res.scenario.disorderly.ca_floor, abs=1e-9
    )


def test_surplus_side_crisis_raises_china_surplus_and_cuts_output():
    """Reason: an investment collapse in China cuts its imports and its currency falls: its
    surplus jumps (within two years with model-consistent expectations, as volumes answer)
    and its output falls (the surplus side exports the crisis)."""
    for engine in ("model-consistent", "adaptive"):
        res = simulate(
            Scenario().with_values({"disorderly.side": "CN", "global.expectations": engine})
        )
        yc = res.crisis_year()
        jump = max(
            res.value("disorderly", "CN", "current_account_pct_gdp", y)
            - res.value("baseline", "CN", "current_account_pct_gdp", y)
            for y in (yc, yc + 1)
        )
        assert jump > 2, engine
        assert res.value("disorderly", "CN", "gdp_vs_baseline_pct", yc) < -1
        assert res.value("disorderly", "US", "gdp_vs_baseline_pct", yc) < 0


def test_hazard_crisis_comes_earlier_when_liabilities_weigh_more():
    """Reason: the hazard rises with net foreign liabilities / GDP (Catao & Milesi-Ferretti)."""
    years = []
    for slope in (0.5, 2.0, 6.0):
        res = simulate(
            Scenario().with_values(
                {
                    "disorderly.timing": "hazard",
                    "disorderly.hazard_slope": slope,
                    "global.horizon": 2100,
                }
            ),
            ["disorderly"],
        )
        years.append(res.crisis_year() or 9999)
    assert years[0] > years[1] > years[2]


def test_status_quo_is_a_stable_disequilibrium_with_solvent_positions(default_results):
    """Reason: the report's 'stable disequilibrium': with today's policies the imbalances
    persist; with model-consistent expectations the debtor stays solvent, so net foreign
    positions level off at large values instead of diverging (the paths' descriptions say
    so)."""
    r = default_results
    assert r.value("baseline", "US", "current_account_pct_gdp", 2040) < -2
    assert r.value("baseline", "CN", "current_account_pct_gdp", 2040) > 1.5
    us = [r.value("baseline", "US", "nfa_pct_gdp", y) for y in (2024, 2030, 2035, 2040)]
    assert us[1] > us[0]  # the dollar's 2025 fall and the narrower deficit
    assert abs(us[3] - us[2]) < 2 and us[3] < -60
    assert "level off" in __import__("rebalancing").paths.PATH_INFO["baseline"].description


def test_status_quo_is_a_stable_disequilibrium(adaptive_results):
    """Reason (adaptive engine): the report's 'stable disequilibrium': with today's policies
    the imbalances persist and net foreign positions keep diverging."""
    r = adaptive_results
    assert r.value("baseline", "US", "current_account_pct_gdp", 2040) < -2
    assert r.value("baseline", "CN", "current_account_pct_gdp", 2040) > 1.5
    assert r.value("baseline", "US", "nfa_pct_gdp", 2040) < r.value(
        "baseline", "US", "nfa_pct_gdp", 2024
    )
    assert r.value("baseline", "CN", "net_foreign_assets", 2040) > r.value(
        "baseline", "CN", "net_foreign_assets", 2024
    )


def test_tariff_revenue_raises_us_public_saving(default_results):
    """Reason: tariffs are taxes; their revenue is public saving."""
    r = default_results
    assert r.value("unilateral", "US", "tariff_revenue", 2032) > r.value(
        "baseline", "US", "tariff_revenue", 2032
    )
    assert r.value("unilateral", "US", "public_saving", 2032) > r.value(
        "baseline", "US", "public_saving", 2032
    )


def test_a_stronger_monetary_response_closes_gaps_faster():
    """Reason: the Taylor rule (with its neutral-rate learning) is what closes output gaps; a
    stronger response leaves smaller gaps after the same shocks."""

    def total_gap(strength):
        res = simulate(
            Scenario().with_values({"global.monetary_response": strength}),
            ["orderly", "unilateral"],
        )
        return np.abs(res.variables["output_gap_pct"]).sum()

    lo, hi = validated_range("global.monetary_response")
    assert total_gap(hi) < total_gap(1.0) < total_gap(lo)


def test_two_country_unilateral_mirror(two_country_results):
    """Reason: in a two-country world any change of the US balance is China's, dollar for
    dollar. (Its sign is not asserted: with foresight the dollar appreciates on the tariffs'
    announcement and the balance barely moves, as the tariff_ca_sign check expects.)"""
    r = two_country_results
    d_us = r.value("unilateral", "US", "current_account", 2030) - r.value(
        "baseline", "US", "current_account", 2030
    )
    d_cn = r.value("unilateral", "CN", "current_account", 2030) - r.value(
        "baseline", "CN", "current_account", 2030
    )
    assert d_us != 0
    assert d_us == pytest.approx(-d_cn, rel=1e-9)


def test_subglobal_safeguard_cuts_china_exports_to_bloc(default_results):
    """Reason: the bloc's safeguard is a tariff on Chinese goods."""
    r = default_results
    assert r.value("subglobal", "CN", "exports_to_BLOC", 2035) < r.value(
        "unilateral", "CN", "exports_to_BLOC", 2035
    )
    assert abs(r.value("subglobal", "BLOC", "current_account_pct_gdp", 2040)) < abs(
        r.value("unilateral", "BLOC", "current_account_pct_gdp", 2040)
    )


def test_settings_that_switch_a_path_off_are_noted():
    res = simulate(
        Scenario().with_values(
            {"disorderly.crisis_year": 2045, "unilateral.industrial_end_year": 2025}
        )
    )
    notes = " ".join(res.notes())
    assert "disorderly.crisis_year (2045) is after global.horizon (2040)" in notes
    assert "unilateral.industrial_end_year (2025)" in notes
    assert res.metadata()["notes"] == res.notes()
    assert simulate(Scenario()).notes() == []


def test_duplicate_path_ids_are_dropped():
    res = simulate(Scenario(), ["orderly", "orderly", "baseline"])
    assert res.paths == ("orderly", "baseline")
    assert not res.to_frame().duplicated(["path", "region", "year", "variable"]).any()
