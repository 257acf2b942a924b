"""Reading YAML, TOML and JSON with the position of every key and value."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from gradwork.documents.errors import ProblemError
from gradwork.documents.sources import Position, parse, read, sniff_format

YAML = """\
title: demo
layers:
  - name: hidden
    weights: [[0.5, -0.6], [-0.4, 0.8]]
    activation: "x**2"
optimizer: {name: sgd, lr: 0.01}
"""


def test_yaml_data_keeps_decimals_exact_and_ints():
    document = parse(YAML, "yaml", "p.yaml")
    layer = document.data["layers"][0]
    assert layer["weights"] == [[Decimal("0.5"), Decimal("-0.6")], [Decimal("-0.4"), Decimal("0.8")]]
    assert document.data["optimizer"] == {"name": "sgd", "lr": Decimal("0.01")}
    assert list(document.data) == ["title", "layers", "optimizer"]


def test_yaml_positions_of_keys_values_and_list_items():
    document = parse(YAML, "yaml", "p.yaml")
    span = document.span(("layers", 0, "weights"))
    assert span.key == Position(4, 5) and span.value == Position(4, 14)
    assert document.span(("layers", 0, "weights", 1, 0)).value == Position(4, 29)
    assert document.span(("optimizer", "lr")).value == Position(6, 28)
    # A quoted string's text starts after the quote.
    assert document.span(("layers", 0, "activation")).content == Position(5, 18)


def test_unknown_path_falls_back_to_the_nearest_ancestor():
    document = parse(YAML, "yaml", "p.yaml")
    assert document.span(("layers", 0, "bias")) == document.span(("layers", 0))


def test_yaml_plain_exponent_numbers_are_numbers_but_quoted_stay_text():
    document = parse("a: 1e-3\nb: '0.5'\nc: 7\nd: 2.5e+2\n", "yaml")
    assert document.data == {"a": Decimal("1e-3"), "b": "0.5", "c": 7, "d": Decimal("2.5e+2")}


def test_malformed_yaml_reports_the_parser_position():
    with pytest.raises(ProblemError) as caught:
        parse("a: 1\nb: [1, 2\nc: 3\n", "yaml", "bad.yaml")
    error = caught.value
    assert (error.file, error.line, error.column) == ("bad.yaml", 3, 2)
    assert error.message.startswith("malformed YAML: expected ',' or ']'")


@pytest.mark.parametrize(("text", "where"), [
    ("a: " + "[" * 1000 + "]" * 1000 + "\n", (1, 1003)),  # flow: the bracket past libyaml's 1000 levels
    ("a:" + "".join("\n" + "  " * i + "b:" for i in range(1, 1001)) + " 1\n", (1000, 2000)),  # block
])
def test_yaml_past_libyamls_depth_is_refused_where_the_depth_ran_out(text, where):
    with pytest.raises(ProblemError) as caught:
        parse(text, "yaml", "deep.yaml")
    assert (caught.value.line, caught.value.column) == where
    assert caught.value.message == "the YAML is nested too deeply to read"
    assert "--max-depth" in caught.value.expected


def test_yaml_duplicate_key_is_an_error_at_the_second():
    with pytest.raises(ProblemError) as caught:
        parse("a: 1\nb: 2\na: 3\n", "yaml", "d.yaml")
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "duplicate key 'a'" in caught.value.message and "line 1" in caught.value.expected


def test_empty_file_is_an_error():
    for text, fmt in (("", "yaml"), ("# only a comment\n", "yaml"), ("{}", "json"), ("", "toml")):
        with pytest.raises(ProblemError, match="empty"):
            parse(text, fmt)


TOML = """\
title = "demo"
input = [1.0,
         2.0]

[[layers]]
name = "hidden"
weights = [[0.5, -0.6], [-0.4, 0.8]]

[[layers]]
name = "output"
activation = "x**2"
optimizer = {name = "sgd", lr = 0.01}
"""


def test_toml_data_and_positions():
    document = parse(TOML, "toml", "p.toml")
    assert document.data["input"] == [Decimal("1.0"), Decimal("2.0")]
    assert document.span(("title",)).key == Position(1, 1)
    assert document.span(("input", 1)).value == Position(3, 10)  # an array over two lines
    assert document.span(("layers", 0, "weights")).value == Position(7, 11)
    assert document.span(("layers", 1, "name")).key == Position(10, 1)  # the second [[layers]] table
    assert document.span(("layers", 1, "activation")).content == Position(11, 15)
    assert document.span(("layers", 1, "optimizer", "lr")).key == Position(12, 28)  # inside an inline table


def test_toml_subtable_of_an_array_of_tables():
    document = parse('[[layers]]\nweights = [1]\n[layers.activation]\nname = "leaky_relu"\n', "toml")
    assert document.data["layers"][0]["activation"] == {"name": "leaky_relu"}
    assert document.span(("layers", 0, "activation", "name")).key == Position(4, 1)


def test_malformed_toml_reports_the_parser_position():
    with pytest.raises(ProblemError) as caught:
        parse('a = 1\nb = "x" y\n', "toml", "bad.toml")
    assert (caught.value.line, caught.value.column) == (2, 9)
    assert caught.value.message.startswith("malformed TOML:")
    assert "(at line" not in caught.value.message


JSON = '{\n  "title": "demo",\n  "graph": {"e": "a + b",\n            "f": "e * 2"},\n  "inputs": {"a": [1, 2.5]}\n}\n'


def test_json_data_and_positions():
    document = parse(JSON, "json", "p.json")
    assert document.data["inputs"]["a"] == [1, Decimal("2.5")]
    assert document.span(("graph", "f")).key == Position(4, 13)
    assert document.span(("graph", "f")).value == Position(4, 18)
    assert document.span(("graph", "f")).content == Position(4, 19)
    assert document.span(("inputs", "a", 1)).value == Position(5, 23)


def test_malformed_json_reports_the_parser_position():
    with pytest.raises(ProblemError) as caught:
        parse('{\n  "a": 1,\n}\n', "json", "bad.json")
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert caught.value.message.startswith("malformed JSON:")


def test_error_in_text_maps_a_column_inside_a_string_to_the_file():
    document = parse(JSON, "json", "p.json")
    error = document.error_in_text(("graph", "f"), 1, 4, "unknown name")
    assert (error.line, error.column) == (4, 23)  # the "2" of "e * 2"


def test_read_a_path_text_and_stdin(tmp_path, monkeypatch):
    path = tmp_path / "problem.yml"
    path.write_text(YAML)
    assert read(str(path)).format == "yaml" and read(path).name == str(path)
    assert read(YAML).name == "<string>"
    monkeypatch.setattr("sys.stdin", io.StringIO(TOML))
    document = read("-")
    assert document.name == "<stdin>" and document.format == "toml"


def test_read_a_missing_file_is_a_problem_error(tmp_path):
    with pytest.raises(ProblemError) as caught:
        read(str(tmp_path / "nope.yaml"))
    assert caught.value.message.startswith("cannot read the file") and caught.value.line == 1


def test_read_non_utf8_reports_where(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ProblemError) as caught:
        read(path)
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_sniff_format():
    assert sniff_format('{"graph": {}}') == "json"
    assert sniff_format("# c\ntitle = 'x'\n") == "toml"
    assert sniff_format("[[layers]]\nweights = [1]\n") == "toml"
    assert sniff_format("title: x\n") == "yaml"
    assert sniff_format("- 1\n") == "yaml"
