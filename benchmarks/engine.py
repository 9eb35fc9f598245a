"""Engine rows: ``simulate`` against one batched ``numpy.linalg.solve``, and scaling."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import numpy as np

from .common import BENCH_LEVER, ROOT, Row, linfit, log, repeat, stats


class SolveCounter:
    """Wrap numpy.linalg.solve (in this process only, restored on exit) and count the calls
    and the systems solved (product of the leading batch dimensions)."""

    def __enter__(self):
        self.orig = np.linalg.solve
        self.calls = 0
        self.systems = 0
        self.shapes: dict[str, int] = {}

        def counted(a, b, *args, **kw):
            a = np.asarray(a)
            self.calls += 1
            self.systems += int(np.prod(a.shape[:-2])) if a.ndim > 2 else 1
            key = "x".join(map(str, a.shape))
            self.shapes[key] = self.shapes.get(key, 0) + 1
            return self.orig(a, b, *args, **kw)

        np.linalg.solve = counted
        return self

    def __exit__(self, *exc):
        np.linalg.solve = self.orig


def engine_systems(res, prm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The per-year systems ``(I - B diag(k)) Y = B D`` of ``blocks.demand.solve`` for every
    path p and year t of a finished run, rebuilt from its results.

    mu_ij = M_ij / A_i (A = C + I + G, the solve's absorption), B = mu' + diag(1 - m),
    rt = sum_j tau_ij mu_ij, k = (alpha (1 - theta) - (c_r + i_r) i1) / (1 + alpha rt) with
    alpha the within-year propensity and i1 the Taylor rule's unbounded slope. The right-hand
    side uses the run's effective autonomous demand D = A - k Y, so each system's solution is
    the engine's Y: checked.
    Returns (P*T, n, n) matrices, (P*T, n, 1) right-hand sides and (P*T, n) engine Y.
    """
    s = res.solution
    n = s.Y.shape[-1]
    A = s.C + s.I + s.G
    mu = s.trade / A[..., None]
    eye = np.eye(n)
    m = mu.sum(-1)
    B = np.swapaxes(mu, -1, -2) + (1 - m)[..., None] * eye
    rt = (s.tau * mu).sum(-1)
    from rebalancing.blocks.policy import rule
    from rebalancing.constants import C_RATE, I_RATE

    _, i1 = rule(0.0, 0.0, 0.0, 0.0, prm.monetary)
    k = (s.alpha * (1 - prm.theta) - (C_RATE + I_RATE) * i1) / (1 + s.alpha * rt)
    M = eye - B * k[..., None, :]
    rhs = B @ (A - k * s.Y)[..., None]
    return M.reshape(-1, n, n), rhs.reshape(-1, n, 1), s.Y.reshape(-1, n)


def _cold_subprocess(values: dict) -> dict:
    """First ``simulate`` call in a fresh interpreter (imports, statsmodels fits, drift)."""
    code = (
        "import json, time\n"
        "t0 = time.perf_counter()\n"
        "import rebalancing as rb\n"
        "t1 = time.perf_counter()\n"
        f"scn = rb.Scenario().with_values({values!r})\n"
        "t2 = time.perf_counter()\n"
        "rb.simulate(scn)\n"
        "t3 = time.perf_counter()\n"
        "rb.simulate(scn)\n"
        "t4 = time.perf_counter()\n"
        "print(json.dumps({'import': t1 - t0, 'first_call': t3 - t2, 'second_call': t4 - t3}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def engine_row(
    rid: str, what: str, values: dict, *, reps: int, floor_reps: int, cold_reps: int
) -> list[Row]:
    import rebalancing as rb
    from rebalancing.inputs import calibrated

    scn = rb.Scenario().with_values(values)
    rb.simulate(scn)  # warm-up: drift, fits, calibration
    with SolveCounter() as cnt:
        res = rb.simulate(scn)
    samples = repeat(lambda scn=scn: rb.simulate(scn), reps)

    _, prm = calibrated(scn)
    M, rhs, Y = engine_systems(res, prm)
    exact_err = float(np.max(np.abs(np.linalg.solve(M, rhs)[..., 0] - Y) / np.abs(Y)))
    n_floor = max(cnt.systems, M.shape[0])
    idx = np.arange(n_floor) % M.shape[0]  # cycle the P*T exact systems
    Mb, rb_ = np.ascontiguousarray(M[idx]), np.ascontiguousarray(rhs[idx])
    solve = np.linalg.solve
    solve(Mb, rb_)
    floor = repeat(lambda: solve(Mb, rb_), floor_reps)

    colds = [_cold_subprocess(values) for _ in range(cold_reps)]
    notes = {
        "engine_solve_calls_per_simulate": cnt.calls,
        "engine_systems_per_simulate": cnt.systems,
        "engine_solve_shapes": cnt.shapes,
        "paths_x_years": int(M.shape[0]),
        "floor_systems": n_floor,
        "floor_batch_shape": list(Mb.shape),
        "floor_matrices": "exact: I - B diag(k) rebuilt from the run's trade, absorption and "
        "tariffs for every path and year (the P*T systems cycled to reach "
        "the engine's system count); rhs = B (A - k Y), the run's effective "
        "autonomous demand",
        "floor_max_rel_error_vs_engine_Y": exact_err,
        "warm": "one warm-up simulate() first (status-quo drift and statsmodels fits cached)",
    }
    cold = Row(
        rid + "_cold",
        what.replace("simulate", "cold first simulate") + " (fresh interpreter; info)",
        "s",
        1.0,
        measured=stats([c["first_call"] for c in colds]),
        notes={
            "import_rebalancing_s": [c["import"] for c in colds],
            "second_call_s": [c["second_call"] for c in colds],
        },
    )
    main = Row(
        rid, what, "ms", 1e3, measured=stats(samples), floor=stats(floor), target=3.0, notes=notes
    )
    log(
        f"{rid}: {main.measured['median'] * 1e3:.2f} ms vs floor "
        f"{main.floor['median'] * 1e3:.3f} ms ({cnt.calls} solves, {cnt.systems} systems)"
    )
    return [main, cold]


def lever_move_row(reps: int) -> Row:
    """Info: simulate() right after a global-lever move, as the app's first visit to a value
    sees it (the status-quo drift's lru_cache is keyed by all global levers)."""
    import rebalancing as rb
    from rebalancing.inputs import status_quo_drift

    from .apptest import lever_sequence

    seq = lever_sequence()
    samples = []
    for i in range(reps):
        status_quo_drift.cache_clear()
        scn = rb.Scenario().with_values({BENCH_LEVER: seq[i % len(seq)]})
        t0 = time.perf_counter()
        rb.simulate(scn)
        samples.append(time.perf_counter() - t0)
    row = Row(
        "engine_4_move",
        "engine, four regions: simulate() after a global-lever move "
        "(status-quo drift re-solved; info)",
        "ms",
        1e3,
        measured=stats(samples),
        notes={
            "why": "inputs.status_quo_drift is cached per Scenario(global_, "
            "baseline), so any global lever re-solves it",
            "values": [seq[i % len(seq)] for i in range(reps)],
        },
    )
    log(f"engine after a global-lever move: {row.measured['median'] * 1e3:.1f} ms")
    return row


# --- scaling --------------------------------------------------------------------------------


def horizon_scaling(horizons=(10, 25, 50, 76), reps: int = 10) -> Row:
    """simulate() against the horizon, up to the lever's limit (2100: a validated Scenario
    refuses more)."""
    import rebalancing as rb

    base = rb.Scenario()
    xs, meds, per = [], [], {}
    for h in horizons:
        scn = dataclasses.replace(base, global_=dataclasses.replace(base.global_, horizon=2024 + h))
        t0 = time.perf_counter()
        rb.simulate(scn)  # warm-up (status-quo drift for this horizon)
        first = time.perf_counter() - t0
        s = stats(repeat(lambda scn=scn: rb.simulate(scn), reps))
        xs.append(h)
        meds.append(s["median"])
        per[str(h)] = {
            "median_ms": s["median"] * 1e3,
            "min_ms": s["min"] * 1e3,
            "max_ms": s["max"] * 1e3,
            "n": s["n"],
            "first_call_ms": first * 1e3,
        }
    fit = linfit(xs, meds)
    text = (
        f"slope {fit['b'] * 1e3:.3f} ms/year, intercept {fit['a'] * 1e3:.2f} ms, "
        f"R^2 {fit['r2']:.3f} ({'linear' if fit['r2'] > 0.95 else 'not linear'}); "
        + ", ".join(f"{h}y {per[str(h)]['median_ms']:.1f} ms" for h in xs)
    )
    log("horizon scaling: " + text)
    return Row(
        "scaling_horizon",
        "scaling: simulate() vs horizon 10/25/50/76 years",
        "ms",
        1e3,
        text=text,
        notes={
            "points": per,
            "fit_seconds": fit,
            "scenario": "Scenario() with global_.horizon = 2024 + H set "
            "by dataclasses.replace (follow_projection on: "
            "the projection extends to 2100, the lever's limit)",
        },
    )


def _repeat_spec(spec, n: int):
    """PathSpec with every path-axis array tiled n times along axis 0 (names repeated)."""
    P = len(spec.names)
    kw, tiled = {}, []
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if f.name == "names":
            kw[f.name] = tuple(spec.names) * n
        elif f.name != "years" and isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == P:
            kw[f.name] = np.tile(v, (n,) + (1,) * (v.ndim - 1))
            tiled.append(f.name)
    return dataclasses.replace(spec, **kw), tiled


def batch_scaling(ns=(1, 100, 10000), reps: dict | None = None, limit_s: float = 60.0) -> Row:
    import rebalancing as rb
    from rebalancing.engine import run
    from rebalancing.inputs import calibrated
    from rebalancing.paths import PATHS, build_paths

    reps = reps or {}
    scn = rb.Scenario()
    cal, prm = calibrated(scn)
    spec = build_paths(scn, cal, PATHS)
    xs, meds, per, skipped, tiled = [], [], {}, [], []
    for n in ns:
        big, tiled = _repeat_spec(spec, n)
        t0 = time.perf_counter()
        sol = run(cal, prm, big)  # warm-up, and the size check
        first = time.perf_counter() - t0
        if n > 1:
            assert np.allclose(sol.Y[-len(PATHS) :], sol.Y[: len(PATHS)], rtol=1e-12)
        del sol
        if first > limit_s:
            skipped.append({"n": n, "first_run_s": first, "why": f"> {limit_s:.0f} s"})
            break
        k = reps.get(n, 3)
        if first > 5.0:  # expensive: the warm-up run counts as one of the k samples
            s = stats(repeat(lambda big=big: run(cal, prm, big), k - 1) + [first])
        else:
            s = stats(repeat(lambda big=big: run(cal, prm, big), k))
        xs.append(n)
        meds.append(s["median"])
        per[str(n)] = {
            "paths": n * len(PATHS),
            "median_ms": s["median"] * 1e3,
            "min_ms": s["min"] * 1e3,
            "max_ms": s["max"] * 1e3,
            "n": s["n"],
            "per_scenario_ms": s["median"] * 1e3 / n,
        }
        del big
    fit = linfit(xs, meds)
    text = (
        f"slope {fit['b'] * 1e3:.4f} ms/scenario (5 paths each), intercept "
        f"{fit['a'] * 1e3:.2f} ms, R^2 {fit['r2']:.4f} "
        f"({'linear' if fit['r2'] > 0.95 else 'not linear'}); "
        + ", ".join(f"N={n} {per[str(n)]['median_ms']:.1f} ms" for n in xs)
    )
    if skipped:
        text += f"; skipped {skipped}"
    log("batch scaling: " + text)
    return Row(
        "scaling_scenarios",
        "scaling: engine.run() vs batched scenarios 1/100/10000",
        "ms",
        1e3,
        text=text,
        notes={
            "points": per,
            "fit_seconds": fit,
            "skipped": skipped,
            "tiled_fields": tiled,
            "how": "cal, prm = calibrated(Scenario()); spec = build_paths(...); "
            "path-axis arrays np.tile'd N times on axis 0; run(cal, prm, big) "
            "(no status-quo drift); a warm-up run first, which counts as a "
            "sample only when it took > 5 s",
        },
    )
