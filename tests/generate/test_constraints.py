"""Each constraint, on hand-written problems that meet it and that break it."""

from __future__ import annotations

import pytest

from gradwork.generate.build import Candidate
from gradwork.generate.constraints import CONSTRAINTS, ordered
from gradwork.generate.template import read_template

NETWORK = """\
title: t
convention: row
input: [1.0, 2.0]
target: 1
layers:
  - name: hidden
    weights: [[0.5, -0.6], [-0.4, 0.8]]
    bias: [0.2, -0.2]
    activation: relu
  - name: output
    weights: [0.3, -0.5]
    bias: 0.1
    activation: sigmoid
loss: bce
optimizer: {name: sgd, lr: 0.5}
ask: [loss, gradients.hidden.W, gradients.output.b, updated.output.b, updated.hidden.b]
"""


def holds(name: str, text: str) -> bool:
    template = read_template(text)
    return CONSTRAINTS[name][1](Candidate(template, template.body))


def test_the_plain_exam_network_meets_every_constraint_but_a_live_relu_input():
    assert all(holds(name, NETWORK) for name in ("nice", "no_relu_at_zero", "no_dead_relu", "no_saturation",
                                                 "distinct_mistakes"))
    assert not holds("all_gradients_nonzero", NETWORK)  # z_hidden = [-0.1, 0.8]: unit 1 is off, its column is 0


@pytest.mark.parametrize("name, before, after", [
    ("nice", "[-0.4, 0.8]", "[-0.45, 0.8]"),
    ("nice", "bias: 0.1", "bias: 0.15"),
    ("no_relu_at_zero", "bias: [0.2, -0.2]", "bias: [0.3, -0.2]"),                  # z_hidden[0] = 0 exactly
    ("no_dead_relu", "bias: [0.2, -0.2]", "bias: [0.2, -2.5]"),                      # both units off
    ("no_saturation", "bias: 0.1", "bias: 5.5"),                                     # sigmoid input 4.5
    ("distinct_mistakes", "lr: 0.5", "lr: 0.000001"),                                # a bias left unchanged: invisible
])
def test_a_constraint_rejects_what_it_names(name, before, after):
    assert holds(name, NETWORK.replace("[[0.5, -0.6], [-0.4, 0.8]]", "[[0.5, 0.6], [-0.4, 0.8]]"))
    broken = NETWORK.replace("[[0.5, -0.6], [-0.4, 0.8]]", "[[0.5, 0.6], [-0.4, 0.8]]").replace(before, after)
    assert broken != NETWORK and not holds(name, broken)


def test_leaky_relus_alpha_is_not_a_number_the_student_works_with():
    text = NETWORK.replace("activation: relu", "activation: {name: leaky_relu, alpha: 0.01}")
    assert holds("nice", text)


def test_integer_results_is_decided_in_exact_arithmetic():
    graph = "title: t\ninputs: {a: 3, b: 2}\ngraph:\n  c: a * b\n  L: c**2 / 2\noutput: L\n"
    assert holds("integer_results", graph)
    assert not holds("integer_results", graph.replace("b: 2", "b: 1"))  # L = 9/2
    assert not holds("integer_results", graph.replace("b: 2", "b: 0.5"))


def test_all_gradients_nonzero_looks_at_inputs_when_there_are_no_parameters():
    graph = "title: t\ninputs: {a: 3, b: 2}\ngraph:\n  c: a * b\n  L: c**2 / 2\noutput: L\n"
    assert holds("all_gradients_nonzero", graph)
    assert not holds("all_gradients_nonzero", graph.replace("b: 2", "b: 0"))


def test_constraints_are_tried_cheapest_first():
    assert ordered(("distinct_mistakes", "nice", "integer_results")) == ["nice", "integer_results",
                                                                          "distinct_mistakes"]


SKIP_V584 = """\
title: seed 001's skip network, variant v584 of the bundled template as drawn before this test existed
inputs: {x: [0.5, 0.5], t: 0}
params: {w0: [0.8, 0.2], b0: 0.1, w1: -0.6, b1: -0.2, w2: -0.6, w3: -0.1, b2: 0.1}
graph:
  z0: w0 @ x + b0
  h0: sigmoid(z0)
  z1: w1 * h0 + b1
  h1: sigmoid(z1)
  z2: w2 * h1 + w3 * h0 + b2
  y: z2
  L: abs(y - t)
output: L
optimizer: {name: sgd, lr: 0.1}
ask: [values.h0, loss, gradients.w0, updated.w0]
marking: {tolerance: {sigfigs: 3}}
"""


def test_distinct_mistakes_keeps_every_planted_expect_case_beyond_the_tolerance():
    # dL/dw0 = [0.00198, 0.00198]: w0 - 0.1 g and w0 + 0.1 g are both [0.800, 0.200] at 3 s.f., so a student who adds
    # the gradient is marked right and `gradwork test`'s update_sign case failed on this variant (v584 of 1000).
    assert holds("distinct_mistakes", SKIP_V584)
    planted = SKIP_V584 + "expect:\n  - {plant: update_sign, diagnosis: [update_sign]}\n"
    assert not holds("distinct_mistakes", planted)
