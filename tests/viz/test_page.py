"""The stepping page without a browser: one explainer (explain's steps), stops per node, what appears when."""

import re
from pathlib import Path

import pytest

import gradwork
from gradwork.viz import GraphvizNotFoundError, PageStep, UnknownFormatError, build_graph, build_page, save
from gradwork.viz.page import group_steps, reveal_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STOP = re.compile(r'<li class="gw-step" data-nodes="([^"]*)" data-phase="(\w+)">')


def solved(name: str) -> gradwork.Solved:
    return gradwork.load(EXAMPLES / name).solve()


@pytest.fixture(scope="module")
def seed002_solved():
    return solved("seed002_exam4a_row.yaml")


def test_page_is_self_contained(seed002_solved, graphviz_installed):
    page = seed002_solved.page()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<math" in page
    assert not re.search(r"\b(?:src|href)\s*=", page)  # nothing to fetch: no scripts, styles or images by URL
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    urls = re.findall(r"(\S*)\"?https?://", page)
    assert urls and all(u.startswith(("xmlns", 'xmlns:xlink="')) for u in urls), urls  # only namespace names
    assert "<style>" in page and "<script>" in page and "gw-js" in page


def test_viz_has_no_explainer_of_its_own():
    import gradwork.viz as viz

    assert not hasattr(viz, "walkthrough_steps")
    assert not (Path(viz.__file__).parent / "walkthrough.py").exists()


@pytest.mark.parametrize("style", ["chain", "delta", "matrix"])
def test_the_page_shows_every_step_of_explains_derivation_in_order(seed002_solved, style, graphviz_installed):
    derivation = seed002_solved.derivation(style)
    page = seed002_solved.page(style)
    kinds = re.findall(r'<div class="step ([\w-]+)"', page)
    expected = [re.sub(r"(?<!^)(?=[A-Z])", "-", type(step).__name__).lower() for step in derivation.steps()]
    assert kinds == expected


@pytest.mark.parametrize("style, most", [("chain", 15), ("delta", 16), ("matrix", 17)])
def test_a_2_2_1_network_steps_in_at_most_twenty_stops(seed002_solved, style, most):
    steps = seed002_solved.page_steps(style)
    stops = group_steps(steps)
    assert len(stops) <= most <= 20 < len(steps) or len(steps) <= 20
    assert sum(len(stop.steps) for stop in stops) == len(steps)
    assert [stop.phase for stop in stops][:6] == ["setup", "forward", "forward", "forward", "forward", "loss"]
    assert stops[-1].phase == "summary" and stops[-2].phase == "update"
    # One stop per node: no tensor's gradient is split over stops that are not consecutive... except where
    # explain itself interleaves (chain style alternates a layer's W and b elements).
    forward_nodes = [stop.nodes for stop in stops if stop.phase == "forward"]
    assert forward_nodes == [("hidden.z",), ("hidden.a",), ("output.z",), ("output.a",)]


def test_chain_factors_join_the_gradient_they_lead_to(seed002_solved):
    stops = group_steps(seed002_solved.page_steps("chain"))
    first = next(stop for stop in stops if stop.phase == "backward")
    # each weight the problem names gets its own story first ("Consider w₅: …"), then its factors and product
    assert [step.kind for step in first.steps] == ["Prose", "Factor", "Factor", "Factor", "ChainProduct",
                                                   "Prose", "Factor", "ChainProduct"]
    products = [step.title.split(": ", 1)[1] for step in first.steps if step.kind == "ChainProduct"]
    assert first.title == "Backward pass: " + ", ".join(products)  # ∂J/∂w5, ∂J/∂w6 (the sheet's names)


def test_values_and_gradients_appear_as_the_steps_reach_them(seed002_solved):
    stops = group_steps(seed002_solved.page_steps("chain"))
    graph = build_graph(seed002_solved.solution)
    plan = reveal_plan(graph, stops)
    last = len(stops) - 1
    dom = {node.key: node.dom_id for node in graph}
    # At the first stop: the given values only, no gradient.
    assert {key for key, d in dom.items() if plan[d][0] == 0} == {"input", "hidden.W", "hidden.b", "output.W",
                                                                   "output.b", "target"}
    assert all(grad_at is None or grad_at > 0 for _, grad_at in plan.values())
    # Forward: each value at the stop that computes it; the unnamed x W⁽¹⁾ with z⁽¹⁾.
    assert plan[dom["hidden.z"]][0] == plan[dom["matmul#1"]][0] == 1
    assert plan[dom["output.a"]][0] == 4 and plan[dom["loss"]][0] == 5
    # Backward: the loss's gradient first, hidden.W's only at its own stop, x's at the end.
    backward = [n for n, stop in enumerate(stops) if stop.phase == "backward"]
    assert plan[dom["loss"]][1] == backward[0] == 6
    assert plan[dom["output.W"]][1] == 6 and plan[dom["hidden.W"]][1] == 8
    # x: at its own stop when explain derives ∂L/∂x, else once the node it feeds (x W⁽¹⁾) has its gradient.
    named_x = [n for n, stop in enumerate(stops) if "input" in stop.nodes and stop.phase == "backward"]
    assert plan[dom["input"]][1] == (named_x[0] if named_x else plan[dom["matmul#1"]][1])
    # At the last stop everything is shown.
    assert all(value_at <= last and (grad_at is None or grad_at <= last) for value_at, grad_at in plan.values())


def test_the_svg_carries_the_plan_and_marks_values_and_gradients(seed002_solved, graphviz_installed):
    page = seed002_solved.page("chain")
    nodes = re.findall(r'<g id="(gw_n\d+)" class="node[^"]*" data-value-at="(\d+)"(?: data-grad-at="(\d+)")?', page)
    assert len(nodes) == 13
    assert page.count('class="gw-grad"') >= 12 and page.count('class="gw-value"') >= 13
    stops = STOP.findall(page)
    assert len(stops) == len(group_steps(seed002_solved.page_steps("chain"))) <= 20
    graph = build_graph(seed002_solved.solution)
    assert stops[1] == (f"{graph['hidden.z'].dom_id} {graph['matmul#1'].dom_id}", "forward")


def test_no_internal_names_in_the_drawing_of_a_network(seed002_solved, graphviz_installed):
    page = seed002_solved.page("chain")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "hidden.W" not in svg and "output.a" not in svg and "hidden.z" not in svg
    labels = seed002_solved.graph_labels("chain")
    # The derivation's own symbols: the sheet's (a₃, J) where the problem names them, else W⁽¹⁾, z⁽¹⁾, printed alike.
    assert labels["output.a"] == "a₃" and labels["loss"] == "J" and labels["hidden.W"] == "W⁽¹⁾"
    for key in ("output.a", "loss", "hidden.W", "hidden.z"):
        assert f"<title>{labels[key]}</title>" in svg


def test_a_names_map_names_the_nodes(tmp_path, graphviz_installed):
    source = (EXAMPLES / "seed002_exam4a_row.yaml").read_text()
    source = source[:source.index("\nnames:")]  # the example's own map replaced by this one
    problem = tmp_path / "named.yaml"
    problem.write_text(source + '\nnames: {hidden.W: W1, output.a: a3, loss: J, "hidden.W[0,0]": w1}\n')
    named = gradwork.load(problem).solve()
    assert "W⁽¹⁾" in named.graph_labels().values()  # W1 names a layer's matrix: written W⁽¹⁾ as everywhere
    svg = named.page()
    svg = svg[svg.index("<svg"):svg.index("</svg>")]
    assert re.search(r">W⁽¹⁾<", svg) and re.search(r">a₃<", svg) and re.search(r">J<", svg)
    assert "hidden.W" not in svg
    # The plain drawing takes the problem's names too, without explain.
    dot = gradwork.viz.to_dot(named.solution)
    assert "<B>W1</B>" in dot and "<B>hidden.W</B>" not in dot


def test_callers_can_supply_their_own_steps(seed002_solved, graphviz_installed):
    graph = build_graph(seed002_solved.solution)
    steps = [
        PageStep(None, "setup", "Setup", "<p>x = (1, 2)</p>"),
        PageStep("hidden.W[1,0]", "backward", "Backward pass: dJ/dw4", '<p class="mine">-0.4013</p>', "Compute"),
        PageStep("not-a-node", "update", "Update", "<p>done</p>"),
    ]
    page = build_page(seed002_solved.solution, steps, title="Seed 002 & friends")
    found = STOP.findall(page)
    assert [phase for _, phase in found] == ["setup", "backward", "update"]
    assert graph["hidden.W"].dom_id in found[1][0].split()
    assert '<p class="mine">-0.4013</p>' in page and "<title>Seed 002 &amp; friends</title>" in page


def test_without_graphviz_the_page_raises_or_notes_it(seed002_solved, no_graphviz):
    steps = seed002_solved.page_steps()
    with pytest.raises(GraphvizNotFoundError):
        build_page(seed002_solved.solution, steps)
    page = build_page(seed002_solved.solution, steps, missing_graphviz="note")
    assert "apt-get install graphviz" in page and "<svg" not in page
    assert page.count('class="gw-step"') == len(group_steps(steps)) <= 20


def test_save_picks_the_format_from_the_suffix(seed002_solved, tmp_path, graphviz_installed):
    solution = seed002_solved.solution
    assert save(solution, tmp_path / "g.dot").read_text().startswith("digraph")
    assert save(solution, tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert save(solution, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in save(solution, tmp_path / "g.html", steps=seed002_solved.page_steps()).read_text()
    with pytest.raises(ValueError, match="needs the derivation's steps"):
        save(solution, tmp_path / "bare.html")
    assert not (tmp_path / "bare.html").exists()
    with pytest.raises(UnknownFormatError, match=r"g\.pdf: .*expected one of \.dot, \.svg, \.png, \.html"):
        save(solution, tmp_path / "g.pdf")
    assert not (tmp_path / "g.pdf").exists()


def test_the_max_gate_example_steps_gate_by_gate(graphviz_installed):
    page = solved("cs231n_max_gate.yaml").page()
    titles = re.findall(r'<span class="gw-title">([^<]*)</span>', page)
    assert titles[-5:] == ["Backward pass: ∂f/∂x", "Backward pass: ∂f/∂y", "Backward pass: ∂f/∂z",
                           "Backward pass: ∂f/∂w", "Summary"]
    assert ">max<" in page  # the gate drawn by the name students write
