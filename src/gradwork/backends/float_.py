"""Float backend: plain NumPy, float64 unless float32 is asked for."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradwork.backends.base import Array, Backend

_erf = np.vectorize(math.erf, otypes=[np.float64])


class FloatBackend(Backend):
    name = "float"
    unbox_0d = True

    def __init__(self, dtype: str = "float64") -> None:
        if dtype not in ("float64", "float32"):
            raise ValueError(f"unsupported dtype {dtype!r} (expected float64 or float32)")
        self.dtype = dtype
        self._np_dtype = self.array_dtype = np.dtype(dtype)
        self.scalar_type = self.array_dtype.type
        # A 0-d zero of this dtype: NumPy converts a 0-d array operand faster than a scalar one (about half
        # of a ufunc call on the 2-element arrays of exercises goes to converting a Python or NumPy scalar).
        self._zero = np.zeros((), self._np_dtype)

    def asarray(self, value: Any) -> Array:
        return np.asarray(value, dtype=self._np_dtype)

    def native(self, data: Any) -> Array:
        """``data`` as an array of this backend's dtype (no copy when it is one already)."""
        if type(data) is np.ndarray and data.dtype == self._np_dtype:
            return data
        return np.asarray(data, dtype=self._np_dtype)

    def zero(self, array: np.ndarray) -> Any:
        """0 of ``array``'s dtype, to compare or combine with it: no array of zeros to allocate in every ReLU."""
        if type(array) is np.ndarray and array.ndim and array.dtype == self._np_dtype:
            return self._zero  # shared and never written to: ufuncs make new arrays
        return array.dtype.type(0)  # a NumPy scalar (the unboxed 0-d case, or another dtype)

    # NumPy's ufuncs themselves (a ufunc is no descriptor, so bk.exp(x) calls np.exp(x) directly):
    # a Python method around each would cost as much again on the small arrays of exercises.
    exp = np.exp  # type: ignore[assignment]
    log = np.log  # type: ignore[assignment]
    sqrt = np.sqrt  # type: ignore[assignment]
    tanh = np.tanh  # type: ignore[assignment]
    maximum = np.maximum  # type: ignore[assignment]
    minimum = np.minimum  # type: ignore[assignment]

    def erf(self, x: np.ndarray) -> Array:
        return _erf(x).astype(x.dtype, copy=False)

    def sigmoid(self, x: np.ndarray) -> Array:
        # Stable for large |x|: exp only ever sees a non-positive argument.
        e = np.exp(-abs(x))  # abs(): scalar arithmetic on a NumPy scalar, np.absolute on an array
        if x.ndim == 0:  # e is a NumPy scalar: a Python branch costs less than np.where on 0-d arrays
            return (1.0 if x >= 0 else e) / (1 + e)
        return np.where(x >= 0, 1.0, e) / (1 + e)  # 1/(1+e) for x >= 0, e/(1+e) below

    def ones_like(self, array: np.ndarray) -> Array:
        if array.ndim == 0:  # the seed of a scalar loss: one C call
            return np.array(1, array.dtype)
        ones = np.empty(array.shape, array.dtype)  # two C calls; np.ones_like is Python around them
        ones.fill(1)
        return ones

    def positive(self, x: np.ndarray, at_zero: Any = 0) -> Array:
        if not at_zero:  # the usual ReLU: one comparison and one cast (a NumPy scalar stays one)
            zero = self._zero if type(x) is np.ndarray and x.dtype == self._np_dtype else 0  # as in zero()
            return (x > zero).astype(x.dtype)
        mask = np.asarray(x > 0, dtype=x.dtype)
        mask[x == 0] = at_zero
        return mask

    def where(self, mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> Array:
        # np.where avoids inf * 0 = nan when the unused branch overflowed.
        return np.where(mask != 0, a, b) if np.all((mask == 0) | (mask == 1)) else mask * a + (1 - mask) * b

    def pi(self) -> Any:
        return np.pi

    def softmax_shift(self, x: np.ndarray, axis: int) -> Any:
        return x.max(axis=axis, keepdims=True)

    def __repr__(self) -> str:
        return f"FloatBackend({self.dtype!r})"
