"""Softmax + cross-entropy in its three spellings gets the same diagnoses.

1. fused: an identity output layer and ``loss: cross_entropy`` (softmax applied by the loss, on logits);
2. separate: a softmax output layer and the loss written as a formula, ``-sum(t * log(y))``;
3. graph form: ``p: softmax(z)`` and ``L: -sum(t * log(p))``.

A student who takes log10 writes L / ln 10; a student who uses only the diagonal p_i(1 - p_i) of
softmax's Jacobian writes dL/dz_i = p_i (1 - p_i) (-t_i / p_i) = -t_i (1 - p_i) instead of p_i - t_i.
Both are computed here with NumPy, independently of gradwork.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.check import check_answers, parse_answers
from gradwork.problem import load, solve

X = [1.0, 2.0]
W = [[0.3, -0.5], [0.2, 0.4], [-0.1, 0.6]]
B = [0.0, 0.1, -0.1]
T = [1, 0, 0]  # not the largest logit: a fused log-sum-exp cannot hide a base-10 slip

NETWORK = """
title: softmax and cross-entropy
convention: column
input: [1.0, 2.0]
target: [1, 0, 0]
layers:
  - name: output
    weights: [[0.3, -0.5], [0.2, 0.4], [-0.1, 0.6]]
    bias: [0.0, 0.1, -0.1]
    activation: {activation}
loss: {loss}
"""

GRAPH = """
title: softmax and cross-entropy, graph form
inputs: {z: [-0.7, 1.1, 1.0], t: [1, 0, 0]}
graph:
  p: softmax(z)
  L: -sum(t * log(p))
output: L
"""

SPELLINGS = {
    "fused": (NETWORK.format(activation="identity", loss="cross_entropy"), "output.z", "output.p"),
    "separate": (NETWORK.format(activation="softmax", loss='"-sum(t * log(y))"'), "output.z", "output.a"),
    "graph": (GRAPH, "z", "p"),
}


def _numbers():
    z = np.array(W) @ np.array(X) + np.array(B)  # [-0.7, 1.1, 1.0], the graph form's z
    p = np.exp(z) / np.exp(z).sum()
    t = np.array(T, dtype=float)
    return z, p, t, -(t * np.log(p)).sum()


def _solution(tmp_path, spelling):
    text, _, _ = SPELLINGS[spelling]
    path = tmp_path / f"{spelling}.yaml"
    path.write_text(text)
    return solve(load(path))


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_a_log10_loss_is_diagnosed(tmp_path, spelling):
    _, _, _, loss = _numbers()
    report = check_answers(_solution(tmp_path, spelling), parse_answers({"loss": loss / np.log(10)}))
    item = report.item("loss")
    assert item.status == "wrong" and "log_base_10" in item.diagnosis, item.message


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_a_diagonal_jacobian_delta_is_diagnosed(tmp_path, spelling):
    _, p, t, _ = _numbers()
    logits = SPELLINGS[spelling][1]
    diagonal = -t * (1 - p)
    report = check_answers(_solution(tmp_path, spelling), parse_answers({"gradients": {logits: diagonal.tolist()}}))
    item = report.item(f"gradients.{logits}")
    assert item.status == "wrong" and item.diagnosis == ("softmax_diagonal_jacobian",), item.message
    right = check_answers(_solution(tmp_path, spelling), parse_answers({"gradients": {logits: (p - t).tolist()}}))
    assert right.all_correct


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_the_probabilities_can_be_asked_and_marked(tmp_path, spelling):
    _, p, _, _ = _numbers()
    probabilities = SPELLINGS[spelling][2]
    solution = _solution(tmp_path, spelling)
    np.testing.assert_allclose(solution.values[probabilities], p, rtol=1e-12)
    report = check_answers(solution, parse_answers({"values": {probabilities: np.round(p, 4).tolist()}}))
    assert report.all_correct and report.total == 1


def test_the_fused_probabilities_are_a_value_to_ask_for(tmp_path):
    path = tmp_path / "asked.yaml"
    path.write_text(SPELLINGS["fused"][0] + "ask: [values.output.p, loss]\n")
    solution = solve(load(path))
    _, p, _, loss = _numbers()
    report = check_answers(solution, parse_answers({"values": {"output.p": p.tolist()}, "loss": loss}))
    assert [item.key for item in report.items] == ["values.output.p", "loss"] and report.all_correct
