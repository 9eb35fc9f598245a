"""Row 3: Streamlit script rerun after a lever move (AppTest, no browser)."""

from __future__ import annotations

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
    """Count the model runs the app makes: ``rb.simulate`` calls in this process and runs
    made in a worker process (``workers.simulate_and_draw_in_worker`` returning one)."""

    def __enter__(self):
        import rebalancing
        import rebalancing.results as results
        import rebalancing.uncertainty as uncertainty

        self.n = 0
        self.saved = [
            (m, name, getattr(m, name))
            for m, name in (
                (rebalancing, "simulate"),
                (results, "simulate"),
                (uncertainty, "simulate_and_draw_in_worker"),
            )
        ]
        for m, name, orig in self.saved:

            def counted(*a, _orig=orig, **kw):
                out = _orig(*a, **kw)
                self.n += out is not None
                return out

            setattr(m, name, counted)
        return self

    def __exit__(self, *exc):
        for m, name, orig in self.saved:
            setattr(m, name, orig)


def _time_reruns(path, reps: int, clear_caches: bool) -> tuple[list[float], dict]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from rebalancing.inputs import status_quo_drift

    at = AppTest.from_file(str(path), default_timeout=60)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{path.name}: {at.exception[0].message}")
    # Untimed: a first move away from the default, which redraws the whole dashboard (its
    # lever group's count of changed levers changes); the timed moves keep that count.
    far = lever_sequence(float(at.slider(key=BENCH_LEVER).value))[-1]
    at.slider(key=BENCH_LEVER).set_value(far).run()
    seq = lever_sequence(far)
    samples, values, clears = [], [], 0
    with _SimulateCounter() as cnt:
        for i in range(reps):
            if i and i % len(seq) == 0 and clear_caches:
                # Every allowed value has been visited: forget the cached model runs so the
                # next moves run the model again (app.model_run is a cache_resource) and
                # re-solve the status-quo drift (its lru_cache is keyed by the global levers,
                # this one included).
                st.cache_data.clear()
                st.cache_resource.clear()
                status_quo_drift.cache_clear()
                clears += 1
            # Untimed: a full run. The dashboard's lever move reruns its body's fragments
            # only (app.lever_moved), after which AppTest's tree has no sidebar, so no slider.
            at.run()
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


def rerun_row(reps: int) -> Row:
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # bare-mode ScriptRunContext warnings
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
            "method": "AppTest.from_file(..., default_timeout=60); one untimed run and one "
            "untimed move away from the default; then, after an untimed full run (a move "
            "reruns the dashboard's body fragments only, and AppTest's tree then has no "
            f"sidebar), at.slider(key='{BENCH_LEVER}').set_value(v).run() timed over distinct "
            "allowed values (step 0.05, alternating step parity); after all are used, "
            "st.cache_data and st.cache_resource are cleared and "
            "rebalancing.inputs.status_quo_drift.cache_clear() so every timed app rerun "
            "runs the model as on a first visit",
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
