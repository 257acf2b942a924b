"""What a student wrote, as an array in the solve's backend.

A number becomes a float (float mode) or an exact Fraction (exact mode: "0.1"
is 1/10, "3/8" is 3/8); in symbolic mode a string is a formula, read by the
project's one safe expression parser (:mod:`gradwork.problem.expressions`,
never ``eval``) into a SymPy expression. ``None`` is a blank entry.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from gradwork.check.answers import Answer, Answers, AnswersError
from gradwork.numbers.written import is_number, shown
from gradwork.problem.numbers import NumberError, leaf, to_array
from gradwork.problem.expressions import EvaluationContext, ExpressionError, function_list, parse_expression
from gradwork.tensor import Tensor


MINUS_SIGN = "\u2212"


def convert(answers: Answers, answer: Answer, backend: Any) -> tuple[np.ndarray, np.ndarray]:
    """The answer as an array in ``backend``, and a boolean array of where it is blank."""
    raw = answer.value
    if backend.name == "float":
        plain = _plain_floats(raw)
        if plain is not None:
            return plain
    try:
        as_objects = np.array(raw, dtype=object)
    except ValueError:
        raise answers.error(answer, "the rows of this array have different lengths", "a rectangular array") from None
    shape = np.shape(as_objects)
    flat = as_objects.reshape(-1) if shape != () else np.array([raw], dtype=object)
    if any(isinstance(v, list) for v in flat):
        raise answers.error(answer, "the rows of this array have different lengths", "a rectangular array")
    blank = np.array([v is None for v in flat], dtype=bool).reshape(shape)
    converted = [number(answers, answer, v, backend) for v in flat]
    array: np.ndarray
    if backend.name == "float":
        array = np.array([np.nan if v is None else v for v in converted], dtype=np.float64).reshape(shape)
    else:
        array = np.empty(len(converted), dtype=object)
        array[:] = converted
        array = array.reshape(shape)
    return array, blank


def _plain_floats(raw: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """What :func:`convert` makes in float mode of a number, a list of numbers or a rectangular list of lists of
    numbers (Python ints and floats, nothing blank), built directly; None for anything else (read in full)."""
    try:
        if type(raw) is float or type(raw) is int:
            return np.array(float(raw)), np.array(False)
        if type(raw) is not list or not raw:
            return None
        if type(raw[0]) is list:
            width = len(raw[0])
            if not width or any(type(row) is not list or len(row) != width for row in raw):
                return None
            values = [float(v) for row in raw for v in row if type(v) is float or type(v) is int]
            if len(values) != width * len(raw):
                return None
            return np.array(values, dtype=np.float64).reshape(len(raw), width), np.zeros((len(raw), width), bool)
        values = [float(v) for v in raw if type(v) is float or type(v) is int]
        if len(values) != len(raw):
            return None
        return np.array(values, dtype=np.float64), np.zeros(len(raw), dtype=bool)
    except OverflowError:  # an int past float's range: convert's own message
        return None


def number(answers: Answers, answer: Answer, value: Any, backend: Any) -> Any:
    """One entry in ``backend``'s element type (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace(MINUS_SIGN, "-")  # −0.5 as a typeset sheet prints it, pasted into a text field
    mode = backend.name
    if mode == "symbolic":
        return formula(answers, answer, value, backend) if isinstance(value, str) else _sympy_number(value)
    if isinstance(value, (int, float)):
        try:
            return float(value) if mode == "float" else Fraction(str(value))
        except (OverflowError, ValueError):  # 10**400 has no float; a NaN or infinity no Fraction
            raise answers.error(answer, f"{shown(value)} is not a finite number a computer can compare",
                                "a number of ordinary size") from None
    if not is_number(value):
        raise answers.error(answer, f"{shown(value)} is not a number",
                            "a number or a fraction such as \"3/8\" (formulas need mode: symbolic)")
    try:
        # The problem files' own reading: bounded exponents (Fraction("1e999999999") would never finish).
        converted = leaf(value, backend)
    except NumberError as error:
        raise answers.error(answer, error.message, error.expected) from None
    return Fraction(converted) if isinstance(converted, int) else converted


def formula(answers: Answers, answer: Answer, text: str, backend: Any) -> Any:
    """A formula string as a SymPy expression: the problem files' expression language, its names as symbols.

    ``^`` is read as a power (students write x^2; in the expression language
    it would be an error).
    """
    try:
        expression = parse_expression(text.replace("^", "**"))
        env = {use.name: Tensor(to_array(use.name, backend), backend=backend) for use in expression.names}
        value = expression.evaluate(env, EvaluationContext(backend))
    except ExpressionError as error:
        raise AnswersError(answers.source, answer.line, answer.column,
                           f"cannot read the formula {text!r}: {error.message}",
                           error.expected or f"Python syntax with + - * / ** and {function_list()}") from None
    except (ValueError, TypeError, ArithmeticError) as error:
        raise answers.error(answer, f"cannot evaluate the formula {text!r}: {error}", "a formula of scalars") from None
    data = np.asarray(value.data)
    if data.size != 1:
        raise answers.error(answer, f"the formula {text!r} is not one number", "one formula per entry")
    return data.reshape(()).item()


def _sympy_number(value: Any) -> Any:
    import sympy

    return sympy.Rational(str(value)) if isinstance(value, float) else sympy.Integer(value)


def element(index: tuple[int, ...] | None, full: np.ndarray) -> tuple[int, ...]:
    """The selector of an element key in its node's array (a one-unit scalar takes [0] as well)."""
    if full.ndim == 0:
        return ()
    return index or ()


def index_fits(index: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    if shape == () and index == (0,):
        return True
    return len(index) == len(shape) and all(0 <= i < n for i, n in zip(index, shape))


def squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)
