"""Markdown injection in the browser (issue 12): a link whose parameter names and values
carry Markdown, HTML and Streamlit directives, and an uploaded file whose name is a link,
show as text; the page gets no link to, and no image from, another host."""

import urllib.parse

from playwright.sync_api import Page, expect
from test_e2e import ready

PAYLOADS = ("[x](http://e)", "![i](http://e/i.png)", ":red-background[FAKE]", "<img src=x>")
LINK_NAME = "[Session expired - sign in](http://evil.example).json"

OFF_HOST_JS = """() => {
  const own = h => ['127.0.0.1', 'localhost', '[::1]'].includes(h);
  const links = Array.from(document.querySelectorAll('a[href]'))
    .filter(a => a.href.startsWith('http') && !own(new URL(a.href).hostname))
    .map(a => a.href + ' in ' + (a.closest('[data-testid]') || a).outerHTML.slice(0, 300));
  const imgs = Array.from(document.querySelectorAll('img[src], image[href]'))
    .map(i => i.src || i.getAttribute('href'))
    .filter(u => !u.startsWith('data:') && !u.startsWith('blob:')
      && !own(new URL(u, location.href).hostname));
  return {links, imgs};
}"""


def no_off_host_links_or_images(page: Page) -> None:
    found = page.evaluate(OFF_HOST_JS)
    assert found == {"links": [], "imgs": []}, found
    assert page.locator('img[src="x"]').count() == 0


def test_a_link_and_a_file_name_with_markup_show_as_text(page: Page, app_url):
    query = []
    for i, p in enumerate(PAYLOADS):
        query += [(p, "1"), (f"bad{i}", p)]
    query += [("orderly.kappa", PAYLOADS[0]), ("view", PAYLOADS[1])]
    page.goto(app_url + "/?" + urllib.parse.urlencode(query))
    ready(page, 7)
    box = page.locator(".st-key-url_warnings")
    expect(box).to_be_visible()
    text = box.inner_text()
    for p in PAYLOADS:
        assert p in text  # shown as typed
    no_off_host_links_or_images(page)
    # an uploaded file whose name is a link (a name no file system allows: "/"), first with
    # a bad value (one error), then a good one (the name shown in the message, as text)
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    payload = {"name": LINK_NAME, "mimeType": "application/json"}
    uploader.set_input_files({**payload, "buffer": b'{"orderly": {"kappa": 99}}'})
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(1, timeout=30_000)
    no_off_host_links_or_images(page)
    uploader.set_input_files({**payload, "buffer": b'{"orderly": {"kappa": 1.5}}'})
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(success).to_contain_text("Loaded [Session expired", timeout=30_000)
    # as typed (the zero-width spaces that stop autolinking are not seen)
    assert f"Loaded {LINK_NAME}:" in success.inner_text().replace("\u200b", "")
    no_off_host_links_or_images(page)
