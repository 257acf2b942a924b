"""Dense layers: the eager call builds the nodes derivations show (x W, then + b, then the activation)."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.nn.layers import Dense
from gradwork.tensor import Tensor


@pytest.mark.parametrize("convention,weights,x", [
    ("row", [[0.5, -0.6], [-0.4, 0.8]], [1.0, 2.0]),
    ("row", [0.3, -0.5], [1.0, 2.0]),  # one unit's weight vector: z = w . x + b
    ("column", [[0.5, -0.6], [-0.4, 0.8]], [1.0, 2.0]),
    ("row", [[0.5, -0.6], [-0.4, 0.8]], [[1.0, 2.0], [3.0, -1.0]]),  # a batch
])
@pytest.mark.parametrize("as_array", [False, True])
def test_call_records_matmul_add_and_activation_as_pre_activation_does(convention, weights, x, as_array):
    bias = [0.2, -0.2] if np.ndim(weights) == 2 else 0.1
    layer = Dense(weights, bias, "relu", convention=convention, name="hidden")
    inp = np.array(x) if as_array else Tensor(np.array(x))
    a = layer(inp)
    z = layer.z
    assert z is not None and a is layer.a and a.op is not None and a.op.name == "relu" and a.inputs == (z,)
    assert (z.name, a.name) == ("hidden.z", "hidden.a")
    assert z.op is not None and z.op.name == "add" and z.inputs[1] is layer.b
    product = z.inputs[0]
    assert product.op is not None and product.op.name == "matmul"
    expected = layer.pre_activation(Tensor(np.array(x)))
    np.testing.assert_array_equal(z.data, expected.data)
    operands = [t.data for t in product.inputs]
    assert any(o is layer.W.data for o in operands)


def test_fused_and_bias_free_layers():
    layer = Dense([[0.5, -0.6], [-0.4, 0.8]], [0.2, -0.2], "identity", convention="row", name="out")
    a = layer(Tensor(np.array([1.0, 2.0])), fused=True)
    assert a is layer.z and a.op is not None and a.op.name == "linear" and a.name == "out.z"
    plain = Dense([[0.5, -0.6], [-0.4, 0.8]], None, "sigmoid", convention="row", name="p")
    out = plain(Tensor(np.array([1.0, 2.0])))
    assert plain.z is not None and plain.z.op is not None and plain.z.op.name == "matmul"
    assert out.name == "p.a"
