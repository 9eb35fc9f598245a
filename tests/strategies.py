"""Hypothesis strategies over the scenario's levers (imported by the property tests), and
scenarios shared between test modules."""

from hypothesis import strategies as st

from rebalancing import LEVERS, Scenario


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
def scenarios(draw, max_horizon=2060, expectations="adaptive"):
    """Random admissible scenarios: every lever drawn over its range (horizon capped for
    speed; the long-horizon end is covered by its own test). ``expectations``: the engine
    (the whole lever box is the adaptive engine's; the model-consistent engine's validated
    box is drawn by :func:`consistent_scenarios`)."""
    values = {"global.expectations": expectations}
    for lid, lev in LEVERS.items():
        if lid == "global.expectations":
            continue
        if lid == "global.horizon":
            values[lid] = draw(st.integers(lev.lo, max_horizon))
        else:
            values[lid] = draw(lever_values(lev))
    return Scenario().with_values(values)


@st.composite
def lever_paths(draw, horizon=2040, max_levers=3):
    """Random lever paths: up to ``max_levers`` levers that can follow a path, each with
    values drawn over its range in random years inside 2025-horizon."""
    from rebalancing.scenario import FIRST_PATH_YEAR, PATHABLE

    lids = draw(st.lists(st.sampled_from(PATHABLE), min_size=1, max_size=max_levers, unique=True))
    years = st.integers(FIRST_PATH_YEAR, horizon)
    return {
        lid: draw(st.dictionaries(years, lever_values(LEVERS[lid]), min_size=1, max_size=16))
        for lid in lids
    }


#: The groups whose levers the model-consistent engine is validated for over their whole
#: ranges, jointly (docs/model.md section 3b.7): the paths' policies. The status quo's
#: assumptions and the global parameters are validated one at a time (the sweeps).
CONSISTENT_GROUPS = ("orderly", "disorderly", "unilateral", "subglobal")


@st.composite
def consistent_scenarios(draw):
    """Random scenarios for the model-consistent engine: every path lever over its range
    (its validated range, levers.CONSISTENT_RANGES, where narrower), the rest at their
    defaults, in four-region or two-country mode."""
    values = {
        "global.expectations": "model-consistent",
        "global.two_country": draw(st.booleans()),
    }
    from rebalancing.levers import CONSISTENT_RANGES

    for lid, lev in LEVERS.items():
        if lid in CONSISTENT_RANGES:
            lo, hi = CONSISTENT_RANGES[lid]
            values[lid] = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
        elif lid.split(".")[0] in CONSISTENT_GROUPS:
            values[lid] = draw(lever_values(lev))
    return Scenario().with_values(values)


#: Decades of a return on net foreign assets above US growth, no risk premium to turn the
#: dollar, and fast Chinese growth: US external debt spirals.
SPIRAL = {
    "global.horizon": 2100,
    "global.return_on_nfa": 5.0,
    "global.growth_US": 0.0,
    "global.growth_CN": 6.0,
    "global.risk_premium": 0.0,
    "baseline.follow_projection": False,
    "global.expectations": "adaptive",  # growth_CN 6 is beyond the model-consistent range
}
