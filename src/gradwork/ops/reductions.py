"""Reductions: sum, mean, max, min over all elements or along an axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.registry import Array, Notation, Op, Partial, register
from gradwork.ops.scalar import Scalar, ScalarCall, Terms, groups, total


def _expand(g: Array, x: Array, axis: Array, keepdims: Array) -> Array:
    """Broadcast a reduced gradient back over the reduced axes of ``x``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.array(np.broadcast_to(g, x.shape))


def _count(x: Array, axis: Array) -> Array:
    if axis is None:
        return x.size
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([x.shape[a] for a in axes]))


def _scalar_reduction(mean: bool) -> Scalar:
    """sum or mean: one sum of its group's elements per output element; each element's gradient is g (/ n)."""

    def forward(c: ScalarCall) -> list[str] | None:
        found = groups(c.shapes[0], c.params.get("axis"))
        if found is None or len(found) != len(c.out):
            return None
        x = c.args[0]
        return [f"{out} = ({total([x[k] for k in group])}){f' / {len(group)}' if mean else ''}"
                for out, group in zip(c.out, found)]

    def vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
        found = groups(c.shapes[0], c.params.get("axis"))
        if found is None:
            return None
        terms: Terms = [None] * len(c.args[0])
        for g, group in zip(c.g, found):
            for k in group:
                terms[k] = None if g == "0.0" else f"{g} / {len(group)}" if mean else g
        return [], terms

    return Scalar(forward, vjp)


register(Op(
    kind="reduction",
    scalar=_scalar_reduction(mean=False),
    display=("Σ", r"\sum"),
    name="sum",
    forward=lambda bk, x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    partials=(Partial("x", lambda bk, g, out, x, axis=None, keepdims=False: _expand(g, x, axis, keepdims),
                      "1", "1"),),
    notation=Notation("sum($x)", r"\sum $x"),
    definition_latex=r"\sum_i x_i",
    definition_text="sum_i x_i",
    sentence="A sum passes the upstream gradient to every element it added.",
    params=("axis", "keepdims"),
))


def _mean_vjp(bk: Backend, g: Array, out: Array, x: Array, axis: Any = None, keepdims: bool = False) -> Array:
    return _expand(g, x, axis, keepdims) / _count(x, axis)


register(Op(
    kind="reduction",
    scalar=_scalar_reduction(mean=True),
    display=("mean", r"\operatorname{mean}"),
    name="mean",
    forward=lambda bk, x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims) / _count(x, axis),
    partials=(Partial("x", _mean_vjp, r"\frac{1}{n}", "1/n"),),
    notation=Notation("mean($x)", r"\operatorname{mean}($x)"),
    definition_latex=r"\frac{1}{n}\sum_i x_i",
    definition_text="1/n sum_i x_i",
    sentence="A mean passes 1/n of the upstream gradient to each of its n elements.",
    params=("axis", "keepdims"),
))


def _extremum_vjp(bk: Backend, g: Array, out: Array, x: Array, axis: Any = None, keepdims: bool = False) -> Array:
    # The gradient goes to the elements that attain the extremum, shared equally
    # between ties (PyTorch's amax/amin convention).
    kept = out if (axis is None or keepdims) else np.expand_dims(out, axis)
    mask = bk.equal(x, kept)
    share = np.sum(mask, axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * mask / share


for _name, _largest, _word in (("max", True, "maximum"), ("min", False, "minimum")):
    register(Op(
        kind="reduction",
        display=(_name, "\\" + _name),
        name=_name,
        forward=(lambda largest: lambda bk, x, axis=None, keepdims=False:
                 bk.extremum(x, largest, axis=axis, keepdims=keepdims))(_largest),
        partials=(Partial("x", _extremum_vjp, f"[$x = \\{_name} $x]", f"[$x == {_name}($x)]"),),
        notation=Notation(f"{_name}($x)", f"\\{_name} $x"),
        definition_latex=f"\\{_name}_i x_i",
        definition_text=f"{_name}_i x_i",
        sentence=f"The {_word} passes the gradient only to the element(s) that attain it (split equally on ties).",
        params=("axis", "keepdims"),
    ))
