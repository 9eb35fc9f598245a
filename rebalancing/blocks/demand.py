"""3.2 Demand: consumption, investment and government, and the goods market of all regions.

    C_i = a alpha_i (Y_i + NI_i - T_i) + (1 - a) h_i(t-1) Ypot_i + Cs_i - c_r (r_i - r*_i) Ypot_i
          (h: last year's income-driven consumption / potential; a: the share adjusted
          within the year)
    I_i = iota_i Ypot_i + extra_i - i_r (r_i - r*_i) Ypot_i
    G_i = (gamma_i - cut_i) Ypot_i - f_i (Y_i - Ypot_i)  fiscal rule with the path's levers;
                                                         f_i > 0 only while the policy rate
                                                         is at its lower bound
    T_i = theta_i Y_i + sum_j tau_ij M_ij               net taxes incl. tariff revenue
    Y_i = A_i - M_i + X_i  <=>  Y = B A,  B = mu^T + diag(1 - m)

With the real rate affine in the gap, r = r0 + i1 (Y / Ypot - 1), absorption is affine in
output, A = k Y + D, and the world goods market is one exact n x n solve per path:

    (I - B diag(k)) Y = B D,  k = (alpha (1 - theta) - (c_r + i_r) i1 - f) / (1 + alpha rt),
    D = (alpha NI + Cs + Iauto + G0 - (c_r + i_r)(r0 - r*) Ypot + ((c_r + i_r) i1 + f) Ypot)
        / (1 + alpha rt),
    rt_i = sum_j tau_ij mu_ij.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..constants import C_RATE, I_RATE, MAX_BLOC_SHIFT
from ..errors import ModelError
from ..numerics import SOLVE_ROWS, clip, eliminate, sum_last


@lru_cache(maxsize=8)
def _eye(n: int) -> np.ndarray:
    eye = np.eye(n)
    eye.flags.writeable = False
    return eye


def goods_matrix(mu) -> np.ndarray:
    """B = mu^T + diag(1 - m): column-stochastic map from absorption to output.

    For a large batch (P, n, n) B is a view of an (n, n, P) array, the layout
    :func:`solve` works in (:func:`_solve_rows_last`), so the solve does not transpose it
    again; there 1 - m is added to the diagonal alone, not (1 - m) times the identity to
    all n x n entries (the same sums, in half the time)."""
    n = mu.shape[-1]
    if mu.ndim == 3 and len(mu) >= SOLVE_ROWS:
        Bt = np.moveaxis(mu, (2, 1), (0, 1)).copy()  # Bt[i, j, p] = mu[p, j, i]
        dom = 1 - sum_last(mu)
        for i in range(n):
            Bt[i, i] += dom[:, i]
        return np.moveaxis(Bt, 2, 0)
    return np.swapaxes(mu, -1, -2) + (1 - sum_last(mu))[..., None] * _eye(n)


def tariff_rate(tau, mu) -> np.ndarray:
    """rt_i = sum_j tau_ij mu_ij: tariff revenue per unit of absorption."""
    return sum_last(tau * mu)


def solve(B, rt, alpha, theta, Ypot, D_auto, r0, rstar, i1, f1):
    """Output and absorption (P, n) of every region, exactly.

    ``B`` the goods matrix and ``rt`` the tariff rate of the year's shares; ``D_auto`` =
    alpha NI + Cs + Iauto + G0 (USD bn); the real rate ``r = r0 + i1 gap``; government
    spending leans against the gap with ``f1`` (P, n).
    """
    eye = _eye(B.shape[-1])
    scale = 1 + alpha * rt
    cr = C_RATE + I_RATE
    k = (alpha * (1 - theta) - cr * i1 - f1) / scale
    D = (D_auto - cr * (r0 - rstar) * Ypot + (cr * i1 + f1) * Ypot) / scale
    try:
        if B.ndim == 3 and len(B) >= SOLVE_ROWS:  # a large batch (Monte Carlo, sweeps)
            Y = _solve_rows_last(B, k, D)
        else:
            Y = np.linalg.solve(eye - B * k[..., None, :], (B @ D[..., None]))[..., 0]
    except np.linalg.LinAlgError:
        raise ModelError(
            "the year's linear system is singular (trade shares out of their admissible range)"
        ) from None
    return Y, k * Y + D


def _solve_rows_last(B, k, D):
    """``(I - B diag(k)) Y = B D`` for a large batch (P, n): the system formed and solved
    with the rows last, (n, n, P), where every operation loops over the P rows
    (:func:`~rebalancing.numerics.solve_small`)."""
    n = B.shape[-1]
    Bt = np.ascontiguousarray(np.moveaxis(B, 0, -1))  # (n, n, P); goods_matrix's B is so
    kt, Dt = k.T, D.T  # (n, P)
    rhs = Bt[:, 0] * Dt[0]
    for j in range(1, n):
        rhs += Bt[:, j] * Dt[j]
    M = Bt * -kt  # M_ij = -B_ij k_j
    for i in range(n):
        M[i, i] += 1.0
    return np.ascontiguousarray(eliminate(M, rhs).T)


def internal_rebalancing(shift_prev, ca_ratio_prev, speed, band, rules_on):
    """The bloc's rule: members with a CA/GDP beyond the band shift domestic demand by
    ``speed`` times the excess a year (up in surplus, down in deficit), bounded.
    ``rules_on``: a bool, or a (P,) mask of the path rows where the rule acts this year."""
    if rules_on is False or rules_on is np.False_:
        return shift_prev
    excess = ca_ratio_prev - clip(ca_ratio_prev, -band, band)
    new = clip(shift_prev + speed * excess, -MAX_BLOC_SHIFT, MAX_BLOC_SHIFT)
    if rules_on is True or rules_on is np.True_:
        return new
    return np.where(np.reshape(rules_on, (-1, 1)), new, shift_prev)


def rate_terms(r, rstar, Ypot):
    """Interest-rate effects on consumption and investment, USD bn: (-c_r, -i_r) (r - r*) Ypot."""
    x = (r - rstar) * Ypot
    return -C_RATE * x, -I_RATE * x
