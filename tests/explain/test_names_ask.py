"""names: and ask: in the derivation: the problem's own symbols everywhere, ∂L/∂x only when asked,
and the derivation ends with what is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.render import render
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
SEED002 = (ROOT / "examples" / "seed002_exam4a_row.yaml").read_text(encoding="utf-8")


def _derive(text: str, style: str = "chain"):
    return derive(solve(load(text)), style)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_the_sheets_own_names_in_every_format(fmt: str) -> None:
    out = render(_derive(SEED002), fmt)
    assert ("w₆" in out or "w_{6}" in out or '"base": "w",\n' in out and '"sub": "6"' in out) and ("J" in out)
    assert "hidden.W" not in out.replace('"node": "hidden.W', "")  # node keys in JSON are data, not prose
    assert "output.a is used" not in out


def test_without_ask_no_input_gradient() -> None:
    for style in ("chain", "delta", "matrix"):
        text = render(_derive(SEED002, style), "text")
        assert "∂J/∂x =" not in text and "Answers" not in text


def test_ask_decides_the_end() -> None:
    asked = SEED002 + 'ask: [loss, gradients.input, "updated.hidden.W[1,0]"]\n'
    for style in ("chain", "delta", "matrix"):
        derivation = _derive(asked, style)
        assert derivation.sections[-2].title == "Answers" or derivation.sections[-1].title == "Answers"
        text = render(derivation, "text")
        assert "∂J/∂x = " in text  # the input's gradient, worked, because it is asked
        answers = text[text.index("Answers"):]
        assert answers.index("J ") < answers.index("∂J/∂x") < answers.index("w₂′")


def test_a_piecewise_formula_activation_reads_as_cases() -> None:
    text = (ROOT / "examples" / "seed004_hw1.toml").read_text(encoding="utf-8").replace(
        'activation = "x**2"', 'activation = "max(x, 0.5 * x)"')
    out = render(derive(solve(_toml(text)), "chain"), "text")
    assert "Piecewise" not in out and "σ′(u) = {1 if 0 ≤ u; 1/2 otherwise}" in out


def _toml(text: str):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    return load(handle.name)


def test_a_formula_loss_is_written_as_given() -> None:
    out = render(derive(solve(load(ROOT / "examples" / "seed000_exercise6_1.yaml")), "matrix"), "text")
    loss = next(line for line in out.splitlines() if line.strip().startswith("E = "))
    assert "(1 − Y₁)" in loss and "[1, 0]" not in loss and "Piecewise" not in out  # the problem's own symbols
    assert "−1 ⊙" not in out  # the derivative as the engine derived it, not the VJPs of its pieces


def test_latex_symbol_writes_a_quantity_in_the_problems_own_symbols() -> None:
    from gradwork.explain.render import latex_symbol
    from gradwork.problem.notation import notation

    written = notation(solve(load(SEED002.replace("output.a: a3", "output.a: '\\hat{y}'"))))
    assert latex_symbol(written.quantity("gradients.hidden.W[0,1]")) == r"\frac{\partial J}{\partial w_{3}}"
    assert latex_symbol(written.quantity("updated.output.b")) == "b_{3}'"
    assert latex_symbol(written.quantity("values.output.a")) == r"\hat{y}"
    assert latex_symbol(written.quantity("values.hidden.z")) == "z^{(1)}"
