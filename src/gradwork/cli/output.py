"""Writing command output without ever losing what the user wrote."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from gradwork.cli.errors import fail


def write_output(text: str, path: Path | None) -> None:
    """Print ``text``, or write it to ``path`` atomically (a failed write leaves the old file intact)."""
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    target = path.resolve()
    if target.is_dir():
        fail(f"{path}: is a directory (expected a file to write)")
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as error:
        fail(f"{path}: cannot write ({error.strerror})")


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less the umask."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
