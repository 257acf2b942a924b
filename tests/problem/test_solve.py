"""load() and solve(): modes, batches, losses, the Solution's fields and JSON-ready shapes."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from tests.lazy import lazy

import gradwork.problem as problem_package
from gradwork.problem import Problem, ProblemError, Solution, load, solve
from tests.seed_texts import SEED_002_TEXT

torch = lazy("torch")

SEED002 = SEED_002_TEXT.replace("title: Exam 4a - 2-2-1 network, one SGD step", "title: Exam 4a", 1)


def test_public_api():
    assert set(problem_package.__all__) >= {"load", "solve", "ProblemError", "Problem", "Solution"}


def test_solution_fields_network_form():
    problem = load(SEED002)
    assert isinstance(problem, Problem) and problem.mode is None and problem.source == "<string>"
    solution = problem.solve()
    assert isinstance(solution, Solution)
    assert solution.title == "Exam 4a" and solution.mode == "float" and solution.form == "network"
    assert list(solution.nodes) == ["input", "hidden.W", "hidden.b", "output.W", "output.b",
                                    "hidden.z", "hidden.a", "output.z", "output.a", "loss"]
    assert solution.nodes["loss"] is solution.loss and solution.loss.name == "loss"
    assert solution.output is solution.nodes["output.a"]
    assert list(solution.parameters) == ["hidden.W", "hidden.b", "output.W", "output.b"]
    assert solution.loss_name == "bce" and solution.convention == "row" and solution.batch_reduction == "mean"
    assert solution.target.data.item() == 0.0
    assert list(solution.values) == ["input", "hidden.z", "hidden.a", "output.z", "output.a"]
    assert list(solution.gradients) == ["hidden.W", "hidden.b", "output.W", "output.b", "hidden.z", "hidden.a",
                                        "output.z", "output.a", "input"]
    # Every tensor of the explained graph carries its gradient.
    np.testing.assert_allclose(solution.nodes["hidden.W"].grad, solution.gradients["hidden.W"])
    # Native numbers: a single unit's scalars are floats, arrays keep the shape written (flat weights stay flat).
    assert isinstance(solution.loss_value, float) and isinstance(solution.values["output.a"], float)
    assert isinstance(solution.gradients["output.b"], float)
    assert isinstance(solution.gradients["output.W"], np.ndarray) and solution.gradients["output.W"].shape == (2,)
    # JSON only at the edge: plain numbers and lists.
    sections = solution.json()
    assert json.loads(json.dumps(sections)) == sections
    assert sections["gradients"]["output.W"] == solution.gradients["output.W"].tolist()
    assert sections["loss"] == solution.loss_value


def test_stdin_and_a_path(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(SEED002))
    from_stdin = solve(load("-"))
    path = tmp_path / "exam.yaml"
    path.write_text(SEED002)
    from_path = solve(str(path))
    assert from_stdin.loss_value == from_path.loss_value
    assert from_path.source == str(path)


def test_title_defaults_to_the_file_name(tmp_path):
    path = tmp_path / "my_problem.yaml"
    path.write_text(SEED002.replace("title: Exam 4a\n", ""))
    assert load(path).title == "my_problem"


def test_exact_mode_takes_decimals_as_written():
    text = SEED002.replace("sigmoid", "identity").replace("loss: bce", "loss: half_sse")
    solution = solve(load(text), "exact")
    assert solution.json()["values"]["hidden.z"] == ["-1/10", "4/5"]  # 1*0.5 + 2*(-0.4) + 0.2 exactly
    assert solution.json()["values"]["output.a"] == "-2/5"
    assert solution.json()["loss"] == "2/25"  # (0 - (-2/5))^2 / 2
    assert solution.json()["gradients"]["output.W"] == ["0", "-8/25"]  # dL/dy = -2/5, times a = [0, 4/5]
    assert solution.json()["updated"]["output.b"] == "1/250"  # 0 - (1/100)(-2/5)
    assert solution.nodes["hidden.W"].data[0, 0] == Fraction(1, 2)


def test_mode_from_the_file_and_override():
    text = "mode: exact\ninputs: {a: 0.1}\ngraph:\n  b: a * 3\n"
    assert solve(load(text)).json()["values"]["b"] == "3/10"
    assert solve(load(text), "float").json()["values"]["b"] == pytest.approx(0.3)
    with pytest.raises(ValueError):
        solve(load(text), "decimal")


def test_fraction_strings_are_numbers():
    solution = solve(load('inputs: {a: "1/3"}\ngraph:\n  b: a * 3\n'), "exact")
    assert solution.json()["values"] == {"a": "1/3", "b": "1"}


def test_symbolic_network_with_symbol_weights():
    text = """\
convention: column
input: [x1, x2]
target: t
layers:
  - {name: out, weights: [w1, w2], bias: b, activation: identity}
loss: half_sse
"""
    solution = solve(load(text), "symbolic")
    w1, w2, x1, x2, b, t = sympy.symbols("w1 w2 x1 x2 b t")
    y = w1 * x1 + w2 * x2 + b
    assert sympy.simplify(sympy.sympify(solution.loss_value) - (t - y) ** 2 / 2) == 0
    for got, want in zip(solution.gradients["out.W"], [(y - t) * x1, (y - t) * x2]):
        assert sympy.simplify(sympy.sympify(got) - want) == 0


def test_batch_mean_and_sum_match_pytorch():
    text = """\
convention: row
input: [[1.0, 2.0], [0.5, -1.0], [-2.0, 0.3]]
target: [1, 0, 1]
layers:
  - {name: hidden, weights: [[0.5, -0.6], [-0.4, 0.8]], bias: [0.2, -0.2], activation: tanh}
  - {name: output, weights: [0.3, -0.5], bias: 0.1, activation: sigmoid}
loss: bce
"""
    for reduction in ("mean", "sum"):
        x = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.3]], dtype=torch.float64, requires_grad=True)
        W1 = torch.tensor([[0.5, -0.6], [-0.4, 0.8]], dtype=torch.float64, requires_grad=True)
        b1 = torch.tensor([0.2, -0.2], dtype=torch.float64, requires_grad=True)
        w2 = torch.tensor([0.3, -0.5], dtype=torch.float64, requires_grad=True)
        b2 = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        y = torch.sigmoid(torch.tanh(x @ W1 + b1) @ w2 + b2)
        loss = torch.nn.functional.binary_cross_entropy(y, torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64),
                                                        reduction=reduction)
        loss.backward()
        solution = solve(load(text + f"batch_reduction: {reduction}\n"))
        assert solution.loss_value == pytest.approx(loss.item(), rel=1e-12)
        assert np.shape(solution.values["hidden.a"]) == (3, 2) and np.shape(solution.values["output.a"]) == (3,)
        for name, tensor in {"hidden.W": W1, "hidden.b": b1, "output.W": w2, "output.b": b2, "input": x}.items():
            np.testing.assert_allclose(solution.gradients[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("target, torch_target", [("1", [1]), ("[0, 1, 0]", None)])
def test_cross_entropy_with_class_index_or_one_hot(target, torch_target):
    text = f"""\
convention: column
input: [0.2, -0.4]
target: {target}
layers:
  - {{name: logits, weights: [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]], bias: [0.0, 0.1, 0.2]}}
loss: cross_entropy
"""
    W = torch.tensor([[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.0, 0.1, 0.2], dtype=torch.float64, requires_grad=True)
    z = W @ torch.tensor([0.2, -0.4], dtype=torch.float64) + b
    loss = torch.nn.functional.cross_entropy(z[None], torch.tensor([1]))
    loss.backward()
    solution = solve(load(text))
    assert solution.loss_value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(solution.gradients["logits.W"], W.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(solution.gradients["logits.b"], b.grad.numpy(), rtol=1e-10)
    assert solution.target.data.tolist() == [0.0, 1.0, 0.0]


def test_scalar_input_weight_and_bias_are_reported_as_numbers():
    text = ("input: 2\ntarget: 1\nlayers:\n  - {name: n, weights: 0.5, bias: 0.25, activation: identity}\n"
            "loss: half_sse\n")
    solution = solve(load(text))
    assert solution.values["input"] == 2.0 and solution.values["n.z"] == 1.25
    assert solution.gradients["n.W"] == pytest.approx(0.25 * 2) and solution.gradients["n.b"] == 0.25
    assert solution.gradients["input"] == pytest.approx(0.25 * 0.5)


def test_shared_scalar_bias_collects_the_gradient_of_every_unit():
    text = """\
input: [1.0, 1.0]
target: [0, 0]
layers:
  - {name: n, weights: [[1.0, 0.0], [0.0, 2.0]], bias: 0.5}
loss: half_sse
"""
    solution = solve(load(text))
    assert solution.json()["values"]["n.z"] == [1.5, 2.5]
    assert solution.json()["gradients"]["n.b"] == pytest.approx(1.5 + 2.5)


def test_no_loss_is_a_forward_pass_only():
    solution = solve(load(SEED002.replace("loss: bce\noptimizer: {name: sgd, lr: 0.01}\n", "")))
    assert solution.loss is None and solution.loss_value is None
    assert solution.gradients == {} and solution.updated == {}
    assert solution.values["output.a"] == pytest.approx(0.401312339887548)


def test_bad_input_is_always_a_problem_error_never_a_crash():
    texts = [":", "a: [", "{", "layers: 3", "graph: 3", "graph: {a: '1 +'}", "layers: [{}]",
             "input: [1]\nlayers: [{weights: {T: 1}}]", "input: [[[1]]]\nlayers: [{weights: [1]}]",
             "input: []\nlayers: [{weights: [1]}]", "input: [1]\nlayers: [{weights: [1], activation: 3}]",
             "input: [1]\nlayers: [{weights: [1]}]\nloss: 5", "inputs: {a: {b: 1}}\ngraph: {c: a}",
             "inputs: {1a: 1}\ngraph: {c: 2}", "graph: {c: [1, 2]}", "inputs: {a: .inf}\ngraph: {c: a}"]
    for text in texts:
        with pytest.raises(ProblemError):
            solve(load(text + "\n"))


def test_symbolic_mode_of_a_sigmoid_network_finishes_and_agrees_with_float():
    path = "examples/mazur_step_by_step.yaml"
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / path
    symbolic, floating = solve(load(source), "symbolic"), solve(load(source), "float")
    assert float(sympy.sympify(symbolic.loss_value)) == pytest.approx(floating.loss_value, rel=1e-12)
    values = [[float(sympy.sympify(v)) for v in row] for row in symbolic.updated["hidden.W"]]
    np.testing.assert_allclose(values, floating.updated["hidden.W"], rtol=1e-12)
