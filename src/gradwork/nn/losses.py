"""Losses by the names docs/format.md fixes: every registered op of kind "loss"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradwork import functional as F
from gradwork.ops import OPS, RegistryTable, ops_of_kind
from gradwork.tensor import Tensor

LOSSES: RegistryTable[Callable[..., Tensor]] = RegistryTable(
    lambda: {op.name: getattr(F, op.name) for op in ops_of_kind("loss")})


LossSpec = str | Mapping[str, Any]  # a loss name, or {name: huber, delta: 1} with its options


class UnknownLossError(ValueError):
    pass


def loss_parts(spec: LossSpec) -> tuple[str, dict[str, Any]]:
    """A loss spec as (name, options): ``"mse"`` or ``{name: huber, delta: 1}``."""
    if isinstance(spec, str):
        return spec, {}
    options = dict(spec)
    return str(options.pop("name")), options


def classification_loss() -> str:
    """The loss for class labels: the registered loss that applies softmax to the logits itself."""
    return next(op.name for op in ops_of_kind("loss") if op.inner is not None)


def one_hot(indices: Any, classes: int) -> np.ndarray:
    """Class indices (a number or a list) as one-hot rows."""
    indices = np.asarray(indices, dtype=int)
    return np.eye(classes)[indices]


def loss(name: str, output: Tensor, target: Any, reduction: str = "mean", **options: Any) -> Tensor:
    """The loss ``name`` of ``output`` against ``target``, with its ``options`` (Huber's ``delta``).

    For a loss that applies softmax itself (``cross_entropy``), ``output`` is the
    logits and ``target`` may be class indices, which are turned into one-hot rows.
    """
    function = LOSSES.get(name)
    if function is None:
        raise UnknownLossError(f"unknown loss {name!r} (expected one of: {', '.join(LOSSES)}, or a formula in y and t)")
    op = OPS[name]
    unknown = sorted(set(options) - {option.name for option in op.options}) if options else None
    if unknown:
        raise UnknownLossError(f"unknown option {unknown[0]!r} for loss {name!r} (expected "
                               f"{', '.join(o.name for o in op.options) or 'none'})")
    if op.inner is not None:
        target_data = target.data if isinstance(target, Tensor) else np.asarray(target)
        # One axis fewer than the logits: class indices (however they were stored), not probabilities.
        if np.ndim(target_data) == output.ndim - 1:
            indices = np.asarray(target_data, dtype=object if target_data.dtype == object else float)
            target = Tensor(one_hot(indices.astype(int), output.shape[-1]), backend=output.backend)
    if not isinstance(target, Tensor):
        target = Tensor(target, backend=output.backend)
    if target.data.shape != output.data.shape and target.data.size == output.data.size:
        target = Tensor(np.reshape(target.data, output.shape), backend=output.backend)
    return function(output, target, reduction=reduction, **options)
