"""Every file gradwork reads or writes goes through here: bounded reads, and one atomic writer.

Reading (:func:`open_input`, :func:`read_bytes`, :func:`read_text`): an input is
a regular file or ``-`` (standard input). A FIFO, a device such as ``/dev/zero``
or a folder is refused before anything is read from it (it is opened without
blocking, then checked), and a file over its size limit is refused from its
size, before it is read. Refusals are one located line (:class:`ProblemError`).

Writing (:func:`write_file`, :func:`writing`): the content goes to a temporary
file in the target's folder and is renamed over the target; when it replaces
a file, it is flushed to disk (``fsync``) before the rename, so that even a
power cut leaves the old content or the new one. A failed write (a full disk,
a file-size limit, an exception in the code producing the content, a kill)
leaves the old file as it was; an existing target that is not a regular file
(a FIFO, a device, a folder) is never replaced. :func:`check_output` is the guard a command runs before any
work: the output is not one of its inputs, not a non-regular file, and not an
existing file unless ``force``. Errors are :class:`OutputError`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from gradwork.documents import limits
from gradwork.documents.errors import GradworkError, ProblemError

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0))


class OutputError(GradworkError):
    """An output that may not or cannot be written; ``str(error)`` is one line starting with the path."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


# --------------------------------------------------------------------------- reading


def open_input(path: str | Path, what: str = "file", expected: str = "") -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file; else a :class:`ProblemError` at 1:1.

    The file is opened without blocking (a FIFO with no writer would otherwise
    wait forever) and checked on the open descriptor, so nothing can be swapped
    in between the check and the read.
    """
    name = str(path)
    expected = expected or f"a readable {what}"
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise ProblemError(name, 1, 1, f"cannot read the file: {error.strerror or error}", expected) from None
    except (ValueError, TypeError) as error:  # a NUL byte in the name, a name that is not text
        raise ProblemError(name, 1, 1, f"cannot read the file: {error}", expected) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise ProblemError(name, 1, 1, f"is {kind_of(mode)}, not a regular file",
                               f"the {what} as a regular file, or - for standard input")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_bytes(path: str | Path, what: str = "file", expected: str = "", limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, refused when over ``limit`` (default: the file-size limit)."""
    cap = limits.current().file_size if limit is None else limit
    note = limits.note("file_size") if limit is None else f"at most {limit} bytes"
    name = str(path)
    with open_input(path, what, expected) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > cap:
            raise ProblemError(name, 1, 1, f"the file is larger than {cap} bytes", note)
        try:
            data = stream.read(cap + 1)
        except OSError as error:
            raise ProblemError(name, 1, 1, f"cannot read the file: {error.strerror or error}",
                               expected or f"a readable {what}") from None
    if len(data) > cap:  # grew while being read
        raise ProblemError(name, 1, 1, f"the file is larger than {cap} bytes", note)
    return data


def decode(data: bytes, name: str, what: str = "file") -> str:
    """UTF-8 text (a byte-order mark dropped); an invalid byte is refused at its line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ProblemError(name, line, column, "the file is not valid UTF-8 text",
                           "a UTF-8 encoded text file") from None


def read_stdin(limit: int | None = None) -> str:
    """Standard input as text, read only up to the file-size limit."""
    cap = limits.current().file_size if limit is None else limit
    stream = sys.stdin
    if stream is None:
        raise ProblemError("<stdin>", 1, 1, "there is no standard input", "a file name instead of -")
    try:
        text = stream.read(cap + 1)
    except UnicodeDecodeError as error:
        raise ProblemError("<stdin>", 1, 1, f"the input is not valid UTF-8 text ({error.reason})",
                           "UTF-8 encoded text") from None
    except OSError as error:
        raise ProblemError("<stdin>", 1, 1, f"cannot read standard input: {error.strerror or error}",
                           "a readable standard input") from None
    if len(text) > cap:
        raise ProblemError("<stdin>", 1, 1, f"the input is larger than {cap} characters",
                           limits.note("file_size") if limit is None else f"at most {limit} characters")
    return text


def read_text(source: str | Path, what: str = "file", expected: str = "", limit: int | None = None) -> str:
    """The UTF-8 text of ``source`` (a path, or ``"-"`` for standard input), bounded and checked as above."""
    if isinstance(source, str) and source == "-":
        return read_stdin(limit)
    return decode(read_bytes(source, what, expected, limit), str(source), what)


# --------------------------------------------------------------------------- writing


def check_output(path: str | Path, inputs: Iterable[str | Path | None] = (), force: bool = False,
                 option: str = "-o") -> Path:
    """``path`` if a command may write it; else :class:`OutputError` saying why.

    Refused: one of ``inputs`` (also through a symbolic link), an existing
    non-regular file (a folder, a device, a FIFO), an existing file without
    ``force``.
    """
    path = Path(path)
    try:
        info = os.stat(path)  # follows a symbolic link: what would be replaced is its target
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None
    except ValueError as error:  # a NUL byte in the name
        raise OutputError(f"{path}: cannot write ({error})") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path}: is {kind_of(info.st_mode)}, not a regular file "
                          f"({option} expected a file name to write)")
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        if same_file(path, Path(source)):
            raise OutputError(f"{path}: is an input of this command ({option} expected a different file, "
                              f"so that the input is not replaced)")
    if info is not None and not force:
        raise OutputError(f"{path}: already exists (expected --force to replace it, or another {option} FILE)")
    return path


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` are one file (through links), or would resolve to one path."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist: compare where they would resolve
        try:
            return os.path.realpath(a) == os.path.realpath(b)
        except (OSError, ValueError):
            return False


def _target(path: str | Path) -> Path:
    """Where a write of ``path`` lands (a symbolic link's target), refused when it is not a regular file."""
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path}: is {kind_of(info.st_mode)}, not a regular file "
                          "(expected a regular file to replace, or a new name)")
    return target


@contextlib.contextmanager
def writing(path: str | Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the block ends without an error.

    The stream is a temporary file in the target's folder; on success it is
    flushed, synced when it replaces a file, and renamed over the target, with
    permissions ``mode`` (default: an existing file's, else 0666 less the umask). On any error, or when
    the process dies, the target is untouched and the temporary file removed
    (after a kill, a hidden ``.NAME.*.tmp`` may remain). OSError becomes
    :class:`OutputError`.
    """
    target = _target(path)
    # Only a replaced file has content to lose: its new content reaches the disk before the rename, and the
    # rename is synced too. A new file is not synced (a sync costs milliseconds, and a run writes hundreds
    # of files): a power cut can then lose that output, never anything that was there before.
    replacing = os.path.lexists(target)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            if replacing:
                os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target, mode))
        _target(path)  # still not a FIFO or folder: nothing non-regular is ever replaced
        os.replace(temporary, target)
        temporary = None
        if replacing:
            _sync_folder(target.parent)
    except OSError as error:
        if isinstance(error, OutputError):
            raise
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def write_file(path: str | Path, content: str | bytes, mode: int | None = None) -> Path:
    """Write ``content`` (text as UTF-8) to ``path`` atomically; see :func:`writing`."""
    if isinstance(content, str):
        try:
            data = content.encode("utf-8")
        except UnicodeEncodeError as error:
            raise OutputError(f"{path}: cannot write the text as UTF-8 ({error.reason})") from None
    else:
        data = content
    with writing(path, mode) as stream:
        stream.write(data)
    return Path(path)


def _mode_for(target: Path, mode: int | None) -> int:
    """``mode`` when given; else an existing file's permissions, or the usual 0666 less the umask."""
    if mode is not None:
        return mode
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can sync a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
