"""The model-consistent engine (rebalancing.engine3, docs/model.md section 3b): the stacked
solution's terminal conditions, who knows what when, determinacy, the work bound, and the
status quo at potential (issue 22's done-when checks)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rebalancing import ModelError, Scenario, engine3, simulate
from rebalancing.data import data_key
from rebalancing.inputs import calibrated_for, model_globals, structural_shifts
from rebalancing.levers import CONSISTENT_RANGES
from rebalancing.paths import PATHS, build_paths
from strategies import consistent_scenarios

MC = {"global.expectations": "model-consistent"}
TOL = 1e-9  # identities, share of world GDP (DESIGN.md)


def solved(values=None, extension=None):
    """(scenario, calibration, solution, run) of the engine with ``extension`` years past
    the horizon (default engine3.EXTENSION)."""
    scn = Scenario().with_values({**MC, **(values or {})})
    key = data_key()
    cal, prm = calibrated_for(model_globals(scn.global_), scn.baseline, key)
    spec = build_paths(scn, cal, PATHS)
    shifts = structural_shifts(scn, key)
    old = engine3.EXTENSION
    engine3.EXTENSION = extension or old
    try:
        sol, run = engine3.run(cal, prm, spec, anchor=False, shifts=shifts)
    finally:
        engine3.EXTENSION = old
    return scn, cal, sol, run


@pytest.fixture(scope="module")
def mc():
    return simulate(Scenario().with_values(MC))


@pytest.fixture(scope="module")
def mc_two():
    return simulate(Scenario().with_values({**MC, "global.two_country": True}))


@pytest.mark.parametrize("two_country", [False, True])
def test_shown_years_do_not_move_with_the_terminal_date(two_country):
    """Terminal conditions 40 or 70 years past the horizon: the shown years agree to 1e-4
    of their size (GDP, net foreign assets) and to 1e-4 log points (real exchange rates,
    about 0.01%)."""
    _, _, near, _ = solved({"global.two_country": two_country})
    _, _, far, _ = solved({"global.two_country": two_country}, extension=70)
    assert near.Y.shape == far.Y.shape
    for name in ("Y", "NFA"):
        a, b = getattr(near, name), getattr(far, name)
        assert np.abs(a - b).max() / np.abs(near.Y).max() < 1e-4, name
    assert np.abs(near.reer - far.reer).max() < 1e-4


@pytest.mark.parametrize("path", ["orderly", "unilateral", "subglobal"])
def test_an_announced_policy_moves_the_exchange_rate_in_its_year_not_before(mc, path):
    """Who knows what when: every path is the status quo until the policy start year, when
    its policies are announced and believed; the exchange rate jumps then."""
    start = mc.scenario.global_.policy_start
    for year in range(2024, start):
        for r in ("US", "CN"):
            a = mc.value(path, r, "real_exchange_rate", year)
            b = mc.value("baseline", r, "real_exchange_rate", year)
            assert a == pytest.approx(b, abs=1e-12), (path, r, year)
    jump = abs(
        mc.value(path, "CN", "real_exchange_rate", start)
        - mc.value("baseline", "CN", "real_exchange_rate", start)
    )
    assert jump > 1e-3, path


def test_a_later_announcement_moves_nothing_before_it():
    res = simulate(Scenario().with_values({**MC, "global.policy_start": 2029}))
    for year in range(2024, 2029):
        a = res.value("orderly", "CN", "real_exchange_rate", year)
        assert a == pytest.approx(res.value("baseline", "CN", "real_exchange_rate", year))
    assert (
        abs(
            res.value("orderly", "CN", "real_exchange_rate", 2029)
            - res.value("baseline", "CN", "real_exchange_rate", 2029)
        )
        > 1e-3
    )


def test_a_crisis_is_a_surprise_until_its_year(mc):
    year = mc.scenario.disorderly.crisis_year
    for y in range(2024, year):
        for r in ("US", "CN"):
            for var in ("real_exchange_rate", "gdp", "current_account"):
                a, b = mc.value("disorderly", r, var, y), mc.value("baseline", r, var, y)
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (r, var, y)
    assert mc.value("disorderly", "US", "real_exchange_rate", year) < mc.value(
        "baseline", "US", "real_exchange_rate", year
    )


@pytest.mark.parametrize("two_country", [False, True])
def test_the_linearised_model_is_determinate_on_every_path(two_country):
    """Blanchard-Kahn: as many unstable roots as unknowns a year, on every path."""
    _, _, _, run = solved({"global.two_country": two_country})
    for row in range(run.x.shape[0]):
        d = engine3.determinacy(run, row)
        assert d.determinate, (row, d)


def test_the_status_quo_is_at_potential(mc):
    """Issue 22: output gaps within +/-0.5% from 2027 (US and China), and no year-on-year
    jump of the US current account above 0.4 pp after 2026."""
    years = [y for y in mc.years if y >= 2027]
    for r in ("US", "CN"):
        gaps = [mc.value("baseline", r, "output_gap_pct", y) for y in years]
        assert max(abs(g) for g in gaps) <= 0.5, (r, gaps)
    ca = [mc.value("baseline", "US", "current_account_pct_gdp", y) for y in mc.years]
    jumps = [abs(b - a) for y, a, b in zip(mc.years[1:], ca, ca[1:]) if y > 2026]
    assert max(jumps) <= 0.4, jumps


def test_a_dollar_crisis_does_not_undo_itself(mc):
    """Issue 22: the disorderly path's real dollar stays below the status quo's through the
    horizon, and its last-year US current account is no worse than the status quo's."""
    year, h = mc.scenario.disorderly.crisis_year, mc.scenario.global_.horizon
    for y in range(year, h + 1):
        assert mc.value("disorderly", "US", "real_exchange_rate", y) < mc.value(
            "baseline", "US", "real_exchange_rate", y
        ), y
    assert mc.value("disorderly", "US", "current_account_pct_gdp", h) >= mc.value(
        "baseline", "US", "current_account_pct_gdp", h
    )


def test_two_country_mode_keeps_the_mirror_and_its_scale(mc, mc_two):
    for y in mc_two.years:
        for p in PATHS:
            us = mc_two.value(p, "US", "current_account", y)
            cn = mc_two.value(p, "CN", "current_account", y)
            assert us == pytest.approx(-cn, abs=1e-9 * abs(us) + 1e-12)
    # On the same scale: the orderly renminbi move within a factor of two of four-region
    # mode's (it was 45% against about 8% before v3).
    move = {}
    for name, res in (("four", mc), ("two", mc_two)):
        move[name] = res.value("orderly", "CN", "real_exchange_rate", 2030) / res.value(
            "baseline", "CN", "real_exchange_rate", 2030
        )
    assert 0.5 < (move["two"] - 1) / (move["four"] - 1) < 2.0, move


def test_identities_hold_on_every_path_in_both_modes(mc, mc_two):
    assert mc.max_residual < TOL and mc_two.max_residual < TOL


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_scenarios())
def test_any_path_setting_balances_or_says_why(scn):
    """Over the whole range of every path lever, jointly: every account balances, or the
    engine says in one line that the setting is outside its validated range and names the
    way back (never any other exception, never a search without end)."""
    try:
        res = simulate(scn)
    except ModelError as e:
        assert "\n" not in str(e)
        assert "global.expectations = adaptive" in str(e) or "debt spirals" in str(e)
        return
    assert res.max_residual < TOL
    assert all(np.isfinite(a).all() for a in res.variables.values())


def test_a_setting_beyond_the_work_bound_is_refused_in_one_line(monkeypatch):
    """The work bound (engine3.MAX_JACOBIANS) turns a search without end into one line."""
    monkeypatch.setattr(engine3, "MAX_JACOBIANS", 0)
    monkeypatch.setattr(engine3, "_JACOBIANS", engine3._LRU(16))  # cold: no factorisation to reuse
    with pytest.raises(ModelError, match="global.expectations = adaptive") as e:
        simulate(Scenario().with_values({**MC, "global.growth_CN": 2.5}))
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("lid", "value"),
    [
        ("global.price_elasticity", 0.3),
        ("global.switching_speed", 12.0),
        ("orderly.band", 2.0),
        ("global.monetary_response", 0.3),
        ("global.growth_CN", 5.0),
    ],
)
def test_outside_its_validated_range_the_engine_names_the_lever(lid, value):
    """levers.CONSISTENT_RANGES: the model-consistent engine refuses, naming the lever and
    the adaptive engine; the adaptive engine runs the same setting."""
    from rebalancing import ScenarioError

    with pytest.raises(ScenarioError, match=f"{lid}: .* global.expectations = adaptive"):
        simulate(Scenario().with_values({**MC, lid: value}))
    adaptive = Scenario().with_values({lid: value, "global.expectations": "adaptive"})
    assert simulate(adaptive).max_residual < TOL


@pytest.mark.parametrize("two_country", [False, True])
@pytest.mark.parametrize("lid", sorted(CONSISTENT_RANGES))
def test_no_cliff_at_the_edge_of_a_validated_range(lid, two_country):
    """Where the sweeps (benchmarks/sweeps.py, 1/100 of the range a step) found a cliff or a
    refusal, the validated range stops short of it: the ten steps inside each bounded edge
    solve, and no output gap moves by more than 1 pp between neighbouring settings."""
    from rebalancing import LEVERS

    lev, (lo, hi) = LEVERS[lid], CONSISTENT_RANGES[lid]
    step = (lev.hi - lev.lo) / 100
    base = Scenario().with_values({**MC, "global.two_country": two_country})
    for edge, sign in ((lo, 1), (hi, -1)):
        if edge in (lev.lo, lev.hi):
            continue  # the lever's own end: not narrowed
        prev = None
        for k in range(11):
            v = edge + sign * k * step
            gaps = np.asarray(simulate(base.with_values({lid: v})).variables["output_gap_pct"])
            if prev is not None:
                assert np.abs(gaps - prev).max() <= 1.0, (lid, v)
            prev = gaps


def test_a_deflation_trap_is_refused_naming_the_path_and_the_way_back():
    """A Chinese crisis whose investment collapse never recovers holds rates at their floor
    for good: no model-consistent solution exists; the refusal names the path, the cause
    and the levers (the survey's refusals, docs/model.md 3b.1)."""
    trap = {
        "disorderly.side": "CN",
        "disorderly.cn_investment_collapse": 12.0,
        "disorderly.recovery": 0.05,
    }
    with pytest.raises(ModelError, match=r"^disorderly: .*deflation trap.*disorderly\.recovery"):
        simulate(Scenario().with_values({**MC, **trap}))
