"""Rebalancing: an exact multi-region accounting model of how the US-China imbalance could
unwind, comparing five paths (status quo, orderly, disorderly, unilateral, sub-global).

    >>> from rebalancing import simulate, default_scenario
    >>> res = simulate(default_scenario())
    >>> res.to_frame()            # tidy: path, region, year, variable, value, unit
"""

from .calibration import BASE_YEAR, REGION_NAMES, REGIONS2, REGIONS4, calibrate
from .data import DataError
from .errors import FileError, IdentityError, ModelError, RebalancingError
from .paths import PATH_HELP, PATH_TITLES, PATHS
from .results import VARIABLES, Results, simulate
from .scenario import (
    GROUP_TITLES,
    GROUPS,
    LEVERS,
    Scenario,
    ScenarioError,
    default_scenario,
    dumps_scenario,
    load_scenario,
    parse_scenario,
    save_scenario,
)
from .version import FORMAT_VERSION, __version__

__all__ = [
    "__version__",
    "FORMAT_VERSION",
    "BASE_YEAR",
    "REGIONS4",
    "REGIONS2",
    "REGION_NAMES",
    "PATHS",
    "PATH_TITLES",
    "PATH_HELP",
    "VARIABLES",
    "LEVERS",
    "GROUPS",
    "GROUP_TITLES",
    "Scenario",
    "Results",
    "simulate",
    "default_scenario",
    "load_scenario",
    "parse_scenario",
    "save_scenario",
    "dumps_scenario",
    "calibrate",
    "RebalancingError",
    "DataError",
    "FileError",
    "IdentityError",
    "ModelError",
    "ScenarioError",
]
