"""Drawing variants: every bundled template's variants solve, meet their constraints, and repeat with the seed."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

from gradwork.generate import ConstraintsNotMet, draw, read_template
from gradwork.generate.constraints import CONSTRAINTS, SATURATION
from gradwork.problem import load, solve
from tests.sampling import sample

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))
# The suite draws this many per template (the first 20, or 60 under `make test-full`; GRADWORK_VARIANTS=N any
# number); `python benchmarks/generate_bench.py --variants 1000` runs the full 1,000.
COUNT = int(os.environ.get("GRADWORK_VARIANTS", sample(20, 60)))
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same objects as safe_load, read by libyaml


def _flat(value):
    return np.asarray(value, dtype=float).reshape(-1)


def _op_inputs(solution, *ops):
    from gradwork.tensor import topological_order

    root = solution.loss if solution.loss is not None else solution.output
    return [np.asarray(node.inputs[0].data, dtype=float) for node in topological_order(root)
            if node.op is not None and node.op.name in ops]


def _written_numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _written_numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _written_numbers(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_bundled_variants_solve_finitely_and_meet_every_constraint(path):
    template = read_template(path)
    assert template.constraints, "each bundled template asks for constraints"
    for k in range(COUNT):
        variant = draw(template, 2026, k)
        # The written problem file is a problem file on its own, and solves to the same numbers.
        reread = solve(load(variant.problem_text))
        floats = variant.candidate.float
        assert reread.title == variant.solution.title
        for section in ("values", "gradients", "updated"):
            for name, value in getattr(floats, section).items():
                assert np.all(np.isfinite(_flat(value))), (variant.id, section, name)
        assert np.isfinite(float(floats.loss_value))
        wanted = set(template.constraints)
        if "nice" in wanted:
            data = yaml.load(variant.problem_text, Loader=SAFE_LOADER)
            stated = [data.get(key) for key in ("input", "inputs", "target", "params")]
            stated += [layer.get(part) for layer in data.get("layers", []) for part in ("weights", "bias")]
            for number in _written_numbers(stated):
                assert round(number, 1) == number, (variant.id, number)
        if "no_saturation" in wanted:
            for op, bound in SATURATION.items():
                assert all(np.all(np.abs(x) <= bound) for x in _op_inputs(floats, op)), variant.id
        if "no_relu_at_zero" in wanted:
            assert all(np.all(x != 0) for x in _op_inputs(floats, "relu", "leaky_relu")), variant.id
        if "no_dead_relu" in wanted:
            assert all(np.any(x > 0) for x in _op_inputs(floats, "relu")), variant.id
        if "all_gradients_nonzero" in wanted:
            for name in floats.parameters or [n for n, t in floats.nodes.items() if t.op is None]:
                assert np.all(_flat(floats.gradients[name]) != 0), (variant.id, name)
        if "integer_results" in wanted:
            exact = variant.candidate.exact
            assert exact.mode == "exact"
            for section in (exact.values, exact.gradients, {"loss": exact.loss_value}):
                for value in section.values():
                    for number in np.asarray(value, dtype=object).reshape(-1):
                        assert Fraction(str(number)).denominator == 1, (variant.id, number)
        for name in template.constraints:  # and the registry agrees
            assert CONSTRAINTS[name][1](variant.candidate), (variant.id, name)


def test_the_same_seed_gives_the_same_variant_whatever_else_is_drawn():
    template = read_template(TEMPLATES[0])
    alone = draw(template, 5, 3)
    again = [draw(template, 5, k) for k in range(5)][3]
    assert alone.problem_text == again.problem_text and alone.answers == again.answers
    assert draw(template, 6, 3).problem_text != alone.problem_text
    assert "seed 5" in alone.problem_text and template.hash[:16] in alone.problem_text


def test_a_student_id_gives_the_same_variant_every_time():
    template = read_template(TEMPLATES[0])
    assert draw(template, 0, "s1234").problem_text == draw(template, 0, "s1234").problem_text
    assert draw(template, 0, "s1234").problem_text != draw(template, 0, "s1235").problem_text


def test_unmeetable_constraints_name_the_constraint_and_how_often_it_failed():
    text = """\
title: t
inputs: {a: {random: {low: 0.1, high: 0.3, step: 0.1}}, b: 3}
graph:
  L: a * b
output: L
constraints: [integer_results]
tries: 40
"""
    with pytest.raises(ConstraintsNotMet) as raised:
        draw(read_template(text), 0, 0)
    message = str(raised.value)
    assert message.startswith("<string>:6:1: no candidate for variant v001 met the constraints in 40 tries")
    assert "integer_results failed 40 times" in message


def test_a_bad_choice_is_reported_at_the_template_line():
    text = "title: t\ninputs: {a: 1}\ngraph:\n  L: {choice: [a * 2, 'a +']}\noutput: L\n"
    template = read_template(text)
    with pytest.raises(Exception) as raised:
        for k in range(20):
            draw(template, 0, k)
    assert str(raised.value).startswith("<string>:4:")
