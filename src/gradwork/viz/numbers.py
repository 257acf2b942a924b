"""Numbers as the graph and the page show them.

Floats are rounded to ``digits`` significant figures (computed at full
precision, rounded only for display); exact fractions stay fractions while they
are short; SymPy expressions are shown as formulas. A tensor with more than
``collapse_above`` elements is summarized (min, max, L2 norm) instead of listed,
so a 784-unit layer stays one compact node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.numbers.display import DEFAULT_DIGITS, Numeral, numeral, plain

COLLAPSE_ABOVE = 16
PER_LINE = 6  # a longer vector wraps, so a 16-unit layer's node stays roughly square


def is_small(data: np.ndarray, collapse_above: int = COLLAPSE_ABOVE) -> bool:
    """Whether a tensor is listed element by element (else it is summarized)."""
    return np.size(data) <= collapse_above


def _is_symbolic(value: Any) -> bool:
    return hasattr(value, "free_symbols")


def _label_numeral(value: Any, digits: int) -> Numeral:
    # A long fraction says less than its decimal value in a compact label, and sqrt(2) reads better as 1.414.
    return numeral(value, digits, fraction_width=2 * digits + 1, evaluate_constants=True)


def format_number(value: Any, digits: int = DEFAULT_DIGITS) -> str:
    """One number as plain text: ``0.4013``, ``3/8``, ``≈0.5980``, ``-1.2e-7``, or a SymPy formula.

    The rounding is :mod:`gradwork.numbers.display`'s, shared with explain and check.
    """
    return plain(_label_numeral(value, digits))


def format_rows(data: Any, digits: int = DEFAULT_DIGITS) -> list[str]:
    """A small tensor as text lines: a scalar or vector on one line, a matrix one row per line."""
    array = np.asarray(data)
    if array.ndim == 0:
        return [_nested(array, digits)]
    if array.ndim == 1:
        rows = [", ".join(format_number(v, digits) for v in array[i:i + PER_LINE])
                for i in range(0, max(len(array), 1), PER_LINE)]
    else:
        rows = [_nested(row, digits) for row in array]
    last = len(rows) - 1
    return [("[" if i == 0 else " ") + row + ("]" if i == last else ",") for i, row in enumerate(rows)]


def _nested(array: Any, digits: int) -> str:
    array = np.asarray(array)  # iterating an object array yields bare Fractions
    if array.ndim == 0:
        return format_number(array.item(), digits)
    return "[" + ", ".join(_nested(part, digits) for part in array) + "]"


def as_floats(data: Any) -> np.ndarray | None:
    """``data`` as a float array, or None when it holds formulas with free symbols."""
    try:
        return np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        return None


def summary(data: Any, digits: int = DEFAULT_DIGITS) -> list[str]:
    """A large tensor in two lines: its range and its L2 norm (or just its size for formulas)."""
    floats = as_floats(data)
    if floats is None or floats.size == 0:
        return [f"{np.size(data)} elements"]
    low, high = format_number(floats.min(), digits), format_number(floats.max(), digits)
    norm = format_number(float(np.linalg.norm(floats.ravel())), digits)
    return [f"min {low}, max {high}", f"‖·‖₂ {norm}"]


def describe(data: Any, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE) -> list[str]:
    """Text lines for a tensor's numbers: every element when small, else a summary."""
    return format_rows(data, digits) if is_small(data, collapse_above) else summary(data, digits)


def shape_text(shape: tuple[int, ...]) -> str:
    """``[2×3]`` for a matrix, ``[2]`` for a vector, empty for a scalar."""
    return "[" + "×".join(str(n) for n in shape) + "]" if shape else ""


# ---------------------------------------------------------------- LaTeX (data for the page's MathML)


def number_latex(value: Any, digits: int = DEFAULT_DIGITS) -> str:
    """One number as LaTeX: ``\\frac{3}{8}``, ``1.2 \\times 10^{-5}``, or a SymPy formula."""
    n = _label_numeral(value, digits)
    sign = "-" if n.negative else ""
    if n.kind == "fraction":
        return rf"{sign}\frac{{{n.digits}}}{{{n.denominator}}}"
    if n.kind == "sympy":
        import sympy

        return sympy.latex(n.value)
    if n.kind == "scientific":
        text = rf"{sign}{n.digits} \times 10^{{{n.exponent}}}"
    else:
        text = plain(Numeral(n.negative, n.kind, n.digits))
    return (r"\approx " if n.approximate else "") + text


def array_latex(data: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A small tensor as LaTeX: a number, a row vector or a matrix in brackets."""
    array = np.asarray(data)
    if array.ndim == 0:
        return number_latex(array.item(), digits)
    if array.ndim == 1:
        return r"\begin{bmatrix}" + " & ".join(number_latex(v, digits) for v in array) + r"\end{bmatrix}"
    if array.ndim == 2:
        rows = (" & ".join(number_latex(v, digits) for v in row) for row in array)
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    return r"\left[" + ", ".join(array_latex(part, digits) for part in array) + r"\right]"


def is_negative(data: Any) -> bool:
    """Whether a scalar is a negative number (to bracket it inside a product)."""
    array = np.asarray(data)
    if array.ndim != 0:
        return False
    value = array.item()
    try:
        return bool(value < 0)
    except TypeError:  # a SymPy formula with free symbols
        return False
