"""Bounds on the work any input can ask for, in one place (docs/limits.md lists them).

Every reader (problem files, answers files, training configs, ``.npz``
parameters) checks its input against :func:`current` limits and refuses what
is over with one line ``FILE:LINE:COL: ... (limit N; --max-NAME to raise)``.
The command line raises a limit with ``--max-NAME N`` (for example
``--max-elements 50000000``); the library with :func:`using`::

    with limits.using(elements=50_000_000):
        gradwork.load("big.yaml").solve()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """The limits; each field is also the command-line option ``--max-FIELD`` (underscores as dashes)."""

    file_size: int = 2_000_000  # bytes of one problem, answers or config file (a problem is a few hundred)
    depth: int = 64  # nesting of lists and mappings
    list_length: int = 100_000  # items in one list
    values: int = 1_000_000  # values in one file, YAML aliases expanded (a 300-byte alias bomb has 10^9)
    elements: int = 10_000_000  # elements of one tensor: an array in a file, a layer's weights, an .npz array
    total_elements: int = 50_000_000  # elements of all of them together: a network's layers, an .npz's arrays
    width: int = 100_000  # units of one layer
    steps: int = 10_000  # optimizer steps in a problem file
    epochs: int = 100_000  # training epochs
    exponent: int = 400  # |exponent| of a decimal number in exact and symbolic mode (1e400)
    digits: int = 1_000  # digits in a run (one integer); Python itself stops at 4,300
    expression_length: int = 10_000  # characters of one expression (a formula, a symbolic answer)
    operators: int = 2_000  # operators and calls in one expression
    simplify_seconds: int = 10  # time for SymPy to put one result in its readable form (then: unsimplified)
    draw_seconds: int = 10  # CPU time generate/test may spend on candidates that fail the constraints, in one run

    def option(self, name: str) -> str:
        return "--max-" + name.replace("_", "-")

    def note(self, name: str) -> str:
        """The parenthesis of a refusal: ``limit N; --max-NAME to raise``."""
        return f"limit {getattr(self, name)}; {self.option(name)} to raise"


NAMES = tuple(f.name for f in fields(Limits))
DEFAULT = Limits()
_current: ContextVar[Limits] = ContextVar("gradwork_limits", default=DEFAULT)


def current() -> Limits:
    """The limits in effect (the defaults unless :func:`using` raised some)."""
    return _current.get()


@contextmanager
def using(limits: Limits | None = None, **changes: int) -> Iterator[Limits]:
    """Run a block under ``limits`` (default: the current ones) with ``changes`` applied."""
    unknown = sorted(set(changes) - set(NAMES))
    if unknown:
        raise ValueError(f"unknown limit {unknown[0]!r} (expected one of: {', '.join(NAMES)})")
    chosen = replace(limits or current(), **changes)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def over(name: str, amount: int) -> bool:
    """Whether ``amount`` is over the current limit ``name``."""
    return amount > getattr(current(), name)


def note(name: str) -> str:
    """``limit N; --max-NAME to raise`` for the current limit ``name``."""
    return current().note(name)
