"""Hostile inputs for `gradwork train` and `gradwork export` (issue #13): one line, exit 1 or 2, nothing replaced."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gradwork.cli import app

CONFIG = """\
data: {csv: d.csv, target: label}
layers:
  - {units: 4, activation: tanh}
  - {units: 2}
optimizer: {name: sgd, lr: 0.01}
epochs: 2
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{i % 2}" for i, (a, b) in enumerate(rng.normal(size=(20, 2)))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "train.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def refused(result, code: int, *fragments: str) -> str:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def config(workdir, old: str, new: str, name: str = "edited.yaml") -> str:
    assert old in CONFIG
    (workdir / name).write_text(CONFIG.replace(old, new))
    return name


def test_output_equal_to_the_config_is_refused(workdir):
    refused(run("train", "train.yaml", "-o", "train.yaml"), 2, "is an input of this command")
    assert (workdir / "train.yaml").read_text() == CONFIG


def test_output_equal_to_the_data_is_refused(workdir):
    refused(run("train", "train.yaml", "-o", "d.csv"), 2, "is an input of this command")


def test_existing_parameters_need_force(workdir):
    assert run("train", "train.yaml", "-o", "net.npz").exit_code == 0
    refused(run("train", "train.yaml", "-o", "net.npz"), 2, "already exists", "--force")
    assert run("train", "train.yaml", "-o", "net.npz", "--force").exit_code == 0


def test_export_onto_its_own_parameters_is_refused(workdir):
    assert run("train", "train.yaml", "-o", "net.npz").exit_code == 0
    before = (workdir / "net.npz").read_bytes()
    refused(run("export", "net.npz", "--to", "problem", "-o", "net.npz"), 2, "is an input of this command")
    assert (workdir / "net.npz").read_bytes() == before


def test_width_of_a_hundred_million_is_refused_by_the_limit(workdir):
    refused(run("train", config(workdir, "units: 4,", "units: 100000000,")), 2, "edited.yaml:3:13:",
            "limit 100000; --max-width to raise")


def test_epochs_over_the_limit(workdir):
    refused(run("train", config(workdir, "epochs: 2", "epochs: 1000000000")), 2, "edited.yaml:6:9:", "--max-epochs")
    refused(run("train", "train.yaml", "--epochs", "1000000000"), 2, "--max-epochs")


def test_adam_beta2_of_1_and_eps_0_are_refused(workdir):
    refused(run("train", config(workdir, "{name: sgd, lr: 0.01}", "{name: adam, lr: 0.01, beta2: 1, eps: 0}")), 2,
            "edited.yaml:5:", "beta2")


def test_binary_csv_is_one_line(workdir):
    (workdir / "d.csv").write_bytes(bytes(range(256)) * 4)
    refused(run("train", "train.yaml"), 2, "d.csv", "not valid UTF-8")


def test_nan_in_the_data_is_refused(workdir):
    (workdir / "d.csv").write_text("x1,x2,label\nnan,1,0\n1,2,1\n")
    refused(run("train", "train.yaml"), 2, "d.csv:2:1:", "'nan' is not a number")


def test_a_diverging_run_exits_1_naming_the_epoch(workdir):
    rows = ["x1,x2,y"] + [f"{1000 * i},{i},{i % 3}" for i in range(20)]
    (workdir / "d.csv").write_text("\n".join(rows) + "\n")
    name = config(workdir, "target: label}", "target: y}")
    text = (workdir / name).read_text().replace("lr: 0.01", "lr: 1e30").replace("units: 2}", "units: 1}")
    (workdir / name).write_text(text + "loss: mse\n")
    line = refused(run("train", name, "-o", "out.npz"), 1, "training diverged", "epoch")
    assert "inf" in line or "nan" in line
    assert not (workdir / "out.npz").exists()


def _params(path, layers, arrays):
    meta = {"format": "gradwork-params", "version": 1, "convention": "row", "layers": layers}
    np.savez(path, gradwork=np.array(json.dumps(meta)), **arrays)


def test_export_of_params_with_wrong_shapes(workdir):
    _params(workdir / "bad.npz", [{"name": "h", "units": 4, "activation": {"name": "relu"}},
                                  {"name": "o", "units": 2, "activation": {"name": "relu"}}],
            {"h.W": np.zeros((3, 4)), "o.W": np.zeros((5, 2))})
    refused(run("export", "bad.npz", "--to", "problem", "-o", "x.yaml"), 2, "bad.npz:", "4 outputs", "5 inputs")


def test_export_of_params_with_an_unknown_activation(workdir):
    _params(workdir / "bad.npz", [{"name": "h", "units": 4, "activation": {"name": "nope"}}], {"h.W": np.zeros((3, 4))})
    refused(run("export", "bad.npz", "--to", "problem", "-o", "x.yaml"), 2, "bad.npz:", "unknown activation 'nope'")


def test_export_of_params_with_a_missing_entry(workdir):
    _params(workdir / "bad.npz", [{"units": 4}], {"h.W": np.zeros((3, 4))})
    refused(run("export", "bad.npz", "--to", "problem", "-o", "x.yaml"), 2, "bad.npz:", "not a valid parameters file")


def test_export_of_an_npz_array_over_the_elements_limit(workdir):
    _params(workdir / "big.npz", [{"name": "h", "units": 4, "activation": {"name": "relu"}}],
            {"h.W": np.zeros((300, 4))})
    refused(run("--max-elements", "1000", "export", "big.npz", "--to", "problem", "-o", "x.yaml"), 2,
            "big.npz:", "1200 elements", "--max-elements")


def test_export_of_a_file_that_is_not_npz(workdir):
    (workdir / "fake.npz").write_bytes(b"PK\x03\x04 not really a zip")
    refused(run("export", "fake.npz", "--to", "problem", "-o", "x.yaml"), 2, "fake.npz:")
