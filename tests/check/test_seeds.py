"""The seed students' own answers (examples/answers/) flag exactly their real mistakes.

The problems are the example files, loaded and solved by ``gradwork.problem``.
Each mistake was checked by hand first:

* seed 002: -log10(1 - 0.401) = 0.2226 (the student's 0.2225), and the natural
  log gives 0.5130; the biases are never updated; -0.6 + 0.002005 = -0.597995
  is -0.598 to 3 figures, the student wrote -0.597 (cut off, not rounded).
  Read in the column convention, z = W x + b = [-0.5, 1.0], while the student's
  [-0.1, 0.8] is W^T x + b.
* seed 000: with only the diagonal o(1 - o) of softmax's Jacobian, dE/dz2 =
  o - y = [0.11774, -0.11774] and dE/dW2 = H^T (o - y) = the student's W2
  numbers; the full Jacobian gives twice that. Their W1 numbers are
  X^T [((o - y) W2'^T) * LeakyReLU'(XW1)] with W2' their own W2 numbers.
* seed 003, 7.1: dL/dh = W2^T delta2 = [0.0242, 0.0587, 0.1117] (their
  numbers, right); delta1 = dL/dh * ReLU'(z1) = dL/dh, and they halve it.
  7.3: d(x0 x)/dx0 has the two product-rule terms d0 x0 + sum_i d_i x_i.
* seed 004: every number is right (sample 1 of docs/explain.md, worked by hand).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradwork.check import Checker, parse_answers, read_answers
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ANSWERS = EXAMPLES / "answers"


def _verdicts(problem_file, answers_file):
    solution = solve(load(EXAMPLES / problem_file))
    report = Checker(solution).check(read_answers(ANSWERS / answers_file))
    return report, {item.key: (item.status, item.diagnosis) for item in report.items}


def test_seed_002_row_reading_log10_loss_unupdated_biases_and_one_cut_off_number():
    report, verdicts = _verdicts("seed002_exam4a_row.yaml", "seed002_exam4a.yaml")
    assert verdicts == {
        "values.hidden.z": ("correct", ()),
        "values.hidden.a": ("correct", ()),
        "values.output.z": ("correct", ()),
        "values.output.a": ("correct", ()),
        "loss": ("wrong", ("log_base_10",)),
        "gradients.hidden.W": ("correct", ()),
        "updated.output.b": ("wrong", ("bias_not_updated",)),
        "updated.output.W": ("correct", ()),
        # The same mistake for the second bias: charged once, at updated.output.b.
        "updated.hidden.b": ("carried_forward", ()),
        # -0.597995 written as -0.597: the one element that is off at 3 significant figures.
        "updated.hidden.W": ("wrong", ("rounding",)),
    }
    assert report.item("updated.hidden.W").elements == [["correct", "wrong"], ["correct", "correct"]]
    assert (report.correct, report.total) == (7, 10)


def test_seed_002_column_reading_transposed_then_carried_forward():
    report, verdicts = _verdicts("seed002_exam4a_column.yaml", "seed002_exam4a.yaml")
    assert verdicts == {
        "values.hidden.z": ("wrong", ("transposed",)),
        "values.hidden.a": ("carried_forward", ()),
        "values.output.z": ("carried_forward", ()),
        "values.output.a": ("carried_forward", ()),
        "loss": ("wrong", ("log_base_10",)),
        "gradients.hidden.W": ("carried_forward", ()),
        "updated.output.b": ("wrong", ("bias_not_updated",)),
        "updated.output.W": ("carried_forward", ()),
        "updated.hidden.b": ("carried_forward", ()),  # bias_not_updated again: charged once
        "updated.hidden.W": ("wrong", ("rounding",)),
    }
    output_a = report.item("values.output.a")
    assert output_a.expected == pytest.approx(0.3775406688)  # sigmoid(-0.5): the column reading's a3
    assert output_a.expected_given_yours == pytest.approx(0.4013123399)  # sigmoid(-0.4), from their z
    assert "values.hidden.z" in output_a.carried_from


def test_seed_000_diagonal_softmax_jacobian():
    report, verdicts = _verdicts("seed000_exercise6_1.yaml", "seed000_exercise6_1.yaml")
    assert verdicts["updated.output.W"] == ("wrong", ("softmax_diagonal_jacobian", "gradient_as_update"))
    # Their W1 follows from the same diagonal Jacobian, backpropagated through their own W2 numbers.
    assert verdicts["updated.hidden.W"] == ("wrong", ("updated_weights_in_backward", "gradient_as_update"))
    assert any("softmax_diagonal_jacobian" in cause for cause in report.item("updated.hidden.W").carried_from)


def test_seed_003_71_delta1_halved_again_and_dw1_carried_forward():
    report, verdicts = _verdicts("seed003_7_1_network.yaml", "seed003_hw7_1.yaml")
    assert verdicts["gradients.hidden.z"] == ("wrong", ("factor_half",))
    assert verdicts["gradients.hidden.W"] == ("carried_forward", ())
    assert verdicts["gradients.hidden.b[1]"] == ("carried_forward", ())
    others = {key: v for key, v in verdicts.items()
              if key not in ("gradients.hidden.z", "gradients.hidden.W", "gradients.hidden.b[1]")}
    assert set(others.values()) == {("correct", ())}
    dw1 = report.item("gradients.hidden.W")
    # their delta1 times x = (0.5, 0.2)
    np.testing.assert_allclose(dw1.expected_given_yours,
                               [[0.00605, 0.00242], [0.01465, 0.00586], [0.027925, 0.01117]], rtol=1e-12)


def test_seed_003_72_all_correct():
    report, _ = _verdicts("seed003_7_2_graph.yaml", "seed003_hw7_2.yaml")
    assert report.all_correct and report.total == 9


@pytest.mark.parametrize(("problem", "part"), [("seed003_7_3b_scale.yaml", "F2"),
                                               ("seed003_7_3c_scaled_gather.yaml", "F3")])
def test_seed_003_73_missed_product_rule_term(problem, part):
    report, verdicts = _verdicts(problem, f"seed003_hw7_3_{part}.yaml")
    assert verdicts == {"gradients.x": ("wrong", ("missed_path",))}
    assert report.item("gradients.x").elements == ["wrong", "correct", "correct", "correct", "correct"]


def test_seed_004_all_correct():
    report, verdicts = _verdicts("seed004_hw1.toml", "seed004_hw1.yaml")
    assert report.all_correct
    assert set(verdicts.values()) == {("correct", ())}
    assert (report.correct, report.total) == (11, 11)


def test_the_fixture_built_problems_give_the_same_verdicts():
    """tests/check/fixtures.py (built with gradwork.nn) agrees with the example files (built by gradwork.problem)."""
    from tests.check import fixtures

    for built, problem_file, answers_file in (
            (fixtures.seed_002("row"), "seed002_exam4a_row.yaml", "seed002_exam4a.yaml"),
            (fixtures.seed_002("column"), "seed002_exam4a_column.yaml", "seed002_exam4a.yaml"),
            (fixtures.seed_000(), "seed000_exercise6_1.yaml", "seed000_exercise6_1.yaml"),
            (fixtures.seed_003_71(), "seed003_7_1_network.yaml", "seed003_hw7_1.yaml"),
            (fixtures.seed_004(), "seed004_hw1.toml", "seed004_hw1.yaml")):
        report = Checker(built).check(read_answers(ANSWERS / answers_file))
        assert [(i.key, i.status, i.diagnosis) for i in report.items] == \
            [(i.key, i.status, i.diagnosis) for i in _verdicts(problem_file, answers_file)[0].items]


def test_seed_002_column_reading_credits_the_update_from_the_transposed_reading_per_quantity():
    # The column-reading student's W1 update, written rounded (-0.598, not their cut-off -0.597): every element
    # follows from their transposed reading, so the whole update is carried forward.
    solution = solve(load(EXAMPLES / "seed002_exam4a_column.yaml"))
    answers = {"values": {"hidden.z": [-0.1, 0.8]}, "gradients": {"hidden.W": [[0, -0.2005], [0, -0.401]]},
               "updated": {"hidden.W": [[0.5, -0.598], [-0.4, 0.80401]], "hidden.W[0,1]": -0.598}}
    report = Checker(solution).check(parse_answers(answers))
    assert report.item("values.hidden.z").diagnosis == ("transposed",)
    assert report.item("updated.hidden.W").status == "carried_forward"
    assert [w for w in report.warnings if "hidden.W[0,1] repeats an entry" in w]
    element = Checker(solution).check(parse_answers({**answers, "updated": {"hidden.W[0,1]": -0.598}}))
    assert element.item("updated.hidden.W[0,1]").status == "carried_forward"
