"""A :class:`~gradwork.nn.tape.Tape` compiled into one straight-line Python function per input shape.

Two back ends generate that function; ``Tape.compile(backend="auto")`` picks
one per set of input shapes:

* **scalar** (small steps): Python statements over floats, one per element,
  for the forward pass, the backward pass and the optimizer's update (SGD with
  or without momentum and weight decay, Adam), with the parameters read from
  and written back to their arrays once per call. For a 2-2-1 network NumPy's
  per-call overhead is nearly all of the cost; plain float arithmetic is many
  times cheaper. The source comes from each op's
  :class:`~gradwork.ops.scalar.Scalar` emitter. Chosen when every value of the
  step is float64, every op has a scalar emitter for its shapes, no array has
  more than :data:`SCALAR_MAX_ELEMENTS` elements and the generated step has at
  most :data:`SCALAR_MAX_OPERATIONS` arithmetic operations (+ - * /, math
  calls; a 4-8-8-3 network on one sample has about 830, a 2-4-2 one on a
  batch of 8 about 850); near 1,000 operations NumPy's vectorised calls cost
  as much, past it less (measured: docs/engine.md). A step that raises in Python
  float arithmetic (an overflow, a log of 0, a division by 0, where NumPy would
  give inf or NaN) is run again by the NumPy back end, which gives NumPy's
  numbers; the parameters are written back only after all arithmetic has
  succeeded.
* **numpy** (everything else): no loop, no dispatch and no allocation beyond
  NumPy's temporaries: every node writes into a preallocated buffer with
  ``out=`` ufuncs, and plain SGD updates the parameter arrays in place. The
  source comes from each op's float :class:`~gradwork.ops.registry.Kernel`; a
  node whose op has no kernel for its shapes calls the registered forward and
  VJP instead, so any traced graph compiles.

Both pull the VJPs back and sum them in the order of
:func:`gradwork.autodiff.backward_pass`, so the results equal the replay's to
rounding (tests/nn/test_compiled.py, tests/nn/test_scalar_step.py: 1e-12).

``print(step.source(x, t))`` shows the code generated for those shapes and
``step.backend_for(x, t)`` which back end runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import math

import numpy as np

from gradwork.autodiff import pull
from gradwork.ops.registry import KernelCall
from gradwork.ops.scalar import NAMESPACE as SCALAR_NAMESPACE
from gradwork.ops.scalar import ScalarCall, literal

BACKENDS = ("auto", "numpy", "scalar")
SCALAR_MAX_ELEMENTS = 64  # the largest array (input, parameter, value) the scalar back end takes
SCALAR_MAX_OPERATIONS = 1000  # the most arithmetic operations in a generated scalar step (auto)

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


class _Built:
    """The function generated for one set of input shapes, and how to call it."""

    __slots__ = ("run", "buffers", "source", "backend", "update")

    def __init__(self, run: Callable[..., Any], buffers: list[np.ndarray], source: str, backend: str,
                 update: str | None) -> None:
        self.run, self.buffers, self.source, self.backend = run, buffers, source, backend
        self.update = update  # the optimizer update done in the generated code: "sgd", "adam" or None


class CompiledStep:
    """``step(*arrays) -> loss``: forward, backward and the optimizer's update for one minibatch.

    The update runs inside the generated code, and ``p.grad`` is not set, for
    a plain :class:`~gradwork.nn.optim.SGD` (no momentum, no weight decay) on
    either back end, and on the scalar back end also for SGD with momentum or
    weight decay and for :class:`~gradwork.nn.optim.Adam` (their state, the
    velocity or the moments and the step count, is kept in the optimizer as
    its own ``step`` keeps it). Otherwise (another optimizer, or none) each
    parameter's ``p.grad`` is set to this step's gradient, as after
    ``zero_grad(); backward()``, and then ``optimizer.step()`` runs. On the
    NumPy back end the gradient arrays and the values read by :meth:`value`
    are the step's buffers, overwritten by the next call.

    ``backend``: "auto" (the scalar back end for steps within its size bound,
    see the module docstring), "numpy" or "scalar" (an error when the step has
    an op without a scalar emitter or a value that is not float64; no size
    bound).
    """

    def __init__(self, tape: Tape, optimizer: Optimizer | None, keep: Sequence[tuple[str, int]] = (),
                 backend: str = "auto") -> None:
        from gradwork.nn.optim import SGD, Adam

        if backend not in BACKENDS:
            raise ValueError(f"unknown compiled-step backend {backend!r} (expected one of {', '.join(BACKENDS)})")
        self.tape = tape
        self.optimizer = optimizer
        self.keep = list(keep)
        self.backend = backend
        self.in_place_sgd = type(optimizer) is SGD and not optimizer.momentum and not optimizer.weight_decay
        self._scalar_update = "sgd" if type(optimizer) is SGD else "adam" if type(optimizer) is Adam else None
        self._built: dict[tuple[Any, ...], _Built] = {}
        self._fallback: dict[tuple[Any, ...], _Built] = {}  # NumPy steps for scalar ones whose float arithmetic raised
        self._kept: dict[tuple[str, int], np.ndarray] = {}
        self._parameters = [tape.slots[i].tensor for i in tape.parameter_slots]
        self._dtypes = [tape.slots[i].dtype for i in tape.input_slots]
        frozen = optimizer.frozen if optimizer is not None else set()
        self._updated = [i for i in tape.parameter_slots if tape.slots[i].tensor.name not in frozen]

    # ------------------------------------------------------------------ running
    def __call__(self, *arrays: Any) -> Any:
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
            built = self._built[key] = self._build(arrays, self.backend)
        if built.backend == "scalar":
            try:
                loss, kept, grads = built.run(arrays)
            except (ArithmeticError, ValueError):  # NumPy's numbers (inf, NaN) instead, for this call
                built = self._fallback.get(key) or self._fallback.setdefault(key, self._build(arrays, "numpy"))
                loss, kept, grads = built.run(arrays, built.buffers)
        else:
            loss, kept, grads = built.run(arrays, built.buffers)
        if self.keep:
            self._kept = dict(zip(self.keep, kept))
        if built.update is None:
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
        return self._built_for(arrays).source

    def backend_for(self, *arrays: Any) -> str:
        """Which back end ("scalar" or "numpy") runs inputs shaped like ``arrays``."""
        return self._built_for(arrays).backend

    def _built_for(self, arrays: tuple[Any, ...]) -> _Built:
        arrays = tuple(np.asarray(a, dtype=self.tape.slots[i].dtype) for a, i in zip(arrays, self.tape.input_slots))
        key = tuple(a.shape for a in arrays)
        if key not in self._built:
            self._built[key] = self._build(arrays, self.backend)
        return self._built[key]

    def _build(self, arrays: tuple[np.ndarray, ...], backend: str) -> _Built:
        tape = self.tape
        saved_params = [p.grad for p in self._parameters]
        before = list(tape._values), list(tape._saved)
        tape.forward(*arrays)  # the shapes of every value and saved array for these inputs
        values, saved = list(tape._values), list(tape._saved)
        # The compiled step has buffers of its own: the tape need not keep this replay's arrays alive.
        tape._values[:], tape._saved[:] = before
        for p, kept_grad in zip(self._parameters, saved_params):
            p.grad = kept_grad
        if backend != "numpy":
            built = _ScalarBuilder(self, values, saved, bounded=backend == "auto").build()
            if built is not None:
                return built
            if backend == "scalar":
                raise ValueError("this step cannot run on the scalar back end (an op without a scalar emitter "
                                 "for its shapes, or a value that is not float64)")
        return self._build_numpy(values, saved)

    # ------------------------------------------------------------------ generating: the NumPy back end
    def _build_numpy(self, values: list[Any], saved: list[Any]) -> _Built:
        tape = self.tape
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
        fold_lr = self.in_place_sgd and np.shape(values[root]) == ()
        if fold_lr:
            namespace["OPT"] = self.optimizer
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
        if self.in_place_sgd:
            assert self.optimizer is not None
            namespace["OPT"] = self.optimizer
            if not fold_lr:
                lines.append("lr = OPT.lr")
            for i in self._updated:
                if i not in grad_name:
                    continue
                if fold_lr:
                    lines.append(f"v{i} -= {grad_name[i]}")
                elif owned[i]:
                    lines += [f"g{i} *= lr", f"v{i} -= g{i}"]
                else:
                    lines.append(f"v{i} -= lr * {grad_name[i]}")
        kept = ", ".join((f"v{slot}" if where == "value" else f"s{slot}") for where, slot in self.keep)
        grads = ", ".join(grad_name.get(i, "None") for i in parameters)
        lines.append(f"return v{root}, ({kept}{',' if self.keep else ''}), ({grads}{',' if parameters else ''})")

        header = ["def step(I, B):"]
        for n, i in enumerate(parameters):  # .data read at every call: an optimizer may replace the array
            namespace[f"T{n}"] = slots[i].tensor
            header.append(f"    v{i} = T{n}.data")
        header.append(f"    {''.join(f'v{i}, ' for i in tape.input_slots)}= I")
        if layout.names:
            header.append(f"    {''.join(f'{name}, ' for name in layout.names)}= B")
        source = "\n".join(header + ["    " + line for line in lines]) + "\n"
        exec(compile(source, "<gradwork compiled step>", "exec"), namespace)  # noqa: S102 (our own generated code)
        return _Built(namespace["step"], layout.allocate(), source, "numpy", "sgd" if self.in_place_sgd else None)




def _velocity(optimizer: Any, p: Any) -> np.ndarray:
    """SGD's momentum buffer of ``p``; zeros before the first step (v = mu 0 + g is PyTorch's first v = g)."""
    v = optimizer.velocity.get(id(p))
    if v is None:
        v = optimizer.velocity[id(p)] = np.zeros_like(p.data)
    return v


def _moments(optimizer: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Adam's first and second moment of ``p`` (zeros before the first step, as Adam starts them)."""
    if id(p) not in optimizer.m:
        optimizer.m[id(p)], optimizer.v[id(p)] = np.zeros_like(p.data), np.zeros_like(p.data)
    return optimizer.m[id(p)], optimizer.v[id(p)]


def slot_backend_ones(tape: Tape, value: np.ndarray) -> np.ndarray:
    """The seed of backward: d(output)/d(output) = 1, in the output's dtype."""
    return tape._output_backend.ones_like(value)


# ---------------------------------------------------------------------- the scalar back end
_ARITHMETIC = (" + ", " - ", " * ", " / ", "math.", "max(")


class _ScalarBuilder:
    """Straight-line Python over floats for one step: each element of each array is a local variable.

    Names: ``p{slot}_{k}`` parameters, ``x{slot}_{k}`` inputs, ``v{slot}_{k}``
    values, ``s{slot}_{k}`` what a fused op saved, ``g{slot}_{k}`` gradients,
    ``t{n}`` temporaries; ``k`` is the element's position in C order.
    """

    def __init__(self, step: CompiledStep, values: list[Any], saved: list[Any], bounded: bool) -> None:
        self.step, self.values, self.bounded = step, values, bounded
        self.saved: list[Any] = [None if value is None else np.asarray(value) for value in saved]  # 0-d: a scalar
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = dict(SCALAR_NAMESPACE)
        self.namespace.update(np=np, _velocity=_velocity, _moments=_moments)
        self.count = 0

    def temp(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def fits(self) -> bool:
        for value in [*self.values, *(s for s in self.saved if s is not None)]:
            if not isinstance(value, np.ndarray) or value.dtype != np.float64:
                return False
            if self.bounded and value.size > SCALAR_MAX_ELEMENTS:
                return False
        return True

    def build(self) -> _Built | None:
        if not self.fits():
            return None
        step, tape, values = self.step, self.step.tape, self.values
        slots = tape.slots
        names: list[list[str]] = [[] for _ in slots]
        header = ["def step(I):"]
        lines = self.lines

        def unpack(source: str, prefix: str, i: int) -> None:
            size = values[i].size
            names[i] = [f"{prefix}{i}_{k}" for k in range(size)]
            if values[i].ndim == 0:
                header.append(f"    {names[i][0]} = float({source})")
            else:
                header.append(f"    {', '.join(names[i])}, = {source}.ravel().tolist()")

        for n, i in enumerate(tape.parameter_slots):
            self.namespace[f"T{n}"] = slots[i].tensor  # its .data is read at every call (an optimizer may swap it)
            header.append(f"    P{n} = T{n}.data")
            unpack(f"P{n}", "p", i)
        for n, i in enumerate(tape.input_slots):
            unpack(f"I[{n}]", "x", i)

        # ---- forward
        for i, slot in enumerate(slots):
            if slot.role == "constant":
                names[i] = [self.constant(i, k, number) for k, number in enumerate(np.ravel(values[i]).tolist())]
                continue
            if slot.op is None:
                continue
            op = slot.op
            if op.scalar is None:
                return None
            names[i] = [f"v{i}_{k}" for k in range(values[i].size)]
            saved_names = None
            if op.save is not None:
                if not isinstance(self.saved[i], np.ndarray):
                    return None
                saved_names = [f"s{i}_{k}" for k in range(self.saved[i].size)]
            call = ScalarCall(names[i], values[i].shape, [names[j] for j in slot.inputs],
                              [values[j].shape for j in slot.inputs], slot.params, saved_names, self.temp)
            emitted = op.scalar.forward(call)
            if emitted is None:
                return None
            lines += [f"# {i}: {op.name}", *emitted]

        # ---- backward, in the driver's order: reverse topological, inputs in position order
        root = tape.output
        grads: dict[int, list[str | None]] = {root: ["1.0"] * values[root].size}
        for i in range(root, -1, -1):
            slot = slots[i]
            if i not in grads or slot.op is None:
                continue
            op = slot.op
            assert op.scalar is not None
            wanted = [(position, j) for position, j in enumerate(slot.inputs) if slots[j].requires_grad]
            if not wanted:
                continue
            saved_names = [f"s{i}_{k}" for k in range(self.saved[i].size)] if op.save is not None else None
            call = ScalarCall(names[i], values[i].shape, [names[j] for j in slot.inputs],
                              [values[j].shape for j in slot.inputs], slot.params, saved_names, self.temp)
            call.g = [name or "0.0" for name in grads[i]]
            call.g_is_one = i == root and values[root].ndim == 0
            if op.scalar.prelude is not None:
                prelude = op.scalar.prelude(call)
                if prelude is None:
                    return None
                lines += prelude[0]
                call.g = prelude[1]
            for position, j in wanted:
                emitted_vjp = op.scalar.vjp(call, position)
                if emitted_vjp is None or len(emitted_vjp[1]) != values[j].size:
                    return None
                statements, terms = emitted_vjp
                lines += [f"# d{op.name}/d{op.partial(position).wrt} -> {j}", *statements]
                have = grads.setdefault(j, [None] * values[j].size)
                for k, term in enumerate(terms):
                    if term is None:
                        continue
                    name = f"g{j}_{k}"
                    if have[k] is None:
                        lines.append(f"{name} = {term}")
                        have[k] = name
                    else:
                        lines.append(f"{name} = {name} + ({term})")

        # ---- the update, written back with everything else once all arithmetic is done
        update = step._scalar_update
        opt: Any = step.optimizer
        parameters = tape.parameter_slots
        write: list[str] = []
        self.namespace["OPT"] = opt
        if update == "sgd" and not opt.momentum and not opt.weight_decay:
            lines.append("lr = OPT.lr")
            for i in step._updated:
                if i not in grads:
                    continue
                for p, g in zip(names[i], grads[i]):
                    if g is not None:
                        lines.append(f"{p} = {p} - lr * {g}")
                write += self.store(f"P{parameters.index(i)}", names[i], values[i].shape)
        elif update == "sgd":
            lines.append("lr, mu, wd = OPT.lr, OPT.momentum, OPT.weight_decay")
            for n, i in enumerate(step._updated):
                if i not in grads:
                    continue
                state = [f"m{i}_{k}" for k in range(values[i].size)] if opt.momentum else []
                if state:
                    header.append(f"    S{n} = _velocity(OPT, T{parameters.index(i)})")
                    header.append(f"    {', '.join(state)}, = S{n}.ravel().tolist()")
                for k, (p, g) in enumerate(zip(names[i], grads[i])):
                    g_k = g or "0.0"
                    if opt.weight_decay:
                        lines.append(f"d = {g_k} + wd * {p}")
                        g_k = "d"
                    if state:
                        lines.append(f"{state[k]} = {state[k]} * mu + {g_k}")
                        g_k = state[k]
                    lines.append(f"{p} = {p} - lr * {g_k}")
                write += self.store(f"P{parameters.index(i)}", names[i], values[i].shape)
                if state:
                    write += self.store(f"S{n}", state, values[i].shape)
        elif update == "adam":
            lines += ["t = OPT.t + 1", "b1, b2, eps, wd = OPT.beta1, OPT.beta2, OPT.eps, OPT.weight_decay",
                      "one_b1, one_b2 = 1 - b1, 1 - b2",
                      "step_size, root = OPT.lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)"]
            for n, i in enumerate(step._updated):
                if i not in grads:
                    continue
                first = [f"m{i}_{k}" for k in range(values[i].size)]
                second = [f"u{i}_{k}" for k in range(values[i].size)]
                header += [f"    S{2 * n}, S{2 * n + 1} = _moments(OPT, T{parameters.index(i)})",
                           f"    {', '.join(first)}, = S{2 * n}.ravel().tolist()",
                           f"    {', '.join(second)}, = S{2 * n + 1}.ravel().tolist()"]
                for k, (p, g) in enumerate(zip(names[i], grads[i])):
                    g_k = g or "0.0"
                    if opt.weight_decay:
                        lines.append(f"d = {g_k} + wd * {p}")
                        g_k = "d"
                    lines += [f"{first[k]} = {first[k]} * b1 + one_b1 * {g_k}",
                              f"{second[k]} = {second[k]} * b2 + one_b2 * ({g_k} * {g_k})",
                              f"{p} = {p} - {first[k]} / (math.sqrt({second[k]}) / root + eps) * step_size"]
                write += self.store(f"P{parameters.index(i)}", names[i], values[i].shape)
                write += self.store(f"S{2 * n}", first, values[i].shape)
                write += self.store(f"S{2 * n + 1}", second, values[i].shape)
            write.append("OPT.t = t")
        lines += write

        # ---- what is handed back
        kept = []
        for where, slot_index in step.keep:
            if where == "value":
                kept.append(self.array(names[slot_index], values[slot_index].shape))
            else:
                kept.append(self.array([f"s{slot_index}_{k}" for k in range(self.saved[slot_index].size)],
                                       self.saved[slot_index].shape))
        handed = []
        if update is None:
            for i in parameters:
                reached = grads.get(i)
                handed.append("None" if reached is None else
                              self.array([g or "0.0" for g in reached], values[i].shape))
        loss = names[root][0] if values[root].ndim == 0 else self.array(names[root], values[root].shape)
        lines.append(f"return {loss}, ({''.join(k + ', ' for k in kept)}), ({''.join(g + ', ' for g in handed)})")

        body = [f"    {line}" for line in lines]
        if self.step.backend == "auto" and self.operations(body) > SCALAR_MAX_OPERATIONS:
            return None
        source = "\n".join(header + body) + "\n"
        exec(compile(source, "<gradwork compiled scalar step>", "exec"), self.namespace)  # noqa: S102 (generated here)
        return _Built(self.namespace["step"], [], source, "scalar", update)

    def constant(self, i: int, k: int, number: float) -> str:
        text = literal(number)
        if text is not None:
            return f"({text})"
        name = f"c{i}_{k}"
        self.namespace[name] = number
        return name

    @staticmethod
    def store(array: str, names: list[str], shape: tuple[int, ...]) -> list[str]:
        """Statements writing ``names`` back into the array called ``array``, in place."""
        if not shape:
            return [f"{array}[()] = {names[0]}"]
        if len(names) > 8:
            return [f"{array}.flat = [{', '.join(names)}]"]
        return [f"{array}[{', '.join(map(str, index))}] = {name}" for index, name in zip(np.ndindex(*shape), names)]

    @staticmethod
    def array(names: list[str], shape: tuple[int, ...]) -> str:
        if not shape:
            return f"np.array({names[0]})"
        return f"np.array([{', '.join(names)}]).reshape({shape!r})"

    @staticmethod
    def operations(body: list[str]) -> int:
        return sum(line.count(token) for line in body for token in _ARITHMETIC)
