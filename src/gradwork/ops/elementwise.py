"""Elementwise functions and activations: exp, log, sqrt, abs, relu, sigmoid, ...

Each activation is a primitive with its own rule, because students reason about
sigma'(z) = sigma(z)(1 - sigma(z)), not about the exp and division inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gradwork.backends import Backend
from gradwork.ops.registry import (
    VJP,
    Array,
    Export,
    Forward,
    Kernel,
    KernelCall,
    Kind,
    Notation,
    OnnxNode,
    Op,
    Option,
    Partial,
    Pitfall,
    register,
)
from gradwork.ops.scalar import Scalar, elementwise, stable_sigmoid

# Logs are natural everywhere (log, bce, cross-entropy, log softmax carry this record): base 10 divides by ln 10.
NATURAL_LOG = Pitfall(
    "log_base_10", "Logs are natural: a log base 10 would divide the loss and every gradient by ln 10 ≈ 2.303.",
    note="your number uses log10 in {at}", order=50)


def _log10(bk: Backend, x: Array) -> Array:
    """The mistake itself: the log taken in base 10."""
    return bk.log(x) / bk.log(bk.asarray(10))


def _unary(name: str, forward: Forward, vjp: VJP, d_latex: str, d_text: str, notation_text: str,
           notation_latex: str, definition: str, sentence: str, pitfalls: tuple[Pitfall, ...] = (),
           params: tuple[str, ...] = (), definition_text: str | None = None, kind: Kind = "function",
           display: tuple[str, str] | None = None, options: tuple[Option, ...] = (),
           export: Export | None = None, kernel: Kernel | None = None, scalar: Scalar | None = None,
           defined: bool = False, piecewise: bool = False, call: Notation | None = None,
           written: tuple[str, ...] = ()) -> Op:
    return register(Op(
        name=name,
        forward=forward,
        partials=(Partial("x", vjp, d_latex, d_text),),
        notation=Notation(notation_text, notation_latex),
        definition_latex=definition,
        sentence=sentence,
        kind=kind,
        elementwise=True,
        pitfalls=pitfalls,
        params=params,
        definition_text=definition_text,
        display=display,
        options=options,
        export=export,
        kernel=kernel,
        defined=defined or kind == "activation",  # every activation is defined where an explanation uses it
        piecewise=piecewise,
        call=call,
        written=written,
        scalar=scalar,
    ))


# ---------------------------------------------------------------- elementary functions

_unary("exp", lambda bk, x: bk.exp(x), lambda bk, g, out, x: g * out,
       "e^{$x}", "exp($x)", "exp($x)", "e^{$x}", r"e^{x}",
       "The exponential is its own derivative.", definition_text="exp(x) = e^x", display=("exp", r"\exp"),
       defined=True,
       scalar=elementwise(lambda out, x, temp: f"math.exp({x})", lambda g, out, x: f"{g} * {out}"))

_unary("log", lambda bk, x: bk.log(x), lambda bk, g, out, x: g / x,
       r"\frac{1}{$x}", "1 / $x", "log($x)", r"\ln $x", r"\ln x",
       "d(ln x)/dx = 1/x (natural log).",
       definition_text="log(x)", display=("ln", r"\ln"), pitfalls=(replace(NATURAL_LOG, wrong_forward=_log10),),
       defined=True,
       scalar=elementwise(lambda out, x, temp: f"math.log({x})", lambda g, out, x: f"{g} / {x}"))

_unary("sqrt", lambda bk, x: bk.sqrt(x), lambda bk, g, out, x: g / (2 * out),
       r"\frac{1}{2\sqrt{$x}}", "1 / (2 sqrt($x))", "sqrt($x)", r"\sqrt{$x}", r"\sqrt{x}",
       "d(sqrt x)/dx = 1/(2 sqrt x).", definition_text="sqrt(x)", call=Notation("√$x", r"\sqrt{$x}"),
       scalar=elementwise(lambda out, x, temp: f"math.sqrt({x})", lambda g, out, x: f"{g} / (2 * {out})"))


def _sign(bk: Backend, x: Array) -> Array:
    return bk.positive(x) - bk.positive(-x)


_unary("abs", lambda bk, x: bk.abs(x), lambda bk, g, out, x: g * _sign(bk, x),
       r"\operatorname{sign}($x)", "sign($x)", "abs($x)", r"\left|$x\right|", r"|x|",
       "d|x|/dx = sign(x), taken as 0 at x = 0.", definition_text="|x|", call=Notation("|$x|", r"\left|$x\right|"),
       scalar=elementwise(lambda out, x, temp: f"abs({x})",
                          lambda g, out, x: f"({g} if {x} > 0.0 else (-{g} if {x} < 0.0 else 0.0))"))

# ---------------------------------------------------------------- activations


def _relu_vjp(bk: Backend, g: Array, out: Array, x: Array, at_zero: Any = 0) -> Array:
    return g * bk.positive(x, at_zero)


def _relu_kernel_forward(k: KernelCall) -> list[str] | None:
    return [f"np.maximum({k.args[0]}, 0, out={k.out})"]


def _relu_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    if k.params.get("at_zero", 0) != 0:
        return None
    return [f"np.multiply({k.g}, {k.args[0]} > 0, out={k.d})"]


_unary("relu", lambda bk, x, at_zero=0: bk.maximum(x, bk.zero(x)), _relu_vjp,
       r"[$x > 0]", "[$x > 0]", "relu($x)", r"\operatorname{ReLU}($x)", r"\operatorname{ReLU}(x) = \max(0, x)",
       "ReLU'(x) is 1 for x > 0 and 0 for x < 0; at exactly 0 it is a convention (relu_grad_at_zero).",
       definition_text="relu(x) = max(0, x)",
       pitfalls=(Pitfall("relu_at_zero", "A ReLU input is exactly 0. ReLU has no derivative at exactly 0: the value "
                         "used there is a convention (relu_grad_at_zero). Here it is {at_zero}.",
                         when="at_zero", order=10),),
       params=("at_zero",), piecewise=True,
       kind="activation", display=("ReLU", r"\operatorname{ReLU}"), export=Export("Relu", "ReLU"),
       kernel=Kernel(_relu_kernel_forward, _relu_kernel_vjp),
       # max(x, 0) that keeps a NaN as np.maximum does; at 0 the gradient is g times the at_zero convention
       scalar=elementwise(lambda out, x, temp, at_zero="0.0": f"({x} if not {x} <= 0.0 else 0.0)",
                          lambda g, out, x, at_zero="0.0": f"({g} if {x} > 0.0 else 0.0)" if float(at_zero) == 0 else
                          f"({g} if {x} > 0.0 else ({g} * {at_zero} if {x} == 0.0 else 0.0))",
                          params=("at_zero",)))


def _leaky_forward(bk: Backend, x: Array, alpha: Any = 0.01) -> Array:
    return bk.where(bk.positive(x), x, alpha * x)


def _leaky_vjp(bk: Backend, g: Array, out: Array, x: Array, alpha: Any = 0.01) -> Array:
    mask = bk.positive(x, 1)  # at 0 the slope 1 is used, as PyTorch does
    return g * (mask + alpha * (1 - mask))


def _leaky_alpha(k: KernelCall) -> str | None:
    alpha = k.params.get("alpha", 0.01)
    return repr(float(alpha)) if isinstance(alpha, (int, float)) else None


def _leaky_kernel_forward(k: KernelCall) -> list[str] | None:
    alpha, x = _leaky_alpha(k), k.args[0]
    if alpha is None:
        return None
    return [f"np.multiply({x}, {alpha}, out={k.out})", f"np.copyto({k.out}, {x}, where={x} > 0)"]


def _leaky_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    alpha = _leaky_alpha(k)
    if alpha is None:
        return None
    return [f"np.multiply({k.g}, np.where({k.args[0]} >= 0, 1.0, {alpha}), out={k.d})"]


_unary("leaky_relu", _leaky_forward, _leaky_vjp,
       r"\begin{cases} 1 & $x \ge 0 \\ $alpha & $x < 0 \end{cases}", "{1 if $x ≥ 0; $alpha if $x < 0}",
       "leaky_relu($x)", r"\operatorname{LeakyReLU}_{\alpha}($x)",
       r"\operatorname{LeakyReLU}_{\alpha}(x) = \max(\alpha x, x)",
       "LeakyReLU'(x) is 1 for x >= 0 and alpha for x < 0.", params=("alpha",),
       definition_text="leaky_relu(x) = max(alpha x, x)",
       kind="activation", display=("LeakyReLU", r"\operatorname{LeakyReLU}"),
       export=Export("LeakyRelu", "LeakyReLU", ("alpha",)), options=(Option("alpha", "0.01"),),
       piecewise=True, written=("lrelu",),
       pitfalls=(Pitfall("activation_derivative", instead_of="relu", explained=False),),  # the slope alpha forgotten
       kernel=Kernel(_leaky_kernel_forward, _leaky_kernel_vjp),
       scalar=elementwise(lambda out, x, temp, alpha="0.01": f"({x} if {x} > 0.0 else {alpha} * {x})",
                          lambda g, out, x, alpha="0.01": f"({g} if {x} >= 0.0 else {g} * {alpha})",
                          params=("alpha",)))

def emit_sigmoid(k: KernelCall, x: str, out: str) -> list[str]:
    """The float backend's stable sigmoid, where(x >= 0, 1, e) / (1 + e) with e = exp(-|x|), into ``out``."""
    denominator = k.scratch(k.shapes[0])
    return [f"np.abs({x}, out={out})", f"np.negative({out}, out={out})", f"np.exp({out}, out={out})",
            f"np.add({out}, 1.0, out={denominator})", f"np.copyto({out}, 1.0, where={x} >= 0)",
            f"np.divide({out}, {denominator}, out={out})"]


def _sigmoid_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    return [f"np.subtract(1, {k.out}, out={k.d})", f"{k.d} *= {k.out}", f"{k.d} *= {k.g}"]


_unary("sigmoid", lambda bk, x: bk.sigmoid(x), lambda bk, g, out, x: g * out * (1 - out),
       r"$out\,(1 - $out)", "$out (1 - $out)", "sigmoid($x)", r"\sigma($x)",
       r"\sigma(x) = \frac{1}{1 + e^{-x}}",
       "sigma'(x) = sigma(x)(1 - sigma(x)): the derivative reuses the output.",
       definition_text="sigmoid(x) = 1 / (1 + exp(-x))",
       kind="activation", display=("σ", r"\sigma"), export=Export("Sigmoid", "Sigmoid"),
       written=("sigma", "logistic"),
       pitfalls=(Pitfall("activation_derivative", instead_of="tanh", explained=False),),  # 1 - a^2 for a(1 - a)
       kernel=Kernel(lambda k: emit_sigmoid(k, k.args[0], k.out), _sigmoid_kernel_vjp),
       scalar=elementwise(lambda out, x, temp: stable_sigmoid(x, out, temp),
                          lambda g, out, x: f"{g} * {out} * (1 - {out})"))

_unary("tanh", lambda bk, x: bk.tanh(x), lambda bk, g, out, x: g * (1 - out * out),
       r"1 - $out^{2}", "1 - $out^2", "tanh($x)", r"\tanh($x)", r"\tanh x",
       "tanh'(x) = 1 - tanh(x)^2: the derivative reuses the output.",
       definition_text="tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x))",
       kind="activation", display=("tanh", r"\tanh"), export=Export("Tanh", "Tanh"),
       pitfalls=(Pitfall("activation_derivative", instead_of="sigmoid", explained=False),),  # a(1 - a) for 1 - a^2
       scalar=elementwise(lambda out, x, temp: f"math.tanh({x})", lambda g, out, x: f"{g} * (1 - {out} * {out})"))


def _softplus_forward(bk: Backend, x: Array) -> Array:
    # max(x, 0) + log(1 + e^-|x|) never overflows and equals log(1 + e^x).
    return bk.maximum(x, bk.zero(x)) + bk.log(1 + bk.exp(-bk.abs(x)))


_unary("softplus", _softplus_forward, lambda bk, g, out, x: g * bk.sigmoid(x),
       r"\sigma($x)", "sigmoid($x)", "softplus($x)", r"\operatorname{softplus}($x)",
       r"\operatorname{softplus}(x) = \ln(1 + e^{x})",
       "softplus'(x) = sigma(x).", definition_text="softplus(x) = log(1 + e^x)",
       kind="activation", display=("softplus", r"\operatorname{softplus}"),
       export=Export("Softplus", "Softplus"),
       scalar=elementwise(lambda out, x, temp: f"({x} if {x} > 0.0 else 0.0) + math.log(1 + math.exp(-abs({x})))",
                          lambda g, out, x: f"{g} * _sigmoid({x})"))


def _elu_forward(bk: Backend, x: Array, alpha: Any = 1.0) -> Array:
    return bk.where(bk.positive(x), x, alpha * (bk.exp(bk.minimum(x, bk.zero(x))) - 1))


def _elu_vjp(bk: Backend, g: Array, out: Array, x: Array, alpha: Any = 1.0) -> Array:
    return g * bk.where(bk.positive(x), bk.ones_like(x), alpha * bk.exp(bk.minimum(x, bk.zero(x))))


_unary("elu", _elu_forward, _elu_vjp,
       r"\begin{cases} 1 & $x > 0 \\ $alpha\, e^{$x} & $x \le 0 \end{cases}", "{1 if $x > 0; $alpha exp($x) if $x ≤ 0}",
       "elu($x)", r"\operatorname{ELU}($x)",
       r"\operatorname{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
       "ELU'(x) is 1 for x > 0 and alpha e^x for x <= 0.", params=("alpha",),
       definition_text="elu(x) = {x if x > 0; alpha (e^x - 1) if x ≤ 0}",
       kind="activation", display=("ELU", r"\operatorname{ELU}"),
       export=Export("Elu", "ELU", ("alpha",)), options=(Option("alpha", "1"),), piecewise=True,
       pitfalls=(Pitfall("activation_derivative", instead_of="relu", explained=False),),  # alpha e^x forgotten
       scalar=elementwise(lambda out, x, temp, alpha="1.0": f"({x} if {x} > 0.0 else {alpha} * (math.exp({x}) - 1))",
                          lambda g, out, x, alpha="1.0": f"{g} * (1.0 if {x} > 0.0 else {alpha} * math.exp({x}))",
                          params=("alpha",)))


def _gelu_forward(bk: Backend, x: Array) -> Array:
    return x * (1 + bk.erf(x / bk.sqrt(bk.asarray(2)))) / 2


def _gelu_vjp(bk: Backend, g: Array, out: Array, x: Array) -> Array:
    cdf = (1 + bk.erf(x / bk.sqrt(bk.asarray(2)))) / 2
    pdf = bk.exp(-x * x / 2) / bk.sqrt(2 * bk.asarray(bk.pi()))
    return g * (cdf + x * pdf)


_unary("gelu", _gelu_forward, _gelu_vjp,
       r"\Phi($x) + $x\,\varphi($x)", "Phi($x) + $x phi($x)", "gelu($x)", r"\operatorname{GELU}($x)",
       r"\operatorname{GELU}(x) = x\,\Phi(x)",
       "GELU'(x) = Phi(x) + x phi(x), with Phi and phi the standard normal CDF and density.",
       definition_text="gelu(x) = x Phi(x)",
       kind="activation", display=("GELU", r"\operatorname{GELU}"),
       # x (1 + erf(x / sqrt 2)) / 2 in ONNX nodes: the Gelu op needs opset 20
       export=Export(None, "GELU", onnx_nodes=(
           OnnxNode("Div", ("$x", "#sqrt2"), "scaled"), OnnxNode("Erf", ("scaled",), "erf"),
           OnnxNode("Add", ("erf", "#one"), "sum"), OnnxNode("Mul", ("$x", "sum"), "product"),
           OnnxNode("Mul", ("product", "#half"), "$out")),
           onnx_constants=(("half", 0.5), ("sqrt2", 2 ** 0.5), ("one", 1.0))),
       scalar=elementwise(lambda out, x, temp: f"{x} * (1 + math.erf({x} / _SQRT2)) / 2",
                          lambda g, out, x: f"{g} * ((1 + math.erf({x} / _SQRT2)) / 2 + {x} * (math.exp(-{x} * {x} / 2)"
                                            f" / _SQRT2PI))"))


def _silu_vjp(bk: Backend, g: Array, out: Array, x: Array) -> Array:
    s = bk.sigmoid(x)
    return g * (s + out * (1 - s))  # σ(x) (1 + x (1 − σ(x))), with x σ(x) = out


def _silu_scalar_forward(out: str, x: str, temp: Callable[[], str]) -> list[str]:
    s = temp()
    return [*stable_sigmoid(x, s, temp), f"{out} = {x} * {s}"]


def _silu_scalar_vjp(g: str, out: str, x: str) -> str:
    s = f"(1.0 / (1.0 + math.exp(-{x})) if {x} >= 0.0 else math.exp({x}) / (1.0 + math.exp({x})))"  # stable σ
    return f"{g} * ({s} + {out} * (1.0 - {s}))"


_unary("silu", lambda bk, x: x * bk.sigmoid(x), _silu_vjp,
       r"\sigma($x)\,(1 + $x\,(1 - \sigma($x)))", "sigmoid($x) (1 + $x (1 - sigmoid($x)))",
       "silu($x)", r"\operatorname{SiLU}($x)", r"\operatorname{SiLU}(x) = x\,\sigma(x)",
       "SiLU'(x) = sigma(x)(1 + x(1 - sigma(x))): the product rule on x sigma(x).",
       definition_text="silu(x) = x sigmoid(x)",
       kind="activation", display=("SiLU", r"\operatorname{SiLU}"), written=("swish",),
       # x σ(x) in ONNX nodes: the Swish op needs opset 24
       export=Export(None, "SiLU", onnx_nodes=(OnnxNode("Sigmoid", ("$x",), "sigmoid"),
                                               OnnxNode("Mul", ("$x", "sigmoid"), "$out"))),
       scalar=elementwise(_silu_scalar_forward, _silu_scalar_vjp))
