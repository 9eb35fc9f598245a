"""Share links (issue 20): a link with more parameters than any the dashboard makes is read
up to MAX_PARAMS and the rest counted in one warning; a link longer than MAX_LINK_CHARS is
not offered (rebalancing.share)."""

import urllib.parse

import pytest

from rebalancing import LEVERS, Scenario
from rebalancing.pinned import Pinned
from rebalancing.scenario import PATHABLE
from rebalancing.share import (
    MAX_LINK_CHARS,
    MAX_PARAMS,
    MAX_WARNINGS,
    VIEW_PARAMS,
    cut_query,
    link_too_long,
    parse_link,
    parse_query,
    path_params,
    split_query,
)

VIEWS = ["compare", "mirror", "sectoral", "history", "accounts", "goal", "sensitivity"]


def every_lever_changed() -> Scenario:
    """Every lever away from its default (to an end of its range or another choice)."""
    values = {}
    for lid, lev in LEVERS.items():
        if lev.kind == "bool":
            values[lid] = not lev.default
        elif lev.kind == "choice":
            values[lid] = next(c for c in lev.choices if c != lev.default)
        else:
            values[lid] = lev.lo if lev.default != lev.lo else lev.hi
    return Scenario().with_values(values)


def largest_link() -> dict[str, str]:
    """The parameters of the largest link the dashboard writes (app.share_params): every
    lever changed, a path for every lever that can have one, a pinned scenario with every
    lever changed, and every view parameter."""
    scn = every_lever_changed()
    h = scn.global_.horizon
    scn = scn.with_paths({lid: {h: LEVERS[lid].lo} for lid in PATHABLE})
    params = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in scn.changed().items()
    }
    params.update(path_params(scn))
    params.update(Pinned("Plan B", every_lever_changed()).to_query())
    params.update(
        {"view": "accounts", "path": "orderly", "year": "2030", "years": "2030"}
        | {"present": "true", "fan": "true"}
    )
    assert set(VIEW_PARAMS) <= set(params)
    return params


def test_the_largest_link_the_dashboard_makes_is_read_whole():
    params = largest_link()
    assert len(params) == MAX_PARAMS  # the bound is exactly the largest link
    values, warnings, bad = parse_link(urllib.parse.urlencode(params), VIEWS)
    assert not any("ignored" in w for w in warnings), warnings
    assert {lid: values[lid] for lid in LEVERS} == every_lever_changed().flat()
    assert set(values["lever_paths"]) == set(PATHABLE)
    assert values["pinned"].scenario == every_lever_changed()


def test_1200_parameters_the_first_are_read_the_rest_counted_in_one_warning():
    params = ["orderly.kappa=1.5", "view=mirror"] + [f"junk{i}=1" for i in range(1198)]
    values, warnings, bad = parse_link("&".join(params), VIEWS)
    assert values == {"orderly.kappa": 1.5, "view": "mirror"}
    ignored = len(params) - MAX_PARAMS
    assert warnings[0] == (
        f"{ignored:,} parameter(s) after the first {MAX_PARAMS} ignored: a link of this "
        f"dashboard has at most {MAX_PARAMS}"
    )
    assert warnings[1] == "junk0: unknown parameter; ignored"
    # every parameter but the two used: MAX_PARAMS - 2 unknown, the rest ignored unread
    assert bad == len(params) - 2
    assert len(warnings) == MAX_WARNINGS + 1
    assert warnings[-1] == f"… and {1 + MAX_PARAMS - 2 - MAX_WARNINGS} more"


@pytest.mark.parametrize("n", [MAX_PARAMS, MAX_PARAMS + 1, 1000, 1001, 100_000])
def test_the_count_of_ignored_parameters(n):
    query = "&".join(f"junk{i}=1" for i in range(n))
    _, warnings, bad = parse_link(query, VIEWS)
    assert bad == n
    lines = [w for w in warnings if "ignored: a link of this dashboard" in w]
    if n > MAX_PARAMS:
        assert lines == [
            f"{n - MAX_PARAMS:,} parameter(s) after the first {MAX_PARAMS} ignored: a link "
            f"of this dashboard has at most {MAX_PARAMS}"
        ]
    else:
        assert lines == []


def test_cut_query_counts_fields_not_separators():
    assert cut_query("", 2) == ("", 0)
    assert cut_query("?a=1", 2) == ("a=1", 0)
    assert cut_query("a=1&b=2", 2) == ("a=1&b=2", 0)
    assert cut_query("a=1&b=2&c=3&d", 2) == ("a=1&b=2", 2)
    assert cut_query("?&&a=1&&b=2&&&c&&", 2) == ("&&a=1&&b=2", 1)  # empty fields skipped
    assert cut_query("a=1&b=2", 0) == ("", 2)
    tail = "x=1&" * 300_000  # more than a mebibyte after the cut: counted by its "&"
    assert cut_query("a=1&" + tail, 1) == ("a=1", 300_000)


def test_split_query_decodes_as_a_browser_encodes():
    pairs, rest = split_query("a=1%2C2&b=x+y&a=3&c=&%E2%82%AC=%E2%82%AC")
    assert pairs == {"a": ["1,2", "3"], "b": ["x y"], "c": [""], "€": ["€"]} and rest == 0


@pytest.mark.parametrize(
    "pairs",
    [
        {},
        {"orderly.kappa": ["1.5"], "view": ["mirror"]},
        {"orderly.kappa": ["abc"], "nonsense": ["1"], "years": ["2030,2040"]},
        {"orderly.kappa": ["1.5", "2.5"], "pin": ["Plan B"], "pin.orderly.kappa": ["1"]},
        {f"nonsense{k}": ["1"] for k in range(120)},
    ],
)
def test_parse_link_reads_a_query_as_parse_query_reads_its_pairs(pairs):
    values, warnings, bad = parse_link(urllib.parse.urlencode(pairs, doseq=True), VIEWS)
    assert (values, warnings) == parse_query(pairs, VIEWS)
    # one per problem found, also those past MAX_WARNINGS
    expected = sum(
        (len(g) > 1) + (k not in values and k != "pin" and k[:4] != "pin.")
        for k, g in pairs.items()
    )
    assert bad == expected


def test_the_link_length_bound():
    assert MAX_LINK_CHARS == 8000  # RFC 9110 4.1 / RFC 9112 3: support at least 8000 octets
    assert not link_too_long("x" * MAX_LINK_CHARS)
    assert link_too_long("x" * (MAX_LINK_CHARS + 1))


def test_lever_paths_over_a_long_horizon_make_a_link_too_long():
    """Why the bound matters: year-by-year paths (a goal-seek's answer) over 2025-2100 on
    a few levers pass 8,000 characters."""
    scn = Scenario().with_values({"global.horizon": 2100})
    paths = {}
    for lid in PATHABLE[:6]:
        lev = LEVERS[lid]
        paths[lid] = {
            y: lev.lo + (lev.hi - lev.lo) * ((y * 7919) % 1000) / 1000.37 for y in range(2030, 2101)
        }
    scn = scn.with_paths(paths)
    query = urllib.parse.urlencode({**scn.changed(), **path_params(scn)})
    link = "http://127.0.0.1:8501/?" + query
    assert link_too_long(link)
    values, warnings, _ = parse_link(query, VIEWS)  # it still reads back whole
    assert warnings == [] and values["lever_paths"] == scn.paths()
