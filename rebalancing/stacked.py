"""Stacked-time solution of a model with one lag and one lead (docs/model.md, section 3b).

Every year of every path row is solved at once: the unknowns are ``x`` of shape (B, T, m)
(B rows, T years, m unknowns a year), the model is a residual function ``F(x)`` of the same
shape whose year-t residuals depend on years t-1, t and t+1 only (lags and leads of one
year; longer ones are written as extra unknowns). Its Jacobian is then block tridiagonal,

    L_t dx_{t-1} + D_t dx_t + U_t dx_{t+1} = -F_t ,

solved by block elimination (the block Thomas algorithm, Isaacson and Keller 1966), batched
over the rows: T steps of small dense (B, m, m) operations, not a general sparse LU of
(B T m) unknowns. This is Laffargue's (1990), Boucekkine's (1995) and Juillard's (1996)
stacked-time Newton, the method of Dynare's perfect-foresight solver and of FRB/US's
model-consistent mode, with the structure exploited.

The Jacobian blocks are finite differences with a colouring (Curtis, Powell and Reid 1974):
unknown j of every third year moves at once, since a year's residuals see only its
neighbours, so 3 m evaluations of ``F`` (one batched call) give all three blocks. Newton
steps re-use a factorisation while they converge fast enough (the chord method, Kelley
2003, ch. 5), and take a new one when they do not.

Written here rather than taken from a library: scipy's sparse LU solves one matrix at a
time, while a lever move solves several paths and a Monte Carlo chunk thousands of rows of
the same structure; the batched block elimination is a few dozen lines (tests/unit/test_stacked.py
checks it against scipy's dense solve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ModelError


@dataclass
class Factors:
    """A block-tridiagonal matrix factored for :func:`solve`: for every year t, ``inv[t]``
    is the inverse of the eliminated diagonal block and ``up[t] = inv[t] U_t``, (B, m, m)."""

    inv: np.ndarray  # (T, B, m, m)
    up: np.ndarray  # (T, B, m, m)
    low: np.ndarray  # (T, B, m, m): L_t


def factor(L: np.ndarray, D: np.ndarray, U: np.ndarray) -> Factors:
    """Block LU of the block-tridiagonal matrix with blocks ``L, D, U`` of shape
    (T, B, m, m) (``L[0]`` and ``U[-1]`` are ignored). Raises ModelError if an eliminated
    block is singular (the linearised model has no unique solution there)."""
    T = D.shape[0]
    inv = np.empty_like(D)
    up = np.empty_like(D)
    prev = None
    for t in range(T):
        d = D[t] if prev is None else D[t] - L[t] @ prev
        try:
            inv[t] = np.linalg.inv(d)
        except np.linalg.LinAlgError:
            raise ModelError(
                f"the stacked system is singular in year index {t} (the model has no unique "
                "solution there)"
            ) from None
        up[t] = inv[t] @ U[t]
        prev = up[t]
    return Factors(inv=inv, up=up, low=L)


def solve(f: Factors, r: np.ndarray) -> np.ndarray:
    """x with ``L_t x_{t-1} + D_t x_t + U_t x_{t+1} = r_t`` for r of shape (T, B, m) (or
    (T, B, m, k) for k right-hand sides)."""
    T = r.shape[0]
    vec = r.ndim == 3
    rr = r[..., None] if vec else r
    y = np.empty_like(rr)
    prev = None
    for t in range(T):
        b = rr[t] if prev is None else rr[t] - f.low[t] @ prev
        y[t] = f.inv[t] @ b
        prev = y[t]
    x = y
    for t in range(T - 2, -1, -1):
        x[t] = y[t] - f.up[t] @ x[t + 1]
    return x[..., 0] if vec else x


def blocks(F, x: np.ndarray, h: float = 1e-7, f0: np.ndarray | None = None) -> tuple:
    """The Jacobian blocks (L, D, U), each (T, B, m, m), of ``F`` at ``x`` (B, T, m), by
    coloured forward differences: unknown j of the years t with t % 3 == c moves by ``h``
    times max(1, |x|) in one evaluation, for every (c, j) in one batched call of ``F``
    (3 m B rows). A year's residuals see only its neighbours, so in the residuals of year
    t' exactly one moved year appears: t' - 1 (block L), t' (D) or t' + 1 (U).

    ``F`` must take a batch (B', T, m) of any B' and treat its rows independently; ``f0``
    is ``F(x)`` if the caller has it."""
    B, T, m = x.shape
    step = h * np.maximum(1.0, np.abs(x))  # (B, T, m)
    colour = np.arange(T) % 3
    X = np.broadcast_to(x, (3, m, B, T, m)).copy()
    for c in range(3):
        sel = colour == c
        for j in range(m):
            X[c, j, :, sel, j] += step[:, sel, j].T
    if f0 is None:
        f0 = F(x)
    fx = F(X.reshape(3 * m * B, T, m)).reshape(3, m, B, T, m) - f0  # (c, j, B, t', i)
    L = np.zeros((T, B, m, m))
    D = np.zeros((T, B, m, m))
    U = np.zeros((T, B, m, m))
    for tp in range(T):
        for k, target in ((-1, L), (0, D), (1, U)):
            t = tp + k
            if 0 <= t < T:
                c = t % 3
                # target[tp][b, i, j] = dF_{tp, i} / dx_{t, j}
                target[tp] = np.moveaxis(fx[c, :, :, tp, :], 0, -1) / step[:, t, None, :]
    return L, D, U
