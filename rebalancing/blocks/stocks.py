"""3.6 External stocks (BPM6): gross positions by currency, valuation, net income.

    A_ik, L_ik: assets and liabilities of region i denominated in currency k (USD bn)
    VAL_i(t) = sum_k (A_ik - L_ik)(t-1) (e_k(t) / e_k(t-1) - 1)
    NFA_i(t) = NFA_i(t-1) + CA_i(t) + VAL_i(t)
    NI_i(t) = q_i Ypot_i(t) + r_nfa NFA_i(t-1)      (the last region: minus the others' sum)

e_k is currency k's value in dollars. Every asset in a currency is someone's liability in
it, ``sum_i (A_ik - L_ik) = 0`` for every k, so ``sum_i VAL_i = 0`` exactly. The current
account is financed in dollars: a surplus buys dollar assets, a deficit issues dollar
liabilities, which keeps every currency's world net position at zero.
"""

from __future__ import annotations

import numpy as np

from ..numerics import sum_last, sum_last_diff, tile_last


def revalue(A, L, e_ratio):
    """Positions (P, n, K) after a currency move ``e_ratio`` (P, K) = e(t) / e(t-1), and the
    valuation change VAL (P, n)."""
    e = tile_last(e_ratio, A.shape[-2])  # e[p, i, k] = e_ratio[p, k], tiled once for both
    A2, L2 = A * e, L * e
    return A2, L2, sum_last_diff(A2, A) - sum_last_diff(L2, L)


def finance(A, L, CA):
    """Book the current account in dollars (currency 0): surpluses buy dollar assets,
    deficits issue dollar liabilities."""
    return finance_into(A.copy(), L.copy(), CA)


def finance_into(A, L, CA):
    """:func:`finance` booked into ``A`` and ``L`` themselves (positions the caller has just
    made, such as :func:`revalue`'s); returns them."""
    A[..., 0] += np.maximum(CA, 0.0)
    L[..., 0] += np.maximum(-CA, 0.0)
    return A, L


def net_income(q, Ypot, r_nfa: float, nfa_prev) -> np.ndarray:
    """NI_i = q_i Ypot_i + r_nfa NFA_i(t-1); the last region holds minus the others' sum, so
    every income paid is received."""
    NI = q * Ypot + r_nfa * nfa_prev
    NI[..., -1] = -sum_last(NI[..., :-1])
    return NI
