"""Reading NumPy ``.npz`` archives that someone else wrote, without trusting their headers.

An ``.npz`` file is a zip of ``NAME.npy`` members. :func:`read_npz` reads only
the members it is asked for, and each one's header first: the ``.npy`` format
versions 1.0, 2.0 and 3.0 are parsed here (not by ``numpy.load``, which would
allocate what a header claims), the dtype must be plain numbers, booleans or a
short string, the shape's element count must be within the ``elements`` limit,
and all requested arrays together within ``total_elements``, before any array
data is read. Members that are not asked for are never read, so a 3 GB member
that is not an array costs nothing. Refusals are one-line
:class:`~gradwork.documents.errors.ProblemError` at ``FILE:1:1``.
"""

from __future__ import annotations

import ast
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradwork.documents import files, limits
from gradwork.documents.errors import ProblemError

MAGIC = b"\x93NUMPY"
MAX_HEADER = 10_000  # bytes of one header's dict (numpy's own default bound)
MAX_STRING_ITEM = 1_000_000  # bytes of one element of a string array (a JSON metadata string)
_KINDS = "biuf"  # bool, signed and unsigned integers, floats; strings ("U", "S") only where asked


@dataclass(frozen=True)
class Header:
    """What a ``.npy`` member says it holds."""

    version: tuple[int, int]
    descr: str
    fortran_order: bool
    shape: tuple[int, ...]
    count: int  # elements: the product of the shape
    itemsize: int


def read_npz(path: str | Path, names: Iterable[str], *, what: str = ".npz archive", optional: Iterable[str] = (),
             strings: Iterable[str] = ()) -> dict[str, Any]:
    """The arrays ``names`` (each required) and ``optional`` (when present) of the archive at ``path``.

    ``strings`` names the members that may hold text (a JSON string); every
    other member must hold numbers. Returns ``{name: numpy.ndarray}``.
    """
    import numpy as np

    names_list = list(names)
    wanted = list(dict.fromkeys([*names_list, *optional]))
    required = set(names_list)
    textual = set(strings)
    name = str(path)
    try:
        with files.open_input(path, what, f"a readable {what}") as stream:
            try:
                archive = zipfile.ZipFile(stream)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
                raise ProblemError(name, 1, 1, f"not a readable {what} ({_reason(error)})",
                                   "a zip of .npy arrays written by NumPy") from None
            with archive:
                members = {info.filename: info for info in archive.infolist()}
                headers: dict[str, Header] = {}
                total = 0
                for key in wanted:
                    info = members.get(key + ".npy")
                    if info is None:
                        if key in required:
                            present = sorted(m[:-4] for m in members if m.endswith(".npy"))[:20]
                            listed = " and ".join(", ".join(names_list).rsplit(", ", 1))
                            raise ProblemError(name, 1, 1, f"no array named {key!r}",
                                               f"array{'s' if len(names_list) > 1 else ''} {listed}; "
                                               f"found {', '.join(present) or 'none'}")
                        continue
                    header = _header(archive, info, name, key)
                    _check(header, info, name, key, key in textual)
                    total += header.count
                    if limits.over("total_elements", total):
                        raise ProblemError(name, 1, 1, f"the arrays hold more than {total - 1} elements together "
                                                       f"(at {key!r})", limits.note("total_elements"))
                    headers[key] = header
                arrays: dict[str, Any] = {}
                for key in headers:
                    with archive.open(members[key + ".npy"]) as member:
                        arrays[key] = np.lib.format.read_array(member, allow_pickle=False,
                                                               max_header_size=MAX_HEADER + 16)
                return arrays
    except ProblemError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError) as error:
        # A damaged member (truncated, a bad CRC, an unknown compression): one line, never a traceback.
        raise ProblemError(name, 1, 1, f"not a readable {what} ({_reason(error)})",
                           "a zip of .npy arrays written by NumPy") from None
    except MemoryError:
        raise ProblemError(name, 1, 1, "not enough memory to read the arrays", "a smaller file") from None


def unlocated(error: ProblemError) -> str:
    """``FILE: message (expected ...)``: the error without its line and column (a binary file has no lines)."""
    text = str(error)
    prefix = f"{error.file}:{error.line}:{error.column}: "
    return f"{error.file}: {text[len(prefix):]}" if text.startswith(prefix) else text


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, key: str) -> Header:
    """The member's ``.npy`` header, parsed here for every format version (1.0, 2.0, 3.0)."""
    with archive.open(info) as member:
        prefix = member.read(len(MAGIC) + 2)
        if len(prefix) < len(MAGIC) + 2 or not prefix.startswith(MAGIC):
            raise ProblemError(name, 1, 1, f"the member {key!r} is not a .npy array", "arrays saved by NumPy")
        version = (prefix[-2], prefix[-1])
        if version == (1, 0):
            size_bytes, encoding = 2, "latin1"
        elif version in ((2, 0), (3, 0)):
            size_bytes, encoding = 4, "latin1" if version == (2, 0) else "utf8"
        else:
            raise ProblemError(name, 1, 1, f"the array {key!r} has .npy format version {version[0]}.{version[1]}",
                               "version 1.0, 2.0 or 3.0")
        raw_length = member.read(size_bytes)
        if len(raw_length) < size_bytes:
            raise ProblemError(name, 1, 1, f"the array {key!r} is truncated", "a complete .npy header")
        length = int.from_bytes(raw_length, "little")
        if length > MAX_HEADER:
            raise ProblemError(name, 1, 1, f"the array {key!r} has a {length}-byte header",
                               f"at most {MAX_HEADER} bytes")
        raw = member.read(length)
    if len(raw) < length:
        raise ProblemError(name, 1, 1, f"the array {key!r} is truncated", "a complete .npy header")
    try:
        text = raw.decode(encoding)
        fields = ast.literal_eval(text.strip())
    except (UnicodeDecodeError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ProblemError(name, 1, 1, f"the array {key!r} has an unreadable header",
                           "{'descr': ..., 'fortran_order': ..., 'shape': (...)}") from None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise ProblemError(name, 1, 1, f"the array {key!r} has an unreadable header",
                           "the keys descr, fortran_order and shape")
    descr, order, shape = fields["descr"], fields["fortran_order"], fields["shape"]
    if not isinstance(descr, str) or not isinstance(order, bool) or not isinstance(shape, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape) or len(shape) > 32:
        raise ProblemError(name, 1, 1, f"the array {key!r} has an unreadable header",
                           "a dtype string, fortran_order true or false, and a shape of whole numbers")
    import numpy as np

    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise ProblemError(name, 1, 1, f"the array {key!r} has the unknown dtype {descr[:40]!r}",
                           "numbers") from None
    count = 1
    for n in shape:
        count *= n
    return Header(version, descr, order, shape, count, dtype.itemsize)


def _check(header: Header, info: zipfile.ZipInfo, name: str, key: str, textual: bool) -> None:
    import numpy as np

    kind = np.dtype(header.descr).kind
    allowed = _KINDS + ("US" if textual else "")
    if kind not in allowed or np.dtype(header.descr).fields is not None:
        raise ProblemError(name, 1, 1, f"the array {key!r} holds {header.descr[:40]!r} values",
                           "a string" if textual and kind not in _KINDS else "numbers (no objects or records)")
    if kind in "US" and header.itemsize > MAX_STRING_ITEM:
        raise ProblemError(name, 1, 1, f"the array {key!r} holds strings of {header.itemsize} bytes",
                           f"at most {MAX_STRING_ITEM} bytes")
    if limits.over("elements", header.count):
        raise ProblemError(name, 1, 1, f"the array {key!r} has {header.count} elements", limits.note("elements"))
    if header.count * header.itemsize > info.file_size:  # the member cannot hold what its header claims
        raise ProblemError(name, 1, 1, f"the array {key!r} is truncated "
                                       f"(its header says {header.count} elements, the member is shorter)",
                           "a complete .npy array")
