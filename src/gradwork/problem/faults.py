"""Numeric faults named at their node: the first operation that produced a NaN or an infinity.

A float result that is not finite is never passed off as an answer: ``solve``
asks :func:`first_fault` for the first node (inputs before the nodes that use
them) whose value, then whose gradient, then whose update is not finite, and
refuses the problem with one line (wrapped here) such as::

    p.yaml:14:5: output.a = sigmoid(output.z) with output.z = 1e+308: overflow to inf (expected values
    within float range; try --mode exact)

In exact mode nothing can overflow (a zero division is refused where it
happens); in symbolic mode a result of ``zoo`` or ``nan`` is a fault too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.numbers.display import number_text
from gradwork.tensor import Tensor, topological_order


@dataclass(frozen=True)
class Fault:
    """Where the first non-finite number appeared: ``node`` names it, ``message`` says how."""

    node: str | None  # the nearest named node (the faulty one, or the first named one that uses it)
    message: str
    kind: str = "nan"  # nan | inf | complex


def bad_elements(data: Any) -> str | None:
    """"nan", "inf" or None: what is wrong with an array of floats, Fractions or SymPy values."""
    array = np.asarray(data)
    if array.dtype.kind in "fc":
        if np.isfinite(array).all():  # the common case, in one call
            return None
        if np.isnan(array).any():
            return "nan"
        return "inf" if np.isinf(array).any() else None
    if array.dtype.kind != "O":
        return None
    for value in array.ravel():
        if isinstance(value, float):
            if value != value:
                return "nan"
            if value in (float("inf"), float("-inf")):
                return "inf"
        elif hasattr(value, "has"):  # a SymPy expression
            import sympy

            if value.has(sympy.nan):
                return "nan"
            if value.has(sympy.zoo, sympy.oo, -sympy.oo):
                return "inf"
            if value.has(sympy.I):
                return "complex"
    return None


def first_fault(roots: Iterable[Tensor], names: Mapping[str, Tensor],
                updated: Mapping[str, Tensor] | None = None) -> Fault | None:
    """The first non-finite value, gradient or update in the graphs of ``roots``; None when all are finite."""
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        for node in topological_order(root):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    if all(bad_elements(node.data) is None and (node.grad is None or bad_elements(node.grad) is None)
           for node in order) and all(bad_elements(tensor.data) is None for tensor in (updated or {}).values()):
        return None  # all finite (the common case): no names to work out
    label = {id(tensor): name for name, tensor in names.items()}
    users: dict[int, Tensor] = {}
    for node in order:
        for parent in node.inputs:
            users.setdefault(id(parent), node)

    def name_of(node: Tensor) -> str | None:
        current: Tensor | None = node
        while current is not None:  # an unnamed intermediate is reported through the named node that uses it
            if id(current) in label:
                return label[id(current)]
            current = users.get(id(current))
        return None

    for node in order:  # forward: inputs first, so the first bad node is where it started
        kind = bad_elements(node.data)
        if kind is None:
            continue
        return Fault(name_of(node), _forward_message(node, kind, label), kind)
    for node in reversed(order):  # backward: from the output, the first gradient that is not finite
        if node.grad is None:
            continue
        kind = bad_elements(node.grad)
        if kind is None:
            continue
        user = users.get(id(node))
        via = f" through {user.op.name}" if user is not None and user.op is not None else ""
        return Fault(name_of(node), f"the gradient with respect to {_describe(node, label)} is {kind}{via} "
                                    f"({_reason(kind)} in the backward pass)", kind)
    for name, tensor in (updated or {}).items():
        kind = bad_elements(tensor.data)
        if kind is not None:
            return Fault(name, f"the updated {name} is {kind} ({_reason(kind)} in the optimizer step)", kind)
    return None


def _forward_message(node: Tensor, kind: str, label: Mapping[int, str]) -> str:
    if node.op is None:
        return f"{_describe(node, label)} is {kind} as given"
    arguments = ", ".join(_describe(parent, label) for parent in node.inputs)
    values = [f"{label[id(parent)]} = {_short(parent.data)}" for parent in node.inputs
              if id(parent) in label and np.asarray(parent.data).size <= 4]
    shown = f" with {', '.join(values)}" if values else ""
    return f"{_describe(node, label)} = {node.op.name}({arguments}){shown} is {kind} ({_reason(kind)})"


def _describe(node: Tensor, label: Mapping[int, str]) -> str:
    if id(node) in label:
        return label[id(node)]
    if node.op is None:
        return _short(node.data)
    return f"{node.op.name}(...)"


def _short(data: Any) -> str:
    array = np.asarray(data)
    if array.size == 1:
        value = array.reshape(()).item()
        return number_text(value) if isinstance(value, float) else str(value)
    flat = ", ".join(number_text(v) if isinstance(v, float) else str(v) for v in array.ravel()[:4])
    return f"[{flat}{', ...' if array.size > 4 else ''}]"


def _reason(kind: str) -> str:
    if kind == "inf":
        return "overflow or division by zero"
    if kind == "complex":
        return "a square root or log of a negative number"
    return "an invalid operation such as 0/0, inf - inf, or the square root or log of a negative number"
