"""The step-data checker (tests/explain/selfcheck.py) on hand-built steps, and the optimizer's worked steps.

The guarantee itself, every printed equation true as printed in every format, is tests/explain/test_reread.py:
it reads the rendered pages back. This checker reads the step data and stays for the cases below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.explain.derive import derive
from gradwork.explain.math import Array, Number, Product, Sum
from gradwork.explain.steps import Compute, Derivation, Section
from gradwork.problem import ProblemError, load, solve
from tests.explain.selfcheck import check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROBLEMS = Path(__file__).resolve().parent / "problems"  # a batch, a 3-4-2 net: shapes the examples lack
FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".toml", ".json") and "train" not in p.name) + \
    sorted(PROBLEMS.glob("*.yaml"))


def _solution(path: Path, mode: str):
    try:
        return solve(load(path), mode=mode)
    except ProblemError as error:  # exact mode stops at irrational values (sigmoid, exp); symbolic-only files
        pytest.skip(f"{path.name} has no {mode} solution: {error}")


def _one(*steps) -> Derivation:
    return Derivation("t", "matrix", "float", (Section("s", "forward", tuple(steps)),))


def test_the_checker_catches_a_wrong_number() -> None:
    wrong = Compute("z", "forward", Number(0), None, Sum((Number(1.0), Number(2.0))), Number(4.0))
    assert check(_one(wrong)).failures


def test_the_checker_catches_a_column_times_a_column() -> None:
    column = Array((Number(1.0), Number(2.0)))
    step = Compute("z", "forward", Number(0), None, Product((column, column), "matmul"), Number(5.0))
    assert "as displayed" in check(_one(step)).failures[0]
    row = Array((Number(1.0), Number(2.0)), row=True)
    assert not check(_one(Compute("z", "forward", Number(0), None, Product((row, column), "matmul"),
                                  Number(5.0)))).failures


@pytest.mark.parametrize("name", ["adam_two_steps.yaml", "momentum_three_steps.yaml"])
def test_the_worked_steps_end_where_the_optimizer_ends(name: str) -> None:
    """Each later step's numbers come from replaying the graph: the last worked update must be the
    engine's own result after all the steps."""
    from gradwork.explain.steps import Update

    solution = solve(load(PROBLEMS / name))
    derivation = derive(solution, "chain")
    titles = [section.title for section in derivation.sections]
    assert [t for t in titles if t.startswith("Step")] == [f"Step {k}" for k in range(1, solution.optimizer.steps + 1)]
    last = {}
    for step in derivation.steps():
        if isinstance(step, Update):
            last[step.node] = step.relation.sides[-1]
    for name_, value in solution.updated.items():
        if name_ in solution.frozen:
            continue
        from tests.explain.selfcheck import Evaluator, _close
        import numpy as np
        shown = Evaluator(derivation).value(last[name_])
        expected = np.asarray(value, dtype=float)
        assert _close(np.asarray(shown, dtype=float).ravel(), expected.ravel(), False)
