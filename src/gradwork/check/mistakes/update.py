"""Mistake models of the update step: its sign, its learning rate, a bias left out, the gradient written as the
update. Registered in :mod:`gradwork.check.mistakes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np

from gradwork.numbers.display import number_text
from gradwork.check.mistakes.registry import Look, Variant, mistake
from gradwork.check.model_parts import sgd_step
from gradwork.check.replay import Graph, Perturbation, Place


def _biases(graph: Graph) -> list[str]:
    named = {layer.bias for layer in graph.solution.layers if layer.bias}
    if named:
        return [name for name in graph.params if name in named]
    return [name for name in graph.params if name == "b" or name.endswith(".b")]


# ---------------------------------------------------------------- models of the update
@mistake("update_sign", "Gradient descent steps against the gradient: a parameter moves by minus the learning "
                        "rate times its gradient.", per_form=True)
def update_sign(graph: Graph) -> Iterator[Variant]:
    lr = graph.solution.optimizer.lr
    for name in graph.params if graph.updates else ():
        eta = graph.written.learning_rate.text()
        yield Variant("update_sign", name, f"your {graph.key_text('updated.' + name)} adds {eta} * "
                                           f"{graph.key_text('gradients.' + name)} instead of subtracting it",
                      Perturbation(learning_rates={name: -lr}))


@mistake("learning_rate", "The step is the gradient scaled by the learning rate (minus the rate times the gradient).")
def learning_rate(graph: Graph) -> Iterator[Variant]:
    lr = graph.solution.optimizer.lr
    one = 1 if graph.backend.name == "float" else graph.backend.asarray(1).item()
    if not graph.updates or lr == 1:
        return
    for name in graph.params:
        yield Variant("learning_rate", name, f"your {graph.key_text('updated.' + name)} leaves out the learning "
                                             f"rate {lr}",
                      Perturbation(learning_rates={name: one}))
    # The learning rate copied with its decimal point moved (0.5 read as 0.05 or 5).
    for shift, shown in ((1, "ten times"), (-1, "a tenth of")):
        if graph.backend.name == "float":
            written = format(Decimal(repr(float(lr))).scaleb(shift).normalize(), "f")
            misread: Any = float(written)
        else:
            misread = lr * one * 10 if shift > 0 else lr * one / 10
            written = number_text(misread, exact=True)
        for name in graph.params:
            if shift < 0 and _step_hidden(graph, name, misread):
                continue  # a tenth of the step vanishes in the tolerance: no different from no update at all
            yield Variant("learning_rate", name, f"your {graph.key_text('updated.' + name)} uses a learning rate "
                                                 f"of {written}, {shown} the given {number_text(lr, exact=True)}",
                          Perturbation(learning_rates={name: misread}))


def _step_hidden(graph: Graph, name: str, lr: Any) -> bool:
    """Is one SGD step of ``lr`` on parameter ``name`` within the teacher's tolerance of not stepping at all?"""
    tensor = graph.nodes[graph.params[name]]
    if tensor.grad is None or graph.backend.name != "float":
        return False
    before = np.asarray(tensor.data, dtype=np.float64)
    after = before - lr * np.asarray(tensor.grad, dtype=np.float64)
    return bool(np.all(graph.solution.marking.effective_tolerance.passes(before, after)))


@mistake("bias_not_updated", "Biases are parameters too: each moves by minus the learning rate times its gradient.")
def bias_not_updated(graph: Graph) -> Iterator[Variant]:
    for name in _biases(graph) if graph.updates else ():
        yield Variant("bias_not_updated", name,
                      f"your {graph.called(name)} is left at its initial value",
                      Perturbation(frozen=frozenset({name})), reveals=sgd_step(graph, name))


@mistake("gradient_as_update",
         "The update asks for the new parameter (the old one minus the learning rate times the gradient), not the "
         "gradient itself.", per_form=True)
def gradient_as_update(graph: Graph) -> Iterator[Variant]:
    def gradient(look: Look) -> Iterator[np.ndarray]:
        if look.place.kind == "updated":
            found = look.read(Place("grad", look.place.node))
            if found is not None:
                yield found

    if graph.updates:
        yield Variant("gradient_as_update", "update", "your numbers are the gradient, not the updated parameter",
                      observe=gradient, combines=True)
