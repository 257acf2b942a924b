"""Marking a student's answers: tolerances, credit for errors carried forward, named mistakes.

    >>> from gradwork.check import read_answers, mark
    >>> report = mark(solution, read_answers("examples/answers/seed002_exam4a_row.yaml"))
    >>> report.correct, report.total, report.item("loss").diagnosis
"""

from gradwork.check.answers import Answer, Answers, AnswersError, parse_answers, read_answers
from gradwork.check.compare import DEFAULT, Tolerance, ToleranceError
from gradwork.check.marker import Marker, mark
from gradwork.check.mistakes import MISTAKES, Look, Mistake, Variant, mistake
from gradwork.check.report import Finding, ItemResult, Report

__all__ = [
    "DEFAULT", "MISTAKES", "Answer", "Answers", "AnswersError", "Finding", "ItemResult", "Look", "Marker",
    "Mistake", "Report", "Tolerance", "ToleranceError", "Variant", "mark", "mistake", "parse_answers",
    "read_answers",
]
