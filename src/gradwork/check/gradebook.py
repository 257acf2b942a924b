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
from gradwork.check.marker import Marker
from gradwork.check.mistakes import MISTAKES
from gradwork.check.report import STATUSES, Report, describe_policy
from gradwork.problem import MarkingPolicy, Solution
from gradwork.problem.escape import csv_cell, html_text, markdown_text, terminal_text
from gradwork.problem.tolerance import Tolerance

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
        for student, report in self.reports.items():
            for item in report.items:
                for code in item.diagnosis:
                    students.setdefault(code, set()).add(student)
                    if item.key not in items.setdefault(code, []):
                        items[code].append(item.key)
        order = list(MISTAKES)
        ranked = sorted(students, key=lambda c: (-len(students[c]), order.index(c) if c in order else len(order)))
        return [DiagnosisCount(code, len(students[code]), tuple(items[code]),
                               MISTAKES[code].rule if code in MISTAKES else "") for code in ranked]

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
        shown = {s: terminal_text(s) for s in self.students}  # a file name's ESC never reaches the terminal
        width = max((len(s) for s in shown.values()), default=7)
        lines += ["", f"{'student':<{width}}  points      items  diagnoses"]
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                lines.append(f"{shown[student]:<{width}}  unreadable")
                continue
            score = f"{_number(report.points)}/{_number(report.max_points)}"
            lines.append(f"{shown[student]:<{width}}  {score:<10}  {report.correct}/{report.total:<4} "
                         f"{', '.join(report.diagnoses)}".rstrip())
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
        if self.reports:
            mean = sum(r.points for r in self.reports.values()) / len(self.reports)
            top = max(r.max_points for r in self.reports.values())
            lines += [f"Mean score: {_number(round(mean, 2))} of {_number(top)} points.", ""]
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
        """The class summary as a self-contained HTML fragment (also Jupyter's ``_repr_html_``)."""
        e = html_text
        counts = self.item_counts()
        out = [f'<div class="gw-gradebook"><h2>{e(self.title or "Class")}: {len(self.reports)} students</h2>',
               f"<p>Marking: {e(self.policy_text())}.</p><h3>Most common diagnoses</h3>"]
        common = self.diagnosis_counts()
        if common:
            out.append("<table><thead><tr><th>diagnosis</th><th>students</th><th>items</th><th>the rule</th></tr>"
                       "</thead><tbody>" + "".join(
                           f"<tr><td><code>{e(d.code)}</code></td><td>{d.students}</td>"
                           f"<td>{e(', '.join(d.items))}</td><td>{e(d.rule)}</td></tr>" for d in common)
                       + "</tbody></table>")
        else:
            out.append("<p>No mistake diagnosed.</p>")
        out.append("<h3>Items</h3><table><thead><tr><th>item</th>" + "".join(
            f"<th>{VERDICTS[s]}</th>" for s in STATUSES) + "</tr></thead><tbody>" + "".join(
            f"<tr><td><code>{e(key)}</code></td>" + "".join(f"<td>{counts[key][s]}</td>" for s in STATUSES) + "</tr>"
            for key in self.keys) + "</tbody></table>")
        rows = []
        for student in self.students:
            report = self.reports.get(student)
            if report is None:
                rows.append(f"<tr><td>{e(student)}</td><td>unreadable</td><td></td><td>{e(self.errors[student])}</td></tr>")
            else:
                rows.append(f"<tr><td>{e(student)}</td><td>{_number(report.points)}/{_number(report.max_points)}</td>"
                            f"<td>{report.correct}/{report.total}</td><td>{e(', '.join(report.diagnoses))}</td></tr>")
        out.append("<h3>Students</h3><table><thead><tr><th>student</th><th>points</th><th>items credited</th>"
                   "<th>diagnoses</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def answers_files(folder: str | Path) -> list[Path]:
    """The answers files in ``folder`` (YAML, TOML, JSON), sorted by name; hidden files skipped.

    A symbolic link is followed only to a file inside the folder: a class folder never reads elsewhere.
    """
    root = Path(folder).resolve()
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in ANSWER_SUFFIXES and not p.name.startswith(".")
                  and (not p.is_symlink() or p.resolve().parent == root))


def mark_class(solution: Solution, answers: Sequence[Answers], tolerance: Tolerance | None = None,
               errors: dict[str, str] | None = None, *, allow_answer_tolerance: bool = False) -> Gradebook:
    """Mark every student's answers against one solved problem, each exactly as if marked alone."""
    marker = Marker(solution)
    failed = dict(errors or {})
    reports: dict[str, Report] = {}
    for student_answers in answers:
        try:
            reports[student_answers.student] = marker.mark(student_answers, tolerance,
                                                           allow_answer_tolerance=allow_answer_tolerance)
        except AnswersError as error:
            failed[student_answers.student] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            failed[student_answers.student] = (f"{student_answers.source}: internal error while marking "
                                               f"({type(error).__name__}: {error}; please report)")
    policy = solution.marking if tolerance is None else solution.marking.with_tolerance(tolerance, "command line")
    return Gradebook(solution.title, _columns(solution, reports), reports, policy, bool(solution.ask), failed)


def mark_folder(solution: Solution, folder: str | Path, tolerance: Tolerance | None = None, *,
                allow_answer_tolerance: bool = False) -> Gradebook:
    """Read and mark every answers file in ``folder``; unreadable files become the gradebook's errors."""
    return mark_files(solution, answers_files(folder), tolerance, allow_answer_tolerance=allow_answer_tolerance)


def mark_files(solution: Solution, paths: Iterable[str | Path], tolerance: Tolerance | None = None, *,
               allow_answer_tolerance: bool = False) -> Gradebook:
    read: list[Answers] = []
    errors: dict[str, str] = {}
    for path in paths:
        try:
            read.append(read_answers(path))
        except AnswersError as error:
            errors[Path(path).stem] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            errors[Path(path).stem] = (f"{path}: internal error while reading ({type(error).__name__}: {error}; "
                                       "please report)")
    return mark_class(solution, read, tolerance, errors, allow_answer_tolerance=allow_answer_tolerance)


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


__all__ = ["DiagnosisCount", "Gradebook", "answers_files", "csv_cell", "mark_class", "mark_files", "mark_folder"]
