"""Chain style: each scalar gradient as a product of numbered factors, each derived once, as seed 002."""

from __future__ import annotations


from typing import Any, Literal

import numpy as np

from gradwork.explain.formulas import formula_loss, sympy_tree
from gradwork.explain.graph import NamedGraph, element, loss_divisor
from gradwork.explain.layerwise import (
    asked,
    grad,
    activation_formula,
    activation_jacobian,
    is_zero,
    sum_terms,
    value_at,
    weight_index,
)
from gradwork.explain.math import (
    Derivative,
    Expr,
    Label,
    Neg,
    Number,
    OpTemplate,
    Product,
    Quotient,
    Relation,
    Sum,
    Symbol,
    substitute,
)
from gradwork.explain.matrix import matrix_single
from gradwork.explain.steps import ChainProduct, Factor, Prose
from gradwork.ops import get_op
from gradwork.problem import LayerInfo, Solution
from gradwork.backends import get_backend

MAX_CHAIN_PATHS = 8  # a scalar weight with more chain-rule paths than this is explained by its delta
MAX_CHAIN_WEIGHTS = 64


class _Factors:
    """Numbered chain-rule factors, each derived once (with its numbers) and referred to by label afterwards."""

    def __init__(self) -> None:
        self.labels: dict[Any, int] = {}
        self.steps: list = []
        self.values: dict[int, Any] = {}

    def label(self, key: Any, derivative: Derivative, formula: Expr | None, value: Any, node: str | None,
              substituted: Expr | None = None) -> tuple[int, bool]:
        if key in self.labels:
            return self.labels[key], True
        number = len(self.labels) + 1
        self.labels[key] = number
        self.values[number] = value
        self.steps.append(Factor(number, derivative, formula, Number(value), node, substituted))
        return number, False


def _labels_product(paths: list[list[int]], values: dict[int, Any]) -> tuple[Expr, Expr]:
    """Σ over paths of the labels' product: as labels, and with each label's value in its place."""
    def one(path: list[int], numbers: bool) -> Expr:
        items = tuple(Number(values[label]) if numbers else Label(label) for label in path)
        return items[0] if len(items) == 1 else Product(items)
    return sum_terms([one(p, False) for p in paths]), sum_terms([one(p, True) for p in paths])


def chain_network(solution: Solution, graph: NamedGraph) -> list:
    """Each weight's gradient as a product of numbered factors, Mazur's way.

    A factor is derived once with numbers in every place (① ∂L/∂a = −(t − a) = −(0.01 − 0.7514) = 0.7414);
    a hidden unit's ∂L/∂a is one labelled sub-result (the sum over the units it feeds, each path a
    product of labels already derived), computed once and reused by every weight into that unit.
    """
    factors = _Factors()
    out: list = []
    L = graph.loss_symbol
    layers = solution.layers
    local = {layer.name: activation_jacobian(graph, layer) for layer in layers}
    loss = solution.loss
    assert loss is not None

    written = formula_loss(solution, graph)  # a loss written as a formula, in the problem's symbols
    inner = loss.op.inner if loss.op is not None else None  # cross-entropy applies softmax to y itself
    fused_softmax = inner is not None  # its probabilities p are the forward pass's
    p_name = next((name for name in solution.nodes if name.endswith(".p")), None)

    def emit() -> None:
        out.extend(factors.steps[len(emitted):])
        emitted.extend(factors.steps[len(emitted):])

    emitted: list = []

    def loss_factor(m: int) -> int:
        last = layers[-1]
        a = graph.tensor(last.a)
        a_sym = graph.symbols[last.a]
        idx = (m,) if a.ndim else ()
        a_m = element(a_sym, idx) if idx else a_sym
        formula: Expr | None = None
        substituted: Expr | None = None
        value = value_at(a.grad, idx)
        if written is not None:
            formula, substituted = written.partials[m], written.partials_substituted[m]
        elif fused_softmax:
            t = loss.inputs[1]
            t_sym = graph.symbols.get("target", Symbol("t"))
            p_sym = graph.symbols.get(p_name or "", Symbol("p"))
            p_m = element(p_sym, idx) if idx else p_sym
            formula = Sum((p_m, Neg(element(t_sym, idx) if idx and t.ndim else t_sym)))
            p = _softmax_values(graph, last, inner or "")
            substituted = Sum((Number(p[m] if idx else p), Neg(Number(value_at(t.data, idx), exact=True))))
        elif loss.op is not None and loss.op.term is not None and loss.inputs[0] is a:
            t = loss.inputs[1]
            t_sym = graph.symbols.get("target", Symbol("t"))
            t_m = element(t_sym, idx) if idx and t.ndim else t_sym
            formula = graph.loss_partial(loss, (("y", a_m), ("t", t_m), ("out", L)))
            substituted = graph.loss_partial(loss, (("y", Number(value_at(a.data, idx))),
                                                    ("t", Number(value_at(t.data, idx), exact=True)), ("out", L)))
            if loss_divisor(loss) > 1 and a.size > 1 and not isinstance(formula, Quotient):
                formula = Quotient(formula, Number(loss_divisor(loss), exact=True))
        number, _ = factors.label(("loss", m), Derivative(L, a_m), formula, value, last.a, substituted)
        return number

    def act_factor(layer: LayerInfo, m: int, k: int) -> int | None:
        a, z = graph.tensor(layer.a), graph.tensor(layer.z)
        if a is z:
            return None
        a_sym, z_sym = graph.symbols[layer.a], graph.symbols[layer.z]
        m_idx, k_idx = ((m,), (k,)) if z.ndim else ((), ())
        jac = local[layer.name]
        elementwise = jac.ndim <= 1
        value = (jac[k] if jac.ndim else jac.item()) if elementwise else jac[m, k]
        a_m = element(a_sym, m_idx) if m_idx else a_sym
        z_k = element(z_sym, k_idx) if k_idx else z_sym
        numbers = {a_m: Number(value_at(a.data, m_idx)), z_k: Number(value_at(z.data, k_idx)), **graph.constants()}
        if elementwise:
            formula = activation_formula(graph, layer, k)
        else:
            part: Literal["element_diagonal", "element_off_diagonal"] = \
                "element_diagonal" if m == k else "element_off_diagonal"
            a_k = element(a_sym, k_idx)
            numbers[a_k] = Number(value_at(a.data, k_idx))
            assert a.op is not None  # a Jacobian that is not elementwise is an op's (softmax)
            formula = OpTemplate(a.op.name, part, (("oi", a_m), ("oj", a_k)))
        substituted = substitute(formula, numbers)  # a piecewise rule too: [z₁ > 0] = [−0.1 > 0] = 0
        number, _ = factors.label(("act", layer.name, m, k), Derivative(a_m, z_k), formula, value, layer.a,
                                  substituted if substituted != formula else None)
        return number

    def z_paths(number: int, k: int) -> list[list[int]]:
        """∂L/∂z_k of layer ``number`` (1-based) as paths of labels: [∂L/∂a_m, ∂a_m/∂z_k] for each m."""
        layer = layers[number - 1]
        a = graph.tensor(layer.a)
        elementwise = local[layer.name].ndim <= 1
        result = []
        for m in ([k] if elementwise else range(a.size)):
            upstream = up(number, m)  # derived first: the chain is read from the loss down
            act = act_factor(layer, m, k)
            result.append([upstream] + ([act] if act is not None else []))
        if elementwise:
            return result
        # Softmax: ∂L/∂z_k sums over every output; derived once as its own labelled sub-result, so each
        # weight into unit k is that label times its own factor.
        key = ("dz", number, k)
        if key not in factors.labels:
            z, z_sym = graph.tensor(layer.z), graph.symbols[layer.z]
            formula, substituted = _labels_product(result, factors.values)
            factors.label(key, Derivative(L, element(z_sym, (k,))), formula, value_at(z.grad, (k,)), layer.z,
                          substituted)
        return [[factors.labels[key]]]

    def up(number: int, m: int) -> int:
        """The label of ∂L/∂a_m of layer ``number``: the loss factor, or a hidden unit's shared sub-result."""
        if number == len(layers):
            return loss_factor(m)
        key = ("up", number, m)
        if key in factors.labels:
            return factors.labels[key]
        layer, nxt = layers[number - 1], layers[number]
        a = graph.tensor(layer.a)
        a_sym = graph.symbols[layer.a]
        W, w_sym = graph.tensor(nxt.weight), graph.symbols[nxt.weight]
        z_next, z_next_sym = graph.tensor(nxt.z), graph.symbols[nxt.z]
        m_idx = (m,) if a.ndim else ()
        a_m = element(a_sym, m_idx) if m_idx else a_sym
        paths: list[list[int]] = []
        for n in range(z_next.size):
            above = z_paths(number + 1, n)
            w_idx = weight_index(nxt, solution.convention, m, n)
            n_idx = (n,) if z_next.ndim else ()
            lhs = Derivative(element(z_next_sym, n_idx) if n_idx else z_next_sym, a_m)
            lin, _ = factors.label(("lin", nxt.name, m, n), lhs, element(w_sym, w_idx), W.data[w_idx], nxt.z)
            paths.extend(path + [lin] for path in above)
        formula, substituted = _labels_product(paths, factors.values)
        number_label, _ = factors.label(key, Derivative(L, a_m), formula, value_at(a.grad, m_idx), layer.a,
                                        substituted)
        return number_label

    seen_labels: set[int] = set()
    for number in range(len(layers), 0, -1):
        layer = layers[number - 1]
        z = graph.tensor(layer.z)
        x = graph.tensor(layer.input)
        x_sym = graph.symbols[layer.input]
        W = graph.tensor(layer.weight)
        w_sym = graph.symbols[layer.weight]
        z_sym = graph.symbols[layer.z]
        shared_bias: list[list[int]] = []
        for k in range(layer.fan_out):
            k_idx = (k,) if z.ndim else ()
            paths = z_paths(number, k)
            for j in range(layer.fan_in):
                w_idx = weight_index(layer, solution.convention, j, k)
                lhs = Derivative(element(z_sym, k_idx) if k_idx else z_sym, element(w_sym, w_idx))
                own, _ = factors.label(("param", layer.weight, w_idx), lhs, element(x_sym, (j,)),
                                       x.data[j], layer.z)
                if len(w_sym.elements) == W.size:  # the problem names each weight: each gets its own story
                    out.append(_consider(factors, element(w_sym, w_idx), L, paths, own))
                emit()
                out.append(_chain_product(graph, f"{layer.weight}{list(w_idx)}".replace(" ", ""),
                                          Derivative(L, element(w_sym, w_idx)), paths, own, seen_labels,
                                          grad(W)[w_idx]))
                if solution.mode == "symbolic" and number == len(layers) and j == 0:
                    out.extend(_collapsed_output(solution, graph, factors, layer, k))
            if layer.bias:
                bias = layer.bias
                b = graph.tensor(bias)
                b_sym = graph.symbols[bias]
                if b.size == 1 and layer.fan_out > 1:
                    shared_bias.extend(paths)
                    continue  # a shared bias: shown once after the loop
                b_idx = (k,) if b.ndim and b.size > 1 else ()
                emit()
                out.append(_chain_product(graph, layer.bias + (f"[{k}]" if b_idx else ""),
                                          Derivative(L, element(b_sym, b_idx) if b_idx else b_sym), paths, None,
                                          seen_labels, value_at(b.grad, b_idx),
                                          "∂z/∂b = 1, so the bias's gradient is the loss's gradient with "
                                          "respect to z itself."))
        if shared_bias and layer.bias:
            b = graph.tensor(layer.bias)
            emit()
            out.append(_chain_product(graph, layer.bias, Derivative(L, graph.symbols[layer.bias]), shared_bias,
                                      None, seen_labels, grad(b).reshape(-1)[0],
                                      "One bias feeds every unit (∂z_k/∂b = 1): its gradient adds up the "
                                      "loss's gradient with respect to every z_k."))
    emit()
    x = solution.nodes["input"]
    if x.grad is not None and asked(solution, "input"):
        out.extend(matrix_single(graph, "input"))
    return out


def _softmax_values(graph: NamedGraph, layer: LayerInfo, inner: str) -> Any:
    """softmax of the last layer's output, by the registry's own op (cross-entropy applies it inside: ``inner``)."""
    a = graph.tensor(layer.a)
    return get_op(inner).forward(a.backend, a.data)


def _consider(factors: _Factors, weight: Symbol, L: Symbol, paths: list[list[int]], own: int) -> Prose:
    """A weight's own narrative, as Mazur's post tells it: what is asked, and the chain rule for it in derivatives
    before any number (∂E/∂w₅ = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w₅)."""
    derivative = {step.label: step.derivative for step in factors.steps if isinstance(step, Factor)}
    products: list[Expr] = []
    for path in paths:
        chain = tuple(derivative[label] for label in path + [own])
        products.append(chain[0] if len(chain) == 1 else Product(chain))
    rule = Relation((Derivative(L, weight), products[0] if len(products) == 1 else Sum(tuple(products))))
    return Prose(f"Consider {weight.text()}: how much does a change in {weight.text()} affect {L.text()}? "
                 "By the chain rule:", rule)


def _chain_product(graph, node, lhs, paths, own, seen_labels, value, note=None) -> ChainProduct:
    full = tuple(tuple(path + ([own] if own is not None else [])) for path in paths)
    labels = {label for path in full for label in path}
    reused = tuple(sorted(label for label in labels if label in seen_labels))
    seen_labels.update(labels)
    if len(full) > 1 and note is None:
        note = "Several paths lead from this weight to the loss: their products add up."
    if is_zero(value):
        note = "One factor is 0, so the whole product is 0." if note is None else note
    return ChainProduct(node, lhs, full, reused, Number(value), note)


def _collapsed_output(solution: Solution, graph: NamedGraph, factors: _Factors, layer: LayerInfo,
                      k: int) -> list:
    """Symbolic mode: the loss rule ① times the activation rule ② of output unit k, multiplied as formulas.

    Both rules are the op registry's own VJPs, run on SymPy symbols standing for
    the named values (a, t, z); when their product comes out shorter than ①
    alone, as sigmoid followed by BCE gives a − t (seed 002's hand derivation),
    the derivation says so. Nothing is said when nothing cancels.
    """
    import sympy  # heavy: imported only when a symbolic derivation is explained

    # lazy (start-up): SymPy, as above
    from gradwork.backends.symbolic import readable

    loss, a, z = solution.loss, graph.tensor(layer.a), graph.tensor(layer.z)
    if loss is None or loss.op is None or loss.op.term is None or loss.inputs[0] is not a or a is z \
            or a.op is None or not a.op.elementwise or len(a.inputs) != 1 or a.inputs[0] is not z:
        # Only a one-input activation's rule is a function of z alone (x**2 written as a formula is a
        # two-input pow whose exponent is a constant input).
        return []
    loss_label = factors.labels.get(("loss", k))
    act_label = factors.labels.get(("act", layer.name, k, k))
    if loss_label is None or act_label is None:
        return []
    backend = get_backend("symbolic")
    target = loss.inputs[1]
    a_sym = graph.symbols[layer.a]
    t_sym = graph.symbols.get("target", Symbol("t"))
    named: dict[Any, Expr] = {}
    a_values, z_values = np.empty(a.shape, dtype=object), np.empty(a.shape, dtype=object)
    t_values = np.empty(target.shape, dtype=object)
    for index in np.ndindex(a.shape):
        a_values[index], z_values[index] = sympy.Symbol(f"a{index}"), sympy.Symbol(f"z{index}")
        named[a_values[index]] = element(a_sym, index) if index else a_sym
    for index in np.ndindex(target.shape):
        t_values[index] = sympy.Symbol(f"t{index}")
        named[t_values[index]] = element(t_sym, index) if index else t_sym
    loss_rule = loss.op.partial(0).vjp(backend, backend.asarray(1), sympy.Symbol("L"), a_values, t_values,
                                       **loss.params)
    act_rule = a.op.partial(0).vjp(backend, backend.ones_like(a_values), a_values, z_values, **a.params)
    index = (k,) if a.ndim else ()
    first, second = np.asarray(loss_rule)[index], np.asarray(act_rule)[index]
    product = readable(first * second)
    if sympy.count_ops(product) >= sympy.count_ops(first):
        return []
    formula = sympy_tree(product, named)
    if formula is None:
        return []
    rules = {step.label: step.formula for step in factors.steps if isinstance(step, Factor)}
    sides: list[Expr] = [Product((Label(loss_label), Label(act_label)))]
    first_rule, second_rule = rules.get(loss_label), rules.get(act_label)
    if first_rule is not None and second_rule is not None:
        sides.append(Product((first_rule, second_rule)))
    sides += [formula, Number(value_at(z.grad, index))]
    loss_name = loss.op.called
    text = (f"Multiplied as formulas, {_circled(loss_label)} and {_circled(act_label)} cancel "
            f"({a.op.name} followed by {loss_name}): ∂L/∂z at this output is simply")
    return [Prose(text, Relation(tuple(sides)), layer.z)]


def _circled(number: int) -> str:
    return Label(number).tag


def chain_graph(solution: Solution, graph: NamedGraph) -> list:
    """Scalar graphs: for each leaf, d(loss)/d(leaf) along every path of named nodes."""
    factors = _Factors()
    out: list = []
    root = solution.loss if solution.loss is not None else solution.output
    L = graph.loss_symbol
    seen_labels: set[int] = set()

    def paths_from(tensor) -> list[list[int]]:
        if tensor is root:
            return [[]]
        result: list[list[int]] = []
        for consumer in _named_consumers(graph, tensor):
            uppers = paths_from(consumer)  # label from the loss down, as students write the chain
            c_sym = graph.written_for(consumer) if consumer is not root else L
            t_sym = graph.written_for(tensor)
            lhs = Derivative(c_sym, t_sym)
            value = graph.jacobian(consumer, tensor).reshape(()).item()
            formula = graph.edge_formula(consumer, tensor)
            numbers = substitute(formula, graph.values_mapping())
            label, _ = factors.label(("edge", id(consumer), id(tensor)), lhs, formula, value, graph.name(consumer),
                                     numbers if numbers != formula else None)
            result.extend(upper + [label] for upper in uppers)
        return result

    leaves = [name for name, t in solution.nodes.items() if t.op is None and t.grad is not None]
    for name in leaves:
        tensor = solution.nodes[name]
        before = len(factors.steps)
        paths = paths_from(tensor)
        out.extend(factors.steps[before:])
        full = tuple(tuple(p) for p in paths)
        labels = {label for path in full for label in path}
        reused = tuple(sorted(label for label in labels if label in seen_labels))
        seen_labels.update(labels)
        note = "Several paths lead to the loss: their products add up." if len(full) > 1 else None
        out.append(ChainProduct(name, Derivative(L, graph.symbols[name]), full, reused,
                                Number(grad(tensor).reshape(()).item()), note))
    return out


def _named_consumers(graph: NamedGraph, tensor: Any) -> list[Any]:
    found: list[Any] = []
    stack = [c for c, _ in graph.consumers.get(id(tensor), [])]
    while stack:
        c = stack.pop(0)
        if graph.name(c) is not None or c is graph.order[-1]:
            if all(c is not f for f in found):
                found.append(c)
        else:
            stack.extend(cc for cc, _ in graph.consumers.get(id(c), []))
    return found
