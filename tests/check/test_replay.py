"""Replaying a solved graph: it reproduces the solve, and puts numbers and mistakes in where asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradwork.check.replay import Graph, Perturbation, Place, Substitutions, replay
from gradwork.problem import load, solve
from tests.check import fixtures

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "examples").glob("*")
                  if p.suffix in (".yaml", ".toml", ".json") and not p.name.startswith("train_"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_replay_without_changes_reproduces_every_example(path):
    solution = solve(load(path))
    graph = Graph(solution)
    state = replay(graph)
    for name, i in graph.names.items():
        for section, place in (("values", Place("value", i)), ("gradients", Place("grad", i))):
            if name in getattr(solution, section) and solution.mode == "float":
                np.testing.assert_allclose(np.reshape(state.read(place), -1),
                                           np.reshape(np.asarray(getattr(solution, section)[name], dtype=float), -1),
                                           rtol=1e-12, atol=1e-15)
    for name, i in graph.params.items():
        if name in solution.updated and solution.mode == "float":
            np.testing.assert_allclose(np.reshape(state.read(Place("updated", i)), -1),
                                       np.reshape(np.asarray(solution.updated[name], dtype=float), -1), rtol=1e-12)


def test_a_substituted_value_feeds_what_follows_but_keeps_its_own_natural_value():
    graph = Graph(fixtures.seed_002())
    z = graph.names["hidden.z"]
    subs = Substitutions()
    subs.add(Place("value", z), None, np.array([-0.1, 0.9]))
    state = replay(graph, substitutions=subs)
    np.testing.assert_allclose(state.read(Place("value", z)), [-0.1, 0.8])  # computed before the substitution
    a3 = 1 / (1 + np.exp(-(0.9 * -0.5)))  # by hand from the substituted z: a = [0, 0.9]
    np.testing.assert_allclose(state.read(Place("value", graph.names["output.a"])), a3, rtol=1e-12)
    np.testing.assert_allclose(state.read(Place("grad", graph.names["output.W"])), [0.0, a3 * 0.9], rtol=1e-12)


def test_one_element_and_masked_substitutions():
    graph = Graph(fixtures.seed_002())
    w = graph.params["output.W"]
    subs = Substitutions()
    subs.add(Place("grad", w), (1,), np.array(1.0))
    state = replay(graph, substitutions=subs)
    np.testing.assert_allclose(state.read(Place("updated", w)), [0.3, -0.5 - 0.01 * 1.0])
    assert Substitutions().apply(Place("grad", w), np.array([1.0, 2.0])).tolist() == [1.0, 2.0]
    masked = Substitutions()
    masked.add(Place("grad", w), np.array([True, False]), np.array([7.0, 8.0]))
    assert masked.apply(Place("grad", w), np.array([1.0, 2.0])).tolist() == [7.0, 2.0]


def test_perturbations_change_the_computation():
    graph = Graph(fixtures.seed_002())
    state = replay(graph)
    w2 = graph.params["output.W"]
    halved = replay(graph, Perturbation(grad_transforms={graph.names["output.z"]: lambda bk, g: g / 2}))
    np.testing.assert_allclose(halved.read(Place("grad", w2)), state.read(Place("grad", w2)) / 2)
    unfrozen = replay(graph, Perturbation(frozen=frozenset({"output.b"}), learning_rates={"output.W": 1.0}))
    assert unfrozen.read(Place("updated", graph.params["output.b"])) == 0.0
    np.testing.assert_allclose(unfrozen.read(Place("updated", w2)), [0.3, -0.5] - state.read(Place("grad", w2)))


def test_reachability_stops_at_numbers_given_in_full():
    graph = Graph(fixtures.seed_002())
    update = Place("updated", graph.params["hidden.W"])
    grad = Place("grad", graph.params["hidden.W"])
    output_delta = Place("grad", graph.names["output.z"])
    assert output_delta in graph.reachable(update, frozenset())
    assert output_delta not in graph.reachable(update, frozenset({grad}))
    assert graph.depends(update, Place("value", graph.names["hidden.z"]))


def test_replays_share_the_problems_leaves_and_never_change_them():
    graph = Graph(fixtures.seed_002())
    leaves = graph.leaves
    before = {i: a.copy() for i, a in leaves.items()}
    w1 = graph.params["hidden.W"]
    assert graph.leaves is leaves and graph.leaf_list[w1] is leaves[w1]
    misread = replay(graph, Perturbation(data={w1: leaves[w1] * 2}))  # a copy of the leaves with W1 put in
    plain = replay(graph)
    assert graph.leaves is leaves and all(np.array_equal(leaves[i], before[i]) for i in leaves)
    assert not np.array_equal(misread.read(Place("value", graph.names["hidden.z"])),
                              plain.read(Place("value", graph.names["hidden.z"])))
    again = replay(graph)  # the same numbers on a second replay (the program's seed is made once per graph)
    for i in range(len(graph.nodes)):
        for kind in ("value", "grad"):
            a, b = plain.read(Place(kind, i)), again.read(Place(kind, i))
            assert (a is None and b is None) or np.array_equal(a, b)


def test_backpropagating_through_updated_weights_keeps_the_natural_forward_values():
    graph = Graph(fixtures.seed_002())
    plain = replay(graph)
    through = replay(graph, Perturbation(backward_with_updated=True))
    w1 = graph.params["hidden.W"]
    # The natural values are the forward pass's; the updated weights only flow into the second backward pass.
    assert np.array_equal(through.read(Place("value", w1)), plain.read(Place("value", w1)))
    assert through.carried is not None and not np.array_equal(through.carried[w1], plain.read(Place("value", w1)))
