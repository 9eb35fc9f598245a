"""rebalancing.engine: the year loop over the blocks, batched over path rows."""

import numpy as np
import pytest

from rebalancing import Scenario, identities
from rebalancing.calibration import BASE_YEAR
from rebalancing.engine import run
from rebalancing.inputs import calibrated
from rebalancing.paths import PATHS, build_paths


@pytest.fixture(scope="module")
def solved():
    scn = Scenario()
    cal, prm = calibrated(scn)
    spec = build_paths(scn, cal, PATHS)
    return cal, prm, spec, run(cal, prm, spec)


def test_the_base_year_is_the_calibration(solved):
    cal, _, _, s = solved
    for p in range(len(PATHS)):
        np.testing.assert_allclose(s.Y[p, 0], cal.Y, rtol=1e-12)
        np.testing.assert_allclose(s.C[p, 0], cal.C, rtol=1e-12)
        np.testing.assert_allclose(s.NFA[p, 0], cal.NFA, rtol=1e-12, atol=1e-9)
    assert s.years[0] == BASE_YEAR


def test_every_identity_holds_in_every_year_of_every_path(solved):
    _, _, spec, s = solved
    res = identities.residuals(s)
    assert max(float(np.max(r)) for r in res.values()) <= identities.TOLERANCE


def test_paths_share_the_years_before_the_policy_start(solved):
    _, _, spec, s = solved
    t = Scenario().global_.policy_start - BASE_YEAR
    for p in range(1, len(PATHS)):
        np.testing.assert_allclose(s.Y[p, :t], s.Y[0, :t], rtol=1e-12)


def test_a_batch_of_rows_is_the_rows_run_one_by_one(solved):
    cal, prm, spec, s = solved
    from rebalancing.paths import spec_rows

    one = run(cal, prm, spec_rows(spec, [2]))
    np.testing.assert_allclose(one.Y[0], s.Y[2], rtol=1e-12, atol=1e-9)


def test_keep_records_only_the_arrays_asked_for(solved):
    cal, prm, spec, s = solved
    lean = run(cal, prm, spec, keep={"Y", "NFA"})
    np.testing.assert_array_equal(lean.Y, s.Y)
    assert lean.C is None
