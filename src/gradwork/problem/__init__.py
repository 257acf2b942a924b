"""Problem files: schema, loading with FILE:LINE:COL errors, safe expressions, and solving."""

from gradwork.problem.solution import LayerInfo, OptimizerInfo, Solution

__all__ = ["LayerInfo", "OptimizerInfo", "Solution"]
