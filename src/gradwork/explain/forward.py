"""The derivation's forward-pass and loss sections: each layer's sums and activations, unit by unit
where a layer is small enough to show them, then the loss written out term by term and evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradwork.explain.formulas import formula_loss
from gradwork.explain.graph import NamedGraph, element, loss_divisor, value_expr
from gradwork.explain.layerwise import weight_index
from gradwork.explain.math import Array, Call, Expr, Neg, Number, OpTemplate, Product, Quotient, Relation, Sum
from gradwork.explain.math import Symbol, substitute
from gradwork.explain.steps import Compute, Section
from gradwork.ops import Op
from gradwork.problem import Solution


MAX_EXPANDED_UNITS = 8  # beyond this many units (or inputs per unit) a layer is shown in matrix form only


# ---------------------------------------------------------------- forward


def forward_section(solution: Solution, graph: NamedGraph) -> Section:
    steps: list = []
    layer_of_z = {layer.z: layer for layer in solution.layers}
    layer_of_a = {layer.a: layer for layer in solution.layers}
    for name, tensor in solution.nodes.items():
        if tensor.op is None or name == "loss" or graph.name(tensor) != name or tensor is solution.loss:
            continue  # the loss gets its own section: printed once
        symbol = graph.symbols.get(name)
        if symbol is None:
            continue
        formula = graph.formula(tensor)
        parts: tuple[Relation, ...] = ()
        if name in layer_of_z:
            parts = _unit_sums(solution, graph, layer_of_z[name])
        elif name in layer_of_a:
            parts = _unit_activations(graph, layer_of_a[name])
        substituted = substitute(formula, _named_values(graph, tensor))
        note = None
        if name in layer_of_z and layer_of_z[name].a == name:
            note = "The activation is the identity, so a = z."
        steps.append(Compute(name, "forward", symbol, formula, substituted, value_expr(tensor.data), note, parts))
    return Section("Forward pass", "forward", tuple(steps))


def _named_values(graph: NamedGraph, tensor) -> dict[Expr, Expr]:
    mapping: dict[Expr, Expr] = {}
    for child in graph.named_inputs(tensor):
        symbol = graph.symbol(child)
        if symbol is not None:
            mapping.update(graph.element_values(symbol, child))  # w[0] picked from w: its number
            mapping[symbol] = value_expr(child.data)
    return mapping


def _unit_sums(solution: Solution, graph: NamedGraph, layer) -> tuple[Relation, ...]:
    """z_k = sum_j x_j w_jk + b_k with numbers, one line per unit (small single-sample layers)."""
    W = graph.tensor(layer.weight)
    x = graph.tensor(layer.input)
    z = graph.tensor(layer.z)
    if x.ndim != 1 or layer.fan_in > MAX_EXPANDED_UNITS or layer.fan_out > MAX_EXPANDED_UNITS:
        return ()
    b = graph.tensor(layer.bias) if layer.bias else None
    x_sym, w_sym, z_sym = graph.symbols[layer.input], graph.symbols[layer.weight], graph.symbols[layer.z]
    b_sym = graph.written(layer.bias) if layer.bias else Symbol("b")
    lines = []
    for k in range(layer.fan_out):
        terms: list[Expr] = []
        numbers: list[Expr] = []
        for j in range(layer.fan_in):
            w_index = weight_index(layer, solution.convention, j, k)
            terms.append(Product((element(x_sym, (j,)), element(w_sym, w_index))))
            numbers.append(Product((Number(x.data[j]), Number(W.data[w_index]))))
        if b is not None:
            b_index = () if b.ndim == 0 else ((k,) if b.size > 1 else (0,))
            terms.append(element(b_sym, b_index if b.ndim else ()) if b.ndim else b_sym)
            numbers.append(Number(b.data[b_index] if b.ndim else b.data.item()))
        z_index = (k,) if z.ndim == 1 else ()
        z_value = z.data[z_index] if z.ndim else z.data.item()
        lhs = element(z_sym, z_index) if z_index else z_sym
        lines.append(Relation((lhs, Sum(tuple(terms)), Sum(tuple(numbers)), Number(z_value))))
    return tuple(lines)


def _unit_activations(graph: NamedGraph, layer) -> tuple[Relation, ...]:
    a, z = graph.tensor(layer.a), graph.tensor(layer.z)
    if a.op is None or not a.op.elementwise or a.ndim > 1 or a.size > MAX_EXPANDED_UNITS or a.size == 1:
        return ()
    a_sym, z_sym = graph.symbols[layer.a], graph.symbols[layer.z]
    formula = graph.formula(a)
    lines = []
    for k in range(a.size):
        at_k = substitute(formula, {z_sym: element(z_sym, (k,))})
        with_numbers = substitute(formula, {z_sym: Number(z.data[k])})
        lines.append(Relation((element(a_sym, (k,)), at_k, with_numbers, Number(a.data[k]))))
    return tuple(lines)


# ---------------------------------------------------------------- loss


def loss_section(solution: Solution, graph: NamedGraph) -> Section:
    loss = solution.loss
    assert loss is not None
    steps: list = []
    formula = graph.formula(loss)
    substituted = substitute(formula, _named_values(graph, loss))
    op = loss.op
    if op is not None and op.term is not None and loss.inputs[0].size <= MAX_LOSS_TERMS and \
            all(t is solution.output or t is solution.target or graph.name(t) for t in loss.inputs):
        formula, substituted = _expanded_loss(graph, loss)
    elif op is not None and op.term is not None:
        substituted = None  # too many terms to write out: the formula and the result
    written = formula_loss(solution, graph)
    if written is not None:  # a formula loss in the problem's symbols, its numbers in the same places
        formula, substituted = written.expression, written.substituted
    note = None
    if any(node.op is not None and _natural_log(node.op) for node in graph.order):
        note = "Logs are natural logs (ln)."
    steps.append(Compute(graph.name(loss) or "loss", "loss", graph.loss_symbol, formula, substituted,
                         value_expr(loss.data), note))
    return Section("Loss", "loss", tuple(steps))


MAX_LOSS_TERMS = 12  # a loss over more outputs (or samples × outputs) than this is not written out term by term


def _expanded_loss(graph: NamedGraph, loss) -> tuple[Expr, Expr]:
    """A named loss written out over its outputs (and samples): (1/D) Σ term(y, t), with numbers.

    D is what the loss divides by (the samples of a batch, the outputs of a mean loss), written as a number.
    """
    op = loss.op
    y, t = loss.inputs
    y_sym = graph.symbol(y) or Symbol("y")
    t_sym = graph.symbol(t) or Symbol("t")
    if op.inner is not None and any(n.endswith(".p") for n in graph.solution.nodes) and \
            np.shape(loss.inputs[1].data) == np.shape(y.data):
        return _cross_entropy_loss(graph, loss, t_sym)
    terms, numbers = [], []
    indices = list(np.ndindex(y.shape)) or [()]
    per_sample = op.inner is not None  # cross-entropy: its term is a whole sample's −t·log softmax(y)
    if per_sample:
        indices = list(np.ndindex(y.shape[:-1])) or [()]
    for index in indices:
        y_k = element(y_sym, index) if index else y_sym
        t_k = element(t_sym, index) if index and t.ndim else t_sym
        y_val = value_expr(y.data[index]) if index else value_expr(y.data)
        t_val = t.data[index] if index and t.ndim else (t.data if per_sample else t.data.reshape(-1)[0])
        terms.append(OpTemplate(op.name, "term", (("y", y_k), ("t", t_k))))
        numbers.append(OpTemplate(op.name, "term", (("y", y_val), ("t", _exact_value(t_val)))))
    return _summed(terms, numbers, loss)


def _summed(formulas: Sequence[Expr], numbers: Sequence[Expr], loss) -> tuple[Expr, Expr]:
    """The loss's terms summed (one stands alone) and divided by its divisor where it averages."""
    formula: Expr = formulas[0] if len(formulas) == 1 else Sum(tuple(formulas))
    substituted: Expr = numbers[0] if len(numbers) == 1 else Sum(tuple(numbers))
    divisor = loss_divisor(loss)
    if divisor > 1:
        formula = Quotient(formula, Number(divisor, exact=True))
        substituted = Quotient(substituted, Number(divisor, exact=True))
    return formula, substituted


def _cross_entropy_loss(graph: NamedGraph, loss, t_sym: Symbol) -> tuple[Expr, Expr]:
    """Cross-entropy in the probabilities p of the forward pass, a scalar sum of scalars:
    −(t₁ ln(p₁) + t₂ ln(p₂)) for a sample, (−(…) − (…)) / N over a batch."""
    solution = graph.solution
    p_name = next(name for name in solution.nodes if name.endswith(".p"))
    p, p_sym = solution.nodes[p_name], graph.symbols.get(p_name, Symbol("p"))
    t = loss.inputs[1]
    rows = [()] if p.ndim == 1 else [(n,) for n in range(p.shape[0])]
    formulas, numbers = [], []
    for row in rows:
        f_terms, n_terms = [], []
        for k in range(p.shape[-1]):
            index = row + (k,)
            f_terms.append(Product((element(t_sym, index), Call("ln", (element(p_sym, index),)))))
            n_terms.append(Product((Number(np.asarray(t.data, dtype=object)[index], exact=True),
                                    Call("ln", (Number(np.asarray(p.data, dtype=object)[index]),)))))
        formulas.append(Neg(Sum(tuple(f_terms))))
        numbers.append(Neg(Sum(tuple(n_terms))))
    return _summed(formulas, numbers, loss)


def _exact_value(value) -> Expr:
    array = np.asarray(value, dtype=object)
    if array.ndim == 0:
        return Number(array.item(), exact=True)
    return Array(tuple(Number(v, exact=True) for v in array.ravel().tolist()))



def _natural_log(op: Op) -> bool:
    """Whether the op takes a log (its records include the natural-log pitfall)."""
    return any(record.code == "log_base_10" for record in op.pitfalls)
