"""A pinned scenario (A/B comparison): names, share-link parameters and scenario files."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rebalancing import Scenario, ScenarioError, dumps_scenario, parse_scenario
from rebalancing.pinned import Pinned, check_name, parse_with_pinned
from rebalancing.share import pinned_from_query

B = Pinned("Plan B", Scenario().with_values({"orderly.kappa": 2.5, "global.two_country": True}))


def test_round_trip_through_the_share_link():
    q = B.to_query()
    assert q == {"pin": "Plan B", "pin.orderly.kappa": "2.5", "pin.global.two_country": "true"}
    back, warnings = pinned_from_query({**q, "orderly.kappa": "1.0", "view": "mirror"})
    assert back == B and warnings == []


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_round_trip_through_a_scenario_file(fmt):
    text = dumps_scenario(Scenario().with_values({"orderly.kappa": 1.5}), fmt, B)
    scn, back = parse_with_pinned(text, f"s.{fmt}")
    assert back == B and scn.orderly.kappa == 1.5
    assert parse_scenario(text, f"s.{fmt}") == scn  # the plain reader ignores the pin


@pytest.mark.parametrize(
    "table, field",
    [
        ({"name": "B", "levers": {"orderly.kappa": "high"}}, "orderly.kappa"),
        ({"name": "B", "levers": {"no.such": 1}}, "no.such"),
        ({"name": "", "levers": {}}, "pinned.name"),
        ({"name": "B", "levers": [1]}, "pinned.levers"),
        ({"name": "B", "colour": "red"}, "pinned"),
        ("B", "pinned"),
    ],
)
def test_a_bad_pinned_table_names_the_field(table, field):
    text = json.dumps({"format_version": 2, "pinned": table})
    with pytest.raises(ScenarioError) as e:
        parse_with_pinned(text, "s.json")
    assert e.value.field == field


@pytest.mark.parametrize(
    "name", ["[x](http://evil)", "<b>x</b>", ":red-background[x]", "a\nb", "x" * 41, "  "]
)
def test_names_that_would_render_are_refused(name):
    with pytest.raises(ScenarioError, match="pinned.name"):
        check_name(name)


@given(st.text(max_size=60))
def test_an_accepted_name_is_plain_text(name):
    try:
        ok = check_name(name)
    except ScenarioError:
        return
    assert not set(ok) & set("[]<>:*`#!\\|{}~\n\r") and 0 < len(ok) <= 40


def test_levers_without_a_name_are_pinned_as_pinned():
    back, warnings = pinned_from_query({"pin.orderly.kappa": "2.5"})
    assert back.name == "Pinned" and back.scenario.orderly.kappa == 2.5 and not warnings
    none, warnings = pinned_from_query({"orderly.kappa": "2"})
    assert none is None and not warnings
