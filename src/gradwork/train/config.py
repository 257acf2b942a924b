"""Training configs: the ``layers:`` form of docs/format.md with ``units`` instead of listed weights.

::

    title: Digits, 64-128-64-10
    data: digits                 # or {csv: FILE, target: COLUMN} or {npz: FILE}
    validation: 0.2              # the held-out fraction
    convention: row
    init: he                     # he | xavier (and he_uniform, xavier_normal)
    seed: 0
    layers:
      - {name: hidden1, units: 128, activation: relu}
      - {name: hidden2, units: 64, activation: relu}
      - {name: output, units: 10, activation: identity}
    loss: cross_entropy
    optimizer: {name: adam, lr: 0.001}
    weight_decay: 0
    epochs: 20
    batch_size: 32

Errors point into the file, read and mapped as problem files are
(``gradwork.documents.sources`` and ``gradwork.documents.validation``):
``train.yaml:7:16: layers[0].units is 0, too small (expected more than 0)``.
See docs/train.md for every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gradwork.nn.activations import UnknownActivationError, activation
from gradwork.nn.init import INITIALIZERS
from gradwork.nn.losses import LOSSES, classification_loss, loss_parts
from gradwork.ops import OPS
from gradwork.documents import limits
from gradwork.documents.errors import GradworkError, ProblemError
from gradwork.documents.sources import Document, read
from gradwork.documents.validation import existing, validate_model



class ConfigError(GradworkError, ValueError):
    """A config that cannot be used; the message starts with FILE:LINE:COL or FILE."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # lr: .inf is no learning rate


class DataSpec(_Strict):
    name: str | None = None
    csv: str | None = None
    target: str | None = None
    npz: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        given = [key for key in ("name", "csv", "npz") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of name (digits), csv or npz")
        if self.name is not None and self.name != "digits":
            raise ValueError(f"unknown data set {self.name!r} (expected digits, {{csv: FILE, target: COLUMN}} "
                             "or {npz: FILE})")
        if self.csv is not None and not self.target:
            raise ValueError("a csv data set needs `target`, the name of the column to predict")
        return self


class LayerSpec(_Strict):
    name: str | None = None
    units: int = Field(gt=0)
    activation: str | dict[str, Any] = "identity"
    init: str | None = None
    bias: bool = True

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, value: str | dict[str, Any]) -> str | dict[str, Any]:
        spec = {"name": value} if isinstance(value, str) else dict(value)
        if "name" not in spec:
            raise ValueError("an activation given as a mapping needs `name`, e.g. {name: leaky_relu, alpha: 0.01}")
        try:
            activation(spec.pop("name"), **spec)
        except UnknownActivationError as error:
            raise ValueError(str(error).replace(", or a formula in x", "")) from None
        return value

    @field_validator("init")
    @classmethod
    def _known_init(cls, value: str | None) -> str | None:
        return _check_init(value)


class OptimizerSpec(_Strict):
    name: Literal["sgd", "momentum", "adam"] = "adam"
    lr: float = Field(default=0.001, gt=0)
    momentum: float | None = Field(default=None, ge=0, lt=1)
    beta1: float | None = Field(default=None, ge=0, lt=1)
    beta2: float | None = Field(default=None, ge=0, lt=1)
    eps: float | None = Field(default=None, gt=0)

    def options(self) -> dict[str, Any]:
        """The spec as ``make_optimizer`` keywords, with name."""
        return {key: value for key, value in self.model_dump().items() if value is not None}


class TrainConfig(_Strict):
    title: str = ""
    data: DataSpec
    validation: float = Field(default=0.2, ge=0, lt=1)
    convention: Literal["row", "column"] = "row"
    init: str = "he"
    seed: int = Field(default=0, ge=0, lt=2**63)  # NumPy's generators take a non-negative seed
    dtype: Literal["float32", "float64"] = "float32"
    layers: list[LayerSpec] = Field(min_length=1)
    loss: str | dict[str, Any] = Field(default_factory=classification_loss)  # a name or {name: huber, delta: 1}
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    weight_decay: float = Field(default=0.0, ge=0)
    epochs: int = Field(default=10, ge=0)
    batch_size: int = Field(default=32, ge=1)
    shuffle: bool = True
    save: str | None = None

    @field_validator("data", mode="before")
    @classmethod
    def _data_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("optimizer", mode="before")
    @classmethod
    def _optimizer_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("init")
    @classmethod
    def _known_init(cls, value: str) -> str:
        return _check_init(value) or value

    @field_validator("loss")
    @classmethod
    def _known_loss(cls, value: str | dict[str, Any]) -> str | dict[str, Any]:
        return _check_loss(value)

    @property
    def loss_name(self) -> str:
        return loss_parts(self.loss)[0]

    def layer_names(self) -> list[str]:
        return [layer.name or f"layer{i}" for i, layer in enumerate(self.layers, start=1)]


def _check_loss(value: str | dict[str, Any]) -> str | dict[str, Any]:
    """A registered loss (every op of kind loss), with only its own options, each a number."""
    if isinstance(value, dict) and not isinstance(value.get("name"), str):
        raise ValueError("a loss given as a mapping needs `name`, e.g. {name: huber, delta: 1}")
    name, options = loss_parts(value)
    if name not in LOSSES:  # reported as pydantic reports a Literal: "unknown loss 'x' (expected 'a', 'b' or 'c')"
        names = [repr(known) for known in LOSSES]
        raise PydanticCustomError("literal_error", "unknown loss", {"expected": " or ".join(
            [", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)})
    allowed = [option.name for option in OPS[name].options]
    for key, option in options.items():
        if key not in allowed:
            raise ValueError(f"unknown option {key!r} for loss {name} (expected "
                             f"{', '.join(allowed) if allowed else 'no options'})")
        if isinstance(option, bool) or not isinstance(option, (int, float)):
            raise ValueError(f"{key} must be a number, not {option!r}")
    return value


def _check_init(value: str | None) -> str | None:
    if value is not None and value not in INITIALIZERS:
        raise ValueError(f"unknown initializer {value!r} (expected one of: {', '.join(sorted(INITIALIZERS))})")
    return value


# ------------------------------------------------------------------ loading with positions


@dataclass
class LoadedConfig:
    """A validated config, where it came from, and where each of its values sits in the file."""

    config: TrainConfig
    path: Path
    document: Document | None = None  # the located document (gradwork.documents.sources); None when built in code

    @property
    def base(self) -> Path:
        """The folder that relative paths in the config are read from."""
        return self.path.parent

    def error(self, where: tuple[Any, ...], message: str) -> ConfigError:
        """A ConfigError pointing at the value at ``where`` (or its nearest enclosing value)."""
        return ConfigError(f"{_locate(self.path, self.document, where)}: {message}")


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate a training config (YAML, JSON or TOML) with the located reader (gradwork.documents).

    Reading is the problem files' (``gradwork.documents.sources``): the same size,
    depth and character limits, the same FILE:LINE:COL positions.
    """
    path = Path(path)
    try:
        document = read(path)
    except ProblemError as error:
        expected = error.expected.replace("problem file", "training config")
        if error.message == "the file is empty":
            expected = "a mapping of keys such as data, layers, epochs"
        raise ConfigError(str(ProblemError(error.file, error.line, error.column, error.message, expected))) from None
    if not isinstance(document.data, dict):
        raise ConfigError(f"{path}:1:1: the config must be a mapping of keys such as data, layers, epochs")
    try:
        config = validate_model(document, TrainConfig, _plain(document.data), what="the config")
    except ProblemError as error:
        raise ConfigError(str(error)) from None
    loaded = LoadedConfig(config, path, document)
    _check_limits(loaded)
    return loaded


def _plain(data: Any) -> Any:
    """The document's numbers as pydantic expects them: a Decimal (1.5, 1e-3) becomes a float."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(value) for value in data]
    return float(data) if isinstance(data, Decimal) else data


def _check_limits(loaded: LoadedConfig) -> None:
    """Width, epochs and the size of each weight matrix against gradwork.documents.limits (inputs not known yet)."""
    config = loaded.config
    if limits.over("epochs", config.epochs):
        raise loaded.error(("epochs",), f"epochs is {config.epochs} ({limits.note('epochs')})")
    previous = None
    total = 0  # parameters of every layer but the first (its inputs are the data's features, checked with them)
    for index, layer in enumerate(config.layers):
        if limits.over("width", layer.units):
            raise loaded.error(("layers", index, "units"), f"layers[{index}].units is {layer.units} "
                                                          f"({limits.note('width')})")
        if previous is not None and limits.over("elements", previous * layer.units):
            raise loaded.error(("layers", index, "units"),
                               f"layers[{index}] has {previous} x {layer.units} weights ({limits.note('elements')})")
        total += (previous or 0) * layer.units + layer.units
        if limits.over("total_elements", total):  # each layer within bounds, all of them together too large
            raise loaded.error(("layers", index, "units"),
                               f"layers[0..{index}] have {total} weights and biases together "
                               f"({limits.note('total_elements')})")
        previous = layer.units


def _locate(path: Path, document: Document | None, where: tuple[Any, ...]) -> str:
    """FILE:LINE:COL of the deepest value along ``where`` that the file has (a missing key: its parent)."""
    if document is None:
        return f"{path}:1:1"
    position = document.span(existing(document.data, where)).value
    return f"{path}:{position.line}:{position.column}"
