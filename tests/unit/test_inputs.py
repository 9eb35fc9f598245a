"""rebalancing.inputs: the model's inputs behind public names, cached by what they depend
on."""

import numpy as np

from rebalancing import Scenario, inputs


def test_calibration_and_parameters_are_cached_by_the_levers_they_depend_on():
    a = inputs.calibrated(Scenario())
    b = inputs.calibrated(Scenario().with_values({"orderly.kappa": 2.0, "global.seed": 7}))
    assert a is b  # neither lever shapes them
    c = inputs.calibrated(Scenario().with_values({"global.monetary_response": 1.5}))
    assert c is not a


def test_the_steering_key_keeps_only_what_shapes_the_status_quo():
    s = Scenario().with_values({"orderly.kappa": 2.0, "global.draws": 500})
    assert inputs.steering_scenario(s) == inputs.steering_scenario(Scenario())


def test_the_status_quo_drift_is_cached_and_cleared():
    inputs.clear_caches()
    d1, miss = inputs.status_quo_drift(Scenario(), "key")
    d2, _ = inputs.status_quo_drift(Scenario(), "key")
    assert d1 is d2 and np.isfinite(d1).all() and miss >= 0
    inputs.clear_caches()
    d3, _ = inputs.status_quo_drift(Scenario(), "key")
    assert d3 is not d1
    np.testing.assert_array_equal(d3, d1)
