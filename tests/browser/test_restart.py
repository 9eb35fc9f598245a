"""After the server is killed (kill -9) and started again on the same port, the page
reconnects, restores the levers from its address, and the first lever move counts
(issue 12: it used to do nothing, 3 of 3 runs)."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ARTIFACTS, CHROMIUM, ROOT, _free_port, _require_chromium
from playwright.sync_api import Page, expect
from test_e2e import RESPONSE, chart_trace, ready


def start(port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "BROWSER_PATH": CHROMIUM},
    )
    deadline = time.time() + 60
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read() == b"ok":
                return proc
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail("streamlit did not start; see tests/artifacts/streamlit-restart.log")
        time.sleep(0.2)


def reconnected(page: Page) -> None:
    """Wait until the page is connected again (its widgets are disabled until then: a key
    press before it would be lost in the page, not in the app)."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-connection-state') === 'CONNECTED'",
        timeout=60_000,
    )
    expect(page.get_by_role("slider", name=RESPONSE)).to_be_enabled(timeout=60_000)


@pytest.fixture
def restartable():
    _require_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = open(ARTIFACTS / "streamlit-restart.log", "w")
    procs = [start(port, log)]

    def restart():
        procs[-1].kill()  # SIGKILL: no shutdown, the page loses its session
        procs[-1].wait(10)
        procs.append(start(port, log))

    yield f"http://127.0.0.1:{port}", restart
    for p in procs:
        if p.poll() is None:
            p.terminate()
            p.wait(10)
    log.close()


def test_the_first_lever_move_after_a_restart_counts(page: Page, restartable):
    url, restart = restartable
    page.goto(url)
    ready(page, 7)
    slider = page.get_by_role("slider", name=RESPONSE)
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("1.05")
    page.wait_for_function("() => location.search.includes('global.monetary_response=1.05')")
    ready(page, 7)
    restart()
    # the page reconnects by itself and redraws from its address
    reconnected(page)
    ready(page, 7)
    expect(slider).to_have_value("1.05")
    before = chart_trace(page, "chart_ca", "Disorderly")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("1.1")
    page.wait_for_function(
        "() => location.search.includes('global.monetary_response=1.1')", timeout=30_000
    )
    ready(page, 7)
    deadline = time.time() + 30
    while chart_trace(page, "chart_ca", "Disorderly") == before and time.time() < deadline:
        page.wait_for_timeout(100)
    assert chart_trace(page, "chart_ca", "Disorderly") != before  # the move counted
    # the same for a view picked first after a restart
    restart()
    reconnected(page)
    ready(page, 7)
    page.get_by_role("radio", name="World mirror", exact=True).click()
    page.wait_for_function("() => location.search.includes('view=mirror')", timeout=30_000)
    ready(page, 1)
    assert "global.monetary_response=1.1" in page.url
