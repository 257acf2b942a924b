"""`gradwork check PROBLEM ANSWERS`: mark a student's answers (or a folder of them: a gradebook)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from gradwork.cli import app
from gradwork.cli.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_WRONG, fail
from gradwork.cli.output import guard_output, write_output

GRADEBOOK = "gradebook.csv"


@app.command()
def check(
    problem: str = typer.Argument(..., help="Problem file (YAML, TOML or JSON), or - for stdin."),
    answers: str = typer.Argument(..., help="Answers file, - for stdin, or a folder of answers files (one per student)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json | markdown"),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output",
        help=f"Write the report to FILE; for a folder, the CSV gradebook (default: FOLDER/{GRADEBOOK})."),
    force: bool = typer.Option(False, "--force", help=f"Replace an existing -o FILE or FOLDER/{GRADEBOOK}."),
) -> None:
    """Mark answers: tolerances, credit for errors carried forward, named mistakes. Exit 0 all correct, 1 not."""
    if format not in ("text", "json", "markdown"):
        fail(f"--format: unknown value {format!r} (expected one of: text, json, markdown)")
    if problem == "-" and answers == "-":
        fail("-: only one of PROBLEM and ANSWERS can be read from stdin (expected a file for the other)")
    from gradwork.api import load
    from gradwork.check import AnswersError, mark, read_answers
    from gradwork.problem import ProblemError

    try:
        solution = load(problem).solve().solution
    except ProblemError as error:
        fail(str(error))
    if answers != "-" and Path(answers).is_dir():
        _check_folder(solution, Path(answers), format, output, force, problem)
        return
    if output is not None:
        guard_output(output, [problem, answers], force)
    try:
        report = mark(solution, read_answers(answers))
    except AnswersError as error:
        fail(str(error))
    write_output(_render(report, format, output), output)
    raise typer.Exit(EXIT_OK if report.all_correct else EXIT_WRONG)


def _render(report, format: str, output: Optional[Path]) -> str:
    from gradwork.check.render import render_json, render_markdown, render_text

    if format == "json":
        return render_json(report)
    if format == "markdown":
        return render_markdown(report)
    return render_text(report, color=output is None and sys.stdout.isatty())


def _check_folder(solution, folder: Path, format: str, output: Optional[Path], force: bool, problem: str) -> None:
    import json

    from gradwork.check.gradebook import answers_files, mark_files
    from gradwork.check.render import render_markdown

    files = answers_files(folder)
    if not files:
        fail(f"{folder}:1:1: no answers files in this folder (expected .yaml, .yml, .toml or .json files)")
    target = output or folder / GRADEBOOK
    if output is None and target.exists() and not force:
        fail(f"{target}:1:1: already exists (expected -o FILE.csv to choose where to write, or --force to replace it)")
    guard_output(target, [problem, *files], force)
    gradebook = mark_files(solution, files)
    write_output(gradebook.to_csv(), target)
    for student in gradebook.students:
        if student in gradebook.errors:
            sys.stderr.write(gradebook.errors[student] + "\n")
    if format == "json":
        text = json.dumps({"gradebook": str(target), "students": [
            {"student": s, **gradebook.reports[s].to_json()} for s in gradebook.students if s in gradebook.reports]},
            indent=2, ensure_ascii=False)
    elif format == "markdown":
        text = "\n---\n\n".join(f"## {s}\n\n" + render_markdown(gradebook.reports[s])
                                for s in gradebook.students if s in gradebook.reports)
    else:
        width = max((len(s) for s in gradebook.students), default=7)
        lines = [f"{'student':<{width}}  score"]
        for s in gradebook.students:
            report = gradebook.reports.get(s)
            lines.append(f"{s:<{width}}  " + (f"{report.correct}/{report.total}" if report else "unreadable"))
        lines.append(f"gradebook written to {target}")
        text = "\n".join(lines)
    sys.stdout.write(text.rstrip("\n") + "\n")
    if gradebook.errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(EXIT_OK if all(r.all_correct for r in gradebook.reports.values()) else EXIT_WRONG)
