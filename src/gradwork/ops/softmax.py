"""Softmax and log-softmax along an axis, with their full Jacobians."""

from __future__ import annotations

from typing import Any

from gradwork.backends import Backend
from gradwork.ops.elementwise import NATURAL_LOG
from gradwork.ops.registry import Array, Export, Notation, Op, Partial, Pitfall, register
from gradwork.ops.scalar import Scalar, ScalarCall, Terms, groups, total


def _scalar_softmax(log: bool) -> Scalar:
    """softmax / log_softmax along ``axis`` one slice at a time, shifted by the slice's max (as the float backend)."""

    def forward(c: ScalarCall) -> list[str] | None:
        found = groups(c.shapes[0], c.params.get("axis", -1))
        if found is None or not c.shapes[0]:
            return None
        x, lines = c.args[0], []
        for group in found:
            top, whole = c.temp(), c.temp()
            shifted = [c.temp() for _ in group]
            largest = f"max({', '.join(x[k] for k in group)})" if len(group) > 1 else x[group[0]]
            lines.append(f"{top} = {largest}")
            lines += [f"{name} = {x[k]} - {top}" for name, k in zip(shifted, group)]
            if log:
                lines.append(f"{whole} = math.log({total([f'math.exp({name})' for name in shifted])})")
                lines += [f"{c.out[k]} = {name} - {whole}" for name, k in zip(shifted, group)]
            else:
                lines += [f"{c.out[k]} = math.exp({name})" for name, k in zip(shifted, group)]
                lines.append(f"{whole} = {total([c.out[k] for k in group])}")
                lines += [f"{c.out[k]} = {c.out[k]} / {whole}" for k in group]
        return lines

    def vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
        found = groups(c.shapes[0], c.params.get("axis", -1))
        if found is None or not c.shapes[0]:
            return None
        lines: list[str] = []
        terms: Terms = [None] * len(c.args[0])
        for group in found:
            inner = c.temp()
            if log:  # g - exp(out) sum(g)
                lines.append(f"{inner} = {total([c.g[k] for k in group])}")
                for k in group:
                    terms[k] = f"{c.g[k]} - math.exp({c.out[k]}) * {inner}"
            else:  # out (g - <g, out>)
                lines.append(f"{inner} = {total([f'{c.g[k]} * {c.out[k]}' for k in group])}")
                for k in group:
                    terms[k] = f"{c.out[k]} * ({c.g[k]} - {inner})"
        return lines, terms

    return Scalar(forward, vjp)


def _softmax_forward(bk: Backend, x: Array, axis: Any = -1) -> Array:
    e = bk.exp(x - bk.softmax_shift(x, axis))
    return e / e.sum(axis=axis, keepdims=True)  # the method skips np.sum's dispatch: this runs every step


def _softmax_vjp(bk: Backend, g: Array, out: Array, x: Array, axis: Any = -1) -> Array:
    # J = diag(s) - s s^T, so g J = s * (g - <g, s>): the off-diagonal terms are the -<g, s>.
    return out * (g - (g * out).sum(axis=axis, keepdims=True))


def _diagonal_only_vjp(bk: Backend, g: Array, out: Array, x: Array, axis: Any = -1) -> Array:
    """The classic mistake: only the Jacobian's diagonal s_i (1 - s_i), as if softmax were a sigmoid."""
    return g * out * (1 - out)


DIAGONAL_ONLY = Pitfall(
    "softmax_diagonal_jacobian",
    "Softmax needs its full Jacobian: every output depends on every input, and using only the diagonal "
    "drops the off-diagonal terms.",
    wrong=_diagonal_only_vjp, note="your number uses only the diagonal s_i(1 - s_i) of softmax's Jacobian at {at}",
    order=30)


register(Op(
    kind="activation",
    scalar=_scalar_softmax(log=False),
    display=("softmax", r"\operatorname{softmax}"),
    export=Export("Softmax", "Softmax", onnx_attributes=(("axis", -1),), torch_kwargs=(("dim", -1),)),
    name="softmax",
    forward=_softmax_forward,
    partials=(Partial("x", _softmax_vjp, r"\operatorname{diag}($out) - $out\,$out^{\top}",
                      "diag($out) - $out $out^T"),),
    notation=Notation("softmax($x)", r"\operatorname{softmax}($x)"),
    definition_latex=r"\operatorname{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
    definition_text="softmax(x)_i = e^(x_i) / sum_j e^(x_j)",
    sentence="softmax's Jacobian is ds_i/dx_j = s_i([i = j] - s_j): every output depends on every input.",
    pitfalls=(DIAGONAL_ONLY,),
    params=("axis",),
    defined=True,
    element_partials=(Notation("$oi (1 - $oi)", r"$oi\,(1 - $oi)", 60), Notation("-$oi $oj", r"-$oi\,$oj", 70)),
))


def _log_softmax_forward(bk: Backend, x: Array, axis: Any = -1) -> Array:
    shifted = x - bk.softmax_shift(x, axis)
    return shifted - bk.log(bk.exp(shifted).sum(axis=axis, keepdims=True))


def _log_softmax_vjp(bk: Backend, g: Array, out: Array, x: Array, axis: Any = -1) -> Array:
    return g - bk.exp(out) * g.sum(axis=axis, keepdims=True)


register(Op(
    scalar=_scalar_softmax(log=True),
    display=("ln softmax", r"\ln\operatorname{softmax}"),
    name="log_softmax",
    forward=_log_softmax_forward,
    partials=(Partial("x", _log_softmax_vjp, r"I - \mathbf{1}\operatorname{softmax}($x)^{\top}",
                      "I - 1 softmax($x)^T"),),
    notation=Notation("log_softmax($x)", r"\log\operatorname{softmax}($x)"),
    definition_latex=r"\log\operatorname{softmax}(x)_i = x_i - \log\sum_j e^{x_j}",
    definition_text="log softmax(x)_i = x_i - log sum_j e^(x_j)",
    sentence="d log softmax(x)_i / dx_j = [i = j] - softmax(x)_j.",
    params=("axis",),
    pitfalls=(NATURAL_LOG,),
    defined=True,
))
