"""The exact backend: Fractions as written, and a clear stop where a value is irrational."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gradwork.backends import BackendError, get_backend
from gradwork.backends.exact import to_fraction

EXACT = get_backend("exact")


def test_numbers_are_fractions_as_written():
    assert to_fraction(0.1) == Fraction(1, 10)  # the decimal typed, not the binary float nearest to it
    assert to_fraction(1e-3) == Fraction(1, 1000)
    assert to_fraction("3/8") == Fraction(3, 8) and to_fraction(np.int64(4)) == 4
    array = EXACT.asarray([[0.5, 2], ["1/3", 0.25]])
    assert array.dtype == object and array.tolist() == [[Fraction(1, 2), 2], [Fraction(1, 3), Fraction(1, 4)]]


@pytest.mark.parametrize("function", ["exp", "log", "tanh", "erf", "sigmoid"])
def test_irrational_functions_stop_naming_the_function_and_the_way_out(function):
    with pytest.raises(BackendError) as caught:
        getattr(EXACT, function)(EXACT.asarray([Fraction(1, 3)]))
    message = str(caught.value)
    assert message.startswith(f"{function} has no exact rational value") and "--mode symbolic" in message


def test_the_rational_special_values_are_exact():
    zero, one = EXACT.asarray([0]), EXACT.asarray([1])
    assert EXACT.exp(zero).tolist() == [1] and EXACT.log(one).tolist() == [0]
    assert EXACT.sigmoid(zero).tolist() == [Fraction(1, 2)] and EXACT.tanh(zero).tolist() == [0]


def test_square_roots_are_exact_for_squares_only():
    assert EXACT.sqrt(EXACT.asarray([Fraction(9, 4), 0])).tolist() == [Fraction(3, 2), 0]
    with pytest.raises(BackendError, match=r"sqrt\(2\) has no exact rational value.*--mode symbolic"):
        EXACT.sqrt(EXACT.asarray([2]))
    with pytest.raises(BackendError, match="negative"):
        EXACT.sqrt(EXACT.asarray([-4]))


def test_kinks_are_exact_indicators():
    values = EXACT.asarray([Fraction(-1, 2), 0, 3])
    assert EXACT.positive(values).tolist() == [0, 0, 1]
    assert EXACT.positive(values, at_zero=0.5).tolist() == [0, Fraction(1, 2), 1]
    assert EXACT.equal(values, EXACT.asarray([0])).tolist() == [0, 1, 0]


@pytest.mark.parametrize("text", ["1e100001", "1e-100001", "1e" + "9" * 5000, "2.5E+" + "9" * 30])
def test_text_with_a_huge_exponent_is_refused_not_expanded(text):
    # The last backstop under the readers: Fraction(text) would compute 10**exponent.
    with pytest.raises(BackendError, match="exponent too large"):
        to_fraction(text)
    assert to_fraction("2.5e3") == 2500 and to_fraction("3/8") == Fraction(3, 8)
