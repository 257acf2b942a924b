"""Author tests: every bundled template's expect: cases hold over many variants; a wrong expectation is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.generate import draw, read_template
from gradwork.generate.expect import mark, read_cases, run_case, run_cases
from gradwork.documents.errors import ProblemError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_planted_mistake_is_diagnosed(path):
    template = read_template(path)
    outcome = run_cases(template, count=15, seed=11)
    assert outcome.passed, outcome.summary()
    assert outcome.checks == 15 * len(outcome.cases)
    planted = [case.plant for case in outcome.cases if case.plant]
    assert planted and all(outcome.diagnosed[code] >= 15 for code in planted)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_the_key_gets_full_marks(path):
    template = read_template(path)
    for k in range(5):
        variant = draw(template, 3, k)
        report = mark(variant, variant.answers)
        assert report.all_correct and report.total == len(variant.items)


def test_a_wrong_expectation_is_reported_with_the_variant():
    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text()
    text = text.replace("    plant: update_sign\n    diagnosis: [update_sign]",
                        "    plant: update_sign\n    diagnosis: [learning_rate]")
    outcome = run_cases(read_template(text), count=3, seed=0)
    assert not outcome.passed
    assert len(outcome.failures) == 3
    assert outcome.failures[0].startswith("v001 (seed 0): gradient added instead of subtracted: learning_rate not "
                                          "diagnosed (the checker said: ")
    assert "update_sign" in outcome.failures[0]


def test_a_planted_mistake_marks_the_items_it_changes_wrong():
    template = read_template(ROOT / "examples" / "templates" / "seed002_exam4a.yaml")
    variant = draw(template, 0, 0)
    case = next(c for c in read_cases(template) if c.plant == "bias_not_updated")
    assert run_case(variant, case) is None
    _, planted = variant.candidate.planter.plant("bias_not_updated")
    report = mark(variant, planted)
    assert report.item("updated.hidden.b").status == "wrong"
    assert report.item("gradients.hidden.b").status == "correct"


@pytest.mark.parametrize("case, words", [
    ("- {answers: key}", "must say what it expects"),
    ("- {plant: log_base_7, status: wrong}", "unknown mistake 'log_base_7'"),
    ("- {answers: key, status: great}", "unknown status 'great'"),
    ("- {answers: mine, status: correct}", "answers must be `key`"),
])
def test_bad_cases_are_located_errors(case, words):
    text = "title: t\ninputs: {a: 2}\ngraph:\n  L: a * a\noutput: L\nexpect:\n  " + case + "\n"
    with pytest.raises(ProblemError) as raised:
        read_cases(read_template(text))
    assert str(raised.value).startswith("<string>:7:") and words in str(raised.value)


def test_element_asks_give_single_numbers_in_the_key_and_on_every_platform():
    from gradwork.generate.export import export
    from gradwork.generate.write import Request

    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text()
    start = text.index("ask: [")
    end = text.index("marking:")
    text = text[:start] + 'ask: [loss, "gradients.hidden.W[1,0]", "updated.output.W[1]"]\n' + text[end:]
    text = text.replace("    status: {updated.hidden.b: wrong, gradients.hidden.b: correct}\n", "")
    template = read_template(text)
    variant = draw(template, 0, 0)
    answers = variant.answers
    assert set(answers["gradients"]) == {"hidden.W[1,0]"} and isinstance(answers["gradients"]["hidden.W[1,0]"], float)
    assert answers["gradients"]["hidden.W[1,0]"] == variant.solution.gradients["hidden.W"][1][0]
    assert answers["updated"]["output.W[1]"] == variant.solution.updated["output.W"][1]
    assert mark(variant, answers).all_correct
    for platform in ("prairielearn", "moodle", "qti", "gradescope"):
        assert export(platform, template, Request(), [variant])


def test_a_planted_mistake_that_changes_no_asked_number_is_not_run_there_and_fails_only_if_never_made():
    from gradwork.generate.expect import run_cases

    # No update is asked, so a bias left unchanged shows nowhere (as a symmetric W read transposed in seed 002's v262).
    unasked = """\
title: biases are never asked about
convention: column
input: [1.0, 2.0]
target: 1
layers:
  - {name: hidden, weights: [[0.5, 0.2], [-0.4, 0.3]], bias: [0.1, -0.1], activation: sigmoid}
  - {name: output, weights: [0.3, -0.5], bias: 0.1, activation: sigmoid}
loss: half_sse
optimizer: {name: sgd, lr: 0.5}
ask: [loss, gradients.hidden.W]
expect:
  - {answers: key, status: correct}
  - {name: bias left, plant: bias_not_updated, diagnosis: [bias_not_updated]}
"""
    outcome = run_cases(read_template(unasked), count=2)
    assert outcome.not_made == {"bias left": 2}
    assert outcome.failures == ["bias left: bias_not_updated changes no asked number in any variant tested "
                                "(expected a mistake the asked items can show)"]
    assert "bias left: not run in 2 variants" in outcome.summary()
