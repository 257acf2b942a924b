from fractions import Fraction

import numpy as np
import sympy

from gradwork.viz.numbers import array_latex, describe, format_number, format_rows, number_latex, shape_text, summary


def test_floats_show_significant_figures_without_negative_zero():
    assert format_number(0.401312339887548) == "0.4013"
    assert format_number(-0.0) == "0"
    assert format_number(1.23456e-7) == "1.235e-7"
    assert format_number(0.4013123, digits=2) == "0.40"  # rounded: the zero says "two figures"


def test_exact_fractions_stay_fractions_while_short():
    assert format_number(Fraction(3, 8)) == "3/8"
    assert format_number(Fraction(-24, 25)) == "-24/25"
    assert format_number(Fraction(6, 1)) == "6"
    assert format_number(Fraction(2989967, 5000000)) == "≈0.5980"
    assert number_latex(Fraction(-3, 8)) == r"-\frac{3}{8}"


def test_symbolic_values_are_formulas():
    x = sympy.Symbol("x")
    assert format_number(x**2 + 1) == "x**2 + 1"
    assert number_latex(x**2 / 2) == r"\frac{x^{2}}{2}"
    assert format_number(sympy.Rational(3, 8)) == "3/8"
    assert format_number(sympy.sqrt(2)) == "1.414"


def test_rows_of_vectors_and_matrices():
    assert format_rows(np.array([1.0, 2.0])) == ["[1, 2]"]
    assert format_rows(np.array([[0.5, -0.6], [-0.4, 0.8]])) == ["[[0.5, -0.6],", " [-0.4, 0.8]]"]
    assert format_rows(np.arange(8.0)) == ["[0, 1, 2, 3, 4, 5,", " 6, 7]"]


def test_large_tensors_are_summarized():
    data = np.array([3.0, -4.0] + [0.0] * 98)
    assert describe(data) == ["min -4, max 3", "‖·‖₂ 5"]
    assert describe(data[:16]) == format_rows(data[:16])
    assert summary(np.array([sympy.Symbol("a")] * 20, dtype=object)) == ["20 elements"]
    assert shape_text((784, 16)) == "[784×16]" and shape_text(()) == ""


def test_latex_of_arrays_and_small_numbers():
    assert array_latex(np.array([[1.0, 2.0], [3.0, 4.5]])) == r"\begin{bmatrix}1 & 2 \\ 3 & 4.5\end{bmatrix}"
    assert number_latex(1.5e-7) == r"1.5 \times 10^{-7}"
