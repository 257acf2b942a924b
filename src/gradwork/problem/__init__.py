"""Problem files: schema, loading with FILE:LINE:COL errors, safe expressions, and solving.

    problem = load("examples/seed002_exam4a_row.yaml")   # or "-" for stdin, or the text itself
    solution = solve(problem, mode="exact")              # float | exact | symbolic

The names below are imported on first use: ``gradwork --help`` and the command
line's error boundary need only ``gradwork.problem.limits``, and importing a
submodule runs this file first (numpy, pydantic and the schema would cost a
quarter of a second there).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradwork.problem.errors import ProblemError
    from gradwork.problem.marking import MarkingPolicy
    from gradwork.problem.names import Names
    from gradwork.problem.quantities import NodeRef, Quantity
    from gradwork.problem.solution import LayerInfo, OptimizerInfo, Solution
    from gradwork.problem.solved_graph import SolvedGraph, SolvedNode, solved_graph
    from gradwork.problem.solving import Problem, load, solve
    from gradwork.problem.tolerance import Tolerance

_HOME = {
    "ProblemError": "errors", "MarkingPolicy": "marking", "Names": "names", "NodeRef": "quantities",
    "Quantity": "quantities", "LayerInfo": "solution", "OptimizerInfo": "solution", "Solution": "solution",
    "SolvedGraph": "solved_graph", "SolvedNode": "solved_graph", "solved_graph": "solved_graph",
    "Problem": "solving", "load": "solving", "solve": "solving", "Tolerance": "tolerance",
}

__all__ = ["LayerInfo", "MarkingPolicy", "Names", "NodeRef", "OptimizerInfo", "Problem", "ProblemError", "Quantity",
           "Solution", "SolvedGraph", "SolvedNode", "Tolerance", "load", "solve", "solved_graph"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'gradwork.problem' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gradwork.problem.{home}"), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
