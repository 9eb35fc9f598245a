"""Monte Carlo fans and crisis probability: reproducible draws, nested bands around the
median, exact accounts in every draw, and a crisis probability that is the engine's hazard."""

import json

import numpy as np
import pytest

from rebalancing import PATHS, Scenario, simulate
from rebalancing.uncertainty import (
    DISTRIBUTIONS,
    FAN_SERIES,
    QUANTILE_NAMES,
    _hazard_probability,
    distribution_table,
    draw_parameters,
    fan,
)


@pytest.fixture(scope="module")
def small_fan():
    return fan(Scenario(), 300, 7)


def test_same_seed_same_draws_and_a_prefix_of_more_draws():
    a, ta = draw_parameters(Scenario(), 500, 11)
    b, tb = draw_parameters(Scenario(), 500, 11)
    c, tc = draw_parameters(Scenario(), 800, 11)
    d, _ = draw_parameters(Scenario(), 500, 12)
    for lid in a:
        np.testing.assert_array_equal(a[lid], b[lid])
        np.testing.assert_array_equal(a[lid], c[lid][:500])
        assert not np.array_equal(a[lid], d[lid])
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(ta, tc[:500])


def test_draws_are_centred_on_the_scenario_inside_the_ranges():
    scn = Scenario().with_values({"global.tariff_elasticity": 2.5})
    x, timing = draw_parameters(scn, 20_000, 3)
    for d in DISTRIBUTIONS:
        lo, hi = d.bounds()
        assert lo <= x[d.lever].min() and x[d.lever].max() <= hi
        centre = scn.get(d.lever)
        # Truncation at a bound moves the mean; the median stays near the centre unless
        # the centre is within a few sd of a bound.
        if centre - 2 * d.sd > lo and centre + 2 * d.sd < hi:
            assert np.median(x[d.lever]) == pytest.approx(centre, abs=0.05 * d.sd + 0.01)
            assert x[d.lever].std() == pytest.approx(d.sd, rel=0.15)
    assert 0 < timing.min() and timing.max() < 1
    assert abs(timing.mean() - 0.5) < 0.01
    rows = distribution_table(scn)
    assert all(r["source"] for r in rows)
    assert {r["lever"] for r in rows} == {d.lever for d in DISTRIBUTIONS}


def test_bands_are_nested_and_contain_the_median(small_fan):
    f = small_fan
    assert f.paths == PATHS and set(f.series) == set(FAN_SERIES)
    for region, variable in FAN_SERIES:
        for path in PATHS:
            b = f.bands(variable, region, path)
            assert list(b.columns) == list(QUANTILE_NAMES)
            q = b.to_numpy()
            assert np.isfinite(q).all()
            assert (np.diff(q, axis=1) >= 0).all(), (region, variable, path)
    # The draws do move the paths: the 90% band of the US current account is open by 2035.
    b = f.bands("current_account_pct_gdp", "US", "orderly")
    assert (b.p95 - b.p5).loc[2035] > 0.1
    table = f.table(2035)
    assert table.loc[("US", "current_account_pct_gdp"), ("orderly", "p50")] == b.p50.loc[2035]
    assert list(table.columns.get_level_values(0).unique()) == list(PATHS)


def test_fan_is_reproducible_and_every_draw_balances(small_fan):
    again = fan(Scenario(), 300, 7)
    for key, q in small_fan.bands_.items():
        np.testing.assert_array_equal(q, again.bands_[key])
    # Other chunk sizes and one thread solve the same draws (batched differently: rounding).
    other_chunks = fan(Scenario(), 300, 7, chunk=128, workers=1)
    for key, q in small_fan.bands_.items():
        np.testing.assert_allclose(q, other_chunks.bands_[key], rtol=1e-12, atol=1e-12)
    assert small_fan.max_residual < 1e-9
    other = fan(Scenario(), 300, 8)
    assert not np.array_equal(
        other.bands_[("US", "current_account_pct_gdp")],
        small_fan.bands_[("US", "current_account_pct_gdp")],
    )


def test_median_of_the_fan_is_near_the_central_path(small_fan):
    """The draws are centred on the scenario: the median path stays close to the single
    run (it need not equal it: the model is not linear in the parameters)."""
    res = simulate(Scenario())
    for path in PATHS:
        central = res.series(path, "US", "current_account_pct_gdp").loc[2035]
        assert small_fan.value("current_account_pct_gdp", "US", path, 2035) == pytest.approx(
            central, abs=0.5
        )


def test_crisis_probability_is_the_hazard_on_the_status_quo(small_fan):
    c = small_fan.crisis
    for p in (c.deficit, c.surplus):
        assert (np.diff(p) >= -1e-15).all() and p.min() >= 0 and p.max() <= 1
    start = Scenario().global_.policy_start
    assert c.deficit[c.years < start].max() == 0
    # China is a net creditor: its hazard is the base rate, whatever its path.
    base = small_fan.parameters["disorderly.hazard_base"] / 100
    k = np.maximum(0, c.years - start + 1)
    expect = (1 - (1 - base[:, None]) ** k[None]).mean(0)
    np.testing.assert_allclose(c.surplus, expect, rtol=1e-12, atol=1e-15)
    # The deficit side is riskier (US net liabilities are beyond 60% of GDP).
    assert c.by(2040, "deficit") > c.by(2040, "surplus")
    assert c.median_year("deficit") == int(c.years[np.argmax(c.deficit >= 0.5)])


def test_hazard_timing_median_year_matches_the_probability():
    """With hazard timing the engine starts the crisis in the median year of the hazard on
    the pre-crisis path: the year the probability computed here first reaches 50%, or none
    if it does not by the horizon (the model-consistent status quo's positions level off:
    47% by 2040), with either engine."""
    for engine, horizon in (
        ("model-consistent", 2040),
        ("model-consistent", 2060),
        ("adaptive", 2040),
    ):
        scn = Scenario().with_values(
            {
                "disorderly.timing": "hazard",
                "global.expectations": engine,
                "global.horizon": horizon,
            }
        )
        _check_hazard_year(scn)


def _check_hazard_year(scn):
    res = simulate(scn)
    sol, us = res.solution, res.regions.index("US")
    b = res.run_paths.index("baseline")
    d = scn.disorderly
    p = _hazard_probability(
        sol.NFA[b : b + 1, :, us],
        sol.Y[b : b + 1, :, us],
        np.array([d.hazard_base / 100]),
        np.array([d.hazard_slope / 100]),
        res.years,
        scn.global_.policy_start,
    )[0]
    want = int(res.years[np.argmax(p >= 0.5)]) if (p >= 0.5).any() else None
    assert res.crisis_year() == want


def test_drawn_crisis_years_follow_the_hazard():
    """With hazard timing each draw's crisis year is drawn from the hazard (inverse CDF of
    a uniform): the share of draws in crisis by a year is the mean probability, to
    sampling error."""
    scn = Scenario().with_values({"disorderly.timing": "hazard", "global.horizon": 2045})
    f = fan(scn, 400, 5, paths=("disorderly",), series=[("US", "current_account_pct_gdp")])
    for year in (2030, 2035, 2040, 2045):
        share = np.mean((f.crisis_years > 0) & (f.crisis_years <= year))
        p = f.crisis.by(year)
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / 400) + 1e-9, year


def test_cli_fan_writes_bands_probability_and_metadata(tmp_path):
    import subprocess
    import sys

    import pandas as pd

    r = subprocess.run(
        [sys.executable, "-m", "rebalancing", "fan", "--draws", "100", "--seed", "4"]
        + ["--out", "fan.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    assert "deficit side (US): by 2030" in r.stdout and "median year" in r.stdout
    bands = pd.read_csv(tmp_path / "fan.csv")
    assert list(bands.columns) == [
        "path",
        "region",
        "year",
        "variable",
        "quantile",
        "value",
        "unit",
    ]
    assert set(bands["quantile"]) == set(QUANTILE_NAMES)
    f = fan(Scenario(), 100, 4)
    want = f.bands("current_account_pct_gdp", "US", "orderly").p50.loc[2035]
    got = bands.query(
        "path == 'orderly' and region == 'US' and year == 2035 and "
        "variable == 'current_account_pct_gdp' and quantile == 'p50'"
    ).value.item()
    assert got == pytest.approx(want, rel=1e-9)
    crisis = pd.read_csv(tmp_path / "fan.crisis.csv")
    assert set(crisis.side) == {"deficit", "surplus"}
    meta = json.loads((tmp_path / "fan.meta.json").read_text())
    assert (
        meta["draws"] == 100
        and meta["seed"] == 4
        and len(meta["distributions"]) == len(DISTRIBUTIONS)
    )


def test_docs_table_is_current():
    """docs/uncertainty.md prints the distributions table generated from the code."""
    from pathlib import Path

    from rebalancing.uncertainty import distribution_markdown

    doc = (Path(__file__).resolve().parents[2] / "docs" / "uncertainty.md").read_text()
    assert distribution_markdown() in doc


def test_the_draws_of_a_model_consistent_scenario_run_the_adaptive_engine_and_say_so():
    """The fan's draws run the adaptive engine whatever the central line's (docs/
    uncertainty.md, "Which engine"): the bands are those of the same scenario with adaptive
    expectations, and the metadata and the chart note say so."""
    from rebalancing.charts import fan_note

    mc = Scenario().with_values({"global.expectations": "model-consistent"})
    a = fan(mc, draws=40, seed=3, paths=("baseline", "orderly"))
    b = fan(Scenario(), draws=40, seed=3, paths=("baseline", "orderly"))
    assert a.engine == "adaptive" and "adaptive" in a.metadata()["engine"]
    for s in a.series:
        np.testing.assert_array_equal(a.bands_[s], b.bands_[s])
    assert "adaptive expectations" in fan_note(a)
