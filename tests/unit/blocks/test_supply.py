"""Block 3.1, supply (rebalancing.blocks.supply), on its own equations."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.blocks import supply
from rebalancing.constants import ANCHOR_END_YEAR, GROWTH_ANCHORS, TARIFF_COST_SPEED

REGIONS = ("US", "CN", "BLOC", "ROW")
YEARS = np.arange(2024, 2041)
unit = st.floats(0, 1, allow_nan=False)


def test_growth_follows_the_published_anchors_then_a_line_to_the_long_run_rate():
    long_run = np.array([0.018, 0.035, 0.012, 0.03])
    g = supply.growth_path(YEARS, REGIONS, long_run)
    assert g.shape == (len(YEARS), 4) and (g[0] == 0).all()
    for i, r in enumerate(REGIONS):
        for y, pct in GROWTH_ANCHORS[r].items():
            assert g[y - 2024, i] == pct / 100
        assert (g[YEARS >= ANCHOR_END_YEAR, i] == long_run[i]).all()
        last = max(GROWTH_ANCHORS[r])
        between = g[last - 2024 : ANCHOR_END_YEAR - 2024 + 1, i]
        np.testing.assert_allclose(np.diff(between, 2), 0, atol=1e-15)  # a straight line
    batch = supply.growth_path(YEARS, REGIONS, np.stack([long_run, long_run + 0.01]))
    np.testing.assert_array_equal(batch[0], g)


@given(st.lists(st.floats(1, 1e4), min_size=16, max_size=16))
def test_trade_weights_sum_to_one(flows):
    trade0 = np.array(flows).reshape(4, 4)
    wM, wX = supply.trade_weights(trade0)
    np.testing.assert_allclose(wM.sum(1), 1)
    np.testing.assert_allclose(wX.sum(1), 1)
    np.testing.assert_allclose(wX, trade0.T / trade0.sum(0)[:, None])


def test_the_effective_tariff_counts_both_sides_of_a_flow():
    trade0 = np.ones((4, 4))
    w = supply.trade_weights(trade0)
    tau = np.zeros((4, 4))
    tau[0, 1] = 0.4  # the US taxes imports from China
    etr = supply.effective_tariff(tau, w)
    np.testing.assert_allclose(etr, [0.1, 0.1, 0, 0])  # importer and exporter alike


@given(unit, unit, unit, st.floats(0, 0.2))
def test_the_tariff_cost_moves_a_share_of_the_way_to_its_long_run(prev, etr, etr0, beta):
    c = supply.tariff_cost(prev, etr, etr0, beta)
    target = beta * (etr - etr0)
    assert np.isclose(c - prev, TARIFF_COST_SPEED * (target - prev))


@given(st.floats(0, 0.2), unit, unit, st.integers(-3, 30))
def test_a_crisis_loss_fades_to_its_permanent_share(L0, permanent, recovery, since):
    loss = supply.crisis_loss(np.array(L0), permanent, recovery, np.array(since))
    if since < 0:
        assert loss == 0
    else:
        assert np.isclose(loss, L0 * (permanent + (1 - permanent) * (1 - recovery) ** since))
        assert L0 * permanent - 1e-15 <= loss <= L0 + 1e-15


def test_potential_is_trend_less_losses():
    assert supply.potential(100.0, 0.1, 0.02) == 100 * 0.9 * 0.98
