"""3.5 Exchange rates: real UIP with mean-reverting expectations and a risk premium.

With expectations that the real exchange rate returns to equilibrium at a rate ``rev`` a
year, real UIP ``q = E q(+1) + (r - r*) - (r_w - r*_w) - rp`` gives the level

    log p_i(t) = qbar_i(t) + [(rgap_i - rgap_w)(t-1) - (rp_i - rp_w)(t)] / rev

where the real-rate gap is smoothed, ``rgap(t) = m rgap(t-1) + (1 - m) (r - r*)(t)``: a
differential that has lasted moves the currency more than one that has just appeared (and
without it, the annual timing turns a crisis into a two-year cycle of the exchange rate)
(``p`` up = appreciation; ``w`` the GDP-weighted world mean, so real rates are relative to
the world). The real-rate gap is last year's, so the rate is known when the year's goods
market is solved (the solve stays one exact linear system). The risk premium rises with
net foreign liabilities beyond a threshold, and jumps in a crisis:

    rp_i(t) = slope max(0, -NFA_i(t-1) / Y_i(t-1) - threshold) + crisis premium - rp_i(2024)

The equilibrium ``qbar`` moves only by the orderly rule (surplus currencies appreciate,
deficit currencies depreciate, in proportion to the CA beyond the band). The bloc's rule
shifts its members' demand (3.2); the higher rates that follow move its currency here.
"""

from __future__ import annotations

import numpy as np

from ..constants import MAX_LOG_RER, RATE_GAP_MEMORY, RER_REVERSION, RP_THRESHOLD
from ..numerics import clip, sum_last


def risk_premium(nfa_prev, y_prev, slope: float, crisis_rp) -> np.ndarray:
    """Premium on holding region i's assets, fraction a year (before the base-year level is
    taken off)."""
    nfl = -nfa_prev / y_prev
    return slope * np.maximum(0.0, nfl - RP_THRESHOLD) + crisis_rp


def ca_beyond_band(ca_ratio, band) -> np.ndarray:
    """CA/GDP beyond +/- band (0 inside); ``band`` (P, n) or scalar."""
    return ca_ratio - clip(ca_ratio, -band, band)


def policy_equilibrium(qbar, ca_ratio_prev, kappa, band, rules_on) -> np.ndarray:
    """The orderly rule: ``qbar_i += kappa (CA_i/Y_i beyond the band)``; kappa (P, n).
    ``rules_on``: a bool, or a (P,) mask of the path rows where the rule acts this year."""
    if rules_on is False or rules_on is np.False_:
        return qbar
    new = clip(qbar + kappa * ca_beyond_band(ca_ratio_prev, band), -MAX_LOG_RER, MAX_LOG_RER)
    if rules_on is True or rules_on is np.True_:
        return new
    return np.where(np.reshape(rules_on, (-1, 1)), new, qbar)


def demean(x, weights) -> np.ndarray:
    """x less its world mean with the given (n,) weights."""
    return x - sum_last(x * weights)[..., None]


def real_exchange_rates(qbar, rgap_prev, rp, weights) -> np.ndarray:
    """log p (P, n): equilibrium + UIP term, relative to the world, bounded to [1/3, 3]."""
    x = demean(qbar + (rgap_prev - rp) / RER_REVERSION, weights)
    return clip(x, -MAX_LOG_RER, MAX_LOG_RER)


def smooth_rate_gap(rgap_prev, rgap) -> np.ndarray:
    """The real-rate gap currency markets price: an average of this year's and the past
    (markets price expected differentials, which move less than this year's)."""
    return RATE_GAP_MEMORY * rgap_prev + (1 - RATE_GAP_MEMORY) * rgap


def switching(logp_eff_prev, logp, speed: float) -> np.ndarray:
    """The real exchange rate trade has responded to: a share ``speed`` of the remaining gap
    a year (J-curve: volumes follow prices with a lag)."""
    return logp_eff_prev + speed * (logp - logp_eff_prev)


def dollar_values(logp) -> np.ndarray:
    """Value of each region's currency in dollars, relative to 2024: p_k / p_US (US first)."""
    return np.exp(logp - logp[..., :1])
