"""Charts and tables a reader can read: colours that survive colour-vision deficiencies and
never carry meaning alone, numbers in the precision of their unit, spreadsheet-ready CSVs,
and dated events on the time charts."""

from __future__ import annotations

import io
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from rebalancing import charts
from rebalancing.export import results_csv, table_csv
from rebalancing.history import history_frame, projection_frame
from rebalancing.paths import PATHS as PATH_IDS

# --- colour-vision simulation and colour difference ----------------------------------------

# Machado, G. M., Oliveira, M. M. and Fernandes, L. A. F. (2009), "A Physiologically-based
# Model for Simulation of Color Vision Deficiency", IEEE Transactions on Visualization and
# Computer Graphics 15(6), 1291-1298, Table 1: the matrices for severity 1.0 (dichromacy),
# applied to linear RGB.
MACHADO_2009 = {
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}
VISIONS = ("normal", "deuteranopia", "protanopia")


def linear_rgb(hex_color: str) -> np.ndarray:
    """sRGB '#rrggbb' to linear RGB (IEC 61966-2-1)."""
    c = np.array([int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    """Linear sRGB to CIELAB (D65 white)."""
    m = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = m @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(hex_color: str, vision: str) -> np.ndarray:
    """The colour in CIELAB as seen with ``vision`` (the simulation clipped to the gamut)."""
    rgb = linear_rgb(hex_color)
    if vision != "normal":
        rgb = np.clip(MACHADO_2009[vision] @ rgb, 0, 1)
    return lab(rgb)


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), following Sharma, Wu and Dalal (2005),
    "The CIEDE2000 color-difference formula: implementation notes, supplementary test data,
    and mathematical observations", Color Research & Application 30(1), 21-30."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    cbar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cbar**7 / (cbar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dlp, dcp = L2 - L1, c2p - c1p
    dhp = 0.0
    if c1p * c2p:
        dhp = h2p - h1p
        dhp -= 360 if dhp > 180 else (-360 if dhp < -180 else 0)
    dhp_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lbar, cbarp = (L1 + L2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        hbar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbar = (h1p + h2p) / 2
    else:
        hbar = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hbar - 30))
        + 0.24 * math.cos(math.radians(2 * hbar))
        + 0.32 * math.cos(math.radians(3 * hbar + 6))
        - 0.20 * math.cos(math.radians(4 * hbar - 63))
    )
    rc = 2 * math.sqrt(cbarp**7 / (cbarp**7 + 25**7))
    rt = -math.sin(math.radians(60 * math.exp(-(((hbar - 275) / 25) ** 2)))) * rc
    sl = 1 + 0.015 * (lbar - 50) ** 2 / math.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    dl, dc, dh = dlp / sl, dcp / sc, dhp_big / sh
    return math.sqrt(dl**2 + dc**2 + dh**2 + rt * dc * dh)


@pytest.mark.parametrize(
    "lab1,lab2,expected",
    [  # Sharma, Wu and Dalal (2005), Table 1, pairs 1, 7, 17, 31, 34
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ],
)
def test_ciede2000_matches_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def min_difference(palette: dict[str, str], vision: str) -> tuple[float, str, str]:
    return min(
        (ciede2000(seen(palette[a], vision), seen(palette[b], vision)), a, b)
        for a, b in itertools.combinations(palette, 2)
    )


# Threshold: CIEDE2000 >= 20 between every pair, for every vision. The old path palette had
# Disorderly (#d62728) and Unilateral (#ff7f0e) at 17.4 under simulated deuteranopia and
# Orderly/Unilateral at 16.9 under protanopia, and readers found those pairs the same olive;
# so the bar sits clearly above 17.4. (CIE76 is no test here: it put that pair at 28.)
# Lines are thin marks, which need larger differences than patches (Stone, Albers Szafir and
# Setlur 2014), hence a "large difference" bar rather than the just-noticeable ~2.
MIN_DELTA_E00 = 20.0
PALETTES = {
    "paths": charts.PATH_COLORS,
    "regions": charts.REGION_COLORS,
    "sectors": charts.SECTOR_COLORS,
}


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("name", list(PALETTES))
def test_palettes_stay_distinct_under_colour_vision_deficiency(name, vision):
    d, a, b = min_difference(PALETTES[name], vision)
    assert d >= MIN_DELTA_E00, f"{name}: {a} and {b} are {d:.1f} apart for {vision}"


def test_the_old_path_palette_fails_the_bar():
    """The threshold catches the palette readers complained about."""
    old = dict(zip(PATH_IDS, ("#444444", "#1b9e77", "#d62728", "#ff7f0e", "#1f77b4")))
    assert min(min_difference(old, v)[0] for v in VISIONS) < MIN_DELTA_E00


def contrast_on_white(hex_color: str) -> float:
    """WCAG 2 contrast ratio against white."""
    y = float(np.array([0.2126, 0.7152, 0.0722]) @ linear_rgb(hex_color))
    return 1.05 / (y + 0.05)


def test_path_lines_have_3_to_1_contrast_on_white():
    """WCAG 2.1 non-text contrast (1.4.11) for the lines."""
    for path, color in charts.PATH_COLORS.items():
        assert contrast_on_white(color) >= 3.0, path


def test_every_path_has_its_own_colour_dash_and_marker():
    for table in (charts.PATH_COLORS, charts.PATH_DASHES, charts.PATH_MARKERS):
        assert set(table) == set(PATH_IDS)
        assert len(set(table.values())) == len(PATH_IDS)


@pytest.fixture(scope="module")
def hist_proj(default_results):
    return history_frame(), projection_frame(int(default_results.years[-1]))


def path_traces(fig) -> list:
    return [t for t in fig.data if t.legendgroup in PATH_IDS and t.type == "scatter"]


def test_every_trace_of_a_path_uses_its_style_on_every_chart(default_results, hist_proj):
    res = default_results
    figs = list(charts.compare_charts(res).values())
    figs += list(charts.compare_charts(res, charts.Style.presentation()).values())
    figs += [
        charts.history_fan(*hist_proj, res, r, v, t, paths=("baseline", "disorderly"))
        for r, v, t in charts.HISTORY_CHARTS.values()
    ]
    seen_paths = set()
    for fig in figs:
        traces = path_traces(fig)
        assert traces, fig.layout.title.text
        for tr in traces:
            p = tr.legendgroup
            seen_paths.add(p)
            assert tr.line.color == charts.PATH_COLORS[p]
            assert tr.line.dash == charts.PATH_DASHES[p]
            assert tr.marker.symbol == charts.PATH_MARKERS[p] and "markers" in tr.mode
    assert seen_paths == set(PATH_IDS)


def test_bars_are_told_apart_by_more_than_hue(default_results):
    fig = charts.sectoral_balances(default_results, "orderly")
    shapes = {t.legendgroup: t.marker.pattern.shape for t in fig.data}
    assert len(set(shapes.values())) == 3


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "v,unit,text",
    [
        (-214.3, "USD bn", "-214"),
        (1291.5, "USD bn, 2024 prices", "1,292"),
        (-0.04, "% of GDP", "0.0"),
        (-0.4, "USD bn", "0"),
        (-2.46, "% of GDP", "-2.5"),
        (103.26, "index, 2024 = 100", "103.3"),
        (float("nan"), "% of GDP", "n/a"),
    ],
)
def test_numbers_in_the_precision_of_their_unit(v, unit, text):
    assert charts.format_number(v, charts.number_format(unit)) == text


def test_headline_table_formats_by_row_unit_and_never_shows_negative_zero(default_results):
    t = charts.headline_table(default_results, 2030)
    assert t.index.name == "indicator"
    f = charts.formatted(t)
    usd = f.loc["US-China bilateral balance, USD bn"]
    assert all("." not in x for x in usd)
    assert all(x.count(".") == 1 and len(x.split(".")[1]) == 1 for x in f.iloc[0])
    assert not any(x.startswith("-0") and float(x) == 0 for x in f.values.ravel())
    big = charts.formatted(pd.DataFrame({"a": [-12345.6]}, index=["x, USD bn"]))
    assert big.iloc[0, 0] == "-12,346"


def test_hover_labels_use_the_unit_precision(default_results):
    figs = charts.compare_charts(default_results)
    assert all(":,.1f}" in t.hovertemplate for t in figs["ca"].data)
    assert all(":,.0f}" in t.hovertemplate for t in figs["bilateral"].data)
    mirror = charts.world_mirror(default_results, "orderly")
    assert ":,.0f}" in mirror.data[0].hovertemplate


def test_flow_matrix_net_lending_has_its_ordinary_sign(default_results):
    res, year = default_results, 2030
    fm = charts.flow_matrix(res, "baseline", year)
    row = fm.loc[charts.NET_LENDING]
    t_minus_g = res.value("baseline", "US", "public_saving", year)
    assert t_minus_g < 0  # the US runs a public deficit
    assert row["US public"] == pytest.approx(t_minus_g)
    assert row["US public"] == pytest.approx(
        fm.loc["Net taxes", "US public"] + fm.loc["Government consumption", "US public"]
    )
    ca = res.value("baseline", "US", "current_account", year)
    assert row["US private"] + row["US public"] == pytest.approx(ca, rel=1e-9)
    assert abs(fm["Row sum"]).max() < 1e-6 and abs(fm.loc["Column sum"]).max() < 1e-6
    assert all(pd.api.types.is_float_dtype(d) for d in fm.dtypes)  # numeric; format to show
    shown = charts.formatted(fm, unit="USD bn")
    assert shown.loc[charts.NET_LENDING, "US public"].startswith("-")
    assert "," in shown.loc["Consumption", "US production"]
    assert "-0" not in set(shown.values.ravel())
    r = charts.rounded(fm, "USD bn")
    assert all(pd.api.types.is_float_dtype(d) for d in r.dtypes)
    assert not np.signbit(r.values[r.values == 0]).any()  # no -0.0 for the grid to show
    assert (r.values == np.round(r.values)).all()


# --- CSV for spreadsheets -----------------------------------------------------------------


def test_table_csv_is_excel_ready(default_results):
    text = table_csv(charts.headline_table(default_results, 2030))
    assert text.startswith("\ufeff")
    assert "\u2212" not in text
    df = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")))
    assert df.columns[0] == "indicator"
    assert "Orderly - status quo" in df.columns
    assert pd.api.types.is_float_dtype(df["Orderly"])


def test_results_csv_keeps_its_interface(default_results):
    text = results_csv(default_results)
    assert text.startswith("path,region,year,variable,value,unit\n")


# --- events -----------------------------------------------------------------------------


def event_lines(fig) -> list[float]:
    return sorted(s.x0 for s in fig.layout.shapes or ())


def test_compare_charts_mark_the_events_in_their_range(default_results):
    res = default_results
    start, crisis = res.scenario.global_.policy_start, res.crisis_year()
    for key, fig in charts.compare_charts(res).items():
        xs = event_lines(fig)
        panels = 2 if key in ("ca", "gdp_vs_sq", "nfa", "others_ca") else 1
        # 2018 is before the model's first year; the 2025 events, start and crisis are in
        assert len(xs) == 4 * panels, key
        assert min(xs) > 2025 and start in xs and crisis in xs
        note = next(a.text for a in fig.layout.annotations if "Source:" in a.text)
        assert "PIIE" in note and "Geneva" in note and "Section 301" not in note


def test_history_fans_show_2018_and_the_crisis_only_with_the_disorderly_path(
    default_results, hist_proj
):
    res = default_results
    r, v, t = charts.HISTORY_CHARTS["us_ca"]
    with_crisis = charts.history_fan(*hist_proj, res, r, v, t, paths=("baseline", "disorderly"))
    without = charts.history_fan(*hist_proj, res, r, v, t, paths=("baseline", "orderly"))
    xs = event_lines(with_crisis)
    assert 2018.5 < xs[0] < 2018.52 and float(res.crisis_year()) in xs
    assert float(res.crisis_year()) not in event_lines(without)
    assert len(event_lines(without)) == 4
    note = with_crisis.layout.annotations[0].text  # the source note
    assert "Section 301" in note.replace("<br>", " ") and "PIIE" in note


@pytest.mark.parametrize("style", [charts.Style(), charts.Style.presentation()])
def test_event_labels_sit_inside_the_plot_above_the_data(default_results, hist_proj, style):
    """Labels are placed in the plot area (never in the title's or legend's margins), in
    rows that do not overlap, and the y range leaves them room above the data."""
    res = default_results
    figs = list(charts.compare_charts(res, style).values())
    figs.append(charts.history_fan(*hist_proj, res, "US", "current_account_pct_gdp", "x", style))
    for fig in figs:
        labels = [a for a in fig.layout.annotations if a.hovertext]
        assert labels
        lay = fig.layout
        for a in labels:
            assert a.yref.endswith(" domain") and 0 < a.y <= 1 and a.yanchor == "top"
            yaxis = lay[a.yref.split()[0].replace("y", "yaxis")]
            lo, hi = yaxis.range
            data = [
                np.nanmax(np.asarray(t.y, dtype=float))
                for t in fig.data
                if (t.yaxis or "y") == a.yref.split()[0]
            ]
            rows = round((1 - min(b.y for b in labels if b.yref == a.yref)) * (style.height - 80))
            # the top of the data sits below the lowest label row
            assert (max(data) - lo) / (hi - lo) <= 1 - rows / (style.height - 80)


def test_figures_rebuilt_from_specs_reach_the_browser_and_files_unchanged(default_results):
    """charts.figures_from_specs (the compare view drawn by the dashboard's worker): the
    JSON Streamlit sends for a rebuilt figure, its HTML file and its data CSV (the chart
    pack's) are those of the figure built here; a change to a rebuilt figure leaves the
    specs as they were."""
    import json

    import plotly.io
    import plotly.tools

    from rebalancing.export import chart_data_csv, citation, export_figure

    def sent(fig):  # what st.plotly_chart does with a figure (Streamlit 1.67)
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True))

    figs = charts.compare_charts(default_results)
    specs = charts.figure_specs(figs)
    before = json.dumps(specs, sort_keys=True)
    rebuilt = charts.figures_from_specs(specs)
    assert list(rebuilt) == list(figs)
    for key, fig in figs.items():
        assert sent(rebuilt[key]) == sent(fig)
    cit = citation(default_results.scenario, "http://localhost/?view=compare")
    assert export_figure(rebuilt["ca"], "html", cit) == export_figure(figs["ca"], "html", cit)
    assert isinstance(rebuilt["ca"].data[0].y, dict)  # kept as plotly's typed array
    for key, fig in figs.items():  # the chart pack's CSVs (typed arrays decoded)
        assert chart_data_csv(rebuilt[key], key) == chart_data_csv(fig, key)
    rebuilt["ca"].update_layout(title_text="changed")
    rebuilt["ca"].data[0].y = [0.0]
    assert json.dumps(specs, sort_keys=True) == before


def test_a_two_country_pin_beside_four_regions_draws_where_it_has_the_region(
    default_results, two_country_results
):
    """Found by the random walk (seed 289441): a pinned two-country scenario beside a
    four-region one has no BLOC or ROW; the charts of those regions draw without it, the
    US and China charts with it."""
    pinned = ("Two", two_country_results)
    figs = charts.compare_charts(default_results, charts.Style(), pinned, None)
    assert figs
    names = [t.name for f in figs.values() for t in f.data if t.name]
    assert any("Two" in n for n in names)  # the pin is drawn where its regions are
