"""The error types for bad input: :class:`GradworkError`, and the located :class:`ProblemError`."""

from __future__ import annotations


class GradworkError(Exception):
    """Bad input or a refused operation, with a one-line message: the base of gradwork's own errors.

    The public API raises this (or ``TypeError`` for an argument of the wrong
    type), never a raw internal error; the command line prints ``str(error)``
    and exits 2.
    """


class ProblemError(GradworkError):
    """Bad input in a problem file.

    ``str(error)`` is the one line that docs/format.md fixes for the command line:
    ``FILE:LINE:COL: what is wrong (what was expected)``. Line and column are
    1-based; ``expected`` may be empty, and then the parenthesis is left out.
    """

    def __init__(self, file: str, line: int, column: int, message: str, expected: str = "") -> None:
        self.file = file
        self.line = max(int(line), 1)
        self.column = max(int(column), 1)
        self.message = message
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.expected.startswith("limit "):  # a refusal by gradwork.documents.limits names the limit instead
            text += f" ({self.expected})"
        elif self.expected:
            text += f" (expected {self.expected})"
        # One line always: a newline inside a parser's message would split it.
        return " ".join(text.split("\n"))

    def __reduce__(self):  # keep the error picklable (multiprocessing, pytest-xdist)
        return (type(self), (self.file, self.line, self.column, self.message, self.expected))
