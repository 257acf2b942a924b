"""A :class:`~gradwork.nn.tape.Tape` compiled into one straight-line Python function per input shape.

The generated function runs the forward pass, the backward pass and (for plain
SGD) the parameter update with no loop, no dispatch and no allocation beyond
NumPy's temporaries: every node writes into a preallocated buffer with ``out=``
ufuncs, and SGD updates the parameter arrays in place. The source comes from
each op's float :class:`~gradwork.ops.registry.Kernel` (written beside the op's
math in :mod:`gradwork.ops`); a node whose op has no kernel for its shapes
calls the registered forward and VJP instead, so any traced graph compiles.
The VJPs are pulled back and summed in the order of
:func:`gradwork.autodiff.backward_pass`, so the results equal the replay's to
rounding (tests/nn/test_compiled.py).

``print(step.source(x, t))`` shows the code generated for those shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import math
import operator

import numpy as np

from gradwork.autodiff import pull
from gradwork.ops.registry import KernelCall

if TYPE_CHECKING:
    from gradwork.nn.optim import Optimizer
    from gradwork.nn.tape import Tape


class _Layout:
    """The buffers one generated function uses, allocated for one set of input shapes."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.specs: list[tuple[tuple[int, ...], np.dtype]] = []

    def add(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> str:
        self.names.append(name)
        self.specs.append((tuple(shape), dtype))
        return name

    def allocate(self) -> list[np.ndarray]:
        return [np.zeros(shape, dtype=dtype) for shape, dtype in self.specs]


class CompiledStep:
    """``step(*arrays) -> loss``: forward, backward and the optimizer's update for one minibatch.

    With a plain :class:`~gradwork.nn.optim.SGD` (no momentum, no weight decay)
    the update runs inside the generated code, in place, and ``p.grad`` is not
    set. With any other optimizer (or none) each parameter's ``p.grad`` is set
    to this step's gradient, as after ``zero_grad(); backward()``, and then
    ``optimizer.step()`` runs. The gradient arrays and the values read by
    :meth:`value` are the step's buffers, overwritten by the next call.
    """

    def __init__(self, tape: Tape, optimizer: Optimizer | None, keep: Sequence[tuple[str, int]] = ()) -> None:
        from gradwork.nn.optim import SGD

        self.tape = tape
        self.optimizer = optimizer
        self.keep = list(keep)
        self.in_place_sgd = type(optimizer) is SGD and not optimizer.momentum and not optimizer.weight_decay
        self._built: dict[tuple[Any, ...], tuple[Callable[..., Any], list[np.ndarray], str]] = {}
        self._kept: dict[tuple[str, int], np.ndarray] = {}
        self._parameters = [tape.slots[i].tensor for i in tape.parameter_slots]
        self._dtypes = [tape.slots[i].dtype for i in tape.input_slots]
        frozen = optimizer.frozen if optimizer is not None else set()
        self._updated = [i for i in tape.parameter_slots if tape.slots[i].tensor.name not in frozen]

    # ------------------------------------------------------------------ running
    def __call__(self, *arrays: Any) -> np.ndarray:
        # Per call, this wrapper's Python is all there is besides the generated function: kept to plain loops.
        dtypes = self._dtypes
        if len(arrays) != len(dtypes):
            raise ValueError(f"expected {len(dtypes)} input arrays, got {len(arrays)}")
        shapes = []
        for a, dtype in zip(arrays, dtypes):
            if type(a) is not np.ndarray or (a.dtype is not dtype and a.dtype != dtype):
                arrays = tuple(np.asarray(b, dtype=d) for b, d in zip(arrays, dtypes))
                shapes = [a.shape for a in arrays]
                break
            shapes.append(a.shape)
        key = tuple(shapes)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build(arrays)
        loss, kept, grads = built[0](list(map(_data, self._parameters)), arrays, built[1])
        if self.keep:
            self._kept = dict(zip(self.keep, kept))
        if not self.in_place_sgd:
            for tensor, g in zip(self._parameters, grads):
                tensor.grad = g
            if self.optimizer is not None:
                self.optimizer.step()
        return loss

    def value(self, where: tuple[str, int]) -> np.ndarray:
        """A kept node's value in the last step (``where`` from :meth:`Tape.locate`)."""
        return self._kept[where]

    def source(self, *arrays: Any) -> str:
        """The Python source generated for inputs shaped like ``arrays``."""
        arrays = tuple(np.asarray(a, dtype=self.tape.slots[i].dtype) for a, i in zip(arrays, self.tape.input_slots))
        key = tuple(a.shape for a in arrays)
        if key not in self._built:
            self._built[key] = self._build(arrays)
        return self._built[key][2]

    # ------------------------------------------------------------------ generating
    def _build(self, arrays: tuple[np.ndarray, ...]) -> tuple[Callable[..., Any], list[np.ndarray], str]:
        tape = self.tape
        saved_params = [p.grad for p in self._parameters]
        before = list(tape._values), list(tape._saved)
        tape.forward(*arrays)  # the shapes of every value and saved array for these inputs
        values, saved = list(tape._values), list(tape._saved)
        # The compiled step has buffers of its own: the tape need not keep this replay's arrays alive.
        tape._values[:], tape._saved[:] = before
        for p, kept_grad in zip(self._parameters, saved_params):
            p.grad = kept_grad
        layout = _Layout()
        namespace: dict[str, Any] = {"np": np, "math": math, "pull": pull}
        lines: list[str] = []
        slots = tape.slots
        scratch_count = [0]

        def scratch_for(dtype: np.dtype) -> Callable[[tuple[int, ...]], str]:
            def scratch(shape: tuple[int, ...]) -> str:
                scratch_count[0] += 1
                return layout.add(f"t{scratch_count[0]}", shape, dtype)
            return scratch

        # ---- forward
        for i, slot in enumerate(slots):
            if slot.role == "input":
                continue
            if slot.role in ("parameter", "constant"):
                if slot.role == "constant":
                    namespace[f"v{i}"] = values[i]
                continue
            assert slot.op is not None
            op, args = slot.op, [f"v{j}" for j in slot.inputs]
            dtype = values[i].dtype
            kernel_lines = None
            if op.kernel is not None and all(isinstance(values[j], np.ndarray) for j in slot.inputs):
                saved_name = None
                if op.save is not None:
                    saved_name = layout.add(f"s{i}", np.shape(saved[i]), np.asarray(saved[i]).dtype)
                fcall = KernelCall(f"v{i}", args, values[i].shape, [values[j].shape for j in slot.inputs],
                                  slot.params, dtype, saved_name, scratch_for(dtype))
                kernel_lines = op.kernel.forward(fcall)
                if kernel_lines is not None:
                    layout.add(f"v{i}", values[i].shape, dtype)
                elif saved_name is not None:  # not used after all
                    layout.names.pop()
                    layout.specs.pop()
            if kernel_lines is not None:
                lines += [f"# {i}: {op.name}", *kernel_lines]
                continue
            namespace[f"op{i}"], namespace[f"bk{i}"], namespace[f"pr{i}"] = op, slot.backend, slot.params
            if op.save is not None:
                namespace[f"save{i}"] = op.save
                lines += [f"# {i}: {op.name} (registered)", f"v{i}, s{i} = save{i}(bk{i}, {', '.join(args)}, **pr{i})"]
            else:
                namespace[f"fwd{i}"] = op.forward
                lines += [f"# {i}: {op.name} (registered)", f"v{i} = fwd{i}(bk{i}, {', '.join(args)}, **pr{i})"]
            lines.append(f"v{i} = bk{i}.native(v{i})")

        # ---- backward, in the driver's order: reverse topological, inputs in position order
        root = tape.output
        scalar_root = np.shape(values[root]) == () and values[root].dtype == np.float64
        # d(loss)/d(loss) = 1: a Python float for a float64 scalar loss (kernels then skip multiplying by it).
        namespace["seed"] = 1.0 if scalar_root else slot_backend_ones(tape, values[root])
        grad_name: dict[int, str] = {root: "seed"}
        owned: dict[int, bool] = {root: False}
        for i in range(root, -1, -1):
            slot = slots[i]
            if i not in grad_name or slot.op is None:
                continue
            op = slot.op
            g = grad_name[i]
            dtype = values[i].dtype
            wanted = [(position, j) for position, j in enumerate(slot.inputs) if slots[j].requires_grad]
            if not wanted:
                continue
            call: KernelCall | None = None
            if op.kernel is not None and f"v{i}" in layout.names:
                call = KernelCall(f"v{i}", [f"v{j}" for j in slot.inputs], values[i].shape,
                                  [values[j].shape for j in slot.inputs], slot.params, dtype,
                                  f"s{i}" if op.save is not None else None, scratch_for(dtype))
                call.g = g
                call.g_is_one = g == "seed" and scalar_root
                call.g_writable = owned.get(i, False) and i != root
                if op.kernel.prelude is not None:
                    prelude = op.kernel.prelude(call)
                    if prelude is not None:
                        lines += prelude[0]
                        call.g = prelude[1]
            for position, j in wanted:
                kernel_lines = None
                first = j not in grad_name
                if call is not None:
                    target = f"g{j}" if first else None
                    call.d = layout.add(f"g{j}", values[j].shape, values[j].dtype) if first else \
                        scratch_for(values[j].dtype)(values[j].shape)
                    kernel_lines = op.kernel.vjp(call, position) if op.kernel is not None else None
                    if kernel_lines is None:  # give the buffer back
                        layout.names.pop()
                        layout.specs.pop()
                        if not first:
                            scratch_count[0] -= 1
                    else:
                        lines += [f"# d{op.name}/d{op.partial(position).wrt} -> {j}", *kernel_lines]
                        if first:
                            grad_name[j], owned[j] = target or call.d, True
                        elif owned[j]:
                            lines.append(f"g{j} += {call.d}")
                        else:
                            lines.append(f"g{j} = g{j} + {call.d}")
                            owned[j] = True
                            grad_name[j] = f"g{j}"
                if kernel_lines is not None:
                    continue
                namespace.setdefault(f"op{i}", op)
                namespace.setdefault(f"bk{i}", slot.backend)
                namespace.setdefault(f"pr{i}", slot.params)
                saved_arg = f"s{i}" if op.save is not None else "None"
                arguments = "(" + "".join(f"v{k}, " for k in slot.inputs) + ")"
                contribution = f"pull(op{i}, {position}, bk{i}, {g if call is None else call.g}, v{i}, {arguments}, " \
                               f"pr{i}, {saved_arg})"
                if first:
                    lines.append(f"g{j} = {contribution}")
                    grad_name[j], owned[j] = f"g{j}", False
                else:
                    lines.append(f"g{j} = g{j} + {contribution}")
                    owned[j] = True

        # ---- the update, and what is handed back
        parameters = tape.parameter_slots
        if self.in_place_sgd:
            assert self.optimizer is not None
            namespace["lr"] = self.optimizer.lr
            for i in self._updated:
                if i not in grad_name:
                    continue
                if owned[i]:
                    lines += [f"g{i} *= lr", f"v{i} -= g{i}"]
                else:
                    lines.append(f"v{i} -= lr * {grad_name[i]}")
        kept = ", ".join((f"v{slot}" if where == "value" else f"s{slot}") for where, slot in self.keep)
        grads = ", ".join(grad_name.get(i, "None") for i in parameters)
        lines.append(f"return v{root}, ({kept}{',' if self.keep else ''}), ({grads}{',' if parameters else ''})")

        header = [
            "def step(P, I, B):",
            f"    {''.join(f'v{i}, ' for i in parameters)}= P" if parameters else "    pass",
            f"    {''.join(f'v{i}, ' for i in tape.input_slots)}= I",
        ]
        if layout.names:
            header.append(f"    {''.join(f'{name}, ' for name in layout.names)}= B")
        source = "\n".join(header + ["    " + line for line in lines]) + "\n"
        exec(compile(source, "<gradwork compiled step>", "exec"), namespace)  # noqa: S102 (our own generated code)
        return namespace["step"], layout.allocate(), source


_data = operator.attrgetter("data")


def slot_backend_ones(tape: Tape, value: np.ndarray) -> np.ndarray:
    """The seed of backward: d(output)/d(output) = 1, in the output's dtype."""
    return tape._output_backend.ones_like(value)
