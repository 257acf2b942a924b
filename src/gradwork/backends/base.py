"""The protocol every backend implements."""

from __future__ import annotations

from typing import Any

import numpy as np


# An array of this backend's numbers (float, Fraction or SymPy objects). NumPy's stubs type what ufuncs
# return on such arrays as Any, and the engine never relies on more than "an array", so neither do we.
Array = Any


class BackendError(ValueError):
    """An operation has no value in this backend (for example exp in exact mode)."""


class Backend:
    """Elementwise functions over NumPy arrays, plus conversion of user numbers.

    Subclasses override what differs; everything else uses NumPy directly, which
    is correct for float arrays and for object arrays alike.
    """

    name: str = "abstract"
    dtype: str = "object"
    # Whether the engine may hand 0-d operands to op functions as NumPy scalars: their arithmetic costs a
    # fraction of a ufunc call on a 0-d array. Only floats: on object arrays the scalar would be a bare
    # Fraction or SymPy number, which op code does not expect.
    unbox_0d: bool = False
    array_dtype: np.dtype[Any] = np.dtype(object)  # the dtype of this backend's arrays
    # The type of a NumPy scalar that np.asarray makes an array of this dtype (none for object arrays).
    scalar_type: type | None = None

    # --- conversion -------------------------------------------------------
    def asarray(self, value: Any) -> Array:
        raise NotImplementedError

    def native(self, data: Any) -> Array:
        """``data`` as this backend stores an op's result: an object array of its numbers."""
        if type(data) is np.ndarray and data.dtype == object:
            return data
        return self.asarray(data)

    def zeros_like(self, array: np.ndarray) -> Array:
        return np.zeros_like(array) if array.dtype != object else self.asarray(np.zeros(array.shape))

    def zero(self, array: np.ndarray) -> Any:
        """A zero of ``array``'s number type that broadcasts against it (for max(x, 0) and the like)."""
        return self.zeros_like(array)

    def ones_like(self, array: np.ndarray) -> Array:
        return np.ones_like(array) if array.dtype != object else self.asarray(np.ones(array.shape))

    def to_float(self, array: np.ndarray) -> Array:
        return np.asarray(array, dtype=np.float64)

    # --- elementwise functions -------------------------------------------
    def exp(self, x: np.ndarray) -> Array:
        raise NotImplementedError

    def log(self, x: np.ndarray) -> Array:
        raise NotImplementedError

    def sqrt(self, x: np.ndarray) -> Array:
        raise NotImplementedError

    def tanh(self, x: np.ndarray) -> Array:
        raise NotImplementedError

    def erf(self, x: np.ndarray) -> Array:
        raise NotImplementedError

    def sigmoid(self, x: np.ndarray) -> Array:
        return 1 / (1 + self.exp(-x))

    def abs(self, x: np.ndarray) -> Array:
        return np.abs(x)

    def positive(self, x: np.ndarray, at_zero: Any = 0) -> Array:
        """The indicator [x > 0], taking the value ``at_zero`` where x == 0."""
        raise NotImplementedError

    def where(self, mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> Array:
        """``a`` where the 0/1 ``mask`` is 1, else ``b``."""
        return mask * a + (1 - mask) * b

    def equal(self, a: np.ndarray, b: np.ndarray) -> Array:
        """The 0/1 indicator of a == b, used to route max/min gradients."""
        return (a == b).astype(self._mask_dtype(a))

    def _mask_dtype(self, a: np.ndarray) -> Any:
        return a.dtype if a.dtype != object else object

    def maximum(self, a: np.ndarray, b: np.ndarray) -> Array:
        return np.maximum(a, b)

    def minimum(self, a: np.ndarray, b: np.ndarray) -> Array:
        return np.minimum(a, b)

    def pi(self) -> Any:
        raise NotImplementedError

    def power(self, x: np.ndarray, p: np.ndarray) -> Array:
        """x ** p elementwise (exact mode refuses a power with no rational value)."""
        return x ** p

    def extremum(self, x: np.ndarray, largest: bool, axis: Any = None, keepdims: bool = False) -> Array:
        """max or min along ``axis``."""
        return (np.max if largest else np.min)(x, axis=axis, keepdims=keepdims)

    def softmax_shift(self, x: np.ndarray, axis: int) -> Any:
        """What softmax subtracts before exp for stability (only floats need it)."""
        return 0

    def simplify(self, array: np.ndarray) -> Array:
        """Bring values into canonical form (a no-op except in symbolic mode)."""
        return array

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
