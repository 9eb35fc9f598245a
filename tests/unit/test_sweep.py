"""Sweeps: designs, a sweep's rows equal single runs, CSV and Parquet written chunk by chunk
with metadata, the same table from a Dask cluster, failures recorded not fatal; the CLI."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rebalancing import LEVERS, Scenario, ScenarioError, simulate
from rebalancing.sweep import grid_design, parse_grid, sample_design, sweep, write_sweep

GRID = {
    "orderly.cn_consumption_rise": np.array([0.0, 6.0]),
    "global.tariff_elasticity": np.array([1.2, 3.1]),
}
VARS = ["current_account_pct_gdp", "gdp_vs_baseline_pct", "exports_to_CN"]


def test_parse_grid_and_designs():
    lid, v = parse_grid("orderly.kappa=0:3:4")
    assert lid == "orderly.kappa" and list(v) == [0.0, 1.0, 2.0, 3.0]
    assert list(parse_grid("unilateral.phase_in_years=1:15:3")[1]) == [1, 8, 15]
    assert list(parse_grid("orderly.band=1,2.5")[1]) == [1.0, 2.5]
    with pytest.raises(ScenarioError, match="LO:HI:N"):
        parse_grid("orderly.kappa=0:3")
    d = grid_design(dict([parse_grid("orderly.kappa=0:3:4"), parse_grid("orderly.band=1:2:3")]))
    assert len(d["orderly.kappa"]) == 12 and d["orderly.band"][:3].tolist() == [1.0, 1.5, 2.0]
    with pytest.raises(ScenarioError, match="out of range"):
        grid_design(dict([parse_grid("orderly.kappa=0:9:2")]))
    s1 = sample_design(["orderly.kappa", "orderly.years"], 16, "sobol", 3)
    s2 = sample_design(["orderly.kappa", "orderly.years"], 16, "sobol", 3)
    np.testing.assert_array_equal(s1["orderly.kappa"], s2["orderly.kappa"])
    assert (s1["orderly.years"] == np.round(s1["orderly.years"])).all()
    for lid, lev in ((k, LEVERS[k]) for k in s1):
        assert lev.lo <= s1[lid].min() and s1[lid].max() <= lev.hi
    assert len(sample_design(None, 8, "lhs", 0)) > 40  # every numeric lever


def test_rows_equal_single_runs():
    design = grid_design(GRID)
    df = sweep(Scenario(), design, variables=VARS, chunk=3)
    assert list(df.columns) == ["draw", "path", "region", "year", "variable", "value", "unit"]
    assert sorted(df.draw.unique()) == [0, 1, 2, 3]
    for r in range(4):
        scn = Scenario().with_values({k: float(v[r]) for k, v in design.items()})
        single = simulate(scn).to_frame()
        single = single[single.variable.isin(VARS)].reset_index(drop=True)
        rows = df[df.draw == r].drop(columns="draw").reset_index(drop=True)
        rows = rows.astype({c: str for c in ("path", "region", "variable", "unit")})
        pd.testing.assert_frame_equal(
            rows.drop(columns="value"), single.drop(columns="value"), check_dtype=False
        )
        np.testing.assert_allclose(rows.value, single.value, rtol=1e-9, atol=1e-9)


def test_csv_and_parquet_written_in_chunks_with_metadata(tmp_path):
    design = grid_design(GRID)
    a = write_sweep(Scenario(), design, tmp_path / "s.csv", variables=VARS, chunk=1)
    b = write_sweep(Scenario(), design, tmp_path / "s.parquet", variables=VARS, chunk=4)
    csv, pq = pd.read_csv(tmp_path / "s.csv"), pd.read_parquet(tmp_path / "s.parquet")
    assert a.rows == b.rows == len(csv) == len(pq)
    # CSV keeps 10 digits; a value near zero differs by Newton's tolerance between chunkings
    # (the model-consistent engine warm-starts from the last row: docs/model.md 3b.8)
    np.testing.assert_allclose(csv.value, pq.value, rtol=1e-9, atol=1e-9)
    assert (csv.draw == pq.draw).all() and (csv.variable == pq.variable).all()
    meta = json.loads((tmp_path / "s.meta.json").read_text())
    assert meta["design"]["settings"] == 4 and meta["rows"] == len(csv)
    assert meta["largest_identity_residual"]["value"] < 1e-9 and meta["failed"] == []
    dsg = pd.read_csv(tmp_path / "s.design.csv")
    assert list(dsg.columns) == ["draw", *GRID] and len(dsg) == 4


def test_a_setting_without_solution_is_recorded_not_fatal(tmp_path):
    # The adaptive engine's debt spiral (the model-consistent one stays solvent: its real
    # exchange rate turns)
    base = Scenario().with_values(
        {
            "global.expectations": "adaptive",
            "global.horizon": 2100,
            "global.growth_US": 0.0,
            "global.risk_premium": 0.0,
            "baseline.follow_projection": False,
        }
    )
    r = write_sweep(
        base,
        {"global.return_on_nfa": [0.0, 5.0]},
        tmp_path / "f.csv",
        ("baseline",),
        ["nfa_pct_gdp"],
    )
    assert [f["draw"] for f in r.failed] == [1] and "debt spirals" in r.failed[0]["error"]
    assert set(pd.read_csv(tmp_path / "f.csv").draw) == {0}


def test_same_table_from_a_dask_cluster():
    from dask.distributed import LocalCluster

    design = grid_design(GRID)
    local = sweep(Scenario(), design, variables=VARS, chunk=2)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = sweep(
            Scenario(), design, variables=VARS, chunk=2, scheduler=cluster.scheduler_address
        )
    pd.testing.assert_frame_equal(local, remote)


def test_an_unreachable_scheduler_is_named(monkeypatch):
    import rebalancing.sweep as sw

    monkeypatch.setattr(sw, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ScenarioError, match="scheduler: cannot connect to tcp://127.0.0.1:9"):
        sweep(Scenario(), {"orderly.kappa": [0.0]}, scheduler="tcp://127.0.0.1:9")


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "rebalancing", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_cli_sweep_grid_sample_and_scheduler(tmp_path):
    from dask.distributed import LocalCluster

    grid_args = [
        *("--grid", "orderly.cn_consumption_rise=0:6:2"),
        *("--grid", "global.tariff_elasticity=1.2:3.1:2"),
        *("--variables", ",".join(VARS)),
    ]
    r = cli("sweep", *grid_args, "--out", "g.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "4 settings" in r.stdout and "setting" in r.stderr  # the progress bar
    grid = pd.read_csv(tmp_path / "g.csv")
    expect = sweep(Scenario(), grid_design(GRID), variables=VARS)
    np.testing.assert_allclose(grid.value, expect.value, rtol=1e-9, atol=1e-9)

    sample = ["--sample", "8", "--design", "sobol", "--levers", "orderly.kappa"]
    r = cli("sweep", *sample, "--variables", "gdp", "--paths", "orderly", "--out", "s.parquet",
            cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert set(pd.read_parquet(tmp_path / "s.parquet").path) == {"orderly"}

    with LocalCluster(
        n_workers=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        r = cli("sweep", *grid_args, "--chunk", "1", "--scheduler", cluster.scheduler_address,
                "--out", "d.csv", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "d.csv"), grid)

    bad = cli("sweep", "--grid", "global.horizon=2040:2050:2", "--out", "x.csv", cwd=tmp_path)
    assert bad.returncode == 2 and "cannot vary within a batch" in bad.stderr
    assert "Traceback" not in bad.stderr
