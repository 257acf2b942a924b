"""Student sheets and keys: what is given and asked, no answers, and documents that compile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradwork.generate import draw, read_template
from gradwork.generate.sheet import answers_text, render_key, render_sheet
from tests.explain.test_render_latex import _compile, needs_pdflatex

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))


def _numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    else:
        yield value


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_the_sheet_asks_every_item_and_shows_no_answer(path):
    variant = draw(read_template(path), 1, 0)
    sheet = render_sheet(variant, "markdown", digits=4)
    assert sheet.count("Compute ") == len(variant.items)
    assert "## Forward pass" not in sheet and "## Backward pass" not in sheet
    key = render_key(variant, "markdown", digits=4)
    assert "## Forward pass" in key
    # The loss is never on the sheet (a float loss, to 4 figures as the key prints it; small integers of an
    # integer_results template can also be given numbers, so they prove nothing).
    loss = variant.answers.get("loss")
    if variant.solution.mode == "float" and loss is not None and abs(loss) > 1e-3:
        shown = f"{loss:.4g}"
        assert shown in key and shown not in sheet


@needs_pdflatex
@pytest.mark.parametrize("path", TEMPLATES[:2] + TEMPLATES[-1:], ids=lambda p: p.stem)
def test_the_latex_sheet_compiles(path, tmp_path):
    variant = draw(read_template(path), 1, 0)
    result = _compile(render_sheet(variant, "latex"), tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_answers_file_is_the_key_and_says_where_it_came_from():
    import yaml

    variant = draw(read_template(TEMPLATES[0]), 4, 2)
    text = answers_text(variant)
    assert text.startswith("# gradwork generate: variant v003 of seed000_exercise6_1")
    assert yaml.safe_load(text) == json.loads(json.dumps(variant.answers))
    assert all(isinstance(n, (int, float)) for n in _numbers(yaml.safe_load(text)))


def test_questions_use_the_problems_own_symbols():
    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text()
    text = text.replace("marking: {tolerance: {sigfigs: 3}}",
                        'marking: {tolerance: {sigfigs: 3}}\nnames: {"hidden.W[1,0]": w3, loss: J, output.b: b2}')
    variant = draw(read_template(text), 0, 0)
    sheet = render_sheet(variant, "markdown")
    assert "Compute the loss J:" in sheet
    assert "w3[0,0]" not in sheet and "output.b" not in sheet and "hidden.W" not in sheet  # never an internal key
    assert "Compute the gradient ∂J/∂b₂:" in sheet
    assert "Compute the gradient ∂J/∂W⁽¹⁾:" in sheet  # the whole matrix: the convention's symbol
    assert "derivative" not in sheet.lower() and "Chain style" not in sheet  # asks without telling


def test_a_sheet_tells_the_rules_and_hints_only_where_the_template_says_hints():
    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text()
    plain = render_sheet(draw(read_template(text), 0, 0), "text")
    assert "∂σ" not in plain and "Hints" not in plain
    hinted = text.replace("tries: 1000", 'tries: 1000\nhints: [rules, "Logs are natural logs."]')
    sheet = render_sheet(draw(read_template(hinted), 0, 0), "text")
    assert "∂σ(u)/∂u = σ(u) (1 − σ(u))" in sheet and "Hints" in sheet and "Logs are natural logs." in sheet
