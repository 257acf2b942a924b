"""How precisely two sides agree (gradwork.mark.arith.holds): the early answers are the full rule's answers."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.mark.arith import RELATIVE, carried, holds, plain, uncertainty
from gradwork.mark.normalise import normalise_all
from gradwork.mark.parse import parse


def in_full(left, right, make=plain, log10=False, exact=frozenset()):
    """holds as the rule reads, every part of the slack worked out before comparing."""
    a, b = make(log10=log10)(left), make(log10=log10)(right)
    a_array, b_array = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_array.shape != b_array.shape:
        if a_array.ndim == 2 and b_array.ndim == 2 and a_array.shape == b_array.shape[::-1] and min(a_array.shape) > 1:
            return False
        b_array = b_array.reshape(a_array.shape)
    slack = uncertainty(left, make, log10, a_array, exact) + uncertainty(right, make, log10, b_array, exact)
    slack = slack + carried(left, make, log10, a_array) + carried(right, make, log10, b_array)
    scale = np.maximum(np.abs(a_array), np.abs(b_array))
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(a_array - b_array) <= slack + 1e-9 * (1 + scale) + RELATIVE * scale))


EQUATIONS = [
    ("1 \\cdot 0.5 + 2 \\cdot (-0.6) + 0.2", "-0.1"),  # -0.5: wrong
    ("1 \\cdot 0.5 + 2 \\cdot (-0.6) + 0.2", "-0.5"),  # exactly
    ("0.401 \\cdot 0.8", "0.321"),  # within the literals' rounding only
    ("0.401 \\cdot 0.8", "0.3208"),  # within RELATIVE
    ("0.401 \\cdot 0.8", "0.33"),
    ("\\frac{1}{1 + e^{0.4}}", "0.4013"),
    ("-\\log 0.599", "0.2225"),  # base 10: not with natural logs
    ("-\\log 0.599", "0.5125"),
    ("\\begin{pmatrix} 0.5 & -0.6 \\end{pmatrix} \\cdot 0.1", "\\begin{pmatrix} 0.05 & -0.06 \\end{pmatrix}"),
    ("\\begin{pmatrix} 0.5 & -0.6 \\end{pmatrix} \\cdot 0.1", "\\begin{pmatrix} 0.05 & -0.07 \\end{pmatrix}"),
    ("1.000", "1"), ("0.5 - 0.01 \\cdot 0.2005", "0.498"), ("0.5 - 0.01 \\cdot 0.2005", "0.4980"),
    ("10^{400}", "10^{400}"), ("2 \\cdot 3", "6.01"),
]


@pytest.mark.parametrize("left, right", EQUATIONS)
def test_holds_answers_as_the_full_rule(left, right):
    a, b = parse(normalise_all(left)), parse(normalise_all(right))
    for exact in (frozenset(), frozenset({0.5, 0.1})):
        for log10 in (False, True):
            assert holds(a, b, plain, log10, exact)[0] == in_full(a, b, plain, log10, exact)


class Rounded:
    """A make whose symbols are the student's rounded numbers (so carried rounding counts)."""

    precision_of = {"a": 0.0005, "b": 0.005}

    def __init__(self, values):
        self.values = values

    def precision(self, name):
        return self.precision_of.get(name)

    def __call__(self, log10=False, bumps=None, shift=None):
        from gradwork.mark.evaluate import Evaluator

        values = {k: np.asarray(v + (shift or {}).get(k, 0.0)) for k, v in self.values.items()}
        return Evaluator(values.__getitem__, log10=log10, bumps=bumps)


@pytest.mark.parametrize("left, right", [("a \\cdot b", "0.0403"), ("a \\cdot b", "0.0406"), ("a \\cdot b", "0.05"),
                                         ("a + b", "0.501"), ("a + b", "0.53")])
def test_holds_with_carried_rounding_answers_as_the_full_rule(left, right):
    make = Rounded({"a": 0.401, "b": 0.1})
    a, b = parse(normalise_all(left)), parse(normalise_all(right))
    assert holds(a, b, make)[0] == in_full(a, b, make)


@pytest.mark.parametrize("value", [0.5, np.float64(-2.0), np.asarray(np.inf), np.asarray(-np.inf), np.asarray(np.nan),
                                   np.asarray(3), np.asarray([1.0, np.inf]), np.asarray([[0.1, 0.2]]),
                                   np.asarray(1.5, dtype=object)])
def test_finite_says_what_numpy_says(value):
    from gradwork.mark.arith import finite

    array = np.asarray(value)
    expected = array.dtype == object or bool(np.all(np.isfinite(array.astype(float))))
    assert finite(value) is expected
