"""The two forms of a problem file (docs/format.md) as pydantic models, with errors mapped to FILE:LINE:COL
(by ``validation.py``, shared with answers and training configs).

Validation only: :func:`validate` returns the plain dataclasses of :mod:`gradwork.problem.spec`, which
everything after it reads, so that solving and marking run where pydantic is not installed (an exported
PrairieLearn question). The models' fields and defaults are the dataclasses' (a test holds them together).

The models fix the keys and the simple types. Values whose meaning depends on
other values (arrays and their shapes, activations, losses, expressions) are
kept as written here and checked where they are built (``network.py``,
``graph.py``), which knows the exact key path of each offending value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gradwork.numbers.written import is_number
from gradwork.documents.sources import Document
from gradwork.documents.validation import kind_of, validate_model
from gradwork.problem.spec import GraphSpec, Mode, NetworkSpec, spec_from_data


def _text(value: Any) -> Any:
    # A title such as `title: 7.2` arrives as a number; it is still a title.
    return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


def _number(value: Any) -> Any:
    if is_number(value) or (isinstance(value, str) and value.isidentifier()):
        return value
    raise ValueError("expected a number")


Text = Annotated[str, BeforeValidator(_text)]
Number = Annotated[Any, BeforeValidator(_number)]  # a user number (or a symbol name), converted per mode later


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptimizerModel(_Spec):
    name: Literal["sgd", "momentum", "adam"] = "sgd"
    lr: Number
    momentum: Number | None = None
    beta1: Number | None = None
    beta2: Number | None = None
    eps: Number | None = None
    steps: int | None = Field(default=None, ge=1)


class LayerModel(_Spec):
    name: Text | None = None
    weights: Any
    bias: Any = None
    activation: Any = "identity"  # a name, {name: leaky_relu, alpha: 0.01}, or a formula in x


class MarkingModel(_Spec):
    """``marking:``: the teacher's policy (checked further in ``policy.py``)."""

    tolerance: Any = None  # {sigfigs: d} | {digits: d} | {rtol: r, atol: a}
    points: dict[str, Any] = Field(default_factory=dict)
    carried_forward: Number = 1
    missing: Number = 0
    charge: Any = "once"  # "once" | "every_item" (checked in policy.py)
    other_variant_credit: Any = False  # true: a submission of another variant's key keeps carried-forward credit


class _Common(_Spec):
    title: Text | None = None
    description: Text | None = None
    mode: Mode | None = None
    optimizer: OptimizerModel | None = None
    steps: int | None = Field(default=None, ge=1)
    frozen: list[Text] = Field(default_factory=list)
    relu_grad_at_zero: Number = 0
    names: dict[str, Text] = Field(default_factory=dict)  # the problem's own symbols, see names.py
    ask: list[Text] = Field(default_factory=list)  # asked quantities, see quantities.py
    marking: MarkingModel | None = None


class NetworkModel(_Common):
    convention: Literal["row", "column"] = "column"
    input: Any
    target: Any = None
    layers: list[LayerModel] = Field(min_length=1)
    loss: Any = None  # a loss name or a formula in y and t
    batch_reduction: Literal["mean", "sum"] = "mean"


class GraphModel(_Common):
    inputs: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    graph: dict[str, Any] = Field(min_length=1)
    output: Text | None = None  # default: the last node of the graph
    upstream: Any = None


KEYS = {
    "network": sorted(NetworkModel.model_fields),
    "graph": sorted(GraphModel.model_fields),
}


def validate(document: Document) -> NetworkSpec | GraphSpec:
    """Check the document's keys and simple types; raise the first error in file order."""
    data = document.data
    if not isinstance(data, dict):
        raise document.error((), f"the problem must be a mapping of keys, not {kind_of(data)}",
                             "keys such as title:, layers: or graph:")
    if "layers" in data and "graph" in data:
        raise document.error(("graph",), "a problem has either `layers:` or `graph:`, not both",
                             "one of the two forms", at="key")
    if "layers" in data:
        model: type[NetworkModel] | type[GraphModel] = NetworkModel
    elif "graph" in data:
        model = GraphModel
    else:
        raise document.error((), "the problem has neither `layers:` (a network) nor `graph:` (expressions)",
                             "one of the two forms of docs/format.md")
    return spec_from_data(_plain(validate_model(document, model)))


def _plain(model: BaseModel) -> dict[str, Any]:
    """A validated model as data (nested models as mappings), for :func:`spec_from_data`."""
    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return {name: plain(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return plain(model)
