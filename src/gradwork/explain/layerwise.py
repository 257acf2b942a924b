"""Helpers shared by the backward styles: weight indices, values at an index, activation slopes."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph, element
from gradwork.explain.math import (
    Call,
    Expr,
    Sum,
    scalar,
    substitute,
)
from gradwork.problem import LayerInfo


def activation_formula(graph: NamedGraph, layer: LayerInfo, j: int) -> Expr:
    a, z = graph.tensor(layer.a), graph.tensor(layer.z)
    z_sym, a_sym = graph.symbols[layer.z], graph.symbols[layer.a]
    idx = (j,) if z.ndim else ()
    if not (a.op is not None and a.inputs and a.inputs[0] is z):
        # A formula activation: its derivative is stated once in the setup; here it is just σ′(z_j).
        return Call("σ′", (element(z_sym, idx) if idx else z_sym,))
    formula = graph.edge_formula(a, z)
    if not idx:
        return formula
    return scalar(substitute(formula, {z_sym: element(z_sym, idx), a_sym: element(a_sym, idx)}))


def activation_jacobian(graph: NamedGraph, layer: LayerInfo) -> np.ndarray:
    a, z = graph.tensor(layer.a), graph.tensor(layer.z)
    if a is z:
        return np.ones(z.shape)
    if a.op is not None and a.op.elementwise:
        return graph.local_derivative(a, z)
    return graph.jacobian(a, z)


def weight_index(layer: LayerInfo, convention: str | None, j: int, k: int) -> tuple[int, ...]:
    if layer.flat_weights:
        return (j,)
    return (j, k) if convention == "row" else (k, j)


def grad(tensor: Any) -> Any:
    """A tensor's gradient (the derivations explain only tensors the backward pass reached)."""
    if tensor.grad is None:
        raise ValueError("a tensor without a gradient has no backward step to explain")
    return tensor.grad


def value_at(array: Any, index: tuple) -> Any:
    array = np.asarray(array) if not isinstance(array, np.ndarray) else array
    return array[index] if index else array.reshape(-1)[0] if array.size == 1 else array


def asked(solution: Any, name: str) -> bool:
    """Whether the problem asks for node ``name``'s gradient (the input's, the target's: only when asked)."""
    return any(q.section == "gradients" and q.name == name for q in getattr(solution, "ask", ()))


def sum_terms(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


def is_zero(value: Any) -> bool:
    """Whether a gradient is exactly 0: a float, a Fraction or a SymPy expression (compared as written)."""
    return bool(value == 0)


substitute_all = substitute


def layer_letters(solution: Any, graph: NamedGraph) -> dict[str, str]:
    """The letters the problem writes a layer's quantities with (net for z in seed 004), for general rules
    about every layer l; the course's letters where the problem names none."""
    letters = {"z": "z", "a": "a", "W": "W", "b": "b"}
    if solution.layers:
        first = solution.layers[0]
        for key, node in (("z", first.z), ("a", first.a), ("W", first.weight), ("b", first.bias)):
            symbol = graph.symbols.get(node) if node else None
            if symbol is not None and symbol.layer is not None and not symbol.sub and symbol.base.isalpha():
                letters[key] = symbol.base if key != "W" else symbol.base.upper()
    return letters
