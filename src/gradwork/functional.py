"""Functions over tensors, one thin wrapper per registered op.

``gradwork.functional.sigmoid(z)`` is ``apply("sigmoid", z)``: the math lives in
:mod:`gradwork.ops`, never here. A registered function, activation or loss
without a wrapper below is still ``F.<name>`` (module ``__getattr__``), so an
op added by one ``register`` call is callable by name at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gradwork.ops import OPS
from gradwork.tensor import Tensor, apply

_BY_NAME = ("function", "activation", "loss", "fused")  # op kinds reachable as F.<name>


def __getattr__(name: str) -> Callable[..., Tensor]:
    op = OPS.get(name)
    if op is None or op.kind not in _BY_NAME:
        raise AttributeError(f"module 'gradwork.functional' has no attribute {name!r}")

    def call(*operands: Any, **params: Any) -> Tensor:
        return apply(name, *operands, **params)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = op.sentence
    return call


def exp(x: Any) -> Tensor:
    return apply("exp", x)


def log(x: Any) -> Tensor:
    """Natural logarithm."""
    return apply("log", x)


def sqrt(x: Any) -> Tensor:
    return apply("sqrt", x)


def abs(x: Any) -> Tensor:  # noqa: A001  (mirrors numpy's name)
    return apply("abs", x)


def relu(x: Any, at_zero: float = 0) -> Tensor:
    """max(0, x); its gradient at exactly 0 is ``at_zero`` (a convention: 0, 0.5 or 1)."""
    return apply("relu", x, at_zero=at_zero)


def leaky_relu(x: Any, alpha: float = 0.01) -> Tensor:
    return apply("leaky_relu", x, alpha=alpha)


def sigmoid(x: Any) -> Tensor:
    return apply("sigmoid", x)


def tanh(x: Any) -> Tensor:
    return apply("tanh", x)


def softplus(x: Any) -> Tensor:
    return apply("softplus", x)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return apply("elu", x, alpha=alpha)


def gelu(x: Any) -> Tensor:
    """x Phi(x) with the exact normal CDF (not the tanh approximation)."""
    return apply("gelu", x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    return apply("softmax", x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return apply("log_softmax", x, axis=axis)


def matmul(a: Any, b: Any) -> Tensor:
    return apply("matmul", a, b)


def linear(x: Any, w: Any, b: Any) -> Tensor:
    """x @ w + b as one op (the fused dense layer of the training fast path)."""
    return apply("linear", x, w, b)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    return apply("transpose", x, axes=None if axes is None else tuple(axes))


def reshape(x: Any, shape: Sequence[int]) -> Tensor:
    return apply("reshape", x, shape=tuple(shape))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return apply("sum", x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return apply("mean", x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return apply("max", x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return apply("min", x, axis=axis, keepdims=keepdims)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max(a, b), the max gate; on a tie the gradient goes to ``a``."""
    return apply("maximum", a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min(a, b); on a tie the gradient goes to ``a``."""
    return apply("minimum", a, b)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return apply("concatenate", *tensors, axis=axis)


def gather(x: Tensor, indices: Sequence[int]) -> Tensor:
    """x[[i, j, ...]]: pick elements by position along the first axis."""
    return x[list(indices)]


# Losses (docs/format.md): y outputs, t targets; a batch is reduced by `reduction`.
def half_sse(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    return apply("half_sse", y, t, reduction=reduction)


def sse(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    return apply("sse", y, t, reduction=reduction)


def mse(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    return apply("mse", y, t, reduction=reduction)


def l1(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    return apply("l1", y, t, reduction=reduction)


def bce(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    return apply("bce", y, t, reduction=reduction)


def cross_entropy(z: Any, t: Any, reduction: str = "mean") -> Tensor:
    """-sum t log softmax(z): takes the pre-softmax logits z and one-hot (or soft) targets t."""
    return apply("cross_entropy", z, t, reduction=reduction)
