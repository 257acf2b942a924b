"""Checking a student's answers under the teacher's policy: tolerances, asked items and points, credit for
errors carried forward, each mistake charged once and named, a class gradebook.

    >>> import gradwork
    >>> from gradwork.check import Checker, read_answers
    >>> checker = Checker(gradwork.load("examples/seed002_exam4a_row.yaml").solve())
    >>> report = checker.check(read_answers("examples/answers/seed002_exam4a.yaml"))
    >>> report.points, report.max_points, report.item("loss").diagnosis

The verb is *check* (answers files); ``gradwork.mark`` marks worked solutions
and scores their results with :class:`Checker` (docs/check.md, docs/mark.md).
"""

from gradwork.check.answers import Answer, Answers, AnswersError, parse_answers, read_answers
from gradwork.check.checker import Checker, check_answers, solution_of
from gradwork.check.gradebook import Gradebook, check_class, check_files, check_folder
from gradwork.check.mistakes import MISTAKES, Look, Mistake, Variant, mistake
from gradwork.check.policy import effective_policy, tolerance_from_flags
from gradwork.check.report import Finding, ItemResult, Report
from gradwork.numbers.tolerance import DEFAULT, Tolerance, ToleranceError

__all__ = [
    "DEFAULT", "MISTAKES", "Answer", "Answers", "AnswersError", "Checker", "Finding", "Gradebook", "ItemResult",
    "Look", "Mistake", "Report", "Tolerance", "ToleranceError", "Variant", "check_answers", "check_class",
    "check_files", "check_folder", "effective_policy", "mistake", "parse_answers", "read_answers", "solution_of",
    "tolerance_from_flags",
]
