"""History, statsmodels trends and the status-quo projection."""

import numpy as np
import pandas as pd
import pytest

from rebalancing.history import (
    PROJECTED,
    history_frame,
    projection,
    projection_frame,
    trend_fits,
    trend_growth,
)

#: Fresh statsmodels fits against the shipped cache. The fits are maximum-likelihood estimates
#: found by scipy's L-BFGS, which stops at a gradient tolerance, so they move in the 6th digit
#: across scipy and BLAS builds (seen: 5e-6 relative, 3e-7 absolute where a band crosses zero);
#: 1e-4 percentage points (absolute) and 1e-4 relative is far below the 0.01 shown anywhere,
#: and far above that noise. A stale cache (other data) is caught by its SHA-256, not by this.
FIT_TOL = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture(scope="module")
def hist():
    return history_frame()


def test_history_covers_1990_2024_for_every_series_the_data_have(hist):
    h = hist[hist.path == "history"]
    g = h.groupby(["region", "variable"]).year.agg(["min", "max"])
    # US and China: every ratio from 1990 (CA of China from 1997: data/SOURCES.md)
    for var in (
        "gdp",
        "consumption_pct_gdp",
        "saving_pct_gdp",
        "investment_pct_gdp",
        "exports_pct_gdp",
        "imports_pct_gdp",
        "government_pct_gdp",
    ):
        assert tuple(g.loc[("US", var)]) == (1990, 2024), var
        assert tuple(g.loc[("CN", var)]) == (1990, 2024), var
    assert tuple(g.loc[("US", "current_account_pct_gdp")]) == (1990, 2024)
    assert tuple(g.loc[("CN", "current_account_pct_gdp")]) == (1997, 2024)
    assert tuple(g.loc[("BLOC", "gdp")]) == (1991, 2024)  # euro area from 1991
    assert tuple(g.loc[("US", "goods_exports_to_CN")]) == (2021, 2025)
    assert h.value.notna().all() and np.isfinite(h.value).all()


def test_history_values_match_the_data(hist):
    """data/macro_history.csv: China 2024 household consumption 39.926817% (UN AMA)."""
    row = hist[
        (hist.region == "CN") & (hist.variable == "consumption_pct_gdp") & (hist.year == 2024)
    ]
    assert row.value.item() == pytest.approx(39.926817)  # a data value, read as written
    bloc = hist[(hist.region == "BLOC") & (hist.variable == "gdp") & (hist.year == 2024)]
    assert bloc.value.item() == pytest.approx(16447.395 + 4019.382)  # euro area + Japan


def test_trends_are_reproducible_and_sensible():
    a, b = trend_growth(), trend_growth()
    assert a == b
    for r, g in a.items():
        assert -1.0 < g < 8.0, r
    fits = trend_fits()
    us = fits["US"].trend
    assert (us > 0).all() and abs(us.loc[2024] / 29298.025 - 1) < 0.05


def test_projection_bands_nested_and_widening():
    for key, p in projection(2040).items():
        assert (p.lo95 <= p.lo80 + 1e-12).all() and (p.lo80 <= p.mean).all()
        assert (p.mean <= p.hi80).all() and (p.hi80 <= p.hi95 + 1e-12).all()
        width = p.hi95 - p.lo95
        assert (np.diff(width.values) >= -1e-9).all(), key
        assert abs(p.mean.loc[2025] - p.last_value) < 3.0


def test_projection_reproducible_and_ranges():
    a = projection_frame(2040)
    b = projection_frame(2040)
    pd.testing.assert_frame_equal(a, b)
    central = a[~a.variable.str.contains("_lo|_hi")]
    assert set(central.variable) == {v for _, v, _, _ in PROJECTED}
    assert central.year.min() == 2025 and central.year.max() == 2040
    assert central.value.between(-15, 60).all()


def test_history_cli(tmp_path):
    from rebalancing.cli import main

    out = tmp_path / "history.csv"
    assert main(["history", "--out", str(out), "--horizon", "2035"]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["path", "region", "year", "variable", "value", "unit"]
    assert set(df.path) == {"history", "projection"}
    proj = df[df.path == "projection"]
    assert proj.year.max() == 2035
    assert {
        "current_account_pct_gdp_lo80",
        "current_account_pct_gdp_hi95",
        "consumption_pct_gdp_lo95",
        "saving_pct_gdp_hi80",
    } <= set(proj.variable)


def test_shipped_fits_cache_equals_a_fresh_statsmodels_fit():
    """data/statsmodels_fits.json is a cache, not a source: it must be what statsmodels
    gives for the shipped data file (after replacing the data: history --refit)."""
    import json

    from rebalancing.data import DEFAULT_DATA_DIR, load_all
    from rebalancing.history import FITS_FILE, fit_all

    h = load_all()[0]
    shipped = json.loads((DEFAULT_DATA_DIR / FITS_FILE).read_text())
    assert shipped["data_sha256"] == h.sha256, (
        "data/macro_history.csv changed: run `python -m rebalancing history --refit`"
    )
    fresh = fit_all(h)
    assert len(shipped["projections"]) == len(fresh["projections"])
    for a, b in zip(shipped["projections"], fresh["projections"]):
        assert (a["region"], a["variable"]) == (b["region"], b["variable"])
        for k in ("mean", "lo80", "hi80", "lo95", "hi95"):
            np.testing.assert_allclose(a[k], b[k], **FIT_TOL, err_msg=f"{a['variable']} {k}")
    for r in fresh["trends"]:
        np.testing.assert_allclose(
            shipped["trends"][r]["slope_pct"], fresh["trends"][r]["slope_pct"], **FIT_TOL, err_msg=r
        )


def test_without_the_cache_the_fits_are_computed(tmp_path, monkeypatch):
    import shutil

    from rebalancing.data import DEFAULT_DATA_DIR, load_all

    for f in ("macro_history.csv", "facts.csv"):
        shutil.copy(DEFAULT_DATA_DIR / f, tmp_path / f)
    monkeypatch.setenv("REBALANCING_DATA_DIR", str(tmp_path))
    h = load_all()[0]
    assert h.path.parent == tmp_path
    live = projection(2035, h)[("US", "current_account_pct_gdp")]
    monkeypatch.delenv("REBALANCING_DATA_DIR")
    cached = projection(2035)[("US", "current_account_pct_gdp")]
    np.testing.assert_allclose(live.hi95.values, cached.hi95.values, **FIT_TOL)
