"""Block 3.5, exchange rates (rebalancing.blocks.exchange), on its own equations."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import exchange
from rebalancing.constants import MAX_LOG_RER, RATE_GAP_MEMORY, RER_REVERSION, RP_THRESHOLD

W = np.array([0.3, 0.2, 0.3, 0.2])


@given(st.floats(-2, 0.5), st.floats(0, 0.2), st.floats(0, 0.1))
def test_the_risk_premium_rises_with_net_liabilities_beyond_the_threshold(nfa, slope, crisis):
    rp = exchange.risk_premium(np.array(nfa), np.array(1.0), slope, crisis)
    assert np.isclose(rp, slope * max(0.0, -nfa - RP_THRESHOLD) + crisis)


def test_the_rates_are_relative_to_the_world_and_bounded():
    qbar = np.zeros((1, 4))
    rgap = np.array([[0.01, 0.0, 0.0, 0.0]])  # the US real rate 1 pp above the others
    logp = exchange.real_exchange_rates(qbar, rgap, np.zeros((1, 4)), W)
    assert np.isclose((logp * W).sum(), 0)  # a weighted world mean of zero
    assert np.isclose(logp[0, 0] - logp[0, 1], 0.01 / RER_REVERSION)  # UIP: rgap / rev
    far = exchange.real_exchange_rates(qbar, 100 * rgap, np.zeros((1, 4)), W)
    assert np.abs(far).max() <= MAX_LOG_RER


def test_the_orderly_rule_moves_currencies_against_imbalances_beyond_the_band():
    ca = np.array([[-0.05, 0.04, 0.01, 0.0]])
    q = exchange.policy_equilibrium(np.zeros((1, 4)), ca, 2.0, 0.03, True)
    np.testing.assert_allclose(q, [[-0.04, 0.02, 0, 0]])
    assert exchange.policy_equilibrium(np.zeros((1, 4)), ca, 2.0, 0.03, False) is not q
    masked = exchange.policy_equilibrium(
        np.zeros((2, 4)), np.vstack([ca, ca]), 2.0, 0.03, np.array([True, False])
    )
    np.testing.assert_allclose(masked[1], 0)


@given(st.floats(-0.1, 0.1), st.floats(-0.1, 0.1))
def test_the_rate_gap_is_smoothed(prev, now):
    assert np.isclose(
        exchange.smooth_rate_gap(prev, now), RATE_GAP_MEMORY * prev + (1 - RATE_GAP_MEMORY) * now
    )


def test_dollar_values_are_relative_to_the_us():
    v = exchange.dollar_values(np.array([[0.1, 0.3, 0.0, -0.1]]))
    np.testing.assert_allclose(v, np.exp([[0, 0.2, -0.1, -0.2]]))
