"""Problem files: schema, loading with FILE:LINE:COL errors, safe expressions, and solving.

    problem = load("examples/seed002_exam4a_row.yaml")   # or "-" for stdin, or the text itself
    solution = solve(problem, mode="exact")              # float | exact | symbolic

The names below are imported on first use: importing a submodule runs this
file first (numpy, pydantic and the schema would cost a
quarter of a second there).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradwork.documents.errors import ProblemError
    from gradwork.numbers.marking import MarkingPolicy
    from gradwork.problem.names import Names
    from gradwork.problem.quantities import NodeRef, Quantity
    from gradwork.problem.solution import LayerInfo, OptimizerInfo, Solution
    from gradwork.problem.solved_graph import SolvedGraph, SolvedNode, solved_graph
    from gradwork.problem.solving import Problem, load, solve
    from gradwork.numbers.tolerance import Tolerance

_HOME = {
    "ProblemError": "gradwork.documents.errors", "MarkingPolicy": "gradwork.numbers.marking",
    "Names": "gradwork.problem.names", "NodeRef": "gradwork.problem.quantities",
    "Quantity": "gradwork.problem.quantities",
    "LayerInfo": "gradwork.problem.solution", "OptimizerInfo": "gradwork.problem.solution",
    "Solution": "gradwork.problem.solution", "SolvedGraph": "gradwork.problem.solved_graph",
    "SolvedNode": "gradwork.problem.solved_graph", "solved_graph": "gradwork.problem.solved_graph",
    "Problem": "gradwork.problem.solving", "load": "gradwork.problem.solving", "solve": "gradwork.problem.solving",
    "Tolerance": "gradwork.numbers.tolerance",
}

__all__ = ["LayerInfo", "MarkingPolicy", "Names", "NodeRef", "OptimizerInfo", "Problem", "ProblemError", "Quantity",
           "Solution", "SolvedGraph", "SolvedNode", "Tolerance", "load", "solve", "solved_graph"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'gradwork.problem' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
