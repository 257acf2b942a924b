"""Evaluating an expression tree: on the student's numbers, on the problem's, or on formulas (SymPy).

Values are NumPy arrays: float64 for numbers (0-d for a scalar), object arrays
of SymPy expressions for a symbolic problem. A product of two arrays is the
matrix product when the shapes chain (a row times a column is their dot
product), else the elementwise product of equal shapes; ``\\hadamard`` is
always elementwise. A power of an array is elementwise (students square a
vector entry by entry).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from gradwork.mark.functions import apply_inputs, call_op, derivative, evaluate, function_op, is_natural_log
from gradwork.mark.parse import GENERIC_FUNCTIONS as GENERIC
from gradwork.mark.tokens import MATHS_FUNCTIONS
from gradwork.mark.syntax import Bin, Deriv, Func, Matrix, Neg, Node, Num, Sym, Transpose
from gradwork.backends import get_backend


MAX_EXACT_POWER = 1000


class Unbound(LookupError):
    """A symbol (or derivative) with no value here."""


Lookup = Callable[[str], Any]  # symbol name -> value (array, number or SymPy expression); raises Unbound


class Evaluator:
    """Evaluates trees with symbols looked up by ``lookup``; ``log10`` reads every log as base 10."""

    def __init__(self, lookup: Lookup, log10: bool = False, bumps: dict[int, float] | None = None,
                 exact: bool = False, options: dict[str, dict[str, float]] | None = None,
                 activation: Callable[[Func], Any] | None = None) -> None:
        self.lookup = lookup
        self.log10 = log10
        self.bumps = bumps or {}
        self.exact = exact  # numbers as SymPy rationals (a symbolic problem's formulas stay exact)
        self.options = options or {}  # op name -> the problem's options for it (a leaky ReLU's slope)
        # f(z), σ(z), φ(z): what the function means here (an object with value(x) and derivative(x)), or None
        self.activation = activation

    def __call__(self, node: Node) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = self.value_of(node)
        return _squeeze(np.asarray(value) if not isinstance(value, np.ndarray) else value)

    def value_of(self, node: Node) -> Any:
        # the kinds are disjoint: asked most common first (numbers, then operators)
        if isinstance(node, Num):
            if self.exact:
                import sympy

                return np.array(sympy.Rational(node.text) if node.text != "pi" else sympy.pi, dtype=object)
            return np.float64(node.value + self.bumps.get(id(node), 0.0))
        if isinstance(node, Bin):
            left, right = self.value_of(node.left), self.value_of(node.right)
            return _binary(node.op, left, right)
        if isinstance(node, Sym):
            return _as_value(self.lookup(node.name))
        if isinstance(node, Neg):
            return -self.value_of(node.operand)
        if isinstance(node, Func):
            return self.function(node, [self.value_of(a) for a in node.args])
        if isinstance(node, Matrix):
            cells = [[_scalar(self.value_of(c)) for c in row] for row in node.rows]
            dtype = object if any(_is_symbolic(c) for row in cells for c in row) else np.float64
            return np.array(cells, dtype=dtype)
        if isinstance(node, Transpose):
            value = np.asarray(self.value_of(node.operand))
            return value.T if value.ndim == 2 else value
        if isinstance(node, Deriv):
            return _as_value(self.lookup(f"d{node.numerator.name}/d{node.denominator.name}"))
        raise Unbound(type(node).__name__)

    def function(self, node: Func, args: list[Any]) -> Any:
        name = node.name
        x = args[0]
        if name in MATHS_FUNCTIONS:  # sign(z - t), element by element
            if len(args) != 1 or node.order:
                raise Unbound(f"{name} of {len(args)} arguments")
            if _is_symbolic(x):
                import sympy

                return _elementwise(x, sympy.sign)
            return np.sign(np.asarray(x, dtype=float))
        several = call_op(name, len(args)) if function_op(name) is None and name not in GENERIC else None
        if several is not None:  # max(0, z): an op of several inputs
            if node.order or any(_is_symbolic(a) for a in args):
                raise Unbound(f"{name} here")
            try:
                return apply_inputs(several, args)
            except (ValueError, TypeError, KeyError) as error:
                raise Unbound(f"{name}: {error}") from None
        if name in ("log10", "log2") or (self.log10 and is_natural_log(name)):
            if len(args) != 1 or node.order:
                raise Unbound(f"{name} of {len(args)} arguments")
            base = 2 if name == "log2" else 10
            if _is_symbolic(x):
                import sympy

                return _elementwise(x, lambda v: sympy.log(v, base))
            return np.log(np.asarray(x, dtype=float)) / np.log(base)
        if self.activation is not None and not _is_symbolic(x):
            found = self.activation(node)
            if found is not None:
                try:
                    return found.derivative(x) if node.order else found.value(x)
                except (ValueError, TypeError, KeyError) as error:
                    raise Unbound(f"{name}: {error}") from None
        op = function_op(name) if name not in GENERIC else None
        if op is None:
            raise Unbound(f"the function {name}")
        if len(args) - 1 < len(op.options):  # a slope left out: the problem's own (leaky ReLU in this layer)
            defaults = self.options.get(op.name, {})
            args = args + [defaults[o.name] for o in op.options[len(args) - 1:] if o.name in defaults]
        try:
            if _is_symbolic(x):
                return self._symbolic(op, node.order, args)
            if node.order:
                return derivative(op, args)
            return evaluate(op, args)
        except (ValueError, TypeError, KeyError) as error:
            raise Unbound(f"{name}: {error}") from None

    @staticmethod
    def _symbolic(op: Any, order: int, args: list[Any]) -> Any:
        """A registered op on SymPy values (a symbolic problem's formulas), by the symbolic backend."""
        bk = get_backend("symbolic")
        x = np.asarray(args[0], dtype=object)
        params = {o.name: v for o, v in zip(op.options, args[1:])}
        out = op.forward(bk, x, **params)
        if not order:
            return out
        if not op.elementwise:
            raise Unbound(f"the derivative of {op.name} written as {op.name}'")
        ones = np.full(x.shape, 1, dtype=object) if x.ndim else np.array(1, dtype=object)
        return op.partial(0).vjp(bk, ones, out, x, **params)


COMPARED: dict[str, Callable[[Any, Any], Any]] = {">": operator.gt, "<": operator.lt, ">=": operator.ge,
                                                  "<=": operator.le}


_ON_NUMBERS: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul,
                                                     "o": operator.mul, "/": operator.truediv}


def _binary(op: str, left: Any, right: Any) -> Any:
    if type(left) is np.float64 and type(right) is np.float64 and op in _ON_NUMBERS:  # two numbers written: NumPy's
        return _ON_NUMBERS[op](left, right)  # arithmetic on its scalars, as on 0-d arrays below, without them
    a, b = np.asarray(left), np.asarray(right)
    if op == "+" or op == "-":
        if a.ndim and b.ndim and a.shape != b.shape:
            raise Unbound(f"adding shapes {a.shape} and {b.shape}")
        return a + b if op == "+" else a - b
    if op == "*":
        if a.ndim == 0 or b.ndim == 0 or a.size == 1 or b.size == 1:
            return _squeeze(a) * _squeeze(b)
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            return _squeeze(a @ b) if a.dtype != object and b.dtype != object else _squeeze(np.dot(a, b))
        if a.shape == b.shape:
            return a * b
        raise Unbound(f"multiplying shapes {a.shape} and {b.shape}")
    if op == "o":
        if a.ndim and b.ndim and a.shape != b.shape:
            raise Unbound(f"elementwise product of shapes {a.shape} and {b.shape}")
        return a * b
    if op == "/":
        if b.ndim and b.size > 1 and a.shape != b.shape and a.size != 1:
            raise Unbound(f"dividing by an array of shape {b.shape}")
        return a / b
    if op in COMPARED:  # Iverson's bracket [z > 0]: 1 where it holds, 0 where not
        if a.dtype == object or b.dtype == object:
            import sympy

            return np.vectorize(lambda u, v: sympy.Piecewise((1, COMPARED[op](u, v)), (0, True)),
                                otypes=[object])(a, b)
        return COMPARED[op](a.astype(float), b.astype(float)).astype(float)
    if op == "^":
        if b.ndim and b.size > 1:
            raise Unbound("an array as exponent")
        exponent = _squeeze(b)
        if a.dtype == object or exponent.dtype == object:
            item = exponent.item() if exponent.ndim == 0 else None
            if item is not None and getattr(item, "is_number", False) and abs(float(item)) > MAX_EXACT_POWER:
                raise Unbound("a power too large to compute exactly")  # bounded work: 2^(10^9) never finishes
            return a ** exponent
        return np.power(a.astype(float), float(exponent))
    raise Unbound(op)


def _squeeze(value: Any) -> Any:
    array = np.asarray(value)
    if array.ndim and array.size == 1:
        return array.reshape(())
    return array


def _scalar(value: Any) -> Any:
    array = np.asarray(value)
    if array.size != 1:
        raise Unbound("a matrix entry that is itself an array")
    item = array.reshape(()).item() if array.dtype == object else float(array.reshape(()))
    return item


def _is_symbolic(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype == object
    return hasattr(value, "free_symbols")


def _as_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "free_symbols"):
        return np.array(value, dtype=object)
    return np.asarray(value, dtype=float)


def _elementwise(x: Any, f: Callable[[Any], Any]) -> Any:
    array = np.asarray(x)
    if array.dtype == object:
        out = np.empty(array.shape, dtype=object)
        for index in np.ndindex(array.shape):
            out[index] = f(array[index])
        return out
    flat = [f(float(v)) for v in array.reshape(-1)]
    return np.array(flat, dtype=float).reshape(array.shape)
