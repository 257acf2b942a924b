"""One view of a solved problem's computation: the graph check, explain and viz all read.

:func:`solved_graph` walks the engine's record (``Tensor.op`` / ``.inputs``) of a
:class:`~gradwork.problem.solution.Solution` once and names every node:

* order: the loss's (or, with an upstream gradient, the output's) own depth-first
  order first, so each parameter comes just before the node that uses it; then any
  named node the root does not depend on (softmax's ``p`` beside a fused loss).
  Every node comes after its inputs.
* names: every name the solution gives a tensor (``aliases``, in the solution's
  order: parameters, then nodes; an identity layer's ``z`` and ``a`` are one
  tensor), ``target`` for the target, the loss's own name for the loss; the first
  is the node's ``name``. ``key`` is unique for every node: the name, else a name
  the builder gave the tensor, else ``<op>#k`` / ``const#k``.
* what each node is (input, parameter, constant, computed, loss), the layer it
  belongs to (network form), whether the optimizer leaves it alone, and the
  problem's own symbol for it (``names:``).

Values, gradients and shapes are read from the tensors themselves (``value``,
``gradient``, ``shape``), so the view and the solve never disagree. What each
consumer adds (check's places and replay, explain's formulas, viz's drawing ids)
stays with that consumer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gradwork.tensor import Tensor, topological_order

if TYPE_CHECKING:
    from gradwork.ops import Op
    from gradwork.problem.solution import Solution

NodeKind = Literal["input", "parameter", "constant", "computed", "loss"]


@dataclass(frozen=True, eq=False)
class SolvedNode:
    """One tensor of the solved computation."""

    index: int  # position in forward order
    key: str  # unique: the node's name, or "matmul#1" / "const#2" for an unnamed one
    tensor: Tensor
    inputs: tuple[int, ...]  # indices of the operands, in order (repeated for x * x)
    kind: NodeKind
    named: bool  # a name of its own (the solution's, or the one its builder gave it); False: "<op>#k"
    aliases: tuple[str, ...] = ()  # every name the solution gives this tensor, first = ``name``
    symbol: str | None = None  # the problem's own symbol (``names:``), when it has one
    layer: str | None = None  # network form: the layer the node belongs to
    frozen: bool = False  # a parameter the optimizer leaves alone
    parameter: str | None = None  # its name among Solution.parameters, for a trainable leaf

    @property
    def name(self) -> str | None:
        """The solution's name for the node (None for an unnamed intermediate or constant)."""
        return self.aliases[0] if self.aliases else None

    @property
    def op(self) -> Op | None:
        return self.tensor.op

    @property
    def op_name(self) -> str | None:
        return self.tensor.op.name if self.tensor.op is not None else None

    @property
    def value(self) -> Any:
        return self.tensor.data

    @property
    def gradient(self) -> Any:
        """d(loss)/d(node) as the solve computed it (None where the loss does not depend on the node)."""
        return self.tensor.grad

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.tensor.shape)


@dataclass(frozen=True, eq=False)
class SolvedGraph:
    """The solved computation: nodes in forward order, named once."""

    solution: Solution
    nodes: tuple[SolvedNode, ...]
    root: int  # the loss, or the output when the problem gives an upstream gradient
    root_size: int  # nodes[:root_size] are exactly what the root depends on, the root last
    loss: int | None
    output: int | None
    names: dict[str, int]  # every name (aliases, "target") -> node
    parameters: dict[str, int]  # Solution.parameters that are in the graph -> node
    _position: dict[int, int] = field(repr=False)
    _consumers: tuple[tuple[tuple[int, int], ...], ...] = field(repr=False)
    _keys: dict[str, int] = field(repr=False)
    _ancestors: dict[int, frozenset[int]] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[SolvedNode]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, key: str) -> SolvedNode:
        """The node with this key or name."""
        found = self._keys.get(key, self.names.get(key))
        if found is None:
            raise KeyError(key)
        return self.nodes[found]

    def __contains__(self, key: object) -> bool:
        return key in self._keys or key in self.names

    @property
    def backend(self) -> Any:
        return self.nodes[self.root].tensor.backend

    @property
    def tensors(self) -> list[Tensor]:
        return [node.tensor for node in self.nodes]

    def index(self, tensor: Tensor) -> int | None:
        """The node of ``tensor`` (by identity), or None when it is not in the graph."""
        return self._position.get(id(tensor))

    def node_of(self, tensor: Tensor) -> SolvedNode | None:
        i = self._position.get(id(tensor))
        return None if i is None else self.nodes[i]

    def consumers(self, i: int, *, toward_root: bool = False) -> tuple[tuple[int, int], ...]:
        """Every use of node ``i`` as an operand: (consumer, position), in forward order.

        ``toward_root``: only the uses the root depends on (what its gradient flows back through).
        """
        uses = self._consumers[i]
        return tuple(use for use in uses if use[0] < self.root_size) if toward_root else uses

    def depends(self, i: int, j: int) -> bool:
        """Whether node ``i`` is computed from node ``j`` (or is ``j``)."""
        return j in self.ancestors(i)

    def ancestors(self, i: int) -> frozenset[int]:
        """Node ``i`` and every node it is computed from."""
        cache = self._ancestors
        if i not in cache:
            found = {i}
            stack = [i]
            while stack:
                for j in self.nodes[stack.pop()].inputs:
                    if j not in found:
                        found.add(j)
                        stack.append(j)
            cache[i] = frozenset(found)
        return cache[i]

    def symbol(self, name: str) -> str | None:
        """The problem's own symbol for node ``name`` (``names:``), or None."""
        return self.solution.names.symbol(name)


def solved_graph(solution: Solution) -> SolvedGraph:
    """The graph of ``solution`` (made once per solution and kept: the solve never changes afterwards)."""
    cached = solution.__dict__.get("_solved_graph")
    if isinstance(cached, SolvedGraph) and cached.solution is solution:  # not a copy's
        return cached
    graph = _build(solution)
    solution.__dict__["_solved_graph"] = graph
    return graph


def _build(solution: Solution) -> SolvedGraph:
    root_tensor = solution.loss if solution.loss is not None else solution.output
    root_order = topological_order(root_tensor)
    order: list[Tensor] = list(root_order)
    seen: set[int] = {id(t) for t in order}
    for start in solution.nodes.values():
        for tensor in topological_order(start):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                order.append(tensor)
    position = {id(t): i for i, t in enumerate(order)}

    aliases: dict[int, list[str]] = {}
    for name, tensor in [*solution.parameters.items(), *solution.nodes.items()]:
        found = aliases.setdefault(id(tensor), [])
        if name not in found:
            found.append(name)
    if solution.target is not None and id(solution.target) not in aliases:
        aliases[id(solution.target)] = ["target"]
    if solution.loss is not None and id(solution.loss) not in aliases:
        aliases[id(solution.loss)] = [solution.loss.name or "loss"]

    keys: dict[int, str] = {id(t): aliases[id(t)][0] for t in order if aliases.get(id(t))}
    taken = {given[0] for given in aliases.values()}
    for tensor in order:  # a tensor named by whoever built it, when the solution has no name for it
        if id(tensor) not in keys and tensor.name and tensor.name not in taken:
            keys[id(tensor)] = tensor.name
            taken.add(tensor.name)
    named = set(keys)
    unnamed = 0
    for tensor in order:
        if id(tensor) not in keys:
            unnamed += 1
            keys[id(tensor)] = f"{tensor.op.name if tensor.op else 'const'}#{unnamed}"

    parameters = {name: position[id(t)] for name, t in solution.parameters.items() if id(t) in position}
    parameter_of = {i: name for name, i in parameters.items()}
    frozen = set(solution.frozen)
    inputs = [tuple(position[id(p)] for p in t.inputs) for t in order]
    layer_of = _layers(solution, order, inputs, [keys[id(t)] for t in order])
    nodes = []
    for i, tensor in enumerate(order):
        key = keys[id(tensor)]
        names: tuple[str, ...] = tuple(aliases.get(id(tensor), ()))
        nodes.append(SolvedNode(
            index=i, key=key, tensor=tensor, inputs=inputs[i],
            kind=_kind(tensor, solution, i in parameter_of, named=id(tensor) in named),
            named=id(tensor) in named, aliases=names,
            symbol=next((s for s in (solution.names.symbol(n) for n in names) if s), None),
            layer=layer_of.get(key), frozen=key in frozen, parameter=parameter_of.get(i),
        ))
    consumers: list[list[tuple[int, int]]] = [[] for _ in order]
    for i, operands in enumerate(inputs):
        for slot, j in enumerate(operands):
            consumers[j].append((i, slot))
    names_index = {name: i for i, node in enumerate(nodes) for name in node.aliases}
    return SolvedGraph(
        solution=solution, nodes=tuple(nodes), root=position[id(root_tensor)], root_size=len(root_order),
        loss=position.get(id(solution.loss)) if solution.loss is not None else None,
        output=position.get(id(solution.output)),
        names=names_index, parameters=parameters, _position=position,
        _consumers=tuple(tuple(c) for c in consumers), _keys={node.key: node.index for node in nodes},
    )


def _kind(tensor: Tensor, solution: Solution, is_parameter: bool, *, named: bool) -> NodeKind:
    if tensor is solution.loss:
        return "loss"
    if is_parameter:
        return "parameter"
    if tensor.op is None:
        return "input" if named else "constant"
    return "computed"


def _layers(solution: Solution, order: list[Tensor], inputs: list[tuple[int, ...]], keys: list[str]) -> dict[str, str]:
    """Network form: each layer's W, b, z, a and the unnamed nodes used only inside the layer."""
    layer_of: dict[str, str] = {}
    for layer in solution.layers:
        for name in (layer.weight, layer.bias, layer.z, layer.a):
            if name is not None:
                layer_of[name] = layer.name
    if not layer_of:
        return layer_of
    consumers: dict[str, set[str]] = {}
    for i, operands in enumerate(inputs):
        for j in operands:
            consumers.setdefault(keys[j], set()).add(keys[i])
    # Backwards, so a chain of unnamed nodes inherits the layer of the node it feeds.
    for i in reversed(range(len(order))):
        key = keys[i]
        if key in layer_of or order[i].op is None:
            continue
        owners = {layer_of.get(c) for c in consumers.get(key, ())}
        owner = owners.pop() if len(owners) == 1 else None
        if owner is not None:
            layer_of[key] = owner
    return layer_of
