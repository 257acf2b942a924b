"""The seed students' own transcribed solutions (../shared/seeds, when present) are marked as a grader would.

Checked by hand: seed 002's z1 line says 1*0.5 + 2*(-0.6) + 0.2 = -0.1, which is -0.5 (the -0.1 is right: it
uses the other reading of W1); -log 0.599 = 0.2225 holds only in base 10; no bias is ever updated.
Seed 000's W2 numbers are H^T (o - y), the diagonal of softmax's Jacobian only. Seed 003 7.1 halves delta1
a second time; 7.3 b/c leave out d0 x0 / d3 x0. Seed 004 is right throughout; its gradient labels repeat
w_11^(1) and w_21^(1) where w_12^(1) and w_22^(1) are meant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.mark import mark_work
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
# ../shared/seeds beside the checkout (or beside the folder of worktrees)
SEEDS = next((p / "shared" / "seeds" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "seeds").is_dir()),
             ROOT.parent / "shared" / "seeds")
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (../shared/seeds) are not here")


def seed(number: str, start: str | None = None, end: str | None = None) -> str:
    text = next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")
    if start is not None:
        text = text[text.index(start):]
    if end is not None:
        text = text[:text.index(end)]
    return text


def marked(problem: str, text: str):
    return mark_work(solve(load(ROOT / "examples" / problem)), text)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_seed_002():
    text = seed("002")
    report = marked("seed002_exam4a_row.yaml", text)
    lines = {line.line: line for line in report.lines}
    z1 = lines[line_of(text, "1 * 0.5 + 2 * (-0.6) + 0.2 = -0.1")]
    assert z1.status == "wrong" and "arithmetic" in z1.diagnosis and "-0.5" in z1.message
    loss = lines[line_of(text, "-\\log 0.599 = 0.2225")]
    assert loss.status == "wrong" and "log_base_10" in loss.diagnosis
    assert {m.key: m.diagnosis for m in report.missing} == {
        "updated.hidden.b": ("bias_not_updated",), "updated.output.b": ("bias_not_updated",)}


def test_seed_000_w2_uses_the_diagonal_softmax_jacobian():
    text = seed("000")
    report = marked("seed000_exercise6_1.yaml", text)
    w2 = [line for line in report.lines if line.item == "gradients.output.W"]
    assert w2 and all(line.status == "wrong" and "softmax_diagonal_jacobian" in line.diagnosis for line in w2)
    assert line_of(text, "H^T [E'_{BCE} \\circ \\sigma'_{Softmax}]") in [line.line for line in w2]


def test_seed_003_7_1_halves_delta1_twice():
    text = seed("003", "## Exercise 7.1", "## Exercise 7.2")
    report = marked("seed003_7_1_network.yaml", text)
    wrong = [line for line in report.lines if line.status == "wrong"]
    assert [line.diagnosis for line in wrong] == [("factor_half",)]
    assert "0.05585" in wrong[0].text and wrong[0].binding.symbol == "delta_1"


@pytest.mark.parametrize("problem, start, end", [
    ("seed003_7_3b_scale.yaml", "b) Compute", "c) Compute"),
    ("seed003_7_3c_scaled_gather.yaml", "c) Compute", None),
])
def test_seed_003_7_3_misses_the_path_through_x0(problem, start, end):
    report = marked(problem, seed("003", start, end))
    first = next(line for line in report.lines if line.status == "wrong")
    assert first.diagnosis == ("missed_path",) and first.item == "gradients.x[0]"


def test_seed_004_is_right_throughout_and_its_label_typos_are_bindings():
    report = marked("seed004_hw1.toml", seed("004"))
    assert not [line for line in report.lines if line.status in ("wrong", "carried_forward")]
    assert sum(line.status == "correct" for line in report.lines) >= 10
    typos = {b.quantity for b in report.bindings if "typo" in b.evidence}
    assert typos == {"layer1.W[0,1]", "layer1.W[1,1]"}
    assert report.score()["points"] == report.score()["max_points"]
