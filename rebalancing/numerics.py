"""Numerical helpers shared by the blocks and the engine.

NumPy's reductions over a short last axis (the n regions or K currencies of a (P, n, n)
batch) spend most of their time in per-row loop overhead; the same additions written as
array operations over whole columns take a fraction of it. The engine makes a few dozen
such reductions a year, so on large batches (Monte Carlo draws, sweeps) they were its
largest single cost (the measurements: docs/benchmarks.md, "Why the code is as it is").
"""

from __future__ import annotations

import numpy as np

_add_reduce = np.add.reduce

# clip(x, lo, hi): the ufunc that np.clip ends in, called directly: the same operation, so
# the same bits (signed zeros and NaN included, where np.minimum(np.maximum(...)) differs in
# the sign of a zero at a zero bound), without np.clip's wrapper, most of the call's time
# on the year loop's (P, n) arrays (tests/unit/test_numerics.py).
try:
    from numpy._core.umath import clip
except ImportError:  # a NumPy without that module: its public function
    clip = np.clip

#: Arrays smaller than this are reduced by NumPy itself (its call costs less than n adds).
SMALL = 2048


def sum_last(x: np.ndarray) -> np.ndarray:
    """``x.sum(-1)``, as sequential additions over the last axis (x[..., 0] + x[..., 1] +
    ...): for fewer than 8 terms NumPy adds in this order too, so the two are the same to
    the bit (checked in tests/unit/test_numerics.py); small arrays go to NumPy directly."""
    n = x.shape[-1]
    if n < 2 or n > 7 or x.size < SMALL:
        return _add_reduce(x, -1)
    out = x[..., 0] + x[..., 1]  # not a copy of x[..., 0] and an add: one pass fewer
    for k in range(2, n):
        out += x[..., k]
    return out


def sum_last_diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``sum_last(x - y)`` (x, y of one shape) without the difference array: the same
    differences added in the same order, one (..., )-slice at a time."""
    n = x.shape[-1]
    if n == 0 or n > 7 or x.size < SMALL:
        return _add_reduce(x - y, -1)
    out = x[..., 0] - y[..., 0]
    for k in range(1, n):
        out += x[..., k] - y[..., k]
    return out


#: Arrays of at most this many bytes (they stay in the processor's cache) are summed over
#: their second-last axis column by column (:func:`sum_axis`).
CACHED_BYTES = 1 << 20


def sum_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis)`` by :func:`sum_last` over that axis, or, over the second-last axis of
    an array that stays in cache, column by column (the same additions in the same order):
    each addition is then one loop over the rows, not one loop of four elements per row.
    On larger arrays the columns' strided passes cost more than that saves."""
    if x.size < SMALL:
        return _add_reduce(x, axis)
    if (
        x.ndim >= 2
        and axis % x.ndim == x.ndim - 2
        and 2 <= x.shape[-2] <= 7
        and x.dtype == np.float64  # the columns' sums are float64 (x.sum keeps x's type)
        and x.nbytes <= CACHED_BYTES
    ):
        return _sum_columns(x)
    return sum_last(np.moveaxis(x, axis, -1))


def _sum_columns(x: np.ndarray) -> np.ndarray:
    """``x.sum(-2)`` for x (..., n, m), n <= 7: each column's n terms added in order."""
    n, m = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (m,))
    for j in range(m):
        col = out[..., j]
        np.add(x[..., 0, j], x[..., 1, j], out=col)
        for i in range(2, n):
            col += x[..., i, j]
    return out


def max_last(x: np.ndarray) -> np.ndarray:
    """``x.max(-1)`` as elementwise maxima over a short last axis (NaN propagates, as in
    NumPy's)."""
    n = x.shape[-1]
    if n < 2 or n > 7 or x.size < SMALL:
        return x.max(-1)
    out = np.maximum(x[..., 0], x[..., 1])
    for k in range(2, n):
        np.maximum(out, x[..., k], out=out)
    return out


def tile_last(a: np.ndarray, n: int) -> np.ndarray:
    """``a[..., None, :]`` broadcast to (..., n, m), as a contiguous array (``np.tile``).

    Why: NumPy runs a product with the broadcast view as one inner loop of m elements per
    (..., n) index; with this array it is one loop over all elements: the same products,
    faster on large batches. Small arrays get the broadcast view (tiling would cost more
    than it saves)."""
    if a.size * n < SMALL:
        return a[..., None, :]
    return np.tile(a, n).reshape(a.shape[:-1] + (n, a.shape[-1]))


#: Batches of at least this many systems are solved by :func:`solve_small` (below it,
#: ``numpy.linalg.solve``'s one LAPACK call a system costs less than the elimination's
#: fixed number of array operations).
SOLVE_ROWS = 256


def solve_small(M: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (P, n) with ``M x = b`` for a batch of small systems, M (P, n, n), b (P, n): Gaussian
    elimination without row exchanges, as operations on whole (P,) columns of the batch
    (its entries moved to the last, contiguous axis).

    Why: ``numpy.linalg.solve`` calls LAPACK once per system, and NumPy's array operations
    on (P, 4, 4) arrays loop four elements at a time; here each of the elimination's ~50
    operations loops over all P systems at once, several times faster on thousands of
    systems (docs/benchmarks.md). Without row exchanges it is as accurate as partial
    pivoting only where
    partial pivoting would exchange no rows, as for matrices diagonally dominant by
    columns: the goods market's ``I - B diag(k)`` is one (B column-stochastic, |k| < 1).
    A zero pivot raises ``numpy.linalg.LinAlgError``, as ``numpy.linalg.solve`` does for a
    singular matrix; NaN propagates as there.
    """
    A = np.moveaxis(M, (-2, -1), (0, 1)).copy()  # (n, n, P)
    x = np.moveaxis(b, -1, 0).copy()  # (n, P)
    return np.moveaxis(eliminate(A, x), 0, -1)


def eliminate(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """:func:`solve_small` on systems stored with the batch last: A (n, n, P) and x (n, P),
    both overwritten; returns x, the solutions (n, P)."""
    n = A.shape[0]
    for k in range(n):
        pivot = A[k, k]
        if not pivot.all():
            raise np.linalg.LinAlgError("Singular matrix")
        for i in range(k + 1, n):
            f = A[i, k] / pivot
            A[i, k + 1 :] -= f * A[k, k + 1 :]
            x[i] -= f * x[k]
    for k in range(n - 1, -1, -1):
        for j in range(k + 1, n):
            x[k] -= A[k, j] * x[j]
        x[k] /= A[k, k]
    return x
