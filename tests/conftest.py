"""Shared fixtures. The project root is put on sys.path so tests run from a clean clone."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import strategies as st  # noqa: E402

from rebalancing import LEVERS, Scenario, simulate  # noqa: E402


@pytest.fixture(scope="session")
def default_results():
    return simulate(Scenario())


@pytest.fixture(scope="session")
def two_country_results():
    return simulate(Scenario().with_values({"global.two_country": True}))


def lever_values(lev):
    """A hypothesis strategy over one lever's whole admissible range."""
    if lev.choices:
        return st.sampled_from(lev.choices)
    if lev.kind == "bool":
        return st.booleans()
    if lev.kind == "int":
        return st.integers(lev.lo, lev.hi)
    return st.floats(lev.lo, lev.hi, allow_nan=False, allow_infinity=False)


@st.composite
def scenarios(draw, max_horizon=2060):
    """Random admissible scenarios: every lever drawn over its range (horizon capped for
    speed; the long-horizon end is covered by its own test)."""
    values = {}
    for lid, lev in LEVERS.items():
        if lid == "global.horizon":
            values[lid] = draw(st.integers(lev.lo, max_horizon))
        else:
            values[lid] = draw(lever_values(lev))
    return Scenario().with_values(values)
