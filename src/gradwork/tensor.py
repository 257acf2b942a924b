"""The tensor node and reverse-mode backward.

A :class:`Tensor` wraps a NumPy array (float, or object arrays of fractions or
SymPy expressions), the backend its numbers live in, and, when it was computed
by an op while gradients are recorded, the op, its input tensors and the op's
parameters. That record is the computation graph: backward walks it, and the
explainers and graph drawings read it.

Semantics (documented in docs/engine.md):

* ``backward()`` adds d(self)/d(node) into ``node.grad`` for every node that
  requires a gradient, intermediate nodes included (so derivations can show
  every gradient). Calling it twice adds twice, as in PyTorch; call
  :func:`zero_grad` (or ``tensor.zero_grad()``) between independent passes.
* Inside ``with no_grad():`` ops record nothing.
* Floats are float64 unless a tensor is created with ``dtype="float32"``.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from gradwork.autodiff import accumulate, pull
from gradwork.backends import Backend, combine, get_backend
from gradwork.ops import OPS, get_op
from gradwork.ops.registry import Array, Op

_recording: contextvars.ContextVar[bool] = contextvars.ContextVar("gradwork_recording", default=True)
_next_serial = itertools.count().__next__
_DEFAULT_BACKEND = get_backend("float")
_FLOAT64 = np.dtype("float64")
_ndarray = np.ndarray


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block ops build no graph (for evaluation and parameter updates)."""
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


def is_recording() -> bool:
    return _recording.get()


class Tensor:
    """An array with an optional gradient and the op that computed it."""

    __slots__ = ("data", "backend", "grad", "requires_grad", "op", "inputs", "params", "name", "saved", "serial",
                 "__weakref__")
    __array_priority__ = 1000  # make ndarray + Tensor dispatch to Tensor.__radd__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        *,
        name: str | None = None,
        dtype: str | None = None,
        backend: Backend | str | None = None,
    ) -> None:
        if backend is None and (dtype is None or dtype == "float64"):
            backend = _DEFAULT_BACKEND
            # The common case (a float64 array) needs no conversion and no checks beyond its dtype.
            native = type(data) is _ndarray and data.dtype == _FLOAT64
        else:
            if isinstance(backend, str):
                backend = get_backend(backend, dtype)
            elif backend is None:
                backend = get_backend("float", dtype)
            native = _is_native(data, backend)
        self.backend: Backend = backend
        self.data: np.ndarray = data if native else backend.asarray(data)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.op: Op | None = None
        self.inputs: tuple[Tensor, ...] = ()
        self.params: dict[str, Any] = {}
        self.name = name
        self.saved: Any = None  # what the op's `save` kept for its VJPs (cross-entropy's softmax)
        self.serial = _next_serial()  # creation order: inputs are always made before the nodes that use them

    # ------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def T(self) -> Tensor:
        return apply("transpose", self)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> Any:
        return self.data.item()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        label = f" name={self.name!r}" if self.name else ""
        made = f" op={self.op.name}" if self.op else ""
        return f"Tensor({self.data!r}{label}{made}, requires_grad={self.requires_grad})"

    def detach(self) -> Tensor:
        return Tensor(self.data, backend=self.backend, name=self.name)

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------ backward
    def backward(self, grad: Any = None) -> None:
        """Add d(self)/d(node), weighted by ``grad``, into ``node.grad`` for every node upstream.

        ``grad`` defaults to 1 and must be given for a non-scalar tensor (the
        upstream gradient of a vector function).
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError("backward() of a non-scalar tensor needs the upstream gradient `grad`")
            seed = self.backend.ones_like(self.data)
        else:
            seed = self.backend.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if seed.shape != self.shape:
                seed = np.broadcast_to(seed, self.shape).copy()
        # The recorded graph is already what the driver walks: Tensors are linked nodes ordered by serial.
        # Each gradient is added into node.grad (as PyTorch accumulates) as soon as it is complete.
        accumulate(self, seed)

    def pullback(self, g: np.ndarray, position: int) -> Array:
        """The upstream gradient ``g`` of this node, pulled back to its input ``position``."""
        assert self.op is not None
        return pull(self.op, position, self.backend, g, self.data, [t.data for t in self.inputs], self.params,
                    self.saved)

    # ------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        return apply("add", self, other)

    def __radd__(self, other: Any) -> Tensor:
        return apply("add", other, self)

    def __sub__(self, other: Any) -> Tensor:
        return apply("sub", self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return apply("sub", other, self)

    def __mul__(self, other: Any) -> Tensor:
        return apply("mul", self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return apply("mul", other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply("div", self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply("div", other, self)

    def __neg__(self) -> Tensor:
        return apply("neg", self)

    def __pow__(self, other: Any) -> Tensor:
        return apply("pow", self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return apply("pow", other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply("matmul", self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply("matmul", other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return apply("index", self, index=_normalize_index(index))

    # Elementwise functions and reductions as methods, for fluent use.
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply("sum", self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply("mean", self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply("max", self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply("min", self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply("reshape", self, shape=tuple(shape))

    def transpose(self, axes: Any = None) -> Tensor:
        return apply("transpose", self, axes=None if axes is None else tuple(axes))

    def exp(self) -> Tensor:
        return apply("exp", self)

    def log(self) -> Tensor:
        return apply("log", self)

    def sqrt(self) -> Tensor:
        return apply("sqrt", self)

    def abs(self) -> Tensor:
        return apply("abs", self)

    def sigmoid(self) -> Tensor:
        return apply("sigmoid", self)

    def tanh(self) -> Tensor:
        return apply("tanh", self)

    def relu(self, at_zero: float = 0) -> Tensor:
        return apply("relu", self, at_zero=at_zero)


def _is_native(data: Any, backend: Backend) -> bool:
    if not isinstance(data, np.ndarray):
        return False
    if backend.name == "float":
        return bool(data.dtype == np.dtype(backend.dtype))
    return data.dtype == object and (data.size == 0 or _element_kind_ok(data, backend))


def _element_kind_ok(data: np.ndarray, backend: Backend) -> bool:
    first = data.flat[0]
    if backend.name == "exact":
        from fractions import Fraction

        return isinstance(first, Fraction)
    return hasattr(first, "free_symbols")  # a SymPy expression


def _normalize_index(index: Any) -> Any:
    """Lists in an index mean a gather (NumPy fancy indexing); keep them hashable-free but NumPy-ready."""
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(np.asarray(i) if isinstance(i, list) else i for i in index)
    return index


def as_tensor(value: Any, backend: Backend | None = None) -> Tensor:
    """``value`` as a Tensor; a plain number or array becomes a constant in ``backend``."""
    if isinstance(value, Tensor):
        return value
    return Tensor(value, backend=backend or _DEFAULT_BACKEND)


def apply(op_name: str, *operands: Any, **params: Any) -> Tensor:
    """Run the op ``op_name`` forward on ``operands`` and, if recording, remember how."""
    op = OPS.get(op_name)
    if op is None:
        op = get_op(op_name)  # raises, naming the registered ops
    # Every op of the eager engine passes here, so the usual case (one or two tensors of one backend) is
    # checked first without a loop: no generators, no conversions.
    count = len(operands)
    if count == 2:
        first, second = operands
        if type(first) is Tensor and type(second) is Tensor and first.backend is second.backend:
            backend = first.backend
            inputs: tuple[Tensor, ...] = operands
            recording = first.requires_grad or second.requires_grad
        else:
            backend, inputs, recording = _gather(operands)
    elif count == 1 and type(operands[0]) is Tensor:
        inputs = operands
        backend = operands[0].backend
        recording = operands[0].requires_grad
    else:
        backend, inputs, recording = _gather(operands)
    if recording:
        recording = _recording.get()
    save = op.save if recording else None
    saving = save is not None
    function: Callable[..., Any] = save if save is not None else op.forward
    # The usual one or two inputs are passed positionally (a call through *args costs as much as a small
    # NumPy operation), and 0-d values as NumPy scalars where the backend allows it and every input is one
    # (Backend.unbox_0d: cheaper arithmetic; the result is boxed again below). Beside an array, a 0-d input
    # stays an array: NumPy converts a 0-d array operand faster than a scalar one.
    if count == 2:
        a, b = inputs[0].data, inputs[1].data
        if backend.unbox_0d and a.ndim == 0 and b.ndim == 0:
            a = a[()]
            b = b[()]
        result = function(backend, a, b, **params) if params else function(backend, a, b)
    elif count == 1:
        a = inputs[0].data
        if backend.unbox_0d and a.ndim == 0:
            a = a[()]
        result = function(backend, a, **params) if params else function(backend, a)
    else:
        result = function(backend, *[t.data for t in inputs], **params)
    if saving:
        data, saved = result
    else:
        data, saved = result, None
    out = _new_tensor(Tensor)  # not __init__: the data is made native here and the backend is known
    # An array of the backend's own dtype is native already (checked here: a method call per op adds up).
    if type(data) is not _ndarray or data.dtype is not backend.array_dtype:
        # A 0-d result unboxed above comes back a NumPy scalar of the backend's own type: one C call boxes it.
        data = _box(data) if type(data) is backend.scalar_type else backend.native(data)
    out.data = data
    out.backend = backend
    out.grad = out.name = None
    out.serial = _next_serial()
    if recording:
        out.requires_grad = True
        out.op = op
        out.inputs = inputs
        out.params = params
        out.saved = saved
    else:
        out.requires_grad = False
        out.op = out.saved = None
        out.inputs = ()
        out.params = {}
    return out


_new_tensor = object.__new__
_box = np.asarray


def _gather(operands: tuple[Any, ...]) -> tuple[Backend, tuple[Tensor, ...], bool]:
    """``apply``'s operands as tensors of one backend (the richest of theirs), and whether any requires a gradient."""
    backend: Backend | None = None
    recording = False
    for operand in operands:
        if type(operand) is not Tensor or (backend is not None and operand.backend is not backend):
            backend = None
            break
        backend = operand.backend
        if operand.requires_grad:
            recording = True
    if backend is not None:
        return backend, operands, recording
    tensors = [o for o in operands if isinstance(o, Tensor)]
    backend = combine([t.backend for t in tensors]) if tensors else _DEFAULT_BACKEND
    inputs = tuple(_in_backend(o, backend) for o in operands)
    return backend, inputs, any(t.requires_grad for t in inputs)


def _in_backend(value: Any, backend: Backend) -> Tensor:
    if not isinstance(value, Tensor):
        return Tensor(value, backend=backend)
    if value.backend is backend or \
            value.backend.name == backend.name == "float" and value.backend.dtype == backend.dtype:
        return value
    if value.backend.name == backend.name and backend.name != "float":
        return value
    # Promote: constants follow the richer backend; recorded tensors are converted
    # through a view that keeps their gradient path.
    if value.requires_grad:
        converted = Tensor(backend.asarray(value.data), backend=backend)
        converted.requires_grad = True
        converted.op = get_op("reshape")
        converted.inputs = (value,)
        converted.params = {"shape": value.shape}
        return converted
    return Tensor(backend.asarray(value.data), backend=backend, name=value.name)




def topological_order(root: Tensor) -> list[Tensor]:
    """Every node that ``root`` depends on, inputs before the nodes that use them.

    Iterative depth-first search, so a 10,000-op chain does not touch Python's
    recursion limit.
    """
    order: list[Tensor] = []
    seen: set[int] = {id(root)}
    stack: list[tuple[Tensor, int]] = [(root, 0)]
    while stack:
        node, next_input = stack.pop()
        if next_input < len(node.inputs):
            stack.append((node, next_input + 1))
            child = node.inputs[next_input]
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, 0))
        else:
            order.append(node)
    return order


def zero_grad(tensors: Iterable[Tensor]) -> None:
    """Forget the gradients of ``tensors`` (before an independent backward pass)."""
    for tensor in tensors:
        tensor.grad = None
