"""Every identity of docs/model.md section 2 holds on every path, region and year, to 1e-9 of
world GDP, in four-region and two-country mode, for default and random admissible levers."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rebalancing import LEVERS, PATHS, Scenario, identities, simulate
from rebalancing.levers import validated_range
from strategies import SPIRAL, scenarios

TOL = identities.TOLERANCE


@pytest.mark.parametrize("two_country", [False, True])
@pytest.mark.parametrize("name", list(identities.RESIDUALS))
def test_each_identity_holds_on_every_path_region_year(name, two_country):
    res = simulate(Scenario().with_values({"global.two_country": two_country}))
    assert res.run_paths == PATHS
    r = identities.RESIDUALS[name](res.solution)
    wgdp = res.solution.Y.sum(-1)
    scaled = np.abs(r) / (wgdp[..., None] if r.ndim == 3 else wgdp)
    assert np.isfinite(scaled).all()
    assert scaled.max() < TOL, f"{name}: {scaled.max():.3g}"


def test_two_country_mirror_is_exact(two_country_results):
    """CA_US = -CA_CN and (S-I)_US = -(S-I)_CN, year by year, on every path."""
    v = two_country_results.variables
    ca, s, i = v["current_account"], v["national_saving"], v["investment"]
    wgdp = v["gdp"].sum(-1)
    assert np.abs(ca[..., 0] + ca[..., 1]).max() / wgdp.min() < TOL
    si = s - i
    assert np.abs(si[..., 0] + si[..., 1]).max() / wgdp.min() < TOL
    # Every flow is bilateral: US exports are China's imports.
    assert np.allclose(v["exports"][..., 0], v["imports"][..., 1], rtol=0, atol=1e-9)


def test_model_check_raises_on_a_broken_identity(default_results):
    """The check is not decorative: corrupt one number and it raises, naming the identity."""
    import copy

    sol = copy.deepcopy(default_results.solution)
    sol.C[2, 5, 1] += 1.0  # one extra billion of consumption, disorderly, 2029, China
    with pytest.raises(identities.IdentityError, match="gdp_expenditure"):
        identities.check(sol, default_results.run_paths, sol.years)


def test_world_sums_to_zero_in_four_region_mode(default_results):
    v = default_results.variables
    assert np.abs(v["current_account"].sum(-1)).max() < 1e-6  # USD bn
    assert np.abs(v["net_foreign_assets"].sum(-1)).max() < 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_admissible_scenarios_solve_and_balance(scn):
    res = simulate(scn)
    for var, arr in res.variables.items():
        assert np.isfinite(arr).all(), var
    assert res.max_residual < TOL
    for var in ("gdp", "consumption", "investment", "government"):
        assert (res.variables[var] > 0).all(), var


@pytest.mark.parametrize(
    "lever_id", [lid for lid, lev in LEVERS.items() if lev.kind in ("int", "float")]
)
@pytest.mark.parametrize("end", ["lo", "hi"])
@pytest.mark.parametrize("two_country", [False, True])
def test_every_lever_at_each_end_of_its_range(lever_id, end, two_country):
    """Solutions exist at both ends of every lever's range (others at defaults): the default
    (model-consistent) engine at the ends of the range it is validated for, and the
    adaptive engine at the lever's own ends where they lie beyond."""
    lev = LEVERS[lever_id]
    k = 0 if end == "lo" else 1
    runs = [("model-consistent", validated_range(lever_id)[k])]
    if runs[0][1] != getattr(lev, end):
        runs.append(("adaptive", getattr(lev, end)))
    for engine, value in runs:
        scn = Scenario().with_values(
            {lever_id: value, "global.two_country": two_country, "global.expectations": engine}
        )
        res = simulate(scn)
        assert res.max_residual < TOL
        assert all(np.isfinite(a).all() for a in res.variables.values())


@pytest.mark.parametrize("side", ["US", "CN"])
@pytest.mark.parametrize("timing", ["fixed", "hazard"])
def test_crisis_variants_balance(side, timing):
    res = simulate(Scenario().with_values({"disorderly.side": side, "disorderly.timing": timing}))
    assert res.max_residual < TOL


def test_debt_spiral_beyond_admissible_horizon_is_explained():
    """Over many decades with the return on net foreign assets well above growth the status
    quo is unsustainable (the report's point): the model says so, naming the levers, rather
    than returning a path with negative consumption."""
    from rebalancing import ModelError

    scn = Scenario().with_values(SPIRAL)
    with pytest.raises(ModelError, match="debt spirals.*lower the return on net foreign"):
        simulate(scn, ["baseline"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_horizon=2100))
def test_any_scenario_to_2100_balances_or_says_why(scn):
    """Over the whole lever space, up to 2100: either every account balances, or a
    ModelError explains (e.g. an external debt spiral), never any other exception."""
    from rebalancing import ModelError

    try:
        res = simulate(scn)
    except ModelError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert res.max_residual < TOL


def test_behavioural_residuals_catch_a_misbooked_flow(default_results):
    """Leaving tariff revenue out of net taxes keeps every accounting identity (T cancels)
    but breaks the net-taxes and consumption residuals: the check must see it."""
    import copy

    sol = copy.deepcopy(default_results.solution)
    sol.T = sol.T - (sol.tau * sol.trade).sum(-1)
    with pytest.raises(identities.IdentityError, match="consumption_function|net_taxes"):
        identities.check(sol, default_results.run_paths, sol.years)
