"""One rounding rule for every number shown to people (check, explain, viz)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from gradwork.numbers.display import Numeral, array_text, json_number, number_text, numeral


@pytest.mark.parametrize(("value", "digits", "text"), [
    (0.5130152524, 4, "0.5130"),   # rounded: the trailing zero says four figures
    (0.2, 4, "0.2"),               # exactly what it shows: minimal
    (3.0, 4, "3"), (3, 4, "3"), (np.int64(-4), 4, "-4"),
    (-0.0, 4, "0"),
    (Fraction(-24, 25), 4, "-24/25"), (Fraction(6, 1), 4, "6"),
    (1.23456e-7, 4, "1.235e-7"), (1.5e-7, 4, "1.5e-7"),
    (float("inf"), 4, "inf"), (float("nan"), 4, "nan"),
    (0.4013123, 2, "0.40"),
])
def test_number_text(value, digits, text):
    assert number_text(value, digits) == text


def test_sympy_values_and_arrays():
    x = sympy.Symbol("x")
    assert number_text(sympy.Rational(3, 8)) == "3/8" and number_text(x**2 + 1) == "x**2 + 1"
    assert numeral(-x, 4).kind == "sympy" and numeral(-x, 4).negative
    assert numeral(0.25, 4) == Numeral(False, "decimal", "0.25")
    assert array_text(np.array([[0.5, -0.6], [-0.398, 0.80401]]), 4) == "[[0.5, -0.6], [-0.398, 0.8040]]"
    assert array_text([0.1, None, "3/8"]) == "[0.1, blank, 3/8]" and array_text(None) == "blank"


def test_json_numbers():
    assert json_number(Fraction(3, 8)) == "3/8" and json_number(Fraction(4, 2)) == "2"  # exact: always a string
    assert json_number(np.float64(0.5)) == 0.5 and json_number(float("-inf")) == "-inf"
    assert json_number(sympy.Integer(3)) == "3" and json_number(sympy.Symbol("x") / 2) == "x/2"  # symbolic: text
