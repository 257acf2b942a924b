"""The expression tree a side of a student's equation is read into, and questions about a tree.

Every notation (LaTeX, plain Unicode maths, ASCII) is read into these few
nodes by :mod:`gradwork.mark.parse`; everything after reading (binding,
evaluating, checking) works on them. Walks over a tree are iterative where a
tree may be deep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gradwork.mark.functions import is_natural_log as natural


class Unreadable(ValueError):
    """A side that the reader does not understand (the message says what)."""


@dataclass(frozen=True, slots=True)
class Num:
    value: float
    decimals: int | None  # digits after the point as written (None: an integer, exact)
    text: str


@dataclass(frozen=True, slots=True)
class Sym:
    name: str  # canonical: "w_11^(2)", "delta_1", "hat(y)", "E'_BCE"


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # "+", "-", "*" (product: matrix or scalar), "o" (elementwise), "/", "^"; ">", "<", ">=", "<=": [a > b]
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Func:
    """A function applied: a registered op's name (``sigmoid``, ``tanh``, ``relu``, ``exp``, ``log``), ``log10`` or
    ``log2``, or a generic letter (``f``, ``g``, ``phi``: the activation of the layer its argument belongs to).
    ``order`` 1 is the derivative (``\\sigma'(z)``, ``tanh'(z)``, ``f'(z)``)."""

    name: str
    args: tuple[Node, ...]
    order: int = 0


@dataclass(frozen=True, slots=True)
class Transpose:
    operand: Node


@dataclass(frozen=True, slots=True)
class Matrix:
    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class Deriv:
    numerator: Sym  # the function differentiated (J, a_3)
    denominator: Sym  # the variable (w_5)


Node = Num | Sym | Bin | Neg | Func | Transpose | Matrix | Deriv

def depth(node: Node) -> int:
    """How deeply ``node`` nests (iteratively: a tree too deep for recursion is measured too)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def size(node: Node) -> int:
    """How many nodes ``node`` has."""
    count = 0
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        count += 1
        stack.extend(children(current))
    return count


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, (Neg, Transpose)):
        return (node.operand,)
    if isinstance(node, Func):
        return node.args
    if isinstance(node, Matrix):
        return tuple(c for row in node.rows for c in row)
    return ()


def substitute_index(node: Node, index: str, value: int) -> Node:
    """``node`` with the summation index replaced by ``value`` in every subscript (d_i -> d_3)."""
    if isinstance(node, Sym):
        base, sep, sub = node.name.partition("_")
        script = sub.split("^")[0]
        if sep and re.fullmatch(r"[A-Za-z0-9,]+", script) and index in script and (
                len(script) <= 3 or script == index):  # d_i -> d_3, w_{k1} -> w_{21}
            rest = sub[len(script):]
            return Sym(f"{base}_{script.replace(index, str(value))}{rest}")
        if node.name == index:
            return Num(float(value), None, str(value))
        return node
    if isinstance(node, Bin):
        return Bin(node.op, substitute_index(node.left, index, value), substitute_index(node.right, index, value))
    if isinstance(node, Neg):
        return Neg(substitute_index(node.operand, index, value))
    if isinstance(node, Func):
        return Func(node.name, tuple(substitute_index(a, index, value) for a in node.args), node.order)
    if isinstance(node, Transpose):
        return Transpose(substitute_index(node.operand, index, value))
    if isinstance(node, Matrix):
        return Matrix(tuple(tuple(substitute_index(c, index, value) for c in row) for row in node.rows))
    return node


# ---------------------------------------------------------------- questions about a tree
_SYMBOLS: dict[int, tuple[Node, frozenset[str]]] = {}  # id(tree) -> (the tree, kept alive: ids stay unique; names)
MAX_REMEMBERED = 16_384


def symbols(node: Node) -> set[str]:
    """The symbol names used in ``node`` (derivatives count as their own names). Remembered per tree (trees are
    immutable, and marking asks about the same sides many times), at most :data:`MAX_REMEMBERED` trees."""
    remembered = _SYMBOLS.get(id(node))
    if remembered is not None and remembered[0] is node:
        return set(remembered[1])
    found: set[str] = set()
    _walk_symbols(node, found)
    if len(_SYMBOLS) >= MAX_REMEMBERED:
        _SYMBOLS.clear()
    _SYMBOLS[id(node)] = (node, frozenset(found))
    return found


def _walk_symbols(node: Node, found: set[str]) -> None:
    if isinstance(node, Sym):
        found.add(node.name)
    elif isinstance(node, Deriv):
        found.add(f"d{node.numerator.name}/d{node.denominator.name}")
    elif isinstance(node, Bin):
        _walk_symbols(node.left, found)
        _walk_symbols(node.right, found)
    elif isinstance(node, (Neg, Transpose)):
        _walk_symbols(node.operand, found)
    elif isinstance(node, Func):
        for a in node.args:
            _walk_symbols(a, found)
    elif isinstance(node, Matrix):
        for row in node.rows:
            for c in row:
                _walk_symbols(c, found)


_DERIVATIVES: dict[int, tuple[Node, bool]] = {}  # as _SYMBOLS: id(tree) -> (the tree, has a derivative)


def has_derivative(node: Node) -> bool:
    """A derivative (``\\frac{\\partial E}{\\partial w}``) anywhere in ``node``; remembered per tree as
    :func:`symbols` is."""
    remembered = _DERIVATIVES.get(id(node))
    if remembered is not None and remembered[0] is node:
        return remembered[1]
    found = _has_derivative(node)
    if len(_DERIVATIVES) >= MAX_REMEMBERED:
        _DERIVATIVES.clear()
    _DERIVATIVES[id(node)] = (node, found)
    return found


def _has_derivative(node: Node) -> bool:
    if isinstance(node, Deriv):
        return True
    if isinstance(node, Bin):
        return _has_derivative(node.left) or _has_derivative(node.right)
    if isinstance(node, (Neg, Transpose)):
        return _has_derivative(node.operand)
    if isinstance(node, Func):
        return any(_has_derivative(a) for a in node.args)
    if isinstance(node, Matrix):
        return any(_has_derivative(c) for row in node.rows for c in row)
    return False


def numbers(node: Node) -> list[Num]:
    """The number literals of ``node``, in reading order."""
    found: list[Num] = []

    def walk(n: Node) -> None:
        if isinstance(n, Num):
            found.append(n)
        elif isinstance(n, Bin):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, (Neg, Transpose)):
            walk(n.operand)
        elif isinstance(n, Func):
            for a in n.args:
                walk(a)
        elif isinstance(n, Matrix):
            for row in n.rows:
                for c in row:
                    walk(c)

    walk(node)
    return found


def is_number(node: Node) -> bool:
    """A side with no symbols at all: the student's own arithmetic."""
    return not symbols(node)


def is_natural_log(name: str) -> bool:
    return natural(name)


def uses_log(node: Node) -> bool:
    if isinstance(node, Func):
        return is_natural_log(node.name) or any(uses_log(a) for a in node.args)
    if isinstance(node, Bin):
        return uses_log(node.left) or uses_log(node.right)
    if isinstance(node, (Neg, Transpose)):
        return uses_log(node.operand)
    if isinstance(node, Matrix):
        return any(uses_log(c) for row in node.rows for c in row)
    return False


def balanced(op: str, operands: list[Node]) -> Node:
    """``a op b op c ...`` as a balanced tree (``op`` associative: + of signed terms, or a product)."""
    while len(operands) > 1:
        paired: list[Node] = [Bin(op, operands[k], operands[k + 1]) for k in range(0, len(operands) - 1, 2)]
        if len(operands) % 2:
            paired.append(operands[-1])
        operands = paired
    return operands[0]
