"""Each mistake model: plant the mistake in a fresh small problem and check it is diagnosed.

The planted (wrong) numbers and the right ones are computed here with plain
NumPy formulas, independently of gradwork; a correct answer must get no
diagnosis at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from gradwork.check import MISTAKES, Checker, check_answers, parse_answers
from tests.check.fixtures import graph_solution, network_solution


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------- small problems and their hand solutions
# P1: column, one softmax layer, 3 classes, half_sse loss.
P1_X, P1_W, P1_B, P1_T = np.array([1.0, 2.0]), np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]]), \
    np.array([0.1, 0.0, -0.1]), np.array([0.0, 1.0, 0.0])


def p1():
    return network_solution("P1", P1_X.tolist(), P1_T.tolist(),
                            [{"name": "out", "weights": P1_W.tolist(), "bias": P1_B.tolist(), "activation": "softmax"}],
                            "half_sse", "column", lr=0.1)


def p1_grads(diagonal=False):
    z = P1_W @ P1_X + P1_B
    y = np.exp(z) / np.exp(z).sum()
    dy = y - P1_T
    dz = y * (1 - y) * dy if diagonal else (np.diag(y) - np.outer(y, y)) @ dy
    return np.outer(dz, P1_X), dz


# P2: column 2-2-1, ReLU hidden with a pre-activation exactly 0, identity output, half_sse.
P2_X = np.array([1.0, -1.0])
P2_W1, P2_W2, P2_T = np.array([[1.0, 1.0], [0.5, 0.2]]), np.array([0.7, -0.3]), 1.0


def p2():
    return network_solution("P2", P2_X.tolist(), P2_T,
                            [{"name": "hidden", "weights": P2_W1.tolist(), "activation": "relu"},
                             {"name": "out", "weights": P2_W2.tolist()}], "half_sse", "column", lr=0.1)


def p2_w1_grad(relu_at_zero=0.0):
    z1 = P2_W1 @ P2_X  # [0, 0.3]: the first unit sits exactly at the kink
    h = np.maximum(z1, 0)
    y = P2_W2 @ h
    slope = np.where(z1 > 0, 1.0, np.where(z1 == 0, relu_at_zero, 0.0))
    return np.outer((y - P2_T) * P2_W2 * slope, P2_X)


# P3: row 2-2-1 with biases, sigmoid hidden, sigmoid output, BCE (a square W1 for the transposed reading).
P3_X, P3_W1, P3_B1 = np.array([0.5, -1.5]), np.array([[0.2, -0.7], [0.4, 0.3]]), np.array([0.1, -0.2])
P3_W2, P3_B2, P3_T, P3_LR = np.array([0.6, -0.4]), 0.05, 1.0, 0.5


def p3():
    return network_solution("P3", P3_X.tolist(), P3_T,
                            [{"name": "hidden", "weights": P3_W1.tolist(), "bias": P3_B1.tolist(),
                              "activation": "sigmoid"},
                             {"name": "out", "weights": P3_W2.tolist(), "bias": P3_B2, "activation": "sigmoid"}],
                            "bce", "row", lr=P3_LR)


def p3_solve(w1=P3_W1, derivative="a(1-a)", w2_backward=None):
    """Forward, loss, gradients and update by hand; ``derivative`` plants a wrong hidden sigmoid'."""
    z1 = P3_X @ w1 + P3_B1
    a1 = sigmoid(z1)
    z2 = a1 @ P3_W2 + P3_B2
    y = sigmoid(z2)
    loss = -(P3_T * np.log(y) + (1 - P3_T) * np.log(1 - y))
    loss10 = -(P3_T * np.log10(y) + (1 - P3_T) * np.log10(1 - y))
    dz2 = y - P3_T
    gw2, gb2 = dz2 * a1, dz2
    local = {"a(1-a)": a1 * (1 - a1), "z(1-z)": z1 * (1 - z1), "none": np.ones_like(z1)}[derivative]
    w2_used = P3_W2 if w2_backward is None else w2_backward
    dz1 = dz2 * w2_used * local
    gw1, gb1 = np.outer(P3_X, dz1), dz1
    return {"z1": z1, "a1": a1, "y": y, "loss": loss, "loss10": loss10, "gw1": gw1, "gb1": gb1, "gw2": gw2,
            "gb2": gb2, "dz1": dz1, "w1_new": P3_W1 - P3_LR * gw1, "b1_new": P3_B1 - P3_LR * gb1,
            "w2_new": P3_W2 - P3_LR * gw2, "b2_new": P3_B2 - P3_LR * gb2}


# P4: graph form, a product rule: u = a * a, L = u * b.
def p4():
    def build(a, b):
        u = a * a
        return {"u": u, "L": u * b}
    return graph_solution("P4", {"a": 1.5, "b": -2.0}, build, "L")


# P5: row, a batch of 3 samples into one sigmoid unit, BCE averaged over the batch.
P5_X, P5_W, P5_B, P5_T, P5_LR = np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.5]]), np.array([0.4, -0.3]), 0.1, \
    np.array([1.0, 0.0, 1.0]), 0.5


def p5():
    return network_solution("P5", P5_X.tolist(), P5_T.tolist(),
                            [{"name": "out", "weights": P5_W.tolist(), "bias": P5_B, "activation": "sigmoid"}],
                            "bce", "row", lr=P5_LR)


def p5_w_grad(mean=True):
    y = sigmoid(P5_X @ P5_W + P5_B)
    return P5_X.T @ (y - P5_T) / (len(P5_X) if mean else 1)


# ---------------------------------------------------------------- the plants
@dataclass
class Plant:
    code: str
    problem: Callable[[], Any]
    section: str  # "loss", "values", "gradients", "updated"
    name: str
    wrong: Callable[[], Any]  # the student's number, computed by hand with the mistake made
    right: Callable[[], Any]  # the right number, computed by hand


def _answers(section: str, name: str, value: Any) -> dict[str, Any]:
    value = np.asarray(value).tolist()
    return {"loss": value} if section == "loss" else {section: {name: value}}


PLANTS = [
    Plant("softmax_diagonal_jacobian", p1, "gradients", "out.W",
          lambda: p1_grads(diagonal=True)[0], lambda: p1_grads()[0]),
    Plant("relu_at_zero", p2, "gradients", "hidden.W", lambda: p2_w1_grad(1.0), lambda: p2_w1_grad(0.0)),
    Plant("factor_half", p1, "gradients", "out.W", lambda: p1_grads()[0] / 2, lambda: p1_grads()[0]),
    Plant("factor_2", p1, "gradients", "out.W", lambda: p1_grads()[0] * 2, lambda: p1_grads()[0]),
    Plant("sign", p3, "gradients", "hidden.W", lambda: -p3_solve()["gw1"], lambda: p3_solve()["gw1"]),
    Plant("log_base_10", p3, "loss", "loss", lambda: p3_solve()["loss10"], lambda: p3_solve()["loss"]),
    Plant("transposed", p3, "values", "hidden.z", lambda: p3_solve(w1=P3_W1.T)["z1"], lambda: p3_solve()["z1"]),
    Plant("swapped_entries", p3, "gradients", "hidden.W",  # the top row's two entries swapped
          lambda: p3_solve()["gw1"][:, [1, 0]] * [[1, 1], [0, 0]] + p3_solve()["gw1"] * [[0, 0], [1, 1]],
          lambda: p3_solve()["gw1"]),
    Plant("update_sign", p3, "updated", "out.W", lambda: P3_W2 + P3_LR * p3_solve()["gw2"],
          lambda: p3_solve()["w2_new"]),
    Plant("learning_rate", p3, "updated", "hidden.W", lambda: P3_W1 - p3_solve()["gw1"],
          lambda: p3_solve()["w1_new"]),
    Plant("batch_mean", p5, "gradients", "out.W", lambda: p5_w_grad(mean=False), lambda: p5_w_grad()),
    Plant("bias_not_updated", p3, "updated", "hidden.b", lambda: P3_B1, lambda: p3_solve()["b1_new"]),
    Plant("gradient_as_update", p3, "updated", "hidden.W", lambda: p3_solve()["gw1"], lambda: p3_solve()["w1_new"]),
    Plant("activation_derivative", p3, "gradients", "hidden.z", lambda: p3_solve(derivative="z(1-z)")["dz1"],
          lambda: p3_solve()["dz1"]),
    Plant("updated_weights_in_backward", p3, "gradients", "hidden.W",
          lambda: p3_solve(w2_backward=p3_solve()["w2_new"])["gw1"], lambda: p3_solve()["gw1"]),
    Plant("missed_path", p4, "gradients", "a", lambda: 1.5 * -2.0, lambda: 2 * 1.5 * -2.0),
    Plant("rounding", p3, "updated", "out.b",  # cut off after 2 figures: 0.2771... -> 0.27
          lambda: np.trunc(p3_solve()["b2_new"] * 100) / 100, lambda: p3_solve()["b2_new"]),
]


def _mark(plant: Plant, value: Any):
    marker = Checker(plant.problem())
    return marker.check(parse_answers(_answers(plant.section, plant.name, value))).items[0]


# Found per student, not per problem: planted in tests/check/test_farming.py.
PER_STUDENT = {"misread_data", "other_variant"}


def test_every_registered_model_is_planted():
    assert {plant.code for plant in PLANTS} == set(MISTAKES) - PER_STUDENT


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.code)
def test_planted_mistake_is_diagnosed(plant: Plant):
    wrong, right = np.asarray(plant.wrong()), np.asarray(plant.right())
    assert not np.allclose(wrong, right, rtol=1e-3), "the plant must change the number"
    item = _mark(plant, wrong)
    assert item.status == "wrong"
    assert plant.code in item.diagnosis, item.message
    # the model's rule, or the rule of the place where it was made (a factor at the loss as written)
    rules = {MISTAKES[plant.code].rule} | {v.rule for v in Checker(plant.problem()).variants
                                           if v.code == plant.code and v.rule}
    assert any(rule in item.message for rule in rules), item.message


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.code)
def test_right_answer_gets_no_diagnosis(plant: Plant):
    item = _mark(plant, plant.right())
    assert item.status == "correct"
    assert item.diagnosis == ()


def test_rounding_every_intermediate_is_diagnosed():
    # Seed 002 with a3 = sigmoid(-0.4) = 0.4013 carried on as 0.40 (2 figures): J = -ln(1 - 0.40) = 0.5108,
    # against the right 0.5130.
    from tests.check.fixtures import seed_002

    item = Checker(seed_002()).check(parse_answers({"loss": -np.log(1 - 0.40)})).items[0]
    assert item.status == "wrong" and item.diagnosis == ("rounding",)


def test_sign_of_a_forward_value_is_diagnosed():
    item = Checker(p3()).check(parse_answers({"values": {"hidden.z": (-p3_solve()["z1"]).tolist()}})).items[0]
    assert item.diagnosis == ("sign",)


def test_transposed_layout_of_a_non_square_answer():
    gw, _ = p1_grads()  # [3, 2]; written as [2, 3]
    item = Checker(p1()).check(parse_answers({"gradients": {"out.W": gw.T.tolist()}})).items[0]
    assert item.status == "wrong" and item.diagnosis == ("transposed",)


def test_unrelated_wrong_number_gets_no_diagnosis():
    item = Checker(p3()).check(parse_answers({"loss": 0.123})).items[0]
    assert item.status == "wrong" and item.diagnosis == ()


def test_a_new_model_is_one_registered_function():
    from gradwork.check.mistakes import Variant, mistake
    from gradwork.check.replay import Perturbation

    @mistake("test_tripled", "Gradients are not tripled.")
    def tripled(graph):
        for name in graph.params:
            i = graph.params[name]
            yield Variant("test_tripled", name, f"your dL/d{name} is tripled",
                          Perturbation(grad_transforms={i: lambda bk, g: 3 * g}))

    try:
        gw = p3_solve()["gw1"]
        item = Checker(p3()).check(parse_answers({"gradients": {"hidden.W": (3 * gw).tolist()}})).items[0]
        assert item.diagnosis == ("test_tripled",)
    finally:
        MISTAKES.pop("test_tripled")


def test_an_unupdated_bias_is_told_its_one_sgd_step_with_numbers_true_as_printed():
    from gradwork.check import check_answers
    from tests.check import fixtures

    # Seed 002 (row): dJ/db3 = a3 - y = 0.40131; b3 = 0 - 0.01 * 0.4013 = -0.004013.
    item = check_answers(fixtures.seed_002(), parse_answers({"updated": {"output.b": 0}})).item("updated.output.b")
    assert "left at its initial value 0; the update is b⁽²⁾ - η * ∂L/∂b⁽²⁾ = 0 - 0.01 * 0.4013 = -0.004013" \
        in item.message
    quiet = check_answers(fixtures.seed_002(), parse_answers({"updated": {"output.b": 0}}), reveal=False).items[0]
    assert "left at its initial value" in quiet.message and "the update is" not in quiet.message  # no answer given
    adam = fixtures.network_solution("adam", [1.0, 2.0], 0.0, fixtures.SEED_002_LAYERS, "bce", "row", optimizer="adam")
    item = check_answers(adam, parse_answers({"updated": {"output.b": 0}})).item("updated.output.b")
    assert item.diagnosis == ("bias_not_updated",) and "the update is" not in item.message  # Adam's is no one product


def test_another_activations_derivative_is_named_relu_for_leaky_relu():
    # A 2-1 network with a leaky ReLU hidden layer, one unit below 0: ReLU' there gives 0 instead of alpha.
    x, w1, w2, t = np.array([1.0, -2.0]), np.array([[0.3, 0.4], [-0.5, 0.1]]), np.array([0.7, -0.2]), 1.0
    solution = network_solution("leaky", x.tolist(), t,
                                [{"name": "hidden", "weights": w1.tolist(), "activation": "leaky_relu"},
                                 {"name": "out", "weights": w2.tolist()}], "half_sse", "column", lr=0.1)
    z = w1 @ x  # [-0.5, -0.7]: both below 0
    y = w2 @ np.where(z > 0, z, 0.01 * z)
    relu_slope = (y - t) * w2 * (z > 0)  # ReLU' written for LeakyReLU'
    item = check_answers(solution, parse_answers({"gradients": {"hidden.z": relu_slope.tolist()}})).items[0]
    assert item.diagnosis == ("activation_derivative",)
    assert "ReLU's derivative" in item.message and "in place of LeakyReLU's" in item.message
    # the op's option is written with its value, never as the template's placeholder ($alpha)
    assert "$" not in item.message and "0.01 if z⁽¹⁾ < 0" in item.message


def test_a_factor_at_a_squared_error_is_told_in_the_terms_of_the_loss_as_written():
    def problem(loss):
        return network_solution("sq", [2.0], 1.0, [{"name": "out", "weights": [[0.9]]}], loss, "column", lr=0.1)

    y = 0.9 * 2.0
    # half_sse = 1/2 (t - y)^2 has its 1/2: a halved dL/dy is that 1/2 used a second time.
    item = check_answers(problem("half_sse"), parse_answers({"gradients": {"out.z": (y - 1.0) / 2}})).items[0]
    assert item.diagnosis == ("factor_half",)
    assert "The 1/2 in L = 1/2 (t - z⁽¹⁾)^2 is there to cancel the 2 of the square" in item.message
    # sse = (t - y)^2 has none: a halved dL/dy is the 2 of the square dropped.
    item = check_answers(problem("sse"), parse_answers({"gradients": {"out.z": (y - 1.0)}})).items[0]
    assert item.diagnosis == ("factor_half",)
    assert "L = (t - z⁽¹⁾)^2 has no 1/2 in front" in item.message and "∂L/∂z⁽¹⁾ = -2(t - z⁽¹⁾)" in item.message
