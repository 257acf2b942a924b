"""Re-running a solved computation with the student's numbers or a mistake put in.

A :class:`Graph` is the solved problem's computation: gradwork.problem's one
view of it (``solved_graph``: each node's tensor, ``op``, inputs and names).
:func:`replay` evaluates it again: forward with each op's registered forward,
backward through the engine's one driver (gradwork.autodiff.backward_pass, with this module's
hooks for substitutions and perturbations), then the
problem's optimizer step (:mod:`gradwork.check.replay_step`). Two things can be
put in along the way:

* :class:`Substitutions`: the student's own numbers for some values,
  gradients or updated parameters. Everything computed *after* a substituted
  place uses the student's number, which is what "right given your earlier
  answer" (carried forward) means.
* a :class:`Perturbation`: a mistake model's change to the computation (a
  different VJP for one node, a factor on one gradient, a log in base 10, a
  weight read transposed, a different learning rate ...).

Every place records its *natural* result, computed from what came before and
before its own substitution. So one replay with all of a student's numbers in
gives, for each answered item, what that item should be given everything the
student wrote before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from gradwork.nn.program import GraphProgram, ProgramError, program_for
from gradwork.autodiff import backward_pass
from gradwork.check.replay_step import step as _step
from gradwork.check.rounding import Rounding, round_decimals, round_significant  # noqa: F401 (re-exported)
from gradwork.problem import Solution
from gradwork.problem.notation import Notation, notation
from gradwork.problem.solved_graph import solved_graph
from gradwork.tensor import Tensor

PlaceKind = Literal["value", "grad", "updated", "loss"]
Transform = Callable[[Any, np.ndarray], np.ndarray]  # (backend, array) -> array
Forward = Callable[..., np.ndarray]
VJP = Callable[..., np.ndarray]


class ReplayError(ValueError):
    """A perturbed computation that cannot be evaluated (for example a non-square weight read transposed)."""


class Place(NamedTuple):
    """One quantity of the solve: a node's value or gradient, a parameter after the update, or the loss.

    (A named tuple: places are made and looked up in dictionaries hundreds of thousands of times per run.)
    """

    kind: PlaceKind
    node: int  # index into Graph.nodes (the parameter's leaf for "updated", the loss node for "loss")


# ---------------------------------------------------------------- the graph
class Graph:
    """The solved computation as flat lists, in forward (topological) order.

    The walk and the names are gradwork.problem's one view of a solved problem
    (:func:`~gradwork.problem.solved_graph.solved_graph`); this adds what replay and
    diagnosis need: the places, what depends on what, and the optimizer's parameters.
    """

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        view = solved_graph(solution)
        self.view = view
        self.nodes: list[Tensor] = view.tensors
        self.inputs = [node.inputs for node in view]
        self.root = view.root
        self.backend = view.backend
        self.names = {name: view.names[name] for name in solution.nodes}
        self.name_of = {i: name for name, i in self.names.items()}  # two names, one tensor: the later name
        self.params = dict(view.parameters)
        self.param_of = {i: name for name, i in self.params.items()}
        self.loss = view.loss
        self.consumers: list[list[tuple[int, int]]] = [list(view.consumers(i)) for i in range(len(view))]
        self.updates = solution.optimizer.name != "none" and solution.optimizer.steps > 0 and bool(self.params)
        upstream = solution.upstream
        self.seed = (None if upstream is None
                     else np.asarray(upstream.data if isinstance(upstream, Tensor) else upstream))
        # The same computation as straight-line code over floats (or, in exact mode, Fractions), shared by every
        # graph of this structure (None: symbolic numbers, an op without a scalar emitter, large arrays, exact
        # code that needs a function of math past pow): _forward and _backward use it.
        self.program: GraphProgram | None = program_for(self.nodes, self.inputs, self.root,
                                                        exact=self.backend.name == "exact")

    @property
    def leaves(self) -> dict[int, np.ndarray]:
        """Every leaf's number as the problem gives it, by node (read by every replay: made once; not to be
        changed)."""
        found = self.__dict__.get("_leaves")
        if found is None:
            found = self.__dict__["_leaves"] = {i: node.data for i, node in enumerate(self.nodes) if node.op is None}
        return found

    @property
    def leaf_list(self) -> list[np.ndarray | None]:
        """:attr:`leaves` as a list by node (None for computed nodes), as the compiled program reads them."""
        found = self.__dict__.get("_leaf_list")
        if found is None:
            leaves = self.leaves
            found = self.__dict__["_leaf_list"] = [leaves.get(i) for i in range(len(self.nodes))]
        return found

    def op_name(self, i: int) -> str | None:
        op = self.nodes[i].op
        return op.name if op is not None else None

    def label(self, i: int) -> str:
        """A node's name, or "op(input names)" for an unnamed intermediate."""
        if i in self.name_of:
            return self.name_of[i]
        op = self.op_name(i) or "constant"
        return f"{op}({', '.join(self.label(j) for j in self.inputs[i])})"

    @property
    def written(self) -> Notation:
        """How the problem writes its quantities (its ``names:``, else the course convention): one symbol each."""
        return notation(self.solution)

    def called(self, node: int | str) -> str:
        """How feedback names a node: its symbol (``b₃``, ``a⁽¹⁾``), never an internal key.

        An unnamed intermediate is its op applied to its inputs' symbols (``matmul(W⁽¹⁾, x)``).
        """
        if isinstance(node, int) and node not in self.name_of:
            op = self.op_name(node) or "constant"
            return f"{op}({', '.join(self.called(j) for j in self.inputs[node])})"
        name = node if isinstance(node, str) else self.name_of[node]
        try:
            return self.written.symbol(name).text()
        except (KeyError, ValueError):
            return name

    def key_text(self, key: str) -> str:
        """A quantity key (``gradients.hidden.W[0,1]``) as the problem writes it (``∂J/∂w₃``)."""
        try:
            return self.written.text(key)
        except (KeyError, ValueError):
            return key

    def requires_grad(self, i: int) -> bool:
        return self.nodes[i].requires_grad

    def inside_loss(self) -> frozenset[int]:
        """The nodes of the loss formula: after the network output, up to and including the loss."""
        if self.loss is None or self.solution.output is self.solution.loss:
            return frozenset()
        output = self.view.output
        if output is None:
            return frozenset()
        after_output = {output}
        for i in range(output + 1, len(self.nodes)):
            if any(j in after_output for j in self.inputs[i]):
                after_output.add(i)
        return frozenset(after_output - {output})

    def depends(self, later: Place, earlier: Place) -> bool:
        """Does ``later`` use ``earlier`` (through the graph)?"""
        return earlier in self.upstream_places(later)

    @property
    def shared(self) -> dict[Any, Any]:
        """What depends only on the graph's structure (which node uses which, which need a gradient), shared by
        every graph of that structure (every variant of a template): upstream places, the sheet's order."""
        found = self.__dict__.get("_shared")
        if found is None:
            key = (tuple(tuple(i) for i in self.inputs), tuple(tuple(c) for c in self.consumers),
                   tuple(node.requires_grad for node in self.nodes))
            found = _STRUCTURES.get(key)
            if found is None:
                if len(_STRUCTURES) >= MAX_STRUCTURES:
                    _STRUCTURES.clear()
                found = _STRUCTURES[key] = {}
            self.__dict__["_shared"] = found
        return found

    def upstream_places(self, place: Place) -> frozenset[Place]:
        """Every place whose number ``place`` is computed from (not including itself)."""
        key = ("upstream", place)
        cache = self.shared
        found = cache.get(key)
        if found is None:
            found = cache[key] = frozenset(self._collect(place))
        return found

    def reachable(self, place: Place, blocked: frozenset[Place]) -> frozenset[Place]:
        """The places a change can reach ``place`` from when the ``blocked`` places are replaced by given numbers."""
        key = ("reachable", place, blocked)
        cache = self.shared
        found = cache.get(key)
        if found is None:
            if len(cache) >= MAX_SHARED:
                cache.clear()
            found = cache[key] = frozenset(self._collect(place, blocked))
        return found

    def _collect(self, place: Place, blocked: frozenset[Place] = frozenset()) -> set[Place]:
        seen: set[Place] = set()
        stack = [place]
        while stack:
            current = stack.pop()
            for parent in self._direct(current):
                if parent not in seen and parent not in blocked:
                    seen.add(parent)
                    stack.append(parent)
        seen.discard(place)
        return seen

    def _direct(self, place: Place) -> list[Place]:
        i = place.node
        if place.kind in ("value", "loss"):
            return [Place("value", j) for j in self.inputs[i]] + ([Place("value", i)] if place.kind == "loss" else [])
        if place.kind == "updated":
            return [Place("grad", i), Place("value", i)]
        direct: list[Place] = []
        for consumer, _ in self.consumers[i]:
            if self.requires_grad(consumer):
                direct.append(Place("grad", consumer))
                direct.append(Place("value", consumer))
                direct.extend(Place("value", j) for j in self.inputs[consumer])
        return direct


_STRUCTURES: dict[Any, dict[Any, Any]] = {}  # Graph.shared, by structure (MAX_SHARED entries each: reachable's
MAX_STRUCTURES, MAX_SHARED = 64, 20_000  # keys grow with the students' sets of places)


# ---------------------------------------------------------------- what can be put in
@dataclass(frozen=True)
class Perturbation:
    """A change to the computation: what a mistake model does to the solve.

    ``forwards``: node -> a different forward; ``value_transforms``: node ->
    f(backend, value) applied to its value; ``vjps``: (node, input position) ->
    a different VJP; ``grad_transforms``: node -> f(backend, gradient) applied to
    the gradient accumulated at the node (before it is passed further back);
    ``learning_rates``: parameter name -> the learning rate used for it instead
    of the problem's; ``frozen`` leaves more parameters alone;
    ``round_to`` rounds every value and gradient to that many significant
    figures before it is used further (each result itself is kept: the student
    writes the last step from rounded inputs); ``backward_with_updated`` backpropagates a second time through the
    already-updated parameters (and updates from that).
    """

    forwards: Mapping[int, Forward] = field(default_factory=dict)
    value_transforms: Mapping[int, Transform] = field(default_factory=dict)
    vjps: Mapping[tuple[int, int], VJP] = field(default_factory=dict)
    grad_transforms: Mapping[int, Transform] = field(default_factory=dict)
    learning_rates: Mapping[str, Any] = field(default_factory=dict)
    frozen: frozenset[str] = frozenset()
    round_to: int | None = None
    backward_with_updated: bool = False
    data: Mapping[int, np.ndarray] = field(default_factory=dict)

    @property
    def changes_forward(self) -> bool:
        return bool(self.forwards or self.value_transforms or self.data or self.round_to is not None)

    def places(self, graph: Graph) -> frozenset[Place] | None:
        """The places whose number this change alters directly (None: everywhere)."""
        if self.round_to is not None or self.backward_with_updated:
            return None
        found: set[Place] = set()  # (most changes fill one of these)
        if self.forwards or self.value_transforms or self.data:
            found.update(Place("value", i) for i in (*self.forwards, *self.value_transforms, *self.data))
            found.update(Place("updated", i) for i in self.data if i in graph.param_of)
        if self.grad_transforms:
            found.update(Place("grad", i) for i in self.grad_transforms)
        if self.vjps:
            found.update(Place("grad", graph.inputs[i][position]) for i, position in self.vjps)
        if self.learning_rates or self.frozen:
            found.update(Place("updated", graph.params[name]) for name in (*self.learning_rates, *self.frozen)
                         if name in graph.params)
        return frozenset(found)

    def __add__(self, other: Perturbation) -> Perturbation:
        """Both changes; ``other`` wins where both replace the same thing, transforms compose."""
        return Perturbation(
            forwards={**self.forwards, **other.forwards},
            value_transforms=_compose(self.value_transforms, other.value_transforms),
            vjps={**self.vjps, **other.vjps},
            grad_transforms=_compose(self.grad_transforms, other.grad_transforms),
            learning_rates={**self.learning_rates, **other.learning_rates},
            frozen=self.frozen | other.frozen,
            round_to=other.round_to if other.round_to is not None else self.round_to,
            backward_with_updated=self.backward_with_updated or other.backward_with_updated,
            data={**self.data, **other.data},
        )


NOTHING = Perturbation()


def _compose(first: Mapping[int, Transform], second: Mapping[int, Transform]) -> dict[int, Transform]:
    merged = dict(first)
    for key, f in second.items():
        g = merged.get(key)
        merged[key] = f if g is None else _then(g, f)
    return merged


def _then(g: Transform, f: Transform) -> Transform:
    """``g``, then ``f`` on its result."""
    def both(bk: Any, x: np.ndarray) -> np.ndarray:
        return f(bk, g(bk, x))
    return both


@dataclass
class Substitutions:
    """The student's numbers, by place.

    Each entry is (selector, value): selector ``None`` replaces the whole array,
    a tuple index one element, a boolean mask the elements it selects (``value``
    then has the array's shape).
    """

    entries: dict[Place, list[tuple[Any, np.ndarray]]] = field(default_factory=dict)

    def add(self, place: Place, selector: Any, value: np.ndarray) -> None:
        self.entries.setdefault(place, []).append((selector, value))

    def apply(self, place: Place, natural: np.ndarray) -> np.ndarray:
        found = self.entries.get(place)
        if not found:
            return natural
        result = natural.copy()
        for selector, value in found:
            if selector is None:
                result = np.reshape(value, natural.shape).astype(natural.dtype, copy=True)
            elif isinstance(selector, np.ndarray):
                result = np.where(selector, np.reshape(value, natural.shape), result).astype(natural.dtype, copy=False)
            else:
                result[selector] = value
        return result

    def __bool__(self) -> bool:
        return bool(self.entries)

    def whole_places(self) -> frozenset[Place]:
        """The places whose whole array is replaced (nothing computed before them shows through)."""
        return frozenset(place for place, found in self.entries.items()
                         if any(selector is None for selector, _ in found))

    def __contains__(self, place: Place) -> bool:
        return place in self.entries


_NO_SUBSTITUTIONS = Substitutions()  # what a replay without the student's numbers reads (never added to)


@dataclass
class State:
    """The natural number of every place after a replay."""

    values: list[np.ndarray]
    grads: list[np.ndarray | None]
    updated: dict[int, np.ndarray]
    carried: list[np.ndarray] | None = None  # the forward values as used further (substitutions applied)
    carried_grads: list[np.ndarray | None] | None = None  # the gradients as the update used them

    def read(self, place: Place) -> np.ndarray | None:
        kind, node = place
        if kind == "value" or kind == "loss":
            return self.values[node]
        if kind == "grad":
            return self.grads[node]
        return self.updated.get(node)


# ---------------------------------------------------------------- replay
def replay(graph: Graph, perturbation: Perturbation = NOTHING, substitutions: Substitutions | None = None,
           forward_of: State | None = None, update: bool = True, backward_of: State | None = None,
           update_of: State | None = None) -> State:
    """Evaluate ``graph`` again with ``perturbation`` and the student's ``substitutions`` put in.

    ``forward_of``: a replay with the same substitutions whose forward pass can be reused (when ``perturbation``
    changes only the backward pass and the update). ``backward_of``: the same for the backward pass too (a replay
    with the same substitutions and an unchanged backward pass; used when ``perturbation`` changes only the
    update). ``update_of``: the correct solve's replay, whose update a parameter keeps when its gradient here is
    the same, bit for bit (a mistake downstream of it). ``update=False`` skips the optimizer step. Raises
    :class:`ReplayError` when the perturbed computation cannot be evaluated.
    """
    subs = substitutions or _NO_SUBSTITUTIONS
    solution = graph.solution
    leaves = graph.leaves if not perturbation.data else {**graph.leaves, **perturbation.data}
    try:
        with np.errstate(all="ignore"):
            if forward_of is not None and forward_of.carried is not None and not perturbation.changes_forward:
                natural_values, values = forward_of.values, list(forward_of.carried)
            else:
                natural_values, values = _forward(graph, leaves, perturbation, subs)
            if backward_of is not None and backward_of.carried_grads is not None and \
                    not perturbation.changes_forward and not perturbation.vjps and not perturbation.grad_transforms:
                natural_grads, grads = backward_of.grads, backward_of.carried_grads
                values = list(backward_of.carried) if backward_of.carried is not None else values
            else:
                natural_grads, grads = _backward(graph, values, perturbation, subs)
            first_grads = grads
            if not graph.updates or not update:
                return State(natural_values, natural_grads, {}, values, first_grads)
            reference = None if update_of is None or perturbation.backward_with_updated else update_of
            updated, stepper = _step(graph, leaves, grads, perturbation, None, reference)
            if perturbation.backward_with_updated:
                values = list(values)  # (the natural values may be the same list)
                for i, new in updated.items():
                    values[i] = subs.apply(Place("updated", i), new)
                natural_grads, grads = _backward(graph, values, perturbation, subs)
                updated, stepper = _step(graph, leaves, grads, perturbation, None)
            for _ in range(1, max(solution.optimizer.steps, 1)):  # later steps: no student numbers apply
                leaves = {**leaves, **updated}
                _, later_values = _forward(graph, leaves, perturbation, _NO_SUBSTITUTIONS)
                _, later_grads = _backward(graph, later_values, perturbation, _NO_SUBSTITUTIONS)
                updated, stepper = _step(graph, leaves, later_grads, perturbation, stepper)
    except (ValueError, TypeError, ArithmeticError, IndexError) as error:
        raise ReplayError(str(error)) from error
    return State(natural_values, natural_grads, updated, values, first_grads)


def _forward(graph: Graph, leaves: dict[int, np.ndarray], perturbation: Perturbation, subs: Substitutions):
    if graph.program is not None:
        try:
            return _forward_program(graph.program, graph, leaves, perturbation, subs)
        except ProgramError:
            pass  # the engine itself, below
    bk = graph.backend
    natural: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for i, tensor in enumerate(graph.nodes):
        if tensor.op is None:
            value = leaves[i]
        else:
            forward = perturbation.forwards.get(i, tensor.op.forward)
            value = _native(bk, forward(bk, *(values[j] for j in graph.inputs[i]), **tensor.params))
        transform = perturbation.value_transforms.get(i)
        if transform is not None:  # -x of a 0-d object array is a bare Fraction: keep an array
            value = _native(bk, transform(bk, value))
        natural.append(value)
        if perturbation.round_to is not None:  # what is carried on is rounded; each result itself is not
            value = round_significant(value, perturbation.round_to)
        values.append(subs.apply(Place("value", i), value))
    return natural, values


def _backward(graph: Graph, values: list[np.ndarray], perturbation: Perturbation, subs: Substitutions):
    if graph.program is not None:
        try:
            return _backward_program(graph.program, graph, values, perturbation, subs)
        except ProgramError:
            pass  # the engine itself, below
    bk = graph.backend
    n = len(graph.nodes)
    natural: list[np.ndarray | None] = [None] * n
    after: list[np.ndarray | None] = [None] * n
    root_value = values[graph.root]
    seed = (bk.ones_like(root_value) if graph.seed is None
            else np.broadcast_to(bk.asarray(graph.seed), root_value.shape).copy())

    def look(i: int, g: np.ndarray) -> np.ndarray:  # the engine's driver hands each finished gradient here
        g = _native(bk, g)  # a sum of 0-d object arrays is a bare Fraction: keep an array
        transform = perturbation.grad_transforms.get(i)
        if transform is not None:
            g = _native(bk, transform(bk, g))
        natural[i] = g
        if perturbation.round_to is not None:
            g = round_significant(g, perturbation.round_to)
        g = subs.apply(Place("grad", i), g)
        after[i] = g
        return g

    backward_pass(graph.nodes, graph.inputs, values, graph.root, seed, vjps=perturbation.vjps, on_grad=look,
                  backend=bk)
    return natural, after


def _forward_program(program: GraphProgram, graph: Graph, leaves: dict[int, np.ndarray], perturbation: Perturbation,
                     subs: Substitutions):
    """_forward on the graph's compiled program: hooks only where something is put in (the same numbers)."""
    bk = graph.backend
    natural: dict[int, np.ndarray] = {}
    transforms, figures = perturbation.value_transforms, perturbation.round_to

    def hook(i: int, value: np.ndarray) -> np.ndarray:
        transform = transforms.get(i)
        if transform is not None:
            value = _native(bk, transform(bk, value))
        natural[i] = value
        if figures is not None:
            value = round_significant(value, figures)
        return subs.apply(Place("value", i), value)

    hooked = _hooked(len(graph.nodes), figures, transforms, subs, "value", hook)
    listed = graph.leaf_list if leaves is graph.leaves else [leaves.get(i) for i in range(len(graph.nodes))]
    values = program.forward(listed, bk, perturbation.forwards, hooked)
    if not natural:  # nothing hooked changed what flows on: the natural values are the values
        return values, values
    naturals = list(values)
    for i, value in natural.items():
        naturals[i] = value
    return naturals, values


def _program_seed(graph: Graph, root_value: np.ndarray) -> np.ndarray:
    """The backward pass's seed for the program (which only reads its numbers): made once per graph and shape."""
    kept = graph.__dict__.get("_seed")
    if kept is not None and kept[0] == root_value.shape:
        return kept[1]
    bk = graph.backend
    seed = (bk.ones_like(root_value) if graph.seed is None
            else np.broadcast_to(bk.asarray(graph.seed), root_value.shape).copy())
    graph.__dict__["_seed"] = (root_value.shape, seed)
    return seed


def _hooked(count: int, figures: int | None, transforms: Mapping[int, Transform], subs: Substitutions, kind: str,
            hook: Callable[[int, Any], Any]) -> dict[int, Callable[[int, Any], Any]]:
    """The nodes where something is put in (rounding everywhere, a transform, a student's number), with ``hook``."""
    if figures is not None:
        return dict.fromkeys(range(count), hook)
    hooked = dict.fromkeys(transforms, hook)
    for place in subs.entries:
        if place.kind == kind:
            hooked[place.node] = hook
    return hooked


def _backward_program(program: GraphProgram, graph: Graph, values: list[np.ndarray], perturbation: Perturbation,
                      subs: Substitutions):
    """_backward on the graph's compiled program (see _forward_program)."""
    bk = graph.backend
    seed = _program_seed(graph, values[graph.root])
    natural: dict[int, np.ndarray] = {}
    transforms, figures = perturbation.grad_transforms, perturbation.round_to

    def hook(i: int, g: np.ndarray) -> np.ndarray:
        transform = transforms.get(i)
        if transform is not None:
            g = _native(bk, transform(bk, g))
        natural[i] = g
        if figures is not None:
            g = round_significant(g, figures)
        return subs.apply(Place("grad", i), g)

    hooked = _hooked(len(graph.nodes), figures, transforms, subs, "grad", hook)
    after = program.backward(values, seed, bk, perturbation.vjps, hooked)
    if not natural:
        return after, after
    naturals = list(after)
    for i, g in natural.items():
        naturals[i] = g
    return naturals, after


def _native(bk: Any, data: Any) -> np.ndarray:
    """The array as ``apply`` would store it in this backend."""
    if not isinstance(data, np.ndarray):
        return bk.asarray(data)
    if bk.name == "float" and data.dtype != np.dtype(bk.dtype):
        return bk.asarray(data)
    if bk.name != "float" and data.dtype != object:
        return bk.asarray(data)
    return data
