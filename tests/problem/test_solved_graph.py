from pathlib import Path

import numpy as np

from gradwork.problem import load, solve
from gradwork.problem.solved_graph import solved_graph

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TWO_NAMES = """
title: two names, one tensor
inputs: {x: 2}
params: {w: 3}
graph:
  z: w * x
  y: z
  L: y * y
"""

VECTOR_OUTPUT = """
inputs: {x: [1, 2]}
params: {w: [3, -1]}
graph:
  y: w * x
upstream: [1, 1]
"""


def test_forward_order_and_every_node_named_once():
    solution = solve(load(EXAMPLES / "seed002_exam4a_row.yaml"))
    graph = solved_graph(solution)
    assert [node.key for node in graph] == [
        "input", "hidden.W", "matmul#1", "hidden.b", "hidden.z", "hidden.a",
        "output.W", "matmul#2", "output.b", "output.z", "output.a", "target", "loss",
    ]
    for node in graph:
        assert all(j < node.index for j in node.inputs)  # every node after its operands
        assert graph.nodes[node.index] is node and graph.index(node.tensor) == node.index
    assert graph.nodes[graph.root].key == "loss" and graph.loss == graph.root
    assert graph.nodes[graph.output].key == "output.a" and graph.root_size == len(graph)
    assert graph["matmul#1"].name is None and not graph["matmul#1"].named
    assert graph["target"].name == "target" and graph["target"].kind == "input"
    assert graph.parameters == {name: graph[name].index for name in solution.parameters}
    assert {node.key for node in graph if node.kind == "parameter"} == set(solution.parameters)
    assert graph["matmul#2"].layer == "output" and graph["loss"].layer is None
    assert solved_graph(solution) is graph  # made once per solution
    assert graph.depends(graph.root, graph["input"].index) and not graph.depends(graph["input"].index, graph.root)
    assert graph.ancestors(graph["hidden.z"].index) == {graph[k].index for k in
                                                         ("input", "hidden.W", "matmul#1", "hidden.b", "hidden.z")}


def test_values_gradients_and_shapes_are_the_solves():
    solution = solve(load(EXAMPLES / "seed002_exam4a_row.yaml"))
    graph = solved_graph(solution)
    node = graph["hidden.W"]
    assert node.value is solution.nodes["hidden.W"].data and node.gradient is solution.nodes["hidden.W"].grad
    assert node.shape == (2, 2) and node.op is None and graph["hidden.z"].op_name == "add"
    np.testing.assert_allclose(node.gradient, solution.gradients["hidden.W"])


def test_a_tensor_with_two_names_is_one_node_with_both():
    solution = solve(load(TWO_NAMES))
    graph = solved_graph(solution)
    node = graph["y"]
    assert node is graph["z"] and node.aliases == ("z", "y") and node.key == "z" and node.name == "z"
    assert graph.names["y"] == graph.names["z"] == node.index
    assert [graph.nodes[i].key for i, _ in graph.consumers(node.index)] == ["L", "L"]  # y * y: two uses
    assert graph.consumers(node.index) == ((graph["L"].index, 0), (graph["L"].index, 1))


def test_the_problems_symbols_are_on_their_nodes():
    solution = solve(load(EXAMPLES / "seed000_exercise6_1.yaml"))
    graph = solved_graph(solution)
    symbols = {node.key: node.symbol for node in graph if node.symbol}
    assert symbols == {ref.name: symbol for ref, symbol in solution.names.items()
                       if ref.index is None and ref.name in graph}
    assert symbols  # the sheet names its nodes


def test_a_named_node_off_the_loss_is_kept_but_not_toward_the_root():
    # cross-entropy fuses softmax into the loss; the probabilities p are a node of their own, off the loss's path.
    text = """
title: softmax and cross-entropy
convention: row
input: [1, 2]
target: [0, 1]
layers:
  - {name: out, weights: [[1, 0], [0, 1]], bias: [0, 0], activation: identity}
loss: cross_entropy
"""
    solution = solve(load(text))
    graph = solved_graph(solution)
    p, z = graph["out.p"], graph["out.z"]
    assert p.index >= graph.root_size  # the loss does not depend on p
    assert (p.index, 0) in graph.consumers(z.index)
    assert all(i < graph.root_size for i, _ in graph.consumers(z.index, toward_root=True))


def test_a_vector_output_with_an_upstream_gradient_is_the_root():
    solution = solve(load(VECTOR_OUTPUT))
    graph = solved_graph(solution)
    assert graph.loss is None and graph.root == graph.output == graph["y"].index
    assert graph["y"].kind == "computed" and graph["w"].kind == "parameter" and graph["x"].kind == "input"
