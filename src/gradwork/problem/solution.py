"""What solving a problem produces: the evaluated graph plus its results as native numbers.

This is the contract between ``gradwork.problem`` (which builds it) and the
layers above it (explain, check, viz, generate), which only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gradwork.numbers.marking import MarkingPolicy
from gradwork.problem.names import Names
from gradwork.problem.numbers import to_json
from gradwork.problem.quantities import Quantity
from gradwork.tensor import Tensor

Mode = Literal["float", "exact", "symbolic"]


@dataclass(frozen=True)
class LayerInfo:
    """One dense layer of a network-form problem, by the names of its nodes."""

    name: str  # "hidden"
    activation: str  # "relu", "leaky_relu", "identity", or a formula in x such as "x**2"
    activation_options: dict[str, Any]  # e.g. {"alpha": 0.01}
    weight: str  # node name of W, "hidden.W"
    bias: str | None  # "hidden.b", or None when the layer has no bias
    z: str  # "hidden.z"
    a: str  # "hidden.a" (the same tensor as z when the activation is identity)
    input: str  # the node feeding the layer: "input" or the previous layer's a
    fan_in: int
    fan_out: int
    flat_weights: bool  # weights given as a flat list (one unit's incoming weights)
    weights_transposed: bool = False  # weights given as {T: [[...]]}; W is reported in the convention's shape


@dataclass(frozen=True)
class OptimizerInfo:
    name: str = "sgd"  # sgd | momentum | adam
    lr: Any = 0.01  # a float, or a Fraction in exact mode
    steps: int = 1
    options: dict[str, Any] = field(default_factory=dict)  # momentum, beta1, ...


@dataclass
class Solution:
    """A solved problem.

    ``nodes`` maps every named node to its tensor *as evaluated for the first
    optimizer step* (so ``tensor.grad`` is d(loss)/d(node) and ``tensor.op`` /
    ``tensor.inputs`` is the graph the explainers walk), in forward order:
    inputs, parameters, then computed nodes, and the loss last (named "loss").
    Unnamed intermediate tensors (``x @ W`` before ``+ b``) stay reachable
    through ``op``/``inputs`` but are not in ``nodes``.

    ``values``, ``gradients`` and ``updated`` hold the results as native
    numbers in the shapes the user wrote: a scalar as a float, Fraction (or
    int) or SymPy expression, anything bigger as an array of the mode's dtype;
    symbolic results already in readable form. JSON is made only at the edges:
    :meth:`json` gives the docs/format.md sections ("3/8" strings in exact mode,
    SymPy text in symbolic mode), :meth:`json_value` one value.
    """

    title: str
    mode: Mode
    form: Literal["network", "graph"]
    nodes: dict[str, Tensor]
    parameters: dict[str, Tensor]  # trainable leaves (values before the update)
    output: Tensor  # network: the last layer's a; graph: the output node
    loss: Tensor | None  # scalar loss node (None for a vector output with an upstream gradient)
    values: dict[str, Any]
    gradients: dict[str, Any]
    updated: dict[str, Any]
    loss_value: Any  # the loss as a native scalar, or None
    convention: Literal["row", "column"] | None = None  # network form only
    layers: list[LayerInfo] = field(default_factory=list)  # network form only
    loss_name: str | None = None  # "bce", ... or the formula text of a formula loss
    target: Tensor | None = None
    optimizer: OptimizerInfo = field(default_factory=OptimizerInfo)
    frozen: list[str] = field(default_factory=list)
    relu_grad_at_zero: Any = 0
    batch_reduction: Literal["mean", "sum"] = "mean"
    upstream: Tensor | None = None  # the given dL/dOutput for a vector output
    source: str | None = None  # the problem file's path, for messages
    formulas: dict[str, str] = field(default_factory=dict)  # graph form: node name -> expression text
    names: Names = field(default_factory=Names)  # the problem's own symbols (``names:``)
    ask: tuple[Quantity, ...] = ()  # the asked quantities in order (``ask:``); empty: nothing asked
    marking: MarkingPolicy = field(default_factory=MarkingPolicy)  # the teacher's policy (``marking:``)
    notes: list[str] = field(default_factory=list)  # what the reader should know about how it was solved

    def json_value(self, value: Any) -> Any:
        """One result (a scalar or an array of this solve) as docs/format.md JSON data."""
        return to_json(value, self.mode)

    def json(self) -> dict[str, Any]:
        """The docs/format.md result sections: ``loss``, ``values``, ``gradients``, ``updated``."""
        return {
            "loss": self.json_value(self.loss_value),
            **{section: {name: self.json_value(value) for name, value in getattr(self, section).items()}
               for section in ("values", "gradients", "updated")},
        }
