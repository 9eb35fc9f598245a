"""Plotly figures and tables for the dashboard (and for anyone exporting charts from Python).

Every figure has a title with its unit, axis titles with units, and a source note at the
bottom. Builders take :class:`~rebalancing.results.Results` (and history/projection frames)
and return ``plotly.graph_objects.Figure``; they hold no model logic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import __version__
from .calibration import REGION_NAMES
from .paths import PATH_TITLES
from .results import Results

PATH_COLORS = {
    "baseline": "#444444",
    "orderly": "#1b9e77",
    "disorderly": "#d62728",
    "unilateral": "#ff7f0e",
    "subglobal": "#1f77b4",
}
REGION_COLORS = {"US": "#3b6ea8", "CN": "#c0392b", "BLOC": "#2e8b57", "ROW": "#9b8e7e"}
SECTOR_COLORS = {"private": "#4c78a8", "public": "#f58518", "foreign": "#54a24b"}
MODEL_SOURCE = (
    f"Source: Rebalancing model v{__version__}; data IMF WEO Oct 2025, World Bank "
    "WDI, UN AMA, US Census, BEA, SAFE, PIIE (data/README.md). Assumptions: "
    "docs/model.md."
)
HISTORY_SOURCE = (
    "Data: IMF WEO Oct 2025 (saving, current account), UN AMA 2026-02 "
    "(consumption). Projection: statsmodels UC local level, 80%/95% bands."
)


#: A small white template. plotly's "plotly_white" defines defaults for every trace type
#: and is deep-copied into each figure, which made building the six comparison charts take
#: ~190 ms per slider move; this one carries only what these charts use.
TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PATH_COLORS.values()),
        font=dict(color="#2a3f5f"),
        xaxis=dict(
            gridcolor="#EBF0F8",
            linecolor="#EBF0F8",
            ticks="",
            automargin=True,
            zerolinecolor="#EBF0F8",
        ),
        yaxis=dict(
            gridcolor="#EBF0F8",
            linecolor="#EBF0F8",
            ticks="",
            automargin=True,
            zerolinecolor="#EBF0F8",
        ),
        hoverlabel=dict(align="left"),
    )
)


@dataclass(frozen=True)
class Style:
    """Presentation mode enlarges fonts; titles, units and sources stay."""

    font_size: int = 13
    height: int = 380
    legend_width: int = 330  # px a legend row can fill: a half-width column (normal),
    # the full page (presentation); conservative for exports

    @classmethod
    def presentation(cls) -> Style:
        return cls(font_size=20, height=520, legend_width=1100)


def _legend_rows(traces: list[dict], style: Style) -> int:
    """Rows the horizontal legend wraps to: each entry ~3 font sizes of symbol and padding
    plus ~0.55 font size per character."""
    names = [t["name"] for t in traces if t.get("showlegend", True) and t.get("name")]
    px = sum(style.font_size * (3 + 0.55 * len(n)) for n in names)
    return max(1, int(np.ceil(px / style.legend_width)))


def _wrap(text: str, width: int) -> str:
    """Break a note into lines for a plotly annotation (which does not wrap by itself)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width))


def _figure(
    traces: list[dict],
    title: str,
    source: str,
    style: Style,
    *,
    ytitle: str,
    xtitle: str = "Year",
    panels: tuple[str, ...] = (),
    legend: bool = True,
    **layout,
) -> go.Figure:
    """One figure, built in a single pass from plain dicts (plotly validates once; repeated
    ``update_*`` calls and ``make_subplots`` cost ~8x more on every slider move).

    Title with unit, axis titles with units, legend below the plot and the source note
    below the legend. ``panels`` gives subplot titles for side-by-side panels (traces use
    ``xaxis``/``yaxis`` "x", "x2", ...).
    """
    note_size = max(10, style.font_size - 3)
    note = _wrap(source, int(800 / note_size))  # fits a half-width column
    note_h = (note.count("<br>") + 1) * (note_size + 5)
    axis_h = 30 + 2 * style.font_size  # tick labels + x-axis title
    legend_h = (_legend_rows(traces, style) * (style.font_size + 12) + 10) if legend else 0
    bottom = axis_h + legend_h + note_h + 15
    plot_h = style.height - 80
    axis = dict(zeroline=True, zerolinecolor="#999")
    annotations = [
        dict(
            text=note,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-(axis_h + legend_h + 5),
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font=dict(size=note_size, color="#666"),
        )
    ]
    lay = dict(
        template=TEMPLATE,
        height=plot_h + 80 + bottom,
        font=dict(size=style.font_size),
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=style.font_size + 5)),
        margin=dict(l=70, r=20, t=80, b=bottom),
        showlegend=legend,
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-axis_h / plot_h, xanchor="left", x=0),
    )
    if panels:
        k = len(panels)
        gap = 0.08
        width = (1 - gap * (k - 1)) / k
        for i, name in enumerate(panels):
            sfx = "" if i == 0 else str(i + 1)
            lo = i * (width + gap)
            lay[f"xaxis{sfx}"] = dict(
                domain=[lo, lo + width],
                anchor=f"y{sfx}",
                title=dict(text=xtitle, standoff=4),
                **axis,
            )
            lay[f"yaxis{sfx}"] = dict(
                anchor=f"x{sfx}", **axis, title=dict(text=ytitle if i == 0 else "")
            )
            annotations.append(
                dict(
                    text=name,
                    xref="paper",
                    yref="paper",
                    x=lo + width / 2,
                    y=1.0,
                    yanchor="bottom",
                    showarrow=False,
                    font=dict(size=style.font_size + 1),
                )
            )
    else:
        lay["xaxis"] = dict(title=dict(text=xtitle, standoff=4), **axis)
        lay["yaxis"] = dict(title=dict(text=ytitle), **axis)
    lay["annotations"] = annotations
    lay.update(layout)
    return go.Figure(data=traces, layout=lay)


def _scenario_note(res: Results) -> str:
    n = len(res.scenario.changed())
    mode = "two-country" if res.scenario.global_.two_country else "four-region"
    return f"{MODEL_SOURCE} Scenario: {mode}, {n} lever(s) changed from defaults."


def _line(
    x, y, name, color, *, dash="solid", panel="", legend=True, group=None, fmt=".2f", width=2.5
) -> dict:
    return dict(
        type="scatter",
        x=np.asarray(x),
        y=np.asarray(y, dtype=float),
        mode="lines",
        name=name,
        legendgroup=group or name,
        showlegend=legend,
        xaxis=f"x{panel}",
        yaxis=f"y{panel}",
        line=dict(color=color, width=width, dash=dash),
        hovertemplate=f"{name}: %{{y:{fmt}}}<extra></extra>",
    )


def _path_traces(
    res: Results, region: str, variable: str, panel: str = "", legend: bool = True, fmt: str = ".2f"
) -> list[dict]:
    out = []
    for path in res.paths:
        s = res.series(path, region, variable)
        out.append(
            _line(
                s.index,
                s.values,
                PATH_TITLES[path],
                PATH_COLORS[path],
                dash="dot" if path == "baseline" else "solid",
                panel=panel,
                legend=legend,
                group=path,
                fmt=fmt,
            )
        )
    return out


def two_region_paths(
    res: Results, variable: str, title: str, unit: str, style: Style = Style()
) -> go.Figure:
    """One line per path, US and China side by side."""
    traces = _path_traces(res, "US", variable) + _path_traces(
        res, "CN", variable, panel="2", legend=False
    )
    return _figure(
        traces,
        f"{title} ({unit})",
        _scenario_note(res),
        style,
        ytitle=unit,
        panels=(REGION_NAMES["US"], REGION_NAMES["CN"]),
    )


def one_region_paths(
    res: Results, region: str, variable: str, title: str, unit: str, style: Style = Style()
) -> go.Figure:
    return _figure(
        _path_traces(res, region, variable),
        f"{title} ({unit})",
        _scenario_note(res),
        style,
        ytitle=unit,
    )


def bilateral_balance(res: Results, style: Style = Style()) -> go.Figure:
    """US goods balance with China: US exports to CN - US imports from CN."""
    traces = []
    for path in res.paths:
        bal = res.series(path, "US", "exports_to_CN") - res.series(path, "CN", "exports_to_US")
        traces.append(
            _line(
                bal.index,
                bal.values,
                PATH_TITLES[path],
                PATH_COLORS[path],
                dash="dot" if path == "baseline" else "solid",
                fmt=",.0f",
            )
        )
    unit = "USD bn, 2024 prices"
    return _figure(
        traces,
        f"US-China bilateral balance ({unit})<br><sup>US exports to China "
        "less US imports from China</sup>",
        _scenario_note(res) + " 2024: Census goods trade.",
        style,
        ytitle=unit,
    )


def world_mirror(res: Results, path: str, style: Style = Style()) -> go.Figure:
    """Current accounts of all regions as stacked bars, with their (zero) sum."""
    years = np.asarray(res.years)
    ca = res.variables["current_account"][res.run_paths.index(path)]  # (T, n)
    traces = [
        dict(
            type="bar",
            x=years,
            y=ca[:, k],
            name=REGION_NAMES[r],
            marker=dict(color=REGION_COLORS[r]),
            hovertemplate=f"{REGION_NAMES[r]}: %{{y:,.0f}}<extra></extra>",
        )
        for k, r in enumerate(res.regions)
    ]
    traces.append(
        dict(
            type="scatter",
            x=years,
            y=ca.sum(-1),
            mode="markers+lines",
            name="World sum",
            line=dict(color="black", width=1),
            marker=dict(symbol="diamond", size=7, color="black"),
            hovertemplate="World sum: %{y:.2e}<extra></extra>",
        )
    )
    unit = "USD bn, 2024 prices"
    mode = (
        "two-country mode: the US and China bars are mirror images"
        if res.scenario.global_.two_country
        else "the bars sum to zero every year"
    )
    return _figure(
        traces,
        f"The world mirror: current accounts ({unit})<br><sup>{PATH_TITLES[path]} path</sup>",
        f"{_scenario_note(res)} {mode.capitalize()}.",
        style,
        ytitle=unit,
        barmode="relative",
    )


def sectoral_balances(res: Results, path: str, style: Style = Style()) -> go.Figure:
    """Private (S_p - I), public (T - G) and foreign (-CA) balances, % of GDP; they sum to
    zero."""
    names = {"private": "Private (S_p - I)", "public": "Public (T - G)", "foreign": "Foreign (-CA)"}
    traces = []
    for k, region in enumerate(("US", "CN")):
        for sector in ("private", "public", "foreign"):
            s = res.series(path, region, f"{sector}_balance_pct_gdp")
            traces.append(
                dict(
                    type="bar",
                    x=np.asarray(s.index),
                    y=s.values,
                    name=names[sector],
                    legendgroup=sector,
                    showlegend=(k == 0),
                    xaxis="x" if k == 0 else "x2",
                    yaxis="y" if k == 0 else "y2",
                    marker=dict(color=SECTOR_COLORS[sector]),
                    hovertemplate=f"{names[sector]}: %{{y:.2f}}<extra></extra>",
                )
            )
    unit = "% of GDP"
    return _figure(
        traces,
        f"Sectoral balances ({unit})<br><sup>{PATH_TITLES[path]} path</sup>",
        f"{_scenario_note(res)} Private + public + foreign = 0. Public saving in "
        "2024 is an assumption (docs/model.md 3.2).",
        style,
        ytitle=unit,
        panels=(REGION_NAMES["US"], REGION_NAMES["CN"]),
        barmode="relative",
    )


HISTORY_CHARTS = {
    "cn_consumption": ("CN", "consumption_pct_gdp", "China household consumption"),
    "us_saving": ("US", "saving_pct_gdp", "US national saving rate"),
    "us_ca": ("US", "current_account_pct_gdp", "US current account"),
    "cn_ca": ("CN", "current_account_pct_gdp", "China current account"),
}


def history_fan(
    hist: pd.DataFrame,
    proj: pd.DataFrame,
    res: Results | None,
    region: str,
    variable: str,
    title: str,
    style: Style = Style(),
    paths: tuple[str, ...] | None = None,
) -> go.Figure:
    """1990-2024 data, the status-quo projection with 80%/95% bands, and the model paths
    (``paths``, default all of ``res``)."""
    p = proj[(proj.region == region)]
    get = lambda suffix: p[p.variable == variable + suffix].set_index("year").value  # noqa
    lo95, hi95, lo80, hi80, mid = (get(s) for s in ("_lo95", "_hi95", "_lo80", "_hi80", ""))
    traces = []
    for lo, hi, name, alpha in ((lo95, hi95, "95% band", 0.15), (lo80, hi80, "80% band", 0.3)):
        traces.append(
            dict(
                type="scatter",
                x=list(hi.index) + list(lo.index[::-1]),
                y=list(hi.values) + list(lo.values[::-1]),
                fill="toself",
                fillcolor=f"rgba(68,68,68,{alpha})",
                line=dict(width=0),
                name=name,
                hoverinfo="skip",
            )
        )
    traces.append(_line(mid.index, mid.values, "Projection", "#444", dash="dash", width=2))
    h = hist[(hist.region == region) & (hist.variable == variable)].set_index("year").value
    traces.append(_line(h.index, h.values, "Data 1990-2024", "black", width=3))
    if res is not None:
        for path in paths or res.paths:
            s = res.series(path, region, variable).loc[2025:]
            traces.append(
                _line(s.index, s.values, f"Model: {PATH_TITLES[path]}", PATH_COLORS[path], width=2)
            )
    unit = "% of GDP"
    note = HISTORY_SOURCE
    if res is not None:
        note += (
            " Model paths: the model's values (2024-calibrated; the US saving rate is "
            "CA + I, 1 pp above WEO)."
        )
    return _figure(
        traces,
        f"{title} ({unit})<br><sup>data 1990-2024, status-quo projection "
        "with 80%/95% bands, model paths</sup>",
        note,
        style,
        ytitle=unit,
    )


# --- headline table and accounts --------------------------------------------------------

HEADLINES = (
    ("US", "current_account_pct_gdp", "US current account, % of GDP"),
    ("CN", "current_account_pct_gdp", "China current account, % of GDP"),
    ("CN", "consumption_pct_gdp", "China consumption share, % of GDP"),
    ("US", "saving_pct_gdp", "US saving rate, % of GDP"),
    ("US", "gdp_vs_baseline_pct", "US GDP vs status quo, %"),
    ("CN", "gdp_vs_baseline_pct", "China GDP vs status quo, %"),
    ("US", "nfa_pct_gdp", "US net foreign assets, % of GDP"),
    ("CN", "nfa_pct_gdp", "China net foreign assets, % of GDP"),
)


def bilateral_value(res: Results, path: str, year: int) -> float:
    return res.value(path, "US", "exports_to_CN", year) - res.value(
        path, "CN", "exports_to_US", year
    )


def headline_table(res: Results, year: int) -> pd.DataFrame:
    """Headline numbers at ``year``: one column per path, then each path minus the status
    quo. Index: indicator with unit."""
    data = {}
    for path in res.paths:
        col = [res.value(path, r, v, year) for r, v, _ in HEADLINES]
        col.append(bilateral_value(res, path, year))
        data[PATH_TITLES[path]] = col
    index = [label for _, _, label in HEADLINES] + ["US-China bilateral balance, USD bn"]
    df = pd.DataFrame(data, index=pd.Index(index, name=f"{year}"))
    if "baseline" in res.paths:
        sq = df[PATH_TITLES["baseline"]]
        for path in res.paths:
            if path != "baseline":
                df[f"{PATH_TITLES[path]} − status quo"] = df[PATH_TITLES[path]] - sq
    return df


def formatted(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A display copy with every number as text to ``decimals`` places (minus sign as '-')."""
    return df.map(lambda v: f"{v:,.{decimals}f}")


def flow_matrix(res: Results, path: str, year: int) -> pd.DataFrame:
    """Transactions-flow matrix, USD bn: rows are transactions, columns are each region's
    production, private and public sectors; + a source of funds, - a use. Every row sums to
    zero across the world and every column sums to zero, so the last row and column (the
    sums) are the identity residuals."""
    v = lambda r, k: res.value(path, r, k, year)  # noqa: E731
    cols, data = [], {}
    rows = [
        "Consumption",
        "Government consumption",
        "Investment",
        "Net exports",
        "GDP paid out (value added)",
        "Net taxes",
        "Net foreign income",
        "Net lending (change in net foreign assets)",
    ]
    for r in res.regions:
        C, G, I, NX = (
            v(r, "consumption"),
            v(r, "government"),
            v(r, "investment"),
            v(r, "net_exports"),
        )
        Y, T, NI = v(r, "gdp"), v(r, "net_taxes"), v(r, "net_income")
        Sp, Sg = v(r, "private_saving"), v(r, "public_saving")
        data[f"{r} production"] = [C, G, I, NX, -Y, 0.0, 0.0, 0.0]
        data[f"{r} private"] = [-C, 0.0, -I, 0.0, Y, -T, NI, -(Sp - I)]
        data[f"{r} public"] = [0.0, -G, 0.0, 0.0, 0.0, T, 0.0, -Sg]
        cols += [f"{r} production", f"{r} private", f"{r} public"]
    df = pd.DataFrame(data, index=pd.Index(rows, name=f"{PATH_TITLES[path]}, {year}"))[cols]
    df["Row sum"] = df.sum(axis=1)
    df.loc["Column sum"] = df.sum(axis=0)
    return df


def compare_charts(res: Results, style: Style = Style()) -> dict[str, go.Figure]:
    return {
        "ca": two_region_paths(
            res, "current_account_pct_gdp", "Current account", "% of GDP", style
        ),
        "gdp_vs_sq": two_region_paths(
            res, "gdp_vs_baseline_pct", "GDP vs status quo", "% difference", style
        ),
        "cn_consumption": one_region_paths(
            res, "CN", "consumption_pct_gdp", "China household consumption share", "% of GDP", style
        ),
        "us_saving": one_region_paths(
            res, "US", "saving_pct_gdp", "US national saving rate", "% of GDP", style
        ),
        "nfa": two_region_paths(res, "nfa_pct_gdp", "Net foreign assets", "% of GDP", style),
        "bilateral": bilateral_balance(res, style),
    }
