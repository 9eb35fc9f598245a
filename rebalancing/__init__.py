"""Rebalancing: an exact multi-region accounting model of how the US-China imbalance could
unwind, comparing five paths (status quo, orderly, disorderly, unilateral, sub-global).

    >>> from rebalancing import simulate, default_scenario
    >>> res = simulate(default_scenario())
    >>> res.to_frame()            # tidy: path, region, year, variable, value, unit
"""

import importlib.metadata as _metadata

try:
    __version__ = _metadata.version("rebalancing")  # pyproject.toml, via installed metadata
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"

from .calibration import BASE_YEAR, REGION_NAMES, REGIONS2, REGIONS4, calibrate  # noqa: E402
from .data import DataError  # noqa: E402
from .errors import FileError, IdentityError, ModelError, RebalancingError  # noqa: E402
from .paths import PATH_HELP, PATH_TITLES, PATHS  # noqa: E402
from .results import VARIABLES, Results, simulate  # noqa: E402
from .scenario import (  # noqa: E402
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

__all__ = [
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
