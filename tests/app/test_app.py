"""Fast UI tests with streamlit.testing.AppTest: widgets found by key, assertions on what is
shown (numbers in the headline table and in the chart data), query parameters, uploads."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rebalancing import LEVERS, PATH_TITLES, Scenario, dumps_scenario, simulate

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def clear_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def new_app(params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


def lever(at, lid):
    """The widget of lever ``lid``, showing its group in the sidebar first (the sidebar
    draws one group at a time)."""
    group = lid.split(".")[0]
    picker = at.segmented_control(key="lever_group")
    if picker.value != group:
        picker.set_value(group).run()
    for w in list(at.slider) + list(at.toggle) + list(at.radio) + list(at.number_input):
        if w.key == lid:
            return w
    raise KeyError(lid)


def all_lever_widgets(at):
    """Every lever widget, group by group: {lever id: widget value}."""
    out = {}
    for group in ("global", "baseline", "orderly", "disorderly", "unilateral", "subglobal"):
        at.segmented_control(key="lever_group").set_value(group).run()
        widgets = [*at.sidebar.slider, *at.sidebar.toggle, *at.sidebar.radio]
        for w in widgets + list(at.sidebar.number_input):
            out[w.key] = w.value
    return out


def url_warnings(at) -> str:
    """The one URL warning box: its heading and the listing (shown as text)."""
    return "\n".join([w.value for w in at.warning] + [c.value for c in at.code])


def uploader(at):
    """The scenario-file uploader (its key changes after each file: see app.on_upload)."""
    (w,) = [u for u in at.file_uploader if u.key.startswith("upload_")]
    return w


def plain(markdown: str) -> str:
    """A message's text as shown: app.py backslash-escapes every ASCII punctuation mark."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def no_exceptions(at):
    assert not at.exception, [e.value for e in at.exception]


def table(at, key):
    """A displayed table. AppTest does not expose the key of a non-selectable dataframe, so
    tables are told apart by their index name: the year for a headline table shown under
    its year ("2030"), else "indicator" (one per chosen year, in the order of the Years
    picker); "<path>, <year>" for the flow matrix."""
    frames = [d.value for d in at.dataframe]
    if key.startswith("headline_"):
        year = key.split("_")[1]
        heads = [t.value for t in at.table if t.value.index.name in ("indicator", year)]
        if any(t.index.name == year for t in heads):
            heads = [t for t in heads if t.index.name == year]
        else:
            years = [str(y) for y in at.session_state["years"]]
            assert len(heads) == len(years), (len(heads), years)
            heads = [t for t, y in zip(heads, years) if y == year]
        hits = [t.map(lambda x: float(str(x).replace(",", ""))) for t in heads]
    elif key == "flow_matrix":
        hits = [f for f in frames if f.index.name and ", " in f.index.name]
    else:
        raise KeyError(key)
    assert len(hits) == 1, (key, [f.index.name for f in frames])
    return hits[0]


def trace_y(at, chart_key, name):
    """y values of the trace called ``name`` in a plotly chart (decoding plotly's base64)."""
    spec = json.loads(at.get_by_key(chart_key).proto.spec)
    for tr in spec["data"]:
        if tr.get("name") == name:
            y = tr["y"]
            if isinstance(y, dict) and "bdata" in y:
                return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
            return np.asarray(y, dtype=float)
    raise KeyError(name)


def test_first_load_shows_badge_views_levers_and_charts():
    at = new_app()
    no_exceptions(at)
    assert any("Accounts balance" in m.value for m in at.markdown)
    values = all_lever_widgets(at)
    assert set(values) == set(LEVERS), set(LEVERS) ^ set(values)
    assert all(values[lid] == lev.default for lid, lev in LEVERS.items())
    for cid in ("ca", "gdp_vs_sq", "cn_consumption", "us_saving", "nfa", "bilateral"):
        assert at.get_by_key(f"chart_{cid}") is not None
    t = table(at, "headline_2030")
    assert list(t.columns[:5]) == [
        PATH_TITLES[p] for p in ("baseline", "orderly", "disorderly", "unilateral", "subglobal")
    ]


def test_lever_labels_carry_units_and_help_carries_source():
    at = new_app()
    s = lever(at, "unilateral.us_tariff_on_cn")
    assert "(%)" in s.label
    assert "Source:" in s.help and "Range: 0.0 to 150.0" in s.help
    assert (
        s.min == 0.0 and s.max == 150.0 and s.value == LEVERS["unilateral.us_tariff_on_cn"].default
    )


def test_moving_a_lever_changes_headline_table_and_chart_data():
    at = new_app()
    before = table(at, "headline_2030").loc["US-China bilateral balance, USD bn", "Unilateral"]
    lever(at, "unilateral.us_tariff_on_cn").set_value(150.0).run()
    no_exceptions(at)
    after_table = table(at, "headline_2030")
    expected = simulate(Scenario().with_values({"unilateral.us_tariff_on_cn": 150.0}))
    want = expected.value("unilateral", "US", "exports_to_CN", 2030) - expected.value(
        "unilateral", "CN", "exports_to_US", 2030
    )
    got = after_table.loc["US-China bilateral balance, USD bn", "Unilateral"]
    assert got == pytest.approx(want, abs=0.5)  # USD bn shown whole
    assert got != pytest.approx(before, rel=1e-6)  # it moved, visibly
    # the status quo column does not move with a unilateral lever
    assert after_table.loc["US current account, % of GDP", "Status quo"] == pytest.approx(
        expected.value("baseline", "US", "current_account_pct_gdp", 2030), abs=0.05
    )
    y = trace_y(at, "chart_bilateral", "Unilateral")
    want_series = (
        expected.series("unilateral", "US", "exports_to_CN")
        - expected.series("unilateral", "CN", "exports_to_US")
    ).values
    # the same model in the same process; the chart's arrays only pass through base64
    np.testing.assert_allclose(y, want_series, rtol=1e-9)


def test_query_params_restore_levers_view_and_path():
    at = new_app(
        {
            "orderly.kappa": "1.5",
            "global.two_country": "true",
            "view": "mirror",
            "path": "orderly",
            "disorderly.side": "CN",
        }
    )
    no_exceptions(at)
    assert not at.warning
    assert lever(at, "orderly.kappa").value == 1.5
    assert lever(at, "global.two_country").value is True
    assert lever(at, "disorderly.side").value == "CN"
    assert at.segmented_control(key="view").value == "mirror"
    assert at.session_state["path"] == "orderly"  # kept for the accounts view
    # two-country mirror: only US and China bars, mirror images, in every path's panel
    us = trace_y(at, "chart_mirror", "United States")
    cn = trace_y(at, "chart_mirror", "China")
    np.testing.assert_allclose(us, -cn, atol=1e-6)  # identity CA_US = -CA_CN: round-off, USD bn


def test_url_follows_the_levers_for_a_share_link():
    at = new_app()
    lever(at, "orderly.band").set_value(4.0).run()
    at.segmented_control(key="view").set_value("sectoral").run()
    qp = dict(at.query_params)
    assert qp.get("orderly.band") in ("4.0", ["4.0"])
    assert qp.get("view") in ("sectoral", ["sectoral"])
    # and a new session opened with that link restores the same state
    again = new_app({"orderly.band": "4.0", "view": "sectoral"})
    assert lever(again, "orderly.band").value == 4.0
    assert again.segmented_control(key="view").value == "sectoral"


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"orderly.kappa": "abc"}, "orderly.kappa: 'abc' is not a number"),
        ({"orderly.kappa": "9"}, "orderly.kappa: 9.0 is out of range"),
        ({"global.horizon": "2040.5"}, "global.horizon: expected a whole number"),
        ({"global.two_country": "maybe"}, "global.two_country: 'maybe' is not true or false"),
        ({"disorderly.side": "EU"}, "disorderly.side: 'EU' is not one of"),
        ({"view": "nope"}, "view: 'nope' is not one of"),
        ({"bogus": "1"}, "bogus: unknown parameter"),
    ],
)
def test_bad_query_params_warn_once_and_fall_back(params, needle):
    at = new_app(params)
    no_exceptions(at)
    assert len(at.warning) == 1
    assert needle in url_warnings(at)
    at.segmented_control(key="view").set_value("mirror").run()  # redraws the body only
    assert len(at.warning) == 0
    at.run()  # a full run: the sidebar and the header are drawn again
    assert len(at.warning) == 0  # once
    values = all_lever_widgets(at)
    assert all(values[lid] == lev.default for lid, lev in LEVERS.items())


def test_bad_upload_shows_one_error_and_changes_nothing():
    at = new_app()
    lever(at, "orderly.kappa").set_value(1.0).run()
    before = all_lever_widgets(at)
    uploader(at).set_value(
        ("bad.json", b'{"orderly": {"kappa": 9, "band": 4}}', "application/json")
    ).run()
    no_exceptions(at)
    assert len(at.error) == 1
    assert "orderly.kappa" in plain(at.error[0].value) and "out of range" in at.error[0].value
    assert all_lever_widgets(at) == before


def test_good_upload_sets_every_lever():
    at = new_app()
    scn = Scenario().with_values(
        {"orderly.kappa": 0.7, "subglobal.us_joins": True, "global.horizon": 2045}
    )
    uploader(at).set_value(
        ("mine.toml", dumps_scenario(scn, "toml").encode(), "application/toml")
    ).run()
    no_exceptions(at)
    assert not at.error
    assert lever(at, "orderly.kappa").value == 0.7
    assert lever(at, "subglobal.us_joins").value is True
    assert lever(at, "global.horizon").value == 2045


def test_an_older_file_loads_with_a_note_and_the_page_names_the_engine():
    """A format 2 file (before engine v3) loads, runs adaptive and says so; the page's
    caption names the engine that ran."""
    at = new_app()
    uploader(at).set_value(
        ("old.json", b'{"format_version": 2, "orderly": {"kappa": 0.7}}', "application/json")
    ).run()
    no_exceptions(at)
    # (read before lever(), which shows a group: a run that no longer shows the message)
    assert any("scenario format 2" in plain(m.value) for m in at.success)
    assert any("adaptive expectations" in c.value for c in at.caption)
    assert lever(at, "orderly.kappa").value == 0.7
    assert lever(at, "global.expectations").value == "adaptive"
    lever(at, "global.expectations").set_value("model-consistent").run()
    no_exceptions(at)
    assert any("model-consistent expectations" in c.value for c in at.caption)


def test_a_pinned_scenario_the_engine_refuses_is_reported_not_raised():
    """Found by the random walk (seed 14080): a pinned scenario outside the model-consistent
    engine's validated range (a ScenarioError from simulate) is named in a warning; the
    page and the current scenario stay."""
    at = new_app(
        {"pin": "Far", "pin.global.expectations": "model-consistent", "pin.orderly.band": "2.0"}
    )
    no_exceptions(at)
    assert any("pinned scenario Far is not run" in plain(w.value) for w in at.warning)
    assert any("lever(s) changed from the defaults" in c.value for c in at.caption)


def test_a_setting_outside_the_engines_range_keeps_the_last_good_result():
    """The model-consistent engine refuses a lever outside its validated range
    (levers.CONSISTENT_RANGES) with a ScenarioError: the page names it and keeps the last
    settings that solved, as for any refusal."""
    at = new_app({"global.expectations": "model-consistent"})
    lever(at, "orderly.band").set_value(2.0).run()
    no_exceptions(at)
    assert any("not run" in plain(e.value) and "2.5-8" in plain(e.value) for e in at.error)
    assert any("last settings that solved" in c.value for c in at.caption)


def test_reset_group_and_all():
    at = new_app()
    lever(at, "orderly.kappa").set_value(0.5).run()
    lever(at, "unilateral.phase_in_years").set_value(1).run()
    lever(at, "orderly.kappa")
    at.button(key="reset_orderly").click().run()
    assert lever(at, "orderly.kappa").value == LEVERS["orderly.kappa"].default
    assert lever(at, "unilateral.phase_in_years").value == 1
    at.button(key="reset_all").click().run()
    assert (
        lever(at, "unilateral.phase_in_years").value == LEVERS["unilateral.phase_in_years"].default
    )


def test_presentation_mode_hides_controls_keeps_charts_and_state():
    at = new_app()
    lever(at, "orderly.kappa").set_value(0.5).run()
    at.toggle(key="present").set_value(True).run()
    no_exceptions(at)
    assert len(at.sidebar.slider) == 0 and len(at.download_button) == 0
    assert not at.sidebar.segmented_control
    assert at.get_by_key("chart_ca") is not None
    spec = json.loads(at.get_by_key("chart_ca").proto.spec)
    assert spec["layout"]["font"]["size"] == 20  # enlarged
    assert "% of GDP" in spec["layout"]["title"]["text"]  # title and unit kept
    assert any("Source:" in a["text"] for a in spec["layout"]["annotations"])
    at.toggle(key="present").set_value(False).run()
    assert lever(at, "orderly.kappa").value == 0.5


def test_presentation_url_parameter():
    at = new_app({"present": "true"})
    no_exceptions(at)
    assert len(at.sidebar.slider) == 0


@pytest.mark.parametrize("view", ["mirror", "sectoral", "history", "accounts", "validation"])
def test_every_view_renders(view):
    at = new_app({"view": view})
    no_exceptions(at)
    if view == "accounts":
        fm = table(at, "flow_matrix")
        # accounting identities: zero up to the round-off of sums of USD bn flows
        assert abs(fm.loc["Column sum"]).max() < 1e-6
        assert abs(fm["Row sum"]).max() < 1e-6


def test_inadmissible_settings_show_an_error_not_a_traceback():
    at = new_app(
        {
            "global.horizon": "2100",
            "global.return_on_nfa": "5",
            "global.growth_US": "0",
            "global.growth_CN": "6",
            "global.risk_premium": "0",
            "baseline.follow_projection": "false",
            "global.expectations": "adaptive",  # the model-consistent engine refuses growth_CN 6
        }
    )
    no_exceptions(at)
    assert len(at.error) == 1 and "debt spirals" in at.error[0].value


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"view": "accounts", "year": "²"}, "year: '²' is not a year"),
        ({"year": "9" * 5000}, "is not a year"),
        ({"present": "maybe"}, "present: 'maybe' is not true or false"),
        ({"years": "2030,soon"}, "years: '2030,soon' is not"),
    ],
)
def test_more_bad_url_values_warn(params, needle):
    at = new_app(params)
    no_exceptions(at)
    assert len(at.warning) == 1 and needle in url_warnings(at)


def test_headline_years_are_in_the_share_link():
    at = new_app()
    at.multiselect(key="years").set_value([2030, 2040]).run()
    assert dict(at.query_params).get("years") in ("2030,2040", ["2030,2040"])
    again = new_app({"years": "2030,2040"})
    assert again.multiselect(key="years").value == [2030, 2040]
    assert table(again, "headline_2040") is not None


def test_notes_on_conflicting_settings_are_shown():
    at = new_app({"disorderly.crisis_year": "2045"})
    no_exceptions(at)
    assert any("'Crisis year' (2045)" in i.value for i in at.info)


def test_validation_view_lists_every_published_result_with_its_verdict():
    at = new_app({"view": "validation"})
    no_exceptions(at)
    from rebalancing.validate import validation_table

    checks = validation_table()
    val = [c for c in checks if c.kind == "validation"]
    inside = sum(c.inside for c in val)
    assert any(f"{inside} of {len(val)} validation checks inside" in m.value for m in at.markdown)
    df = next(d.value for d in at.dataframe if "Result" in d.value.columns)
    assert len(df) == len(checks)
    assert list(df["Result"]) == ["inside" if c.inside else "OUTSIDE" for c in checks]
    # A failing check is shown failing with its reason, never hidden.
    assert (df.loc[df["Result"] == "OUTSIDE", "Why it cannot match"].str.len() > 20).all()


@pytest.mark.parametrize(
    "engine, why",
    [
        ("adaptive", "debt spirals"),
        ("model-consistent", "outside 0\\-4\\.5\\, the range the model\\-consistent engine"),
    ],
)
def test_a_refusal_keeps_the_last_good_result_on_screen(engine, why):
    """Moving levers into a debt spiral (adaptive engine) or beyond the model-consistent
    engine's validated range says why and keeps the last solved view: nothing blanks, and
    moving back works."""
    at = new_app({"global.expectations": engine})
    for lid, v in (
        ("global.horizon", 2100),
        ("global.return_on_nfa", 5.0),
        ("global.growth_US", 0.0),
        ("global.growth_CN", 6.0),
        ("global.risk_premium", 0.0),
    ):
        lever(at, lid).set_value(v).run()
    no_exceptions(at)
    assert len(at.error) == 1 and why in at.error[0].value
    assert any("last settings that solved" in c.value for c in at.caption)
    assert at.get_by_key("chart_ca") is not None
    lever(at, "global.horizon").set_value(2040).run()
    if engine == "model-consistent":
        lever(at, "global.growth_CN").set_value(2.8).run()
    no_exceptions(at)
    assert not at.error


def test_repeated_years_in_a_link_do_not_break_the_page():
    at = new_app({"years": "2030,2030"})
    no_exceptions(at)
    assert at.multiselect(key="years").value == [2030]


def test_many_bad_url_parameters_give_one_warning_listing_them():
    params = {f"nonsense{k}": "1" for k in range(40)}
    params["orderly.kappa"] = "99"
    at = new_app(params)
    no_exceptions(at)
    assert len(at.warning) == 1 and "41 URL parameter(s)" in at.warning[0].value
    listing = at.get_by_key("url_warnings")
    text = "\n".join(c.value for c in at.code)
    assert "nonsense39: unknown parameter" in text and "orderly.kappa" in text
    assert listing is not None


def test_a_repeated_url_parameter_is_reported():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["orderly.kappa"] = ["1.5", "2.5"]
    at.run()
    no_exceptions(at)
    text = "\n".join(c.value for c in at.code)
    assert "orderly.kappa: given 2 times; the last value is used" in text


def test_the_status_quo_is_the_default_path():
    at = new_app({"view": "accounts"})
    no_exceptions(at)
    assert at.selectbox(key="path").value == "baseline"


def test_the_summary_states_the_scenarios_numbers():
    """The sentences above the charts carry the same numbers as simulate()."""
    import re

    from rebalancing import Scenario, simulate
    from rebalancing.story import summary

    at = new_app({"orderly.cn_consumption_rise": "8"})
    no_exceptions(at)
    text = "\n".join(m.value for m in at.markdown)
    res = simulate(Scenario().with_values({"orderly.cn_consumption_rise": 8.0}))
    for sentence in summary(res):
        assert sentence in text
    us = res.value("orderly", "US", "current_account_pct_gdp", 2030)
    cn_c = res.value("orderly", "CN", "consumption_pct_gdp", 2030)
    orderly = next(s for s in summary(res) if s.startswith("Orderly"))
    assert f"{us:+.1f}%" in orderly and f"{cn_c:.1f}%" in orderly
    assert re.search(r"Disorderly: a crisis hits the US in 2030", text)


def test_notes_use_on_screen_labels_not_lever_ids():
    at = new_app({"disorderly.crisis_year": "2045"})
    no_exceptions(at)
    notes = " ".join(i.value for i in at.info)
    assert "'Crisis year' (2045) is after 'Horizon' (2040)" in notes
    assert "disorderly.crisis_year" not in notes


def test_presentation_mode_draws_no_pickers():
    at = new_app({"present": "true", "view": "mirror"})
    no_exceptions(at)
    assert not [w for w in at.selectbox if w.key == "path"]
    at = new_app({"present": "true"})
    assert not [w for w in at.multiselect if w.key == "years"]
    assert any("What the five paths are" in e.label for e in at.expander)


# --- A/B: a pinned scenario ---------------------------------------------------------------


def headline_columns(at) -> list[str]:
    return list(at.table[0].value.columns)


def test_pin_then_move_a_lever_shows_both_on_charts_and_table():
    at = new_app()
    at.text_input(key="pin_name").set_value("Plan B").run()
    at.button(key="pin").click().run()
    no_exceptions(at)
    lever(at, "orderly.cn_consumption_rise").set_value(8.0).run()
    no_exceptions(at)
    cols = headline_columns(at)
    assert "Orderly: Plan B" in cols and "Orderly: current − Plan B" in cols
    # the faint lines carry the pinned scenario's numbers, the bold ones the current
    a = simulate(Scenario().with_values({"orderly.cn_consumption_rise": 8.0}))
    b = simulate(Scenario())
    np.testing.assert_allclose(
        trace_y(at, "chart_ca", "Plan B: Orderly")[:5],
        b.series("orderly", "US", "current_account_pct_gdp").values[:5],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        trace_y(at, "chart_ca", "Orderly"),
        a.series("orderly", "US", "current_account_pct_gdp").values,
        rtol=1e-9,
    )
    assert any(w.key == "unpin" and not w.disabled for w in at.button)
    # the share link carries the pinned scenario; opening it restores both
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert params["pin"] == "Plan B" and "pin.orderly.cn_consumption_rise" not in params
    assert params["orderly.cn_consumption_rise"] == "8.0"
    again = new_app(params)
    no_exceptions(again)
    assert headline_columns(again) == cols
    again.button(key="unpin").click().run()
    assert "Orderly: Plan B" not in headline_columns(again)
    assert "pin" not in dict(again.query_params)


def test_a_pinned_scenario_from_a_link_and_in_the_scenario_file():
    at = new_app({"pin": "High kappa", "pin.orderly.kappa": "2.5", "view": "mirror"})
    no_exceptions(at)
    assert not at.warning
    pinned = at.session_state["_pinned"]
    assert pinned.name == "High kappa" and pinned.scenario.orderly.kappa == 2.5
    spec = json.loads(at.get_by_key("chart_mirror").proto.spec)
    assert any(t.get("name", "").startswith("High kappa: ") for t in spec["data"])
    # the scenario file written by the app carries it, and loads back
    from rebalancing.pinned import parse_with_pinned

    text = dumps_scenario(Scenario(), "toml", pinned)
    scn, back = parse_with_pinned(text, "s.toml")
    assert back == pinned and scn == Scenario()


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"pin": "<img src=x>"}, "pinned.name: use letters"),
        ({"pin": "B", "pin.orderly.kappa": "99"}, "pin.orderly.kappa: 99.0 is out of range"),
        ({"pin": "B", "pin.nope.x": "1"}, "pin.nope.x: unknown lever; not pinned"),
    ],
)
def test_a_bad_pinned_scenario_in_a_link_is_reported(params, expected):
    at = new_app(params)
    no_exceptions(at)
    assert expected in url_warnings(at)


# --- uncertainty, goal-seek, sensitivity --------------------------------------------------


def test_the_fan_toggle_draws_bands_the_crisis_chart_and_band_tables():
    from rebalancing.uncertainty import fan

    at = new_app({"fan": "true", "global.draws": "200", "global.seed": "7"})
    no_exceptions(at)
    assert at.toggle(key="fan").value is True
    f = fan(Scenario().with_values({"global.draws": 200, "global.seed": 7}))
    med = trace_y(at, "chart_ca", "Median: Orderly")
    np.testing.assert_allclose(med, f.bands("current_account_pct_gdp", "US", "orderly")["p50"])
    crisis = trace_y(
        at,
        "chart_crisis",
        next(
            t["name"]
            for t in json.loads(at.get_by_key("chart_crisis").proto.spec)["data"]
            if t.get("name", "") == "US (deficit side)"
        ),
    )
    np.testing.assert_allclose(crisis, 100 * f.crisis.deficit)
    heads = [t.value.index.name for t in at.table]
    assert "2030 bands" in heads and "2035 bands" in heads
    assert dict(at.query_params).get("fan") in ("true", ["true"])
    at.toggle(key="fan").set_value(False).run()
    assert "fan" not in dict(at.query_params)
    with pytest.raises(KeyError):
        at.get_by_key("chart_crisis")


def test_goal_seek_finds_applies_and_the_link_carries_it():
    from rebalancing.goalseek import goal_seek

    at = new_app({"view": "goal"})
    no_exceptions(at)
    at.number_input(key="goal_value").set_value(1.0)
    at.select_slider(key="goal_year").set_value(2035)
    at.button(key="goal_find").click().run()
    no_exceptions(at)
    want = goal_seek(
        Scenario(), "CN.current_account_pct_gdp=1.0@2035", "orderly.cn_consumption_rise"
    )
    assert want.hit and abs(want.gap) < 1e-6
    assert f"to {want.value:.4g} pp of GDP" in at.success[0].value
    at.button(key="goal_apply").click().run()
    no_exceptions(at)
    assert at.session_state["orderly.cn_consumption_rise"] == pytest.approx(want.value)
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    again = new_app({**link, "view": "compare"})
    no_exceptions(again)
    res = simulate(Scenario().with_values({"orderly.cn_consumption_rise": want.value}))
    assert res.value("orderly", "CN", "current_account_pct_gdp", 2035) == pytest.approx(
        1.0, abs=1e-6
    )
    spec = json.loads(again.get_by_key("chart_ca").proto.spec)
    cn = [t for t in spec["data"] if t.get("name") == "Orderly"][1]  # the China panel
    y = cn["y"]
    y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]) if "bdata" in y else y
    assert y[2035 - 2024] == pytest.approx(1.0, abs=1e-6)


def test_an_unreachable_goal_says_how_close_it_gets():
    at = new_app({"view": "goal"})
    at.selectbox(key="goal_target").set_value(0)  # US current account
    at.number_input(key="goal_value").set_value(1.0)
    at.button(key="goal_find").click().run()
    no_exceptions(at)
    text = at.warning[0].value
    assert "cannot bring the US current account" in text and "the closest is" in text


def test_the_sensitivity_view_charts_sobol_indices():
    at = new_app({"view": "sensitivity"})
    no_exceptions(at)
    spec = json.loads(at.get_by_key("chart_sobol_us").proto.spec)
    assert {t["name"] for t in spec["data"]} == {"Total (with interactions)", "First order (alone)"}
    assert "US current account in 2035" in spec["layout"]["title"]["text"].replace("<br>", " ")


def test_the_uploader_limit_is_what_the_app_accepts():
    """server.maxUploadSize (MB) is what the uploader shows and enforces in the page, where
    1 MB is 10**6 bytes; the app accepts the same (issue 12)."""
    import tomllib

    from rebalancing.scenario import MAX_SCENARIO_BYTES

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 10**6 == MAX_SCENARIO_BYTES


def test_startup_heap_is_frozen_once():
    """The first run freezes what the imports built (app.freeze_startup_heap), so Streamlit's
    full collection after every run skips it; later runs do not freeze again."""
    import gc

    st.cache_resource.clear()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    at = new_app()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # modules, plotly's validators, pandas: far more than this
    lever(at, "global.monetary_response").set_value(0.5).run()
    assert not at.exception
    # not frozen again (frozen objects can still be freed by reference counting)
    assert gc.get_freeze_count() <= frozen


def test_goal_seek_path_mode_applies_a_lever_path_that_travels_in_the_link():
    """'A path, year by year': the answer's table and chart, Apply sets the lever's path,
    the share link carries path.<lever id>; the link restores the same scenario; the
    sidebar says the lever follows a path, and moving its slider clears it."""
    from rebalancing.goalseek import goal_seek_path

    lid = "orderly.cn_consumption_rise"
    at = new_app({"view": "goal"})
    at.selectbox(key="goal_target").set_value(2)  # China's consumption share
    at.number_input(key="goal_value").set_value(45.0)
    at.select_slider(key="goal_year").set_value(2031)
    at.checkbox(key="goal_onwards").check().run()
    at.radio(key="goal_mode").set_value("path").run()
    at.button(key="goal_find").click().run()
    no_exceptions(at)
    want = goal_seek_path(Scenario(), "CN.consumption_pct_gdp=45.0@2031+", lid)
    assert want.hit
    assert "in every year 2031-2040" in at.success[0].value
    (shown,) = [d.value for d in at.dataframe if d.value.index.name == "year"]
    assert list(shown.index) == list(range(2031, 2041))
    assert np.allclose(shown.iloc[:, 0], want.values, rtol=0, atol=1e-9)
    at.get_by_key("chart_goal_path")
    at.button(key="goal_apply_path").click().run()
    no_exceptions(at)
    assert at.session_state["_lever_paths"][lid] == pytest.approx(want.lever_path)
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert link[f"path.{lid}"].startswith("2031:")
    again = new_app(link)
    no_exceptions(again)
    scn = Scenario().with_paths(again.session_state["_lever_paths"])
    assert scn == Scenario().with_paths(at.session_state["_lever_paths"])
    res = simulate(scn, ("orderly",))
    for y in range(2031, 2041):
        assert res.value("orderly", "CN", "consumption_pct_gdp", y) == pytest.approx(45, abs=1e-6)
    # The sidebar says so; moving the slider clears the path (and the link loses it).
    slider = lever(again, lid)
    assert any("Follows a path in 2031-2040" in c.value for c in again.sidebar.caption)
    slider.set_value(6.0).run()
    no_exceptions(again)
    assert lid not in again.session_state["_lever_paths"]
    assert f"path.{lid}" not in dict(again.query_params)


def test_a_lever_move_redraws_the_body_downloads_and_share_link_only():
    """app.lever_moved: a move that leaves its group's count of changed levers as it was
    reruns the body, downloads and share fragments only (the sidebar's lever widgets are
    not sent again); the numbers, the files and the link follow. A move that changes the
    count (the first away from the default) redraws the whole page."""
    at = new_app()
    at.session_state["dl_open"] = True  # the Download section open: its buttons follow too
    at.run()
    lid = "unilateral.us_tariff_on_cn"
    lever(at, lid).set_value(120.0).run()  # 0 -> 1 changed: the group's label changes
    no_exceptions(at)
    assert len(at.sidebar.slider) > 0
    at.slider(key=lid).set_value(140.0).run()
    no_exceptions(at)
    assert len(at.sidebar.slider) == 0  # not redrawn: the browser keeps what it shows
    expected = simulate(Scenario().with_values({lid: 140.0}))
    want = expected.value("unilateral", "US", "exports_to_CN", 2030) - expected.value(
        "unilateral", "CN", "exports_to_US", 2030
    )
    got = table(at, "headline_2030").loc["US-China bilateral balance, USD bn", "Unilateral"]
    assert got == pytest.approx(want, abs=0.5)
    assert f"{lid}=140.0" in "\n".join(c.value for c in at.code)  # the share box
    assert any(b.key.startswith("dl_csv_") for b in at.sidebar.get("download_button"))
    at.run()  # a full run draws the sidebar again, with the moved value
    assert at.slider(key=lid).value == 140.0
    assert at.segmented_control(key="lever_group").format_func("unilateral").endswith("(1 changed)")


def test_the_download_section_draws_its_buttons_only_while_open():
    """app.downloads: closed (the default) the section draws no button, and a lever move
    does not redraw it; opened, it draws the files of what is on screen, named by its
    settings, and follows the next lever moves; it stays open through presentation mode;
    closed again, they go."""
    at = new_app()
    lid = "unilateral.us_tariff_on_cn"
    lever(at, lid).set_value(120.0).run()
    at.slider(key=lid).set_value(140.0).run()
    no_exceptions(at)
    assert len(at.download_button) == 2  # the headline tables' own, under the tables
    at.session_state["dl_open"] = True
    at.run()
    no_exceptions(at)
    keys = {b.key for b in at.sidebar.get("download_button")}
    assert {k.rsplit("_", 1)[0] for k in keys} >= {"dl_csv", "dl_meta", "dl_scenario_json"}
    at.slider(key=lid).set_value(150.0).run()  # a fragment rerun: the buttons follow
    no_exceptions(at)
    moved = {b.key for b in at.sidebar.get("download_button")}
    assert len(moved) == len(keys) and not moved & keys  # keyed by the new settings
    at.run()  # a full run: the header's toggle is in AppTest's tree again
    at.toggle(key="present").set_value(True).run()  # hidden in presentation mode...
    assert not at.sidebar.get("download_button")
    at.toggle(key="present").set_value(False).run()  # ...and open again after it
    no_exceptions(at)
    assert at.sidebar.get("download_button")
    at.session_state["dl_open"] = False
    at.run()
    assert not at.sidebar.get("download_button")


def test_a_widget_of_the_body_redraws_the_whole_page():
    """A widget inside the body fragment without its own redraw (the Monte Carlo toggle)
    would by default rerun the body alone; body() turns that into a full run, so the
    sidebar's downloads and the share link follow it."""
    at = new_app({"global.draws": "100"})
    at.toggle(key="fan").set_value(True).run()
    no_exceptions(at)
    assert len(at.sidebar.slider) > 0  # the whole page was drawn
    assert "fan=true" in "\n".join(c.value for c in at.code)


def test_an_empty_container_stack_is_reset_before_the_fragments():
    """app.ensure_container_stack: the race it guards against leaves a ``with st.sidebar``
    block exiting into an empty stack of containers; the next fragment then raised
    IndexError. Simulated here: the first exit of a container in a run empties the stack."""
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.delta_generator_singletons import context_dg_stack

    at = new_app()
    orig_exit = DeltaGenerator.__exit__
    emptied = []

    def exit_into_nothing(self, *exc):
        result = orig_exit(self, *exc)
        if not emptied:
            emptied.append(True)
            context_dg_stack.set(())
        return result

    DeltaGenerator.__exit__ = exit_into_nothing
    try:
        at.run()
    finally:
        DeltaGenerator.__exit__ = orig_exit
    assert emptied
    no_exceptions(at)
    assert table(at, "headline_2030") is not None


# --- issue 20: nothing lost, nothing hung ------------------------------------------------


def test_an_empty_lever_group_selection_keeps_the_group():
    """The browser sends an empty selection for the lever group when the option it showed
    selected was relabelled ("Orderly rebalancing (1 changed)" -> "Orderly rebalancing",
    by a reset or a file) in a run that did not also send the new label; Streamlit's
    segmented control then returns None, and the page showed `KeyError: None`."""
    at = new_app()
    at.segmented_control(key="lever_group").set_value("orderly").run()
    at.segmented_control(key="lever_group").set_value(None).run()  # the browser's []
    no_exceptions(at)
    assert at.segmented_control(key="lever_group").value == "orderly"
    assert any(s.key == "orderly.kappa" for s in at.sidebar.slider)
    at.toggle(key="present").set_value(True).run()  # hidden, then shown again: kept
    at.toggle(key="present").set_value(False).run()
    assert at.segmented_control(key="lever_group").value == "orderly"


def test_an_empty_view_selection_keeps_the_view():
    at = new_app({"view": "mirror"})
    at.segmented_control(key="view").set_value(None).run()
    no_exceptions(at)
    at.run()
    no_exceptions(at)
    assert at.segmented_control(key="view").value == "mirror"
    assert at.get_by_key("chart_mirror") is not None


def show(at, view):
    """Pick a view, then a full run (a view's widgets rerun only the body in AppTest's tree:
    the full run draws the whole page again)."""
    at.segmented_control(key="view").set_value(view).run()
    return at.run()


def test_the_views_pickers_survive_a_visit_to_another_view():
    """Streamlit drops a widget's state while it is not drawn; the headline years, the
    accounts' path and year, the goal-seek's and the sensitivity's pickers are kept."""
    at = new_app()
    at.multiselect(key="years").set_value([2032, 2038]).run()
    at.run()
    picked = {
        "accounts": {"path": "orderly", "year": 2033},
        "goal": {"goal_target": 0, "goal_year": 2037, "goal_onwards": True},
        "sensitivity": {"sobol_path": "unilateral", "sobol_n": 16},
    }
    for view, values in picked.items():
        show(at, view)
        for key, value in values.items():
            kinds = ("selectbox", "select_slider", "checkbox")
            (widget,) = [w for kind in kinds for w in at.get(kind) if w.key == key]
            widget.set_value(value).run()
            at.run()
            no_exceptions(at)
    show(at, "mirror")
    for view, values in {"compare": {"years": [2032, 2038]}, **picked}.items():
        show(at, view)
        no_exceptions(at)
        for key, value in values.items():
            assert at.session_state[key] == value, (view, key)
        if view == "compare":
            assert len(at.table) == 2  # the tables of the years kept


def test_a_shorter_horizon_moves_the_year_pickers_to_years_it_has():
    at = new_app({"global.horizon": "2060", "view": "accounts"})
    at.select_slider(key="year").set_value(2055).run()
    at.run()
    lever(at, "global.horizon").set_value(2040).run()
    no_exceptions(at)
    assert at.select_slider(key="year").value == 2030
    show(at, "goal")
    at.select_slider(key="goal_year").set_value(2040).run()
    at.run()
    lever(at, "global.horizon").set_value(2032).run()
    no_exceptions(at)
    assert at.select_slider(key="goal_year").value == 2032
    show(at, "compare")
    no_exceptions(at)
    assert at.multiselect(key="years").value == [2030]


def test_the_pin_name_survives_presentation_mode():
    at = new_app()
    at.text_input(key="pin_name").set_value("Plan B").run()
    at.toggle(key="present").set_value(True).run()
    at.toggle(key="present").set_value(False).run()
    assert at.text_input(key="pin_name").value == "Plan B"


def test_a_link_with_1200_parameters_warns_once_and_is_cleaned():
    """Streamlit ignores a query of more than 1,000 parameters (st.query_params is
    empty); the app reads the first MAX_PARAMS of the query string itself, warns once,
    naming how many it ignored, and writes the address of what it shows."""
    from rebalancing.share import MAX_PARAMS

    params = {"orderly.kappa": "1.5"} | {f"junk{i}": "1" for i in range(1199)}
    at = new_app(params)
    no_exceptions(at)
    assert len(at.warning) == 1
    assert "1,199 URL parameter(s) could not be used" in at.warning[0].value
    text = url_warnings(at)
    assert f"{1200 - MAX_PARAMS:,} parameter(s) after the first {MAX_PARAMS} ignored" in text
    assert dict(at.query_params) == {"orderly.kappa": "1.5"}
    assert lever(at, "orderly.kappa").value == 1.5


def test_a_link_too_long_to_share_offers_the_scenario_file():
    """Lever paths over a long horizon make a link longer than MAX_LINK_CHARS: the share
    box says so and offers the scenario file instead of the link."""
    from rebalancing.scenario import PATHABLE
    from rebalancing.share import MAX_LINK_CHARS, path_params

    scn = Scenario().with_values({"global.horizon": 2100})
    paths = {}
    for lid in PATHABLE[:6]:
        lev = LEVERS[lid]
        paths[lid] = {
            y: lev.lo + (lev.hi - lev.lo) * ((y * 7919) % 1000) / 1000.37 for y in range(2030, 2101)
        }
    scn = scn.with_paths(paths)
    at = new_app({"global.horizon": "2100", **path_params(scn)})
    no_exceptions(at)
    share = [w.value for w in at.sidebar.warning]
    assert any(f"more than the {MAX_LINK_CHARS:,}" in w for w in share), share
    assert any(
        b.label == "Scenario file to share (JSON)" for b in at.sidebar.get("download_button")
    )
    assert not [c for c in at.sidebar.code if c.value.startswith("http")]
    # a link of ordinary length is shown as before
    short = new_app({"orderly.kappa": "1.5"})
    assert not short.sidebar.warning
    assert any("orderly.kappa=1.5" in c.value for c in short.sidebar.code)


def test_a_lever_of_a_hidden_group_keeps_its_value_when_another_group_moves():
    """A lever moved, its group left, then a changed lever of another group moved (a rerun
    of the body only): the model ran, and the link carried, the first lever at its old
    value (the key of a widget Streamlit no longer draws reads the value last written to
    it, not the last move; app.lever_value)."""
    at = new_app()
    lever(at, "baseline.cn_tariff_on_us").set_value(32.5).run()
    lever(at, "unilateral.us_tariff_on_cn").set_value(126.0).run()
    at.segmented_control(key="lever_group").set_value("baseline").run()
    at.slider(key="baseline.cn_tariff_on_us").set_value(32.4).run()  # the body only
    no_exceptions(at)
    assert dict(at.query_params) == {
        "baseline.cn_tariff_on_us": "32.4",
        "unilateral.us_tariff_on_cn": "126.0",
    }
