"""The renderers on real derivations from derive.py: every style, every format, LaTeX that compiles.

Expected numbers are the samples of docs/explain.md (worked by hand), not read back from the engine.
"""

from __future__ import annotations

import json

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.render import FORMATS, render, step_fragments
from tests.explain.fixtures import seed_002, seed_003_72, seed_004
from tests.explain.latex_batch import Compiled, compile_each
from tests.explain.test_render_latex import needs_pdflatex

SOLUTIONS = {"seed_002": seed_002, "seed_004": seed_004, "seed_003_72": seed_003_72}


@pytest.fixture(scope="module")
def derivations():
    return {(name, style): derive(build(), style)
            for name, build in SOLUTIONS.items() for style in ("chain", "delta", "matrix")}


@pytest.mark.parametrize("format", FORMATS)
def test_every_style_renders_in_every_format(derivations, format):
    for (name, style), derivation in derivations.items():
        out = render(derivation, format)
        assert out.strip(), (name, style)
        if format == "json":
            assert len(json.loads(out)) == len(derivation.steps())
    assert len(step_fragments(derivations["seed_002", "chain"])) == len(derivations["seed_002", "chain"].steps())


def test_seed_002_chain_text_shows_sample_2_numbers(derivations):
    text = render(derivations["seed_002", "chain"], "text")
    assert "1.670·0.2403·0.8 = 0.3210" in text
    assert "= [0.3, −0.5032]" in text  # w₅, w₆ after the step (row convention: a row)
    assert "L = " in text and "= 0.5130" in text


def test_seed_004_delta_text_shows_sample_1_numbers(derivations):
    text = render(derivations["seed_004", "delta"], "text")
    for fragment in ("= (5, 7)", "= (25, 49)", "= −80", "= 56", "= (100, 196)", "= (−3, −0.96)",
                     "[[−0.4, 5.4], [0.88, −0.68]]"):
        assert fragment in text


COMPILED = [("seed_002", "chain"), ("seed_004", "delta"), ("seed_003_72", "matrix")]


@pytest.fixture(scope="module")
def compiled(derivations, tmp_path_factory) -> dict[tuple[str, str], Compiled]:
    """The documents compiled together, PDF written (one pdflatex start-up; a document that breaks the batch is
    compiled alone, so its failure is its own); batched only where their preambles are the same as written."""
    documents = {f"{name}-{style}": render(derivations[name, style], "latex") for name, style in COMPILED}
    results = compile_each(documents, tmp_path_factory.mktemp("latex"), draft=False, widen=False)
    return {(name, style): results[f"{name}-{style}"] for name, style in COMPILED}


@needs_pdflatex
@pytest.mark.parametrize("key", COMPILED)
def test_derived_latex_compiles(compiled, key):
    result = compiled[key]
    assert result.returncode == 0, result.output
