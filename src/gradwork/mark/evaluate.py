"""Evaluating an expression tree: on the student's numbers, on the problem's, or on formulas (SymPy).

Values are NumPy arrays: float64 for numbers (0-d for a scalar), object arrays
of SymPy expressions for a symbolic problem. A product of two arrays is the
matrix product when the shapes chain (a row times a column is their dot
product), else the elementwise product of equal shapes; ``\\hadamard`` is
always elementwise. A power of an array is elementwise (students square a
vector entry by entry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradwork.mark.latex import Bin, Deriv, Func, Matrix, Neg, Node, Num, Sym, Transpose


MAX_EXACT_POWER = 1000


class Unbound(LookupError):
    """A symbol (or derivative) with no value here."""


Lookup = Callable[[str], Any]  # symbol name -> value (array, number or SymPy expression); raises Unbound


class Evaluator:
    """Evaluates trees with symbols looked up by ``lookup``; ``log10`` reads every log as base 10."""

    def __init__(self, lookup: Lookup, log10: bool = False, bumps: dict[int, float] | None = None,
                 exact: bool = False) -> None:
        self.lookup = lookup
        self.log10 = log10
        self.bumps = bumps or {}
        self.exact = exact  # numbers as SymPy rationals (a symbolic problem's formulas stay exact)

    def __call__(self, node: Node) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = self.value_of(node)
        return _squeeze(np.asarray(value) if not isinstance(value, np.ndarray) else value)

    def value_of(self, node: Node) -> Any:
        if isinstance(node, Num):
            if self.exact:
                import sympy

                return np.array(sympy.Rational(node.text) if node.text != "pi" else sympy.pi, dtype=object)
            return np.float64(node.value + self.bumps.get(id(node), 0.0))
        if isinstance(node, Sym):
            return _as_value(self.lookup(node.name))
        if isinstance(node, Deriv):
            return _as_value(self.lookup(f"d{node.numerator.name}/d{node.denominator.name}"))
        if isinstance(node, Neg):
            return -self.value_of(node.operand)
        if isinstance(node, Transpose):
            value = np.asarray(self.value_of(node.operand))
            return value.T if value.ndim == 2 else value
        if isinstance(node, Matrix):
            cells = [[_scalar(self.value_of(c)) for c in row] for row in node.rows]
            dtype = object if any(_is_symbolic(c) for row in cells for c in row) else np.float64
            return np.array(cells, dtype=dtype)
        if isinstance(node, Func):
            return self.function(node.name, [self.value_of(a) for a in node.args])
        if isinstance(node, Bin):
            left, right = self.value_of(node.left), self.value_of(node.right)
            return _binary(node.op, left, right)
        raise Unbound(type(node).__name__)

    def function(self, name: str, args: list[Any]) -> Any:
        x = args[0]
        symbolic = _is_symbolic(x)
        if name == "leaky_relu":
            alpha = _scalar(args[1]) if len(args) > 1 else None
            if alpha is None:
                raise Unbound("leaky ReLU without its slope")
            return _elementwise(x, lambda v: v if v >= 0 else alpha * v)
        if len(args) != 1:
            raise Unbound(f"{name} of {len(args)} arguments")
        if name == "softmax":
            array = np.asarray(x, dtype=float)
            shifted = np.exp(array - array.max())
            return shifted / shifted.sum()
        if symbolic:
            import sympy

            table = {"exp": sympy.exp, "log": (lambda v: sympy.log(v, 10)) if self.log10 else sympy.log,
                     "log10": lambda v: sympy.log(v, 10), "log2": lambda v: sympy.log(v, 2), "sqrt": sympy.sqrt,
                     "tanh": sympy.tanh, "abs": sympy.Abs, "sigmoid": lambda v: 1 / (1 + sympy.exp(-v)),
                     "relu": lambda v: sympy.Max(0, v)}
            return _elementwise(x, table[name])
        array = np.asarray(x, dtype=float)
        if name == "log":
            return np.log10(array) if self.log10 else np.log(array)
        numeric: dict[str, Callable[[np.ndarray], Any]] = {
            "exp": np.exp, "log10": np.log10, "log2": np.log2, "sqrt": np.sqrt, "tanh": np.tanh, "abs": np.abs,
            "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0)}
        return numeric[name](array)


def _binary(op: str, left: Any, right: Any) -> Any:
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
        if b.ndim and b.size > 1 and a.shape != b.shape:
            raise Unbound(f"dividing by an array of shape {b.shape}")
        return a / b
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
