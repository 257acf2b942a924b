"""Arithmetic: add, sub, mul, div, neg, pow, the max/min gates, matmul, and linear (matmul + bias fused)."""

from __future__ import annotations

import numpy as np

from gradwork.backends import Backend
from gradwork.ops.registry import Array, Kernel, KernelCall, Notation, Op, Partial, register, unbroadcast
from gradwork.ops.scalar import Scalar, ScalarCall, Terms, broadcast_sources, elementwise, total

# ---------------------------------------------------------------- elementwise

register(Op(
    kind="arithmetic",
    name="add",
    forward=lambda bk, a, b: a + b,
    partials=(
        Partial("a", lambda bk, g, out, a, b: g, "1", "1"),
        Partial("b", lambda bk, g, out, a, b: g, "1", "1"),
    ),
    notation=Notation("$a + $b", "$a + $b", 50),
    definition_latex="a + b",
    definition_text='a + b',
    sentence="The add gate distributes the upstream gradient: each term receives it unchanged.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"{a} + {b}", lambda g, out, a, b: g, lambda g, out, a, b: g),
))

register(Op(
    kind="arithmetic",
    name="sub",
    forward=lambda bk, a, b: a - b,
    partials=(
        Partial("a", lambda bk, g, out, a, b: g, "1", "1"),
        Partial("b", lambda bk, g, out, a, b: -g, "-1", "-1"),
    ),
    notation=Notation("$a - $b", "$a - $b", 50),
    definition_latex="a - b",
    definition_text='a - b',
    sentence="A difference passes the gradient to the first term and its negative to the second.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"{a} - {b}", lambda g, out, a, b: g, lambda g, out, a, b: f"-{g}"),
))

register(Op(
    kind="arithmetic",
    name="mul",
    forward=lambda bk, a, b: a * b,
    partials=(
        Partial("a", lambda bk, g, out, a, b: g * b, "$b", "$b"),
        Partial("b", lambda bk, g, out, a, b: g * a, "$a", "$a"),
    ),
    notation=Notation("$a * $b", r"$a \cdot $b", 60),
    definition_latex=r"a \cdot b",
    definition_text='a * b',
    sentence="The multiply gate swaps its inputs: each factor's gradient is the upstream gradient times "
             "the other factor.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"{a} * {b}", lambda g, out, a, b: f"{g} * {b}",
                       lambda g, out, a, b: f"{g} * {a}"),
))

register(Op(
    kind="arithmetic",
    name="div",
    forward=lambda bk, a, b: a / b,
    partials=(
        Partial("a", lambda bk, g, out, a, b: g / b, r"\frac{1}{$b}", "1 / $b", with_constant=("b", "reciprocal")),
        Partial("b", lambda bk, g, out, a, b: -g * a / (b * b), r"-\frac{$a}{$b^{2}}", "-$a / $b^2"),
    ),
    notation=Notation("$a / $b", r"\frac{$a}{$b}", 60),
    definition_latex=r"\frac{a}{b}",
    definition_text='a / b',
    sentence="Quotient rule: d(a/b)/da = 1/b and d(a/b)/db = -a/b^2.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"{a} / {b}", lambda g, out, a, b: f"{g} / {b}",
                       lambda g, out, a, b: f"-{g} * {a} / ({b} * {b})"),
))

register(Op(
    kind="arithmetic",
    name="neg",
    forward=lambda bk, x: -x,
    partials=(Partial("x", lambda bk, g, out, x: -g, "-1", "-1"),),
    notation=Notation("-$x", "-$x", 70),
    definition_latex="-x",
    definition_text='-x',
    sentence="Negation flips the sign of the gradient.",
    elementwise=True,
    scalar=elementwise(lambda out, x, temp: f"-{x}", lambda g, out, x: f"-{g}"),
))


def _pow_wrt_base(bk: Backend, g: Array, out: Array, x: Array, p: Array) -> Array:
    return g * p * bk.power(x, p - 1)


def _pow_wrt_exponent(bk: Backend, g: Array, out: Array, x: Array, p: Array) -> Array:
    return g * out * bk.log(x)


register(Op(
    kind="arithmetic",
    name="pow",
    forward=lambda bk, x, p: bk.power(x, p),
    partials=(
        Partial("x", _pow_wrt_base, r"$p \, $x^{$p - 1}", "$p * $x^($p - 1)", with_constant=("p", "power")),
        Partial("p", _pow_wrt_exponent, r"$x^{$p} \ln $x", "$x^$p * log($x)"),
    ),
    notation=Notation("$x**$p", "{$x}^{$p}", 80),
    definition_latex="x^{p}",
    definition_text='x^p',
    sentence="Power rule: d(x^p)/dx = p x^(p-1); the exponent's derivative is x^p ln x.",
    elementwise=True,
    # math.pow raises where NumPy's power gives NaN or inf (a negative base to a fractional power, 0 to a
    # negative one): the compiled step then reruns on NumPy.
    scalar=elementwise(lambda out, x, p, temp: f"math.pow({x}, {p})",
                       lambda g, out, x, p: f"{g} * {p} * math.pow({x}, {p} - 1)",
                       lambda g, out, x, p: f"{g} * {out} * math.log({x})"),
))

# ---------------------------------------------------------------- the max and min gates


def _a_passes(bk: Backend, a: Array, b: Array, larger: Array) -> Array:
    """The 0/1 indicator of the elements where a is passed on: a >= b for max, a <= b for min.

    A tie counts for the first operand (a stated convention rather than PyTorch's
    equal split), so at every element exactly one input receives the gradient.
    """
    # asarray: a difference of 0-d object arrays is a bare Fraction or SymPy number.
    return bk.positive(np.asarray(a - b if larger else b - a), 1)


register(Op(
    kind="arithmetic",
    name="maximum",
    forward=lambda bk, a, b: bk.maximum(a, b),
    partials=(
        Partial("a", lambda bk, g, out, a, b: g * _a_passes(bk, a, b, True), r"[$a \ge $b]", "[$a ≥ $b]"),
        Partial("b", lambda bk, g, out, a, b: g * (1 - _a_passes(bk, a, b, True)), "[$a < $b]", "[$a < $b]"),
    ),
    notation=Notation("max($a, $b)", r"\max($a, $b)"),
    definition_latex=r"\max(a, b)",
    definition_text="max(a, b)",
    sentence="The max gate routes the upstream gradient to the larger input and gives the other 0; "
             "on a tie (a = b) all of it goes to the first operand a.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"({a} if {a} >= {b} else {b})",
                       lambda g, out, a, b: f"({g} if {a} >= {b} else 0.0)",
                       lambda g, out, a, b: f"(0.0 if {a} >= {b} else {g})"),
    display=("max", r"\max"),
))

register(Op(
    kind="arithmetic",
    name="minimum",
    forward=lambda bk, a, b: bk.minimum(a, b),
    partials=(
        Partial("a", lambda bk, g, out, a, b: g * _a_passes(bk, a, b, False), r"[$a \le $b]", "[$a ≤ $b]"),
        Partial("b", lambda bk, g, out, a, b: g * (1 - _a_passes(bk, a, b, False)), "[$a > $b]", "[$a > $b]"),
    ),
    notation=Notation("min($a, $b)", r"\min($a, $b)"),
    definition_latex=r"\min(a, b)",
    definition_text="min(a, b)",
    sentence="The min gate routes the upstream gradient to the smaller input and gives the other 0; "
             "on a tie (a = b) all of it goes to the first operand a.",
    elementwise=True,
    scalar=elementwise(lambda out, a, b, temp: f"({a} if {a} <= {b} else {b})",
                       lambda g, out, a, b: f"({g} if {a} <= {b} else 0.0)",
                       lambda g, out, a, b: f"(0.0 if {a} <= {b} else {g})"),
    display=("min", r"\min"),
))

# ---------------------------------------------------------------- matmul


def _swap_last(a: Array) -> Array:
    """``a`` with its last two axes swapped (``a.T`` for a matrix, the common case, at no cost)."""
    return a.T if a.ndim == 2 else np.swapaxes(a, -1, -2)


def _matmul_wrt_a(bk: Backend, g: Array, out: Array, a: Array, b: Array) -> Array:
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if a.ndim == 1:  # b: (..., n, k), g: (..., k)
        return unbroadcast((b @ g[..., None])[..., 0], a.shape)
    if b.ndim == 1:  # a: (..., m, n), g: (..., m)
        return unbroadcast(g[..., None] * b, a.shape)
    return unbroadcast(g @ _swap_last(b), a.shape)


def _matmul_wrt_b(bk: Backend, g: Array, out: Array, a: Array, b: Array) -> Array:
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # b: (..., n, k), g: (..., k)
        if b.ndim == 2 and g.ndim == 1:  # one sample into a layer: the outer product a g^T is dL/db
            return a[:, None] * g  # the products of np.multiply.outer, without its Python-level wrapper
        return unbroadcast(a[:, None] * g[..., None, :], b.shape)
    if b.ndim == 1:  # a: (..., m, n), g: (..., m)
        return unbroadcast((_swap_last(a) @ g[..., None])[..., 0], b.shape)
    return unbroadcast(_swap_last(a) @ g, b.shape)


# ---- kernels for the compiled training step: the same products, written into preallocated buffers


def emit_matmul_wrt_a(a_nd: int, b: str, b_nd: int, g: str, d: str) -> list[str] | None:
    """dL/da = g b^T into ``d``, for the vector and matrix cases of a @ b."""
    if b_nd == 2 and a_nd in (1, 2):
        return [f"np.matmul({g}, {b}.T, out={d})"]
    if b_nd == 1 and a_nd == 2:  # g: [n], b: [k] -> [n, k]
        return [f"np.multiply({g}[:, None], {b}, out={d})"]
    if b_nd == 1 and a_nd == 1:  # g is a scalar
        return [f"np.multiply({g}, {b}, out={d})"]
    return None


def emit_matmul_wrt_b(a: str, a_nd: int, b_nd: int, g: str, d: str) -> list[str] | None:
    """dL/db = a^T g into ``d``."""
    if a_nd == 2 and b_nd in (1, 2):
        return [f"np.matmul({a}.T, {g}, out={d})"]
    if a_nd == 1 and b_nd == 2:  # a: [k], g: [m] -> [k, m]
        return [f"np.multiply({a}[:, None], {g}, out={d})"]
    if a_nd == 1 and b_nd == 1:
        return [f"np.multiply({a}, {g}, out={d})"]
    return None


def emit_bias_grad(g: str, g_shape: tuple[int, ...], b_shape: tuple[int, ...], d: str) -> list[str] | None:
    """dL/db: ``g`` summed over the axes the bias was broadcast along."""
    if g_shape == b_shape:
        return [f"np.copyto({d}, {g})"]
    if not b_shape:
        return [f"{g}.sum(out={d})"]  # the method: np.sum is Python around it (~2 us a call)
    if len(b_shape) == 1 and len(g_shape) == 2 and g_shape[1] == b_shape[0]:
        return [f"{g}.sum(axis=0, out={d})"]
    return None


def _small(k: KernelCall) -> bool:
    return all(len(shape) <= 2 for shape in k.shapes[:2])


def _matmul_kernel_forward(k: KernelCall) -> list[str] | None:
    return [f"np.matmul({k.args[0]}, {k.args[1]}, out={k.out})"] if _small(k) else None


def _matmul_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    if not _small(k):
        return None
    if position == 0:
        return emit_matmul_wrt_a(k.nd(0), k.args[1], k.nd(1), k.g, k.d)
    return emit_matmul_wrt_b(k.args[0], k.nd(0), k.nd(1), k.g, k.d)


def linear_kernel_forward(k: KernelCall) -> list[str] | None:
    """z = x W + b into the output buffer: the product, then the bias added in place."""
    if not _small(k) or len(k.shapes[2]) > len(k.out_shape) or \
            np.broadcast_shapes(k.out_shape, k.shapes[2]) != tuple(k.out_shape):
        return None
    if k.out_shape == ():  # a single unit of one sample: a dot product, a NumPy scalar
        return [f"{k.out} = {k.args[0]} @ {k.args[1]} + {k.args[2]}"]
    return [f"np.matmul({k.args[0]}, {k.args[1]}, out={k.out})", f"{k.out} += {k.args[2]}"]


def linear_kernel_vjp(k: KernelCall, position: int) -> list[str] | None:
    if position == 2:
        return emit_bias_grad(k.g, k.out_shape, k.shapes[2], k.d)
    return _matmul_kernel_vjp(k, position)


# ---- scalar emitters (ops/scalar.py): a @ b as one sum of products per output element


def _contraction(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[int, int, int] | None:
    """(rows of a, the summed length, columns of b) for the 1-D and 2-D cases of a @ b."""
    if len(a_shape) not in (1, 2) or len(b_shape) not in (1, 2):
        return None
    n = a_shape[-1]
    if b_shape[0] != n:
        return None
    return (a_shape[0] if len(a_shape) == 2 else 1), n, (b_shape[1] if len(b_shape) == 2 else 1)


def scalar_products(c: ScalarCall) -> list[str] | None:
    """sum_i a[r, i] b[i, m] for every output element (r, m), in C order."""
    found = _contraction(c.shapes[0], c.shapes[1])
    if found is None:
        return None
    rows, n, columns = found
    a, b = c.args[0], c.args[1]
    return [total([f"{a[r * n + i]} * {b[i * columns + m]}" for i in range(n)])
            for r in range(rows) for m in range(columns)]


def scalar_matmul_vjp(c: ScalarCall, position: int, g: list[str]) -> tuple[list[str], Terms] | None:
    """dL/da = g b^T and dL/db = a^T g, as terms per element of a or b."""
    found = _contraction(c.shapes[0], c.shapes[1])
    if found is None or position > 1:
        return None
    rows, n, columns = found
    a, b = c.args[0], c.args[1]
    terms: Terms = []
    if position == 0:
        for r in range(rows):
            for i in range(n):
                parts = [f"{g[r * columns + m]} * {b[i * columns + m]}" for m in range(columns)
                         if g[r * columns + m] != "0.0"]
                terms.append(" + ".join(parts) if parts else None)
    else:
        for i in range(n):
            for m in range(columns):
                parts = [f"{a[r * n + i]} * {g[r * columns + m]}" for r in range(rows) if g[r * columns + m] != "0.0"]
                terms.append(" + ".join(parts) if parts else None)
    return [], terms


def _matmul_scalar_forward(c: ScalarCall) -> list[str] | None:
    sums = scalar_products(c)
    return None if sums is None else [f"{out} = {value}" for out, value in zip(c.out, sums)]


def scalar_linear_forward(c: ScalarCall) -> list[str] | None:
    """z = x W + b, the bias added after the products (as the NumPy kernel adds it in place)."""
    sums = scalar_products(c)
    sources = broadcast_sources([c.shapes[2]], c.out_shape)
    if sums is None or sources is None or len(sums) != len(c.out):
        return None
    bias = c.args[2]
    return [f"{out} = {value} + {bias[sources[0][k]]}" for k, (out, value) in enumerate(zip(c.out, sums))]


def scalar_linear_vjp(c: ScalarCall, position: int, g: list[str]) -> tuple[list[str], Terms] | None:
    if position < 2:
        return scalar_matmul_vjp(c, position, g)
    sources = broadcast_sources([c.shapes[2]], c.out_shape)
    if sources is None:
        return None
    per_bias: list[list[str]] = [[] for _ in c.args[2]]
    for k, source in enumerate(sources[0]):
        if g[k] != "0.0":
            per_bias[source].append(g[k])
    return [], [" + ".join(parts) if parts else None for parts in per_bias]


register(Op(
    kind="arithmetic",
    scalar=Scalar(_matmul_scalar_forward, lambda c, position: scalar_matmul_vjp(c, position, c.g)),
    kernel=Kernel(_matmul_kernel_forward, _matmul_kernel_vjp),
    name="matmul",
    forward=lambda bk, a, b: a @ b,
    partials=(
        Partial("a", _matmul_wrt_a, r"$g\, $b^{\top}", "$g $b^T", includes_upstream=True),
        Partial("b", _matmul_wrt_b, r"$a^{\top} $g", "$a^T $g", includes_upstream=True),
    ),
    notation=Notation("$a @ $b", "$a $b", 60),
    definition_latex="a b",
    definition_text='a @ b',
    sentence="For Y = A B the gradient is dL/dA = dL/dY B^T and dL/dB = A^T dL/dY.",
    vector_dot=True,
))

# ---------------------------------------------------------------- linear (fused matmul + bias)


def _linear_forward(bk: Backend, x: Array, w: Array, b: Array) -> Array:
    z = x @ w
    # Adding the bias into the fresh product in place saves one array per layer; anything
    # unusual (a scalar product, a bias that widens z, mixed dtypes) takes the plain sum.
    if type(z) is np.ndarray and type(b) is np.ndarray and z.dtype == b.dtype and z.dtype != object \
            and b.ndim <= z.ndim and b.shape == z.shape[z.ndim - b.ndim:]:
        z += b
        return z
    return z + b


def _linear_wrt_b(bk: Backend, g: Array, out: Array, x: Array, w: Array, b: Array) -> Array:
    # dL/db is g summed over the batch; summed here for the usual [batch, units] case (the engine's
    # general unbroadcast would reach the same sum with more Python work), else left to the engine.
    if g.ndim == 2 and b.ndim == 1:
        return g.sum(axis=0)
    return g


register(Op(
    kind="arithmetic",
    scalar=Scalar(scalar_linear_forward, lambda c, position: scalar_linear_vjp(c, position, c.g)),
    kernel=Kernel(linear_kernel_forward, linear_kernel_vjp),
    name="linear",
    forward=_linear_forward,
    partials=(
        Partial("x", lambda bk, g, out, x, w, b: _matmul_wrt_a(bk, g, out, x, w), r"$g\, $W^{\top}", "$g $W^T",
                includes_upstream=True),
        Partial("W", lambda bk, g, out, x, w, b: _matmul_wrt_b(bk, g, out, x, w), r"$x^{\top} $g", "$x^T $g",
                includes_upstream=True),
        Partial("b", _linear_wrt_b, "1", "1"),
    ),
    notation=Notation("$x @ $W + $b", "$x $W + $b", 50),
    definition_latex="x W + b",
    definition_text="x @ W + b",
    sentence="For z = x W + b: dL/dx = dL/dz W^T, dL/dW = x^T dL/dz, and dL/db is dL/dz summed over the batch.",
))
