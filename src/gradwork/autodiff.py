"""The one reverse-mode backward driver, for every graph representation in gradwork.

:func:`walk` pulls the upstream gradient back through each op's registered
VJPs, over a graph of linked nodes: each node has ``op`` (None for a leaf),
``params``, ``backend``, ``requires_grad``, ``inputs`` (its input nodes),
``data`` (its value), ``saved`` (what the op's ``save`` kept in the forward
pass, or None) and ``serial``, an integer that orders the graph: every node's
inputs have smaller serials. A :class:`~gradwork.tensor.Tensor` is such a
node, so ``Tensor.backward`` walks the graph it recorded as it is.

:func:`backward_pass` is the same walk for a graph given as flat lists indexed
by position (in topological order), as the training
:class:`~gradwork.nn.tape.Tape` (when it is not compiled) and the checker's
replay (which perturbs VJPs and substitutes students' numbers) keep theirs; it
links the lists into nodes and calls :func:`walk`. What differs between the
callers is in two hooks:

* ``vjps``: (node, input position) -> a VJP to use instead of the op's own
  (the checker's mistake variants);
* ``on_grad(node, g) -> g``: called once when node's gradient is complete,
  before it is pulled back further; what it returns is what flows on
  (the checker rounds or substitutes a student's number).

Where a node kept saved values, the driver calls the partial's ``saved_vjp``
with them. The walk visits only the nodes a gradient reaches, largest serial
first, so it needs no separate topological sort.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.registry import VJP, Array, Op, unbroadcast

OnGrad = Callable[[int, Any], Any]


def pull(op: Op, position: int, backend: Backend, g: Any, out: Any, arguments: Sequence[Any],
         params: Mapping[str, Any], saved: Any = None, vjp: VJP | None = None) -> Array:
    """The upstream gradient ``g`` of one op node pulled back to its input ``position``, in that input's shape."""
    if op.variadic:
        params = {**params, "position": position}
    partial = op.partials[0] if op.variadic else op.partials[position]
    if vjp is not None:
        contribution = vjp(backend, g, out, *arguments, **params)
    elif saved is not None and partial.saved_vjp is not None:
        contribution = partial.saved_vjp(backend, g, out, saved, *arguments, **params)
    else:
        contribution = partial.vjp(backend, g, out, *arguments, **params)
    return _shaped(contribution, arguments[position])


class Node(Protocol):
    """What the driver reads of a node: a Tensor, or any object with these attributes."""

    @property
    def op(self) -> Op | None: ...

    @property
    def params(self) -> Mapping[str, Any]: ...

    @property
    def backend(self) -> Backend: ...

    @property
    def requires_grad(self) -> bool: ...

    @property
    def inputs(self) -> Sequence[Node]: ...

    @property
    def data(self) -> Any: ...

    @property
    def saved(self) -> Any: ...

    @property
    def serial(self) -> int: ...


def walk(
    root: Node,
    seed: Any,
    *,
    vjps: Mapping[tuple[Hashable, int], VJP] | None = None,
    on_grad: Callable[[Any, Any], Any] | None = None,
    backend: Backend | None = None,
) -> dict[Any, Any]:
    """Gradients of ``root`` (weighted by ``seed``) for every node one flows into, keyed by node.

    A VJP is run only into inputs whose ``requires_grad`` is true. ``backend``,
    when given, is used for every node instead of each node's own. The result
    holds what ``on_grad`` returned; without ``on_grad``, a 0-d gradient may
    be a NumPy scalar (:func:`boxed_grads` makes every one an array).
    """
    if not vjps and on_grad is None and backend is None:
        return _walk_plain(root, seed)
    # Largest serial first, and only the nodes a gradient reached: every contribution to a node comes
    # from a node with a larger serial, so a node's sum is complete when its turn comes.
    grads: dict[Any, Any] = {root: seed}
    waiting: list[tuple[int, Any]] = [(-root.serial, root)]  # a heap: the largest serial first
    take, wait = heapq.heappop, heapq.heappush
    replacing = bool(vjps)
    while waiting:
        node = take(waiting)[1]
        g = grads[node]
        if on_grad is not None:
            g = grads[node] = on_grad(node, _boxed(g))
        op = node.op
        if op is None:
            continue
        parents = node.inputs
        count = len(parents)
        if count == 2:
            values = [parents[0].data, parents[1].data]
        elif count == 1:
            values = [parents[0].data]
        else:
            values = [parent.data for parent in parents]
        kept = node.saved
        bk = backend or node.backend
        params = node.params
        out = node.data
        arguments = values
        replaceable = replacing or op.variadic
        if bk.unbox_0d and not replaceable and type(out) is _ndarray and out.ndim == 0:
            # A scalar node (a loss, one output unit): its VJPs get NumPy scalars, see Backend.unbox_0d.
            out = out[()]
            if type(g) is _ndarray:
                g = g[()]
            arguments = [value[()] if type(value) is _ndarray and value.ndim == 0 else value for value in values]
        partials = op.partials
        positional = not params and count == 2
        for position, parent in enumerate(parents):
            if not parent.requires_grad:
                continue
            if replaceable:
                contribution = pull(op, position, bk, g, out, values, params, kept,
                                    vjps.get((node, position)) if vjps else None)
            else:  # pull's usual case, inlined: this runs once per edge of every backward pass
                partial = partials[position]
                if kept is not None and partial.saved_vjp is not None:
                    contribution = partial.saved_vjp(bk, g, out, kept, *arguments, **params)
                elif positional:  # a call through *args costs as much as a small NumPy operation
                    contribution = partial.vjp(bk, g, out, arguments[0], arguments[1])
                else:
                    contribution = partial.vjp(bk, g, out, *arguments, **params)
                value = values[position]
                if type(contribution) is not _ndarray or type(value) is not _ndarray \
                        or contribution.shape != value.shape:
                    # A NumPy scalar for a 0-d input stays unboxed while the walk carries it on (its
                    # consumer takes scalars); walk's caller gets arrays (boxed_grads).
                    if not (arguments is not values and value.ndim == 0 and isinstance(contribution, _generic)):
                        contribution = _shaped(contribution, value)
            previous = grads.get(parent)
            if previous is None:
                grads[parent] = contribution
                # A leaf's gradient is final as it stands (nothing flows on from it): it waits for its turn
                # only when on_grad must see it.
                if parent.op is not None or on_grad is not None:
                    if parent.serial >= node.serial:
                        raise ValueError("a node's input does not come before it: the serials are not a "
                                         "topological order")
                    wait(waiting, (-parent.serial, parent))
            else:
                grads[parent] = previous + contribution
    return grads


def _walk_plain(root: Node, seed: Any, store: bool = False) -> dict[Any, Any]:
    """:func:`walk` without hooks (``Tensor.backward``, the eager engine): the same visits and sums.

    It runs once per step of every eager training loop, on graphs of a few small arrays where the
    walk's own Python work costs as much as the arithmetic: the general loop's hook tests are gone,
    the one- and two-input nodes (nearly all) take their VJPs' arguments without a list, and
    a NumPy scalar is carried for a 0-d input exactly as :func:`walk` carries it.

    With ``store`` (:func:`accumulate`), each node's gradient is also added into ``node.grad`` (as an
    array) once it is complete: when the node's turn comes, or, for a leaf, at the end.
    """
    grads: dict[Any, Any] = {root: seed}
    # The nodes waiting for their turn, largest serial first. While only one waits (a chain of ops, most of
    # a network's graph) it is kept in `single`, without the heap.
    single: Any = root
    waiting: list[tuple[int, Any]] = []
    take, wait = heapq.heappop, heapq.heappush
    leaves: list[Any] = []
    while single is not None or waiting:
        if single is not None:
            node, single = single, None
        else:
            node = take(waiting)[1]
        g = grads[node]
        if store:
            _add_to_grad(node, g)
        op = node.op
        if op is None:
            continue
        parents = node.inputs
        count = len(parents)
        out = node.data
        bk = node.backend
        params = node.params
        kept = node.saved
        values = [parent.data for parent in parents] if count > 2 or op.variadic else None
        unboxed = False
        if values is None:
            a: Any = parents[0].data if count else None
            b: Any = parents[1].data if count == 2 else None
            x, y = a, b
            if count and bk.unbox_0d and type(out) is _ndarray and out.ndim == 0:
                if a.ndim == 0 and (b is None or b.ndim == 0):
                    # A scalar node of scalars (a loss, an output unit's bias and activation): its VJPs get
                    # NumPy scalars (Backend.unbox_0d), as the forward pass gave them.
                    unboxed = True
                    out = out[()]
                    if type(g) is _ndarray:
                        g = g[()]
                    x = a[()]
                    if b is not None:
                        y = b[()]
                elif type(g) is not _ndarray:  # a scalar out of arrays (a dot product): NumPy takes a 0-d
                    g = np.asarray(g)           # array beside arrays faster than a scalar
            partials = op.partials
        for position in range(count):
            parent = parents[position]
            if not parent.requires_grad:
                continue
            if values is not None:  # three or more inputs, or one rule for any number of them
                contribution = pull(op, position, bk, g, out, values, params, kept)
            else:
                partial = partials[position]
                if count == 2:
                    value = b if position else a
                    if kept is not None and partial.saved_vjp is not None:
                        contribution = partial.saved_vjp(bk, g, out, kept, x, y, **params)
                    elif params:
                        contribution = partial.vjp(bk, g, out, x, y, **params)
                    else:
                        contribution = partial.vjp(bk, g, out, x, y)
                else:
                    value = a
                    if kept is not None and partial.saved_vjp is not None:
                        contribution = partial.saved_vjp(bk, g, out, kept, x, **params)
                    elif params:
                        contribution = partial.vjp(bk, g, out, x, **params)
                    else:
                        contribution = partial.vjp(bk, g, out, x)
                if type(contribution) is not _ndarray or type(value) is not _ndarray \
                        or contribution.shape != value.shape:
                    # A NumPy scalar for a 0-d input stays unboxed while the walk carries it on (as in walk).
                    if not (unboxed and isinstance(contribution, _generic)):
                        contribution = _shaped(contribution, value)
            previous = grads.get(parent)
            if previous is None:
                grads[parent] = contribution
                if parent.op is not None:  # a leaf's gradient is final as it stands
                    if parent.serial >= node.serial:
                        raise ValueError("a node's input does not come before it: the serials are not a "
                                         "topological order")
                    if single is None and not waiting:
                        single = parent
                    else:
                        if single is not None:
                            wait(waiting, (-single.serial, single))
                            single = None
                        wait(waiting, (-parent.serial, parent))
                elif store:
                    leaves.append(parent)
            else:
                grads[parent] = previous + contribution
    for leaf in leaves:
        _add_to_grad(leaf, grads[leaf])
    return grads


def _add_to_grad(node: Any, g: Any) -> None:
    """``node.grad += g`` as PyTorch accumulates (a 0-d gradient the walk carried as a NumPy scalar, as an array)."""
    held = g if type(g) is _ndarray else np.asarray(g)
    previous = node.grad
    node.grad = held if previous is None else previous + held


def accumulate(root: Any, seed: Any) -> None:
    """Add the gradient of ``root`` (weighted by ``seed``) into ``node.grad`` of every node it reaches.

    ``Tensor.backward``: the plain walk, storing each gradient (as an array) as soon as it is complete,
    without a second pass over the walk's result.
    """
    _walk_plain(root, seed, store=True)


class _Linked:
    """A node of a flat graph, linked to its inputs for :func:`walk`; ``serial`` is its position."""

    __slots__ = ("op", "params", "backend", "requires_grad", "inputs", "data", "saved", "serial")

    def __init__(self, node: Any, position: int, value: Any, saved: Any) -> None:
        self.op, self.params, self.backend, self.requires_grad = node.op, node.params, node.backend, node.requires_grad
        self.data, self.saved, self.serial = value, saved, position
        self.inputs: tuple[_Linked, ...] = ()


def backward_pass(
    nodes: Sequence[Any],
    inputs: Sequence[tuple[int, ...]],
    values: Sequence[Any],
    root: int,
    seed: Any,
    *,
    saved: Sequence[Any] | None = None,
    vjps: Mapping[tuple[int, int], VJP] | None = None,
    on_grad: OnGrad | None = None,
    backend: Backend | None = None,
) -> dict[int, Any]:
    """:func:`walk` over a graph kept as flat lists in topological order (a node's inputs come before it).

    ``nodes[i]`` has ``op``, ``params``, ``backend`` and ``requires_grad``
    (a Tensor, a tape slot); ``inputs[i]`` are the positions of its inputs,
    ``values[i]`` its value, ``saved[i]`` what its op's ``save`` kept. Hooks
    and the result are keyed by position.
    """
    linked = [_Linked(node, i, values[i], saved[i] if saved is not None else None) for i, node in enumerate(nodes)]
    for node, positions in zip(linked, inputs):
        if positions:
            node.inputs = tuple([linked[j] for j in positions])
    grads = walk(
        linked[root],
        seed,
        vjps={(linked[i], position): vjp for (i, position), vjp in vjps.items()} if vjps else None,
        on_grad=None if on_grad is None else lambda node, g: on_grad(node.serial, g),
        backend=backend,
    )
    return {node.serial: g for node, g in boxed_grads(grads).items()}


def boxed_grads(grads: dict[Any, Any]) -> dict[Any, Any]:
    """``walk``'s result with every gradient an array (the walk may carry a 0-d one as a NumPy scalar)."""
    for node, g in grads.items():
        if type(g) is not _ndarray:
            grads[node] = np.asarray(g)
    return grads


def _boxed(g: Any) -> Any:
    return g if type(g) is _ndarray else np.asarray(g)


def _shaped(contribution: Any, argument: Any) -> Array:
    """A VJP's result as an array in its input's shape (summed over the axes broadcasting added)."""
    if type(contribution) is not _ndarray:
        contribution = np.asarray(contribution)
    shape = argument.shape if type(argument) is _ndarray else np.shape(argument)
    if contribution.shape != shape:
        contribution = unbroadcast(contribution, shape)
    return contribution


_ndarray = np.ndarray
_generic = np.generic
