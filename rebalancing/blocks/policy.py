"""3.4 Monetary policy: an inertial Taylor rule whose neutral rate learns from the gap.

    i(t) = rho i(t-1) + (1 - rho) (rn(t) + pi(t) + s phi_pi (pi(t) - pi*) + s phi_y gap(t))
    rn(t) = rn(t-1) + s omega gap(t-1)
    r(t) = i(t) - pi_e(t)                      ex-ante real rate (pi_e: expected inflation)

``s`` is the strength of the response (the lever ``global.monetary_response``). The
neutral-rate term is the integral action that closes a persistent gap: a lasting demand
shift moves the rate that keeps output at potential, as in Laubach-Williams. The rate is
affine in the year's gap, ``i = i0 + i1 gap``, so the goods market stays one linear solve;
where the rule would cross the bounds the rate is held at the bound.
"""

from __future__ import annotations

import numpy as np

from ..constants import (
    NEUTRAL_LEARNING,
    PC_SLOPE,
    RATE_CEILING,
    RATE_FLOOR,
    TAYLOR_PHI_PI,
    TAYLOR_PHI_Y,
    TAYLOR_RHO,
)


def learn_neutral(rn_prev, gap_prev, strength: float, i_prev) -> np.ndarray:
    """rn(t) = rn(t-1) + s omega gap(t-1), except where last year's rate sat at a bound the
    gap pushed against (anti-windup: the estimate does not run away while the rate cannot
    follow it)."""
    stuck = ((i_prev <= RATE_FLOOR + 1e-12) & (gap_prev < 0)) | (
        (i_prev >= RATE_CEILING - 1e-12) & (gap_prev > 0)
    )
    return rn_prev + strength * NEUTRAL_LEARNING * np.where(stuck, 0.0, gap_prev)


def rule(i_prev, rn, pi0, pi_target, strength):
    """(i0, i1) with i = i0 + i1 gap, given pi = pi0 + kappa gap (``strength`` a float, or
    one value per path row: (P, 1), or (P, n) repeated over the regions)."""
    phi_pi, phi_y = strength * TAYLOR_PHI_PI, strength * TAYLOR_PHI_Y
    i0 = TAYLOR_RHO * i_prev + (1 - TAYLOR_RHO) * (rn + (1 + phi_pi) * pi0 - phi_pi * pi_target)
    i1 = (1 - TAYLOR_RHO) * ((1 + phi_pi) * PC_SLOPE + phi_y)
    i1_full = np.empty(np.shape(i0))  # np.full's own two steps, without its wrapper
    i1_full[...] = i1
    return i0, i1_full


def at_floor(i0, i1) -> np.ndarray:
    """Where the rate is held at its lower bound."""
    return (i1 == 0) & (i0 <= RATE_FLOOR + 1e-12)


def bound(i0, i1, gap):
    """Rows whose rate leaves [floor, ceiling] at ``gap``: the rate is held at the bound
    there (i1 = 0). Returns new (i0, i1) and whether anything changed."""
    i = i0 + i1 * gap
    low, high = i < RATE_FLOOR - 1e-12, i > RATE_CEILING + 1e-12
    hit = (low | high) & (i1 != 0)
    if not hit.any():
        return i0, i1, False
    i0 = np.where(hit, np.where(low, RATE_FLOOR, RATE_CEILING), i0)
    i1 = np.where(hit, 0.0, i1)
    return i0, i1, True
