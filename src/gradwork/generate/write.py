"""Generating a set of variants and writing them out: one folder per variant, and a manifest.

    DIR/manifest.json          template, its sha256, seed, and each variant's id, key and tries
    DIR/<id>/problem.yaml      the variant as a problem file (gradwork solve/check read it)
    DIR/<id>/sheet.md|.tex|.html   the student sheet: what is given and what is asked, no answers
    DIR/<id>/key.md            the worked solution
    DIR/<id>/answers.yaml      the key as an answers file (gradwork check gives it full marks)

Nothing existing is replaced unless ``force``: every path is checked before the first is written.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gradwork.generate.build import Budget, Variant, draw
from gradwork.generate.sheet import SHEET_FORMATS, answers_text, render_key, render_sheet
from gradwork.generate.template import Template
from gradwork.documents.errors import GradworkError, ProblemError
from gradwork.documents.files import read_text, same_file, write_file

MAX_VARIANTS = 10_000
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")
ROSTER_COLUMNS = ("id", "student_id", "sid", "student", "email", "username")


@dataclass(frozen=True)
class Request:
    """Which variants: ``count`` numbered ones, or one per student id, under ``seed``."""

    seed: int = 0
    count: int = 1
    students: tuple[str, ...] = ()

    def keys(self) -> list[tuple[int | str, str]]:
        if self.students:
            return [(student, student) for student in self.students]
        width = max(3, len(str(self.count)))
        return [(k, f"v{k + 1:0{width}d}") for k in range(self.count)]


def generate(template: Template, request: Request, progress: Callable[[int], None] | None = None) -> list[Variant]:
    """Draw every requested variant (raises ConstraintsNotMet naming the constraint that blocks one)."""
    if not 1 <= len(request.keys()) <= MAX_VARIANTS:
        raise ValueError(f"between 1 and {MAX_VARIANTS} variants can be generated at once")
    variants = []
    budget = Budget()  # one time budget for failed tries, over every variant of the run
    for n, (key, variant_id) in enumerate(request.keys(), start=1):
        variants.append(draw(template, request.seed, key, variant_id, budget))
        if progress is not None:
            progress(n)
    return variants


def read_roster(path: str | Path) -> tuple[str, ...]:
    """Student ids from a CSV roster: the column named id/student_id/sid/student/email/username, else the first."""
    name = str(path)
    text = read_text(path, "roster", "a UTF-8 CSV file with one student id per row")  # regular files only, bounded
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ProblemError(name, 1, 1, "the roster is empty", "a CSV file with one student id per row")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(c) for c in ROSTER_COLUMNS if c in header), None)
    start = 1 if column is not None else 0
    column = column or 0
    ids: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[start:], start=start + 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        student = row[column].strip() if column < len(row) else ""
        if not _SAFE_ID.fullmatch(student):
            raise ProblemError(name, line, 1, f"student id {student!r} cannot name a folder",
                               "letters, digits and _ . @ + - (up to 100 characters)")
        if student in seen:
            raise ProblemError(name, line, 1, f"student id {student!r} is listed twice",
                               f"each id once; it is first on line {seen[student]}")
        seen[student] = line
        ids.append(student)
    if not ids:
        raise ProblemError(name, 1, 1, "the roster lists no student ids", "one student id per row")
    if len(ids) > MAX_VARIANTS:
        raise ProblemError(name, 1, 1, f"the roster lists {len(ids)} students", f"at most {MAX_VARIANTS}")
    return tuple(ids)


def variant_files(variant: Variant) -> dict[str, str]:
    """Every file of one variant: relative name -> text."""
    files = {"problem.yaml": variant.problem_text}
    for format, name in SHEET_FORMATS.items():
        files[name] = render_sheet(variant, format)
    files["key.md"] = render_key(variant, "markdown")
    files["answers.yaml"] = answers_text(variant)
    return files


def manifest(template: Template, request: Request, variants: list[Variant]) -> str:
    return json.dumps({
        "generator": "gradwork generate",
        "template": template.name,
        "template_sha256": template.hash,
        "seed": request.seed,
        "drawn_from": "students" if request.students else "count",
        "constraints": list(template.constraints),
        "variants": [{"id": v.id, "key": v.key, "tries": v.tries, "title": v.solution.title} for v in variants],
    }, indent=2, ensure_ascii=False) + "\n"


def collect(template: Template, request: Request, variants: list[Variant]) -> dict[str, str]:
    files = {"manifest.json": manifest(template, request, variants)}
    for variant in variants:
        for name, text in variant_files(variant).items():
            files[f"{variant.id}/{name}"] = text
    return files


class OutputExists(GradworkError):
    """An output file exists and ``force`` was not given."""


def write_files(folder: Path, files: dict[str, str | bytes], force: bool = False,
                inputs: tuple[Path, ...] = (), shared: tuple[str, ...] = ()) -> list[Path]:
    """Write ``files`` (relative name -> content) under ``folder``; nothing is written if one exists without force.

    Under the ``shared`` prefixes, a regular file that already holds exactly the content
    to write is left as it is and needs no force (a second PrairieLearn question exported
    into the same course finds ``serverFilesCourse/gradwork`` there already). No output
    may be one of ``inputs`` (the template, the roster), even with force.
    """
    targets = [(folder / name, content) for name, content in files.items()
               if force or not (shared and name.startswith(shared) and _holds(folder / name, content))]
    for path, _ in targets:
        if any(same_file(path, source) for source in inputs):
            raise OutputExists(f"{path}:1:1: is an input of this command (expected an output folder that holds "
                               "neither the template nor the roster)")
    if not force:
        for path, _ in targets:
            if path.exists() or path.is_symlink():
                raise OutputExists(f"{path}:1:1: already exists (expected --force to replace it, or another -o DIR)")
    for path, _content in targets:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise OutputExists(f"{path}:1:1: is not a regular file (expected a new path or a regular file to replace)")
    written = []
    for path, content in targets:  # each through the one atomic writer: a failure leaves the old file
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, content, mode=0o755 if path.name in ("run_autograder", "setup.sh") else 0o644)
        written.append(path)
    return written


def _holds(path: Path, content: str | bytes) -> bool:
    """Does ``path`` exist as a regular file (no link) holding exactly ``content``?"""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False
