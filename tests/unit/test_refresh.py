"""`data refresh` against a response in the World Bank API v2 format (tests/fixtures, built
from the shipped values: these machines cannot reach the API), and its failure without a
network. The shipped data are never touched."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
import requests

from rebalancing.cli import main
from rebalancing.data import DEFAULT_DATA_DIR, load_history
from rebalancing.refresh import refresh

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wdi_v2_responses.json"


def shipped_digest():
    return {
        f: hashlib.sha256((DEFAULT_DATA_DIR / f).read_bytes()).hexdigest()
        for f in ("macro_history.csv", "facts.csv")
    }


class FakeResponse:
    status_code = 200
    reason = "OK"

    def __init__(self, payload):
        self._payload = payload

    def json(self):
        return self._payload


@pytest.fixture
def recorded_api(monkeypatch):
    responses = json.loads(FIXTURE.read_text())
    asked = []

    def fake_get(url, **kwargs):
        asked.append((url, kwargs))
        code = url.split("/indicator/")[1].split("?")[0]
        return FakeResponse(responses[code])

    monkeypatch.setattr(requests, "get", fake_get)
    return asked


def test_refresh_writes_a_new_vintage_and_reports_changes(tmp_path, recorded_api):
    before = shipped_digest()
    path, changes = refresh(tmp_path, today=dt.date(2026, 11, 28))
    assert path == tmp_path / "wdi-2026-11-28.csv"
    h = load_history(path)  # the same schema checks
    assert all(r.vintage == "World Bank WDI API, fetched 2026-11-28" for r in h.rows)
    assert h.value("US", "exports_pct_gdp", 2024) == 11.05
    by = {c.series: c for c in changes}
    assert by["exports_pct_gdp"].changed == 1
    # the difference of two decimals read from files: round-off only
    assert by["exports_pct_gdp"].max_abs_change == pytest.approx(11.05 - 10.974696)
    assert by["exports_pct_gdp"].new >= 1  # US 2025 is new
    assert by["imports_pct_gdp"].changed == 0
    assert all(kw.get("timeout") for _, kw in recorded_api)
    assert shipped_digest() == before


def test_refresh_cli_prints_report(tmp_path, recorded_api, capsys):
    assert main(["data", "refresh", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "wrote new vintage" in out and "exports_pct_gdp" in out


def test_refresh_without_network_fails_with_one_line(tmp_path, monkeypatch, capsys):
    def no_network(url, **kwargs):
        raise requests.ConnectionError("Name or service not known")

    monkeypatch.setattr(requests, "get", no_network)
    before = shipped_digest()
    assert main(["data", "refresh", "--out-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "data refresh: cannot reach the World Bank API (ConnectionError); "
        "the shipped data are unchanged"
    )
    assert list(tmp_path.iterdir()) == []
    assert shipped_digest() == before
