"""Batches of scenarios: each row is the single run of its settings, every lever can vary,
the accounts are checked per row, bad values are refused naming the lever."""

import numpy as np
import pytest

from rebalancing import LEVERS, PATHS, Scenario, ScenarioError, identities, simulate
from rebalancing.batch import STRUCTURAL, batchable, run_batch

RTOL = 1e-9  # rounding only: rows are solved in one batch instead of one by one
#: USD bn: model-consistent rows are Newton solutions to 1e-12 from different starts
#: (docs/model.md 3b.8), so a near-zero flow can differ by a few dollars
ATOL = 1e-6


def assert_rows_equal_single_runs(batch):
    v = batch.variables()
    for r in range(batch.R):
        res = simulate(batch.row_scenario(r))
        assert res.run_paths == batch.run_paths
        for name, a in res.variables.items():
            np.testing.assert_allclose(v[name][r], a, rtol=RTOL, atol=ATOL, err_msg=name)
        assert batch.anchor_miss[r] == pytest.approx(res.anchor_miss, abs=1e-12)


def test_rows_equal_single_runs_across_lever_kinds():
    """A float global lever (re-anchors the status quo), a path lever, a whole-number lever
    that rebuilds the paths, an on/off lever and a crisis lever, varied together."""
    b = run_batch(
        Scenario(),
        {
            "global.growth_CN": [1.0, 2.8, 4.5],
            "orderly.cn_consumption_rise": [0.0, 7.5, 10.0],
            "unilateral.phase_in_years": [1, 5, 12],
            "subglobal.us_joins": [1, 0, 1],
            "disorderly.crisis_year": [2027, 2030, 2045],
        },
    )
    assert b.R == 3 and b.P == len(PATHS)
    assert b.max_residual < identities.TOLERANCE
    assert list(b.crisis_years()) == [2027, 2030, 0]  # 2045 is after the horizon
    assert_rows_equal_single_runs(b)
    # The adaptive engine over the lever's whole range (beyond the model-consistent one's)
    wide = run_batch(
        Scenario().with_values({"global.expectations": "adaptive"}),
        {"global.growth_CN": [1.0, 5.5], "unilateral.phase_in_years": [1, 12]},
    )
    assert_rows_equal_single_runs(wide)


def test_every_lever_can_vary_in_a_batch():
    """Row k moves lever k alone: each row equals the single run, so no lever is missed by
    the batch's parameters, paths or status-quo steering."""
    levers = [lid for lid in LEVERS if batchable(lid)]
    values = {lid: np.full(len(levers), LEVERS[lid].default, dtype=float) for lid in levers}
    for k, lid in enumerate(levers):
        lev = LEVERS[lid]
        if lev.kind == "bool":
            values[lid][k] = not lev.default
        else:
            x = lev.lo + 0.37 * (lev.hi - lev.lo)
            values[lid][k] = round(x) if lev.kind == "int" else x
    b = run_batch(Scenario(), values)
    assert_rows_equal_single_runs(b)


def test_two_country_batch_keeps_the_mirror():
    b = run_batch(
        Scenario().with_values({"global.two_country": True}),
        {"global.tariff_elasticity": [0.8, 3.0], "disorderly.output_loss": [1.0, 11.0]},
    )
    ca = b.variables(["current_account"])["current_account"]
    assert np.abs(ca.sum(-1)).max() < 1e-6
    assert_rows_equal_single_runs(b)


@pytest.mark.parametrize(
    "values, match",
    [
        ({"global.horizon": [2040, 2050]}, "cannot vary within a batch"),
        ({"disorderly.side": ["US", "CN"]}, "cannot vary within a batch"),
        ({"orderly.kappa": [1.0, 9.0]}, r"orderly.kappa: 9 is out of range \[0.0, 3.0\]"),
        ({"orderly.years": [3.5]}, "orderly.years: expected whole numbers"),
        ({"global.closure": [1.0]}, "no longer exists"),
        ({"orderly.kappa": [1.0], "orderly.band": [1.0, 2.0]}, "differ in length"),
        ({"orderly.kappa": [float("nan")]}, "finite"),
        ({"subglobal.us_joins": [0.5]}, "expected 0 or 1"),
    ],
)
def test_bad_values_are_refused_naming_the_lever(values, match):
    with pytest.raises(ScenarioError, match=match):
        run_batch(Scenario(), values)


def test_structural_levers_are_the_ones_listed():
    assert all(not batchable(lid) for lid in STRUCTURAL)
    assert batchable("global.policy_start") and batchable("baseline.follow_projection")


def test_keep_records_few_arrays_checks_every_identity_and_changes_nothing():
    """A batch that keeps only some raw arrays (the Monte Carlo's way) gives the same
    variables and the same identity residuals, checked year by year in the engine."""
    from rebalancing.results import all_variables, solution_fields

    values = {"global.growth_CN": [1.0, 4.0], "global.tariff_elasticity": [0.8, 3.0]}
    adaptive = Scenario().with_values({"global.expectations": "adaptive"})  # the fan's engine
    full = run_batch(adaptive, values, drift="base")
    want = ["current_account_pct_gdp", "saving_pct_gdp", "gdp_vs_baseline_pct", "exports_to_CN"]
    kept = run_batch(adaptive, values, drift="base", keep=solution_fields(want))
    assert kept.solution.A_pos is None and kept.solution.residuals is not None
    a, b = full.variables(want), kept.variables(want)
    for name in want:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert set(kept.residuals) == set(full.residuals) == set(identities.RESIDUALS)
    for name, r in full.residuals.items():
        np.testing.assert_allclose(kept.residuals[name], r, rtol=0, atol=1e-15, err_msg=name)
    assert kept.max_residual < identities.TOLERANCE
    # Every variable's declared raw arrays are enough to derive it.
    regions = full.regions
    for name in all_variables(regions):
        only = run_batch(adaptive, values, drift="base", keep=solution_fields([name]))
        np.testing.assert_array_equal(
            only.variables([name])[name], full.variables([name])[name], err_msg=name
        )


def test_keep_checks_admissibility_year_by_year():
    """The same ModelError as a full run's, from the year-by-year check."""
    from rebalancing import ModelError
    from strategies import SPIRAL

    scn = Scenario().with_values(SPIRAL)
    with pytest.raises(ModelError) as full:
        run_batch(scn, {"global.risk_premium": [0.0]}, ("baseline",))
    with pytest.raises(ModelError) as kept:
        run_batch(scn, {"global.risk_premium": [0.0]}, ("baseline",), keep={"Y"})
    assert str(kept.value) == str(full.value)
    assert "debt spirals" in str(kept.value)
