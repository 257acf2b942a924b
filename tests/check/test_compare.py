"""Two solves' numbers the same (gradwork.check.mistakes.compare): exact and symbolic numbers compare as
``np.all(a == b)`` does, element by element; floats to floating-point noise, NaN equal to NaN."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from gradwork.check.mistakes.compare import same_arrays, same_numbers


def test_exact_numbers_compare_as_numpys_elementwise_equality():
    rng = np.random.default_rng(26)
    for k in range(300):
        shape = [(), (2,), (2, 2), (3, 30)][k % 4]
        size = int(np.prod(shape, dtype=int))
        a = np.array([Fraction(int(n), int(d)) for n, d in zip(rng.integers(-5, 5, size), rng.integers(1, 4, size))]
                     + [None], dtype=object)[:-1].reshape(shape)
        b = a.copy()
        if rng.random() < 0.5 and size:
            b.ravel()[int(rng.integers(size))] = Fraction(99, 7)
        if rng.random() < 0.3:
            b = b.astype(np.float64)  # a float array against an exact one
        assert same_arrays(a, b) == bool(np.all(a == b))
        assert same_arrays(b, a) == bool(np.all(b == a))


def test_symbolic_floats_and_missing_numbers():
    import sympy

    x = sympy.Symbol("x")
    a = np.array([x + 1, 2 * x], dtype=object)
    assert same_arrays(a, np.array([1 + x, x * 2], dtype=object))
    assert not same_arrays(a, np.array([x + 2, 2 * x], dtype=object))
    assert same_arrays(np.array([1.0, np.nan]), np.array([1.0 + 1e-15, np.nan]))
    assert not same_arrays(np.array([1.0]), np.array([1.0, 2.0]))
    assert same_numbers(None, None) and not same_numbers(None, np.array(1.0))
