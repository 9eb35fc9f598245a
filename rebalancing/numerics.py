"""Numerical helpers shared by the blocks and the engine.

NumPy's reductions over a short last axis (the n regions or K currencies of a (P, n, n)
batch) spend most of their time in per-row loop overhead: on 2,000 rows of 4 x 4 matrices
``x.sum(-1)`` takes about 120 us, the same additions written as array operations about
15 us. The engine makes a few dozen such reductions a year, so on large batches (Monte
Carlo draws, sweeps) they were its largest single cost.
"""

from __future__ import annotations

import numpy as np


def sum_last(x: np.ndarray) -> np.ndarray:
    """``x.sum(-1)``, as sequential additions over the last axis (x[..., 0] + x[..., 1] +
    ...); the same sum as NumPy's to rounding (for n < 8 NumPy adds sequentially too)."""
    n = x.shape[-1]
    if n == 0 or n > 8:
        return x.sum(-1)
    out = x[..., 0].copy()
    for k in range(1, n):
        out += x[..., k]
    return out


def sum_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis)`` by :func:`sum_last` over that axis."""
    return sum_last(np.moveaxis(x, axis, -1))


def max_last(x: np.ndarray) -> np.ndarray:
    """``x.max(-1)`` as elementwise maxima over a short last axis (NaN propagates, as in
    NumPy's)."""
    n = x.shape[-1]
    if n == 0 or n > 8:
        return x.max(-1)
    out = x[..., 0].copy()
    for k in range(1, n):
        np.maximum(out, x[..., k], out=out)
    return out
