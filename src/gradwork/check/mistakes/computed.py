"""Mistake models of computing: a wrong VJP, a path missed, a factor, a sign or log base 10 along the way, a
matrix read in the other layout; each replays the solve with that change (or, for a matrix written transposed,
observes a number as written). Registered in :mod:`gradwork.check.mistakes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from gradwork.check.mistakes.compare import same_arrays
from gradwork.check.mistakes.registry import Look, Variant, mistake
from gradwork.check.model_parts import (
    Log10, dropped, factor_rule, formula, ln10, over_ln10, square_rule, symbol_of, vjp_in_base_10,
)
from gradwork.check.replay import Graph, Perturbation
from gradwork.problem.quantities import node_key
from gradwork.ops.registry import get_op, ops_of_kind, pitfalls_of


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
         "so dL/dz = s * (g - <g, s>), not just the diagonal s_i(1 - s_i) g_i.", per_form=True)
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
         "tanh'(z) = 1 - a^2 use the output a, x^2 and ReLU use the input z.", per_form=True)
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
         "adds its own term, and x*x (or x0 times a vector holding x0) has two product-rule terms.", per_form=True)
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
         "gradient has been computed.", per_form=True)
def updated_weights_in_backward(graph: Graph) -> Iterator[Variant]:
    if graph.updates and len(graph.params) > 1:
        yield Variant("updated_weights_in_backward", "backward pass",
                      "your number backpropagates through already-updated weights",
                      Perturbation(backward_with_updated=True))


# ---------------------------------------------------------------- models that change a number along the way
@mistake("batch_mean",
         "A batch's loss is the mean of its samples' losses, so its 1/n is in the loss and in every gradient "
         "below it.", per_form=True)
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
         "and no other factor 1/2 enters the chain rule.", generic=True, per_form=True)
def factor_half(graph: Graph) -> Iterator[Variant]:
    yield from _scalings(graph, "factor_half", _half, "halves")


@mistake("factor_2",
         "d/dy 1/2 (t - y)^2 = -(t - y): the 1/2 cancels the 2 of the square's derivative, so no factor 2 "
         "remains (and a factor 2 belongs only where a term really appears twice).", generic=True, per_form=True)
def factor_2(graph: Graph) -> Iterator[Variant]:
    yield from _scalings(graph, "factor_2", _scaled(2), "doubles")


@mistake("sign",
         "Carry every minus sign through the chain: d(t - y)/dy = -1, and dL/dy of 1/2 (t - y)^2 is y - t.",
         generic=True, per_form=True)
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
        if same_arrays(np.asarray(changed), tensor.data):
            continue
        op = tensor.op
        def forward(bk, *args, op=op, **p):
            return op.forward(Log10(bk), *args, **p)

        yield Variant("log_base_10", graph.label(i), f"your number uses log10 in {graph.called(i)}",
                      Perturbation(forwards={i: forward}))
        if same_arrays(np.asarray(changed), np.asarray(tensor.data) / ln10(bk)):
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
        if (op.term is not None or natural) and not same_arrays(np.asarray(changed), scaled):
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
         "column means z = W x + b with W of shape [out, in].", per_form=True)
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
