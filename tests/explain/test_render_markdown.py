"""Markdown: prose escaped, math in $...$ / $$...$$, tables, against golden files."""

from __future__ import annotations

import re

import pytest

from gradwork.explain.render import render
from gradwork.explain.render.markdown import escape
from tests.explain.derivations import seed_002_chain, seed_004_delta
from tests.explain.golden import check_golden


@pytest.mark.parametrize(("name", "build"), [("seed004_delta", seed_004_delta), ("seed002_chain", seed_002_chain)])
def test_golden_markdown(name, build):
    check_golden(f"{name}.md", render(build(), "markdown"))


def test_prose_is_escaped_so_it_renders_as_written():
    assert escape("w_jk * 2 costs $5 <b>") == r"w\_jk \* 2 costs \$5 \<b\>"


def test_every_section_is_a_heading_and_math_is_delimited():
    text = render(seed_004_delta(), "markdown")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == ["Setup", "Forward pass", "Loss", "Backward pass", "Update", "Summary", "Watch out"]
    displays = re.findall(r"^\$\$(.+)\$\$$", text, flags=re.M)
    assert r"\mathrm{net}^{(1)} = W^{(1)} x = \begin{pmatrix} -2 \cdot 2 + 3 \cdot 3 \\ 2 \cdot 2 + 1 \cdot 3 " \
           r"\end{pmatrix} = \begin{pmatrix} 5 \\ 7 \end{pmatrix}" in displays
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table[0] == "| quantity | value | ∂L/∂· | updated |"
    assert all(line.count("|") == 5 for line in table)  # no | inside math breaks a row
