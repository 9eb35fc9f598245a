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
from plotly.subplots import make_subplots

from . import __version__
from .calibration import REGION_NAMES
from .paths import PATH_TITLES
from .results import Results

PATH_COLORS = {"baseline": "#444444", "orderly": "#1b9e77", "disorderly": "#d62728",
               "unilateral": "#ff7f0e", "subglobal": "#1f77b4"}
REGION_COLORS = {"US": "#3b6ea8", "CN": "#c0392b", "BLOC": "#2e8b57", "ROW": "#9b8e7e"}
SECTOR_COLORS = {"private": "#4c78a8", "public": "#f58518", "foreign": "#54a24b"}
MODEL_SOURCE = (f"Source: Rebalancing model v{__version__}; data IMF WEO Oct 2025, World Bank "
                "WDI, UN AMA, US Census, BEA, SAFE, PIIE (data/README.md). Assumptions: "
                "docs/model.md.")
HISTORY_SOURCE = ("Data: IMF WEO Oct 2025 (saving, current account), UN AMA 2026-02 "
                  "(consumption). Projection: statsmodels UC local level, 80%/95% bands.")


@dataclass(frozen=True)
class Style:
    """Presentation mode enlarges fonts; titles, units and sources stay."""
    font_size: int = 13
    height: int = 380

    @classmethod
    def presentation(cls) -> "Style":
        return cls(font_size=20, height=520)


def _wrap(text: str, width: int) -> str:
    """Break a note into lines for a plotly annotation (which does not wrap by itself)."""
    import textwrap
    return "<br>".join(textwrap.wrap(text, width))


def _finish(fig: go.Figure, title: str, source: str, style: Style, *, ytitle: str,
            xtitle: str = "Year", legend: bool = True) -> go.Figure:
    """Title, axis titles, legend below the plot, and the source note below the legend."""
    note_size = max(10, style.font_size - 3)
    note = _wrap(source, int(1000 / note_size))
    note_h = (note.count("<br>") + 1) * (note_size + 5)
    axis_h = 30 + 2 * style.font_size                 # tick labels + x-axis title
    legend_h = (2 * style.font_size + 20) if legend else 0
    bottom = axis_h + legend_h + note_h + 15
    plot_h = style.height - 80
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=style.font_size + 5)),
        template="plotly_white", height=plot_h + 80 + bottom,
        font=dict(size=style.font_size), margin=dict(l=70, r=20, t=80, b=bottom),
        showlegend=legend, hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-axis_h / plot_h, xanchor="left", x=0))
    fig.update_xaxes(title_text=xtitle, title_standoff=4)
    fig.update_yaxes(title_text=ytitle, zeroline=True, zerolinecolor="#999")
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=0,
                       yshift=-(axis_h + legend_h + 5), xanchor="left", yanchor="top",
                       showarrow=False, align="left", font=dict(size=note_size, color="#666"))
    return fig


def _scenario_note(res: Results) -> str:
    n = len(res.scenario.changed())
    mode = "two-country" if res.scenario.global_.two_country else "four-region"
    return f"{MODEL_SOURCE} Scenario: {mode}, {n} lever(s) changed from defaults."


def _path_lines(fig, res: Results, region: str, variable: str, *, row=None, col=None,
                show_legend=True):
    for path in res.paths:
        s = res.series(path, region, variable)
        kw = dict(row=row, col=col) if row else {}
        fig.add_trace(go.Scatter(
            x=s.index, y=s.values, mode="lines", name=PATH_TITLES[path], legendgroup=path,
            showlegend=show_legend, line=dict(color=PATH_COLORS[path], width=2.5,
                                              dash="dot" if path == "baseline" else "solid"),
            hovertemplate=f"{PATH_TITLES[path]}: %{{y:.2f}}<extra></extra>"), **kw)


def two_region_paths(res: Results, variable: str, title: str, unit: str,
                     style: Style = Style()) -> go.Figure:
    """One line per path, US and China side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[REGION_NAMES["US"], REGION_NAMES["CN"]],
                        shared_yaxes=False, horizontal_spacing=0.08)
    for k, region in enumerate(("US", "CN"), start=1):
        _path_lines(fig, res, region, variable, row=1, col=k, show_legend=(k == 1))
    _finish(fig, f"{title} ({unit})", _scenario_note(res), style, ytitle=unit)
    fig.update_yaxes(title_text=unit, col=1)
    fig.update_yaxes(title_text="", col=2)
    return fig


def one_region_paths(res: Results, region: str, variable: str, title: str, unit: str,
                     style: Style = Style()) -> go.Figure:
    fig = go.Figure()
    _path_lines(fig, res, region, variable)
    return _finish(fig, f"{title} ({unit})", _scenario_note(res), style, ytitle=unit)


def bilateral_balance(res: Results, style: Style = Style()) -> go.Figure:
    """US goods balance with China: US exports to CN - US imports from CN."""
    fig = go.Figure()
    for path in res.paths:
        bal = (res.series(path, "US", "exports_to_CN") - res.series(path, "CN", "exports_to_US"))
        fig.add_trace(go.Scatter(
            x=bal.index, y=bal.values, mode="lines", name=PATH_TITLES[path],
            line=dict(color=PATH_COLORS[path], width=2.5,
                      dash="dot" if path == "baseline" else "solid"),
            hovertemplate=f"{PATH_TITLES[path]}: %{{y:,.0f}}<extra></extra>"))
    unit = "USD bn, 2024 prices"
    return _finish(fig, f"US-China bilateral balance ({unit})<br><sup>US exports to China "
                        "less US imports from China</sup>",
                   _scenario_note(res) + " 2024: Census goods trade.", style, ytitle=unit)


def world_mirror(res: Results, path: str, style: Style = Style()) -> go.Figure:
    """Current accounts of all regions as stacked bars, with their (zero) sum."""
    fig = go.Figure()
    years = res.years
    total = np.zeros(len(years))
    for region in res.regions:
        s = res.series(path, region, "current_account")
        total = total + s.values
        fig.add_trace(go.Bar(x=years, y=s.values, name=REGION_NAMES[region],
                             marker_color=REGION_COLORS[region],
                             hovertemplate=f"{REGION_NAMES[region]}: %{{y:,.0f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=total, mode="markers+lines", name="World sum",
                             line=dict(color="black", width=1),
                             marker=dict(symbol="diamond", size=7, color="black"),
                             hovertemplate="World sum: %{y:.2e}<extra></extra>"))
    fig.update_layout(barmode="relative")
    unit = "USD bn, 2024 prices"
    mode = ("two-country mode: the US and China bars are mirror images"
            if res.scenario.global_.two_country else "the bars sum to zero every year")
    return _finish(fig, f"The world mirror: current accounts ({unit})<br><sup>"
                        f"{PATH_TITLES[path]} path</sup>",
                   f"{_scenario_note(res)} {mode.capitalize()}.", style, ytitle=unit)


def sectoral_balances(res: Results, path: str, style: Style = Style()) -> go.Figure:
    """Private (S_p - I), public (T - G) and foreign (-CA) balances, % of GDP; they sum to
    zero."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[REGION_NAMES["US"], REGION_NAMES["CN"]],
                        horizontal_spacing=0.08)
    names = {"private": "Private (S_p - I)", "public": "Public (T - G)",
             "foreign": "Foreign (-CA)"}
    for k, region in enumerate(("US", "CN"), start=1):
        for sector in ("private", "public", "foreign"):
            s = res.series(path, region, f"{sector}_balance_pct_gdp")
            fig.add_trace(go.Bar(x=s.index, y=s.values, name=names[sector],
                                 legendgroup=sector, showlegend=(k == 1),
                                 marker_color=SECTOR_COLORS[sector],
                                 hovertemplate=f"{names[sector]}: %{{y:.2f}}<extra></extra>"),
                          row=1, col=k)
    fig.update_layout(barmode="relative")
    unit = "% of GDP"
    _finish(fig, f"Sectoral balances ({unit})<br><sup>{PATH_TITLES[path]} path</sup>",
            f"{_scenario_note(res)} Private + public + foreign = 0. Public saving in 2024 "
            "is an assumption (docs/model.md 3.2).", style, ytitle=unit)
    fig.update_yaxes(title_text="", col=2)
    return fig


HISTORY_CHARTS = {
    "cn_consumption": ("CN", "consumption_pct_gdp", "China household consumption"),
    "us_saving": ("US", "saving_pct_gdp", "US national saving rate"),
    "us_ca": ("US", "current_account_pct_gdp", "US current account"),
    "cn_ca": ("CN", "current_account_pct_gdp", "China current account"),
}


def history_fan(hist: pd.DataFrame, proj: pd.DataFrame, res: Results | None, region: str,
                variable: str, title: str, style: Style = Style(),
                paths: tuple[str, ...] | None = None) -> go.Figure:
    """1990-2024 data, the status-quo projection with 80%/95% bands, and the model paths
    (``paths``, default all of ``res``)."""
    fig = go.Figure()
    p = proj[(proj.region == region)]
    get = lambda suffix: p[p.variable == variable + suffix].set_index("year").value  # noqa
    lo95, hi95, lo80, hi80, mid = (get(s) for s in ("_lo95", "_hi95", "_lo80", "_hi80", ""))
    for lo, hi, name, alpha in ((lo95, hi95, "95% band", 0.15), (lo80, hi80, "80% band", 0.3)):
        fig.add_trace(go.Scatter(x=list(hi.index) + list(lo.index[::-1]),
                                 y=list(hi.values) + list(lo.values[::-1]), fill="toself",
                                 fillcolor=f"rgba(68,68,68,{alpha})", line=dict(width=0),
                                 name=name, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=mid.index, y=mid.values, mode="lines", name="Projection",
                             line=dict(color="#444", dash="dash")))
    h = hist[(hist.region == region) & (hist.variable == variable)].set_index("year").value
    fig.add_trace(go.Scatter(x=h.index, y=h.values, mode="lines", name="Data 1990-2024",
                             line=dict(color="black", width=3)))
    if res is not None:
        for path in paths or res.paths:
            s = res.series(path, region, variable).loc[2025:]
            fig.add_trace(go.Scatter(x=s.index, y=s.values, mode="lines",
                                     name=f"Model: {PATH_TITLES[path]}",
                                     line=dict(color=PATH_COLORS[path], width=2)))
    unit = "% of GDP"
    note = HISTORY_SOURCE
    if res is not None:
        note += " Model paths: the model's values (2024-calibrated; the US saving rate is "\
                "CA + I, 1 pp above WEO)."
    return _finish(fig, f"{title} ({unit})<br><sup>data 1990-2024, status-quo projection "
                        "with 80%/95% bands, model paths</sup>", note, style, ytitle=unit)


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
    return (res.value(path, "US", "exports_to_CN", year)
            - res.value(path, "CN", "exports_to_US", year))


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


def flow_matrix(res: Results, path: str, year: int) -> pd.DataFrame:
    """Transactions-flow matrix, USD bn: rows are transactions, columns are each region's
    production, private and public sectors; + a source of funds, - a use. Every row sums to
    zero across the world and every column sums to zero, so the last row and column (the
    sums) are the identity residuals."""
    v = lambda r, k: res.value(path, r, k, year)  # noqa: E731
    cols, data = [], {}
    rows = ["Consumption", "Government consumption", "Investment", "Net exports",
            "GDP paid out (value added)", "Net taxes", "Net foreign income",
            "Net lending (change in net foreign assets)"]
    for r in res.regions:
        C, G, I, NX = v(r, "consumption"), v(r, "government"), v(r, "investment"), \
            v(r, "net_exports")
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
        "ca": two_region_paths(res, "current_account_pct_gdp", "Current account", "% of GDP",
                               style),
        "gdp_vs_sq": two_region_paths(res, "gdp_vs_baseline_pct", "GDP vs status quo",
                                      "% difference", style),
        "cn_consumption": one_region_paths(res, "CN", "consumption_pct_gdp",
                                           "China household consumption share", "% of GDP",
                                           style),
        "us_saving": one_region_paths(res, "US", "saving_pct_gdp", "US national saving rate",
                                      "% of GDP", style),
        "nfa": two_region_paths(res, "nfa_pct_gdp", "Net foreign assets", "% of GDP", style),
        "bilateral": bilateral_balance(res, style),
    }

