"""From a solved problem to its worked derivation (pure data).

``derive(solution, style)`` returns a :class:`~gradwork.explain.steps.Derivation`:
setup, forward pass, loss, backward pass in the chosen style, update, summary
and pitfalls, in that order. Every number comes from the engine's values and
gradients; every formula from the op registry's notation and rule templates.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np

from gradwork.explain import backward, optimizer
from gradwork.explain.formulas import formula_loss
from gradwork.explain.graph import NamedGraph, element, loss_divisor, value_expr
from gradwork.explain.layerwise import asked, grad, layer_letters, weight_index
from gradwork.explain.math import (
    MATRIX,
    Array, Call, Cases, Derivative, Expr, Neg, Number, OpTemplate, Product, Quotient, Relation, Sum, Symbol, Words,
    as_rows, substitute,
)
from gradwork.explain.steps import Compute, Definition, Derivation, Given, Pitfall, Prose, Section, Table, Update
from gradwork.explain.symbols import symbol_table, updated
from gradwork.nn.activations import UnknownActivationError, activation as named_activation, is_identity
from gradwork.nn.losses import LOSSES
from gradwork.ops import OPS, Op, ops_of_kind
from gradwork.problem.notation import LEARNING_RATE, notation
from gradwork.problem import Solution
from gradwork.problem.expressions import EvaluationContext, parse_expression
from gradwork.tensor import Tensor

Style = Literal["chain", "delta", "matrix"]
STYLES: tuple[str, ...] = ("chain", "delta", "matrix")
MAX_EXPANDED_UNITS = 8  # beyond this many units (or inputs per unit) a layer is shown in matrix form only


def derive(solution: Solution, style: Style = "chain", notes: bool = False) -> Derivation:
    """The worked solution as steps. ``notes``: keep the teacher's implementation remarks (how the engine
    derived a formula activation, conventions by their option names); a student's page has none."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r} (expected chain, delta or matrix)")
    symbols = symbol_table(solution)
    graph = NamedGraph(solution, symbols)
    sections = [
        _setup(solution, graph, notes),
        _forward(solution, graph),
    ]
    if solution.loss is not None:
        sections.append(_loss(solution, graph))
    sections.append(backward.section(solution, graph, style))
    if optimizer.needed(solution):  # momentum, Adam, several steps: the optimizer's own working, step by step
        sections.extend(optimizer.sections(solution, graph))
    elif solution.parameters and solution.optimizer.name != "none":
        sections.append(_update(solution, graph, per_weight=style == "chain"))
    sections.append(_summary(solution, graph))
    if getattr(solution, "ask", ()):
        sections.append(_answers(solution, graph))
    pitfalls = _pitfalls(solution, graph, notes)
    if pitfalls:
        sections.append(Section("Watch out", "summary", tuple(pitfalls)))
    vectors: Literal["row", "column"] = "row" if solution.form == "network" and solution.convention == "row" \
        else "column"
    if vectors == "row":
        sections = [as_rows(section) for section in sections]
    return Derivation(solution.title, style, solution.mode, tuple(sections), symbols, vectors)


# ---------------------------------------------------------------- setup


def _setup(solution: Solution, graph: NamedGraph, notes: bool = False) -> Section:
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
    text = _words_only(sentence)
    text = re.sub(r"(?<![A-Za-z\\])x(?![A-Za-z])", dummy.base, text)
    return _student(text, notes)


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


# ---------------------------------------------------------------- forward


def _forward(solution: Solution, graph: NamedGraph) -> Section:
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


def _loss(solution: Solution, graph: NamedGraph) -> Section:
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
    formula: Expr = terms[0] if len(terms) == 1 else Sum(tuple(terms))
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
    formula: Expr = formulas[0] if len(formulas) == 1 else Sum(tuple(formulas))
    substituted: Expr = numbers[0] if len(numbers) == 1 else Sum(tuple(numbers))
    divisor = loss_divisor(loss)
    if divisor > 1:
        formula = Quotient(formula, Number(divisor, exact=True))
        substituted = Quotient(substituted, Number(divisor, exact=True))
    return formula, substituted


def _exact_value(value) -> Expr:
    array = np.asarray(value, dtype=object)
    if array.ndim == 0:
        return Number(array.item(), exact=True)
    return Array(tuple(Number(v, exact=True) for v in array.ravel().tolist()))


# ---------------------------------------------------------------- update


def _update(solution: Solution, graph: NamedGraph, per_weight: bool = False) -> Section:
    """θ′ = θ − η ∂L/∂θ with numbers for every parameter. ``per_weight`` (the chain style): a parameter whose
    every element the problem names (w1 … w8, as Mazur's post and seed 002) gets one line per element."""
    steps: list = []
    opt = solution.optimizer
    eta = LEARNING_RATE
    if opt.name != "sgd" or opt.options.get("momentum"):
        steps.append(Prose(f"Optimizer {opt.name} with {opt.options or 'its defaults'}: each parameter moves "
                           "by its rule; the values below are after the update."))
    for name, tensor in solution.parameters.items():
        symbol = graph.symbols.get(name, Symbol(name, one_based=False))
        new_value = _updated_value(solution, name, tensor)
        if name in solution.frozen:
            steps.append(Update(name, Relation((updated(symbol), symbol, value_expr(tensor.data))), frozen=True))
            continue
        if per_weight and opt.name == "sgd" and not opt.options.get("momentum") and tensor.grad is not None and \
                tensor.ndim and len(symbol.elements) == tensor.size:
            for index in sorted(np.ndindex(tensor.shape), key=lambda i: _name_order(element(symbol, i))):
                own = element(symbol, index)
                rule = Sum((own, Neg(Product((eta, Derivative(graph.loss_symbol, own))))))
                numbers = Sum((Number(tensor.data[index]), Neg(Product((Number(opt.lr, exact=True),
                                                                        Number(tensor.grad[index]))))))
                after = np.asarray(solution.updated.get(name, tensor.data), dtype=object)[index]
                steps.append(Update(f"{name}[{','.join(map(str, index))}]",
                                    Relation((updated(own), rule, numbers, Number(after)))))
            continue
        if opt.name == "sgd" and not opt.options.get("momentum") and tensor.grad is not None:
            rule = Sum((symbol, Neg(Product((eta, Derivative(graph.loss_symbol, symbol))))))
            numbers = Sum((value_expr(tensor.data), Neg(Product((Number(opt.lr, exact=True),
                                                                  value_expr(tensor.grad))))))
            relation = Relation((updated(symbol), rule, numbers, new_value))
        else:
            relation = Relation((updated(symbol), new_value))
        steps.append(Update(name, relation))
    if opt.steps > 1:
        steps.append(Prose(f"The derivation shows the first of {opt.steps} steps; the updated values are "
                           f"after all {opt.steps}."))
    return Section("Update", "update", tuple(steps))


def _name_order(symbol: Symbol) -> tuple[str, int, str]:
    """w1 < w2 < w10: the problem's names in their own order (the sheet's), not the matrix's."""
    sub = symbol.sub
    return (symbol.base, int(sub) if sub.isdigit() else 0, sub)


def _updated_value(solution: Solution, name: str, tensor) -> Expr:
    value = solution.updated.get(name)
    return value_expr(tensor.data if value is None else value)


# ---------------------------------------------------------------- summary and pitfalls


def _summary(solution: Solution, graph: NamedGraph) -> Section:
    updates = bool(solution.parameters) and solution.optimizer.name != "none"  # no "updated" column without a step
    rows: list[tuple[Expr | str, ...]] = []
    for name, tensor in solution.nodes.items():
        if graph.name(tensor) != name:
            continue
        symbol = graph.symbols.get(name, Symbol(name, one_based=False))
        shown = name != "loss" and not (solution.form == "network" and name in ("input", "target")
                                         and not asked(solution, name))  # ∂L/∂x only when asked
        gradient: Expr | str = value_expr(tensor.grad) if tensor.grad is not None and shown else "—"
        row: tuple[Expr | str, ...] = (symbol, value_expr(tensor.data), gradient)
        if updates:
            row += (_updated_value(solution, name, tensor) if name in solution.parameters else "—",)
        rows.append(row)
    columns = ("quantity", "value", f"∂{graph.loss_symbol.text()}/∂·") + (("updated",) if updates else ())
    return Section("Summary", "summary", (Table("Summary", columns, tuple(rows)),))


def _answers(solution: Solution, graph: NamedGraph) -> Section:
    """What the problem asks (``ask:``), in its order: the derivation ends with these."""
    rows: list[tuple[Expr | str, ...]] = []
    for quantity in solution.ask:
        index = tuple(quantity.index) if quantity.index is not None else ()
        if quantity.section == "loss":
            rows.append((graph.loss_symbol, value_expr(solution.loss.data) if solution.loss is not None else "—"))
            continue
        name = quantity.name or ""
        try:
            tensor = graph.tensor(name)
        except KeyError:
            rows.append((Symbol(quantity.key, one_based=False), "—"))
            continue
        base = graph.symbols.get(name, Symbol(name, one_based=False))
        symbol = element(base, index) if index else base

        def pick(value, index=index):
            return value_expr(np.asarray(value, dtype=object)[index] if index else value)

        if quantity.section == "values":
            rows.append((symbol, pick(tensor.data)))
        elif quantity.section == "gradients":
            rows.append((Derivative(graph.loss_symbol, symbol), pick(tensor.grad) if tensor.grad is not None else "—"))
        else:
            new = solution.updated[name] if name in solution.updated else tensor.data
            rows.append((updated(symbol), pick(new)))
    return Section("Answers", "summary", (Table("Answers", ("asked", "value"), tuple(rows)),))


def _student(text: str, notes: bool) -> str:
    """A sentence without the engine's option names, unless the teacher asked for notes."""
    if notes:
        return text
    return text.replace(" (relu_grad_at_zero)", "").replace("relu_grad_at_zero", "the problem's convention")


def _pitfalls(solution: Solution, graph: NamedGraph, notes: bool = False) -> list[Pitfall]:
    """The registry's pitfall records of the ops used here (a fused op's where the ops it fuses are used
    together; a formula loss counts as the named loss it equals), each code once, in the records' order."""
    names = {node.op.name for node in graph.order if node.op is not None}
    formula = _formula_kind(solution)
    present = names | ({formula} if formula else set())
    shown: dict[str, tuple[int, Pitfall]] = {}
    for op in OPS.values():
        used = set(op.fuses) <= present if op.fuses else op.name in present
        for record in op.pitfalls if used else ():
            if not record.explained or record.code in shown:
                continue
            if record.when == "used":
                shown[record.code] = (record.order, Pitfall(record.code, typeset(record.sentence)))
                continue
            for node in graph.order:  # "at_zero": where an input of the op is exactly 0, named there
                if node.op is op and np.any(node.inputs[0].data == 0):
                    sentence = _student(record.sentence.format(**_shown_params(node.params)), notes)
                    shown[record.code] = (record.order, Pitfall(record.code, typeset(sentence), graph.name(node)))
                    break
    found = [pitfall for _, pitfall in sorted(shown.values(), key=lambda item: item[0])]
    opt = solution.optimizer
    trained_biases = [n for n in solution.parameters if n.endswith(".b") and n not in solution.frozen]
    if trained_biases and opt.name not in ("", "none") and opt.steps >= 1:
        plain_sgd = opt.name == "sgd" and not opt.options.get("momentum")
        rule = "each moves by −η times its gradient" if plain_sgd else \
            f"each follows the same {opt.name} rule as the weights"
        found.append(Pitfall("bias_not_updated", f"Biases are parameters too: {rule}."))
    return found


def _shown_params(params: dict[str, Any]) -> dict[str, str]:
    """A node's numeric parameters as a pitfall sentence shows them (``:g``)."""
    shown = {}
    for key, value in params.items():
        try:
            shown[key] = f"{float(value):g}"
        except (TypeError, ValueError):
            continue
    return shown


def _natural_log(op: Op) -> bool:
    """Whether the op takes a log (its records include the natural-log pitfall)."""
    return any(record.code == "log_base_10" for record in op.pitfalls)


def _formula_kind(solution: Solution) -> str | None:
    """A loss written as a formula that is a named loss in disguise (½ Σ (t − y)², BCE, CE), so that
    its pitfalls apply: recognised by evaluating it against the named losses at two sample points.
    Returns that loss's op name (a loss averaged over its outputs also matches written as a sum)."""
    name = solution.loss_name
    if not name or name in LOSSES or solution.output.size > 8:
        return None
    try:
        formula = parse_expression(name, {"y", "t"})
        shape = np.shape(solution.output.data)
        candidates = [(op, 1.0) for op in ops_of_kind("loss")]
        candidates += [(op, float(np.prod(shape))) for op in ops_of_kind("loss") if op.averages_outputs]
        for op, scale in candidates:  # scale: Σ, not the mean
            same = True
            for seed in (1, 2):
                rng = np.random.default_rng(seed)
                y = rng.uniform(0.1, 0.9, shape)
                t_ = rng.uniform(0.0, 1.0, shape)
                env = {"y": Tensor(y), "t": Tensor(t_)}
                mine = formula.evaluate(env, EvaluationContext(env["y"].backend, 0)).data
                theirs = scale * np.asarray(op.forward(env["y"].backend, y, t_), dtype=float)
                if not np.allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float)):
                    same = False
                    break
            if same:
                return op.name
    except Exception:  # a formula in other names, or one the test points do not suit: no claim
        return None
    return None


_TYPOGRAPHY = (("1/2", "½"), ("^2", "²"), (" - ", " − "), ("(-", "(−"), ("sigma", "σ"), ("alpha", "α"),
               (">=", "≥"), ("<=", "≤"), ("s_i", "sᵢ"), ("s_j", "sⱼ"), ("dL/dy", "∂L/∂y"), ("dL/dz", "∂L/∂z"))


def typeset(text: str) -> str:
    """A registry sentence in the typography of the rest of the derivation (½, −, σ, ≥)."""
    for ascii_form, shown in _TYPOGRAPHY:
        text = text.replace(ascii_form, shown)
    return text


def _words_only(sentence: str) -> str:
    """A rule's sentence without the ASCII copy of the formula typeset above it ("f'(x) = ...: why")."""
    head, sep, tail = sentence.partition(": ")
    if sep and "=" in head and tail:
        return typeset(tail[0].upper() + tail[1:])
    return typeset(sentence)


