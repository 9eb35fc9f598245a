"""No cliffs (issue 22): every continuous lever moves every path continuously. The full
sweeps (every lever from end to end in steps of 1/100 of its range, both modes:
``python -m benchmarks.sweeps four|two``, 15-25 min a mode, docs/benchmarks.md) are run on
demand; the suite sweeps, in the same steps, the windows where cliffs were found or would
hurt most: the five steps inside each end of the range the default engine is validated for,
and the five steps either side of the default. Integer and choice levers are exempt (the
crisis year, the side, the timing rule, the phase-in years): a step of theirs is a
different scenario."""

import numpy as np
import pytest

from rebalancing import LEVERS, PATHS, Scenario
from rebalancing.batch import run_batch
from rebalancing.levers import validated_range

STEPS = 100
WINDOW = 5
#: The largest change of any output gap between neighbouring settings (pp): issue 22's bound
MAX_JUMP = 1.0

CONTINUOUS = [lid for lid, lev in LEVERS.items() if lev.kind == "float"]
EXEMPT = [lid for lid, lev in LEVERS.items() if lev.kind in ("int", "choice", "bool")]


def windows(lid: str) -> list[np.ndarray]:
    """The lever's settings swept: runs of neighbouring settings 1/100 of its range apart."""
    lev = LEVERS[lid]
    lo, hi = validated_range(lid)
    step = (lev.hi - lev.lo) / STEPS
    d = min(max(lev.default, lo), hi)
    runs = [
        lo + step * np.arange(WINDOW + 1),
        hi - step * np.arange(WINDOW, -1, -1),
        d + step * np.arange(-WINDOW, WINDOW + 1),
    ]
    return [np.clip(r, lo, hi) for r in runs]


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
    xs = windows(lid)
    b = run_batch(base, {lid: np.concatenate(xs)}, paths_of(lid))
    gaps = b.variables(["output_gap_pct"])["output_gap_pct"]
    assert np.isfinite(gaps).all()
    start = 0
    for run in xs:
        g = gaps[start : start + len(run)]
        start += len(run)
        jump = np.abs(np.diff(g, axis=0)).max()
        assert jump <= MAX_JUMP, (lid, float(run[0]), float(run[-1]), float(jump))
