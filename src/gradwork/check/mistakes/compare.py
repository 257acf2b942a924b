"""Are two solves' numbers for a place the same, up to floating-point noise? (A mistake's prediction against
the correct solve's, one student's numbers against another's.)"""

from __future__ import annotations

import math

import numpy as np



def same_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        if a.size <= 64:  # np.all(a == b)'s element comparisons, without building the array of results
            return all(x == y for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
        return bool(np.all(a == b))
    if a.size <= 64:  # np.allclose's test, on Python floats: a small array costs a fraction of its ~20 us
        for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
            if x == y or (x != x and y != y):  # equal (infinities too), or both NaN
                continue
            if not abs(x - y) <= 1e-12 * abs(y) or abs(y) == math.inf:
                return False
        return True
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))


def same_numbers(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Are two solves' numbers for a place the same (up to floating-point noise)?"""
    if a is None or b is None:
        return a is b
    return same_arrays(np.asarray(a), np.asarray(b))

