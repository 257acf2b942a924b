"""The NumPy back end of :mod:`gradwork.nn.compile`: a training step as NumPy calls over preallocated buffers.

No loop, no dispatch and no allocation beyond NumPy's temporaries: every node writes into a preallocated buffer
with ``out=`` ufuncs, and plain SGD updates the parameter arrays in place. The source comes from each op's float
:class:`~gradwork.ops.registry.Kernel`; a node whose op has no kernel for its shapes calls the registered forward
and VJP instead, so any traced graph compiles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import math

import numpy as np

from gradwork.autodiff import pull
from gradwork.nn.step_function import Built
from gradwork.ops.registry import KernelCall

if TYPE_CHECKING:
    from gradwork.nn.compile import CompiledStep
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


def build_numpy(step: CompiledStep, values: list[Any], saved: list[Any]) -> Built:
    """The NumPy step for the value and saved arrays of one forward pass (their shapes and dtypes)."""
    tape = step.tape
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
    # With plain SGD and a scalar loss, backward starts from lr instead of 1: every gradient is then lr times
    # dL/dparameter (the VJPs are linear in the upstream gradient), and the update is one subtraction per
    # parameter, with no scaling pass over each gradient (p.grad is not set on this path).
    fold_lr = step.in_place_sgd and np.shape(values[root]) == ()
    if fold_lr:
        namespace["OPT"] = step.optimizer
        lines.append("seed = OPT.lr")
        scalar_root = False  # the seed is no longer 1
    else:
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
    if step.in_place_sgd:
        assert step.optimizer is not None
        namespace["OPT"] = step.optimizer
        if not fold_lr:
            lines.append("lr = OPT.lr")
        for i in step._updated:
            if i not in grad_name:
                continue
            if fold_lr:
                lines.append(f"v{i} -= {grad_name[i]}")
            elif owned[i]:
                lines += [f"g{i} *= lr", f"v{i} -= g{i}"]
            else:
                lines.append(f"v{i} -= lr * {grad_name[i]}")
    kept = ", ".join((f"v{slot}" if where == "value" else f"s{slot}") for where, slot in step.keep)
    grads = ", ".join(grad_name.get(i, "None") for i in parameters)
    lines.append(f"return v{root}, ({kept}{',' if step.keep else ''}), ({grads}{',' if parameters else ''})")

    header = ["def step(I, B):"]
    for n, i in enumerate(parameters):  # .data read at every call: an optimizer may replace the array
        namespace[f"T{n}"] = slots[i].tensor
        header.append(f"    v{i} = T{n}.data")
    header.append(f"    {''.join(f'v{i}, ' for i in tape.input_slots)}= I")
    if layout.names:
        header.append(f"    {''.join(f'{name}, ' for name in layout.names)}= B")
    source = "\n".join(header + ["    " + line for line in lines]) + "\n"
    exec(compile(source, "<gradwork compiled step>", "exec"), namespace)  # noqa: S102 (our own generated code)
    return Built(namespace["step"], layout.allocate(), source, "numpy", "sgd" if step.in_place_sgd else None)


def slot_backend_ones(tape: Tape, value: np.ndarray) -> np.ndarray:
    """The seed of backward: d(output)/d(output) = 1, in the output's dtype."""
    return tape._output_backend.ones_like(value)

