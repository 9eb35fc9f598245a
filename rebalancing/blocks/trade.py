"""Trade shares (docs/model.md 3.2, imports): trend, tariffs with diversion, Armington shares.

    M_ij = mu_ij A_i,  mu_ij = v_ij / (dom0_i + sum_k v_ik)
    v_ij = mu0_ij(t; tariffs, diversion) (p_j / p_i)^(-eta) exp(drift_i)

Tariffs scale a share by ((1 + tau_ij) / (1 + tau0_ij))^(-eps); of what they shut out the
importer buys a share ``rerouting`` from its other suppliers and the exporter sells a share
``diversion`` in its other markets.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..numerics import sum_last, tile_last


def size_index(growth: np.ndarray) -> np.ndarray:
    """Cumulated trend growth, (T, n) (or (P, T, n) for growth by path row), 1 in the base
    year."""
    return np.cumprod(1 + growth, axis=-2)


def trend_trade(trade0: np.ndarray, Y0: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Trend bilateral flows, (T, n, n): gravity with no policy change.

    ``M_ij(t) = M_ij(0) S_i(t) S_j(t) / W(t)``, S the potential-output index of each region
    and W the world's. Each region's exports and imports grow with its own size times its
    partners' relative to the world, so fast-growing partners raise both sides of its trade
    together (fixed import shares would instead drift a region into ever larger surpluses).
    ``size`` (P, T, n) gives (P, T, n, n).
    """
    world = size @ Y0 / Y0.sum()
    return trade0 * size[..., :, None] * size[..., None, :] / world[..., None, None]


def trade_shares(
    trade0, A0, Y0, size, tau, tau0, eps, diversion, rerouting, share_factor
) -> np.ndarray:
    """Import shares before exchange rates, mu0[p, t, i, j] (trend, tariffs, diversion):

        mu0_ij = (mu_t_ij F_ij + R_ij + V_ij) share_factor_ij
        F_ij = ((1 + tau_ij) / (1 + tau0_ij))^(-eps)      the share a tariff leaves
        L_ij = mu_t_ij (1 - F_ij)                          the share it shuts out
        R_ik = rerouting sum_{j != k} L_ij mu_t_ik / sum_{k' != j} mu_t_ik'
               (the importer buys from its other suppliers in proportion to their shares)
        V_kj = diversion sum_{i != j, k} L_ij Apot_i trade0_kj / sum_{k' != i, j} trade0_k'j
               / Apot_k   (the exporter sells in its other markets in proportion to its
               base-year exports there)

    mu_t is the trend share (:func:`trend_trade` over trend absorption Apot). ``eps``,
    ``diversion`` and ``rerouting`` are floats or (P,) arrays, ``size`` (T, n) or
    (P, T, n): one value per path row when many scenarios run as one batch.

    The algebra runs on arrays with the regions first, (n, n, P, T), so that every
    operation loops over the rows and years, not over four regions at a time: NumPy runs
    an operation on (P, T, 4, 4) arrays that broadcasts a region vector as inner loops of
    four elements, several times slower on a batch of thousands of rows. A sum over the
    "other" partners is the whole row's (or column's) sum less the one left out (it differs
    from the term-by-term sum by rounding; where there are no others it is exactly 0).
    """
    n = len(Y0)
    tau = np.moveaxis(tau, (-2, -1), (0, 1))  # (n, n, P, T), a view (F is its copy below)
    lead = tau.ndim - 2
    S = _regions_first(np.asarray(size, float), 1)  # (n, T) or (n, P, T)
    S = S.reshape((n,) + (1,) * (lead + 1 - S.ndim) + S.shape[1:])  # (n, 1, T) for (n, T)

    def const(a):  # an (n, n) or (n,) constant against (n, n, P, T) or (n, P, T)
        return np.reshape(a, np.shape(a) + (1,) * lead)

    eps, diversion, rerouting = (
        x if np.ndim(x) == 0 else np.reshape(x, (-1,) + (1,) * (lead - 1))
        for x in (eps, diversion, rerouting)
    )
    # Trend flows (:func:`trend_trade`) and shares mu_t = flows / Apot_i. Below, each
    # (n, n, P, T) product is formed once and the rest of its expression applied in place
    # (out=): the same operations in the same order (a * b == b * a exactly), without a
    # temporary of the batch's size per operation.
    world = np.tensordot(Y0, S, axes=1) / Y0.sum()
    Apot = const(A0) * S  # (n, P, T)
    mu_t = const(trade0) * S[:, None]
    mu_t *= S[None, :]
    mu_t /= world
    mu_t /= Apot[:, None]
    F = np.add(1, tau, out=np.empty(tau.shape))  # with the regions first, as the rest
    F /= 1 + const(tau0)
    # The power only where a tariff differs from its base-year level: elsewhere F = 1 and
    # 1^x = 1 exactly (most pairs and years of a batch; the power is the costliest step).
    np.power(F, -eps, out=F, where=F != 1.0)
    L = 1 - F
    L *= mu_t
    # Importer side: Q_ij = L_ij / (i's trend imports from suppliers other than j), 0 where
    # there are none.
    others = mu_t.sum(1)[:, None] - mu_t
    some = others > 0
    Q = L / others if some.all() else np.divide(L, others, out=np.zeros(L.shape), where=some)
    R = np.subtract(Q.sum(1)[:, None], Q, out=Q)
    R *= mu_t
    R *= rerouting
    # Exporter side: G_ij = L_ij Apot_i / (j's base-year exports to markets other than i, j);
    # V_kj = diversion sum_{i != k} G_ij trade0_kj / Apot_k (j != k).
    G = L
    G *= Apot[:, None]
    G *= const(_exports_elsewhere_inverse(trade0))
    into = const(trade0 * (1 - np.eye(n)))  # trade0_kj, 0 on the diagonal
    V = np.subtract(G.sum(0)[None], G, out=G)
    V *= into
    V /= Apot[:, None]
    V *= diversion
    mu0 = F  # mu_t F + R + V, times the share factor
    mu0 *= mu_t
    mu0 += R
    mu0 += V
    # The share factor once the regions are last again, as it is given (no copy of it with
    # the regions first): the same products.
    mu0 = np.ascontiguousarray(np.moveaxis(mu0, (0, 1), (-2, -1)))
    mu0 *= share_factor
    return mu0


def _regions_first(x: np.ndarray, k: int) -> np.ndarray:
    """``x`` with its last k axes (the regions) first, as a contiguous copy."""
    return np.ascontiguousarray(np.moveaxis(x, tuple(range(-k, 0)), tuple(range(k))))


def _exports_elsewhere_inverse(trade0: np.ndarray) -> np.ndarray:
    """(n, n): 1 / (j's base-year exports to markets other than i and j), 0 where i = j or
    there are none (read-only; cached by the flows' values: the loops would otherwise be
    paid by every run's trade shares, and every year's on large batches)."""
    trade0 = np.ascontiguousarray(trade0, dtype=float)
    return _exports_elsewhere_inverse_of(trade0.tobytes(), len(trade0))


@lru_cache(maxsize=8)
def _exports_elsewhere_inverse_of(flows: bytes, n: int) -> np.ndarray:
    trade0 = np.frombuffer(flows).reshape(n, n)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            mask = np.ones(n, dtype=bool)
            mask[[i, j]] = False
            tot = trade0[mask, j].sum()
            if i != j and tot > 0:
                out[i, j] = 1.0 / tot
    out.flags.writeable = False
    return out


def armington(v: np.ndarray, dom0: np.ndarray) -> np.ndarray:
    """Import shares from demand weights: ``mu_ij = v_ij / (dom0_i + sum_k v_ik)``.

    The domestic good keeps its base-year weight ``dom0_i = 1 - sum_k mubar_ik``; in the base
    year the weights are the shares, so 2024 is unchanged. Shares stay in (0, 1) and the
    domestic share positive however far tariffs and exchange rates push the weights.
    """
    return v / (dom0[..., :, None] + sum_last(v)[..., None])


def relative_price_weights(mu0: np.ndarray, logp_eff: np.ndarray, eta) -> np.ndarray:
    """v_ij = mu0_ij (p_j / p_i)^(-eta): expenditure switching by real exchange rates
    (``eta`` a float, (P, 1) or (P, n)), as mu0_ij e_j / e_i with e = p^(-eta)."""
    e = np.exp(-eta * logp_eff)
    v = mu0 * tile_last(e, e.shape[-1])  # mu0_ij e_j
    v *= (1.0 / e)[:, :, None]  # in place: one (P, n, n) temporary fewer
    return v
