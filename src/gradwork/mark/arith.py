"""Numbers as a student writes them: how precisely two sides agree, which side holds the result, and how a
number is shown back in a message.

A decimal the student wrote may be off by half a unit in its last place; that
uncertainty is carried through the expression it is in (each literal bumped in
turn), so ``1·0.5 + 2·(−0.6) + 0.2 = −0.1`` fails (it is −0.5) while
``0.401·0.8 = 0.321`` holds. Integers and numbers the problem gives are exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.syntax import Bin, Matrix, Neg, Node, Num, has_derivative, is_number, numbers, symbols
from gradwork.numbers.display import array_text


RELATIVE = 1e-4  # beyond the precision written: a student's own rounding of what they carried, in the 5th figure

MAX_SHIFTS = 64  # evaluations one side's carried rounding may take (a vector's elements moved one at a time)
Make = Callable[..., Evaluator]  # make(log10=..., bumps=...) -> an Evaluator with a context's symbols


def plain(log10: bool = False, bumps: dict[int, float] | None = None) -> Evaluator:
    """An evaluator for numbers only (no symbol has a value)."""
    return Evaluator(no_symbols, log10=log10, bumps=bumps)


def holds(left: Node, right: Node, make: Make = plain, log10: bool = False,
          exact: frozenset[float] = frozenset()) -> tuple[bool, Any, Any]:
    """Does ``left = right`` hold to the precision written? Returns (holds, left value, right value)."""
    a = make(log10=log10)(left)
    b = make(log10=log10)(right)
    a_array, b_array = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_array.size != b_array.size:
        raise Unbound("sides of different sizes")
    if a_array.shape != b_array.shape:
        if a_array.ndim == 2 and b_array.ndim == 2 and a_array.shape == b_array.shape[::-1] and min(a_array.shape) > 1:
            return False, a, b
        b_array = b_array.reshape(a_array.shape)
    scale = np.maximum(np.abs(a_array), np.abs(b_array))

    def within(slack: Any) -> bool:
        with np.errstate(invalid="ignore"):
            return bool(np.all(np.abs(a_array - b_array) <= slack + 1e-9 * (1 + scale) + RELATIVE * scale))

    # The slack is a sum of amounts >= 0 (never NaN), and a float sum of them only grows: sides that agree with
    # a part of it agree with all of it, so the rest (an evaluation per literal and per symbol) is not worked out.
    if within(0.0):
        return True, a, b
    slack = uncertainty(left, make, log10, a_array, exact) + uncertainty(right, make, log10, b_array, exact)
    if within(slack):
        return True, a, b
    slack = slack + carried(left, make, log10, a_array) + carried(right, make, log10, b_array)
    return within(slack), a, b


def uncertainty(node: Node, make: Make, log10: bool, value: np.ndarray,
                 exact: frozenset[float] = frozenset()) -> np.ndarray:
    """How far ``node``'s value can move if each decimal written is off by half a unit in its last place.

    Integers and the numbers the problem gives (``exact``, up to sign) are exact; a whole number written with
    decimals (``1.000``) is a rounded result.
    """
    total = np.zeros(value.shape)
    if is_result(node):  # a side of numbers only (a number, a matrix of them) is a result as written, not data
        exact = frozenset()
    literals = [n for n in numbers(node) if n.decimals is not None and (
                (round(n.value, 12) not in exact and round(-n.value, 12) not in exact)
                or (n.decimals > 0 and float(n.value).is_integer()))]  # 1.000: a result rounded, not a given 1
    if isinstance(node, (Num, Neg)) and len(literals) == 1:
        return np.full(value.shape, 0.51 * 10.0 ** -(literals[0].decimals or 0))
    for literal in literals[:24]:
        half = 0.5 * 10.0 ** -literal.decimals  # type: ignore[operator]
        try:
            bumped = np.asarray(make(log10=log10, bumps={id(literal): half})(node), dtype=float)
        except (Unbound, ValueError, TypeError, ArithmeticError):
            continue
        if bumped.shape == value.shape:
            with np.errstate(invalid="ignore"):
                total = total + np.nan_to_num(np.abs(bumped - value), nan=0.0)
    return total * 1.02


def is_result(node: Node) -> bool:
    """A number (``-0.1``) or a matrix of numbers as written: a result, never an expression to evaluate."""
    if isinstance(node, Neg):
        node = node.operand
    if isinstance(node, Num):
        return True
    return isinstance(node, Matrix) and all(is_result(cell) for row in node.rows for cell in row)


def carried(node: Node, make: Make, log10: bool, value: np.ndarray) -> np.ndarray:
    """How far ``node``'s value can move because the student's own earlier numbers in it were rounded as
    written (each symbol's value moved by half a unit in the last place the student wrote it to)."""
    total = np.zeros(value.shape)
    precision = getattr(make, "precision", None)
    if precision is None:
        return total

    budget = MAX_SHIFTS
    for name in sorted(symbols(node))[:16]:
        half = precision(name)
        if half is None:
            continue
        halves = np.asarray(half, dtype=float)
        # each element of a vector on its own: a_1 W_2 sums them with signs that cancel a shift of all at once
        shifts = [halves] if halves.size == 1 or halves.size > budget else [
            np.where(np.arange(halves.size).reshape(halves.shape) == k, halves, 0.0) for k in range(halves.size)]
        budget -= len(shifts)
        for shift in shifts:
            try:
                moved = np.asarray(make(log10=log10, shift={name: shift})(node), dtype=float)
            except (Unbound, ValueError, TypeError, ArithmeticError):
                continue
            if moved.shape == value.shape:
                with np.errstate(invalid="ignore"):
                    total = total + np.nan_to_num(np.abs(moved - value), nan=0.0)
    return total * 1.02


def signed_first(node: Node) -> Any:
    """The first number of an update's numbers (``-0.6 - (0.01)(-0.2005)`` -> -0.6; a matrix of numbers
    first: that matrix): the old value."""
    current = node
    while isinstance(current, Bin) and current.op in ("+", "-"):
        current = current.left
    if isinstance(current, Neg) and isinstance(current.operand, Num):
        return -current.operand.value
    if isinstance(current, Num):
        return current.value
    if isinstance(current, Matrix):
        rows = [[signed_first(cell) if isinstance(cell, (Num, Neg)) else None for cell in row]
                for row in current.rows]
        if rows and all(rows) and all(cell is not None for row in rows for cell in row):
            return np.array(rows, dtype=float)
    return None


def last_number(sides: Any) -> int | None:
    for i in range(len(sides) - 1, 0, -1):
        if sides[i].node is not None and is_number(sides[i].node):
            return i
    return None


def last_read(sides: Any, start: int = 1) -> int | None:
    for i in range(len(sides) - 1, start - 1, -1):
        if sides[i].node is not None and not has_derivative(sides[i].node):
            return i
    return None


def last_formula(sides: Any) -> int | None:
    for i in range(len(sides) - 1, 0, -1):
        node = sides[i].node
        if node is not None and not is_number(node) and not has_derivative(node):
            return i
    return None


def json_value(value: Any) -> Any:
    array = np.asarray(value)
    if array.dtype == object:
        if array.ndim == 0:
            return str(array.item())
        return [json_value(v) for v in array]
    if array.ndim == 0:
        return float(array)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    return array.tolist()


def shown(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.dtype != object:
        array = np.asarray([float(f"{v:.10g}") for v in array.astype(float).reshape(-1)]).reshape(array.shape)
    return array_text(array.tolist() if array.ndim else (array.item() if array.dtype == object else float(array)), 4)


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def no_symbols(name: str) -> Any:
    raise Unbound(name)


def finite(value: Any) -> bool:
    """A number check can mark: not infinite or NaN (10^400 written out by a student is not an answer)."""
    array = np.asarray(value)
    if array.ndim == 0 and array.dtype == np.float64:  # one float (most results): as NumPy would say, without it
        return math.isfinite(float(array))
    return array.dtype == object or bool(np.all(np.isfinite(array.astype(float))))
