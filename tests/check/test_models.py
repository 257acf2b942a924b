"""check's mistake models of one problem (gradwork.check.models.Models): a replay that changes nothing (no
perturbation, every number put in the correct solve's own, bit for bit) is the correct solve itself, and any other
replay is computed; ``identical`` tells the same numbers bit for bit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from gradwork.check.models import Models, identical
from gradwork.check.replay import NOTHING, Perturbation, Place, Substitutions, replay
from tests.check import fixtures


def _state_numbers(state) -> list:
    return [repr(np.asarray(x).tolist()) if x is not None else None
            for x in (*state.values, *state.grads, *(state.updated[i] for i in sorted(state.updated)),
                      *state.carried)]


def test_the_correct_numbers_put_in_give_the_correct_solve():
    models = Models(fixtures.seed_002())
    graph, clean = models.graph, models.clean
    subs = Substitutions()
    for i in graph.names.values():
        for kind in ("value", "grad"):
            natural = clean.read(Place(kind, i))
            if natural is not None:
                subs.add(Place(kind, i), None, natural.copy())
    w = graph.params["output.W"]
    subs.add(Place("updated", w), (0,), clean.read(Place("updated", w))[0].copy())
    assert models.replay(NOTHING, subs) is clean
    assert _state_numbers(replay(graph, NOTHING, subs)) == _state_numbers(clean)  # what the replay would give


def test_any_change_is_replayed():
    models = Models(fixtures.seed_002())
    graph, clean = models.graph, models.clean
    z = graph.names["hidden.z"]
    nudged = Substitutions()
    nudged.add(Place("value", z), None, np.nextafter(clean.read(Place("value", z)), 1.0))
    state = models.replay(NOTHING, nudged)
    assert state is not clean and _state_numbers(state) == _state_numbers(replay(graph, NOTHING, nudged))
    signed = Substitutions()  # -0.0 for 0.0 is another number to a replay (1/x)
    zero = np.zeros_like(clean.read(Place("value", z)))
    signed.add(Place("value", z), None, -zero)
    assert identical(zero, zero.copy()) and not identical(zero, -zero)
    assert models.replay(NOTHING, signed) is not clean
    same = Substitutions()
    same.add(Place("value", z), None, clean.read(Place("value", z)).copy())
    assert models.replay(Perturbation(frozen=frozenset({"output.b"})), same) is not clean
    assert models.replay(NOTHING, same, update=False) is not clean
    assert models.replay(NOTHING) is clean


def test_identical_numbers():
    a = np.array([1.0, np.nan])
    assert identical(a, a.copy()) and not identical(a, a.astype(np.float32))
    assert not identical(a, a.reshape(2, 1)) and not identical(a, [1.0, np.nan])
    exact = np.array([Fraction(1, 2), Fraction(3)], dtype=object)
    assert identical(exact, exact.copy())
    assert not identical(exact, np.array([Fraction(1, 2), 3], dtype=object))  # 3 == Fraction(3), not the same type
    assert not identical(exact, np.array([Fraction(1, 2), Fraction(4)], dtype=object))
