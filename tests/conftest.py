"""Shared fixtures. The tests import the installed package (`bash .ci/setup` installs it,
editable, into .venv); nothing here edits sys.path."""

import pytest

from rebalancing import Scenario, charts, simulate

# Every figure built under test is validated by plotly (the dashboard skips it for speed).
charts.VALIDATE = True


@pytest.fixture(scope="session")
def default_results():
    return simulate(Scenario())


@pytest.fixture(scope="session")
def two_country_results():
    return simulate(Scenario().with_values({"global.two_country": True}))
