"""The curated public API: pinned names, lazily importable."""

from __future__ import annotations

import subprocess
import sys

import gradwork


def test_exported_names_are_pinned():
    assert sorted(gradwork.__all__) == sorted(
        ["__version__", "Tensor", "no_grad", "zero_grad", "load", "solve", "Problem", "Solved", "Report", "MarkReport",
         "GradworkError", "ProblemError"])
    for name in gradwork.__all__:
        assert getattr(gradwork, name) is not None


def test_every_lazy_export_is_imported_for_type_checkers():
    """``gradwork.__getattr__`` is Any to mypy; the TYPE_CHECKING block gives each export its real type."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(gradwork.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    typed = {alias.asname: node.module for node in block.body if isinstance(node, ast.ImportFrom)
             for alias in node.names if alias.asname == alias.name}  # "import x as x": an explicit re-export
    assert typed == gradwork._EXPORTS


def test_the_public_api_is_typed_for_mypy(tmp_path):
    """mypy sees gradwork.load(...).solve().check(...) as a Report, .mark(...) as a MarkReport, not Any."""
    from pathlib import Path

    from mypy import api

    root = Path(__file__).resolve().parents[1]
    use = tmp_path / "use.py"
    use.write_text("import gradwork\n"
                   "solved = gradwork.load('p.yaml').solve('exact')\n"
                   "reveal_type(solved)\n"
                   "reveal_type(solved.check('answers.yaml'))\n"
                   "reveal_type(solved.mark('work'))\n"
                   "reveal_type(gradwork.Tensor([1.0]))\n"
                   "wrong: int = solved.render('text')\n")
    # The project's settings and cache (warm after `make test`'s own mypy run).
    out, _, status = api.run([str(use), "--config-file", str(root / "pyproject.toml"), "--cache-dir",
                              str(root / ".mypy_cache")])
    assert 'Revealed type is "gradwork.api.Solved"' in out
    assert 'Revealed type is "gradwork.check.report.Report"' in out
    assert 'Revealed type is "gradwork.mark.report.MarkReport"' in out
    assert 'Revealed type is "gradwork.tensor.Tensor"' in out
    assert status == 1 and 'has type "str", variable has type "int"' in out  # typed, so a misuse is caught


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
    svg = solved._repr_svg_()
    if shutil.which("dot"):
        assert svg.lstrip().startswith(("<svg", "<?xml")) and "W⁽¹⁾" in svg and "hidden.W" not in svg
    else:
        assert svg is None


def test_jupyter_html_is_the_graph_and_the_derivation_as_a_fragment():
    import re
    import shutil
    from pathlib import Path

    solved = gradwork.load(Path(__file__).resolve().parents[1] / "examples/seed002_exam4a_row.yaml").solve()
    fragment = solved._repr_html_()
    assert fragment.startswith('<div class="gw-notebook">') and fragment.rstrip().endswith("</div>")
    for whole_page in ("<!DOCTYPE", "<html", "<head", "<body", "<main", "<script"):
        assert whole_page.lower() not in fragment.lower()
    style = fragment[fragment.index("<style>") + 7:fragment.index("</style>")]
    selectors = [rule.split("{")[0] for rule in style.split("}") if rule.strip()]
    assert selectors and all(all(part.strip().startswith(".gw-notebook") for part in selector.split(","))
                             for selector in selectors)  # no global body/h1/table rule
    assert "<math" in fragment and "Backward pass" in fragment and "Summary" in fragment
    if shutil.which("dot"):
        assert fragment.index("<svg") < fragment.index("<math")  # the graph, then the derivation
        assert re.search(r"<title>W⁽¹⁾</title>", fragment)
    else:
        assert "apt-get install graphviz" in fragment
