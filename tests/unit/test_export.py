"""Export builders: complete, parseable, injection-safe files; charts as PNG, SVG, HTML."""

import datetime
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import plotly.offline
import pytest

import rebalancing as rb
from rebalancing import PATHS, Scenario, charts, dumps_scenario, parse_scenario, simulate
from rebalancing.export import (
    ExportUnavailable,
    chart_data_frame,
    chart_pack,
    chromium_path,
    citation,
    deck,
    export_figure,
    export_name,
    figure_bytes,
    history_csv,
    html_page,
    lever_value_text,
    plain_title,
    results_csv,
    results_meta_json,
    safe_cell,
    safe_frame,
    scenario_digest,
    table_csv,
    with_citation,
)


@pytest.mark.parametrize(
    "cell,expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-4.05", "-4.05"),  # a number stays a number
        ("US", "US"),
        (3.5, 3.5),
    ],
)
def test_safe_cell(cell, expected):
    assert safe_cell(cell) == expected


def test_results_csv_complete_and_safe(default_results):
    text = results_csv(default_results)
    df = pd.read_csv(io.StringIO(text))
    assert list(df.columns) == ["path", "region", "year", "variable", "value", "unit"]
    assert set(df.path) == set(PATHS)
    assert len(df) == len(default_results.to_frame())
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell
    got = df[
        (df.path == "orderly")
        & (df.region == "CN")
        & (df.year == 2035)
        & (df.variable == "consumption_pct_gdp")
    ].value.item()
    # the CSV keeps 10 significant digits (float_format %.10g)
    assert got == pytest.approx(
        default_results.value("orderly", "CN", "consumption_pct_gdp", 2035), rel=1e-9
    )


def test_meta_json_has_scenario_that_reproduces(default_results):
    meta = json.loads(results_meta_json(default_results))
    scn = parse_scenario(json.dumps(meta["scenario"]), "meta.json")
    assert scn == default_results.scenario
    assert meta["largest_identity_residual"]["value"] < 1e-9


def test_table_csv_neutralises_hostile_labels():
    df = pd.DataFrame({"=evil()": [1.0], "ok": [-2.0]}, index=pd.Index(["@x"], name="+y"))
    text = table_csv(df)
    assert text.startswith("\ufeff")  # byte-order mark for spreadsheets
    first, second = text.removeprefix("\ufeff").splitlines()[:2]
    assert first.split(",")[0] == "'+y" and "'=evil()" in first
    assert second.startswith("'@x,1") and second.endswith(",-2")


def test_safe_frame_leaves_numbers():
    df = safe_frame(pd.DataFrame({"a": ["=1+1", "b"], "v": [-1.0, 2.0]}))
    assert list(df.a) == ["'=1+1", "b"] and list(df.v) == [-1.0, 2.0]


def test_headline_table_and_flow_matrix(default_results):
    t = charts.headline_table(default_results, 2030)
    assert t.shape[1] == 5 + 4
    assert (t["Orderly − status quo"] == t["Orderly"] - t["Status quo"]).all()
    fm = charts.flow_matrix(default_results, "disorderly", 2031)
    assert abs(fm.values).max() > 1000
    assert abs(fm["Row sum"]).max() < 1e-6 and abs(fm.loc["Column sum"]).max() < 1e-6


def test_every_chart_has_title_units_and_source(default_results):
    figs = list(charts.compare_charts(default_results).values())
    figs += [
        charts.world_mirror(default_results, "orderly"),
        charts.sectoral_balances(default_results, "unilateral"),
    ]
    for fig in figs:
        title = fig.layout.title.text
        assert "(" in title and ")" in title  # unit in the title
        assert fig.layout.yaxis.title.text  # unit on the axis
        assert any("Source:" in a.text for a in fig.layout.annotations)


def test_html_export_is_self_contained(default_results):
    html = figure_bytes(charts.bilateral_balance(default_results), "html").decode()
    assert html.lower().startswith("<!doctype html>") and "plotly" in html.lower()
    assert 'src="https://cdn' not in html  # plotly.js inlined: opens offline
    assert len(html) > 1_000_000


needs_browser = pytest.mark.skipif(chromium_path() is None, reason="no Chromium for kaleido")


@needs_browser
def test_png_and_svg_export(default_results):
    fig = charts.world_mirror(default_results, "baseline")
    png = figure_bytes(fig, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    svg = figure_bytes(fig, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"world mirror" in svg.lower()


def test_static_export_without_browser_says_what_to_install(default_results, monkeypatch):
    monkeypatch.setattr("rebalancing.export.chromium_path", lambda: None)
    with pytest.raises(ExportUnavailable, match="apt-get install chromium"):
        figure_bytes(charts.world_mirror(default_results, "baseline"), "png")


# --- citable exports ---------------------------------------------------------------------

DAY = datetime.date(2026, 11, 29)
LINK = "http://127.0.0.1:8501/?global.monetary_response=1.05&orderly.kappa=3.0"
CHANGES = {"global.monetary_response": 1.05, "orderly.kappa": 3.0, "global.two_country": True}


@pytest.fixture(scope="module")
def changed():
    scn = Scenario().with_values(CHANGES)
    return scn, simulate(scn)


def test_scenario_digest_is_short_and_stable():
    d = scenario_digest(Scenario())
    assert re.fullmatch(r"[0-9a-f]{8}", d)
    assert d == scenario_digest(Scenario()) == scenario_digest(dumps_scenario(Scenario()))
    assert d != scenario_digest(Scenario().with_values({"orderly.kappa": 3.0}))


def test_export_name_has_view_digest_and_date():
    assert (
        export_name("chart_ca", "compare", digest="3f9a2c1b", ext="png", date=DAY)
        == "rebalancing_compare_chart_ca_3f9a2c1b_2026-11-29.png"
    )
    assert (
        export_name("results", digest="3f9a2c1b", ext="meta.json", date=DAY)
        == "rebalancing_results_3f9a2c1b_2026-11-29.meta.json"
    )
    # no path separators or spaces from a view or key, and today's date by default
    name = export_name("a/b c", "../x", digest="0", ext=".csv")
    assert "/" not in name and " " not in name and datetime.date.today().isoformat() in name


def test_lever_values_read_as_text():
    assert lever_value_text("global.monetary_response", 1.05) == "1.05 x Taylor (1993)"
    assert lever_value_text("unilateral.us_tariff_on_cn", 60.0) == "60%"
    assert lever_value_text("global.horizon", 2045) == "2045"
    assert lever_value_text("global.two_country", True) == "on"
    assert lever_value_text("disorderly.side", "CN") == "CN"


def test_citation_block_names_levers_link_version_and_date(changed):
    scn, res = changed
    fig = charts.compare_charts(res)["ca"]
    cit = citation(scn, LINK, DAY)
    out = with_citation(fig, cit)
    block = [a for a in out.layout.annotations if a.name == "citation"]
    assert len(block) == 1
    text = block[0].text.replace("<br>", " ")
    for needle in (
        "Monetary policy response: 1.05 x Taylor (1993)",
        "Orderly rebalancing – Currency adjustment speed: 3 % per pp per year (default 2)",
        "Two-country mode: on (default off)",
        "3 lever(s) changed",
        f"v{rb.__version__}",
        "2026-11-29",
        scenario_digest(scn),
    ):
        assert needle in text, needle
    # the link is clickable and shown in full (wrapped pieces, & escaped for the markup)
    assert f'href="{LINK.replace("&", "&amp;")}"' in block[0].text
    shown = "".join(re.findall(r"<a [^>]*>([^<]*)</a>", block[0].text)).replace("&amp;", "&")
    assert shown == LINK
    # below the source note, with room made for it: the plot keeps its height
    source = next(a for a in fig.layout.annotations if "Source:" in a.text)
    assert block[0].yshift < source.yshift
    grow = out.layout.height - fig.layout.height
    assert grow > 0 and out.layout.margin.b - fig.layout.margin.b == grow
    assert len(fig.layout.annotations) == len(out.layout.annotations) - 1  # a copy


def test_citation_without_changes_or_link():
    cit = citation(Scenario(), None, DAY)
    assert "all levers at their defaults" in cit.text() and "Reproduce: load" in cit.text()


def test_single_chart_html_has_title_and_citation(changed):
    scn, res = changed
    html = export_figure(charts.bilateral_balance(res), "html", citation(scn, LINK, DAY)).decode()
    assert "<title>US-China bilateral balance (USD bn, 2024 prices)</title>" in html
    assert 'src="https://cdn' not in html and "Monetary policy response" in html
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in html


def test_html_bundle_has_one_plotly_js_and_a_title(changed):
    scn, res = changed
    figs = dict(list(charts.compare_charts(res).items())[:3])
    html = html_page(figs, title="Rebalancing: Compare paths", cit=citation(scn, LINK, DAY))
    js = plotly.offline.get_plotlyjs()
    assert html.count(js[:300]) == 1
    assert html.count("<script") - html.count("<script", html.index("</head>")) == 1
    head = html[: html.index("</head>")]
    assert "<title>Rebalancing: Compare paths</title>" in head
    assert len(re.findall(r'class="plotly-graph-div"', html)) == 3
    assert len(html) < len(js) + 300_000  # one copy, not three


def _check_chart_csv(text: str, key: str, fig) -> None:
    df = pd.read_csv(io.StringIO(text))
    assert list(df.columns) == ["chart", "panel", "series", "x", "y", "unit"]
    assert set(df.chart) == {key} and set(df.unit) == {fig.layout.yaxis.title.text}
    k = 0
    for t in fig.data:
        y = np.asarray(t.y, dtype=float)
        got = df.iloc[k : k + len(y)]
        k += len(y)
        assert got.series.str.startswith(t.name).all()
        if getattr(t, "fill", None) == "toself":  # a band: upper edge, then lower edge
            n = len(y) // 2
            y = np.concatenate([y[:n], y[n:][::-1]])
        else:
            assert list(got.x) == [int(v) for v in t.x]
        np.testing.assert_allclose(got.y.to_numpy(), y, rtol=1e-9)
    assert k == len(df)


def test_chart_data_frame_is_the_traces(changed, default_results):
    _, res = changed
    fig = charts.compare_charts(res)["ca"]
    df = chart_data_frame(fig, "ca")
    assert set(df.panel) == {"US", "China"}
    us = df[(df.panel == "US") & (df.series == "Orderly")]
    np.testing.assert_allclose(
        us.y, res.series("orderly", "US", "current_account_pct_gdp").values, rtol=1e-12
    )
    from rebalancing.history import history_frame, projection_frame

    fan = charts.history_fan(
        history_frame(), projection_frame(2040), default_results, "CN", "consumption_pct_gdp", "x"
    )
    _check_chart_csv(safe_frame(chart_data_frame(fan, "fan")).to_csv(index=False), "fan", fan)


def test_history_csv_carries_the_scenario():
    from rebalancing.history import history_frame, projection_frame

    hist, proj = history_frame(), projection_frame(2040)
    scn = Scenario().with_values({"orderly.kappa": 3.0})
    text = history_csv(hist, proj, scn, share_link=LINK, date=DAY)
    head = [x for x in text.splitlines() if x.startswith("#")]
    assert any(scenario_digest(scn) in x and "Currency adjustment speed" in x for x in head)
    assert any(LINK in x for x in head) and any("2026-11-29" in x for x in head)
    blob = next(x for x in head if x.startswith("# Scenario JSON: "))
    assert parse_scenario(blob[len("# Scenario JSON: ") :], "x.json") == scn
    df = pd.read_csv(io.StringIO(text), comment="#")
    want = pd.read_csv(io.StringIO(table_csv(pd.concat([hist, proj]).set_index("path"))))
    pd.testing.assert_frame_equal(df, want)


def _pack(res, scn):
    figs = {f"chart_{k}": f for k, f in charts.compare_charts(res).items()}
    data = chart_pack(
        figs,
        res,
        view="compare",
        share_link=LINK,
        scenario_json=dumps_scenario(scn),
        view_title="Compare paths",
        date=DAY,
    )
    return figs, zipfile.ZipFile(io.BytesIO(data))


@needs_browser
def test_chart_pack_has_every_chart_its_data_and_a_readme(changed):
    scn, res = changed
    figs, z = _pack(res, scn)
    folder = f"rebalancing_compare_charts_{scenario_digest(scn)}_2026-11-29/"
    names = z.namelist()
    assert all(n.startswith(folder) for n in names)
    names = {n[len(folder) :] for n in names}
    for key in figs:
        assert {f"{key}.png", f"{key}.svg", f"{key}.csv"} <= names
    assert {"README.txt", "scenario.json", "results.meta.json", "charts.html"} <= names
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    read = lambda name: z.read(folder + name)  # noqa: E731
    for key, fig in figs.items():
        assert read(f"{key}.png").startswith(b"\x89PNG")
        svg = read(f"{key}.svg").decode()
        assert svg.lstrip().startswith("<svg") and "Monetary policy response" in svg
        _check_chart_csv(read(f"{key}.csv").decode(), key, fig)
    assert parse_scenario(read("scenario.json"), "scenario.json") == scn
    assert json.loads(read("results.meta.json"))["scenario"] == scn.to_dict()
    html = read("charts.html").decode()
    assert html.count(plotly.offline.get_plotlyjs()[:300]) == 1 and "<title>" in html
    readme = read("README.txt").decode()
    for needle in (
        "Compare paths",
        rb.__version__,
        "2026-11-29",
        LINK,
        "Monetary policy response: 1.05 x Taylor (1993)",
        *res.calibration.vintages,
        "How to cite",
    ):
        assert needle in readme, needle


def test_chart_pack_without_browser_keeps_the_data(changed, monkeypatch):
    monkeypatch.setattr("rebalancing.export.chromium_path", lambda: None)
    scn, res = changed
    figs, z = _pack(res, scn)
    names = {n.split("/", 1)[1] for n in z.namelist()}
    assert not any(n.endswith((".png", ".svg")) for n in names)
    assert {f"{k}.csv" for k in figs} <= names and "README.txt" in names
    readme = z.read(next(n for n in z.namelist() if n.endswith("README.txt"))).decode()
    assert "apt-get install chromium" in readme


@needs_browser
def test_deck_has_a_slide_per_chart_titled_like_the_chart(changed):
    from pptx import Presentation

    scn, res = changed
    figs = charts.compare_charts(res)
    data = deck(figs, res, view="compare", share_link=LINK, view_title="Compare paths", date=DAY)
    prs = Presentation(io.BytesIO(data))
    slides = list(prs.slides)
    assert len(slides) == 1 + len(figs)
    assert slides[0].shapes.title.text == "Rebalancing: Compare paths"
    first = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert scenario_digest(scn) in first and "Currency adjustment speed" in first
    assert [s.shapes.title.text for s in slides[1:]] == [plain_title(f) for f in figs.values()]
    for s in slides[1:]:
        assert sum(1 for sh in s.shapes if sh.shape_type == 13) == 1  # the chart picture
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        for needle in ("Source:", LINK, rb.__version__, "2026-11-29", "Monetary policy"):
            assert needle in text, needle
        for sh in s.shapes:  # on the slide
            assert sh.left + sh.width <= prs.slide_width and sh.top + sh.height <= prs.slide_height


def test_deck_without_browser_says_what_to_install(changed, monkeypatch):
    monkeypatch.setattr("rebalancing.export.chromium_path", lambda: None)
    scn, res = changed
    with pytest.raises(ExportUnavailable, match="apt-get install chromium"):
        deck(charts.compare_charts(res), res, view="compare", share_link=None)
