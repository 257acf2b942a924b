"""The functions a student may write (σ, tanh, ReLU, exp, ln, ...), read from the op registry: no table here.

A name is matched without case, spaces, hyphens, underscores or a leading
backslash, against every name a student may write for a function or
activation op (``Op.written_names``: its name, its display name ``σ``/``ReLU``/
``ln``, and the others it lists, ``sigma``, ``logistic``, ``lrelu``) and its
LaTeX display (``\\sigma``, ``\\operatorname{ReLU}``, ``\\ln``). Values and
derivatives are the op's own forward and VJP on the float backend:
``tanh'(z)`` is the registered VJP of tanh with an upstream of ones. The ops
with a mistake of their own are found by their pitfall records
(:func:`gradwork.ops.pitfalls_of`), never by name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from gradwork.ops import OPS, Kind, Op, RegistryTable, ops_of_kind, pitfalls_of
from gradwork.backends import get_backend

_KINDS: tuple[Kind, ...] = ("function", "activation")


@lru_cache(maxsize=16384)  # a pure function of the name; the reader asks about every word of a plain line
def _key(name: str) -> str:
    return re.sub(r"[\s\-_{}]|\\operatorname|\\mathrm|\\text|\\", "", name).lower()


def _build() -> dict[str, Op]:
    table: dict[str, Op] = {}
    for op in ops_of_kind(*_KINDS):
        written = [*op.written_names, *(op.display[1:] if op.display else ())]
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


def is_op_word(word: str) -> bool:
    """A word that names a registered op of any kind (``sum``, ``max``, ``exp``): maths, not prose."""
    return word.lower() in OPS or function_op(word) is not None


_CALLED: tuple[Kind, ...] = ("arithmetic", "reduction")  # max(0, z), max(x): school maths the registry has too


def call_op(name: str, arity: int) -> Op | None:
    """The op a call ``name(a, ...)`` of ``arity`` arguments stands for: a registered function, or an op of
    several inputs (or a reduction of one) written so (``max(0, z)``: the elementwise maximum)."""
    op = function_op(name)
    if op is not None:
        return op
    key = _key(name)
    return next((op for op in ops_of_kind(*_CALLED) if len(op.partials) == arity
                 and key in {_key(written) for written in op.written_names}), None)


def is_call_word(name: str) -> bool:
    """A name that reads as a call when an argument list follows (``max``, ``min``)."""
    key = _key(name)
    return any(key in {_key(written) for written in op.written_names} for op in ops_of_kind(*_CALLED))


def apply_inputs(op: Op, args: list[Any]) -> np.ndarray:
    """An op of several inputs (``maximum``) or a reduction applied to the student's arguments, as numbers."""
    return np.asarray(op.forward(_backend(), *[np.asarray(a, dtype=float) for a in args]), dtype=float)


def between_bars() -> Op | None:
    """The function written ``|x|`` (its registered call notation): the absolute value."""
    return next((op for op in ops_of_kind(*_KINDS) if op.call is not None and op.call.text == "|$x|"), None)


def natural_log() -> Op | None:
    """The op whose value a log in base 10 would change (its pitfall record says so): ln."""
    return next((op for op, pitfall in pitfalls_of("log_base_10") if pitfall.wrong_forward is not None), None)


def is_natural_log(name: str) -> bool:
    op = natural_log()
    return op is not None and name == op.name


def with_pitfall(op_names: tuple[str, ...], code: str) -> bool:
    """Does any of these ops carry a pitfall record with this diagnosis code?"""
    return any(op.name in op_names for op, _ in pitfalls_of(code))


def pitfall_derivatives(op: Op, x: Any) -> list[tuple[str, np.ndarray]]:
    """The derivatives a student making each of ``op``'s pitfalls writes at ``x``: (code, value) per record."""
    found: list[tuple[str, np.ndarray]] = []
    if not op.elementwise:
        return found
    bk = _backend()
    x = np.asarray(x, dtype=float)
    out = op.forward(bk, x)
    for pitfall in op.pitfalls:
        wrong = pitfall.wrong_vjp()
        if wrong is None or pitfall.wrt != 0:
            continue
        try:
            value = np.asarray(wrong(bk, np.ones_like(x), out, x), dtype=float)
        except (ValueError, TypeError, ArithmeticError):
            continue
        found.append((pitfall.code, value))
    return found


def _backend() -> Any:
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
