"""Delta style: the delta rule stated, then every delta and every dL/dw, as seed 004."""

from __future__ import annotations

from gradwork.explain.graph import NamedGraph, element, value_expr
from gradwork.explain.layerwise import (
    asked,
    grad,
    layer_letters,
    activation_formula,
    activation_jacobian,
    value_at,
    weight_index,
)
from gradwork.explain.math import (
    Call,
    Expr,
    Derivative,
    Number,
    Product,
    Relation,
    Sum,
    Symbol,
    substitute,
)
from gradwork.explain.matrix import matrix_single
from gradwork.explain.steps import Compute, Prose
from gradwork.ops import OPS
from gradwork.problem import LayerInfo, Solution
from gradwork.problem.notation import notation


def delta_rule(solution: Solution, graph: NamedGraph) -> list:
    steps: list = []
    L = graph.loss_symbol
    letters = layer_letters(solution, graph)
    zl, al, wl, bl = letters["z"], letters["a"], letters["W"].lower(), letters["b"]
    last = str(len(solution.layers))
    delta = lambda layer, index=(): Symbol("δ", layer, index)  # noqa: E731
    # The activation's derivative, in a letter no quantity of the page uses (σ may be the sigmoid here).
    f = "f′" if "f" not in notation(solution).taken() else "g′"
    slope = lambda layer: Call(f, (Symbol(zl, layer, ("j",)),))  # noqa: E731
    column = solution.convention != "row"
    # The rule in the problem's own index order: column convention w_kj (row k of W feeds unit k),
    # row convention w_jk (column k of W feeds unit k).
    w_next = Symbol(wl, "l+1", ("k", "j") if column else ("j", "k"))
    w_this = Symbol(wl, "l", ("k", "j") if column else ("j", "k"))
    back = Product((delta("l+1", ("k",)), w_next)) if column else Product((w_next, delta("l+1", ("k",))))
    grad_w = Product((delta("l", ("k",)), Symbol(al, "l−1", ("j",)))) if column else \
        Product((Symbol(al, "l−1", ("j",)), delta("l", ("k",))))
    output = graph.symbols[solution.layers[-1].a]
    several = graph.tensor(solution.layers[-1].a).size > 1
    out_j = element(output, ("j",)) if several else output
    last_slope = slope(last) if several else Call(f, (graph.symbols[solution.layers[-1].z],))
    general = (
        Relation((delta(last, ("j",) if several else ()), Product((Derivative(L, out_j), last_slope)))),
        Relation((delta("l", ("j",)), Product((Call("sum_k", (back,)), slope("l"))))),
        Relation((Derivative(L, w_this), grad_w)),
        Relation((Derivative(L, Symbol(bl, "l", ("k",))), delta("l", ("k",)))),
    )
    joins = f"{wl}_kj joins unit j of layer l−1 to unit k of layer l" if column else \
        f"{wl}_jk joins unit j of layer l−1 to unit k of layer l"
    steps.append(Prose(f"The delta rule: δ⁽ˡ⁾ⱼ = ∂{L.text()}/∂{zl}⁽ˡ⁾ⱼ for every unit j of layer l, with {f} the "
                       f"activation's derivative. At the output layer (layer {last}) it is the loss gradient "
                       "times the activation's derivative; in a hidden layer it is the weighted sum of the next "
                       "layer's deltas times the activation's derivative. Each weight's gradient is the delta "
                       "of the unit it feeds times the value on its input side (the sum runs over the units k "
                       f"of layer l+1; {joins}; {al}⁽⁰⁾ = {graph.symbols['input'].text()}).",
                       general[0]))
    for relation in general[1:]:
        steps.append(Prose("", relation))
    layers = solution.layers
    for number in range(len(layers), 0, -1):
        layer = layers[number - 1]
        tag = str(number)
        steps.extend(_deltas_of_layer(solution, graph, layer, number))
        steps.extend(_parameter_gradients(solution, graph, layer, tag))
    x = solution.nodes["input"]
    if x.grad is not None and asked(solution, "input"):
        steps.extend(s for s in matrix_single(graph, "input"))
    return steps


def _deltas_of_layer(solution: Solution, graph: NamedGraph, layer: LayerInfo, number: int) -> list:
    tag = str(number)
    z, a = graph.tensor(layer.z), graph.tensor(layer.a)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    L = graph.loss_symbol
    last = number == len(solution.layers)
    parts = []
    size = z.size
    local = activation_jacobian(graph, layer)
    for j in range(size):
        idx = (j,) if z.ndim else ()
        d_j = Symbol("δ", tag, idx)
        z_j = element(z_sym, idx) if idx else z_sym
        z_grad = value_at(z.grad, idx)
        formula: Expr
        numbers: Expr
        if last:
            if a is z:
                formula = Derivative(L, z_j)
                numbers = Number(z_grad)
            else:
                upstream = [_loss_gradient(solution, graph, a, a_sym, (m,) if a.ndim else ()) for m in range(a.size)]
                formula, numbers = _times_activation(graph, layer, local, j, upstream)
        else:
            nxt = solution.layers[number]
            W = graph.tensor(nxt.weight)
            w_sym = graph.symbols[nxt.weight]
            z_next = graph.tensor(nxt.z)
            terms, values = [], []
            for k in range(z_next.size):
                k_idx = (k,) if z_next.ndim else ()
                w_idx = weight_index(nxt, solution.convention, j, k)
                terms.append(Product((Symbol("δ", str(number + 1), k_idx), element(w_sym, w_idx))))
                values.append(Product((Number(value_at(z_next.grad, k_idx)), Number(W.data[w_idx]))))
            upstream_expr = terms[0] if len(terms) == 1 else Sum(tuple(terms))
            upstream_val = values[0] if len(values) == 1 else Sum(tuple(values))
            if a is z:
                formula, numbers = upstream_expr, upstream_val
            else:
                formula, numbers = _times_activation(graph, layer, local, j, None, upstream_expr, upstream_val)
        parts.append(Relation((d_j, formula, numbers, Number(z_grad))))
    note = None
    if last and a is not z and a.op is not None and solution.loss is not None and solution.loss.op is not None \
            and _fused(a.op.name, solution.loss.op.name):  # sigmoid then bce: the registry's fused sigmoid_bce
        note = "Sigmoid and cross-entropy cancel: δ = a − t (divided by the number of outputs)."
    return [Compute(layer.z, "backward", Symbol("δ", tag), Derivative(L, z_sym), None, value_expr(z.grad),
                    note, tuple(parts))]


def _times_activation(graph, layer, local, j, upstream, upstream_expr=None, upstream_val=None):
    """(upstream) · σ'(z_j), or the full Jacobian sum for softmax."""
    a = graph.tensor(layer.a)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    elementwise = a.op is not None and a.op.elementwise and local.ndim <= 1
    if elementwise:
        derivative = activation_formula(graph, layer, j)
        z, idx = graph.tensor(layer.z), ((j,) if graph.tensor(layer.z).ndim else ())
        numbers = {element(z_sym, idx) if idx else z_sym: Number(value_at(z.data, idx)),
                   element(a_sym, idx) if idx else a_sym: Number(value_at(a.data, idx)), **graph.constants()}
        value = substitute(derivative, numbers)  # σ′ with the numbers in it: 2·5, 0.75 (1 − 0.75)
        if value == derivative:
            value = Number(local[j] if local.ndim else local.item())
        if upstream is not None:
            m_expr, m_val = upstream[j] if len(upstream) > 1 else upstream[0]
            upstream_expr, upstream_val = m_expr, m_val
        return Product((upstream_expr, derivative)), Product((upstream_val, value))
    # softmax-like: dL/dz_j = sum_m dL/da_m · da_m/dz_j
    terms, values = [], []
    for m in range(a.size):
        a_m = element(a_sym, (m,))
        d_expr = Derivative(a_m, element(z_sym, (j,)))
        if upstream is not None:
            terms.append(Product((upstream[m][0], d_expr)))
            values.append(Product((upstream[m][1], Number(local[m, j]))))
    return Sum(tuple(terms)), Sum(tuple(values))


def _loss_gradient(solution: Solution, graph: NamedGraph, a, a_sym, idx: tuple) -> tuple:
    """∂L/∂a_m at the output: the loss's own rule with numbers (−(t − y) = −(3 − 1)), or its value."""
    loss = solution.loss
    a_m = element(a_sym, idx) if idx else a_sym
    value = Number(value_at(a.grad, idx))
    if loss is None or loss.op is None or loss.op.term is None or loss.inputs[0] is not a or \
            loss.op.inner is not None:  # cross-entropy's rule is per logit
        return Derivative(graph.loss_symbol, a_m), value
    t = loss.inputs[1]
    t_sym = graph.symbols.get("target", Symbol("t"))
    t_m = element(t_sym, idx) if idx and t.ndim else t_sym
    rule = graph.loss_partial(loss, (("y", a_m), ("t", t_m), ("out", graph.loss_symbol)))
    numbers = graph.loss_partial(loss, (("y", Number(value_at(a.data, idx))),
                                        ("t", Number(value_at(t.data, idx), exact=True)),
                                        ("out", graph.loss_symbol)))
    return rule, numbers


def _parameter_gradients(solution: Solution, graph: NamedGraph, layer: LayerInfo, tag: str) -> list:
    steps = []
    L = graph.loss_symbol
    W = graph.tensor(layer.weight)
    w_sym = graph.symbols[layer.weight]
    x = graph.tensor(layer.input)
    x_sym = graph.symbols[layer.input]
    z = graph.tensor(layer.z)
    parts = []
    pairs = sorted(((j, k) for j in range(layer.fan_in) for k in range(layer.fan_out)),
                   key=lambda jk: weight_index(layer, solution.convention, *jk))  # the matrix's reading order
    for j, k in pairs:
        if True:
            w_idx = weight_index(layer, solution.convention, j, k)
            k_idx = (k,) if z.ndim else ()
            parts.append(Relation((
                Derivative(L, element(w_sym, w_idx)),
                Product((Symbol("δ", tag, k_idx), element(x_sym, (j,)))),
                Product((Number(value_at(z.grad, k_idx)), Number(x.data[j]))),
                Number(grad(W)[w_idx]),
            )))
    steps.append(Compute(layer.weight, "backward", Derivative(L, w_sym), None, None, value_expr(W.grad),
                         None, tuple(parts)))
    if layer.bias:
        b = graph.tensor(layer.bias)
        b_sym = graph.symbols[layer.bias]
        b_parts = []
        for k in range(b.size):
            idx = (k,) if b.ndim else ()
            k_idx = (k,) if z.ndim else ()
            lhs = Derivative(L, element(b_sym, idx) if idx else b_sym)
            b_parts.append(Relation((lhs, Symbol("δ", tag, k_idx), Number(value_at(b.grad, idx)))))
        note = None
        if b.size == 1 and z.size > 1:
            note = "One bias shared by every unit of the layer: its gradient is the sum of the deltas."
        steps.append(Compute(layer.bias, "backward", Derivative(L, b_sym), None, None, value_expr(b.grad),
                             note, tuple(b_parts) if b.size == z.size else ()))
    return steps


def _fused(activation: str, loss: str) -> bool:
    """Whether the registry has one fused op for this activation followed by this loss (sigmoid then bce)."""
    return any(op.fuses == (activation, loss) for op in OPS.values())
