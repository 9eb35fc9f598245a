"""Export builders: tidy CSV, its metadata, scenario files. Used by the CLI and the app.

CSV cells never begin with ``= + - @`` (or tab / carriage return) followed by text a
spreadsheet would run as a formula: such a text cell is prefixed with a single quote (the
OWASP recommendation). Numbers are written as numbers; a negative number is data, not a
formula, and is left as it is.
"""

from __future__ import annotations

import io
import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .results import Results

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


def results_meta_json(res: Results) -> str:
    return json.dumps(_finite(res.metadata()), indent=2) + "\n"


def write_results(res: Results, out: Path) -> tuple[Path, Path]:
    """Write ``out`` (CSV) and ``<stem>.meta.json`` beside it."""
    from .cli import meta_path

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(results_csv(res), encoding="utf-8")
    meta = meta_path(out)
    meta.write_text(results_meta_json(res), encoding="utf-8")
    return out, meta


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
    inlined, so it opens offline)."""
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
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
