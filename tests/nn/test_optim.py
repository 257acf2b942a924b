"""Optimizers against PyTorch's on the same problem."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradwork.nn import make_optimizer
from gradwork.tensor import Tensor


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
