"""Marking worked solutions written in the seeds' transcribed style (tests/mark/fixtures/).

Each ``<seed>_correct.md`` is a right solution: every checked line is ✓ and
nothing is missing. Each other fixture is that solution with one common
mistake, marked in the file by ``<!-- mistake: CODE -->`` on its line (or
``<!-- missing: CODE -->`` for something never written): the mistake must be
found on that line, with that code, and no other line may be wrong.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from gradwork.mark import mark_work
from gradwork.problem import load, solve
from tests.seed_texts import SEED_002_TEXT

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROBLEMS = {
    "seed000": "seed000_exercise6_1.yaml",
    "seed002": "seed002_exam4a_row.yaml",
    "seed003_7_1": "seed003_7_1_network.yaml",
    "seed003_7_2": "seed003_7_2_graph.yaml",
    "seed003_7_3b": "seed003_7_3b_scale.yaml",
    "seed004": "seed004_hw1.toml",
}


@cache
def solution(problem: str):
    return solve(load(ROOT / "examples" / PROBLEMS[problem]))


def problem_of(path: Path) -> str:
    return max((p for p in PROBLEMS if path.stem.startswith(p + "_")), key=len)


def marked(path: Path):
    return mark_work(solution(problem_of(path)), path.read_text(encoding="utf-8"), str(path))


CORRECT = sorted(FIXTURES.glob("*_correct.md"))
MISTAKES = sorted(p for p in FIXTURES.glob("*.md") if not p.stem.endswith("_correct"))


def test_every_seed_exercise_has_a_correct_solution_and_mistakes():
    assert {problem_of(p) for p in CORRECT} == set(PROBLEMS)
    assert {problem_of(p) for p in MISTAKES} == set(PROBLEMS)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_a_correct_solution_is_all_ticks(path):
    report = marked(path)
    assert not [line for line in report.lines if line.status in ("wrong", "carried_forward")]
    assert not report.missing
    assert report.score()["points"] == report.score()["max_points"] > 0
    assert sum(line.status == "correct" for line in report.lines) >= 2


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.stem)
def test_each_mistake_is_found_at_its_line_with_its_code(path):
    text = path.read_text(encoding="utf-8")
    report = marked(path)
    wrong = [line for line in report.lines if line.status == "wrong"]
    for number, source in enumerate(text.splitlines(), start=1):
        found = re.search(r"<!-- (mistake|missing): (\w+) -->", source)
        if found and found.group(1) == "mistake":
            assert [line.line for line in wrong] == [number], [(w.line, w.message) for w in wrong]
            assert found.group(2) in wrong[0].diagnosis, wrong[0].message
            assert report.score()["points"] < report.score()["max_points"]
        elif found:
            assert not wrong
            assert any(found.group(2) in m.diagnosis for m in report.missing)


def test_later_results_built_on_a_mistake_are_carried_forward():
    report = marked(FIXTURES / "seed004_factor_2.md")
    assert [line.status for line in report.lines if line.line > 15 and line.item] == ["carried_forward"] * 4
    assert report.score()["points"] == 9


def test_json_lines_have_the_format_keys():
    report = marked(FIXTURES / "seed002_log_base_10.md").to_json()
    assert set(report["score"]) == {"correct", "total", "points", "max_points"}
    line = next(line for line in report["lines"] if line["status"] == "wrong")
    assert {"line", "text", "status", "diagnosis", "binding", "message"} <= set(line)
    # The example names J itself (names:).
    assert line["binding"] == {"symbol": "J", "quantity": "loss", "inferred": False,
                               "evidence": line["binding"]["evidence"]}
    assert "log_base_10" in line["diagnosis"]


NAMED = SEED_002_TEXT + """\
names:
  "output.W[1]": w_6
  output.a: a_3
  loss: J
ask: [loss, updated.output.W, updated.hidden.b]
marking:
  points: {loss: 2, updated.output.W: 3}
"""


def test_the_names_map_binds_without_inference_and_ask_fixes_the_score():
    work = ("$$a_3 = 0.4013$$\n\n$$J = -\\log(1 - 0.4013) = 0.5130$$\n\n"
            "$$\\omega_5 = 0.3 - (0.01)(0) = 0.3$$\n\n$$\\omega_6 = -0.5 - (0.01)(0.3210) = -0.5032$$\n")
    report = mark_work(solve(load(NAMED)), work)
    binding = next(b for b in report.bindings if b.symbol == "w_6")
    assert (binding.quantity, binding.inferred) == ("output.W[1]", False)
    assert [line.status for line in report.lines] == ["correct"] * 4
    assert {m.key for m in report.missing} == {"updated.hidden.b"}
    assert report.score() == {"correct": 2, "total": 3, "points": 5, "max_points": 6}


def test_a_number_that_fits_several_quantities_is_ambiguous_and_not_used():
    report = mark_work(solution("seed002"), "$$\\frac{\\partial J}{\\partial w_7} = 0$$\n\n$$J = 0.5130$$\n")
    binding = next(b for b in report.bindings if b.symbol == "w_7")
    assert binding.quantity is None and len(binding.candidates) == 3
    assert [line.status for line in report.lines] == ["unchecked", "correct"]


def test_marking_one_document_twice_gives_the_same_report():
    path = FIXTURES / "seed002_update_sign.md"
    assert marked(path).to_json() == marked(path).to_json()
