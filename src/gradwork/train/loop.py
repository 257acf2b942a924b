"""Minibatch training of an MLP: :func:`fit`, :func:`predict`, :func:`evaluate`.

``fit`` traces one training step into a :class:`~gradwork.nn.tape.Tape` and
compiles it (:mod:`gradwork.nn.compile`) into one generated function that runs
forward, backward and the update for every minibatch without rebuilding the
graph: the output layer's softmax and cross-entropy are the one
``cross_entropy`` op (its VJP reuses the forward's softmax), dense layers are
the fused ``linear`` / ``linear_relu`` ops, sigmoid + BCE is ``sigmoid_bce``,
every value lives in a preallocated buffer, and SGD updates the parameter
arrays in place.

Deterministic: for a given ``seed`` the validation split, the batch order and
so every number are the same on every run (and the initial weights too, when
the model comes from ``MLP.init(..., seed=...)``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from gradwork.nn import MLP, Optimizer, loss as loss_of, make_optimizer
from gradwork.nn.losses import LossSpec, loss_parts
from gradwork.nn.tape import Tape
from gradwork.tensor import Tensor, no_grad
from gradwork.train.data import encode_targets, minibatches

CLASSIFICATION_LOSSES = ("cross_entropy", "bce")
SHUFFLE_STREAM = 2  # the batch order draws from np.random.default_rng([seed, SHUFFLE_STREAM])


@dataclass
class EpochMetrics:
    epoch: int  # 1-based
    loss: float  # mean training loss over the epoch's minibatches (weighted by batch size)
    accuracy: float | None  # training accuracy over the epoch, None for regression
    val_loss: float | None
    val_accuracy: float | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch."""

    loss_name: str
    epochs: list[EpochMetrics] = field(default_factory=list)

    def series(self, name: str) -> list[float | None]:
        """One metric over the epochs: ``history.series("val_accuracy")``."""
        return [getattr(e, name) for e in self.epochs]

    @property
    def last(self) -> EpochMetrics:
        return self.epochs[-1]


class Progress(Protocol):
    """What ``fit`` reports while it runs (see :mod:`gradwork.train.progress`)."""

    def start(self, epochs: int, batches: int) -> None: ...

    def batch(self, epoch: int, index: int, loss: float) -> None: ...

    def epoch(self, metrics: EpochMetrics) -> None: ...

    def finish(self, history: History) -> None: ...


# ------------------------------------------------------------------ fit


def fit(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: LossSpec = "cross_entropy",
    epochs: int = 10,
    batch_size: int = 32,
    optimizer: str | dict[str, Any] | Optimizer = "adam",
    lr: float | None = None,
    weight_decay: float = 0.0,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int = 0,
    shuffle: bool = True,
    progress: Progress | None = None,
) -> History:
    """Train ``model`` in place on ``X`` (one sample per row) and targets ``y``; return the per-epoch history.

    ``y`` holds class indices for ``cross_entropy`` (the output layer gives
    logits), 0/1 labels for ``bce`` (after a sigmoid), numbers for the
    regression losses; a loss with options is a mapping, ``{name: huber, delta: 1}``.
    ``optimizer`` is a name (sgd, momentum, adam), a dict
    ``{name: adam, lr: 0.001, ...}`` or a ready :class:`~gradwork.nn.Optimizer`;
    ``lr`` overrides the learning rate of a name or dict. ``validation`` is a
    held-out ``(X, y)`` evaluated after every epoch. ``seed`` fixes the batch
    order.
    """
    if epochs < 0 or batch_size < 1:
        raise ValueError("epochs must be >= 0 and batch_size >= 1")
    loss, loss_options = loss_parts(loss)
    dtype = np.dtype(model.dtype)
    outputs = model.sizes[-1]
    X = np.ascontiguousarray(X, dtype=dtype)
    T = encode_targets(np.asarray(y), loss, outputs, dtype)
    if X.shape[1] != model.sizes[0]:
        raise ValueError(f"the data has {X.shape[1]} features but the network takes {model.sizes[0]} inputs")
    if validation is not None:
        X_val = np.ascontiguousarray(validation[0], dtype=dtype)
        T_val = encode_targets(np.asarray(validation[1]), loss, outputs, dtype)
    opt = _optimizer(model, optimizer, lr, weight_decay)
    classification = loss in CLASSIFICATION_LOSSES

    # Trace one step on placeholders of the data's dtype, then replay it per minibatch.
    x_in = Tensor(X[:batch_size], dtype=str(dtype))
    output = model(x_in, fused=True)
    if output.shape[1:] != T.shape[1:]:  # a single unit given by a flat weight vector outputs [batch]
        T = T.reshape(len(T), *output.shape[1:])
        if validation is not None:
            T_val = T_val.reshape(len(T_val), *output.shape[1:])
    t_in = Tensor(T[:batch_size], dtype=str(dtype))
    tape = Tape(loss_of(loss, output, t_in, **loss_options), [x_in, t_in])
    step = tape.compile(opt, keep=[output])
    where_output = tape.locate(output)

    rng = np.random.default_rng([seed, SHUFFLE_STREAM])
    history = History(loss)
    batches = -(-len(X) // batch_size)
    if progress:
        progress.start(epochs, batches)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        total_loss, total_correct = 0.0, 0
        for index, rows in enumerate(minibatches(len(X), batch_size, rng if shuffle else None)):
            xb, tb = X[rows], T[rows]
            batch_loss = float(step(xb, tb))
            total_loss += batch_loss * len(xb)
            if classification:
                total_correct += _correct(step.value(where_output), tb, loss)
            if progress:
                progress.batch(epoch, index, batch_loss)
        metrics = EpochMetrics(
            epoch=epoch,
            loss=total_loss / len(X),
            accuracy=total_correct / len(X) if classification else None,
            val_loss=None,
            val_accuracy=None,
            seconds=0.0,
        )
        if validation is not None:
            metrics.val_loss, metrics.val_accuracy = _evaluate_encoded(model, X_val, T_val, loss, loss_options)
        metrics.seconds = time.perf_counter() - started
        history.epochs.append(metrics)
        if progress:
            progress.epoch(metrics)
    if progress:
        progress.finish(history)
    return history


def _optimizer(model: MLP, spec: str | dict[str, Any] | Optimizer, lr: float | None, weight_decay: float) -> Optimizer:
    if isinstance(spec, Optimizer):
        return spec
    options: dict[str, Any] = {"name": spec} if isinstance(spec, str) else dict(spec)
    if lr is not None:
        options["lr"] = lr
    if weight_decay:
        options["weight_decay"] = weight_decay
    name = options.pop("name", "sgd")
    return make_optimizer(model.parameters(), name, **options)


def _correct(output: np.ndarray, targets: np.ndarray, loss: str) -> int:
    """How many samples the outputs classify right: argmax for cross_entropy, a 0.5 threshold for bce."""
    if loss == "cross_entropy":
        return int(np.count_nonzero(output.argmax(axis=-1) == targets.argmax(axis=-1)))
    right = (output > 0.5) == (targets > 0.5)
    return int(np.count_nonzero(right.all(axis=-1) if right.ndim > 1 else right))


# ------------------------------------------------------------------ using a trained model


def predict(model: MLP, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """The network's outputs for the rows of ``X`` (logits when it was trained with cross_entropy)."""
    X = np.asarray(X, dtype=np.dtype(model.dtype))
    single = X.ndim == 1
    rows = X[None, :] if single else X
    with no_grad():
        parts = [model(Tensor(rows[i:i + batch_size], dtype=model.dtype)).data for i in range(0, len(rows), batch_size)]
    out = np.concatenate(parts) if parts else np.zeros((0, model.sizes[-1]), dtype=X.dtype)
    return out[0] if single else out


def predict_classes(model: MLP, X: np.ndarray) -> np.ndarray:
    """Class indices: the largest output, or output > 0.5 for a single (sigmoid) output."""
    out = predict(model, X)
    single = np.ndim(X) == 1
    rows = out[None] if single else out
    if rows.ndim == 2 and rows.shape[1] > 1:
        classes = rows.argmax(axis=1)
    else:
        classes = (rows.reshape(len(rows)) > 0.5).astype(np.int64)
    return classes[0] if single else classes


def evaluate(model: MLP, X: np.ndarray, y: np.ndarray,
             loss: LossSpec = "cross_entropy") -> tuple[float, float | None]:
    """(mean loss, accuracy) of ``model`` on ``X`` and targets ``y``; accuracy is None for regression losses."""
    loss, loss_options = loss_parts(loss)
    dtype = np.dtype(model.dtype)
    T = encode_targets(np.asarray(y), loss, model.sizes[-1], dtype)
    return _evaluate_encoded(model, np.asarray(X, dtype=dtype), T, loss, loss_options)


def _evaluate_encoded(model: MLP, X: np.ndarray, T: np.ndarray, loss: str,
                      loss_options: dict[str, Any]) -> tuple[float, float | None]:
    out = predict(model, X)
    with no_grad():
        value = float(loss_of(loss, Tensor(out, dtype=model.dtype), Tensor(T, dtype=model.dtype), **loss_options).data)
    accuracy = _correct(out, T, loss) / len(X) if loss in CLASSIFICATION_LOSSES else None
    return value, accuracy
