"""Reading answers files: formats, element keys, transposed matrices, blanks, and one-line errors."""

from __future__ import annotations

import pytest

from gradwork.check import AnswersError, Tolerance, parse_answers, read_answers

YAML = """\
loss: 0.2225
values:    {output.a: 0.401}
gradients: {output.W: [0, 0.3208], "hidden.W[1,0]": -0.2005}
updated:   {hidden.W: {T: [[0.5, -0.4], [-0.597, 0.80401]]}, output.b: null}
tolerance: {rtol: 1e-3, atol: 1e-8}
"""


def test_yaml_with_element_keys_transposed_matrix_and_blank():
    answers = read_answers("student.yaml", YAML)
    keys = {a.key: a for a in answers.answers}
    assert list(keys) == ["loss", "values.output.a", "gradients.output.W", "gradients.hidden.W[1,0]",
                          "updated.hidden.W", "updated.output.b"]
    assert keys["gradients.hidden.W[1,0]"].index == (1, 0) and keys["gradients.hidden.W[1,0]"].name == "hidden.W"
    assert keys["updated.hidden.W"].value == [[0.5, -0.597], [-0.4, 0.80401]]
    assert keys["updated.output.b"].value is None
    assert answers.tolerance == Tolerance.relative(1e-3, 1e-8)  # 1e-3 is a number, although YAML 1.1 says string
    assert answers.student == "student"
    assert (keys["loss"].line, keys["loss"].column) == (1, 1)


def test_toml_and_json_read_the_same():
    toml = 'loss = 0.2225\n[values]\n"output.a" = 0.401\n[gradients]\n"hidden.W[1,0]" = -0.2005\n'
    json = '{"loss": 0.2225, "values": {"output.a": 0.401}, "gradients": {"hidden.W[1,0]": -0.2005}}'
    for name, text in (("a.toml", toml), ("a.json", json)):
        answers = read_answers(name, text)
        assert [(a.key, a.value) for a in answers.answers] == [
            ("loss", 0.2225), ("values.output.a", 0.401), ("gradients.hidden.W[1,0]", -0.2005)]


def test_parse_plain_dict():
    answers = parse_answers({"gradients": {"x": ["d0*x0", "d1*x0"]}})
    assert answers.answers[0].value == ["d0*x0", "d1*x0"]


@pytest.mark.parametrize(("text", "where", "words"), [
    ("loss: 0.5\nvalue: {a: 1}\n", "2:1", "unknown key 'value' (expected one of loss, values, gradients"),
    ("gradients:\n  \"W[1,x]\": 2\n", "2:3", "cannot read the element key 'W[1,x]'"),
    ("loss: [1, 2\n", "2:1", "malformed YAML"),
    ("values: {a: true}\n", "1:13", "True is not a number"),
    ("values: [1, 2]\n", "1:9", "values must be a mapping of names to answers"),
    ("tolerance: {sigfigs: 0}\n", "1:22", "sigfigs must be a whole number from 1 to 17"),
    ("values: {a: {b: 1}}\n", "1:13", "an answer cannot be a mapping"),
    ('gradients: {"W[0]": [1, 2]}\n', "1:21", "names one element but holds a list"),
])
def test_errors_are_one_line_with_position(text, where, words):
    with pytest.raises(AnswersError) as error:
        read_answers("bad.yaml", text)
    message = str(error.value)
    assert message.startswith(f"bad.yaml:{where}: "), message
    assert words in message
    assert "\n" not in message


def test_json_syntax_error_position():
    with pytest.raises(AnswersError) as error:
        read_answers("bad.json", '{"loss": 0.5,\n "values": }')
    assert str(error.value).startswith("bad.json:2:12: ")


def test_missing_file():
    with pytest.raises(AnswersError) as error:
        read_answers("/nonexistent/answers.yaml")
    assert str(error.value) == ("/nonexistent/answers.yaml:1:1: cannot read the file: No such file or directory "
                                "(expected a readable YAML, TOML or JSON answers file)")
