"""Symbolic simplification has a time budget: when it runs out, results stay as computed and the solve says so."""

from __future__ import annotations

import itertools
from pathlib import Path

import sympy
from typer.testing import CliRunner

from gradwork.backends import symbolic
from gradwork.backends.symbolic import readable, readable_form, simplify_budget
from gradwork.cli import app
from gradwork.documents import limits
from gradwork.problem import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "seed003_7_3b_scale.yaml"


def test_readable_within_budget_and_unsimplified_once_spent() -> None:
    x, t = sympy.symbols("x t")
    expr = x * t + x * t**2  # factor_terms gives the shorter t*x*(t + 1)
    with simplify_budget(10) as budget:
        assert readable(expr) == readable_form(expr) == t * x * (t + 1)
        assert not budget.exhausted and budget.spent > 0
    with simplify_budget(0) as budget:
        readable(expr)  # the first result spends the whole (zero) budget
        assert budget.exhausted
        assert readable(expr) is expr  # later ones are shown as computed


def test_a_solve_that_runs_out_says_so_and_stays_exact() -> None:
    problem = load(EXAMPLE)
    full = problem.solve("symbolic")
    assert full.notes == []
    with limits.using(simplify_seconds=0):
        hurried = problem.solve("symbolic")
    assert len(hurried.notes) == 1 and "--max-simplify-seconds" in hurried.notes[0]
    for name, value in full.gradients.items():  # the same values, maybe in another form
        pairs = zip(sympy.flatten([value]), sympy.flatten([hurried.gradients[name]]))
        assert all(sympy.simplify(sympy.sympify(a) - sympy.sympify(b)) == 0 for a, b in pairs), name


def test_the_cli_prints_the_note_on_stderr(monkeypatch) -> None:
    quiet = CliRunner().invoke(app, ["solve", str(EXAMPLE), "--mode", "symbolic", "--format", "json"])
    assert quiet.exit_code == 0 and "note:" not in quiet.stderr
    clock = itertools.count(step=2.0)  # every reading of the clock is 2 s later: the 1 s budget runs out at once
    monkeypatch.setattr(symbolic.time, "perf_counter", lambda: next(clock))
    result = CliRunner().invoke(app, ["solve", str(EXAMPLE), "--mode", "symbolic", "--format", "json",
                                      "--max-simplify-seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "note: the time to put symbolic results in readable form ran out (limit 1;" in result.stderr
