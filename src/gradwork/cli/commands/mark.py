"""`gradwork mark PROBLEM WORK.md|DIR`: mark a transcribed worked solution line by line (or a folder: a gradebook)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_WRONG, fail, one_line
from gradwork.cli.output import guard_output, write_output
from gradwork.documents.errors import ProblemError
from gradwork.mark import WorkError, mark_work, WORK_SUFFIXES, class_work, mark_folder

GRADEBOOK = "gradebook.csv"
FORMATS = ("text", "json", "markdown", "html")


@app.command()
def mark(
    problem: str = typer.Argument(..., help="Problem file (YAML, TOML or JSON), or - for stdin."),
    work: str = typer.Argument(
        ..., help="The worked solution (Markdown with LaTeX), - for stdin, or a folder of them."),
    format: str = typer.Option("text", "--format", "-f", help="text | json | markdown | html"),
    output: Path | None = typer.Option(
        None, "-o", "--output",
        help=f"Write the marked work to FILE; for a folder, the CSV gradebook (default: FOLDER/{GRADEBOOK})."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    """Mark a worked solution line by line: arithmetic, results, rules. Exit 0 all correct, 1 not."""
    if format not in FORMATS:
        fail(f"--format: unknown value {format!r} (expected one of: {', '.join(FORMATS)})")
    if problem == "-" and work == "-":
        fail("-: only one of PROBLEM and WORK can be read from stdin (expected a file for the other)")
    # lazy (start-up): loaded when this command runs
    from gradwork.api import load

    try:
        solution = load(problem).solve().solution
    except ProblemError as error:
        fail(str(error))
    if work != "-" and Path(work).is_dir():
        _mark_folder(solution, Path(work), format, output, force, problem)
        return
    if output is not None:
        guard_output(output, [problem, work], force)
    text = _read(work)

    try:
        report = mark_work(solution, text, work)
    except WorkError as error:
        fail(str(error))
    write_output(_render(report, text, format), output)
    raise typer.Exit(EXIT_OK if report.all_correct else EXIT_WRONG)


def _read(work: str) -> str:
    """The worked solution's text: a regular file (or -) within the file-size limit, UTF-8."""
    # lazy (start-up): loaded when this command runs
    from gradwork.documents.files import read_text

    try:
        return read_text(work, "worked solution", "a Markdown file with the worked solution")
    except ProblemError as error:
        fail(str(error))


def _render(report, text: str, format: str) -> str:
    # lazy (start-up): loaded when this command runs
    from gradwork.mark.render import (
        render_html,
        render_json,
        render_markdown,
        render_text,
    )

    if format == "json":
        return render_json(report)
    if format == "markdown":
        return render_markdown(report, text)
    if format == "html":
        return render_html(report, text)
    return render_text(report)


def _mark_folder(solution, folder: Path, format: str, output: Path | None, force: bool, problem: str) -> None:
    import json


    files, refused = class_work(folder)
    if not files and not refused:
        fail(f"{folder}:1:1: no worked solutions in this folder (expected {', '.join(WORK_SUFFIXES)} files)")
    target = output or folder / GRADEBOOK
    if output is None and target.exists() and not force:
        fail(f"{target}:1:1: already exists (expected -o FILE.csv to choose where to write, or --force to replace it)")
    guard_output(target, [problem, *files], force)  # never the problem, a submission or a non-regular file
    reports, gradebook = mark_folder(solution, files, errors=refused)
    write_output(gradebook.to_csv(), target)
    for student in gradebook.students:  # file names from the folder: one line each, no control characters
        if student in gradebook.errors:
            sys.stderr.write(one_line(gradebook.errors[student]) + "\n")
    if format == "json":
        text = json.dumps({"gradebook": str(target), "students": [
            {"student": s, **reports[s].to_json()} for s in sorted(reports)]}, indent=2, ensure_ascii=False)
    else:
        shown = {s: one_line(s) for s in gradebook.students}
        width = max((len(s) for s in shown.values()), default=7)
        lines = [f"{'student':<{width}}  points  lines wrong"]
        for s in gradebook.students:
            report = reports.get(s)
            if report is None:
                lines.append(f"{shown[s]:<{width}}  unreadable")
                continue
            score = report.score()
            lines.append(f"{shown[s]:<{width}}  {score['points']:g}/{score['max_points']:g}  "
                         f"{report.counts()['wrong']}")
        lines.append(one_line(f"gradebook written to {target}"))
        text = "\n".join(lines)
    sys.stdout.write(text.rstrip("\n") + "\n")
    if gradebook.errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(EXIT_OK if all(r.all_correct for r in reports.values()) else EXIT_WRONG)
