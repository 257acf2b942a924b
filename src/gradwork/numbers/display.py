"""Numbers for people: one rounding rule shared by explain, check, mark and viz.

:func:`numeral` decides how a number is shown with ``digits`` significant
figures, as data (sign, kind, digits); each renderer typesets that data its
own way (``−0.4013``, ``-0.4013``, ``\\frac{3}{8}``). :func:`number_text` is the
plain-text typesetting used in feedback, tables and labels, and
:func:`array_text` the same for nested arrays. :func:`json_number` is a number
as a JSON value.

The rule (docs/render.md, "Numbers": numbers shown rounded are computed at full precision):

* a number that is exactly what its rounded form shows prints minimally
  (``25``, ``-0.96``, ``0.2``); an integer, a fraction and an exact constant
  print as written;
* a rounded number keeps its trailing zeros (``0.5130`` says "four figures");
* very small or very large magnitudes (below 1e-5, from 1e15) use a power of ten.

Two presentation choices are options, not copies of the rule: ``fraction_width``
(a fraction longer than that many characters is shown as its rounded decimal,
marked approximate: a compact graph label) and ``evaluate_constants`` (an exact
constant such as sqrt(2) shown as its rounded decimal). :func:`json_number`
with a ``mode`` is the docs/format.md encoding of solve's JSON sections.

This module is below every consumer in the layers contract (``gradwork.problem``),
so check and explain cannot drift apart.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

DEFAULT_DIGITS = 4

NumeralKind = Literal["decimal", "fraction", "scientific", "infinity", "nan", "sympy"]


@dataclass(frozen=True)
class Numeral:
    """A number ready to typeset: sign, digits, and a fraction or power-of-ten part."""

    negative: bool
    kind: NumeralKind
    digits: str = ""  # "1.235", or the numerator of a fraction
    denominator: str = ""
    exponent: int = 0  # scientific: digits × 10^exponent
    value: Any = None  # the SymPy object, for kind "sympy"
    approximate: bool = False  # a rounded stand-in for an exact value (a long fraction shown as a decimal)


def is_sympy(value: Any) -> bool:
    """Whether ``value`` is a SymPy object (checked without importing SymPy)."""
    return type(value).__module__.split(".")[0] == "sympy"


def numeral(value: Any, digits: int = DEFAULT_DIGITS, exact: bool = False, *, fraction_width: int | None = None,
            evaluate_constants: bool = False) -> Numeral:
    """How ``value`` is shown with ``digits`` significant figures (see the module docstring).

    ``exact``: the value is a constant given by the user (print it as written,
    never rounded). ``fraction_width``: the longest fraction kept as a fraction
    (None: any). ``evaluate_constants``: a SymPy number without symbols (sqrt(2))
    shown as its rounded decimal.
    """
    if type(value) in _FLOATS:  # most numbers shown: straight to the float rule (what the tests below end in)
        return _float_numeral(float(value), digits, exact)
    if isinstance(value, bool):
        return Numeral(False, "decimal", str(int(value)))
    if is_sympy(value):
        if value.is_Rational:
            return numeral(Fraction(int(value.p), int(value.q)), digits, exact, fraction_width=fraction_width)
        if value.is_Float or (evaluate_constants and value.is_number):
            return numeral(float(value), digits, exact)
        return Numeral(bool(value.could_extract_minus_sign()), "sympy", value=value)
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        whole = int(value)
        return Numeral(whole < 0, "decimal", str(abs(whole)))
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return Numeral(value < 0, "decimal", str(abs(value.numerator)))
        width = len(str(value))
        if fraction_width is not None and width > fraction_width:
            rounded = numeral(value.numerator / value.denominator, digits)
            return Numeral(rounded.negative, rounded.kind, rounded.digits, rounded.denominator, rounded.exponent,
                           approximate=True)
        return Numeral(value < 0, "fraction", str(abs(value.numerator)), str(value.denominator))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Numeral(False, "decimal", str(value))
    return _float_numeral(number, digits, exact)


_FLOATS = (float, np.float64)


@functools.lru_cache(maxsize=4096)
def _float_numeral(number: float, digits: int, exact: bool) -> Numeral:
    """numeral() of a float (cached: an explanation shows each number several times; a Numeral is immutable)."""
    if math.isnan(number):
        return Numeral(False, "nan")
    if math.isinf(number):
        return Numeral(number < 0, "infinity")
    if number == 0:
        return Numeral(False, "decimal", "0")  # -0.0 too: a sign on zero tells a student nothing
    negative = number < 0
    size = abs(number)
    if exact:
        return _shortest(size, negative)
    mantissa, exponent = f"{size:.{max(digits, 1) - 1}e}".split("e")
    power = int(exponent)
    shown = float(f"{mantissa}e{power}")
    is_exact = math.isclose(shown, size, rel_tol=1e-12, abs_tol=0.0)
    if power < -5 or power >= 15:
        if is_exact:
            mantissa = _strip_zeros(mantissa)
        return Numeral(negative, "scientific", mantissa, exponent=power)
    if is_exact:
        return _shortest(shown, negative)
    decimals = max(digits - 1 - power, 0)
    return Numeral(negative, "decimal", f"{size:.{decimals}f}")


def _shortest(size: float, negative: bool) -> Numeral:
    if size.is_integer() and size < 1e15:
        return Numeral(negative, "decimal", str(int(size)))
    text = repr(size)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return Numeral(negative, "scientific", mantissa, exponent=int(exponent))
    return Numeral(negative, "decimal", text)


def _strip_zeros(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def plain(n: Numeral, minus: str = "-") -> str:
    """A numeral as plain text: ``-0.4013``, ``3/8``, ``1.5e-7``, ``inf``, ``nan``, a SymPy formula, ``≈0.5980``."""
    sign = ("≈" if n.approximate else "") + (minus if n.negative else "")
    if n.kind == "sympy":
        return str(n.value)
    if n.kind == "fraction":
        return f"{sign}{n.digits}/{n.denominator}"
    if n.kind == "scientific":
        return f"{sign}{n.digits}e{n.exponent}"
    if n.kind == "infinity":
        return f"{sign}inf"
    if n.kind == "nan":
        return "nan"
    return sign + n.digits


def number_text(value: Any, digits: int = DEFAULT_DIGITS, exact: bool = False, minus: str = "-", *,
                fraction_width: int | None = None, evaluate_constants: bool = False) -> str:
    """One number as plain text, rounded by :func:`numeral`: ``0.5130``, ``3``, ``-24/25``, ``1.235e-7``."""
    if type(value) is float:  # (a float's numeral depends on neither width nor constants: its text, kept)
        return _float_text(value, digits, exact, minus)
    return plain(numeral(value, digits, exact, fraction_width=fraction_width,
                         evaluate_constants=evaluate_constants), minus)


@functools.lru_cache(maxsize=8192)
def _float_text(value: float, digits: int, exact: bool, minus: str) -> str:
    """number_text() of a float (check's feedback writes the same expected numbers for every student)."""
    return plain(_float_numeral(value, digits, exact), minus)


def array_text(value: Any, digits: int = DEFAULT_DIGITS, blank: str = "blank") -> str:
    """A number, nested list or array as plain text (``[0.5, -0.6]``); ``None`` entries read ``blank``."""
    if value is None:
        return blank
    tolist = getattr(value, "tolist", None)
    if tolist is not None and not is_sympy(value):
        value = tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(array_text(v, digits, blank) for v in value) + "]"
    if isinstance(value, str):
        return value  # written as text (a fraction or a formula): shown as written
    return number_text(value, digits)


def json_number(value: Any, mode: str | None = None) -> Any:
    """A number as a JSON value, one form per kind of number in every command's JSON (solve, check, mark and
    the steps of explanations alike): a float or int as a JSON number; an exact-mode rational (a Fraction) as a
    string, whole numbers too ("3", "3/8"); a SymPy value as its text ("3", "x**2"); "nan"/"inf" where JSON has no
    number.

    With a number ``mode`` it is docs/format.md's encoding of that mode's results, one type
    per mode: a float (float), a fraction string even for a whole number ("3", exact),
    SymPy's text (symbolic).
    """
    if mode == "float":
        return float(value)
    if mode == "exact":
        return str(Fraction(value))
    if mode == "symbolic":
        return str(value)
    if is_sympy(value):
        return str(value)  # as symbolic mode's results are written ("3", not 3)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Fraction):
        return str(value)  # as exact mode's results are written: "3" and "3/8" alike
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return number
