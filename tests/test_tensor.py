"""The engine: backward over the graph, accumulation, semantics, dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import gradwork.functional as F
from gradwork.tensor import Tensor, apply, no_grad, topological_order


def test_long_chain_does_not_hit_recursion_limit():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 10_000)


def test_value_used_twice_accumulates_both_paths():
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad == 6.0


def test_skip_connection_adds_gradients():
    # z = w2 * h1 + w3 * h0 with h1 = w1 * h0: h0 reaches z by two paths (seed 001).
    h0 = Tensor(2.0, requires_grad=True)
    w1, w2, w3 = (Tensor(v, requires_grad=True) for v in (0.5, 3.0, 4.0))
    h1 = w1 * h0
    z = w2 * h1 + w3 * h0
    z.backward()
    assert h0.grad == pytest.approx(3.0 * 0.5 + 4.0)


def test_backward_twice_adds_and_zero_grad_resets():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0])
    x.zero_grad()
    y.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])


def test_intermediate_nodes_keep_their_gradients():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3.0
    y = h * h
    y.backward()
    assert h.grad == pytest.approx(12.0)
    assert x.grad == pytest.approx(36.0)


def test_no_grad_records_nothing():
    x = Tensor(2.0, requires_grad=True)
    with no_grad():
        y = x * x
    assert y.op is None and not y.requires_grad


def test_vector_output_needs_upstream_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="upstream"):
        (x * 2.0).backward()
    (x * 2.0).backward([1.0, -1.0])
    np.testing.assert_allclose(x.grad, [2.0, -2.0])


def test_float64_default_and_float32_on_request():
    assert Tensor([1.0]).data.dtype == np.float64
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    y = F.sigmoid(x * 2.0).sum()
    y.backward()
    assert y.data.dtype == np.float32 and x.grad.dtype == np.float32


def test_bias_broadcast_gradient_sums_over_batch():
    X = Tensor(np.ones((4, 3)))
    b = Tensor(np.zeros(3), requires_grad=True)
    (X + b).sum().backward()
    np.testing.assert_allclose(b.grad, [4.0, 4.0, 4.0])


def test_graph_records_op_inputs_and_params():
    x = Tensor([1.0, -1.0], requires_grad=True)
    y = F.leaky_relu(x, alpha=0.1)
    assert y.op.name == "leaky_relu" and y.inputs == (x,) and y.params == {"alpha": 0.1}
    assert topological_order(y) == [x, y]


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.sigmoid(Tensor([-1000.0, 1000.0]))
    np.testing.assert_allclose(y.data, [0.0, 1.0])


def test_log_softmax_is_stable_for_large_inputs():
    y = F.log_softmax(Tensor([1000.0, 0.0]))
    np.testing.assert_allclose(y.data, [0.0, -1000.0])


def test_unknown_op_is_named():
    with pytest.raises(KeyError, match="no op named 'frobnicate'"):
        apply("frobnicate", Tensor(1.0))


def test_relu_gradient_at_zero_is_configurable():
    for at_zero in (0, 0.5, 1):
        x = Tensor([0.0], requires_grad=True)
        F.relu(x, at_zero=at_zero).sum().backward()
        assert x.grad[0] == at_zero


def test_gather_with_repeats_adds():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 1.0])
