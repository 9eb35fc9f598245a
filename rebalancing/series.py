"""The catalogue of series: a region's variable with the one label, unit and number format
every face shows it with (the charts, the Monte Carlo fans, goal-seek, the story, the
headline table and the exports).

A series is ``(region, variable)`` of :data:`rebalancing.results.VARIABLES` (or one of the
per-partner variables ``exports_to_R``, ``tariff_on_R``). :data:`SERIES` holds the ones
the product names; :func:`series` gives any other a plain default. The groups below say
where each is used, so that adding a headline series is one line here (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import VARIABLES, Results

PCT_GDP = "% of GDP"


@dataclass(frozen=True)
class Series:
    """One region's variable as the product shows it: ``label`` (words, no unit), ``unit``
    (as shown; :meth:`rebalancing.Results.unit` is the CSV's), ``digits`` after the point."""

    region: str
    variable: str
    label: str
    unit: str
    digits: int = 1

    @property
    def key(self) -> tuple[str, str]:
        return self.region, self.variable

    @property
    def title(self) -> str:
        """Label and unit: ``US current account, % of GDP`` (table rows, fan labels)."""
        return f"{self.label}, {self.unit}"

    @property
    def fmt(self) -> str:
        """The number format (Python and d3 alike): thousands separators, ``digits``."""
        return f",.{self.digits}f"

    def format(self, value: float) -> str:
        """``value`` as text in this series' format, rounded first (never "-0.0")."""
        v = float(value)
        if not np.isfinite(v):
            return "n/a"
        return format(round(v, self.digits) + 0.0, self.fmt)


def _s(region, variable, label, unit=PCT_GDP, digits=1) -> Series:
    return Series(region, variable, label, unit, digits)


#: Every series the product names, by (region, variable).
SERIES: dict[tuple[str, str], Series] = {
    s.key: s
    for s in (
        _s("US", "current_account_pct_gdp", "US current account"),
        _s("CN", "current_account_pct_gdp", "China current account"),
        _s("BLOC", "current_account_pct_gdp", "EU + CPTPP bloc current account"),
        _s("ROW", "current_account_pct_gdp", "Rest of the world current account"),
        _s("CN", "consumption_pct_gdp", "China household consumption"),
        _s("US", "saving_pct_gdp", "US national saving"),
        _s("US", "gdp_vs_baseline_pct", "US GDP vs status quo", "%"),
        _s("CN", "gdp_vs_baseline_pct", "China GDP vs status quo", "%"),
        _s("US", "nfa_pct_gdp", "US net foreign assets"),
        _s("CN", "nfa_pct_gdp", "China net foreign assets"),
        _s("US", "niip_pct_gdp", "US net international investment position"),
        _s("CN", "niip_pct_gdp", "China net international investment position"),
        _s("US", "bilateral_balance", "US-China bilateral balance", "USD bn", 0),
        _s("CN", "bilateral_balance", "China-US bilateral balance", "USD bn", 0),
    )
}

#: The headline series: the headline table's rows and the Monte Carlo fans' series, in
#: this order.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("US", "current_account_pct_gdp"),
    ("CN", "current_account_pct_gdp"),
    ("CN", "consumption_pct_gdp"),
    ("US", "saving_pct_gdp"),
    ("US", "gdp_vs_baseline_pct"),
    ("CN", "gdp_vs_baseline_pct"),
    ("US", "nfa_pct_gdp"),
    ("CN", "nfa_pct_gdp"),
    ("US", "bilateral_balance"),
)

#: The compare view's charts that can carry Monte Carlo bands: chart id -> the series of
#: each panel.
COMPARE_PANELS: dict[str, tuple[tuple[str, str], ...]] = {
    "ca": (("US", "current_account_pct_gdp"), ("CN", "current_account_pct_gdp")),
    "gdp_vs_sq": (("US", "gdp_vs_baseline_pct"), ("CN", "gdp_vs_baseline_pct")),
    "cn_consumption": (("CN", "consumption_pct_gdp"),),
    "us_saving": (("US", "saving_pct_gdp"),),
    "nfa": (("US", "nfa_pct_gdp"), ("CN", "nfa_pct_gdp")),
    "bilateral": (("US", "bilateral_balance"),),
}

#: The targets "What would it take?" offers, in this order (the second, China's current
#: account, is the report's question and the default).
GOAL_TARGETS: tuple[tuple[str, str], ...] = (
    ("US", "current_account_pct_gdp"),
    ("CN", "current_account_pct_gdp"),
    ("CN", "consumption_pct_gdp"),
    ("US", "bilateral_balance"),
    ("US", "niip_pct_gdp"),
)

#: Other names users and the issues use for variables (goal-seek and sensitivity targets).
ALIASES = {
    "consumption_share": "consumption_pct_gdp",
    "ca_pct_gdp": "current_account_pct_gdp",
    "niip": "niip_pct_gdp",
    "bilateral": "bilateral_balance",
}


def series(region: str, variable: str) -> Series:
    """The catalogue's series, or a plain one for any other variable (its id as label,
    the CSV's unit)."""
    hit = SERIES.get((region, variable))
    if hit is not None:
        return hit
    unit = Results.unit(variable)
    return Series(region, variable, f"{region} {variable}", unit, 0 if "USD" in unit else 1)


def unit(variable: str) -> str:
    """The CSV's unit of a variable (:meth:`rebalancing.Results.unit`)."""
    return Results.unit(variable)


def needs(variable: str) -> list[str]:
    """The reported variables a series is read from (itself); KeyError for an unknown one."""
    if variable not in VARIABLES and not variable.startswith(("exports_to_", "tariff_on_")):
        raise KeyError(f"{variable}: unknown variable")
    return [variable]


def values(variables: dict, regions, region: str, variable: str) -> np.ndarray:
    """(rows..., T) of one region's series from a batch's variables
    (:meth:`rebalancing.batch.Batch.variables`)."""
    return variables[variable][..., regions.index(region)]
