"""Marking a student's transcribed worked solution line by line (Markdown with LaTeX maths).

    >>> from gradwork.mark import mark_work
    >>> report = mark_work(solution, open("work.md").read(), "work.md")
    >>> [(line.line, line.status, line.diagnosis) for line in report.lines]

Reading (:mod:`gradwork.mark.document`, :mod:`gradwork.mark.latex`, the OCR
table in :mod:`gradwork.mark.normalise`), binding symbols to the problem
(:mod:`gradwork.mark.bind`), checking each line (:mod:`gradwork.mark.marker`,
which marks results with :mod:`gradwork.check`) and rendering
(:mod:`gradwork.mark.render`). See docs/mark.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradwork.problem.errors import GradworkError

if TYPE_CHECKING:
    from gradwork.check.gradebook import Gradebook
    from gradwork.mark.report import MarkReport
    from gradwork.problem import Solution, Tolerance

WORK_SUFFIXES = (".md", ".markdown", ".txt", ".tex")
MAX_WORK_CHARACTERS = 2_000_000  # a worked solution is a few pages; more is not one student's work


class WorkTooLarge(GradworkError, ValueError):
    """A document over :data:`MAX_WORK_CHARACTERS`."""


def mark_work(solution: Solution, text: str, source: str = "<work>", tolerance: Tolerance | None = None) -> MarkReport:
    """Mark one worked solution (its text) against a solved problem."""
    from gradwork.mark.marker import WorkMarker

    check_size(text, source)
    return WorkMarker(solution, tolerance).mark(text, source)


def check_size(text: str, source: str) -> None:
    if len(text) > MAX_WORK_CHARACTERS:
        raise WorkTooLarge(f"{source}:1:1: {len(text)} characters is more than a worked solution "
                           f"(expected at most {MAX_WORK_CHARACTERS})")


def work_files(folder):
    """The worked solutions in ``folder`` (.md, .markdown, .txt, .tex), sorted by name; hidden files skipped."""
    from pathlib import Path

    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in WORK_SUFFIXES and not p.name.startswith("."))


def mark_folder(solution: Solution, paths, tolerance: Tolerance | None = None
                ) -> tuple[dict[str, MarkReport], Gradebook]:
    """Mark every file of ``paths`` with one marker; the reports by student, and check's gradebook of them."""
    from pathlib import Path

    from gradwork.check.gradebook import Gradebook
    from gradwork.mark.marker import WorkMarker
    from gradwork.problem.errors import ProblemError
    from gradwork.problem.files import read_text

    marker = WorkMarker(solution, tolerance)
    reports: dict[str, MarkReport] = {}
    errors: dict[str, str] = {}
    for path in paths:
        student = Path(path).stem
        try:
            text = read_text(path, "worked solution", "a Markdown file with the worked solution")
        except ProblemError as error:  # a FIFO, a device, over the size limit, not UTF-8: never read, never blocks
            errors[student] = str(error)
            continue
        try:
            check_size(text, str(path))
            reports[student] = marker.mark(text, str(path))
        except WorkTooLarge as error:
            errors[student] = str(error)
        except Exception as error:  # noqa: BLE001 (one student's file never stops the class being marked)
            errors[student] = (f"{path}:1:1: internal error while marking ({type(error).__name__}: {error}; "
                               "please report)")
    if solution.ask:
        keys = [quantity.key for quantity in solution.ask]
    else:
        keys = []
        for report in reports.values():
            keys.extend(key for key in (item.key for item in report.items.items) if key not in keys)
        keys = _computation_order(keys)
    gradebook = Gradebook(solution.title, tuple(keys), {s: r.items for s, r in reports.items()}, marker.policy,
                          bool(solution.ask), errors)
    return reports, gradebook


def _computation_order(keys: list[str]) -> list[str]:
    sections = {"values": 0, "loss": 1, "gradients": 2, "updated": 3}
    return sorted(keys, key=lambda key: (sections.get(key.split(".", 1)[0], 4), keys.index(key)))


__all__ = ["MAX_WORK_CHARACTERS", "WORK_SUFFIXES", "WorkTooLarge", "mark_folder", "mark_work", "work_files"]
