"""`gradwork check PROBLEM ANSWERS`: mark a student's answers (or a folder of them: a gradebook).

Parsing arguments, one library call, rendering by the library, an exit code: the
marking policy, the report and the gradebook are all :mod:`gradwork.check`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_WRONG, fail, one_line
from gradwork.cli.output import guard_output, write_output
from gradwork.documents.errors import ProblemError

GRADEBOOK_SUFFIX = ".gradebook.csv"


@app.command()
def check(
    problem: str = typer.Argument(..., help="Problem file (YAML, TOML or JSON), or - for stdin."),
    answers: str = typer.Argument(
        ..., help="Answers file, - for stdin, or a folder of answers files (one per student)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json | markdown"),
    output: Path | None = typer.Option(
        None, "-o", "--output",
        help=f"Write the report to FILE. For a folder: the gradebook (default FOLDER{GRADEBOOK_SUFFIX}, next to "
             "the folder); a FILE ending in .md or .html gets the class summary, .json every report, instead of "
             "the CSV."),
    force: bool = typer.Option(
        False, "--force", help=f"Replace an existing -o FILE or FOLDER{GRADEBOOK_SUFFIX} (a class's gradebook "
                               "that already holds the same marks is left as it is without it)."),
    sigfigs: int | None = typer.Option(None, "--sigfigs", help="Compare to N significant figures."),
    digits: int | None = typer.Option(None, "--digits", help="Compare to N decimal places."),
    rtol: float | None = typer.Option(None, "--rtol", help="Relative tolerance: |s - t| <= atol + rtol*|t|."),
    atol: float | None = typer.Option(None, "--atol", help="Absolute tolerance, with --rtol (default 1e-8)."),
    allow_answer_tolerance: bool = typer.Option(
        False, "--allow-answer-tolerance", help="Let an answers file's own tolerance: apply (ignored otherwise)."),
) -> None:
    """Mark answers under the teacher's policy: tolerance, asked items, points, carried-forward credit, named
    mistakes. Exit 0 when every scored item is correct, 1 otherwise."""
    if format not in ("text", "json", "markdown"):
        fail(f"--format: unknown value {format!r} (expected one of: text, json, markdown)")
    if problem == "-" and answers == "-":
        fail("-: only one of PROBLEM and ANSWERS can be read from stdin (expected a file for the other)")
    # lazy (start-up): loaded when this command runs
    from gradwork.api import load
    from gradwork.check import AnswersError, check_answers, read_answers
    from gradwork.check.policy import tolerance_from_flags
    from gradwork.numbers.tolerance import ToleranceError

    try:
        tolerance = tolerance_from_flags(sigfigs, digits, rtol, atol)
    except ToleranceError as error:
        flag = f"--{error.key}" if error.key else "tolerance"
        fail(str(error) if str(error).startswith("--") else f"{flag}: {error}")
    try:
        solution = load(problem).solve().solution
    except ProblemError as error:
        fail(str(error))
    if answers != "-" and Path(answers).is_dir():
        _check_folder(solution, Path(answers), format, output, force, tolerance, allow_answer_tolerance, problem)
        return
    if output is not None:
        guard_output(output, [problem, answers], force)
    try:
        report = check_answers(solution, read_answers(answers), tolerance,
                               allow_answer_tolerance=allow_answer_tolerance)
    except AnswersError as error:
        fail(str(error))
    for warning in report.warnings:
        sys.stderr.write(one_line(f"warning: {report.answers}: {warning}") + "\n")
    write_output(_render(report, format, output), output)
    raise typer.Exit(EXIT_OK if report.all_correct else EXIT_WRONG)


def _render(report, format: str, output: Path | None) -> str:
    # lazy (start-up): loaded when this command runs
    from gradwork.check.render import render_json, render_markdown, render_text

    if format == "json":
        return render_json(report)
    if format == "markdown":
        return render_markdown(report)
    return render_text(report, color=output is None and sys.stdout.isatty())


def gradebook_path(folder: Path) -> Path:
    """Where a class's gradebook goes by default: next to the folder, never inside it (``answers.gradebook.csv``)."""
    resolved = folder.resolve()
    name = resolved.name or "answers"
    return resolved.parent / f"{name}{GRADEBOOK_SUFFIX}"


def _check_folder(solution, folder: Path, format: str, output: Path | None, force: bool, tolerance,
                  allow_answer_tolerance: bool, problem: str) -> None:
    import json

    # lazy (start-up): loaded when this command runs
    from gradwork.check.gradebook import answers_files, check_files

    files = answers_files(folder)
    if not files:
        fail(f"{folder}:1:1: no answers files in this folder (expected .yaml, .yml, .toml or .json files)")
    target = output or gradebook_path(folder)
    guard_output(target, [problem, *files], force=True)  # never an input nor a non-regular file
    gradebook = check_files(solution, files, tolerance, allow_answer_tolerance=allow_answer_tolerance)
    suffix = target.suffix.lower()
    saved = gradebook.to_html() if suffix in (".html", ".htm") else \
        gradebook.to_markdown() if suffix in (".md", ".markdown") else \
        json.dumps(gradebook.to_json(), indent=2, ensure_ascii=False) + "\n" if suffix == ".json" else \
        gradebook.to_csv()
    written = _write_gradebook(saved, target, force)
    for student in gradebook.students:  # file names from the folder: one line each, no control characters
        if student in gradebook.errors:
            sys.stderr.write(one_line(gradebook.errors[student]) + "\n")
        elif gradebook.reports[student].warnings:
            for warning in gradebook.reports[student].warnings:
                sys.stderr.write(one_line(f"warning: {gradebook.reports[student].answers}: {warning}") + "\n")
    if format == "json":
        text = json.dumps({"gradebook": str(target), **gradebook.to_json()}, indent=2, ensure_ascii=False)
    elif format == "markdown":
        text = gradebook.to_markdown()
    else:
        text = gradebook.to_text() + one_line(f"gradebook {written}: {target}")
    sys.stdout.write(text.rstrip("\n") + "\n")
    if gradebook.errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(EXIT_OK if all(r.all_correct for r in gradebook.reports.values()) else EXIT_WRONG)


def _write_gradebook(text: str, target: Path, force: bool) -> str:
    """Write the gradebook; an existing one is replaced only with --force, unless it already holds this text.

    So the same check run twice in a row succeeds (the second run finds the
    gradebook it would write, "unchanged"), and a run whose marks differ from
    the saved ones never replaces them silently.
    """
    if target.exists() and not force:
        try:
            same = target.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if same:
            return "unchanged"
        fail(f"{target}: already exists with other marks (expected --force to replace it, or -o FILE to write "
             "elsewhere)")
    replaced = target.exists()
    write_output(text, target)
    return "replaced" if replaced else "written"
