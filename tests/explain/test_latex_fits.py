"""LaTeX that fits: every example (and a 3-4-2 net, a batch) compiles in one pdflatex run with no
overfull box wider than 5 pt, and nothing asks for a second run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.render import render
from gradwork.explain.render.latex_text import prose_latex, visible_width
from gradwork.problem import ProblemError, load, solve

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".toml", ".json")
               and not p.name.startswith("train_")) + sorted((Path(__file__).parent / "problems").glob("*.yaml"))
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed "
                                    "(scripts/system-deps.sh installs it)")


def _solution(path: Path):
    try:
        return solve(load(path))
    except ProblemError:  # a symbol-valued example needs its own mode: the file says so
        return solve(load(path), mode="symbolic")


@needs_pdflatex
@pytest.mark.parametrize("style", ["chain", "matrix"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_latex_fits_the_text_block_after_one_run(path: Path, style: str, tmp_path: Path) -> None:
    (tmp_path / "doc.tex").write_text(render(derive(_solution(path), style), "latex"), encoding="utf-8")
    result = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    assert result.returncode == 0, result.stdout[-2000:]
    too_wide = [float(w) for w in OVERFULL.findall(log)]
    assert not [w for w in too_wide if w > 5.0], f"overfull boxes (pt): {too_wide}"
    assert "Rerun" not in log and "may have changed" not in log  # stable after one run


def test_titles_and_prose_typeset_scripts_as_math() -> None:
    assert prose_latex("HW 1 - MLP with x^2 activations") == r"HW 1 - MLP with \ensuremath{x^{2}} activations"
    assert r"\ensuremath{w_{jk}}" in prose_latex("w_jk joins input j to unit k")


def test_a_matrix_counts_its_widest_row() -> None:
    narrow = r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}"
    wide = r"\begin{pmatrix} 1 & 2 & 3 \end{pmatrix}"
    assert visible_width(narrow) < visible_width(wide)
