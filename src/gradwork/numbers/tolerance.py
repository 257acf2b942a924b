"""When a student's number counts as the expected one: the tolerances of docs/format.md (used by check and marking:).

With s the student's number and t the expected one:

* ``rtol``/``atol``: passes when |s - t| <= atol + rtol*|t|
  (``atol`` defaults to 1e-8 and ``rtol`` to 0 when only the other is given).
* ``sigfigs`` d: passes when |s - t| < 0.51 * 10^(floor(log10|t|) - d + 1), i.e.
  s agrees with t to d significant figures (the 0.51 instead of 0.5 forgives a
  student who rounded a value that itself was rounded once).
* ``digits`` d (decimal places): passes when |s - t| < 0.51 * 10^-d.

The default is 3 significant figures, and the report says so.

t = 0 has no significant figures, so ``sigfigs`` d falls back to the decimal
rule with the same d there (|s| < 0.51 * 10^-d): a student who writes 0 for a
gradient that is 0 passes, and so does 0.0001 against 0 at 3 figures. An
expected value below 1e-12 in magnitude counts as 0 (floating-point noise such
as 5.6e-17 where the exact answer is 0).

Symbolic answers (SymPy expressions) pass when they are mathematically equal:
``simplify(s - t) == 0``; no tolerance applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np


ZERO = 1e-12  # |t| below this is treated as an exact zero

Kind = Literal["sigfigs", "digits", "rtol"]


class ToleranceError(ValueError):
    """A tolerance spec that cannot be used; ``key`` names the offending field."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Tolerance:
    """How close a student's number must be: sigfigs d, digits d, or rtol/atol."""

    kind: Kind = "sigfigs"
    places: int = 3  # d for sigfigs and digits
    rtol: float = 0.0
    atol: float = 1e-8

    @classmethod
    def sigfigs(cls, d: int) -> Tolerance:
        return cls("sigfigs", places=_places(d, "sigfigs"))

    @classmethod
    def digits(cls, d: int) -> Tolerance:
        return cls("digits", places=_places(d, "digits", allow_zero=True))

    @classmethod
    def relative(cls, rtol: float = 0.0, atol: float = 1e-8) -> Tolerance:
        for name, value in (("rtol", rtol), ("atol", atol)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ToleranceError(f"{name} must be a number >= 0, not {value!r}", name)
        return cls("rtol", rtol=float(rtol), atol=float(atol))

    @classmethod
    def parse(cls, spec: Any) -> Tolerance:
        """From an answers file's ``tolerance:`` mapping: {sigfigs: d}, {digits: d} or {rtol: r, atol: a}."""
        if not isinstance(spec, dict) or not spec:
            raise ToleranceError("tolerance must be a mapping such as {sigfigs: 3}, {digits: 3} "
                                 "or {rtol: 1e-3, atol: 1e-8}")
        keys = set(spec)
        if keys == {"sigfigs"}:
            return cls.sigfigs(spec["sigfigs"])
        if keys == {"digits"}:
            return cls.digits(spec["digits"])
        if keys and keys <= {"rtol", "atol"}:
            return cls.relative(spec.get("rtol", 0.0), spec.get("atol", 1e-8))
        unknown = sorted(keys - {"sigfigs", "digits", "rtol", "atol"})
        key = unknown[0] if unknown else sorted(keys)[0]
        raise ToleranceError(
            f"tolerance {', '.join(sorted(map(str, keys)))} cannot be combined or is unknown "
            "(expected one of: sigfigs, digits, or rtol and/or atol)", key)

    def describe(self) -> str:
        """How the report states the tolerance, e.g. "3 significant figures"."""
        if self.kind == "sigfigs":
            return f"{self.places} significant figure{'s' if self.places != 1 else ''}"
        if self.kind == "digits":
            return f"{self.places} decimal place{'s' if self.places != 1 else ''}"
        return f"rtol {self.rtol:g}, atol {self.atol:g}"

    def short(self) -> str:
        """A short tag for messages: "3 s.f.", "3 d.p.", "rtol 0.001"."""
        if self.kind == "sigfigs":
            return f"{self.places} s.f."
        if self.kind == "digits":
            return f"{self.places} d.p."
        return f"rtol {self.rtol:g}, atol {self.atol:g}"

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "rtol":
            return {"rtol": self.rtol, "atol": self.atol}
        return {self.kind: self.places}

    def bound(self, expected: np.ndarray) -> np.ndarray:
        """The largest |s - t| allowed (strictly below it for sigfigs and digits) for each t."""
        t = np.abs(np.asarray(expected, dtype=np.float64))
        if self.kind == "rtol":
            return self.atol + self.rtol * t
        decimal = 0.51 * 10.0 ** (-self.places)
        if self.kind == "digits":
            return np.full_like(t, decimal)
        nonzero = t > ZERO  # NaN and 0 fall back to the decimal rule
        exponent = np.floor(np.log10(t, where=nonzero, out=np.zeros_like(t)))
        return np.where(nonzero, 0.51 * 10.0 ** (exponent - self.places + 1), decimal)

    def slack(self, scale: float | np.ndarray) -> float | np.ndarray:
        """An upper bound of :meth:`bound` for every |t| <= ``scale`` (elementwise): a cheap first test."""
        if self.kind == "rtol":
            return self.atol + self.rtol * scale
        decimal = 0.51 * 10.0 ** (-self.places)
        return decimal if self.kind == "digits" else 0.51 * 10.0 ** (1 - self.places) * scale + decimal

    def passes(self, given: Any, expected: Any) -> np.ndarray:
        """Elementwise: does ``given`` count as ``expected``? NaN (a blank answer) never passes.

        Both are arrays of the same shape (or scalars); object arrays of SymPy
        expressions are compared symbolically.
        """
        given_array, expected_array = np.asarray(given), np.asarray(expected)
        if expected_array.dtype == object or given_array.dtype == object:
            return _passes_exactly_or_symbolically(self, given_array, expected_array)
        if given_array.size <= 4 and given_array.shape == expected_array.shape:  # small: plain floats are faster
            return np.array([self._one(float(a), float(b)) for a, b in zip(given_array.flat, expected_array.flat)],
                            dtype=bool).reshape(given_array.shape)
        s = given_array.astype(np.float64, copy=False)
        t = expected_array.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):  # inf - inf
            difference = np.abs(s - t)  # NaN (a blank, or a failed computation) compares False below
        bound = self.bound(t)
        ok = difference <= bound if self.kind == "rtol" else difference < bound
        return ok | (s == t)  # equal infinities pass too


    def _one(self, s: float, t: float) -> bool:
        """:meth:`passes` for one pair of floats, without NumPy."""
        if s == t:
            return True
        difference = abs(s - t)  # NaN compares False
        magnitude = abs(t)
        if self.kind == "rtol":
            return difference <= self.atol + self.rtol * magnitude
        if self.kind == "digits" or not magnitude > ZERO:
            return difference < 0.51 * 10.0 ** (-self.places)
        if not math.isfinite(magnitude):
            return False
        return difference < 0.51 * 10.0 ** (math.floor(math.log10(magnitude)) - self.places + 1)


DEFAULT = Tolerance()


def _places(d: Any, name: str, allow_zero: bool = False) -> int:
    if isinstance(d, bool) or not isinstance(d, int) or d < (0 if allow_zero else 1) or d > 17:
        low = 0 if allow_zero else 1
        raise ToleranceError(f"{name} must be a whole number from {low} to 17, not {d!r}", name)
    return d


def _passes_exactly_or_symbolically(tolerance: Tolerance, given: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Object arrays: SymPy expressions compare symbolically; Fractions or mixed numbers by the tolerance."""
    if given.shape == expected.shape:  # (the usual case: element by element, without broadcasting)
        return np.array([_one_passes(tolerance, s, t) for s, t in zip(given.ravel().tolist(),
                                                                       expected.ravel().tolist())],
                        dtype=bool).reshape(given.shape)
    out = np.zeros(np.broadcast(given, expected).shape, dtype=bool)
    pairs = np.broadcast(given, expected)
    for position, (s, t) in zip(np.ndindex(out.shape), pairs):
        out[position] = _one_passes(tolerance, s, t)
    return out


_PLAIN = (Fraction, float, int)  # numbers that are not SymPy's: compared as floats by the tolerance


def _one_passes(tolerance: Tolerance, s: Any, t: Any) -> bool:
    if type(s) in _PLAIN and type(t) in _PLAIN:  # (the usual case, exact mode: the same test as below)
        s_float, t_float = float(s), float(t)
        return not math.isnan(s_float) and tolerance._one(s_float, t_float)
    if s is None:
        return False
    if _is_sympy(s) or _is_sympy(t):
        import sympy

        s_expr, t_expr = sympy.sympify(s), sympy.sympify(t)
        if not (s_expr.free_symbols or t_expr.free_symbols):  # plain numbers: the tolerance applies
            return bool(tolerance.passes(float(s_expr), float(t_expr)))
        difference = s_expr - t_expr
        # SymPy collects like terms as it subtracts, so an answer written as the expected expression is 0 already;
        # simplify (tens of milliseconds) only for a difference that is not, and not for one that is clearly
        # nonzero at a point (most wrong answers, each compared with every mistake model's expression)
        if difference == 0:
            return True
        if _nonzero_somewhere(difference):
            return False
        return bool(sympy.simplify(difference) == 0)
    try:
        s_float, t_float = float(s), float(t)
    except (TypeError, ValueError):
        return False
    if math.isnan(s_float):
        return False
    return tolerance._one(s_float, t_float)  # passes() on two floats, without its arrays


def _nonzero_somewhere(difference: Any) -> bool:
    """Whether ``difference`` has a finite value clearly away from 0 at one point that its symbols' assumptions
    allow: then it is not 0 as a function, and ``simplify`` could not make it 0. False means "not shown": a value
    near 0, not finite, not a number, or a symbol the point cannot stand for; ``simplify`` decides then."""
    import sympy

    point = {}
    for k, symbol in enumerate(sorted(difference.free_symbols, key=str)):
        if symbol.is_integer:
            value = sympy.Integer(3 + k)
        else:  # generic rationals, distinct per symbol, far from 0, 1 and each other
            value = sympy.Rational(7131 + 1037 * k, 10000)
        if symbol.is_negative or symbol.is_nonpositive:
            value = -value
        if not symbol.is_commutative or not value.is_finite:
            return False
        point[symbol] = value
    try:
        at = difference.evalf(30, subs=point)
    except Exception:  # noqa: BLE001 (a formula SymPy cannot evaluate numerically: simplify decides)
        return False
    if not at.is_number or at.free_symbols or not at.is_finite:
        return False
    try:
        magnitude = abs(complex(at))
    except (TypeError, ValueError):
        return False
    return math.isfinite(magnitude) and magnitude > 1e-12


def _is_sympy(value: Any) -> bool:
    return hasattr(value, "free_symbols")
