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


# ------------------------------------------------------------------ the screens and the memo change nothing
def every_rule(text: str, gamma_is_y: bool = True) -> str:
    """The table applied as it reads, every rule run (no screen, no memo): what normalise must equal."""
    import re

    for rule in RULES:
        if gamma_is_y or rule.replacement != "y":
            text = re.sub(rule.pattern, rule.replacement, text)
    return text


def test_every_rule_can_only_match_where_its_screen_is():
    from gradwork.mark.normalise import normalise

    written = [r"\left. \frac{a}{b} \right|", r"\Bigl( x \Bigr)", r"\bigg[ 1 \biggr]", r"\text{ [B4] } + [C12] x",
               r"\textcircled{ 3 } ① ⑳", r"0.3 \checkmark ✓ ✔ \surd", r"\omega_5 \omegax", r"\gamma \gammas",
               "a − b – c", r"2 · 3 ⋅ 4 \bullet 5", r"1 * 0.5 x^* a_*", r"2 \times 3 × 4", r"a \odot b \circ c ∘ d ⊙ e",
               r"\dfrac{1}{2} \tfrac{1}{2}", r"\mathbf{ w } \boldsymbol{x_1} \vec{y} \mathit{z} \bm{W}",
               r"\vec x \mathbf W", r"a\quad b \qquad c \, d \; e \: f \! g \enspace h \thinspace i \ j ~ k \\, l",
               r"\displaystyle a \textstyle b \nonumber \notag", r"W^T W^{ T } W^\top W^{\intercal} W^Tx",
               r"\operatorname{ReLU}(z) \mathrm{d} x", r"\sigma_{ReLU}(z) \sigma _ { tanh } (z)",
               r"L(t; y) J ( a , b ) E(x|y) aL(t;y)", r"net_1 net^{(2)} network_1", r"a_1 + \ldots + \cdots \dots ...",
               r"w \leftarrow w \gets \longleftarrow a \coloneqq b := c ← d", r"\partial E / \partial w_{11}^{(2)}",
               r"\ln(x) \lnot", "plain text with none of them", ""]
    for text in written:
        for gamma_is_y in (True, False):
            assert normalise(text, gamma_is_y) == every_rule(text, gamma_is_y), text


def test_every_documents_rows_read_as_every_rule_reads_them():
    """The fixtures, handwritten documents and a slice of the corpus, line by line: screened and memoised
    normalisation is the table applied rule by rule."""
    from pathlib import Path

    from gradwork.mark.normalise import BRACED, strip_braced_command
    from tests.mark.corpus.document import make_document

    here = Path(__file__).resolve().parent
    paths = sorted([*here.glob("fixtures/*.md"), *here.glob("handwritten/*.md")])
    texts = [p.read_text(encoding="utf-8") for p in paths]
    texts += [make_document(seed).text for seed in range(0, 4)]
    for text in texts:
        for line in text.splitlines():
            for gamma_is_y in (True, False):
                expected = every_rule(line, gamma_is_y)
                for command, keep, arguments, _ in BRACED:
                    if "\\" + command in expected:
                        expected = strip_braced_command(expected, command, keep, arguments)
                assert normalise_all(line, gamma_is_y) == expected, line
                assert normalise_all(line, gamma_is_y) == expected, line  # remembered: the same


ALPHABET = [r"\left", r"\right", r"\big", r"\Bigl", "(", ")", "[", "]", "{", "}", "[B4]", r"\text{", r"\textcircled{",
            "1", "2", "①", r"\checkmark", "✓", r"\omega", r"\gamma", "−", "–", "·", "*", "^", "_", r"\times", "×",
            r"\odot", r"\circ", "∘", r"\dfrac", r"\mathbf", r"\vec", r"\bm", " ", r"\quad", r"\,", "\\", "~", "T",
            r"\top", r"\operatorname", r"\mathrm", r"\sigma", "ReLU", "L", "t", ";", "y", "net", "...", r"\dots",
            r"\gets", ":=", "←", ":", "=", r"\partial", "/", "E", "w", r"\ln", "x", ".", "'", "a"]


def test_random_rows_read_as_every_rule_reads_them():
    from hypothesis import given, settings, strategies as st

    from gradwork.mark.normalise import normalise

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(st.sampled_from(ALPHABET), max_size=14), st.booleans())
    def check(parts: list[str], gamma_is_y: bool) -> None:
        text = "".join(parts)
        assert normalise(text, gamma_is_y) == every_rule(text, gamma_is_y)

    check()


def test_a_long_row_is_normalised_and_not_remembered():
    from gradwork.mark.normalise import MEMO_CHARACTERS, _remembered

    text = r"\omega \cdot " * (MEMO_CHARACTERS // 5)
    before = _remembered.cache_info().currsize
    assert normalise_all(text) == every_rule(text)
    assert _remembered.cache_info().currsize == before
