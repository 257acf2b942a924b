"""Exact backend: object arrays of ``fractions.Fraction``.

Decimals the user wrote are taken as written: ``0.1`` is 1/10, not the binary
float nearest to it. Functions whose value is irrational (exp, log, tanh, a
square root of a non-square) have no exact value; they raise
:class:`BackendError` naming the function and pointing to symbolic mode.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from gradwork.backends.base import Array, Backend, BackendError


# Fraction("1e999999999") computes 10**999999999 and never returns; the problem
# readers refuse such numbers with a located error, this is the last backstop.
_MAX_TEXT_EXPONENT = 100_000


def _fraction_from_text(text: str) -> Fraction:
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and "/" not in text:
        digits = exponent.replace("_", "").lstrip("+-").lstrip("0")
        # Compare digit counts first: int() of a 5,000-digit exponent is itself refused.
        if digits.isdigit() and (len(digits) > 6 or int(digits) > _MAX_TEXT_EXPONENT):
            raise BackendError(f"{text[:40]} has an exponent too large for exact arithmetic")
    return Fraction(text)


def to_fraction(value: Any) -> Fraction:
    """Convert a number as the user wrote it into an exact fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BackendError(f"{value} has no exact value")
        # repr gives the shortest decimal that round-trips: the number as typed.
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return _fraction_from_text(value.strip())
    if isinstance(value, (np.integer,)):
        return Fraction(int(value))
    if isinstance(value, (np.floating,)):
        return to_fraction(float(value))
    # SymPy rationals and anything else with numerator/denominator.
    if hasattr(value, "p") and hasattr(value, "q"):
        return Fraction(int(value.p), int(value.q))
    raise BackendError(f"{value!r} is not a number that exact mode can represent")


_to_fraction_array = np.vectorize(to_fraction, otypes=[object])


def _no_exact_value(function: str) -> BackendError:
    return BackendError(
        f"{function} has no exact rational value in exact mode; use --mode symbolic "
        "for exact answers with irrational numbers, or --mode float"
    )


def _exact_sqrt(value: Fraction) -> Fraction:
    if value < 0:
        raise BackendError(f"sqrt of the negative number {value}")
    num, den = value.numerator, value.denominator
    rn, rd = math.isqrt(num), math.isqrt(den)
    if rn * rn != num or rd * rd != den:
        raise _no_exact_value(f"sqrt({value})")
    return Fraction(rn, rd)


_sqrt = np.vectorize(_exact_sqrt, otypes=[object])


def _exact_power(base: Fraction, exponent: Fraction) -> Fraction:
    exponent = to_fraction(exponent)
    if exponent.denominator == 1:
        return to_fraction(base) ** int(exponent)
    root = _exact_root(to_fraction(base), exponent.denominator)
    return root ** exponent.numerator


def _exact_root(value: Fraction, degree: int) -> Fraction:
    if value < 0:
        raise BackendError(f"an even root of the negative number {value}" if degree % 2 == 0
                           else f"a fractional power of the negative number {value}")
    parts = []
    for whole in (value.numerator, value.denominator):
        guess = round(whole ** (1 / degree))
        match = next((c for c in (guess - 1, guess, guess + 1) if c >= 0 and c ** degree == whole), None)
        if match is None:
            raise _no_exact_value(f"the power {value}**(1/{degree})")
        parts.append(match)
    return Fraction(parts[0], parts[1])


class ExactBackend(Backend):
    name = "exact"
    dtype = "object"

    def asarray(self, value: Any) -> Array:
        array = np.asarray(value, dtype=object)
        if array.shape == ():
            return np.asarray(to_fraction(array.item()), dtype=object).reshape(())
        return _to_fraction_array(array) if array.size else array

    def to_float(self, array: np.ndarray) -> Array:
        return np.asarray(array, dtype=np.float64)

    def exp(self, x: np.ndarray) -> Array:
        if np.all(x == 0):
            return self.ones_like(x)
        raise _no_exact_value("exp")

    def log(self, x: np.ndarray) -> Array:
        if np.all(x == 1):
            return self.zeros_like(x)
        raise _no_exact_value("log")

    def sqrt(self, x: np.ndarray) -> Array:
        return np.asarray(_sqrt(x), dtype=object)

    def tanh(self, x: np.ndarray) -> Array:
        if np.all(x == 0):
            return self.zeros_like(x)
        raise _no_exact_value("tanh")

    def erf(self, x: np.ndarray) -> Array:
        if np.all(x == 0):
            return self.zeros_like(x)
        raise _no_exact_value("erf")

    def sigmoid(self, x: np.ndarray) -> Array:
        if np.all(x == 0):
            return self.asarray(np.full(x.shape, 0.5))
        raise _no_exact_value("sigmoid")

    def pi(self) -> Any:
        raise _no_exact_value("pi")

    def power(self, x: np.ndarray, p: np.ndarray) -> Array:
        # Fraction ** Fraction falls back to a float for a non-integer exponent: refuse instead.
        pairs = np.broadcast(x, p)
        flat = [_exact_power(base, exponent) for base, exponent in pairs]
        return np.asarray(flat, dtype=object).reshape(pairs.shape)

    def positive(self, x: np.ndarray, at_zero: Any = 0) -> Array:
        zero = to_fraction(at_zero)
        flat = [Fraction(1) if v > 0 else (zero if v == 0 else Fraction(0)) for v in x.ravel()]
        return np.asarray(flat, dtype=object).reshape(x.shape)

    def equal(self, a: np.ndarray, b: np.ndarray) -> Array:
        flat = [Fraction(1) if bool(u == v) else Fraction(0) for u, v in np.broadcast(a, b)]
        return np.asarray(flat, dtype=object).reshape(np.broadcast_shapes(a.shape, b.shape))
