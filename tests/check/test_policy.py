"""The teacher's marking policy: where the tolerance comes from, and what an answers file cannot change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gradwork.check import Checker, Tolerance, parse_answers, read_answers
from gradwork.check.policy import effective_policy, tolerance_from_flags
from gradwork.problem import MarkingPolicy, Quantity
from gradwork.numbers.tolerance import ToleranceError
from tests.check import fixtures

ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "answers"
PROBLEM = MarkingPolicy(tolerance=Tolerance.sigfigs(2), tolerance_source="problem")


def test_command_line_then_allowed_answers_file_then_problem_then_default():
    mine = Tolerance.relative(100)
    assert effective_policy(MarkingPolicy(), None)[0].tolerance_source == "default"
    policy, warnings = effective_policy(PROBLEM, mine)
    assert (policy.tolerance, policy.tolerance_source) == (Tolerance.sigfigs(2), "problem")
    assert warnings == ("the answers file's own tolerance (rtol 100, atol 1e-08) is ignored: the teacher's policy "
                        "applies (check --allow-answer-tolerance accepts it)",)
    policy, warnings = effective_policy(PROBLEM, mine, allow_answer_tolerance=True)
    assert (policy.tolerance, policy.tolerance_source, warnings) == (mine, "answers file", ())
    policy, warnings = effective_policy(PROBLEM, mine, tolerance=Tolerance.digits(3), allow_answer_tolerance=True)
    assert (policy.tolerance, policy.tolerance_source) == (Tolerance.digits(3), "command line")
    assert "the command line sets 3 decimal places" in warnings[0]


def test_flags():
    assert tolerance_from_flags() is None
    assert tolerance_from_flags(sigfigs=4) == Tolerance.sigfigs(4)
    assert tolerance_from_flags(digits=2) == Tolerance.digits(2)
    assert tolerance_from_flags(rtol=0.01, atol=0.5) == Tolerance.relative(0.01, 0.5)
    with pytest.raises(ToleranceError, match="cannot be combined"):
        tolerance_from_flags(sigfigs=3, rtol=0.1)
    with pytest.raises(ToleranceError, match="--atol needs --rtol"):
        tolerance_from_flags(atol=0.1)


def test_an_answers_files_tolerance_cannot_change_a_verdict_without_the_flag():
    # Seed 002's student: a log10 loss and two biases never updated. With tolerance {rtol: 100} of their own
    # choosing, everything would pass.
    solution = fixtures.seed_002()
    honest = Checker(solution).check(read_answers(ANSWERS / "seed002_exam4a.yaml"))
    data = {**_as_data(honest), "tolerance": {"rtol": 100}}
    cheeky = Checker(solution).check(parse_answers(data, "cheeky.yaml"))
    assert [(i.key, i.status, i.diagnosis) for i in cheeky.items] == \
        [(i.key, i.status, i.diagnosis) for i in honest.items]
    assert cheeky.points == honest.points == 7 and cheeky.tolerance == Tolerance.sigfigs(3)
    assert cheeky.warnings and "is ignored" in cheeky.warnings[0]
    allowed = Checker(solution).check(parse_answers(data, "cheeky.yaml"), allow_answer_tolerance=True)
    assert allowed.all_correct and allowed.policy.tolerance_source == "answers file"
    # The problem's own policy applies when nothing overrides it, and is said so.
    strict = Checker(replace(solution, marking=PROBLEM)).check(parse_answers(data, "cheeky.yaml"))
    assert strict.policy_text().startswith("numbers compared to 2 significant figures (the problem's marking:)")


def test_asked_items_take_elements_from_whole_answers_and_build_wholes_from_elements():
    asked = (Quantity.parse("gradients.output.W[1]"), Quantity.parse("updated.hidden.b"), Quantity.parse("loss"))
    solution = replace(fixtures.seed_002(), ask=asked,
                       marking=MarkingPolicy(points={"updated.hidden.b": 2.0}, carried_forward=0.5, missing=0.25))
    answers = parse_answers({"gradients": {"output.W": [0, 0.3210]},
                             "updated": {"hidden.b[0]": 0.2, "hidden.b[1]": -0.2}, "values": {"hidden.z": [-0.1, 0.8]}})
    report = Checker(solution).check(answers)
    assert [(i.key, i.status) for i in report.items] == [
        ("gradients.output.W[1]", "correct"), ("updated.hidden.b", "wrong"), ("loss", "missing")]
    assert report.item("updated.hidden.b").diagnosis == ("bias_not_updated",)
    assert (report.points, report.max_points) == (1.25, 4.0)  # 1 + 0 + a quarter of 1 for the blank
    assert [i.key for i in report.not_asked] == ["values.hidden.z", "gradients.output.W"]
    assert all(i.max_points == 0 for i in report.not_asked)


def test_carried_forward_earns_the_policys_fraction():
    solution = replace(fixtures.seed_002(), marking=MarkingPolicy(carried_forward=0.5))
    report = Checker(solution).check(parse_answers({"values": {"output.z": -0.45, "output.a": 0.38936076}}))
    assert [i.status for i in report.items] == ["wrong", "carried_forward"]
    assert (report.points, report.max_points) == (0.5, 2)


def _as_data(report):
    out: dict = {}
    for item in report.items:
        if item.key == "loss":
            out["loss"] = item.given
            continue
        section, name = item.key.split(".", 1)
        out.setdefault(section, {})[name] = item.given
    return out
