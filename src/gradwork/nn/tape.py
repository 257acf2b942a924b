"""A recorded graph replayed on new data: the training fast path.

Building a graph of :class:`~gradwork.tensor.Tensor` objects per minibatch costs
Python work that a small network's arithmetic cannot hide. A :class:`Tape`
traces the graph once and keeps it as flat lists of slot numbers, then either

* replays it (:meth:`Tape.forward`, :meth:`Tape.backward`): each node's
  registered ``op.forward`` runs on the arrays in its input slots, and backward
  is the engine's one driver (:func:`gradwork.autodiff.backward_pass`) over the
  slots; or
* compiles it (:meth:`Tape.compile`, :mod:`gradwork.nn.compile`): one generated
  straight-line Python function per input shape, forward, backward and the
  update: over Python floats, one statement per element, for small steps (the
  ops' scalar emitters), else over preallocated NumPy buffers (their float
  kernels).

Either way the math stays in one place (:mod:`gradwork.ops`); only the
bookkeeping is compiled away. When tracing, the tape puts the registered fused
ops in place of the pairs they stand for (``fuse=True``): a ``linear`` read
only by a ``relu`` (with ReLU'(0) = 0) becomes ``linear_relu``, and a
``sigmoid`` read only by ``bce`` becomes ``sigmoid_bce`` (whose saved sigmoid
is still readable as the sigmoid node's value). The results equal the unfused
graph's to rounding (tests/nn/test_compiled.py: 1e-12 in float64).

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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.autodiff import backward_pass
from gradwork.backends import Backend
from gradwork.nn.compile import CompiledStep
from gradwork.ops import get_op
from gradwork.ops.registry import Op
from gradwork.tensor import Tensor, topological_order

if TYPE_CHECKING:
    from gradwork.nn.optim import Optimizer

_ndarray = np.ndarray


class TapeError(ValueError):
    pass


@dataclass
class Slot:
    """One node of the recorded graph, as the replay and the compiler see it."""

    op: Op | None
    inputs: tuple[int, ...]
    params: dict[str, Any]
    backend: Backend
    dtype: np.dtype
    requires_grad: bool
    tensor: Tensor  # the traced tensor (a leaf's value is read from it)
    role: str  # "op", "input", "parameter" or "constant"
    fused_from: tuple[str, ...] = field(default_factory=tuple)


def _fusions(order: list[Tensor], output: Tensor) -> tuple[dict[int, tuple[Op, tuple[Tensor, ...], dict[str, Any]]],
                                                          set[int], dict[int, int]]:
    """Which nodes become fused ops: {id(consumer): (fused op, inputs, params)}, the ids folded into them,
    and {id(folded sigmoid): id(its sigmoid_bce)} (the sigmoid stays readable as what the fused op saved)."""
    uses: dict[int, int] = {}
    for node in order:
        for parent in node.inputs:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
    replaced: dict[int, tuple[Op, tuple[Tensor, ...], dict[str, Any]]] = {}
    folded: set[int] = set()
    aliases: dict[int, int] = {}
    for node in order:
        if node.op is None or not node.inputs:
            continue
        first = node.inputs[0]
        only_here = first.op is not None and uses.get(id(first)) == 1 and first is not output
        if node.op.name == "relu" and node.params.get("at_zero", 0) == 0 and only_here and first.op is not None \
                and first.op.name == "linear":
            replaced[id(node)] = (get_op("linear_relu"), first.inputs, {})
            folded.add(id(first))
        elif node.op.name == "bce" and only_here and first.op is not None and first.op.name == "sigmoid":
            replaced[id(node)] = (get_op("sigmoid_bce"), (first.inputs[0], node.inputs[1]),
                                  {"reduction": node.params.get("reduction", "mean")})
            folded.add(id(first))
            aliases[id(first)] = id(node)
    return replaced, folded, aliases


class Tape:
    """The graph that computed ``output`` from the placeholder tensors ``inputs``, ready to replay or compile.

    >>> X, T = Tensor(x0), Tensor(t0)            # placeholders: values only fix dtypes
    >>> loss = F.cross_entropy(model(X), T)
    >>> tape = Tape(loss, [X, T])
    >>> tape.forward(x1, t1); tape.backward()    # fills p.grad for every parameter p
    >>> step = tape.compile(SGD(model.parameters(), lr=0.1)); step(x2, t2)   # forward, backward, update
    """

    def __init__(self, output: Tensor, inputs: Sequence[Tensor], fuse: bool = True) -> None:
        order = topological_order(output)
        replaced, folded, aliases = _fusions(order, output) if fuse else ({}, set(), {})
        slot_of: dict[int, int] = {}
        self.slots: list[Slot] = []
        op: Op | None
        for node in order:
            if id(node) in folded:
                continue
            slot_of[id(node)] = len(self.slots)
            if id(node) in replaced:
                op, parents, params = replaced[id(node)]
                fused_from = op.fuses
            else:
                op, parents, params, fused_from = node.op, node.inputs, node.params, ()
            role = "op" if op is not None else "parameter" if node.requires_grad else "constant"
            self.slots.append(Slot(op, tuple(slot_of[id(p)] for p in parents), params, node.backend,
                                   node.data.dtype, node.requires_grad, node, role, fused_from))
        self._slot_of = slot_of
        self._aliases = {key: slot_of[target] for key, target in aliases.items()}  # sigmoid -> its sigmoid_bce
        self._folded = folded
        self.output = slot_of[id(output)]
        self._output_backend = output.backend

        self.input_slots: list[int] = []
        for tensor in inputs:
            if id(tensor) not in slot_of:
                raise TapeError(f"input {tensor.name or tensor!r} does not reach the output")
            if tensor.op is not None or tensor.requires_grad:
                raise TapeError("inputs must be placeholder tensors that need no gradient (data, targets)")
            slot = slot_of[id(tensor)]
            self.slots[slot].role = "input"
            self.input_slots.append(slot)
        self.parameter_slots = [i for i, s in enumerate(self.slots) if s.role == "parameter"]

        self._values: list[Any] = [s.tensor.data for s in self.slots]  # constants keep their traced value
        self._saved: list[Any] = [None] * len(self.slots)
        self._inputs = [s.inputs for s in self.slots]
        # Forward plan: (slot, op, backend, input slots), op nodes in topological order.
        self._forward_plan = [(i, s.op, s.backend, s.inputs, s.params) for i, s in enumerate(self.slots)
                              if s.op is not None]

    # ------------------------------------------------------------------ replay
    def forward(self, *arrays: Any) -> np.ndarray:
        """Run the recorded graph on ``arrays`` (one per placeholder); return the output's value."""
        if len(arrays) != len(self.input_slots):
            raise TapeError(f"expected {len(self.input_slots)} input arrays, got {len(arrays)}")
        values, saved = self._values, self._saved
        for slot, array in zip(self.input_slots, arrays):
            dtype = self.slots[slot].dtype
            if type(array) is not _ndarray or array.dtype != dtype:
                array = np.asarray(array, dtype=dtype)
            values[slot] = array
        for slot in self.parameter_slots:
            values[slot] = self.slots[slot].tensor.data
        for slot, op, backend, inputs, params in self._forward_plan:
            arguments = [values[j] for j in inputs]
            if op.save is not None:
                out, saved[slot] = op.save(backend, *arguments, **params)
            else:
                out = op.forward(backend, *arguments, **params)
            values[slot] = backend.native(out)  # as `apply` does: numbers in the backend's type
        return values[self.output]

    def backward(self, grad: Any = None) -> None:
        """Add d(output)/d(parameter) into ``parameter.grad`` for every parameter, as ``Tensor.backward`` does."""
        out = self._values[self.output]
        if grad is None:
            if out.size != 1:
                raise TapeError("backward() of a non-scalar output needs the upstream gradient `grad`")
            seed = self._output_backend.ones_like(out)
        else:
            seed = self._output_backend.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if seed.shape != out.shape:
                seed = np.broadcast_to(seed, out.shape).copy()
        grads = backward_pass(self.slots, self._inputs, self._values, self.output, seed, saved=self._saved)
        for slot in self.parameter_slots:
            g = grads.get(slot)
            if g is not None:
                tensor = self.slots[slot].tensor
                tensor.grad = g if tensor.grad is None else tensor.grad + g

    def compile(self, optimizer: Optimizer | None = None, keep: Sequence[Tensor] = (),
                backend: str = "auto") -> CompiledStep:
        """The step as one generated function per input shape: see :class:`gradwork.nn.compile.CompiledStep`.

        ``backend="auto"`` runs small steps as straight-line Python over floats
        and the rest as NumPy calls over preallocated buffers; "scalar" or
        "numpy" forces one (:mod:`gradwork.nn.compile`).
        """
        return CompiledStep(self, optimizer, [self.locate(t) for t in keep], backend)

    # ------------------------------------------------------------------ access
    def locate(self, tensor: Tensor) -> tuple[str, int]:
        """Where a traced node's value lives: ("value", slot) or ("saved", slot of the fused op keeping it)."""
        if id(tensor) in self._aliases:
            return "saved", self._aliases[id(tensor)]
        if id(tensor) in self._slot_of:
            return "value", self._slot_of[id(tensor)]
        if id(tensor) in self._folded:
            raise TapeError(f"{tensor.name or 'tensor'} was folded into a fused op (Tape(..., fuse=False) keeps it)")
        raise TapeError(f"{tensor.name or 'tensor'} is not a node of this tape")

    def value(self, tensor: Tensor) -> np.ndarray:
        """The value ``tensor`` (a node of the recorded graph) had in the last replay."""
        where, slot = self.locate(tensor)
        return self._values[slot] if where == "value" else self._saved[slot]

    @property
    def parameters(self) -> list[Tensor]:
        """The leaves that receive gradients, in topological order."""
        return [self.slots[i].tensor for i in self.parameter_slots]

    def __len__(self) -> int:
        """The number of op nodes replayed per forward pass."""
        return len(self._forward_plan)
