"""`gradwork solve --mode exact|symbolic` through the CLI app (in process).

Exact mode stops where a value has no rational form: one line on stderr,
`FILE:LINE:COL: ...` naming the function and suggesting --mode symbolic, exit
code 2, never a traceback. Exact JSON writes "3/8" strings; symbolic JSON
writes strings SymPy parses back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sympy

from tests.cli.runner import Run, gradwork

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def assert_one_line_error(result: Run, path: Path, line: int, column: int,
                          function: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    message = result.stderr.rstrip("\n")
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:{column}: "), message
    assert re.search(rf"\b{re.escape(function)}\b", message) and "--mode symbolic" in message, message


def test_exact_mode_stops_at_a_sigmoid_layer(tmp_path):
    # examples/seed002_exam4a_row.yaml line 19 is the output layer's `activation: sigmoid`.
    path = EXAMPLES / "seed002_exam4a_row.yaml"
    assert_one_line_error(gradwork("solve", str(path), "--mode", "exact"), path, 19, 17, "sigmoid")


def test_exact_mode_stops_at_exp_inside_a_graph_formula(tmp_path):
    path = tmp_path / "graph.yaml"
    path.write_text("inputs: {a: 0.5}\ngraph:\n  b: a * 2\n  c: 1 + exp(b)\n")
    # The column is the call's: `c: 1 + exp(b)` puts `exp` at column 10.
    assert_one_line_error(gradwork("solve", str(path), "--mode", "exact"), path, 4, 10, "exp")


def test_exact_mode_stops_at_a_bce_loss(tmp_path):
    path = tmp_path / "bce.yaml"
    path.write_text("input: [1, 2]\ntarget: 1\nlayers:\n  - weights: [[0.25, 0.125]]\nloss: bce\n")
    assert_one_line_error(gradwork("solve", str(path), "--mode", "exact"), path, 5, 7, "log")


def test_exact_mode_takes_the_square_root_of_a_square_and_stops_at_other_roots(tmp_path):
    square = tmp_path / "square.yaml"
    square.write_text("inputs: {a: 0.25}\ngraph:\n  b: sqrt(a)\n")
    result = gradwork("solve", str(square), "--mode", "exact", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["values"]["b"] == "1/2" and data["gradients"]["a"] == "1"  # 1 / (2 sqrt(1/4))
    other = tmp_path / "root.yaml"
    other.write_text("inputs: {a: 2}\ngraph:\n  b: sqrt(a)\n")
    assert_one_line_error(gradwork("solve", str(other), "--mode", "exact"), other, 3, 6, "sqrt")


def test_exact_json_writes_fraction_strings():
    result = gradwork("solve", str(EXAMPLES / "seed004_hw1.toml"), "--mode", "exact", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "exact"
    assert data["updated"]["layer2.W"] == ["-3", "-24/25"]
    assert data["gradients"]["layer1.W"] == [["-160", "-240"], ["112", "168"]]


def test_symbolic_json_gradients_parse_back_with_sympy():
    result = gradwork("solve", str(EXAMPLES / "seed003_7_3c_scaled_gather.yaml"), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "symbolic" and data["loss"] is None
    x0, x1, x2, x3, x4 = sympy.symbols("x0:5")
    d0, d1, d2, d3, d4 = sympy.symbols("d0:5")
    expected = [d0 * x2 + d1 * x4 + d2 * x3 + 2 * d3 * x0 + d4 * x1, d4 * x0, d0 * x0, d2 * x0, d1 * x0]
    got = [sympy.parse_expr(text) for text in data["gradients"]["x"]]
    assert [sympy.expand(g - e) for g, e in zip(got, expected)] == [0] * 5


@pytest.mark.parametrize("mode", ["exact", "float"])
def test_symbol_names_outside_symbolic_mode_are_a_one_line_error(mode):
    path = EXAMPLES / "seed003_7_3a_gather.yaml"
    result = gradwork("solve", str(path), "--mode", mode)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: 'x0' is a symbol name, which needs symbolic mode", result.stderr)
