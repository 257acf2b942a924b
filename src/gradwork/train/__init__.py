"""Training real MLPs on the engine: data, minibatch training, parameters on disk, export.

>>> from gradwork.nn import MLP
>>> from gradwork.train import fit, predict, load_digits
>>> data = load_digits()
>>> model = MLP.init([64, 128, 64, 10], ["relu", "relu", "identity"], seed=0)
>>> history = fit(model, data.X, data.y, epochs=20, batch_size=32, optimizer={"name": "adam", "lr": 0.001})
>>> predict(model, data.X[:5]).argmax(axis=1)
"""

from gradwork.train.config import ConfigError, LoadedConfig, TrainConfig, load_config
from gradwork.train.data import DataError, Dataset, encode_targets, load_csv, load_dataset, load_digits, load_npz, split
from gradwork.train.loop import EpochMetrics, History, evaluate, fit, predict, predict_classes
from gradwork.train.params import (
    Checkpoint, ParamsError, load_params, problem_from_params, problem_yaml, save_params,
)
from gradwork.train.run import TrainResult, train_from_config

__all__ = [
    "Checkpoint", "ConfigError", "DataError", "Dataset", "EpochMetrics", "History", "LoadedConfig", "ParamsError",
    "TrainConfig", "TrainResult", "encode_targets", "evaluate", "fit", "load_config", "load_csv", "load_dataset",
    "load_digits", "load_npz", "load_params", "predict", "predict_classes", "problem_from_params", "problem_yaml",
    "save_params", "split", "train_from_config",
]
