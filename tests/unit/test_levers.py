"""rebalancing.levers: every lever declared once, with what a value for it may be."""

import math

import pytest

from rebalancing.errors import ScenarioError
from rebalancing.levers import (
    GROUPS,
    LEVERS,
    PATHABLE,
    NumberText,
    describe,
    number_from_text,
    validate_value,
)


def test_every_lever_says_its_unit_range_default_help_and_source():
    assert set(GROUPS) == {"global", "baseline", "orderly", "disorderly", "unilateral", "subglobal"}
    for lid, lev in LEVERS.items():
        assert lid == f"{lev.group}.{lev.name}"
        assert lev.help and lev.source and lev.label
        if lev.kind in ("int", "float"):
            assert lev.unit and lev.lo <= lev.default <= lev.hi
    assert set(PATHABLE) <= set(LEVERS)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1", None, [1], True])
def test_a_bad_value_is_refused_naming_the_lever(bad):
    with pytest.raises(ScenarioError, match="orderly.kappa"):
        validate_value(LEVERS["orderly.kappa"], bad)


def test_numbers_from_text_are_ascii_decimals_that_mean_what_they_say():
    assert number_from_text("-1.5e1", "f") == -15.0
    for text in ("٣", "1_0", " 1", "inf", "nan", "1e400", "1e-400"):
        with pytest.raises(ScenarioError, match="^f: "):
            number_from_text(text, "f")


def test_types_are_described_in_the_files_words():
    assert describe("2") == "text '2'"
    assert describe(True) == "true/false (true)"
    assert describe([1]) == "a list" and describe({}) == "a table"
    assert describe(3) == "a whole number (3)" and describe(1.5) == "a number (1.5)"
    assert "digits" in NumberText("9" * 30, None).message()
