"""One declarative suite for every registered op.

Each spec line names an op, how to draw its inputs and PyTorch's version of it.
For random shapes and values (Hypothesis) the test checks the engine's VJPs
against central finite differences in float64 and against PyTorch float64
autograd, to rtol 1e-6. Ops with kinks draw values away from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any
from collections.abc import Callable

import numpy as np
import pytest
from tests.close import assert_close
from tests.lazy import lazy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradwork.ops import OPS
from gradwork.tensor import Tensor, apply

torch = lazy("torch")

RTOL = 1e-6


@cache
def values(shape, lo=-3.0, hi=3.0, avoid=(), margin=1e-3, unique=False):
    """Float64 arrays in [lo, hi]. An element within ``margin`` of a point of ``avoid`` is drawn again (the
    draws keep their ``assume(away_from(...))``: it now rejects almost no array, where it rejected most relu, abs
    and elu draws before); ``unique`` likewise for arrays whose elements must differ (max, min)."""
    elements = st.floats(lo, hi, allow_nan=False, width=64)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - p) > margin for p in avoid))
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def away_from(array, points=(0.0,), margin=1e-3):
    return all(np.all(np.abs(array - p) > margin) for p in points)


small_shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
vector_or_matrix = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)
# The other strategies the draws use, each made once (a sampled_from of a list is built and checked anew at every
# call otherwise): the same strategies, so the same draws.
broadcast_pair = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
one_to_three_dims = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
matmul_kinds = st.sampled_from(["mm", "mv", "vm", "vv", "batched"])
linear_kinds = st.sampled_from(["batch", "sample", "single_unit", "scalar_bias"])
softmax_axes = st.sampled_from([-1, 0])
reductions = st.sampled_from(["mean", "sum"])


@cache
def reduction_axes(ndim):
    return st.sampled_from([None, *range(ndim)])


@cache
def axis_orders(ndim):
    return st.permutations(range(ndim))


@dataclass
class Spec:
    op: str
    draw: Callable[[Any], tuple[list[np.ndarray], dict[str, Any]]]
    torch_fn: Callable[..., torch.Tensor]
    differentiable: tuple[int, ...] | None = None  # input positions to check (default: all)
    fd_eps: float = 1e-6
    notes: str = field(default="")


def binary(lo=-3.0, hi=3.0, b_lo=None, b_hi=None, b_avoid=(), b_margin=1e-3):
    def draw(data):
        shapes = data.draw(broadcast_pair)
        a = data.draw(values(shapes.input_shapes[0], lo, hi))
        b = data.draw(values(shapes.input_shapes[1], b_lo if b_lo is not None else lo,
                             b_hi if b_hi is not None else hi, b_avoid, b_margin))
        if b_avoid:
            assume(away_from(b, b_avoid, b_margin))
        return [a, b], {}
    return draw


def gate():
    """Two broadcasting operands that differ by more than the FD step everywhere (no tie to route)."""
    def draw(data):
        arrays, params = binary()(data)
        assume(away_from(arrays[0] - arrays[1], (0.0,), 1e-3))
        return arrays, params
    return draw


def unary(lo=-3.0, hi=3.0, kinks=None, **params):
    def draw(data):
        x = data.draw(values(data.draw(small_shape), lo, hi, kinks or ()))
        if kinks is not None:
            assume(away_from(x, kinks))
        return [x], dict(params)
    return draw


def reduction(distinct=False):
    def draw(data):
        shape = data.draw(one_to_three_dims)
        x = data.draw(values(shape, unique=distinct))
        if distinct:
            flat = np.sort(x.ravel())
            assume(np.all(np.diff(flat) > 1e-3))
        axis = data.draw(reduction_axes(len(shape)))
        keepdims = data.draw(st.booleans())
        return [x], {"axis": axis, "keepdims": keepdims}
    return draw


def matmul_draw(data):
    kind = data.draw(matmul_kinds)
    m, n, k = (data.draw(st.integers(1, 4)) for _ in range(3))
    shapes = {"mm": ((m, n), (n, k)), "mv": ((m, n), (n,)), "vm": ((n,), (n, k)), "vv": ((n,), (n,)),
              "batched": ((2, m, n), (n, k))}[kind]
    return [data.draw(values(shapes[0])), data.draw(values(shapes[1]))], {}


def linear_draw(data):
    kind = data.draw(linear_kinds)
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    shapes = {"batch": ((n, k), (k, m), (m,)), "sample": ((k,), (k, m), (m,)),
              "single_unit": ((n, k), (k,), ()), "scalar_bias": ((n, k), (k, m), ())}[kind]
    return [data.draw(values(shape)) for shape in shapes], {}


def linear_relu_draw(data):
    arrays, params = linear_draw(data)
    x, w, b = arrays
    assume(away_from(x @ w + b))  # ReLU's kink
    return arrays, params


def softmax_draw(data):
    shape = data.draw(vector_or_matrix)
    axis = data.draw(softmax_axes)
    return [data.draw(values(shape))], {"axis": axis}


def loss_draw(y_lo=-3.0, y_hi=3.0, t_lo=-3.0, t_hi=3.0, kink=False):
    def draw(data):
        shape = data.draw(vector_or_matrix)
        y = data.draw(values(shape, y_lo, y_hi))
        t = data.draw(values(shape, t_lo, t_hi))
        if kink:
            assume(np.all(np.abs(y - t) > 1e-3))
        return [y, t], {"reduction": data.draw(reductions)}
    return draw


def index_draw(data):
    x = data.draw(values(data.draw(vector_or_matrix)))
    if data.draw(st.booleans()):
        index = data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=6))  # gather, repeats allowed
        return [x], {"index": np.asarray(index)}
    return [x], {"index": data.draw(st.integers(0, x.shape[0] - 1))}


def concat_draw(data):
    rows_a, rows_b, cols = (data.draw(st.integers(1, 3)) for _ in range(3))
    return [data.draw(values((rows_a, cols))), data.draw(values((rows_b, cols)))], {"axis": 0}


def transpose_draw(data):
    shape = data.draw(one_to_three_dims)
    axes = data.draw(axis_orders(len(shape)))
    return [data.draw(values(shape))], {"axes": tuple(axes)}


def reshape_draw(data):
    x = data.draw(values(data.draw(small_shape)))
    return [x], {"shape": (-1,) if x.ndim else ()}


def _batch_divisor(y, reduction):
    return (y.numel() // y.shape[-1] if y.dim() > 1 else 1) if reduction == "mean" else 1


def torch_loss(per_element, mean_over_outputs=False):
    def fn(y, t, reduction):
        divisor = _batch_divisor(y, reduction) * (y.shape[-1] if mean_over_outputs and y.dim() else 1)
        return per_element(y, t).sum() / divisor
    return fn


def torch_ce(z, t, reduction):
    return -(t * torch.log_softmax(z, dim=-1)).sum() / _batch_divisor(z, reduction)


def torch_reduction(f):
    def fn(x, axis, keepdims):
        dims = tuple(range(x.dim())) if axis is None else axis
        return f(x, dim=dims, keepdim=keepdims)
    return fn


torch_sum, torch_mean = torch_reduction(torch.sum), torch_reduction(torch.mean)


def torch_extremum(name):
    return torch_reduction(torch.amax if name == "max" else torch.amin)


SPECS = [
    Spec("add", binary(), lambda a, b: a + b),
    Spec("sub", binary(), lambda a, b: a - b),
    Spec("mul", binary(), lambda a, b: a * b),
    Spec("div", binary(b_avoid=(0.0,), b_margin=0.3), lambda a, b: a / b),
    Spec("neg", unary(), lambda x: -x),
    Spec("pow", binary(0.2, 3.0, -2.0, 2.0), lambda x, p: x ** p),
    Spec("maximum", gate(), torch.maximum),
    Spec("minimum", gate(), torch.minimum),
    Spec("matmul", matmul_draw, lambda a, b: a @ b),
    Spec("linear", linear_draw, lambda x, w, b: x @ w + b),
    Spec("transpose", transpose_draw, lambda x, axes: x.permute(*axes)),
    Spec("reshape", reshape_draw, lambda x, shape: x.reshape(shape)),
    Spec("sum", reduction(), torch_sum),
    Spec("mean", reduction(), torch_mean),
    Spec("max", reduction(distinct=True), torch_extremum("max")),
    Spec("min", reduction(distinct=True), torch_extremum("min")),
    Spec("exp", unary(), torch.exp),
    Spec("log", unary(0.1, 5.0), torch.log),
    Spec("sqrt", unary(0.1, 5.0), torch.sqrt),
    Spec("abs", unary(kinks=(0.0,)), torch.abs),
    Spec("relu", unary(kinks=(0.0,), at_zero=0), lambda x, at_zero: torch.relu(x)),
    Spec("leaky_relu", unary(kinks=(0.0,), alpha=0.01), lambda x, alpha: torch.nn.functional.leaky_relu(x, alpha)),
    Spec("sigmoid", unary(-8, 8), torch.sigmoid),
    Spec("tanh", unary(), torch.tanh),
    Spec("softplus", unary(-8, 8), torch.nn.functional.softplus),
    Spec("elu", unary(kinks=(0.0,), alpha=1.0), lambda x, alpha: torch.nn.functional.elu(x, alpha)),
    Spec("gelu", unary(), torch.nn.functional.gelu),
    Spec("silu", unary(-8, 8), torch.nn.functional.silu),
    Spec("softmax", softmax_draw, lambda x, axis: torch.softmax(x, dim=axis)),
    Spec("log_softmax", softmax_draw, lambda x, axis: torch.log_softmax(x, dim=axis)),
    Spec("index", index_draw, lambda x, index: x[torch.as_tensor(index) if isinstance(index, np.ndarray) else index]),
    Spec("concatenate", concat_draw, lambda a, b, axis: torch.cat([a, b], dim=axis)),
    Spec("half_sse", loss_draw(), torch_loss(lambda y, t: (t - y) ** 2 / 2)),
    Spec("sse", loss_draw(), torch_loss(lambda y, t: (t - y) ** 2)),
    Spec("mse", loss_draw(), torch_loss(lambda y, t: (t - y) ** 2, mean_over_outputs=True)),
    Spec("l1", loss_draw(kink=True), torch_loss(lambda y, t: (t - y).abs())),
    Spec("huber", loss_draw(), torch_loss(lambda y, t: torch.nn.functional.huber_loss(y, t, reduction="none"), True)),
    Spec("bce", loss_draw(0.05, 0.95, 0.0, 1.0),
         torch_loss(lambda y, t: -(t * torch.log(y) + (1 - t) * torch.log(1 - y)), mean_over_outputs=True)),
    Spec("cross_entropy", loss_draw(t_lo=0.0, t_hi=1.0), torch_ce),
    Spec("sigmoid_bce", loss_draw(-4.0, 4.0, 0.0, 1.0),
         torch_loss(lambda z, t: -(t * torch.log(torch.sigmoid(z)) + (1 - t) * torch.log(1 - torch.sigmoid(z))),
                    mean_over_outputs=True)),
    Spec("linear_relu", linear_relu_draw, lambda x, w, b: torch.relu(x @ w + b)),
]


def test_every_registered_op_has_a_spec():
    assert sorted(s.op for s in SPECS) == sorted(OPS)


def _engine_grads(spec, arrays, params, upstream):
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = apply(spec.op, *inputs, **params)
    out.backward(upstream)
    return out.data, [t.grad for t in inputs]


def _torch_grads(spec, arrays, params, upstream):
    inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = spec.torch_fn(*inputs, **params)
    out.backward(torch.tensor(upstream, dtype=torch.float64))
    return out.detach().numpy(), [t.grad.numpy() if t.grad is not None else np.zeros_like(a)
                                  for t, a in zip(inputs, arrays)]


def _finite_difference(spec, arrays, params, upstream, position):
    def objective(perturbed):
        args = [Tensor(a) for a in arrays]
        args[position] = Tensor(perturbed)
        return float(np.sum(apply(spec.op, *args, **params).data * upstream))

    x = arrays[position]
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = spec.fd_eps
        grad[index] = (objective(x + step) - objective(x - step)) / (2 * spec.fd_eps)
    return grad


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.op)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_vjp_matches_finite_differences_and_torch(spec, data):
    check_spec(spec, data)


def check_spec(spec, data):
    """The engine's forward and VJPs for one drawn example against PyTorch float64 and central differences."""
    arrays, params = spec.draw(data)
    forward = apply(spec.op, *[Tensor(a) for a in arrays], **params).data
    upstream = data.draw(values(forward.shape, -2.0, 2.0))
    out, grads = _engine_grads(spec, arrays, params, upstream)
    torch_out, torch_grads = _torch_grads(spec, arrays, params, upstream)

    assert_close(out, torch_out, rtol=RTOL, atol=1e-12)
    for position, (grad, torch_grad) in enumerate(zip(grads, torch_grads)):
        assert grad.shape == arrays[position].shape
        assert_close(grad, torch_grad, rtol=RTOL, atol=1e-10, err_msg=f"{spec.op} input {position} vs torch")
        numeric = _finite_difference(spec, arrays, params, upstream, position)
        assert_close(grad, numeric, rtol=RTOL, atol=1e-6, err_msg=f"{spec.op} input {position} vs FD")
