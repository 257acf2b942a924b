"""Marking: verdicts, real carried-forward credit, blanks, shapes, modes, and bad keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradwork.check import AnswersError, Checker, Tolerance, check_answers, parse_answers
from tests.check import fixtures

ROOT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _items(solution, answers, **kwargs):
    report = check_answers(solution, parse_answers(answers), **kwargs)
    return report, {item.key: item for item in report.items}


def test_carried_forward_recomputes_from_the_students_own_wrong_value():
    # Seed 002 (row). The student slips on z2: writes 0.9 instead of 0.8, then carries on correctly.
    a = np.array([0.0, 0.9])                      # relu of their z
    z3 = a @ np.array([0.3, -0.5])                # -0.45
    a3 = sigmoid(z3)                              # 0.38936...
    loss = -np.log(1 - a3)
    dw2 = a3 * a                                  # dJ/dw = (a3 - y) a
    answers = {"values": {"hidden.z": [-0.1, 0.9], "hidden.a": a.tolist(), "output.z": z3, "output.a": a3},
               "loss": loss, "gradients": {"output.W": dw2.tolist()},
               "updated": {"output.W": (np.array([0.3, -0.5]) - 0.01 * dw2).tolist()}}
    report, items = _items(fixtures.seed_002(), answers, tolerance=Tolerance.sigfigs(4))
    assert items["values.hidden.z"].status == "wrong"
    for key in ("values.hidden.a", "values.output.z", "values.output.a", "loss", "gradients.output.W",
                "updated.output.W"):
        assert items[key].status == "carried_forward", key
        assert items[key].carried_from[0] == "values.hidden.z"
    np.testing.assert_allclose(items["loss"].expected_given_yours, loss, rtol=1e-12)
    assert items["loss"].expected == pytest.approx(0.5130152524)
    assert (report.correct, report.total) == (6, 7)  # carried forward is credited
    assert not report.all_correct


def test_a_later_answer_that_does_not_follow_is_wrong_not_carried():
    answers = {"values": {"hidden.z": [-0.1, 0.9], "output.z": -0.4}}  # -0.4 follows from 0.8, not from their 0.9
    _, items = _items(fixtures.seed_002(), answers)
    assert items["values.output.z"].status == "correct"  # it is the right value, so it is simply correct
    _, items = _items(fixtures.seed_002(), {"values": {"hidden.z": [-0.1, 0.9], "output.z": -0.7}})
    assert items["values.output.z"].status == "wrong"


def test_answers_right_given_the_students_own_rounding_are_correct():
    # Seed 003, 7.1: delta2 = [-0.20085, 0.32955] is right at 3 s.f. (0.32996 exact); their dW2[1, 0] =
    # 0.32955 * 0.23 = 0.0758 is then off at 3 s.f. (0.07589 exact) but right given their own delta2.
    dw2 = [[-0.0462, -0.0803, -0.1145], [0.0758, 0.1318, 0.1878]]
    _, items = _items(fixtures.seed_003_71(), {"gradients": {"output.z": [-0.20085, 0.32955], "output.W": dw2}})
    assert items["gradients.output.z"].status == "correct"
    assert items["gradients.output.W"].status == "correct"
    assert "your own earlier" in items["gradients.output.W"].message
    _, items = _items(fixtures.seed_003_71(), {"gradients": {"output.W": dw2}})
    assert items["gradients.output.W"].status == "wrong"
    # A wrong a3 (0.4 for 0.4013) carries on: dJ/dw6 = 0.4 * 0.8 = 0.32 is carried forward.
    _, items = _items(fixtures.seed_002(), {"values": {"output.a": 0.4}, "gradients": {"output.W[1]": 0.32}})
    assert items["values.output.a"].status == "wrong"
    assert items["gradients.output.W[1]"].status == "carried_forward"


def test_blank_answers_are_missing_and_count_in_the_total():
    report, items = _items(fixtures.seed_002(), {"loss": None, "values": {"output.a": [None]},
                                                 "updated": {"hidden.b": [0.2, None]}})
    assert items["loss"].status == "missing"
    assert items["loss"].expected == pytest.approx(0.5130152524)
    assert items["values.output.a"].status == "missing"
    bias = items["updated.hidden.b"]
    assert bias.status == "missing" and bias.elements == ["correct", "missing"]
    assert (report.correct, report.total) == (0, 3)


def test_element_keys_and_one_element_lists():
    _, items = _items(fixtures.seed_002(), {"gradients": {"hidden.W[1,1]": -0.4013, "output.b": [0.4013]},
                                            "values": {"output.a[0]": 0.4013}})
    assert all(item.status == "correct" for item in items.values())
    assert items["gradients.hidden.W[1,1]"].expected == pytest.approx(-0.4013123399)


def test_wrong_shape_is_wrong_not_an_error():
    _, items = _items(fixtures.seed_002(), {"gradients": {"hidden.W": [0, -0.2, 0]}})
    assert items["gradients.hidden.W"].status == "wrong"


@pytest.mark.parametrize(("answers", "words"), [
    ({"values": {"hiden.z": [1, 2]}}, "unknown name 'hiden.z' in values (expected one of input, hidden.W"),
    ({"updated": {"hidden.z": [1, 2]}}, "unknown parameter 'hidden.z' in updated (expected one of"),
    ({"gradients": {"hidden.W[2,0]": 1}}, "index [2,0] is outside hidden.W, of shape [2, 2]"),
    ({"loss": "0.5x"}, "'0.5x' is not a number"),
    ({"values": {"hidden.z": [[1], [2, 3]]}}, "different lengths"),
])
def test_bad_keys_and_values_are_answers_errors(answers, words):
    with pytest.raises(AnswersError) as error:
        check_answers(fixtures.seed_002(), parse_answers(answers, "a.yaml"))
    assert words in str(error.value)
    assert str(error.value).startswith("a.yaml:1:1: ")


def test_fractions_and_exact_mode():
    exact = fixtures.network_solution(
        "HW1 exact", [2, 3], 3,
        [{"name": "layer1", "weights": [[-2, 3], [2, 1]], "activation": "square"},
         {"name": "layer2", "weights": [-2, 1], "activation": "square"}],
        "half_sse", "column", lr="1/100", backend="exact")
    report, items = _items(exact, {"updated": {"layer2.W": ["-3", "-24/25"]}, "loss": 2,
                                   "values": {"layer2.a": "1/1"}})
    assert report.all_correct
    assert items["updated.layer2.W"].expected == ["-3", "-24/25"]


def test_momentum_two_steps_replayed():
    # SGD with momentum 0.9, two steps on seed 004 (column, x^2 activations); by hand with NumPy.
    solution = fixtures.network_solution(
        "HW1 momentum", [2.0, 3.0], 3.0,
        [{"name": "layer1", "weights": [[-2.0, 3.0], [2.0, 1.0]], "activation": "square"},
         {"name": "layer2", "weights": [-2.0, 1.0], "activation": "square"}],
        "half_sse", "column", lr=0.001, optimizer="momentum", options={"momentum": 0.9}, steps=2)
    x, t = np.array([2.0, 3.0]), 3.0
    w1, w2 = np.array([[-2.0, 3.0], [2.0, 1.0]]), np.array([-2.0, 1.0])
    v1, v2 = np.zeros_like(w1), np.zeros_like(w2)
    for _ in range(2):
        z1 = w1 @ x
        a1 = z1 ** 2
        z2 = w2 @ a1
        y = z2 ** 2
        d2 = (y - t) * 2 * z2
        d1 = d2 * w2 * 2 * z1
        v2, v1 = 0.9 * v2 + d2 * a1, 0.9 * v1 + np.outer(d1, x)
        w2, w1 = w2 - 0.001 * v2, w1 - 0.001 * v1
    report, _ = _items(solution, {"updated": {"layer1.W": w1.tolist(), "layer2.W": w2.tolist()}},
                       tolerance=Tolerance.relative(1e-9, 0))
    assert report.all_correct


def test_marker_is_reusable_and_independent_between_students():
    marker = Checker(fixtures.seed_002())
    first = marker.check(parse_answers({"values": {"hidden.z": [-0.1, 0.9], "hidden.a": [0, 0.9]}}))
    second = marker.check(parse_answers({"values": {"hidden.a": [0, 0.9]}}))
    assert first.item("values.hidden.a").status == "carried_forward"
    assert second.item("values.hidden.a").status == "wrong"


def test_gradients_after_a_transposed_weight_are_credited_per_quantity_by_the_local_rule():
    # Seed 002 read in the column convention (z = W x + b) by a student who used W^T for hidden.W. Their own
    # numbers, computed here with NumPy: the gradient they report at W[i, j] is dL/dW' for their W' = W^T,
    # which is delta x^T with their own delta: the correct local rule applied to their upstream numbers.
    x, w, b = np.array([1.0, 2.0]), np.array([[0.5, -0.6], [-0.4, 0.8]]), np.array([0.2, -0.2])
    z = w.T @ x + b                                  # [-0.1, 0.8]: their z
    a = np.maximum(z, 0)
    w2 = np.array([0.3, -0.5])
    a3 = sigmoid(w2 @ a)
    delta = w2 * (a3 - 0.0) * (z > 0)                # BCE after sigmoid: dL/dz3 = a3 - t
    grad = np.outer(delta, x)                        # their dL/dW' in their own positions
    answers = {"values": {"hidden.z": z.tolist(), "output.a": a3},
               "gradients": {"hidden.z": delta.tolist(), "hidden.W": grad.tolist()}}
    report, items = _items(fixtures.seed_002("column"), answers)
    assert items["values.hidden.z"].status == "wrong" and items["values.hidden.z"].diagnosis == ("transposed",)
    assert items["values.output.a"].status == "carried_forward"
    assert items["gradients.hidden.z"].status == "carried_forward"
    assert items["gradients.hidden.W"].status == "carried_forward", items["gradients.hidden.W"].message
    np.testing.assert_allclose(items["gradients.hidden.W"].expected_given_yours, grad, rtol=1e-9)
    # One element of it alone is credited the same way.
    element = {**answers, "gradients": {"hidden.z": delta.tolist(), "hidden.W[1,0]": grad[1, 0]}}
    _, items = _items(fixtures.seed_002("column"), element)
    assert items["gradients.hidden.W[1,0]"].status == "carried_forward"
    # The transposed layout of the same numbers is credited too (seed 002's own student, tests/check/test_seeds.py).
    _, items = _items(fixtures.seed_002("column"), {**answers, "gradients": {"hidden.W": grad.T.tolist()}})
    assert items["gradients.hidden.W"].status == "carried_forward"


def test_feedback_uses_the_problems_own_symbols():
    from dataclasses import replace

    from gradwork.problem import Names, NodeRef

    names = Names({NodeRef("output.b"): "b3", NodeRef("loss"): "J", NodeRef("hidden.W", (1, 0)): "w3"})
    solution = replace(fixtures.seed_002(), names=names)
    report, items = _items(solution, {"loss": 0.2225, "updated": {"output.b": 0}, "gradients": {"hidden.W[1,0]": 0}})
    # The problem's notation (gradwork.problem.notation), never an internal key, in what the student reads.
    assert items["loss"].symbol == "J" and "Your number uses log10 in J." in items["loss"].message
    assert items["updated.output.b"].label == "b₃′"  # the student reads the problem's symbol; JSON keeps the key
    assert "Your b₃ is left at its initial value 0; the update is b₃ - η * ∂J/∂b₃" in items["updated.output.b"].message
    assert "output.b" not in items["updated.output.b"].message
    assert items["gradients.hidden.W[1,0]"].symbol == "∂J/∂w₃"
    assert report.to_json()["items"][0]["symbol"] in ("J", "∂J/∂w₃", "b₃′")


def test_an_element_key_into_a_one_unit_scalar_is_that_scalar(tmp_path) -> None:
    # seed 002's output.b is one number; a student may still write output.b[0] (found by the answers fuzzer)
    from gradwork.api import load as load_api

    solved = load_api(ROOT_EXAMPLES / "seed002_exam4a_row.yaml").solve()
    answers = tmp_path / "a.yaml"
    answers.write_text('gradients: {"output.b[0]": -0.2}\n')
    report = solved.check(answers)
    item = report.items[0]
    assert item.status == "wrong" and float(item.expected) == pytest.approx(0.40131, abs=1e-4)
