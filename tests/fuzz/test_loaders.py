"""Mutation fuzzers for everything that reads user text: problems, answers, training configs, formulas.

The property is the command line's contract: a reader either accepts its input
or raises the project's error type (one line, FILE:LINE:COL). Anything else (a
KeyError, a RecursionError, a hang) is a bug. Limits are lowered while fuzzing
so that an accepted input is also solved quickly.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradwork.documents import limits
from gradwork.problem import ProblemError, load
from gradwork.problem.expressions import ExpressionError, bounded_formula, parse_expression
from gradwork.documents.sources import parse, sniff_format
from tests.fuzz.mutations import FUZZ, HOSTILE, mutated, seed_texts

PROBLEMS = seed_texts("*.yaml", "*.toml", "*.json")
PROBLEMS = [(name, text) for name, text in PROBLEMS if not name.startswith("train_")]
ANSWERS = seed_texts("answers/*.yaml")
CONFIGS = seed_texts("train_*.yaml")
SMALL = {"steps": 5, "elements": 2_000, "list_length": 500, "values": 20_000, "file_size": 50_000}


def _format(name: str, text: str) -> str:
    suffix = name.rsplit(".", 1)[-1]
    return {"yml": "yaml"}.get(suffix, suffix) if suffix in ("yaml", "yml", "toml", "json") else sniff_format(text)


def _one_line(error: Exception) -> None:
    assert "\n" not in str(error) and str(error).count(":") >= 1


@FUZZ
@given(mutated(PROBLEMS), st.sampled_from(["float", "exact", "symbolic"]))
def test_problem_loader_accepts_or_raises_problem_error(case, mode):
    name, text = case
    with limits.using(**SMALL):
        try:
            document = parse(text, _format(name, text), name)
            problem = load(document.text if document.text.strip().startswith("{") else text,
                           format=_format(name, text))
            problem.solve(mode)
        except ProblemError as error:
            _one_line(error)


@FUZZ
@given(mutated(ANSWERS))
def test_answers_loader_accepts_or_raises_answers_error(case):
    from gradwork.check import AnswersError, read_answers

    name, text = case
    with limits.using(**SMALL):
        try:
            read_answers(name, text=text)
        except AnswersError as error:
            _one_line(error)


@FUZZ
@given(mutated(CONFIGS))
def test_config_loader_accepts_or_raises_config_error(tmp_path_factory, case):
    from gradwork.train import ConfigError, load_config

    name, text = case
    path = tmp_path_factory.mktemp("config") / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with limits.using(**SMALL):
        try:
            load_config(path)
        except ConfigError as error:
            _one_line(error)


FORMULAS = ["x**2", "sigmoid(a * w + b)", "-(log(y[0]) + log(1 - y[1])) / 2", "max(a, b) * x0", "exp(x) / sum(exp(x))",
            "matmul(W, x).T[0]", "x[[2, 0, 1]] @ w", "leaky_relu(x, 0.01)"]


@FUZZ
@given(st.sampled_from(FORMULAS),
       st.lists(st.tuples(st.integers(0, 40), st.sampled_from(HOSTILE + list("+-*/()[],.@ "))), min_size=1, max_size=5))
def test_expression_parser_accepts_or_raises_expression_error(formula, edits):
    for at, token in edits:
        at = min(at, len(formula))
        formula = formula[:at] + token + formula[at:]
    with limits.using(**SMALL):
        for parse_one in (parse_expression, bounded_formula):
            try:
                parse_one(formula)
            except ExpressionError as error:
                assert "\n" not in error.message


def test_the_seeds_themselves_load():
    # The fuzzers start from these; each must be readable as it is.
    assert PROBLEMS and ANSWERS and CONFIGS
    for name, text in PROBLEMS:
        parse(text, _format(name, text), name)


@pytest.mark.parametrize("token", ["1e999999999", "[" * 70, "&a", "\x07"])
def test_hostile_tokens_alone_are_one_line_errors(token):
    with pytest.raises(ProblemError) as caught:
        load(f"title: t\ninput: [{token}]\nlayers: [{{weights: [[1]]}}]\n", format="yaml").solve()
    _one_line(caught.value)
