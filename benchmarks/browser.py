"""Browser rows: key press to redrawn chart, cold start, memory (streamlit run + Chromium).

Servers listen on 127.0.0.1 only, on a free port; every server and browser is shut down in a
``finally``. Debian's Chromium (/usr/bin/chromium) is driven by Playwright's sync API.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .common import LEVER_LABEL as LABEL
from .common import ROOT, Row, log, stats

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1000}
SESSIONS = 10  # open sessions for the second memory reading
SETTLE_S = 1.0  # pause before reading RSS
POLL_MS = 25  # polling interval of render / idle checks (background pages too)
APPS = {"app": ROOT / "app.py", "floor": ROOT / "benchmarks" / "floor_app.py"}

IDLE_JS = (
    "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
    " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }"
)
SIG_JS = """() => {
  const el = document.querySelector('.st-key-chart_ca .js-plotly-plot');
  if (!el || !el.data) return null;
  return JSON.stringify(el.data.map(t => Array.from((t.y && t.y._inputArray) || t.y || [])));
}"""
CHANGED_JS = f"(before) => {{ const s = ({SIG_JS})(); return s !== null && s !== before; }}"
RENDERED_JS = """() => {
  const a = document.querySelector('[data-testid="stApp"]');
  if (!a || a.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (charts.length !== 7) return false;
  const plots = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
  return plots.length === 7 && Array.from(plots).every(p => p.data && p.data.length > 0);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python3 -m streamlit run <script>`` on a free loopback port."""

    def __init__(self, script: Path, env: dict | None = None):
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix="bench-streamlit-", suffix=".log", delete=False
        )
        self.t_launch = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def wait_healthy(self, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return time.perf_counter() - self.t_launch
            except OSError:
                pass
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"streamlit did not start ({self.script.name}): {self.tail()}")
            time.sleep(0.05)

    def rss(self) -> int:
        import psutil

        p = psutil.Process(self.proc.pid)
        total = p.memory_info().rss
        for c in p.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_info().rss
        return total

    def pss(self) -> int:
        """Proportional set size of the server and its children (its workers): a page
        shared by n processes (after a fork, or a shared library) counts 1/n in each, so
        the sum is what the machine pays (Linux /proc/<pid>/smaps_rollup, via psutil)."""
        import psutil

        p = psutil.Process(self.proc.pid)
        total = p.memory_full_info().pss
        for c in p.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_full_info().pss
        return total

    def tail(self, n: int = 1500) -> str:
        try:
            return Path(self.log.name).read_text()[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_rendered(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_function(RENDERED_JS, timeout=timeout_ms, polling=POLL_MS)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(
            "the app shows an exception: "
            + page.locator('[data-testid="stException"]').first.inner_text()[:500]
        )


# --- rows 4-6 ------------------------------------------------------------------------------


def _press(page, slider) -> tuple[float, str]:
    """One timed ArrowRight on the focused lever slider, until chart_ca's data change."""
    page.bring_to_front()
    page.wait_for_function(IDLE_JS, timeout=90_000, polling=POLL_MS)
    before = page.evaluate(SIG_JS)
    slider.focus()
    t0 = time.perf_counter()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(CHANGED_JS, arg=before, timeout=90_000, polling="raf")
    dt = time.perf_counter() - t0
    page.wait_for_function(IDLE_JS, timeout=90_000, polling=POLL_MS)
    return dt, slider.input_value()


def _keypress_round(browser, floor_env: dict, presses: int) -> dict:
    """App and floor app served at the same time, one page each; presses alternate between
    them (app, floor, app, ...) so that any change in machine load hits both alike. One
    untimed warm-up press on each first."""
    servers = {}
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        for name in ("app", "floor"):
            servers[name] = Server(APPS[name], floor_env if name == "floor" else None)
        pages, sliders = {}, {}
        for name, srv in servers.items():
            srv.wait_healthy()
            pages[name] = ctx.new_page()
            pages[name].goto(srv.url)
            wait_rendered(pages[name])
            sliders[name] = pages[name].get_by_role("slider", name=LABEL)
        out = {name: {"samples": [], "values": []} for name in servers}
        for i in range(presses + 1):
            for name in servers:
                dt, v = _press(pages[name], sliders[name])
                if i:
                    out[name]["samples"].append(dt)
                    out[name]["values"].append(v)
        return out
    finally:
        ctx.close()
        for srv in servers.values():
            srv.stop()


def _session(browser, script: Path, env: dict | None, *, memory: bool) -> dict:
    """One fresh server: cold start to the first complete render; then, if ``memory``, RSS
    with that one session, and with 10 (9 more pages opened and rendered)."""
    s = Server(script, env)
    try:
        out = {"health": s.wait_healthy()}
        ctx = browser.new_context(viewport=VIEWPORT)
        try:
            page = ctx.new_page()
            page.goto(s.url)
            wait_rendered(page)
            out["cold"] = time.perf_counter() - s.t_launch
            if memory:
                time.sleep(SETTLE_S)
                out["rss1"], out["pss1"] = s.rss(), s.pss()
                others = []
                for _ in range(SESSIONS - 1):
                    p = ctx.new_page()
                    p.goto(s.url)
                    wait_rendered(p)
                    others.append(p)
                time.sleep(SETTLE_S)
                out["rss10"], out["pss10"] = s.rss(), s.pss()
        finally:
            ctx.close()
        return out
    finally:
        s.stop()


def browser_rows(
    browser,
    floor_env: dict,
    *,
    cold_reps: int,
    memory_reps: int,
    presses: int,
    keypress_rounds: int,
) -> list[Row]:
    """Rows 4 (key press), 5 (cold start), 6a/6b (memory). Key presses: ``keypress_rounds``
    rounds, each with fresh app and floor servers and ``presses`` alternating presses.
    Cold start and memory: repeat r starts a new server for the app, then one for the floor
    app (interleaved so that load drift hits both); the first ``memory_reps`` repeats also
    measure memory."""
    res = {"app": [], "floor": []}
    for r in range(keypress_rounds):
        kp = _keypress_round(browser, floor_env, presses)
        for name in res:
            res[name].append({"presses": kp[name]["samples"], "values": kp[name]["values"]})
        log(f"browser key presses round {r + 1} done")
    for r in range(max(cold_reps, memory_reps)):
        for name in ("app", "floor"):
            res[name].append(
                _session(
                    browser,
                    APPS[name],
                    floor_env if name == "floor" else None,
                    memory=r < memory_reps,
                )
            )
            log(f"browser {name} repeat {r + 1}: cold {res[name][-1]['cold']:.2f} s")

    def get(name, k):
        return [
            x for d in res[name] if k in d for x in (d[k] if isinstance(d[k], list) else [d[k]])
        ]

    rows = [
        Row(
            "browser_keypress",
            "browser: ArrowRight on the monetary-response slider -> chart_ca redrawn",
            "ms",
            1e3,
            measured=stats(get("app", "presses")),
            floor=stats(get("floor", "presses")),
            target=1.2,
            notes={
                "app_values": get("app", "values"),
                "floor_values": get("floor", "values"),
                "method": "per round: fresh app and floor servers, one page each in one "
                "browser context; presses alternate app/floor; slider focused, "
                "ArrowRight (always right from 1.0, so every value is new and "
                "the app runs the model each time; one untimed warm-up press "
                "each first); time from the press until the y data of "
                "'.st-key-chart_ca .js-plotly-plot' differ (polled every "
                "animation frame); app idle (script state notRunning) before "
                "each press",
            },
        ),
        Row(
            "cold_start",
            "cold start: launch `streamlit run` -> 7 charts rendered",
            "s",
            1.0,
            measured=stats(get("app", "cold")),
            floor=stats(get("floor", "cold")),
            target=1.5,
            notes={
                "health_ok_after_s": {k: get(k, "health") for k in res},
                "method": "new server process per repeat (perf_counter from just before "
                "Popen); browser already running; fresh context; done when 6 "
                "stPlotlyChart elements, each plot with trace data, and script "
                f"state notRunning (polled every {POLL_MS} ms)",
            },
        ),
    ]
    methods = {
        "rss": "psutil RSS of the streamlit server process plus its children",
        "pss": "psutil proportional set size (Linux smaps_rollup) of the streamlit server "
        "process plus its children, summed: a page shared between them (the interpreter, "
        "NumPy's libraries) counts once; the workers are fresh interpreters (not forks), so "
        "they share only the libraries' file-backed pages",
    }
    for kind, (prefix, what) in {
        "rss": ("memory", "server RSS"),
        "pss": ("memory_pss", "server and workers PSS"),
    }.items():
        for k in (1, SESSIONS):
            rows.append(
                Row(
                    f"{prefix}_{k}",
                    f"memory: {what} with {k} open session{'s' * (k > 1)}",
                    "MB",
                    1e-6,
                    measured=stats(get("app", f"{kind}{k}")),
                    floor=stats(get("floor", f"{kind}{k}")),
                    target=1.5,
                    notes={
                        "method": f"{methods[kind]}, {SETTLE_S} s after the k-th page (one "
                        "browser context, pages kept open) is fully rendered; new server per "
                        "repeat, no key presses (only the default scenario cached)"
                    },
                )
            )
    for row in rows:
        log(f"{row.id}: {row.cell(row.measured)} vs floor {row.cell(row.floor)}")
    return rows
