"""The optimizer's working, step by step: velocity (momentum) or moments (Adam) and the update with
numbers, and for every step after the first the loss and gradients again.

The first step's forward and backward pass is the derivation itself. Later steps replay the same
recorded graph with the updated parameters: each op's own forward and VJP from the registry (no
second engine), so step k's numbers are the ones the optimizer used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph, value_expr
from gradwork.explain.math import Call, Derivative, Expr, Neg, Number, Power, Product, Quotient, Relation, Sum, Symbol
from gradwork.explain.steps import Compute, Prose, Section, Update
from gradwork.explain.symbols import updated
from gradwork.problem.notation import LEARNING_RATE
from gradwork.problem import Solution
from gradwork.autodiff import backward_pass

MAX_STEPS_SHOWN = 5  # more steps than this: the first ones are worked, then the final values


def needed(solution: Solution) -> bool:
    """Whether the plain θ − η ∂L/∂θ line of one SGD step is not the whole story."""
    opt = solution.optimizer
    return bool(solution.parameters) and opt.name not in ("", "none") and \
        (opt.steps > 1 or opt.name != "sgd" or bool(opt.options.get("momentum")))


def sections(solution: Solution, graph: NamedGraph) -> list[Section]:
    """One section per worked step. Each quantity keeps one symbol: a parameter after step k is θ[k] (θ′
    when only one step is taken), the loss and gradients of step k are L[k] and ∂L[k]/∂θ, and each
    parameter has its own velocity or moments, v_(θ)[k] (graph form raises the step: θ⁽ᵏ⁾)."""
    opt = solution.optimizer
    momentum = opt.options.get("momentum", 0.9 if opt.name == "momentum" else 0)
    beta1, beta2 = opt.options.get("beta1", 0.9), opt.options.get("beta2", 0.999)
    eps = opt.options.get("eps", 1e-8)
    trained = {n: t for n, t in solution.parameters.items() if n not in solution.frozen}
    values = {n: np.asarray(t.data).copy() for n, t in solution.parameters.items()}
    state: dict[str, dict[str, Any]] = {n: {} for n in trained}
    out: list[Section] = []
    shown = min(opt.steps, MAX_STEPS_SHOWN)
    raised = solution.form == "graph"
    several = opt.steps > 1

    def at(symbol: Symbol, k: int | None) -> Symbol:
        return symbol.at_step(k, raised=raised) if several and k is not None else symbol

    for k in range(1, opt.steps + 1):
        if k == 1:
            loss = solution.loss.data if solution.loss is not None else None
            grads = {n: t.grad for n, t in trained.items()}
        else:
            loss, grads = replay(solution, graph, values)
        loss_k = at(graph.loss_symbol, k) if k > 1 else graph.loss_symbol
        steps: list = []
        if k > 1 and k <= shown:
            steps.append(Prose(f"The same forward and backward pass with the parameters after step "
                               f"{k - 1}; the formulas are those of step 1, the numbers are new."))
            if loss is not None:
                steps.append(Compute("loss", "loss", loss_k, None, None, value_expr(loss)))
        for name in trained:
            g = grads[name]
            if g is None:
                continue
            theta = graph.symbols.get(name, Symbol(name, one_based=False))
            old = values[name]
            gradient = Derivative(loss_k, theta)
            if k > 1 and k <= shown:
                steps.append(Compute(name, "backward", gradient, None, None, value_expr(g)))
            symbols = _Symbols(theta, updated(theta) if not several else at(theta, k),
                               theta if k == 1 else at(theta, k - 1), gradient, raised)
            working, new = _rule(opt.name, momentum, beta1, beta2, eps, opt.lr, k, symbols, old, g, state[name])
            values[name] = new
            if k <= shown:
                steps.extend(Compute(name, "update", lhs, formula, numbers, result)
                             for lhs, formula, numbers, result in working[:-1])
                lhs, formula, numbers, result = working[-1]
                steps.append(Update(name, Relation((lhs, formula, numbers, result))))
        if k <= shown:
            out.append(Section(f"Step {k}" if opt.steps > 1 else "Update", "update", tuple(steps)))
    if opt.steps > shown:
        final = tuple(Update(n, Relation((at(graph.symbols.get(n, Symbol(n, one_based=False)), opt.steps),
                                          value_expr(values[n])))) for n in trained)
        out.append(Section(f"After all {opt.steps} steps", "update", (
            Prose(f"Steps {shown + 1} to {opt.steps} repeat the same working; the parameters after the last:"),
        ) + final))
    return out


class _Symbols:
    """How step k of one parameter's rule is written: its new and old values, its gradient, and its own
    velocity or moments, always with their step (v_(W⁽¹⁾)[1], m_(W⁽¹⁾)[0] = 0 before the first)."""

    def __init__(self, theta: Symbol, new: Symbol, old: Symbol, gradient: Derivative, raised: bool) -> None:
        self.theta, self.new, self.old, self.gradient, self.raised = theta, new, old, gradient, raised

    def state(self, base: str, k: int, accent: str = "") -> Symbol:
        return Symbol(base, of=self.theta, accent=accent).at_step(k, raised=self.raised)


def _rule(name: str, momentum: Any, beta1: Any, beta2: Any, eps: Any, lr: Any, k: int, sym: _Symbols,
          old: Any, g: Any, state: dict) -> tuple[list[tuple[Expr, Expr, Expr, Expr]], Any]:
    """The optimizer's rule for one parameter at step k: lines (lhs, formula, numbers, result) and θ′."""
    eta = LEARNING_RATE
    grad = sym.gradient
    lr_n, g_n = Number(lr, exact=True), value_expr(g)
    lines: list[tuple[Expr, Expr, Expr, Expr]] = []
    if name == "adam":
        m_prev, v_prev = state.get("m"), state.get("v")
        m = (1 - beta1) * g if m_prev is None else beta1 * m_prev + (1 - beta1) * g
        v = (1 - beta2) * g * g if v_prev is None else beta2 * v_prev + (1 - beta2) * g * g
        b1, b2 = Number(beta1, exact=True), Number(beta2, exact=True)
        one_minus = lambda b: Sum((Number(1, exact=True), Neg(b)))  # noqa: E731
        m_sym, v_sym = sym.state("m", k), sym.state("v", k)
        m_old, v_old = sym.state("m", k - 1), sym.state("v", k - 1)
        lines.append((m_sym, Sum((Product((b1, m_old)), Product((one_minus(b1), grad)))),
                      Sum((Product((b1, value_expr(m_prev if m_prev is not None else 0 * g))),
                           Product((one_minus(b1), g_n)))), value_expr(m)))
        lines.append((v_sym, Sum((Product((b2, v_old)), Product((one_minus(b2), Power(grad, Number(2, exact=True)))))),
                      Sum((Product((b2, value_expr(v_prev if v_prev is not None else 0 * g))),
                           Product((one_minus(b2), Power(g_n, Number(2, exact=True)))))), value_expr(v)))
        m_hat, v_hat = m / (1 - beta1 ** k), v / (1 - beta2 ** k)
        mh_sym, vh_sym = sym.state("m", k, "hat"), sym.state("v", k, "hat")
        power = Number(k, exact=True)
        lines.append((mh_sym, Quotient(m_sym, Sum((Number(1, exact=True), Neg(Power(b1, power))))),
                      Quotient(value_expr(m), Sum((Number(1, exact=True), Neg(Power(b1, power))))), value_expr(m_hat)))
        lines.append((vh_sym, Quotient(v_sym, Sum((Number(1, exact=True), Neg(Power(b2, power))))),
                      Quotient(value_expr(v), Sum((Number(1, exact=True), Neg(Power(b2, power))))), value_expr(v_hat)))
        step = lr * m_hat / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
        new = old - step
        e = Number(eps, exact=True)
        lines.append((sym.new,
                      Sum((sym.old, Neg(Product((eta, Quotient(mh_sym, Sum((Call("sqrt", (vh_sym,)), e)))))))),
                      Sum((value_expr(old), Neg(Product((
                          lr_n, Quotient(value_expr(m_hat), Sum((Call("sqrt", (value_expr(v_hat),)), e)))))))),
                      value_expr(new)))
        state["m"], state["v"] = m, v
        return lines, new
    if momentum:
        v_prev = state.get("v")
        velocity = g if v_prev is None else momentum * v_prev + g
        v_sym = sym.state("v", k)
        if v_prev is None:
            lines.append((v_sym, grad, g_n, value_expr(velocity)))  # PyTorch starts the velocity at the first g
        else:
            mu = Number(momentum, exact=True)
            lines.append((v_sym, Sum((Product((mu, sym.state("v", k - 1))), grad)),
                          Sum((Product((mu, value_expr(v_prev))), g_n)), value_expr(velocity)))
        state["v"] = velocity
        new = old - lr * velocity
        lines.append((sym.new, Sum((sym.old, Neg(Product((eta, v_sym))))),
                      Sum((value_expr(old), Neg(Product((lr_n, value_expr(velocity)))))), value_expr(new)))
        return lines, new
    new = old - lr * g
    lines.append((sym.new, Sum((sym.old, Neg(Product((eta, grad))))),
                  Sum((value_expr(old), Neg(Product((lr_n, g_n))))), value_expr(new)))
    return lines, new


def replay(solution: Solution, graph: NamedGraph, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The recorded graph run again with ``values`` for the parameters: the loss and each parameter's
    gradient, by the registry's forward and VJP of every op."""
    root = graph.root
    backend = root.backend
    data: dict[int, Any] = {}
    saved: dict[int, Any] = {}
    by_tensor = {id(t): n for n, t in solution.parameters.items()}
    for node in graph.order:
        if node.op is None:
            name = by_tensor.get(id(node))
            data[id(node)] = values[name] if name is not None else node.data
            continue
        inputs = [data[id(i)] for i in node.inputs]
        if node.op.save is not None:
            out, saved[id(node)] = node.op.save(backend, *inputs, **node.params)
        else:
            out, saved[id(node)] = node.op.forward(backend, *inputs, **node.params), None
        data[id(node)] = backend.native(out)
    # The backward half is the engine's one driver over the same graph, with the replayed values.
    position = {id(node): i for i, node in enumerate(graph.order)}
    grads = backward_pass(graph.order, [tuple(position[id(i)] for i in node.inputs) for node in graph.order],
                          [data[id(node)] for node in graph.order], position[id(root)],
                          backend.ones_like(data[id(root)]), saved=[saved.get(id(node)) for node in graph.order],
                          backend=backend)
    return data[id(root)], {n: grads.get(position.get(id(t), -1)) for n, t in solution.parameters.items()}
