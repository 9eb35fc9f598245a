"""Upload memory: the server's RSS around oversized and largest-accepted uploads.

    python3 -m benchmarks.upload            # pauses of 60 s, as in the issue
    python3 -m benchmarks.upload --quick    # pauses of 10 s

One ``streamlit run app.py`` (loopback, free port; ``.streamlit/config.toml`` sets
``server.maxUploadSize = 1``: the page takes files up to 10**6 bytes, the server 2**20). RSS
is psutil's, server + children, sampled every 0.25 s while each step runs (the "during"
value is the largest sample).

1. A 150 MB file, twice: chosen in the page's uploader (Chromium, Playwright
   ``set_input_files``: the page refuses it without sending it), then sent straight to
   Streamlit's upload endpoint as the page would (``PUT /_stcore/upload_file/<session>/<file>``
   with the session's XSRF token), with no Content-Length (chunked), so the server's
   streaming cap is what stops it. Reported: the HTTP status, RSS before, during and
   ``PAUSE_S`` seconds after.
2. Five tabs each load the largest file the app accepts (a valid scenario padded to exactly
   ``MAX_SCENARIO_BYTES``, 1 MB); RSS before, during, ``PAUSE_S`` seconds after (tabs still
   open: the app has processed and dropped the file), and ``PAUSE_S`` seconds after the
   tabs closed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from rebalancing.files import write_text

from .common import ROOT, Row, log, stats

BIG = 150 * 1000 * 1000  # 150 MB
PAUSE_S = 60.0
TABS = 5


class LiveSession(threading.Thread):
    """A websocket session kept open in its own thread (Playwright's sync API owns this
    thread's event loop); ``session_id`` once ``ready`` is set."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.session_id: str | None = None
        self.ready = threading.Event()
        self.done = threading.Event()

    def run(self):
        import asyncio

        from .load import WsSession

        async def main():
            async with WsSession(self.url) as s:
                await s.rerun()
                self.session_id = s.session_id
                self.ready.set()
                await asyncio.to_thread(self.done.wait)

        try:
            asyncio.run(main())
        finally:
            self.ready.set()


def put_chunked(url: str, session_id: str, size: int) -> int:
    """PUT ``size`` bytes of multipart body, chunked, to the upload endpoint; HTTP status."""
    with urllib.request.urlopen(url + "/_stcore/health") as r:  # sets the XSRF cookie
        cookies = [v for k, v in r.headers.items() if k.lower() == "set-cookie"]
    token = next(
        (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf=")),
        None,
    )
    host = url.split("//", 1)[1]
    conn = http.client.HTTPConnection(host, timeout=120)
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if token:
        headers |= {"X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"}

    def body():
        yield head
        chunk = b" " * (1 << 20)
        sent = 0
        while sent < size:
            n = min(len(chunk), size - sent)
            yield chunk[:n]
            sent += n
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        conn.request(
            "PUT",
            f"/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
            body=body(),
            headers=headers,
            encode_chunked=True,
        )
        return conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return -1  # the server closed the connection mid-body
    finally:
        conn.close()


def largest_scenario(path: Path, size: int) -> None:
    """A valid scenario file of exactly ``size`` bytes (JSON padded with spaces)."""
    text = json.dumps({"orderly": {"kappa": 1.5}})
    path.write_bytes(text.encode() + b" " * (size - len(text)))


def measure(pause: float) -> dict:
    from rebalancing.scenario import MAX_SCENARIO_BYTES

    from .browser import APPS, Server, chromium, wait_rendered
    from .load import Sampler

    out: dict = {"pause_s": pause}
    tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    big = tmp / "big.json"
    with open(big, "wb") as f:
        f.truncate(BIG)
    ok = tmp / "largest.json"
    largest_scenario(ok, MAX_SCENARIO_BYTES)
    srv = Server(APPS["app"])
    try:
        srv.wait_healthy()
        smp = Sampler(srv.proc.pid)
        with chromium() as b:
            ctx = b.new_context()
            page = ctx.new_page()
            page.goto(srv.url)
            wait_rendered(page)
            time.sleep(1)
            out["big_before"] = smp.rss()
            with Sampler(srv.proc.pid) as during:
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(big)
                page.get_by_text("File must be").first.wait_for(timeout=60_000)
                out["big_browser_message"] = page.get_by_text("File must be").first.inner_text()
                live = LiveSession(srv.url)
                live.start()
                live.ready.wait(120)
                out["big_put_status"] = put_chunked(srv.url, live.session_id, BIG)
                live.done.set()
                live.join(30)
            out["big_during"] = max(during.samples or [smp.rss()])
            time.sleep(pause)
            out["big_after"] = smp.rss()
            ctx.close()

            log(f"upload: {TABS} tabs each load a {MAX_SCENARIO_BYTES}-byte scenario")
            ctx = b.new_context()
            pages = []
            for _ in range(TABS):
                p = ctx.new_page()
                p.goto(srv.url)
                wait_rendered(p)
                pages.append(p)
            time.sleep(1)
            out["tabs_before"] = smp.rss()
            with Sampler(srv.proc.pid) as during:
                for p in pages:
                    p.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(ok)
                for p in pages:
                    p.get_by_text("Loaded largest.json").first.wait_for(timeout=60_000)
            out["tabs_during"] = max(during.samples or [smp.rss()])
            time.sleep(pause)
            out["tabs_after"] = smp.rss()
            ctx.close()
            time.sleep(pause)
            out["tabs_closed_after"] = smp.rss()
    finally:
        srv.stop()
        for f in (big, ok):
            f.unlink(missing_ok=True)
        os.rmdir(tmp)
    return out


def upload_rows(pause: float = PAUSE_S) -> tuple[list[Row], dict]:
    d = measure(pause)

    def one(v):
        return stats([v])

    rows = [
        Row(
            f"upload_{k}",
            what,
            "MB",
            1e-6,
            measured=one(d[k]),
            notes={"put_status": d["big_put_status"], "pause_s": pause},
        )
        for k, what in (
            ("big_before", "upload memory: RSS before a 150 MB upload attempt"),
            ("big_during", "upload memory: RSS during it (browser, then direct PUT)"),
            ("big_after", f"upload memory: RSS {pause:.0f} s after it"),
            ("tabs_before", f"upload memory: RSS, {TABS} tabs open, before"),
            ("tabs_during", f"upload memory: RSS while {TABS} tabs each load a 1 MB file"),
            ("tabs_after", f"upload memory: RSS {pause:.0f} s after (tabs open)"),
            ("tabs_closed_after", f"upload memory: RSS {pause:.0f} s after the tabs closed"),
        )
    ]
    return rows, d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m benchmarks.upload", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help="pauses of 10 s instead of 60 s")
    ap.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results" / "upload.json"),
        help="JSON output (default: benchmarks/results/upload.json)",
    )
    args = ap.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    d = measure(10.0 if args.quick else PAUSE_S)
    mb = {
        k: (
            f"{v / 1e6:.0f} MB"
            if k.startswith(("big_", "tabs_")) and isinstance(v, int) and k != "big_put_status"
            else v
        )
        for k, v in d.items()
    }
    print(json.dumps(mb, indent=2))
    out = Path(args.out)
    write_text(  # the package's one writer: temporary file, fsync, rename
        out, json.dumps({"created": time.strftime("%Y-%m-%dT%H:%M:%S"), **d}, indent=1)
    )
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
