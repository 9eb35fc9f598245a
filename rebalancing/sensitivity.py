"""Global sensitivity: which assumptions drive the answer.

First-order (S1) and total (ST) Sobol' indices of chosen outputs (a region's series on a
path in a year, ``US.current_account_pct_gdp@2035``) to the levers, by SALib: Saltelli's
sampling scheme (``SALib.sample.sobol``: N (D + 2) model runs for D levers, on a scrambled
Sobol' sequence) and its estimators (``SALib.analyze.sobol``: Saltelli et al. 2010 for S1,
Jansen 1999 for ST, bootstrap confidence intervals). S1 is the share of the output's
variance a lever explains alone, ST with all its interactions; a lever the output does
not depend on has both exactly zero.

Each lever is drawn uniformly over its range (the levers' ranges are the model's validated
ones, docs/model.md 3.10); whole-number levers are rounded. The model runs go through
:func:`rebalancing.batch.run_batch`, all outputs' paths at once, the status quo re-anchored
for each setting as in a single run.

:func:`sobol_indices` is the model-free core (any function of a (runs, D) array), which
``tests/unit/test_sensitivity.py`` checks on the Ishigami function against its analytical
indices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .batch import run_batch
from .errors import ModelError, ScenarioError, shown_repr
from .levers import LEVERS
from .paths import PATHS
from .scenario import Scenario
from .series import ALIASES
from .series import needs as series_needs
from .series import values as series_values
from .sweep import check_size, default_levers

_OUTPUT = re.compile(
    r"^\s*(?P<region>[A-Za-z]+)\.(?P<variable>[A-Za-z0-9_]+)@(?P<year>[0-9]{4})\s*$"
)


@dataclass(frozen=True)
class Output:
    """One output: ``region.variable`` in ``year`` on ``path``."""

    region: str
    variable: str
    year: int
    path: str = "baseline"

    def __str__(self) -> str:
        return f"{self.region}.{self.variable}@{self.year} ({self.path})"


def parse_output(text: str, path: str = "baseline") -> Output:
    """``US.current_account_pct_gdp@2035`` as an :class:`Output` on ``path``."""
    m = _OUTPUT.match(text)
    if not m:
        raise ScenarioError(
            f"output: {text!r} is not REGION.VARIABLE@YEAR (e.g. US.current_account_pct_gdp@2035)",
            "output",
        )
    variable = ALIASES.get(m["variable"], m["variable"])
    try:
        series_needs(variable)
    except KeyError:
        raise ScenarioError(f"output: {variable} is not a variable", "output") from None
    if path not in PATHS:
        raise ScenarioError(f"path: {path!r} is not one of {', '.join(PATHS)}", "path")
    return Output(m["region"].upper(), variable, int(m["year"]), path)


#: The bootstrap's seed when the caller's is 0 (which SALib would take as no seed at all).
BOOTSTRAP_SEED_FOR_0 = 2**31 - 1


def check_base_sample(n) -> int:
    """Saltelli's scheme needs a base sample that is a power of 2 (SciPy's Sobol' sequence
    loses its balance otherwise, and SALib warns); at least 2, since the estimators
    divide by the sample's variance."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ScenarioError(
            f"sample: {n if isinstance(n, int) else shown_repr(n, 30)} is not a power of 2 of "
            "at least 2 (e.g. 64, 512, 1024)",
            "sample",
        )
    return int(n)


def sobol_indices(
    names: list[str],
    bounds: list[tuple[float, float]],
    func,
    n: int,
    *,
    seed: int = 0,
    outputs: list[str] | None = None,
    num_resamples: int = 100,
) -> pd.DataFrame:
    """S1 and ST (with 95% confidence half-widths) of each output of ``func`` to each
    input: ``func`` maps a (runs, D) array of inputs to (runs,) or (runs, K) outputs.
    Saltelli sampling with base sample ``n`` (a power of 2), no second-order terms.
    Returns a tidy table ``output, parameter, S1, S1_conf, ST, ST_conf``."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    n = check_base_sample(n)
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    X = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    Y = np.asarray(func(X), float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    outputs = outputs or [f"y{k}" for k in range(Y.shape[1])]
    rows = []
    for k, out in enumerate(outputs):
        y = Y[:, k]
        if np.var(y) == 0:  # a constant output: no lever explains anything
            si = {key: np.zeros(len(names)) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=num_resamples,
                # SALib seeds its bootstrap only for a true seed (`if seed:`), so seed 0
                # gave intervals that changed from run to run: 0 goes as 2**31 - 1.
                seed=seed or BOOTSTRAP_SEED_FOR_0,
                print_to_console=False,
            )
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": out,
                    "parameter": name,
                    "S1": float(si["S1"][j]),
                    "S1_conf": float(si["S1_conf"][j]),
                    "ST": float(si["ST"][j]),
                    "ST_conf": float(si["ST_conf"][j]),
                }
            )
    return pd.DataFrame(rows)


def sensitivity(
    scenario: Scenario | None,
    outputs: list[Output | str],
    levers: list[str] | None = None,
    n: int = 64,
    *,
    seed: int = 0,
    chunk: int = 512,
    max_settings: int | None = None,
) -> pd.DataFrame:
    """Sobol' indices of ``outputs`` to ``levers`` (default: every numeric lever that
    changes a path), each uniform over its range around nothing else of ``scenario``;
    ``n`` (a power of 2, at least 2) is the base sample: N (D + 2) model runs, refused
    before any is run if more than ``max_settings`` (default
    :data:`rebalancing.sweep.MAX_SETTINGS`). Tidy table ``output, parameter, S1, S1_conf,
    ST, ST_conf``, sorted by output and ST.

    The sample runs the adaptive engine (``global.expectations = adaptive``) whatever the
    scenario's: its levers vary over their whole ranges, beyond the model-consistent
    engine's validated ones, and N (D + 2) model-consistent runs would take minutes
    (docs/uncertainty.md, "Which engine")."""
    scn = (scenario or Scenario()).with_values({"global.expectations": "adaptive"})
    check_base_sample(n)
    outs = [parse_output(o) if isinstance(o, str) else o for o in outputs]
    levers = list(levers) if levers else default_levers(scn)
    for lid in levers:
        if lid not in LEVERS or LEVERS[lid].kind not in ("int", "float"):
            raise ScenarioError(f"{lid}: not a numeric lever", lid)
    for o in outs:
        if not 2024 <= o.year <= scn.global_.horizon:
            raise ScenarioError(f"output: year {o.year} outside 2024-{scn.global_.horizon}")
    runs = int(n) * (len(levers) + 2)
    check_size(runs, max_settings, f"N (levers + 2) = {n} x {len(levers) + 2}", "sample")
    paths = tuple(p for p in PATHS if any(o.path == p for o in outs))
    needs = sorted({v for o in outs for v in series_needs(o.variable)})

    def model(X: np.ndarray) -> np.ndarray:
        Y = np.empty((len(X), len(outs)))
        for s in range(0, len(X), chunk):
            part = X[s : s + chunk]
            values = {
                lid: (np.round(part[:, k]) if LEVERS[lid].kind == "int" else part[:, k])
                for k, lid in enumerate(levers)
            }
            try:
                b = run_batch(scn, values, paths)
            except ModelError as e:
                raise ModelError(
                    f"sensitivity: a sampled setting has no admissible solution ({e}); "
                    "narrow the levers (--levers) or their ranges"
                ) from None
            v = b.variables(needs)
            for k, o in enumerate(outs):
                y = series_values(v, b.regions, o.region, o.variable)
                Y[s : s + chunk, k] = y[:, b.run_paths.index(o.path), o.year - 2024]
        return Y

    bounds = [(float(LEVERS[lid].lo), float(LEVERS[lid].hi)) for lid in levers]
    df = sobol_indices(levers, bounds, model, n, seed=seed, outputs=[str(o) for o in outs])
    order = {str(o): k for k, o in enumerate(outs)}
    return (
        df.assign(_o=df.output.map(order))
        .sort_values(["_o", "ST"], ascending=[True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )
