"""Block 3.4, monetary policy (rebalancing.blocks.policy), on its own equations."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import policy
from rebalancing.constants import (
    NEUTRAL_LEARNING,
    PC_SLOPE,
    RATE_CEILING,
    RATE_FLOOR,
    TAYLOR_PHI_PI,
    TAYLOR_PHI_Y,
    TAYLOR_RHO,
)

small = st.floats(-0.05, 0.1, allow_nan=False)


@given(small, small, small, small, st.floats(0, 3), st.floats(-0.1, 0.1))
def test_the_rule_is_the_inertial_taylor_rule_affine_in_the_gap(i_prev, rn, pi0, target, s, gap):
    i0, i1 = policy.rule(np.array(i_prev), np.array(rn), np.array(pi0), target, s)
    pi = pi0 + PC_SLOPE * gap
    want = TAYLOR_RHO * i_prev + (1 - TAYLOR_RHO) * (
        rn + pi + s * TAYLOR_PHI_PI * (pi - target) + s * TAYLOR_PHI_Y * gap
    )
    assert np.isclose(i0 + i1 * gap, want, atol=1e-14)


def test_the_neutral_rate_learns_from_the_gap_but_not_against_a_bound():
    rn = policy.learn_neutral(
        np.array([0.01, 0.01]), np.array([0.02, -0.02]), 1.0, np.array([0.03, RATE_FLOOR])
    )
    np.testing.assert_allclose(rn, [0.01 + NEUTRAL_LEARNING * 0.02, 0.01])  # stuck at floor


def test_a_rate_beyond_its_bounds_is_held_there():
    i0, i1 = np.array([-0.02, 0.2, 0.03]), np.array([1.0, 1.0, 1.0])
    j0, j1, changed = policy.bound(i0, i1, np.array([-0.05, 0.1, 0.0]))
    assert changed
    np.testing.assert_allclose(j0, [RATE_FLOOR, RATE_CEILING, 0.03])
    np.testing.assert_allclose(j1, [0, 0, 1])
    assert policy.at_floor(j0, j1).tolist() == [True, False, False]
    _, _, again = policy.bound(j0, j1, np.array([-0.05, 0.1, 0.0]))
    assert not again
