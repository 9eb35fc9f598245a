"""Load and validate the shipped historical data (``data/``).

Two files, both tidy CSV with a source and a vintage on every row:

``macro_history.csv``
    ``region,year,series,value,unit,source,vintage``: IMF WEO, World Bank WDI, UN AMA and
    US Census figures, 1990-2025 (see ``data/README.md``).
``facts.csv``
    ``subject,fact,value,unit,as_of,source,vintage``: single dated facts (net foreign
    positions, tariff levels, the report's 2025 trade shifts).

Every check names the file, the row (1-based, header = row 1) and the field, so that a
corrupt or edited data file is reported as a :class:`DataError`, never as a traceback or a
silently wrong number.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import RebalancingError


def _default_data_dir() -> Path:
    """The shipped data: ``rebalancing/data/`` inside an installed wheel (package data, mapped
    from the repository's top-level ``data/`` at build time), else ``data/`` at the top of the
    checkout, beside the package (a source tree or an editable install)."""
    packaged = Path(str(resources.files("rebalancing") / "data"))
    if (packaged / "macro_history.csv").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


#: Default data folder (see :func:`_default_data_dir`); ``$REBALANCING_DATA_DIR`` overrides it.
DEFAULT_DATA_DIR = _default_data_dir()

#: Largest data file accepted (bytes): the shipped history is ~150 kB.
MAX_FILE_BYTES = 20_000_000

HISTORY_COLUMNS = ("region", "year", "series", "value", "unit", "source", "vintage")
FACTS_COLUMNS = ("subject", "fact", "value", "unit", "as_of", "source", "vintage")

#: Regions as spelled in ``macro_history.csv``.
HISTORY_REGIONS = ("US", "China", "Euro area", "Japan", "World")

#: Every series the history may hold, with the one unit it must carry.
SERIES_UNITS = {
    "gdp_usd_bn": "USD bn",
    "current_account_usd_bn": "USD bn",
    "current_account_pct_gdp": "% of GDP",
    "gross_national_saving_pct_gdp": "% of GDP",
    "gross_capital_formation_pct_gdp": "% of GDP",
    "exports_pct_gdp": "% of GDP",
    "imports_pct_gdp": "% of GDP",
    "household_consumption_pct_gdp": "% of GDP",
    "government_consumption_pct_gdp": "% of GDP",
    "us_goods_exports_to_china_usd_bn": "USD bn",
    "us_goods_imports_from_china_usd_bn": "USD bn",
}

YEAR_MIN, YEAR_MAX = 1950, 2100


class DataError(RebalancingError, ValueError):
    """A data file is missing, unreadable or breaks the schema; the message names where."""


@dataclass(frozen=True)
class Observation:
    region: str
    year: int
    series: str
    value: float
    unit: str
    source: str
    vintage: str


@dataclass(frozen=True)
class Fact:
    subject: str
    fact: str
    value: str
    unit: str
    as_of: str
    source: str
    vintage: str

    @property
    def number(self) -> float:
        return float(self.value)


class History:
    """Validated observations of ``macro_history.csv``, looked up by (region, series, year)."""

    def __init__(self, rows: list[Observation], path: Path, sha256: str = ""):
        self.rows = rows
        self.path = path
        self.sha256 = sha256  # of the file's bytes: keys the cached statsmodels fits
        self._index = {(r.region, r.series, r.year): r for r in rows}

    def get(self, region: str, series: str, year: int) -> Observation:
        try:
            return self._index[(region, series, year)]
        except KeyError:
            raise DataError(
                f"{self.path.name}: no row for region={region!r}, series={series!r}, year={year}"
            ) from None

    def value(self, region: str, series: str, year: int) -> float:
        return self.get(region, series, year).value

    def series(self, region: str, series: str) -> dict[int, float]:
        """``{year: value}`` of one series, sorted by year (empty when the data have none)."""
        return dict(
            sorted(
                (r.year, r.value) for r in self.rows if r.region == region and r.series == series
            )
        )

    def vintages(self) -> list[str]:
        return sorted({r.vintage for r in self.rows})


class Facts:
    def __init__(self, rows: list[Fact], path: Path, sha256: str = ""):
        self.rows = rows
        self.path = path
        self.sha256 = sha256

    def get(self, subject: str, fact: str, as_of_prefix: str = "") -> Fact:
        hits = [
            f
            for f in self.rows
            if f.subject == subject and f.fact == fact and f.as_of.startswith(as_of_prefix)
        ]
        if len(hits) != 1:
            raise DataError(
                f"{self.path.name}: expected one fact subject={subject!r}, "
                f"fact={fact!r}, as_of={as_of_prefix!r}*, found {len(hits)}"
            )
        return hits[0]


def data_dir() -> Path:
    """The data folder: ``$REBALANCING_DATA_DIR`` if set, else the shipped ``data/``."""
    return Path(os.environ.get("REBALANCING_DATA_DIR", DEFAULT_DATA_DIR))


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    name = path.name
    if not path.is_file():
        raise DataError(f"{name}: file not found at {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DataError(f"{name}: file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{name}: cannot be read as UTF-8 text ({e.__class__.__name__})") from None
    if not text.strip():
        raise DataError(f"{name}: file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as e:
        raise DataError(f"{name}: row 1: not valid CSV ({e})") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{name}: row 1: missing column(s) {', '.join(missing)}")
    extra = [c for c in header if c not in columns]
    if extra:
        raise DataError(f"{name}: row 1: unknown column(s) {', '.join(extra)}")
    out = []
    try:
        for rowno, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{name}: row {rowno}: {len(cells)} fields, expected "
                    f"{len(header)} (truncated or malformed line)"
                )
            out.append((rowno, dict(zip(header, cells))))
    except csv.Error as e:
        raise DataError(f"{name}: row {reader.line_num}: not valid CSV ({e})") from None
    if not out:
        raise DataError(f"{name}: no data rows")
    if not text.endswith("\n"):
        # A file cut off mid-write usually loses its final newline: refuse rather than
        # trust a last row that may be partial.
        raise DataError(f"{name}: row {out[-1][0]}: file does not end with a newline (truncated?)")
    return out


def _nonempty(name: str, rowno: int, row: dict[str, str], field: str) -> str:
    v = row[field].strip()
    if not v:
        raise DataError(f"{name}: row {rowno}: field {field!r} is empty")
    return v


def load_history(path: Path | None = None) -> History:
    """Read and validate ``macro_history.csv`` (schema in the module docstring)."""
    path = Path(path) if path else data_dir() / "macro_history.csv"
    name = path.name
    rows: list[Observation] = []
    seen: dict[tuple[str, int, str], int] = {}
    for rowno, row in _read_rows(path, HISTORY_COLUMNS):
        region = _nonempty(name, rowno, row, "region")
        if region not in HISTORY_REGIONS:
            raise DataError(
                f"{name}: row {rowno}: field 'region': unknown region {region!r} "
                f"(expected one of {', '.join(HISTORY_REGIONS)})"
            )
        try:
            year = int(row["year"])
        except ValueError:
            raise DataError(
                f"{name}: row {rowno}: field 'year': {row['year']!r} is not an integer"
            ) from None
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise DataError(
                f"{name}: row {rowno}: field 'year': {year} outside {YEAR_MIN}-{YEAR_MAX}"
            )
        series = _nonempty(name, rowno, row, "series")
        if series not in SERIES_UNITS:
            raise DataError(f"{name}: row {rowno}: field 'series': unknown series {series!r}")
        try:
            value = float(row["value"])
        except ValueError:
            raise DataError(
                f"{name}: row {rowno}: field 'value': {row['value']!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise DataError(f"{name}: row {rowno}: field 'value': {row['value']!r} is not finite")
        unit = row["unit"].strip()
        if unit != SERIES_UNITS[series]:
            raise DataError(
                f"{name}: row {rowno}: field 'unit': {unit!r} for {series}, "
                f"expected {SERIES_UNITS[series]!r}"
            )
        source = _nonempty(name, rowno, row, "source")
        vintage = _nonempty(name, rowno, row, "vintage")
        key = (region, year, series)
        if key in seen:
            raise DataError(
                f"{name}: row {rowno}: duplicate key region={region}, year={year}, "
                f"series={series} (first at row {seen[key]})"
            )
        seen[key] = rowno
        rows.append(Observation(region, year, series, value, unit, source, vintage))
    import hashlib

    return History(rows, path, hashlib.sha256(path.read_bytes()).hexdigest())


def load_facts(path: Path | None = None) -> Facts:
    """Read and validate ``facts.csv``: numeric values where the unit is not a date."""
    path = Path(path) if path else data_dir() / "facts.csv"
    name = path.name
    rows: list[Fact] = []
    seen: dict[tuple[str, str, str], int] = {}
    for rowno, row in _read_rows(path, FACTS_COLUMNS):
        vals = {c: _nonempty(name, rowno, row, c) for c in FACTS_COLUMNS}
        if vals["unit"] != "date":
            try:
                v = float(vals["value"])
            except ValueError:
                raise DataError(
                    f"{name}: row {rowno}: field 'value': {vals['value']!r} is not a number"
                ) from None
            if not math.isfinite(v):
                raise DataError(f"{name}: row {rowno}: field 'value': not finite")
        key = (vals["subject"], vals["fact"], vals["as_of"])
        if key in seen:
            raise DataError(
                f"{name}: row {rowno}: duplicate key subject={key[0]}, "
                f"fact={key[1]}, as_of={key[2]} (first at row {seen[key]})"
            )
        seen[key] = rowno
        rows.append(Fact(**vals))
    import hashlib

    return Facts(rows, path, hashlib.sha256(path.read_bytes()).hexdigest())


@lru_cache(maxsize=4)
def _cached(dirpath: str, mtimes: tuple) -> tuple[History, Facts]:
    d = Path(dirpath)
    return load_history(d / "macro_history.csv"), load_facts(d / "facts.csv")


def data_key() -> str:
    """Identifies the data in use: caches of anything computed from it are keyed by this."""
    h, f = load_all()
    return h.sha256 + f.sha256


def load_all(directory: Path | None = None) -> tuple[History, Facts]:
    """Both files, validated, cached until a file changes on disk."""
    d = Path(directory) if directory else data_dir()
    mt = tuple(
        (d / f).stat().st_mtime_ns if (d / f).exists() else None
        for f in ("macro_history.csv", "facts.csv")
    )
    return _cached(str(d), mt)
