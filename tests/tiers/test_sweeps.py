"""No cliffs (issue 22): every continuous lever moves every path continuously. Each is swept
from end to end of the range the default engine is validated for, in steps of 1/100 of its
range, in both modes, the other levers at their defaults, as one batch (each row solved from
the last one's solution) of only the paths the lever acts on; the largest change of any
output gap between neighbouring settings must stay within 1 pp. ``python -m
benchmarks.sweeps`` reports where each lever's largest step is (docs/benchmarks.md).
Integer and choice levers are exempt (the crisis year, the side, the timing rule, the
phase-in years): a step of theirs is a different scenario."""

import numpy as np
import pytest

from rebalancing import LEVERS, PATHS, Scenario
from rebalancing.batch import run_batch
from rebalancing.levers import validated_range

STEPS = 100
#: The largest change of any output gap between neighbouring settings (pp): issue 22's bound
MAX_JUMP = 1.0

CONTINUOUS = [lid for lid, lev in LEVERS.items() if lev.kind == "float"]
EXEMPT = [lid for lid, lev in LEVERS.items() if lev.kind in ("int", "choice", "bool")]


def settings(lid: str) -> np.ndarray:
    """The lever's settings swept: 1/100 of its range apart, over its validated range."""
    lev = LEVERS[lid]
    lo, hi = validated_range(lid)
    step = (lev.hi - lev.lo) / STEPS
    return np.append(np.arange(lo, hi - step / 2, step), hi)


def paths_of(lid: str) -> tuple[str, ...]:
    """The paths the lever acts on (a path's own lever: that path; else every path)."""
    group = LEVERS[lid].group
    return (group,) if group in PATHS else PATHS


def test_every_lever_is_swept_or_exempt():
    assert set(CONTINUOUS) | set(EXEMPT) == set(LEVERS)
    assert len(CONTINUOUS) == 40


@pytest.mark.parametrize("two_country", [False, True], ids=["four", "two"])
@pytest.mark.parametrize("lid", CONTINUOUS)
def test_no_output_gap_jumps_between_neighbouring_settings(lid, two_country):
    base = Scenario().with_values({"global.two_country": two_country})
    xs = settings(lid)
    b = run_batch(base, {lid: xs}, paths_of(lid))
    gaps = b.variables(["output_gap_pct"])["output_gap_pct"]
    assert np.isfinite(gaps).all()
    steps = np.abs(np.diff(gaps, axis=0)).reshape(len(xs) - 1, -1).max(-1)
    k = int(steps.argmax())
    assert steps[k] <= MAX_JUMP, (lid, float(xs[k]), float(xs[k + 1]), float(steps[k]))
