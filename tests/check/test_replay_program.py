"""check's replays on the graph's compiled program (gradwork.nn.program) equal the engine's replays.

Every example problem whose graph compiles is replayed with every mistake
model's perturbation, and with a student's numbers put in at each named
value and gradient, once on the program and once on the engine (a second
Graph with ``program = None``); every value, gradient and update must agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradwork.check.mistakes import variants_for
from gradwork.check.replay import NOTHING, Graph, Place, ReplayError, Substitutions, replay
from gradwork.problem import load, solve
from tests.close import assert_close

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["seed002_exam4a_row.yaml", "seed002_exam4a_column.yaml", "seed000_exercise6_1.yaml",
            "seed001_exercise3_skip.yaml", "seed003_7_1_network.yaml", "seed003_7_2_graph.yaml",
            "mazur_step_by_step.yaml", "cs231n_neuron.yaml", "cs231n_max_gate.yaml", "cs231n_staged.yaml"]


def _same(a, b):
    if a is None or b is None:
        assert a is b
        return
    assert_close(a, b, rtol=1e-10, atol=1e-12)


def _states(graphs, *args):
    out = []
    for graph in graphs:
        try:
            out.append(replay(graph, *args))
        except ReplayError as error:
            out.append(type(error))
    return out


def _compare(compiled, engine):
    if not hasattr(compiled, "values") or not hasattr(engine, "values"):
        assert compiled == engine
        return
    for a, b in zip(compiled.values, engine.values):
        _same(a, b)
    for a, b in zip(compiled.grads, engine.grads):
        _same(a, b)
    for a, b in zip(compiled.carried, engine.carried):
        _same(a, b)
    assert compiled.updated.keys() == engine.updated.keys()
    for key in compiled.updated:
        _same(compiled.updated[key], engine.updated[key])


@pytest.mark.parametrize("name", EXAMPLES)
def test_replays_on_the_program_equal_the_engines(name):
    path = ROOT / "examples" / name
    if not path.exists():
        pytest.skip(f"{name} is not among the examples")
    solution = solve(load(path))
    compiled, engine = Graph(solution), Graph(solution)
    engine.program = None
    assert compiled.program is not None
    _compare(*_states([compiled, engine]))
    for variant in variants_for(compiled):
        if variant.perturbation is not None:
            _compare(*_states([compiled, engine], variant.perturbation))
    # A student's own number put in at each named value and gradient (what carried-forward marking replays).
    rng = np.random.default_rng(5)
    clean = replay(engine)
    for i in compiled.names.values():
        for kind in ("value", "grad"):
            natural = clean.read(Place(kind, i))
            if natural is None:
                continue
            subs = Substitutions()
            subs.add(Place(kind, i), None, np.asarray(natural) * (1 + rng.normal(scale=0.1, size=np.shape(natural))))
            _compare(*_states([compiled, engine], NOTHING, subs))


@pytest.mark.parametrize("name", ["seed002_exam4a_row.yaml", "seed002_exam4a_column.yaml", "mazur_step_by_step.yaml"])
def test_the_replayed_sgd_step_is_the_solves_own(name):
    # Plain SGD is replayed without building optimizers: the updates equal the solve's, as arrays (0-d ones too).
    solution = solve(load(ROOT / "examples" / name))
    graph = Graph(solution)
    state = replay(graph)
    assert state.updated
    for parameter, i in graph.params.items():
        assert type(state.updated[i]) is np.ndarray
        _same(state.updated[i].reshape(np.shape(solution.updated[parameter])), solution.updated[parameter])


def _identical(a, b):
    """The same numbers of the same types (exact mode: Fractions), arrays or not."""
    if isinstance(a, type) or isinstance(b, type) or a is None or b is None:
        assert a is b
        return
    assert type(a) is type(b) and np.shape(a) == np.shape(b)
    for x, y in zip(np.asarray(a, dtype=object).flat, np.asarray(b, dtype=object).flat):
        assert type(x) is type(y) and x == y, (a, b)


@pytest.mark.parametrize("k", range(3))
def test_exact_replays_on_the_program_and_the_sgd_step_equal_the_engines(k, monkeypatch):
    # Exact mode: the program computes over ints and Fractions, and plain SGD makes each update one Fraction;
    # every value, gradient and update must be the engine's (general NumPy object arithmetic), type for type.
    import gradwork.check.replay_step as replay_step
    from gradwork.generate.build import draw
    from gradwork.generate.template import read_template

    solution = draw(read_template(ROOT / "examples" / "templates" / "seed004_hw1.yaml"), 0, k).solution
    compiled, engine = Graph(solution), Graph(solution)
    engine.program = None
    assert compiled.program is not None and compiled.program.exact
    cases: list[tuple] = [(NOTHING,)]
    cases += [(v.perturbation,) for v in variants_for(compiled) if v.perturbation is not None]
    clean = replay(engine)
    for i in compiled.names.values():
        for kind in ("value", "grad"):
            natural = clean.read(Place(kind, i))
            if natural is not None:
                subs = Substitutions()
                subs.add(Place(kind, i), None, natural * 2 - 1)
                cases.append((NOTHING, subs))
    ours = [_states([compiled], *case)[0] for case in cases]
    monkeypatch.setattr(replay_step, "exact_sgd", lambda theta, lr, g: None)
    theirs = [_states([engine], *case)[0] for case in cases]
    for a, b in zip(ours, theirs):
        if isinstance(a, type) or isinstance(b, type):
            assert a is b
            continue
        for x, y in zip(a.values + a.grads + a.carried, b.values + b.grads + b.carried):
            _identical(x, y)
        assert a.updated.keys() == b.updated.keys()
        for key in a.updated:
            _identical(a.updated[key], b.updated[key])
