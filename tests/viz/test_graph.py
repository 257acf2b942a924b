import re
import xml.etree.ElementTree as ET

import pytest

from gradwork.viz import GraphvizNotFoundError, build_graph, repr_svg, to_dot, to_png, to_svg
from tests.viz.helpers import seed_002_by_hand, shown

SVG = "{http://www.w3.org/2000/svg}"


def _node_statements(dot: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(gw_n\d+) \[(.*)\];$", dot, flags=re.MULTILINE))


def test_dot_needs_no_graphviz_and_svg_says_how_to_install_it(seed002, no_graphviz):
    dot = to_dot(seed002)
    assert dot.startswith("digraph gradwork {") and "rankdir=LR" in dot
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz"):
        to_svg(seed002)
    with pytest.raises(GraphvizNotFoundError):
        to_png(seed002)
    assert repr_svg(seed002) is None  # Jupyter then falls back to the other representations


def test_dot_labels_every_node_with_name_op_value_and_gradient(seed002):
    values, gradients = seed_002_by_hand()
    graph = build_graph(seed002)
    statements = _node_statements(to_dot(seed002))
    assert len(statements) == len(graph) == 13
    for node in graph:
        label = statements[node.dom_id]
        assert f"<B>{node.label}</B>" in label
        value_row, _, gradient_row = label.partition(">grad<")
        for number in shown(values[node.key]):
            assert number in value_row, (node.key, number)
        for number in shown(gradients.get(node.key, [])):
            assert number in gradient_row, (node.key, number)
        assert (node.key in gradients) == bool(gradient_row)
    assert ">ReLU · [2]<" in statements[graph["hidden.a"].dom_id]  # the op as students write it
    assert ">σ<" in statements[graph["output.a"].dom_id]


def test_parameters_inputs_constants_and_loss_look_different(seed002):
    graph = build_graph(seed002)
    statements = _node_statements(to_dot(seed002))
    parameter, data = statements[graph["hidden.W"].dom_id], statements[graph["input"].dom_id]
    computed, loss = statements[graph["hidden.z"].dom_id], statements[graph["loss"].dom_id]
    assert 'class="gw-node gw-parameter"' in parameter and 'style="filled,bold"' in parameter
    assert 'class="gw-node gw-input"' in data and 'fillcolor="#e3f2fd"' in data
    assert 'style="rounded,filled"' in computed
    assert 'peripheries="2"' in loss
    assert len({parameter.split("label=")[0], data.split("label=")[0], loss.split("label=")[0]}) == 3


def test_forward_edges_are_black_and_gradients_flow_back_red_dashed(seed002):
    dot = to_dot(seed002)
    forward = re.findall(r"(gw_n\d+) -> (gw_n\d+) \[id=\"\1__\2__fwd\d\"\];", dot)
    backward = re.findall(r"(gw_n\d+) -> (gw_n\d+) \[id=\"\1__\2__bwd\d\", dir=back, color=\"#c62828\", "
                          r"style=dashed\];", dot)
    assert len(forward) == 12  # every operand of every op
    assert len(backward) == 11  # all but the target, which has no gradient
    graph = build_graph(seed002)
    assert (graph["target"].dom_id, graph["loss"].dom_id) not in backward


def test_network_layers_are_clusters(seed002):
    dot = to_dot(seed002)
    clusters = re.findall(r"subgraph cluster_\d+ \{\n    label=(\w+);", dot)
    assert clusters == ["hidden", "output"]


def test_svg_holds_every_node_with_its_value_and_gradient(seed002, graphviz_installed):
    values, gradients = seed_002_by_hand()
    graph = build_graph(seed002)
    root = ET.fromstring(to_svg(seed002))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    assert len(groups) == len(graph)
    for node in graph:
        group = groups[node.dom_id]
        assert group.find(f"{SVG}title").text == node.key
        texts = list(group.iter(f"{SVG}text"))
        red = " ".join(t.text or "" for t in texts if t.get("fill") == "#c62828")
        black = " ".join(t.text or "" for t in texts if t.get("fill") != "#c62828")
        assert node.label in [t.text for t in texts]
        for number in shown(values[node.key]):
            assert number in black, (node.key, number)
        for number in shown(gradients.get(node.key, [])):
            assert number in red, (node.key, number)


def test_png_comes_from_graphviz(seed002, graphviz_installed):
    assert to_png(seed002).startswith(b"\x89PNG\r\n\x1a\n")


def test_a_784_unit_layer_stays_one_node_per_tensor(wide, graphviz_installed):
    graph = build_graph(wide)
    assert [n.tensor.shape for n in graph][:2] == [(784,), (784, 16)]
    dot = to_dot(wide)
    statements = _node_statements(dot)
    assert len(statements) == len(graph) == 12  # the identity output layer's a is its z
    weights = statements[graph["hidden.W"].dom_id]
    assert "[784×16]" in weights and "min " in weights and "‖·‖₂" in weights
    assert "[784]" in statements[graph["input"].dom_id]
    # No tensor is listed element by element beyond 16 numbers, so the whole drawing stays small.
    for key, label in statements.items():
        assert len(re.findall(r"-?\d+\.\d+", label)) <= 2 * 16, key
    assert len(dot) < 16_000
    svg = to_svg(wide)
    assert svg.count('class="node') == 12 and len(svg) < 80_000


def test_constants_are_small_grey_boxes_and_exact_values_stay_fractions():
    from fractions import Fraction

    from gradwork.tensor import Tensor
    from tests.viz.helpers import graph_solution

    x = Tensor(Fraction(1, 2), requires_grad=True, name="x", backend="exact")
    solution = graph_solution({"x": x}, x * x * 3, mode="exact")
    graph = build_graph(solution)
    assert [node.kind for node in graph] == ["input", "computed", "constant", "loss"]
    statements = _node_statements(to_dot(solution))
    constant = statements[graph["const#2"].dom_id]
    assert 'style="filled,dashed"' in constant and ">3<" in constant and "value" not in constant
    assert "1/2" in statements[graph["x"].dom_id] and ">3<" in statements[graph["x"].dom_id]  # dL/dx = 6x = 3
    assert "1/4" in statements[graph["mul#1"].dom_id] and "3/4" in statements[graph["L"].dom_id]
