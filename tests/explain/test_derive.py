"""Derivations as data: the right steps, in order, with the engine's numbers.

Expected numbers are worked by hand (seed 004 integers, seed 003 7.2) or are
the seed 002 figures of the issue, not read back from the engine.
"""

from __future__ import annotations

import math

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.math import Number, Relation
from gradwork.explain.steps import ChainProduct, Compute, Factor, Fork, Pitfall, Update
from tests.explain.fixtures import seed_002, seed_003_72, seed_004


def _section(derivation, title):
    return next(s for s in derivation.sections if s.title == title)


def _value(expr):
    assert isinstance(expr, Number)
    return float(expr.value)


def test_sections_come_in_teaching_order():
    titles = [s.title for s in derive(seed_002(), "chain").sections]
    assert titles == ["Setup", "Forward pass", "Loss", "Backward pass", "Update", "Summary", "Watch out"]


def test_chain_style_numbers_factors_once_like_seed_002():
    backward = _section(derive(seed_002(), "chain"), "Backward pass").steps
    factors = [s for s in backward if isinstance(s, Factor)]
    products = {s.node: s for s in backward if isinstance(s, ChainProduct)}
    # (1) dJ/da3 = (a3 - y)/(a3(1 - a3)) = 1.670, (2) da3/dz3 = a3(1 - a3) = 0.2403
    assert _value(factors[0].value) == pytest.approx(1.6703200460, rel=1e-9)
    assert _value(factors[1].value) == pytest.approx(0.2402607457, rel=1e-9)
    assert [f.label for f in factors] == list(range(1, len(factors) + 1))
    w6 = products["output.W[1]"]
    assert w6.paths == ((1, 2, 4),) and w6.reused == (1, 2)
    assert _value(w6.value) == pytest.approx(0.3210498719, rel=1e-9)
    assert _value(products["hidden.W[0,1]"].value) == pytest.approx(-0.2006561699, rel=1e-9)
    assert _value(products["hidden.W[0,0]"].value) == 0.0
    assert products["hidden.W[0,0]"].note == "One factor is 0, so the whole product is 0."


def test_delta_style_gives_seed_004_deltas():
    backward = _section(derive(seed_004(), "delta"), "Backward pass").steps
    deltas = {s.node: s for s in backward if isinstance(s, Compute) and s.node.endswith(".z")}
    assert [_value(r.sides[-1]) for r in deltas["layer2.z"].parts] == [4.0]
    assert [_value(r.sides[-1]) for r in deltas["layer1.z"].parts] == [-80.0, 56.0]
    grads = {s.node: s for s in backward if isinstance(s, Compute) and s.node.endswith(".W")}
    assert [_value(r.sides[-1]) for r in grads["layer1.W"].parts] == [-160.0, -240.0, 112.0, 168.0]
    assert [_value(r.sides[-1]) for r in grads["layer2.W"].parts] == [100.0, 196.0]


def test_forward_pass_expands_units_with_numbers():
    forward = _section(derive(seed_004(), "delta"), "Forward pass").steps
    z1 = next(s for s in forward if s.node == "layer1.z")
    assert [_value(r.sides[-1]) for r in z1.parts] == [5.0, 7.0]
    a1 = next(s for s in forward if s.node == "layer1.a")
    assert [_value(r.sides[-1]) for r in a1.parts] == [25.0, 49.0]


def test_update_step_for_every_parameter():
    updates = [s for s in _section(derive(seed_004(), "delta"), "Update").steps if isinstance(s, Update)]
    assert [u.node for u in updates] == ["layer1.W", "layer2.W"]
    assert isinstance(updates[1].relation, Relation)
    new = updates[1].relation.sides[-1]
    assert [_value(v) for v in new.rows] == pytest.approx([-3.0, -0.96])


def test_graph_form_chain_for_homework_72():
    backward = _section(derive(seed_003_72(), "chain"), "Backward pass").steps
    products = {s.node: s for s in backward if isinstance(s, ChainProduct)}
    assert {k: _value(v.value) for k, v in products.items()} == {"a": 3.0, "b": 3.0, "c": -9.0, "d": 9.0}
    # dL/da = dL/dz · dz/de · de/da: three factors, the first two reused for b
    assert len(products["a"].paths[0]) == 3 and products["b"].reused == products["a"].paths[0][:2]


def test_matrix_style_shows_node_gradients_and_fork():
    backward = _section(derive(seed_003_72(), "matrix"), "Backward pass").steps
    computes = {s.node: _value(s.result) for s in backward if isinstance(s, Compute)}
    assert computes == {"z": -3.0, "f": -9.0, "e": 3.0, "d": 9.0, "c": -9.0, "b": 3.0, "a": 3.0}
    assert not any(isinstance(s, Fork) for s in backward)


def test_pitfalls_only_where_they_apply():
    codes = {p.code for p in derive(seed_002(), "chain").steps() if isinstance(p, Pitfall)}
    assert {"sigmoid_bce", "log_base_10", "bias_not_updated"} <= codes
    assert "softmax_diagonal_jacobian" not in codes
    codes_004 = {p.code for p in derive(seed_004(), "delta").steps() if isinstance(p, Pitfall)}
    assert codes_004 == {"factor_half"}


def test_pitfall_sentences_are_the_ops_own_from_the_registry():
    # One place for each op's pitfall: the explanation prints the registry's sentence, typeset.
    from gradwork.explain.wording import typeset
    from gradwork.ops import get_op

    texts = {p.code: p.text for p in derive(seed_002(), "chain").steps() if isinstance(p, Pitfall)}
    assert texts["sigmoid_bce"] == typeset(get_op("sigmoid_bce").pitfall)
    assert texts["log_base_10"] == typeset(get_op("log").pitfall)
    # in words: a pitfall names no symbol, so it never says y for the output where the problem's y is the target
    assert "output minus the target" in texts["sigmoid_bce"] and "≈ 2.303" in texts["log_base_10"]
    half = [p.text for p in derive(seed_004(), "delta").steps() if isinstance(p, Pitfall)]
    assert half == [typeset(get_op("half_sse").pitfall)]
    assert half[0] == ("The ½ in front of the squared error is there to cancel the 2 of the square: "
                       "the derivative has no second ½.")


def test_relu_at_zero_pitfall_names_the_convention_used():
    from gradwork.problem import load, solve

    problem = load("input: [1, 0]\ntarget: [1]\nloss: half_sse\nlayers:\n"
                   "  - {name: hidden, weights: [[1, 0], [0, 1]], activation: relu}\n"
                   "  - {name: output, weights: [[1, 1]]}\n")
    steps = derive(solve(problem), "chain").steps()
    pitfalls = [p for p in steps if isinstance(p, Pitfall) and p.code == "relu_at_zero"]
    assert len(pitfalls) == 1
    assert pitfalls[0].text.startswith("A ReLU input is exactly 0. ReLU has no derivative at exactly 0")
    assert pitfalls[0].text.endswith("Here it is 0.")


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown style"):
        derive(seed_002(), "diagonal")


def test_formula_loss_factor_is_derived_by_the_engine():
    import gradwork
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    derivation = gradwork.load(root / "examples/seed003_7_1_network.yaml").solve().derivation("chain")
    first = next(s for s in _section(derivation, "Backward pass").steps if isinstance(s, Factor))
    # L = -(ln y1 + ln(1 - y2)) / 2, so dL/dy1 = -1/(2 y1), written in the problem's symbols (y1 is a⁽²⁾₁)
    from gradwork.explain.render.text import TextPrinter

    assert TextPrinter().doprint(first.formula) == "−(1 / (2·a⁽²⁾₁))"
    y1 = 1 / (1 + math.exp(-(0.7 * 0.23 + 0.2 * 0.4 + 0.1 * 0.57 + 0.1)))
    assert _value(first.value) == pytest.approx(-1 / (2 * y1), rel=1e-9)
