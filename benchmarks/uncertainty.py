"""Uncertainty rows: the 10,000-draw Monte Carlo, a 1,000-point sweep and a goal-seek, each
against its floor measured in the same run.

Floors (the least work that could produce the same output):

* Monte Carlo: ONE batched ``numpy.linalg.solve`` over as many n x n systems as the fans
  contain (draws x paths x years), the exact ``I - B diag(k)`` matrices of the default
  scenario's paths and years (:func:`benchmarks.engine.engine_systems`) cycled to that
  count.
* Sweep: the same solve for settings x paths x years systems, plus writing a table of the
  same shape (columns, types, rows) with the same Parquet writer, chunk by chunk.
* Goal-seek: the same solve for the model runs it made (runs x paths x years systems).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import Row, log, repeat, stats
from .engine import engine_systems


def _floor_systems(count: int, reps: int) -> tuple[dict, dict]:
    """Time one batched solve of ``count`` of the default scenario's exact systems."""
    import rebalancing as rb
    from rebalancing.inputs import calibrated

    res = rb.simulate(rb.Scenario())
    _, prm = calibrated(rb.Scenario())
    M, rhs, Y = engine_systems(res, prm)
    idx = np.arange(count) % M.shape[0]
    Mb, rb_ = np.ascontiguousarray(M[idx]), np.ascontiguousarray(rhs[idx])
    np.linalg.solve(Mb, rb_)
    samples = repeat(lambda: np.linalg.solve(Mb, rb_), reps)
    err = float(np.max(np.abs(np.linalg.solve(M, rhs)[..., 0] - Y) / np.abs(Y)))
    return stats(samples), {
        "floor_systems": count,
        "floor_batch_shape": list(Mb.shape),
        "floor_max_rel_error_vs_engine_Y": err,
    }


def monte_carlo_row(draws: int, reps: int, floor_reps: int) -> Row:
    import os

    import rebalancing as rb
    from rebalancing.uncertainty import fan

    scn = rb.Scenario()
    fan(scn, 200, 1)  # warm-up: calibration, status-quo steering, imports
    # The first fan of more than one chunk starts the worker processes (once a process):
    # timed apart, as information.
    t0 = time.perf_counter()
    fan(scn, draws, 0)
    first = time.perf_counter() - t0
    runs = []
    samples = []
    for k in range(reps):
        t0 = time.perf_counter()
        f = fan(scn, draws, 1 + k)
        samples.append(time.perf_counter() - t0)
        runs.append(f)
    T, P = len(f.years), len(f.paths)
    floor, fnotes = _floor_systems(draws * P * T, floor_reps)
    one = []
    for k in range(max(1, reps // 2)):
        t0 = time.perf_counter()
        fan(scn, draws, 1 + k, workers=1)
        one.append(time.perf_counter() - t0)
    c = runs[0].crisis
    row = Row(
        "mc_10000",
        f"Monte Carlo: {draws:,} draws x {P} paths, fans + crisis probability "
        f"(rebalancing.uncertainty.fan; issue target about 1 s)",
        "s",
        1.0,
        measured=stats(samples),
        floor=floor,
        notes={
            **fnotes,
            "workers": min(2, os.cpu_count() or 1),
            "first_call_s": first,
            "one_worker_s": one,
            "largest_identity_residual": max(r.max_residual for r in runs),
            "crisis_probability_deficit_2030_2040": [c.by(2030), c.by(2040)],
            "series": len(f.series),
        },
    )
    log(
        f"mc: {row.measured['median']:.2f} s ({np.median(one):.2f} s one worker, first call "
        f"{first:.2f} s) vs floor "
        f"{row.floor['median'] * 1e3:.0f} ms"
    )
    return row


def sweep_row(points: int, reps: int, floor_reps: int) -> Row:
    import pyarrow as pa
    import pyarrow.parquet as pq

    import rebalancing as rb
    from rebalancing.sweep import CHUNK, sample_design, write_sweep

    scn = rb.Scenario()
    design = sample_design(None, points, "sobol", 0)
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        write_sweep(scn, {k: v[:20] for k, v in design.items()}, tmp / "warm.parquet")
        samples, results = [], []
        for k in range(reps):
            t0 = time.perf_counter()
            results.append(write_sweep(scn, design, tmp / f"s{k}.parquet"))
            samples.append(time.perf_counter() - t0)
        r = results[0]
        table = pq.read_table(tmp / "s0.parquet")
        P, T = 5, scn.global_.horizon - 2023
        solve, fnotes = _floor_systems(points * P * T, floor_reps)
        # The least work to write the same table: the same rows, chunk by chunk.
        rng = np.random.default_rng(0)
        per_chunk = len(table) // max(1, -(-points // CHUNK))
        chunk = table.slice(0, per_chunk)
        chunk = chunk.set_column(
            chunk.schema.get_field_index("value"), "value", pa.array(rng.random(len(chunk)))
        )

        def write_floor():
            with pq.ParquetWriter(tmp / "floor.parquet", chunk.schema) as w:
                for _ in range(-(-points // CHUNK)):
                    w.write_table(chunk)

        write = repeat(write_floor, max(2, floor_reps // 100))
        floor = stats([s + w for s, w in zip(solve["samples"], write)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    row = Row(
        "sweep_1000",
        f"sweep: {points:,} Sobol' settings of every numeric lever, every variable, to "
        "Parquet (rebalancing.sweep.write_sweep)",
        "s",
        1.0,
        measured=stats(samples),
        floor=floor,
        notes={
            **fnotes,
            "rows_written": r.rows,
            "failed_settings": len(r.failed),
            "largest_identity_residual": r.max_residual,
            "floor_write_s": write,
            "floor_solve_s": solve["samples"],
            "status_quo": "re-anchored for each setting (global levers vary)",
        },
    )
    log(f"sweep: {row.measured['median']:.2f} s vs floor {row.floor['median']:.2f} s")
    return row


def goal_row(reps: int, floor_reps: int) -> Row:
    import rebalancing as rb
    from rebalancing.goalseek import goal_seek

    scn = rb.Scenario()
    target, instrument = "CN.current_account_pct_gdp=1.0@2035", "orderly.cn_consumption_rise"
    r = goal_seek(scn, target, instrument)  # warm-up
    samples = repeat(lambda: goal_seek(scn, target, instrument), reps)
    P, T = 2, scn.global_.horizon - 2023  # the target's path and the status quo
    floor, fnotes = _floor_systems(r.evaluations * P * T, floor_reps)
    row = Row(
        "goal_seek",
        f"goal-seek: {target} with {instrument} ({r.method}, {r.evaluations} model runs)",
        "ms",
        1e3,
        measured=stats(samples),
        floor=floor,
        notes={**fnotes, "answer": r.setting, "hit": r.hit, "gap": r.gap},
    )
    log(f"goal: {row.measured['median'] * 1e3:.0f} ms vs floor {row.floor['median'] * 1e3:.2f} ms")
    return row
