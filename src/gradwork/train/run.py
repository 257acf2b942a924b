"""A training config, run: load the data, build the network, train it, keep a sample to explain."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.nn import MLP
from gradwork.nn.activations import ALIASES
from gradwork.ops import OPS
from gradwork.documents import limits
from gradwork.train.config import ConfigError, LoadedConfig
from gradwork.train.data import Dataset, load_dataset, split
from gradwork.train.loop import History, Progress, fit
from gradwork.train.params import Checkpoint

SPLIT_STREAM = 1  # the validation split draws from np.random.default_rng([seed, SPLIT_STREAM])


@dataclass
class TrainResult:
    checkpoint: Checkpoint
    history: History
    train_set: Dataset
    validation_set: Dataset | None


def build_model(loaded: LoadedConfig, inputs: int) -> MLP:
    """The config's network, initialized from its seed, for ``inputs`` features."""
    config = loaded.config
    return MLP.init(
        [inputs, *(layer.units for layer in config.layers)],
        [layer.activation for layer in config.layers],
        init=[layer.init or config.init for layer in config.layers],
        seed=config.seed,
        convention=config.convention,
        dtype=config.dtype,
        names=config.layer_names(),
    )


def check_fits_data(loaded: LoadedConfig, dataset: Dataset) -> None:
    """The output layer must match the targets; raises a ConfigError pointing at the last layer."""
    config = loaded.config
    first = config.layers[0].units
    if limits.over("elements", dataset.features * first):
        raise loaded.error(("layers", 0, "units"), f"layers[0] has {dataset.features} x {first} weights "
                                                   f"({limits.note('elements')})")
    total = dataset.features * first + sum(a.units * b.units for a, b in zip(config.layers, config.layers[1:]))
    if limits.over("total_elements", total):
        raise loaded.error(("layers", 0, "units"), f"the layers have {total} weights together "
                                                   f"({limits.note('total_elements')})")
    last = len(config.layers) - 1
    units = config.layers[-1].units
    activation = config.layers[-1].activation
    activation_name = activation if isinstance(activation, str) else str(activation.get("name"))
    loss = config.loss_name
    inner = OPS[loss].inner  # cross_entropy applies softmax to the logits itself
    if inner is not None:
        if ALIASES.get(activation_name, activation_name) != "identity":
            raise loaded.error(("layers", last, "activation"),
                               f"{loss} applies the {inner} itself (expected the output layer's activation "
                               f"to be identity, not {activation_name})")
        if not dataset.is_classification:
            raise loaded.error(("loss",), f"{dataset.name} has numeric targets; {loss} needs class labels "
                                          "(expected a regression loss such as mse)")
        if dataset.classes != units:
            raise loaded.error(("layers", last, "units"),
                               f"{dataset.name} has {dataset.classes} classes but the output layer has {units} units "
                               f"(expected {dataset.classes})")
    else:
        columns = 1 if dataset.y.ndim == 1 else dataset.y.shape[1]
        if columns != units:
            raise loaded.error(("layers", last, "units"),
                               f"{dataset.name} has {columns} target value(s) per sample but the output layer has "
                               f"{units} units (expected {columns})")


class DivergedError(ArithmeticError):
    """The training loss became NaN or infinite: the message names the epoch and batch (exit 1, not bad input)."""


class _Watch:
    """Passes progress on, and stops training at the first batch whose loss is not finite."""

    def __init__(self, inner: Progress | None) -> None:
        self.inner = inner

    def start(self, epochs: int, batches: int) -> None:
        if self.inner is not None:
            self.inner.start(epochs, batches)

    def batch(self, epoch: int, index: int, loss: float) -> None:
        if not math.isfinite(loss):
            self.finish(History(""))  # a live progress bar stops before the message
            raise DivergedError(f"training diverged: the loss is {loss} at epoch {epoch}, batch {index + 1} "
                                f"(expected a finite loss; try a smaller lr, or scaled input features)")
        if self.inner is not None:
            self.inner.batch(epoch, index, loss)

    def epoch(self, metrics: Any) -> None:
        if self.inner is not None:
            self.inner.epoch(metrics)

    def finish(self, history: History) -> None:
        if self.inner is not None:
            self.inner.finish(history)


def train_from_config(loaded: LoadedConfig, epochs: int | None = None, progress: Progress | None = None) -> TrainResult:
    """Train the network ``loaded`` describes (``epochs`` overrides the config's).

    Raises :class:`DivergedError` as soon as a minibatch's loss is NaN or infinite.
    """
    config = loaded.config
    if epochs is not None and limits.over("epochs", epochs):
        raise ConfigError(f"--epochs {epochs}: too many epochs ({limits.note('epochs')})")
    dataset = load_dataset(config.data.model_dump(exclude_none=True), loaded.base)
    check_fits_data(loaded, dataset)
    train_set, validation_set = split(dataset, config.validation, np.random.default_rng([config.seed, SPLIT_STREAM]))
    model = build_model(loaded, dataset.features)
    optimizer = config.optimizer.options()
    with np.errstate(all="ignore"):  # a NaN loss stops training with one line (DivergedError), not warnings
        history = fit(
            model,
            train_set.X,
            train_set.y,
            loss=config.loss,
            epochs=config.epochs if epochs is None else epochs,
            batch_size=config.batch_size,
            optimizer=optimizer,
            weight_decay=config.weight_decay,
            validation=None if validation_set is None else (validation_set.X, validation_set.y),
            seed=config.seed,
            shuffle=config.shuffle,
            progress=_Watch(progress),
        )
    sample_from = validation_set if validation_set is not None else train_set
    sample_target = sample_from.y[0]
    checkpoint = Checkpoint(
        model=model,
        loss=config.loss,
        optimizer={**optimizer, **({"weight_decay": config.weight_decay} if config.weight_decay else {})},
        title=config.title,
        classes=dataset.class_names,
        sample_input=sample_from.X[0].astype(model.dtype),
        sample_target=sample_target.tolist() if isinstance(sample_target, np.ndarray) else sample_target.item(),
    )
    return TrainResult(checkpoint, history, train_set, validation_set)
