"""History, trends and the status-quo projection, with statsmodels.

* :func:`history_frame`: the historical series in model regions (``US``, ``CN``, ``BLOC`` =
  euro area + Japan, ``ROW`` = World - the others, plus ``WORLD``), 1990-2024.
* :func:`trend_fits`: a local-linear-trend UnobservedComponents model of log nominal-USD GDP
  per region; its smoothed level is the trend, its smoothed slope the trend growth.
  :func:`trend_growth` turns the slope into the model's potential growth in constant 2024
  dollars (mean slope 2015-2024 less 2% dollar inflation, an assumption).
* :func:`projection`: a local-level UnobservedComponents model of the four headline ratios
  (China's consumption share, the US saving rate, US and China current account % of GDP)
  with 80% and 95% bands. The status-quo path follows its central projection.

The fits depend only on the data file, so they are shipped in ``data/statsmodels_fits.json``,
keyed by the SHA-256 of ``macro_history.csv``: the dashboard and the CLI read them without
importing statsmodels (~0.8 s and ~86 MB per server process). If the data file differs from
the one the cache was made from, the fits are recomputed with statsmodels in memory;
``python -m rebalancing history --refit`` rewrites the cache, and a test checks that the
shipped cache equals a fresh fit. docs/model.md, section 7, explains the specifications.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .calibration import BASE_YEAR
from .data import History, load_all
from .files import write_text

FIRST_YEAR = 1990
#: US-dollar inflation taken off nominal-USD trend growth to express it at 2024 prices
#: (assumption: the Federal Reserve's 2% objective).
USD_INFLATION_PCT = 2.0
#: Years whose mean smoothed slope is the trend growth (the last decade of data).
TREND_WINDOW = (2015, 2024)

USD_CURRENT = "USD bn (current prices)"
PCT_GDP = "% of GDP"

#: The four projected ratios: (model region, variable, data region, data series).
PROJECTED = (
    ("CN", "consumption_pct_gdp", "China", "household_consumption_pct_gdp"),
    ("US", "saving_pct_gdp", "US", "gross_national_saving_pct_gdp"),
    ("US", "current_account_pct_gdp", "US", "current_account_pct_gdp"),
    ("CN", "current_account_pct_gdp", "China", "current_account_pct_gdp"),
)

_RATIO_VARS = {
    "current_account_pct_gdp": "current_account_pct_gdp",
    "consumption_pct_gdp": "household_consumption_pct_gdp",
    "government_pct_gdp": "government_consumption_pct_gdp",
    "investment_pct_gdp": "gross_capital_formation_pct_gdp",
    "saving_pct_gdp": "gross_national_saving_pct_gdp",
    "exports_pct_gdp": "exports_pct_gdp",
    "imports_pct_gdp": "imports_pct_gdp",
}


def _series(h: History, region: str, series: str, last: int = BASE_YEAR) -> pd.Series:
    d = {y: v for y, v in h.series(region, series).items() if FIRST_YEAR <= y <= last}
    return pd.Series(d, dtype=float).sort_index()


def _level(h: History, region: str, ratio_series: str) -> pd.Series:
    """USD bn level of a % of GDP series (ratio x GDP)."""
    return (_series(h, region, ratio_series) / 100 * _series(h, region, "gdp_usd_bn")).dropna()


def regional_levels(h: History) -> dict[str, dict[str, pd.Series]]:
    """USD bn levels per model region: gdp, current_account, investment, saving, exports,
    imports, and for US/CN household and government consumption. BLOC = euro area + Japan
    (years where both have data); ROW = World - US - China - BLOC."""
    src = {"US": "US", "CN": "China", "EA": "Euro area", "JP": "Japan", "WORLD": "World"}
    lv = {}
    for code, reg in src.items():
        d = {
            "gdp": _series(h, reg, "gdp_usd_bn"),
            "current_account": _series(h, reg, "current_account_usd_bn"),
        }
        for name, ser in (
            ("investment", "gross_capital_formation_pct_gdp"),
            ("saving", "gross_national_saving_pct_gdp"),
            ("exports", "exports_pct_gdp"),
            ("imports", "imports_pct_gdp"),
            ("consumption", "household_consumption_pct_gdp"),
            ("government", "government_consumption_pct_gdp"),
        ):
            d[name] = _level(h, reg, ser)
        lv[code] = d
    out = {"US": lv["US"], "CN": lv["CN"], "WORLD": lv["WORLD"]}
    bloc = {}
    for k in ("gdp", "current_account", "investment", "saving", "exports", "imports"):
        bloc[k] = (lv["EA"][k] + lv["JP"][k]).dropna()
    out["BLOC"] = bloc
    row = {}
    for k in ("gdp", "current_account", "investment", "saving", "exports", "imports"):
        row[k] = (lv["WORLD"][k] - lv["US"][k] - lv["CN"][k] - bloc[k]).dropna()
    out["ROW"] = row
    return out


def history_frame(h: History | None = None) -> pd.DataFrame:
    """Tidy history (``path=history``): levels and ratios per model region, 1990-2024, plus
    the Census US-China goods flows (2021-2025)."""
    h = h or load_all()[0]
    rows = []

    def add(region, var, s: pd.Series, unit):
        for y, v in s.items():
            if np.isfinite(v):
                rows.append(("history", region, int(y), var, float(v), unit))

    levels = regional_levels(h)
    for region, d in levels.items():
        add(region, "gdp", d["gdp"], USD_CURRENT)
        add(region, "current_account", d["current_account"], USD_CURRENT)
        for var in ("investment", "saving", "exports", "imports", "consumption", "government"):
            if var in d and len(d[var]):
                add(region, var if var != "saving" else "national_saving", d[var], USD_CURRENT)
    # Ratios: straight from the data for single economies, from summed levels for aggregates.
    for code, reg in (("US", "US"), ("CN", "China")):
        for var, ser in _RATIO_VARS.items():
            add(code, var, _series(h, reg, ser), PCT_GDP)
    for code in ("BLOC", "ROW", "WORLD"):
        d = levels[code]
        for var, lvl in (
            ("current_account_pct_gdp", "current_account"),
            ("investment_pct_gdp", "investment"),
            ("saving_pct_gdp", "saving"),
            ("exports_pct_gdp", "exports"),
            ("imports_pct_gdp", "imports"),
        ):
            if code == "WORLD" and var == "current_account_pct_gdp":
                continue  # the world's CA is the measurement discrepancy, not a balance
            add(code, var, (100 * d[lvl] / d["gdp"]).dropna(), PCT_GDP)
    census_last = BASE_YEAR + 1  # Census 2025 totals are actual, not projections
    add(
        "US",
        "goods_exports_to_CN",
        _series(h, "US", "us_goods_exports_to_china_usd_bn", census_last),
        USD_CURRENT,
    )
    add(
        "CN",
        "goods_exports_to_US",
        _series(h, "US", "us_goods_imports_from_china_usd_bn", census_last),
        USD_CURRENT,
    )
    for region, fit in trend_fits(h).items():
        add(region, "gdp_trend", fit.trend, USD_CURRENT)
        add(region, "gdp_trend_growth_pct", fit.slope_pct, "% per year (nominal USD)")
    return pd.DataFrame(rows, columns=["path", "region", "year", "variable", "value", "unit"])


@dataclass(frozen=True)
class TrendFit:
    trend: pd.Series  # smoothed trend of GDP, USD bn
    slope_pct: pd.Series  # smoothed trend growth, % per year, nominal USD
    aic: float

    @property
    def growth_pct(self) -> float:
        """Mean trend growth over TREND_WINDOW, nominal USD, % per year."""
        lo, hi = TREND_WINDOW
        return float(self.slope_pct.loc[lo:hi].mean())


FITS_FILE = "statsmodels_fits.json"
MAX_HORIZON = 2100


def fit_all(h: History, horizon: int = MAX_HORIZON) -> dict:
    """Fit every model with statsmodels: the JSON-ready payload of the fits cache
    (projections to ``horizon``)."""
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    trends = {}
    for region, d in regional_levels(h).items():
        y = np.log(d["gdp"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = UnobservedComponents(y.values, level="local linear trend").fit(disp=False)
        trends[region] = {
            "years": [int(x) for x in y.index],
            "trend": np.exp(res.smoothed_state[0]).tolist(),
            "slope_pct": (100 * res.smoothed_state[1]).tolist(),
            "aic": float(res.aic),
        }
    projections = []
    steps = max(horizon, MAX_HORIZON) - BASE_YEAR
    for region, var, data_region, series in PROJECTED:
        y = _series(h, data_region, series)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = UnobservedComponents(y.values, level="local level").fit(disp=False)
        fc = res.get_forecast(steps)
        ci80, ci95 = fc.conf_int(alpha=0.20), fc.conf_int(alpha=0.05)
        src = h.get(data_region, series, int(y.index[-1])).source
        projections.append(
            {
                "region": region,
                "variable": var,
                "last_year": int(y.index[-1]),
                "last_value": float(y.iloc[-1]),
                "first_year": BASE_YEAR + 1,
                "mean": np.asarray(fc.predicted_mean).tolist(),
                "lo80": ci80[:, 0].tolist(),
                "hi80": ci80[:, 1].tolist(),
                "lo95": ci95[:, 0].tolist(),
                "hi95": ci95[:, 1].tolist(),
                "aic": float(res.aic),
                "source": f"{src}, {int(y.index[0])}-{int(y.index[-1])}",
            }
        )
    return {
        "data_sha256": h.sha256,
        "data_file": h.path.name,
        "method": "statsmodels UnobservedComponents: local linear trend of log GDP; "
        "local level of the projected ratios (docs/model.md section 7)",
        "trends": trends,
        "projections": projections,
    }


def write_fits_cache(h: History | None = None) -> Path:
    h = h or load_all()[0]
    path = h.path.parent / FITS_FILE
    # The one documented writer of the data folder: its fixed name only, atomically.
    write_text(path, json.dumps(fit_all(h), indent=1) + "\n", allow=[path])
    _fits.cache_clear()
    return path


@lru_cache(maxsize=4)
def _fits(h: History) -> dict:
    """The fits: from the shipped cache when it matches the data file, else statsmodels."""
    path = h.path.parent / FITS_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("data_sha256") == h.sha256 and payload.get("projections"):
            return payload
    except (OSError, ValueError):
        pass
    return fit_all(h)


def _trend_fits(h: History) -> dict[str, TrendFit]:
    return {
        r: TrendFit(
            trend=pd.Series(d["trend"], index=d["years"]),
            slope_pct=pd.Series(d["slope_pct"], index=d["years"]),
            aic=d["aic"],
        )
        for r, d in _fits(h)["trends"].items()
    }


def trend_fits(h: History | None = None) -> dict[str, TrendFit]:
    """UC local-linear-trend fits of log nominal-USD GDP per region (cached)."""
    return _trend_fits(h or load_all()[0])


def trend_growth(h: History | None = None) -> dict[str, float]:
    """Potential growth in constant 2024 dollars, % per year, per model region:
    mean smoothed UC slope over TREND_WINDOW less USD_INFLATION_PCT, to one decimal."""
    fits = trend_fits(h)
    return {
        r: round(fits[r].growth_pct - USD_INFLATION_PCT, 1) for r in ("US", "CN", "BLOC", "ROW")
    }


@dataclass(frozen=True)
class Projection:
    """Status-quo projection of one ratio: central path and bands, indexed by year."""

    region: str
    variable: str
    last_year: int
    last_value: float
    mean: pd.Series
    lo80: pd.Series
    hi80: pd.Series
    lo95: pd.Series
    hi95: pd.Series
    aic: float
    source: str


@lru_cache(maxsize=16)
def _projection(h: History, horizon: int) -> tuple[Projection, ...]:
    out = []
    years = pd.RangeIndex(BASE_YEAR + 1, horizon + 1, name="year")
    fits = _fits(h)
    n = horizon - BASE_YEAR
    if n > len(fits["projections"][0]["mean"]):  # beyond the cached 2100: fit afresh
        fits = fit_all(h, horizon)
    for d in fits["projections"]:
        cut = {
            k: pd.Series(d[k][:n], index=years) for k in ("mean", "lo80", "hi80", "lo95", "hi95")
        }
        out.append(
            Projection(
                region=d["region"],
                variable=d["variable"],
                last_year=d["last_year"],
                last_value=d["last_value"],
                aic=d["aic"],
                source=d["source"],
                **cut,
            )
        )
    return tuple(out)


def projection(horizon: int = 2040, h: History | None = None) -> dict[tuple[str, str], Projection]:
    """Status-quo projections keyed by (region, variable), years 2025..horizon (cached)."""
    return {(p.region, p.variable): p for p in _projection(h or load_all()[0], int(horizon))}


def projection_frame(horizon: int = 2040, h: History | None = None) -> pd.DataFrame:
    """Tidy projection (``path=projection``) with bands as ``<variable>_lo80`` etc."""
    rows = []
    for (region, var), p in projection(horizon, h).items():
        for suffix, s in (
            ("", p.mean),
            ("_lo80", p.lo80),
            ("_hi80", p.hi80),
            ("_lo95", p.lo95),
            ("_hi95", p.hi95),
        ):
            for y, v in s.items():
                rows.append(("projection", region, int(y), var + suffix, float(v), PCT_GDP))
    return pd.DataFrame(rows, columns=["path", "region", "year", "variable", "value", "unit"])
