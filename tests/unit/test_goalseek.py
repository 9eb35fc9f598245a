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
        ("US.niip_pct_gdp=-70@2040", "orderly.us_fiscal_consolidation"),
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
    """China's surplus cannot be turned into a deficit of 3% of GDP by 2030 with consumption
    alone (the rise phases in over ten years): the answer is the end of the range, and no
    setting on a fine grid gets closer."""
    r = goal_seek(Scenario(), "CN.current_account_pct_gdp=-3.0@2030", "orderly.cn_consumption_rise")
    assert not r.hit and r.method == "closest"
    assert "cannot" in r.message() and "closest" in r.message()
    res = simulate(r.scenario)
    assert r.achieved == pytest.approx(res.value("orderly", "CN", "current_account_pct_gdp", 2030))
    from rebalancing.batch import run_batch

    xs = np.linspace(0, 10, 41)
    b = run_batch(Scenario(), {"orderly.cn_consumption_rise": xs}, ("orderly",))
    ca = b.variables(["current_account_pct_gdp"])["current_account_pct_gdp"]
    gaps = np.abs(ca[:, b.run_paths.index("orderly"), 2030 - 2024, 1] + 3.0)
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
    miss = goal("--target", "CN.current_account_pct_gdp=-3.0@2030", "--instrument",
                "orderly.cn_consumption_rise")  # fmt: skip
    assert miss.returncode == 1 and "cannot" in miss.stdout
    bad = goal("--target", "CN.ca=1@2030", "--instrument", "orderly.kappa")
    assert bad.returncode == 2 and "ca is not a variable" in bad.stderr


# --- a path of the instrument (lever paths) ---------------------------------------------

from dataclasses import fields as _fields  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402

from rebalancing import LEVERS, dumps_scenario, identities, parse_scenario  # noqa: E402
from rebalancing.goalseek import goal_seek_path  # noqa: E402
from rebalancing.scenario import PATHABLE  # noqa: E402
from rebalancing.share import parse_query, path_params  # noqa: E402
from strategies import lever_paths  # noqa: E402

CONSUMPTION = "orderly.cn_consumption_rise"
ADAPTIVE = Scenario().with_values({"global.expectations": "adaptive"})


def all_equal(a, b, upto=None):
    """Every variable of two runs bit-identical (in the years before index ``upto``)."""
    sl = (slice(None), slice(0, upto))
    return all(np.array_equal(a.variables[k][sl], b.variables[k][sl]) for k in a.variables)


def test_pathable_levers_are_those_that_enter_only_as_values_per_year():
    """PATHABLE is checked against its definition: moving the lever changes some
    time-indexed array of build_paths and nothing else the model reads (no other PathSpec
    field, no behavioural parameter)."""
    from rebalancing.inputs import NO_PATH_EFFECT, PARAM_LEVERS, calibrated
    from rebalancing.paths import TIME_FIELDS, PathSpec, build_paths

    scn = Scenario()
    cal, _ = calibrated(scn)
    base = build_paths(scn, cal)
    found = []
    for lid, lev in LEVERS.items():
        if lev.kind not in ("int", "float") or lid in ("global.horizon", *NO_PATH_EFFECT):
            continue
        other = build_paths(
            scn.with_values({lid: lev.hi if lev.default != lev.hi else lev.lo}), cal
        )

        def moved(f, other=other):
            return not np.array_equal(np.asarray(getattr(base, f)), np.asarray(getattr(other, f)))

        rest = [f.name for f in _fields(PathSpec) if f.name not in (*TIME_FIELDS, "names")]
        if any(moved(f) for f in TIME_FIELDS) and not any(moved(f) for f in rest):
            if lid not in PARAM_LEVERS:
                found.append(lid)
    assert tuple(found) == PATHABLE


@pytest.mark.parametrize("lid, value", [(CONSUMPTION, 7.0), ("baseline.us_tariff_on_cn", 60.0)])
def test_a_path_of_one_value_reproduces_the_lever_exactly(lid, value):
    scalar = Scenario().with_values({lid: value})
    path = Scenario().with_paths({lid: {y: value for y in range(2025, 2041)}})
    assert path != scalar and hash(path) != hash(scalar)
    assert all_equal(simulate(scalar), simulate(path))
    # ... and a path equal to the scenario's own value changes nothing
    same = scalar.with_paths({lid: {2030: value, 2035: value}})
    assert all_equal(simulate(scalar), simulate(same))


def test_a_scenario_without_paths_runs_as_before():
    assert Scenario().lever_paths == () and "paths" not in Scenario().to_dict()
    assert '"paths"' not in dumps_scenario(Scenario())
    old = parse_scenario('{"format_version": 3, "orderly": {"kappa": 1.5}}', "s.json")
    assert old.lever_paths == () and old == Scenario().with_values({"orderly.kappa": 1.5})


@pytest.mark.parametrize("engine", ["model-consistent", "adaptive"])
def test_a_path_sets_only_its_years(engine):
    """A lever path moves the years it gives (and, through the model's dynamics, the years
    after). With adaptive expectations the years before are bit-identical; with
    model-consistent ones the path is announced in the policy start year (2026) and
    foreseen from then on, so the years before that are."""
    scn = Scenario().with_values({"global.expectations": engine})
    s = scn.with_paths({CONSUMPTION: {2031: 9.0, 2032: 9.0}})
    a, b = simulate(scn), simulate(s)
    first = 2031 if engine == "adaptive" else scn.global_.policy_start
    assert all_equal(a, b, first - 2024)
    c = "consumption_pct_gdp"
    assert b.value("orderly", "CN", c, 2031) > a.value("orderly", "CN", c, 2031) + 1


@pytest.fixture(scope="module")
def consumption_path():
    return goal_seek_path(Scenario(), "CN.consumption_pct_gdp=45@2031+", CONSUMPTION)


def test_a_path_hits_the_target_in_every_year_it_says(consumption_path):
    r = consumption_path
    assert r.hit and r.years == tuple(range(2031, 2041)) and len(r.values) == 10
    assert r.scenario.path_of(CONSUMPTION) == r.lever_path
    assert all(r.lo <= v <= r.hi for v in r.values)
    res = simulate(r.scenario)  # an independent run of the answer
    for y in r.years:
        assert abs(res.value("orderly", "CN", "consumption_pct_gdp", y) - 45.0) <= 1e-6
    assert r.evaluations < 400
    assert r.setting.startswith(f"path.{CONSUMPTION}=2031:")


def test_the_years_before_the_target_year_keep_the_lever(consumption_path):
    r = consumption_path
    assert r.scenario.get(CONSUMPTION) == Scenario().get(CONSUMPTION)
    assert min(r.scenario.path_of(CONSUMPTION)) == 2031
    # foreseen from the policy start (model-consistent expectations)
    assert all_equal(simulate(Scenario()), simulate(r.scenario), 2026 - 2024)


def test_a_path_reports_the_closest_where_it_cannot():
    """Adaptive expectations, year by year: China's surplus cannot be 1% in 2030 (the
    consumption rise phases in over ten years): that year is the range's end and no value
    gets closer; the years it hits, it hits."""
    r = goal_seek_path(ADAPTIVE, "CN.current_account_pct_gdp=1.0@2030+", CONSUMPTION)
    assert not r.hit and 0 < sum(r.hits) < len(r.years)
    assert r.values[0] == 10.0 and r.methods[0] == "closest" and not r.hits[0]
    assert "cannot in 2030" in r.message() and "largest gap" in r.message()
    res = simulate(r.scenario)
    for y, a, h in zip(r.years, r.achieved, r.hits):
        got = res.value("orderly", "CN", "current_account_pct_gdp", y)
        assert got == pytest.approx(a, abs=1e-12)
        assert (abs(got - 1.0) <= 1e-6) == h
    from rebalancing.batch import run_batch

    # Every value of the lever in 2030 (the years before at the lever's 5): none closer.
    before = ADAPTIVE.with_paths({CONSUMPTION: {y: 5.0 for y in range(2025, 2030)}})
    b = run_batch(before, {CONSUMPTION: np.linspace(0, 10, 41)}, ("orderly",))
    ca = b.variables(["current_account_pct_gdp"])["current_account_pct_gdp"]
    gaps = np.abs(ca[:, b.run_paths.index("orderly"), 2030 - 2024, 1] - 1.0)
    assert abs(r.gaps[0]) <= gaps.min() + 1e-9
    # The instrument swings year to year (docs/model.md; rebalancing/drift.py): reported.
    assert r.largest_step > 5


def test_a_foreseen_path_holds_the_years_it_cannot_hit_at_the_range_end():
    """Model-consistent expectations, all years at once (Newton): a Chinese deficit of 3% of
    GDP cannot be had before 2034 even at the largest consumption rise, which those years
    keep; every later year hits, and an independent run agrees."""
    r = goal_seek_path(Scenario(), "CN.current_account_pct_gdp=-3.0@2030+", CONSUMPTION)
    assert not r.hit and 0 < sum(r.hits) < len(r.years)
    missed = [y for y, h in zip(r.years, r.hits) if not h]
    assert missed == list(range(2030, missed[-1] + 1))
    assert all(v == r.hi for v, h in zip(r.values, r.hits) if not h)
    assert {m for m, h in zip(r.methods, r.hits) if not h} == {"closest"}
    assert "cannot in 2030" in r.message()
    res = simulate(r.scenario)
    for y, a, h in zip(r.years, r.achieved, r.hits):
        got = res.value("orderly", "CN", "current_account_pct_gdp", y)
        assert got == pytest.approx(a, abs=1e-9)  # Newton's tolerance from another start
        assert (abs(got + 3.0) <= 1e-6) == h


@pytest.mark.parametrize(
    "target, instrument, match",
    [
        ("CN.consumption_pct_gdp=45@2031", CONSUMPTION, "from a year on"),
        ("CN.consumption_pct_gdp=45@2031+", "orderly.kappa", "cannot follow a path"),
        ("CN.consumption_pct_gdp=45@2031+", "global.growth_CN", "cannot follow a path"),
        ("CN.consumption_pct_gdp=45@2031+", "orderly.nothing", "unknown lever"),
    ],
)
def test_bad_path_requests_name_the_field(target, instrument, match):
    with pytest.raises(ScenarioError, match=match):
        goal_seek_path(Scenario(), target, instrument)


PATHED = Scenario().with_paths(
    {CONSUMPTION: {2030: 1.5, 2031: 2.0 / 3.0}, "unilateral.us_tariff_on_cn": {2040: 80.0}}
)


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_lever_paths_round_trip_through_files(fmt):
    text = dumps_scenario(PATHED, fmt)
    back = parse_scenario(text, f"s.{fmt}")
    assert back == PATHED and back.path_of(CONSUMPTION) == {2030: 1.5, 2031: 2.0 / 3.0}
    assert "[paths" in text if fmt == "toml" else '"paths"' in text


def test_lever_paths_round_trip_through_the_share_link():
    params = path_params(PATHED)
    assert params[f"path.{CONSUMPTION}"] == f"2030:1.5,2031:{2.0 / 3.0!r}"
    values, warnings = parse_query({k: [v] for k, v in params.items()}, ["compare"])
    assert warnings == []
    assert Scenario().with_paths(values["lever_paths"]) == PATHED


@pytest.mark.parametrize(
    "paths, match",
    [
        ({"orderly.nothing": {"2030": 1}}, "paths.orderly.nothing: unknown lever"),
        ({"orderly.kappa": {"2030": 1}}, "paths.orderly.kappa: this lever cannot follow a path"),
        ({"disorderly.ca_floor": {"2030": 1}}, "crisis lever"),
        ({CONSUMPTION: {"2041": 1}}, "year 2041 is outside 2025-2040"),
        ({CONSUMPTION: {"2024": 1}}, "year 2024 is outside 2025-2040"),
        ({CONSUMPTION: {"2030": 10.5}}, "2030: 10.5 is out of range"),
        ({CONSUMPTION: {"٢٠٣٠": 1}}, "is not a year"),
        ({CONSUMPTION: {"2030": "1"}}, "expected a number"),
        ({CONSUMPTION: [1, 2]}, "expected a table of years"),
        ([1], "paths: expected a table of lever ids"),
    ],
)
def test_bad_lever_paths_in_a_file_name_the_field(paths, match):
    import json

    with pytest.raises(ScenarioError, match=match) as e:
        parse_scenario(json.dumps({"paths": paths}), "s.json")
    assert "\n" not in str(e.value) and str(e.value).startswith("paths")
    assert (e.value.field or "").startswith("paths")


def test_bad_lever_paths_in_a_link_get_one_warning_each():
    values, warnings = parse_query(
        {
            f"path.{CONSUMPTION}": ["2030:1.5,2031:٣"],
            "path.orderly.kappa": ["2030:1"],
            "path.orderly.nothing": ["2030:1"],
            "path.unilateral.us_tariff_on_cn": ["2041:10"],
            "path.subglobal.safeguard": ["2030:1.5,2030:2"],
            "path.orderly.us_fiscal_consolidation": ["2030=1"],
            "path.orderly.us_tariff_target": ["2030:1e400"],
            "path.unilateral.us_reshoring": ["2035:31"],
            "path.baseline.us_tariff_on_cn": ["2035:60"],  # the one good entry
        },
        ["compare"],
    )
    assert values["lever_paths"] == {"baseline.us_tariff_on_cn": {2035: 60.0}}
    assert len(warnings) == 8 and all("\n" not in w and w.startswith("path.") for w in warnings)
    joined = "\n".join(warnings)
    parts = ("use the digits 0-9", "cannot follow a path", "unknown lever", "2041",
             "given twice", "is not YEAR:VALUE", "rounds to infinity", "out of range")  # fmt: skip
    for part in parts:
        assert part in joined, part
    # A longer horizon in the same link admits later years.
    values, warnings = parse_query(
        {"global.horizon": ["2050"], "path.unilateral.us_tariff_on_cn": ["2045:10"]}, []
    )
    assert warnings == [] and values["lever_paths"] == {"unilateral.us_tariff_on_cn": {2045: 10.0}}


def test_a_shorter_horizon_refuses_a_path_beyond_it():
    with pytest.raises(ScenarioError, match="year 2040 is outside 2025-2035") as e:
        PATHED.with_values({"global.horizon": 2035})
    assert e.value.field == "paths.unilateral.us_tariff_on_cn"


def test_results_metadata_and_citation_say_a_path_was_used():
    from rebalancing.export import lever_changes

    res = simulate(PATHED)
    assert res.metadata()["scenario"]["paths"][CONSUMPTION] == {"2030": 1.5, "2031": 2.0 / 3.0}
    assert any(
        n.startswith(f"{CONSUMPTION} follows a lever path in 2030-2031") for n in res.notes()
    )
    assert any("China consumption share rise: a path 2030-2031" in c for c in lever_changes(PATHED))
    assert parse_scenario(json_meta(res), "r.meta.json") == PATHED


def json_meta(res):
    from rebalancing.export import results_meta_json

    return results_meta_json(res)


def test_cli_goal_with_a_path_prints_each_year_and_writes_the_scenario(tmp_path, capsys):
    from rebalancing.cli import main

    out = tmp_path / "goal.toml"
    rc = main(["goal", "--target", "CN.consumption_pct_gdp=45@2031+", "--instrument",
               CONSUMPTION, "--instrument-path", "--out", str(out)])  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert printed[0].split()[:2] == ["year", CONSUMPTION]
    rows = [line.split() for line in printed[1:11]]
    assert [int(r[0]) for r in rows] == list(range(2031, 2041)) and {r[-1] for r in rows} == {"yes"}
    assert printed[-1].startswith(f"path.{CONSUMPTION}=2031:")
    scn = parse_scenario(out.read_bytes(), out.name)
    assert sorted(scn.path_of(CONSUMPTION)) == list(range(2031, 2041))
    # `run --scenario` honours the path
    csv = tmp_path / "r.csv"
    assert main(["run", "--scenario", str(out), "--paths", "orderly", "--out", str(csv)]) == 0
    import pandas as pd

    df = pd.read_csv(csv)
    ok = df[(df.region == "CN") & (df.variable == "consumption_pct_gdp") & (df.year >= 2031)]
    assert len(ok) == 10 and (abs(ok.value - 45.0) < 1e-6).all()
    # a target in one year only, and an output that is the input, are refused
    assert main(["goal", "--target", "CN.consumption_pct_gdp=45@2031", "--instrument",
                 CONSUMPTION, "--instrument-path"]) == 2  # fmt: skip
    assert "from a year on" in capsys.readouterr().err
    assert main(["goal", "--scenario", str(out), "--target", "CN.consumption_pct_gdp=45@2031+",
                 "--instrument", CONSUMPTION, "--out", str(out)]) == 2  # fmt: skip
    assert "the scenario file" in capsys.readouterr().err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lever_paths())
def test_random_lever_paths_keep_every_identity(paths):
    scn = Scenario().with_paths(paths)
    res = simulate(scn)
    assert res.max_residual < identities.TOLERANCE
    for var, arr in res.variables.items():
        assert np.isfinite(arr).all(), var
    for name, f in identities.RESIDUALS.items():
        r = f(res.solution)
        wgdp = res.solution.Y.sum(-1)
        scaled = np.abs(r) / (wgdp[..., None] if r.ndim == 3 else wgdp)
        assert scaled.max() < identities.TOLERANCE, name
    assert parse_scenario(dumps_scenario(scn, "toml"), "s.toml") == scn
