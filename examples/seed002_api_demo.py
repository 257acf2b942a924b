"""Seed 002 (exam 4a) through the Python API: forward, loss, gradients, one SGD step."""

from gradwork.nn import MLP, loss, make_optimizer
from gradwork.tensor import Tensor

net = MLP.from_specs(
    [
        {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
        {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
    ],
    convention="row",  # z = x W + b, as the exam's student and grader read it
)
y = net(Tensor([1.0, 2.0]))
J = loss("bce", y, 0.0)
J.backward()
print(f"loss J = {J.item():.10f}")
for p in net.parameters():
    print(f"dJ/d{p.name} = {p.grad.tolist()}")
make_optimizer(net.parameters(), "sgd", lr=0.01).step()
for p in net.parameters():
    print(f"updated {p.name} = {p.data.tolist()}")
