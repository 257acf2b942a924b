"""`gradwork graph PROBLEM -o FILE`: the command shell around gradwork.viz.

The tests that solve a problem file wait for gradwork.problem.load/solve and skip until they land.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.runner import gradwork
from tests.viz.helpers import require
from tests.seed_texts import SEED_002_TEXT

SEED_002 = SEED_002_TEXT


@pytest.fixture
def problem_file(tmp_path) -> Path:
    problem = pytest.importorskip("gradwork.problem")
    if not all(hasattr(problem, name) for name in ("load", "solve", "ProblemError")):
        pytest.skip("gradwork.problem.load/solve are not merged yet")
    path = tmp_path / "seed002.yaml"
    path.write_text(SEED_002, encoding="utf-8")
    return path


def test_an_unknown_suffix_is_a_one_line_error(tmp_path):
    result = gradwork("graph", "whatever.yaml", "-o", str(tmp_path / "graph.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "graph.pdf: cannot tell the output format" in result.stderr and ".svg, .png, .dot, .html" in result.stderr


@pytest.mark.parametrize("suffix", [".svg", ".dot", ".html", ".png"])
def test_writes_each_format(problem_file, tmp_path, suffix):
    if suffix != ".dot":
        require("dot", "graphviz")
    out = tmp_path / f"graph{suffix}"
    result = gradwork("graph", str(problem_file), "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
        return
    text = data.decode()
    # The nodes are drawn with the derivation's own names, as the solution writes them.
    for name in ("W⁽¹⁾", "z⁽¹⁾", "a⁽²⁾", ">L<"):
        assert name in text, name
    assert "0.4013" in text and "0.321" in text  # a3 and dL/dw6 (seed 002, by hand)


def test_a_bad_problem_file_is_one_line_with_exit_2(problem_file, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SEED_002.replace("activation: relu", "activation: relux"), encoding="utf-8")
    result = gradwork("graph", str(broken), "-o", str(tmp_path / "g.svg"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert str(broken) in result.stderr and not (tmp_path / "g.svg").exists()


def test_without_graphviz_the_message_says_how_to_install_it(problem_file, tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    result = gradwork("graph", str(problem_file), "-o", str(tmp_path / "g.svg"), env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "apt-get install graphviz" in result.stderr
    assert gradwork("graph", str(problem_file), "-o", str(tmp_path / "g.dot"), env=env).returncode == 0
