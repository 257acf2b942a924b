"""Training configs: defaults, and errors that point into the file."""

from __future__ import annotations

import pytest

from gradwork.train import ConfigError, load_config

GOOD = """\
data: digits
layers:
  - {units: 16, activation: relu}
  - {name: out, units: 10}
"""


def _write(tmp_path, text, name="train.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_and_layer_names(tmp_path):
    loaded = load_config(_write(tmp_path, GOOD))
    config = loaded.config
    assert config.data.name == "digits" and config.loss == "cross_entropy" and config.init == "he"
    assert (config.epochs, config.batch_size, config.validation, config.seed) == (10, 32, 0.2, 0)
    assert config.optimizer.options() == {"name": "adam", "lr": 0.001}
    assert config.layer_names() == ["layer1", "out"]
    assert loaded.base == tmp_path


def test_optimizer_by_name_and_data_sources(tmp_path):
    config = load_config(_write(tmp_path, GOOD + "optimizer: sgd\n")).config
    assert config.optimizer.options() == {"name": "sgd", "lr": 0.001}
    text = GOOD.replace("data: digits", "data: {csv: points.csv, target: label}")
    assert load_config(_write(tmp_path, text)).config.data.csv == "points.csv"


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("units: 16", "units: 0"),
     r"train.yaml:3:13: layers\[0\].units is 0, too small \(expected more than 0\)"),
    (GOOD.replace("relu", "relux"), r"train.yaml:3:29: layers\[0\].activation: unknown activation 'relux'"),
    (GOOD + "epoch: 3\n",
     r"train.yaml:5:1: unknown key 'epoch', did you mean 'epochs'\? \(expected one of: title, data,"),
    (GOOD.replace("data: digits", "data: mnist"), r"train.yaml:1:7: data: unknown data set 'mnist'"),
    (GOOD.replace("data: digits", "data: {csv: a.csv}"), r"train.yaml:1:7: data: .*needs `target`"),
    (GOOD + "optimizer: {name: rmsprop}\n",
     r"train.yaml:5:19: unknown optimizer 'rmsprop' \(expected 'sgd', 'momentum' or 'adam'\)"),
    (GOOD + "init: lecun\n", r"train.yaml:5:7: init: unknown initializer 'lecun' \(expected one of"),
    (GOOD + "validation: 1.5\n", r"train.yaml:5:13: validation is 1.5, too large \(expected less than 1\)"),
    ("layers: [{units: 3}]\n", r"train.yaml:1:1: missing key 'data' \(expected `data:` to be given\)"),
    ("data: digits\nlayers: [{units: 3}\n", r"train.yaml:3:1: .* \(expected valid YAML syntax\)"),
    ("- 1\n- 2\n", r"train.yaml:1:1: the config must be a mapping"),
    (GOOD + "optimizer: {lr: .inf}\n", r"train.yaml:5:17: optimizer.lr must be a finite number, not inf"),
    (GOOD + "optimizer: {lr: '1e999999999'}\n", r"train.yaml:5:17: optimizer.lr must be a finite number"),
    (GOOD + "weight_decay: .nan\n", r"train.yaml:5:15: weight_decay must be a finite number, not nan"),
    (GOOD + "optimizer: {lr: 1e99999999999999999999}\n", r"train.yaml:5:17: a number whose exponent has more than 18"),
])
def test_errors_name_file_line_and_column(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match=r"missing.yaml:1:1: cannot read the file"):
        load_config(tmp_path / "missing.yaml")


def test_error_at_points_to_a_value(tmp_path):
    loaded = load_config(_write(tmp_path, GOOD))
    assert str(loaded.error(("layers", 1, "units"), "too few")).endswith("train.yaml:4:24: too few")
    assert str(loaded.error(("layers", 1, "activation"), "x")).endswith("train.yaml:4:5: x")  # absent: the layer
