"""Binding (gradwork.mark.bind): the problem's own symbols, worked out once per solution, are what a fresh reading
gives; the quantities a number matches are what Tolerance.passes says."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gradwork.mark.bind import Binder, _problem_symbols, problem_symbols
from gradwork.mark.quantities import catalog
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]


def test_the_problems_symbols_are_remembered_and_read_as_fresh():
    solution = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    quantities = catalog(solution)
    keys = sorted({(q.name, q.index) for q in quantities if q.section in ("values", "given") and q.name != "loss"},
                  key=str)
    first = problem_symbols(solution, quantities)
    assert first and first == _problem_symbols(solution, keys)
    assert problem_symbols(solution, catalog(solution)) is first  # another marker of the same solution


def test_matches_are_the_quantities_tolerance_passes():
    solution = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    quantities = catalog(solution)
    binder = Binder(solution, quantities, solution.marking.effective_tolerance)
    values = [float(np.asarray(q.value).reshape(-1)[0]) for q in quantities if np.asarray(q.value).dtype != object]
    values += [0.5, -0.6, 0.12345, float("nan"), float("inf")]
    for section in ("values", "given", "gradients", "updated"):
        for value in values:
            fits = [q for q in quantities if q.section == section or (section == "values" and q.section == "given")]
            expected = [q for q in fits if np.asarray(q.value).dtype != object and np.asarray(q.value).size == 1
                        and bool(np.all(binder.tolerance.passes(np.asarray(value).reshape(np.shape(q.value)),
                                                                np.asarray(q.value))))]
            assert binder.matches(section, value, None, None) == expected
