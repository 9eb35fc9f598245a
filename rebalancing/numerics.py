"""Numerical helpers shared by the blocks and the engine.

NumPy's reductions over a short last axis (the n regions or K currencies of a (P, n, n)
batch) spend most of their time in per-row loop overhead: on 2,000 rows of 4 x 4 matrices
``x.sum(-1)`` takes about 120 us, the same additions written as array operations about
15 us. The engine makes a few dozen such reductions a year, so on large batches (Monte
Carlo draws, sweeps) they were its largest single cost.
"""

from __future__ import annotations

import numpy as np

_add_reduce = np.add.reduce

#: Arrays smaller than this are reduced by NumPy itself (its call costs less than n adds).
SMALL = 2048


def sum_last(x: np.ndarray) -> np.ndarray:
    """``x.sum(-1)``, as sequential additions over the last axis (x[..., 0] + x[..., 1] +
    ...): for fewer than 8 terms NumPy adds in this order too, so the two are the same to
    the bit (checked in tests/test_numerics.py); small arrays go to NumPy directly."""
    n = x.shape[-1]
    if n == 0 or n > 7 or x.size < SMALL:
        return _add_reduce(x, -1)
    out = x[..., 0].copy()
    for k in range(1, n):
        out += x[..., k]
    return out


def sum_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis)`` by :func:`sum_last` over that axis."""
    if x.size < SMALL:
        return _add_reduce(x, axis)
    return sum_last(np.moveaxis(x, axis, -1))


def max_last(x: np.ndarray) -> np.ndarray:
    """``x.max(-1)`` as elementwise maxima over a short last axis (NaN propagates, as in
    NumPy's)."""
    n = x.shape[-1]
    if n == 0 or n > 7 or x.size < SMALL:
        return x.max(-1)
    out = x[..., 0].copy()
    for k in range(1, n):
        np.maximum(out, x[..., k], out=out)
    return out
