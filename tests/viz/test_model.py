from gradwork.viz.model import build_graph


def test_every_tensor_is_one_node_named_as_the_solution_names_it(seed002):
    graph = build_graph(seed002)
    assert [node.key for node in graph] == [
        "input", "hidden.W", "matmul#1", "hidden.b", "hidden.z", "hidden.a",
        "output.W", "matmul#2", "output.b", "output.z", "output.a", "target", "loss",
    ]
    assert graph["hidden.z"].inputs == ("matmul#1", "hidden.b")
    assert graph["matmul#1"].label == "matmul" and graph["hidden.z"].label == "hidden.z"
    assert graph.root == "loss"


def test_kinds_and_layers(seed002):
    graph = build_graph(seed002)
    kinds = {node.key: node.kind for node in graph}
    assert {k for k, v in kinds.items() if v == "parameter"} == {"hidden.W", "hidden.b", "output.W", "output.b"}
    assert kinds["input"] == kinds["target"] == "input"
    assert kinds["loss"] == "loss" and kinds["matmul#1"] == "computed"
    assert graph["matmul#1"].layer == "hidden" and graph["matmul#2"].layer == "output"
    assert graph["input"].layer is None and graph["loss"].layer is None


def test_uses_list_every_consumer(seed002):
    graph = build_graph(seed002)
    assert [(u.consumer, u.position) for u in graph.uses("hidden.a")] == [("matmul#2", 0)]
    assert graph.uses("loss") == []


def test_a_node_used_twice_has_two_uses():
    from gradwork.tensor import Tensor
    from tests.viz.helpers import graph_solution

    x = Tensor(3.0, requires_grad=True, name="x")
    solution = graph_solution({"x": x}, x * x)
    graph = build_graph(solution)
    assert [(u.consumer, u.position) for u in graph.uses("x")] == [("L", 0), ("L", 1)]
