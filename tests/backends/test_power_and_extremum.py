"""Powers stay exact or refuse in exact mode; max/min work on symbols."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from gradwork.backends import BackendError
from gradwork.tensor import Tensor


def test_exact_fractional_power_of_a_square_is_exact():
    x = Tensor([Fraction(9, 4)], backend="exact", requires_grad=True)
    y = (x ** 0.5).sum()
    y.backward()
    assert y.item() == Fraction(3, 2)
    assert x.grad.tolist() == [Fraction(1, 3)]  # 1/2 · (9/4)^(-1/2)


def test_exact_power_with_no_rational_value_is_refused():
    with pytest.raises(BackendError, match="no exact rational value.*--mode symbolic"):
        Tensor([2], backend="exact") ** 0.5


def test_symbolic_max_and_its_gradient():
    a, b = sympy.symbols("a b", positive=True)
    x = Tensor(np.array([a, a + b], dtype=object), backend="symbolic", requires_grad=True)
    m = x.max()
    m.backward()
    assert sympy.simplify(m.item() - (a + b)) == 0
    assert [sympy.simplify(g) for g in x.grad.tolist()] == [0, 1]
