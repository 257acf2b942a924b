"""The command line: parse arguments, make one library call, render, exit.

Each command lives in its own module under ``gradwork.cli`` and registers
itself on ``app``. Heavy imports happen inside the command functions so that
``gradwork --help`` stays fast.

Every run goes through one error boundary (:class:`_Boundary`): bad input is
one line on stderr and exit 2; anything unexpected is one line asking for a
report and exit 3, with the traceback only under ``--debug``.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from gradwork.cli.errors import run_guarded


class _Boundary(TyperGroup):
    """The group behind ``app``: runs every command inside :func:`gradwork.cli.errors.run_guarded`."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        parent = super().main
        return run_guarded(lambda argv, standalone: parent(argv, prog_name, complete_var,
                                                            standalone_mode=standalone, **extra),
                           args, standalone_mode)


app = typer.Typer(
    name="gradwork",
    cls=_Boundary,
    help="Backpropagation worked out, explained and checked.\n\n"
         "--debug (anywhere) shows the traceback of an internal error; --max-NAME N raises a limit "
         "(docs/limits.md).",
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
