"""Formulas as data: a small expression tree that every renderer can print.

The derivation never builds LaTeX or HTML strings; it builds these nodes and
the renderers (text, LaTeX, MathML via LaTeX) print them by dispatching on the
node type. Op-specific notation comes from the op registry's templates through
:class:`OpTemplate`, so the way an op is written is defined once, beside its rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Literal

from gradwork.problem.notation import Symbol  # one symbol type: the problem's notation model


@dataclass(frozen=True)
class Number:
    """A computed number (float, Fraction or SymPy expression), printed with the renderer's digits."""

    value: Any
    exact: bool = False  # print as written (integers, user-given constants) rather than rounded


@dataclass(frozen=True)
class Array:
    """A vector or matrix of expressions (nested tuples)."""

    rows: tuple[Any, ...]  # tuple of Expr (vector) or tuple of tuples of Expr (matrix)
    row: bool = False  # a vector drawn as a row (1 × n), as the row convention writes x, z and b


@dataclass(frozen=True)
class Sum:
    terms: tuple[Expr, ...]


ProductKind = Literal["dot", "hadamard", "matmul"]
MATRIX: ProductKind = "matmul"  # a matrix product, written by juxtaposition (the JSON output's name for it)


@dataclass(frozen=True)
class Product:
    """Factors multiplied; ``kind`` picks the sign: · (scalar), ⊙ (elementwise) or juxtaposition (:data:`MATRIX`)."""

    factors: tuple[Expr, ...]
    kind: ProductKind = "dot"


@dataclass(frozen=True)
class Quotient:
    numerator: Expr
    denominator: Expr


@dataclass(frozen=True)
class Power:
    base: Expr
    exponent: Expr


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Call:
    """A named function applied to arguments: ``function`` is a key such as "relu", "sigmoid", "log"."""

    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Transpose:
    operand: Expr


@dataclass(frozen=True)
class Derivative:
    """d(of)/d(wrt), printed with partial signs."""

    of: Expr
    wrt: Expr


@dataclass(frozen=True)
class OpTemplate:
    """An op's registered notation or local derivative with its placeholders bound.

    ``part`` is "notation", "definition", "term" (a loss's per-output term) or
    "partial" (then ``position`` picks the input).
    """

    op: str
    part: Literal["notation", "definition", "partial", "term", "element_diagonal", "element_off_diagonal"]
    bindings: tuple[tuple[str, Expr], ...] = field(default_factory=tuple)
    position: int = 0
    # Bound to vectors or matrices: the template's scalar products are elementwise (a ⊙ (1 − a), not a (1 − a)).
    elementwise: bool = False


@dataclass(frozen=True)
class Label:
    """A reference to a numbered chain-rule factor, printed as a tag that reads as no number: [B4].

    ``prefix`` names the section the factor belongs to (B: the backward pass), so a product of
    references, [B1]·[B2]·[B4], can never be read as a product of numbers."""

    number: int
    prefix: str = "B"

    @property
    def tag(self) -> str:
        return f"[{self.prefix}{self.number}]"


@dataclass(frozen=True)
class Words:
    """A few words inside a formula (e.g. "if z > 0")."""

    text: str


@dataclass(frozen=True)
class Cases:
    """A piecewise definition: (value, condition) pairs."""

    branches: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class Relation:
    """A chain ``sides[0] op sides[1] op ...``, e.g. lhs = formula = numbers = result."""

    sides: tuple[Expr, ...]
    op: Literal["=", "≈", "←", "<", ">", "≤", "≥"] = "="


Expr = (Symbol | Number | Array | Sum | Product | Quotient | Power | Neg | Call | Transpose | Derivative
        | OpTemplate | Label | Words | Cases | Relation)


def num(value: Any, exact: bool = False) -> Number:
    return Number(value, exact)


def equation(*sides: Expr, op: Literal["=", "≈", "←", "<", ">", "≤", "≥"] = "=") -> Relation:
    return Relation(tuple(sides), op)


def scalar(expr: Any) -> Any:
    """``expr`` with every op template read as scalars (its bindings are single elements now)."""
    if isinstance(expr, OpTemplate):
        return replace(expr, elementwise=False, bindings=tuple((k, scalar(v)) for k, v in expr.bindings))
    if isinstance(expr, tuple):
        return tuple(scalar(e) for e in expr)
    if not is_dataclass(expr) or isinstance(expr, (type, Number, Symbol)):
        return expr
    changes = {f.name: scalar(getattr(expr, f.name)) for f in fields(expr)
               if isinstance(getattr(expr, f.name), tuple) or is_dataclass(getattr(expr, f.name))}
    return replace(expr, **changes) if changes else expr


def substitute(expr: Any, mapping: dict[Any, Any]) -> Any:
    """Replace every sub-expression found in ``mapping`` (symbols by values, usually).

    ``expr`` is a formula, or any frozen dataclass or tuple holding formulas (a step, a relation's sides)."""
    if not mapping:
        return expr
    try:
        if expr in mapping:
            return mapping[expr]
    except TypeError:  # unhashable values inside (never for our frozen nodes, but be safe)
        pass
    if isinstance(expr, tuple):
        return tuple(substitute(e, mapping) for e in expr)
    if not is_dataclass(expr) or isinstance(expr, (type, Number, Symbol)):
        return expr
    changes: dict[str, Any] = {}
    for f in fields(expr):
        value = getattr(expr, f.name)
        if isinstance(value, tuple) or is_dataclass(value):
            new = substitute(value, mapping)
            if new is not value:
                changes[f.name] = new
    return replace(expr, **changes) if changes else expr


def as_rows(obj: Any) -> Any:
    """Every vector inside ``obj`` (a formula, a step, a tuple of them) drawn as a row."""
    kind = _KINDS.get(type(obj))
    if kind is None:
        kind = _KINDS[type(obj)] = _kind(type(obj))
    if kind is None or kind == ():  # nothing inside to draw
        return obj
    if kind == "array":
        if obj.rows and not isinstance(obj.rows[0], tuple):
            return replace(obj, rows=tuple(as_rows(r) for r in obj.rows), row=True)
        return replace(obj, rows=tuple(tuple(as_rows(c) for c in r) for r in obj.rows))
    if kind == "tuple":
        converted = tuple(as_rows(o) for o in obj)
        return obj if type(obj) is tuple and all(a is b for a, b in zip(converted, obj)) else converted
    changes = {}
    for name in kind:
        value = getattr(obj, name)
        new = as_rows(value)
        if new is not value:
            changes[name] = new
    return replace(obj, **changes) if changes else obj


# How as_rows treats each class: "array", "tuple", a dataclass's field names, or () for what it passes unchanged.
_KINDS: dict[type, Any] = {}


def _kind(cls: type) -> Any:
    if issubclass(cls, Array):
        return "array"
    if issubclass(cls, tuple):
        return "tuple"
    if issubclass(cls, (dict, Number, Symbol)) or not is_dataclass(cls):
        return ()
    return tuple(f.name for f in fields(cls))
