"""Matrix style: one step per named node, upstream gradient times local derivative in vector form."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from gradwork.explain.formulas import formula_loss
from gradwork.explain.gates import separate_elements
from gradwork.explain.graph import NamedGraph, element, value_expr
from gradwork.explain.layerwise import asked, substitute_all, sum_terms, value_at
from gradwork.explain.math import (
    MATRIX,
    Array,
    Call,
    Derivative,
    Neg,
    OpTemplate,
    Transpose,
    Expr,
    Number,
    Product,
    Relation,
    Sum,
    Symbol,
)
from gradwork.explain.steps import Compute
from gradwork.problem import Solution


def matrix(solution: Solution, graph: NamedGraph) -> list:
    steps: list = []
    mapping = graph.values_mapping()  # a piecewise rule ([z > 0]) gets z's numbers like any formula
    root = solution.loss if solution.loss is not None else solution.output
    if solution.loss is None and solution.upstream is not None:
        symbol = graph.written_for(solution.output)
        steps.append(Compute(graph.name(solution.output) or "output", "backward",
                             Derivative(graph.loss_symbol, symbol), None, None,
                             value_expr(solution.output.grad), "The upstream gradient is given."))
    for name in reversed(list(solution.nodes)):
        tensor = solution.nodes[name]
        if tensor is root or graph.name(tensor) != name or tensor.grad is None:
            continue
        if solution.form == "network" and name in ("input", "target") and not asked(solution, name):
            continue  # ∂L/∂x and ∂L/∂t only when the problem asks for them
        terms = graph.gradient_terms(tensor)
        if not terms:
            continue
        symbol = graph.written(name)
        lhs = Derivative(graph.loss_symbol, symbol)
        formula = _merged([t for _, t in terms])
        jacobians = _jacobian_steps(graph, tensor, symbol)
        for step, template, value in jacobians:
            steps.append(step)
            mapping[template] = value  # the gradient step multiplies by the Jacobian's numbers, shown above
            formula = substitute_all(formula, {template: step.lhs})  # … by ∂a/∂z, as derived just above
        substituted = substitute_all(formula, {**mapping, **{s.lhs: v for s, _, v in jacobians}})
        note = None
        if len(terms) > 1 and separate_elements(graph, tensor):
            # w[0], w[1], w[2]: each element is used once, so nothing adds up; not a fork.
            note = ("Each element of this value is used on its own, so each element's gradient comes from "
                    "its one use, put back at its position.")
        elif len(terms) > 1:
            note = (f"This value is used {len(terms)} times: its gradient is the sum of the gradients "
                    "along every path (one term per use).")
        readable = _formula_loss_gradient(solution, graph, tensor, terms)
        if readable is not None:  # a formula loss: its derivative as the engine derived it, in y_k and t_k
            formula, substituted = readable
            note = None  # one formula: the uses inside the loss formula are already added up
        parts: tuple[Relation, ...] = ()
        if solution.mode == "symbolic" and solution.form == "graph" and tensor.ndim == 1 \
                and 1 < tensor.size <= MAX_ELEMENT_PARTS:
            paths, parts = _element_paths(graph, tensor, symbol)
            if len(paths) > 1:
                substituted = Sum(tuple(value_expr(path) for path in paths))
        steps.append(Compute(name, "backward", lhs, formula, substituted, value_expr(tensor.grad), note, parts))
    return steps


def _merged(terms: list[Expr]) -> Expr:
    """Terms that are each a vector with a few nonzero places (picked elements routed back) as one vector:
    each place holds the sum of what reached it, 0 where nothing did."""
    vectors = [t for t in terms if isinstance(t, Array) and not isinstance(t.rows[0], tuple)]
    if len(terms) > 1 and len(vectors) == len(terms) and len({len(t.rows) for t in vectors}) == 1:
        places: list[Expr] = []
        for k in range(len(vectors[0].rows)):
            reached = [t.rows[k] for t in vectors if not (isinstance(t.rows[k], Number) and t.rows[k].value == 0)]
            places.append(sum_terms(reached) if reached else Number(0, exact=True))
        return Array(tuple(places))
    return sum_terms(terms)


def _formula_loss_gradient(solution: Solution, graph: NamedGraph, tensor: Any, terms: list) -> tuple | None:
    """∂L/∂y of a loss written as a formula, readable: (−Y₁/O₁ − (Y₁ − 1)/(1 − O₁), …) with numbers in the same
    places, instead of the VJPs of its pieces (−1 ⊙ t ⊙ (1 / y) …)."""
    if tensor is not solution.output or solution.loss is None or \
            any(owner is not graph.root for owner, _ in terms):
        return None
    written = formula_loss(solution, graph)
    if written is None or len(written.partials) != tensor.size or tensor.ndim > 1:
        return None
    if tensor.ndim:
        return Array(written.partials), Array(written.partials_substituted)
    return written.partials[0], written.partials_substituted[0]


def _jacobian_steps(graph: NamedGraph, tensor: Any, symbol: Symbol) -> list:
    """A softmax (an op whose every output depends on every input) fed by ``tensor``: its Jacobian
    J = ∂a/∂z stated with numbers, entry by entry, before the gradient that multiplies by it."""
    out = []
    for consumer, position in graph.consumers.get(id(tensor), []):
        op = consumer.op
        if op is None or op.element_partials is None or graph.name(consumer) is None or consumer.ndim != 1:
            continue
        a_sym = graph.written_for(consumer)
        template = graph.local_formula(consumer, position)
        n = consumer.size
        J = np.asarray(graph.jacobian(consumer, tensor), dtype=object).reshape(n, n)
        if graph.row_vectors:  # diag(a) − aᵀa: a is a row, so the outer product is aᵀ a
            shown: Expr = Sum((Call("diag", (a_sym,)), Neg(Product((Transpose(a_sym), a_sym), MATRIX))))
        else:
            shown = Sum((Call("diag", (a_sym,)), Neg(Product((a_sym, Transpose(a_sym)), MATRIX))))
        numbers = substitute_all(shown, {a_sym: value_expr(consumer.data)})
        parts = []
        for i in range(n):
            for j in range(n):
                a_i, a_j = element(a_sym, (i,)), element(a_sym, (j,))
                part: Literal["element_diagonal", "element_off_diagonal"] = \
                    "element_diagonal" if i == j else "element_off_diagonal"
                rule = OpTemplate(op.name, part, (("oi", a_i), ("oj", a_j)))
                with_numbers = OpTemplate(op.name, part, (("oi", Number(consumer.data[i])),
                                                          ("oj", Number(consumer.data[j]))))
                parts.append(Relation((Derivative(a_i, element(symbol, (j,))), rule, with_numbers, Number(J[i, j]))))
        step = Compute(graph.name(consumer) or "", "backward", Derivative(a_sym, symbol), shown, numbers,
                       value_expr(J), "Every output depends on every input: the full Jacobian, entry by entry.",
                       tuple(parts))
        out.append((step, template, value_expr(J)))
    return out


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
    import sympy  # heavy: imported only when a symbolic graph is explained element by element

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
    in_values = [np.asarray(c.pullback(c.grad, p), dtype=object) for c, p in uses if c.grad is not None]
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
                gradient = Derivative(graph.loss_symbol, element(graph.written_for(node), index) if index
                                      else graph.written_for(node))
                value = Number(value_at(node.grad, index))
                if coefficient == 1:
                    formula_terms.append(gradient)
                    value_terms.append(value)
                else:
                    formula_terms.append(Product((gradient, Number(coefficient))))
                    value_terms.append(Product((value, Number(coefficient))))
        total = Number(tensor.grad[i])
        sides: list[Expr] = [Derivative(graph.loss_symbol, element(symbol, (i,)))]
        if formula_terms:
            sides += [sum_terms(formula_terms), sum_terms(value_terms)]
        parts.append(Relation(tuple(sides) + (total,)))
    return in_values, tuple(parts)


def matrix_single(graph: NamedGraph, name: str) -> list:
    tensor = graph.tensor(name)
    terms = graph.gradient_terms(tensor)
    if not terms:
        return []
    formula = sum_terms([t for _, t in terms])
    lhs = Derivative(graph.loss_symbol, graph.symbols[name])
    return [Compute(name, "backward", lhs, formula, substitute_all(formula, graph.values_mapping()),
                    value_expr(tensor.grad))]


