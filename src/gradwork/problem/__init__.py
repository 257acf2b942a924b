"""Problem files: schema, loading with FILE:LINE:COL errors, safe expressions, and solving.

    problem = load("examples/seed002_exam4a_row.yaml")   # or "-" for stdin, or the text itself
    solution = solve(problem, mode="exact")              # float | exact | symbolic
"""

from gradwork.problem.errors import ProblemError
from gradwork.problem.marking import MarkingPolicy
from gradwork.problem.names import Names
from gradwork.problem.quantities import NodeRef, Quantity
from gradwork.problem.solution import LayerInfo, OptimizerInfo, Solution
from gradwork.problem.solve import Problem, load, solve
from gradwork.problem.solved_graph import SolvedGraph, SolvedNode, solved_graph
from gradwork.problem.tolerance import Tolerance

__all__ = ["LayerInfo", "MarkingPolicy", "Names", "NodeRef", "OptimizerInfo", "Problem", "ProblemError", "Quantity",
           "Solution", "SolvedGraph", "SolvedNode", "Tolerance", "load", "solve", "solved_graph"]
