"""Block 3.7, crises (rebalancing.blocks.crisis), on its own equations."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import crisis
from rebalancing.constants import RER_REVERSION, RP_THRESHOLD


@given(st.floats(0, 1), st.floats(-2, 0.5), st.floats(0, 0.05), st.floats(0, 0.1))
def test_the_hazard_rises_with_net_liabilities(survival, nfa, base, slope):
    s = crisis.hazard(np.array(survival), np.array(nfa), np.array(1.0), base, slope, True)
    h = min(1.0, base + slope * max(0.0, -nfa - RP_THRESHOLD) / 0.1)
    assert np.isclose(s, survival * (1 - h))
    assert crisis.hazard(np.array(survival), np.array(nfa), 1.0, base, slope, False) == survival


@given(st.floats(0, 0.6))
def test_the_premium_jump_lowers_the_currency_by_the_fall(fall):
    assert np.isclose(np.exp(-crisis.premium_for_fall(fall) / RER_REVERSION), 1 - fall)


def test_the_floor_is_reached_within_the_adjustment_years():
    f = [crisis.floor_path(np.array(-0.05), -0.01, s, 2, 1.0) for s in range(4)]
    np.testing.assert_allclose(f, [-0.03, -0.01, -0.01, -0.01])
    assert crisis.floor_path(np.array(0.0), -0.01, 0, 2, 1.0) == -0.01  # already above


def test_the_cut_is_found_exactly_on_a_piecewise_affine_excess():
    def excess(cut):  # affine with a kink at 3: slope 0.5, then 0.2
        return np.where(cut < 3, -2 + 0.5 * cut, -0.5 + 0.2 * (cut - 3))

    cut, left = crisis.find_cut(
        lambda a, b: (excess(a), excess(b)), np.array([True, True]), np.array([15.0, 4.0])
    )
    np.testing.assert_allclose(cut, [5.5, 4.0])  # the floor met; the cap stops the second
    np.testing.assert_allclose(left, [0.0, -0.3], atol=1e-12)
