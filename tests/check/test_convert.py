"""What a student wrote, in the solve's backend: floats, exact fractions, formulas by the problem's parser."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from gradwork.backends import get_backend
from gradwork.check import AnswersError, parse_answers
from gradwork.check.convert import convert


def _one(value, mode):
    answers = parse_answers({"gradients": {"x": value}}, "a.yaml")
    return convert(answers, answers.answers[0], get_backend(mode))


def test_numbers_and_blanks_in_each_mode():
    array, blank = _one([0.1, None, "3/8"], "float")
    np.testing.assert_array_equal(blank, [False, True, False])
    assert array[0] == 0.1 and np.isnan(array[1]) and array[2] == 0.375
    array, _ = _one([0.1, "3/8"], "exact")
    assert list(array) == [Fraction(1, 10), Fraction(3, 8)]


def test_formulas_are_read_by_the_problem_files_parser():
    array, _ = _one(["d0*x0 + sigmoid(x1)", "x0^2 / 2", 3], "symbolic")
    d0, x0, x1 = sympy.symbols("d0 x0 x1")
    assert sympy.simplify(array[0] - (d0 * x0 + 1 / (1 + sympy.exp(-x1)))) == 0
    assert sympy.simplify(array[1] - x0**2 / 2) == 0  # ^ read as a power
    assert array[2] == 3


@pytest.mark.parametrize(("text", "message"), [
    ("x0 +", "cannot read the formula 'x0 +': invalid expression syntax"),
    ("__import__('os')", "cannot read the formula"),
    ("frobnicate(x0)", "cannot read the formula"),
])
def test_bad_formulas_are_one_line_errors_at_the_answer(text, message):
    with pytest.raises(AnswersError) as caught:
        _one([text], "symbolic")
    assert str(caught.value).startswith("a.yaml:1:1: " + message), str(caught.value)


def test_a_fraction_string_is_not_a_formula_outside_symbolic_mode():
    with pytest.raises(AnswersError, match="'x0' is not a number"):
        _one(["x0"], "float")


@pytest.mark.parametrize(("text", "mode", "message"), [
    ("1e999999999", "float", "too large for a float"),
    ("1e999999999", "exact", "exponent beyond 400"),
    ("1e-999999999", "exact", "exponent beyond 400"),
    ("1e99999999999999999999", "exact", "exponent beyond 400"),
    ("1/0", "exact", "divides by zero"),
])
def test_a_quoted_number_is_bounded_like_a_problem_files_number(text, mode, message):
    # Fraction("1e999999999") would compute 10**999999999: this used to hang `gradwork check`.
    with pytest.raises(AnswersError, match=message) as caught:
        _one([text], mode)
    assert "\n" not in str(caught.value)


def test_a_quoted_tiny_number_in_float_mode_is_zero():
    array, _ = _one(["1e-999999999", " 3 / 8 "], "float")
    assert list(array) == [0.0, 0.375]


def test_a_typeset_minus_sign_is_a_minus():
    # A sheet prints −0.5 with U+2212; pasted into an answers file (YAML reads it as text) it is still -0.5.
    from gradwork.backends import get_backend
    from gradwork.check.answers import parse_answers
    from gradwork.check.convert import convert

    answers = parse_answers({"loss": "\u22120.5", "values": {"hidden.z": ["\u22121/4", 2]}})
    for answer, expected in zip(answers.answers, ([-0.5], [-0.25, 2.0])):
        value, _ = convert(answers, answer, get_backend("float"))
        assert value.reshape(-1).tolist() == expected
