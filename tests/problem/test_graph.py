"""The graph form: name checks inside expressions, evaluation, upstream gradients."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.problem import ProblemError, load, solve

GRAPH = """\
inputs: {a: 1, b: 2}
params: {w: 3}
graph:
  e: a + b
  f: e * w
  L: f**2 / 2
output: L
"""


def error_of(text: str, mode: str | None = None) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        solve(load(text), mode)
    return caught.value


def test_name_used_before_it_is_defined_points_at_the_name_in_the_expression():
    error = error_of(GRAPH.replace("e: a + b", "e: a + f"))
    assert (error.line, error.column) == (4, 10)
    assert error.message == "'f' is used before it is defined (on line 5)"
    assert error.expected == "nodes in order: define it above this one"


def test_name_inside_a_quoted_expression_and_in_json():
    error = error_of(GRAPH.replace("f: e * w", 'f: "exp(e) * sigmoid(q)"'))
    assert (error.line, error.column, error.message) == (5, 24, "unknown name 'q'")
    assert error.expected == "an input, a param or an earlier node: a, b, w, e"
    json_text = '{"inputs": {"a": 1},\n "graph": {"e": "a + 1",\n           "f": "e * later"},\n "output": "f"}'
    error = error_of(json_text)
    assert (error.line, error.column, error.message) == (3, 22, "unknown name 'later'")


def test_name_in_toml_graph():
    toml = 'output = "f"\n\n[inputs]\na = 1\n\n[graph]\ne = "a + 1"\nf = "e * g"\ng = "e"\n'
    error = error_of(toml)
    assert (error.line, error.column, error.message) == (8, 10, "'g' is used before it is defined (on line 9)")


def test_self_reference_and_bad_names():
    assert error_of(GRAPH.replace("e: a + b", "e: a + e")).message == "node 'e' uses itself"
    error = error_of(GRAPH.replace("e: a + b", "exp: a + b"))
    assert (error.line, error.column, error.message) == (4, 3, "'exp' is the name of a function")
    assert error_of(GRAPH.replace("e: a + b", "a: a + b")).message == "'a' is already defined as an input"
    assert error_of(GRAPH.replace("params: {w: 3}", "params: {a: 3}")).message == "'a' is already defined as an input"


def test_unknown_output():
    error = error_of(GRAPH.replace("output: L", "output: Loss"))
    assert (error.line, error.column, error.message) == (7, 9, "unknown output 'Loss'")


def test_output_defaults_to_the_last_node():
    solution = solve(load(GRAPH.replace("output: L\n", "")))
    assert solution.output is solution.nodes["L"]


def test_vector_output_needs_an_upstream_of_its_shape():
    text = "inputs: {x: [1, 2, 3]}\ngraph:\n  y: x * 2\n"
    error = error_of(text)
    assert error.message == "the output 'y' has shape [3], so its gradient needs an upstream dL/doutput"
    error = error_of(text + "upstream: [1, 2]\n")
    assert (error.line, error.column) == (4, 11)
    assert error.message == "the upstream gradient has shape [2] but the output 'y' has shape [3]"
    solution = solve(load(text + "upstream: [1, 0, -1]\n"))
    assert solution.loss is None and solution.json()["loss"] is None
    assert solution.json()["gradients"]["x"] == [2.0, 0.0, -2.0]
    assert solution.upstream is not None and solution.upstream.data.tolist() == [1, 0, -1]


def test_evaluation_error_points_at_the_operation():
    error = error_of("inputs: {a: [1, 2], b: [1, 2, 3]}\ngraph:\n  c: sum(a @ b)\n")
    assert (error.line, error.column) == (3, 10)
    assert error.message == "cannot compute `a @ b`: shapes [2] and [3] do not fit"


def test_symbols_need_symbolic_mode():
    text = "inputs: {x: [x0, 2]}\ngraph:\n  y: sum(x * x)\n"
    error = error_of(text)
    assert (error.line, error.column) == (1, 14)
    assert error.message == "'x0' is a symbol name, which needs symbolic mode"
    solution = solve(load(text), "symbolic")
    assert solution.json()["values"]["y"] == "x0**2 + 4" and solution.json()["gradients"]["x"] == ["2*x0", "4"]


def test_graph_solution_fields():
    solution = solve(load(GRAPH))
    assert list(solution.nodes) == ["a", "b", "w", "e", "f", "L"]
    assert list(solution.parameters) == ["w"] and solution.form == "graph"
    assert solution.loss is solution.nodes["L"] and solution.loss_value == 40.5
    assert solution.formulas == {"e": "a + b", "f": "e * w", "L": "f**2 / 2"}
    assert solution.nodes["f"].name == "f" and solution.nodes["f"].op.name == "mul"
    # dL/df = f = 9; dL/dw = 9 e = 27; dL/da = dL/db = 9 w = 27
    assert solution.gradients == {"a": 27.0, "b": 27.0, "w": 27.0, "e": 27.0, "f": 9.0, "L": 1.0}
    assert solution.updated == {} and solution.optimizer.steps == 0 and solution.optimizer.name == "none"


def test_alias_and_unused_names_and_constant_nodes():
    solution = solve(load("inputs: {a: 2, unused: 5}\ngraph:\n  k: 3\n  y: a * k\n  z: y\noutput: z\n"))
    assert solution.nodes["z"] is solution.nodes["y"] and solution.nodes["y"].name == "y"
    assert solution.gradients["unused"] == 0.0 and solution.gradients["a"] == 3.0
    assert solution.values["k"] == 3.0


def test_graph_params_are_updated_by_the_optimizer():
    solution = solve(load(GRAPH + "optimizer: {name: sgd, lr: 0.1}\n"))
    assert solution.updated == {"w": pytest.approx(3 - 0.1 * 27)}
    assert solution.nodes["w"].data.item() == 3.0  # the explained graph keeps the values before the update
    assert solution.parameters["w"].grad.item() == 27.0


def test_graph_steps_repeat_full_updates():
    # L = (w e)^2 / 2 with e = 3: dL/dw = 9 w, so each step multiplies w by (1 - 0.9 lr ... ) = 1 - 9 lr.
    solution = solve(load(GRAPH + "optimizer: {name: sgd, lr: 0.01, steps: 3}\n"))
    np.testing.assert_allclose(solution.updated["w"], 3 * (1 - 0.09) ** 3, rtol=1e-12)
