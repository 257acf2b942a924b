"""Turning library errors into one-line messages and exit code 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2


def fail(message: str) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with code 2 (bad input)."""
    sys.stderr.write(message.rstrip().replace("\n", " ") + "\n")
    raise typer.Exit(EXIT_BAD_INPUT)
