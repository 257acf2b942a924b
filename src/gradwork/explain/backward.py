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

from gradwork.explain.chain import MAX_CHAIN_WEIGHTS, chain_graph, chain_network
from gradwork.explain.delta import delta_rule
from gradwork.explain.gates import gate_notes
from gradwork.explain.graph import NamedGraph
from gradwork.explain.matrix import matrix
from gradwork.explain.steps import Prose, Section
from gradwork.problem import Solution


def section(solution: Solution, graph: NamedGraph, style: str) -> Section:
    steps: list = []
    single_network = solution.form == "network" and solution.nodes["input"].ndim == 1 and solution.loss is not None
    if style == "delta" and single_network:
        steps = delta_rule(solution, graph)
    elif style == "chain" and single_network and _chain_size(solution) <= MAX_CHAIN_WEIGHTS:
        steps = chain_network(solution, graph)
    elif style == "chain" and solution.form == "graph" and _all_scalar(solution):
        steps = chain_graph(solution, graph)
    else:
        if style != "matrix":
            steps.append(Prose(_fallback_reason(solution, style)))
        steps.extend(matrix(solution, graph))
    return Section("Backward pass", "backward", tuple(gate_notes(steps, graph)))


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

