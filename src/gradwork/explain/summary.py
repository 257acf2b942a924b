"""The derivation's closing sections: the plain update step (θ′ = θ − η ∂L/∂θ), the summary table, the
answers asked and the pitfalls ("Watch out") of the ops used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph, element, value_expr
from gradwork.explain.layerwise import asked
from gradwork.explain.math import Derivative, Expr, Neg, Number, Product, Relation, Sum, Symbol
from gradwork.explain.steps import Pitfall, Prose, Section, Table, Update
from gradwork.explain.symbols import updated
from gradwork.explain.wording import for_student, typeset
from gradwork.nn.losses import LOSSES
from gradwork.ops import OPS, ops_of_kind
from gradwork.problem.notation import LEARNING_RATE
from gradwork.problem import Solution
from gradwork.problem.expressions import EvaluationContext, parse_expression
from gradwork.tensor import Tensor


# ---------------------------------------------------------------- update


def update_section(solution: Solution, graph: NamedGraph, per_weight: bool = False) -> Section:
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


def summary_section(solution: Solution, graph: NamedGraph) -> Section:
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


def answers_section(solution: Solution, graph: NamedGraph) -> Section:
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



def pitfall_steps(solution: Solution, graph: NamedGraph, notes: bool = False) -> list[Pitfall]:
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
                    sentence = for_student(record.sentence.format(**_shown_params(node.params)), notes)
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
