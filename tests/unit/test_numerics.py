"""The engine's short-axis reductions are NumPy's, to the bit (rebalancing/numerics.py)."""

import numpy as np
import pytest

from rebalancing.numerics import max_last, sum_axis, sum_last, sum_last_diff


# Shapes below and above SMALL: NumPy's own reduction and the array additions.
@pytest.mark.parametrize(
    "shape",
    [(5, 4, 4), (600, 4, 4), (5000, 4, 4), (200, 17, 4, 4), (3000, 2), (900, 7), (99, 7, 7)],
)
def test_sums_and_maxima_equal_numpys_bit_for_bit(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7, size=shape)
    for a in (x, np.swapaxes(x, -1, -2), x[..., ::-1]):
        np.testing.assert_array_equal(sum_last(a), a.sum(-1))
        np.testing.assert_array_equal(sum_axis(a, -2), a.sum(-2))
        np.testing.assert_array_equal(max_last(a), a.max(-1))
        np.testing.assert_array_equal(sum_last_diff(a, 2 * a), (a - 2 * a).sum(-1))


@pytest.mark.parametrize(
    "shape,axis,dtype",
    [
        ((5000,), -1, float),
        ((5000,), 0, float),
        ((600, 4, 4), 1, float),
        ((600, 4, 4), -2, np.float32),
        ((600, 4, 4), -2, np.int64),
        ((600, 4, 4), 0, float),
    ],
)
def test_sum_axis_is_numpys_sum_for_any_axis_and_type(shape, axis, dtype):
    """numerics.sum_axis: NumPy's sum, its values and its type, for 1-D arrays and for
    every axis (the column-by-column path only where it is NumPy's too)."""
    a = (np.random.default_rng(1).random(shape) * 100).astype(dtype)
    got, want = sum_axis(a, axis), a.sum(axis)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_nan_propagates_through_the_maximum():
    x = np.zeros((1000, 4))
    x[3, 2] = np.nan
    assert np.isnan(max_last(x)[3]) and not np.isnan(max_last(x)[4])


@pytest.mark.parametrize("n", [2, 4])
def test_small_solves_equal_lapacks_to_rounding_on_the_goods_market_matrices(n):
    """``I - B diag(k)`` (B column-stochastic, |k| < 1): diagonally dominant by columns, so
    elimination without row exchanges is as accurate as LAPACK's with partial pivoting."""
    from rebalancing.numerics import solve_small

    rng = np.random.default_rng(n)
    B = rng.random((3000, n, n))
    B /= B.sum(-2, keepdims=True)
    k = rng.uniform(-0.5, 0.99, (3000, n))
    M = np.eye(n) - B * k[:, None, :]
    b = rng.standard_normal((3000, n)) * 1e4
    np.testing.assert_allclose(solve_small(M, b), np.linalg.solve(M, b[..., None])[..., 0], 1e-12)


def test_small_solve_refuses_a_singular_matrix():
    from rebalancing.numerics import solve_small

    M = np.tile(np.eye(4), (300, 1, 1))
    M[7, 2, 2] = 0.0
    with pytest.raises(np.linalg.LinAlgError):
        solve_small(M, np.ones((300, 4)))


def test_clip_is_numpys_to_the_bit():
    """``numerics.clip`` (the ufunc np.clip calls) keeps np.clip's signed zeros and NaN."""
    from rebalancing.numerics import clip

    x = np.array([-0.0, 0.0, -2.0, 2.0, 0.5, -0.5, np.nan, np.inf, -np.inf])
    bounds = [(-0.0, 0.0), (0.0, 0.0), (0.0, 1.0), (-1.0, 1.0), (np.nan, 1.0), (-1.0, np.nan)]
    for lo, hi in bounds:
        a, b = clip(x, lo, hi), np.clip(x, lo, hi)
        np.testing.assert_array_equal(a, b)
        assert (np.signbit(a) == np.signbit(b)).all()
    band = np.array([0.0, 0.5, 1.0])[:, None] * np.ones((3, 4))
    y = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_array_equal(clip(y, -band, band), np.clip(y, -band, band))


@pytest.mark.parametrize("shape", [(3, 4), (5000, 4), (300, 17, 4)])
def test_tiled_rows_multiply_as_the_broadcast_view_to_the_bit(shape):
    from rebalancing.numerics import tile_last

    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape)
    x = rng.standard_normal(shape[:-1] + (5, shape[-1]))
    np.testing.assert_array_equal(x * tile_last(a, 5), x * a[..., None, :])
