"""Interval arithmetic for numbers read back from a printed page.

A printed number stands for every value that rounds to it: ``0.4013`` shown to
4 significant figures is anything in [0.40125, 0.40135]; a number printed with
fewer figures than the page rounds to (``0.5``, ``2``, ``0.01``) is exact (the
renderers print a number that *is* what is shown minimally, and keep trailing
zeros of a rounded one: ``1.670``). Every operation widens the interval just
enough to hold float error, so an equation is false as printed exactly when the
intervals of its two sides do not meet.

Vectors and matrices are NumPy object arrays of intervals; a vector keeps the
orientation it was drawn in (a row is 1 × n, a column n × 1).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

EPS = 1e-12


class Unreadable(Exception):
    """The text is not an equation this reader knows how to read."""


class NotNumeric(Exception):
    """A side that holds a symbol with no value (a general rule, a formula): it is not checked."""


class Mismatch(Exception):
    """A side that cannot be evaluated as printed (a column times a column, shapes that do not fit)."""


class I:  # noqa: E742 (an interval)
    __slots__ = ("lo", "hi")

    def __init__(self, lo: float, hi: float | None = None) -> None:
        self.lo = float(lo)
        self.hi = float(lo if hi is None else hi)
        if math.isnan(self.lo) or math.isnan(self.hi):
            raise NotNumeric("nan")

    def widen(self) -> I:
        pad = EPS * max(abs(self.lo), abs(self.hi), 1e-300)
        return I(self.lo - pad, self.hi + pad)

    def __add__(self, other: I) -> I:
        return I(self.lo + other.lo, self.hi + other.hi).widen()

    def __sub__(self, other: I) -> I:
        return I(self.lo - other.hi, self.hi - other.lo).widen()

    def __neg__(self) -> I:
        return I(-self.hi, -self.lo)

    def __mul__(self, other: I) -> I:
        products = [self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi]
        products = [0.0 if math.isnan(p) else p for p in products]  # 0 · ∞
        return I(min(products), max(products)).widen()

    def __truediv__(self, other: I) -> I:
        if other.lo <= 0 <= other.hi:
            if other.lo == other.hi == 0:
                raise Mismatch("division by 0 as printed")
            raise NotNumeric("a divisor that may be 0 within its rounding")
        return self * I(1 / other.hi, 1 / other.lo)

    def power(self, exponent: I) -> I:
        if exponent.lo == exponent.hi and float(exponent.lo).is_integer():
            n = int(exponent.lo)
            if n >= 0:
                ends = [self.lo ** n, self.hi ** n]
                if n % 2 == 0 and self.lo < 0 < self.hi:
                    return I(0, max(ends)).widen()
                return I(min(ends), max(ends)).widen()
            return I(1).__truediv__(self.power(I(-n)))
        if self.lo <= 0:
            raise NotNumeric("a fractional power of a number that may be negative")
        ends = [self.lo ** exponent.lo, self.lo ** exponent.hi, self.hi ** exponent.lo, self.hi ** exponent.hi]
        return I(min(ends), max(ends)).widen()

    def monotone(self, fn: Any, increasing: bool = True) -> I:
        a, b = fn(self.lo), fn(self.hi)
        return (I(a, b) if increasing else I(b, a)).widen()

    def meets(self, other: I, slack: float = 1e-9) -> bool:
        pad = slack * max(1.0, abs(self.lo), abs(self.hi), abs(other.lo), abs(other.hi))
        return self.lo <= other.hi + pad and other.lo <= self.hi + pad

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __repr__(self) -> str:
        return f"{self.lo:.6g}" if self.exact else f"[{self.lo:.6g}, {self.hi:.6g}]"


# ---------------------------------------------------------------- numbers as printed


@lru_cache(maxsize=65536)  # the same numbers recur on every page; an I is never changed after it is made
def printed_number(text: str, digits: int) -> I:
    """The interval a printed decimal stands for, given the page's significant figures."""
    text = text.replace("−", "-").replace(" ", "")
    value = float(text)
    mantissa = text.lower().split("e")[0].lstrip("+-")
    figures = mantissa.replace(".", "").lstrip("0")
    significant = len(figures) if "." in mantissa else len(figures.rstrip("0")) or 1
    if "." not in mantissa and len(figures) >= digits and figures.endswith("0"):
        significant = len(figures)  # 12340 printed whole: the rounding is at the last place anyway
    if significant < digits or value == 0:
        return I(value)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    half = 0.5 * 10.0 ** (exponent - decimals)
    return I(value - half, value + half).widen()


# ---------------------------------------------------------------- arrays


def is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray)


def shape(v: Any) -> tuple:
    return v.shape if is_array(v) else ()


def each(fn: Any, v: Any) -> Any:
    if is_array(v):
        out = np.empty(v.shape, dtype=object)
        for index in np.ndindex(v.shape):
            out[index] = fn(v[index])
        return out
    return fn(v)


def vector(items: list[Any], row: bool) -> np.ndarray:
    out = np.empty((1, len(items)) if row else (len(items), 1), dtype=object)
    for k, item in enumerate(items):
        if is_array(item):
            raise Mismatch("a vector of vectors")
        out[(0, k) if row else (k, 0)] = item
    return out


def matrix(rows: list[list[Any]]) -> np.ndarray:
    if len({len(r) for r in rows}) != 1:
        raise Mismatch("a matrix with rows of different lengths")
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, item in enumerate(row):
            if is_array(item):
                raise Mismatch("a matrix of arrays")
            out[i, j] = item
    return out


def _pairwise(a: Any, b: Any, fn: Any, what: str) -> Any:
    if not is_array(a) and not is_array(b):
        return fn(a, b)
    if not is_array(a):
        return each(lambda y: fn(a, y), b)
    if not is_array(b):
        return each(lambda x: fn(x, b), a)
    if a.shape != b.shape:
        if a.ndim == b.ndim == 2 and a.shape[1] == b.shape[1] and 1 in (a.shape[0], b.shape[0]) and \
                what in ("a sum", "a difference"):
            a, b = np.broadcast_arrays(a, b)  # a row added to every row of a batch (x W + b)
            out = np.empty(a.shape, dtype=object)
            for index in np.ndindex(a.shape):
                out[index] = fn(a[index], b[index])
            return out
        if a.size == 1:
            return each(lambda y: fn(a.flat[0], y), b)
        if b.size == 1:
            return each(lambda x: fn(x, b.flat[0]), a)
        raise Mismatch(f"{what} of shapes {a.shape} and {b.shape} as printed")
    out = np.empty(a.shape, dtype=object)
    for index in np.ndindex(a.shape):
        out[index] = fn(a[index], b[index])
    return out


def add(a: Any, b: Any) -> Any:
    return _pairwise(a, b, lambda x, y: x + y, "a sum")


def sub(a: Any, b: Any) -> Any:
    return _pairwise(a, b, lambda x, y: x - y, "a difference")


def neg(a: Any) -> Any:
    return each(lambda x: -x, a)


def div(a: Any, b: Any) -> Any:
    return _pairwise(a, b, lambda x, y: x / y, "a quotient")


def power(a: Any, b: Any) -> Any:
    if is_array(b):
        raise NotNumeric("an array exponent")
    return each(lambda x: x.power(b), a)


def total(v: Any) -> Any:
    if not is_array(v):
        return v
    out = I(0)
    for x in v.flat:
        out = out + x
    return out


def multiply(a: Any, b: Any, kind: str) -> Any:
    """``kind``: "dot" (·: scalars, or two vectors of one shape), "hadamard" (⊙), "juxt" (a matrix product)."""
    if not is_array(a) or not is_array(b):
        return _pairwise(a, b, lambda x, y: x * y, "a product")
    if kind == "hadamard":
        return _pairwise(a, b, lambda x, y: x * y, "⊙")
    if kind == "dot":
        if a.shape == b.shape and 1 in a.shape:
            return total(_pairwise(a, b, lambda x, y: x * y, "·"))
        if a.size == 1 or b.size == 1:
            return _pairwise(a, b, lambda x, y: x * y, "·")
        raise Mismatch(f"'·' between shapes {a.shape} and {b.shape} as printed")
    if a.size == 1 or b.size == 1:  # a 1 × 1 result used as a number, or scaling
        return _pairwise(a, b, lambda x, y: x * y, "a product")
    if a.ndim != 2 or b.ndim != 2:
        raise Mismatch(f"a matrix product of shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise Mismatch(f"a matrix product of a {a.shape[0]}×{a.shape[1]} and a {b.shape[0]}×{b.shape[1]} as printed")
    out = np.empty((a.shape[0], b.shape[1]), dtype=object)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = I(0)
            for k in range(a.shape[1]):
                acc = acc + a[i, k] * b[k, j]
            out[i, j] = acc
    return out[0, 0] if out.shape == (1, 1) else out


def transpose(v: Any) -> Any:
    return v.T.copy() if is_array(v) else v


def meets(a: Any, b: Any) -> bool:
    """Whether two printed values can be the same number (or the same array, entry by entry)."""
    if is_array(a) and a.size == 1:
        a = a.flat[0]
    if is_array(b) and b.size == 1:
        b = b.flat[0]
    if is_array(a) or is_array(b):
        if not (is_array(a) and is_array(b)):
            return False
        if a.shape != b.shape:
            if a.size == b.size and 1 in a.shape and 1 in b.shape:
                return False  # a row where a column is printed: report as unequal shapes
            return False
        return all(x.meets(y) for x, y in zip(a.flat, b.flat))
    return bool(a.meets(b))


def show(v: Any) -> str:
    if is_array(v):
        return "[" + ", ".join(repr(x) for x in v.flat) + f"] shape {v.shape}"
    return repr(v)


# ---------------------------------------------------------------- functions


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _gelu(x: float) -> float:
    return 0.5 * x * (1 + math.erf(x / math.sqrt(2)))


def _softplus(x: float) -> float:
    return max(x, 0) + math.log1p(math.exp(-abs(x)))


def _elu(x: float) -> float:
    return x if x > 0 else math.expm1(x)


def _checked(fn: Any, low: float, name: str) -> Any:
    def call(x: I) -> I:
        if x.lo < low or (low == 0 and name == "ln" and x.lo <= 0):
            if x.hi <= low:
                raise Mismatch(f"{name} of {x!r} as printed")
            raise NotNumeric(f"{name} near its edge")
        return x.monotone(fn)
    return call


def _gelu_interval(x: I) -> I:
    ends = [_gelu(x.lo), _gelu(x.hi)]
    if x.lo < -0.7518 < x.hi:
        ends.append(_gelu(-0.75179))
    return I(min(ends), max(ends)).widen()


def _abs(x: I) -> I:
    if x.lo >= 0:
        return x
    if x.hi <= 0:
        return -x
    return I(0, max(-x.lo, x.hi))


def _relu(x: I) -> I:
    return I(max(x.lo, 0), max(x.hi, 0))


def _sign(x: I) -> I:
    lo = -1 if x.lo < 0 else 0 if x.lo == 0 else 1
    hi = -1 if x.hi < 0 else 0 if x.hi == 0 else 1
    return I(lo, hi)


SCALAR = {
    "exp": lambda x: x.monotone(math.exp), "ln": _checked(math.log, 0, "ln"), "log": _checked(math.log, 0, "ln"),
    "sqrt": _checked(math.sqrt, 0, "√"), "√": _checked(math.sqrt, 0, "√"), "σ": lambda x: x.monotone(_sigmoid),
    "sigmoid": lambda x: x.monotone(_sigmoid), "tanh": lambda x: x.monotone(math.tanh), "ReLU": _relu,
    "relu": _relu, "softplus": lambda x: x.monotone(_softplus), "ELU": lambda x: x.monotone(_elu),
    "GELU": _gelu_interval, "abs": _abs, "sign": _sign, "id": lambda x: x,
}


def softmax(v: Any) -> Any:
    """softmax of a vector (or each row of a matrix), with bounds: p_i is increasing in x_i, decreasing in x_j."""
    if not is_array(v):
        return I(1)
    if v.ndim == 2 and v.shape[0] > 1 and v.shape[1] > 1:
        rows = [softmax(v[r:r + 1, :]) for r in range(v.shape[0])]
        return np.vstack(rows)
    flat = list(v.flat)
    out = []
    for i, x in enumerate(flat):
        top = max(x.hi, *(y.hi for y in flat))
        low_sum = sum(math.exp(y.hi - top) for j, y in enumerate(flat) if j != i)
        high_sum = sum(math.exp(y.lo - top) for j, y in enumerate(flat) if j != i)
        lo = math.exp(x.lo - top) / (math.exp(x.lo - top) + low_sum)
        hi = math.exp(x.hi - top) / (math.exp(x.hi - top) + high_sum)
        out.append(I(lo, hi).widen())
    result = np.empty(v.shape, dtype=object)
    for k, index in enumerate(np.ndindex(v.shape)):
        result[index] = out[k]
    return result


def elementwise_max(a: Any, b: Any) -> Any:
    return _pairwise(a, b, lambda x, y: I(max(x.lo, y.lo), max(x.hi, y.hi)), "max")


def elementwise_min(a: Any, b: Any) -> Any:
    return _pairwise(a, b, lambda x, y: I(min(x.lo, y.lo), min(x.hi, y.hi)), "min")


def compare(a: Any, op: str, b: Any) -> Any:
    """An Iverson bracket [a op b]: 1 where it holds, 0 where not, [0, 1] where the rounding cannot tell."""
    def one(x: I, y: I) -> I:
        holds = {">": (x.lo > y.hi, x.hi <= y.lo), "<": (x.hi < y.lo, x.lo >= y.hi),
                 "≥": (x.lo >= y.hi, x.hi < y.lo), "≤": (x.hi <= y.lo, x.lo > y.hi)}[op]
        if holds[0]:
            return I(1)
        if holds[1]:
            return I(0)
        return I(0, 1)
    return _pairwise(a, b, one, "a comparison")
