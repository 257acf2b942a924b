"""The symbolic backend: user values as SymPy, and the bounded-cost readable form of results."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import sympy

from gradwork.backends import get_backend
from gradwork.backends.symbolic import READABLE_MAX_OPS, readable, to_sympy

SYMBOLIC = get_backend("symbolic")
a, b, t, x, y, z, d0, d1, x0, x1 = sympy.symbols("a b t x y z d0 d1 x0 x1")


def test_user_values_become_exact_sympy_numbers_or_symbols():
    assert to_sympy(0.1) == sympy.Rational(1, 10)
    assert to_sympy(Fraction(3, 8)) == sympy.Rational(3, 8)
    assert to_sympy(2) == 2 and to_sympy(sympy.Symbol("w5")) == sympy.Symbol("w5")
    array = SYMBOLIC.asarray([[1, Fraction(1, 2)], [sympy.Symbol("w"), 0.25]])
    assert array.dtype == object and array[1, 1] == sympy.Rational(1, 4)


def test_readable_rational_functions_take_the_shortest_of_cancel_and_factor():
    assert readable((a - t) / (a * (1 - a)) * a * (1 - a)) == a - t
    assert readable(-d0 * t + d0 * (x0 + x1)) == d0 * (x0 + x1 - t)  # factored: shorter
    assert readable(2 * d0 * x0 + d1 * x1) == 2 * d0 * x0 + d1 * x1  # already shortest: kept as it is
    assert readable((x ** 2 - 1) / (x - 1)) == x + 1


def test_readable_pulls_signs_and_common_factors_out_of_transcendental_formulas_without_expanding():
    # factor_terms keeps -(b + x*y) unevaluated, so it is compared as printed.
    assert str(readable(1 / (sympy.exp(-b - x * y - z) + 1))) == "1/(1 + exp(-(b + x*y + z)))"
    assert readable(y * sympy.Max(0, x) - sympy.Max(0, x)) == (y - 1) * sympy.Max(0, x)
    sigmoid_slope = (1 - 1 / (sympy.exp(-z) + 1)) / (sympy.exp(-z) + 1)
    assert readable(sigmoid_slope) == sigmoid_slope  # never 1/(4 cosh(z/2)**2), as sympy.simplify writes it


def test_readable_leaves_constants_and_atoms_alone():
    # sympy.simplify ran for minutes on constants like these (Mazur's exact sigmoid values).
    constant = 1 / (1 + sympy.exp(-sympy.Rational(1007, 500))) * (1 - 1 / (1 + sympy.exp(-sympy.Rational(1007, 500))))
    assert readable(constant) is constant
    assert readable(x) is x and readable(sympy.Rational(3, 8)) == sympy.Rational(3, 8)
    assert readable(Fraction(1, 2)) == Fraction(1, 2)


def test_readable_cost_is_bounded_on_a_large_formula():
    # 150 sigmoid-weighted terms: beyond the size limit, returned as computed, at once.
    # (one Add of the 150 terms: the same formula as sum() would build, without its 149 growing partial sums)
    h = sympy.Add(*[v / (1 + sympy.exp(-w * x - b)) for v, w in zip(sympy.symbols("v1:151"), sympy.symbols("w1:151"))])
    assert sympy.count_ops(h) > READABLE_MAX_OPS
    start = time.perf_counter()
    assert readable(h) is h
    assert time.perf_counter() - start < 5


def test_simplify_maps_readable_over_arrays():
    array = np.empty(2, dtype=object)
    array[:] = [(a - t) * a / a, (d0 * x0 - d0 * t) / (x0 - t)]
    out = SYMBOLIC.simplify(array)
    assert out.shape == (2,) and list(out) == [a - t, d0]


def test_kink_functions_stay_exact_formulas():
    p, n = sympy.Symbol("p", positive=True), sympy.Symbol("n", negative=True)
    values = SYMBOLIC.asarray([p, n])
    assert list(SYMBOLIC.positive(values)) == [1, 0]
    assert list(SYMBOLIC.positive(SYMBOLIC.asarray([0]), at_zero=Fraction(1, 2))) == [sympy.Rational(1, 2)]
    assert list(SYMBOLIC.maximum(values, SYMBOLIC.zeros_like(values))) == [p, 0]
