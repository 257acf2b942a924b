"""User numbers into each backend, and arrays back out as JSON data."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy

from gradwork.backends import get_backend
from gradwork.problem.numbers import NumberError, jsonify, leaf, shape_of, to_array

FLOAT, EXACT, SYMBOLIC = get_backend("float"), get_backend("exact"), get_backend("symbolic")


def test_leaf_per_mode():
    assert leaf(Decimal("0.1"), FLOAT) == 0.1
    assert leaf(Decimal("0.1"), EXACT) == Fraction(1, 10)
    assert leaf(Decimal("1e-3"), EXACT) == Fraction(1, 1000)
    assert leaf("2/6", EXACT) == Fraction(1, 3) and leaf("2/6", FLOAT) == pytest.approx(1 / 3)
    assert leaf(3, EXACT) == 3
    assert leaf("x0", SYMBOLIC) == sympy.Symbol("x0")


def test_leaf_never_evaluates_text_as_code():
    # sympify would run this; a symbol name is taken only when the text is an identifier.
    with pytest.raises(NumberError):
        leaf("__import__('os').getcwd()", SYMBOLIC)
    assert leaf("alpha", SYMBOLIC) == sympy.Symbol("alpha")


@pytest.mark.parametrize("value, message", [
    (True, "true is not a number"), (None, "null is not a number"), ({"a": 1}, "a mapping is not a number"),
    (float("inf"), "inf is not a finite number"), (Decimal("NaN"), "NaN is not a finite number"),
    ("1.2.3", "'1.2.3' is not a number"),
])
def test_leaf_refuses(value, message):
    with pytest.raises(NumberError, match=message.replace("(", r"\(")):
        leaf(value, FLOAT)


def test_symbol_names_need_symbolic_mode():
    with pytest.raises(NumberError, match="needs symbolic mode"):
        leaf("x0", EXACT)


def test_shape_of_and_error_index():
    assert shape_of(1) == () and shape_of([1, 2]) == (2,) and shape_of([[1], [2]]) == (2, 1)
    with pytest.raises(NumberError) as caught:
        shape_of([[1, 2], [3]])
    assert caught.value.index == (1,)
    with pytest.raises(NumberError) as caught:
        to_array([[1, 2], [3, None]], FLOAT)
    assert caught.value.index == (1, 1)


def test_to_array_and_jsonify_round_trip():
    assert jsonify(to_array([[Decimal("0.5"), 2]], FLOAT), FLOAT) == [[0.5, 2.0]]
    assert jsonify(to_array([Decimal("0.375"), -2], EXACT), EXACT) == ["3/8", "-2"]
    assert jsonify(to_array(Decimal("1.5"), EXACT), EXACT) == "3/2"
    x = sympy.Symbol("x")
    assert jsonify(np.asarray([x * 2 - x, x / x], dtype=object), SYMBOLIC) == ["x", "1"]
    assert isinstance(jsonify(np.float64(2.0), FLOAT), float)


def test_exact_keeps_every_written_digit():
    assert leaf(Decimal("0.12345678901234567890123"), EXACT) == Fraction(12345678901234567890123, 10**23)
