"""Graph programs over exact numbers: the generated float code of :mod:`gradwork.nn.program`, made exact.

In exact mode a value is an object array of Fractions. The program's
straight-line code is rewritten (:func:`exact_source`) so that it computes the
same numbers exactly, and fast where they are integers (the exercises of exact
mode mostly are):

* a float literal is the exact number it spells (``0.5`` is 1/2, as the exact
  backend reads a written decimal), an int when it is a whole number;
* ``a / b`` is :func:`_div` (an int when it divides, else a Fraction), ``a ** b``
  and ``math.pow`` are the exact backend's power (:func:`_pow`: an int for an
  int base and a natural exponent);
* every element read in is an int where its Fraction is whole (:func:`_unpack`),
  and every array handed out (to a hook or as a result) holds Fractions again
  (:func:`_fractions`).

Exact arithmetic does not depend on the order of the operations, so the
results are the engine's, Fraction for Fraction. Code that calls any other
function of ``math`` (exp, log ...: no exact value in general) gets no exact
program; an element that is not a Fraction (a hook's float) raises
:class:`~gradwork.nn.program.ProgramError` and the engine decides.
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction
from typing import Any

import numpy as np

from gradwork.backends.exact import _exact_power, to_fraction
from gradwork.ops.registry import unbroadcast


_EXACT_MATH = {math.pow.__name__}  # the one function of math with exact values here (an exact power)


class ExactError(ValueError):
    """An exact program met a number that is not a Fraction (a ProgramError for its caller)."""


def exact_source(source: str, namespace: dict[str, Any]) -> str | None:
    """``source`` rewritten as the module docstring says (constants bound in ``namespace``), or None."""
    if set(re.findall(r"\bmath\.(\w+)", source)) - _EXACT_MATH or re.search(r"\b_(sigmoid|SQRT2)", source):
        return None  # no exact value in general: the engine's exact backend says where
    tree = ast.parse(source)

    class Exact(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:  # noqa: N802  (ast's naming)
            if type(node.value) is not float:
                return node
            name = f"_q{len(namespace)}"
            namespace[name] = whole(to_fraction(node.value))
            return ast.Name(name, ast.Load())

        def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802
            self.generic_visit(node)
            if isinstance(node.op, (ast.Div, ast.Pow)):
                function = "_div" if isinstance(node.op, ast.Div) else "_pow"
                return ast.Call(ast.Name(function, ast.Load()), [node.left, node.right], [])
            return node

        def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802
            self.generic_visit(node)
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math":
                node.func = ast.Name("_pow", ast.Load())  # pow: the only one left (checked above)
            return node

    return ast.unparse(ast.fix_missing_locations(Exact().visit(tree)))


def whole(x: Fraction) -> int | Fraction:
    return x.numerator if x.denominator == 1 else x


def _div(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        q, r = divmod(a, b)  # b == 0 raises ZeroDivisionError, as Fraction(a, 0) does
        return q if r == 0 else Fraction(a, b)
    return a / b


def _pow(a: Any, p: Any) -> Any:
    if type(a) is int and type(p) is int and p >= 0:
        return a ** p
    return _exact_power(a, p)


def _unpack(array: Any, shape: tuple[int, ...]) -> list[Any]:
    """The elements of an object array of Fractions of ``shape``: ints where whole, Fractions elsewhere."""
    if type(array) is not np.ndarray or array.shape != shape:
        raise ExactError(f"a value of shape {np.shape(array)} where {shape} Fractions were expected")
    found = array.ravel().tolist()
    for k, x in enumerate(found):
        if type(x) is not Fraction:
            raise ExactError(f"{x!r} where a Fraction was expected")
        if x.denominator == 1:
            found[k] = x.numerator
    return found


_WHOLE: dict[int, Fraction] = {}  # whole numbers as Fractions, made once (a Fraction never changes)
_WHOLE_KEPT = 4096


def _fractions(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    """An object array of Fractions of ``shape`` from the program's ints and Fractions."""
    for k, x in enumerate(values):
        if type(x) is int:
            found = _WHOLE.get(x)
            if found is None:
                if len(_WHOLE) >= _WHOLE_KEPT:
                    _WHOLE.clear()
                found = _WHOLE[x] = Fraction(x)
            values[k] = found
        elif type(x) is not Fraction:
            raise ExactError(f"{x!r} where an exact number was expected")
    if not shape:
        array = np.empty((), dtype=object)
        array[()] = values[0]
        return array
    return np.array(values, dtype=object).reshape(shape)


def _given(bk: Any, value: Any) -> np.ndarray:
    """A replaced forward's result as the engine's replay stores it in exact mode."""
    if type(value) is not np.ndarray or value.dtype != object:
        value = bk.asarray(value)
    return value


def _shaped(contribution: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A replaced VJP's result in its input's shape: its elements must be Fractions."""
    contribution = np.asarray(contribution, dtype=object)
    if contribution.shape != shape:
        contribution = unbroadcast(contribution, shape)
    if not all(type(x) is Fraction for x in contribution.flat):
        raise ExactError("a replaced VJP's result is not all Fractions")
    return contribution


NAMESPACE: dict[str, Any] = {"_unpack": _unpack, "_shaped": _shaped, "_given": _given, "_fractions": _fractions,
                             "_div": _div, "_pow": _pow}
