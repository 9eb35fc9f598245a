"""rebalancing.paths: the registry of paths and the arrays the engine reads."""

import numpy as np
import pytest

from rebalancing import Scenario
from rebalancing.inputs import calibrated
from rebalancing.levers import GROUPS
from rebalancing.paths import PATH_HELP, PATH_INFO, PATH_TITLES, PATHS, build_paths, ramp


def test_the_registry_is_whole_and_every_face_reads_it():
    from rebalancing import charts, story

    assert PATHS == ("baseline", "orderly", "disorderly", "unilateral", "subglobal")
    for pid, info in PATH_INFO.items():
        assert info.id == pid and info.group in GROUPS
        assert info.title and info.help and len(info.description) > len(info.help)
        assert PATH_TITLES[pid] == info.title and PATH_HELP[pid] == info.help
        assert charts.PATH_COLORS[pid] == info.colour
        assert charts.PATH_DASHES[pid] == info.dash and charts.PATH_MARKERS[pid] == info.marker
        assert story.PATH_DESCRIPTIONS[pid] == info.description
    assert len({i.colour for i in PATH_INFO.values()}) == len(PATHS)


def test_a_ramp_rises_linearly_from_its_start():
    np.testing.assert_allclose(ramp(np.arange(2025, 2031), 2027, 3), [0, 0, 1 / 3, 2 / 3, 1, 1])


@pytest.fixture(scope="module")
def spec():
    scn = Scenario()
    cal, _ = calibrated(scn)
    return cal, build_paths(scn, cal)


def test_tariffs_are_fractions_and_the_base_year_is_the_calibration(spec):
    cal, s = spec
    np.testing.assert_array_equal(s.tau[:, 0], np.broadcast_to(cal.tariff0, s.tau[:, 0].shape))
    assert s.tau.max() < 2  # 145% at most: fractions, not percent


def test_the_unilateral_path_raises_us_tariffs_on_china_after_the_policy_start(spec):
    cal, s = spec
    us, cn = cal.regions.index("US"), cal.regions.index("CN")
    u, b = PATHS.index("unilateral"), PATHS.index("baseline")
    t = Scenario().global_.policy_start - 2024 + 5
    assert s.tau[u, t, us, cn] > s.tau[b, t, us, cn]


def test_only_the_disorderly_path_has_a_crisis(spec):
    _, s = spec
    assert s.crisis.tolist() == [p == "disorderly" for p in PATHS]
