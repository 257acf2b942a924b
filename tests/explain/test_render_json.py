"""JSON: every step and formula as plain data that survives json.dumps / json.loads."""

from __future__ import annotations

import json
from fractions import Fraction

import sympy

from gradwork.explain.math import Array, Number, Relation, Symbol
from gradwork.explain.render import render, steps_to_json
from gradwork.explain.render.json import number_value
from gradwork.explain.steps import Derivation, Given, Section
from tests.explain.derivations import seed_002_chain, seed_004_delta


def test_steps_round_trip_through_json():
    for build in (seed_004_delta, seed_002_chain):
        steps = steps_to_json(build())
        assert json.loads(json.dumps(steps)) == steps
        assert json.loads(render(build(), "json")) == steps


def test_steps_are_typed_dicts_in_order():
    steps = steps_to_json(seed_004_delta())
    assert [s["type"] for s in steps[:5]] == ["prose", "given", "definition", "definition", "compute"]
    assert steps[4]["node"] == "layer1.z" and steps[4]["phase"] == "forward" and steps[4]["section"] == "Forward pass"
    assert steps[0]["phase"] == "setup"  # steps without their own phase take their section's
    result = steps[4]["result"]
    assert result["type"] == "array"
    assert result["rows"][0] == {"type": "number", "value": 5.0, "exact": False, "display": "5"}
    lhs = steps[4]["lhs"]
    assert lhs == {"type": "symbol", "base": "net", "layer": "1", "index": [], "one_based": True, "updated": False}


def test_chain_steps_keep_labels_and_paths():
    steps = {s["type"]: s for s in steps_to_json(seed_002_chain())}
    assert steps["chain_product"]["paths"] == [[1, 2, 4]] and steps["chain_product"]["reused"] == [1, 2]
    assert steps["factor"]["label"] == 4
    assert steps["update"]["frozen"] is True


def test_numbers_float_exact_and_symbolic():
    assert number_value(0.1) == 0.1
    assert number_value(Fraction(3, 8)) == "3/8"
    assert number_value(Fraction(4, 2)) == "2"  # as exact mode's results write it (solve, check): one form
    x = sympy.Symbol("x")
    assert number_value(x**2 / 2) == "x**2/2"
    assert number_value(float("nan")) == "nan"
    derivation = Derivation("exact", "matrix", "exact", (Section("Setup", "setup", (
        Given((Relation((Symbol("x"), Array((Number(Fraction(-1, 3)), Number(sympy.Rational(1, 2)))))),)),)),))
    rows = steps_to_json(derivation, digits=3)[0]["items"][0]["sides"][1]["rows"]
    assert rows == [{"type": "number", "value": "-1/3", "exact": False, "display": "−1/3"},
                    {"type": "number", "value": "1/2", "exact": False, "display": "1/2"}]
