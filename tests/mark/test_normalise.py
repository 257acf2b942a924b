"""The OCR normalisation table: each rule rewrites one transcription habit, and nothing else."""

from __future__ import annotations

import pytest

from gradwork.mark.normalise import RULES, normalise_all


@pytest.mark.parametrize("written, read", [
    (r"\omega_5", "w_5"),
    (r"a_3 - \gamma", "a_3 - y"),
    (r"1 * 0.5", r"1 \cdot  0.5"),
    ("2 · 3", r"2 \cdot  3"),
    (r"\left( x \right)", "( x )"),
    (r"\textcircled{2} \frac{a}{b}", r"\circled{2} \frac{a}{b}"),
    (r"\underbrace{a_1}_{\textcircled{3}}", "{a_1}"),
    (r"\vec{x}", "x"),
    (r"W^T", r"W\transpose "),
    (r"L(t; y)", "L"),
    (r"0.3 \checkmark", "0.3 "),
])
def test_each_habit_is_rewritten(written, read):
    assert normalise_all(written) == read


def test_gamma_stays_when_the_document_uses_it_as_a_learning_rate():
    assert normalise_all(r"\gamma \nabla", gamma_is_y=False) == r"\gamma \nabla"


def test_every_rule_says_why():
    assert all(rule.why for rule in RULES)


def test_the_table_in_docs_mark_md_has_every_rule():
    from pathlib import Path

    from gradwork.mark.normalise import BRACED

    docs = (Path(__file__).resolve().parents[2] / "docs" / "mark.md").read_text(encoding="utf-8")
    assert all(rule.why in docs for rule in RULES)
    assert all(why in docs for _, _, _, why in BRACED)
