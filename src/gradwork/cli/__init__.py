"""The command line: parse arguments, make one library call, render, exit.

Each command lives in its own module under ``gradwork.cli`` and registers
itself on ``app``. Heavy imports happen inside the command functions so that
``gradwork --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="gradwork",
    help="Backpropagation worked out, explained and checked.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from gradwork import __version__

        typer.echo(f"gradwork {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Backpropagation worked out, explained and checked."""


# Command modules register themselves on `app` when imported (one line each).
from gradwork.cli import commands  # noqa: E402,F401


def main() -> None:
    app()
