"""Derivatives a student writes, computed on the solved graph: each layer's activation and local partials.

* A layer's **activation function** (:class:`LayerFunction`) is the chain of ops
  between its ``z`` and ``a`` nodes, run again on any argument by the ops' own
  forward and VJP: ``σ(x)`` for a layer whose activation is the formula
  ``x**2`` is x², and ``σ'(x)`` is 2x, with nothing typed here.
* A **local derivative** ``∂a_3/∂z_3``, ``∂z_3/∂w_5`` or ``∂z_3/∂a_1`` is
  d(numerator element)/d(denominator element) with everything else held fixed:
  one backward pass through the engine's driver from the numerator, seeded with
  1 at its element (:meth:`Calculus.local`).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from gradwork.autodiff import backward_pass
from gradwork.check.replay import Graph
from gradwork.problem import Solution
from gradwork.backends import get_backend


def _float() -> Any:
    return get_backend("float")


class LayerFunction:
    """``a = f(z)`` of one layer, as a function of any argument (elementwise)."""

    def __init__(self, graph: Graph, z: int, a: int) -> None:
        self.graph = graph
        self.z, self.a = z, a
        between = {z}
        for i in range(z + 1, a + 1):
            if any(j in between for j in graph.inputs[i]):
                between.add(i)
        self.path = sorted(between - {z})
        self.elementwise = all(graph.nodes[i].op is not None and graph.nodes[i].op.elementwise  # type: ignore[union-attr]
                               for i in self.path)

    @property
    def op_names(self) -> tuple[str, ...]:
        return tuple(self.graph.op_name(i) or "" for i in self.path)

    def _constant(self, j: int) -> np.ndarray:
        return np.asarray(self.graph.nodes[j].data, dtype=float)

    def _run(self, x: np.ndarray) -> dict[int, np.ndarray]:
        bk = _float()
        values: dict[int, Any] = {self.z: np.asarray(x, dtype=float)}
        for i in self.path:
            node = self.graph.nodes[i]
            args = [values[j] if j in values else self._constant(j) for j in self.graph.inputs[i]]
            values[i] = node.op.forward(bk, *args, **node.params)  # type: ignore[union-attr]
        return values

    def value(self, x: Any) -> np.ndarray:
        if not self.path:
            return np.asarray(x, dtype=float)
        return np.asarray(self._run(np.asarray(x, dtype=float))[self.a], dtype=float)

    def derivative(self, x: Any) -> np.ndarray:
        """d f(x) / dx elementwise, by the ops' VJPs with ones upstream."""
        x = np.asarray(x, dtype=float)
        if not self.path:
            return np.ones_like(x)
        if not self.elementwise:
            raise ValueError("not an elementwise activation")
        bk = _float()
        values = self._run(x)
        grads: dict[int, Any] = {self.a: np.ones_like(np.asarray(values[self.a], dtype=float))}
        for i in reversed(self.path):
            g = grads.get(i)
            if g is None:
                continue
            node = self.graph.nodes[i]
            args = [values[j] if j in values else self._constant(j) for j in self.graph.inputs[i]]
            for position, j in enumerate(self.graph.inputs[i]):
                if j != self.z and j not in self.path:
                    continue
                part = node.op.partial(position).vjp(bk, g, values[i], *args, **node.params)  # type: ignore[union-attr]
                part = np.broadcast_to(np.asarray(part, dtype=float), np.shape(values.get(j, x))).copy()
                grads[j] = part if j not in grads else grads[j] + part
        return np.asarray(grads.get(self.z, np.zeros_like(x)), dtype=float)


class Calculus:
    """The solved graph (check's view of it) with the values of the first step, for derivatives on demand."""

    def __init__(self, solution: Solution) -> None:
        self.solution = solution

    @cached_property
    def graph(self) -> Graph:
        return Graph(self.solution)

    @cached_property
    def layer_functions(self) -> dict[str, LayerFunction]:
        """Each layer's activation by the layer's ``z`` and ``a`` node names (both keys)."""
        out: dict[str, LayerFunction] = {}
        names = self.graph.names
        for layer in self.solution.layers:
            if layer.z in names and layer.a in names:
                function = LayerFunction(self.graph, names[layer.z], names[layer.a])
                out[layer.z] = out[layer.a] = function
        return out

    def local(self, numerator: str, num_index: tuple[int, ...] | None, denominator: str,
              den_index: tuple[int, ...] | None) -> np.ndarray | None:
        """∂numerator/∂denominator (elements, or whole nodes: the diagonal of an elementwise op's Jacobian)."""
        names = self.graph.names
        if numerator not in names or denominator not in names:
            return None
        n, d = names[numerator], names[denominator]
        if d >= n:
            return None
        graph = self.graph
        values = [node.data for node in graph.nodes]
        out = np.asarray(values[n])
        bk = graph.backend
        try:
            if num_index is not None:
                seed = np.zeros(out.shape, dtype=float)
                seed[num_index] = 1.0
                grads = backward_pass(graph.nodes, graph.inputs, values, n, bk.asarray(seed), backend=bk)
                g = grads.get(d)
                if g is None:
                    return None
                g = np.asarray(g, dtype=float)
                return g if den_index is None else np.asarray(g[den_index])
            if den_index is None:  # whole nodes: the diagonal (an elementwise layer), one backward pass per element
                result = np.zeros(out.shape)
                for index in np.ndindex(out.shape):
                    seed = np.zeros(out.shape, dtype=float)
                    seed[index] = 1.0
                    grads = backward_pass(graph.nodes, graph.inputs, values, n, bk.asarray(seed), backend=bk)
                    g = grads.get(d)
                    if g is None or np.shape(g) != out.shape:
                        return None
                    result[index] = float(np.asarray(g, dtype=float)[index])
                return result
        except (ValueError, TypeError, ArithmeticError, IndexError):
            return None
        return None
