"""``python -m rebalancing data refresh``: fetch the latest World Bank WDI vintage.

Uses the World Bank's maintained client ``wbgapi`` (its paging ``fetch`` on the v2 API,
one request per indicator) for the WDI counterparts of the shipped series, for the US,
China, the euro area, Japan and the world. The result is written as a new dated vintage,
``data/vintages/wdi-YYYY-MM-DD.csv``, in the schema of ``macro_history.csv`` (validated by
the same loader), beside the shipped data, which are never modified. A report says what
changed against the shipped rows with the same key. Without a network it fails with one
line and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from .data import DataError, History, data_dir, load_history
from .files import make_dirs, write_text

#: WDI indicator -> (series in macro_history.csv, unit, scale to the shipped unit).
WDI_SERIES = {
    "NY.GDP.MKTP.CD": ("gdp_usd_bn", "USD bn", 1e-9),
    "BN.CAB.XOKA.CD": ("current_account_usd_bn", "USD bn", 1e-9),
    "NE.EXP.GNFS.ZS": ("exports_pct_gdp", "% of GDP", 1.0),
    "NE.IMP.GNFS.ZS": ("imports_pct_gdp", "% of GDP", 1.0),
    "NE.CON.PRVT.ZS": ("household_consumption_pct_gdp", "% of GDP", 1.0),
    "NE.CON.GOVT.ZS": ("government_consumption_pct_gdp", "% of GDP", 1.0),
    "NE.GDI.TOTL.ZS": ("gross_capital_formation_pct_gdp", "% of GDP", 1.0),
    "NY.GNS.ICTR.ZS": ("gross_national_saving_pct_gdp", "% of GDP", 1.0),
}
#: WDI economy code -> region as spelled in macro_history.csv.
ECONOMIES = {"USA": "US", "CHN": "China", "EMU": "Euro area", "JPN": "Japan", "WLD": "World"}
TIMEOUT_S = 30


class RefreshError(RuntimeError):
    """The refresh could not be done (no network, API error); nothing was written."""


@dataclass
class Change:
    series: str
    compared: int
    changed: int
    new: int
    max_abs_change: float


def fetch_wdi(first_year: int = 1990, last_year: int | None = None) -> list[dict]:
    """Rows ``{region, year, series, value, unit, source}`` from the WDI API."""
    import requests
    import wbgapi

    last_year = last_year or dt.date.today().year
    wbgapi.get_options = {**wbgapi.get_options, "timeout": TIMEOUT_S}
    rows = []
    try:
        for code, (series, unit, scale) in WDI_SERIES.items():
            url = f"country/{';'.join(ECONOMIES)}/indicator/{code}"
            for r in wbgapi.fetch(url, {"date": f"{first_year}:{last_year}"}):
                iso3, value = r.get("countryiso3code"), r.get("value")
                if value is None or iso3 not in ECONOMIES:
                    continue
                rows.append(
                    {
                        "region": ECONOMIES[iso3],
                        "year": int(r["date"]),
                        "series": series,
                        "value": float(value) * scale,
                        "unit": unit,
                        "source": f"World Bank WDI {code} via wbgapi",
                    }
                )
    except (requests.RequestException, OSError) as e:
        raise RefreshError(f"cannot reach the World Bank API ({e.__class__.__name__})") from None
    except wbgapi.APIError as e:
        raise RefreshError(f"the World Bank API answered with an error ({e})") from None
    except (KeyError, TypeError, ValueError) as e:
        raise RefreshError(f"unexpected response from the World Bank API ({e!r})") from None
    if not rows:
        raise RefreshError("the World Bank API returned no data")
    return rows


def write_vintage(rows: list[dict], out_dir: Path, fetched: dt.date) -> Path:
    make_dirs(out_dir)
    path = out_dir / f"wdi-{fetched.isoformat()}.csv"
    vintage = f"World Bank WDI API, fetched {fetched.isoformat()}"
    tmp = path.with_suffix(".csv.part")
    with io.StringIO(newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["region", "year", "series", "value", "unit", "source", "vintage"])
        for r in sorted(rows, key=lambda r: (r["series"], r["region"], r["year"])):
            w.writerow(
                [
                    r["region"],
                    r["year"],
                    r["series"],
                    repr(r["value"]),
                    r["unit"],
                    r["source"],
                    vintage,
                ]
            )
        # The documented writer of data/vintages/: a full disk or a bad folder names the
        # file; the new vintage is checked under a temporary name before it gets its own.
        write_text(tmp, f.getvalue(), allow=[out_dir])
    try:
        load_history(tmp)  # the same schema checks as the shipped file
    except DataError:
        tmp.unlink()
        raise
    write_text(path, tmp.read_bytes(), allow=[out_dir])
    tmp.unlink()
    return path


def compare(new: History, shipped: History) -> list[Change]:
    """What changed, per series, against shipped rows with the same (region, year, series)."""
    old = {(r.region, r.year, r.series): r.value for r in shipped.rows}
    out = {}
    for r in new.rows:
        c = out.setdefault(r.series, Change(r.series, 0, 0, 0, 0.0))
        key = (r.region, r.year, r.series)
        if key not in old:
            c.new += 1
            continue
        c.compared += 1
        diff = abs(r.value - old[key])
        if diff > 1e-6 * max(1.0, abs(old[key])):
            c.changed += 1
            c.max_abs_change = max(c.max_abs_change, diff)
    return sorted(out.values(), key=lambda c: c.series)


def refresh(
    out_dir: Path | None = None, first_year: int = 1990, today: dt.date | None = None
) -> tuple[Path, list[Change]]:
    """Fetch, write the new vintage, and compare it with the shipped data."""
    base = data_dir()
    out_dir = Path(out_dir) if out_dir else base / "vintages"
    today = today or dt.date.today()
    rows = fetch_wdi(first_year, today.year)
    path = write_vintage(rows, out_dir, today)
    return path, compare(load_history(path), load_history(base / "macro_history.csv"))
