"""Row 3: Streamlit script rerun after a lever move (AppTest, no browser)."""

from __future__ import annotations

import os
import time

from .common import BENCH_LEVER, ROOT, Row, log, stats

STEP = 0.05
FLOOR_APP = ROOT / "benchmarks" / "floor_app.py"


def lever_sequence(start: float = 1.0) -> list[float]:
    """All allowed values of the benchmark lever (its range, step 0.05) except ``start``,
    ordered so that consecutive values alternate the parity of their step index (so the
    floor app, which picks its Results by parity, redraws every time) and stay near
    ``start`` first."""
    from rebalancing.scenario import LEVERS

    lev = LEVERS[BENCH_LEVER]
    k0 = round(start / STEP)
    ks = range(round(lev.lo / STEP), round(lev.hi / STEP) + 1)
    rest = sorted((k for k in ks if k != k0), key=lambda k: (abs(k - k0), k))
    seq, last = [], k0
    while rest:
        pick = next((k for k in rest if k % 2 != last % 2), rest[0])
        rest.remove(pick)
        seq.append(pick)
        last = pick
    return [round(k * STEP, 10) for k in seq]


class _SimulateCounter:
    """Count rebalancing.simulate calls made by the app (it calls ``rb.simulate``)."""

    def __enter__(self):
        import rebalancing
        import rebalancing.results as results

        self.mods = (rebalancing, results)
        self.orig = rebalancing.simulate
        self.n = 0

        def counted(*a, **kw):
            self.n += 1
            return self.orig(*a, **kw)

        for m in self.mods:
            m.simulate = counted
        return self

    def __exit__(self, *exc):
        for m in self.mods:
            m.simulate = self.orig


def _time_reruns(path, reps: int, clear_caches: bool) -> tuple[list[float], dict]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from rebalancing.results import _status_quo_drift

    at = AppTest.from_file(str(path), default_timeout=60)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{path.name}: {at.exception[0].message}")
    seq = lever_sequence(float(at.slider(key=BENCH_LEVER).value))
    samples, values, clears = [], [], 0
    with _SimulateCounter() as cnt:
        for i in range(reps):
            if i and i % len(seq) == 0 and clear_caches:
                # Every allowed value has been visited: forget the cached model runs so the
                # next moves run the model again (st.cache_data) and re-solve the status-quo
                # drift (its lru_cache is keyed by the global levers, this one included).
                st.cache_data.clear()
                _status_quo_drift.cache_clear()
                clears += 1
            v = seq[i % len(seq)]
            slider = at.slider(key=BENCH_LEVER)
            t0 = time.perf_counter()
            slider.set_value(v).run()
            samples.append(time.perf_counter() - t0)
            values.append(v)
            if at.exception:
                raise RuntimeError(f"{path.name}: {at.exception[0].message}")
    charts = sum(1 for _ in at.get("plotly_chart"))
    return samples, {
        "first_run_s": first,
        "values": values,
        "cache_clears": clears,
        "simulate_calls_during_timed_reruns": cnt.n,
        "plotly_charts": charts,
        "tables": len(at.table),
    }


def rerun_row(pickle_path: str, reps: int) -> Row:
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # bare-mode ScriptRunContext warnings
    os.environ["REBALANCING_BENCH_FLOOR_PICKLE"] = pickle_path
    app, app_info = _time_reruns(ROOT / "app.py", reps, clear_caches=True)
    floor, floor_info = _time_reruns(FLOOR_APP, reps, clear_caches=False)
    row = Row(
        "app_rerun",
        "app rerun after a lever move (AppTest, monetary-response slider)",
        "ms",
        1e3,
        measured=stats(app),
        floor=stats(floor),
        target=1.2,
        notes={
            "app": app_info,
            "floor": floor_info,
            "method": "AppTest.from_file(..., default_timeout=60); one untimed run; "
            f"then at.slider(key='{BENCH_LEVER}').set_value(v).run() timed "
            "over distinct allowed values (step 0.05, alternating step "
            "parity); after all 20 are used, st.cache_data.clear() and "
            "rebalancing.results._status_quo_drift.cache_clear() so every "
            "timed app rerun runs the model as on a first visit",
            "floor_method": "AppTest of benchmarks/floor_app.py: same 6 compare "
            "figures and 2030/2035 headline tables from 2 "
            "precomputed Results",
        },
    )
    log(
        f"app rerun: {row.measured['median'] * 1e3:.0f} ms vs floor "
        f"{row.floor['median'] * 1e3:.0f} ms; simulate calls "
        f"{app_info['simulate_calls_during_timed_reruns']}/{reps}"
    )
    return row
