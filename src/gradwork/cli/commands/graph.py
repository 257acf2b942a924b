"""`gradwork graph PROBLEM -o FILE`: the computation graph with values and gradients, or the stepping page."""

from __future__ import annotations

from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import fail
from gradwork.cli.output import guard_output
from gradwork.documents.errors import ProblemError

SUFFIXES = (".svg", ".png", ".dot", ".html")  # gradwork.viz.FORMATS, repeated so --help imports nothing heavy


@app.command()
def graph(
    problem: str = typer.Argument(..., help="Problem file (YAML, TOML or JSON), or - for stdin."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="FILE.svg, FILE.png, FILE.dot, or FILE.html (an interactive step-through page)."),
    mode: str | None = typer.Option(None, "--mode", "-m",
                                       help="float | exact | symbolic (default: the file's, else float)"),
    digits: int = typer.Option(4, "--digits", "-d", min=1, max=17,
                               help="Significant figures shown (computed at full precision)."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    """Draw the computation graph: every node's value and gradient (SVG/PNG need Graphviz)."""
    suffix = ".html" if output.suffix.lower() == ".htm" else output.suffix.lower()
    if suffix not in SUFFIXES:
        fail(f"{output}: cannot tell the output format from the suffix {suffix or '(none)'!r} "
             f"(expected one of {', '.join(SUFFIXES)})")
    if mode is not None and mode not in ("float", "exact", "symbolic"):
        fail(f"--mode: unknown value {mode!r} (expected one of: float, exact, symbolic)")
    guard_output(output, [problem], force)
    # lazy (start-up): loaded when this command runs
    from gradwork.api import load
    from gradwork.viz import GraphvizNotFoundError, save

    try:
        solved = load(problem).solve(mode)  # type: ignore[arg-type]
    except ProblemError as error:
        fail(str(error))
    try:
        steps = solved.page_steps(digits=digits) if suffix == ".html" else None
        save(solved.solution, output, digits=digits, steps=steps, labels=solved.graph_labels())
    except GraphvizNotFoundError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{output}: cannot write ({error.strerror or error})")
