"""gradwork.documents.limits: one place for every bound, raised per run, named in every refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradwork.backends import get_backend
from gradwork.documents import limits
from gradwork.problem import ProblemError, load
from gradwork.problem.numbers import NumberError, leaf, to_array
from gradwork.documents.sources import parse

NETWORK = "input: [1, 2]\nlayers:\n  - {weights: [[1, 0], [0, 1]]}\n"


def refused(text: str, fragment: str, form: str = "yaml") -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        parse(text, form, "f." + form)
    assert fragment in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)
    return caught.value


def test_defaults_and_options():
    assert limits.current() == limits.DEFAULT
    assert limits.DEFAULT.option("list_length") == "--max-list-length"
    assert limits.note("depth") == f"limit {limits.DEFAULT.depth}; --max-depth to raise"


def test_using_raises_a_limit_only_inside_the_block():
    with limits.using(depth=3) as inside:
        assert limits.current().depth == 3 and inside.depth == 3
        with limits.using(digits=5):
            assert limits.current().depth == 3 and limits.current().digits == 5
    assert limits.current() == limits.DEFAULT


def test_unknown_limit_name():
    with pytest.raises(ValueError, match="unknown limit 'depht'"):
        with limits.using(depht=3):
            pass


def test_a_refusal_names_the_limit_instead_of_expected():
    error = ProblemError("p.yaml", 3, 4, "a list of 9 items", limits.note("list_length"))
    limit = limits.DEFAULT.list_length
    assert str(error) == f"p.yaml:3:4: a list of 9 items (limit {limit}; --max-list-length to raise)"


@pytest.mark.parametrize("form, text", [
    ("yaml", "a: " + "[" * 70 + "]" * 70),
    ("json", '{"a": ' + "[" * 70 + "]" * 70 + "}"),
    ("toml", "a = " + "[" * 70 + "]" * 70),
])
def test_depth_in_every_format(form, text):
    refused(text, "--max-depth", form)


def test_depth_position_is_the_first_value_too_deep():
    with limits.using(depth=3):
        error = refused("a:\n  b: [[[[1]]]]\n", "nested more than 3 deep")
    assert (error.line, error.column) == (2, 8)  # the third bracket: a, b, [ are 3 levels


def test_list_length_and_values():
    with limits.using(list_length=3):
        refused("a: [1, 2, 3, 4]\n", "a list of 4 items (limit 3; --max-list-length")
        parse("a: [1, 2, 3]\n", "yaml")
    with limits.using(values=10):
        refused('{"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}', "more than 10 values", "json")


def test_data_handed_over_in_code_keeps_within_the_same_limits():
    """check_data (answers given as a dict): what keeps within every bound passes; each bound still refuses what
    passes it, with its own message (the quick walk for data within bounds decides nothing else)."""
    from gradwork.documents.sources import check_data

    data = {"values": {"hidden.z": [0.5, -0.25]}, "loss": 0.125, "note": "ok"}
    assert check_data(data).data is data
    cases = [
        (dict(depth=3), {"a": {"b": [[[1]]]}}, "nested more than 3 deep"),
        (dict(list_length=2), {"a": [1, 2, 3]}, "a list of 3 items"),
        (dict(values=4), {"a": [1, 2, 3, 4]}, "more than 4 values"),
        ({}, {"a\x07": 1}, "the control character U+0007"),
        ({}, {"a": ["x", "y\ud800"]}, "a lone surrogate U+D800"),
    ]
    for bound, bad, fragment in cases:
        with limits.using(**bound), pytest.raises(ProblemError) as caught:
            check_data(bad, "answers")
        assert fragment in str(caught.value), str(caught.value)


def test_alias_expansion_counts_against_values():
    text = "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    assert len(parse(text, "yaml").data["c"]) == 3
    with limits.using(values=20):
        error = refused(text, "YAML aliases expanded")
    assert error.line == 3


def test_digits_anywhere_in_the_text():
    with limits.using(digits=10):
        error = refused("a: 1\nb: 12345678901\n", "more than 10 digits")
        assert (error.line, error.column) == (2, 4)
        parse("b: 1234567890\n", "yaml")


def test_file_size_of_text():
    with limits.using(file_size=10):
        refused("title: something long\n", "--max-file-size")


def test_file_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("title: " + "x" * 5000 + "\n")
    with limits.using(file_size=100):
        with pytest.raises(ProblemError, match=r"big.yaml:1:1: the file is larger than 100 bytes \(limit 100;"):
            load(path)


def test_elements_of_a_problem_array():
    with limits.using(elements=3):
        with pytest.raises(NumberError) as caught:
            to_array([[1, 2], [3, 4]], get_backend("float"))
    assert caught.value.expected == "limit 3; --max-elements to raise"


def test_steps_limit():
    text = NETWORK + "target: [0, 1]\nloss: mse\noptimizer: {name: sgd, lr: 0.1, steps: 50}\n"
    with limits.using(steps=10):
        with pytest.raises(ProblemError, match=r"50 optimizer steps \(limit 10; --max-steps to raise\)"):
            load(text)
    assert load(text).training.steps == 50


@pytest.mark.parametrize("value", [Decimal("1e401"), Decimal("1e-401")])
def test_exponent_limit_in_exact_mode(value):
    with pytest.raises(NumberError, match="exponent beyond 400") as caught:
        leaf(value, get_backend("exact"))
    assert caught.value.expected == "limit 400; --max-exponent to raise"
    with limits.using(exponent=500):
        assert leaf(value, get_backend("exact")) > 0


@pytest.mark.parametrize("form, text", [
    ("yaml", "loss: 1e" + "9" * 19),
    ("yaml", "loss: 1.5e-" + "9" * 80),
    ("yaml", "loss: '1e" + "9" * 19 + "'"),
    ("yaml", "loss: 1.5E+000" + "9" * 19),
    ("json", '{"loss": 1e' + "9" * 19 + "}"),
    ("toml", "loss = 1e" + "9" * 19),
])
def test_an_exponent_past_decimals_range_is_refused_by_the_reader(form, text):
    # Decimal() itself raised InvalidOperation here (found by the fuzzers after minutes).
    error = refused(text, "a number whose exponent has more than 18 digits", form)
    assert (error.line, error.column) == (1, text.index("1") + 1)


def test_an_exponent_of_18_digits_still_reads_as_a_number():
    document = parse("loss: 1e" + "9" * 18, "yaml", "f.yaml")
    assert document.data["loss"] == Decimal("1e" + "9" * 18)
    assert parse("loss: 1e0000000000000000000000005", "yaml", "f.yaml").data["loss"] == Decimal("1e5")


def test_huge_exponent_in_float_mode_is_a_float_or_refused():
    assert leaf(Decimal("1e-999999999"), get_backend("float")) == 0.0
    with pytest.raises(NumberError, match="too large for a float"):
        leaf(Decimal("1e999999999"), get_backend("float"))
    with pytest.raises(NumberError, match="divides by zero"):
        leaf("1/0", get_backend("exact"))
