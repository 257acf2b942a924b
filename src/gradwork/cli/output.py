"""Writing command output without ever losing what the user wrote.

Every ``-o`` goes through :func:`guard_output` before any work is done: it is
refused if it names an input of the command, something that is not a regular
file (a folder, a device such as /dev/sda, a FIFO), or an existing file without
``--force``. :func:`write_output` then writes through the one atomic writer,
:func:`gradwork.documents.files.write_file` (a failed write leaves the old file intact).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from gradwork.cli.errors import fail


def guard_output(path: Path, inputs: Iterable[str | Path | None] = (), force: bool = False,
                 option: str = "-o") -> Path:
    """``path`` if the command may write it; else exit 2 with one line saying why."""
    # lazy (start-up): the file-writing machinery loads only when a command writes a file
    from gradwork.documents.files import OutputError, check_output

    try:
        return check_output(path, inputs, force, option)
    except OutputError as error:
        fail(str(error))


def write_output(text: str, path: Path | None) -> None:
    """Print ``text``, or write it to ``path`` atomically (a failed write leaves the old file intact)."""
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    # lazy (start-up): the file-writing machinery loads only when a command writes a file
    from gradwork.documents.files import OutputError, write_file

    try:
        write_file(path, text)
    except OutputError as error:
        fail(str(error))
