"""rebalancing.series: one catalogue of series that every face reads."""

import pytest

from rebalancing import VARIABLES
from rebalancing.series import (
    ALIASES,
    COMPARE_PANELS,
    GOAL_TARGETS,
    HEADLINE,
    SERIES,
    needs,
    series,
)


def test_every_catalogued_series_is_a_variable_with_one_label():
    labels = [s.label for s in SERIES.values()]
    assert len(labels) == len(set(labels))
    for (region, variable), s in SERIES.items():
        assert variable in VARIABLES and s.key == (region, variable)
    for group in (HEADLINE, GOAL_TARGETS, *COMPARE_PANELS.values()):
        assert set(group) <= set(SERIES)
    assert set(ALIASES.values()) <= set(VARIABLES)


def test_every_face_reads_the_catalogue():
    from rebalancing import charts, goalseek, uncertainty

    assert [label for *_, label in charts.HEADLINES] == [series(*k).title for k in HEADLINE]
    assert uncertainty.FAN_SERIES == HEADLINE
    assert charts.FAN_CHARTS == COMPARE_PANELS
    assert [t[2] for t in goalseek.TARGETS] == [series(*k).title for k in GOAL_TARGETS]


def test_formats_round_first_and_never_show_minus_zero():
    s = series("US", "current_account_pct_gdp")
    assert s.title == "US current account, % of GDP"
    assert s.format(-0.04) == "0.0" and s.format(-2.46) == "-2.5"
    assert series("US", "bilateral_balance").format(-1234.6) == "-1,235"
    assert series("BLOC", "inflation").label == "BLOC inflation"


def test_unknown_variables_are_named():
    with pytest.raises(KeyError, match="nope"):
        needs("nope")
