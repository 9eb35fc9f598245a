"""Export builders: complete, parseable, injection-safe files; charts as PNG, SVG, HTML."""

import io
import json

import pandas as pd
import pytest

from rebalancing import PATHS, charts, parse_scenario
from rebalancing.export import (
    ExportUnavailable,
    chromium_path,
    figure_bytes,
    results_csv,
    results_meta_json,
    safe_cell,
    safe_frame,
    table_csv,
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
