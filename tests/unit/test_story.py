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
