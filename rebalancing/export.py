"""Export builders: tidy CSV, its metadata, scenario files, and charts that can be cited
and reproduced (file names with view, scenario digest and date; a citation block on every
exported chart; HTML pages with one copy of plotly.js; the chart pack; the slide deck).
Used by the CLI and the app.

CSV cells never begin with ``= + - @`` (or tab / carriage return) followed by text a
spreadsheet would run as a formula: such a text cell is prefixed with a single quote (the
OWASP recommendation). Numbers are written as numbers; a negative number is data, not a
formula, and is left as it is.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .results import Results
from .version import __version__

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v):
    """Neutralise a text cell a spreadsheet would evaluate; numbers pass unchanged."""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        try:
            float(v)
            return v
        except ValueError:
            return "'" + v
    return v


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell passed through :func:`safe_cell`."""
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].map(safe_cell)
    return df


def results_csv(res: Results) -> str:
    """The ``run`` CSV: ``path,region,year,variable,value,unit``."""
    df = safe_frame(res.to_frame())
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def _finite(o):
    if isinstance(o, float) and not math.isfinite(o):
        raise ValueError("non-finite number in metadata")
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_finite(v) for v in o]
    return o


def results_meta_json(res: Results, csv_text: str | None = None) -> str:
    """The metadata beside a results CSV: what :meth:`Results.metadata` says, and the CSV's
    name-free fingerprint (``results_sha256``, of :func:`results_csv`'s bytes, or of
    ``csv_text`` when the caller has it), so that a CSV and a metadata file that do not
    belong together are told apart when read (:func:`read_results`)."""
    text = results_csv(res) if csv_text is None else csv_text
    meta = {**res.metadata(), "results_sha256": hashlib.sha256(text.encode()).hexdigest()}
    return json.dumps(_finite(meta), indent=2) + "\n"


def write_results(res: Results, out: Path, inputs: dict | None = None) -> tuple[Path, Path]:
    """Write ``out`` (CSV) and ``<stem>.meta.json`` beside it, as one change
    (:func:`rebalancing.files.write_files`): both complete or neither. ``inputs``: the
    files the run read, never written over."""
    from .files import meta_path, write_files

    out = Path(out)
    meta = meta_path(out)
    text = results_csv(res)
    write_files(
        {out: text, meta: results_meta_json(res, text)},
        inputs,
        labels={meta: f"the metadata beside {out.name}"},
    )
    return out, meta


def read_results(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """A results CSV written by ``run`` (or the dashboard) and the metadata beside it,
    checked to belong together: the metadata's ``results_sha256`` must be the CSV's. A
    missing, unreadable or mismatched pair raises :class:`rebalancing.FileError` naming
    both files."""
    from .errors import FileError, shown
    from .files import meta_path, read_bytes, sha256_file

    path = Path(path)
    meta_file = meta_path(path)
    try:
        meta = json.loads(read_bytes(meta_file, MAX_META_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FileError(
            f"cannot read {shown(meta_file, 200)}: not the JSON metadata of a results file",
            str(meta_file),
        ) from None
    want = meta.get("results_sha256") if isinstance(meta, dict) else None
    if not isinstance(want, str):
        raise FileError(
            f"cannot check {shown(path, 200)}: {shown(meta_file.name)} has no results_sha256 "
            "(written before version 0.3?)",
            str(meta_file),
        )
    got = sha256_file(path)
    if got != want:
        raise FileError(
            f"{shown(path, 200)} does not match {shown(meta_file.name)}: the metadata describes "
            "another results file (SHA-256 differs); rerun to write them together",
            str(path),
        )
    return pd.read_csv(path, keep_default_na=False, na_values=[""]), meta


#: Largest metadata file :func:`read_results` reads (bytes); one is ~10 kB.
MAX_META_BYTES = 5_000_000


# --- charts ------------------------------------------------------------------------------

INSTALL_HINT = (
    "Static PNG/SVG export needs a Chromium browser for kaleido: on Debian/Ubuntu "
    "`apt-get install chromium` (or set BROWSER_PATH). HTML export works without it."
)


@lru_cache(maxsize=1)
def chromium_path() -> str | None:
    """The browser kaleido will use, if any (BROWSER_PATH, then chromium on PATH); looked up
    once per process, since the app asks for every chart on every rerun."""
    import os
    import shutil

    p = os.environ.get("BROWSER_PATH")
    if p and Path(p).exists():
        return p
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class ExportUnavailable(RuntimeError):
    """Static export is not possible here; the message says what to install."""


_kaleido_started = False


def figure_bytes(fig, fmt: str) -> bytes:
    """The figure as ``png`` (2x scale), ``svg`` or self-contained ``html`` (plotly.js
    inlined, so it opens offline; the chart title is the page title). For a file to hand
    on, use :func:`export_figure`, which adds the citation block."""
    if fmt == "html":
        return html_page({"chart": fig}, title=plain_title(fig) or "Chart").encode("utf-8")
    if fmt not in ("png", "svg"):
        raise ValueError(f"format: {fmt!r} is not png, svg or html")
    global _kaleido_started
    browser = chromium_path()
    if browser is None:
        raise ExportUnavailable(INSTALL_HINT)
    import os

    import plotly.io as pio

    os.environ.setdefault("BROWSER_PATH", browser)
    pio.defaults.mathjax = None  # no CDN fetch on an offline machine
    try:
        if not _kaleido_started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored if using a server": expected
            return fig.to_image(format=fmt, scale=2 if fmt == "png" else 1)
    except RuntimeError as e:
        raise ExportUnavailable(f"{INSTALL_HINT} ({e})") from None


def _ascii_minus(v):
    return v.replace("\u2212", "-") if isinstance(v, str) else v


def table_csv(df: pd.DataFrame) -> str:
    """A display table (headline table, flow matrix) as injection-safe CSV for spreadsheets:
    a UTF-8 byte-order mark first (so Excel on Windows reads the file as UTF-8), ASCII
    hyphen-minus signs in labels, numbers as numbers (full precision, no negative zero).
    Encode the result as UTF-8. Not for the tidy results CSV (:func:`results_csv`), which
    scripts read and which has no byte-order mark."""
    out = df.reset_index()
    out.columns = [safe_cell(_ascii_minus(str(c))) for c in out.columns]
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col] + 0.0  # -0.0 -> 0.0
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_ascii_minus)
    buf = io.StringIO()
    buf.write("\ufeff")
    safe_frame(out).to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


# --- citable exports: file names, citation block, HTML pages, chart pack, slides ----------


def scenario_digest(scn) -> str:
    """Short fingerprint of a scenario: the first 8 hex digits of the SHA-256 of its JSON
    text (:func:`rebalancing.dumps_scenario`, or that text itself); stable across runs."""
    import hashlib

    from .scenario import dumps_scenario

    text = scn if isinstance(scn, str) else dumps_scenario(scn)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _slug(part: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9-]+", "_", str(part)).strip("_")


def export_name(
    kind: str,
    view: str | None = None,
    *,
    digest: str,
    ext: str,
    date: _dt.date | None = None,
) -> str:
    """``rebalancing_[view_]kind_digest_date.ext``, e.g.
    ``rebalancing_compare_chart_ca_3f9a2c1b_2026-11-29.png``: what, which scenario, when.
    Every part is reduced to letters, digits, ``-`` and ``_``."""
    date = date or _dt.date.today()
    parts = ["rebalancing", view, kind, digest, date.isoformat()]
    stem = "_".join(_slug(p) for p in parts if p)
    return f"{stem}.{ext.lstrip('.')}"


def lever_value_text(lid: str, value) -> str:
    """A lever's value with its unit, as a person reads it: ``1.05 x Taylor (1993)``,
    ``10%``, ``on``, ``2035``."""
    from .levers import LEVERS

    lev = LEVERS[lid]
    if lev.kind == "bool":
        return "on" if value else "off"
    if lev.kind == "choice":
        return str(value)
    num = f"{value:,g}" if isinstance(value, float) else str(value)
    if lev.unit in ("year", ""):
        return num
    if lev.unit == "%":
        return f"{num}%"
    return f"{num} {lev.unit}"


def lever_changes(scn) -> list[str]:
    """Each lever that differs from its default, in plain language: ``Orderly rebalancing –
    Currency adjustment speed: 3 % per pp per year (default 2)``; then each lever path
    (``... China consumption share rise: a path 2030-2040, 0 pp of GDP to 10 pp of GDP``)."""
    from .levers import GROUP_TITLES, LEVERS

    out = []
    for lid, value in scn.changed().items():
        lev = LEVERS[lid]
        where = "" if lev.group == "global" else f"{GROUP_TITLES[lev.group]} – "
        default = lever_value_text(lid, lev.default)
        if lev.kind in ("int", "float") and lev.unit not in ("%", "year", ""):
            default = default[: -len(lev.unit) - 1]  # the unit once is enough
        out.append(f"{where}{lev.label}: {lever_value_text(lid, value)} (default {default})")
    for lid, path in scn.paths().items():
        lev = LEVERS[lid]
        where = "" if lev.group == "global" else f"{GROUP_TITLES[lev.group]} – "
        ys = sorted(path)
        out.append(
            f"{where}{lev.label}: a path {ys[0]}-{ys[-1]}, "
            f"{lever_value_text(lid, min(path.values()))} to "
            f"{lever_value_text(lid, max(path.values()))}"
        )
    return out


@dataclass(frozen=True)
class Citation:
    """What an exported chart must carry to be cited and reproduced."""

    scenario: object  # rebalancing.Scenario
    share_link: str | None = None
    version: str = __version__
    date: _dt.date = field(default_factory=_dt.date.today)

    @property
    def digest(self) -> str:
        return scenario_digest(self.scenario)

    @property
    def levers(self) -> list[str]:
        return lever_changes(self.scenario)

    def levers_text(self) -> str:
        lv = self.levers
        if not lv:
            return "all levers at their defaults"
        return f"{len(lv)} lever(s) changed from the defaults: " + "; ".join(lv)

    def lines(self) -> list[str]:
        """Plain text, one item a line: scenario, model and date, link."""
        out = [
            f"Scenario {self.digest}: {self.levers_text()}.",
            f"Rebalancing model v{self.version}; exported {self.date.isoformat()}.",
        ]
        if self.share_link:
            out.append(f"Reproduce: {self.share_link}")
        else:
            out.append("Reproduce: load the scenario file in the dashboard or the CLI.")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())

    def cite_as(self, what: str = "") -> str:
        """A reference in one sentence."""
        thing = f", {what}" if what else ""
        link = f" {self.share_link}" if self.share_link else ""
        return (
            f"The Rebalancing authors, Rebalancing model v{self.version}{thing}, "
            f"scenario {self.digest}, exported {self.date.isoformat()}.{link}"
        )


def citation(scn, share_link: str | None = None, date: _dt.date | None = None) -> Citation:
    return Citation(scn, share_link or None, __version__, date or _dt.date.today())


def _wrap_lines(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _annotation_markup(cit: Citation, width: int) -> str:
    """The citation as plotly annotation text: wrapped lines, the link clickable (each
    wrapped piece links to the whole URL)."""
    import html

    rows = []
    for line in cit.lines()[:-1]:
        rows += [html.escape(x, quote=False) for x in _wrap_lines(line, width)]
    if cit.share_link:
        href = html.escape(cit.share_link, quote=True)
        label = "Reproduce: "
        url, first = cit.share_link, max(20, width - len(label))
        pieces = [url[:first]] + [url[i : i + width] for i in range(first, len(url), width)]
        for i, piece in enumerate(pieces):
            lead = label if i == 0 else ""
            rows.append(f'{lead}<a href="{href}">{html.escape(piece, quote=False)}</a>')
    else:
        rows += [html.escape(x, quote=False) for x in _wrap_lines(cit.lines()[-1], width)]
    return "<br>".join(rows)


def _note_bottom(fig) -> tuple[int, int]:
    """(bottom margin, font size of the lowest note) of a figure from charts._figure."""
    margin_b = fig.layout.margin.b if fig.layout.margin.b is not None else 80
    size = 10
    lowest = None
    for a in fig.layout.annotations or ():
        if a.yref == "paper" and (a.yshift or 0) < 0:
            if lowest is None or a.yshift < lowest.yshift:
                lowest = a
    if lowest is not None and lowest.font.size:
        size = lowest.font.size
    return int(margin_b), int(size)


def with_citation(fig, cit: Citation):
    """A copy of ``fig`` with the citation block (scenario and levers changed, model
    version, date, share link) as an annotation below the source note; the bottom margin
    and the height grow by the block's height, so the plot keeps its size and nothing
    overlaps."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    bottom, size = _note_bottom(out)
    text = _annotation_markup(cit, int(800 / size))
    extra = (text.count("<br>") + 1) * (size + 5) + 10
    height = out.layout.height or 450
    out.add_annotation(
        text=text,
        name="citation",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-(bottom - 5),
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font=dict(size=size, color="#444"),
    )
    out.update_layout(height=height + extra, margin=dict(b=bottom + extra))
    return out


def plain_title(fig) -> str:
    """The chart title as text, without its subtitle or markup."""
    import html
    import re

    text = (fig.layout.title.text or "") if fig.layout.title else ""
    lines = re.split(r"<br\s*/?>", text)
    head = " ".join(x for x in lines if not x.lstrip().startswith("<sup>"))
    return html.unescape(re.sub(r"<[^>]+>", "", head)).strip()


def subtitle(fig) -> str:
    import html
    import re

    text = (fig.layout.title.text or "") if fig.layout.title else ""
    lines = re.split(r"<br\s*/?>", text)
    sub = " ".join(x for x in lines if x.lstrip().startswith("<sup>"))
    return html.unescape(re.sub(r"<[^>]+>", "", sub)).strip()


def source_note(fig) -> str:
    """The chart's source note (the annotation under the plot), as plain text."""
    import html
    import re

    for a in fig.layout.annotations or ():
        if (a.yshift or 0) < 0 and a.name != "citation":
            return html.unescape(re.sub(r"<[^>]+>", " ", a.text or "")).replace("  ", " ").strip()
    return ""


def export_figure(fig, fmt: str, cit: Citation) -> bytes:
    """One chart as ``png``, ``svg`` or ``html`` with its citation block; the HTML page has
    the chart title as its ``<title>`` and is self-contained (plotly.js inlined)."""
    cited = with_citation(fig, cit)
    if fmt == "html":
        return html_page({"chart": cited}, title=plain_title(fig), cit=cit).encode("utf-8")
    return figure_bytes(cited, fmt)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="description" content="{description}">
<meta name="generator" content="Rebalancing model v{version}">
<style>
body {{font-family: sans-serif; color: #2a3f5f; max-width: 1100px; margin: 1em auto;
padding: 0 1em;}}
.citation {{font-size: 0.9em; color: #444; border-top: 1px solid #ddd; padding-top: .5em;}}
.chart {{margin-bottom: 2em;}}
</style>
{plotlyjs}
</head>
<body>
<h1>{title}</h1>
{charts}
<div class="citation">
{citation}
</div>
</body>
</html>
"""


def html_page(figs: dict, *, title: str, cit: Citation | None = None) -> str:
    """A full HTML page of ``figs`` with ``<title>``, the citation as text and exactly one
    copy of plotly.js (inlined, so the page opens offline), however many charts."""
    import html

    import plotly.offline

    body = []
    for key, fig in figs.items():
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{_slug(key)}",
            config={"displaylogo": False, "responsive": True},
        )
        body.append(f'<div class="chart">\n{div}\n</div>')
    if cit is not None:
        lines = [html.escape(x) for x in cit.lines()]
        if cit.share_link:
            link = html.escape(cit.share_link)
            lines[-1] = f'Reproduce: <a href="{link}">{link}</a>'
        lines.append(html.escape("Cite as: " + cit.cite_as(title)))
        cite_html = "\n".join(f"<p>{x}</p>" for x in lines)
        description = cit.lines()[0]
    else:
        cite_html, description = "", title
    js = plotly.offline.get_plotlyjs()
    return _PAGE.format(
        title=html.escape(title),
        description=html.escape(description, quote=True),
        version=__version__,
        plotlyjs=f'<script type="text/javascript">{js}</script>',
        charts="\n".join(body),
        citation=cite_html,
    )


def _array(values):
    """A trace's values as an array: as given, or decoded where they are plotly's typed-array
    form ``{"dtype": ..., "bdata": base64, "shape": "r, c"}``, which a figure rebuilt from
    its dict keeps (``charts.figures_from_specs``)."""
    import base64

    import numpy as np

    if isinstance(values, dict) and "bdata" in values:
        out = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        if shape:
            out = out.reshape([int(k) for k in str(shape).split(",")])
        return out
    return values


def chart_data_frame(fig, chart: str) -> pd.DataFrame:
    """The numbers behind a chart, tidy: ``chart, panel, series, x, y, unit`` (``panel``
    is the panel title of a side-by-side chart, else empty; a filled band is split into
    its ``(upper)`` and ``(lower)`` edges)."""
    import numpy as np

    lay_json = fig.layout.to_plotly_json()
    unit = next(
        (
            v["title"]["text"]
            for k, v in sorted(lay_json.items())
            if k.startswith("yaxis") and (v.get("title") or {}).get("text")
        ),
        "",
    )  # small multiples title only their middle row's axis
    panel_titles = [
        a
        for a in fig.layout.annotations or ()
        if a.yref == "paper" and a.yanchor == "bottom" and a.y is not None and a.y > 0
    ]

    def domain(axis: str) -> tuple[float, float]:
        lay = lay_json.get(axis, {})
        return tuple(lay.get("domain") or (0.0, 1.0))

    def panel_of(trace) -> str:
        """The title above the trace's panel: inside its x domain, at its y domain's top."""
        xa = (getattr(trace, "xaxis", None) or "x").replace("x", "xaxis", 1)
        ya = (getattr(trace, "yaxis", None) or "y").replace("y", "yaxis", 1)
        (x0, x1), (_, y1) = domain(xa), domain(ya)
        for a in panel_titles:
            if x0 <= a.x <= x1 and abs(a.y - y1) < 1e-6:
                return a.text
        return ""

    rows = []
    for t in fig.data:
        y = np.asarray(_array(t.y), dtype=float)
        x = np.asarray(_array(t.x)) if t.x is not None else np.arange(len(y))
        parts = [(t.name or "", x, y)]
        if getattr(t, "fill", None) == "toself" and len(x) % 2 == 0:
            n = len(x) // 2
            parts = [
                (f"{t.name} (upper)", x[:n], y[:n]),
                (f"{t.name} (lower)", x[n:][::-1], y[n:][::-1]),
            ]
        panel = panel_of(t)
        for name, xs, ys in parts:
            for xv, yv in zip(xs, ys):
                rows.append(
                    (chart, panel, name, xv.item() if hasattr(xv, "item") else xv, float(yv), unit)
                )
    return pd.DataFrame(rows, columns=["chart", "panel", "series", "x", "y", "unit"])


def chart_data_csv(fig, chart: str) -> str:
    buf = io.StringIO()
    safe_frame(chart_data_frame(fig, chart)).to_csv(
        buf, index=False, float_format="%.10g", lineterminator="\n"
    )
    return buf.getvalue()


def _readme(
    figs: dict,
    res: Results,
    cit: Citation,
    *,
    view_title: str,
    files: list[str],
    missing: str | None,
) -> str:
    lines = [
        f"Rebalancing model: {view_title}",
        "=" * (len(view_title) + 19),
        "",
        f"Model version: {cit.version}",
        f"Exported:      {cit.date.isoformat()}",
        f"Scenario:      {cit.digest} (scenario.json)",
        f"Share link:    {cit.share_link or '(none: load scenario.json in the dashboard)'}",
        "",
        "Levers changed from the defaults:",
    ]
    lines += [f"  - {x}" for x in cit.levers] or ["  (none: every lever at its default)"]
    lines += ["", "Data vintages:"]
    lines += [f"  - {v}" for v in res.calibration.vintages] or ["  (not recorded)"]
    lines += ["", "Charts:"]
    for key, fig in figs.items():
        lines.append(f"  - {key}: {plain_title(fig)}")
        sub = subtitle(fig)
        if sub:
            lines.append(f"      {sub}")
        src = source_note(fig)
        if src:
            lines.append(f"      {src}")
    lines += ["", "Files:"]
    lines += [f"  - {f}" for f in files]
    if missing:
        lines += ["", f"PNG and SVG images are not included: {missing}"]
    lines += [
        "",
        "How to cite:",
        f"  {cit.cite_as(view_title)}",
        "",
        "How to reproduce: open the share link, or load scenario.json in the dashboard "
        "(sidebar, 'Load a scenario file'), or run",
        "  python -m rebalancing run --scenario scenario.json --out results.csv",
        f"with version {cit.version} of the model; results.meta.json records the data "
        "vintages and the largest identity residual of this run.",
        "",
    ]
    return "\n".join(lines)


def chart_pack(
    figs: dict,
    res: Results,
    *,
    view: str,
    share_link: str | None,
    scenario_json: str,
    view_title: str | None = None,
    date: _dt.date | None = None,
) -> bytes:
    """Every chart of a view in one zip (deflated), in a folder named like the zip:
    ``<chart>.png`` and ``<chart>.svg`` (with the citation block), ``<chart>.csv`` (the
    traces' numbers, :func:`chart_data_frame`), ``charts.html`` (all charts, one copy of
    plotly.js), ``scenario.json``, ``results.meta.json`` and ``README.txt`` (title,
    version, date, share link, levers changed, data vintages, how to cite). Without a
    browser for kaleido the images are left out and README.txt says why."""
    import zipfile

    from .scenario import parse_scenario

    scn = parse_scenario(scenario_json, "scenario.json")
    cit = citation(scn, share_link, date)
    view_title = view_title or view
    folder = export_name("charts", view, digest=cit.digest, ext="", date=cit.date).rstrip(".")
    cited = {key: with_citation(fig, cit) for key, fig in figs.items()}
    entries: list[tuple[str, bytes | str]] = []
    missing = None
    for key, fig in cited.items():
        for fmt in ("png", "svg"):
            if missing:
                break
            try:
                entries.append((f"{key}.{fmt}", figure_bytes(fig, fmt)))
            except ExportUnavailable as e:
                missing = str(e)
                entries = [(n, b) for n, b in entries if not n.endswith((".png", ".svg"))]
        entries.append((f"{key}.csv", chart_data_csv(figs[key], key)))
    entries.append(("charts.html", html_page(cited, title=f"Rebalancing: {view_title}", cit=cit)))
    entries.append(("scenario.json", scenario_json))
    entries.append(("results.meta.json", results_meta_json(res)))
    names = [n for n, _ in entries] + ["README.txt"]
    entries.append(
        (
            "README.txt",
            _readme(figs, res, cit, view_title=view_title, files=names, missing=missing),
        )
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(f"{folder}/{name}", data)
    return buf.getvalue()


def _bare(fig, width: int = 1100):
    """A copy for a slide: no title (the slide has it) and no source note (the slide
    has it as text); the plot keeps its height and the freed margins are removed."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    anns = list(out.layout.annotations or ())
    is_note = [a.yref == "paper" and (a.yshift or 0) < 0 for a in anns]
    notes = [a for a, n in zip(anns, is_note) if n]
    keep = [a for a, n in zip(anns, is_note) if not n]
    m = out.layout.margin
    height = out.layout.height or 450
    top, bottom = m.t if m.t is not None else 80, m.b if m.b is not None else 80
    new_top = 35 if any(a.y == 1.0 for a in keep) else 15
    new_bottom = (int(-max(a.yshift for a in notes)) + 10) if notes else bottom
    out.layout.annotations = [a.to_plotly_json() for a in keep]  # update_layout would merge
    out.update_layout(
        title_text="",
        width=width,
        height=height - (top - new_top) - (bottom - new_bottom),
        margin=dict(t=new_top, b=new_bottom),
    )
    return out


def deck(
    figs: dict,
    res: Results,
    *,
    view: str,
    share_link: str | None,
    view_title: str | None = None,
    date: _dt.date | None = None,
) -> bytes:
    """A PowerPoint deck (16:9) of a view: a title slide with the scenario summary, then
    one slide per chart with its title, the chart (PNG), the source and the note (levers
    changed, share link, model version, date); the note is also in the speaker notes.
    Raises :class:`ExportUnavailable` without a browser for kaleido."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    cit = citation(res.scenario, share_link, date)
    view_title = view_title or view
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    grey = RGBColor(0x55, 0x55, 0x55)

    def text_box(slide, left, top, width, height, lines, size, color=None, bold=False):
        tf = slide.shapes.add_textbox(left, top, width, height).text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            para.text = line
            para.font.size = Pt(size)
            para.font.bold = bold
            if color is not None:
                para.font.color.rgb = color
        return tf

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = f"Rebalancing: {view_title}"
    mode = "two-country (US, China)" if res.scenario.global_.two_country else "four regions"
    summary = [
        f"Scenario {cit.digest}: {mode}, {int(res.years[0])}-{int(res.years[-1])}",
        *(
            ["Levers changed from the defaults:"] + cit.levers[:12]
            if cit.levers
            else ["All levers at their defaults"]
        ),
    ]
    if len(cit.levers) > 12:
        summary.append(f"... and {len(cit.levers) - 12} more (see the share link)")
    summary += [
        f"Rebalancing model v{cit.version}; exported {cit.date.isoformat()}",
        cit.share_link or "",
    ]
    sub = slide.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(3.0), Inches(11.7), Inches(4.2)
    tf = sub.text_frame
    tf.word_wrap = True
    for i, line in enumerate(x for x in summary if x):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.text = line
        para.font.size = Pt(16 if i else 20)
    slide.shapes.title.top, slide.shapes.title.height = Inches(1.0), Inches(1.6)

    blank = prs.slide_layouts[5]  # title only
    for fig in figs.values():
        slide = prs.slides.add_slide(blank)
        title = slide.shapes.title
        title.text = plain_title(fig)
        title.left, title.top, title.width, title.height = (
            Inches(0.5),
            Inches(0.25),
            Inches(12.3),
            Inches(0.8),
        )
        title.text_frame.paragraphs[0].font.size = Pt(28)
        top = Inches(1.05)
        sub_text = subtitle(fig)
        if sub_text:
            text_box(
                slide, Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.4), [sub_text], 16, grey
            )
            top = Inches(1.35)
        bare = _bare(fig)
        png = figure_bytes(bare, "png")
        box_w, box_h = Inches(12.3), Inches(6.0) - (top - Inches(1.05)) - Inches(0.15)
        w, h = bare.layout.width, bare.layout.height
        scale = min(box_w / w, box_h / h)
        pic_w, pic_h = Emu(int(w * scale)), Emu(int(h * scale))
        slide.shapes.add_picture(
            io.BytesIO(png), Inches(0.5) + (box_w - pic_w) // 2, top, pic_w, pic_h
        )
        note = [source_note(fig), " ".join(cit.lines())]
        text_box(slide, Inches(0.5), Inches(6.45), Inches(12.3), Inches(1.0), note, 9, grey)
        slide.notes_slide.notes_text_frame.text = "\n".join(
            [plain_title(fig), *note, "Cite as: " + cit.cite_as(plain_title(fig))]
        )
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def history_csv(
    hist: pd.DataFrame,
    proj: pd.DataFrame,
    scn,
    *,
    share_link: str | None = None,
    date: _dt.date | None = None,
) -> str:
    """The history-and-projection CSV with its scenario: a block of ``#`` lines first
    (title, model version, date, scenario digest, levers changed, share link, the scenario
    as one line of JSON, how to read), then the table as :func:`table_csv` writes it. Read
    it back with ``pandas.read_csv(f, comment="#")``."""
    from .charts import HISTORY_SOURCE
    from .scenario import dumps_scenario

    cit = citation(scn, share_link, date)
    compact = json.dumps(json.loads(dumps_scenario(scn)), separators=(",", ":"))
    head = [
        "Rebalancing model: history 1990-2024 and status-quo projection",
        f"Model version: {cit.version}; exported {cit.date.isoformat()}",
        f"Scenario {cit.digest}: {cit.levers_text()}",
        f"Share link: {cit.share_link or '(none)'}",
        f"Scenario JSON: {compact}",
        HISTORY_SOURCE,
        'Read with pandas.read_csv(f, comment="#")',
    ]
    block = "".join(f"# {line.replace(chr(10), ' ').replace(chr(13), ' ')}\n" for line in head)
    # the byte-order mark belongs at the start of the file, not of the table
    table = table_csv(pd.concat([hist, proj]).set_index("path")).removeprefix("\ufeff")
    return "\ufeff" + block + table
