"""The command line: parse arguments, make one library call, render, exit.

Imports of the heavy modules happen inside the commands so that
``gradwork --help`` stays fast.
"""

from __future__ import annotations

import sys

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


def main() -> None:
    sys.exit(app())  # typer raises SystemExit itself; this keeps the entry point explicit
