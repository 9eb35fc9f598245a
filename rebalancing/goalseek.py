"""What would it take: goal-seek, the lever setting (the instrument) that hits a target.

A target is a region's series on a path in a year, ``CN.current_account_pct_gdp=1.0@2030``
("China's current account at 1% of GDP in 2030"), or from a year on, ``...=1.0@2030+``
("at 1% of GDP in 2030 and on the target's side every year after": the path from 2030 on
must not cross back). The instrument is a continuous lever (``orderly.cn_consumption_rise``),
searched within its range; the target's path is the instrument's own (an ``orderly`` lever
moves the orderly path; a global or status-quo lever the status quo) unless given.

Method (as FRB/US's target-instrument solver does for one pair, here on the whole model):

1. The target's gap ``f(x) = series(x) - target`` is evaluated on a grid of the lever's
   range in one batched run (:func:`rebalancing.batch.run_batch`).
2. If f is affine in x on that grid (to 1e-9 of its range), the root is the straight line's:
   exact, one more run confirms it.
3. Otherwise a sign change between grid points brackets a root and
   :func:`scipy.optimize.brentq` finds it (to 1e-12 in the lever's unit).
4. With no sign change the target is out of reach: the closest point (a bounded scalar
   minimisation of |f| around the best grid point) is reported with what it achieves.

Every answer is confirmed by :func:`~rebalancing.simulate` of the scenario with the lever set
there, and reported as hit only if that run's gap is at most ``tol`` (1e-6 in the target's
unit) -- a model that jumps (a crisis starting a year earlier) can bracket a root it cannot
hit.

For "from a year on" the gap is the binding year's: the smallest ``series - target`` over
the years if the target lies above the starting path's value in its first year (the path
must stay at or above it), the largest otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .batch import batchable, run_batch
from .paths import PATHS
from .results import simulate
from .scenario import LEVERS, Scenario, ScenarioError, number_from_text
from .uncertainty import EXTRA_SERIES, series_needs, series_unit, series_values

#: Names the issue and the app use for series, mapped to the model's variables.
ALIASES = {
    "consumption_share": "consumption_pct_gdp",
    "ca_pct_gdp": "current_account_pct_gdp",
    "niip": "niip_pct_gdp",
    "bilateral": "bilateral_balance",
}

#: Targets the "What would it take?" panel offers: (region, variable, label).
TARGETS = (
    ("US", "current_account_pct_gdp", "US current account, % of GDP"),
    ("CN", "current_account_pct_gdp", "China current account, % of GDP"),
    ("CN", "consumption_pct_gdp", "China household consumption, % of GDP"),
    ("US", "bilateral_balance", "US-China bilateral balance, USD bn"),
    ("US", "niip_pct_gdp", "US net international investment position, % of GDP"),
)

TOL = 1e-6
GRID = 9

_TARGET = re.compile(
    r"^\s*(?P<region>[A-Za-z]+)\.(?P<variable>[A-Za-z0-9_]+)\s*=\s*(?P<value>[-+0-9.eE]+)"
    r"\s*@\s*(?P<year>[0-9]{4})(?P<on>\+?)\s*$"
)


@dataclass(frozen=True)
class Target:
    """``region.variable = value`` in ``year`` (or every year from it on: ``onwards``)."""

    region: str
    variable: str
    value: float
    year: int
    onwards: bool = False

    def __str__(self) -> str:
        return f"{self.region}.{self.variable}={self.value:g}@{self.year}" + (
            "+" if self.onwards else ""
        )

    @property
    def unit(self) -> str:
        return series_unit(self.variable)


def parse_target(text: str) -> Target:
    """``CN.current_account_pct_gdp=1.0@2030`` (or ``@2030+``) as a :class:`Target`;
    ScenarioError names what is wrong."""
    m = _TARGET.match(text)
    if not m:
        raise ScenarioError(
            f"target: {text!r} is not REGION.VARIABLE=VALUE@YEAR (e.g. "
            "CN.current_account_pct_gdp=1.0@2030, or @2030+ for every year from 2030)",
            "target",
        )
    variable = ALIASES.get(m["variable"], m["variable"])
    value = number_from_text(m["value"], "target")  # ASCII, finite, not rounded to 0
    return Target(m["region"].upper(), variable, value, int(m["year"]), bool(m["on"]))


@dataclass(frozen=True)
class GoalResult:
    """The answer: ``value`` of ``instrument`` (the lever) and what it achieves."""

    target: Target
    instrument: str
    path: str
    hit: bool  # the target is met to ``tol`` at ``value``
    value: float  # the lever setting found (the closest one if not hit)
    achieved: float  # the target series (binding year's) at ``value``
    start_value: float  # the lever in the starting scenario
    start_achieved: float  # the target series there
    method: str  # "linear", "brentq" or "closest"
    evaluations: int  # model runs (rows of batches and single runs)
    lo: float
    hi: float
    scenario: Scenario  # the starting scenario with the lever at ``value``

    @property
    def gap(self) -> float:
        """achieved - target value."""
        return self.achieved - self.target.value

    @property
    def setting(self) -> str:
        """``lever=value``: the share link's (and the CLI's ``--set``) form."""
        return f"{self.instrument}={self.value:.10g}"

    def message(self) -> str:
        t, lev = self.target, LEVERS[self.instrument]
        what = f"{t.region} {t.variable} on the {self.path} path"
        when = f"from {t.year} on" if t.onwards else f"in {t.year}"
        if self.hit:
            return (
                f"{self.instrument} = {self.value:.6g} {lev.unit} brings {what} to "
                f"{self.achieved:.6g} {t.unit} {when} (target {t.value:g}; was "
                f"{self.start_achieved:.6g} at {self.start_value:g})."
            )
        if self.method != "closest":
            return (
                f"{self.instrument} cannot bring {what} exactly to {t.value:g} {t.unit} "
                f"{when}: it jumps across the target at {self.instrument} = "
                f"{self.value:.6g}, where it is {self.achieved:.6g}."
            )
        return (
            f"{self.instrument} cannot bring {what} to {t.value:g} {t.unit} {when} within "
            f"its range [{self.lo:g}, {self.hi:g}] {lev.unit}: the closest is "
            f"{self.achieved:.6g} at {self.instrument} = {self.value:.6g} "
            f"(was {self.start_achieved:.6g} at {self.start_value:g})."
        )


def default_path(instrument: str) -> str:
    """The path an instrument moves: its group's, the status quo for global and status-quo
    levers."""
    lev = LEVERS.get(instrument)
    if lev is None:
        raise ScenarioError(f"{instrument}: unknown lever", "instrument")
    return lev.group if lev.group in PATHS else "baseline"


def _check(scenario: Scenario, target: Target, instrument: str, path: str):
    if instrument not in LEVERS:
        raise ScenarioError(f"{instrument}: unknown lever", "instrument")
    lev = LEVERS[instrument]
    if lev.kind != "float" or not batchable(instrument):
        raise ScenarioError(
            f"{instrument}: the instrument must be a continuous lever (this one is "
            f"{lev.kind}); see `rebalancing levers`",
            "instrument",
        )
    if path not in PATHS:
        raise ScenarioError(f"path: {path!r} is not one of {', '.join(PATHS)}", "path")
    regions = ("US", "CN") if scenario.global_.two_country else ("US", "CN", "BLOC", "ROW")
    if target.region not in regions:
        raise ScenarioError(f"target: region {target.region} is not one of {regions}", "target")
    try:
        series_needs(target.variable)
    except KeyError:
        raise ScenarioError(
            f"target: {target.variable} is not a variable (see VARIABLES; also "
            f"{', '.join(EXTRA_SERIES)}, {', '.join(ALIASES)})",
            "target",
        ) from None
    if target.variable == "bilateral_balance" and target.region not in ("US", "CN"):
        raise ScenarioError("target: the bilateral balance is the US's or China's", "target")
    if not 2025 <= target.year <= scenario.global_.horizon:
        raise ScenarioError(
            f"target: year {target.year} is outside 2025-{scenario.global_.horizon}", "target"
        )


def goal_seek(
    scenario: Scenario | None,
    target: Target | str,
    instrument: str,
    *,
    path: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    tol: float = TOL,
    grid: int = GRID,
) -> GoalResult:
    """The setting of ``instrument`` (a lever id) in [lo, hi] (default: its range) that
    brings ``target`` about on ``path`` (default: the instrument's path), starting from
    ``scenario``; or, if none can, the closest setting. See the module docstring."""
    scn = scenario or Scenario()
    tgt = parse_target(target) if isinstance(target, str) else target
    path = path or default_path(instrument)
    _check(scn, tgt, instrument, path)
    lev = LEVERS[instrument]
    lo = float(lev.lo if lo is None else lo)
    hi = float(lev.hi if hi is None else hi)
    if not lev.lo <= lo < hi <= lev.hi:
        raise ScenarioError(f"{instrument}: search range [{lo}, {hi}] outside [{lev.lo}, {lev.hi}]")
    x0 = float(scn.get(instrument))
    t0 = tgt.year - 2024
    count = [0]

    def series(xs) -> np.ndarray:
        """The target series (rows, T) at the lever values xs."""
        xs = np.atleast_1d(np.asarray(xs, float))
        count[0] += len(xs)
        b = run_batch(scn, {instrument: xs}, (path,))
        v = b.variables(series_needs(tgt.variable))
        return series_values(v, b.regions, tgt.region, tgt.variable)[:, b.run_paths.index(path)]

    start = series([x0])[0]
    above = tgt.value >= start[t0]  # for "from a year on": which side the path must keep

    def gap_of(s: np.ndarray) -> np.ndarray:
        """Target gap of series (rows, T): the year's, or the binding year's from it on."""
        if not tgt.onwards:
            return s[..., t0] - tgt.value
        d = s[..., t0:] - tgt.value
        return d.min(-1) if above else d.max(-1)

    def f(x: float) -> float:
        return float(gap_of(series([x]))[0])

    xs = np.linspace(lo, hi, grid)
    g = gap_of(series(xs))
    if not np.isfinite(g).all():
        raise ScenarioError("goal-seek: the model gave no finite value on the lever's range")
    scale = max(1.0, float(np.abs(g).max()))
    line = np.polyfit(xs, g, 1)
    method, x = None, None
    if np.abs(np.polyval(line, xs) - g).max() <= 1e-9 * scale and line[0] != 0:
        root = -line[1] / line[0]
        if lo <= root <= hi:
            method, x = "linear", float(root)
    if method is None:
        zero = np.flatnonzero(g == 0)
        change = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
        if len(zero):
            method, x = "brentq", float(xs[zero[np.argmin(np.abs(xs[zero] - x0))]])
        elif len(change):
            k = change[np.argmin(np.abs((xs[change] + xs[change + 1]) / 2 - x0))]
            method = "brentq"
            x = float(brentq(f, xs[k], xs[k + 1], xtol=1e-12, rtol=8.9e-16, maxiter=200))
    if method is None:
        # Out of reach: the closest point is an end of the range, or (where |gap| dips
        # inside it) found by a bounded scalar minimisation around the best grid point.
        k = int(np.argmin(np.abs(g)))
        x = float(xs[k])
        if 0 < k < grid - 1:
            best = minimize_scalar(
                lambda x: abs(f(x)),
                bounds=(xs[k - 1], xs[k + 1]),
                method="bounded",
                options={"xatol": 1e-10},
            )
            if abs(best.fun) < abs(g[k]):
                x = float(best.x)
        method = "closest"

    final = scn.with_values({instrument: x})
    res = simulate(final, (path,))
    count[0] += 1
    v = {name: res.variables[name][None] for name in series_needs(tgt.variable)}
    s = series_values(v, res.regions, tgt.region, tgt.variable)[0, res.run_paths.index(path)]
    gap = float(gap_of(s[None])[0])
    achieved = gap + tgt.value
    hit = method != "closest" and abs(gap) <= tol
    return GoalResult(
        target=tgt,
        instrument=instrument,
        path=path,
        hit=hit,
        value=x,
        achieved=achieved,
        start_value=x0,
        start_achieved=float(gap_of(start[None])[0] + tgt.value),
        method=method,
        evaluations=count[0],
        lo=lo,
        hi=hi,
        scenario=final,
    )
