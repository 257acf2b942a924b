"""`gradwork solve PROBLEM`: the worked solution."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import fail
from gradwork.cli.output import guard_output, write_output
from gradwork.documents.errors import ProblemError


@app.command()
def solve(
    problem: str = typer.Argument(..., help="Problem file (YAML, TOML or JSON), or - for stdin."),
    format: str = typer.Option("text", "--format", "-f", help="text | markdown | latex | html | json"),
    style: str = typer.Option("chain", "--style", "-s", help="chain | delta | matrix"),
    mode: str | None = typer.Option(
        None, "--mode", "-m", help="float | exact | symbolic (default: the file's, else float)"),
    digits: int = typer.Option(
        4, "--digits", "-d", min=1, max=17, help="Significant figures shown (computed at full precision)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to FILE instead of standard output."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
    notes: bool = typer.Option(False, "--notes", help="The teacher's view: keep implementation remarks."),
) -> None:
    """Forward pass, loss, every gradient and the update, explained step by step."""
    _check_choice("--format", format, ("text", "markdown", "latex", "html", "json"))
    _check_choice("--style", style, ("chain", "delta", "matrix"))
    if mode is not None:
        _check_choice("--mode", mode, ("float", "exact", "symbolic"))
    if output is not None:
        guard_output(output, [problem], force)
    # lazy (start-up): loaded when this command runs
    from gradwork.api import load

    try:
        solved = load(problem).solve(mode)  # type: ignore[arg-type]
        solved.style = style  # type: ignore[assignment]
        terminal = format == "text" and output is None and sys.stdout.isatty()
        width = shutil.get_terminal_size((100, 24)).columns if terminal else 100  # 100 when piped or written
        text = solved.render(format, digits=digits, color=terminal, width=width, notes=notes)  # type: ignore[arg-type]
    except ProblemError as error:
        fail(str(error))
    for note in solved.solution.notes:  # e.g. symbolic simplification ran out of time: say so, never silently
        typer.echo(f"note: {note}", err=True)
    write_output(text, output)


def _check_choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        fail(f"{option}: unknown value {value!r} (expected one of: {', '.join(choices)})")
