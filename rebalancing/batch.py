"""Many scenarios in one batched engine run.

A batch is a base scenario and R rows of lever values, ``{lever id: array (R,)}``: row r is
the base scenario with those levers set. The engine solves every path of every row in one
run (path row ``r * P + p``), so R scenarios cost about R x P paths of the year loop's
array operations, not R calls of :func:`~rebalancing.simulate`. The Monte Carlo fans
(:mod:`rebalancing.uncertainty`), the sweeps (:mod:`rebalancing.sweep`), the goal-seek
(:mod:`rebalancing.goalseek`) and the sensitivity analysis (:mod:`rebalancing.sensitivity`)
all run through :func:`run_batch`.

With ``drift="own"`` (the default) each row is exactly :func:`~rebalancing.simulate` of its
scenario (to rounding; ``tests/unit/test_batch.py``): the status quo is steered onto the
published projections for that row's levers (docs/model.md 3.8), the steering of all rows
solved together (:func:`rebalancing.drift.status_quo_drifts`). With ``drift="base"`` every
row keeps the base scenario's steering: the Monte Carlo's choice (docs/uncertainty.md).

Every row's accounts are checked as a single run's are (:func:`rebalancing.identities.check`):
a batch with a residual above 1e-9 of world GDP raises :class:`IdentityError` naming the
path and the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from . import identities as idn
from .calibration import Calibration
from .data import data_key
from .drift import status_quo_drifts
from .engine import Solution, run
from .errors import ScenarioError
from .inputs import (
    NO_PATH_EFFECT,
    PARAM_LEVERS,
    calibrated,
    params_from_levers,
    reference_knots,
    status_quo_drift,
    steering_scenario,
)
from .levers import LEVERS, unknown_lever_message
from .paths import PATHS, build_paths, crisis_rows, spec_rows, stack_specs
from .results import all_variables, derive_variables
from .scenario import Scenario

#: Levers that cannot vary within one batch (they change the years, the regions or the
#: crisis side): run one batch per setting instead.
STRUCTURAL = (
    "global.horizon",
    "global.two_country",
    "global.expectations",
    "disorderly.side",
    "disorderly.timing",
)

#: Levers that :func:`rebalancing.paths.build_paths` reads beyond the per-row crisis levers:
#: a batch that varies one of them builds the paths of each distinct setting.
SPEC_LEVERS = (
    "global.policy_start",
    "baseline.us_tariff_on_cn",
    "baseline.cn_tariff_on_us",
    "baseline.us_tariff_on_others",
    *(lid for lid, lev in LEVERS.items() if lev.group in ("orderly", "unilateral", "subglobal")),
)

#: Levers the status quo's steering depends on (all global and status-quo levers, as the
#: cache of :func:`rebalancing.simulate` has it).
DRIFT_LEVERS = tuple(
    lid
    for lid, lev in LEVERS.items()
    if lev.group in ("global", "baseline") and lid not in NO_PATH_EFFECT
)


def batchable(lid: str) -> bool:
    """Whether lever ``lid`` may vary within a batch (numeric or on/off, not structural)."""
    lev = LEVERS.get(lid)
    return lev is not None and lid not in STRUCTURAL and lev.kind in ("int", "float", "bool")


def check_values(values: dict) -> tuple[dict[str, np.ndarray], int]:
    """Validate a batch's lever values: each a lever that may vary (:func:`batchable`), an
    array of R finite values inside the lever's range (whole numbers for years and counts,
    0/1 for on/off levers). Returns the arrays in the levers' types and R. Raises
    :class:`ScenarioError` naming the lever."""
    out, sizes = {}, set()
    for lid, v in values.items():
        if lid not in LEVERS:
            raise ScenarioError(unknown_lever_message(lid), lid)
        lev = LEVERS[lid]
        if not batchable(lid):
            why = (
                "changes the years, regions or crisis side: run one batch per setting"
                if lid in STRUCTURAL
                else f"is a choice ({'|'.join(lev.choices or ())}), not a number"
            )
            raise ScenarioError(f"{lid}: cannot vary within a batch; it {why}", lid)
        a = np.asarray(v)
        if a.ndim != 1 or a.dtype.kind not in "biuf":
            raise ScenarioError(f"{lid}: expected a list of numbers", lid)
        a = a.astype(float)
        if not np.isfinite(a).all():
            raise ScenarioError(f"{lid}: values must be finite numbers", lid)
        if lev.kind == "bool":
            if not np.isin(a, (0.0, 1.0)).all():
                raise ScenarioError(f"{lid}: expected 0 or 1 (off/on)", lid)
            a = a.astype(bool)
        else:
            bad = (a < lev.lo) | (a > lev.hi)
            if bad.any():
                raise ScenarioError(
                    f"{lid}: {a[bad][0]:g} is out of range [{lev.lo}, {lev.hi}] ({lev.unit})",
                    lid,
                )
            if lev.kind == "int":
                if (a != np.round(a)).any():
                    raise ScenarioError(f"{lid}: expected whole numbers ({lev.unit})", lid)
                a = a.astype(int)
        out[lid] = a
        sizes.add(len(a))
    if len(sizes) > 1:
        raise ScenarioError(f"levers: the value lists differ in length {sorted(sizes)}")
    return out, (sizes.pop() if sizes else 1)


def _python(v):
    """A numpy scalar as the Python value a Scenario holds."""
    return v.item() if isinstance(v, np.generic) else v


@dataclass
class Batch:
    """R scenarios solved together: row r is ``scenario`` with ``values[lid][r]`` set.

    ``solution`` has R x P path rows, row ``r * P + p`` for path ``run_paths[p]``.
    """

    scenario: Scenario
    values: dict[str, np.ndarray]
    paths: tuple[str, ...]  # requested
    run_paths: tuple[str, ...]  # solved (always with the status quo)
    calibration: Calibration
    solution: Solution
    anchor_miss: np.ndarray  # (R,) how far each row's status quo misses its anchors
    residuals: dict[str, np.ndarray] = field(repr=False)  # (R P, T) share of world GDP
    crisis_quantile: np.ndarray | None = None  # (R,) where the hazard timed the crisis

    @property
    def R(self) -> int:
        return len(self.anchor_miss)

    @property
    def P(self) -> int:
        return len(self.run_paths)

    @property
    def regions(self) -> tuple[str, ...]:
        return self.calibration.regions

    @property
    def years(self) -> np.ndarray:
        return self.solution.years

    @cached_property
    def max_residual(self) -> float:
        """Largest identity residual of any row, path, region and year, share of world GDP."""
        return float(max(np.max(r) for r in self.residuals.values()))

    def row_scenario(self, r: int) -> Scenario:
        """The scenario of row r."""
        return self.scenario.with_values({k: _python(v[r]) for k, v in self.values.items()})

    def variables(self, only=None) -> dict[str, np.ndarray]:
        """Reported variables (all, or those in ``only``), each (R, P, T, n)."""
        base = np.arange(self.R * self.P) // self.P * self.P + self.run_paths.index("baseline")
        crisis_region = self.regions.index(self.scenario.disorderly.side)
        v = derive_variables(self.solution, self.regions, base, crisis_region, only)
        return {k: a.reshape((self.R, self.P) + a.shape[1:]) for k, a in v.items()}

    def crisis_years(self) -> np.ndarray:
        """(R,) the disorderly path's crisis year in each row, 0 where none in the shown
        years (the model-consistent engine solves years past the horizon too)."""
        if "disorderly" not in self.run_paths:
            return np.zeros(self.R, dtype=int)
        y = self.solution.crisis_year.reshape(self.R, self.P)[:, self.run_paths.index("disorderly")]
        return np.where(y <= self.years[-1], y, 0)

    def frame(self, variables=None, first_draw: int = 0) -> pd.DataFrame:
        """Tidy table of the requested paths: the ``run`` CSV's columns ``path, region,
        year, variable, value, unit`` with a ``draw`` column first (row r is draw
        ``first_draw + r``). Rows are ordered by draw, then as the ``run`` CSV orders
        them (variable, path, year, region), so a draw's rows are its single run's table
        and the order does not depend on how the draws were batched."""
        from .results import Results

        names = list(variables) if variables else all_variables(self.regions)
        v = self.variables(names)
        idx = [self.run_paths.index(p) for p in self.paths]
        R, V, P, T, n = self.R, len(names), len(idx), len(self.years), len(self.regions)
        values = np.stack([v[name][:, idx] for name in names], axis=1)  # (R, V, P, T, n)
        units = [Results.unit(name) for name in names]
        unit_cats = list(dict.fromkeys(units))

        def cat(codes, categories):
            # Text columns as categoricals: a table of millions of rows is built from small
            # integer codes, not millions of strings.
            return pd.Categorical.from_codes(codes, categories=categories)

        var_codes = np.repeat(np.arange(V), P * T * n)
        return pd.DataFrame(
            {
                "draw": np.repeat(np.arange(first_draw, first_draw + R), V * P * T * n),
                "path": cat(np.tile(np.repeat(np.arange(P), T * n), R * V), list(self.paths)),
                "region": cat(np.tile(np.arange(n), R * V * P * T), list(self.regions)),
                "year": np.tile(np.repeat(self.years, n), R * V * P),
                "variable": cat(np.tile(var_codes, R), names),
                "value": values.reshape(-1),
                "unit": cat(
                    np.tile(np.array([unit_cats.index(u) for u in units])[var_codes], R),
                    unit_cats,
                ),
            }
        )


def run_batch(
    scenario: Scenario | None,
    values: dict,
    paths=PATHS,
    *,
    drift: str = "own",
    crisis_quantile: np.ndarray | None = None,
    keep=None,
) -> Batch:
    """Solve R scenarios at once: ``scenario`` with each row of ``values`` (``{lever id:
    values (R,)}``) set; every requested path (and the status quo) of every row.

    ``drift``: "own" steers each row's status quo onto the published projections for its
    own levers (each row then equals :func:`~rebalancing.simulate` of its scenario); "base"
    keeps the base scenario's steering for every row. ``crisis_quantile`` (R,): where the
    hazard times the crisis (``disorderly.timing = hazard``), the crisis starts in the first
    year its survival probability is at most this (a uniform draw gives a year drawn from
    the hazard; 0.5, the default, its median year). ``keep``: the raw solution arrays to
    record (:func:`~rebalancing.engine.run`; None: all), e.g.
    :func:`~rebalancing.results.solution_fields` of the variables wanted; the engine then
    checks every row's accounts year by year instead of afterwards, and the batch's
    :meth:`Batch.variables` and :meth:`Batch.frame` can derive only variables of those
    arrays. Raises ScenarioError for bad values, ModelError or IdentityError as
    :func:`~rebalancing.simulate` does.
    """
    base = scenario or Scenario()
    values, R = check_values(values)
    req = tuple(dict.fromkeys(paths))
    unknown = [p for p in req if p not in PATHS]
    if unknown or not req:
        raise ScenarioError(f"paths: unknown path id(s) {', '.join(unknown) or '(none)'}")
    run_paths = tuple(p for p in PATHS if p in req or p == "baseline")
    P = len(run_paths)
    row_of = np.repeat(np.arange(R), P)  # the scenario of each path row
    flat = base.flat()
    lev = {lid: values.get(lid, flat[lid]) for lid in LEVERS}
    cal, prm = calibrated(base)
    if any(lid in values for lid in PARAM_LEVERS):
        # Derived once a scenario row and repeated over its paths (the same values as
        # derived for every path row, in a fifth of the time).
        prm = params_from_levers(
            cal, {lid: lev[lid] for lid in PARAM_LEVERS}, base.global_.horizon
        ).take(row_of)

    # The paths: built once and repeated, or once per distinct setting of their levers.
    varied = [lid for lid in SPEC_LEVERS if lid in values]
    if varied:
        firsts, inverse = _distinct(values, varied)
        built = [
            build_paths(
                base.with_values({lid: _python(values[lid][r]) for lid in varied}), cal, run_paths
            )
            for r in firsts
        ]
        spec = stack_specs([built[u] for u in inverse])
    else:
        spec = spec_rows(build_paths(base, cal, run_paths), np.tile(np.arange(P), R))
    spec = replace(spec, **crisis_rows(lev, row_of))
    if crisis_quantile is not None:
        q = np.asarray(crisis_quantile, float)
        if q.shape != (R,) or not ((q > 0) & (q < 1)).all():
            raise ValueError("crisis_quantile: expected R numbers in (0, 1)")
        spec = replace(spec, crisis_quantile=q[row_of])
    spec = replace(spec, names=tuple(f"{p} (row {r})" for r in range(R) for p in run_paths))

    if base.global_.expectations == "model-consistent":
        from .levers import consistent_range_problem

        for r in range(R):
            bad = consistent_range_problem(
                {**base.flat(), **{k: _python(v[r]) for k, v in values.items()}}
            )
            if bad:
                raise ScenarioError(f"row {r}: {bad[1]}", bad[0])
        sol = _run_consistent(base, values, R, run_paths, cal, spec)
        miss = np.zeros(R)
        resid = idn.check(sol, spec.names, sol.years)
    else:
        drift_rows, miss = _drifts(base, values, lev, R, cal, prm, spec, row_of, P, drift)
        sol = run(cal, prm, spec, drift=drift_rows, keep=keep)
        if sol.residuals is None:
            resid = idn.check(sol, spec.names, sol.years)
        else:  # checked year by year in the run
            resid = idn.check_residuals(sol.residuals, spec.names, sol.years)
    return Batch(
        scenario=base,
        values=values,
        paths=req,
        run_paths=run_paths,
        calibration=cal,
        solution=sol,
        anchor_miss=miss,
        residuals=resid,
        crisis_quantile=None if crisis_quantile is None else np.asarray(crisis_quantile, float),
    )


def _distinct(values: dict, levers: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct settings of ``levers`` among the rows: the first row of each, and each
    row's setting (an index into the first)."""
    _, firsts, inverse = np.unique(
        np.column_stack([values[lid].astype(float) for lid in levers]),
        axis=0,
        return_index=True,
        return_inverse=True,
    )
    return firsts, inverse.reshape(-1)


def _drifts(base, values, lev, R, cal, prm, spec, row_of, P, mode):
    """The status quo's steering for every path row, and each row's miss (R,)."""
    if mode not in ("own", "base"):
        raise ValueError(f"drift: {mode!r} is not 'own' or 'base'")
    varied = [lid for lid in DRIFT_LEVERS if lid in values]
    if mode == "base" or not varied:
        if not base.baseline.follow_projection:
            return None, np.zeros(R)
        d, miss = status_quo_drift(steering_scenario(base), data_key())
        return d, np.full(R, miss)
    # One search per distinct setting of the levers the steering depends on, all at once.
    firsts, inverse = _distinct(values, varied)
    follow = np.broadcast_to(np.asarray(lev["baseline.follow_projection"], bool), (R,))
    steer = firsts[follow[firsts]]  # representative rows of the settings that steer
    drifts = np.zeros((len(firsts), len(spec.years), cal.n, 2))
    misses = np.zeros(len(firsts))
    if len(steer):
        rows = steer * P + PATHS.index("baseline")  # run_paths start with the status quo
        z0 = reference_knots(base.global_.two_country, base.global_.horizon, data_key())
        d, m = status_quo_drifts(cal, prm.take(rows), spec_rows(spec, rows), z0)
        sel = follow[firsts]
        drifts[sel], misses[sel] = d, m
    return drifts[inverse][row_of], misses[inverse]


def _run_consistent(base, values, R, run_paths, cal, spec) -> Solution:
    """Every row of a batch solved with model-consistent expectations
    (:mod:`rebalancing.engine3`), each as :func:`~rebalancing.simulate` solves its scenario
    (the status quo's structural shifts of its anchor setting), one row at a time: each
    starts from the last one's Jacobian and solution, so a row near the last costs a few
    chord steps. ``spec`` has the rows' paths (R x P rows, the crisis levers and quantiles
    set)."""
    from .engine3 import run as run3
    from .inputs import structural_shifts

    P = len(run_paths)
    key = data_key()
    sols = []
    for r in range(R):
        scn = base.with_values({k: _python(v[r]) for k, v in values.items()})
        cal_r, prm_r = calibrated(scn)
        spec_r = replace(spec_rows(spec, np.arange(r * P, (r + 1) * P)), names=run_paths)
        sol, _ = run3(cal_r, prm_r, spec_r, anchor=False, shifts=structural_shifts(scn, key))
        sols.append(sol)
    return concat_solutions(sols)


def concat_solutions(sols: list[Solution]) -> Solution:
    """The path rows of several solutions of the same years and regions, one after another."""
    if len(sols) == 1:
        return sols[0]
    first = sols[0]
    kw = {}
    for f in first.__dataclass_fields__:
        a = getattr(first, f)
        if f == "years":
            kw[f] = a
        elif f == "alpha":  # (n,) per solution: one row per path row
            kw[f] = np.concatenate(
                [
                    np.broadcast_to(np.asarray(s.alpha), (s.Y.shape[0], 1, s.Y.shape[-1]))
                    for s in sols
                ]
            )
        elif isinstance(a, np.ndarray):
            kw[f] = np.concatenate([getattr(s, f) for s in sols])
        else:
            kw[f] = a
    return Solution(**kw)
