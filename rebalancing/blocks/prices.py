"""3.3 Prices: a Phillips curve with import prices, and consumer prices for real incomes.

    pi_i(t) = a pi_i(t-1) + (1 - a) pi*_i + kappa gap_i(t) + (w_i(t) - w_i(t-1))
    w_i = sum_j mubar_ij [ tp log((1 + tau_ij) / (1 + tau0_ij)) - ep (log p_i - log p_j) ]

``w`` is the log of consumer prices relative to the GDP deflator: imports are a share
``sum_j mubar_ij`` of domestic demand, tariffs pass through to their price at ``tp`` and
the exchange rate at ``ep``. Real consumption is C / exp(w): a tariff raises consumer
prices and lowers the real consumption of the country that imposes it.
"""

from __future__ import annotations

import numpy as np

from ..constants import ER_PASSTHROUGH, PC_PERSISTENCE, PC_SLOPE, TARIFF_PASSTHROUGH
from ..numerics import sum_last


def tariff_wedge(tau, tau0, mubar) -> np.ndarray:
    """The tariff part of w, (..., n): ``sum_j mubar_ij tp log((1 + tau_ij) / (1 + tau0_ij))``
    (known in advance: computed for every year at once)."""
    return sum_last(mubar * (TARIFF_PASSTHROUGH * np.log((1 + tau) / (1 + tau0))))


def consumer_price_wedge(tariff_part, logp, mubar) -> np.ndarray:
    """w (P, n): log consumer prices relative to the GDP deflator, 0 in 2024; the tariff part
    plus the exchange-rate part ``-ep sum_j mubar_ij (log p_i - log p_j)
    = -ep (m_i log p_i - sum_j mubar_ij log p_j)``, m_i = sum_j mubar_ij."""
    fx = sum_last(mubar) * logp - logp @ mubar.T
    return tariff_part - ER_PASSTHROUGH * fx


def expected_inflation(pi_prev, pi_target) -> np.ndarray:
    """The predetermined part of the Phillips curve: a pi(-1) + (1 - a) pi*."""
    return PC_PERSISTENCE * pi_prev + (1 - PC_PERSISTENCE) * pi_target


def phillips(pi_e, dw, gap) -> np.ndarray:
    """pi = pi_e + kappa gap + dw (import-price inflation passes through one for one)."""
    return pi_e + PC_SLOPE * gap + dw
