"""The Typer application every command registers on, behind the one error boundary.

Kept apart from the package's ``__init__`` so that the command modules import ``app`` from here and the package
imports the commands: imports point one way (``gradwork.cli`` -> ``commands`` -> ``app``), with no cycle.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from gradwork.cli.coercion import lighten
from gradwork.cli.errors import run_guarded
from gradwork import __version__


class _Boundary(TyperGroup):
    """The group behind ``app``: runs every command inside :func:`gradwork.cli.errors.run_guarded`; a command's
    ``str`` and ``Path`` parameters are coerced without Pydantic (:mod:`gradwork.cli.coercion`, start-up)."""

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            lighten(command.get_params(ctx))  # its own and --help
        return command

    def get_params(self, ctx):
        params = super().get_params(ctx)
        lighten(params)
        return params

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
        typer.echo(f"gradwork {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Backpropagation worked out, explained and checked."""
