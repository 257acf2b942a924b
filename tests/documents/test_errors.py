"""ProblemError: the one-line FILE:LINE:COL message of docs/format.md."""

from __future__ import annotations

import pickle

from gradwork.documents.errors import ProblemError


def test_format_with_expected():
    error = ProblemError("p.yaml", 3, 14, "unknown activation 'relux'", "one of: relu, sigmoid")
    assert str(error) == "p.yaml:3:14: unknown activation 'relux' (expected one of: relu, sigmoid)"
    assert (error.file, error.line, error.column) == ("p.yaml", 3, 14)
    assert error.message == "unknown activation 'relux'"
    assert error.expected == "one of: relu, sigmoid"


def test_format_without_expected_has_no_parenthesis():
    assert str(ProblemError("<stdin>", 1, 1, "the file is empty")) == "<stdin>:1:1: the file is empty"


def test_always_one_line_and_positions_at_least_one():
    error = ProblemError("f.json", 0, 0, "a parser said\nsomething", "valid\nJSON")
    assert "\n" not in str(error)
    assert (error.line, error.column) == (1, 1)


def test_is_an_exception_and_pickles():
    error = ProblemError("f.toml", 2, 5, "bad", "good")
    assert isinstance(error, Exception)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
