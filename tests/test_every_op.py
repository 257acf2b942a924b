"""Every registered activation and loss works everywhere, from its registration alone.

The cases are drawn from the op registry at collection time, so an op added by one ``register`` call
(docs/engine.md) is tested here without a line of its own: a problem file using it solves (float and
symbolic mode) to the numbers of its own forward, every explanation style and format renders and names
it, ``check`` marks right answers right and diagnoses a left-out derivative, formulas call it (with its
options), and training reads it from a config. (The ONNX and PyTorch exports of every activation are
tests/train/test_export.py's, built from the registry the same way.)
"""

from __future__ import annotations

import numpy as np
import pytest

import gradwork
from gradwork.backends import get_backend
from gradwork.check import check_answers
from gradwork.nn import MLP
from gradwork.ops import OPS, Op, ops_of_kind
from gradwork.train import fit
from gradwork.train.config import TrainConfig

ACTIVATIONS = [op.name for op in ops_of_kind("activation") if op.elementwise]
LOSSES = [op.name for op in ops_of_kind("loss")]


def _with_options(op: Op) -> object:
    """The op as a problem file names it, its options set away from their defaults."""
    options = {o.name: round(float(o.default) * 0.7 + 0.03, 3) for o in op.options}
    return {"name": op.name, **options} if options else op.name


def _yaml(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def _network(activation: object, loss: object = "bce", output: str = "sigmoid", target: str = "1",
             units: int = 1) -> str:
    weights = "[0.3, -0.5]" if units == 1 else "[[0.3, -0.2], [-0.5, 0.4]]"
    bias = "0.1" if units == 1 else "[0.1, -0.1]"
    return f"""\
title: every op
convention: row
input: [1.0, -2.0]
target: {target}
layers:
  - name: hidden
    weights: [[0.5, -0.6], [-0.4, 0.8]]
    bias: [0.2, -0.2]
    activation: {_yaml(activation)}
  - name: output
    weights: {weights}
    bias: {bias}
    activation: {output}
loss: {_yaml(loss)}
optimizer: {{name: sgd, lr: 0.1}}
"""


def _options(op: Op, spec: object) -> dict:
    return {k: v for k, v in spec.items() if k != "name"} if isinstance(spec, dict) else {}


def _answers(solved: gradwork.Solved) -> dict:
    return {"loss": solved.loss, "values": dict(solved.values), "gradients": dict(solved.gradients),
            "updated": dict(solved.updated)}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_solves_explains_and_checks(name):
    op = OPS[name]
    spec = _with_options(op)
    solved = gradwork.load(_network(spec)).solve("float")
    z = np.asarray(solved.values["hidden.z"], dtype=float)
    expected = op.forward(get_backend("float"), z, **_options(op, spec))
    np.testing.assert_allclose(np.asarray(solved.values["hidden.a"], dtype=float), expected, rtol=1e-12)

    for style in ("chain", "delta", "matrix"):
        text = solved.render("text", style)
        assert op.name in text or op.display_text in text, f"the {style} explanation names {name}"
        for form in ("markdown", "latex", "json"):
            assert solved.render(form, style)

    report = check_answers(solved, _answers(solved))
    assert {item.status for item in report.items} == {"correct"}
    # dL/dW of the hidden layer with the activation's derivative left out: dL/da where dL/dz belongs.
    wrong = _answers(solved)
    grad_a = np.asarray(solved.gradients["hidden.a"], dtype=float)
    wrong["gradients"]["hidden.W"] = np.outer([1.0, -2.0], grad_a).tolist()
    diagnosed = {code for item in check_answers(solved, wrong).items for code in item.diagnosis}
    assert "activation_derivative" in diagnosed


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_in_symbolic_mode_and_in_a_formula(name):
    op = OPS[name]
    solved = gradwork.load(_network(_with_options(op))).solve("symbolic")
    text = solved.render("text", "chain")
    assert op.name in text or op.display_text in text
    arguments = "".join(f", {round(float(o.default) * 0.7 + 0.03, 3)}" for o in op.options)
    graph = gradwork.load(f"inputs: {{x: [0.5, -1.5]}}\ngraph:\n  y: sum({name}(x{arguments}))\n"
                          "output: y\n").solve("float")
    options = {o.name: round(float(o.default) * 0.7 + 0.03, 3) for o in op.options}
    expected = np.sum(op.forward(get_backend("float"), np.array([0.5, -1.5]), **options))
    np.testing.assert_allclose(float(np.asarray(graph.values["y"], dtype=float)), expected, rtol=1e-12)


def _loss_network(op: Op) -> tuple[str, object]:
    spec = _with_options(op)
    if op.inner is not None:  # takes logits: identity output, a class index as the target
        return _network("tanh", spec, output="identity", target="1", units=2), spec
    return _network("tanh", spec, output="sigmoid", target="[0, 1]", units=2), spec


@pytest.mark.parametrize("name", LOSSES)
def test_every_loss_solves_explains_checks_and_trains(name):
    op = OPS[name]
    text, spec = _loss_network(op)
    solved = gradwork.load(text).solve("float")
    y = np.asarray(solved.values["output.a"], dtype=float)
    t = np.eye(2)[1] if op.inner is not None else np.array([0.0, 1.0])
    expected = op.forward(get_backend("float"), y, t, **_options(op, spec))
    np.testing.assert_allclose(float(solved.loss), float(expected), rtol=1e-12)
    for style in ("chain", "delta", "matrix"):
        for form in ("text", "markdown", "latex", "json"):
            assert solved.render(form, style)
    assert {item.status for item in check_answers(solved, _answers(solved)).items} == {"correct"}

    config = TrainConfig.model_validate({"data": "digits", "layers": [{"units": 3}], "loss": spec})
    assert config.loss_name == name
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    targets = rng.integers(0, 2, size=8) if op.inner is not None or name == "bce" else rng.normal(size=8)
    model = MLP.init([3, 4, 2 if op.inner is not None else 1],
                     ["tanh", "identity" if op.inner is not None or name != "bce" else "sigmoid"], seed=0)
    history = fit(model, X, targets, loss=spec, epochs=2, batch_size=4, optimizer="sgd")
    assert np.isfinite(history.last.loss)
