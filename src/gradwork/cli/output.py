"""Writing command output without ever losing what the user wrote.

Every ``-o`` goes through :func:`guard_output` before any work is done: it is
refused if it names an input of the command, something that is not a regular
file (a folder, a device such as /dev/sda, a FIFO), or an existing file without
``--force``. :func:`write_output` then writes atomically (a failed write leaves
the old file intact).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from gradwork.cli.errors import fail


def guard_output(path: Path, inputs: Iterable[str | Path | None] = (), force: bool = False,
                 option: str = "-o") -> Path:
    """``path`` if the command may write it; else exit 2 with one line saying why."""
    try:
        info = os.stat(path)  # follows a symbolic link: what would be replaced is its target
    except FileNotFoundError:
        info = None
    except OSError as error:
        fail(f"{path}: cannot write ({error.strerror or error})")
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, FIFO or socket)"
        fail(f"{path}: is {kind} ({option} expected a file name to write)")
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        if _same_file(path, Path(source)):
            fail(f"{path}: is an input of this command ({option} expected a different file, "
                 f"so that the input is not replaced)")
    if info is not None and not force:
        fail(f"{path}: already exists (expected --force to replace it, or another {option} FILE)")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: compare where they would resolve
        return os.path.realpath(a) == os.path.realpath(b)


def write_output(text: str, path: Path | None) -> None:
    """Print ``text``, or write it to ``path`` atomically (a failed write leaves the old file intact)."""
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    target = path.resolve()
    if target.is_dir():
        fail(f"{path}: is a directory (expected a file to write)")
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as error:
        fail(f"{path}: cannot write ({error.strerror or error})")
    except UnicodeEncodeError as error:
        fail(f"{path}: cannot write the text as UTF-8 ({error.reason})")
    finally:
        if temporary is not None and os.path.exists(temporary):  # a failed write leaves no .tmp behind
            os.unlink(temporary)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less the umask."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
