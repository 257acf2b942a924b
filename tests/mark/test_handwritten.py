"""Worked solutions written by hand, in styles unlike the seeds', with the truth decided before marking.

Each file of tests/mark/handwritten is ``<problem>__<what>.md``; the problem is :data:`PROBLEMS`'s. The truth is
written on the lines themselves:

* ``<!-- mistake: CODE -->``: this line is ✗ with CODE among its diagnoses;
* ``<!-- carried -->``: this line is → (follows from an earlier mistake of the student's);
* ``<!-- unread -->``: this line says what it could not read (and is no ✗);
* ``<!-- missing: CODE -->`` (anywhere): a quantity never written is missing with CODE;
* ``<!-- not missing: KEY -->``: the quantity KEY is not reported missing.

No other line may be ✗ or →, and in a file with no mistake every item it gives is right (one it never works
out may be missing). The ``kind<N>`` files are the
regressions of issue #21's eight kinds of failure, one each (see their first lines).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from gradwork.mark import mark_work
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROBLEMS = {
    "mazur": ROOT / "examples" / "mazur_step_by_step.yaml",
    "seed002": ROOT / "examples" / "seed002_exam4a_row.yaml",
    "seed002col": ROOT / "examples" / "seed002_exam4a_column.yaml",
    "cs231n": ROOT / "examples" / "cs231n_neuron.yaml",
    "graph72": ROOT / "examples" / "seed003_7_2_graph.yaml",
    "tanh": HERE / "fixtures" / "problems" / "tanh_221.yaml",
    "letters": HERE / "fixtures" / "problems" / "letters_221.yaml",
    "twosteps": HERE / "fixtures" / "problems" / "two_steps.yaml",
    "lettersask": HERE / "fixtures" / "problems" / "letters_221_ask.yaml",
}
FILES = sorted((HERE / "handwritten").glob("*.md"))
NOTE = re.compile(r"<!-- (mistake|missing|not missing): ([\w.\[\],]+) -->|<!-- (carried|unread) -->")


@cache
def solution(problem: str):
    return solve(load(PROBLEMS[problem]))


def truth(text: str) -> tuple[dict[int, tuple[str, str]], list[str], list[str]]:
    lines: dict[int, tuple[str, str]] = {}
    missing: list[str] = []
    present: list[str] = []
    for number, source in enumerate(text.split("\n"), start=1):
        for found in NOTE.finditer(source):
            if found.group(1) == "missing":
                missing.append(found.group(2))
            elif found.group(1) == "not missing":
                present.append(found.group(2))
            elif found.group(1) == "mistake":
                lines[number] = ("wrong", found.group(2))
            else:
                lines[number] = ({"carried": "carried_forward", "unread": "not_read"}[found.group(3)], "")
    return lines, missing, present


def test_there_are_twenty_hand_written_solutions_and_one_per_kind():
    assert len(FILES) >= 20
    assert {int(k) for p in FILES for k in re.findall(r"^kind(\d)", p.stem)} == set(range(1, 9))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_marked_as_the_file_says(path):
    problem = path.stem.split("__")[0].split("_", 1)[-1] if path.stem.startswith("kind") else path.stem.split("__")[0]
    text = path.read_text(encoding="utf-8")
    report = mark_work(solution(problem), text, path.name)
    expected, missing, present = truth(text)
    marked = {line.line: line for line in report.lines}
    for number, (status, code) in expected.items():
        line = marked.get(number)
        assert line is not None, f"line {number} got no mark"
        if status == "not_read":  # a number that cannot be read: said so, and never a ✗ (a rule beside it may ✓)
            assert "not read" in line.message and line.status != "wrong", (number, line.status, line.message)
            continue
        assert line.status == status, (number, line.status, line.diagnosis, line.message)
        assert not code or code in line.diagnosis, (number, line.diagnosis, line.message)
    others = [(line.line, line.status, line.message) for line in report.lines
              if line.line not in expected and line.status in ("wrong", "carried_forward")]
    assert not others
    for code in missing:
        assert any(code in m.diagnosis for m in report.missing), [m.key for m in report.missing]
    assert not {m.key for m in report.missing} & set(present)
    if not any(status == "wrong" for status, _ in expected.values()) and not missing:
        # every point for what it gives (a quantity it never works out may be missing, with no mistake named)
        assert all(item.status == "correct" or (item.status == "missing" and not item.diagnosis)
                   for item in (*report.items.items, *report.items.not_asked))
        assert sum(line.status == "correct" for line in report.lines) >= 3
