"""The scalar back end of :mod:`gradwork.nn.compile`: a small training step as straight-line Python over floats.

Python statements over floats, one per element, for the forward pass, the backward pass and the optimizer's
update (SGD with or without momentum and weight decay, Adam), with the parameters read from and written back to
their arrays once per call. The source comes from each op's :class:`~gradwork.ops.scalar.Scalar` emitter. The
bounds that ``backend="auto"`` keeps to are :data:`SCALAR_MAX_ELEMENTS` and :data:`SCALAR_MAX_OPERATIONS` (why
those: the docstring of :mod:`gradwork.nn.compile`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.nn.step_function import Built
from gradwork.ops.scalar import NAMESPACE as SCALAR_NAMESPACE
from gradwork.ops.scalar import ScalarCall, literal

if TYPE_CHECKING:
    from gradwork.nn.compile import CompiledStep

SCALAR_MAX_ELEMENTS = 64  # the largest array (input, parameter, value) the scalar back end takes
SCALAR_MAX_OPERATIONS = 1000  # the most arithmetic operations in a generated scalar step (auto)

_ARITHMETIC = (" + ", " - ", " * ", " / ", "math.", "max(")


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


class ScalarBuilder:
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

    def build(self) -> Built | None:
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
        return Built(self.namespace["step"], [], source, "scalar", update)

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
