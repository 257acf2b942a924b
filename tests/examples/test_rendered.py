"""Every example renders in every format, and three have golden text, Markdown and LaTeX.

Regenerate the goldens after a deliberate change with
``GRADWORK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/examples`` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import gradwork

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".toml", ".json")
                  and not p.name.startswith("train_"))
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CASES = [  # read by eye beside the seed when they change
    ("seed002_exam4a_row.yaml", "chain", "text"),
    ("seed002_exam4a_row.yaml", "chain", "markdown"),
    ("seed002_exam4a_row.yaml", "chain", "latex"),
    ("seed004_hw1.toml", "delta", "text"),
    ("seed004_hw1.toml", "delta", "markdown"),
    ("seed004_hw1.toml", "delta", "latex"),
    ("seed000_exercise6_1.yaml", "matrix", "text"),
    ("seed000_exercise6_1.yaml", "matrix", "latex"),
    ("mazur_step_by_step.yaml", "chain", "text"),
    ("mazur_step_by_step.yaml", "chain", "latex"),
]
SUFFIX = {"text": "txt", "markdown": "md", "latex": "tex"}


@pytest.fixture(scope="module")
def solved():
    cache: dict[str, gradwork.Solved] = {}

    def get(name: str) -> gradwork.Solved:
        if name not in cache:
            cache[name] = gradwork.load(ROOT / "examples" / name).solve()
        return cache[name]

    return get


@pytest.mark.parametrize("name,style,fmt", GOLDEN_CASES)
def test_golden_output(solved, name, style, fmt):
    text = solved(name).render(fmt, style=style)
    golden = GOLDEN / f"{Path(name).stem}_{style}.{SUFFIX[fmt]}"
    if os.environ.get("GRADWORK_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_style_and_format_renders(solved, example):
    s = solved(example.name)
    for style in ("chain", "delta", "matrix"):
        for fmt in ("text", "markdown", "latex", "json"):
            assert s.render(fmt, style=style).strip()


# That every example's LaTeX compiles (and fits the page) is tests/explain/test_latex_fits.py's job.
