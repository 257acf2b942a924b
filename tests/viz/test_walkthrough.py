import html
import re
from fractions import Fraction

import numpy as np
import sympy

from gradwork.problem import Solution
from gradwork.tensor import Tensor
from gradwork.viz import build_graph, walkthrough_steps
from tests.viz.helpers import graph_solution, seed_002_by_hand, shown

_NUMBER = re.compile(r"(<mo>&#x02212;</mo>)?<mn>([^<]+)</mn>")


def numbers_in(fragment: str) -> list[str]:
    """The numbers a step shows after its symbolic first line (the "= numbers = result" lines), signs attached."""
    lines = re.findall(r'<div class="gw-math gw-continued">(.*?)</div>', fragment)
    return [("-" if sign else "") + html.unescape(digits) for line in lines for sign, digits in _NUMBER.findall(line)]


def test_forward_node_by_node_then_backward_in_reverse(seed002):
    steps = walkthrough_steps(seed002)
    assert [(s.phase, s.node) for s in steps if s.phase == "forward"] == [
        ("forward", key) for key in
        ("matmul#1", "hidden.z", "hidden.a", "matmul#2", "output.z", "output.a", "loss")]
    # Each parameter's gradient comes right after the node it feeds.
    assert [s.node for s in steps if s.phase == "backward"] == [
        "loss", "output.a", "output.z", "output.b", "matmul#2", "output.W", "hidden.a", "hidden.z", "hidden.b",
        "matmul#1", "hidden.W", "input"]
    assert all(s.html.count("<math") >= 1 for s in steps)


def test_forward_steps_show_formula_numbers_and_result(seed002):
    values, _ = seed_002_by_hand()
    steps = {(s.phase, s.node): s for s in walkthrough_steps(seed002)}
    relu = steps["forward", "hidden.a"].html
    assert "<mtext>hidden.a</mtext>" in relu and "ReLU" in relu
    assert numbers_in(relu)[:4] == ["-0.1", "0.8", *shown(values["hidden.a"])]
    assert "max" in relu  # the ReLU definition, from the op registry
    layer = steps["forward", "hidden.z"].html
    assert numbers_in(layer) == ["-0.3", "1", "0.2", "-0.2", "-0.1", "0.8"]
    sigmoid = steps["forward", "output.a"].html
    assert numbers_in(sigmoid)[-1] == shown(values["output.a"])[0] == "0.4013"


def test_backward_steps_multiply_upstream_gradient_by_local_derivative(seed002):
    _, gradients = seed_002_by_hand()
    steps = {(s.phase, s.node): s for s in walkthrough_steps(seed002)}
    bce = numbers_in(steps["backward", "output.a"].html)
    assert bce == ["1", "1.670", "1.670"] == ["1", *shown(gradients["output.a"]) * 2]
    sigmoid = numbers_in(steps["backward", "output.z"].html)  # 1.670 * a(1 - a) = a - y
    assert sigmoid == ["1.670", "0.2403", *shown(gradients["output.z"])]
    relu = numbers_in(steps["backward", "hidden.z"].html)  # upstream ⊙ [z > 0]
    assert relu == [*shown(gradients["hidden.a"]), "0", "1", *shown(gradients["hidden.z"])]
    weights = numbers_in(steps["backward", "output.W"].html)  # a^T g
    assert weights == ["0", "0.8", "0.4013", *shown(gradients["output.W"])]
    assert "For Y = A B" in steps["backward", "output.W"].html  # the op's rule sentence
    first = steps["backward", "loss"].html
    assert "starts at the loss" in first


def test_a_fork_adds_the_gradients_of_both_paths():
    x = Tensor(3.0, requires_grad=True, name="x")
    y = Tensor(2.0, requires_grad=True, name="y")
    solution = graph_solution({"x": x, "y": y}, x * y + x)
    step = next(s for s in walkthrough_steps(solution) if s.phase == "backward" and s.node == "x")
    assert "used 2 times" in step.html
    # via the product: 1 * y = 2; via the sum: 1 * 1 = 1; total 3 = dL/dx of x*y + x at y = 2
    assert step.html.count("gw-word\">via") == 2
    shown_numbers = [html.unescape(n) for _, n in _NUMBER.findall(step.html)]
    # dL/dx = g_mul * y + g_L * 1; via mul: 1 * 2 = 2; via L: 1 * 1 = 1; sum: 3
    assert shown_numbers == ["1", "1", "2", "2", "1", "1", "1", "1", "3"]


def test_exact_mode_shows_fractions():
    x = Tensor(Fraction(1, 2), requires_grad=True, name="x", backend="exact")
    solution = graph_solution({"x": x}, x * x * 3, mode="exact")
    forward = [s for s in walkthrough_steps(solution) if s.phase == "forward"]
    assert "<mfrac><mrow><mn>3</mn></mrow><mrow><mn>4</mn></mrow></mfrac>" in forward[-1].html  # (1/2)^2 * 3


def test_symbolic_mode_shows_formulas():
    a = sympy.Symbol("a")
    x = Tensor(np.array(a, dtype=object), requires_grad=True, name="x", backend="symbolic")
    solution = graph_solution({"x": x}, x * x, mode="symbolic")
    backward = next(s for s in walkthrough_steps(solution) if s.phase == "backward" and s.node == "x")
    assert "<mi>a</mi>" in backward.html and "<mn>2</mn>" in backward.html


def test_a_vector_output_starts_from_the_given_upstream_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x * 3
    y.name = "y"
    y.backward([0.5, -1.0])
    solution = Solution(title="vector", mode="float", form="graph", nodes={"x": x, "y": y}, parameters={},
                        output=y, loss=None, values={}, gradients={}, updated={}, loss_value=None,
                        upstream=Tensor([0.5, -1.0]))
    assert build_graph(solution).root == "y"
    steps = walkthrough_steps(solution)
    assert steps[-2].node == "y" and "given upstream gradient" in steps[-2].html
    assert numbers_in(steps[-1].html)[-2:] == ["1.5", "-3"]


def test_large_tensors_are_summarized_not_listed(wide):
    steps = walkthrough_steps(wide)
    first = steps[0]
    assert first.node == "matmul#1"
    assert len(numbers_in(first.html)) < 40 and "[784×16]" in html.unescape(first.html)
    assert max(len(s.html) for s in steps) < 20_000
