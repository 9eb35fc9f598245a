"""Trade shares (docs/model.md 3.2, imports): trend, tariffs with diversion, Armington shares.

    M_ij = mu_ij A_i,  mu_ij = v_ij / (dom0_i + sum_k v_ik)
    v_ij = mu0_ij(t; tariffs, diversion) (p_j / p_i)^(-eta) exp(drift_i)

Tariffs scale a share by ((1 + tau_ij) / (1 + tau0_ij))^(-eps); of what they shut out the
importer buys a share ``rerouting`` from its other suppliers and the exporter sells a share
``diversion`` in its other markets.
"""

from __future__ import annotations

import numpy as np


def size_index(growth: np.ndarray) -> np.ndarray:
    """Cumulated trend growth, (T, n), 1 in the base year."""
    return np.cumprod(1 + growth, axis=0)


def trend_trade(trade0: np.ndarray, Y0: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Trend bilateral flows, (T, n, n): gravity with no policy change.

    ``M_ij(t) = M_ij(0) S_i(t) S_j(t) / W(t)``, S the potential-output index of each region
    and W the world's. Each region's exports and imports grow with its own size times its
    partners' relative to the world, so fast-growing partners raise both sides of its trade
    together (fixed import shares would instead drift a region into ever larger surpluses).
    """
    world = size @ Y0 / Y0.sum()
    return trade0[None] * size[:, :, None] * size[:, None, :] / world[:, None, None]


def trade_shares(
    trade0, A0, Y0, size, tau, tau0, eps, diversion, rerouting, share_factor
) -> np.ndarray:
    """Import shares before exchange rates, mu0[p, t, i, j] (trend, tariffs, diversion)."""
    n = len(Y0)
    flows = trend_trade(trade0, Y0, size)  # (T, n, n)
    Apot = A0[None, :] * size  # (T, n)
    mu_t = flows / Apot[:, :, None]
    F = ((1 + tau) / (1 + tau0)) ** (-eps)
    L = mu_t * (1 - F)  # (P, T, n, n)
    eye = np.eye(n, dtype=bool)
    # Importer side: share of supplier k among i's suppliers other than j.
    W = mu_t[:, :, None, :] * (~eye)[None, None, :, :]
    tot = W.sum(-1, keepdims=True)
    W = np.divide(W, tot, out=np.zeros_like(W), where=tot > 0)
    R = rerouting * np.einsum("ptij,tijk->ptik", L, W)
    # Exporter side: share of market k in j's exports to markets other than i and j.
    w = np.zeros((n, n, n))
    for i in range(n):
        for j in range(n):
            mask = np.ones(n, dtype=bool)
            mask[[i, j]] = False
            tot = trade0[mask, j].sum()
            if i != j and tot > 0:
                w[i, j, mask] = trade0[mask, j] / tot
    V = diversion * np.einsum("ptij,ti,ijk->ptkj", L, Apot, w) / Apot[None, :, :, None]
    return (mu_t * F + R + V) * share_factor


def armington(v: np.ndarray, dom0: np.ndarray) -> np.ndarray:
    """Import shares from demand weights: ``mu_ij = v_ij / (dom0_i + sum_k v_ik)``.

    The domestic good keeps its base-year weight ``dom0_i = 1 - sum_k mubar_ik``; in the base
    year the weights are the shares, so 2024 is unchanged. Shares stay in (0, 1) and the
    domestic share positive however far tariffs and exchange rates push the weights.
    """
    return v / (dom0[..., :, None] + v.sum(-1, keepdims=True))


def relative_price_weights(mu0: np.ndarray, logp_eff: np.ndarray, eta: float) -> np.ndarray:
    """v_ij = mu0_ij (p_j / p_i)^(-eta): expenditure switching by real exchange rates."""
    return mu0 * np.exp(-eta * (logp_eff[:, None, :] - logp_eff[:, :, None]))
