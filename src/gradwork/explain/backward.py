"""The backward pass in three styles.

* matrix: one step per named node, d(loss)/d(node) = upstream x local
  derivative in vector form (W^T delta ⊙ g'(z), outer products), as seed 003;
* delta: the delta rule stated, then every delta and every dL/dw, as seed 004;
* chain: every scalar weight's gradient as a product of numbered chain-rule
  factors, each derived once and reused, as seed 002.

delta and chain need a single-sample network (chain also a small one, or a
graph of scalars); otherwise they fall back to matrix form and say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph, element, value_expr
from gradwork.explain.math import (
    Call, Derivative, Expr, Label, Neg, Number, OpTemplate, Power, Product, Quotient, Relation, Sum, Symbol,
    substitute,
)
from gradwork.explain.steps import ChainProduct, Compute, Factor, Prose, Section
from gradwork.problem import LayerInfo, Solution

MAX_CHAIN_PATHS = 8  # a scalar weight with more chain-rule paths than this is explained by its delta
MAX_CHAIN_WEIGHTS = 64


def section(solution: Solution, graph: NamedGraph, style: str) -> Section:
    steps: list = []
    single_network = solution.form == "network" and solution.nodes["input"].ndim == 1 and solution.loss is not None
    if style == "delta" and single_network:
        steps = _delta(solution, graph)
    elif style == "chain" and single_network and _chain_size(solution) <= MAX_CHAIN_WEIGHTS:
        steps = _chain_network(solution, graph)
    elif style == "chain" and solution.form == "graph" and _all_scalar(solution):
        steps = _chain_graph(solution, graph)
    else:
        if style != "matrix":
            steps.append(Prose(_fallback_reason(solution, style)))
        steps.extend(_matrix(solution, graph))
    return Section("Backward pass", "backward", tuple(steps))


def _fallback_reason(solution: Solution, style: str) -> str:
    if solution.form == "graph":
        return f"The {style} style needs a network of layers or scalar nodes; this graph is shown node by node."
    if solution.nodes["input"].ndim != 1:
        return f"A batch is explained in matrix form: the {style} style works sample by sample."
    return f"This network is too large for the {style} style; it is shown in matrix form."


def _all_scalar(solution: Solution) -> bool:
    return all(t.size == 1 for t in solution.nodes.values())


def _chain_size(solution: Solution) -> int:
    return sum(t.size for t in solution.parameters.values())


# ---------------------------------------------------------------- matrix (node by node)


def _matrix(solution: Solution, graph: NamedGraph) -> list:
    steps: list = []
    mapping = graph.values_mapping()
    root = solution.loss if solution.loss is not None else solution.output
    if solution.loss is None and solution.upstream is not None:
        symbol = graph.symbol(solution.output)
        steps.append(Compute(graph.name(solution.output) or "output", "backward",
                             Derivative(graph.loss_symbol, symbol), None, None,
                             value_expr(solution.output.grad), "The upstream gradient is given."))
    for name in reversed(list(solution.nodes)):
        tensor = solution.nodes[name]
        if tensor is root or graph.name(tensor) != name or tensor.grad is None:
            continue
        terms = graph.gradient_terms(tensor)
        if not terms:
            continue
        symbol = graph.symbols.get(name)
        lhs = Derivative(graph.loss_symbol, symbol)
        formula = _sum([t for _, t in terms])
        substituted = substitute_all(formula, mapping)
        note = None
        if len(terms) > 1:
            users = sorted({graph.name(owner) or "?" for owner, _ in terms})
            note = (f"{name} is used {len(terms)} times (by {', '.join(users)}): its gradient is the sum "
                    "of the gradients along every path.")
        parts: tuple[Relation, ...] = ()
        if solution.mode == "symbolic" and solution.form == "graph" and tensor.ndim == 1 \
                and 1 < tensor.size <= MAX_ELEMENT_PARTS:
            paths, parts = _element_paths(graph, tensor, symbol)
            if len(paths) > 1:
                substituted = Sum(tuple(value_expr(path) for path in paths))
        steps.append(Compute(name, "backward", lhs, formula, substituted, value_expr(tensor.grad), note, parts))
    return steps


MAX_ELEMENT_PARTS = 8  # a vector this long or shorter gets one line of working per element (symbolic mode)


def _element_paths(graph: NamedGraph, tensor: Any, symbol: Symbol) -> tuple[list[np.ndarray], tuple[Relation, ...]]:
    """Symbolic mode, a vector node of a graph: its gradient element by element, in the named gradients above it.

    Every named node's gradient is replaced by placeholder symbols and pulled
    back through the ops' own VJPs, so each element reads as the upstream
    gradients it collects: a gather routes ∂L/∂F[j] back to the index it came
    from, a product with a fork (x0 * x) shows one term per path. Returns each
    path's contribution (real values) and one relation per element:
    ∂L/∂x[i] = placeholders = values = total.
    """
    import sympy

    named: dict[Any, tuple[Any, tuple[int, ...]]] = {}  # placeholder -> (named tensor, index)
    memo: dict[int, np.ndarray] = {}
    root, loss = graph.root, graph.solution.loss

    def upstream(node: Any) -> np.ndarray:
        if id(node) in memo:
            return memo[id(node)]
        if node is root and loss is not None:
            grad = node.backend.ones_like(node.data)
        elif graph.name(node) is not None:
            grad = np.empty(node.shape, dtype=object)
            for index in np.ndindex(node.shape):
                grad[index] = sympy.Dummy(f"g{len(named)}")
                named[grad[index]] = (node, index)
        else:
            grad = node.backend.zeros_like(node.data)
            for consumer, position in graph.consumers.get(id(node), []):
                if consumer.requires_grad and consumer.grad is not None:
                    grad = grad + consumer.pullback(upstream(consumer), position)
        memo[id(node)] = grad
        return grad

    uses = [(c, p) for c, p in graph.consumers.get(id(tensor), []) if c.requires_grad and c.grad is not None]
    in_placeholders = [np.asarray(c.pullback(upstream(c), p), dtype=object) for c, p in uses]
    in_values = [np.asarray(c.pullback(c.grad, p), dtype=object) for c, p in uses]
    order = list(named)
    parts = []
    for i in range(tensor.size):
        formula_terms: list[Expr] = []
        value_terms: list[Expr] = []
        for path in in_placeholders:
            contribution = sympy.sympify(path[i])
            # What reaches the loss without passing a named node (L = sum(h) + max(x)) is a plain value.
            rest = contribution.subs({placeholder: 0 for placeholder in order})
            if rest != 0:
                formula_terms.append(Number(rest))
                value_terms.append(Number(rest))
            for placeholder in order:
                # VJPs are linear in the upstream gradient, so this is the placeholder's coefficient
                # (without expanding anything else: exp(a + b) stays one exponential).
                coefficient = sympy.diff(contribution, placeholder)
                if coefficient == 0:
                    continue
                node, index = named[placeholder]
                gradient = Derivative(graph.loss_symbol, element(graph.symbol(node), index) if index
                                      else graph.symbol(node))
                value = Number(_at(node.grad, index))
                if coefficient == 1:
                    formula_terms.append(gradient)
                    value_terms.append(value)
                else:
                    formula_terms.append(Product((gradient, Number(coefficient))))
                    value_terms.append(Product((value, Number(coefficient))))
        total = Number(tensor.grad[i])
        sides: list[Expr] = [Derivative(graph.loss_symbol, element(symbol, (i,)))]
        if formula_terms:
            sides += [_sum(formula_terms), _sum(value_terms)]
        parts.append(Relation(tuple(sides) + (total,)))
    return in_values, tuple(parts)


# ---------------------------------------------------------------- delta rule


def _delta(solution: Solution, graph: NamedGraph) -> list:
    steps: list = []
    L = graph.loss_symbol
    delta = lambda layer, index=(): Symbol("δ", layer, index)  # noqa: E731
    sigma_prime = lambda layer: Call("σ′", (Symbol("z", layer, ("j",)),))  # noqa: E731
    general = (
        Relation((delta("L", ("j",)), Product((Derivative(L, Symbol("a", "L", ("j",))), sigma_prime("L"))))),
        Relation((delta("l", ("j",)), Product((
            Call("sum", (Product((delta("l+1", ("k",)), Symbol("w", "l+1", ("j", "k")))),)), sigma_prime("l"))))),
        Relation((Derivative(L, Symbol("w", "l", ("j", "k"))), Product((delta("l", ("k",)),
                                                                         Symbol("a", "l-1", ("j",)))))),
        Relation((Derivative(L, Symbol("b", "l", ("k",))), delta("l", ("k",)))),
    )
    steps.append(Prose("The delta rule: δ_j = ∂L/∂z_j for every unit. At the output layer it is the loss "
                       "gradient times the activation's derivative; in a hidden layer it is the weighted sum "
                       "of the next layer's deltas times the activation's derivative. Each weight's gradient "
                       "is the delta of the unit it feeds times the value on its input side (the sum runs "
                       "over the units k of layer l+1; w_jk joins unit j to unit k).",
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
    if x.grad is not None:
        steps.extend(s for s in _matrix_single(graph, "input"))
    return steps


def _deltas_of_layer(solution: Solution, graph: NamedGraph, layer: LayerInfo, number: int) -> list:
    tag = str(number)
    z, a = graph.tensor(layer.z), graph.tensor(layer.a)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    L = graph.loss_symbol
    last = number == len(solution.layers)
    parts = []
    size = z.size
    local = _activation_jacobian(graph, layer)
    for j in range(size):
        idx = (j,) if z.ndim else ()
        d_j = Symbol("δ", tag, idx)
        z_j = element(z_sym, idx) if idx else z_sym
        z_grad = _at(z.grad, idx)
        if last:
            if a is z:
                formula = Derivative(L, z_j)
                numbers = Number(z_grad)
            else:
                upstream = [(Derivative(L, element(a_sym, (m,)) if a.ndim else a_sym), _at(a.grad, (m,) if a.ndim else ()))
                            for m in range(a.size)]
                formula, numbers = _times_activation(graph, layer, local, j, upstream)
        else:
            nxt = solution.layers[number]
            W = graph.tensor(nxt.weight)
            w_sym = graph.symbols[nxt.weight]
            z_next = graph.tensor(nxt.z)
            terms, values = [], []
            for k in range(z_next.size):
                k_idx = (k,) if z_next.ndim else ()
                w_idx = _weight_index(nxt, solution.convention, j, k)
                terms.append(Product((Symbol("δ", str(number + 1), k_idx), element(w_sym, w_idx))))
                values.append(Product((Number(_at(z_next.grad, k_idx)), Number(W.data[w_idx]))))
            upstream_expr = terms[0] if len(terms) == 1 else Sum(tuple(terms))
            upstream_val = values[0] if len(values) == 1 else Sum(tuple(values))
            if a is z:
                formula, numbers = upstream_expr, upstream_val
            else:
                formula, numbers = _times_activation(graph, layer, local, j, None, upstream_expr, upstream_val)
        parts.append(Relation((d_j, formula, numbers, Number(z_grad))))
    note = None
    if last and a is not z and a.op is not None and a.op.name == "sigmoid" and solution.loss is not None \
            and solution.loss.op is not None and solution.loss.op.name == "bce":
        note = "Sigmoid and cross-entropy cancel: δ = a − t (divided by the number of outputs)."
    return [Compute(layer.z, "backward", Symbol("δ", tag), Derivative(L, z_sym), None, value_expr(z.grad),
                    note, tuple(parts))]


def _times_activation(graph, layer, local, j, upstream, upstream_expr=None, upstream_val=None):
    """(upstream) · σ'(z_j), or the full Jacobian sum for softmax."""
    z, a = graph.tensor(layer.z), graph.tensor(layer.a)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    elementwise = a.op is not None and a.op.elementwise and local.ndim <= 1
    if elementwise:
        derivative = _activation_formula(graph, layer, j)
        value = Number(local[j] if local.ndim else local.item())
        if upstream is not None:
            m_expr, m_val = upstream[j] if len(upstream) > 1 else upstream[0]
            upstream_expr, upstream_val = m_expr, Number(m_val)
        return Product((upstream_expr, derivative)), Product((upstream_val, value))
    # softmax-like: dL/dz_j = sum_m dL/da_m · da_m/dz_j
    terms, values = [], []
    for m in range(a.size):
        a_m = element(a_sym, (m,))
        d_expr = Derivative(a_m, element(z_sym, (j,)))
        if upstream is not None:
            terms.append(Product((upstream[m][0], d_expr)))
            values.append(Product((Number(upstream[m][1]), Number(local[m, j]))))
    return Sum(tuple(terms)), Sum(tuple(values))


def _activation_formula(graph: NamedGraph, layer: LayerInfo, j: int) -> Expr:
    a, z = graph.tensor(layer.a), graph.tensor(layer.z)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    idx = (j,) if z.ndim else ()
    if not (a.op is not None and a.inputs and a.inputs[0] is z):
        # A formula activation: its derivative is stated once in the setup; here it is just σ′(z_j).
        return Call("σ′", (element(z_sym, idx) if idx else z_sym,))
    formula = graph.edge_formula(a, z)
    if not idx:
        return formula
    return substitute(formula, {z_sym: element(z_sym, idx), a_sym: element(a_sym, idx)})


def _activation_jacobian(graph: NamedGraph, layer: LayerInfo) -> np.ndarray:
    a, z = graph.tensor(layer.a), graph.tensor(layer.z)
    if a is z:
        return np.ones(z.shape)
    if a.op is not None and a.op.elementwise:
        return graph.local_derivative(a, z)
    return graph.jacobian(a, z)


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
                   key=lambda jk: _weight_index(layer, solution.convention, *jk))  # the matrix's reading order
    for j, k in pairs:
        if True:
            w_idx = _weight_index(layer, solution.convention, j, k)
            k_idx = (k,) if z.ndim else ()
            parts.append(Relation((
                Derivative(L, element(w_sym, w_idx)),
                Product((Symbol("δ", tag, k_idx), element(x_sym, (j,)))),
                Product((Number(_at(z.grad, k_idx)), Number(x.data[j]))),
                Number(W.grad[w_idx]),
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
            b_parts.append(Relation((lhs, Symbol("δ", tag, k_idx), Number(_at(b.grad, idx)))))
        note = None
        if b.size == 1 and z.size > 1:
            note = "One bias shared by every unit of the layer: its gradient is the sum of the deltas."
        steps.append(Compute(layer.bias, "backward", Derivative(L, b_sym), None, None, value_expr(b.grad),
                             note, tuple(b_parts) if b.size == z.size else ()))
    return steps


def _matrix_single(graph: NamedGraph, name: str) -> list:
    tensor = graph.tensor(name)
    terms = graph.gradient_terms(tensor)
    if not terms:
        return []
    formula = _sum([t for _, t in terms])
    lhs = Derivative(graph.loss_symbol, graph.symbols[name])
    return [Compute(name, "backward", lhs, formula, substitute_all(formula, graph.values_mapping()),
                    value_expr(tensor.grad))]


# ---------------------------------------------------------------- chain of numbered factors


class _Factors:
    """Numbered chain-rule factors, each derived once."""

    def __init__(self) -> None:
        self.labels: dict[Any, int] = {}
        self.steps: list = []

    def label(self, key: Any, derivative: Derivative, formula: Expr | None, value: Any, node: str | None) -> tuple[int, bool]:
        if key in self.labels:
            return self.labels[key], True
        number = len(self.labels) + 1
        self.labels[key] = number
        self.steps.append(Factor(number, derivative, formula, Number(value), node))
        return number, False


def _chain_network(solution: Solution, graph: NamedGraph) -> list:
    factors = _Factors()
    out: list = []
    L = graph.loss_symbol
    layers = solution.layers
    local = {layer.name: _activation_jacobian(graph, layer) for layer in layers}
    loss = solution.loss
    assert loss is not None

    formula_partials = formula_loss_partials(solution)
    if formula_partials is not None:
        out.append(Prose(f"In the loss formula {solution.loss_name}, y_k is the network's output a_k of the "
                         "last layer and t_k the target (counting from 1: y[0] in the formula is y_1); the engine "
                         "differentiated the formula itself, in symbolic mode."))

    def loss_factor(m: int) -> int:
        last = layers[-1]
        a = graph.tensor(last.a)
        a_sym = graph.symbols[last.a]
        idx = (m,) if a.ndim else ()
        a_m = element(a_sym, idx) if idx else a_sym
        formula: Expr | None = None
        if formula_partials is not None:
            formula = Number(formula_partials[m], exact=True)
        elif loss.op is not None and loss.op.term is not None and loss.inputs[0] is a:
            t = loss.inputs[1]
            t_sym = graph.symbols.get("target", Symbol("t"))
            t_m = element(t_sym, idx) if idx and t.ndim else t_sym
            formula = OpTemplate(loss.op.name, "partial", (("y", a_m), ("t", t_m), ("out", L)), 0)
            if loss.op.over_outputs == "mean" and a.size > 1:
                formula = Quotient(formula, Number(a.size, exact=True))
        number, _ = factors.label(("loss", m), Derivative(L, a_m), formula, _at(a.grad, idx), last.a)
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
        if elementwise:
            formula = _activation_formula(graph, layer, k)
        else:
            diagonal, off = (("element_diagonal", "element_off_diagonal"))
            a_m, a_k = element(a_sym, m_idx), element(a_sym, k_idx)
            formula = OpTemplate(a.op.name, diagonal if m == k else off, (("oi", a_m), ("oj", a_k)))
        lhs = Derivative(element(a_sym, m_idx) if m_idx else a_sym, element(z_sym, k_idx) if k_idx else z_sym)
        number, _ = factors.label(("act", layer.name, m, k), lhs, formula, value, layer.a)
        return number

    def paths_to_z(number: int, k: int) -> list[list[int]]:
        """Chains of factor labels from L down to z_k of layer ``number`` (1-based)."""
        layer = layers[number - 1]
        a = graph.tensor(layer.a)
        elementwise = local[layer.name].ndim <= 1
        targets = [k] if elementwise else list(range(a.size))
        result: list[list[int]] = []
        for m in targets:
            uppers: list[list[int]] = []
            if number == len(layers):
                uppers.append([loss_factor(m)])
            else:
                nxt = layers[number]
                W = graph.tensor(nxt.weight)
                w_sym = graph.symbols[nxt.weight]
                a_sym = graph.symbols[layer.a]
                z_next = graph.tensor(nxt.z)
                z_next_sym = graph.symbols[nxt.z]
                for n in range(z_next.size):
                    above = paths_to_z(number + 1, n)
                    w_idx = _weight_index(nxt, solution.convention, m, n)
                    n_idx = (n,) if z_next.ndim else ()
                    lhs = Derivative(element(z_next_sym, n_idx) if n_idx else z_next_sym,
                                     element(a_sym, (m,)) if a.ndim else a_sym)
                    lin, _ = factors.label(("lin", nxt.name, m, n), lhs, element(w_sym, w_idx), W.data[w_idx], nxt.z)
                    uppers.extend(path + [lin] for path in above)
            act = act_factor(layer, m, k)
            tail = [act] if act is not None else []
            result.extend(path + tail for path in uppers)
            if len(result) > MAX_CHAIN_PATHS:
                break
        return result

    seen_labels: set[int] = set()
    for number in range(len(layers), 0, -1):
        layer = layers[number - 1]
        z = graph.tensor(layer.z)
        x = graph.tensor(layer.input)
        x_sym = graph.symbols[layer.input]
        W = graph.tensor(layer.weight)
        w_sym = graph.symbols[layer.weight]
        z_sym = graph.symbols[layer.z]
        for k in range(layer.fan_out):
            k_idx = (k,) if z.ndim else ()
            before = len(factors.steps)
            paths = paths_to_z(number, k)
            for j in range(layer.fan_in):
                w_idx = _weight_index(layer, solution.convention, j, k)
                lhs = Derivative(element(z_sym, k_idx) if k_idx else z_sym, element(w_sym, w_idx))
                own, _ = factors.label(("param", layer.weight, w_idx), lhs, element(x_sym, (j,)), x.data[j], layer.z)
                out.extend(factors.steps[before:])
                before = len(factors.steps)
                out.append(_chain_product(graph, f"{layer.weight}{list(w_idx)}".replace(" ", ""),
                                          Derivative(L, element(w_sym, w_idx)), paths, own, seen_labels,
                                          W.grad[w_idx]))
                if solution.mode == "symbolic" and number == len(layers) and j == 0:
                    out.extend(_collapsed_output(solution, graph, factors, layer, k))
            if layer.bias:
                b = graph.tensor(layer.bias)
                b_sym = graph.symbols[layer.bias]
                b_idx = (k,) if b.ndim and b.size > 1 else ()
                lhs = Derivative(element(z_sym, k_idx) if k_idx else z_sym, element(b_sym, b_idx) if b_idx else b_sym)
                own, _ = factors.label(("bias", layer.bias, k), lhs, Number(1, exact=True), 1, layer.z)
                out.extend(factors.steps[before:])
                if b.size == 1 and layer.fan_out > 1:
                    continue  # a shared bias: shown once after the loop
                out.append(_chain_product(graph, layer.bias + (f"[{k}]" if b_idx else ""),
                                          Derivative(L, element(b_sym, b_idx) if b_idx else b_sym), paths, own,
                                          seen_labels, _at(b.grad, b_idx)))
        if layer.bias and graph.tensor(layer.bias).size == 1 and layer.fan_out > 1:
            b = graph.tensor(layer.bias)
            out.append(Compute(layer.bias, "backward", Derivative(L, graph.symbols[layer.bias]),
                               _sum([Derivative(L, element(z_sym, (k,))) for k in range(layer.fan_out)]),
                               None, value_expr(b.grad), "One bias feeds every unit: its gradient sums over them."))
    x = solution.nodes["input"]
    if x.grad is not None:
        out.extend(_matrix_single(graph, "input"))
    return out


def _chain_product(graph, node, lhs, paths, own, seen_labels, value) -> ChainProduct:
    full = tuple(tuple(path + [own]) for path in paths)
    labels = {label for path in full for label in path}
    reused = tuple(sorted(label for label in labels if label in seen_labels))
    seen_labels.update(labels)
    note = None
    if len(full) > 1:
        note = "Several paths lead from this weight to the loss: their products add up."
    if _is_zero(value):
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
    import sympy

    from gradwork.backends import get_backend
    from gradwork.backends.symbolic import readable

    loss, a, z = solution.loss, graph.tensor(layer.a), graph.tensor(layer.z)
    if loss is None or loss.op is None or loss.op.term is None or loss.inputs[0] is not a or a is z \
            or a.op is None or not a.op.elementwise or a.inputs[0] is not z:
        return []
    loss_label = factors.labels.get(("loss", k))
    act_label = factors.labels.get(("act", layer.name, k, k))
    if loss_label is None or act_label is None:
        return []
    backend = get_backend("symbolic")
    target = loss.inputs[1]
    a_sym, z_sym = graph.symbols[layer.a], graph.symbols[layer.z]
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
    formula = _formula_of(product, named)
    if formula is None:
        return []
    rules = {step.label: step.formula for step in factors.steps if isinstance(step, Factor)}
    sides: list[Expr] = [Product((Label(loss_label), Label(act_label)))]
    if rules.get(loss_label) is not None and rules.get(act_label) is not None:
        sides.append(Product((rules[loss_label], rules[act_label])))
    sides += [formula, Number(_at(z.grad, index))]
    loss_name = {"bce": "binary cross-entropy"}.get(loss.op.name, loss.op.name)
    text = (f"Multiplied as formulas, {_circled(loss_label)} and {_circled(act_label)} cancel "
            f"({a.op.name} followed by {loss_name}): ∂L/∂z at this output is simply")
    return [Prose(text, Relation(tuple(sides)), layer.z)]


def _circled(number: int) -> str:
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


def _formula_of(expr: Any, named: dict[Any, Expr]) -> Expr | None:
    """A small SymPy formula (sums, products, quotients, integer powers of named symbols) as a
    derivation formula; None for anything else."""
    import sympy

    if expr in named:
        return named[expr]
    if expr.is_Integer or expr.is_Rational:
        return Number(int(expr) if expr.is_Integer else expr, exact=True)
    if expr.is_Add:
        terms = []
        for term in expr.as_ordered_terms():
            negative = term.could_extract_minus_sign()
            inner = _formula_of(-term if negative else term, named)
            if inner is None:
                return None
            terms.append(Neg(inner) if negative else inner)
        return Sum(tuple(terms))
    if expr.is_Mul:
        if expr.could_extract_minus_sign():
            inner = _formula_of(-expr, named)
            return None if inner is None else Neg(inner)
        numerator, denominator = sympy.fraction(expr)
        if denominator != 1:
            top, bottom = _formula_of(numerator, named), _formula_of(denominator, named)
            return None if top is None or bottom is None else Quotient(top, bottom)
        factors = [_formula_of(factor, named) for factor in expr.as_ordered_factors()]
        return None if any(f is None for f in factors) else Product(tuple(factors))  # type: ignore[arg-type]
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        base = _formula_of(expr.base, named)
        return None if base is None else Power(base, Number(int(expr.exp), exact=True))
    return None


def _chain_graph(solution: Solution, graph: NamedGraph) -> list:
    """Scalar graphs: for each leaf, d(loss)/d(leaf) along every path of named nodes."""
    factors = _Factors()
    out: list = []
    root = solution.loss if solution.loss is not None else solution.output
    L = graph.loss_symbol
    seen_labels: set[int] = set()

    def paths_from(tensor) -> list[list[int]]:
        if tensor is root:
            return [[]]
        result = []
        for consumer in _named_consumers(graph, tensor):
            uppers = paths_from(consumer)  # label from the loss down, as students write the chain
            c_sym, t_sym = graph.symbol(consumer) if consumer is not root else L, graph.symbol(tensor)
            lhs = Derivative(c_sym, t_sym)
            value = graph.jacobian(consumer, tensor).reshape(()).item()
            label, _ = factors.label(("edge", id(consumer), id(tensor)), lhs, graph.edge_formula(consumer, tensor),
                                     value, graph.name(consumer))
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
                                Number(tensor.grad.reshape(()).item()), note))
    return out


def _named_consumers(graph: NamedGraph, tensor) -> list:
    found = []
    stack = [c for c, _ in graph.consumers.get(id(tensor), [])]
    while stack:
        c = stack.pop(0)
        if graph.name(c) is not None or c is graph.order[-1]:
            if all(c is not f for f in found):
                found.append(c)
        else:
            stack.extend(cc for cc, _ in graph.consumers.get(id(c), []))
    return found


# ---------------------------------------------------------------- helpers


def _weight_index(layer: LayerInfo, convention: str | None, j: int, k: int) -> tuple[int, ...]:
    if layer.flat_weights:
        return (j,)
    return (j, k) if convention == "row" else (k, j)


def _at(array: Any, index: tuple) -> Any:
    array = np.asarray(array) if not isinstance(array, np.ndarray) else array
    return array[index] if index else array.reshape(-1)[0] if array.size == 1 else array


def _sum(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


def _is_zero(value: Any) -> bool:
    """Whether a gradient is exactly 0: a float, a Fraction or a SymPy expression (compared as written)."""
    return bool(value == 0)


substitute_all = substitute


def formula_loss_partials(solution: Solution) -> list | None:
    """dL/dy_k of a formula loss as SymPy expressions in y_1, y_2, ... (and t_1, ...), or None.

    The engine derives them itself: the formula runs on symbols in symbolic mode and
    backward() gives each partial, so no derivative is written here.
    """
    from gradwork.nn.losses import LOSSES

    if not solution.loss_name or solution.loss_name in LOSSES or solution.output.size > 8:
        return None
    try:
        import sympy

        from gradwork.problem.expressions import EvaluationContext, parse_expression
        from gradwork.tensor import Tensor

        def symbols(letter: str, like) -> np.ndarray:
            names = [sympy.Symbol(f"{letter}_{k + 1}") for k in range(like.size)]
            return np.array(names, dtype=object).reshape(like.shape)

        y = Tensor(symbols("y", solution.output.data), requires_grad=True, backend="symbolic")
        env = {"y": y}
        if solution.target is not None:
            env["t"] = Tensor(symbols("t", solution.target.data), backend="symbolic")
        loss = parse_expression(solution.loss_name, set(env)).evaluate(
            env, EvaluationContext(y.backend, solution.relu_grad_at_zero))
        loss.backward()
        readable = y.backend.simplify(np.asarray(y.grad, dtype=object))
        return list(np.asarray(readable, dtype=object).reshape(-1))
    except Exception:  # an exotic formula: the factor is then shown by its value alone
        return None
