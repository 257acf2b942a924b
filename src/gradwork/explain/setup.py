"""The derivation's first section, "Setup": the given values and the definitions of the activations and the
loss the problem uses (with the derivative rules, read from the op registry).
"""

from __future__ import annotations

import re

import numpy as np

from gradwork.explain.graph import NamedGraph, element, loss_divisor, value_expr
from gradwork.explain.layerwise import grad, layer_letters
from gradwork.explain.math import (
    MATRIX,
    Call, Cases, Derivative, Expr, Neg, Number, OpTemplate, Product, Quotient, Relation, Sum, Symbol, Words,
)
from gradwork.explain.steps import Definition, Given, Prose, Section
from gradwork.explain.wording import for_student, words_only
from gradwork.nn.activations import UnknownActivationError, activation as named_activation, is_identity
from gradwork.problem.notation import LEARNING_RATE, notation
from gradwork.problem import Solution
from gradwork.problem.expressions import EvaluationContext, parse_expression
from gradwork.tensor import Tensor


# ---------------------------------------------------------------- setup


def setup_section(solution: Solution, graph: NamedGraph, notes: bool = False) -> Section:
    steps: list = []
    if solution.form == "network":
        letters = layer_letters(solution, graph)
        z, a, W, b = (Symbol(letters[k], "l") for k in ("z", "a", "W", "b"))
        before, w = Symbol(letters["a"], "l−1"), letters["W"].lower()
        inputs = f"{letters['a']}⁽⁰⁾ = {graph.symbols['input'].text()}, the input"
        if solution.convention == "row":
            rule = Relation((z, Sum((Product((before, W), MATRIX), b))))
            text = (f"Row convention: layer l computes {z.text()} = {before.text()} {W.text()} + {b.text()} "
                    f"({inputs}), so {W.text()} has shape [inputs, units] and {w}_jk joins input j to unit k. "
                    "Indices count from 1.")
        else:
            rule = Relation((z, Sum((Product((W, before), MATRIX), b))))
            text = (f"Column convention: layer l computes {z.text()} = {W.text()} {before.text()} + {b.text()} "
                    f"({inputs}), so {W.text()} has shape [units, inputs] and {w}_kj joins input j to unit k. "
                    "Indices count from 1.")
        steps.append(Prose(text, rule))
    given = []
    for name, symbol in graph.symbols.items():
        if name == "loss":
            continue
        try:
            tensor = graph.tensor(name)
        except KeyError:
            continue
        if tensor.op is None:
            given.append(Relation((symbol, value_expr(tensor.data))))
    if solution.parameters and solution.optimizer.name not in ("", "none") and solution.optimizer.lr is not None:
        given.append(Relation((LEARNING_RATE, Number(solution.optimizer.lr, exact=True))))
    for constant, value in graph.constants().items():  # leaky ReLU's α: given, then used by name
        given.append(Relation((constant, value)))
    if given:
        steps.append(Given(tuple(given)))
    steps.extend(_definitions(solution, graph, notes))
    return Section("Setup", "setup", tuple(steps))


def _definitions(solution: Solution, graph: NamedGraph, notes: bool = False) -> list[Definition]:
    """Each activation and the loss stated once, with its derivative rule.

    An activation is stated in a variable no other symbol of the page uses (u, unless the problem
    names something u); the loss in the problem's own symbols: its name, its output and its target.
    """
    seen: set[str] = set()
    out: list[Definition] = []
    ops_used = [node.op for node in graph.order if node.op is not None]
    dummy = Symbol(notation(solution).fresh("uvsrq", also_avoid="e"))
    for op in ops_used:
        if op.name in seen or not op.defined:  # the registry says which ops an explanation defines
            continue
        seen.add(op.name)
        if op.term is not None:
            if solution.loss is not None and solution.loss.op is op:
                out.append(_loss_definition(solution, graph))
            continue
        bindings = tuple((p.wrt, dummy) for p in op.partials)
        out_expr = OpTemplate(op.name, "notation", bindings)
        derivative = Relation((Derivative(out_expr, dummy),
                               OpTemplate(op.name, "partial", bindings + (("out", out_expr),), 0)))
        formula: Expr = OpTemplate(op.name, "definition", bindings)
        if "e" in notation(solution).taken() and op.notation.latex.replace(" ", "").startswith("e^"):
            formula = out_expr  # e is a quantity of this problem: exp(u) is not written as e to the u
        out.append(Definition(op.name, formula, derivative, _sentence(op.sentence, dummy, notes)))
    for layer in solution.layers:
        if is_identity(layer.activation) or layer.activation in seen or \
                layer.activation in {o.name for o in ops_used if o.kind != "arithmetic"}:
            continue
        seen.add(layer.activation)
        out.append(_derived_activation(layer.activation, solution.relu_grad_at_zero, dummy.base, notes))
    return out


def _sentence(sentence: str, dummy: Symbol, notes: bool) -> str:
    """A rule's sentence in the page's variable, without engine words unless the teacher asked for notes."""
    text = words_only(sentence)
    text = re.sub(r"(?<![A-Za-z\\])x(?![A-Za-z])", dummy.base, text)
    return for_student(text, notes)


def _loss_definition(solution: Solution, graph: NamedGraph) -> Definition:
    """The loss in the problem's own symbols: J = −(y ln(a₃) + (1 − y) ln(1 − a₃)) and its derivative for one
    output; L = (1/D) Σₖ term(yₖ, tₖ) with ∂L/∂yₖ over several (D written as a number); cross-entropy in
    the probabilities p of the forward pass, L = −Σₖ tₖ ln(pₖ) with ∂L/∂zₖ = pₖ − tₖ."""
    loss = solution.loss
    assert loss is not None and loss.op is not None
    op = loss.op
    L = graph.loss_symbol
    y, t = loss.inputs
    y_sym = graph.symbol(y) or Symbol("y")
    t_sym = graph.symbol(t) or graph.symbols.get("target", Symbol("t"))
    divisor = loss_divisor(loss)
    batch = y.ndim > 1
    index: tuple[int | str, ...] = ("n", "k") if batch else ("k",)
    if op.inner is not None:  # cross-entropy: in the probabilities p of the forward pass
        p_sym = graph.symbols.get(_probabilities_node(solution) or "", Symbol("p"))
        p_k, t_k = element(p_sym, index), element(t_sym, index)
        total: Expr = Neg(Call("sum_nk" if batch else "sum_k", (Product((t_k, Call("ln", (p_k,)))),)))
        z_k = element(y_sym, index)
        slope: Expr = Sum((p_k, Neg(t_k)))
        formula = Relation((L, total if divisor == 1 else Quotient(total, Number(divisor, exact=True))))
        rule = Relation((Derivative(L, z_k), slope if divisor == 1 else Quotient(slope, Number(divisor, exact=True))))
        return Definition(op.name, formula, rule, "")
    if y.size == 1:
        y_k, t_k = y_sym, t_sym
        term: Expr = OpTemplate(op.name, "term", (("y", y_k), ("t", t_k)))
    else:
        y_k, t_k = element(y_sym, index), element(t_sym, index)
        term = Call("sum_nk" if batch else "sum_k", (OpTemplate(op.name, "term", (("y", y_k), ("t", t_k))),))
    formula = Relation((L, term if divisor == 1 else Quotient(term, Number(divisor, exact=True))))
    rule = Relation((Derivative(L, y_k), graph.loss_partial(loss, (("y", y_k), ("t", t_k), ("out", L)))))
    return Definition(op.name, formula, rule, "")


def _probabilities_node(solution: Solution) -> str | None:
    return next((name for name in solution.nodes if name.endswith(".p")), None)


def _derived_activation(activation: str, relu_at_zero, variable_name: str = "u", notes: bool = False) -> Definition:
    """σ and σ′ of an activation made of several ops (a formula such as "x**2"): the engine
    differentiates it itself, by running it on a symbol in symbolic mode."""
    import sympy  # heavy: imported only when an activation written as a formula is explained

    x = Tensor(np.array(sympy.Symbol(variable_name), dtype=object), requires_grad=True, backend="symbolic")
    try:
        y = named_activation(activation)(x)
    except UnknownActivationError:  # a formula in x, evaluated on the page's variable
        y = parse_expression(activation, {"x"}).evaluate({"x": x}, EvaluationContext(x.backend, relu_at_zero))
    y.backward()
    readable = x.backend.simplify  # bounded cost; sympy.simplify can hang (see docs/modes.md)
    value, slope = readable(y.data).item(), readable(grad(x)).item()
    sigma, variable = "σ", Symbol(variable_name)
    return Definition(
        activation,
        Relation((Call(sigma, (variable,)), _cases(value))),
        Relation((Call(sigma + "′", (variable,)), _cases(slope))),
        "The engine derived σ′ itself, by running σ on a symbol in symbolic mode." if notes else "",
    )


def _cases(expr) -> Expr:
    """A SymPy result as a formula; a Piecewise as cases ({1 if x > 0; 0 otherwise}), never raw."""
    import sympy  # heavy: imported only when an activation written as a formula is explained

    if getattr(expr, "has", None) and expr.has(sympy.Piecewise):
        expr = sympy.piecewise_fold(expr)
    if isinstance(expr, sympy.Piecewise):
        branches = []
        for value, condition in expr.args:
            free = sorted(condition.free_symbols, key=str)
            if len(free) == 1 and condition is not sympy.true:
                try:  # Eq(x, 0) | (x > 0) reads x ≥ 0 (an unbounded side, x < ∞, says nothing)
                    condition = condition.as_set().as_relational(free[0])
                    if isinstance(condition, sympy.And):
                        kept = [a for a in condition.args if not a.has(sympy.oo, -sympy.oo)]
                        condition = sympy.And(*kept) if kept else sympy.true
                except (NotImplementedError, TypeError, AttributeError):
                    pass
            when = Words("otherwise") if condition is sympy.true else Words("if " + _condition_text(condition))
            branches.append((Number(sympy.simplify(value), exact=True), when))
        return Cases(tuple(branches))
    return Number(expr, exact=True)


def _condition_text(condition) -> str:
    text = str(condition)
    for ascii_form, shown in ((">=", "≥"), ("<=", "≤"), ("&", "and"), ("|", "or"), ("-", "−")):
        text = text.replace(ascii_form, shown)
    return text
