"""Mistake models made once per form (``@mistake(..., per_form=True)``, gradwork.check.mistakes.registry): every
problem of a form gets the same variants as its own graph would make (every field, the places they change, the
numbers their replays give), problems of another form (names, ops, shapes, notation, learning rate) get their
own, and the models that read a problem's numbers are still made per problem."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gradwork.check.mistakes import MISTAKES, variants_for
from gradwork.check.mistakes import registry
from gradwork.check.replay import Graph, ReplayError, replay
from gradwork.generate.build import draw
from gradwork.generate.template import read_template
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))
EXAMPLES = ["seed002_exam4a_row.yaml", "seed002_exam4a_column.yaml", "seed000_exercise6_1.yaml",
            "seed001_exercise3_skip.yaml", "seed003_7_1_network.yaml", "seed003_7_2_graph.yaml",
            "mazur_step_by_step.yaml", "cs231n_staged.yaml"]


def _fresh(graph: Graph) -> list:
    """Every model's variants made from this graph alone (no sharing)."""
    return [variant for model in MISTAKES.values() for variant in model.variants(graph)]


def _fields(variant) -> tuple:
    return (variant.code, variant.site, variant.note, variant.rule, variant.reveals, variant.generic,
            variant.again_only, variant.combines, variant.observe is None, variant.perturbation is None)


def _numbers(graph: Graph, variant):
    if variant.perturbation is None:
        return None
    try:
        state = replay(graph, variant.perturbation)
    except ReplayError:
        return "cannot"
    return [repr(np.asarray(x, dtype=object).tolist()) if x is not None else None  # (repr: NaN equals NaN)
            for x in (*state.values, *state.grads, *(state.updated[i] for i in sorted(state.updated)))]


def _same(graph: Graph) -> None:
    shared, fresh = variants_for(graph), _fresh(graph)
    assert [_fields(v) for v in shared] == [_fields(v) for v in fresh]
    for a, b in zip(shared, fresh):
        if a.perturbation is not None:
            assert a.perturbation.places(graph) == b.perturbation.places(graph)
            assert _numbers(graph, a) == _numbers(graph, b), a.note


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_every_variant_of_a_template_gets_its_own_graphs_variants(template):
    parsed = read_template(template)
    graphs = [Graph(draw(parsed, 3, k).solution) for k in range(3)]
    for graph in graphs:
        _same(graph)
    # the per-form models' variants are the same objects for every variant of the template
    per_form = [[v for v in variants_for(g) if MISTAKES[v.code].per_form] for g in graphs]
    assert all(a is b for a, b in zip(per_form[0], per_form[1]))
    # a model that reads numbers is made per problem
    numbers = [[v for v in variants_for(g) if not MISTAKES[v.code].per_form and v.perturbation is not None]
               for g in graphs]
    assert all(a is not b for a, b in zip(numbers[0], numbers[1]))


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_gets_its_own_graphs_variants(name):
    path = ROOT / "examples" / name
    if not path.exists():
        pytest.skip(f"{name} is not among the examples")
    _same(Graph(solve(load(path))))


def test_another_form_gets_its_own_variants():
    solution = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    first = variants_for(Graph(solution))
    # the same network with another learning rate: update_sign's perturbation holds the rate
    faster = replace(solution, optimizer=replace(solution.optimizer, lr=0.5))
    faster.__dict__.pop("_notation", None)
    graph = Graph(faster)
    _same(graph)
    signs = [v for v in variants_for(graph) if v.code == "update_sign"]
    assert signs and all(v.perturbation.learning_rates == {v.site: -0.5} for v in signs)
    assert not any(a is b for a in first for b in variants_for(graph))
    column = Graph(solve(load(ROOT / "examples" / "seed002_exam4a_column.yaml")))
    _same(column)
    assert registry.structure_key(column)[0] != registry.structure_key(Graph(solution))[0]


def test_the_kept_forms_are_bounded(monkeypatch):
    monkeypatch.setattr(registry, "_FORMS", {})
    monkeypatch.setattr(registry, "MAX_FORMS", 2)
    for name in EXAMPLES[:4]:
        variants_for(Graph(solve(load(ROOT / "examples" / name))))
        assert len(registry._FORMS) <= 2
