"""The model-consistent engine's rows (issue 22), with their floor measured in the same run.

    python -m benchmarks.engine3 [--repeats N]

Rows (median of N, min, max; ms):

* path lever move: ``simulate`` of the default model-consistent scenario with a path lever
  (``orderly.cn_consumption_rise``) alternating between two values: five paths, four
  regions, horizon 2040 (the status quo's shifts cached, the factorisation reused).
* status-quo assumption move: ``baseline.us_tariff_on_cn`` alternating (the status quo
  itself re-solved with the cached shifts).
* re-anchoring: ``global.growth_US`` set to a new value each time (the status quo's
  structural shifts solved anew, by continuation from the last setting).
* floor: one factorisation and solve of the same stacked system (the Jacobian of the
  default run's five paths, 3,192 unknowns a path) with scipy's general sparse LU
  (``scipy.sparse.linalg.splu``), and with the block-tridiagonal LU the engine uses
  (``rebalancing.stacked``).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def _times(fn, n: int) -> list[float]:
    out = []
    for k in range(n):
        t = time.perf_counter()
        fn(k)
        out.append(1000 * (time.perf_counter() - t))
    return out


def _row(name: str, ms: list[float], floor: float | None = None) -> str:
    med = statistics.median(ms)
    ratio = f"{med / floor:.1f}x" if floor else ""
    return f"| {name} | {med:.1f} | {min(ms):.1f} | {max(ms):.1f} | {ratio} |"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=21)
    n = ap.parse_args(argv).repeats
    warnings.simplefilter("ignore", RuntimeWarning)
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from rebalancing import Scenario, engine3, simulate, stacked
    from rebalancing.data import data_key
    from rebalancing.inputs import calibrated_for, model_globals, structural_shifts
    from rebalancing.paths import PATHS, build_paths

    mc = Scenario().with_values({"global.expectations": "model-consistent"})
    t = time.perf_counter()
    simulate(mc)
    cold = 1000 * (time.perf_counter() - t)
    move = _times(
        lambda k: simulate(mc.with_values({"orderly.cn_consumption_rise": 4.0 + k % 2})), n
    )
    sq = _times(lambda k: simulate(mc.with_values({"baseline.us_tariff_on_cn": 20.0 + k % 2})), n)
    anchor = _times(lambda k: simulate(mc.with_values({"global.growth_US": 1.5 + 0.01 * k})), n)

    # the floor: the default run's stacked Jacobian, factorised and solved once
    key = data_key()
    cal, prm = calibrated_for(model_globals(mc.global_), mc.baseline, key)
    spec = build_paths(mc, cal, PATHS)
    _, run = engine3.run(cal, prm, spec, anchor=False, shifts=structural_shifts(mc, key))
    B, Te, k_, reg = run.x.shape
    m = k_ * reg
    F = engine3.system(run.inp, run.cf)

    def Fm(x):
        return F(x.reshape(x.shape[0], Te, k_, reg)).reshape(x.shape[0], Te, m)

    L, D, U = stacked.blocks(Fm, run.x.reshape(B, Te, m))
    rhs = np.random.default_rng(0).normal(size=(Te, B, m, 1))
    mats = []
    for b in range(B):
        rows = []
        for t in range(Te):
            row = [None] * Te
            row[t] = sp.csr_matrix(D[t, b])
            if t > 0:
                row[t - 1] = sp.csr_matrix(L[t, b])
            if t < Te - 1:
                row[t + 1] = sp.csr_matrix(U[t, b])
            rows.append(row)
        mats.append(sp.bmat(rows, format="csc"))

    def splu_all(_):
        for b in range(B):
            spla.splu(mats[b]).solve(rhs[:, b, :, 0].reshape(-1))

    floor_splu = _times(splu_all, n)
    floor_block = _times(lambda _: stacked.solve(stacked.factor(L, D, U), rhs), n)
    f = statistics.median(floor_splu)
    print(f"cold first run: {cold:.0f} ms; {B} paths x {Te} years x {m} unknowns a year")
    print("| row | median ms | min | max | vs scipy splu floor |")
    print("|---|---|---|---|---|")
    print(_row("path lever move (model run, 5 paths)", move, f))
    print(_row("status-quo assumption move", sq, f))
    print(_row("re-anchoring (a global parameter)", anchor, f))
    print(_row("floor: scipy splu factor + solve, 5 paths", floor_splu, f))
    print(_row("block-tridiagonal LU factor + solve, 5 paths", floor_block, f))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
