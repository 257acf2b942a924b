"""A derivation as data: sections of typed steps.

Every number the solution reports appears in some step with the formula that
produced it, the numbers substituted and the result. Renderers turn steps into
text, Markdown, LaTeX, HTML or JSON by dispatching on the step's class; ``check``
and ``viz`` may read these types too. Each step names the graph ``node`` it is
about (a key of ``Solution.nodes`` or a parameter/element key such as
"hidden.W[1,0]"), so a viewer can highlight it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gradwork.explain.math import Derivative, Expr, Relation, Symbol

Phase = Literal["setup", "forward", "loss", "backward", "update", "summary"]


@dataclass(frozen=True)
class Prose:
    """A sentence of explanation, optionally followed by a displayed formula."""

    text: str
    math: Expr | None = None
    node: str | None = None


@dataclass(frozen=True)
class Given:
    """The given values, each as symbol = value."""

    items: tuple[Relation, ...]


@dataclass(frozen=True)
class Definition:
    """A function used by the problem, stated once: its formula and derivative."""

    name: str  # "sigmoid", "bce", "x**2"
    formula: Expr
    derivative: Expr | None
    sentence: str


@dataclass(frozen=True)
class Compute:
    """One computed quantity: lhs = formula = numbers substituted = result."""

    node: str
    phase: Phase
    lhs: Expr
    formula: Expr | None
    substituted: Expr | None
    result: Expr
    note: str | None = None
    parts: tuple[Relation, ...] = ()  # per-element working when the quantity is a vector


@dataclass(frozen=True)
class Factor:
    """A numbered chain-rule factor, derived once and referred to by its label afterwards."""

    label: int
    derivative: Derivative
    formula: Expr | None  # None when the factor has no closed form worth printing (a formula loss)
    value: Expr
    node: str | None = None
    substituted: Expr | None = None  # the formula with numbers in every place

    def sides(self) -> list[Expr]:
        return [s for s in (self.derivative, self.formula, self.substituted, self.value) if s is not None]


@dataclass(frozen=True)
class ChainProduct:
    """d(loss)/d(target) as a product (or a sum of products, at a fork) of numbered factors."""

    node: str
    lhs: Derivative
    paths: tuple[tuple[int, ...], ...]  # each path: the labels multiplied along it
    reused: tuple[int, ...]  # labels that were already computed for an earlier gradient
    value: Expr
    note: str | None = None


@dataclass(frozen=True)
class Fork:
    """A value used more than once: its gradient is the sum over every path."""

    node: str
    lhs: Derivative
    contributions: tuple[Expr, ...]
    total: Expr
    reason: str


@dataclass(frozen=True)
class Update:
    """theta <- theta - lr * grad for one parameter (or one optimizer's rule)."""

    node: str
    relation: Relation  # new = old - lr * grad = numbers = result
    frozen: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Expr | str, ...], ...]


@dataclass(frozen=True)
class Pitfall:
    """A one-line warning where a classic mistake applies (code from docs/format.md's diagnosis list)."""

    code: str
    text: str
    node: str | None = None


Step = Prose | Given | Definition | Compute | Factor | ChainProduct | Fork | Update | Table | Pitfall


@dataclass(frozen=True)
class Section:
    title: str
    phase: Phase
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Derivation:
    """The whole worked solution."""

    title: str
    style: Literal["chain", "delta", "matrix"]
    mode: str
    sections: tuple[Section, ...]
    symbols: dict[str, Symbol] = field(default_factory=dict)  # node name -> how it is written
    # How a vector is drawn: a column (z = W x) or, in the row convention, a row (z = x W).
    vectors: Literal["column", "row"] = "column"
    # "solution" (a worked solution) or "sheet" (a student's question sheet: no line about the style or rounding)
    kind: Literal["solution", "sheet"] = "solution"

    def steps(self) -> list[Step]:
        return [step for section in self.sections for step in section.steps]
