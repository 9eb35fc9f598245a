"""The status quo's steering onto the published projections (rebalancing.drift): the search
finishes with the scenario's own run when it can, and that changes nothing but the work.
The steering is the adaptive engine's (the model-consistent one reaches the projections by
structural shifts: tests/unit/test_engine3.py), so every scenario here names it."""

import numpy as np
import pytest

from rebalancing import LEVERS, Scenario, drift, inputs, results, simulate
from rebalancing.constants import CA_ANCHORS

ADAPTIVE = Scenario().with_values({"global.expectations": "adaptive"})

GLOBAL_FLOATS = [
    lid
    for lid, lev in LEVERS.items()
    if lev.group in ("global", "baseline")
    and lev.kind == "float"
    and lid not in results.NO_PATH_EFFECT
]


def count_runs(monkeypatch) -> list[int]:
    """Rows of every engine run the search (drift.run) and simulate (results.run) make."""
    calls: list[int] = []
    for mod in (drift, results):
        orig = mod.run

        def counted(*a, _orig=orig, **k):
            sol = _orig(*a, **k)
            calls.append(sol.Y.shape[0])
            return sol

        monkeypatch.setattr(mod, "run", counted)
    return calls


@pytest.mark.parametrize(
    "values",
    [
        {"global.monetary_response": 0.5},
        {"global.price_elasticity": 0.4, "baseline.rerouting": 30.0},
        {"global.growth_US": 3.0},
    ],
)
def test_finished_run_equals_search_then_run(values):
    """simulate() finishing the search with its own run gives the same numbers, to the bit,
    as searching first (the cache filled by status_quo_drift) and running after."""
    scn = ADAPTIVE.with_values(values)
    inputs.DRIFTS.cache_clear()
    fused = simulate(scn)
    inputs.DRIFTS.cache_clear()
    key = Scenario(global_=results.model_globals(scn.global_), baseline=scn.baseline)
    inputs.status_quo_drift(key, results.data_key())
    separate = simulate(scn)
    for name, a in fused.variables.items():
        np.testing.assert_array_equal(a, separate.variables[name], err_msg=name)
    assert fused.anchor_miss == separate.anchor_miss == 0.0


def test_a_global_lever_move_costs_three_runs(monkeypatch):
    """From the default settings' knots, a move of a global lever takes two trial runs and
    the finished run (five runs from zero knots before: four trials and the run)."""
    inputs.DRIFTS.cache_clear()
    simulate(ADAPTIVE)  # the reference knots
    calls = count_runs(monkeypatch)
    simulate(ADAPTIVE.with_values({"global.growth_US": 3.0}))
    assert len(calls) == 3 and calls[-1] == 5  # the last is the five paths' run


@pytest.mark.parametrize("lid", GLOBAL_FLOATS)
def test_anchors_hit_across_each_levers_range(lid):
    """Every global and status-quo float lever, at its ends and middle: the status quo
    meets the published current-account projections it is steered onto (the search's
    tolerance, 1e-10 of GDP)."""
    lev = LEVERS[lid]
    for v in (lev.lo, (lev.lo + lev.hi) / 2, lev.hi):
        res = simulate(ADAPTIVE.with_values({lid: float(v)}))
        if not res.scenario.baseline.follow_projection:
            continue
        assert res.anchor_miss == 0.0, (lid, v, res.anchor_miss)
        for region, anchors in CA_ANCHORS.items():
            for year, want in anchors.items():
                if year <= res.years[-1]:
                    got = res.value("baseline", region, "current_account_pct_gdp", year)
                    assert got == pytest.approx(want, abs=1e-8), (lid, v, region, year)


def test_a_run_of_the_first_years_is_the_full_runs_first_years():
    """The search's trial runs stop at the last anchor year (paths.spec_years,
    Params.first_years): the model is recursive, so those years are the full run's, to the
    bit, on every path."""
    from rebalancing.engine import run
    from rebalancing.paths import build_paths, spec_years

    scn = ADAPTIVE.with_values({"global.monetary_response": 0.6, "orderly.kappa": 1.0})
    cal, prm = inputs.calibrated(scn)
    spec = build_paths(scn, cal, results.PATHS)
    full = run(cal, prm, spec)
    T = 7
    head = run(cal, prm.first_years(T), spec_years(spec, T))
    for name in ("Y", "NI", "trade"):
        np.testing.assert_array_equal(getattr(head, name), getattr(full, name)[:, :T])
