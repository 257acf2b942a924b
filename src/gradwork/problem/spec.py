"""A problem file's keys as plain frozen dataclasses: what planning, solving and marking read.

Nothing here imports pydantic. A file is *validated* by :mod:`gradwork.problem.schema`
(pydantic models, errors at ``FILE:LINE:COL``), which returns these classes; data that
was validated already (an export's template, drawn again where only NumPy and SymPy
are installed, as in PrairieLearn) is turned into them by :func:`spec_from_data`
without validating it again. The fields and defaults are those of schema.py's models
(``tests/problem/test_spec.py`` holds the two to each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Literal

Mode = Literal["float", "exact", "symbolic"]


@dataclass(frozen=True)
class OptimizerSpec:
    name: str = "sgd"
    lr: Any = None
    momentum: Any = None
    beta1: Any = None
    beta2: Any = None
    eps: Any = None
    steps: int | None = None


@dataclass(frozen=True)
class LayerSpec:
    name: str | None = None
    weights: Any = None
    bias: Any = None
    activation: Any = "identity"  # a name, {name: leaky_relu, alpha: 0.01}, or a formula in x


@dataclass(frozen=True)
class MarkingSpec:
    """``marking:``: the teacher's policy (checked further in ``policy.py``)."""

    tolerance: Any = None  # {sigfigs: d} | {digits: d} | {rtol: r, atol: a}
    points: dict[str, Any] = field(default_factory=dict)
    carried_forward: Any = 1
    missing: Any = 0
    charge: Any = "once"  # "once" | "every_item" (checked in policy.py)
    other_variant_credit: Any = False  # true: a submission of another variant's key keeps carried-forward credit


@dataclass(frozen=True)
class _Common:
    title: str | None = None
    description: str | None = None
    mode: Mode | None = None
    optimizer: OptimizerSpec | None = None
    steps: int | None = None
    frozen: list[str] = field(default_factory=list)
    relu_grad_at_zero: Any = 0
    names: dict[str, str] = field(default_factory=dict)  # the problem's own symbols, see names.py
    ask: list[str] = field(default_factory=list)  # asked quantities, see quantities.py
    marking: MarkingSpec | None = None


@dataclass(frozen=True)
class NetworkSpec(_Common):
    convention: Literal["row", "column"] = "column"
    input: Any = None
    target: Any = None
    layers: list[LayerSpec] = field(default_factory=list)
    loss: Any = None  # a loss name or a formula in y and t
    batch_reduction: Literal["mean", "sum"] = "mean"


@dataclass(frozen=True)
class GraphSpec(_Common):
    inputs: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    graph: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # default: the last node of the graph
    upstream: Any = None


_TEXT = {"title", "description", "output", "name"}  # `title: 7.2` is still a title
_TEXTS = {"frozen", "ask"}


def spec_from_data(data: dict[str, Any]) -> NetworkSpec | GraphSpec:
    """The spec of problem data that has been validated already (by :func:`gradwork.problem.schema.validate`).

    Keys are taken as they are, defaults filled in; nothing is checked, so data
    that was never validated must go through ``schema.validate`` instead.
    """
    return _build(NetworkSpec if "layers" in data else GraphSpec, data)


def _build(cls: Any, data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue
        if key == "optimizer" and isinstance(value, dict):
            value = _build(OptimizerSpec, value)
        elif key == "marking" and isinstance(value, dict):
            value = _build(MarkingSpec, value)
        elif key == "layers" and isinstance(value, list):
            value = [_build(LayerSpec, layer) for layer in value]
        elif key in _TEXT:
            value = _text(value)
        elif key in _TEXTS and isinstance(value, list):
            value = [_text(v) for v in value]
        elif key == "names" and isinstance(value, dict):
            value = {k: _text(v) for k, v in value.items()}
        values[key] = value
    return cls(**values)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value
