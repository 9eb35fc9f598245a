"""Shared fixtures. The project root is put on sys.path so tests run from a clean clone."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rebalancing import Scenario, simulate  # noqa: E402


@pytest.fixture(scope="session")
def default_results():
    return simulate(Scenario())


@pytest.fixture(scope="session")
def two_country_results():
    return simulate(Scenario().with_values({"global.two_country": True}))
