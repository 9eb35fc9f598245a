"""Block 3.2, demand and the goods market (rebalancing.blocks.demand), on its equations:
the world goods market is solved exactly, Y = B A with A affine in Y."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rebalancing.blocks import demand
from rebalancing.constants import C_RATE, I_RATE, MAX_BLOC_SHIFT
from rebalancing.numerics import SOLVE_ROWS


def markets(seed: int, rows: int = 1):
    """Random goods markets (shares, tax and tariff rates, potential, autonomous demand,
    rates) of ``rows`` path rows, from a seed."""
    g = np.random.default_rng(seed)
    mu = g.uniform(0, 0.08, (rows, 4, 4))
    for p in range(rows):
        np.fill_diagonal(mu[p], 0)

    def f(lo, hi):
        return g.uniform(lo, hi, (rows, 4))

    return (
        mu,
        f(0, 0.3),
        f(0.5, 0.9),
        f(0.1, 0.4),
        f(100, 2e4),
        f(10, 5e3),
        f(-0.02, 0.05),
        f(0, 0.02),
        f(0, 0.5),
        f(0, 0.3),
    )


def check(case):
    mu, tau_rate, alpha, theta, Ypot, D_auto, r0, rstar, i1, f1 = case
    B = demand.goods_matrix(mu)
    np.testing.assert_allclose(B.sum(-2), 1, atol=1e-12)  # every unit of absorption lands
    Y, A = demand.solve(B, tau_rate * 0.1, alpha, theta, Ypot, D_auto, r0, rstar, i1, f1)
    np.testing.assert_allclose((B @ A[..., None])[..., 0], Y, rtol=1e-9, atol=1e-6)
    scale = 1 + alpha * tau_rate * 0.1
    cr = C_RATE + I_RATE
    k = (alpha * (1 - theta) - cr * i1 - f1) / scale
    D = (D_auto - cr * (r0 - rstar) * Ypot + (cr * i1 + f1) * Ypot) / scale
    np.testing.assert_allclose(A, k * Y + D, rtol=1e-9, atol=1e-6)


@settings(deadline=None)
@given(st.integers(0, 2**32))
def test_the_goods_market_is_solved_exactly(seed):
    check(markets(seed))


@settings(deadline=None, max_examples=10)
@given(st.integers(0, 2**32))
def test_a_large_batch_is_solved_by_the_same_equations(seed):
    check(markets(seed, rows=SOLVE_ROWS))


def test_the_bloc_shifts_demand_against_its_imbalance_within_bounds():
    new = demand.internal_rebalancing(np.zeros((1, 2)), np.array([[0.05, -0.01]]), 0.5, 0.03, True)
    np.testing.assert_allclose(new, [[0.01, 0.0]])
    far = demand.internal_rebalancing(np.zeros((1, 1)), np.array([[5.0]]), 1.0, 0.0, True)
    assert far[0, 0] == MAX_BLOC_SHIFT


def test_rate_terms():
    c, i = demand.rate_terms(0.03, 0.01, 100.0)
    assert np.isclose(c, -C_RATE * 2) and np.isclose(i, -I_RATE * 2)
