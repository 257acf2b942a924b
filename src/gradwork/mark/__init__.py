"""Marking a student's transcribed worked solution line by line (Markdown with LaTeX maths).

    >>> from gradwork.mark import mark_work
    >>> report = mark_work(solution, open("work.md").read(), "work.md")
    >>> [(line.line, line.status, line.diagnosis) for line in report.lines]

Reading (:mod:`gradwork.mark.document`, :mod:`gradwork.mark.parse`, the OCR
table in :mod:`gradwork.mark.normalise`), binding symbols to the problem
(:mod:`gradwork.mark.bind`), checking each line (:mod:`gradwork.mark.marker`,
which marks results with :mod:`gradwork.check`) and rendering
(:mod:`gradwork.mark.render`). See docs/mark.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradwork.mark.errors import NothingRead, TwoFilesForOneStudent, WorkError, WorkTooLarge
from gradwork.documents.errors import ProblemError

if TYPE_CHECKING:
    from gradwork.check.gradebook import Gradebook
    from gradwork.mark.report import MarkReport
    from gradwork.numbers.tolerance import Tolerance
    from gradwork.problem import Solution

WORK_SUFFIXES = (".md", ".markdown", ".txt", ".tex")
MAX_WORK_CHARACTERS = 2_000_000  # a worked solution is a few pages; more is not one student's work


def mark_work(solution: Solution, text: str, source: str = "<work>", tolerance: Tolerance | None = None) -> MarkReport:
    """Mark one worked solution (its text) against a solved problem."""
    # lazy (start-up): `import gradwork.mark` stays light; the marker loads when a solution is marked
    from gradwork.mark.marker import WorkMarker

    check_size(text, source)
    return WorkMarker(solution, tolerance).mark(text, source)


def check_size(text: str, source: str) -> None:
    if len(text) > MAX_WORK_CHARACTERS:
        raise WorkTooLarge(source, 1, 1, f"{len(text)} characters is more than a worked solution",
                           f"at most {MAX_WORK_CHARACTERS}")


def work_files(folder):
    """The worked solutions in ``folder`` (.md, .markdown, .txt, .tex), sorted by name; hidden files skipped.

    check's class-folder reader: a symbolic link only to a file inside the folder. Two files of one student
    (alice.md and alice.txt) are left out here; :func:`class_work` reports them.
    """
    return class_work(folder)[0]


def class_work(folder):
    """(the worked solutions in ``folder``, {student: error} for students with two files), as check reads a class."""
    # lazy (start-up): `import gradwork.mark` stays light; the marker loads when a solution is marked
    from gradwork.check.gradebook import class_files

    return class_files(folder, WORK_SUFFIXES)


def mark_folder(solution: Solution, paths, tolerance: Tolerance | None = None,
                errors: dict[str, str] | None = None) -> tuple[dict[str, MarkReport], Gradebook]:
    """Mark every file of ``paths`` with one marker; the reports by student, and check's gradebook of them.

    ``paths`` is a folder (read as :func:`class_work` reads it) or a list of files; ``errors`` are students
    already refused (two files), kept in the gradebook's errors.
    """
    from pathlib import Path

    # lazy (start-up): `import gradwork.mark` stays light; the marker loads when a solution is marked
    from gradwork.check.gradebook import Gradebook
    from gradwork.mark.marker import WorkMarker
    from gradwork.documents.files import read_text

    errors = dict(errors or {})
    if isinstance(paths, (str, Path)):
        paths, refused = class_work(paths)
        errors.update(refused)
    marker = WorkMarker(solution, tolerance)
    solution = marker.solution  # a gradwork.Solved is accepted as well
    reports: dict[str, MarkReport] = {}
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
        except WorkError as error:
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


__all__ = ["MAX_WORK_CHARACTERS", "WORK_SUFFIXES", "NothingRead", "TwoFilesForOneStudent", "WorkError", "WorkTooLarge",
           "class_work", "mark_folder", "mark_work", "work_files"]
