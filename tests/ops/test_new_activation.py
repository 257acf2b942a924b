"""Adding an activation is one registration (docs/engine.md): a test registers softsign and uses it everywhere.

The fixture registers softsign(x) = x / (1 + |x|) with its rule, display name
and export mapping, and nothing else: no other module is edited. The tests
then use it from a problem file (solve and explain), from the checker, from a
formula, in training and in the ONNX and PyTorch exports, and run the same
gradient check as every registered op (one spec line).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from tests.lazy import lazy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradwork
from gradwork import functional as F
from gradwork.check import check_answers, parse_answers
from gradwork.nn import ACTIVATIONS, MLP
from gradwork.ops import OPS, Export, Notation, Op, Partial, register, unregister
from gradwork.problem.expressions import FUNCTIONS
from gradwork.tensor import Tensor
from gradwork.train import predict
from gradwork.train.export import export_onnx, export_torch
from tests.ops.test_gradients import Spec, check_spec, unary

onnxruntime = lazy("onnxruntime")
torch = lazy("torch")

SOFTSIGN = Op(
    name="softsign",
    kind="activation",
    forward=lambda bk, x: x / (1 + bk.abs(x)),
    partials=(Partial("x", lambda bk, g, out, x: g / ((1 + bk.abs(x)) * (1 + bk.abs(x))),
                      r"\frac{1}{(1 + |$x|)^{2}}", "1 / (1 + |$x|)^2"),),
    notation=Notation("softsign($x)", r"\operatorname{softsign}($x)"),
    definition_latex=r"\operatorname{softsign}(x) = \frac{x}{1 + |x|}",
    definition_text="softsign(x) = x / (1 + |x|)",
    sentence="softsign'(x) = 1 / (1 + |x|)^2.",
    elementwise=True,
    display=("softsign", r"\operatorname{softsign}"),
    export=Export("Softsign", "Softsign"),
)
SPEC = Spec("softsign", unary(), torch.nn.functional.softsign)  # the one test-spec line

PROBLEM = """\
title: softsign network
convention: row
input: [1.0, 2.0]
target: 1
layers:
  - name: hidden
    weights: [[0.5, -0.6], [-0.4, 0.8]]
    bias: [0.2, -0.2]
    activation: softsign
  - name: output
    weights: [0.3, -0.5]
    bias: 0
    activation: sigmoid
loss: bce
optimizer: {name: sgd, lr: 0.1}
"""


@pytest.fixture
def softsign():
    register(SOFTSIGN)
    try:
        yield SOFTSIGN
    finally:
        unregister("softsign")


def _hand_solution():
    """The same network by hand in NumPy."""
    x, t = np.array([1.0, 2.0]), 1.0
    W1, b1, w2 = np.array([[0.5, -0.6], [-0.4, 0.8]]), np.array([0.2, -0.2]), np.array([0.3, -0.5])
    z1 = x @ W1 + b1
    a1 = z1 / (1 + np.abs(z1))
    y = 1 / (1 + np.exp(-(a1 @ w2)))
    dz2 = y - t
    dz1 = w2 * dz2 / (1 + np.abs(z1)) ** 2
    return {"hidden.z": z1, "hidden.a": a1, "output.a": y, "hidden.W": np.outer(x, dz1), "output.W": a1 * dz2}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_softsign_gradient_matches_finite_differences_and_torch(data):
    register(SOFTSIGN)  # not the fixture: Hypothesis runs this body many times per fixture
    try:
        check_spec(SPEC, data)
    finally:
        unregister("softsign")


def test_registration_alone_makes_it_an_activation_everywhere(softsign):
    assert "softsign" in ACTIVATIONS and "softsign" in FUNCTIONS
    np.testing.assert_allclose(F.softsign(Tensor([-1.0, 3.0])).data, [-0.5, 0.75])


def test_unregistering_removes_it_from_the_tables():
    assert "softsign" not in ACTIVATIONS and "softsign" not in FUNCTIONS and "softsign" not in OPS


def test_problem_file_solves_and_explains_with_it(tmp_path, softsign):
    path = tmp_path / "softsign.yaml"
    path.write_text(PROBLEM)
    solved = gradwork.load(path).solve()
    hand = _hand_solution()
    for key in ("hidden.z", "hidden.a", "output.a"):
        np.testing.assert_allclose(np.asarray(solved.values[key], dtype=float), hand[key], rtol=1e-12)
    for key in ("hidden.W", "output.W"):
        np.testing.assert_allclose(np.asarray(solved.gradients[key], dtype=float), hand[key], rtol=1e-12)
    text = solved.render("text")
    assert "softsign" in text and "1 / (1 + |" in text  # the registered rule, filled in
    assert "softsign" in solved.render("latex")


def test_formula_and_exact_mode_use_it(tmp_path, softsign):
    path = tmp_path / "formula.yaml"
    path.write_text(PROBLEM.replace("activation: softsign", 'activation: "softsign(x) * 2"'))
    doubled = gradwork.load(path).solve()
    np.testing.assert_allclose(np.asarray(doubled.values["hidden.a"], dtype=float),
                               2 * _hand_solution()["hidden.a"], rtol=1e-12)
    path.write_text(PROBLEM.replace("activation: sigmoid", "activation: softsign")
                    .replace("loss: bce", "loss: half_sse"))
    exact = gradwork.load(path).solve(mode="exact").solution
    # z = [-1/10, 4/5] exactly, so softsign(z) = [-1/11, 4/9] with no rounding anywhere.
    assert exact.nodes["hidden.a"].data.tolist() == [Fraction(-1, 11), Fraction(4, 9)]


def test_check_diagnoses_a_left_out_softsign_derivative(tmp_path, softsign):
    path = tmp_path / "softsign.yaml"
    path.write_text(PROBLEM)
    solution = gradwork.load(path).solve().solution
    hand = _hand_solution()
    right = check_answers(solution, parse_answers({"gradients": {"hidden.W": hand["hidden.W"].tolist()}}))
    assert right.correct == right.total == 1
    x, w2, dz2 = np.array([1.0, 2.0]), np.array([0.3, -0.5]), hand["output.a"] - 1.0
    no_derivative = np.outer(x, w2 * dz2)  # the softsign factor left out
    wrong = check_answers(solution, parse_answers({"gradients": {"hidden.W": no_derivative.tolist()}}))
    assert wrong.correct == 0
    assert wrong.item("gradients.hidden.W").diagnosis == ("activation_derivative",)


def test_training_and_export_use_it(tmp_path, softsign):
    model = MLP.init([3, 4, 2], ["softsign", "identity"], init="xavier", seed=1, dtype="float32")
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    session = onnxruntime.InferenceSession(str(export_onnx(model, tmp_path / "n.onnx")),
                                           providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["output"], {"input": X})[0], predict(model, X), rtol=1e-5, atol=1e-6)
    module = torch.load(export_torch(model, tmp_path / "n.pt"), weights_only=False)
    assert isinstance(module[1], torch.nn.Softsign)
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(X)).numpy(), predict(model, X), rtol=1e-5, atol=1e-6)
