"""Goal-seek: hits its target to 1e-6 where it says it does (checked on an independent
single run), reports the closest point where it cannot, is exact where the model is linear
in the instrument; bad targets and instruments are refused naming the field."""

import numpy as np
import pytest

from rebalancing import Scenario, ScenarioError, simulate
from rebalancing.goalseek import Target, goal_seek, parse_target


def bilateral(res, path, year):
    return res.value(path, "US", "exports_to_CN", year) - res.value(
        path, "CN", "exports_to_US", year
    )


def test_parse_target_forms():
    assert parse_target("CN.current_account_pct_gdp=1.0@2030") == Target(
        "CN", "current_account_pct_gdp", 1.0, 2030, False
    )
    assert parse_target(" us.niip_pct_gdp = -90 @ 2040+ ") == Target(
        "US", "niip_pct_gdp", -90.0, 2040, True
    )
    assert parse_target("CN.consumption_share=45@2035").variable == "consumption_pct_gdp"
    with pytest.raises(ScenarioError, match="REGION.VARIABLE=VALUE@YEAR"):
        parse_target("CN current account 1%")


@pytest.mark.parametrize(
    "target, instrument",
    [
        ("CN.current_account_pct_gdp=1.0@2035", "orderly.cn_consumption_rise"),
        ("CN.consumption_pct_gdp=45@2035", "orderly.cn_consumption_rise"),
        ("US.bilateral_balance=-100@2030", "unilateral.us_tariff_on_cn"),
        ("US.niip_pct_gdp=-90@2040", "orderly.us_fiscal_consolidation"),
    ],
)
def test_hits_its_target_to_1e6(target, instrument):
    r = goal_seek(Scenario(), target, instrument)
    assert r.hit, r.message()
    assert r.scenario.get(instrument) == r.value and r.lo <= r.value <= r.hi
    res = simulate(r.scenario)  # an independent run of the answer
    t = r.target
    got = (
        bilateral(res, r.path, t.year)
        if t.variable == "bilateral_balance"
        else res.value(r.path, t.region, t.variable, t.year)
    )
    assert abs(got - t.value) <= 1e-6
    assert r.setting == f"{instrument}={r.value:.10g}"


def test_from_a_year_on_keeps_every_later_year_on_the_target_side():
    r = goal_seek(Scenario(), "CN.current_account_pct_gdp=1.0@2035+", "orderly.cn_consumption_rise")
    assert r.hit, r.message()
    s = simulate(r.scenario).series("orderly", "CN", "current_account_pct_gdp").loc[2035:]
    start = simulate().series("orderly", "CN", "current_account_pct_gdp").loc[2035]
    above = 1.0 >= start  # the path must stay on the side the target lies from the start
    gaps = (s - 1.0).to_numpy()
    binding = gaps.min() if above else gaps.max()
    assert abs(binding) <= 1e-6
    assert (gaps >= -1e-6).all() if above else (gaps <= 1e-6).all()


def test_reports_the_closest_point_where_it_cannot():
    """China's surplus cannot be brought to 1% by 2030 with consumption alone (the rise
    phases in over ten years): the answer is the end of the range, and no setting on a
    fine grid gets closer."""
    r = goal_seek(Scenario(), "CN.current_account_pct_gdp=1.0@2030", "orderly.cn_consumption_rise")
    assert not r.hit and r.method == "closest"
    assert "cannot" in r.message() and "closest" in r.message()
    res = simulate(r.scenario)
    assert r.achieved == pytest.approx(res.value("orderly", "CN", "current_account_pct_gdp", 2030))
    from rebalancing.batch import run_batch

    xs = np.linspace(0, 10, 41)
    b = run_batch(Scenario(), {"orderly.cn_consumption_rise": xs}, ("orderly",))
    ca = b.variables(["current_account_pct_gdp"])["current_account_pct_gdp"]
    gaps = np.abs(ca[:, b.run_paths.index("orderly"), 2030 - 2024, 1] - 1.0)
    assert abs(r.gap) <= gaps.min() + 1e-9


def test_exact_where_linear_in_the_instrument():
    """The unilateral path's US tariff on China after its phase-in is the lever itself:
    linear, solved from the grid's straight line in one step."""
    r = goal_seek(Scenario(), "US.tariff_on_CN=100@2035", "unilateral.us_tariff_on_cn")
    assert r.hit and r.method == "linear"
    assert r.value == pytest.approx(100.0, abs=1e-9)


@pytest.mark.parametrize(
    "target, instrument, match",
    [
        ("CN.current_account_pct_gdp=1@2035", "orderly.years", "continuous lever"),
        ("CN.current_account_pct_gdp=1@2035", "orderly.nothing", "unknown lever"),
        ("XX.current_account_pct_gdp=1@2035", "orderly.kappa", "region XX"),
        ("CN.happiness=1@2035", "orderly.kappa", "happiness is not a variable"),
        ("CN.current_account_pct_gdp=1@2099", "orderly.kappa", "outside 2025-2040"),
    ],
)
def test_bad_requests_name_the_field(target, instrument, match):
    with pytest.raises(ScenarioError, match=match):
        goal_seek(Scenario(), target, instrument)


def test_cli_goal_prints_the_answer_and_the_setting(tmp_path):
    import subprocess
    import sys

    def goal(*args):
        return subprocess.run(
            [sys.executable, "-m", "rebalancing", "goal", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
        )

    r = goal("--target", "CN.current_account_pct_gdp=1.0@2035", "--instrument",
             "orderly.cn_consumption_rise")  # fmt: skip
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    lid, value = last.split("=")
    assert lid == "orderly.cn_consumption_rise" and 0 < float(value) < 10
    res = simulate(Scenario().with_values({lid: float(value)}))
    assert abs(res.value("orderly", "CN", "current_account_pct_gdp", 2035) - 1.0) < 1e-6
    miss = goal("--target", "CN.current_account_pct_gdp=1.0@2030", "--instrument",
                "orderly.cn_consumption_rise")  # fmt: skip
    assert miss.returncode == 1 and "cannot" in miss.stdout
    bad = goal("--target", "CN.ca=1@2030", "--instrument", "orderly.kappa")
    assert bad.returncode == 2 and "ca is not a variable" in bad.stderr
