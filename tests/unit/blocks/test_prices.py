"""Block 3.3, prices (rebalancing.blocks.prices), on its own equations."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import prices
from rebalancing.constants import (
    ER_PASSTHROUGH,
    PC_PERSISTENCE,
    PC_SLOPE,
    TARIFF_PASSTHROUGH,
)

rates = st.floats(-0.05, 0.2, allow_nan=False)


def test_no_tariff_change_no_exchange_rate_move_no_wedge():
    mubar = np.full((4, 4), 0.03)
    np.fill_diagonal(mubar, 0)
    tau = np.full((4, 4), 0.05)
    tp = prices.tariff_wedge(tau, tau, mubar)
    np.testing.assert_array_equal(tp, 0)
    np.testing.assert_allclose(prices.consumer_price_wedge(tp, np.zeros((1, 4)), mubar), 0)


def test_a_tariff_raises_the_importer_s_consumer_prices_by_its_share():
    mubar = np.zeros((2, 2))
    mubar[0, 1] = 0.1  # region 0 imports 10% of its demand from region 1
    tau0 = np.zeros((2, 2))
    tau = tau0.copy()
    tau[0, 1] = 0.25
    w = prices.tariff_wedge(tau, tau0, mubar)
    np.testing.assert_allclose(w, [0.1 * TARIFF_PASSTHROUGH * np.log(1.25), 0])


def test_an_appreciation_lowers_consumer_prices_through_imports():
    mubar = np.array([[0.0, 0.2], [0.1, 0.0]])
    logp = np.array([[0.1, 0.0]])  # region 0 appreciates by 10 log points
    w = prices.consumer_price_wedge(np.zeros((1, 2)), logp, mubar)
    m = mubar.sum(1)
    want = -ER_PASSTHROUGH * (m * logp[0] - mubar @ logp[0])
    np.testing.assert_allclose(w[0], want)
    assert w[0, 0] < 0 < w[0, 1]


@given(rates, rates, st.floats(-0.1, 0.1), st.floats(-0.05, 0.05))
def test_the_phillips_curve(pi_prev, target, gap, dw):
    pi_e = prices.expected_inflation(pi_prev, target)
    assert np.isclose(pi_e, PC_PERSISTENCE * pi_prev + (1 - PC_PERSISTENCE) * target)
    assert np.isclose(prices.phillips(pi_e, dw, gap), pi_e + PC_SLOPE * gap + dw)
