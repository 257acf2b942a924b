"""Schema errors (pydantic) mapped back to the file's line and column."""

from __future__ import annotations

import pytest

from gradwork.problem import ProblemError, load
from gradwork.problem.schema import GraphSpec, NetworkSpec
from tests.seed_texts import SEED_002_TEXT

NETWORK = SEED_002_TEXT.replace("title: Exam 4a - 2-2-1 network, one SGD step", "title: t", 1)


def error_of(text: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        load(text)
    return caught.value


def test_a_valid_network_loads_into_the_model():
    problem = load(NETWORK)
    assert isinstance(problem.spec, NetworkSpec) and problem.form == "network"
    assert problem.spec.layers[1].name == "output" and problem.title == "t"


def test_unknown_key_points_at_the_key_with_a_suggestion():
    error = error_of(NETWORK.replace("    bias: 0\n", "    bais: 0\n"))
    assert (error.line, error.column) == (12, 5)
    assert error.message == "unknown key 'bais', did you mean 'bias'?"
    assert error.expected == "one of: name, weights, bias, activation"


def test_unknown_top_level_key():
    error = error_of(NETWORK + "learning_rate: 0.1\n")
    assert (error.line, error.column, error.message) == (16, 1, "unknown key 'learning_rate'")
    assert "layers" in error.expected


def test_unknown_optimizer_option():
    error = error_of(NETWORK.replace("lr: 0.01}", "lr: 0.01, beta: 2}"))
    assert (error.line, error.column) == (15, 34)
    assert error.message == "unknown key 'beta', did you mean 'beta2'?"


def test_unknown_optimizer_name():
    error = error_of(NETWORK.replace("name: sgd", "name: sgdd"))
    assert (error.line, error.column) == (15, 19)
    assert error.message == "unknown optimizer 'sgdd'"
    assert error.expected == "'sgd', 'momentum' or 'adam'"


def test_unknown_convention():
    error = error_of(NETWORK.replace("convention: row", "convention: rows"))
    assert (error.line, error.column, error.message) == (2, 13, "unknown convention 'rows'")
    assert error.expected == "'row' or 'column'"


def test_missing_key_points_at_its_mapping():
    error = error_of(NETWORK.replace("    weights: [0.3, -0.5]\n", ""))
    assert (error.line, error.column) == (10, 5)
    assert error.message == "missing key 'weights' in layers[1]"


def test_missing_input_points_at_the_document():
    error = error_of(NETWORK.replace("input: [1.0, 2.0]\n", ""))
    assert (error.line, error.column, error.message) == (1, 1, "missing key 'input'")


def test_wrong_types():
    error = error_of("layers: 3\n")
    assert (error.line, error.column, error.message) == (1, 9, "layers must be a list, not a number")
    error = error_of(NETWORK.replace("optimizer: {name: sgd, lr: 0.01}", "optimizer: sgd"))
    assert (error.line, error.column, error.message) == (15, 12, "optimizer must be a mapping, not text")
    error = error_of(NETWORK.replace("lr: 0.01", "lr: [1]"))
    assert error.message == "optimizer.lr must be a number, not [1]"


def test_steps_must_be_a_positive_whole_number():
    error = error_of(NETWORK.replace("lr: 0.01}", "lr: 0.01, steps: 0}"))
    assert error.message == "optimizer.steps is 0, too small" and error.expected == "at least 1"
    error = error_of(NETWORK.replace("lr: 0.01}", "lr: 0.01, steps: 1.5}"))
    assert error.message.startswith("optimizer.steps must be a whole number")


def test_the_first_error_in_file_order_is_reported():
    text = NETWORK.replace("convention: row", "convention: rows").replace("loss: bce", "loss: bce\nbogus: 1")
    assert error_of(text).line == 2


def test_a_problem_has_exactly_one_form():
    both = error_of("graph: {e: '1'}\nlayers: []\n")
    assert both.message == "a problem has either `layers:` or `graph:`, not both" and both.line == 1
    neither = error_of("title: only a title\n")
    assert neither.message.startswith("the problem has neither") and (neither.line, neither.column) == (1, 1)
    not_a_mapping = error_of("- 1\n- 2\n")
    assert not_a_mapping.message == "the problem must be a mapping of keys, not a list"


def test_graph_form_and_number_titles():
    problem = load("title: 7.2\ninputs: {a: 1}\ngraph: {b: a * 2}\n")
    assert isinstance(problem.spec, GraphSpec) and problem.title == "7.2"


def test_empty_layers_and_graph_are_errors():
    assert error_of(NETWORK.split("layers:")[0] + "layers: []\n").message == "layers must not be empty"
    assert error_of("inputs: {a: 1}\ngraph: {}\n").message == "graph must not be empty"
