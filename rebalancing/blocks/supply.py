"""3.1 Supply: potential output from published real growth, crisis losses, tariff costs.

    Ypot_i(t) = Ytrend_i(t) (1 - loss_i(t)) (1 - cost_i(t))
    Ytrend_i(t) = Ytrend_i(t-1) (1 + g_i(t))
    loss_i(t) = L0 (s + (1 - s) (1 - rec)^(t - t_c))            for t >= t_c (crisis year)
    cost_i(t) = cost_i(t-1) + speed (beta (etr_i(t) - etr_i(2024)) - cost_i(t-1))
    etr_i = sum_j wM_ij tau_ij + sum_j wX_ij tau_ji          (base import / export weights)

A tariff raises the cost of a flow for both its sides: the importer's average tariff and
the average tariff its exporters face both count (the gains from trade that a tariff takes
away are shared, as in the gravity / CGE models the published simulations use).

Growth is real: WEO October 2025 for 2025-26, then linear to the long-run rate by 2030.
"""

from __future__ import annotations

import numpy as np

from ..constants import ANCHOR_END_YEAR, GROWTH_ANCHORS, TARIFF_COST_SPEED
from ..numerics import sum_last


def growth_path(years: np.ndarray, regions, long_run: np.ndarray) -> np.ndarray:
    """Real growth of potential output, (T, n) fractions; 0 in the base year.

    Published anchors (:data:`~rebalancing.constants.GROWTH_ANCHORS`) where they exist, then
    a straight line from the last anchor to the long-run rate in ``ANCHOR_END_YEAR``.
    ``long_run`` (n,) gives (T, n); (R, n), one row per scenario of a batch, gives (R, T, n).
    """
    lead = np.shape(long_run)[:-1]
    g = np.zeros(lead + (len(years), len(regions)))
    for i, r in enumerate(regions):
        anchors = GROWTH_ANCHORS[r]
        last_year = max(anchors)
        for t, y in enumerate(years):
            if t == 0:
                continue
            if y in anchors:
                g[..., t, i] = anchors[y] / 100
            elif y >= ANCHOR_END_YEAR:
                g[..., t, i] = long_run[..., i]
            else:
                w = (y - last_year) / (ANCHOR_END_YEAR - last_year)
                g[..., t, i] = (1 - w) * anchors[last_year] / 100 + w * long_run[..., i]
    return g


def trade_weights(trade0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(wM, wX): each supplier's share of a region's base-year imports and each market's
    share of its exports (rows sum to 1); ``trade0[i, j]`` is i's imports from j."""
    return (trade0 / trade0.sum(-1, keepdims=True), trade0.T / trade0.sum(0)[:, None])


def effective_tariff(tau: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Trade-weighted average tariff on a region's flows, fraction: on its imports plus on
    its exports (``tau[..., i, j]`` is i's tariff on imports from j)."""
    wM, wX = weights
    return sum_last(tau * wM) + sum_last(np.swapaxes(tau, -1, -2) * wX)


def tariff_cost(
    cost_prev: np.ndarray, etr: np.ndarray, etr0: np.ndarray, beta: float
) -> np.ndarray:
    """Long-run efficiency cost of own tariffs, fraction of potential, adjusting gradually.

    ``beta`` is the loss of potential (fraction) per unit rise of the effective tariff rate
    (0.03 = 0.03% of GDP per percentage point; Yale Budget Lab 2025).
    """
    return cost_prev + TARIFF_COST_SPEED * (beta * (etr - etr0) - cost_prev)


def crisis_loss(L0: np.ndarray, permanent: float, recovery: float, since: np.ndarray) -> np.ndarray:
    """Level loss of potential after a crisis, fraction: the permanent share stays (hysteresis),
    the rest is recovered at ``recovery`` a year. ``since`` < 0 (no crisis yet) gives 0."""
    fade = permanent + (1 - permanent) * (1 - recovery) ** np.maximum(since, 0)
    return np.where(since >= 0, L0 * fade, 0.0)


def potential(Ytrend: np.ndarray, loss: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Ypot = Ytrend (1 - loss) (1 - cost)."""
    return Ytrend * (1 - loss) * (1 - cost)
