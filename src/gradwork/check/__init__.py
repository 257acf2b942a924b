"""Marking a student's answers under the teacher's policy: tolerances, asked items and points, credit for
errors carried forward, named mistakes, a class gradebook.

    >>> from gradwork.check import read_answers, mark
    >>> report = mark(solution, read_answers("examples/answers/seed002_exam4a.yaml"))
    >>> report.points, report.max_points, report.item("loss").diagnosis
"""

from gradwork.check.answers import Answer, Answers, AnswersError, parse_answers, read_answers
from gradwork.numbers.tolerance import DEFAULT, Tolerance, ToleranceError
from gradwork.check.gradebook import Gradebook, mark_class, mark_files, mark_folder
from gradwork.check.marker import Marker, mark
from gradwork.check.mistakes import MISTAKES, Look, Mistake, Variant, mistake
from gradwork.check.policy import effective_policy, tolerance_from_flags
from gradwork.check.report import Finding, ItemResult, Report

__all__ = [
    "DEFAULT", "MISTAKES", "Answer", "Answers", "AnswersError", "Finding", "Gradebook", "ItemResult", "Look",
    "Marker", "Mistake", "Report", "Tolerance", "ToleranceError", "Variant", "effective_policy", "mark",
    "mark_class", "mark_files", "mark_folder", "mistake", "parse_answers", "read_answers", "tolerance_from_flags",
]
