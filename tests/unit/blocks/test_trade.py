"""Trade shares (rebalancing.blocks.trade), on their equations: gravity trend, tariffs that
scale a share by ((1 + tau) / (1 + tau0))^-eps, diversion and rerouting, Armington shares."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import trade

TRADE0 = np.array(
    [[0, 440, 600, 2200], [150, 0, 500, 1800], [350, 520, 0, 2500], [1900, 1600, 2400, 0]],
    float,
)
Y0 = np.array([29000.0, 18700, 28000, 35000])
A0 = Y0 + TRADE0.sum(1) - TRADE0.sum(0)


def test_the_trend_is_gravity():
    size = np.array([[1, 1, 1, 1], [1.1, 1.05, 1.0, 1.02]])
    flows = trade.trend_trade(TRADE0, Y0, size)
    np.testing.assert_allclose(flows[0], TRADE0)
    world = size[1] @ Y0 / Y0.sum()
    np.testing.assert_allclose(flows[1], TRADE0 * np.outer(size[1], size[1]) / world)


def shares(tau, eps=2.0, diversion=0.0, rerouting=0.0):
    size = np.ones((1, 1, 4))
    tau0 = np.zeros((4, 4))
    return trade.trade_shares(
        TRADE0,
        A0,
        Y0,
        size,
        tau[None, None],
        tau0,
        eps,
        diversion,
        rerouting,
        np.ones((1, 1, 4, 4)),
    )[0, 0]


def test_without_tariffs_the_shares_are_the_base_year_s():
    np.testing.assert_allclose(shares(np.zeros((4, 4))), TRADE0 / A0[:, None], rtol=1e-12)


@given(st.floats(0, 1.5), st.floats(0, 4))
def test_a_tariff_scales_its_share_and_nothing_else_without_diversion(t, eps):
    tau = np.zeros((4, 4))
    tau[0, 1] = t
    mu = shares(tau, eps)
    base = TRADE0 / A0[:, None]
    np.testing.assert_allclose(mu[0, 1], base[0, 1] * (1 + t) ** -eps, rtol=1e-12)
    mask = np.ones((4, 4), bool)
    mask[0, 1] = False
    np.testing.assert_allclose(mu[mask], base[mask], rtol=1e-12)


def test_rerouting_and_diversion_redirect_what_a_tariff_shuts_out():
    tau = np.zeros((4, 4))
    tau[0, 1] = 1.0
    base = TRADE0 / A0[:, None]
    plain, moved = shares(tau), shares(tau, diversion=0.5, rerouting=0.5)
    lost = (base[0, 1] - plain[0, 1]) * A0[0]
    bought_elsewhere = ((moved[0] - plain[0]) * A0[0]).sum()
    np.testing.assert_allclose(bought_elsewhere, 0.5 * lost, rtol=1e-12)
    sold_elsewhere = ((moved[:, 1] - plain[:, 1]) * A0).sum() - (moved[0, 1] - plain[0, 1]) * A0[0]
    np.testing.assert_allclose(sold_elsewhere, 0.5 * lost, rtol=1e-12)


@given(st.lists(st.floats(0, 5), min_size=16, max_size=16))
def test_armington_shares_stay_inside_zero_one(weights):
    v = np.array(weights).reshape(1, 4, 4)
    mu = trade.armington(v, np.full((1, 4), 0.8))
    assert (mu >= 0).all() and (mu.sum(-1) < 1).all()


def test_expenditure_switches_towards_the_cheaper_currency():
    mu0 = np.full((1, 2, 2), 0.1)
    v = trade.relative_price_weights(mu0, np.array([[0.1, 0.0]]), 1.5)
    np.testing.assert_allclose(v[0, 0, 1], 0.1 * np.exp(-1.5 * (0.0 - 0.1)))
