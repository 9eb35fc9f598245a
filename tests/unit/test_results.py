"""rebalancing.results: simulate() and the tidy table every face reads."""

import numpy as np
import pytest

from rebalancing import VARIABLES, Scenario, ScenarioError, simulate
from rebalancing.results import all_variables


def test_the_tidy_table_has_every_variable_path_region_and_year(default_results):
    df = default_results.to_frame()
    assert list(df.columns) == ["path", "region", "year", "variable", "value", "unit"]
    n = len(default_results.paths) * len(default_results.regions) * len(default_results.years)
    assert len(df) == n * len(all_variables(default_results.regions))
    assert np.isfinite(df.value).all()


def test_value_and_series_read_the_same_numbers(default_results):
    r = default_results
    s = r.series("orderly", "CN", "current_account_pct_gdp")
    assert s.loc[2030] == r.value("orderly", "CN", "current_account_pct_gdp", 2030)
    with pytest.raises(KeyError):
        r.value("orderly", "CN", "current_account_pct_gdp", 1999)


def test_the_bilateral_balance_is_the_us_china_trade_balance_seen_from_each(default_results):
    r = default_results
    for p in r.paths:
        bal = r.series(p, "US", "exports_to_CN") - r.series(p, "CN", "exports_to_US")
        np.testing.assert_array_equal(r.series(p, "US", "bilateral_balance"), bal)
        np.testing.assert_array_equal(r.series(p, "CN", "bilateral_balance"), -bal)
        for region in ("BLOC", "ROW"):
            assert (r.series(p, region, "bilateral_balance") == 0).all()
    assert VARIABLES["bilateral_balance"][0] == "USD bn (2024 prices)"


def test_ratios_are_their_levels_over_gdp(default_results):
    v = default_results.variables
    np.testing.assert_allclose(
        v["current_account_pct_gdp"], 100 * v["current_account"] / v["gdp"], rtol=1e-12
    )


def test_unknown_paths_are_named():
    with pytest.raises(ScenarioError, match="unknown path id"):
        simulate(Scenario(), ["nope"])


def test_metadata_names_what_reproduces_the_numbers(default_results):
    m = default_results.metadata()
    assert m["scenario"] == Scenario().to_dict() and m["data_vintages"]
    assert m["largest_identity_residual"]["value"] <= m["largest_identity_residual"]["tolerance"]
