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

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy

from gradwork.backends.base import Array, Backend, BackendError


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

    def apply(x: np.ndarray) -> Array:
        return np.asarray(vectorized(x), dtype=object).reshape(np.shape(x))

    return apply


# exp (and tanh, erf) of a constant this large has an exact value SymPy cannot work with: deciding the sign of
# 1 - exp(a)/(exp(a) + exp(b)) with a ~ 1e600 (huge weights) takes minutes in mpmath. Such a constant is refused,
# named at its node, instead (docs/limits.md).
MAX_EXP_ARGUMENT = 10**6


def _bounded(function: Any) -> Any:
    name = function.__name__  # SymPy's own name of the function, for the message

    def apply(x: Any) -> Any:
        if isinstance(x, (sympy.Rational, sympy.Float)) and abs(x) > MAX_EXP_ARGUMENT:
            shown = sympy.Float(x, 4)
            raise BackendError(f"{name}({shown}): the exact value of {name} of a constant beyond 10^6 in absolute "
                               "value is too large to compute with (expected smaller numbers, or --mode float)")
        return function(x)

    return apply


_exp = _vectorize(_bounded(sympy.exp))
_log = _vectorize(sympy.log)
_sqrt = _vectorize(sympy.sqrt)
_tanh = _vectorize(_bounded(sympy.tanh))
_erf = _vectorize(_bounded(sympy.erf))
_abs = _vectorize(sympy.Abs)

READABLE_MAX_OPS = 400  # larger formulas are reported as computed (still exact)


@dataclass
class SimplifyBudget:
    """Seconds that :func:`readable` may spend in one run; once spent, values stay as computed (still exact)."""

    seconds: float
    spent: float = 0.0
    exhausted: bool = False


_budget: ContextVar[SimplifyBudget | None] = ContextVar("gradwork_simplify_budget", default=None)


@contextmanager
def simplify_budget(seconds: float) -> Iterator[SimplifyBudget]:
    """Bound the time spent making values readable in a block; the budget says afterwards if it ran out."""
    budget = SimplifyBudget(float(seconds))
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def readable(expr: Any) -> Any:
    """:func:`readable_form` within the current :func:`simplify_budget`, if any."""
    budget = _budget.get()
    if budget is None:
        return readable_form(expr)
    if budget.exhausted:
        return expr
    start = time.perf_counter()
    try:
        return readable_form(expr)
    finally:
        budget.spent += time.perf_counter() - start
        budget.exhausted = budget.spent > budget.seconds


def readable_form(expr: Any) -> Any:
    """A cheap, readable canonical form of one value.

    The candidates are the value as computed, ``factor_terms`` of it (common
    factors and signs pulled out of sums, nothing expanded: ``d0*x0 - d0*t``
    becomes ``d0*(x0 - t)``, ``exp(-b - w*x)`` becomes ``exp(-(b + w*x))``),
    and, for a rational function with a denominator, ``cancel`` (one fraction
    in lowest terms: ``(x**2 - 1)/(x - 1)`` is ``x + 1``) and ``factor_terms``
    of that. The shortest by SymPy's own measure, ``count_ops``, wins; the value
    as computed wins ties. Constants (no symbols) stay as computed: they are
    exact already, and polynomial algorithms on constants such as exp(1007/500)
    can hang. Full polynomial ``factor`` is not tried: it cost 30 ms to 200 ms a
    value on a linear network's gradients and never gave a shorter form there.
    """
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or not expr.free_symbols:
        return expr
    return _readable_form(expr)


@lru_cache(maxsize=4096)
def _readable_form(expr: sympy.Basic) -> sympy.Basic:
    """:func:`readable_form` of a formula with symbols, remembered: a pure function of the (immutable, hashed by
    structure) expression, and the same values recur (one problem solved again, one gradient in several places)."""
    if sympy.count_ops(expr) > READABLE_MAX_OPS:
        return expr
    candidates = [expr, sympy.factor_terms(expr)]
    if _has_denominator(expr) and expr.is_rational_function():
        cancelled = sympy.cancel(expr)
        candidates += [cancelled, sympy.factor_terms(cancelled)]
    lengths = [sympy.count_ops(candidate) for candidate in candidates]
    return candidates[lengths.index(min(lengths))]


def _has_denominator(expr: sympy.Basic) -> bool:
    return any(power.exp.is_negative for power in expr.atoms(sympy.Pow))


_readable = _vectorize(readable)


class SymbolicBackend(Backend):
    name = "symbolic"
    dtype = "object"

    def asarray(self, value: Any) -> Array:
        array = np.asarray(value, dtype=object)
        converted = np.empty(array.shape, dtype=object)
        for index, item in np.ndenumerate(array):
            converted[index] = to_sympy(item)
        return converted

    def to_float(self, array: np.ndarray) -> Array:
        return np.asarray([float(v) for v in array.ravel()], dtype=np.float64).reshape(array.shape)

    def exp(self, x: np.ndarray) -> Array:
        return _exp(x)

    def log(self, x: np.ndarray) -> Array:
        return _log(x)

    def sqrt(self, x: np.ndarray) -> Array:
        return _sqrt(x)

    def tanh(self, x: np.ndarray) -> Array:
        return _tanh(x)

    def erf(self, x: np.ndarray) -> Array:
        return _erf(x)

    def abs(self, x: np.ndarray) -> Array:
        return _abs(x)

    def pi(self) -> Any:
        return sympy.pi

    def extremum(self, x: np.ndarray, largest: bool, axis: Any = None, keepdims: bool = False) -> Array:
        pick = np.frompyfunc(sympy.Max if largest else sympy.Min, 2, 1)
        if axis is None:
            result = pick.reduce(x.reshape(-1))
            return np.asarray(result, dtype=object).reshape((1,) * x.ndim if keepdims else ())
        return np.asarray(pick.reduce(x, axis=axis, keepdims=keepdims), dtype=object)

    def positive(self, x: np.ndarray, at_zero: Any = 0) -> Array:
        zero = to_sympy(at_zero)
        out = np.empty(np.shape(x), dtype=object)
        for index, v in np.ndenumerate(np.asarray(x, dtype=object)):
            out[index] = sympy.Piecewise((1, v > 0), (zero, sympy.Eq(v, 0)), (0, True))
        return out

    def equal(self, a: np.ndarray, b: np.ndarray) -> Array:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        out = np.empty(shape, dtype=object)
        for index, (u, v) in zip(np.ndindex(shape), np.broadcast(a, b)):
            out[index] = sympy.Piecewise((1, sympy.Eq(u, v)), (0, True))
        return out

    def maximum(self, a: np.ndarray, b: np.ndarray) -> Array:
        return np.frompyfunc(sympy.Max, 2, 1)(a, b)

    def minimum(self, a: np.ndarray, b: np.ndarray) -> Array:
        return np.frompyfunc(sympy.Min, 2, 1)(a, b)

    def simplify(self, array: np.ndarray) -> Array:
        """Every element in :func:`readable` form (bounded cost, never ``sympy.simplify``)."""
        return _readable(array)
