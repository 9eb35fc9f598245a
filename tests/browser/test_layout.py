"""Layouts that hold on every screen: in every chart view, at five widths, in normal and
presentation mode, no chart's title, axis titles, legend, source note or annotations overlap
or leave the chart, no chart leaves the page, and no two charts collide. Screenshots (the
first screen, and the view's charts) go to tests/artifacts/layout_<view>_<mode>_<width>*.png."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTHS = {1920: 1080, 1440: 900, 1280: 800, 1024: 768, 390: 844}
#: view -> (charts drawn, charts to photograph); "compare_pinned": with a pinned scenario.
VIEWS = {
    "compare": (7, ("chart_ca", "chart_nfa", "chart_bilateral")),
    "compare_pinned": (7, ("chart_ca", "chart_others_ca")),
    "mirror": (1, ("chart_mirror",)),
    "sectoral": (2, ("chart_sectoral_us",)),
    "history": (4, ("chart_history_us_ca",)),
    "compare_fan": (8, ("chart_ca", "chart_crisis")),
    "sensitivity": (2, ("chart_sobol_us",)),
}
PINNED = "pin=Plan+B&pin.orderly.cn_consumption_rise=8&pin.global.risk_premium=2"

#: For every plotly chart on the page: its box, and the boxes of its title, legend and
#: annotations (the source note, event labels), in page coordinates.
BOXES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
  const r = e => { const b = e.getBoundingClientRect();
                   return [b.left, b.top, b.right, b.bottom]; };
  const key = (el.closest('[class*="st-key-"]') || {className: ''}).className
      .split(' ').find(c => c.startsWith('st-key-')) || '?';
  const parts = [];
  el.querySelectorAll('text.gtitle').forEach(e => parts.push(['title', r(e)]));
  el.querySelectorAll('g.g-ytitle text, g[class^="g-y"][class$="title"] text').forEach(
      e => { if (e.textContent.trim()) parts.push(['y-axis title', r(e)]); });
  el.querySelectorAll('g.g-xtitle text, g[class^="g-x"][class$="title"] text').forEach(
      (e, i) => { if (e.textContent.trim()) parts.push(['x-axis title ' + i, r(e)]); });
  el.querySelectorAll('g.legend').forEach(e => parts.push(['legend', r(e)]));
  el.querySelectorAll('g.annotation').forEach((e, i) => {
    const t = e.querySelector('text'); if (t && t.textContent.trim())
      parts.push(['annotation ' + i + ': ' + t.textContent.slice(0, 30), r(t)]); });
  return {key, box: r(el), parts};
})"""


def _overlap(a, b, tol=1.0):
    return (min(a[2], b[2]) - max(a[0], b[0]) > tol) and (min(a[3], b[3]) - max(a[1], b[1]) > tol)


def _inside(inner, outer, tol=1.0):
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presentation"])
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("view", list(VIEWS))
def test_charts_hold_their_layout(browser: Browser, app_url, view, width, present):
    n, photographed = VIEWS[view]
    ctx = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    page = ctx.new_page()
    query = f"present={'true' if present else 'false'}"
    query += {"compare_pinned": f"&{PINNED}", "compare_fan": "&fan=true"}.get(view, f"&view={view}")
    page.goto(f"{app_url}/?{query}")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(n, timeout=60_000)
    page.wait_for_function(
        "(n) => document.querySelectorAll('.js-plotly-plot g.legend').length >= n",
        arg=n,
        timeout=60_000,
    )
    page.wait_for_timeout(500)  # plotly's second layout pass after the container resizes
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mode = "presentation" if present else "normal"
    page.screenshot(path=str(ARTIFACTS / f"layout_{view}_{mode}_{width}.png"))
    for key in photographed:  # the page scrolls inside
        page.locator(f".st-key-{key}").screenshot(
            path=str(ARTIFACTS / f"layout_{view}_{mode}_{width}_{key}.png")
        )
    charts = page.evaluate(BOXES_JS)
    assert len(charts) == n
    problems = []
    for c in charts:
        if c["box"][0] < -1 or c["box"][2] > width + 1:
            problems.append(f"{c['key']}: leaves the page {c['box']} (width {width})")
        for name, box in c["parts"]:
            if not _inside(box, c["box"]):
                problems.append(f"{c['key']}: {name} leaves the chart {box} / {c['box']}")
        parts = c["parts"]
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                if _overlap(parts[i][1], parts[j][1]):
                    problems.append(f"{c['key']}: {parts[i][0]} overlaps {parts[j][0]}")
    for i in range(len(charts)):
        for j in range(i + 1, len(charts)):
            if _overlap(charts[i]["box"], charts[j]["box"]):
                problems.append(f"{charts[i]['key']} collides with {charts[j]['key']}")
    ctx.close()
    assert not problems, "\n".join(problems)
