"""rebalancing.story: the scenario in sentences, read from the results."""

import re

from rebalancing import LEVERS
from rebalancing.story import summary, with_labels


def test_every_number_in_the_story_is_one_of_the_results(default_results):
    lines = summary(default_results)
    assert lines[0].startswith("Status quo:")
    us = default_results.value("baseline", "US", "current_account_pct_gdp", 2030)
    assert f"{round(us, 1) + 0.0:+.1f}%" in lines[0]
    assert len(lines) == len(default_results.paths)
    for line in lines:
        assert "-0.0%" not in line and "nan" not in line


def test_lever_ids_are_replaced_by_their_labels():
    text = with_labels("see orderly.kappa and global.nope")
    assert f"'{LEVERS['orderly.kappa'].label}'" in text and "global.nope" in text
    assert not re.search(r"\borderly\.kappa\b", text)


def test_a_crisis_dated_past_the_shown_years_is_no_crisis_for_the_story(default_results):
    """Found by the random walk (seed 59076): a crisis year past the last shown year made
    the story read a year the results do not have; within the shown years it is the crisis
    year, past them there is none (Results.crisis_year)."""
    import copy

    from rebalancing.story import summary

    res = copy.copy(default_results)
    res.__dict__.pop("variables", None)
    sol = copy.deepcopy(res.solution)
    k = res.run_paths.index("disorderly")
    sol.crisis_year[k] = int(res.years[-1]) + 3
    res.solution = sol
    assert res.crisis_year() is None
    assert all("crisis hits" not in s for s in summary(res))
    sol.crisis_year[k] = int(res.years[-1])
    assert res.crisis_year() == int(res.years[-1])
