"""Shape ops: transpose, reshape, indexing and gather, concatenate."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.registry import Array, Notation, Op, Partial, register
from gradwork.ops.scalar import ScalarCall, gather


def _positions(c: ScalarCall) -> Array:
    """Input 0's flat element numbers, in its shape."""
    return np.arange(len(c.args[0]), dtype=np.int64).reshape(c.shapes[0])


def _picked(c: ScalarCall) -> list[int] | None:
    try:
        picked: list[int] = np.asarray(_positions(c)[c.params["index"]]).ravel().tolist()
        return picked
    except (IndexError, TypeError, ValueError, KeyError):
        return None


def _transpose_vjp(bk: Backend, g: Array, out: Array, x: Array, axes: Any = None) -> Array:
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes))


register(Op(
    kind="shape",
    scalar=gather(lambda c: np.transpose(_positions(c), c.params.get("axes")).ravel().tolist()),
    name="transpose",
    forward=lambda bk, x, axes=None: np.transpose(x, axes),
    partials=(Partial("x", _transpose_vjp, r"$g^{\top}", "$g^T", includes_upstream=True),),
    notation=Notation("$x.T", "$x^{\\top}", 90),
    definition_latex="x^{\\top}",
    definition_text="x^T",
    sentence="Transposing moves each gradient entry back to where its value came from.",
    params=("axes",),
))

register(Op(
    kind="shape",
    scalar=gather(lambda c: list(range(len(c.args[0])))),
    name="reshape",
    forward=lambda bk, x, shape: np.reshape(x, shape),
    partials=(Partial("x", lambda bk, g, out, x, shape: np.reshape(g, x.shape), "1", "1"),),
    notation=Notation("reshape($x)", r"\operatorname{reshape}($x)"),
    definition_latex=r"\operatorname{reshape}(x)",
    definition_text="reshape(x)",
    sentence="Reshaping keeps every value, so the gradient is reshaped back.",
    params=("shape",),
))


def _index_vjp(bk: Backend, g: Array, out: Array, x: Array, index: Array) -> Array:
    grad = bk.zeros_like(x)
    # add.at accumulates repeated indices (a gather that picks one element twice).
    np.add.at(grad, index, g)
    return grad


register(Op(
    kind="shape",
    scalar=gather(_picked),
    name="index",
    forward=lambda bk, x, index: x[index],
    partials=(Partial("x", _index_vjp, r"\operatorname{scatter}_{$index}\left($g\right)",
                      "$g placed back at positions $index", includes_upstream=True),),
    notation=Notation("$x[$index]", "${x}_{$index}", 90),
    definition_latex="x_{i}",
    definition_text="x[i]",
    sentence="Picking elements routes each gradient back to the position it was taken from; "
             "positions picked twice add up.",
    params=("index",),
    picks=True,
))


def _concatenate_vjp(bk: Backend, g: Array, out: Array, *xs: Array, axis: Any = 0, position: Any = 0) -> Array:
    sizes = [x.shape[axis] for x in xs]
    start = sum(sizes[:position])
    slicer = [slice(None)] * g.ndim
    slicer[axis] = slice(start, start + sizes[position])
    return g[tuple(slicer)]


register(Op(
    kind="shape",
    name="concatenate",
    forward=lambda bk, *xs, axis=0: np.concatenate(xs, axis=axis),
    partials=(Partial("x", _concatenate_vjp, "1", "1"),),
    notation=Notation("concatenate($xs)", r"\left[$xs\right]"),
    definition_latex=r"[x_1, x_2, \dots]",
    definition_text="[x_1, x_2, ...]",
    sentence="Concatenation hands each piece its own slice of the gradient.",
    variadic=True,
    params=("axis",),
))
