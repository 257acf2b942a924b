"""Symbolic backend: object arrays of SymPy expressions.

Inputs may be numbers (kept exact, as rationals) or symbol names. Every result
is simplified so that printed formulas stay readable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from gradwork.backends.base import Backend


def to_sympy(value: Any) -> sympy.Expr:
    """A user value as a SymPy expression: numbers become exact rationals, names symbols."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool):
        return sympy.Integer(int(value))
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        return sympy.Rational(repr(float(value)))
    if isinstance(value, str):
        return sympy.sympify(value, rational=True)
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        return sympy.Rational(value.numerator, value.denominator)
    raise TypeError(f"{value!r} cannot be a symbolic value")


def _vectorize(function: Any) -> Any:
    vectorized = np.vectorize(function, otypes=[object])

    def apply(x: np.ndarray) -> np.ndarray:
        return np.asarray(vectorized(x), dtype=object).reshape(np.shape(x))

    return apply


_exp = _vectorize(sympy.exp)
_log = _vectorize(sympy.log)
_sqrt = _vectorize(sympy.sqrt)
_tanh = _vectorize(sympy.tanh)
_erf = _vectorize(sympy.erf)
_abs = _vectorize(sympy.Abs)
_simplify = _vectorize(lambda e: sympy.simplify(e) if isinstance(e, sympy.Basic) else e)


class SymbolicBackend(Backend):
    name = "symbolic"
    dtype = "object"

    def asarray(self, value: Any) -> np.ndarray:
        array = np.asarray(value, dtype=object)
        converted = np.empty(array.shape, dtype=object)
        for index, item in np.ndenumerate(array):
            converted[index] = to_sympy(item)
        return converted

    def to_float(self, array: np.ndarray) -> np.ndarray:
        return np.asarray([float(v) for v in array.ravel()], dtype=np.float64).reshape(array.shape)

    def exp(self, x: np.ndarray) -> np.ndarray:
        return _exp(x)

    def log(self, x: np.ndarray) -> np.ndarray:
        return _log(x)

    def sqrt(self, x: np.ndarray) -> np.ndarray:
        return _sqrt(x)

    def tanh(self, x: np.ndarray) -> np.ndarray:
        return _tanh(x)

    def erf(self, x: np.ndarray) -> np.ndarray:
        return _erf(x)

    def abs(self, x: np.ndarray) -> np.ndarray:
        return _abs(x)

    def pi(self) -> Any:
        return sympy.pi

    def positive(self, x: np.ndarray, at_zero: Any = 0) -> np.ndarray:
        zero = to_sympy(at_zero)
        out = np.empty(np.shape(x), dtype=object)
        for index, v in np.ndenumerate(np.asarray(x, dtype=object)):
            out[index] = sympy.Piecewise((1, v > 0), (zero, sympy.Eq(v, 0)), (0, True))
        return out

    def equal(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        out = np.empty(shape, dtype=object)
        for index, (u, v) in zip(np.ndindex(shape), np.broadcast(a, b)):
            out[index] = sympy.Piecewise((1, sympy.Eq(u, v)), (0, True))
        return out

    def maximum(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.frompyfunc(sympy.Max, 2, 1)(a, b)

    def minimum(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.frompyfunc(sympy.Min, 2, 1)(a, b)

    def simplify(self, array: np.ndarray) -> np.ndarray:
        return _simplify(array)
