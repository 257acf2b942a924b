"""The curated public API: pinned names, lazily importable."""

from __future__ import annotations

import subprocess
import sys

import gradwork


def test_exported_names_are_pinned():
    assert sorted(gradwork.__all__) == sorted(
        ["__version__", "Tensor", "no_grad", "zero_grad", "load", "solve", "Problem", "Solved"])
    for name in gradwork.__all__:
        assert getattr(gradwork, name) is not None


def test_importing_gradwork_does_not_import_numpy_or_sympy():
    code = "import sys, gradwork; print('numpy' in sys.modules, 'sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_solved_checks_an_answers_file():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    report = gradwork.load(root / "examples/seed004_hw1.toml").solve().check(root / "examples/answers/seed004_hw1.yaml")
    assert report.all_correct and report.correct == report.total


def test_solved_marks_a_worked_solution():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    work = (root / "tests/mark/fixtures/seed002_log_base_10.md").read_text(encoding="utf-8")
    report = gradwork.load(root / "examples/seed002_exam4a_row.yaml").solve().mark(work)
    assert [line.diagnosis for line in report.lines if line.status == "wrong"] == [("log_base_10",)]


def test_jupyter_displays_markdown_html_and_the_graph():
    from pathlib import Path

    import shutil

    solved = gradwork.load(Path(__file__).resolve().parents[1] / "examples/seed002_exam4a_row.yaml").solve()
    assert solved._repr_markdown_().startswith("# Exam 4a")
    assert "<math" in solved._repr_html_()
    svg = solved._repr_svg_()
    if shutil.which("dot"):
        assert svg.lstrip().startswith(("<svg", "<?xml")) and "hidden.W" in svg
    else:
        assert svg is None
