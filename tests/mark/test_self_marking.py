"""Our own worked solutions, marked: every example in each style, as text and as Markdown, gets full marks
with no line marked wrong and next to nothing not read (a student who copies our working loses nothing).

The lines left unread are general formulas with sums over unnamed ranges (``δ⁽ˡ⁾ⱼ = Σₖ(...)``,
``E = Σₖ ½(tₖ − aₖ)²``) and indexed definitions (``softmax(u)ᵢ = ...``): at most two a document.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from gradwork.api import load
from gradwork.mark import mark_work

EXAMPLES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "examples").glob("*.yaml")
                  if not p.name.startswith("train_"))
MOST_UNREAD = 2


@cache
def solved(name: str):
    return load(Path(__file__).resolve().parents[2] / "examples" / name).solve()


@pytest.mark.parametrize("name", EXAMPLES)
def test_our_worked_solution_gets_full_marks_in_every_style_and_format(name):
    for style in ("chain", "delta", "matrix"):
        for fmt, file in (("text", "work.txt"), ("markdown", "work.md")):
            problem = solved(name)
            problem.style = style
            report = mark_work(problem.solution, problem.render(fmt, width=100), file)
            score = report.score()
            where = f"{name} {style} {fmt}"
            assert score["points"] == score["max_points"] > 0, where
            assert not [line.line for line in report.lines if line.status == "wrong"], where
            assert sum(line.status == "not_read" for line in report.lines) <= MOST_UNREAD, where
