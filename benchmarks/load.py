"""Load: many sessions at once against one ``streamlit run`` process, app vs floor app.

    python3 -m benchmarks.load              # 20 sessions x 30 moves, 20 browsers; app and floor
    python3 -m benchmarks.load --quick      # 20 sessions x 10 moves, 20 browsers
    python3 -m benchmarks.load --url http://127.0.0.1:8080 --no-floor --no-browsers
                                            # an already running server (e.g. behind a proxy)

Two measurements, each against the app and then against the floor app
(``benchmarks/floor_app.py``) under the same load, on a fresh server each:

1. Lever moves over Streamlit's own websocket protocol (``/_stcore/stream``, protobuf
   ``BackMsg``/``ForwardMsg`` from ``streamlit.proto``), as the browser sends them:
   ``SESSIONS`` sessions connect at once; each sends ``BackMsg.rerun_script`` with a
   ``ClientState`` (query string, page hash, the browser's address) and waits for the first
   render, takes the id of the ``global.monetary_response`` slider from the render's
   ``ForwardMsg`` deltas, then makes ``MOVES`` lever moves back to back: a ``rerun_script``
   whose ``WidgetStates`` carry the slider's new value, timed from send until the
   ``script_finished`` message. Values are distinct within a session (0.25 to 2.0, step
   0.05, never the default 1.0) and alternate in step parity (so the floor app switches
   between its two precomputed results on every move); each session opens a link with its
   own ``subglobal.safeguard`` (5 + session number), so no two sessions share a scenario and
   every move runs the model (the floor app ignores the link). Reported: median and p95 of
   the move times over all sessions, errors (a move that does not finish within 120 s, a
   script exception, a dropped connection), server CPU (user + system, server and children)
   per rerun, and the server's RSS (psutil, server + children) before the sessions connect,
   the largest while they run, and ``AFTER_S`` seconds after they closed.
   The websocket load is run a third time against the floor app with the dashboard's
   start-up heap freeze (``app.freeze_startup_heap``: Streamlit's full garbage collection
   after every run then skips the import-time objects), reported as "floor_frozen": how
   much of the app-to-floor gap that tuning alone accounts for.
2. ``BROWSERS`` Chromium pages (one context each, so one session each) open the page at the
   same moment; time from navigation to the first complete render (7 charts with data,
   script idle), median and max.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from rebalancing.files import write_text

from .common import BENCH_LEVER, FREEZE_ENV, ROOT, Row, log, stats

SESSIONS = 20
MOVES = 30
BROWSERS = 20
AFTER_S = float(os.environ.get("LOAD_AFTER_S", 10))  # pause before the "after" RSS reading
MOVE_TIMEOUT_S = 120.0
SESSION_LEVER = "subglobal.safeguard"  # set per session from its link (app only)
STEP = 0.05
DEFAULT_K = 20  # 1.0 / 0.05


def move_values(session: int, moves: int) -> list[float]:
    """Distinct slider values for one session, alternating odd/even step index, never the
    default; rotated by the session number so sessions do not move in lockstep."""
    odd = [k for k in range(5, 41) if k % 2]
    even = [k for k in range(6, 41, 2) if k != DEFAULT_K]
    r = session % len(even)
    odd, even = odd[r:] + odd[:r], even[r:] + even[:r]
    ks = [k for pair in zip(odd, even) for k in pair][:moves]
    if len(ks) < moves:
        raise ValueError(f"at most {2 * len(even)} distinct moves a session")
    return [round(k * STEP, 2) for k in ks]


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


# --- one websocket session ------------------------------------------------------------------


def _page_cookies(base: str) -> str:
    """The cookies a browser holds when it opens the websocket: Streamlit's XSRF cookie, set
    by the health check the page makes first. A reverse proxy with sticky sessions keyed on
    it sends the session's websocket, uploads and reconnects to one backend."""
    import urllib.request

    with urllib.request.urlopen(base + "/_stcore/health", timeout=120) as r:
        cookies = [v for k, v in r.headers.items() if k.lower() == "set-cookie"]
    return "; ".join(c.split(";", 1)[0] for c in cookies)


class WsSession:
    """A minimal Streamlit client: what the frontend sends for a first render and a slider
    move, nothing else."""

    def __init__(self, base: str, query: str = "", cookies: bool = False):
        self.base = base.rstrip("/")
        self.cookies = cookies
        self.query = query
        self.page_hash = ""
        self.slider_id: str | None = None
        self.session_id: str | None = None
        self.errors: list[str] = []

    async def __aenter__(self):
        from websockets.asyncio.client import connect

        ws_url = "ws" + self.base[len("http") :] + "/_stcore/stream"
        headers = {}
        if self.cookies:  # as a browser: the health check first, then its cookie
            headers["Cookie"] = await asyncio.to_thread(_page_cookies, self.base)
        self.ws = await connect(
            ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=120,
            ping_interval=None,
            origin=self.base,
            additional_headers=headers,
        )
        return self

    async def __aexit__(self, *exc):
        with contextlib.suppress(Exception):
            await self.ws.close()

    def _client_state(self, widgets=()):
        from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        url = self.base + "/" + (f"?{self.query}" if self.query else "")
        return ClientState(
            query_string=self.query,
            page_script_hash=self.page_hash,
            widget_states=WidgetStates(widgets=list(widgets)),
            context_info=ContextInfo(url=url, timezone="UTC", locale="en-US"),
        )

    async def rerun(self, value: float | None = None) -> float:
        """Send a rerun (with the slider at ``value``); seconds until the run finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import DoubleArray
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widgets = []
        if value is not None:
            if self.slider_id is None:
                raise RuntimeError(f"no {BENCH_LEVER} slider in the first render")
            widgets.append(
                WidgetState(id=self.slider_id, double_array_value=DoubleArray(data=[value]))
            )
        msg = BackMsg(rerun_script=self._client_state(widgets))
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), MOVE_TIMEOUT_S)
        return time.perf_counter() - t0

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            data = await self.ws.recv()
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                what = el.WhichOneof("type")
                if what == "slider" and el.slider.id.endswith(BENCH_LEVER):
                    self.slider_id = el.slider.id
                elif what == "exception":
                    self.errors.append(f"exception: {el.exception.message[:200]}")
            elif kind == "script_finished":
                status = fm.script_finished
                # A lever move in the dashboard redraws fragments only (app.lever_moved):
                # that run's end is the move's end, as the browser sees it (idle again).
                if status in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    return
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("script compile error")
                # a run stopped early for another (a callback's rerun): keep waiting


async def _one_session(
    base: str, i: int, moves: int, query: str, start: asyncio.Event, cookies: bool
) -> dict:
    out = {"first": None, "moves": [], "errors": []}
    await start.wait()
    try:
        async with WsSession(base, query, cookies) as s:
            out["first"] = await s.rerun()
            for v in move_values(i, moves):
                out["moves"].append(await s.rerun(v))
                # the app writes its levers into the address: the move must have counted
                got = urllib.parse.parse_qs(s.query).get(BENCH_LEVER)
                if query and got != [str(v)]:
                    s.errors.append(f"move to {v} not applied (address has {got})")
            out["errors"] += s.errors
    except Exception as e:  # noqa: BLE001
        out["errors"].append(f"{type(e).__name__}: {str(e)[:200]}")
    return out


async def _sessions(
    base: str, n: int, moves: int, per_session_query: bool, cookies: bool = False
) -> list[dict]:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            _one_session(
                base,
                i,
                moves,
                urllib.parse.urlencode({SESSION_LEVER: 5 + i}) if per_session_query else "",
                start,
                cookies,
            )
        )
        for i in range(n)
    ]
    start.set()
    return await asyncio.gather(*tasks)


# --- servers, RSS, CPU ----------------------------------------------------------------------


class Sampler:
    """RSS and CPU time of a server process and its children, sampled in a thread."""

    def __init__(self, pid: int | list[int] | None):
        self.pid = pid
        self.pids = [] if pid is None else [pid] if isinstance(pid, int) else list(pid)
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _procs(self):
        import psutil

        out = []
        for pid in self.pids:
            p = psutil.Process(pid)
            out += [p, *p.children(recursive=True)]
        return out

    def rss(self) -> int | None:
        import psutil

        if not self.pids:
            return None
        total = 0
        for p in self._procs():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def cpu(self) -> float | None:
        import psutil

        if not self.pids:
            return None
        total = 0.0
        for p in self._procs():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def _run(self):
        while not self._stop.wait(0.25):
            with contextlib.suppress(Exception):
                self.samples.append(self.rss())

    def __enter__(self):
        if self.pids:
            self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._t.is_alive():
            self._t.join(5)


def floor_env() -> dict:
    """The floor app's environment (it computes its two Results once per process)."""
    return {"PYTHONPATH": str(ROOT)}


def ws_load(
    url: str,
    pid: int | None,
    sessions: int,
    moves: int,
    per_session_query: bool,
    cookies: bool = False,
) -> dict:
    """``sessions`` websocket sessions x ``moves`` lever moves against the server at ``url``."""
    with Sampler(pid) as smp:
        rss_before = smp.rss()
        cpu0 = smp.cpu()
        t0 = time.perf_counter()
        results = asyncio.run(_sessions(url, sessions, moves, per_session_query, cookies))
        wall = time.perf_counter() - t0
        cpu1 = smp.cpu()
    time.sleep(AFTER_S)
    rss_after = smp.rss()
    times = [t for r in results for t in r["moves"]]
    firsts = [r["first"] for r in results if r["first"] is not None]
    errors = [e for r in results for e in r["errors"]]
    expected = sessions * moves
    if len(times) < expected:
        errors.append(f"{expected - len(times)} of {expected} moves not made")
    runs = len(times) + len(firsts)
    return {
        "moves": times,
        "first_over_ws": firsts,
        "errors": errors,
        "wall_s": wall,
        "cpu_s": None if cpu0 is None else cpu1 - cpu0,
        "cpu_per_rerun_s": None if cpu0 is None or not runs else (cpu1 - cpu0) / runs,
        "rss_before": rss_before,
        "rss_during_max": max(smp.samples) if smp.samples else None,
        "rss_after": rss_after,
    }


async def _browsers(url: str, n: int) -> list[float]:
    from playwright.async_api import async_playwright

    from .browser import CHROMIUM, FLAGS, POLL_MS, RENDERED_JS, VIEWPORT

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            pages = []
            for _ in range(n):
                ctx = await browser.new_context(viewport=VIEWPORT)
                pages.append(await ctx.new_page())

            async def open_one(page) -> float:
                t0 = time.perf_counter()
                await page.goto(url, timeout=300_000)
                await page.wait_for_function(RENDERED_JS, timeout=300_000, polling=POLL_MS * 4)
                return time.perf_counter() - t0

            return await asyncio.gather(*(open_one(p) for p in pages))
        finally:
            await browser.close()


def browsers_load(url: str, n: int, pid=None) -> dict:
    smp = Sampler(pid)
    cpu0 = smp.cpu()
    t0 = time.perf_counter()
    t = asyncio.run(_browsers(url, n))
    wall = time.perf_counter() - t0
    cpu = None if cpu0 is None else smp.cpu() - cpu0
    return {"first_render": list(t), "wall_s": wall, "server_cpu_s": cpu}


def measure(script: str, n_sessions: int, moves: int, n_browsers: int, env=None) -> dict:
    """One app (``app`` or ``floor``): a fresh server for the websocket load, another for the
    browsers (so neither warms the other's caches)."""
    from .browser import APPS, Server

    out: dict = {}
    srv = Server(APPS[script], env)
    try:
        srv.wait_healthy()
        log(f"load: {script}, {n_sessions} websocket sessions x {moves} moves")
        out["ws"] = ws_load(srv.url, srv.proc.pid, n_sessions, moves, script == "app")
    finally:
        srv.stop()
    if n_browsers:
        srv = Server(APPS[script], env)
        try:
            srv.wait_healthy()
            log(f"load: {script}, {n_browsers} browsers opening the page at once")
            out["browsers"] = browsers_load(srv.url, n_browsers, srv.proc.pid)
        finally:
            srv.stop()
    return out


def load_rows(
    sessions: int = SESSIONS, moves: int = MOVES, browsers: int = BROWSERS, floor: bool = True
) -> tuple[list[Row], dict]:
    data = {"app": measure("app", sessions, moves, browsers)}
    if floor:
        data["floor"] = measure("floor", sessions, moves, browsers, floor_env())
        # The floor with the dashboard's start-up heap freeze (websocket load only): how
        # much of the gap is that tuning, which any Streamlit app could use.
        frozen = {**floor_env(), FREEZE_ENV: "1"}
        data["floor_frozen"] = measure("floor", sessions, moves, 0, frozen)
    return rows_from(data, sessions, moves, browsers), data


def rows_from(data: dict, sessions: int, moves: int, browsers: int) -> list[Row]:
    app, flo, frozen = data["app"], data.get("floor"), data.get("floor_frozen")

    def st(side, f):
        return None if side is None else f(side)

    def one(v):
        return None if v is None else stats([v])

    ws = f"{sessions} sessions x {moves} moves"
    notes = {
        side: {
            "errors": d["ws"]["errors"][:20],
            "n_errors": len(d["ws"]["errors"]),
            "cpu_per_rerun_ms": None
            if d["ws"]["cpu_per_rerun_s"] is None
            else round(d["ws"]["cpu_per_rerun_s"] * 1e3, 1),
            "wall_s": round(d["ws"]["wall_s"], 1),
        }
        for side, d in data.items()
    }
    rows = [
        Row(
            "load_move",
            f"load: lever move, send to script finished, {ws} (median)",
            "s",
            1.0,
            measured=stats(app["ws"]["moves"]) if app["ws"]["moves"] else None,
            floor=st(flo, lambda d: stats(d["ws"]["moves"]) if d["ws"]["moves"] else None),
            target=1.5,
            notes=notes,
            error=(f"{len(app['ws']['errors'])} errors: {app['ws']['errors'][0]}")
            if app["ws"]["errors"]
            else None,
        ),
        Row(
            "load_move_frozen_floor",
            f"load: lever move (median), against the floor app with the same heap freeze, {ws}",
            "s",
            1.0,
            measured=stats(app["ws"]["moves"]) if app["ws"]["moves"] else None,
            floor=st(frozen, lambda d: stats(d["ws"]["moves"]) if d["ws"]["moves"] else None),
        ),
        Row(
            "load_move_p95",
            f"load: lever move, p95, {ws}",
            "s",
            1.0,
            measured=one(p95(app["ws"]["moves"])) if app["ws"]["moves"] else None,
            floor=st(flo, lambda d: one(p95(d["ws"]["moves"])) if d["ws"]["moves"] else None),
        ),
        Row(
            "load_cpu",
            f"load: server CPU per rerun, {ws}",
            "ms",
            1e3,
            measured=one(app["ws"]["cpu_per_rerun_s"]),
            floor=st(flo, lambda d: one(d["ws"]["cpu_per_rerun_s"])),
        ),
    ]
    for key, what in (
        ("rss_before", "before"),
        ("rss_during_max", "during (largest)"),
        ("rss_after", f"{AFTER_S:.0f} s after"),
    ):
        rows.append(
            Row(
                f"load_{key}",
                f"load: server RSS {what}, {ws}",
                "MB",
                1e-6,
                measured=one(app["ws"][key]),
                floor=st(flo, lambda d, k=key: one(d["ws"][k])),
            )
        )
    if "browsers" in app:
        rows.append(
            Row(
                "load_first_render",
                f"load: {browsers} browsers open the page at once, to first complete render",
                "s",
                1.0,
                measured=stats(app["browsers"]["first_render"]),
                floor=st(flo, lambda d: stats(d["browsers"]["first_render"])),
                target=1.5,
            )
        )
    return rows


def summary(data: dict) -> str:
    """A short table: median and p95 per move, first render, RSS, app vs floor."""
    lines = [
        "| | median move | p95 move | CPU per rerun | first render, median (max) "
        "| RSS before / during / after | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for side, d in data.items():
        w = d["ws"]
        fr = d.get("browsers", {}).get("first_render")
        mb = [
            "-" if w[k] is None else f"{w[k] / 1e6:.0f}"
            for k in ("rss_before", "rss_during_max", "rss_after")
        ]
        lines.append(
            f"| {side} | {statistics.median(w['moves']):.2f} s | {p95(w['moves']):.2f} s "
            if w["moves"]
            else f"| {side} | - | - "
        )
        lines[-1] += (
            ("| - " if w["cpu_per_rerun_s"] is None else f"| {w['cpu_per_rerun_s'] * 1e3:.0f} ms ")
            + (f"| {statistics.median(fr):.1f} s ({max(fr):.1f} s) " if fr else "| - ")
            + f"| {' / '.join(mb)} MB | {len(w['errors'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m benchmarks.load", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help=f"{SESSIONS} sessions x 10 moves")
    ap.add_argument("--sessions", type=int, default=SESSIONS)
    ap.add_argument("--moves", type=int, default=None, help=f"per session (default {MOVES})")
    ap.add_argument("--browsers", type=int, default=BROWSERS)
    ap.add_argument("--no-browsers", action="store_true")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--url", help="drive this running server instead (no RSS, no floor)")
    ap.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results" / "load.json"),
        help="JSON output (default: benchmarks/results/load.json)",
    )
    ap.add_argument(
        "--pid", type=int, nargs="*", help="with --url: the server process(es), for RSS and CPU"
    )
    args = ap.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    moves = args.moves or (10 if args.quick else MOVES)
    browsers = 0 if args.no_browsers else args.browsers
    if args.url:
        ws = ws_load(args.url, args.pid, args.sessions, moves, True, cookies=True)
        data = {"app": {"ws": ws}}
        if browsers:
            data["app"]["browsers"] = browsers_load(args.url, browsers, args.pid)
    else:
        _, data = load_rows(args.sessions, moves, browsers, floor=not args.no_floor)
    print(summary(data), flush=True)
    out = Path(args.out)
    write_text(  # the package's one writer: temporary file, fsync, rename
        out,
        json.dumps(
            {
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "sessions": args.sessions,
                "moves": moves,
                "browsers": browsers,
                "url": args.url,
                "data": data,
                "table_markdown": summary(data),
            },
            indent=1,
        ),
    )
    log(f"wrote {out}")
    return 1 if any(d["ws"]["errors"] for d in data.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
