"""The command line contract: verbs, flags, CSV columns, metadata, exit codes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rebalancing import PATHS, VARIABLES

REQUIRED = [
    "gdp",
    "consumption",
    "investment",
    "government",
    "exports",
    "imports",
    "net_exports",
    "national_saving",
    "private_saving",
    "public_saving",
    "current_account",
    "net_foreign_assets",
    "real_exchange_rate",
    "current_account_pct_gdp",
    "consumption_pct_gdp",
    "saving_pct_gdp",
    "nfa_pct_gdp",
    "exports_to_US",
    "exports_to_CN",
    "exports_to_BLOC",
    "exports_to_ROW",
]


def cli(*args, cwd, command=(sys.executable, "-m", "rebalancing")):
    """Run the CLI from `cwd`, outside the checkout: it must work from the installed package."""
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    r = cli("run", "--out", "results.csv", cwd=d)
    assert r.returncode == 0, r.stderr
    return d, pd.read_csv(d / "results.csv"), json.loads((d / "results.meta.json").read_text())


def test_run_writes_complete_tidy_csv(full_run):
    _, df, _ = full_run
    assert list(df.columns) == ["path", "region", "year", "variable", "value", "unit"]
    assert set(df.path) == set(PATHS)
    assert set(df.region) == {"US", "CN", "BLOC", "ROW"}
    assert df.year.min() == 2024 and df.year.max() == 2040
    assert set(REQUIRED) <= set(df.variable)
    assert df.value.notna().all()
    assert not df.duplicated(["path", "region", "year", "variable"]).any()
    # complete grid: every path x region x year x variable
    assert len(df) == 5 * 4 * 17 * df.variable.nunique()
    units = df.drop_duplicates("variable").set_index("variable").unit
    assert units["current_account_pct_gdp"] == "% of GDP"
    assert units["gdp"] == VARIABLES["gdp"][0]


def test_meta_has_scenario_vintage_version_residual(full_run):
    _, _, meta = full_run
    for key in ("scenario", "data_vintages", "version", "created", "largest_identity_residual"):
        assert key in meta
    assert meta["largest_identity_residual"]["value"] < 1e-9
    assert any("WEO 2025-10" in v for v in meta["data_vintages"])
    assert meta["scenario"]["global"]["horizon"] == 2040


def test_defaults_then_run_with_flags(tmp_path):
    assert cli("defaults", "--out", "s.toml", cwd=tmp_path).returncode == 0
    r = cli(
        "run",
        "--scenario",
        "s.toml",
        "--two-country",
        "--paths",
        "baseline,orderly",
        "--horizon",
        "2035",
        "--out",
        "out/two.csv",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path / "out" / "two.csv")
    assert set(df.path) == {"baseline", "orderly"}
    assert set(df.region) == {"US", "CN"}
    assert df.year.max() == 2035
    meta = json.loads((tmp_path / "out" / "two.meta.json").read_text())
    assert meta["scenario"]["global"]["two_country"] is True


@pytest.mark.parametrize(
    "args,needle",
    [
        (("run", "--paths", "baseline,bogus", "--out", "x.csv"), "unknown path id(s) bogus"),
        (("run", "--horizon", "1999", "--out", "x.csv"), "outside 2030-2100"),
        (("run", "--horizon", "soon", "--out", "x.csv"), "is not a year"),
        (("run",), "required: --out"),
        (("explode",), "invalid choice"),
        (("run", "--scenario", "missing.json", "--out", "x.csv"), "missing.json"),
    ],
)
def test_bad_arguments_exit_nonzero_without_traceback(tmp_path, args, needle):
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_scenario_file_names_the_field(tmp_path):
    (tmp_path / "bad.json").write_text('{"unilateral": {"us_tariff_on_cn": 500}}')
    r = cli("run", "--scenario", "bad.json", "--out", "x.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert "unilateral.us_tariff_on_cn: 500.0 is out of range" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.csv").exists()


def test_levers_lists_every_lever(tmp_path):
    from rebalancing import LEVERS

    r = cli("levers", cwd=tmp_path)
    assert r.returncode == 0
    assert len(r.stdout.strip().splitlines()) == len(LEVERS)


def test_console_script_writes_what_python_m_writes(full_run, tmp_path):
    """`rebalancing` (pyproject.toml's console script, installed beside this Python) is the
    same CLI as `python -m rebalancing`: same CSV, same metadata but for the time stamp."""
    from importlib.metadata import version

    script = shutil.which("rebalancing", path=str(Path(sys.executable).parent))
    assert script, "no `rebalancing` console script beside sys.executable: run bash .ci/setup"
    r = cli("run", "--out", "r.csv", cwd=tmp_path, command=(script,))
    assert r.returncode == 0, r.stderr
    d, _, meta = full_run
    assert (tmp_path / "r.csv").read_bytes() == (d / "results.csv").read_bytes()
    meta2 = json.loads((tmp_path / "r.meta.json").read_text())
    assert {**meta2, "created": None} == {**meta, "created": None}
    assert meta2["version"] == version("rebalancing")
    bad = cli("run", "--horizon", "soon", "--out", "x.csv", cwd=tmp_path, command=(script,))
    assert bad.returncode == 2 and bad.stderr.startswith("usage: rebalancing ")
