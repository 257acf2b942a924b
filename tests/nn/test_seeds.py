"""The seed exercises through the Python API (numbers from the issue, checked by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.nn import MLP, loss, make_optimizer
from gradwork.tensor import Tensor

SEED_002_LAYERS = [
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]


def _seed_002(convention):
    net = MLP.from_specs(SEED_002_LAYERS, convention=convention)
    y = net(Tensor([1.0, 2.0]))
    J = loss("bce", y, 0.0)
    J.backward()
    return net, J


def test_seed_002_row_convention_forward_backward_and_update():
    net, J = _seed_002("row")
    hidden, output = net.layers
    np.testing.assert_allclose(hidden.z.data, [-0.1, 0.8], rtol=1e-12)
    assert J.item() == pytest.approx(0.5130152524, rel=1e-9)
    np.testing.assert_allclose(output.W.grad, [0.0, 0.3210498719], rtol=1e-9)
    assert output.b.grad.item() == pytest.approx(0.4013123399, rel=1e-9)
    np.testing.assert_allclose(hidden.W.grad, [[0.0, -0.2006561699], [0.0, -0.4013123399]], rtol=1e-9)

    make_optimizer(net.parameters(), "sgd", lr=0.01).step()
    np.testing.assert_allclose(hidden.W.data, [[0.5, -0.5979934383], [-0.4, 0.8040131234]], rtol=1e-9)
    np.testing.assert_allclose(hidden.b.data, [0.2, -0.1979934383], rtol=1e-9)
    np.testing.assert_allclose(output.W.data, [0.3, -0.5032104987], rtol=1e-9)
    assert output.b.data.item() == pytest.approx(-0.0040131234, rel=1e-8)


def test_seed_002_column_convention_differs():
    _, J = _seed_002("column")
    assert J.item() == pytest.approx(0.4740769842, rel=1e-9)


def test_seed_004_integers():
    net = MLP.from_specs(
        [{"weights": [[-2, 3], [2, 1]], "activation": "square"}, {"weights": [-2, 1], "activation": "square"}],
        convention="column",
    )
    y = net(Tensor([2.0, 3.0]))
    L = loss("half_sse", y, 3.0)
    L.backward()
    assert L.item() == 2.0
    np.testing.assert_array_equal(net.layers[0].W.grad, [[-160, -240], [112, 168]])
    np.testing.assert_array_equal(net.layers[1].W.grad, [100, 196])
    make_optimizer(net.parameters(), "sgd", lr=0.01).step()
    np.testing.assert_allclose(net.layers[1].W.data, [-3, -0.96])
    np.testing.assert_allclose(net.layers[0].W.data, [[-0.4, 5.4], [0.88, -0.68]])


def test_seed_004_exact_mode_gives_exact_integers():
    from fractions import Fraction

    net = MLP.from_specs(
        [{"weights": [[-2, 3], [2, 1]], "activation": "square"}, {"weights": [-2, 1], "activation": "square"}],
        convention="column", backend="exact",
    )
    y = net(Tensor([2, 3], backend="exact"))
    L = loss("half_sse", y, 3)
    L.backward()
    assert L.item() == Fraction(2)
    assert net.layers[0].W.grad.tolist() == [[-160, -240], [112, 168]]
    make_optimizer(net.parameters(), "sgd", lr=0.01).step()
    assert net.layers[1].W.data.tolist() == [Fraction(-3), Fraction(-24, 25)]


def test_frozen_parameters_are_not_updated():
    net, _ = _seed_002("row")
    before = net.layers[0].b.data.copy()
    make_optimizer(net.parameters(), "sgd", lr=0.01, frozen=["hidden.b"]).step()
    np.testing.assert_array_equal(net.layers[0].b.data, before)


def test_cross_entropy_class_index_given_as_float_tensor_is_one_hot():
    logits = Tensor([1.0, 2.0, 0.5], requires_grad=True)
    L = loss("cross_entropy", logits, Tensor(1.0))
    expected = -np.log(np.exp(2.0) / np.exp([1.0, 2.0, 0.5]).sum())
    assert L.item() == pytest.approx(expected, rel=1e-12)
