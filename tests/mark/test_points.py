"""Marks follow check: the points of a marked worked solution are the points check gives the same numbers.

For every fixture (and each seed document when ../shared/seeds is here), the numbers mark bound to the
problem's quantities are written out as an answers file and marked by ``gradwork check``'s one scorer; the
points, and each item's status and diagnosis, must be the same. (A quantity the working never gives but an SGD
step asks is a blank entry in both.)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gradwork.check import Checker, parse_answers
from gradwork.mark import mark_work
from gradwork.problem import load, solve
from tests.mark.test_marker import FIXTURES, PROBLEMS, problem_of
from tests.mark.test_seeds import SEEDS, seed

ROOT = Path(__file__).resolve().parents[2]
SEED_PARTS = {
    "002": ("seed002_exam4a_row.yaml", None, None),
    "000": ("seed000_exercise6_1.yaml", None, None),
    "003 7.1": ("seed003_7_1_network.yaml", "## Exercise 7.1", "## Exercise 7.2"),
    "003 7.3b": ("seed003_7_3b_scale.yaml", "b) Compute", "c) Compute"),
    "004": ("seed004_hw1.toml", None, None),
}


@cache
def solution(problem: str) -> Any:
    return solve(load(ROOT / "examples" / problem))


def answers_of(report: Any) -> dict[str, Any]:
    """The bound numbers as an answers file (FORMAT.md's shape): loss, values, gradients, updated."""
    data: dict[str, Any] = {}
    for item in (*report.items.items, *report.items.not_asked):
        if item.key == "loss":
            data["loss"] = item.given
            continue
        section, _, name = item.key.partition(".")
        data.setdefault(section, {})[name] = item.given
    return data


def same_points(problem: str, text: str, source: str) -> None:
    solved = solution(problem)
    report = mark_work(solved, text, source)
    checked = Checker(solved).check(parse_answers(answers_of(report), source), policy=report.policy)
    assert (checked.points, checked.max_points) == (report.points, report.max_points)
    mine = {item.key: (item.status, item.diagnosis) for item in (*report.items.items, *report.items.not_asked)}
    theirs = {item.key: (item.status, item.diagnosis) for item in (*checked.items, *checked.not_asked)}
    assert mine == theirs


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.md")), ids=lambda p: p.stem)
def test_each_fixture_gets_the_points_check_gives_its_numbers(path):
    same_points(PROBLEMS[problem_of(path)], path.read_text(encoding="utf-8"), path.name)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (../shared/seeds) are not here")
@pytest.mark.parametrize("name", SEED_PARTS)
def test_each_seed_gets_the_points_check_gives_its_numbers(name):
    problem, start, end = SEED_PARTS[name]
    same_points(problem, seed(name.split()[0], start, end), f"seed {name}")
