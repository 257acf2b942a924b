"""The op registry: each op's forward, VJPs and derivative rule, defined together.

An :class:`Op` is pure data plus two kinds of functions written against a
backend namespace ``bk`` (see :mod:`gradwork.backends`):

* ``forward(bk, *inputs, **params) -> array``
* one VJP per input, ``vjp(bk, g, out, *inputs, **params) -> array``: the
  upstream gradient ``g`` pulled back through this op to that input
  (autograd's ``defvjp`` style, so the engine computes only what is needed).

The human-readable rule sits beside them: LaTeX and plain-text templates with
``$x``/``$a``/``$b``/``$out`` placeholders that the explainers fill with node
names. No renderer lives here; the templates are data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Forward = Callable[..., np.ndarray]
VJP = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Partial:
    """The local derivative of an op's output with respect to one input."""

    wrt: str
    vjp: VJP
    latex: str  # e.g. r"$out\,(1 - $out)" for sigmoid
    text: str  # e.g. "$out (1 - $out)"
    # True when the template is the whole pulled-back gradient and mentions the
    # upstream gradient as $g (matmul: "$a^T $g"); False when it is the local
    # derivative that multiplies the upstream gradient.
    includes_upstream: bool = False


@dataclass(frozen=True)
class Notation:
    """How a node made by this op is written, in terms of its input names."""

    text: str  # e.g. "$a + $b"
    latex: str  # e.g. r"$a + $b"
    precedence: int = 100  # higher binds tighter; 100 = an atom or a call


@dataclass(frozen=True)
class Op:
    """One primitive: forward, VJPs and the rule as data, registered together."""

    name: str
    forward: Forward
    partials: tuple[Partial, ...]
    notation: Notation
    definition_latex: str  # the op's formula, e.g. r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    sentence: str  # one plain sentence stating the derivative rule
    elementwise: bool = False  # inputs broadcast; the engine sums VJPs back to input shapes
    variadic: bool = False  # any number of inputs sharing partials[0] (concatenate)
    pitfall: str | None = None  # a one-line classic mistake this op invites
    params: tuple[str, ...] = field(default_factory=tuple)
    # Losses: one output's term ($y, $t stand for y_k, t_k) and how terms combine over outputs.
    term: Notation | None = None
    over_outputs: str | None = None  # "sum" or "mean"
    # Non-elementwise ops (softmax): d out_i / d x_j written per element, diagonal
    # (i = j) and off-diagonal, with $oi, $oj for out_i, out_j.
    element_partials: tuple[Notation, Notation] | None = None
    # The formula of definition_latex in the ASCII style of the text templates ("sigmoid(x) = 1 / (1 + exp(-x))").
    definition_text: str | None = None

    def partial(self, position: int) -> Partial:
        return self.partials[0] if self.variadic else self.partials[position]

    @property
    def arity(self) -> int | None:
        return None if self.variadic else len(self.partials)


class UnknownOpError(KeyError):
    def __str__(self) -> str:  # KeyError would print the repr with quotes
        return str(self.args[0])


OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add ``op`` to the registry; names are unique."""
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} is registered twice")
    OPS[op.name] = op
    return op


def get_op(name: str) -> Op:
    try:
        return OPS[name]
    except KeyError:
        known = ", ".join(sorted(OPS))
        raise UnknownOpError(f"no op named {name!r}; registered ops: {known}") from None


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes NumPy broadcasting added or stretched to reach it from ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        # On object arrays (exact, symbolic) a sum down to 0-d returns the bare element: keep it an array.
        grad = np.asarray(grad.sum(axis=tuple(range(extra))), dtype=grad.dtype)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())
