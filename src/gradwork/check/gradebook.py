"""Marking a class: every answers file against one problem, as a gradebook and a class summary.

Each student is marked alone, exactly as ``gradwork check PROBLEM FILE``
would (same policy, same items), so a score never depends on classmates. The
columns are the problem's asked items (``ask:``), in order; without ``ask:``
they are every key any student answered, and a key a student did not answer
is an empty cell, not a missing answer.

* :meth:`Gradebook.to_csv`: one row per student: points, per item its verdict
  (with diagnosis codes) and points, the diagnoses, the items given but not
  asked, warnings and errors. Text cells that a spreadsheet would run as a
  formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
  are prefixed with ``'``.
* :meth:`Gradebook.to_markdown` / :meth:`Gradebook.to_html`: the class summary a
  teacher reads after an exam: the policy, how each item went, the most common
  diagnoses and how many students made each, and the students' scores.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradwork.check.answers import Answers, AnswersError, read_answers
from gradwork.check.checker import Checker
from gradwork.check.mistakes import MISTAKES
from gradwork.check.report import STATUSES, Report, describe_policy
from gradwork.documents.escape import csv_cell, markdown_text, terminal_text
from gradwork.numbers.marking import MarkingPolicy
from gradwork.numbers.tolerance import Tolerance
from gradwork.problem import Solution
from gradwork.check.summary_html import page, fragment

ANSWER_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
VERDICTS = {"correct": "correct", "carried_forward": "carried forward", "wrong": "wrong", "missing": "missing"}


@dataclass(frozen=True)
class DiagnosisCount:
    """How many students made one mistake, and on which items."""

    code: str
    students: int
    items: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class Statistics:
    """The class's points in numbers."""

    students: int
    mean: float
    median: float
    lowest: float
    highest: float
    max_points: float
    full_marks: int


@dataclass(frozen=True)
class Gradebook:
    """One marked class: a report per student (the answers file's stem), or the error that stopped it."""

    title: str
    keys: tuple[str, ...]  # the columns: asked items in order, else every answered key in computation order
    reports: dict[str, Report]  # student -> report
    policy: MarkingPolicy  # the class's policy (command line over the problem's marking:)
    asked: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # student -> one-line error

    @property
    def students(self) -> list[str]:
        return sorted({*self.reports, *self.errors})

    def policy_text(self) -> str:
        return describe_policy(self.policy)

    # ------------------------------------------------------------ the class in numbers
    def diagnosis_counts(self) -> list[DiagnosisCount]:
        """Each diagnosis code with the number of students who made it, most common first."""
        students: dict[str, set[str]] = {}
        items: dict[str, list[str]] = {}
        rules: dict[str, str] = {}  # as the first finding states it (a rule can fit the problem: the loss as written)
        for student, report in self.reports.items():
            for item in report.items:
                for code in item.diagnosis:
                    students.setdefault(code, set()).add(student)
                    if item.key not in items.setdefault(code, []):
                        items[code].append(item.key)
                for finding in item.findings:
                    for code, rule in zip(finding.codes, finding.rules):
                        rules.setdefault(code, rule)
        order = list(MISTAKES)
        ranked = sorted(students, key=lambda c: (-len(students[c]), order.index(c) if c in order else len(order)))
        return [DiagnosisCount(code, len(students[code]), tuple(items[code]),
                               rules.get(code) or (MISTAKES[code].rule if code in MISTAKES else "")) for code in ranked]

    def scores(self) -> list[float]:
        """Each readable student's points, in student order."""
        return [self.reports[s].points for s in self.students if s in self.reports]

    def statistics(self) -> Statistics | None:
        """Mean, median, range and full marks of the points (None when no file could be read)."""
        scores = self.scores()
        if not scores:
            return None
        ordered = sorted(scores)
        middle = len(ordered) // 2
        median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        top = max(r.max_points for r in self.reports.values())
        return Statistics(len(scores), sum(scores) / len(scores), median, ordered[0], ordered[-1], top,
                          sum(1 for r in self.reports.values() if r.points == r.max_points and r.answered))

    def item_counts(self) -> dict[str, dict[str, int]]:
        """For each column, how many students' answers were correct, carried forward, wrong, missing."""
        counts: dict[str, dict[str, int]] = {key: dict.fromkeys(STATUSES, 0) for key in self.keys}
        for report in self.reports.values():
            for item in report.items:
                if item.key in counts:
                    counts[item.key][item.status] += 1
        return counts

    # ------------------------------------------------------------ output
    def to_csv(self) -> str:
        """One row per student; every text cell escaped against spreadsheet formula injection."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["student", "points", "max_points", "correct", "total"]
        for key in self.keys:
            header += [key, f"{key} points"]
        header += ["diagnoses", "not_asked", "warnings", "error", "marking"]
        writer.writerow([csv_cell(cell) for cell in header])
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                row: list[Any] = [student, "", "", "", "", *([""] * (2 * len(self.keys))), "", "", "",
                                  self.errors[student], self.policy_text()]
            else:
                by_key = {item.key: item for item in report.items}
                row = [student, _number(report.points), _number(report.max_points), report.correct, report.total]
                for key in self.keys:
                    item = by_key.get(key)
                    if item is None:
                        row += ["", ""]
                    else:
                        codes = f" ({' '.join(item.diagnosis)})" if item.diagnosis else ""
                        row += [item.status + codes, _number(item.points)]
                row += [" ".join(report.diagnoses), " ".join(item.key for item in report.not_asked),
                        " | ".join(report.warnings), "", report.policy_text()]
            writer.writerow([csv_cell(cell) for cell in row])
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "marking": {**self.policy.as_dict(), "text": self.policy_text(), "asked": self.asked},
            "items": list(self.keys),
            "students": [{"student": s, **self.reports[s].to_json()} for s in self.students if s in self.reports],
            "errors": [{"student": s, "error": self.errors[s]} for s in self.students if s in self.errors],
            "diagnoses": [{"code": d.code, "students": d.students, "items": list(d.items)}
                          for d in self.diagnosis_counts()],
        }

    def to_text(self) -> str:
        """A plain-text class summary for the terminal."""
        lines = [f"{terminal_text(self.title or 'Class')}: {len(self.reports)} students marked"
                 + (f", {len(self.errors)} unreadable" if self.errors else ""),
                 f"Marking: {self.policy_text()}."]
        stats = self.statistics()
        if stats is not None:
            lines.append(f"Mean {_number(round(stats.mean, 2))}, median {_number(round(stats.median, 2))} of "
                         f"{_number(stats.max_points)} points; full marks: {stats.full_marks} of {stats.students}.")
        shown = {s: terminal_text(s) for s in self.students}  # a file name's ESC never reaches the terminal
        width = max((len(s) for s in shown.values()), default=7)
        lines += ["", f"{'student':<{width}}  points      items  diagnoses"]
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                lines.append(f"{shown[student]:<{width}}  unreadable")
                continue
            score = f"{_number(report.points)}/{_number(report.max_points)}"
            notes = ", ".join(report.diagnoses) or ("nothing answered" if not report.answered else "")
            lines.append(f"{shown[student]:<{width}}  {score:<10}  {report.correct}/{report.total:<4} {notes}".rstrip())
        common = self.diagnosis_counts()
        if common:
            lines += ["", "Most common diagnoses:"]
            lines += [f"  {d.code}: {d.students} student{'s' if d.students != 1 else ''} ({', '.join(d.items)})"
                      for d in common]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The class summary as Markdown."""
        counts = self.item_counts()
        lines = [f"## {markdown_text(self.title or 'Class')}: {len(self.reports)} students", "",
                 f"Marking: {self.policy_text()}." + (" Items as asked by the problem." if self.asked else ""), ""]
        stats = self.statistics()
        if stats is not None:
            lines += [f"Mean score: {_number(round(stats.mean, 2))} of {_number(stats.max_points)} points; "
                      f"median {_number(round(stats.median, 2))}; lowest {_number(stats.lowest)}, highest "
                      f"{_number(stats.highest)}; full marks: {stats.full_marks} of {stats.students}.", ""]
        common = self.diagnosis_counts()
        lines += ["### Most common diagnoses", ""]
        if common:
            lines += ["| diagnosis | students | items | the rule |", "|---|---|---|---|"]
            lines += [f"| `{d.code}` | {d.students} | {', '.join(f'`{k}`' for k in d.items)} | {_md(d.rule)} |"
                      for d in common]
        else:
            lines.append("No mistake diagnosed.")
        lines += ["", "### Items", "", "| item | correct | carried forward | wrong | missing |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{key}` | " + " | ".join(str(counts[key][s]) for s in STATUSES) + " |" for key in self.keys]
        lines += ["", "### Students", "", "| student | points | items credited | diagnoses |", "|---|---|---|---|"]
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                lines.append(f"| {_md(student)} | unreadable | | {_md(self.errors[student])} |")
            else:
                lines.append(f"| {_md(student)} | {_number(report.points)}/{_number(report.max_points)} "
                             f"| {report.correct}/{report.total} | {', '.join(f'`{c}`' for c in report.diagnoses)} |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The class summary as one complete HTML page: title, charset, the numbers and two charts (inline SVG)."""
        return page(self)

    def _repr_html_(self) -> str:
        """In Jupyter: the summary without the page around it (a cell takes a fragment)."""
        return fragment(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def answers_files(folder: str | Path) -> list[Path]:
    """The answers files in ``folder`` (YAML, TOML, JSON), sorted by name; hidden files skipped.

    A symbolic link is followed only to a file inside the folder: a class folder never reads elsewhere.
    """
    return _submissions(folder, ANSWER_SUFFIXES)


def class_files(folder: str | Path, suffixes: Iterable[str]) -> tuple[list[Path], dict[str, str]]:
    """A class folder's submissions with these suffixes, and {student: error} for a student with two of them.

    Regular files only, hidden ones skipped, a symbolic link only to a file inside the folder (never
    elsewhere); two files with one stem (alice.md and alice.txt) are an error naming both, and neither is read.
    Shared by ``check DIR`` and ``mark DIR``.
    """
    return one_file_per_student(_submissions(folder, suffixes))


def one_file_per_student(paths: Iterable[str | Path]) -> tuple[list[Path], dict[str, str]]:
    """The files of students with one file each, and {student: error naming both} for two files of one student.

    A student is the file's stem, in any case (``Dan.yaml`` and ``dan.json`` are one student: on most teachers'
    systems they could not even be two files).
    """
    found = [Path(p) for p in paths]
    by_student: dict[str, list[Path]] = {}
    for path in found:
        by_student.setdefault(path.stem.casefold(), []).append(path)
    errors = {paths[0].stem: (f"{paths[0]}:1:1: two files for one student: "
                              + " and ".join(p.name for p in paths) + " (expected one file per student)")
              for paths in by_student.values() if len(paths) > 1}
    return [p for p in found if len(by_student[p.stem.casefold()]) == 1], errors


def _submissions(folder: str | Path, suffixes: Iterable[str]) -> list[Path]:
    root = Path(folder).resolve()
    wanted = {suffix.lower() for suffix in suffixes}
    return sorted(p for p in Path(folder).iterdir()
                  if p.suffix.lower() in wanted and not p.name.startswith(".") and p.is_file()
                  and (not p.is_symlink() or p.resolve().parent == root))


def check_class(solution: Solution, answers: Sequence[Answers], tolerance: Tolerance | None = None,
                errors: dict[str, str] | None = None, *, allow_answer_tolerance: bool = False) -> Gradebook:
    """Check every student's answers against one solved problem, each exactly as if checked alone."""
    checker = Checker(solution)
    solution = checker.solution
    failed = dict(errors or {})
    reports: dict[str, Report] = {}
    for student_answers in answers:
        try:
            reports[student_answers.student] = checker.check(student_answers, tolerance,
                                                             allow_answer_tolerance=allow_answer_tolerance)
        except AnswersError as error:
            failed[student_answers.student] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            failed[student_answers.student] = (f"{student_answers.source}: internal error while marking "
                                               f"({type(error).__name__}: {error}; please report)")
    policy = solution.marking if tolerance is None else solution.marking.with_tolerance(tolerance, "command line")
    return Gradebook(solution.title, _columns(solution, reports), reports, policy, bool(solution.ask), failed)


def check_folder(solution: Solution, folder: str | Path, tolerance: Tolerance | None = None, *,
                 allow_answer_tolerance: bool = False) -> Gradebook:
    """Read and check every answers file in ``folder``; unreadable files become the gradebook's errors."""
    return check_files(solution, answers_files(folder), tolerance, allow_answer_tolerance=allow_answer_tolerance)


def check_files(solution: Solution, paths: Iterable[str | Path], tolerance: Tolerance | None = None, *,
                allow_answer_tolerance: bool = False) -> Gradebook:
    """Read and check answers files, one student each (the file's stem); two files of one student are an error."""
    read: list[Answers] = []
    paths, errors = one_file_per_student(paths)
    for path in paths:
        try:
            read.append(read_answers(path))
        except AnswersError as error:
            errors[Path(path).stem] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            errors[Path(path).stem] = (f"{path}: internal error while reading ({type(error).__name__}: {error}; "
                                       "please report)")
    return check_class(solution, read, tolerance, errors, allow_answer_tolerance=allow_answer_tolerance)


def _columns(solution: Solution, reports: dict[str, Report]) -> tuple[str, ...]:
    """The asked items; else every scored key of the class, each report's order merged (computation order)."""
    if solution.ask:
        return tuple(quantity.key for quantity in solution.ask)
    keys: dict[str, None] = {}
    for report in sorted(reports.values(), key=lambda r: -r.total):  # the fullest report fixes most of the order
        previous: str | None = None
        for item in report.items:
            if item.key not in keys:
                keys = _insert_after(keys, previous, item.key)
            previous = item.key
    return tuple(keys)


def _insert_after(keys: dict[str, None], previous: str | None, key: str) -> dict[str, None]:
    if previous is None:
        return {key: None, **keys}
    out: dict[str, None] = {}
    for existing in keys:
        out[existing] = None
        if existing == previous:
            out[key] = None
    return out


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _md(text: str) -> str:
    return markdown_text(text)


__all__ = ["DiagnosisCount", "Gradebook", "Statistics", "answers_files", "check_class", "check_files", "check_folder",
           "class_files", "csv_cell", "one_file_per_student"]
