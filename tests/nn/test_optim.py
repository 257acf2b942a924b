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
