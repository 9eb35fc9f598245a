"""The data loader on the shipped files and on each kind of bad file: the message names the
file, the row and the field; nothing surfaces as a traceback or a silently wrong number."""

import shutil

import pytest

from rebalancing.data import DataError, load_facts, load_history

GOOD = (
    "\n".join(
        [
            "region,year,series,value,unit,source,vintage",
            "US,2024,gdp_usd_bn,29298.025,USD bn,IMF WEO Oct2025 NGDPD,IMF WEO 2025-10",
            "China,2024,gdp_usd_bn,18749.759,USD bn,IMF WEO Oct2025 NGDPD,IMF WEO 2025-10",
        ]
    )
    + "\n"
)


def write(tmp_path, text, name="macro_history.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_shipped_history_is_valid_and_complete():
    h = load_history()
    assert len(h.rows) == 1409  # data/SOURCES.md: "It has 1,409 rows"
    assert h.value("US", "gdp_usd_bn", 2024) == 29298.025
    assert all(r.source and r.vintage for r in h.rows)
    years = {r.year for r in h.rows}
    assert min(years) == 1990 and max(years) == 2025


def test_shipped_facts_are_valid():
    f = load_facts()
    assert f.get("US", "net_international_investment_position").number == -26230
    assert all(x.vintage for x in f.rows)


def test_good_minimal_file(tmp_path):
    assert len(load_history(write(tmp_path, GOOD)).rows) == 2


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda t: t.replace("region,year", "area,year"), "row 1: missing column(s) region"),
        (lambda t: t.replace(",vintage", ",vintage,extra"), "unknown column(s) extra"),
        (lambda t: t.replace("29298.025", "lots"), "row 2: field 'value': 'lots' is not a number"),
        (lambda t: t.replace("29298.025", "nan"), "row 2: field 'value': 'nan' is not finite"),
        (
            lambda t: t.replace("US,2024", "US,20x4"),
            "row 2: field 'year': '20x4' is not an integer",
        ),
        (lambda t: t.replace("US,2024", "US,1066"), "row 2: field 'year': 1066 outside"),
        (
            lambda t: t.replace("China,2024", "Mars,2024"),
            "row 3: field 'region': unknown region 'Mars'",
        ),
        (
            lambda t: t.replace("US,2024,gdp_usd_bn", "US,2024,gdp_bn"),
            "row 2: field 'series': unknown series",
        ),
        (lambda t: t.replace("29298.025,USD bn", "29298.025,USD"), "row 2: field 'unit': 'USD'"),
        (
            lambda t: t.replace("China,2024", "US,2024"),
            "row 3: duplicate key region=US, year=2024, series=gdp_usd_bn (first at row 2)",
        ),
        (
            lambda t: t.replace(",IMF WEO 2025-10\nChina", ",\nChina"),
            "row 2: field 'vintage' is empty",
        ),
        (lambda t: t[:-30], "row 3: 6 fields, expected 7 (truncated or malformed line)"),
        (lambda t: t.rstrip("\n"), "does not end with a newline (truncated?)"),
        (lambda t: "", "file is empty"),
        (lambda t: t.splitlines()[0] + "\n", "no data rows"),
    ],
)
def test_bad_history_files(tmp_path, mutate, message):
    with pytest.raises(DataError) as e:
        load_history(write(tmp_path, mutate(GOOD)))
    assert "macro_history.csv" in str(e.value)
    assert message in str(e.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_history(tmp_path / "macro_history.csv")
    (tmp_path / "macro_history.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="cannot be read as UTF-8"):
        load_history(tmp_path / "macro_history.csv")


def test_bad_facts_file(tmp_path):
    p = tmp_path / "facts.csv"
    p.write_text(
        "subject,fact,value,unit,as_of,source,vintage\nUS,nfa,many,USD bn,2024-12-31,BEA,BEA 2025\n"
    )
    with pytest.raises(DataError, match="facts.csv: row 2: field 'value': 'many' is not a number"):
        load_facts(p)


def test_corrupt_data_dir_surfaces_as_data_error_in_simulate(tmp_path, monkeypatch):
    """A corrupt data file reaches the user as one DataError, never as a wrong chart."""
    from rebalancing import DataError as PublicDataError
    from rebalancing import Scenario, simulate
    from rebalancing.data import DEFAULT_DATA_DIR

    for f in ("macro_history.csv", "facts.csv"):
        shutil.copy(DEFAULT_DATA_DIR / f, tmp_path / f)
    text = (tmp_path / "macro_history.csv").read_text()
    (tmp_path / "macro_history.csv").write_text(text.replace("29298.025", "oops", 1))
    monkeypatch.setenv("REBALANCING_DATA_DIR", str(tmp_path))
    with pytest.raises(PublicDataError, match="field 'value': 'oops' is not a number"):
        simulate(Scenario().with_values({"global.horizon": 2031}))


def _with_data(tmp_path, monkeypatch, old, new):
    from rebalancing.data import DEFAULT_DATA_DIR

    for f in ("macro_history.csv", "facts.csv"):
        shutil.copy(DEFAULT_DATA_DIR / f, tmp_path / f)
    text = (tmp_path / "macro_history.csv").read_text()
    assert old in text
    (tmp_path / "macro_history.csv").write_text(text.replace(old, new, 1))
    monkeypatch.setenv("REBALANCING_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize(
    "old,new,needle",
    [
        ("US,2024,gdp_usd_bn,29298.025", "US,2024,gdp_usd_bn,0", "gdp_usd_bn"),
        (
            "US,2024,us_goods_imports_from_china_usd_bn,440.3195",
            "US,2024,us_goods_imports_from_china_usd_bn,5000",
            "negative flow",
        ),
        (
            "China,2024,household_consumption_pct_gdp,39.926817",
            "China,2024,household_consumption_pct_gdp,150",
            "for CN; check",
        ),
    ],
)
def test_implausible_data_is_refused_naming_what_to_check(tmp_path, monkeypatch, old, new, needle):
    """Rows of the right form that add up to an impossible base year: one DataError."""
    from rebalancing import DataError as PublicDataError
    from rebalancing import Scenario, simulate

    _with_data(tmp_path, monkeypatch, old, new)
    with pytest.raises(PublicDataError, match=needle):
        simulate(Scenario())


def test_results_follow_a_data_change_in_the_same_process(tmp_path, monkeypatch):
    """Caches are keyed by the data in use: replacing the data changes the numbers."""
    from rebalancing import Scenario, simulate

    before = simulate(Scenario()).value("baseline", "CN", "consumption_pct_gdp", 2030)
    _with_data(
        tmp_path,
        monkeypatch,
        "China,2024,household_consumption_pct_gdp,39.926817",
        "China,2024,household_consumption_pct_gdp,45.0",
    )
    changed = simulate(Scenario())
    assert changed.value("baseline", "CN", "consumption_pct_gdp", 2024) == pytest.approx(45.0)
    # The 2024 level carries through: five points higher in 2024, about as much in 2030.
    assert changed.value("baseline", "CN", "consumption_pct_gdp", 2030) > before + 4
    monkeypatch.delenv("REBALANCING_DATA_DIR")
    again = simulate(Scenario()).value("baseline", "CN", "consumption_pct_gdp", 2030)
    assert again == pytest.approx(before, rel=1e-10)
