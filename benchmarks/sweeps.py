"""Lever sweeps of the model-consistent engine (issue 22, "no cliffs"): every continuous
lever from the low to the high end of its range in steps of 1/100 (the model-consistent
engine's validated range where it is narrower, ``levers.CONSISTENT_RANGES``), the other
levers at their defaults, in four-region or two-country mode. For each lever: the largest
change of any output gap (every path, region and year, in percentage points) between
neighbouring settings, where it happens, and the settings the engine refused.

Run on demand (about 1-3 min a mode on 2 cores; tests/tiers/test_sweeps.py runs the same
sweeps as batches and bounds each step)::

    python -m benchmarks.sweeps four [LEVER ...] > sweeps_four.json
    python -m benchmarks.sweeps two

Progress (one line a lever) goes to stderr, the JSON to stdout.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np

from rebalancing import LEVERS, ModelError, Scenario, simulate
from rebalancing.errors import ScenarioError
from rebalancing.levers import CONSISTENT_RANGES

STEPS = 100


def sweep(lid: str, two_country: bool) -> dict:
    """One lever's sweep: largest neighbour-to-neighbour change of any output gap (pp)."""
    lev = LEVERS[lid]
    lo, hi = CONSISTENT_RANGES.get(lid, (lev.lo, lev.hi))
    base = Scenario().with_values(
        {"global.expectations": "model-consistent", "global.two_country": two_country}
    )
    prev, worst, at, refused = None, 0.0, None, []
    t0 = time.perf_counter()
    for k in range(STEPS + 1):
        v = lo + (hi - lo) * k / STEPS
        try:
            gaps = np.asarray(
                simulate(base.with_values({lid: float(v)})).variables["output_gap_pct"]
            )
        except (ModelError, ScenarioError):
            refused.append(round(v, 6))
            prev = None
            continue
        if prev is not None:
            d = float(np.abs(gaps - prev).max())
            if d > worst:
                worst, at = d, v
        prev = gaps
    return {
        "lever": lid,
        "range": [lo, hi],
        "max_jump_pp": worst,
        "at": at,
        "refused": refused,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore", RuntimeWarning)
    if not argv or argv[0] not in ("four", "two"):
        print(__doc__, file=sys.stderr)
        return 2
    only = set(argv[1:])
    rows = []
    for lid, lev in LEVERS.items():
        if lev.kind != "float" or (only and lid not in only):
            continue
        row = sweep(lid, argv[0] == "two")
        rows.append(row)
        print(
            f"{lid}: {row['max_jump_pp']:.3f} pp at {row['at']}, "
            f"{len(row['refused'])} refused, {row['seconds']:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    json.dump({"mode": argv[0], "steps": STEPS, "levers": rows}, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
