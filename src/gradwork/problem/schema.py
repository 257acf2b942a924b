"""The two forms of a problem file (FORMAT.md) as pydantic models, with errors mapped to FILE:LINE:COL.

The models fix the keys and the simple types. Values whose meaning depends on
other values (arrays and their shapes, activations, losses, expressions) are
kept as written here and checked where they are built (``network.py``,
``graph.py``), which knows the exact key path of each offending value.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from gradwork.problem.errors import ProblemError
from gradwork.problem.numbers import is_number, shown
from gradwork.problem.sources import DataPath, Document


def _text(value: Any) -> Any:
    # A title such as `title: 7.2` arrives as a number; it is still a title.
    return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


def _number(value: Any) -> Any:
    if is_number(value) or (isinstance(value, str) and value.isidentifier()):
        return value
    raise ValueError("expected a number")


Text = Annotated[str, BeforeValidator(_text)]
Number = Annotated[Any, BeforeValidator(_number)]  # a user number (or a symbol name), converted per mode later
Mode = Literal["float", "exact", "symbolic"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptimizerSpec(_Spec):
    name: Literal["sgd", "momentum", "adam"] = "sgd"
    lr: Number
    momentum: Number | None = None
    beta1: Number | None = None
    beta2: Number | None = None
    eps: Number | None = None
    steps: int | None = Field(default=None, ge=1)


class LayerSpec(_Spec):
    name: Text | None = None
    weights: Any
    bias: Any = None
    activation: Any = "identity"  # a name, {name: leaky_relu, alpha: 0.01}, or a formula in x


class MarkingSpec(_Spec):
    """``marking:``: the teacher's policy (checked further in ``policy.py``)."""

    tolerance: Any = None  # {sigfigs: d} | {digits: d} | {rtol: r, atol: a}
    points: dict[str, Any] = Field(default_factory=dict)
    carried_forward: Number = 1
    missing: Number = 0


class _Common(_Spec):
    title: Text | None = None
    description: Text | None = None
    mode: Mode | None = None
    optimizer: OptimizerSpec | None = None
    steps: int | None = Field(default=None, ge=1)
    frozen: list[Text] = Field(default_factory=list)
    relu_grad_at_zero: Number = 0
    names: dict[str, Text] = Field(default_factory=dict)  # the problem's own symbols, see names.py
    ask: list[Text] = Field(default_factory=list)  # asked quantities, see quantities.py
    marking: MarkingSpec | None = None


class NetworkSpec(_Common):
    convention: Literal["row", "column"] = "column"
    input: Any
    target: Any = None
    layers: list[LayerSpec] = Field(min_length=1)
    loss: Any = None  # a loss name or a formula in y and t
    batch_reduction: Literal["mean", "sum"] = "mean"


class GraphSpec(_Common):
    inputs: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    graph: dict[str, Any] = Field(min_length=1)
    output: Text | None = None  # default: the last node of the graph
    upstream: Any = None


KEYS = {
    "network": sorted(NetworkSpec.model_fields),
    "graph": sorted(GraphSpec.model_fields),
}


def validate(document: Document) -> NetworkSpec | GraphSpec:
    """Check the document's keys and simple types; raise the first error in file order."""
    data = document.data
    if not isinstance(data, dict):
        raise document.error((), f"the problem must be a mapping of keys, not {_kind(data)}",
                             "keys such as title:, layers: or graph:")
    if "layers" in data and "graph" in data:
        raise document.error(("graph",), "a problem has either `layers:` or `graph:`, not both",
                             "one of the two forms", at="key")
    if "layers" in data:
        model: type[NetworkSpec] | type[GraphSpec] = NetworkSpec
    elif "graph" in data:
        model = GraphSpec
    else:
        raise document.error((), "the problem has neither `layers:` (a network) nor `graph:` (expressions)",
                             "one of the two forms of FORMAT.md")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _first_error(document, error, model) from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "a number" if is_number(value) else type(value).__name__


def _first_error(document: Document, error: ValidationError, model: type) -> ProblemError:
    # The first error in the file; a missing key points at its whole mapping, so a wrong value
    # written inside that mapping is the more precise message and goes first.
    items = error.errors()
    problems = [(item["type"] == "missing", _to_problem_error(document, item, model)) for item in items]
    return min(problems, key=lambda p: (p[0], p[1].line, p[1].column))[1]


def _existing(data: Any, loc: tuple[Any, ...]) -> DataPath:
    """The longest prefix of pydantic's ``loc`` that is a real path in the data."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and isinstance(part, str) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            break
        path.append(part)
    return tuple(path)


def _describe(path: DataPath) -> str:
    """A key path as users write it: layers[0].activation."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the problem"


def _fields_at(model: type, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (for 'did you mean')."""
    keys = tuple(part for part in loc if isinstance(part, str))
    nested: type[BaseModel] | None = {(): model, ("optimizer",): OptimizerSpec, ("layers",): LayerSpec,
              ("marking",): MarkingSpec}.get(keys)
    return list(nested.model_fields) if nested is not None else []


def _to_problem_error(document: Document, item: Mapping[str, Any], model: type) -> ProblemError:
    loc = tuple(item["loc"])
    kind = item["type"]
    path = _existing(document.data, loc)
    where = _describe(path)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        expected = "one of: " + ", ".join(allowed) if allowed else "a known key"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f", did you mean {close[0]!r}?" if close else ""
        return document.error(path, f"unknown key {key!r}{hint}", expected, at="key")
    if kind == "missing":
        key = str(loc[-1])
        parent = _describe(path)
        place = "" if not path else f" in {parent}"
        return document.error(path, f"missing key {key!r}{place}", f"`{key}:` to be given",
                              at="value")
    if kind == "literal_error":
        name = str(path[-2] if len(path) > 1 and path[-1] == "name" else path[-1]) if path else "value"
        given = item.get("input")
        return document.error(path, f"unknown {name} {shown(given)}", item.get("ctx", {}).get("expected", ""))
    if kind in ("string_type",):
        return document.error(path, f"{where} must be text, not {_kind(item.get('input'))}", "text")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return document.error(path, f"{where} must be a mapping, not {_kind(item.get('input'))}", "key: value pairs")
    if kind == "list_type":
        return document.error(path, f"{where} must be a list, not {_kind(item.get('input'))}", "a list")
    if kind.startswith("int_"):
        return document.error(path, f"{where} must be a whole number, not {shown(item.get('input'))}", "a whole number")
    if kind in ("too_short",):
        return document.error(path, f"{where} must not be empty", "at least one entry")
    if kind in ("greater_than_equal", "greater_than"):
        bound = item.get("ctx", {}).get("ge", item.get("ctx", {}).get("gt"))
        return document.error(path, f"{where} is {shown(item.get('input'))}, too small", f"at least {bound}")
    if kind == "value_error":
        message = str(item.get("ctx", {}).get("error", item["msg"]))
        if message == "expected a number":
            return document.error(path, f"{where} must be a number, not {shown(item.get('input'))}", "a number")
        return document.error(path, f"{where}: {message}")
    return document.error(path, f"{where}: {item['msg']}")
