"""Fused ops: patterns the explanations already name, as one op each, for the training fast path.

* ``sigmoid_bce(z, t)``: BCE of sigmoid(z); dL/dz collapses to (a - t) per output.
* ``linear_relu(x, W, b)``: relu(x W + b) with ReLU'(0) taken as 0; one op, one buffer.

(Softmax + cross-entropy -> p - t is the ``cross_entropy`` op itself, which
takes logits.) Each carries its own rule text, so an explanation can cite the
collapse, and each equals the unfused graph (checked to 1e-12 in float64 by
tests/nn/test_compiled.py). :class:`~gradwork.nn.tape.Tape` puts them in place
of the unfused pairs when it traces a training step; problem files never see
them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.arithmetic import (
    _linear_forward,
    _linear_wrt_b,
    _matmul_wrt_a,
    _matmul_wrt_b,
    linear_kernel_forward,
    linear_kernel_vjp,
    scalar_linear_forward,
    scalar_linear_vjp,
)
from gradwork.ops.elementwise import emit_sigmoid
from gradwork.ops.losses import _batch_divisor, _per_sample_size
from gradwork.ops.registry import Kernel, KernelCall, Notation, Op, Partial, Pitfall, register
from gradwork.ops.scalar import Scalar, ScalarCall, Terms, stable_sigmoid, total

Array = Any

# ---------------------------------------------------------------- sigmoid + BCE


def _bce_scale(y: Array, reduction: str) -> int:
    return int(_batch_divisor(y, reduction) * _per_sample_size(y))


def _sigmoid_bce_loss(bk: Backend, a: Array, t: Array, z: Array, reduction: str) -> Array:
    # The same formula as `bce` on a = sigmoid(z), so that the fused op equals the unfused pair.
    elements = -(t * bk.log(a) + (1 - t) * bk.log(1 - a))
    total = elements.sum() if hasattr(elements, "sum") else elements
    return total / _bce_scale(z, reduction)


def _sigmoid_bce_save(bk: Backend, z: Array, t: Array, reduction: str = "mean") -> tuple[Array, Array]:
    a = bk.sigmoid(z)
    return _sigmoid_bce_loss(bk, a, t, z, reduction), a


def _sigmoid_bce_forward(bk: Backend, z: Array, t: Array, reduction: str = "mean") -> Array:
    return _sigmoid_bce_save(bk, z, t, reduction)[0]


def _sigmoid_bce_saved_vjp_z(bk: Backend, g: Array, out: Array, a: Array, z: Array, t: Array,
                             reduction: str = "mean") -> Array:
    return (a - t) * (g / _bce_scale(z, reduction))


def _sigmoid_bce_vjp_z(bk: Backend, g: Array, out: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    return _sigmoid_bce_saved_vjp_z(bk, g, out, bk.sigmoid(z), z, t, reduction)


def _sigmoid_bce_saved_vjp_t(bk: Backend, g: Array, out: Array, a: Array, z: Array, t: Array,
                             reduction: str = "mean") -> Array:
    return (bk.log(1 - a) - bk.log(a)) * (g / _bce_scale(z, reduction))


def _sigmoid_bce_vjp_t(bk: Backend, g: Array, out: Array, z: Array, t: Array, reduction: str = "mean") -> Array:
    return _sigmoid_bce_saved_vjp_t(bk, g, out, bk.sigmoid(z), z, t, reduction)


def _kernel_scale(k: KernelCall) -> int:
    return _bce_scale(np.empty(k.shapes[0]), k.params.get("reduction", "mean"))


def _sigmoid_bce_kernel_forward(k: KernelCall) -> list[str] | None:
    z, t, a = k.args[0], k.args[1], k.saved
    assert a is not None
    if k.shapes[0] == () and k.shapes[1] == ():  # one output of one sample: Python floats, as a person would
        e = f"{k.out}_e"
        return [f"{e} = math.exp(-abs(float({z})))",
                f"{a} = (1.0 if {z} >= 0 else {e}) / (1.0 + {e})",
                f"{k.out} = -(float({t}) * math.log({a}) + (1.0 - float({t})) * math.log(1.0 - {a}))"]
    return [*emit_sigmoid(k, z, a),
            f"{k.out} = -({t} * np.log({a}) + (1 - {t}) * np.log(1 - {a})).sum() / {_kernel_scale(k)}"]


def _sigmoid_bce_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    if position != 0:
        return None
    scale = _kernel_scale(k)
    if k.shapes[0] == () and k.shapes[1] == ():
        factor = "" if k.g_is_one and scale == 1 else f" * ({k.g} / {scale})"
        return [f"{k.d} = ({k.saved} - float({k.args[1]})){factor}"]
    lines = [f"np.subtract({k.saved}, {k.args[1]}, out={k.d})"]
    if not (k.g_is_one and scale == 1):
        lines.append(f"{k.d} *= {k.g} / {scale}")
    return lines


def _sigmoid_bce_scalar_forward(c: ScalarCall) -> list[str] | None:
    if c.saved is None or c.shapes[0] != c.shapes[1]:
        return None
    lines: list[str] = []
    for z, a in zip(c.args[0], c.saved):
        lines += stable_sigmoid(z, a, c.temp)
    terms = [f"-({t} * math.log({a}) + (1 - {t}) * math.log(1 - {a}))" for a, t in zip(c.saved, c.args[1])]
    scale = _bce_scale(np.empty(c.shapes[0]), c.params.get("reduction", "mean"))
    return [*lines, f"{c.out[0]} = ({total(terms)}) / {scale}"]


def _sigmoid_bce_scalar_vjp(c: ScalarCall, position: int) -> tuple[list[str], Terms] | None:
    """dL/dz = (a - t) (g / n) from the saved sigmoid a."""
    if position != 0 or c.saved is None or c.g[0] == "0.0":
        return None
    scale = _bce_scale(np.empty(c.shapes[0]), c.params.get("reduction", "mean"))
    factor = "" if c.g_is_one and scale == 1 else f" * ({c.g[0]} / {scale})"
    return [], [f"({a} - {t}){factor}" for a, t in zip(c.saved, c.args[1])]


register(Op(
    name="sigmoid_bce",
    scalar=Scalar(_sigmoid_bce_scalar_forward, _sigmoid_bce_scalar_vjp),
    kind="fused",
    fuses=("sigmoid", "bce"),
    forward=_sigmoid_bce_forward,
    save=_sigmoid_bce_save,
    partials=(
        Partial("z", _sigmoid_bce_vjp_z, r"\sigma($z) - $t", "sigmoid($z) - $t", saved_vjp=_sigmoid_bce_saved_vjp_z),
        Partial("t", _sigmoid_bce_vjp_t, r"\ln(1 - \sigma($z)) - \ln \sigma($z)",
                "log(1 - sigmoid($z)) - log(sigmoid($z))",
                saved_vjp=_sigmoid_bce_saved_vjp_t),
    ),
    notation=Notation("bce(sigmoid($z), $t)", r"\operatorname{bce}(\sigma($z), $t)"),
    definition_latex=r"L = -\frac{1}{n}\sum_k \left(t_k \ln \sigma(z_k) + (1 - t_k)\ln(1 - \sigma(z_k))\right)",
    definition_text="L = -1/n sum_k (t_k log(sigmoid(z_k)) + (1 - t_k) log(1 - sigmoid(z_k)))",
    sentence="Sigmoid then BCE: dL/da = (a - t) / (a (1 - a)) times da/dz = a (1 - a) collapses to "
             "dL/dz = a - t per output (divided by the n outputs).",
    pitfalls=(Pitfall("sigmoid_bce", "Sigmoid followed by cross-entropy: their derivatives cancel, so the loss's "
                                     "gradient with respect to the pre-activation is the output minus the target "
                                     "(each output's, divided by the number of outputs when the loss averages them).",
                      order=20),),
    params=("reduction",),
    over_outputs="mean",
    kernel=Kernel(_sigmoid_bce_kernel_forward, _sigmoid_bce_kernel_vjp),
))

# ---------------------------------------------------------------- linear + ReLU


def _linear_relu_forward(bk: Backend, x: Array, w: Array, b: Array) -> Array:
    z = _linear_forward(bk, x, w, b)
    return bk.maximum(z, bk.zero(z))


def _upstream_of_z(bk: Backend, g: Array, out: Array) -> Array:
    return g * bk.positive(out)  # out > 0 exactly where z > 0, and ReLU'(0) = 0


def _linear_relu_x(bk: Backend, g: Array, out: Array, x: Array, w: Array, b: Array) -> Array:
    return _matmul_wrt_a(bk, _upstream_of_z(bk, g, out), out, x, w)


def _linear_relu_w(bk: Backend, g: Array, out: Array, x: Array, w: Array, b: Array) -> Array:
    return _matmul_wrt_b(bk, _upstream_of_z(bk, g, out), out, x, w)


def _linear_relu_b(bk: Backend, g: Array, out: Array, x: Array, w: Array, b: Array) -> Array:
    return _linear_wrt_b(bk, _upstream_of_z(bk, g, out), out, x, w, b)


def _linear_relu_kernel_forward(k: KernelCall) -> list[str] | None:
    lines = linear_kernel_forward(k)
    return None if lines is None else [*lines, f"np.maximum({k.out}, 0, out={k.out})"]


def _linear_relu_prelude(k: KernelCall) -> tuple[list[str], str]:
    """dL/dz = g [a > 0], computed once for the three VJPs (in g's own buffer when no one reads g after)."""
    g_z = k.g if k.g_writable else k.scratch(k.out_shape)
    return [f"np.multiply({k.g}, {k.out} > 0, out={g_z})"], g_z


def _linear_relu_scalar_forward(c: ScalarCall) -> list[str] | None:
    lines = scalar_linear_forward(c)
    if lines is None:
        return None
    return lines + [f"{out} = ({out} if not {out} <= 0.0 else 0.0)" for out in c.out]


def _linear_relu_scalar_prelude(c: ScalarCall) -> tuple[list[str], list[str]]:
    """dL/dz = g [a > 0], once for the three VJPs."""
    lines, names = [], []
    for g, out in zip(c.g, c.out):
        if g == "0.0":
            names.append("0.0")
            continue
        name = c.temp()
        lines.append(f"{name} = ({g} if {out} > 0.0 else 0.0)")
        names.append(name)
    return lines, names


register(Op(
    name="linear_relu",
    scalar=Scalar(_linear_relu_scalar_forward, lambda c, position: scalar_linear_vjp(c, position, c.g),
                  _linear_relu_scalar_prelude),
    kind="fused",
    fuses=("linear", "relu"),
    forward=_linear_relu_forward,
    partials=(
        Partial("x", _linear_relu_x, r"($g \odot [$out > 0])\, $W^{\top}", "($g * [$out > 0]) $W^T",
                includes_upstream=True),
        Partial("W", _linear_relu_w, r"$x^{\top} ($g \odot [$out > 0])", "$x^T ($g * [$out > 0])",
                includes_upstream=True),
        Partial("b", _linear_relu_b, r"[$out > 0]", "[$out > 0]"),
    ),
    notation=Notation("relu($x @ $W + $b)", r"\operatorname{ReLU}($x $W + $b)"),
    definition_latex=r"a = \operatorname{ReLU}(x W + b)",
    definition_text="a = relu(x @ W + b)",
    kernel=Kernel(_linear_relu_kernel_forward, linear_kernel_vjp, _linear_relu_prelude),
    sentence="For a = ReLU(x W + b), dL/dz = dL/da where a > 0 and 0 elsewhere; then dL/dx = dL/dz W^T, "
             "dL/dW = x^T dL/dz and dL/db = dL/dz summed over the batch.",
))
