"""Marks a student cannot farm (issue #25 item 1): each case gives at most the points before its first wrong item.

Every case below gained points without the work before: the given input
carried forward as if it were an answer, another student's key credited as a
consistent solution, one answer counted under thirty keys, an empty file
passing, a second file of one student dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from gradwork.check import Checker, check_folder, parse_answers
from gradwork.cli import app
from gradwork.problem import load, solve
from tests.check.test_teacher_table import PROBLEM as EXERCISE

SEED = """\
title: Exam 4a - 2-2-1 network, one SGD step
convention: row
input: INPUT
target: 0
layers:
  - {name: hidden, weights: W1, bias: [0.2, -0.2], activation: relu}
  - {name: output, weights: [0.3, -0.5], bias: 0, activation: sigmoid}
loss: bce
optimizer: {name: sgd, lr: 0.01}
ask: [values.hidden.z, values.hidden.a, values.output.a, loss, gradients.output.z, gradients.output.W,
      gradients.hidden.W, updated.output.W, updated.hidden.W]
"""
W1 = [[0.5, -0.6], [-0.4, 0.8]]


def by_hand(x, w1=W1):
    """Seed 002 in the row reading, computed with NumPy: every asked number."""
    x, w1, b1, w2 = np.array(x, float), np.array(w1, float), np.array([0.2, -0.2]), np.array([0.3, -0.5])
    z = x @ w1 + b1
    a = np.maximum(z, 0)
    p = 1 / (1 + np.exp(-(a @ w2)))
    dz3 = p - 0.0
    dw2 = dz3 * a
    dz = dz3 * w2 * (z > 0)
    dw1 = np.outer(x, dz)
    r = lambda v: np.round(np.asarray(v, float), 6).tolist()  # noqa: E731
    return {"values": {"hidden.z": r(z), "hidden.a": r(a), "output.a": r(p)}, "loss": r(-np.log(1 - p)),
            "gradients": {"output.z": r(dz3), "output.W": r(dw2), "hidden.W": r(dw1)},
            "updated": {"output.W": r(w2 - 0.01 * dw2), "hidden.W": r(w1 - 0.01 * dw1)}}


def variant(tmp_path, x, w1=W1, name="p"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(SEED.replace("INPUT", json.dumps(x)).replace("W1", json.dumps(w1)))
    return solve(load(path))


def first_wrong_bound(report):
    """The most a farmed case may earn: everything but the points of its first wrong item."""
    first = next(item for item in report.items if item.status == "wrong")
    return report.max_points - first.max_points


def test_the_given_input_is_never_an_item_and_a_different_copy_is_charged_once(tmp_path):
    # Every answer computed from input [0, 0] instead of [1, 2], with values.input answered [0, 0]: 9/9 before.
    solution = variant(tmp_path, [1.0, 2.0])
    answers = by_hand([0.0, 0.0])
    answers["values"] = {"input": [0, 0], **answers["values"]}
    report = Checker(solution).check(parse_answers(answers))
    keys = [item.key for item in report.all_items]
    assert "values.input" not in keys  # given data: neither scored nor listed
    assert report.item("values.hidden.z").status == "wrong"
    assert report.item("values.hidden.z").diagnosis == ("misread_data",)
    assert [item.status for item in report.items[1:]] == ["carried_forward"] * 8
    assert report.points == 8 <= first_wrong_bound(report)
    # The same numbers without the copy written down: follow-through from the first wrong number, except for
    # ∂L/∂W1 = xᵀδ, all zeros, which uses x itself: the answers never say which x (docs/check.md). Before the
    # review it earned 8, zeros credited element by element: "right" where the right ∂L/∂W1 has its zeros
    # and "carried forward" where the student's own numbers put theirs, which neither computation gives.
    quiet = Checker(solution).check(parse_answers(by_hand([0.0, 0.0])))
    assert quiet.points == 7 and quiet.item("gradients.hidden.W").status == "wrong"
    # A right copy of the data changes nothing, and is no item either.
    honest = by_hand([1.0, 2.0])
    honest["values"] = {"input": [1, 2], **honest["values"]}
    right = Checker(solution).check(parse_answers(honest))
    assert right.points == 9 and right.total == 9 and right.warnings == ()


def test_a_copy_of_data_that_the_answers_do_not_use_is_a_warning(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    answers = by_hand([1.0, 2.0])
    answers["values"] = {"input": [1, 3], **answers["values"]}
    report = Checker(solution).check(parse_answers(answers))
    assert report.points == 9
    assert any("values.input is given data, not an answer" in w for w in report.warnings)


def test_another_variants_key_is_flagged_with_no_carried_forward_credit(tmp_path):
    mine = variant(tmp_path, [1.0, 2.0], name="mine")
    theirs = variant(tmp_path, [2.0, 1.0], [[0.4, -0.7], [-0.3, 0.9]], name="theirs")
    key = theirs.json()
    submitted = {"values": {k: key["values"][k] for k in ("hidden.z", "hidden.a", "output.a")}, "loss": key["loss"],
                 "gradients": {k: key["gradients"][k] for k in ("output.z", "output.W", "hidden.W")},
                 "updated": {k: key["updated"][k] for k in ("output.W", "hidden.W")}}
    # Without the other keys, a consistent solution of someone else's variant earns follow-through credit.
    assert Checker(mine).check(parse_answers(submitted)).points >= 6
    report = Checker(mine, other_keys=[key]).check(parse_answers(submitted))
    assert report.points <= 3 and report.points <= first_wrong_bound(report)
    assert "other_variant" in report.diagnoses
    assert not any(item.status == "carried_forward" for item in report.items)
    wrong = [item for item in report.items if item.status == "wrong"]
    assert all(item.diagnosis == ("other_variant",) for item in wrong)
    assert "another variant" in wrong[0].message
    # The teacher may allow the credit (marking: other_variant_credit: true); the flag stays as a warning.
    lenient = replace(mine, marking=replace(mine.marking, other_variant_credit=True))
    allowed = Checker(lenient, other_keys=[theirs]).check(parse_answers(submitted))
    assert allowed.points >= 6 and any("another variant" in w for w in allowed.warnings)
    # An honest student who shares a few numbers with the other variant is not flagged.
    honest = Checker(mine, other_keys=[key]).check(parse_answers(by_hand([1.0, 2.0])))
    assert honest.points == 9 and "other_variant" not in honest.diagnoses


def test_one_answer_under_thirty_keys_counts_once(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    right = solution.json()["gradients"]["output.W"][1]
    keys = {" " * (i % 5) + "output.W[" + " " * (i // 5) + "1]": right for i in range(30)}
    unasked = replace(solution, ask=())
    report = Checker(unasked).check(parse_answers({"gradients": keys}))
    assert report.total == 1 and report.points == 1
    assert len(report.warnings) == 29 and "counts once" in report.warnings[0]
    # Hedging between two numbers: only the first counts.
    hedged = {"gradients": {"output.W[1]": 0.123, " output.W[1]": right}}
    assert Checker(unasked).check(parse_answers(hedged)).points == 0
    # An element beside its whole node is the whole's.
    both = {"gradients": {"output.W": [0.0, 0.123], "output.W[1]": right}}
    report = Checker(unasked).check(parse_answers(both))
    assert report.total == 1 and report.points == 0


def test_nothing_answered_is_never_a_pass(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    for answers in ({"values": {}}, {}, {"values": {"input": [1, 2]}}, {"loss": None}):
        report = Checker(replace(solution, ask=())).check(parse_answers(answers))
        assert not report.answered and not report.all_correct, answers
    problem = tmp_path / "p.yaml"
    empty = tmp_path / "empty.yaml"
    empty.write_text("values: {}\n")
    result = CliRunner().invoke(app, ["check", str(problem), str(empty)])
    assert result.exit_code == 1 and "nothing answered" in result.stdout.lower()
    assert "Everything is correct" not in result.stdout


def test_two_files_of_one_student_are_an_error_naming_both(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.yaml").write_text("loss: 0.513\n")
    (folder / "alice.json").write_text('{"loss": 0.2}\n')
    (folder / "bob.yaml").write_text("loss: 0.513\n")
    book = check_folder(solution, folder)
    assert "alice" not in book.reports and "alice.json" in book.errors["alice"]
    assert "alice.yaml" in book.errors["alice"] and "bob" in book.reports
    result = CliRunner().invoke(app, ["check", str(tmp_path / "p.yaml"), str(folder)])
    assert result.exit_code == 2
    line = next(line for line in result.stderr.splitlines() if "alice" in line)
    assert "alice.json" in line and "alice.yaml" in line and "one file per student" in line


def test_a_students_own_tolerance_never_counts_without_the_teacher(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    wrong = {"loss": 0.9, "values": {"output.a": 0.9}, "tolerance": {"rtol": 100}}
    report = Checker(solution).check(parse_answers(wrong))
    assert report.points == 0 and report.tolerance.kind == "sigfigs"


@pytest.mark.parametrize("loss", ["mse"])
def test_the_exercise_of_the_teacher_table_keeps_its_given_data_out(tmp_path, loss):
    path = tmp_path / "e.yaml"
    path.write_text(EXERCISE.replace("LOSS", loss))
    solution = solve(load(path))
    report = Checker(solution).check(parse_answers({"values": {"input": [0.4, 1.0, -0.7]}}))
    assert report.total == 11 and not report.answered


def test_feedback_between_tries_gives_no_answer_away(tmp_path):
    # Exported graders show messages right after a submission: with reveal=False no expected number appears.
    solution = variant(tmp_path, [1.0, 2.0])
    key = solution.json()
    answers = by_hand([0.0, 0.0])
    answers["updated"]["output.W"] = [0.3, -0.5]  # not updated: bias_not_updated's note would state the step
    answers.pop("loss")
    report = Checker(solution).check(parse_answers(answers), reveal=False)
    told = " ".join(item.message for item in report.items)
    numbers = [key["loss"], *np.ravel(key["values"]["hidden.z"]), *np.ravel(key["gradients"]["hidden.W"]),
               *np.ravel(key["updated"]["output.W"]), *np.ravel(key["updated"]["hidden.W"])]
    from gradwork.numbers.display import array_text
    for number in numbers:
        if number not in (0, 0.0, 0.3, -0.5, 0.5, -0.6, -0.4, 0.8, 0.2, -0.2):  # given data may be repeated
            assert array_text(number, 4) not in told, (number, told)
    assert all(item.expected is None and item.expected_given_yours is None for item in report.items)
    assert report.item("loss").message == "left blank"
    revealed = Checker(solution).check(parse_answers(answers))
    assert [i.status for i in revealed.items] == [i.status for i in report.items]
    assert revealed.points == report.points


def test_an_array_is_carried_forward_only_as_a_whole(tmp_path):
    # Zeros where the right gradient has zeros, and zeros where the student's own numbers give zeros: each element
    # fits one computation or the other, the matrix neither.
    solution = variant(tmp_path, [1.0, 2.0])
    answers = by_hand([0.0, 0.0])
    report = Checker(solution).check(parse_answers(answers))
    assert answers["gradients"]["hidden.W"] == [[0.0, -0.0], [0.0, -0.0]]
    assert report.item("gradients.hidden.W").status == "wrong"
    assert report.item("updated.hidden.W").status == "carried_forward"  # their W1 - η·0 follows from their zeros


def test_copies_of_weights_and_target_are_given_data_too(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    misread = [[0.5, -0.6], [0.4, 0.8]]  # -0.4 copied as 0.4
    answers = by_hand([1.0, 2.0], misread)
    answers["values"] = {"hidden.W": misread, **answers["values"]}
    report = Checker(solution).check(parse_answers(answers))
    assert report.item("values.hidden.z").diagnosis == ("misread_data",)
    assert [item.status for item in report.items[1:]] == ["carried_forward"] * 8
    assert report.points == 8 == first_wrong_bound(report)
    assert "values.hidden.W" not in [item.key for item in report.all_items]
    # the target: t = 1 instead of 0, written down
    x, w1, w2 = np.array([1.0, 2.0]), np.array(W1), np.array([0.3, -0.5])
    a = np.maximum(x @ w1 + np.array([0.2, -0.2]), 0)
    p = 1 / (1 + np.exp(-(a @ w2)))
    report = Checker(solution).check(parse_answers({"values": {"target": 1}, "loss": float(-np.log(p)),
                                                    "gradients": {"output.z": float(p - 1)}}))
    assert report.item("loss").diagnosis == ("misread_data",) and report.item("loss").status == "wrong"
    assert report.item("gradients.output.z").status == "carried_forward"


def test_two_files_whose_names_differ_only_in_case_are_one_student(tmp_path):
    solution = variant(tmp_path, [1.0, 2.0])
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "Dan.yaml").write_text("loss: 0.513\n")
    (folder / "dan.json").write_text('{"loss": 0.513}\n')
    book = check_folder(solution, folder)
    assert not book.reports and "Dan.yaml" in book.errors["Dan"] and "dan.json" in book.errors["Dan"]
