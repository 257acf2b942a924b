"""Plain notation into LaTeX (gradwork.mark.plain): the memo and the fast paths read as the full rules do."""

from __future__ import annotations

from pathlib import Path

from gradwork.mark.plain import MEMO_CHARACTERS, _remembered, _to_latex, to_latex
from gradwork.ops import Notation, Op, Partial, register, unregister

HERE = Path(__file__).resolve().parent


def test_every_handwritten_line_reads_the_same_remembered_or_not():
    lines = [line for path in sorted([*HERE.glob("handwritten/*.md"), *HERE.glob("fixtures/*.md")])
             for line in path.read_text(encoding="utf-8").splitlines() if "=" in line]
    lines += ["w⁽²⁾₁₂ = 0.5·0.2 − 0.1", "∂E/∂w₁₂ = δ₂ × a₁ = 0.06", "x^(1/2) + y^-1 + a^(2)_1", "ŷ = σ(z)", "½ ≥ ¼"]
    for line in lines:
        assert to_latex(line) == _to_latex(line), line
        assert to_latex(line) == _to_latex(line), line  # from the memo


def test_a_long_line_is_read_and_not_remembered():
    line = "w12 = " + " + ".join(["0.5*0.2"] * (MEMO_CHARACTERS // 7))
    before = _remembered.cache_info().currsize
    assert to_latex(line) == _to_latex(line)
    assert _remembered.cache_info().currsize == before


def test_an_op_registered_later_is_read_as_a_function_although_the_line_was_read_before():
    op = Op(name="zigzag", kind="activation", forward=lambda bk, x: x,
            partials=(Partial("x", lambda bk, g, out, x: g, "1", "1"),),
            notation=Notation("zigzag($x)", r"\operatorname{zigzag}($x)"), elementwise=True,
            display=("zigzag", r"\operatorname{zigzag}"), definition_latex=r"\operatorname{zigzag}(x) = x",
            sentence="zigzag'(x) = 1.")
    line = "a1 = zigzag(z1)"
    unknown = to_latex(line)
    register(op)
    try:
        known = to_latex(line)
    finally:
        unregister("zigzag")
    assert "\\text{zigzag}" in known and "\\text{zigzag}" not in unknown
    assert to_latex(line) == unknown
