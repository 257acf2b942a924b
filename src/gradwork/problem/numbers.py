"""User numbers in, JSON numbers out, the same way in float, exact and symbolic mode.

A number in a problem file arrives as an ``int``, a :class:`~decimal.Decimal`
(anything written with a fraction or an exponent, kept as written), a
fraction string such as ``"1/3"``, or, in symbolic mode, a symbol name such
as ``"x0"``. :func:`leaf` turns one into what the backend's ``asarray``
takes: a float in float mode, an exact :class:`~fractions.Fraction` in exact
and symbolic mode (``0.01`` is exactly 1/100), a SymPy symbol for a name.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np

from gradwork.backends import Backend
from gradwork.documents import limits
from gradwork.numbers.display import json_number
from gradwork.numbers.written import is_number, shown


class NumberError(ValueError):
    """A value that is not a number (in this mode); ``index`` is where inside a nested list."""

    def __init__(self, message: str, expected: str, index: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.expected, self.index = message, expected, index


NUMBER_EXPECTED = "a number or a list of numbers"


def exact(value: Any) -> Fraction:
    """The exact value of a number as written (never through a binary float).

    Raises :class:`NumberError` for a zero denominator and for a decimal exponent
    over the ``exponent`` limit (10**999999999 as a Fraction would never finish).
    """
    if isinstance(value, str):
        if "/" in value:
            numerator, denominator = value.replace(" ", "").split("/")
            if int(denominator) == 0:
                raise NumberError(f"{value.strip()} divides by zero", "a fraction with a non-zero denominator")
            return Fraction(int(numerator), int(denominator))
        try:
            value = Decimal(value.strip())
        except InvalidOperation:  # an exponent past Decimal's own range (10**18)
            raise NumberError(f"{value.strip()[:40]} has an exponent beyond {limits.current().exponent} for exact "
                              "arithmetic", limits.note("exponent")) from None
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal) and value.is_finite() and value and abs(value.adjusted()) > limits.current().exponent:
        raise NumberError(f"{value} has an exponent beyond {limits.current().exponent} for exact arithmetic",
                          limits.note("exponent"))
    return Fraction(value)


def _float(value: Any) -> float:
    """A number as a float without an exact detour; refuses what overflows a float."""
    if isinstance(value, str) and "/" in value:
        number = exact(value)  # digits are bounded by the reader, so this is cheap
        try:
            return number.numerator / number.denominator
        except OverflowError:
            raise NumberError(f"{value.strip()} is too large for a float", "a number below about 1.8e308") from None
    try:
        result = float(value.strip() if isinstance(value, str) else value)
    except OverflowError:  # int too large for a float
        raise NumberError(f"{value} is too large for a float", "a number below about 1.8e308") from None
    if not math.isfinite(result):
        raise NumberError(f"{value} is too large for a float", "a number below about 1.8e308")
    return result


def leaf(value: Any, backend: Backend) -> Any:
    """One user value as a backend element (see the module docstring); raises :class:`NumberError`."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        kind = {True: "true", False: "false", None: "null"}.get(value, type(value).__name__) \
            if not isinstance(value, (dict, list)) else ("a mapping" if isinstance(value, dict) else "a list")
        raise NumberError(f"{kind} is not a number", "a number")
    if isinstance(value, (float, Decimal)) and not (math.isfinite(value) if isinstance(value, float)
                                                     else value.is_finite()):
        raise NumberError(f"{value} is not a finite number", "a finite number")
    if is_number(value):
        if backend.name == "float":
            return _float(value)
        return exact(value) if not isinstance(value, int) else value
    if isinstance(value, str) and value.isidentifier():
        if len(value) > 64:  # names.MAX_SYMBOL: a formula cannot set a longer symbol
            raise NumberError(f"the symbol name {value[:20]}... is {len(value)} characters long", "at most 64")
        if backend.name != "symbolic":
            raise NumberError(f"{value!r} is a symbol name, which needs symbolic mode",
                              "a number, or `mode: symbolic` (--mode symbolic)")
        import sympy

        # Symbol() takes the name as it is; sympify would evaluate the text as code.
        return sympy.Symbol(value)
    raise NumberError(f"{shown(value)} is not a number", "a number, a fraction such as 1/3, or a symbol name")


def shape_of(value: Any) -> tuple[int, ...]:
    """The shape of a nested list of user values; raises :class:`NumberError` if it is ragged or empty."""
    if not isinstance(value, list):
        if isinstance(value, dict):
            raise NumberError("a mapping is not a number", NUMBER_EXPECTED)
        return ()
    if not value:
        raise NumberError("an empty list has no numbers", NUMBER_EXPECTED)
    shapes = []
    for index, item in enumerate(value):
        try:
            shapes.append(shape_of(item))
        except NumberError as error:
            raise NumberError(error.message, error.expected, (index, *error.index)) from None
    for index, item_shape in enumerate(shapes):
        if item_shape != shapes[0]:
            raise NumberError(
                f"ragged list: item {index} has shape {list(item_shape)} but item 0 has shape {list(shapes[0])}",
                "rows of equal length", (index,))
    return (len(value), *shapes[0])


def to_array(value: Any, backend: Backend) -> np.ndarray:
    """A (nested list of) user values as an array of ``backend``; raises :class:`NumberError` with the index."""
    shape = shape_of(value)
    count = math.prod(shape)
    if limits.over("elements", count):
        raise NumberError(f"an array of {count} elements", limits.note("elements"))
    flat: list[Any] = []
    _flatten(value, backend, (), flat)
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    return backend.asarray(array.reshape(np.shape(value)) if isinstance(value, list) else array.reshape(()))


def _flatten(value: Any, backend: Backend, index: tuple[int, ...], out: list[Any]) -> None:
    if isinstance(value, list):
        for position, item in enumerate(value):
            _flatten(item, backend, (*index, position), out)
        return
    try:
        out.append(leaf(value, backend))
    except NumberError as error:
        raise NumberError(error.message, error.expected, index) from None


def scalar(value: Any, backend: Backend) -> Any:
    """One user number as a backend scalar (a Python float, a Fraction, or a SymPy expression)."""
    return backend.asarray(leaf(value, backend)).item()


# --------------------------------------------------------------------------- results and JSON out


def reported(array: Any, backend: Backend) -> Any:
    """A result as :class:`~gradwork.problem.solution.Solution` keeps it: native numbers, in readable form.

    A 0-d array is its scalar (a float, a Fraction or int, a SymPy expression); a bigger
    one a fresh array of the backend's dtype. Symbolic values are put in the backend's
    readable form (cheap canonical forms with a bounded cost; see docs/modes.md), never
    through ``sympy.simplify``.
    """
    data = np.array(array, dtype=object if backend.name != "float" else None, copy=True)
    if backend.name == "symbolic":
        data = backend.simplify(data)
    return data.item() if data.shape == () else data


def to_json(value: Any, mode: str) -> Any:
    """A reported value (scalar or array) as docs/format.md JSON: floats; "3/8" strings in exact mode; SymPy text."""
    if value is None:
        return None
    data = np.asarray(value, dtype=object if mode != "float" or not isinstance(value, np.ndarray) else None)
    return _lists(data, mode)


def jsonify(array: Any, backend: Backend) -> Any:
    """An array of ``backend`` straight to JSON data (:func:`reported`, then :func:`to_json`)."""
    return to_json(reported(array, backend), backend.name)


def _lists(data: np.ndarray, mode: str) -> Any:
    if data.shape == ():
        return json_number(data.item(), mode)
    if data.ndim == 1:
        return [json_number(item, mode) for item in data.tolist()]
    return [_lists(item, mode) for item in data]
