"""The computation graph of a solution, one node per tensor, ready to draw.

:func:`build_graph` draws gradwork.problem's one view of the solved
computation (``solved_graph``: the walk from the loss, or the output when the
problem gives an upstream gradient, and the node names: the solution's,
``target``, ``<op>#k`` / ``const#k`` for unnamed intermediates and constants).
Nodes come in forward order (every node after its inputs), which is also the
order in which the page steps through the forward pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from gradwork.problem import Solution
from gradwork.problem.solved_graph import NodeKind, solved_graph
from gradwork.tensor import Tensor


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

    The walk, the order and the node names are gradwork.problem's one view of a
    solved problem (:func:`~gradwork.problem.solved_graph.solved_graph`); this adds
    what drawing needs: DOM ids and the labels drawn. ``labels`` maps node keys to
    the names drawn; by default the problem's ``names:`` (a node without a symbol
    keeps its key).
    """
    if labels is None:
        labels = default_labels(solution)
    view = solved_graph(solution)
    keys = [node.key for node in view]
    nodes = tuple(
        GraphNode(
            key=node.key,
            dom_id=f"gw_n{node.index}",
            tensor=node.tensor,
            kind=node.kind,
            named=node.named,
            inputs=tuple(keys[j] for j in node.inputs),
            layer=node.layer,
            frozen=node.frozen,
            display=labels.get(node.key) or (labels.get("loss") if node.kind == "loss" else None),
        )
        for node in view)
    return ComputationGraph(nodes, root=keys[view.root])


def default_labels(solution: Solution) -> dict[str, str]:
    """Node key -> the problem's own symbol for it (``names: {hidden.W: W1, loss: J}``)."""
    names = getattr(solution, "names", None)
    if not names:
        return {}
    return {ref.name: symbol for ref, symbol in names.items() if ref.index is None}
