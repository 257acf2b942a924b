"""What both forms share: the optimizer, its steps, frozen parameters and ReLU'(0).

``steps: N`` means N full updates on the same input(s) (full-batch gradient
descent): the graph of step 1 is the one explained; steps 2..N re-run the
forward and backward pass with the updated parameters. ``steps`` may be given
inside ``optimizer:`` or at the top level (not both with different values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradwork.backends import Backend, BackendError
from gradwork.nn import Optimizer, make_optimizer
from gradwork.documents import limits
from gradwork.problem.numbers import NumberError, exact, scalar
from gradwork.problem.spec import GraphSpec, NetworkSpec, OptimizerSpec
from gradwork.problem.solution import OptimizerInfo
from gradwork.documents.sources import Document
from gradwork.tensor import Tensor

_OPTIONS = {"sgd": ("momentum",), "momentum": ("momentum",), "adam": ("beta1", "beta2", "eps")}
_ALLOWED_AT_ZERO = (0, exact("0.5"), 1)


@dataclass(frozen=True)
class TrainingPlan:
    optimizer: OptimizerSpec | None
    steps: int  # 0 when there is no optimizer
    frozen: tuple[str, ...]
    relu_grad_at_zero: Any  # the user's number


def plan_training(document: Document, spec: NetworkSpec | GraphSpec, parameters: list[str]) -> TrainingPlan:
    """Check the optimizer, steps, frozen names and relu_grad_at_zero against the problem's parameters."""
    optimizer = spec.optimizer
    if optimizer is not None:
        for option in ("momentum", "beta1", "beta2", "eps"):
            if getattr(optimizer, option) is not None and option not in _OPTIONS[optimizer.name]:
                allowed = ", ".join(_OPTIONS[optimizer.name])
                raise document.error(("optimizer", option), f"{option!r} is not an option of {optimizer.name}",
                                     f"options of {optimizer.name}: lr, {allowed}, steps", at="key")
        if not parameters:
            raise document.error(("optimizer",), "an optimizer needs parameters to update, and there are none",
                                 "`params:` with the trainable leaves", at="key")
        _check_ranges(document, optimizer)
    if spec.steps is not None and optimizer is not None and optimizer.steps not in (None, spec.steps):
        raise document.error(("steps",), f"steps is {spec.steps} here but {optimizer.steps} in optimizer",
                             "steps given once", at="key")
    if spec.steps is not None and optimizer is None:
        raise document.error(("steps",), "steps without an optimizer", "`optimizer: {name: sgd, lr: ...}`",
                             at="key")
    steps = 0 if optimizer is None else (optimizer.steps or spec.steps or 1)
    if limits.over("steps", steps):
        where = ("optimizer", "steps") if optimizer is not None and optimizer.steps else ("steps",)
        raise document.error(where, f"{steps} optimizer steps", limits.note("steps"))
    for index, name in enumerate(spec.frozen):
        if name not in parameters:
            known = ", ".join(parameters) or "none"
            raise document.error(("frozen", index), f"unknown parameter {name!r} in frozen",
                                 f"one of the parameters: {known}")
    at_zero = spec.relu_grad_at_zero
    if isinstance(at_zero, str) and at_zero.isidentifier() or _exact_or_none(at_zero) not in _ALLOWED_AT_ZERO:
        raise document.error(("relu_grad_at_zero",), f"relu_grad_at_zero is {at_zero}", "0, 0.5 or 1")
    return TrainingPlan(optimizer, steps, tuple(spec.frozen), at_zero)


# The ranges `gradwork train` enforces too (train/config.py): outside them an update diverges or means nothing.
_RANGES = {"lr": (0, False, None), "momentum": (0, True, 1), "beta1": (0, True, 1), "beta2": (0, True, 1),
           "eps": (0, False, None)}


def _check_ranges(document: Document, optimizer: OptimizerSpec) -> None:
    for option, (low, low_included, high) in _RANGES.items():
        value = getattr(optimizer, option)
        if value is None or (isinstance(value, str) and value.isidentifier()):
            continue  # a symbol in symbolic mode stands for any value
        number = _exact_or_none(value)
        if number is None:
            continue  # not a number: reported where it is converted, with the mode's message
        if number < low or (number == low and not low_included) or (high is not None and number >= high):
            bound = (f"at least {low}" if low_included else f"greater than {low}") + \
                (f" and less than {high}" if high is not None else "")
            raise document.error(("optimizer", option), f"{option} is {value}", bound)


def _exact_or_none(value: Any) -> Any:
    try:
        return exact(value)
    except (NumberError, ValueError, TypeError, ArithmeticError):
        return None


def optimizer_info(document: Document, plan: TrainingPlan, backend: Backend) -> OptimizerInfo:
    """The Solution's record of the optimizer (name "none" and 0 steps when there is none)."""
    if plan.optimizer is None:
        return OptimizerInfo(name="none", lr=None, steps=0, options={})
    return OptimizerInfo(name=plan.optimizer.name, lr=_scalar(document, "lr", plan.optimizer.lr, backend),
                         steps=plan.steps, options=_options(document, plan.optimizer, backend))


def _scalar(document: Document, option: str, value: Any, backend: Backend) -> Any:
    try:
        return scalar(value, backend)
    except NumberError as error:
        raise document.error(("optimizer", option), error.message, error.expected) from None


def _options(document: Document, optimizer: OptimizerSpec, backend: Backend) -> dict[str, Any]:
    options = {}
    for option in _OPTIONS[optimizer.name]:
        value = getattr(optimizer, option)
        if value is not None:
            options[option] = _scalar(document, option, value, backend)
    return options


def train(
    document: Document,
    plan: TrainingPlan,
    first: dict[str, Tensor],
    backend: Backend,
    forward_backward: Callable[[dict[str, Tensor]], Any],
) -> dict[str, Tensor]:
    """Parameters after ``plan.steps`` updates, starting from ``first`` (whose gradients are step 1's).

    The tensors of ``first`` stay as they are (the explained graph shows the
    values before the update); the updates run on copies.
    """
    assert plan.optimizer is not None
    working = {}
    for name, parameter in first.items():
        copy = Tensor(parameter.data.copy(), requires_grad=True, name=name, backend=backend)
        copy.grad = None if parameter.grad is None else parameter.grad.copy()
        working[name] = copy
    lr = _scalar(document, "lr", plan.optimizer.lr, backend)
    options = _options(document, plan.optimizer, backend)
    optimizer: Optimizer = make_optimizer(list(working.values()), plan.optimizer.name, frozen=plan.frozen,
                                          lr=lr, **options)
    try:
        optimizer.step()
        for _ in range(plan.steps - 1):
            optimizer.zero_grad()
            forward_backward(working)
            optimizer.step()
    except BackendError as error:
        raise document.error(("optimizer",), f"cannot update the parameters: {error}") from None
    return working
