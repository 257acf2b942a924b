"""Reading templates: random parts, choices, the template's own keys, and located one-line errors."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from gradwork.generate.sample import candidates, rng_for
from gradwork.generate.template import ChoiceSpec, RandomSpec, read_template
from gradwork.documents.errors import ProblemError

BASE = """\
title: t
convention: row
input: [1.0, 2.0]
target: 0
layers:
  - weights: {random: {shape: [2, 2], low: -1, high: 1, step: 0.1}}
    activation: {choice: [relu, sigmoid, tanh]}
loss: half_sse
"""


def test_random_and_choice_parts_are_found_with_their_paths():
    template = read_template(BASE)
    random, choice = template.specs
    assert isinstance(random, RandomSpec) and random.path == ("layers", 0, "weights")
    assert random.shape == (2, 2) and random.count == 21 and random.low == Decimal("-1")
    assert isinstance(choice, ChoiceSpec) and choice.options == ("relu", "sigmoid", "tanh")
    assert template.constraints == () and template.tries == 1000


def test_drawn_numbers_lie_on_the_grid_and_in_range():
    template = read_template(BASE)
    drawn = list(candidates(template, rng_for(3, 0), 200))
    weights = np.array([[[float(x) for x in row] for row in d[("layers", 0, "weights")]] for d in drawn])
    assert weights.min() >= -1 and weights.max() <= 1
    assert np.allclose(weights * 10, np.round(weights * 10))
    assert {d[("layers", 0, "activation")] for d in drawn} == {"relu", "sigmoid", "tanh"}


def test_nonzero_leaves_zero_out_and_integer_grids_give_ints():
    template = read_template(BASE.replace("low: -1, high: 1, step: 0.1", "low: -2, high: 2, step: 1, nonzero: true"))
    values = [x for d in candidates(template, rng_for(0, 0), 300) for row in d[("layers", 0, "weights")] for x in row]
    assert set(values) == {-2, -1, 1, 2} and all(type(x) is int for x in values)


def test_the_same_seed_and_key_draw_the_same_numbers():
    template = read_template(BASE)
    first = list(candidates(template, rng_for(7, 4), 20))
    assert first == list(candidates(template, rng_for(7, 4), 20))
    assert first != list(candidates(template, rng_for(7, 5), 20))
    assert list(candidates(template, rng_for(7, "s123"), 5)) == list(candidates(template, rng_for(7, "s123"), 5))


@pytest.mark.parametrize("change, where, words", [
    ("step: 0.1}", "6:70", "not a whole number of steps"),
    ("high: 1", "6:58", "below low"),
    ("shape: [2, 2]", "6:38", "shape must be"),
    ("step: 0.1}", "6:35", "unknown key 'colour'"),
])
def test_bad_random_parts_are_reported_at_their_line_and_column(change, where, words):
    replacement = {"6:70": "step: 0.3}", "6:58": "high: -2", "6:38": "shape: [2, 0]",
                   "6:35": "step: 0.1, colour: red}"}[where]
    with pytest.raises(ProblemError) as raised:
        read_template(BASE.replace(change, replacement))
    message = str(raised.value)
    assert message.startswith("<string>:6:") and words in message and "\n" not in message


def test_unknown_constraint_is_named_with_the_known_ones():
    with pytest.raises(ProblemError) as raised:
        read_template(BASE + "constraints: [nice, pretty]\n")
    assert str(raised.value).startswith("<string>:9:21: unknown constraint 'pretty'")
    assert "integer_results" in str(raised.value)


def test_empty_choice_is_an_error():
    with pytest.raises(ProblemError, match="choice needs a non-empty list"):
        read_template(BASE.replace("[relu, sigmoid, tanh]", "[]"))


def test_template_keys_do_not_reach_the_problem_body():
    template = read_template(BASE + "constraints: [nice]\ntries: 5\nexpect: []\n")
    assert set(template.body) == {"title", "convention", "input", "target", "layers", "loss"}
    assert template.tries == 5 and len(template.hash) == 64


def test_a_number_drawn_twice_is_written_twice_not_as_a_yaml_alias():
    from gradwork.generate import draw

    text = ("title: t\ninputs: {a: {random: {shape: [3], low: 0.5, high: 0.5}}, b: {random: {low: 0.5, high: 0.5}}}\n"
            "graph:\n  L: sum(a) * b\noutput: L\n")
    variant = draw(read_template(text), 0, 0)
    assert "a: [0.5, 0.5, 0.5]" in variant.problem_text and "b: 0.5" in variant.problem_text
    assert "&id" not in variant.problem_text and "*id" not in variant.problem_text


def test_grid_points_are_looked_up_on_a_small_grid_and_computed_on_a_large_one():
    from gradwork.generate.template import GRID_KEPT

    small = read_template("x: {random: {shape: [2, 2], low: -1, high: 1, step: 0.1}}\n").specs[0]
    large = read_template(f"x: {{random: {{shape: [2], low: 0, high: {GRID_KEPT}, step: 0.5}}}}\n").specs[0]
    assert small.grid is not None and large.grid is None
    for spec in (small, large):
        indices = np.array([0, 1, spec.count // 2, spec.count - 1])
        drawn = spec.values(indices.reshape(spec.shape) if spec.shape == (2, 2) else indices[:2])
        expected = [spec.number(int(k)) for k in (indices if spec.shape == (2, 2) else indices[:2])]
        flat = [x for row in drawn for x in row] if spec.shape == (2, 2) else drawn
        assert flat == expected and [str(x) for x in flat] == [str(x) for x in expected]
