"""3.8 The status quo: steered onto published current-account projections.

The IMF expects the US deficit to narrow to about 2.5% of GDP "as private savings increase"
(External Sector Report 2025) and China's surplus to narrow from 3.3% in 2025
(:data:`~rebalancing.constants.CA_ANCHORS`). The status quo gets there the same way: US and
Chinese consumption take a smooth shift (a change in private saving), piecewise linear in
time with knots at the anchor years, held as a share of potential output after 2030; the
knot values are found so that the current accounts hit the anchors exactly (Newton steps on
whole runs, with finite-difference Jacobians; the runs of one step are solved together as
extra paths). Monetary policy and the exchange rate then respond as they would to any saving
shift, and after 2030 the model's own dynamics carry the status quo.

Year-by-year targeting was tried first: with a consumption instrument it needed shifts of 5%
of GDP a year (a saving shift moves the current account within a year only through the
import leakage); with a home-bias instrument it fought the exchange rate, raising US rates
to 9% by 2040. In two-country mode the status quo is not steered: the two current accounts
are each other's mirror and no published anchor is bilateral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .calibration import BASE_YEAR, Calibration
from .constants import CA_ANCHORS
from .engine import Params, Solution, run
from .paths import PathSpec, spec_rows, spec_years

#: Finite-difference step of a knot (fraction of potential output), the tolerance on the CA
#: ratios (behaviour, not identities, which hold exactly regardless) and the Newton budget.
FD_STEP = 1e-3
TOL = 1e-10
MAX_STEPS = 12
#: A miss below which the next Newton point is tried as the finished run (:func:`steer`).
SPECULATE = 1e-6
#: Largest Newton step of a knot (log points): keeps the search inside the exchange-rate
#: bounds' smooth region.
MAX_STEP = 0.3


def knots(cal: Calibration) -> list[tuple[int, int, float]]:
    """(region index, anchor year, CA/GDP target as a fraction) for every anchor."""
    return [
        (cal.index(r), y, v / 100)
        for r, anchors in CA_ANCHORS.items()
        for y, v in sorted(anchors.items())
    ]


def shift_paths(cal: Calibration, years: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Consumption shifts as shares of potential, (B, T, n), for knot values z (B, k):
    0 in 2024, linear between a region's knots, held after its last."""
    B = z.shape[0]
    out = np.zeros((B, len(years), cal.n))
    ks = knots(cal)
    for i in {i for i, _, _ in ks}:
        cols = [m for m, (j, _, _) in enumerate(ks) if j == i]
        xs = [BASE_YEAR] + [ks[m][1] for m in cols]
        for b in range(B):
            out[b, :, i] = np.interp(years, xs, [0.0] + [z[b, m] for m in cols])
    return out


def status_quo_drift(cal: Calibration, prm: Params, spec: PathSpec) -> tuple[np.ndarray, float]:
    """The drift (T, n, 2) that puts the status quo on the anchors, and how far it misses
    (largest |CA/GDP - anchor|, fraction; 0 when it hits them). ``spec`` holds the baseline
    path alone. [..., 1]: log shift of the equilibrium real exchange rate.

    Where no shift within the exchange-rate bounds reaches an anchor (a very low trade
    elasticity), the closest point found is used and the miss is reported, not raised.
    """
    drift, miss = status_quo_drifts(cal, prm, spec)
    return drift[0], float(miss[0])


def status_quo_drifts(
    cal: Calibration, prm: Params, spec: PathSpec, z0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`status_quo_drift` for R scenarios at once: ``spec`` holds R baseline rows and
    ``prm`` their parameters (shared, or one set per row). Returns drifts (R, T, n, 2) and
    misses (R,). Each row takes its own Newton steps (the trial runs of all rows still
    searching are solved together); a row stops when it hits its anchors, as
    :func:`status_quo_drift` does for one. ``z0`` (k,) or (R, k): the knots to start from
    (default 0)."""
    s = steer(cal, prm, spec, z0)
    return s.drift, s.miss


@dataclass
class Steering:
    """A search's outcome: drifts (R, T, n, 2), misses (R,) (0 where the anchors are hit),
    the knot values (R, k), and the run of the paths given to :func:`steer` as ``finish``
    with that drift (None without ``finish``, or where that run did not hit the anchors)."""

    drift: np.ndarray
    miss: np.ndarray
    z: np.ndarray
    finished: Solution | None = None


def steer(
    cal: Calibration,
    prm: Params,
    spec: PathSpec,
    z0: np.ndarray | None = None,
    finish: PathSpec | None = None,
) -> Steering:
    """The Newton search of :func:`status_quo_drifts`.

    ``finish`` (one scenario only): the whole run the drift is for (its paths, status quo
    included). Once a row's miss is below :data:`SPECULATE`, the next Newton point almost
    surely hits the anchors (the miss falls quadratically: 1e-6 -> ~1e-12), so that point is
    tried with ``finish``'s run instead of a trial run; if its status quo hits the anchors
    the search ends there and the run is returned, saving the confirming run. The status
    quo row of that run is the same arithmetic as the trial row (the drift added to a zero
    drift), so the outcome is the one the search would reach without ``finish``.
    """
    years = spec.years
    R, T, n = len(spec.names), len(years), cal.n
    drift = np.zeros((R, T, n, 2))
    ks = [(i, y, v) for i, y, v in knots(cal) if y <= years[-1]]
    k = len(ks)
    if n < 4 or k == 0:  # two countries: not steered; no anchor inside the horizon
        return Steering(drift, np.zeros(R), np.zeros((R, k)))
    if finish is not None and R != 1:
        raise ValueError("finish: one scenario at a time")
    t_idx = np.array([int(np.searchsorted(years, y)) for _, y, _ in ks])
    r_idx = np.array([i for i, _, _ in ks])
    want = np.array([v for _, _, v in ks])

    def at_anchors(sol: Solution) -> np.ndarray:
        """CA/GDP in the anchors' regions and years, (rows, k)."""
        CA = sol.trade.sum(-2) - sol.trade.sum(-1) + sol.NI
        return (CA / sol.Y)[:, t_idx, r_idx]

    # Trial runs stop at the last anchor year: the years after it cannot change it (the
    # model is recursive), and the search reads nothing else (a third of the years, 2040).
    T_a = int(t_idx.max()) + 1
    head, prm_head = spec_years(spec, T_a), prm.first_years(T_a)
    z = np.zeros((R, k)) if z0 is None else np.broadcast_to(z0, (R, k)).copy()
    best_miss, best_z = np.full(R, np.inf), np.zeros((R, k))
    active = np.ones(R, dtype=bool)
    trial = np.vstack([np.zeros(k), FD_STEP * np.eye(k)])  # (k + 1, k): the point, then steps
    for _ in range(MAX_STEPS):
        if finish is not None and best_miss[0] < SPECULATE:
            d = np.zeros((T, n, 2))
            d[..., 1] = shift_paths(cal, years, z)[0]
            sol = run(cal, prm, finish, drift=d)
            got = at_anchors(sol)[finish.names.index("baseline")]
            miss = float(np.abs(got - want).max())
            if miss < TOL:
                return Steering(d[None], np.zeros(1), z, sol)
        a = np.flatnonzero(active)
        rows = np.repeat(a, k + 1)
        Z = (z[a][:, None, :] + trial).reshape(-1, k)  # (len(a) (k + 1), k)
        shares = shift_paths(cal, years[:T_a], Z)
        sol = run(cal, prm_head.take(rows), _batched(head, rows), drift=None, qbar_extra=shares)
        got = at_anchors(sol).reshape(len(a), k + 1, k)
        resid = got[:, 0] - want
        miss = np.abs(resid).max(-1)
        better = miss < best_miss[a]
        best_miss[a[better]], best_z[a[better]] = miss[better], z[a[better]]
        searching = miss >= TOL
        active[a[~searching]] = False
        a, resid, got = a[searching], resid[searching], got[searching]
        if not len(a):
            break
        J = np.swapaxes(got[:, 1:] - got[:, :1], -1, -2) / FD_STEP  # (rows, anchors, knots)
        step, ok = _solve_rows(J, resid)
        active[a[~ok]] = False
        z[a[ok]] = z[a[ok]] - np.clip(step[ok], -MAX_STEP, MAX_STEP)
        if not active.any():
            break
    drift[..., 1] = shift_paths(cal, years, best_z)
    return Steering(drift, np.where(best_miss < TOL, 0.0, best_miss), best_z)


def _solve_rows(J: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps J x = b for each row, and which rows have one (a singular Jacobian
    stops that row's search, as it stops the one-row search)."""
    try:
        return np.linalg.solve(J, b[..., None])[..., 0], np.ones(len(b), dtype=bool)
    except np.linalg.LinAlgError:
        x, ok = np.zeros(b.shape), np.ones(len(b), dtype=bool)
        for m in range(len(b)):
            try:
                x[m] = np.linalg.solve(J[m], b[m])
            except np.linalg.LinAlgError:
                ok[m] = False
        return x, ok


def _batched(spec: PathSpec, rows: np.ndarray) -> PathSpec:
    """The baseline rows ``rows`` of ``spec``, named "baseline"."""
    return replace(spec_rows(spec, rows), names=("baseline",) * len(rows))
