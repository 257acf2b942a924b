"""Optimizers against PyTorch's on the same problem."""

from __future__ import annotations

import numpy as np
import pytest
from tests.lazy import lazy

from gradwork.nn import make_optimizer
from gradwork.tensor import Tensor

torch = lazy("torch")


@pytest.mark.parametrize("name,options,torch_cls,torch_options", [
    ("sgd", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1}),
    ("momentum", {"lr": 0.1, "momentum": 0.9}, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("adam", {"lr": 0.05}, torch.optim.Adam, {"lr": 0.05}),
])
def test_three_steps_match_torch(name, options, torch_cls, torch_options):
    start = np.array([[0.5, -1.0], [2.0, 0.3]])
    w = Tensor(start.copy(), requires_grad=True, name="w")
    opt = make_optimizer([w], name, **options)
    tw = torch.tensor(start.copy(), requires_grad=True)
    topt = torch_cls([tw], **torch_options)
    for _ in range(3):
        opt.zero_grad()
        ((w * w * w).sum() + (w * 2.0).sum()).backward()
        opt.step()
        topt.zero_grad()
        ((tw ** 3).sum() + (tw * 2).sum()).backward()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name,options,torch_cls,torch_options", [
    ("sgd", {"lr": 0.1, "weight_decay": 0.05}, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.05}),
    ("momentum", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}, torch.optim.SGD,
     {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("adam", {"lr": 0.05, "weight_decay": 0.05}, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.05}),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_weight_decay_and_float32_match_torch(name, options, torch_cls, torch_options, dtype):
    start = np.array([[0.5, -1.0], [2.0, 0.3]], dtype=dtype)
    w = Tensor(start.copy(), requires_grad=True, name="w", dtype=dtype)
    array_before = w.data
    opt = make_optimizer([w], name, **options)
    tw = torch.tensor(start.copy(), requires_grad=True)
    topt = torch_cls([tw], **torch_options)
    for _ in range(4):
        opt.zero_grad()
        ((w * w * w).sum() + (w * 2.0).sum()).backward()
        opt.step()
        topt.zero_grad()
        ((tw ** 3).sum() + (tw * 2).sum()).backward()
        topt.step()
    assert w.data is array_before and w.data.dtype == np.dtype(dtype)  # updated in place, dtype kept
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10 if dtype == "float64" else 1e-6)


def _plain_sgd_reference(data: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """Plain SGD as written before the 0-d learning rate: data - lr * grad with a Python float lr."""
    expected = data.copy()
    expected -= lr * grad
    return expected


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_plain_sgd_is_bit_identical_to_lr_times_grad_and_in_place(dtype, shape):
    rng = np.random.default_rng(7)
    start = rng.normal(size=shape).astype(dtype)
    w = Tensor(start.copy(), requires_grad=True, name="w", dtype=dtype)
    array = w.data
    opt = make_optimizer([w], "sgd", lr=0.0137)
    for _ in range(3):
        grad = rng.normal(size=shape).astype(dtype)
        expected = _plain_sgd_reference(w.data, grad, 0.0137)
        w.grad = grad
        opt.step()
        assert w.data is array  # updated in place, a 0-d parameter (an output bias) included
        assert w.data.dtype == np.dtype(dtype) and w.data.shape == shape
        np.testing.assert_array_equal(w.data, expected)


def test_plain_sgd_float32_parameter_with_float64_gradient_is_cast_as_before():
    w = Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True, dtype="float32")
    b = Tensor(np.array(0.3, dtype=np.float32), requires_grad=True, dtype="float32")
    grad = np.array([0.123456789, -1.5])
    expected_w = _plain_sgd_reference(w.data, grad, 0.01)
    expected_b = _plain_sgd_reference(b.data, np.array(0.7), 0.01)
    w.grad, b.grad = grad, np.array(0.7)
    make_optimizer([w, b], "sgd", lr=0.01).step()
    np.testing.assert_array_equal(w.data, expected_w)
    np.testing.assert_array_equal(b.data, expected_b)
    assert w.data.dtype == b.data.dtype == np.float32


def test_plain_sgd_follows_a_changed_learning_rate():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = make_optimizer([w], "sgd", lr=0.1)
    w.grad = np.array([1.0, 1.0])
    opt.step()
    opt.lr = 0.5  # a schedule changes lr between steps
    opt.step()
    np.testing.assert_array_equal(w.data, np.array([1.0, 2.0]) - 0.1 - 0.5)


def test_plain_sgd_keeps_exact_numbers_exact_and_skips_frozen():
    from fractions import Fraction

    w = Tensor([Fraction(1, 2), Fraction(1, 3)], requires_grad=True, backend="exact", name="w")
    frozen = Tensor(np.array([1.0]), requires_grad=True, name="f")
    w.grad = w.backend.asarray([Fraction(1), Fraction(3)])
    frozen.grad = np.array([5.0])
    make_optimizer([w, frozen], "sgd", lr=Fraction(1, 10), frozen=["f"]).step()
    assert list(w.data) == [Fraction(2, 5), Fraction(1, 30)]
    assert frozen.data[0] == 1.0
