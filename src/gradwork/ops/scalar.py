"""An op as straight-line Python over floats: what the compiled step's scalar back end strings together.

For a small traced step (a 2-2-1 network, one sample) NumPy's cost per call is
nearly all of the work, and plain Python arithmetic on floats is many times
faster. :mod:`gradwork.nn.compile` then generates one function with one
statement per element, from each op's :class:`Scalar` emitter, registered with
the op (``register(Op(..., scalar=...))``) beside its math:

* ``forward(c)``: statements that assign every name of ``c.out`` (and of
  ``c.saved``, for an op with ``save``) from the element expressions of the
  inputs ``c.args``;
* ``vjp(c, position)``: ``(statements, terms)``: one term per element of input
  ``position`` (a Python expression in the upstream gradient ``c.g``, or None
  where nothing flows), which the compiler adds into that input's gradient;
* ``prelude(c)``: statements run once before the node's VJPs, returning the
  names that replace ``c.g`` (a factor all VJPs share: ReLU's mask in
  ``linear_relu``).

Each returns None for shapes or parameters it does not handle; the step then
runs on the NumPy back end (the registered functions stay the definition).
Elements are in C order; every name and term is Python source text.
:func:`elementwise` builds the emitter of an elementwise op from one
expression per element, broadcasting as NumPy does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Names = list[str]
Terms = list["str | None"]


class ScalarCall:
    """One node of the scalar step: the Python names (or expressions) of its arrays' elements, in C order.

    ``args[i]`` are input ``i``'s elements (shape ``shapes[i]``), ``out`` the
    names to assign (shape ``out_shape``), ``saved`` the names for what the
    op's ``save`` keeps (or None), ``g`` the upstream gradient's elements
    (``"0.0"`` where none flowed; ``g_is_one`` when it is the seed 1 of a
    scalar output). ``temp()`` gives a fresh local name.
    """

    def __init__(self, out: Names, out_shape: tuple[int, ...], args: list[Names], shapes: list[tuple[int, ...]],
                 params: Mapping[str, Any], saved: Names | None, temp: Callable[[], str]) -> None:
        self.out, self.out_shape, self.args, self.shapes = out, tuple(out_shape), args, [tuple(s) for s in shapes]
        self.params, self.saved, self.temp = params, saved, temp
        self.g: Names = []
        self.g_is_one = False

    def number(self, name: str, default: Any) -> str | None:
        """A numeric parameter as Python source (None when it is not a finite real number)."""
        value = self.params.get(name, default)
        return literal(value)


def literal(value: Any) -> str | None:
    """``value`` as the source text of a Python float, or None (not a finite real number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return repr(number)


ScalarForward = Callable[[ScalarCall], "list[str] | None"]
ScalarVJP = Callable[[ScalarCall, int], "tuple[list[str], Terms] | None"]
ScalarPrelude = Callable[[ScalarCall], "tuple[list[str], Names] | None"]


@dataclass(frozen=True)
class Scalar:
    """The op as Python statements over floats (see the module docstring)."""

    forward: ScalarForward
    vjp: ScalarVJP
    prelude: ScalarPrelude | None = None


def elementwise(forward: Callable[..., str | list[str] | None], *vjps: Callable[..., str | None],
                params: Sequence[str] = ()) -> Scalar:
    """The emitter of an elementwise op from one expression per element.

    ``forward(out, *inputs, temp=..., **numbers)`` returns the expression of one
    output element (or statements assigning ``out``); ``vjps[i](g, out, *inputs,
    **numbers)`` the term of input i's gradient for one element (None: nothing
    flows). Inputs broadcast as in NumPy; a broadcast input's terms add up over
    the elements it was stretched along. ``params`` are the numeric op
    parameters handed to the expressions as Python literals.
    """

    def numbers(c: ScalarCall) -> dict[str, str] | None:
        found = {}
        for name in params:
            if name not in c.params:
                continue
            text = literal(c.params[name])
            if text is None:
                return None
            found[name] = text
        return found

    def emit_forward(c: ScalarCall) -> list[str] | None:
        given = numbers(c)
        if given is None:
            return None
        sources = broadcast_sources(c.shapes, c.out_shape)
        if sources is None:
            return None
        lines: list[str] = []
        for k, out in enumerate(c.out):
            made = forward(out, *(c.args[i][sources[i][k]] for i in range(len(c.args))), temp=c.temp, **given)
            if made is None:
                return None
            lines += [f"{out} = {made}"] if isinstance(made, str) else made
        return lines

    def emit_vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
        given = numbers(c)
        if given is None or position >= len(vjps):
            return None
        sources = broadcast_sources(c.shapes, c.out_shape)
        if sources is None:
            return None
        per_input: list[list[str]] = [[] for _ in range(len(c.args[position]))]
        for k, out in enumerate(c.out):
            if c.g[k] == "0.0":
                continue
            term = vjps[position](c.g[k], out, *(c.args[i][sources[i][k]] for i in range(len(c.args))), **given)
            if term is not None:
                per_input[sources[position][k]].append(term)
        return [], [None if not terms else " + ".join(terms) for terms in per_input]

    return Scalar(emit_forward, emit_vjp)


def broadcast_sources(shapes: Sequence[tuple[int, ...]], out_shape: tuple[int, ...]) -> list[list[int]] | None:
    """For each input, the flat index of the element that each output element reads (NumPy broadcasting)."""
    sources = []
    for shape in shapes:
        try:
            index = np.broadcast_to(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape), out_shape)
        except ValueError:
            return None
        sources.append(index.ravel().tolist())
    return sources


def total(terms: Sequence[str]) -> str:
    """The sum of ``terms``, left to right, as NumPy adds a short row."""
    return " + ".join(terms) if terms else "0.0"


def stable_sigmoid(x: str, out: str, temp: Callable[[], str]) -> list[str]:
    """The float backend's sigmoid, where(x >= 0, 1, e) / (1 + e) with e = exp(-|x|), into ``out``."""
    e = temp()
    return [f"{e} = math.exp(-abs({x}))", f"{out} = (1.0 if {x} >= 0.0 else {e}) / (1.0 + {e})"]


def gather(sources: Callable[[ScalarCall], list[int] | None]) -> Scalar:
    """The emitter of an op whose output element k is input element ``sources(c)[k]`` (transpose, reshape,
    picking elements): a copy forward, and each gradient element added back where it came from."""

    def forward(c: ScalarCall) -> list[str] | None:
        found = sources(c)
        if found is None or len(found) != len(c.out):
            return None
        return [f"{out} = {c.args[0][k]}" for out, k in zip(c.out, found)]

    def vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
        found = sources(c)
        if found is None or position != 0:
            return None
        per_input: list[list[str]] = [[] for _ in c.args[0]]
        for k, source in enumerate(found):
            if c.g[k] != "0.0":
                per_input[source].append(c.g[k])
        return [], [" + ".join(terms) if terms else None for terms in per_input]

    return Scalar(forward, vjp)


def groups(shape: tuple[int, ...], axis: Any) -> list[list[int]] | None:
    """The flat indices reduced into each output element by a reduction over ``axis`` (None: all of them)."""
    size = int(np.prod(shape)) if shape else 1
    if axis is None:
        return [list(range(size))]
    axes = axis if isinstance(axis, tuple) else (axis,)
    try:
        index = np.arange(size, dtype=np.int64).reshape(shape)
        moved = np.moveaxis(index, axes, tuple(range(-len(axes), 0)))
    except (ValueError, TypeError, np.exceptions.AxisError):
        return None
    count = int(np.prod([shape[a] for a in axes])) if axes else 1
    return moved.reshape(-1, count).tolist()


def _sigmoid(x: float) -> float:
    e = math.exp(-abs(x))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


# What the generated scalar code may call besides its own locals.
NAMESPACE: dict[str, Any] = {"math": math, "_sigmoid": _sigmoid, "_SQRT2": math.sqrt(2.0),
                             "_SQRT2PI": math.sqrt(2.0 * math.pi)}
