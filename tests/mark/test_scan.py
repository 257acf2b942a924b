"""Finding the maths (gradwork.mark.scan): bracket counting as the character-by-character rule counts."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from gradwork.mark.scan import open_brackets


def counted_one_by_one(content: str) -> int:
    depth, i = 0, 0
    while i < len(content):
        c = content[i]
        if c == "\\":
            i += 2
            continue
        depth += (c in "([") - (c in ")]")
        i += 1
    return depth


def test_a_backslash_and_the_character_after_it_are_not_counted():
    assert open_brackets(r"\left( a \right. + (b") == 2
    assert open_brackets(r"\[ x \] \\( [") == 2
    assert open_brackets("\\\n( \\") == 1
    assert open_brackets("") == 0


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet="\\([)]{}a \n", max_size=40))
def test_any_text_counts_as_one_by_one(content):
    assert open_brackets(content) == counted_one_by_one(content)
