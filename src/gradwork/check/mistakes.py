"""The catalog of mistake models: each a small, named change to the correct solve.

A model is one function, registered with :func:`mistake`, that looks at the
solved graph and yields the :class:`Variant` s it can produce there, one per
place it could happen (a softmax node, a weight matrix, a bias, ...). A
variant is either

* a :class:`~gradwork.check.replay.Perturbation`: the solve is replayed with
  that change, so the wrong number it predicts is *computed* (a VJP swapped for
  a wrong one, a factor on one gradient, log base 10, a learning rate
  dropped ...); or
* an ``observe`` function: a wrong way of *writing down* a number the solve
  produced (the gradient written where the update was asked, two entries
  swapped, a matrix written transposed, a value rounded too soon). It gets a
  :class:`Look` at one answered item and yields the numbers the student would
  then have written.

The checker tries every variant on every wrong answer and reports each model
whose prediction matches the student's number within the tolerance, with
``rule``: one sentence stating the correct rule.

Adding a model: write one function here, decorated with
``@mistake("code", "the correct rule in one sentence")``, that yields
variants. ``generic=True`` marks catch-all models (a factor, a sign,
rounding) that are reported only when no specific model explains the number.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.numbers.display import number_text
from gradwork.numbers.tolerance import Tolerance
from gradwork.check.convert import element
from gradwork.check.model_parts import (
    Log10, dropped, factor_rule, formula, ln10, over_ln10, sgd_step, square_rule, symbol_of, vjp_in_base_10,
)
from gradwork.check.replay import Graph, Perturbation, Place, Rounding, State, _cut, round_decimals, round_significant
from gradwork.problem.quantities import node_key
from gradwork.ops.registry import get_op, ops_of_kind, pitfalls_of

Observer = Callable[["Look"], Iterable[np.ndarray]]


@dataclass(frozen=True)
class Variant:
    """One way a model's mistake can happen in this problem."""

    code: str
    site: str  # where, in the problem's names: "output.a", "hidden.W", "hidden.b"
    note: str  # what the student did here, e.g. "used only the diagonal of softmax's Jacobian at output.a"
    perturbation: Perturbation | None = None
    observe: Observer | None = None
    combines: bool = False  # an observer also tried on top of each replayed mistake (not only the correct solve)
    rule: str | None = None  # the correct rule where it depends on the place (the loss as written); else the model's
    reveals: str = ""  # more of the note that gives the answer away (the right update's numbers): shown only with it
    generic: bool | None = None  # a catch-all here? None: as its model (a factor at a squared loss is specific)
    again_only: bool = False  # explains a number only as the same mistake again, once it has been charged

    @property
    def catch_all(self) -> bool:
        return MISTAKES[self.code].generic if self.generic is None else self.generic


@dataclass(frozen=True)
class Look:
    """What an ``observe`` function sees: one answered item and a solve's number for it."""

    graph: Graph
    state: State
    place: Place
    index: tuple[int, ...] | None
    given: np.ndarray
    tolerance: Tolerance

    @property
    def predicted(self) -> np.ndarray | None:
        return self.read(self.place)

    def read(self, place: Place) -> np.ndarray | None:
        full = self.state.read(place)
        if full is None or self.index is None:
            return full
        return np.asarray(full[element(self.index, full)])  # a one-unit scalar takes [0] as well


@dataclass(frozen=True)
class Mistake:
    code: str
    rule: str
    variants: Callable[[Graph], Iterable[Variant]]
    generic: bool = False


MISTAKES: dict[str, Mistake] = {}


def mistake(code: str, rule: str, generic: bool = False) -> Callable[[Callable[[Graph], Iterable[Variant]]], Callable]:
    """Register a mistake model under its docs/format.md diagnosis ``code``."""
    def register(function: Callable[[Graph], Iterable[Variant]]) -> Callable[[Graph], Iterable[Variant]]:
        if code in MISTAKES:
            raise ValueError(f"mistake {code!r} is registered twice")
        MISTAKES[code] = Mistake(code, rule, function, generic)
        return function
    return register


def variants_for(graph: Graph) -> list[Variant]:
    """Every variant of every registered model that fits this problem, in registry order."""
    return [variant for model in MISTAKES.values() for variant in model.variants(graph)]


# ---------------------------------------------------------------- helpers for the models
def _made_by(graph: Graph, *op_names: str) -> list[int]:
    return [i for i in range(len(graph.nodes)) if graph.op_name(i) in op_names]


def _pitfall_variants(graph: Graph, code: str) -> Iterator[Variant]:
    """One variant per node whose op carries a pitfall record with this code and a wrong VJP (ops/ registry):
    the solve replayed with that VJP, at the node (or, for ``at_input``, reported at its first input)."""
    for op, pitfall in pitfalls_of(code):
        wrong = pitfall.wrong_vjp()
        if wrong is None:
            continue
        for i in _made_by(graph, op.name):
            site = graph.inputs[i][0] if pitfall.at_input else i
            note = pitfall.note.format(at=graph.called(site),
                                       gradient=graph.key_text("gradients." + graph.label(site)))
            yield Variant(code, graph.label(site), note,
                          Perturbation(vjps={(i, pitfall.wrt): wrong}))


def _named_with_grad(graph: Graph) -> list[int]:
    return [i for i in graph.name_of if graph.requires_grad(i)]


def _scaled(factor: float) -> Callable[[Any, np.ndarray], np.ndarray]:
    return lambda bk, x: x * factor if bk.name == "float" else x * bk.asarray(factor)


def _half(bk: Any, x: np.ndarray) -> np.ndarray:
    return x / 2


def _biases(graph: Graph) -> list[str]:
    named = {layer.bias for layer in graph.solution.layers if layer.bias}
    if named:
        return [name for name in graph.params if name in named]
    return [name for name in graph.params if name == "b" or name.endswith(".b")]


# ---------------------------------------------------------------- mistakes found per student, not per problem
@mistake("other_variant",
         "Each student answers their own variant of the exercise: its numbers, worked out from its own data.")
def other_variant(graph: Graph) -> Iterator[Variant]:
    return iter(())  # found by comparing with the other variants' keys (gradwork.check.checker.Checker)


@mistake("misread_data",
         "Copy the given numbers exactly as the problem states them (inputs, target, initial weights, "
         "learning rate) before computing with them.")
def misread_data(graph: Graph) -> Iterator[Variant]:
    return iter(())  # made by the student's own copy of given data (gradwork.check.checker.Checker)


# ---------------------------------------------------------------- models that change the backward pass
@mistake("softmax_diagonal_jacobian",
         "Softmax's Jacobian is ds_i/dz_j = s_i([i = j] - s_j): every output depends on every input, "
         "so dL/dz = s * (g - <g, s>), not just the diagonal s_i(1 - s_i) g_i.")
def softmax_diagonal_jacobian(graph: Graph) -> Iterator[Variant]:
    # The wrong VJPs are the ops' own pitfall records: softmax's diagonal s_i(1 - s_i), and cross-entropy's
    # dL/dz chained through that diagonal where softmax is fused into the loss (dL/dz = p - t, no Jacobian left).
    yield from _pitfall_variants(graph, "softmax_diagonal_jacobian")


@mistake("relu_at_zero",
         "ReLU has no derivative at exactly 0; the problem fixes the value used there (relu_grad_at_zero), "
         "and it applies wherever an input to ReLU is exactly 0.")
def relu_at_zero(graph: Graph) -> Iterator[Variant]:
    for i in _made_by(graph, *(op.name for op, _ in pitfalls_of("relu_at_zero"))):
        x = graph.nodes[graph.inputs[i][0]].data
        if x.dtype != object and not np.any(x == 0):
            continue
        own = graph.nodes[i].params.get("at_zero", 0)
        vjp = graph.nodes[i].op.partial(0).vjp  # type: ignore[union-attr]
        for value in (0, 0.5, 1):
            if value == own:
                continue
            yield Variant("relu_at_zero", graph.label(i),
                          f"your number takes ReLU'(0) = {value} at {graph.called(i)} (the problem uses {own})",
                          Perturbation(vjps={(i, 0): lambda bk, g, out, x, value=value, vjp=vjp, **p:
                                             vjp(bk, g, out, x, **{**p, "at_zero": value})}))




@mistake("activation_derivative",
         "Each activation has its own derivative, evaluated where the rule says: sigma'(z) = a(1 - a) and "
         "tanh'(z) = 1 - a^2 use the output a, x^2 and ReLU use the input z.")
def activation_derivative(graph: Graph) -> Iterator[Variant]:
    activations = {graph.names[layer.a] for layer in graph.solution.layers
                   if layer.a != layer.z and layer.a in graph.names}
    activations |= set(_made_by(graph, *(op.name for op in ops_of_kind("activation") if op.elementwise)))
    for i in sorted(activations):
        op = graph.nodes[i].op
        if op is None or not op.elementwise:
            continue
        trainable = [p for p, j in enumerate(graph.inputs[i]) if graph.requires_grad(j)]
        if len(trainable) != 1:
            continue
        position = trainable[0]
        vjp = op.partial(position).vjp
        where = graph.label(i)
        # the rule in the problem's own symbols for this node: σ' here is a⁽²⁾ (1 - a⁽²⁾)
        own = formula(op.partial(position).text, symbol_of(graph, i), symbol_of(graph, graph.inputs[i][position]),
                      graph.nodes[i].params)
        rule = (f"The derivative of {op.display_text} here is {own}, and every gradient that passes back through "
                f"{graph.called(i)} is multiplied by it.") if "$" not in own else None

        def at_output(bk, g, out, *args, vjp=vjp, position=position, **p):
            inputs = list(args)
            inputs[position] = out
            return vjp(bk, g, out, *inputs, **p)

        def at_input(bk, g, out, *args, vjp=vjp, position=position, **p):
            return vjp(bk, g, args[position], *args, **p)

        def left_out(bk, g, out, *args, **p):
            return g

        yield Variant("activation_derivative", where,
                      f"your number leaves out the derivative of {op.display_text} at {graph.called(i)}",
                      Perturbation(vjps={(i, position): left_out}), rule=rule)
        yield Variant("activation_derivative", where,
                      f"your number evaluates {op.display_text}'s derivative at its output instead of its input "
                      f"at {graph.called(i)}",
                      Perturbation(vjps={(i, position): at_output}), rule=rule)
        yield Variant("activation_derivative", where,
                      f"your number evaluates {op.display_text}'s derivative at its input instead of its output "
                      f"at {graph.called(i)}",
                      Perturbation(vjps={(i, position): at_input}), rule=rule)
        if position == 0 and op.arity == 1:
            yield from _another_derivative(graph, i, op)


def _another_derivative(graph: Graph, i: int, op: Any) -> Iterator[Variant]:
    """Another activation's derivative used for this one's (σ' = h(1 - h) for tanh', ReLU' for leaky ReLU').

    Which other activation is the op's own pitfall record (``instead_of``, ops/
    registry). The other op's registered VJP is run with this node's own input and
    output, which is what a student who writes the wrong rule computes. Its
    formula is printed in the problem's symbols for this node.
    """
    out_symbol, in_symbol = symbol_of(graph, i), symbol_of(graph, graph.inputs[i][0])
    params = graph.nodes[i].params
    own = formula(op.partial(0).text, out_symbol, in_symbol, params)
    for pitfall in op.pitfalls:  # the op's own records: Pitfall("activation_derivative", instead_of=...)
        vjp = pitfall.wrong_vjp()
        if pitfall.code != "activation_derivative" or pitfall.instead_of is None or vjp is None:
            continue
        other = get_op(pitfall.instead_of)
        written = formula(other.partial(0).text, out_symbol, in_symbol, params)
        yield Variant(
            "activation_derivative", graph.label(i),
            f"your number uses {other.display_text}'s derivative, {written}, in place of "
            f"{op.display_text}'s at {graph.called(i)}",
            Perturbation(vjps={(i, 0): lambda bk, g, out, x, vjp=vjp, **p: vjp(bk, g, out, x)}),
            rule=f"The derivative of {op.display_text} here is {own}; {written} is {other.display_text}'s "
                 f"derivative, which holds only for {other.display_text}.")


@mistake("missed_path",
         "A value used in several places gets the sum of the gradients along every path: a skip connection "
         "adds its own term, and x*x (or x0 times a vector holding x0) has two product-rule terms.")
def missed_path(graph: Graph) -> Iterator[Variant]:
    # Paths inside the loss formula (log y and log(1 - y) in BCE) are the loss's own derivative, not a
    # skip connection or a product rule of the network: the loss models (log_base_10, sign, ...) cover them.
    inside_loss = graph.inside_loss()
    for j in range(len(graph.nodes)):
        if not graph.requires_grad(j) or len(graph.consumers[j]) < 2:
            continue
        shape = graph.nodes[j].shape
        for consumer, position in graph.consumers[j]:
            if not graph.requires_grad(consumer) or consumer in inside_loss:
                continue
            registered = graph.nodes[consumer].op.partial(position).vjp  # type: ignore[union-attr]
            path = f"the path from {graph.called(j)} through {graph.called(consumer)}"
            yield Variant("missed_path", graph.label(j), f"your number leaves out {path}",
                          Perturbation(vjps={(consumer, position): dropped(registered, position, shape, None)}))
            if 1 < int(np.prod(shape)) <= 16:  # one term of it: the product-rule term of a single element
                for element in np.ndindex(*shape):
                    at = node_key(graph.label(j), element)
                    yield Variant("missed_path", at, f"your number leaves out the term that {path} adds to {at}",
                                  Perturbation(vjps={(consumer, position):
                                                     dropped(registered, position, shape, element)}))


@mistake("updated_weights_in_backward",
         "Backpropagate through the weights of the forward pass; update the parameters only after every "
         "gradient has been computed.")
def updated_weights_in_backward(graph: Graph) -> Iterator[Variant]:
    if graph.updates and len(graph.params) > 1:
        yield Variant("updated_weights_in_backward", "backward pass",
                      "your number backpropagates through already-updated weights",
                      Perturbation(backward_with_updated=True))


# ---------------------------------------------------------------- models that change a number along the way
@mistake("batch_mean",
         "A batch's loss is the mean of its samples' losses, so its 1/n is in the loss and in every gradient "
         "below it.")
def batch_mean(graph: Graph) -> Iterator[Variant]:
    """The batch's 1/n left out (gradients or the loss n times too large), or put in where the batch sums."""
    solution = graph.solution
    given = solution.values.get("input") if solution.form == "network" else None
    shape: tuple[int, ...] = tuple(np.shape(given)) if given is not None else ()
    if graph.loss is None or len(shape) != 2 or shape[0] < 2:
        return
    n = int(shape[0])
    mean = solution.batch_reduction == type(solution).batch_reduction  # the default, "mean": not the op's name
    transform = _scaled(n) if mean else (lambda bk, x: x / n if bk.name == "float" else x / bk.asarray(n))
    what = f"leaves out the batch mean's 1/{n} ({n} samples)" if mean else \
        f"divides by the batch size {n}"
    rule = None if mean else \
        f"Here {graph.written.loss.text()} is the sum of the {n} samples' losses, not their mean: no 1/{n} anywhere."

    for i in _named_with_grad(graph):
        yield Variant("batch_mean", f"d{graph.written.loss.plain()}/d{graph.label(i)}",
                      f"your {graph.key_text('gradients.' + graph.name_of[i])} {what}",
                      Perturbation(grad_transforms={i: transform}), rule=rule)
    yield Variant("batch_mean", graph.label(graph.loss), f"your {graph.called(graph.loss)} {what}",
                  Perturbation(value_transforms={graph.loss: transform}), rule=rule)


@mistake("factor_half",
         "The 1/2 in 1/2 (t - y)^2 is there to cancel the 2 of the square's derivative: it is used once, "
         "and no other factor 1/2 enters the chain rule.", generic=True)
def factor_half(graph: Graph) -> Iterator[Variant]:
    yield from _scalings(graph, "factor_half", _half, "halves")


@mistake("factor_2",
         "d/dy 1/2 (t - y)^2 = -(t - y): the 1/2 cancels the 2 of the square's derivative, so no factor 2 "
         "remains (and a factor 2 belongs only where a term really appears twice).", generic=True)
def factor_2(graph: Graph) -> Iterator[Variant]:
    yield from _scalings(graph, "factor_2", _scaled(2), "doubles")


@mistake("sign",
         "Carry every minus sign through the chain: d(t - y)/dy = -1, and dL/dy of 1/2 (t - y)^2 is y - t.",
         generic=True)
def sign(graph: Graph) -> Iterator[Variant]:
    yield from _scalings(graph, "sign", lambda bk, x: -x, "flips the sign of", values=True)


def _scalings(graph: Graph, code: str, transform: Any, verb: str, values: bool = False) -> Iterator[Variant]:
    """One variant per named gradient (and, for ``values``, per named computed value; always the loss)."""
    loss = graph.written.loss.plain()
    for i in _named_with_grad(graph):
        square = square_rule(graph, i, code)  # the factor of the squared-error loss as written: a specific mistake
        yield Variant(code, f"d{loss}/d{graph.label(i)}",
                      f"your number {verb} {graph.key_text('gradients.' + graph.name_of[i])}",
                      Perturbation(grad_transforms={i: transform}),
                      rule=square or factor_rule(graph, code), generic=False if square else None)
    value_sites = [i for i in graph.name_of if graph.nodes[i].op is not None] if values else []
    if graph.loss is not None and graph.loss not in value_sites:
        value_sites.append(graph.loss)
    for i in value_sites:
        yield Variant(code, graph.label(i), f"your number {verb} {graph.called(i)}",
                      Perturbation(value_transforms={i: transform}), rule=factor_rule(graph, code))


@mistake("log_base_10",
         "Logs in losses are natural logs (ln), not log10.")
def log_base_10(graph: Graph) -> Iterator[Variant]:
    bk = graph.backend
    base10 = Log10(bk)
    for i in range(len(graph.nodes)):
        tensor = graph.nodes[i]
        if tensor.op is None:
            continue
        arguments = [graph.nodes[j].data for j in graph.inputs[i]]
        try:
            with np.errstate(all="ignore"):
                changed = tensor.op.forward(base10, *arguments, **tensor.params)
        except (ValueError, TypeError, ArithmeticError):
            continue
        if _same(np.asarray(changed), tensor.data):
            continue
        op = tensor.op
        def forward(bk, *args, op=op, **p):
            return op.forward(Log10(bk), *args, **p)

        yield Variant("log_base_10", graph.label(i), f"your number uses log10 in {graph.called(i)}",
                      Perturbation(forwards={i: forward}))
        if _same(np.asarray(changed), np.asarray(tensor.data) / ln10(bk)):
            # log-linear here (a log, or a sum of t log p terms): the derivative in base 10 is the natural one
            # over ln 10, which a VJP written without logs (1/x, (y - t)/(y(1 - y))) would not show
            vjps = {(i, position): over_ln10(op.partial(position).vjp) for position in range(len(arguments))}
        else:
            vjps = {(i, position): vjp_in_base_10(op, position) for position in range(len(arguments))}
        yield Variant("log_base_10", graph.label(i), f"your numbers use log10 in {graph.called(i)} and its derivative",
                      Perturbation(forwards={i: forward}, vjps=vjps))
        # A loss whose logs hide inside a fused formula (cross-entropy on logits computes log softmax as
        # z - log sum exp z) is not log10'd by swapping the backend's log; a loss that uses logs is a sum
        # of t log p terms, so in base 10 it is the natural value over ln 10.
        scaled = np.asarray(tensor.data) / ln10(bk)
        natural = any(pitfall.code == "log_base_10" for pitfall in op.pitfalls)  # log softmax: the log is inside
        if (op.term is not None or natural) and not _same(np.asarray(changed), scaled):
            def over(bk, *args, op=op, **p):
                return op.forward(bk, *args, **p) / ln10(bk)

            yield Variant("log_base_10", graph.label(i), f"your number uses log10 in {graph.called(i)}",
                          Perturbation(forwards={i: over}))
            vjps = {(i, position): over_ln10(op.partial(position).vjp) for position in range(len(arguments))}
            yield Variant("log_base_10", graph.label(i),
                          f"your numbers use log10 in {graph.called(i)} and its derivative",
                          Perturbation(forwards={i: over}, vjps=vjps))


@mistake("transposed",
         "Read a weight matrix in the problem's convention: row means z = x W + b with W of shape [in, out], "
         "column means z = W x + b with W of shape [out, in].")
def transposed(graph: Graph) -> Iterator[Variant]:
    convention = graph.solution.convention
    other = {"row": "column (z = W x + b)", "column": "row (z = x W + b)"}.get(convention or "", "other")

    def swap(bk, x):
        return x.T

    for name, i in graph.params.items():
        if graph.nodes[i].ndim == 2:
            yield Variant("transposed", name, f"your number reads {graph.called(name)} in the {other} convention",
                          Perturbation(value_transforms={i: swap}, grad_transforms={i: swap}))

    def written_transposed(look: Look) -> Iterator[np.ndarray]:
        predicted = look.predicted
        if predicted is not None and predicted.ndim == 2 and predicted.shape[0] != 1 != predicted.shape[1]:
            yield predicted.T

    yield Variant("transposed", "layout", "your matrix is the expected one written transposed",
                  observe=written_transposed, combines=True)


# ---------------------------------------------------------------- models of the update
@mistake("update_sign", "Gradient descent steps against the gradient: a parameter moves by minus the learning "
                        "rate times its gradient.")
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
         "gradient itself.")
def gradient_as_update(graph: Graph) -> Iterator[Variant]:
    def gradient(look: Look) -> Iterator[np.ndarray]:
        if look.place.kind == "updated":
            found = look.read(Place("grad", look.place.node))
            if found is not None:
                yield found

    if graph.updates:
        yield Variant("gradient_as_update", "update", "your numbers are the gradient, not the updated parameter",
                      observe=gradient, combines=True)


# ---------------------------------------------------------------- models of writing numbers down
@mistake("swapped_entries", "Each entry has its own place: check which index is the row and which the column.")
def swapped_entries(graph: Graph) -> Iterator[Variant]:
    def swap_two(look: Look) -> Iterator[np.ndarray]:
        predicted = look.predicted
        if predicted is None or predicted.size < 2 or predicted.shape != look.given.shape:
            return
        wrong = np.flatnonzero(~look.tolerance.passes(look.given, predicted))
        if len(wrong) == 2:
            swapped = predicted.copy().reshape(-1)
            a, b = wrong
            if predicted.ndim == 2 and np.unravel_index(b, predicted.shape) == \
                    np.unravel_index(a, predicted.shape)[::-1]:
                return  # two entries mirrored across the diagonal: the matrix written transposed (its own model)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            yield swapped.reshape(predicted.shape)

    yield Variant("swapped_entries", "entries", "your array is the expected one with two entries swapped",
                  observe=swap_two)


@mistake("rounding",
         "Keep full precision in intermediate steps and round only the final answer, to the nearest digit "
         "(not truncated).", generic=True)
def rounding(graph: Graph) -> Iterator[Variant]:
    if graph.backend.name != "float":
        return

    def rounded_at_the_end(look: Look) -> Iterator[np.ndarray]:
        predicted = look.predicted
        if predicted is None or predicted.dtype == object:
            return
        places = look.tolerance.places if look.tolerance.kind != "rtol" else 6
        # Only worth trying if the answer is near the prediction at all (one digit of the coarsest rounding).
        reach = float(np.max(np.abs(predicted), initial=0.0))  # no rounding moves a number further than this
        reach = max(reach, 1.0) if look.tolerance.kind == "digits" else max(reach, 1e-12)
        if np.shape(look.given) == predicted.shape and not np.all(
                np.abs(look.given - predicted)[np.isfinite(look.given)] <= reach):
            return
        same_shape = np.shape(look.given) == predicted.shape and look.given.dtype != object
        ways, stacks = _roundings(predicted, look.tolerance.kind, places)
        nearest = None
        if same_shape and predicted.size > 1:
            # Each number rounded on its own, a half either way: 0.675 is 0.67 to a program that rounds its
            # binary value and 0.68 on a calculator, so each element takes the one nearest what was written
            # (for every precision at once: stacks[k] is precision k's [rounded, rounded half down]).
            chosen = np.argmin(np.abs(stacks - np.asarray(look.given, dtype=np.float64)), axis=1)
            nearest = np.take_along_axis(stacks, chosen[:, None], axis=1)[:, 0].astype(predicted.dtype, copy=False)
        for k, rounded in enumerate(ways):
            yield from rounded
            if nearest is not None:
                yield nearest[k]

    def rounded_along_the_way(look: Look) -> Iterator[np.ndarray]:
        # A student who rounds every number to f figures also rounds numbers nobody asked for (2(y - t) before
        # the batch's 1/n): the answer drifts a few units of its own last figure from what their written numbers
        # give. Only as the same rounding again, once it has been charged.
        predicted, given = look.predicted, look.given
        if predicted is None or predicted.dtype == object or given.dtype == object or \
                np.shape(given) != np.shape(predicted):
            return
        band = DRIFT_UNITS * last_figure_units(given)
        yield predicted + np.clip(given - predicted, -band, band)

    yield Variant("rounding", "final answer", "your number is the right result rounded or cut off too early",
                  observe=rounded_at_the_end)
    yield Variant("rounding", "along the way", "your number follows from your own numbers rounded along the way",
                  observe=rounded_along_the_way, again_only=True)
    for figures in (2, 3):
        yield Variant("rounding", "intermediate values",
                      f"your number follows from intermediate values rounded to {figures} significant figures",
                      Perturbation(round_to=figures))


ROUNDINGS: tuple[Rounding, ...] = ("round", "round_even", "truncate")
_ROUNDED: dict[tuple[Any, ...], tuple[list[list[np.ndarray]], np.ndarray]] = {}
_ROUNDED_KEPT = 4096  # predictions whose roundings are kept (the correct solve's, shared by a whole class)


def _roundings(predicted: np.ndarray, kind: str, places: int) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """rounded_at_the_end's numbers that do not depend on the answer, computed once per prediction (a class's
    students are diagnosed against the same solve): per precision, the prediction in each of the ROUNDINGS, and
    the stack [rounded, rounded a half toward zero] (float64; one row per precision). Read-only arrays."""
    key = (kind, places, predicted.dtype.str, predicted.shape, predicted.tobytes())
    found = _ROUNDED.get(key)
    if found is not None:
        return found
    decimals = kind == "digits"
    precisions = range(0 if decimals else 1, places + 1)
    if not isinstance(predicted, np.ndarray):  # a NumPy scalar, which the rounding functions leave as it is
        ways = [[round_decimals(predicted, precision, mode) if decimals else
                 round_significant(predicted, precision, mode) for mode in ROUNDINGS] for precision in precisions]
        return ways, np.zeros(0)
    # round_decimals / round_significant / round_half_down for every precision and mode at once: each
    # precision's scale is computed exactly as they compute it (the same NumPy call on the same array), the rest
    # is exact elementwise arithmetic (products, quotients, floor, rint, trunc), the same numbers on one stack.
    a = np.asarray(predicted, dtype=np.float64)
    magnitude = np.abs(a)
    with np.errstate(all="ignore"):
        if decimals:
            scales = np.array([np.full_like(a, 10.0 ** precision) for precision in precisions])
        else:
            exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
            scales = np.array([10.0 ** (precision - 1 - exponent) for precision in precisions])
        x = a * scales
        by_mode = [_cut(x, mode) / scales for mode in ROUNDINGS]
        if not decimals:  # round_significant: 0 stays 0
            by_mode = [np.where(magnitude > 0, cut, 0.0) for cut in by_mode]
        by_mode = [cut.astype(predicted.dtype, copy=False) for cut in by_mode]
        ways = [[cut[k, ...] for cut in by_mode] for k in range(len(precisions))]
        stack = np.zeros(0)
        if predicted.size > 1:
            y = magnitude * scales
            down = np.sign(a) * np.maximum(np.ceil(y - 0.5 - 1e-9 * np.maximum(y, 1.0)), 0.0) / scales
            stack = np.stack([np.asarray(by_mode[0], dtype=np.float64), down], axis=1)
    for array in (*(a for row in ways for a in row), stack):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    if len(_ROUNDED) >= _ROUNDED_KEPT:
        _ROUNDED.clear()
    _ROUNDED[key] = (ways, stack)
    return ways, stack
DRIFT_UNITS = 2.5  # how far (in units of its last written figure) rounding along the way may move a number


def last_figure_units(given: np.ndarray) -> np.ndarray:
    """One unit of the last figure of each number as written (0.75 -> 0.01, 12 -> 1, 0.0 -> 0); NaN (blank): 0."""
    out = np.zeros(np.shape(given), dtype=np.float64)
    flat = np.asarray(given, dtype=np.float64).reshape(-1)
    for k, value in enumerate(flat.tolist()):
        if value == value and value not in (math.inf, -math.inf) and value != 0:
            unit = _last_figure_unit(value)
            if unit is not None:
                out.reshape(-1)[k] = unit
    return out


@functools.lru_cache(maxsize=8192)
def _last_figure_unit(value: float) -> float | None:
    """One unit of the last figure of a finite, non-zero number (None where Decimal gives no integer exponent);
    a class writes the same numbers again and again."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return 10.0 ** exponent if isinstance(exponent, int) else None


def round_half_down(array: np.ndarray, precision: int, decimals: bool) -> np.ndarray:
    """``array`` to ``precision`` decimal places or significant figures, a half (or a hair over: floating-point
    noise) toward zero: 0.675 and 0.67500000001 become 0.67; the other halves are rounded as usual."""
    a = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(a)
    if decimals:
        scale = np.full_like(a, 10.0 ** precision)
    else:
        safe = np.where(magnitude > 0, magnitude, 1.0)
        scale = 10.0 ** (precision - 1 - np.floor(np.log10(safe)))
    y = magnitude * scale
    return np.sign(a) * np.maximum(np.ceil(y - 0.5 - 1e-9 * np.maximum(y, 1.0)), 0.0) / scale


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        return bool(np.all(a == b))
    if a.size <= 64:  # np.allclose's test, on Python floats: a small array costs a fraction of its ~20 us
        for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
            if x == y or (x != x and y != y):  # equal (infinities too), or both NaN
                continue
            if not abs(x - y) <= 1e-12 * abs(y) or abs(y) == math.inf:
                return False
        return True
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))


def same_numbers(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Are two solves' numbers for a place the same (up to floating-point noise)?"""
    if a is None or b is None:
        return a is b
    return _same(np.asarray(a), np.asarray(b))

