"""Monte Carlo fans and crisis probability: reproducible draws, nested bands around the
median, exact accounts in every draw, and a crisis probability that is the engine's hazard."""

import json
import pickle

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


def test_worker_processes_give_the_same_fan_to_the_bit():
    """A chunk solved in a worker process is the same computation as here, to the bit, and
    so the fan does not depend on the number of workers (the chunks set the batches)."""
    import os

    from rebalancing import uncertainty
    from rebalancing.data import data_key
    from rebalancing.scenario import dumps_scenario

    scn = Scenario().with_values({"disorderly.timing": "hazard"})
    values, timing = draw_parameters(scn, 60, 3)
    here = uncertainty.solve_chunk(scn, values, timing, PATHS, FAN_SERIES)
    pool = uncertainty._pool(1)
    worker = pool.borrow(lambda: True)
    try:
        data = (os.environ.get("REBALANCING_DATA_DIR"), data_key())
        request = ("chunk", dumps_scenario(scn), data, values, timing, PATHS, FAN_SERIES)
        there = worker.solve(request)
    finally:
        pool.idle.put(worker)
    for key, a in here["series"].items():
        np.testing.assert_array_equal(a, there["series"][key])
    for r in ("US", "CN"):
        np.testing.assert_array_equal(here["nfa"][r], there["nfa"][r])
        np.testing.assert_array_equal(here["gdp"][r], there["gdp"][r])
    np.testing.assert_array_equal(here["crisis_years"], there["crisis_years"])
    assert here["max_residual"] == there["max_residual"]

    one, two = (fan(scn, 250, 3, chunk=60, workers=w) for w in (1, 2))
    for key, q in one.bands_.items():
        np.testing.assert_array_equal(q, two.bands_[key])
    np.testing.assert_array_equal(one.crisis.deficit, two.crisis.deficit)
    np.testing.assert_array_equal(one.crisis.surplus_range, two.crisis.surplus_range)
    np.testing.assert_array_equal(one.crisis_years, two.crisis_years)
    assert one.max_residual == two.max_residual


@pytest.mark.parametrize("failure", ["chunk error", "worker lost"])
def test_a_chunk_a_worker_cannot_solve_is_solved_here(monkeypatch, failure):
    """A worker that fails (an error in its chunk, a lost process) costs time, not the fan:
    the chunk is solved in the calling process."""
    import queue

    from rebalancing import uncertainty

    class Failing:
        def solve(self, args):
            if failure == "chunk error":
                raise uncertainty._WorkerError("RuntimeError: the data changed")
            raise BrokenPipeError("worker lost")

    class Pool:
        size, idle = 1, queue.Queue()

        def borrow(self, wanted):
            return Failing() if wanted() else None

        def close(self):
            pass

    here = fan(Scenario(), 200, 2, chunk=50, workers=1)
    monkeypatch.setattr(uncertainty, "_pool", lambda size: Pool())
    failed = fan(Scenario(), 200, 2, chunk=50, workers=2)
    for key, q in here.bands_.items():
        np.testing.assert_array_equal(q, failed.bands_[key])


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
    the pre-crisis path: the year the probability computed here first reaches 50%."""
    scn = Scenario().with_values({"disorderly.timing": "hazard"})
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
    assert res.crisis_year() == int(res.years[np.argmax(p >= 0.5)])


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
    import json
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

    doc = (Path(__file__).resolve().parents[1] / "docs" / "uncertainty.md").read_text()
    assert distribution_markdown() in doc


def test_a_model_run_in_the_worker_equals_one_here():
    """The dashboard's lever moves run the model in the worker process when it is idle: the
    same results to the bit (every variable and residual)."""
    from rebalancing import uncertainty

    scn = Scenario().with_values({"global.monetary_response": 1.35, "subglobal.safeguard": 7})
    there = None
    for _ in range(3):  # a fan of another test may hold the worker for a moment
        there = uncertainty.simulate_in_worker(scn)
        if there is not None:
            break
    assert there is not None, "no worker answered"
    here = simulate(scn)
    assert there.scenario == here.scenario
    for key, a in here.variables.items():
        np.testing.assert_array_equal(a, there.variables[key])
    for key, a in here.residuals.items():
        np.testing.assert_array_equal(a, there.residuals[key])


def test_the_worker_draws_the_compare_charts_of_its_run():
    """uncertainty.simulate_and_draw_in_worker: the worker's results and its compare charts
    (as specs) are those of a run and charts.compare_charts here, so the dashboard draws
    the same figures from them."""
    from rebalancing import charts, uncertainty

    scn = Scenario().with_values({"global.monetary_response": 1.4, "orderly.kappa": 0.3})
    there = None
    for _ in range(3):  # a fan of another test may hold the worker for a moment
        there = uncertainty.simulate_and_draw_in_worker(scn, wait=5)
        if there is not None:
            break
    assert there is not None, "no worker answered"
    res, specs = there
    here = simulate(scn)
    for key, a in here.variables.items():
        np.testing.assert_array_equal(a, res.variables[key])
    want = charts.figure_specs(charts.compare_charts(here))
    assert list(specs) == list(want)
    for key in want:  # the figures' data, layout and text, to the bit
        assert json.dumps(specs[key], sort_keys=True) == json.dumps(want[key], sort_keys=True)


@pytest.mark.parametrize("draw", [False, True])
@pytest.mark.parametrize("failure", ["busy", "error", "lost"])
def test_a_model_run_the_worker_cannot_make_is_left_to_the_caller(monkeypatch, failure, draw):
    """No idle worker, an error in the worker, a lost worker: None (the caller runs it,
    raising what a run raises); a lost worker's pool is dropped, a busy one kept."""
    import queue

    from rebalancing import uncertainty

    class Failing:
        def ask(self, request):
            assert request[0] == "simulate"  # with or without its charts
            if failure == "error":  # the answer the worker writes for an error
                return pickle.dumps(("error", "ModelError: no admissible solution"))
            raise BrokenPipeError("worker lost")

        def close(self):
            pass

    class Pool:
        size, idle, closed = 1, queue.Queue(), False

        def close(self):
            self.closed = True

    pool = Pool()
    if failure != "busy":
        pool.idle.put(Failing())
    monkeypatch.setattr(uncertainty, "_POOL", pool)
    monkeypatch.setattr(uncertainty, "_pool", lambda size: pool)
    ask = uncertainty.simulate_and_draw_in_worker if draw else uncertainty.simulate_in_worker
    assert ask(Scenario()) is None
    assert pool.closed == (failure == "lost")
    assert pool.idle.qsize() == (1 if failure == "error" else 0)


@pytest.mark.parametrize(
    "value,workers,warned",
    [
        ("", 2, False),
        (" 0 ", 0, False),
        ("1", 1, False),
        ("8", 8, False),
        ("9", 2, True),
        ("-1", 2, True),
        ("٢", 2, True),
        ("two", 2, True),
        ("1e3", 2, True),
    ],
)
def test_the_number_of_model_run_workers_is_set_by_its_variable(capsys, value, workers, warned):
    """uncertainty.run_workers: $REBALANCING_RUN_WORKERS, ASCII digits 0-8 (0: every run
    in the server); anything else is named on standard error and the default used."""
    from rebalancing import uncertainty

    uncertainty._run_workers.cache_clear()
    assert uncertainty.run_workers(value) == workers
    err = capsys.readouterr().err
    assert ("REBALANCING_RUN_WORKERS: expected a whole number" in err) == warned


def test_no_model_run_worker_when_the_variable_says_0(monkeypatch):
    from rebalancing import uncertainty

    monkeypatch.setenv("REBALANCING_RUN_WORKERS", "0")
    monkeypatch.setattr(uncertainty, "_pool", lambda size: pytest.fail("a pool was asked for"))
    assert uncertainty.simulate_in_worker(Scenario()) is None


def test_a_worker_answer_is_read_whole_and_checked():
    """uncertainty._read_answer over a real pipe: the length, then the pickle, however the
    writes are split; EOFError when the pipe ends early, when the length is not one an
    answer can have, or when more bytes come than it said."""
    import os
    import threading

    from rebalancing import uncertainty

    answer = pickle.dumps(("ok", np.arange(300_000.0)))  # ~2.4 MB: more than one pipe
    framed = len(answer).to_bytes(8, "little") + answer

    def read(pieces):
        r, w = os.pipe()

        def write():
            for p in pieces:
                os.write(w, p)
            os.close(w)

        th = threading.Thread(target=write)
        th.start()
        try:
            return uncertainty._read_answer(r)
        finally:
            th.join()
            os.close(r)

    for pieces in ([framed], [framed[:3], framed[3:11], framed[11:]]):
        status, out = pickle.loads(read(pieces))
        assert status == "ok" and np.array_equal(out, np.arange(300_000.0))
    for bad in (
        [framed[:5]],  # ends inside the length
        [framed[:-1]],  # ends inside the answer
        [(2**40).to_bytes(8, "little")],  # a length no answer has
        [(3).to_bytes(8, "little") + b"abcd"],  # more bytes than it said
    ):
        with pytest.raises(EOFError):
            read(bad)
