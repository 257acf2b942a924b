"""The functions a student may write (σ, tanh, ReLU, exp, ln, ...), read from the op registry: no table here.

A name is matched without case, spaces, hyphens, underscores or a leading
backslash, against each function or activation op's registered name and its
display names (``Op.display``: ``σ`` / ``\\sigma``, ``ReLU`` /
``\\operatorname{ReLU}``, ``ln`` / ``\\ln``), and the names a student may write
for it where the op lists them (``Op.student_names``, when the registry has
it). Values and derivatives are the op's own forward and VJP on the float
backend: ``tanh'(z)`` is the registered VJP of tanh with an upstream of ones.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from gradwork.ops import Kind, Op, RegistryTable, ops_of_kind

_KINDS: tuple[Kind, ...] = ("function", "activation")


def _key(name: str) -> str:
    return re.sub(r"[\s\-_{}]|\\operatorname|\\mathrm|\\text|\\", "", name).lower()


def _build() -> dict[str, Op]:
    table: dict[str, Op] = {}
    for op in ops_of_kind(*_KINDS):
        written = [op.name, *(op.display or ()), *getattr(op, "student_names", ())]
        for name in written:
            key = _key(name)
            if key and " " not in name.strip():
                table.setdefault(key, op)
    return table


TABLE: RegistryTable[Op] = RegistryTable(_build)


def function_op(name: str) -> Op | None:
    """The op a student's function name stands for (``Sigmoid``, ``\\sigma``, ``relu``, ``ln``), or None."""
    return TABLE.get(_key(name))


def names() -> list[str]:
    """Every name that reads as a function (lower case, as compared)."""
    return sorted(TABLE)


def _backend() -> Any:
    from gradwork.backends import get_backend

    return get_backend("float")


def evaluate(op: Op, args: list[Any]) -> np.ndarray:
    """``op`` applied to the student's arguments: the first is the input, the rest its options in order."""
    params = _params(op, args[1:])
    x = np.asarray(args[0], dtype=float)
    return np.asarray(op.forward(_backend(), x, **params), dtype=float)


def derivative(op: Op, args: list[Any], order: int = 1) -> np.ndarray:
    """The op's derivative at the student's argument (elementwise ops): its registered VJP with ones upstream."""
    if not op.elementwise or order != 1:
        raise ValueError(f"the derivative of {op.name} written as {op.name}'")
    bk = _backend()
    params = _params(op, args[1:])
    x = np.asarray(args[0], dtype=float)
    out = op.forward(bk, x, **params)
    return np.asarray(op.partial(0).vjp(bk, np.ones_like(x), out, x, **params), dtype=float)


def _params(op: Op, extra: list[Any]) -> dict[str, Any]:
    options = [option.name for option in op.options]
    if len(extra) > len(options):
        raise ValueError(f"{op.name} takes {len(options)} option(s), not {len(extra)}")
    return {name: float(np.asarray(value, dtype=float)) for name, value in zip(options, extra)}


def needs_options(op: Op) -> bool:
    """Options without which the student's call cannot be evaluated (a leaky ReLU's slope, if its default differs
    from the problem's, is read from the problem instead)."""
    return bool(op.options)
