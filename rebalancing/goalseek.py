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

A path of the instrument (:func:`goal_seek_path`, ``rebalancing goal --instrument-path``),
for a target from a year on: the lever gets a value per year (a lever path,
:attr:`rebalancing.Scenario.lever_paths`), found year by year as FRB/US's target-instrument
solver does. For each year t from the target year to the horizon, in order, u_t is the
lever's value within its range that puts the target series exactly on the target in year t,
the values of the years before already fixed (the model is recursive: a year's value
changes no earlier year). Each year is a one-dimensional problem solved as above (a batched
grid; exact if affine, brentq in a bracket, else the closest point in range). Years before
the target year keep the lever's value. The whole path is confirmed by one
:func:`~rebalancing.simulate`, and each year is a hit only if its gap is at most ``tol``.

With model-consistent expectations the model is not recursive: a later year's value,
foreseen, moves the earlier years too. The path is then solved for all its years at once:
Newton's method on the years' gaps from the lever's value in every year, its Jacobian by
forward differences (one run a year) reused for every step (:func:`_newton_path`); a year
whose value reaches the range's end and still misses is held there (the closest).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .batch import batchable, run_batch
from .calibration import BASE_YEAR
from .errors import ScenarioError
from .levers import FIRST_PATH_YEAR, LEVERS, check_pathable, number_from_text
from .paths import PATHS
from .results import simulate
from .scenario import Scenario
from .series import ALIASES, GOAL_TARGETS, series
from .series import needs as series_needs
from .series import unit as series_unit
from .series import values as series_values
from .story import goal_sentence

#: Targets the "What would it take?" panel offers: (region, variable, label), from the
#: catalogue of series (rebalancing.series.GOAL_TARGETS).
TARGETS = tuple((r, v, series(r, v).title) for r, v in GOAL_TARGETS)

TOL = 1e-6
GRID = 9
#: Newton steps for a path when years see the future (module docstring).
MAX_NEWTON = 20

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
        """The answer in one sentence, by lever id (:func:`rebalancing.story.goal_sentence`)."""
        return goal_sentence(self)


def instruments() -> list[str]:
    """Levers a goal-seek can move: the continuous ones that change a path (not the seed,
    the draws, the horizon or the policy start year)."""
    skip = {"global.seed", "global.draws", "global.horizon", "global.policy_start"}
    return [lid for lid, lev in LEVERS.items() if lev.kind == "float" and lid not in skip]


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
            f"{', '.join(ALIASES)})",
            "target",
        ) from None
    if target.variable == "bilateral_balance" and target.region not in ("US", "CN"):
        raise ScenarioError("target: the bilateral balance is the US's or China's", "target")
    if not 2025 <= target.year <= scenario.global_.horizon:
        raise ScenarioError(
            f"target: year {target.year} is outside 2025-{scenario.global_.horizon}", "target"
        )


def _range(instrument: str, lo, hi) -> tuple[float, float]:
    lev = LEVERS[instrument]
    lo = float(lev.lo if lo is None else lo)
    hi = float(lev.hi if hi is None else hi)
    if not lev.lo <= lo < hi <= lev.hi:
        raise ScenarioError(f"{instrument}: search range [{lo}, {hi}] outside [{lev.lo}, {lev.hi}]")
    return lo, hi


def _target_series(
    base: Scenario, instrument: str, xs: np.ndarray, path: str, tgt: Target
) -> np.ndarray:
    """The target's series on ``path`` (rows, T), ``base`` with ``instrument`` at each
    value of ``xs``: one batched run."""
    b = run_batch(base, {instrument: xs}, (path,))
    v = b.variables(series_needs(tgt.variable))
    return series_values(v, b.regions, tgt.region, tgt.variable)[:, b.run_paths.index(path)]


def _run_series(res, path: str, tgt: Target) -> np.ndarray:
    """The target's series (T,) on ``path`` of a single run's results ``res``."""
    v = {name: res.variables[name][None] for name in series_needs(tgt.variable)}
    return series_values(v, res.regions, tgt.region, tgt.variable)[0, res.run_paths.index(path)]


def _inputs(
    scenario: Scenario | None, target: Target | str, instrument: str, path: str | None
) -> tuple[Scenario, Target, str]:
    """The start (default: the defaults), the target parsed, the path (default: the
    instrument's), checked together (:func:`_check`)."""
    scn = scenario or Scenario()
    tgt = parse_target(target) if isinstance(target, str) else target
    path = path or default_path(instrument)
    _check(scn, tgt, instrument, path)
    return scn, tgt, path


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
    scn, tgt, path = _inputs(scenario, target, instrument, path)
    lo, hi = _range(instrument, lo, hi)
    # One value: the instrument's lever path, if it has one, is dropped (the answer is a
    # value for every year).
    scn = scn.with_paths({instrument: None}) if scn.path_of(instrument) else scn
    x0 = float(scn.get(instrument))
    t0 = tgt.year - BASE_YEAR
    count = [0]

    def series(xs) -> np.ndarray:
        """The target series (rows, T) at the lever values xs."""
        xs = np.atleast_1d(np.asarray(xs, float))
        count[0] += len(xs)
        return _target_series(scn, instrument, xs, path, tgt)

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
    s = _run_series(res, path, tgt)
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


@dataclass(frozen=True)
class PathGoalResult:
    """The answer of :func:`goal_seek_path`: the instrument's value in each year from the
    target year on, and what each achieves."""

    target: Target
    instrument: str
    path: str
    years: tuple[int, ...]  # the target year to the horizon
    values: tuple[float, ...]  # the lever's value in each of those years
    achieved: tuple[float, ...]  # the target series in each year (the confirming run)
    methods: tuple[str, ...]  # "linear", "brentq" or "closest", each year
    start_value: float  # the lever's value in the starting scenario
    start_achieved: tuple[float, ...]  # the target series there, each year
    evaluations: int  # model runs (rows of batches and single runs)
    seconds: float
    lo: float
    hi: float
    tol: float
    scenario: Scenario  # the starting scenario with the lever path applied

    @property
    def gaps(self) -> tuple[float, ...]:
        """achieved - target value, each year."""
        return tuple(a - self.target.value for a in self.achieved)

    @property
    def hits(self) -> tuple[bool, ...]:
        """Each year: the target is met to ``tol`` there."""
        return tuple(m != "closest" and abs(g) <= self.tol for m, g in zip(self.methods, self.gaps))

    @property
    def hit(self) -> bool:
        """Every year from the target year on is met to ``tol``."""
        return all(self.hits)

    @property
    def lever_path(self) -> dict[int, float]:
        """``{year: value}``: the lever path applied in :attr:`scenario`."""
        return dict(zip(self.years, self.values))

    @property
    def setting(self) -> str:
        """``path.<lever>=2030:1.5,2031:2.0``: the share link's form."""
        from .share import path_param

        return "=".join(path_param(self.instrument, self.lever_path))

    @property
    def largest_step(self) -> float:
        """Largest change of the lever from one year to the next (from the starting value
        before the target year)."""
        v = np.array((self.start_value, *self.values))
        return float(np.abs(np.diff(v)).max())

    def message(self) -> str:
        """The answer in one sentence, by lever id (:func:`rebalancing.story.goal_sentence`)."""
        return goal_sentence(self)


def goal_seek_path(
    scenario: Scenario | None,
    target: Target | str,
    instrument: str,
    *,
    path: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    tol: float = TOL,
    grid: int = GRID,
) -> PathGoalResult:
    """A path of ``instrument`` (a value per year in [lo, hi], default the lever's range)
    that brings a from-a-year-on ``target`` about in every year from its year on, solved
    year by year (see the module docstring); where a year cannot be hit, the closest value
    in range. ``scenario`` (default: the defaults) is the start; an existing path of the
    instrument is kept before the target year and replaced from it on."""
    start_time = time.perf_counter()
    scn, tgt, path = _inputs(scenario, target, instrument, path)
    check_pathable(instrument, "instrument")
    if not tgt.onwards:
        raise ScenarioError(
            f"target: a path of the instrument needs a target from a year on "
            f"({tgt.region}.{tgt.variable}={tgt.value:g}@{tgt.year}+)",
            "target",
        )
    if tgt.year < FIRST_PATH_YEAR:
        raise ScenarioError(f"target: a lever path starts in {FIRST_PATH_YEAR}", "target")
    lo, hi = _range(instrument, lo, hi)
    x0 = float(scn.get(instrument))
    horizon = scn.global_.horizon
    years = list(range(tgt.year, horizon + 1))
    # Years before the target year: the lever's value (or its existing path), written out
    # so that the scalar lever can carry each year's candidates from the year solved on.
    old = scn.path_of(instrument)
    fixed = {y: old.get(y, x0) for y in range(FIRST_PATH_YEAR, tgt.year)}
    count = [0]

    def series(base: Scenario, xs) -> np.ndarray:
        """The target series (rows, T) of ``base`` with the scalar lever at xs."""
        xs = np.atleast_1d(np.asarray(xs, float))
        count[0] += len(xs)
        return _target_series(base, instrument, xs, path, tgt)

    values, methods = [], []
    prev = x0 if not fixed else fixed[max(fixed)]
    if scn.global_.expectations == "model-consistent":
        ts = np.array(years) - BASE_YEAR

        def gaps(u: np.ndarray) -> np.ndarray:
            count[0] += 1
            trial = scn.with_paths({instrument: {**fixed, **dict(zip(years, map(float, u)))}})
            return _run_series(simulate(trial, (path,)), path, tgt)[ts] - tgt.value

        u, held = _newton_path(gaps, np.full(len(years), prev), lo, hi, tol)
        fixed.update(zip(years, map(float, u)))
        values = [float(x) for x in u]
        methods = ["closest" if h else "newton" for h in held]
    else:
        for year in years:
            t = year - BASE_YEAR
            base = scn.with_paths({instrument: dict(fixed)}).with_values({instrument: prev})
            x, method = _solve_year(
                lambda xs, base=base, t=t: series(base, xs)[:, t] - tgt.value, lo, hi, grid, prev
            )
            x = float(x)
            fixed[year] = x
            values.append(x)
            methods.append(method)
            prev = x
    new_path = {y: v for y, v in fixed.items() if y >= tgt.year or y in old}
    final = scn.with_paths({instrument: new_path})
    res = simulate(final, (path,))
    start = simulate(scn, (path,))
    count[0] += 2
    t0 = tgt.year - BASE_YEAR

    def achieved(r) -> tuple[float, ...]:
        return tuple(float(a) for a in _run_series(r, path, tgt)[t0:])

    return PathGoalResult(
        target=tgt,
        instrument=instrument,
        path=path,
        years=tuple(years),
        values=tuple(values),
        achieved=achieved(res),
        methods=tuple(methods),
        start_value=x0,
        start_achieved=achieved(start),
        evaluations=count[0],
        seconds=time.perf_counter() - start_time,
        lo=lo,
        hi=hi,
        tol=tol,
        scenario=final,
    )


def _newton_path(evaluate, u0: np.ndarray, lo: float, hi: float, tol: float):
    """The path u (n,) in [lo, hi] with ``evaluate(u)`` (n,), the target gaps of its years,
    zero where it can be: Newton's method for a model whose years see the future (each
    year's value moves the others' gaps). The Jacobian is taken once by forward differences
    (n runs) and reused (the model is nearly linear in the instrument); a year whose value
    reaches a bound and still misses drops out (its value stays there: the closest in
    range). Returns (u, held): ``held`` marks the years at a bound."""
    u = np.clip(np.asarray(u0, float), lo, hi)
    g = evaluate(u)
    n = len(u)
    J = np.empty((n, n))
    for j in range(n):
        h = 1e-3 * (hi - lo) * (1 if u[j] + 1e-3 * (hi - lo) <= hi else -1)
        up = u.copy()
        up[j] += h
        J[:, j] = (evaluate(up) - g) / h
    held = np.zeros(n, bool)
    for _ in range(MAX_NEWTON):
        free = ~held
        if not free.any() or np.abs(g[free]).max() <= tol / 10:
            break
        step = np.linalg.lstsq(J[np.ix_(free, free)], -g[free], rcond=None)[0]
        trial = u.copy()
        trial[free] += step
        out = (trial < lo) | (trial > hi)
        u = np.clip(trial, lo, hi)
        held |= out
        g = evaluate(u)
    return u, held


def _solve_year(gap, lo: float, hi: float, grid: int, prev: float) -> tuple[float, str]:
    """The root of ``gap`` (a function of an array of lever values, vectorised: one batched
    run) in [lo, hi]: (value, method). Exact if gap is affine on a grid, brentq in a bracket,
    else the point of the smallest |gap| (nearest ``prev`` among equals)."""
    xs = np.linspace(lo, hi, grid)
    g = gap(xs)
    if not np.isfinite(g).all():
        raise ScenarioError("goal-seek: the model gave no finite value on the lever's range")

    def f(x: float) -> float:
        return float(gap([x])[0])

    scale = max(1.0, float(np.abs(g).max()))
    line = np.polyfit(xs, g, 1)
    if np.abs(np.polyval(line, xs) - g).max() <= 1e-9 * scale and line[0] != 0:
        root = -line[1] / line[0]
        if lo <= root <= hi:
            return float(root), "linear"
    zero = np.flatnonzero(g == 0)
    if len(zero):
        return float(xs[zero[np.argmin(np.abs(xs[zero] - prev))]]), "brentq"
    change = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    if len(change):
        k = change[np.argmin(np.abs((xs[change] + xs[change + 1]) / 2 - prev))]
        x = brentq(f, xs[k], xs[k + 1], xtol=1e-12, rtol=8.9e-16, maxiter=200)
        return float(x), "brentq"
    if np.ptp(g) <= 1e-12 * scale:  # the lever does not move this year's target
        return prev, "closest"
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
    return x, "closest"
