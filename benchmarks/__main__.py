"""Benchmarks: how far the engine and the dashboard are from the least work that could
produce the same output, measured on this machine in the same run.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium; never
``playwright install``)::

    python3 -m benchmarks            # full: more repeats, ~30 min on 2 cores
    python3 -m benchmarks --quick    # every row with fewer repeats, ~12 min
    python3 -m benchmarks --out PATH # JSON elsewhere (default benchmarks/results/latest.json)

The markdown table goes to stdout, progress to stderr. Every row gives the median of
repeated ``time.perf_counter`` samples with min and max, the floor's median (min, max), the
ratio measured/floor, the target ratio and pass/fail. The JSON also has every sample, the
machine (cores, CPU model) and library versions. Exit status 1 only if a row errored; a
missed target is a result, not an error.

Rows and their floors:

1. engine, four regions: warm ``rebalancing.simulate(Scenario())`` (after one warm-up call,
   so the status-quo drift and the statsmodels fits are cached; the cold first call in a
   fresh interpreter, and a call right after a global-lever move, which re-solves the status-quo
   drift, are reported as info). Floor: ONE batched ``numpy.linalg.solve`` over as
   many n x n systems as the engine solves per call (counted by wrapping numpy.linalg.solve
   in this process). The matrices are the engine's exact ``I - B diag(k)`` of every path and
   year, rebuilt from the run's trade flows, absorption and tariffs (B = mu' + diag(1 - m),
   k = alpha (1 - theta) / (1 + alpha rt)), cycled to reach the engine's system count; the
   right-hand side B (A - k Y) reproduces the engine's output (error in the JSON).
   Target ratio <= 3.
2. engine, two-country mode: the same with ``global.two_country`` on. Target <= 3.
3. app rerun after a lever move: ``AppTest.from_file("app.py")``, timed
   ``at.slider(key="global.monetary_response").set_value(v).run()`` (the lever's callback
   and the fragment reruns it asks for, as in the browser) over distinct allowed values
   (step 0.05), alternating step parity, each after an untimed full run (which draws the
   sidebar again in AppTest's tree); once all 35 are used, Streamlit's caches and the
   status-quo drift's lru_cache are cleared so each timed rerun runs the model. Floor:
   AppTest of ``benchmarks/floor_app.py``, which draws the same seven compare-view figures
   (``charts.compare_charts``) and the 2030/2035 headline tables from two precomputed
   Results (computed once per process), one slider choosing between them. Target <= 1.2.
4. browser: ``streamlit run`` (loopback, free port) + Playwright/Chromium; focus the monetary-
   response slider, press ArrowRight, time until the trace data of the chart in ``.st-key-chart_ca``
   change; idle (script state notRunning) before each press; always ArrowRight from 1.0 so
   every value is new. Floor: the floor app served the same way, at the same time, presses
   alternating between the two. Target <= 1.2.
5. cold start: launch of ``streamlit run`` to the first complete render (7 charts with data,
   script notRunning), new server each repeat, app vs floor app. Target <= 1.5.
6. memory: RSS (psutil, server + children) with 1 and with 10 rendered sessions, app vs
   floor app. Target <= 1.5 each.
7. scaling (info, no target): simulate() vs horizon 10/25/50/76 years, and engine.run() on
   1/100/10000 scenarios (x5 paths) batched along the path axis; least-squares slope b of
   time = a + b x and R^2.
8. uncertainty (info: ratios to floors, no target ratio; the issue asks about 1 s for the
   Monte Carlo): ``uncertainty.fan`` with 10,000 draws of all five paths; a 1,000-point
   Sobol' sweep of every numeric lever written to Parquet; a goal-seek (China's current
   account at 1% of GDP in 2035 with its consumption rise). Floors: one batched
   ``numpy.linalg.solve`` of as many exact engine systems (draws x paths x years, or the
   goal-seek's runs x paths x years), for the sweep plus writing an equal table with the
   same Parquet writer (benchmarks/uncertainty.py).
9. load (``benchmarks/load.py``, also ``python3 -m benchmarks.load``): 20 sessions over
   Streamlit's websocket protocol, each making 30 lever moves back to back (10 with
   ``--quick``), on one server process; median (target <= 1.5 x the floor app under the same
   load) and p95 per move, server CPU per rerun, RSS before, during and after; and 20
   Chromium pages (10 with ``--quick``) opening the page at once, time to the first complete
   render (target <= 1.5). Against the floor app on its own server, same load.
10. upload memory (``benchmarks/upload.py``, also ``python3 -m benchmarks.upload``): server
    RSS before, during and 60 s after a 150 MB upload attempt (in the page, then straight to
    the upload endpoint), and with 5 tabs each loading the largest accepted scenario file
    (10 s pauses with ``--quick``). Info rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path

from rebalancing.files import write_text

from .common import HEADER, ROOT, Row, log, machine, versions

QUICK = dict(
    engine_reps=20,
    floor_reps=200,
    cold_reps=1,
    rerun_reps=6,
    presses=4,
    keypress_rounds=1,
    cold_start_reps=2,
    memory_reps=1,
    horizon_reps=3,
    batch_reps={1: 5, 100: 3, 10000: 1},
    mc_reps=1,
    mc_floor_reps=3,
    sweep_reps=1,
    goal_reps=3,
    load_sessions=20,
    load_moves=10,
    load_browsers=10,
    upload_pause=10.0,
)
FULL = dict(
    engine_reps=100,
    floor_reps=2000,
    cold_reps=3,
    rerun_reps=24,
    presses=8,
    keypress_rounds=2,
    cold_start_reps=3,
    memory_reps=2,
    horizon_reps=10,
    batch_reps={1: 20, 100: 10, 10000: 3},
    mc_reps=3,
    mc_floor_reps=10,
    sweep_reps=2,
    goal_reps=10,
    load_sessions=20,
    load_moves=30,
    load_browsers=20,
    upload_pause=60.0,
)


def _guard(rid: str, what: str, fn, unit: str = "ms", scale: float = 1e3) -> list[Row]:
    """Run a row; an exception becomes an error row instead of stopping the harness."""
    try:
        out = fn()
        return out if isinstance(out, list) else [out]
    except Exception as e:  # noqa: BLE001
        log(f"{rid} FAILED: {e!r}")
        traceback.print_exc(file=sys.stderr)
        return [Row(rid, what, unit, scale, error=f"{type(e).__name__}: {str(e)[:300]}")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (every row still runs)")
    ap.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results" / "latest.json"),
        help="JSON output path (default: benchmarks/results/latest.json)",
    )
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    started = time.perf_counter()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")

    from . import apptest, browser, engine, load, upload

    info = {"machine": machine(), "versions": versions()}
    log(f"machine {info['machine']}; versions {info['versions']}")
    rows: list[Row] = []
    timings: dict[str, float] = {}

    def timed(section, fn):
        t0 = time.perf_counter()
        rows.extend(fn())
        timings[section] = round(time.perf_counter() - t0, 1)

    # 1-2: engine (first, so that nothing else has warmed this process's caches yet).
    timed(
        "engine_4",
        lambda: _guard(
            "engine_4",
            "engine, four regions: simulate()",
            lambda: engine.engine_row(
                "engine_4",
                "engine, four regions: simulate()",
                {},
                reps=cfg["engine_reps"],
                floor_reps=cfg["floor_reps"],
                cold_reps=cfg["cold_reps"],
            ),
        ),
    )
    timed(
        "engine_4_move",
        lambda: _guard(
            "engine_4_move",
            "engine after a lever move",
            lambda: engine.lever_move_row(min(cfg["engine_reps"], 20)),
        ),
    )
    timed(
        "engine_2",
        lambda: _guard(
            "engine_2",
            "engine, two-country: simulate()",
            lambda: engine.engine_row(
                "engine_2",
                "engine, two-country: simulate()",
                {"global.two_country": True},
                reps=cfg["engine_reps"],
                floor_reps=cfg["floor_reps"],
                cold_reps=cfg["cold_reps"],
            ),
        ),
    )

    floor_env = {"PYTHONPATH": str(ROOT)}  # the floor app computes its two Results itself

    # 3: AppTest rerun.
    timed(
        "app_rerun",
        lambda: _guard(
            "app_rerun",
            "app rerun (AppTest)",
            lambda: apptest.rerun_row(cfg["rerun_reps"]),
        ),
    )

    # 4-6: browser. One Chromium for all three; servers are started per measurement.
    def browser_rows():
        with browser.chromium() as b:
            return browser.browser_rows(
                b,
                floor_env,
                cold_reps=cfg["cold_start_reps"],
                memory_reps=cfg["memory_reps"],
                presses=cfg["presses"],
                keypress_rounds=cfg["keypress_rounds"],
            )

    timed("browser", lambda: _guard("browser", "browser rows 4-6", browser_rows))

    # 9: load, many sessions on one server process (benchmarks/load.py).
    def load_rows():
        rows, data = load.load_rows(cfg["load_sessions"], cfg["load_moves"], cfg["load_browsers"])
        log("load:\n" + load.summary(data))
        return rows

    timed("load", lambda: _guard("load", "load rows 9", load_rows))

    # 10: upload memory (benchmarks/upload.py).
    timed(
        "upload",
        lambda: _guard(
            "upload", "upload rows 10", lambda: upload.upload_rows(cfg["upload_pause"])[0]
        ),
    )

    # 7: scaling.
    timed(
        "scaling_horizon",
        lambda: _guard(
            "scaling_horizon",
            "scaling vs horizon",
            lambda: engine.horizon_scaling(reps=cfg["horizon_reps"]),
        ),
    )
    timed(
        "scaling_scenarios",
        lambda: _guard(
            "scaling_scenarios",
            "scaling vs scenarios",
            lambda: engine.batch_scaling(reps=cfg["batch_reps"]),
        ),
    )

    # 8: uncertainty.
    from . import uncertainty

    timed(
        "mc_10000",
        lambda: _guard(
            "mc_10000",
            "Monte Carlo 10,000 draws",
            lambda: uncertainty.monte_carlo_row(10_000, cfg["mc_reps"], cfg["mc_floor_reps"]),
            "s",
            1.0,
        ),
    )
    timed(
        "sweep_1000",
        lambda: _guard(
            "sweep_1000",
            "sweep 1,000 settings",
            lambda: uncertainty.sweep_row(1000, cfg["sweep_reps"], cfg["mc_floor_reps"]),
            "s",
            1.0,
        ),
    )
    timed(
        "goal_seek",
        lambda: _guard(
            "goal_seek",
            "goal-seek",
            lambda: uncertainty.goal_row(cfg["goal_reps"], cfg["floor_reps"]),
        ),
    )

    total = time.perf_counter() - started
    order = [
        "engine_4",
        "engine_4_cold",
        "engine_4_move",
        "engine_2",
        "engine_2_cold",
        "app_rerun",
        "browser_keypress",
        "cold_start",
        "memory_1",
        "memory_10",
        "memory_pss_1",
        "memory_pss_10",
        "browser",
        "load_move",
        "load_move_p95",
        "load_cpu",
        "load_first_render",
        "load_rss_before",
        "load_rss_during_max",
        "load_rss_after",
        "load",
        "upload_big_before",
        "upload_big_during",
        "upload_big_after",
        "upload_tabs_before",
        "upload_tabs_during",
        "upload_tabs_after",
        "upload_tabs_closed_after",
        "upload",
        "scaling_horizon",
        "scaling_scenarios",
        "mc_10000",
        "sweep_1000",
        "goal_seek",
    ]
    labels = {
        "engine_4": "1",
        "engine_4_cold": "1i",
        "engine_4_move": "1m",
        "engine_2": "2",
        "engine_2_cold": "2i",
        "app_rerun": "3",
        "browser_keypress": "4",
        "cold_start": "5",
        "memory_1": "6a",
        "memory_10": "6b",
        "memory_pss_1": "6c",
        "memory_pss_10": "6d",
        "browser": "4-6",
        "load_move": "9a",
        "load_move_p95": "9b",
        "load_cpu": "9c",
        "load_first_render": "9d",
        "load_rss_before": "9e",
        "load_rss_during_max": "9f",
        "load_rss_after": "9g",
        "load": "9",
        "upload_big_before": "10a",
        "upload_big_during": "10b",
        "upload_big_after": "10c",
        "upload_tabs_before": "10d",
        "upload_tabs_during": "10e",
        "upload_tabs_after": "10f",
        "upload_tabs_closed_after": "10g",
        "upload": "10",
        "scaling_horizon": "7a",
        "scaling_scenarios": "7b",
        "mc_10000": "8a",
        "sweep_1000": "8b",
        "goal_seek": "8c",
    }
    rows.sort(key=lambda r: order.index(r.id) if r.id in order else len(order))

    m, v = info["machine"], info["versions"]
    lines = [
        f"# Benchmarks ({'quick' if args.quick else 'full'}), "
        f"{dt.datetime.now().isoformat(timespec='seconds')}",
        f"Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB RAM",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "",
        HEADER,
    ]
    lines += [r.markdown(labels.get(r.id, r.id)) for r in rows]
    lines += [
        "",
        "Section wall times (s): "
        + ", ".join(f"{k} {t}" for k, t in timings.items())
        + f"; total {total:.0f} s",
    ]
    print("\n".join(lines), flush=True)

    out = Path(args.out)
    write_text(  # the package's one writer: temporary file, fsync, rename
        out,
        json.dumps(
            {
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "mode": "quick" if args.quick else "full",
                "config": {
                    k: ({str(a): b for a, b in val.items()} if isinstance(val, dict) else val)
                    for k, val in cfg.items()
                },
                "total_seconds": total,
                "section_seconds": timings,
                **info,
                "rows": [{"label": labels.get(r.id, r.id), **r.to_json()} for r in rows],
                "table_markdown": "\n".join(lines),
            },
            indent=2,
            default=str,
        ),
    )
    log(f"wrote {out} ({total:.0f} s)")
    return 1 if any(r.error for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
