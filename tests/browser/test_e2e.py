"""End to end, as a person uses the dashboard: Debian's Chromium against `streamlit run`.

Numbers on screen are compared with a direct `simulate` call for the same scenario.
Screenshots of every view, normal and presentation mode, go to tests/artifacts/.
"""

import io
import json
import re
import statistics
import time
import urllib.parse
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from rebalancing import LEVERS, PATH_TITLES, PATHS, Scenario, parse_scenario, simulate
from rebalancing.export import scenario_digest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWS = {
    "compare": ("Compare paths", 7, "chart_ca"),
    "mirror": ("World mirror", 1, "chart_mirror"),
    "sectoral": ("Sectoral balances", 2, "chart_sectoral_us"),
    "history": ("History & projection", 4, "chart_history_cn_consumption"),
    "accounts": ("Accounts", 0, None),
}
RESPONSE = "Monetary policy response (x Taylor (1993))"

CHART_DATA_JS = """(key) => {
  const el = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!el || !el.data) return null;
  return el.data.map(t => [t.name, Array.from((t.y && t.y._inputArray) || t.y || [])]);
}"""

TABLES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stTable"] table')).map(
  t => ({head: Array.from(t.querySelectorAll('thead th')).map(x => x.innerText.trim()),
         rows: Array.from(t.querySelectorAll('tbody tr')).map(
           r => Array.from(r.querySelectorAll('th,td')).map(x => x.innerText.trim()))}))"""


def badge(page: Page):
    return page.locator(".stMarkdownBadge").filter(has_text="Accounts balance").first


def ready(page: Page, charts: int = 1, present: bool = False) -> None:
    """The page drawn: the accounts badge (not in presentation mode, which shows only
    titles, charts, the summary and tables), ``charts`` charts and the script idle."""
    if present:
        expect(page.get_by_text("What the numbers say")).to_be_visible(timeout=60_000)
    else:
        expect(badge(page)).to_be_visible(timeout=60_000)
    if charts:
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(charts, timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0


def shown(page: Page, key: str | None) -> None:
    """Wait until the view's own content is drawn (not the last view's, still on screen)."""
    if key is None:
        expect(page.get_by_text("Transactions-flow matrix")).to_be_visible(timeout=60_000)
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        return
    page.wait_for_function(
        "(k) => { const e = document.querySelector(`.st-key-${k} "
        ".js-plotly-plot`); return e && e.data && e.data.length > 0; }",
        arg=key,
        timeout=60_000,
    )


def open_downloads(page: Page) -> None:
    """Open the sidebar's Download section (drawn only while open: app.downloads) and wait
    for its buttons."""
    section = page.locator(".st-key-dl_open")
    section.locator("summary").click()
    expect(page.locator('[class*="st-key-dl_csv_"] button')).to_be_visible(timeout=60_000)
    ready(page, 0)
    # The expander opens with a ~0.7 s animation of its height. Scrolling the sidebar while
    # it runs scrolls the section itself, and the sidebar jumps once it ends: a picker
    # opened in between closes again (1 run in 4 on CI's machine).
    page.wait_for_function(
        "() => document.querySelector('.st-key-dl_open details')"
        ".getAnimations({subtree: true}).length === 0",
        timeout=10_000,
    )


def uploader(page: Page):
    """The scenario-file uploader's input, in its container (``st.container(key="uploader")``
    in app.py). After each file the uploader gets a new key (app.on_upload) and the page
    keeps the old one beside the new until that run ends: a locator of both is ambiguous
    (strict mode), so wait until the script is idle and one is left."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=60_000,
    )
    inputs = page.locator('.st-key-uploader [data-testid="stFileUploaderDropzoneInput"]')
    expect(inputs).to_have_count(1, timeout=30_000)
    return inputs


def chart_trace(page: Page, key: str, name: str, which: int = 0) -> list[float]:
    """The ``which``-th trace called ``name`` (0 = the US panel of a two-panel chart)."""
    data = page.evaluate(CHART_DATA_JS, key)
    assert data is not None, f"no chart {key}"
    return [y for n, y in data if n == name][which]


def headline(page: Page, year: int) -> pd.DataFrame:
    for t in page.evaluate(TABLES_JS):
        if t["head"] and t["head"][0] == str(year):
            return pd.DataFrame(
                [[float(x.replace("−", "-").replace(",", "")) for x in r[1:]] for r in t["rows"]],
                index=[r[0] for r in t["rows"]],
                columns=t["head"][1:],
            )
    raise AssertionError(f"no headline table for {year}")


def model_for(values: dict):
    return simulate(Scenario().with_values(values))


def test_first_load_every_view_renders_with_green_badge(page: Page, app_url):
    page.goto(app_url)
    ready(page, 7)
    b = badge(page)
    expect(b).to_contain_text("largest identity residual")
    r, g, _ = (
        int(x) for x in b.evaluate("e => getComputedStyle(e).color").strip("rgba() ").split(",")[:3]
    )
    assert g > r, "the accounts badge is green"
    for view, (label, n, key) in VIEWS.items():
        page.get_by_role("radio", name=label, exact=True).click()
        shown(page, key)
        ready(page, n)
        page.screenshot(path=str(ARTIFACTS / f"view_{view}.png"), full_page=True)
    for view, (_label, n, key) in VIEWS.items():
        page.goto(f"{app_url}/?view={view}&present=true")
        shown(page, key)
        ready(page, n, present=True)
        expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
        expect(page.get_by_role("radio", name="Compare paths", exact=True)).to_have_count(0)
        expect(badge(page)).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / f"view_{view}_presentation.png"), full_page=True)


def test_keyboard_lever_move_redraws_to_engine_values(page: Page, app_url):
    page.goto(app_url)
    ready(page, 7)
    slider = page.get_by_role("slider", name=RESPONSE)
    timings = []
    value = LEVERS["global.monetary_response"].default
    for _ in range(4):
        before = chart_trace(page, "chart_ca", "Orderly")
        slider.focus()
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"(b) => {{ const d = ({CHART_DATA_JS})('chart_ca');"
            " const y = d && d.find(t => t[0] === 'Orderly');"
            " return y && JSON.stringify(y[1]) !== JSON.stringify(b); }",
            arg=before,
            timeout=30_000,
        )
        timings.append(time.perf_counter() - t0)
        value = round(value + LEVERS["global.monetary_response"].step, 10)
        expect(slider).to_have_value(str(value))
    ready(page, 7)
    res = model_for({"global.monetary_response": value})
    got = chart_trace(page, "chart_ca", "Orderly")
    want = res.series("orderly", "US", "current_account_pct_gdp").values
    # the server runs the same model on this machine; the chart JSON rounds at ~1e-16
    assert got == pytest.approx(list(want), rel=1e-9)
    table = headline(page, 2030)  # % of GDP with one decimal, USD bn whole (rounding)
    assert table.loc["US current account, % of GDP", "Orderly"] == pytest.approx(
        res.value("orderly", "US", "current_account_pct_gdp", 2030), abs=0.051
    )
    assert table.loc["US-China bilateral balance, USD bn", "Unilateral"] == pytest.approx(
        res.value("unilateral", "US", "exports_to_CN", 2030)
        - res.value("unilateral", "CN", "exports_to_US", 2030),
        abs=0.51,
    )
    (ARTIFACTS / "keypress_timings.json").write_text(
        json.dumps({"seconds": timings, "median": statistics.median(timings)}, indent=2)
    )


def open_and_nudge_response(page: Page, app_url):
    """Open the app and move the monetary-response lever one step right with the keyboard
    (1.05)."""
    page.goto(app_url)
    ready(page, 7)
    slider = page.get_by_role("slider", name=RESPONSE)
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("1.05")
    ready(page, 7)
    return slider


def test_share_link_restores_levers_view_and_numbers(page: Page, app_url, context):
    open_and_nudge_response(page, app_url)
    page.get_by_role("radio", name="World mirror", exact=True).click()
    ready(page, 1)
    page.wait_for_function(
        "() => location.search.includes('view=mirror')"
        " && location.search.includes('global.monetary_response=1.05')"
    )
    link = page.url
    shown = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').inner_text()
    assert "global.monetary_response=1.05" in shown and "view=mirror" in shown
    other = context.new_page()
    other.goto(link)
    ready(other, 1)
    expect(other.get_by_role("slider", name=RESPONSE)).to_have_value("1.05")
    expect(other.locator(".st-key-chart_mirror")).to_contain_text("The world mirror")
    # two pages of one server with the same levers: the same numbers
    assert chart_trace(other, "chart_mirror", "United States") == pytest.approx(
        chart_trace(page, "chart_mirror", "United States"), rel=1e-12
    )
    want = model_for({"global.monetary_response": 1.05}).series("baseline", "US", "current_account")
    assert chart_trace(other, "chart_mirror", "United States") == pytest.approx(
        list(want.values), rel=1e-9
    )


def test_malformed_link_warns_and_keeps_defaults(page: Page, app_url):
    page.goto(f"{app_url}/?global.monetary_response=abc&orderly.kappa=99&nonsense=1")
    ready(page, 7)
    alerts = page.locator('[data-testid="stAlertContentWarning"]')
    expect(alerts).to_have_count(1)  # one box, listing every bad parameter as text
    expect(alerts).to_contain_text("3 URL parameter(s)")
    text = page.locator(".st-key-url_warnings").inner_text()
    for needle in ("global.monetary_response", "orderly.kappa", "nonsense"):
        assert needle in text
    expect(page.get_by_role("slider", name=RESPONSE)).to_have_value("1")


def test_downloads_parse_and_upload_round_trip(page: Page, app_url, tmp_path):
    slider = open_and_nudge_response(page, app_url)
    open_downloads(page)
    with page.expect_download() as d:
        page.locator('[class*="st-key-dl_csv_"] button').click()
    csv_path = tmp_path / "results.csv"
    d.value.save_as(csv_path)
    df = pd.read_csv(csv_path)
    res = model_for({"global.monetary_response": 1.05})
    assert len(df) == len(res.to_frame())
    got = df[
        (df.path == "disorderly") & (df.region == "US") & (df.year == 2031) & (df.variable == "gdp")
    ].value.item()
    # the CSV keeps 10 significant digits (float_format %.10g)
    assert got == pytest.approx(res.value("disorderly", "US", "gdp", 2031), rel=1e-9)
    with page.expect_download() as d:
        page.locator('[class*="st-key-dl_scenario_json_"] button').click()
    scn_path = tmp_path / "scenario.json"
    d.value.save_as(scn_path)
    assert parse_scenario(scn_path.read_bytes(), "scenario.json") == res.scenario
    # reset, then load the downloaded scenario back: same state
    page.locator(".st-key-reset_all button").click()
    expect(slider).to_have_value("1")
    uploader(page).set_input_files(str(scn_path))
    expect(slider).to_have_value("1.05", timeout=30_000)
    expect(page.get_by_text("Loaded scenario.json")).to_be_visible(timeout=30_000)
    # a bad file: one error naming the field, nothing changes
    bad = tmp_path / "bad.json"
    bad.write_text('{"global": {"closure": 3}}')
    uploader(page).set_input_files(str(bad))
    errors = page.locator('[data-testid="stAlertContentError"]')
    expect(errors).to_have_count(1, timeout=30_000)
    expect(errors).to_contain_text(
        "global.closure: this lever no longer exists; use global.monetary_response"
    )
    expect(slider).to_have_value("1.05")


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg")])
def test_chart_export(page: Page, app_url, tmp_path, fmt, magic):
    page.goto(app_url)
    ready(page, 7)
    open_downloads(page)
    with page.expect_download(timeout=60_000) as d:
        page.locator(f'[class*="st-key-dl_chart_ca_{fmt}_"] button').click()
    path = tmp_path / f"ca.{fmt}"
    d.value.save_as(path)
    data = path.read_bytes()
    digest = scenario_digest(Scenario())
    assert re.fullmatch(
        rf"rebalancing_compare_chart_ca_{digest}_\d{{4}}-\d{{2}}-\d{{2}}\.{fmt}",
        d.value.suggested_filename,
    )
    assert data.lstrip().startswith(magic) and len(data) > 5_000


def test_another_chart_is_picked_in_the_sidebar_and_downloaded(page: Page, app_url, tmp_path):
    """One chart at a time: the sidebar's picker names the view's charts by title; the
    buttons then download the chart picked."""
    page.goto(app_url)
    ready(page, 7)
    open_downloads(page)
    box = page.get_by_role("combobox", name=re.compile("^One chart"))
    box.scroll_into_view_if_needed()  # below the section's buttons: a click while the
    box.click()  # sidebar scrolls lands beside it
    box.fill("bilateral")  # the picker filters its options as one types
    page.get_by_role("option").filter(has_text="US-China bilateral balance").click()
    expect(page.locator('[class*="st-key-dl_chart_bilateral_png_"] button')).to_be_visible(
        timeout=30_000
    )
    with page.expect_download(timeout=60_000) as d:
        page.locator('[class*="st-key-dl_chart_bilateral_png_"] button').click()
    assert d.value.suggested_filename.startswith("rebalancing_compare_chart_bilateral_")
    d.value.save_as(tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_chart_pack_and_slides_of_the_view(page: Page, app_url, tmp_path):
    open_and_nudge_response(page, app_url)
    page.get_by_role("radio", name="World mirror", exact=True).click()
    shown(page, "chart_mirror")
    ready(page, 1)
    page.wait_for_function("() => location.search.includes('view=mirror')")
    open_downloads(page)
    digest = scenario_digest(Scenario().with_values({"global.monetary_response": 1.05}))
    with page.expect_download(timeout=120_000) as d:
        # the button has a help tooltip, whose wrapper is a second button element
        page.locator('[class*="st-key-dl_pack_"] button').first.click()
    name = d.value.suggested_filename
    assert name.startswith(f"rebalancing_mirror_charts_{digest}_") and name.endswith(".zip")
    d.value.save_as(tmp_path / name)
    z = zipfile.ZipFile(tmp_path / name)
    files = {n.split("/", 1)[1] for n in z.namelist()}
    assert {"chart_mirror.png", "chart_mirror.svg", "chart_mirror.csv"} <= files
    assert {"README.txt", "scenario.json", "results.meta.json", "charts.html"} <= files
    read = lambda f: z.read(next(n for n in z.namelist() if n.endswith("/" + f)))  # noqa: E731
    readme = read("README.txt").decode()
    assert "World mirror" in readme and "Monetary policy response: 1.05" in readme
    assert "view=mirror" in readme and "global.monetary_response=1.05" in readme
    assert parse_scenario(read("scenario.json"), "scenario.json") == Scenario().with_values(
        {"global.monetary_response": 1.05}
    )
    data = pd.read_csv(io.BytesIO(read("chart_mirror.csv")))
    us = data[(data.series == "United States") & (data.panel == "Status quo")].y.to_list()
    assert us == pytest.approx(chart_trace(page, "chart_mirror", "United States"), rel=1e-9)
    assert set(data.panel) == {PATH_TITLES[p] for p in PATHS}  # one panel per path
    with page.expect_download(timeout=120_000) as d:
        page.locator('[class*="st-key-dl_deck_"] button').click()
    assert d.value.suggested_filename.endswith(".pptx")
    d.value.save_as(tmp_path / "deck.pptx")
    from pptx import Presentation

    slides = list(Presentation(str(tmp_path / "deck.pptx")).slides)
    assert [s.shapes.title.text for s in slides] == [
        "Rebalancing: World mirror",
        "The world mirror: current accounts (USD bn, 2024 prices)",
    ]


def test_presentation_mode_hides_controls_keeps_charts(page: Page, app_url):
    page.goto(app_url)
    ready(page, 7)
    page.get_by_text("Presentation mode").click()
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    ready(page, 7, present=True)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    size = page.evaluate(
        "() => document.querySelector('.st-key-chart_ca .js-plotly-plot').layout.font.size"
    )
    assert size == 20
    expect(page.locator(".st-key-chart_ca")).to_contain_text("Source:")


def test_pin_a_scenario_compare_and_share_it(page: Page, app_url, context):
    """A/B: pin the defaults as "Plan B", move a lever, see both; the link restores both."""
    page.goto(app_url)
    ready(page, 7)
    name = page.get_by_role("textbox", name="Name for the current settings")
    name.fill("Plan B")
    name.press("Enter")
    page.get_by_role("button", name="Pin", exact=True).click()
    expect(page.get_by_text("Pinned: Plan B")).to_be_visible(timeout=30_000)
    slider = page.get_by_role("slider", name=RESPONSE)
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("1.05")
    page.wait_for_function("() => location.search.includes('pin=Plan+B')", timeout=30_000)
    ready(page, 7)
    table = headline(page, 2030)
    a = model_for({"global.monetary_response": 1.05})
    b = model_for({})
    us = "US current account, % of GDP"
    assert table.loc[us, "Orderly"] == pytest.approx(
        a.value("orderly", "US", "current_account_pct_gdp", 2030), abs=0.051
    )
    assert table.loc[us, "Orderly: Plan B"] == pytest.approx(
        b.value("orderly", "US", "current_account_pct_gdp", 2030), abs=0.051
    )
    faint = chart_trace(page, "chart_ca", "Plan B: Orderly")
    assert faint == pytest.approx(list(b.series("orderly", "US", "current_account_pct_gdp")))
    link = page.url
    other = context.new_page()
    other.goto(link)
    ready(other, 7)
    assert list(headline(other, 2030).columns) == list(table.columns)
    expect(other.get_by_text("Pinned: Plan B")).to_be_visible()


def test_a_years_change_redraws_the_tables_and_the_share_link(page: Page, app_url):
    """The headline years are a fragment: the tables and the share link follow, the charts
    are not redrawn (the same plot element stays)."""
    page.goto(app_url)
    ready(page, 7)
    page.evaluate("() => { document.querySelector('.st-key-chart_ca .js-plotly-plot')._mark = 1; }")
    page.locator(".st-key-years input").click()
    page.keyboard.type("2040")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.locator('[data-testid="stTable"]')).to_have_count(3, timeout=30_000)
    headline(page, 2040)
    code = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    expect(code).to_contain_text("years=2030%2C2035%2C2040", timeout=30_000)
    page.wait_for_function("() => location.search.includes('years=2030%2C2035%2C2040')")
    assert page.evaluate(
        "() => document.querySelector('.st-key-chart_ca .js-plotly-plot')._mark === 1"
    ), "the charts were redrawn for a change of years"


def test_uncertainty_fan_crisis_chart_and_goal_seek(page: Page, app_url, context):
    """The fan toggle draws bands and the crisis probability; the goal-seek panel finds a
    setting, applies it in one click, and the share link carries it."""
    page.goto(app_url)
    ready(page, 7)
    page.get_by_text("Show uncertainty: Monte Carlo bands").click()
    ready(page, 8)
    shown(page, "chart_crisis")
    expect(page.locator(".st-key-chart_crisis")).to_contain_text("Probability of a disorderly")
    names = [n for n, _ in page.evaluate(CHART_DATA_JS, "chart_ca")]
    assert "Median: Orderly" in names and any(n.startswith("Bands: 50%, 90%") for n in names)
    page.wait_for_function("() => location.search.includes('fan=true')")
    # what would it take: China's current account at 1% of GDP in 2035
    page.get_by_role("radio", name="What would it take?", exact=True).click()
    find = page.get_by_role("button", name="Find the setting")
    expect(find).to_be_visible(timeout=60_000)
    find.click()
    answer = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(answer).to_contain_text("China current account", timeout=60_000)
    text = answer.inner_text()
    value = float(text.split(" to ")[1].split(" pp")[0])
    page.get_by_role("button", name="Apply:").click()
    page.wait_for_function(
        "() => location.search.includes('orderly.cn_consumption_rise=')", timeout=30_000
    )
    link = page.url
    other = context.new_page()
    other.goto(link.replace("view=goal", "view=compare"))
    ready(other, 7)
    got = float(dict(urllib.parse.parse_qsl(link.split("?", 1)[1]))["orderly.cn_consumption_rise"])
    assert got == pytest.approx(value, rel=1e-3)
    res = model_for({"orderly.cn_consumption_rise": got})
    assert res.value("orderly", "CN", "current_account_pct_gdp", 2035) == pytest.approx(1, abs=1e-6)
    cn = chart_trace(other, "chart_ca", "Orderly", which=1)
    assert cn[2035 - 2024] == pytest.approx(1.0, abs=1e-6)
