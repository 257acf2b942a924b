"""Loss functions as primitives, exactly as docs/format.md defines them.

Each takes outputs ``y`` and targets ``t`` of the same shape. The last axis
holds one sample's outputs (a scalar or 1-D ``y`` is one sample); leading
axes are a batch, reduced by ``reduction``: "mean" (the default) or "sum" of
the per-sample losses. They are primitives so that an explanation can state
dL/dy in the form students write it, e.g. (y - t) / (y (1 - y)) for BCE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.elementwise import NATURAL_LOG
from gradwork.ops.registry import (
    Array, Export, Kernel, KernelCall, Notation, Op, Option, Partial, Pitfall, register,
)
from gradwork.ops.scalar import Scalar, ScalarCall, Terms, groups, literal, total
from gradwork.ops.softmax import _log_softmax_forward, _softmax_forward


def _per_sample_size(y: Array) -> int:
    return y.shape[-1] if y.ndim else 1


def _batch_divisor(y: Array, reduction: str) -> int:
    samples = y.size // max(_per_sample_size(y), 1) if y.ndim > 1 else 1
    return samples if reduction == "mean" else 1


Elementwise = Callable[..., Array]  # (bk, y, t, **options) -> one array of per-element terms or derivatives


def _loss(name: str, per_element: Elementwise, d_y: Elementwise, d_t: Elementwise, y_latex: str, y_text: str,
          t_latex: str, t_text: str, definition: str, sentence: str, term: Notation,
          mean_over_outputs: bool = False, pitfalls: tuple[Pitfall, ...] = (), definition_text: str | None = None,
          options: tuple[Option, ...] = (), long_name: str | None = None, piecewise: bool = False,
          term_rule: str | None = None, export: Export | None = None, scalar_term: str | None = None,
          scalar_d_y: str | None = None) -> None:
    """Register the loss ``name``: ``per_element(bk, y, t, **options)`` summed (or averaged) over the outputs.

    ``options`` are numbers a user may set (``{name: huber, delta: 1}``); they reach ``per_element``,
    ``d_y`` and ``d_t`` as keyword arguments, with their defaults where a call leaves them out.
    """
    defaults = {option.name: float(option.default) for option in options}

    def scale(y: Array, reduction: str) -> int:
        if y.ndim <= 1:  # one sample (the usual exercise): no batch to divide by
            return (y.shape[0] if y.ndim else 1) if mean_over_outputs else 1
        divisor = _batch_divisor(y, reduction)
        if mean_over_outputs:
            divisor *= _per_sample_size(y)
        return divisor

    def forward(bk: Backend, y: Array, t: Array, reduction: str = "mean", **given: Any) -> Array:
        # A loss without options (most) is called without building a dict of them.
        elements = per_element(bk, y, t, **{**defaults, **given}) if defaults or given else per_element(bk, y, t)
        # ndarray.sum skips np.sum's dispatch (slow on the one-output networks of exercises); a single
        # element (a NumPy scalar, or a Fraction in exact mode) is its own sum.
        total = elements.sum() if isinstance(elements, np.ndarray) else elements
        return total / scale(y, reduction)

    def vjp_y(bk: Backend, g: Array, out: Array, y: Array, t: Array, reduction: str = "mean", **given: Any) -> Array:
        slope = d_y(bk, y, t, **{**defaults, **given}) if defaults or given else d_y(bk, y, t)
        return g * slope / scale(y, reduction)

    def vjp_t(bk: Backend, g: Array, out: Array, y: Array, t: Array, reduction: str = "mean", **given: Any) -> Array:
        slope = d_t(bk, y, t, **{**defaults, **given}) if defaults or given else d_t(bk, y, t)
        return g * slope / scale(y, reduction)

    def option_literals(c: ScalarCall) -> dict[str, str] | None:
        """The options as Python literals for the scalar templates ({delta}), or None (not a plain float)."""
        found = {}
        for option in options:
            text = literal(c.params.get(option.name, defaults[option.name]))
            if text is None:
                return None
            found[option.name] = text
        return found

    def scalar_forward(c: ScalarCall) -> list[str] | None:
        given = option_literals(c)
        if scalar_term is None or c.shapes[0] != c.shapes[1] or given is None:
            return None
        terms = [f"({scalar_term.format(y=y, t=t, **given)})" for y, t in zip(*c.args)]
        return [f"{c.out[0]} = ({total(terms)}) / {scale(np.empty(c.shapes[0]), c.params.get('reduction', 'mean'))}"]

    def scalar_vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
        given = option_literals(c)
        if scalar_d_y is None or position != 0 or c.shapes[0] != c.shapes[1] or c.g[0] == "0.0" or given is None:
            return None
        divisor = scale(np.empty(c.shapes[0]), c.params.get("reduction", "mean"))
        return [], [f"{c.g[0]} * ({scalar_d_y.format(y=y, t=t, **given)}) / {divisor}" for y, t in zip(*c.args)]

    register(Op(
        kind="loss",
        name=name,
        forward=forward,
        scalar=Scalar(scalar_forward, scalar_vjp),
        partials=(Partial("y", vjp_y, y_latex, y_text), Partial("t", vjp_t, t_latex, t_text)),
        notation=Notation(f"{name}($y, $t)", rf"\operatorname{{{name.replace('_', chr(92) + '_')}}}($y, $t)"),
        definition_latex=definition,
        sentence=sentence,
        pitfalls=pitfalls,
        params=("reduction", *(option.name for option in options)),
        term=term,
        over_outputs="mean" if mean_over_outputs else "sum",
        definition_text=definition_text,
        options=options,
        long_name=long_name,
        defined=True,
        piecewise=piecewise,
        term_rule=term_rule,
        export=export,
    ))


def _sign(bk: Backend, x: Array) -> Array:
    return bk.positive(x) - bk.positive(-x)


_loss("half_sse",
      lambda bk, y, t: (t - y) * (t - y) / 2,
      lambda bk, y, t: y - t, lambda bk, y, t: t - y,
      r"-($t - $y)", "-($t - $y)", r"$t - $y", "$t - $y",
      r"L = \frac{1}{2}\sum_k (t_k - y_k)^2",
      "dL/dy = -(t - y): the 1/2 cancels the 2 from the square.",
      Notation("1/2 ($t - $y)^2", r"\frac{1}{2}($t - $y)^{2}", 60),
      pitfalls=(Pitfall("factor_half", "The 1/2 in front of the squared error is there to cancel the 2 of the "
                                       "square: the derivative has no second 1/2.", order=40),),
      definition_text="L = 1/2 sum_k (t_k - y_k)^2",
      scalar_term="({t} - {y}) * ({t} - {y}) / 2", scalar_d_y="{y} - {t}")

_loss("sse",
      lambda bk, y, t: (t - y) * (t - y),
      lambda bk, y, t: 2 * (y - t), lambda bk, y, t: 2 * (t - y),
      r"-2($t - $y)", "-2($t - $y)", r"2($t - $y)", "2($t - $y)",
      r"L = \sum_k (t_k - y_k)^2",
      "dL/dy = -2(t - y).",
      Notation("($t - $y)^2", r"($t - $y)^{2}", 80),
      definition_text="L = sum_k (t_k - y_k)^2",
      scalar_term="({t} - {y}) * ({t} - {y})", scalar_d_y="2 * ({y} - {t})")

_loss("mse",
      lambda bk, y, t: (t - y) * (t - y),
      lambda bk, y, t: 2 * (y - t), lambda bk, y, t: 2 * (t - y),
      r"-\frac{2}{n}($t - $y)", "-2/n ($t - $y)", r"\frac{2}{n}($t - $y)", "2/n ($t - $y)",
      r"L = \frac{1}{n}\sum_k (t_k - y_k)^2",
      "dL/dy = -2(t - y)/n, with n the number of outputs.",
      Notation("($t - $y)^2", r"($t - $y)^{2}", 80),
      mean_over_outputs=True, term_rule="sse",  # its rule's 2/n is the divisor: per term it is sse's -2(t - y)
      definition_text="L = 1/n sum_k (t_k - y_k)^2",
      scalar_term="({t} - {y}) * ({t} - {y})", scalar_d_y="2 * ({y} - {t})")

_loss("l1",
      lambda bk, y, t: bk.abs(t - y),
      lambda bk, y, t: _sign(bk, y - t), lambda bk, y, t: _sign(bk, t - y),
      r"\operatorname{sign}($y - $t)", "sign($y - $t)", r"\operatorname{sign}($t - $y)", "sign($t - $y)",
      r"L = \sum_k |t_k - y_k|",
      "dL/dy = sign(y - t), taken as 0 where y = t.",
      Notation("|$t - $y|", r"\left|$t - $y\right|", 100),
      definition_text="L = sum_k |t_k - y_k|",
      scalar_term="abs({t} - {y})", scalar_d_y="(1.0 if {y} - {t} > 0.0 else (-1.0 if {y} - {t} < 0.0 else 0.0))")

def _huber(bk: Backend, y: Array, t: Array, delta: Any = 1.0) -> Array:
    r = y - t
    inside = bk.positive(delta - bk.abs(r), 1)  # 1 where |y - t| <= delta
    return inside * r * r / 2 + (1 - inside) * delta * (bk.abs(r) - delta / 2)


def _huber_d_y(bk: Backend, y: Array, t: Array, delta: Any = 1.0) -> Array:
    r = y - t
    inside = bk.positive(delta - bk.abs(r), 1)
    return inside * r + (1 - inside) * delta * _sign(bk, r)


_loss("huber", _huber, _huber_d_y, lambda bk, y, t, delta=1.0: -_huber_d_y(bk, y, t, delta),
      r"\begin{cases} $y - $t & |$y - $t| \le \delta \\ \delta\,\operatorname{sign}($y - $t) & |$y - $t| > \delta "
      r"\end{cases}", "($y - $t if |$y - $t| ≤ δ else δ sign($y - $t))",
      r"\begin{cases} $t - $y & |$y - $t| \le \delta \\ \delta\,\operatorname{sign}($t - $y) & |$y - $t| > \delta "
      r"\end{cases}", "($t - $y if |$y - $t| ≤ δ else δ sign($t - $y))",
      r"L = \frac{1}{n}\sum_k H_\delta(t_k - y_k),\quad H_\delta(r) = \begin{cases} \frac{1}{2} r^{2} & |r| \le \delta "
      r"\\ \delta\,(|r| - \frac{\delta}{2}) & |r| > \delta \end{cases}",
      "dL/dy = (y - t)/n where |y - t| <= δ, else δ sign(y - t)/n: the square's slope, capped at δ (option delta).",
      Notation("(1/2 ($t - $y)^2 if |$t - $y| ≤ δ else δ (|$t - $y| - δ/2))",
               r"\begin{cases} \frac{1}{2}($t - $y)^{2} & |$t - $y| \le \delta \\ \delta\left(|$t - $y| - "
               r"\frac{\delta}{2}\right) & |$t - $y| > \delta \end{cases}", 100),
      mean_over_outputs=True, options=(Option("delta", "1"),), long_name="Huber loss", piecewise=True,
      scalar_term="(({y} - {t}) * ({y} - {t}) / 2 if abs({y} - {t}) <= {delta} "
                  "else {delta} * (abs({y} - {t}) - {delta} / 2))",
      scalar_d_y="(({y} - {t}) if abs({y} - {t}) <= {delta} else ({delta} if {y} > {t} else -{delta}))",
      definition_text="L = 1/n sum_k H(t_k - y_k), H(r) = r^2 / 2 if |r| <= δ else δ (|r| - δ/2)")

_loss("bce",
      lambda bk, y, t: -(t * bk.log(y) + (1 - t) * bk.log(1 - y)),
      lambda bk, y, t: (y - t) / (y * (1 - y)),
      lambda bk, y, t: bk.log(1 - y) - bk.log(y),
      r"\frac{$y - $t}{$y\,(1 - $y)}", "($y - $t) / ($y (1 - $y))",
      r"\ln(1 - $y) - \ln $y", "log(1 - $y) - log($y)",
      r"L = -\frac{1}{n}\sum_k \left(t_k \ln y_k + (1 - t_k)\ln(1 - y_k)\right)",
      "dL/dy = (y - t) / (y (1 - y)) per output (divided by n outputs); "
      "after a sigmoid this collapses to dL/dz = y - t.",
      Notation("-($t log($y) + (1 - $t) log(1 - $y))", r"-\left($t \ln $y + (1 - $t)\ln(1 - $y)\right)", 70),
      mean_over_outputs=True,
      pitfalls=(NATURAL_LOG,), long_name="binary cross-entropy",
      definition_text="L = -1/n sum_k (t_k log(y_k) + (1 - t_k) log(1 - y_k))",
      scalar_term="-({t} * math.log({y}) + (1 - {t}) * math.log(1 - {y}))",
      scalar_d_y="({y} - {t}) / ({y} * (1 - {y}))")


def _softmax(bk: Backend, z: Array) -> Array:
    return _softmax_forward(bk, z, axis=-1)


def _log_softmax(bk: Backend, z: Array) -> Array:
    return _log_softmax_forward(bk, z, axis=-1)


def _ce_forward(bk: Backend, z: Array, t: Array, reduction: str = "mean") -> Array:
    return -(t * _log_softmax(bk, z)).sum() / _batch_divisor(z, reduction)


def _ce_vjp_z(bk: Backend, g: Array, out: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    # d/dz_i of -sum_k t_k log softmax(z)_k = softmax(z)_i sum_k t_k - t_i  (= p - t for one-hot t)
    # The scalar factor g / batch is formed first: one pass over the batch instead of two.
    return (_softmax(bk, z) * t.sum(axis=-1, keepdims=True) - t) * (g / _batch_divisor(z, reduction))


def _ce_save(bk: Backend, z: Array, t: Array, reduction: str = "mean") -> Array:
    """The loss, keeping softmax(z) for the VJP (the digits step then computes the softmax once)."""
    shifted = z - bk.softmax_shift(z, -1)
    e = bk.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    loss = -(t * (shifted - bk.log(total))).sum() / _batch_divisor(z, reduction)
    return loss, e / total


def _ce_saved_vjp_z(bk: Backend, g: Array, out: Array, p: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    return (p * t.sum(axis=-1, keepdims=True) - t) * (g / _batch_divisor(z, reduction))


def _ce_divisor(k: KernelCall) -> int:
    shape = k.shapes[0]
    samples = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return samples if k.params.get("reduction", "mean") == "mean" else 1


def _ce_kernel_forward(k: KernelCall) -> list[str] | None:
    """_ce_save's arithmetic into buffers: the softmax lands in the saved buffer."""
    z, t, p = k.args[0], k.args[1], k.saved
    if not k.shapes[0] or k.shapes[0] != k.shapes[1]:
        return None
    shifted, total = k.scratch(k.shapes[0]), k.scratch(k.shapes[0][:-1] + (1,))
    return [f"np.subtract({z}, {z}.max(axis=-1, keepdims=True), out={shifted})",
            f"np.exp({shifted}, out={p})",
            f"{p}.sum(axis=-1, keepdims=True, out={total})",
            f"{k.out} = -({t} * ({shifted} - np.log({total}))).sum() / {_ce_divisor(k)}",
            f"np.divide({p}, {total}, out={p})"]


def _ce_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    if position != 0:
        return None
    t = k.args[1]
    lines = [f"np.multiply({k.saved}, {t}.sum(axis=-1, keepdims=True), out={k.d})", f"{k.d} -= {t}"]
    if not (k.g_is_one and _ce_divisor(k) == 1):
        lines.append(f"{k.d} *= {k.g} / {_ce_divisor(k)}")
    return lines


def _ce_scalar_forward(c: ScalarCall) -> list[str] | None:
    """_ce_save's arithmetic per row of z: the softmax lands in the saved names."""
    if not c.shapes[0] or c.shapes[0] != c.shapes[1] or c.saved is None:
        return None
    z, t, p = c.args[0], c.args[1], c.saved
    lines, parts = [], []
    for row in groups(c.shapes[0], -1) or []:
        top, whole, log_whole = c.temp(), c.temp(), c.temp()
        shifted = [c.temp() for _ in row]
        lines.append(f"{top} = max({', '.join(z[k] for k in row)})" if len(row) > 1 else f"{top} = {z[row[0]]}")
        lines += [f"{name} = {z[k]} - {top}" for name, k in zip(shifted, row)]
        lines += [f"{p[k]} = math.exp({name})" for name, k in zip(shifted, row)]
        lines += [f"{whole} = {total([p[k] for k in row])}", f"{log_whole} = math.log({whole})"]
        parts += [f"{t[k]} * ({name} - {log_whole})" for name, k in zip(shifted, row)]
        lines += [f"{p[k]} = {p[k]} / {whole}" for k in row]
    return lines + [f"{c.out[0]} = -({total(parts)}) / {_ce_divisor_of(c.shapes[0], c.params)}"]


def _ce_scalar_vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
    """(p sum(t) - t) (g / batch) per element, with the softmax p the forward saved."""
    if position != 0 or c.saved is None or c.g[0] == "0.0":
        return None
    t, p = c.args[1], c.saved
    factor = c.temp()
    lines = [f"{factor} = {c.g[0]} / {_ce_divisor_of(c.shapes[0], c.params)}"]
    terms: Terms = [None] * len(p)
    for row in groups(c.shapes[0], -1) or []:
        targets = c.temp()
        lines.append(f"{targets} = {total([t[k] for k in row])}")
        for k in row:
            terms[k] = f"({p[k]} * {targets} - {t[k]}) * {factor}"
    return lines, terms


def _ce_divisor_of(shape: tuple[int, ...], params: Mapping[str, Any]) -> int:
    samples = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return samples if params.get("reduction", "mean") == "mean" else 1


def _ce_vjp_t(bk: Backend, g: Array, out: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    return -g * _log_softmax(bk, z) / _batch_divisor(z, reduction)


def _ce_diagonal_only_vjp(bk: Backend, g: Array, out: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    """dL/dz chained by hand through softmax, but through only its Jacobian's diagonal p(1 - p).

    dL/dp = -t/p (the log's rule, over the batch mean), then times p(1 - p): the
    mistake softmax's pitfall describes, made inside the fused loss.
    """
    samples = z.size // z.shape[-1] if z.ndim > 1 and reduction == "mean" else 1
    p = _softmax(bk, z)
    d_p = (-(t * g) / samples) / p
    return d_p * p * (1 - p)


register(Op(
    kind="loss",
    name="cross_entropy",
    forward=_ce_forward,
    partials=(
        Partial("y", _ce_vjp_z, r"\operatorname{softmax}($y) - $t", "softmax($y) - $t", saved_vjp=_ce_saved_vjp_z),
        Partial("t", _ce_vjp_t, r"-\log\operatorname{softmax}($y)", "-log softmax($y)"),
    ),
    notation=Notation("cross_entropy($y, $t)", r"\operatorname{CE}($y, $t)"),
    definition_latex=r"L = -\sum_k t_k \ln \operatorname{softmax}(z)_k",
    definition_text="L = -sum_k t_k log(softmax(z)_k)",
    sentence="Softmax and cross-entropy together have the gradient dL/dz = softmax(z) - t.",
    pitfalls=(NATURAL_LOG,
              Pitfall("softmax_diagonal_jacobian", wrong=_ce_diagonal_only_vjp, at_input=True, explained=False,
                      note="your {gradient} chains dL/dp = -t/p through only the diagonal s_i(1 - s_i) of "
                           "softmax's Jacobian")),
    params=("reduction",),
    defined=True,
    inner="softmax",
    term=Notation("-$t log softmax($y)", r"-$t \ln \operatorname{softmax}($y)", 70),
    over_outputs="sum",
    save=_ce_save,
    kernel=Kernel(_ce_kernel_forward, _ce_kernel_vjp),
    scalar=Scalar(_ce_scalar_forward, _ce_scalar_vjp),
))
