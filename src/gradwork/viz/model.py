"""The computation graph of a solution, one node per tensor, ready to draw.

:func:`build_graph` walks the engine's record (``Tensor.op`` / ``.inputs``)
from the loss (or the output, when the problem gives an upstream gradient) and
names every node: the names the solution gives, ``target`` for the target, and
``<op>#k`` / ``const#k`` for unnamed intermediates and constants. Nodes come in
forward order (every node after its inputs), which is also the order in which
the page steps through the forward pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from gradwork.problem import Solution
from gradwork.tensor import Tensor, topological_order

NodeKind = Literal["input", "parameter", "constant", "computed", "loss"]


@dataclass(frozen=True)
class GraphNode:
    """One tensor of the graph."""

    key: str  # the solution's name ("hidden.z"), or "matmul#1" / "const#2" for unnamed nodes
    dom_id: str  # the node's id in DOT and in the SVG ("gw_n3")
    tensor: Tensor
    kind: NodeKind
    named: bool  # False for unnamed intermediates and constants
    inputs: tuple[str, ...] = ()  # keys of the operands, in order (repeated for x * x)
    layer: str | None = None  # network form: the layer the node belongs to
    frozen: bool = False  # a parameter the optimizer leaves alone
    display: str | None = None  # how the problem writes it (its ``names:`` symbol, or explain's W⁽¹⁾)

    @property
    def op(self) -> str | None:
        return self.tensor.op.name if self.tensor.op is not None else None

    @property
    def label(self) -> str:
        """The node's title: the problem's symbol for it, its name, or its op for an unnamed intermediate."""
        if self.display:
            return self.display
        if self.named:
            return self.key
        return self.op or "constant"

    @property
    def has_gradient(self) -> bool:
        return self.tensor.grad is not None


@dataclass(frozen=True)
class Use:
    """One use of a node as an operand: ``consumer.inputs[position]`` is the node."""

    consumer: str
    position: int


@dataclass(frozen=True)
class ComputationGraph:
    nodes: tuple[GraphNode, ...]  # forward order
    root: str  # key of the loss (or of the output when there is no scalar loss)
    _index: dict[str, GraphNode] = field(default_factory=dict, repr=False, compare=False)
    _uses: dict[str, list[Use]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({node.key: node for node in self.nodes})
        for node in self.nodes:
            for position, operand in enumerate(node.inputs):
                self._uses.setdefault(operand, []).append(Use(node.key, position))

    def __iter__(self) -> Iterator[GraphNode]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, key: str) -> GraphNode:
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def uses(self, key: str) -> list[Use]:
        """Every place where node ``key`` feeds another node, in forward order."""
        return list(self._uses.get(key, ()))


def build_graph(solution: Solution, labels: Mapping[str, str] | None = None) -> ComputationGraph:
    """The tensor-level graph of ``solution``: every node reachable from its loss or output.

    ``labels`` maps node keys to the names drawn; by default the problem's
    ``names:`` (a node without a symbol keeps its key).
    """
    if labels is None:
        labels = default_labels(solution)
    root = solution.loss if solution.loss is not None else solution.output
    order: list[Tensor] = []
    seen: set[int] = set()
    # The loss's own depth-first order first: each parameter comes just before the
    # node that uses it, so the backward walk reaches output.b right after output.z.
    # Then any named node the loss does not depend on.
    for start in [root, *solution.nodes.values()]:
        for tensor in topological_order(start):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                order.append(tensor)

    names = _names(solution)
    taken = set(names.values())
    for tensor in order:  # a tensor named by whoever built it, when the solution has no name for it
        if id(tensor) not in names and tensor.name and tensor.name not in taken:
            names[id(tensor)] = tensor.name
            taken.add(tensor.name)
    parameter_ids = {id(t) for t in solution.parameters.values()}
    frozen = set(solution.frozen)
    keys: dict[int, str] = {}
    unnamed = 0
    for tensor in order:
        if id(tensor) in names:
            keys[id(tensor)] = names[id(tensor)]
        else:
            unnamed += 1
            keys[id(tensor)] = f"{tensor.op.name if tensor.op else 'const'}#{unnamed}"

    layer_of = _layers(solution, order, keys)
    nodes = []
    for number, tensor in enumerate(order):
        key = keys[id(tensor)]
        nodes.append(GraphNode(
            key=key,
            dom_id=f"gw_n{number}",
            tensor=tensor,
            kind=_kind(tensor, solution, parameter_ids, named=id(tensor) in names),
            named=id(tensor) in names,
            inputs=tuple(keys[id(t)] for t in tensor.inputs),
            layer=layer_of.get(key),
            frozen=key in frozen,
            display=labels.get(key) or (labels.get("loss") if tensor is solution.loss else None),
        ))
    return ComputationGraph(tuple(nodes), root=keys[id(root)])


def default_labels(solution: Solution) -> dict[str, str]:
    """Node key -> the problem's own symbol for it (``names: {hidden.W: W1, loss: J}``)."""
    names = getattr(solution, "names", None)
    if not names:
        return {}
    return {ref.name: symbol for ref, symbol in names.items() if ref.index is None}


def _names(solution: Solution) -> dict[int, str]:
    names: dict[int, str] = {}
    for name, tensor in [*solution.parameters.items(), *solution.nodes.items()]:
        names.setdefault(id(tensor), name)
    if solution.target is not None:
        names.setdefault(id(solution.target), "target")
    if solution.loss is not None:
        names.setdefault(id(solution.loss), solution.loss.name or "loss")
    return names


def _kind(tensor: Tensor, solution: Solution, parameter_ids: set[int], *, named: bool) -> NodeKind:
    if tensor is solution.loss:
        return "loss"
    if id(tensor) in parameter_ids:
        return "parameter"
    if tensor.op is None:
        return "input" if named else "constant"
    return "computed"


def _layers(solution: Solution, order: list[Tensor], keys: dict[int, str]) -> dict[str, str]:
    """Network form: each layer's W, b, z, a and the unnamed nodes used only inside the layer."""
    layer_of: dict[str, str] = {}
    for layer in solution.layers:
        for name in (layer.weight, layer.bias, layer.z, layer.a):
            if name is not None:
                layer_of[name] = layer.name
    if not layer_of:
        return layer_of
    consumers: dict[str, set[str]] = {}
    for tensor in order:
        for operand in tensor.inputs:
            consumers.setdefault(keys[id(operand)], set()).add(keys[id(tensor)])
    # Backwards, so a chain of unnamed nodes inherits the layer of the node it feeds.
    for tensor in reversed(order):
        key = keys[id(tensor)]
        if key in layer_of or tensor.op is None:
            continue
        owners = {layer_of.get(c) for c in consumers.get(key, ())}
        if len(owners) == 1 and None not in owners:
            layer_of[key] = owners.pop()
    return layer_of
