"""Symbolic backend: object arrays of SymPy expressions.

Inputs may be numbers (kept exact, as rationals) or symbol names. While the
engine computes, SymPy's automatic canonical form is the only simplification
(sums and products flattened, like terms collected, equal factors cancelled:
``(a - t)/(a*(1 - a)) * a*(1 - a)`` is ``a - t`` as soon as it is built).
Results are brought into a readable form by :func:`readable`, whose cost is
bounded (see docs/modes.md): ``sympy.simplify`` is never called, because it
can run for minutes (exptrigsimp on nested sigmoids) and rewrites sigmoid
derivatives as ``1/(4 cosh(z/2)**2)``, which no course writes.
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

READABLE_MAX_OPS = 400  # larger formulas are reported as computed (still exact)
FACTOR_MAX_OPS = 60  # multivariate factorisation is only tried on small rational functions


def readable(expr: Any) -> Any:
    """A cheap, readable canonical form of one value.

    * constants (no symbols) stay as computed: they are exact already, and
      polynomial algorithms on constants such as exp(1007/500) can hang;
    * a rational function of its symbols (7.3's ``2*d0*x0 + d1*x1 + ...``, a
      linear network's gradients): the shortest of itself, ``cancel`` (one
      fraction in lowest terms) and ``factor`` (SymPy's own measure of length,
      ``count_ops``; the original wins ties);
    * anything else (exp, log, Max, Piecewise): ``factor_terms``, which pulls
      common factors and signs out of sums without expanding anything
      (``exp(-b - w*x)`` becomes ``exp(-(b + w*x))``).
    """
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or not expr.free_symbols:
        return expr
    size = sympy.count_ops(expr)
    if size > READABLE_MAX_OPS:
        return expr
    candidates = [expr]
    if expr.is_rational_function():
        cancelled = sympy.cancel(expr)
        candidates.append(cancelled)
        if size <= FACTOR_MAX_OPS:
            candidates.append(sympy.factor(cancelled))
    else:
        candidates.append(sympy.factor_terms(expr))
    lengths = [sympy.count_ops(candidate) for candidate in candidates]
    return candidates[lengths.index(min(lengths))]


_readable = _vectorize(readable)


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
        """Every element in :func:`readable` form (bounded cost, never ``sympy.simplify``)."""
        return _readable(array)
