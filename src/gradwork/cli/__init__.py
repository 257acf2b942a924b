"""The command line: parse arguments, make one library call, render, exit.

Each command lives in its own module under ``gradwork.cli`` and registers
itself on ``app``. Heavy imports happen inside the command functions so that
``gradwork --help`` stays fast.

Every run goes through one error boundary (``gradwork.cli.app``): bad input is
one line on stderr and exit 2; anything unexpected is one line asking for a
report and exit 3, with the traceback only under ``--debug``.
"""

from __future__ import annotations

from gradwork.cli.app import app

# Command modules register themselves on `app` when imported (one line each).
from gradwork.cli import commands  # noqa: F401

__all__ = ["app", "main"]


def main() -> None:
    app()
