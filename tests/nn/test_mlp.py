"""MLP.init (seeded initializers), activation specs and the fused linear layer."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.nn import MLP
from gradwork.nn.init import UnknownInitializerError
from gradwork.nn.layers import Dense
from gradwork.tensor import Tensor


def test_same_seed_same_weights_other_seed_other_weights():
    a = MLP.init([5, 4, 2], ["relu", "identity"], seed=7)
    b = MLP.init([5, 4, 2], ["relu", "identity"], seed=7)
    c = MLP.init([5, 4, 2], ["relu", "identity"], seed=8)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(a.layers[0].W.data, c.layers[0].W.data)


def test_shapes_names_dtype_and_zero_biases():
    net = MLP.init([64, 128, 10], ["relu", "identity"], names=["hidden", "out"])
    assert [p.name for p in net.parameters()] == ["hidden.W", "hidden.b", "out.W", "out.b"]
    assert net.layers[0].W.shape == (64, 128) and net.layers[1].W.shape == (128, 10)
    assert net.dtype == "float32" and net.sizes == [64, 128, 10] and net.convention == "row"
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert not net.layers[0].b.data.any()
    column = MLP.init([64, 128, 10], "relu", convention="column", dtype="float64")
    assert column.layers[0].W.shape == (128, 64) and column.sizes == [64, 128, 10]
    np.testing.assert_array_equal(column.layers[0].W.data, MLP.init([64, 128, 10], "relu", dtype="float64")
                                  .layers[0].W.data.T)


def test_he_and_xavier_have_their_documented_spread():
    he = MLP.init([400, 300], "relu", init="he", seed=1, dtype="float64").layers[0].W.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert abs(he.mean()) < 0.002
    xavier = MLP.init([400, 300], "tanh", init="xavier", seed=1, dtype="float64").layers[0].W.data
    limit = np.sqrt(6 / 700)
    assert xavier.min() >= -limit and xavier.max() <= limit
    assert xavier.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # uniform on [-a, a]: a / sqrt 3


def test_bad_arguments():
    with pytest.raises(UnknownInitializerError, match="unknown initializer 'lecun'"):
        MLP.init([2, 2], "relu", init="lecun")
    with pytest.raises(ValueError, match="activations has 1 entries for 2 layers"):
        MLP.init([2, 3, 1], ["relu"])
    with pytest.raises(ValueError, match="at least one layer"):
        MLP.init([2], "relu")


def test_activation_spec_is_kept_and_options_are_applied():
    layer = Dense([[1.0, -1.0]], None, {"name": "leaky_relu", "alpha": 0.1}, convention="row")
    assert layer.activation_spec == {"name": "leaky_relu", "alpha": 0.1}
    np.testing.assert_allclose(layer(Tensor([[2.0]])).data, [[2.0, -0.2]])
    assert Dense([[1.0]], activation_fn="relu").activation_spec == {"name": "relu"}
    assert Dense([[1.0]], activation_fn=lambda z: z).activation_spec is None


@pytest.mark.parametrize("x", [np.arange(6.0).reshape(2, 3) - 2, np.array([0.5, -1.0, 2.0])])
def test_fused_layer_equals_matmul_plus_bias(x):
    net = MLP.init([3, 4, 2], ["tanh", "identity"], seed=3, dtype="float64")
    plain, fused = Tensor(x), Tensor(x)
    out_plain, out_fused = net(plain), net(fused, fused=True)
    assert out_fused.inputs[0].op.name == "tanh" and out_fused.op.name == "linear"
    np.testing.assert_allclose(out_fused.data, out_plain.data, rtol=1e-14)
    out_plain.sum().backward()
    plain_grads = [p.grad.copy() for p in net.parameters()]
    for p in net.parameters():
        p.grad = None
    out_fused.sum().backward()
    for p, g in zip(net.parameters(), plain_grads):
        np.testing.assert_allclose(p.grad, g, rtol=1e-13)
