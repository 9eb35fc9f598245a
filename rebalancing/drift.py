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

from dataclasses import fields, replace

import numpy as np

from .calibration import BASE_YEAR, Calibration
from .constants import CA_ANCHORS
from .engine import Params, run
from .paths import PathSpec

#: Finite-difference step of a knot (fraction of potential output), the tolerance on the CA
#: ratios (behaviour, not identities, which hold exactly regardless) and the Newton budget.
FD_STEP = 1e-3
TOL = 1e-10
MAX_STEPS = 12
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
    years = spec.years
    T, n = len(years), cal.n
    drift = np.zeros((T, n, 2))
    if n < 4:
        return drift, 0.0
    ks = [(i, y, v) for i, y, v in knots(cal) if y <= years[-1]]
    k = len(ks)
    t_of = {y: int(np.searchsorted(years, y)) for _, y, _ in ks}
    want = np.array([v for _, _, v in ks])
    batch = _batched(spec, k + 1)
    z = np.zeros(k)
    best = (np.inf, z)
    for _ in range(MAX_STEPS):
        Z = np.vstack([z, z + FD_STEP * np.eye(k)])  # (k + 1, k)
        shares = shift_paths(cal, years, Z)  # (k + 1, T, n)
        sol = run(cal, prm, batch, drift=None, qbar_extra=shares)
        CA = sol.trade.sum(-2) - sol.trade.sum(-1) + sol.NI
        ratio = CA / sol.Y  # (k + 1, T, n)
        got = np.array([[ratio[b, t_of[y], i] for i, y, _ in ks] for b in range(k + 1)])
        resid = got[0] - want
        miss = float(np.abs(resid).max())
        if miss < best[0]:
            best = (miss, z)
        if miss < TOL:
            break
        J = (got[1:] - got[0]).T / FD_STEP
        try:
            step = np.linalg.solve(J, resid)
        except np.linalg.LinAlgError:
            break
        z = z - np.clip(step, -MAX_STEP, MAX_STEP)
    miss, z = best
    drift[..., 1] = shift_paths(cal, years, z[None])[0]
    return drift, (0.0 if miss < TOL else miss)


def _batched(spec: PathSpec, B: int) -> PathSpec:
    """The baseline spec repeated B times along the path axis."""
    kw = {}
    for f in fields(spec):
        v = getattr(spec, f.name)
        if f.name == "names":
            kw[f.name] = ("baseline",) * B
        elif isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == 1 and f.name != "years":
            kw[f.name] = np.repeat(v, B, axis=0)
    return replace(spec, **kw)
