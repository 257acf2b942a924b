"""Optimizer, steps, frozen parameters and relu_grad_at_zero: checks and semantics (against PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.lazy import lazy

from gradwork.problem import ProblemError, load, solve

torch = lazy("torch")

NET = """\
convention: column
input: [0.5, -1.0]
target: [1.0, 0.0]
layers:
  - name: hidden
    weights: [[0.3, -0.2], [0.8, 0.1], [-0.5, 0.4]]
    bias: [0.1, 0.0, -0.1]
    activation: tanh
  - name: output
    weights: [[0.2, -0.7, 0.5], [0.6, 0.1, -0.3]]
    bias: [0.0, 0.2]
    activation: sigmoid
loss: half_sse
"""


def error_of(text: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        solve(load(text))
    return caught.value


def torch_train(optimizer_factory, steps, frozen=()):
    torch.manual_seed(0)
    params = {
        "hidden.W": torch.tensor([[0.3, -0.2], [0.8, 0.1], [-0.5, 0.4]], dtype=torch.float64, requires_grad=True),
        "hidden.b": torch.tensor([0.1, 0.0, -0.1], dtype=torch.float64, requires_grad=True),
        "output.W": torch.tensor([[0.2, -0.7, 0.5], [0.6, 0.1, -0.3]], dtype=torch.float64, requires_grad=True),
        "output.b": torch.tensor([0.0, 0.2], dtype=torch.float64, requires_grad=True),
    }
    x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    t = torch.tensor([1.0, 0.0], dtype=torch.float64)
    optimizer = optimizer_factory([p for name, p in params.items() if name not in frozen])
    for _ in range(steps):
        optimizer.zero_grad()
        h = torch.tanh(params["hidden.W"] @ x + params["hidden.b"])
        y = torch.sigmoid(params["output.W"] @ h + params["output.b"])
        (0.5 * (t - y) ** 2).sum().backward()
        optimizer.step()
    return {name: p.detach().numpy() for name, p in params.items()}


@pytest.mark.parametrize("optimizer, factory", [
    ("{name: sgd, lr: 0.5, steps: 4}", lambda ps: torch.optim.SGD(ps, lr=0.5)),
    ("{name: momentum, lr: 0.5, momentum: 0.8, steps: 4}", lambda ps: torch.optim.SGD(ps, lr=0.5, momentum=0.8)),
    ("{name: momentum, lr: 0.5, steps: 3}", lambda ps: torch.optim.SGD(ps, lr=0.5, momentum=0.9)),
    ("{name: adam, lr: 0.05, steps: 5}", lambda ps: torch.optim.Adam(ps, lr=0.05)),
    ("{name: adam, lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 0.001, steps: 2}",
     lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=0.001)),
])
def test_optimizers_and_steps_match_pytorch(optimizer, factory):
    steps = int(optimizer.split("steps: ")[1].rstrip("}"))
    solution = solve(load(NET + f"optimizer: {optimizer}\n"))
    expected = torch_train(factory, steps)
    for name, value in expected.items():
        np.testing.assert_allclose(solution.updated[name], value, rtol=1e-10, atol=1e-13)
    assert solution.optimizer.steps == steps


def test_top_level_steps_and_frozen_parameters():
    solution = solve(load(NET + "optimizer: {name: sgd, lr: 0.5}\nsteps: 3\nfrozen: [hidden.b, output.W]\n"))
    expected = torch_train(lambda ps: torch.optim.SGD(ps, lr=0.5), 3, frozen=("hidden.b", "output.W"))
    for name, value in expected.items():
        np.testing.assert_allclose(solution.json()["updated"][name], value, rtol=1e-10, atol=1e-13)
    assert solution.json()["updated"]["hidden.b"] == [0.1, 0.0, -0.1]
    assert solution.frozen == ["hidden.b", "output.W"]


def test_the_explained_graph_is_the_first_step():
    solution = solve(load(NET + "optimizer: {name: sgd, lr: 0.5, steps: 5}\n"))
    one_step = solve(load(NET + "optimizer: {name: sgd, lr: 0.5}\n"))
    assert solution.json()["gradients"] == one_step.json()["gradients"]
    assert solution.json()["values"] == one_step.json()["values"]
    assert solution.parameters["hidden.W"].data.tolist() == [[0.3, -0.2], [0.8, 0.1], [-0.5, 0.4]]
    assert solution.optimizer.name == "sgd" and solution.optimizer.lr == 0.5


def test_optimizer_info_in_exact_mode_is_exact():
    text = NET.replace("tanh", "relu").replace("sigmoid", "identity") + \
        "optimizer: {name: momentum, lr: 0.1, momentum: 0.9}\n"
    solution = solve(load(text), "exact")
    assert str(solution.optimizer.lr) == "1/10" and str(solution.optimizer.options["momentum"]) == "9/10"


def test_steps_conflicts_and_without_optimizer():
    error = error_of(NET + "optimizer: {name: sgd, lr: 0.5, steps: 2}\nsteps: 3\n")
    assert (error.line, error.column, error.message) == (15, 1, "steps is 3 here but 2 in optimizer")
    error = error_of(NET + "steps: 3\n")
    assert (error.line, error.column, error.message) == (14, 1, "steps without an optimizer")


def test_options_of_another_optimizer_are_errors():
    error = error_of(NET + "optimizer: {name: adam, lr: 0.5, momentum: 0.9}\n")
    assert (error.line, error.column) == (14, 34)
    assert error.message == "'momentum' is not an option of adam"


def test_optimizer_needs_a_loss_and_parameters():
    error = error_of(NET.replace("loss: half_sse\n", "") + "optimizer: {name: sgd, lr: 0.5}\n")
    assert error.message == "an optimizer needs a loss to minimise" and error.line == 13
    error = error_of("inputs: {a: 1}\ngraph: {b: a * 2}\noptimizer: {name: sgd, lr: 0.1}\n")
    assert error.message == "an optimizer needs parameters to update, and there are none"


def test_unknown_frozen_name():
    error = error_of(NET + "optimizer: {name: sgd, lr: 0.5}\nfrozen: [hidden.W, hiden.b]\n")
    assert (error.line, error.column) == (15, 20)
    assert error.message == "unknown parameter 'hiden.b' in frozen"


def test_relu_grad_at_zero_is_checked_and_used():
    error = error_of(NET + "relu_grad_at_zero: 0.3\n")
    assert (error.line, error.column, error.message) == (14, 20, "relu_grad_at_zero is 0.3")
    assert error.expected == "0, 0.5 or 1"
    # z = 0 exactly at the hidden unit: ReLU'(0) decides whether the gradient passes.
    text = """\
input: [1.0]
target: 1
layers:
  - {name: hidden, weights: [[1.0]], bias: [-1.0], activation: relu}
  - {name: output, weights: [2.0], activation: identity}
loss: half_sse
"""
    for at_zero, expected in ((0, 0.0), (0.5, -1.0), (1, -2.0)):
        solution = solve(load(text + f"relu_grad_at_zero: {at_zero}\n"))
        assert solution.values["hidden.z"] == [0.0]
        assert solution.gradients["hidden.b"] == [expected]  # dL/dy = -(1 - 0) = -1, times 2, times ReLU'(0)
        assert solution.relu_grad_at_zero == at_zero


def test_a_symbolic_learning_rate_needs_symbolic_mode():
    text = NET.replace("tanh", "identity").replace("sigmoid", "identity") + "optimizer: {name: sgd, lr: eta}\n"
    error = error_of(text)
    assert (error.line, error.column, error.message) == (14, 28, "'eta' is a symbol name, which needs symbolic mode")
    solution = solve(load(text), "symbolic")
    assert str(solution.optimizer.lr) == "eta" and "eta" in solution.json()["updated"]["output.b"][0]
