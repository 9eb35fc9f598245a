"""Block 3.6, external stocks (rebalancing.blocks.stocks), on its own equations: every
asset in a currency is someone's liability in it, so valuation changes sum to zero."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import stocks


@st.composite
def positions(draw):
    """Gross positions of 4 regions in 4 currencies whose world net position in each
    currency is zero, and a currency move."""
    A = np.array(draw(st.lists(st.floats(0, 1e4), min_size=16, max_size=16))).reshape(1, 4, 4)
    L = A.copy()
    L[0] = A[0][[1, 2, 3, 0]]  # the same totals per currency, held by others
    e = np.array(draw(st.lists(st.floats(0.5, 2), min_size=4, max_size=4)))[None]
    return A, L, e


@given(positions())
def test_valuation_is_the_net_position_times_the_move_and_sums_to_zero(case):
    A, L, e = case
    A2, L2, VAL = stocks.revalue(A, L, e)
    np.testing.assert_allclose(VAL, ((A - L) * (e[:, None, :] - 1)).sum(-1), atol=1e-6)
    assert abs(VAL.sum()) <= 1e-9 * max(1.0, np.abs(A).sum())


def test_a_current_account_is_financed_in_dollars():
    A, L = np.zeros((1, 2, 2)), np.zeros((1, 2, 2))
    A2, L2 = stocks.finance(A, L, np.array([[5.0, -5.0]]))
    assert A2[0, 0, 0] == 5 and L2[0, 1, 0] == 5 and A.sum() == 0  # the inputs untouched
    assert (A2.sum(1) - L2.sum(1) == 0).all()  # the world's dollar position stays zero


def test_net_income_paid_is_received():
    NI = stocks.net_income(
        np.array([0.01, -0.02, 0.0]),
        np.array([100.0, 50.0, 80.0]),
        0.03,
        np.array([-40.0, 30.0, 10.0]),
    )
    assert NI.sum() == 0
    np.testing.assert_allclose(NI[:2], [1 - 1.2, -1 + 0.9])
