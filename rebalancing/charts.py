"""Plotly figures and tables for the dashboard (and for anyone exporting charts from Python).

Every figure has a title with its unit, axis titles with units, and a source note at the
bottom. Builders take :class:`~rebalancing.results.Results` (and history/projection frames)
and return ``plotly.graph_objects.Figure``; they hold no model logic.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .calibration import REGION_NAMES
from .paths import PATH_INFO, PATH_TITLES
from .results import Results
from .series import COMPARE_PANELS, HEADLINE, series
from .version import __version__

# Colours that stay apart under the common colour-vision deficiencies, and never colour
# alone: each path also has its own dash and marker, the same on every chart.
# Paths: Paul Tol's "medium-contrast" scheme (light blue, dark yellow, dark red, dark blue;
# https://personal.sron.nl/~pault/#sec:qualitative), with black for the status quo; every
# colour has >= 3:1 contrast on white. Regions: Tol's "high-contrast" scheme (blue, red,
# yellow) with his grey for the rest of the world. Sectors: three of Tol's "muted" colours,
# told apart by lightness and by a bar pattern. tests/unit/test_charts.py checks the minimum
# CIEDE2000 distance of every pair under normal vision, deuteranopia and protanopia.
PATH_COLORS = {k: v.colour for k, v in PATH_INFO.items()}
PATH_DASHES = {k: v.dash for k, v in PATH_INFO.items()}
PATH_MARKERS = {k: v.marker for k, v in PATH_INFO.items()}
#: Panel titles of the two-region charts: short, so that side-by-side panels never collide
#: on a narrow screen.
PANELS = ("US", "China")
SHORT_NAMES = {"US": "US", "CN": "China", "BLOC": "Bloc", "ROW": "Others"}
REGION_COLORS = {"US": "#004488", "CN": "#BB5566", "BLOC": "#DDAA33", "ROW": "#BBBBBB"}
SECTOR_COLORS = {"private": "#332288", "public": "#88CCEE", "foreign": "#117733"}
SECTOR_PATTERNS = {"private": "", "public": "/", "foreign": "."}
_PATTERN_INK = {"private": "white", "public": "#222", "foreign": "white"}  # on the fill
MODEL_SOURCE = (
    f"Source: Rebalancing model v{__version__}; data IMF WEO Oct 2025, World Bank "
    "WDI, UN AMA, US Census, BEA, SAFE, PIIE. Assumptions: the model documentation, "
    "section 3."
)
HISTORY_SOURCE = (
    "Data: IMF WEO Oct 2025 (saving, current account), UN AMA 2026-02 "
    "(consumption). Projection: statsmodels UC local level, 80%/95% bands."
)


#: Whether figures are checked property by property as plotly builds them. Off in the
#: dashboard, where validation is most of a figure's build and the JSON sent is the same
#: (docs/benchmarks.md, "Why the code is as it is"); the test suite turns it on
#: (tests/conftest.py), so a misspelt property still fails there.
VALIDATE = False

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
    legend_width: int = 250  # px a legend row can fill: the narrowest plot (a phone),
    # the full page (presentation); conservative for exports

    @classmethod
    def presentation(cls) -> Style:
        # the same narrowest plot: a presentation may be on a phone or a narrow window
        return cls(font_size=20, height=520, legend_width=300)


def _legend_rows(traces: list[dict], style: Style) -> int:
    """Rows the horizontal legend wraps to: each entry ~3 font sizes of symbol and padding
    plus ~0.55 font size per character."""
    names = [t["name"] for t in traces if t.get("showlegend", True) and t.get("name")]
    rows, used = 1, 0.0
    for n in names:  # entries do not break across rows: pack them greedily
        w = style.font_size * (4 + 0.6 * len(n))  # symbol, gaps and text, generously
        if used and used + w > style.legend_width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def _wrap(text: str, width: int) -> str:
    """Break a note into lines for a plotly annotation (which does not wrap by itself)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width))


def _wrap_title(title: str, width: int) -> str:
    """Wrap a title and its <sup> subtitle separately, keeping the markup whole: each line
    of the subtitle is its own <sup> (a subtitle line starts with "<sup>")."""
    import re

    head, *rest = re.split(r"<br\s*/?>", title, maxsplit=1)
    out = _wrap(head, width)
    if rest:
        sub = re.sub(r"</?sup>", "", rest[0])
        out += "".join(f"<br><sup>{x}</sup>" for x in _wrap(sub, int(width * 1.4)).split("<br>"))
    return out


# --- numbers ----------------------------------------------------------------------------


def number_format(unit: str) -> str:
    """The format for a unit (Python and d3 alike): USD bn whole, with thousands
    separators; shares of GDP, percentages, rates and indices to one decimal."""
    return ",.0f" if "USD" in unit else ",.1f"


def format_number(v: float, spec: str = ",.1f") -> str:
    """``v`` as text with ASCII minus signs; rounded first, so a value that rounds to zero
    reads "0.0", never "-0.0"."""
    v = float(v)
    if not np.isfinite(v):
        return "n/a"
    decimals = int(spec.rsplit(".", 1)[1].rstrip("f%"))
    return format(round(v, decimals) + 0.0, spec)


def _hover(name: str, unit: str) -> str:
    """A hover label in the unit's precision: "Orderly: -2.5 % of GDP"."""
    short = "USD bn" if "USD" in unit else unit.split(",")[0]
    return f"{name}: %{{y:{number_format(unit)}}} {short}<extra></extra>"


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A dated event drawn on the time charts as a thin vertical line with a short label."""

    x: float  # fractional year
    label: str  # a few words on the chart
    detail: str  # the hover text: what happened, and the source
    note: str  # the entry in the chart's source note


def _year_fraction(y: int, m: int, d: int) -> float:
    import datetime

    return y + (datetime.date(y, m, d).timetuple().tm_yday - 1) / 365


PIIE_CHART = "PIIE, Chad P. Bown, US-China Trade War Tariffs: An Up-to-Date Chart"
#: Fixed, dated events (public record; tariff levels as in data/facts.csv).
EVENTS = (
    Event(
        _year_fraction(2018, 7, 6),
        "2018 tariffs",
        "6 Jul 2018: first US Section 301 tariffs on imports from China (USTR)",
        "2018 tariffs: US Section 301 tariffs on China from 6 Jul 2018 (USTR)",
    ),
    Event(
        _year_fraction(2025, 4, 10),
        "145% tariffs",
        "Apr 2025: US tariffs on China reach 145% statutory; 126.5% average "
        f"in early May ({PIIE_CHART})",
        "145% tariffs: US statutory peak, Apr 2025; 126.5% average, early May (PIIE chart, "
        "C. P. Bown)",
    ),
    Event(
        _year_fraction(2025, 5, 14),
        "Geneva truce",
        "14 May 2025: the Geneva truce cuts US and Chinese tariffs for 90 days "
        "(US-China joint statement, 12 May 2025)",
        "Geneva truce: 14 May 2025 (US-China joint statement)",
    ),
)


def events(res: Results | None, paths=None) -> list[Event]:
    """The events for a chart of ``paths`` (default all of ``res``): the fixed events, the
    scenario's policy start and, when the disorderly path is shown, its crisis year."""
    out = list(EVENTS)
    if res is None:
        return out
    start = res.scenario.global_.policy_start
    out.append(
        Event(
            float(start),
            "Policy start",
            f"{start}: the alternative paths' policies start (global.policy_start)",
            f"policy start: {start} (scenario)",
        )
    )
    crisis = res.crisis_year()
    if crisis and "disorderly" in (paths or res.paths):
        out.append(
            Event(
                float(crisis),
                "Crisis",
                f"{crisis}: the disorderly path's sudden stop (model crisis year)",
                f"crisis: {crisis} (disorderly path, model)",
            )
        )
    return sorted(out, key=lambda e: e.x)


def _event_note(shown: list[Event]) -> str:
    if not shown:
        return ""
    return " Events: " + "; ".join(e.note for e in shown) + "."


def _place_labels(xs_px: list[float], widths: list[float], width: float) -> list[tuple]:
    """Rows for labels at pixel positions ``xs_px``: each goes right of its line (left if
    it would run off the plot, so labels keep the lines' order), in the top row where it
    overlaps no other label; where it fits on neither side (a narrow plot), it is slid
    inside the plot. Returns (row, anchor, shift) per label: the anchor is plotly's
    ``xanchor``, the shift the ``xshift`` in px."""
    rows: list[list[tuple[float, float]]] = []
    out = []
    for x, w in zip(xs_px, widths):
        if x + 3 + w <= width:
            options = [("left", x + 3, x + 3 + w)]
        elif x - 3 - w >= 0:
            options = [("right", x - 3 - w, x - 3)]
        else:  # slide it inside: from the left edge, or as far left as it must
            lo = max(0.0, min(x + 3, width - w))
            options = [("left", lo, lo + w)]
        placed = None
        for r, row in enumerate(rows):
            for anchor, lo, hi in options:
                if all(hi + 4 <= a or lo >= b + 4 for a, b in row):
                    placed = (r, anchor, lo, hi)
                    break
            if placed:
                break
        if placed is None:
            rows.append([])
            anchor, lo, hi = options[0]
            placed = (len(rows) - 1, anchor, lo, hi)
        rows[placed[0]].append((placed[2], placed[3]))
        r, anchor, lo, hi = placed
        shift = (lo - x) if anchor == "left" else (hi - x)
        out.append((r, anchor, shift))
    return out


def _event_marks(
    traces: list[dict], evs: list[Event], style: Style, axes: list[str], frac: float
) -> tuple[list, list, dict, list[Event]]:
    """Shapes, label annotations and y ranges (headroom for the labels above the data) for
    the events inside each panel's x range; and the events drawn."""
    size = max(10, style.font_size - 3)
    row_h = size + 6
    plot_h = style.height - 80
    # a conservative plot width, px: the app's column, or a 700 px export (kaleido's
    # default width), whichever is narrower
    width = min(style.legend_width, 610) * frac * 0.9
    shapes, notes, ranges, shown = [], [], {}, []
    if not evs:
        return shapes, notes, ranges, shown
    for sfx in axes:
        own = [t for t in traces if t.get("xaxis", "x") == f"x{sfx}"]
        xs = np.concatenate([np.asarray(t["x"], dtype=float) for t in own])
        ys = np.concatenate([np.asarray(t["y"], dtype=float) for t in own])
        x0, x1 = float(np.nanmin(xs)), float(np.nanmax(xs))
        inside = [e for e in evs if x0 <= e.x <= x1]
        if not inside:
            continue
        shown += [e for e in inside if e not in shown]
        px = [(e.x - x0) / (x1 - x0) * width for e in inside]
        widths = [size * (0.7 * len(e.label) + 0.5) for e in inside]
        places = _place_labels(px, widths, width)
        n_rows = max(r for r, _, _ in places) + 1
        # headroom: the labels take the top band of the plot; the data stay below it
        lo, hi = float(np.nanmin(ys)), float(np.nanmax(ys))
        span = (hi - lo) or 1.0
        lo, hi = lo - 0.05 * span, hi + 0.03 * span
        band = min(0.6, (n_rows * row_h + 4) / plot_h)
        top = (hi - band * lo) / (1 - band)
        ranges[f"yaxis{sfx}"] = [lo, top]
        for e, (r, anchor, shift) in zip(inside, places):
            shapes.append(
                dict(
                    type="line",
                    xref=f"x{sfx}",
                    yref=f"y{sfx}",  # not "y domain": plotly.js fails on it with "between"
                    x0=e.x,
                    x1=e.x,
                    y0=lo,
                    y1=top,
                    layer="between",  # above the grid, below the data
                    line=dict(color="#777", width=1, dash="dot"),
                )
            )
            notes.append(
                dict(
                    text=e.label,
                    hovertext=e.detail,
                    xref=f"x{sfx}",
                    yref=f"y{sfx} domain",
                    x=e.x,
                    y=1 - r * row_h / plot_h,
                    xanchor=anchor,
                    yanchor="top",
                    xshift=shift,
                    showarrow=False,
                    font=dict(size=size, color="#555"),
                    bgcolor="rgba(255,255,255,0.8)",
                    borderpad=1,
                )
            )
    return shapes, notes, ranges, shown


def _figure(
    traces: list[dict],
    title: str,
    source: str,
    style: Style,
    *,
    ytitle: str,
    xtitle: str = "Year",
    left: int = 70,
    panels: tuple[str, ...] = (),
    rows: int = 1,
    legend: bool = True,
    events: list[Event] | None = None,
    **layout,
) -> go.Figure:
    """One figure, built in a single pass from plain dicts (plotly validates once; repeated
    ``update_*`` calls and ``make_subplots`` cost ~8x more on every slider move).

    Title with unit, axis titles with units, legend below the plot and the source note
    below the legend. ``panels`` gives subplot titles for side-by-side panels (traces use
    ``xaxis``/``yaxis`` "x", "x2", ...), laid out in ``rows`` rows (small multiples, one
    shared y scale). ``events`` inside a panel's x range are drawn as
    thin vertical lines labelled at the top of the plot (above the data, below the title),
    and listed with their sources in the note.
    """
    k = max(1, len(panels))
    rows = max(1, min(rows, k))
    cols = -(-k // rows)
    gap = 0.08
    width = (1 - gap * (cols - 1)) / cols
    axes = ["" if i == 0 else str(i + 1) for i in range(k)]
    shapes, marks, ranges, shown = _event_marks(traces, events or [], style, axes, width)
    source += _event_note(shown)
    note_size = max(10, style.font_size - 3)
    # The note starts at the container's left edge (xshift) and fits the narrowest plot.
    note = _wrap(source, int((style.legend_width + 60) / (0.56 * note_size)))
    note_h = (note.count("<br>") + 1) * (note_size + 5)
    axis_h = 30 + 2 * style.font_size  # tick labels + x-axis title
    # a legend row is ~1.9 font sizes tall with line-and-marker symbols (read at 20 px)
    legend_h = (_legend_rows(traces, style) * (2 * style.font_size - 1) + 10) if legend else 0
    bottom = axis_h + legend_h + note_h + 15
    plot_h = style.height - 80
    # Stacked rows: each a little over half a single plot, with room between rows for the
    # tick labels above and the next panel's title.
    row_h = plot_h if rows == 1 else max(150, (plot_h * 11) // 20)
    row_gap = axis_h + style.font_size + 6
    plot_h = rows * row_h + (rows - 1) * row_gap
    axis = dict(zeroline=True, zerolinecolor="#999")
    yaxis = dict(axis, tickformat=",") if ytitle.startswith("USD bn") else axis  # 1,000
    annotations = [
        dict(
            text=note,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xshift=-(left - 10),
            yshift=-(axis_h + legend_h + 5),
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font=dict(size=note_size, color="#666"),
        )
    ]
    # Titles wrap to the narrowest plot too (plotly does not wrap them).
    title_size = style.font_size + 5
    title = _wrap_title(title, int((style.legend_width + 90) / (0.55 * title_size)))
    lines = title.count("<br>") + 1
    # plotly centres a multi-line title on its anchor: push it down by the extra lines
    title_drop = 14 + (lines - 1) * 0.7 * title_size
    top = 30 + title_drop + lines * (title_size + 6)
    lay = dict(
        template=TEMPLATE,
        height=plot_h + top + bottom,
        font=dict(size=style.font_size),
        title=dict(
            text=title,
            x=0.01,
            xanchor="left",
            y=1 - title_drop / (plot_h + top + bottom),
            yref="container",
            yanchor="top",
            font=dict(size=title_size),
        ),
        margin=dict(l=left, r=20, t=top, b=bottom),
        showlegend=legend,
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-axis_h / plot_h, xanchor="left", x=0),
    )
    if panels:
        for i, name in enumerate(panels):
            sfx = "" if i == 0 else str(i + 1)
            r, c = divmod(i, cols)
            lo = c * (width + gap)
            top = 1 - r * (row_h + row_gap) / plot_h
            lay[f"xaxis{sfx}"] = dict(
                domain=[lo, lo + width],
                anchor=f"y{sfx}",
                # side by side on a phone a panel is ~130 px: ticks 10 years apart stay
                # level (tilted labels would push the axis title into the legend)
                **({"dtick": 10, "tickangle": 0} if cols > 1 else {}),
                title=dict(text=xtitle if r == rows - 1 else "", standoff=4),
                **axis,
            )
            ytitled = c == 0 and r == (rows - 1) // 2
            lay[f"yaxis{sfx}"] = dict(
                anchor=f"x{sfx}",
                domain=[max(0.0, top - row_h / plot_h), min(1.0, top)],
                **yaxis,
                title=dict(text=ytitle if ytitled else ""),
            )
            if rows > 1 and i:
                lay[f"yaxis{sfx}"]["matches"] = "y"  # small multiples share one scale
            annotations.append(
                dict(
                    text=name,
                    xref="paper",
                    yref="paper",
                    x=lo + width / 2,
                    y=top,
                    yanchor="bottom",
                    showarrow=False,
                    font=dict(size=style.font_size + 1),
                )
            )
    else:
        lay["xaxis"] = dict(title=dict(text=xtitle, standoff=4), **axis)
        lay["yaxis"] = dict(title=dict(text=ytitle), **yaxis)
    for key, rng in ranges.items():
        lay[key]["range"] = rng
    lay["annotations"] = annotations + marks
    if shapes:
        lay["shapes"] = shapes
    lay.update(layout)
    return go.Figure(data=traces, layout=lay, _validate=VALIDATE)


def _scenario_note(res: Results, pinned: Pinned | None = None) -> str:
    n = len(res.scenario.changed())
    mode = "two-country" if res.scenario.global_.two_country else "four-region"
    note = f"{MODEL_SOURCE} Scenario: {mode}, {n} lever(s) changed from defaults."
    if pinned is not None:
        m = len(pinned[1].scenario.changed())
        note += f" Faint lines: the pinned scenario {pinned[0]} ({m} lever(s) changed)."
    return note


def _line(
    x,
    y,
    name,
    color,
    *,
    dash="solid",
    panel="",
    legend=True,
    group=None,
    unit="% of GDP",
    width=2.5,
    marker=None,
    style: Style | None = None,
) -> dict:
    """A line; with ``marker``, a symbol on a few of its points (plotly staggers them
    between traces, so lines that run together still show each symbol)."""
    out = dict(
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
        hovertemplate=_hover(name, unit),
    )
    if marker:
        size = round(0.55 * (style or Style()).font_size)
        out["mode"] = "lines+markers"
        out["marker"] = dict(symbol=marker, size=size, color=color, maxdisplayed=6)
    return out


def _path_line(x, y, path: str, name: str | None = None, **kw) -> dict:
    """A line for ``path`` in its colour, dash and marker: the same on every chart."""
    return _line(
        x,
        y,
        name or PATH_TITLES[path],
        PATH_COLORS[path],
        dash=PATH_DASHES[path],
        marker=PATH_MARKERS[path],
        group=path,
        **kw,
    )


#: A pinned scenario for an A/B comparison: its name and its results.
Pinned = tuple[str, Results]


def _pinned_key(pinned: Pinned, style: Style | None = None) -> dict:
    """The one legend entry of a pinned scenario's faint lines (a click hides them all)."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="lines",
        name=f"Faint: pinned {pinned[0]}",
        legendgroup="pinned",
        line=dict(color="#888888", width=1.5),
        hoverinfo="skip",
    )


def _faint(trace: dict, pinned: Pinned, label: str, unit: str) -> dict:
    """``trace`` redrawn as the pinned scenario's: thinner, faint, grouped with its key."""
    name = f"{pinned[0]}: {label}"
    line = dict(trace.get("line", {}), width=1.5)
    out = dict(
        trace,
        name=name,
        legendgroup="pinned",
        showlegend=False,
        opacity=0.5,
        line=line,
        hovertemplate=_hover(name, unit),
    )
    out.pop("marker", None)
    out["mode"] = "lines"
    return out


def _path_traces(
    res: Results,
    region: str,
    variable: str,
    panel: str = "",
    legend: bool = True,
    unit: str = "% of GDP",
    style: Style | None = None,
    pinned: Pinned | None = None,
) -> list[dict]:
    """One line per path; with ``pinned``, the pinned scenario's paths drawn faintly too."""
    out = []
    for path in res.paths:
        s = res.series(path, region, variable)
        out.append(
            _path_line(s.index, s.values, path, panel=panel, legend=legend, unit=unit, style=style)
        )
    if pinned is not None and region in pinned[1].regions:  # a two-country pin has no BLOC
        if legend:
            out.append(_pinned_key(pinned))
        for path in pinned[1].paths:
            s = pinned[1].series(path, region, variable)
            line = _path_line(s.index, s.values, path, panel=panel, unit=unit, style=style)
            out.append(_faint(line, pinned, PATH_TITLES[path], unit))
    return out


def two_region_paths(
    res: Results,
    variable: str,
    title: str,
    unit: str,
    style: Style = Style(),
    pinned: Pinned | None = None,
    regions: tuple[str, str] = ("US", "CN"),
    subtitle: str = "",
    fan=None,
    chart_id: str = "",
) -> go.Figure:
    """One line per path, two regions (US and China unless given) side by side; with
    ``fan``, the Monte Carlo bands of compare chart ``chart_id`` under them."""
    bands = fan_traces(fan, chart_id) if fan is not None else []
    traces = (
        bands
        + _path_traces(res, regions[0], variable, unit=unit, style=style, pinned=pinned)
        + _path_traces(
            res,
            regions[1],
            variable,
            panel="2",
            legend=False,
            unit=unit,
            style=style,
            pinned=pinned,
        )
    )
    return _figure(
        traces,
        f"{title} ({unit})" + (f"<br><sup>{subtitle}</sup>" if subtitle else ""),
        _scenario_note(res, pinned) + (fan_note(fan) if bands else ""),
        style,
        ytitle=unit,
        panels=PANELS if regions == ("US", "CN") else tuple(SHORT_NAMES[r] for r in regions),
        events=events(res),
    )


def one_region_paths(
    res: Results,
    region: str,
    variable: str,
    title: str,
    unit: str,
    style: Style = Style(),
    pinned: Pinned | None = None,
    fan=None,
    chart_id: str = "",
) -> go.Figure:
    bands = fan_traces(fan, chart_id) if fan is not None else []
    return _figure(
        bands + _path_traces(res, region, variable, unit=unit, style=style, pinned=pinned),
        f"{title} ({unit})",
        _scenario_note(res, pinned) + (fan_note(fan) if bands else ""),
        style,
        ytitle=unit,
        events=events(res),
    )


def bilateral_balance(
    res: Results, style: Style = Style(), pinned: Pinned | None = None, fan=None
) -> go.Figure:
    """US goods balance with China: US exports to CN - US imports from CN."""
    unit = "USD bn, 2024 prices"
    traces = fan_traces(fan, "bilateral") if fan is not None else []
    for path in res.paths:
        bal = res.series(path, "US", "bilateral_balance")
        traces.append(_path_line(bal.index, bal.values, path, unit=unit, style=style))
    if pinned is not None:
        traces.append(_pinned_key(pinned))
        for path in pinned[1].paths:
            b = pinned[1]
            bal = b.series(path, "US", "bilateral_balance")
            line = _path_line(bal.index, bal.values, path, unit=unit, style=style)
            traces.append(_faint(line, pinned, PATH_TITLES[path], unit))
    return _figure(
        traces,
        f"US-China bilateral balance ({unit})<br><sup>US exports to China "
        "less US imports from China</sup>",
        _scenario_note(res, pinned)
        + " 2024: Census goods trade."
        + (fan_note(fan) if fan is not None else ""),
        style,
        ytitle=unit,
        events=events(res),
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
            marker=dict(color=REGION_COLORS[r], line=dict(color="white", width=0.5)),
            hovertemplate=_hover(REGION_NAMES[r], "USD bn"),
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
    traces = []
    for k, region in enumerate(("US", "CN")):
        for sector in ("private", "public", "foreign"):
            s = res.series(path, region, f"{sector}_balance_pct_gdp")
            traces.append(_sector_bar(s, sector, legend=k == 0, sfx="" if k == 0 else "2"))
    unit = "% of GDP"
    return _figure(
        traces,
        f"Sectoral balances ({unit})<br><sup>{PATH_TITLES[path]} path</sup>",
        f"{_scenario_note(res)} Private + public + foreign = 0. Public saving in "
        "2024 is an assumption (model documentation, section 3.2).",
        style,
        ytitle=unit,
        panels=PANELS,
        barmode="relative",
    )


def world_mirror_paths(
    res: Results, style: Style = Style(), pinned: Pinned | None = None
) -> go.Figure:
    """Small multiples of :func:`world_mirror`: one panel per path, one shared scale; with
    ``pinned``, each region's current account under the pinned scenario as a faint line."""
    years = np.asarray(res.years)
    unit = "USD bn, 2024 prices"
    traces = []
    for i, path in enumerate(res.paths):
        sfx = "" if i == 0 else str(i + 1)
        ca = res.variables["current_account"][res.run_paths.index(path)]  # (T, n)
        for k, r in enumerate(res.regions):
            traces.append(
                dict(
                    type="bar",
                    x=years,
                    y=ca[:, k],
                    name=REGION_NAMES[r],
                    legendgroup=r,
                    showlegend=i == 0,
                    xaxis=f"x{sfx}",
                    yaxis=f"y{sfx}",
                    marker=dict(color=REGION_COLORS[r], line=dict(color="white", width=0.5)),
                    hovertemplate=_hover(f"{PATH_TITLES[path]}: {REGION_NAMES[r]}", "USD bn"),
                )
            )
        traces.append(
            dict(
                type="scatter",
                x=years,
                y=ca.sum(-1),
                mode="lines",
                name="World sum",
                legendgroup="sum",
                showlegend=i == 0,
                xaxis=f"x{sfx}",
                yaxis=f"y{sfx}",
                line=dict(color="black", width=1.5),
                hovertemplate="World sum: %{y:.2e}<extra></extra>",
            )
        )
        if pinned is not None and path in pinned[1].paths:
            b = pinned[1]
            cb = b.variables["current_account"][b.run_paths.index(path)]
            if i == 0:
                traces.append(_pinned_key(pinned))
            for k, r in enumerate(b.regions):
                line = _line(
                    years,
                    cb[:, k],
                    REGION_NAMES[r],
                    REGION_COLORS[r],
                    dash="dot",
                    panel=sfx,
                    unit="USD bn",
                )
                traces.append(_faint(line, pinned, f"{PATH_TITLES[path]}: {REGION_NAMES[r]}", unit))
    mode = (
        "Two-country mode: the US and China bars are mirror images."
        if res.scenario.global_.two_country
        else "The bars sum to zero every year."
    )
    return _figure(
        traces,
        f"The world mirror: current accounts ({unit})<br><sup>every path, one scale</sup>",
        f"{_scenario_note(res, pinned)} {mode}",
        style,
        ytitle=unit,
        panels=tuple(PATH_TITLES[p] for p in res.paths),
        rows=len(res.paths),
        barmode="relative",
    )


SECTOR_NAMES = {
    "private": "Private (S_p - I)",
    "public": "Public (T - G)",
    "foreign": "Foreign (-CA)",
}


def sectoral_paths(
    res: Results, region: str, style: Style = Style(), pinned: Pinned | None = None
) -> go.Figure:
    """Small multiples of :func:`sectoral_balances` for one region: a panel per path, one
    shared scale; with ``pinned``, the pinned scenario's balances as faint lines."""
    unit = "% of GDP"
    traces = []
    for i, path in enumerate(res.paths):
        sfx = "" if i == 0 else str(i + 1)
        for sector in ("private", "public", "foreign"):
            s = res.series(path, region, f"{sector}_balance_pct_gdp")
            traces.append(_sector_bar(s, sector, legend=i == 0, sfx=sfx, hover=PATH_TITLES[path]))
        if pinned is not None and path in pinned[1].paths and region in pinned[1].regions:
            if i == 0:
                traces.append(_pinned_key(pinned))
            for sector in ("private", "public", "foreign"):
                s = pinned[1].series(path, region, f"{sector}_balance_pct_gdp")
                line = _line(
                    s.index,
                    s.values,
                    SECTOR_NAMES[sector],
                    SECTOR_COLORS[sector],
                    dash="dot",
                    panel=sfx,
                )
                label = f"{PATH_TITLES[path]}: {SECTOR_NAMES[sector]}"
                traces.append(_faint(line, pinned, label, unit))
    name = SHORT_NAMES[region]
    return _figure(
        traces,
        f"Sectoral balances, {name} ({unit})<br><sup>every path, one scale</sup>",
        f"{_scenario_note(res, pinned)} Private + public + foreign = 0. Public saving in "
        "2024 is an assumption (model documentation, section 3.2).",
        style,
        ytitle=unit,
        panels=tuple(PATH_TITLES[p] for p in res.paths),
        rows=len(res.paths),
        barmode="relative",
    )


def _sector_bar(s: pd.Series, sector: str, *, legend: bool, sfx: str, hover: str = "") -> dict:
    """One sector's balance as bars in its colour and pattern."""
    label = f"{hover}: {SECTOR_NAMES[sector]}" if hover else SECTOR_NAMES[sector]
    return dict(
        type="bar",
        x=np.asarray(s.index),
        y=s.values,
        name=SECTOR_NAMES[sector],
        legendgroup=sector,
        showlegend=legend,
        xaxis=f"x{sfx}",
        yaxis=f"y{sfx}",
        marker=dict(
            color=SECTOR_COLORS[sector],
            line=dict(color="white", width=0.5),
            pattern=dict(
                shape=SECTOR_PATTERNS[sector],
                fillmode="overlay",  # the pattern over the colour
                fgcolor=_PATTERN_INK[sector],
                size=6,
                solidity=0.3,
            ),
        ),
        hovertemplate=_hover(label, "% of GDP"),
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
    pinned: Pinned | None = None,
) -> go.Figure:
    """1990-2024 data, the status-quo projection with 80%/95% bands, and the model paths
    (``paths``, default all of ``res``; with ``pinned``, its paths faintly)."""
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
    unit = "% of GDP"
    traces.append(
        _line(mid.index, mid.values, "Projection", "#777", dash="longdashdot", width=2, unit=unit)
    )
    h = hist[(hist.region == region) & (hist.variable == variable)].set_index("year").value
    traces.append(_line(h.index, h.values, "Data 1990-2024", "#555", width=3.5, unit=unit))
    shown = tuple(paths or res.paths) if res is not None else ()
    for path in shown:
        s = res.series(path, region, variable).loc[2025:]
        name = f"Model: {PATH_TITLES[path]}"
        traces.append(_path_line(s.index, s.values, path, name, width=2, unit=unit, style=style))
    if pinned is not None and region in pinned[1].regions:
        traces.append(_pinned_key(pinned))
        for path in shown:
            if path in pinned[1].paths:
                s = pinned[1].series(path, region, variable).loc[2025:]
                line = _path_line(s.index, s.values, path, unit=unit, style=style)
                traces.append(_faint(line, pinned, PATH_TITLES[path], unit))
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
        events=events(res, shown),
    )


# --- headline table and accounts --------------------------------------------------------

#: The headline table's rows: (region, variable, label with its unit), from the catalogue
#: of series (rebalancing.series.HEADLINE).
HEADLINES = tuple((r, v, series(r, v).title) for r, v in HEADLINE)


def bilateral_value(res: Results, path: str, year: int) -> float:
    """The US-China bilateral balance of ``path`` in ``year`` (USD bn)."""
    return res.value(path, "US", "bilateral_balance", year)


def _headline_column(res: Results, path: str, year: int) -> list[float]:
    return [res.value(path, r, v, year) for r, v, _ in HEADLINES]


def headline_table(res: Results, year: int, pinned: Pinned | None = None) -> pd.DataFrame:
    """Headline numbers at ``year``: one column per path, then each path minus the status
    quo. With ``pinned`` (an A/B comparison), per path instead: the current settings, the
    pinned scenario and current minus pinned. Index: "indicator", each label ending with its
    unit (which :func:`formatted` reads); the year is the caller's (headings, file names)."""
    index = pd.Index([label for _, _, label in HEADLINES], name="indicator")
    data = {}
    if pinned is not None:
        name, b = pinned
        for path in res.paths:
            a = np.array(_headline_column(res, path, year))
            data[PATH_TITLES[path]] = a
            if path in b.paths:
                pb = np.array(_headline_column(b, path, year))
                data[f"{PATH_TITLES[path]}: {name}"] = pb
                data[f"{PATH_TITLES[path]}: current − {name}"] = a - pb
        return pd.DataFrame(data, index=index)
    for path in res.paths:
        data[PATH_TITLES[path]] = _headline_column(res, path, year)
    df = pd.DataFrame(data, index=index)
    if "baseline" in res.paths:
        sq = df[PATH_TITLES["baseline"]]
        for path in res.paths:
            if path != "baseline":
                df[f"{PATH_TITLES[path]} − status quo"] = df[PATH_TITLES[path]] - sq
    return df


def formatted(
    df: pd.DataFrame, decimals: int | None = None, unit: str | None = None
) -> pd.DataFrame:
    """A display copy with every number as text, ASCII minus signs and never "-0.0".

    Precision by unit: ``decimals`` if given, else by ``unit`` if given, else by each row's
    label (the headline table's labels end with their unit): USD bn whole with thousands
    separators, percentages and indices to one decimal (:func:`number_format`). Right-align
    the result when showing it."""
    if decimals is not None:
        return df.map(lambda v: format_number(v, f",.{decimals}f"))
    if unit is not None:
        return df.map(lambda v: format_number(v, number_format(unit)))
    # Row by row in plain Python: assigning rows with .loc is far slower (docs/benchmarks.md).
    specs = [number_format(str(label)) for label in df.index]
    rows = [[format_number(v, spec) for v in row] for spec, row in zip(specs, df.to_numpy())]
    return pd.DataFrame(rows, index=df.index.copy(), columns=df.columns.copy(), dtype=object)


def rounded(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """A numeric display copy rounded to the unit's precision, with no negative zeros (for
    ``st.dataframe`` with a ``"%,.0f"``/``"%,.1f"`` column format, which would show a
    value rounding to zero from below as "-0")."""
    decimals = int(number_format(unit).rsplit(".", 1)[1].rstrip("f"))
    return df.round(decimals) + 0.0


NET_LENDING = "Less: net lending (+) / borrowing (-)"


def flow_matrix(res: Results, path: str, year: int) -> pd.DataFrame:
    """Transactions-flow matrix, USD bn: rows are transactions, columns are each region's
    production, private and public sectors; + a source of funds, - a use.

    The last transaction row is each sector's net lending with its ordinary sign (private
    S_p - I, public T - G: negative for a deficit), entered as "Less:": a column's flows
    add up to its net lending, so "Column sum" (flows less net lending) is zero, as is
    every "Row sum" across the world. Both are identity residuals. Numbers stay numeric;
    format for display with ``formatted(fm, unit="USD bn")``."""
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
        NET_LENDING,
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
        data[f"{r} private"] = [-C, 0.0, -I, 0.0, Y, -T, NI, Sp - I]
        data[f"{r} public"] = [0.0, -G, 0.0, 0.0, 0.0, T, 0.0, Sg]
        cols += [f"{r} production", f"{r} private", f"{r} public"]
    df = pd.DataFrame(data, index=pd.Index(rows, name=f"{PATH_TITLES[path]}, {year}"))[cols]
    df["Row sum"] = df.sum(axis=1)
    flows = df.drop(index=NET_LENDING).sum(axis=0)
    df.loc["Column sum"] = flows - df.loc[NET_LENDING]
    return df


def compare_charts(
    res: Results, style: Style = Style(), pinned: Pinned | None = None, fan=None
) -> dict[str, go.Figure]:
    """The compare view's charts, keyed by chart id; with four regions also the current
    accounts of the EU + CPTPP bloc and the rest of the world ("others_ca"). With ``fan``
    (a :class:`rebalancing.uncertainty.Fan` of the same scenario), Monte Carlo bands."""
    pct = "% of GDP"
    f = dict(fan=fan)
    out = {
        "ca": two_region_paths(
            res,
            "current_account_pct_gdp",
            "Current account",
            pct,
            style,
            pinned,
            **f,
            chart_id="ca",
        ),
        "gdp_vs_sq": two_region_paths(
            res,
            "gdp_vs_baseline_pct",
            "GDP vs status quo",
            "% difference",
            style,
            pinned,
            **f,
            chart_id="gdp_vs_sq",
        ),
        "cn_consumption": one_region_paths(
            res,
            "CN",
            "consumption_pct_gdp",
            "China household consumption share",
            pct,
            style,
            pinned,
            **f,
            chart_id="cn_consumption",
        ),
        "us_saving": one_region_paths(
            res,
            "US",
            "saving_pct_gdp",
            "US national saving rate",
            pct,
            style,
            pinned,
            **f,
            chart_id="us_saving",
        ),
        "nfa": two_region_paths(
            res, "nfa_pct_gdp", "Net foreign assets", pct, style, pinned, **f, chart_id="nfa"
        ),
        "bilateral": bilateral_balance(res, style, pinned, **f),
    }
    if set(res.regions) >= {"BLOC", "ROW"}:
        out["others_ca"] = two_region_paths(
            res,
            "current_account_pct_gdp",
            "Current account, the other regions",
            pct,
            style,
            pinned,
            regions=("BLOC", "ROW"),
            subtitle="Bloc: the EU and the CPTPP members; others: the rest of the world",
        )
    return out


def figure_specs(figs: dict[str, go.Figure]) -> dict[str, dict]:
    """Figures as plain plotly dicts (``Figure.to_dict``: arrays already encoded as base64
    typed arrays), to hand to another process (:func:`figures_from_specs` there)."""
    return {k: fig.to_dict() for k, fig in figs.items()}


def figures_from_specs(specs: dict[str, dict]) -> dict[str, go.Figure]:
    """The figures of :func:`figure_specs`, built again without validating them a second
    time (plotly's ``_validate=False``): they were validated as they were built. Each
    call builds new figures (plotly copies the dicts in), so a figure changed later (a
    download's citation) leaves the specs as they were.

    Why: the dashboard's server draws the compare view from specs built in its worker
    process with the model run (:func:`rebalancing.workers.simulate_and_draw_in_worker`),
    which halves the server's own time for the charts (docs/benchmarks.md). The JSON the
    browser gets is the same, and so are the files made from them (their trace values
    stay plotly's typed arrays, which ``export`` decodes)."""
    return {k: go.Figure(spec, _validate=False) for k, spec in specs.items()}


# --- uncertainty: Monte Carlo bands, crisis probability, sensitivity ---------------------

#: Compare charts with Monte Carlo bands: chart id -> (region, variable) of each panel.
FAN_CHARTS = COMPARE_PANELS


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def fan_traces(fan, chart_id: str) -> list[dict]:
    """Each path's 90% and 50% Monte Carlo bands (filled in the path's colour, drawn under
    the lines) and its median (a thin line in the path's dash) for compare chart
    ``chart_id``, with one legend entry saying what the bands are. ``fan``: a
    :class:`rebalancing.uncertainty.Fan` of the same scenario."""
    out = []
    for i, (region, variable) in enumerate(FAN_CHARTS.get(chart_id, ())):
        sfx = "" if i == 0 else str(i + 1)
        unit = series(region, variable).unit
        for path in fan.paths:
            b = fan.bands(variable, region, path)
            x = list(b.index) + list(b.index[::-1])
            for lo, hi, alpha in (("p5", "p95", 0.10), ("p25", "p75", 0.22)):
                out.append(
                    dict(
                        type="scatter",
                        x=x,
                        y=list(b[hi]) + list(b[lo][::-1]),
                        fill="toself",
                        fillcolor=_rgba(PATH_COLORS[path], alpha),
                        line=dict(width=0),
                        hoverinfo="skip",
                        name=f"{PATH_TITLES[path]}: {hi[1:]}-{lo[1:]} band"[::1],
                        showlegend=False,
                        legendgroup=path,
                        xaxis=f"x{sfx}",
                        yaxis=f"y{sfx}",
                    )
                )
            median = _line(
                b.index,
                b["p50"],
                f"Median: {PATH_TITLES[path]}",
                PATH_COLORS[path],
                dash=PATH_DASHES[path],
                panel=sfx,
                legend=False,
                group=path,
                unit=unit,
                width=1,
            )
            out.append(median)
    if out:
        out.append(
            dict(
                type="scatter",
                x=[None],
                y=[None],
                mode="lines",
                fill="toself",
                name=f"Bands: 50%, 90% of {fan.draws:,} draws",
                fillcolor="rgba(120,120,120,0.3)",
                line=dict(width=0),
                legendgroup="bands",
                hoverinfo="skip",
            )
        )
    return out


def fan_note(fan) -> str:
    centred = (
        f", centred on the {fan.centre} line (moved by its difference between the engines)"
        if fan.centre != fan.engine
        else ""
    )
    return (
        f" Bands: Monte Carlo, {fan.draws:,} draws, seed {fan.seed}, each run with adaptive "
        f"expectations{centred}; distributions in the model documentation (uncertainty)."
    )


def crisis_probability(fan, style: Style = Style()) -> go.Figure:
    """Cumulative probability of a disorderly correction by year, deficit side (US) and
    surplus side (China), with the 5-95% range of the draws' own probabilities."""
    c = fan.crisis
    traces = []
    unit = "% probability"

    def median(side: str) -> str:
        y = c.median_year(side)
        return str(y) if y else f"after {int(c.years[-1])}"

    for side, region, p, rng, colour in (
        ("deficit", "US", c.deficit, c.deficit_range, REGION_COLORS["US"]),
        ("surplus", "CN", c.surplus, c.surplus_range, REGION_COLORS["CN"]),
    ):
        years = list(c.years)
        traces.append(
            dict(
                type="scatter",
                x=years + years[::-1],
                y=list(100 * rng[1]) + list(100 * rng[0][::-1]),
                fill="toself",
                fillcolor=_rgba(colour, 0.15),
                line=dict(width=0),
                hoverinfo="skip",
                name=f"5-95% of draws, {SHORT_NAMES[region]}",
                legendgroup=side,
                showlegend=False,
            )
        )
        label = f"{SHORT_NAMES[region]} ({side} side)"
        traces.append(
            _line(
                c.years,
                100 * p,
                label,
                colour,
                dash="solid" if side == "deficit" else "dash",
                unit=unit,
                group=side,
                marker="circle" if side == "deficit" else "square",
                style=style,
            )
        )
    return _figure(
        traces,
        f"Probability of a disorderly correction by year ({unit})<br><sup>cumulative, "
        f"{fan.draws:,} draws; median year: {median('deficit')} US, "
        f"{median('surplus')} China</sup>",
        f"{MODEL_SOURCE} Hazard (model documentation, section 3.7): a base rate (Laeven & "
        "Valencia 2018) plus a rise with net foreign liabilities above 60% of GDP (an "
        "assumption after Catao & Milesi-Ferretti 2014) that does not treat a reserve-"
        "currency issuer borrowing in its own currency apart: read the US line as an upper "
        f"bound. Monte Carlo, {fan.draws:,} draws, seed {fan.seed}.",
        style,
        ytitle=unit,
    )


def sobol_chart(table: pd.DataFrame, title: str, style: Style = Style(), top: int = 8):
    """Total (ST) and first-order (S1) Sobol' indices of one output to its top levers, as
    horizontal bars with 95% confidence whiskers; lever names as on screen, wrapped into a
    fixed left margin (the source note starts at the chart's edge on every screen)."""
    from .levers import LEVERS

    t = table.sort_values("ST", ascending=False).head(top).iloc[::-1]
    style = dataclasses.replace(style, height=style.height + style.font_size * top)
    names = [_wrap(LEVERS[p].label if p in LEVERS else p, 18) for p in t["parameter"]]
    groups = [rb_group(p) if p in LEVERS else "" for p in t["parameter"]]
    traces = []
    for col, conf, colour, name in (
        ("ST", "ST_conf", "#004488", "Total (with interactions)"),
        ("S1", "S1_conf", "#DDAA33", "First order (alone)"),
    ):
        traces.append(
            dict(
                type="bar",
                orientation="h",
                x=t[col].clip(lower=0).values,
                y=names,
                customdata=groups,
                name=name,
                marker=dict(color=colour),
                error_x=dict(type="data", array=t[conf].values, color="#555", thickness=1),
                hovertemplate=f"{name}: %{{x:.2f}}<extra>%{{y}} (%{{customdata}})</extra>",
            )
        )
    return _figure(
        traces,
        title,
        f"{MODEL_SOURCE} Sobol' indices (SALib, Saltelli sampling), each lever uniform over "
        "its range; whiskers: 95% confidence.",
        style,
        ytitle="",
        xtitle="Share",  # of the variance (the title says so): fits a phone
        left=int(11.5 * style.font_size),
        barmode="group",
    )


def rb_group(lever_id: str) -> str:
    from .levers import GROUP_TITLES

    return GROUP_TITLES[lever_id.split(".")[0]]


#: Headline-table labels of the Monte Carlo series (the catalogue's).
FAN_LABELS = {key: series(*key).title for key in HEADLINE}


def fan_table(fan, year: int) -> pd.DataFrame:
    """The headline series at ``year``: each path's median and 90% band as text,
    "-2.1 (-3.0 to -1.2)", with the precision of the row's unit."""
    t = fan.table(year)
    rows = {}
    for (region, variable), vals in t.iterrows():
        label = series(region, variable).title
        spec = number_format(label)
        rows[label] = [
            f"{format_number(vals[(p, 'p50')], spec)} ({format_number(vals[(p, 'p5')], spec)} "
            f"to {format_number(vals[(p, 'p95')], spec)})"
            for p in fan.paths
        ]
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=[PATH_TITLES[p] for p in fan.paths]
    ).rename_axis("indicator")


def goal_path(result, target_label: str, style: Style = Style()) -> go.Figure:
    """A goal-seek's path of the instrument (:class:`rebalancing.goalseek.PathGoalResult`):
    the lever's value in each year from the target year on, the lever's starting value, and
    the years the target cannot be hit marked."""
    from .levers import LEVERS

    r = result
    lev = LEVERS[r.instrument]
    unit = lev.unit
    years = np.asarray(r.years)
    values = np.asarray(r.values, float)
    start_years = np.arange(2025, years[-1] + 1)
    traces = [
        _line(
            start_years,
            np.full(len(start_years), r.start_value),
            f"Starting value ({r.start_value:g})",
            "#999999",
            dash="dash",
            unit=unit,
            width=1.5,
        ),
        _line(years, values, "Path found", "#004488", unit=unit, marker="circle", style=style),
    ]
    missed = ~np.asarray(r.hits)
    if missed.any():
        traces.append(
            dict(
                type="scatter",
                x=years[missed],
                y=values[missed],
                mode="markers",
                name="Target not reachable that year (closest value)",
                marker=dict(symbol="x", size=round(0.8 * style.font_size), color="#BB5566"),
                hovertemplate=_hover("Closest value", unit),
            )
        )
    t = r.target
    n_hit = sum(r.hits)
    return _figure(
        traces,
        f"{lev.label}, year by year ({unit})<br><sup>the value that puts {target_label} at "
        f"{t.value:g} each year from {t.year} ({n_hit} of {len(years)} years hit); "
        f"{PATH_TITLES[r.path].lower()} path</sup>",
        f"{MODEL_SOURCE} Goal-seek, year by year: each year's value solved in turn with the "
        "years before fixed (brentq in a bracket, exact where linear); confirmed by one full "
        f"run, hit where the gap is at most {r.tol:g}.",
        style,
        ytitle=unit,
    )
