"""A recorded graph replayed on new data: the training fast path.

Building a graph of :class:`~gradwork.tensor.Tensor` objects per minibatch costs
Python work that a small network's arithmetic cannot hide. A :class:`Tape`
traces the graph once, keeps its topological order as flat lists of slot
numbers, and replays it: each node's registered ``op.forward`` runs on the
arrays in its input slots, and backward runs each registered
``op.partial(i).vjp`` in reverse order. The same functions as the engine, so
the math stays in one place (:mod:`gradwork.ops`); only the bookkeeping is
compiled away.

What the replay skips:

* VJPs into inputs that need no gradient (the data ``X``, the targets, constants);
* gradients of intermediate nodes: only the parameters (leaves that require a
  gradient) receive ``.grad``, accumulated as ``backward()`` does.

Parameters are read from ``tensor.data`` at every replay, so optimizers that
update them (in place or not) are seen by the next step. The graph must not
depend on the data's values (true of networks; a data-dependent branch would be
baked in at recording time). A different batch size is fine: every op is
shape-generic.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradwork.ops.registry import unbroadcast
from gradwork.tensor import Tensor, topological_order

_ndarray = np.ndarray


class TapeError(ValueError):
    pass


def _getter(slots: tuple[int, ...]) -> Any:
    """A function of the value list returning the tuple of values at ``slots`` (one C call for several)."""
    if len(slots) == 1:
        return lambda values, slot=slots[0]: (values[slot],)
    return operator.itemgetter(*slots) if slots else (lambda values: ())


class Tape:
    """The graph that computed ``output`` from the placeholder tensors ``inputs``, ready to replay.

    >>> X, T = Tensor(x0), Tensor(t0)            # placeholders: values only fix dtypes
    >>> loss = F.cross_entropy(model(X), T)
    >>> tape = Tape(loss, [X, T])
    >>> tape.forward(x1, t1); tape.backward()    # fills p.grad for every parameter p
    """

    def __init__(self, output: Tensor, inputs: Sequence[Tensor]) -> None:
        order = topological_order(output)
        slot_of = {id(node): slot for slot, node in enumerate(order)}
        self._nodes = order  # kept so that callers can read a node's replayed value by tensor
        self._slot_of = slot_of
        self._values: list[Any] = [node.data for node in order]  # constants keep their traced value
        self._grads: list[Any] = [None] * len(order)
        self._output = slot_of[id(output)]
        self._output_backend = output.backend

        self._input_slots: list[tuple[int, np.dtype]] = []
        for tensor in inputs:
            if id(tensor) not in slot_of:
                raise TapeError(f"input {tensor.name or tensor!r} does not reach the output")
            if tensor.op is not None or tensor.requires_grad:
                raise TapeError("inputs must be placeholder tensors that need no gradient (data, targets)")
            self._input_slots.append((slot_of[id(tensor)], tensor.data.dtype))

        self._parameters = [(slot, node) for slot, node in enumerate(order) if node.op is None and node.requires_grad]

        # Forward plan, in topological order: (slot, forward, backend, dtype, input getter, the input slot of a
        # one-input op or -1, params). A one-input op's array is fetched by plain indexing, the fastest way.
        self._forward_plan = []
        for slot, node in enumerate(order):
            if node.op is not None:
                inputs = tuple(slot_of[id(i)] for i in node.inputs)
                self._forward_plan.append((slot, node.op.forward, node.backend, node.data.dtype, _getter(inputs),
                                           inputs[0] if len(inputs) == 1 else -1, node.params))
        # Backward plan, in reverse: for each node on a gradient path, the VJPs into the inputs that need one.
        self._backward_plan = []
        for slot, node in reversed(list(enumerate(order))):
            if node.op is None or not node.requires_grad:
                continue
            input_slots = tuple(slot_of[id(i)] for i in node.inputs)
            getter = _getter(input_slots)
            pulls = []
            for position, parent in enumerate(node.inputs):
                if not parent.requires_grad:
                    continue
                params = {**node.params, "position": position} if node.op.variadic else node.params
                pulls.append((slot_of[id(parent)], node.op.partial(position).vjp, params))
            self._backward_plan.append((slot, node.backend, getter, tuple(pulls)))

    # ------------------------------------------------------------------ replay
    def forward(self, *arrays: Any) -> np.ndarray:
        """Run the recorded graph on ``arrays`` (one per placeholder); return the output's value."""
        if len(arrays) != len(self._input_slots):
            raise TapeError(f"expected {len(self._input_slots)} input arrays, got {len(arrays)}")
        values = self._values
        for (slot, dtype), array in zip(self._input_slots, arrays):
            if type(array) is not _ndarray or array.dtype != dtype:
                array = np.asarray(array, dtype=dtype)
            values[slot] = array
        for slot, node in self._parameters:
            values[slot] = node.data
        for slot, forward, backend, dtype, getter, single, params in self._forward_plan:
            if single >= 0:
                out = forward(backend, values[single], **params)
            else:
                out = forward(backend, *getter(values), **params)
            if type(out) is not _ndarray or out.dtype != dtype:  # as `apply` does: numbers in the backend's type
                out = backend.asarray(out)
            values[slot] = out
        return values[self._output]

    def backward(self, grad: Any = None) -> None:
        """Add d(output)/d(parameter) into ``parameter.grad`` for every parameter, as ``Tensor.backward`` does."""
        values, grads = self._values, self._grads
        out = values[self._output]
        if grad is None:
            if out.size != 1:
                raise TapeError("backward() of a non-scalar output needs the upstream gradient `grad`")
            grads[self._output] = self._output_backend.ones_like(out)
        else:
            seed = self._output_backend.asarray(grad.data if isinstance(grad, Tensor) else grad)
            grads[self._output] = seed if seed.shape == out.shape else np.broadcast_to(seed, out.shape).copy()
        for slot, backend, getter, pulls in self._backward_plan:
            g = grads[slot]
            grads[slot] = None
            if g is None:
                continue
            out = values[slot]
            inputs = getter(values)
            for parent, vjp, params in pulls:
                contribution = vjp(backend, g, out, *inputs, **params)
                if type(contribution) is not _ndarray:
                    contribution = np.asarray(contribution)
                shape = values[parent].shape
                if contribution.shape != shape:
                    contribution = unbroadcast(contribution, shape)
                previous = grads[parent]
                grads[parent] = contribution if previous is None else previous + contribution
        for slot, node in self._parameters:
            g = grads[slot]
            grads[slot] = None
            if g is not None:
                node.grad = g if node.grad is None else node.grad + g

    # ------------------------------------------------------------------ access
    def value(self, tensor: Tensor) -> np.ndarray:
        """The value ``tensor`` (a node of the recorded graph) had in the last replay."""
        try:
            return self._values[self._slot_of[id(tensor)]]
        except KeyError:
            raise TapeError(f"{tensor.name or 'tensor'} is not a node of this tape") from None

    @property
    def parameters(self) -> list[Tensor]:
        """The leaves that receive gradients, in topological order."""
        return [node for _, node in self._parameters]

    def __len__(self) -> int:
        """The number of op nodes replayed per forward pass."""
        return len(self._forward_plan)
