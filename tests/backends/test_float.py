"""The float backend's shared 0-d zero (relu, its gradient mask) against the plain comparisons it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.backends import get_backend


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zero_is_a_0d_array_of_the_dtype_beside_arrays_and_a_scalar_otherwise(dtype):
    bk = get_backend("float", dtype)
    x = np.array([-1.0, 0.0, 2.0], dtype=dtype)
    zero = bk.zero(x)
    assert type(zero) is np.ndarray and zero.shape == () and zero.dtype == x.dtype and zero == 0
    scalar = x[0]
    assert type(bk.zero(scalar)) is type(scalar) and bk.zero(scalar) == 0
    other = np.array([1, 2], dtype=np.int64)  # another dtype: its own scalar, not the backend's array
    assert bk.zero(other).dtype == np.int64


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_relu_and_its_mask_are_bit_identical_to_comparing_with_0(dtype):
    bk = get_backend("float", dtype)
    x = np.array([-2.5, -0.0, 0.0, 1e-300, 3.0, np.nan, -np.inf, np.inf], dtype=dtype)
    for got, expected in ((bk.maximum(x, bk.zero(x)), np.maximum(x, x.dtype.type(0))),
                          (bk.positive(x), (x > 0).astype(x.dtype))):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))
    assert bk.positive(x[4]) == 1.0  # a NumPy scalar stays one


def test_shared_zero_is_not_written_by_relu():
    bk = get_backend("float", "float64")
    x = np.array([-1.0, 2.0])
    y = bk.maximum(x, bk.zero(x))
    y += 5
    assert bk.zero(x) == 0 and bk.zero(x).shape == ()
