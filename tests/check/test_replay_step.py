"""A replay's optimizer step (gradwork.check.replay_step): plain SGD's shortcut gives gradwork.nn's SGD.step's
numbers, bit for bit, for every parameter of the example problems, with a learning rate changed and a parameter
frozen by a mistake, in float and exact arithmetic; what the shortcut needs of a graph is read once."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from gradwork.check.replay import Graph, Perturbation, replay
from gradwork.check.replay_step import exact_sgd, sgd_plan, step
from gradwork.nn import make_optimizer
from gradwork.problem import load, solve
from gradwork.tensor import Tensor

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["seed002_exam4a_row.yaml", "seed002_exam4a_column.yaml", "seed000_exercise6_1.yaml",
            "mazur_step_by_step.yaml"]  # (plain SGD each; seed001's has no optimizer)


def _optimizers_step(graph: Graph, grads: list, perturbation: Perturbation) -> dict[int, np.ndarray]:
    """SGD.step itself, one optimizer per learning rate, on copies of the parameters."""
    info = graph.solution.optimizer
    frozen = set(graph.solution.frozen) | set(perturbation.frozen)
    out: dict[int, np.ndarray] = {}
    for name, i in graph.params.items():
        tensor = Tensor(graph.nodes[i].data.copy(), backend=graph.backend, name=name)
        tensor.grad = None if grads[i] is None else np.asarray(grads[i])
        lr = perturbation.learning_rates.get(name, info.lr)
        make_optimizer([tensor], info.name, frozen=frozen, lr=lr, **info.options).step()
        out[i] = tensor.data
    return out


def _bits(a: np.ndarray, b: np.ndarray) -> None:
    assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == object:
        assert all(type(x) is type(y) and x == y for x, y in zip(a.ravel(), b.ravel()))
    else:
        assert np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("name", EXAMPLES)
def test_plain_sgd_is_sgd_step_bit_for_bit(name):
    path = ROOT / "examples" / name
    if not path.exists():
        pytest.skip(f"{name} is not among the examples")
    graph = Graph(solve(load(path)))
    assert sgd_plan(graph) is not None
    clean = replay(graph, update=False)
    first = next(iter(graph.params))
    for perturbation in (Perturbation(), Perturbation(learning_rates={first: 0.5}),
                         Perturbation(frozen=frozenset({first}))):
        ours, stepper = step(graph, graph.leaves, clean.grads, perturbation, None)
        assert stepper is None
        theirs = _optimizers_step(graph, clean.grads, perturbation)
        assert ours.keys() == theirs.keys()
        for i in ours:
            _bits(ours[i], theirs[i])
            assert ours[i] is not graph.nodes[i].data  # a copy: the problem's numbers are never changed


def test_the_plan_is_read_once_and_only_for_plain_sgd():
    assert sgd_plan(Graph(solve(load(ROOT / "examples" / "seed001_exercise3_skip.yaml")))) is None  # no optimizer
    solution = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    graph = Graph(solution)
    plan = sgd_plan(graph)
    assert plan is not None and sgd_plan(graph) is plan
    assert [name for name, _ in plan[0]] == list(graph.params) and plan[2] == solution.optimizer.lr
    momentum = replace(solution, optimizer=replace(solution.optimizer, name="momentum", options={"momentum": 0.9}))
    assert sgd_plan(Graph(momentum)) is None


def test_other_optimizers_step_with_the_engines_optimizer_and_keep_it():
    solution = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    momentum = replace(solution, optimizer=replace(solution.optimizer, name="momentum", options={"momentum": 0.9}))
    graph = Graph(momentum)
    clean = replay(graph, update=False)
    ours, stepper = step(graph, graph.leaves, clean.grads, Perturbation(), None)
    assert stepper is not None
    theirs = _optimizers_step(graph, clean.grads, Perturbation())
    for i in ours:
        _bits(ours[i], theirs[i])
    again, kept = step(graph, graph.leaves, clean.grads, Perturbation(), stepper)
    assert kept is stepper


def test_the_exact_step_is_one_fraction_per_element():
    theta = np.array([Fraction(1, 3), Fraction(-2)], dtype=object)
    g = np.array([Fraction(3, 4), Fraction(5, 7)], dtype=object)
    lr = Fraction(1, 10)
    stepped = exact_sgd(theta, lr, g)
    assert list(stepped) == list(theta - lr * g) and all(type(x) is Fraction for x in stepped)
    assert exact_sgd(np.array(Fraction(1, 2), dtype=object), lr, np.array(Fraction(1), dtype=object)) == \
        Fraction(1, 2) - lr
    assert exact_sgd(theta, 0.1, g) is None  # not a Fraction rate: the general expression runs
    assert exact_sgd(np.array([1, 2], dtype=object), lr, g) is None


@pytest.mark.parametrize("template", ["seed002_exam4a.yaml", "seed004_hw1.yaml"])
def test_updates_kept_from_the_correct_solve_are_the_updates_worked_out(template):
    # Every mistake model's replay, with the correct solve's updates kept where a gradient is the same: the same
    # numbers (and types, in exact mode) as the replay that works every update out; never the kept array itself.
    from gradwork.check.mistakes import variants_for
    from gradwork.check.replay import ReplayError
    from gradwork.generate.build import draw
    from gradwork.generate.template import read_template

    solution = draw(read_template(ROOT / "examples" / "templates" / template), 0, 2).solution
    graph = Graph(solution)
    clean = replay(graph)
    kept = 0
    for variant in variants_for(graph):
        if variant.perturbation is None:
            continue
        try:
            ours = replay(graph, variant.perturbation, forward_of=clean, backward_of=clean, update_of=clean)
        except ReplayError:
            continue
        theirs = replay(graph, variant.perturbation)
        assert ours.updated.keys() == theirs.updated.keys()
        for i in ours.updated:
            _bits(np.asarray(ours.updated[i]), np.asarray(theirs.updated[i]))
            assert ours.updated[i] is not clean.updated[i]
            kept += bool(ours.carried_grads[i] is clean.carried_grads[i] or
                         np.array_equal(ours.carried_grads[i], clean.carried_grads[i]))
    assert kept  # some parameter's gradient is the correct one under some mistake


def test_a_changed_rate_or_gradient_is_stepped_again():
    graph = Graph(solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml")))
    clean = replay(graph)
    w = graph.params["output.W"]
    grads = list(clean.carried_grads)
    out, _ = step(graph, graph.leaves, grads, Perturbation(learning_rates={"output.W": 1.0}), None, clean)
    _bits(out[w], graph.nodes[w].data - 1.0 * clean.carried_grads[w])
    grads[w] = clean.carried_grads[w] * 2
    out, _ = step(graph, graph.leaves, grads, Perturbation(), None, clean)
    _bits(out[w], graph.nodes[w].data - graph.solution.optimizer.lr * grads[w])
    b = graph.params["output.b"]
    _bits(np.asarray(out[b]), np.asarray(clean.updated[b]))
