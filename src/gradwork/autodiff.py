"""The one reverse-mode backward driver, for every graph representation in gradwork.

:func:`backward_pass` walks a graph given as flat lists indexed by node (in
topological order: a node's inputs come before it) and pulls the upstream
gradient back through each op's registered VJPs. ``Tensor.backward``, the
training :class:`~gradwork.nn.tape.Tape` (when it is not compiled) and the
checker's replay (which perturbs VJPs and substitutes students' numbers) all
call it; what differs between them is in two hooks:

* ``vjps``: (node, input position) -> a VJP to use instead of the op's own
  (the checker's mistake variants);
* ``on_grad(node, g) -> g``: called once when node's gradient is complete,
  before it is pulled back further; what it returns is what flows on
  (``Tensor.backward`` accumulates into ``node.grad``; the checker rounds or
  substitutes a student's number).

The graph is ``nodes`` (anything with ``op``, ``params``, ``backend`` and
``requires_grad``: a Tensor, a tape slot), ``inputs`` (each node's input
indices) and ``values``. ``saved[node]``, when not None, is what the op's
``save`` kept in the forward pass; the driver then calls the partial's
``saved_vjp`` with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    """What the driver reads of a node: a Tensor, a Tape slot, or any object with these attributes."""

    @property
    def op(self) -> Op | None: ...

    @property
    def params(self) -> Mapping[str, Any]: ...

    @property
    def backend(self) -> Backend: ...

    @property
    def requires_grad(self) -> bool: ...


def backward_pass(
    nodes: Sequence[Node],
    inputs: Sequence[tuple[int, ...]],
    values: Sequence[Any],
    root: int,
    seed: Any,
    *,
    saved: Sequence[Any] | None = None,
    vjps: Mapping[tuple[int, int], VJP] | None = None,
    on_grad: OnGrad | None = None,
    backend: Backend | None = None,
) -> list[Any]:
    """Gradients of the root (weighted by ``seed``) for every node, by index; None where none flows.

    ``nodes[i].op`` is None for a leaf; ``inputs[i]`` are the indices of its
    inputs and ``values[i]`` its value. A VJP is run only into inputs whose
    ``requires_grad`` is true. ``backend``, when given, is used for every node
    instead of each node's own. The list holds what ``on_grad`` returned.
    """
    grads: list[Any] = [None] * len(nodes)
    pending: dict[int, Any] = {root: seed}
    take = pending.pop
    for i in range(root, -1, -1):
        g = take(i, None)
        if g is None:
            continue
        if on_grad is not None:
            g = on_grad(i, g)
        grads[i] = g
        node = nodes[i]
        op = node.op
        if op is None:
            continue
        positions = inputs[i]
        arguments = [values[j] for j in positions]
        kept = saved[i] if saved is not None else None
        bk = backend or node.backend
        params = node.params
        for position, j in enumerate(positions):
            if not nodes[j].requires_grad:
                continue
            replaced = vjps.get((i, position)) if vjps else None
            if replaced is not None or op.variadic:
                contribution = pull(op, position, bk, g, values[i], arguments, params, kept, replaced)
            else:  # pull's usual case, inlined: this line runs once per edge of every backward pass
                partial = op.partials[position]
                if kept is not None and partial.saved_vjp is not None:
                    contribution = partial.saved_vjp(bk, g, values[i], kept, *arguments, **params)
                else:
                    contribution = partial.vjp(bk, g, values[i], *arguments, **params)
                contribution = _shaped(contribution, arguments[position])
            previous = pending.get(j)
            pending[j] = contribution if previous is None else previous + contribution
    return grads


def _shaped(contribution: Any, argument: Any) -> Array:
    """A VJP's result as an array in its input's shape (summed over the axes broadcasting added)."""
    if type(contribution) is not _ndarray:
        contribution = np.asarray(contribution)
    shape = argument.shape if type(argument) is _ndarray else np.shape(argument)
    if contribution.shape != shape:
        contribution = unbroadcast(contribution, shape)
    return contribution


_ndarray = np.ndarray
