"""Marking a class: every answers file in a folder against one problem, as a CSV gradebook."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gradwork.check.answers import Answer, Answers, AnswersError, read_answers
from gradwork.check.compare import Tolerance
from gradwork.check.marker import Marker
from gradwork.check.report import Report
from gradwork.problem import Solution

ANSWER_SUFFIXES = (".yaml", ".yml", ".toml", ".json")


@dataclass(frozen=True)
class Gradebook:
    """One row per student (the answers file's stem), one column per item, plus the score.

    Items are the union of the keys answered in any file, so a key someone
    left out counts as missing for them. A file that could not be read has
    its error instead of a report.
    """

    keys: tuple[str, ...]
    reports: dict[str, Report]  # student -> report
    errors: dict[str, str] = field(default_factory=dict)  # student -> one-line error

    @property
    def students(self) -> list[str]:
        return sorted({*self.reports, *self.errors})

    def to_csv(self) -> str:
        """student, correct, total, one column per item (its verdict, with diagnosis codes), error."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["student", "correct", "total", *self.keys, "error"])
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                writer.writerow([_cell(student), "", "", *([""] * len(self.keys)), _cell(self.errors[student])])
                continue
            verdicts = {item.key: item.status + (f" ({' '.join(item.diagnosis)})" if item.diagnosis else "")
                        for item in report.items}
            writer.writerow([_cell(student), report.correct, report.total, *(verdicts.get(k, "") for k in self.keys),
                             ""])
        return buffer.getvalue()


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run: a leading = + - @ (a file name such as `=cmd|...`) is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_files(folder: str | Path) -> list[Path]:
    """The answers files in ``folder`` (YAML, TOML, JSON), sorted by name; hidden files skipped.

    A symbolic link is followed only to a file inside the folder: a class folder never reads elsewhere.
    """
    root = Path(folder).resolve()
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in ANSWER_SUFFIXES and not p.name.startswith(".")
                  and (not p.is_symlink() or p.resolve().parent == root))


def mark_class(solution: Solution, answers: Sequence[Answers], tolerance: Tolerance | None = None,
               errors: dict[str, str] | None = None) -> Gradebook:
    """Mark every student's answers against one solved problem; unanswered keys of the class count as missing."""
    marker = Marker(solution)
    failed = dict(errors or {})
    readable: list[Answers] = []
    for student_answers in answers:
        try:
            marker.validate(student_answers)
            readable.append(student_answers)
        except AnswersError as error:
            failed[student_answers.student] = str(error)
    keys = _union_of_keys(readable)
    reports = {}
    for student_answers in readable:
        try:
            reports[student_answers.student] = marker.mark(_with_blanks(student_answers, keys), tolerance)
        except AnswersError as error:
            failed[student_answers.student] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            failed[student_answers.student] = (f"{student_answers.source}: internal error while marking "
                                               f"({type(error).__name__}: {error}; please report)")
    ordered = [key for key in _order(marker, keys, reports)]
    return Gradebook(tuple(ordered), reports, failed)


def mark_folder(solution: Solution, folder: str | Path, tolerance: Tolerance | None = None) -> Gradebook:
    """Read and mark every answers file in ``folder``; unreadable files become the gradebook's errors."""
    return mark_files(solution, answers_files(folder), tolerance)


def mark_files(solution: Solution, paths: Iterable[str | Path], tolerance: Tolerance | None = None) -> Gradebook:
    read: list[Answers] = []
    errors: dict[str, str] = {}
    for path in paths:
        try:
            read.append(read_answers(path))
        except AnswersError as error:
            errors[Path(path).stem] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            errors[Path(path).stem] = f"{path}: internal error while reading ({type(error).__name__}: {error}; please report)"
    return mark_class(solution, read, tolerance, errors)


def _union_of_keys(answers: Sequence[Answers]) -> dict[str, Answer]:
    keys: dict[str, Answer] = {}
    for student_answers in answers:
        for answer in student_answers.answers:
            keys.setdefault(answer.key, answer)
    return keys


def _with_blanks(answers: Answers, keys: dict[str, Answer]) -> Answers:
    """``answers`` plus a blank answer for each key of the class this student left out."""
    own = {answer.key for answer in answers.answers}
    blanks = tuple(Answer(a.section, a.name, a.index, None, a.line, a.column) for key, a in keys.items() if key not in own)
    return Answers(answers.source, answers.answers + blanks, answers.tolerance)


def _order(marker: Marker, keys: dict[str, Answer], reports: dict[str, Report]) -> list[str]:
    """The class's keys in the order the marker reports them (computation order)."""
    for report in reports.values():
        if len(report.items) == len(keys):
            return [item.key for item in report.items]
    return list(keys)
