"""LaTeX that fits: every example (and a 3-4-2 net, a batch) compiles in one pdflatex run with no
overfull box wider than 5 pt, and nothing asks for a second run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.render import render
from gradwork.explain.render.latex_text import prose_latex, visible_width
from gradwork.problem import ProblemError, load, solve
from tests.explain.latex_batch import Compiled, compile_each
from tests.explain.test_render_latex import needs_pdflatex

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".toml", ".json")
               and not p.name.startswith("train_")) + sorted((Path(__file__).parent / "problems").glob("*.yaml"))
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")


def _solution(path: Path):
    try:
        return solve(load(path))
    except ProblemError:  # a symbol-valued example needs its own mode: the file says so
        return solve(load(path), mode="symbolic")


STYLES = ("chain", "matrix")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, Compiled]:
    """Every example in both styles, compiled together (one pdflatex start-up instead of one per document)."""
    documents = {f"{path.name}-{style}": render(derive(_solution(path), style), "latex")
                 for path in FILES for style in STYLES}
    return compile_each(documents, tmp_path_factory.mktemp("latex"))


@needs_pdflatex
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_latex_fits_the_text_block_after_one_run(path: Path, style: str, compiled: dict[str, Compiled]) -> None:
    result = compiled[f"{path.name}-{style}"]
    assert result.returncode == 0, result.output
    too_wide = [float(w) for w in OVERFULL.findall(result.log)]
    assert not [w for w in too_wide if w > 5.0], f"overfull boxes (pt): {too_wide}"
    assert "Rerun" not in result.run_log and "may have changed" not in result.run_log  # stable after one run


def test_titles_and_prose_typeset_scripts_as_math() -> None:
    assert prose_latex("HW 1 - MLP with x^2 activations") == r"HW 1 - MLP with \ensuremath{x^{2}} activations"
    assert r"\ensuremath{w_{jk}}" in prose_latex("w_jk joins input j to unit k")


def test_a_matrix_counts_its_widest_row() -> None:
    narrow = r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}"
    wide = r"\begin{pmatrix} 1 & 2 & 3 \end{pmatrix}"
    assert visible_width(narrow) < visible_width(wide)
