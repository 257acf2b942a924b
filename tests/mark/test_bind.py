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


def test_a_zeroth_weight_or_input_counted_from_one_names_no_element():
    """``w_0`` (a bias weight, in a course that counts from 1) and ``a^{(0)}_0`` name nothing in a network
    counted from 1: read as element -1 they ended marking in an internal error (seed 001's worked solution
    marked against seed 002's problem)."""
    from gradwork.mark import mark_work
    from gradwork.mark.errors import NothingRead
    from gradwork.mark.letters import numbered

    for example in ("seed002_exam4a_row.yaml", "seed004_hw1.toml", "mazur_step_by_step.yaml"):
        solution = solve(load(ROOT / "examples" / example))
        assert numbered("weight", "w", 0, solution) is None
        assert numbered("weight", "w", 1, solution) is not None
        text = "$$w_0 = 0.1$$\n\n$$\\frac{\\partial E}{\\partial w_0} = 0.25$$\n\n$$a^{(0)}_0 = 1$$\n"
        try:  # a report, or the one-line refusal of a document that gives nothing checkable; no other error
            report = mark_work(solution, text, "w0.md")
        except NothingRead as refusal:
            assert "nothing in this worked solution could be checked" in str(refusal)
            continue
        assert not any("[-1" in str(line.binding) for line in report.lines)
