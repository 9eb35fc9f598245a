"""No request leaves the machine (issue 12): with the README's command, the page calls only
the dashboard's own server -- no usage statistics, no web-font or CDN host for the page
icon or the fonts -- in every view, with the uncertainty bands, in presentation mode, and
for a download.

Every request the page makes is routed through a handler that lets requests to the
dashboard's own host through and blocks and counts every other one; the favicon's and the
fonts' addresses in the DOM are checked too (Chromium fetches a favicon outside the page).
"""

import urllib.parse

from playwright.sync_api import Page, expect
from test_e2e import VIEWS, open_downloads, ready, shown

#: The views without a chart key in test_e2e.VIEWS, and a text each shows once drawn.
OTHER_VIEWS = {
    "What would it take?": "Pick a target and a lever",
    "What drives it?": "First-order and total Sobol",
    "Validation": "The model against published results",
}

OWN_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

#: Every resource address the page refers to: links (icon, fonts), scripts, images, styles,
#: and the url(...) of @font-face rules in the loaded style sheets.
ADDRESSES_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('link[href]')) out.push(e.href);
  for (const e of document.querySelectorAll('script[src], img[src], iframe[src]')) out.push(e.src);
  for (const s of document.styleSheets) {
    let rules = [];
    try { rules = Array.from(s.cssRules); } catch (err) { out.push(s.href || 'opaque'); }
    for (const r of rules) {
      const m = (r.cssText || '').match(/url\\(["']?([^"')]+)/g) || [];
      const base = s.href || location.href;
      for (const u of m) out.push(new URL(u.replace(/^url\\(["']?/, ''), base).href);
    }
  }
  for (const f of document.fonts) out.push('font:' + f.family + ':' + f.status);
  return out;
}"""


def off_host(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:", "font:", "opaque")):
        return False
    host = urllib.parse.urlsplit(url).hostname or ""
    return host not in OWN_HOSTS and f"[{host}]" not in OWN_HOSTS


def block_other_hosts(page: Page) -> list[str]:
    """Route every request: the dashboard's own host goes through, any other is aborted and
    recorded (also requests that bypass routing, seen through the ``request`` event)."""
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if off_host(url):
            blocked.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", handle)
    page.on("request", lambda r: off_host(r.url) and r.url not in blocked and blocked.append(r.url))
    page.on("websocket", lambda ws: off_host(ws.url) and blocked.append(ws.url))
    return blocked


def test_the_page_calls_no_other_host(page: Page, app_url):
    blocked = block_other_hosts(page)
    page.goto(app_url)
    ready(page, 7)
    icons = page.eval_on_selector_all("link[rel~='icon']", "els => els.map(e => e.href)")
    assert icons and not [u for u in icons if off_host(u)], icons
    for title, _, key in VIEWS.values():
        page.get_by_role("radio", name=title, exact=True).click()
        shown(page, key)
        ready(page, 0)
    for title, text in OTHER_VIEWS.items():
        page.get_by_role("radio", name=title, exact=True).click()
        expect(page.get_by_text(text).first).to_be_visible(timeout=120_000)
        ready(page, 0)
    page.get_by_role("radio", name="Compare paths", exact=True).click()
    ready(page, 7)
    # the uncertainty bands and the crisis chart (few draws: the other views are the point)
    page.goto(app_url + "/?fan=true&global.draws=200")
    ready(page, 8)
    open_downloads(page)
    with page.expect_download(timeout=60_000):
        page.locator('[class*="st-key-dl_csv_"] button').click()
    # presentation mode, opened from a link
    page.goto(app_url + "/?present=true")
    ready(page, 7, present=True)
    page.wait_for_timeout(2000)  # anything sent late (metrics are sent after a delay)
    addresses = page.evaluate(ADDRESSES_JS)
    assert not [a for a in addresses if off_host(a)], addresses
    assert blocked == [], blocked
