"""A loss written as a formula (``loss: "-sum(t * log(y) + (1 - t) * log(1 - y))"``), in the problem's symbols.

The engine derives everything itself: the formula runs on SymPy symbols y_1, y_2, … and t_1, … in
symbolic mode, and backward() gives each ∂L/∂y_k (no derivative is written here). The results become
derivation formulas (:mod:`gradwork.explain.math`) with the problem's own symbols in the places of y_k and
t_k (O₁, Y₁ in seed 000), and their numbers are put into those same trees, so a substituted side follows
the formula as printed term by term.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph, element
from gradwork.explain.math import Call, Expr, Neg, Number, Power, Product, Quotient, Sum, Symbol, substitute
from gradwork.nn.losses import LOSSES
from gradwork.problem import Solution
from gradwork.problem.expressions import EvaluationContext, parse_expression
from gradwork.tensor import Tensor

MAX_OUTPUTS = 8  # a formula loss over more outputs than this is shown by its values


@dataclass(frozen=True)
class FormulaLoss:
    """The loss and each ∂L/∂y_k as trees in the problem's symbols, and with the numbers put in."""

    expression: Expr
    substituted: Expr
    partials: tuple[Expr, ...]
    partials_substituted: tuple[Expr, ...]


def formula_loss(solution: Solution, graph: NamedGraph) -> FormulaLoss | None:
    """The formula loss of ``solution`` (None for a named loss, a large output or a formula SymPy cannot read)."""
    if not solution.loss_name or solution.loss_name in LOSSES or solution.output.size > MAX_OUTPUTS:
        return None
    target_shape = None if solution.target is None else tuple(solution.target.data.shape)
    found = _formula_loss_of(solution.loss_name, tuple(solution.output.data.shape), target_shape,
                             solution.relu_grad_at_zero)
    if found is None:
        return None
    value, partials = found
    named, numbers = _places(solution, graph)
    expression = sympy_tree(value, named)
    trees = [sympy_tree(p, named) for p in partials]
    if expression is None or any(tree is None for tree in trees):
        return None
    complete = [tree for tree in trees if tree is not None]
    return FormulaLoss(expression, substitute(expression, numbers), tuple(complete),
                       tuple(substitute(tree, numbers) for tree in complete))


def _places(solution: Solution, graph: NamedGraph) -> tuple[dict[Any, Expr], dict[Expr, Expr]]:
    """y_k and t_k -> the problem's symbols for the output's and the target's elements, and those -> numbers."""
    import sympy  # heavy: imported only when a formula loss is explained

    named: dict[Any, Expr] = {}
    numbers: dict[Expr, Expr] = {}
    for letter, tensor, key in (("y", solution.output, None), ("t", solution.target, "target")):
        if tensor is None:
            continue
        symbol = graph.symbols.get(key) if key else graph.symbol(tensor)
        symbol = symbol or Symbol(letter)
        data = np.asarray(tensor.data, dtype=object)
        for k, index in enumerate(np.ndindex(data.shape) if data.ndim else [()]):
            written = element(symbol, index) if index else symbol
            named[sympy.Symbol(f"{letter}_{k + 1}")] = written
            given = letter == "t"  # a target is given: 0 and 1, as written
            numbers[written] = Number(data[index] if index else data.item(), exact=given)
    return named, numbers


# The formula in y_k and t_k depends on the text and the shapes only, not on the numbers: symbolic
# differentiation (tens of milliseconds) runs once, not for every explanation of every generated variant.
# Callers only read the result.
@functools.lru_cache(maxsize=64)
def _formula_loss_of(loss_name: str, output_shape: tuple[int, ...], target_shape: tuple[int, ...] | None,
                     relu_grad_at_zero: float) -> tuple[Any, list[Any]] | None:
    import sympy  # heavy, and needed only for a formula loss: imported when one is explained

    def symbols(letter: str, shape: tuple[int, ...]) -> np.ndarray:
        names = [sympy.Symbol(f"{letter}_{k + 1}") for k in range(int(np.prod(shape, dtype=int)))]
        return np.array(names, dtype=object).reshape(shape)

    try:
        y = Tensor(symbols("y", output_shape), requires_grad=True, backend="symbolic")
        env = {"y": y}
        if target_shape is not None:
            env["t"] = Tensor(symbols("t", target_shape), backend="symbolic")
        loss = parse_expression(loss_name, set(env)).evaluate(env, EvaluationContext(y.backend, relu_grad_at_zero))
        loss.backward()
    except Exception:  # an exotic formula: the factor is then shown by its value alone
        return None
    # The engine's own VJPs, composed: −t₁/y₁ − (t₁ − 1)/(1 − y₁) reads as the formula's pieces do.
    value = np.asarray(loss.data, dtype=object).reshape(-1)[0]
    return value, list(np.asarray(y.grad, dtype=object).reshape(-1))


def sympy_tree(expr: Any, named: dict[Any, Expr]) -> Expr | None:
    """A SymPy formula (sums, products, quotients, integer powers, ln and exp of the named symbols) as a
    derivation formula; None for anything else."""
    import sympy  # heavy: imported only when a formula loss is explained

    if expr in named:
        return named[expr]
    if expr.is_Integer or expr.is_Rational:
        return Number(int(expr) if expr.is_Integer else expr, exact=True)
    if expr.is_Float:
        return Number(float(expr), exact=True)
    if expr.is_Add:
        terms: list[Expr] = []
        for term in expr.as_ordered_terms():
            negative = term.could_extract_minus_sign()
            inner = sympy_tree(-term if negative else term, named)
            if inner is None:
                return None
            terms.append(Neg(inner) if negative else inner)
        return Sum(tuple(terms))
    if expr.is_Mul:
        if expr.could_extract_minus_sign():
            inner = sympy_tree(-expr, named)
            return None if inner is None else Neg(inner)
        numerator, denominator = sympy.fraction(expr)
        if denominator != 1:
            top, bottom = sympy_tree(numerator, named), sympy_tree(denominator, named)
            return None if top is None or bottom is None else Quotient(top, bottom)
        factors = [sympy_tree(factor, named) for factor in expr.as_ordered_factors()]
        if any(f is None for f in factors):
            return None
        return Product(tuple(f for f in factors if f is not None))
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        base = sympy_tree(expr.base, named)
        return None if base is None else Power(base, Number(int(expr.exp), exact=True))
    if expr.is_Pow and expr.exp == -1:
        base = sympy_tree(expr.base, named)
        return None if base is None else Quotient(Number(1, exact=True), base)
    if isinstance(expr, sympy.log):
        inner = sympy_tree(expr.args[0], named)
        return None if inner is None else Call("ln", (inner,))
    if isinstance(expr, sympy.exp):
        inner = sympy_tree(expr.args[0], named)
        return None if inner is None else Call(type(expr).__name__, (inner,))  # SymPy's exp is the registry's
    return None
