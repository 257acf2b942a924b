"""Tolerances live in :mod:`gradwork.problem.tolerance` (the teacher's ``marking:`` needs them below check)."""

from gradwork.problem.tolerance import DEFAULT, ZERO, Tolerance, ToleranceError

__all__ = ["DEFAULT", "ZERO", "Tolerance", "ToleranceError"]
