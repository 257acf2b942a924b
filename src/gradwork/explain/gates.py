"""Gate intuition for graph problems, as CS231n teaches it: add distributes, multiply swaps, max routes.

:func:`gate_notes` adds one :class:`~gradwork.explain.steps.Prose` step per
kind of gate, right after the first backward step whose gradient passed
through a gate of that kind. The sentence is the op's own rule text from the
registry (``Op.sentence``), so the intuition is stated once, beside the rule.

:func:`separate_elements` tells a fork (one value used twice, whose gradients
add up) from separate indexing (``w[0]``, ``w[1]``, ``w[2]``: each element is
used once and simply gets its own gradient).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.explain.graph import NamedGraph
from gradwork.explain.steps import ChainProduct, Factor, Prose
from gradwork.ops import get_op

# Ops with a gate picture, and the kind that is explained once for all of them.
GATES = {"add": "add", "mul": "mul", "maximum": "max", "minimum": "min"}


def gate_notes(steps: list, graph: NamedGraph) -> list:
    """``steps`` with the gate notes inserted (graph problems only; a network gets none)."""
    if graph.solution.form != "graph":
        return steps
    seen: set[str] = set()
    out: list = []
    for step in steps:
        out.append(step)
        name = getattr(step, "node", None)
        if name is None or name not in graph.solution.nodes:
            continue
        if isinstance(step, ChainProduct):  # its factors have stated the gates already
            continue
        tensor = graph.solution.nodes[name]
        # A factor d(node)/d(input) is about the gate that makes the node; a node's gradient (matrix
        # style) about the gates between the node and the named nodes that use it.
        ops = _ops_below(graph, tensor) if isinstance(step, Factor) else _ops_above(graph, tensor)
        for op in ops:
            kind = GATES.get(op)
            if kind is not None and kind not in seen:
                seen.add(kind)
                out.append(Prose(get_op(op).sentence, node=name))
    return out


def _ops_below(graph: NamedGraph, tensor: Any) -> list[str]:
    """The op that makes ``tensor`` and those of its unnamed inputs: the gates inside one named node."""
    found: list[str] = []
    stack = [tensor]
    while stack:
        node = stack.pop(0)
        if node.op is not None and node.op.name not in found:
            found.append(node.op.name)
        stack.extend(t for t in node.inputs if t.op is not None and graph.name(t) is None)
    return found


def _ops_above(graph: NamedGraph, tensor: Any) -> list[str]:
    """The ops between ``tensor`` and the named nodes that use it, nearest first."""
    found: list[str] = []
    stack = [consumer for consumer, _ in graph.consumers.get(id(tensor), [])]
    visited: set[int] = set()
    while stack:
        node = stack.pop(0)
        if id(node) in visited:
            continue
        visited.add(id(node))
        if node.op is not None and node.op.name not in found:
            found.append(node.op.name)
        if graph.name(node) is None:
            stack.extend(consumer for consumer, _ in graph.consumers.get(id(node), []))
    return found


def separate_elements(graph: NamedGraph, tensor: Any) -> bool:
    """Whether every use of ``tensor`` takes its own elements by indexing (``w[0]``, ``w[1]``): no fork.

    False when some element is used twice, or the whole tensor is used anywhere.
    """
    uses = graph.consumers.get(id(tensor), [])
    if len(uses) < 2 or any(consumer.op is None or consumer.op.name != "index" for consumer, _ in uses):
        return False
    count = np.zeros(tensor.shape, dtype=int)
    for consumer, _ in uses:
        np.add.at(count, consumer.params["index"], 1)
    return bool(count.max() <= 1)
