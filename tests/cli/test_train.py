"""`gradwork train` and `gradwork export`: outputs, files and exit codes."""

from __future__ import annotations

import json
import re

import numpy as np
from tests.lazy import lazy
import pytest
import yaml
from typer.testing import CliRunner

from gradwork.cli import app
from gradwork.train import load_params, predict

onnxruntime = lazy("onnxruntime")
torch = lazy("torch")

CONFIG = """\
title: blobs
data: {csv: blobs.csv, target: label}
validation: 0.25
seed: 1
layers:
  - {name: hidden, units: 6, activation: tanh}
  - {name: out, units: 3}
optimizer: {name: adam, lr: 0.05}
epochs: 4
batch_size: 8
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 40)
    points = rng.normal(size=(40, 2)) + 3 * np.eye(3)[labels][:, :2]
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(points, labels)]
    (tmp_path / "blobs.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "train.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args):
    return CliRunner().invoke(app, list(args))


def test_train_prints_plain_lines_saves_params_and_plots(workdir):
    result = _run("train", "train.yaml", "--plot", "curves.png")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines[:4]] == [f"epoch {i}/4" for i in range(1, 5)]
    assert lines[4:] == ["saved parameters to train.params.npz", "wrote curves to curves.png"]
    assert (workdir / "curves.png").read_bytes().startswith(b"\x89PNG")
    checkpoint = load_params(workdir / "train.params.npz")
    assert checkpoint.model.sizes == [2, 6, 3] and checkpoint.title == "blobs"
    assert checkpoint.sample_input.shape == (2,)


def test_epochs_option_and_output_path(workdir):
    result = _run("train", "train.yaml", "--epochs", "2", "-o", "net.npz")
    assert result.exit_code == 0, result.output
    assert sum(line.startswith("epoch ") for line in result.stdout.splitlines()) == 2
    assert (workdir / "net.npz").exists()


def test_training_is_deterministic_from_the_command_line(workdir):
    _run("train", "train.yaml", "-o", "a.npz")
    _run("train", "train.yaml", "-o", "b.npz")
    with np.load("a.npz") as a, np.load("b.npz") as b:
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize("edit,expected", [
    (("units: 3}", "units: 4}"), r"train.yaml:7:24: blobs.csv has 3 classes but the output layer has 4 units "
                                 r"\(expected 3\)"),
    (("units: 3}", "units: 3, activation: softmax}"),
     r"train.yaml:7:39: cross_entropy applies the softmax itself"),
    (("epochs: 4", "epochs: -1"), r"train.yaml:9:9: epochs is -1, too small \(expected at least 0\)"),
    (("blobs.csv", "nothere.csv"), r"nothere.csv:1:1: cannot read the file"),
])
def test_bad_config_is_one_line_and_exit_2(workdir, edit, expected):
    (workdir / "train.yaml").write_text(CONFIG.replace(*edit))
    result = _run("train", "train.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert re.search(expected, result.stderr), result.stderr


def test_bad_csv_cell_and_missing_config(workdir):
    (workdir / "blobs.csv").write_text("x1,x2,label\n1,2,0\n1,oops,1\n")
    result = _run("train", "train.yaml")
    assert result.exit_code == 2 and result.stderr.endswith("blobs.csv:3:3: 'oops' is not a number "
                                                            "(expected a numeric feature in column 'x2')\n")
    result = _run("train", "missing.yaml")
    assert result.exit_code == 2 and result.stderr.startswith("missing.yaml:1:1: cannot read the file")
    result = _run("train", "train.yaml", "--plot", "curves.jpg")
    assert result.exit_code == 2 and "expected a file name ending in .png" in result.stderr


def test_export_onnx_torch_and_problem(workdir):
    assert _run("train", "train.yaml", "-o", "net.npz").exit_code == 0
    model = load_params("net.npz").model
    X = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    expected = predict(model, X)

    result = _run("export", "net.npz", "--to", "onnx", "-o", "net.onnx")
    assert result.exit_code == 0 and result.stdout == "wrote net.onnx\n"
    session = onnxruntime.InferenceSession("net.onnx", providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": X})[0], expected, rtol=1e-5, atol=1e-5)

    assert _run("export", "net.npz", "--to", "torch", "-o", "net.pt").exit_code == 0
    module = torch.load("net.pt", weights_only=False)
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(X)).numpy(), expected, rtol=1e-5, atol=1e-5)

    assert _run("export", "net.npz", "--to", "problem", "-o", "step.yaml").exit_code == 0
    problem = yaml.safe_load((workdir / "step.yaml").read_text())
    assert [layer["name"] for layer in problem["layers"]] == ["hidden", "out"]
    assert problem["loss"] == "cross_entropy" and problem["optimizer"] == {"name": "adam", "lr": 0.05}
    assert isinstance(problem["target"], int) and len(problem["input"]) == 2


def test_export_errors_exit_2(workdir):
    result = _run("export", "none.npz", "--to", "onnx", "-o", "x.onnx")
    assert result.exit_code == 2 and result.stderr.startswith("none.npz: cannot read the file: No such file")
    np.savez("plain.npz", W=np.zeros(2))
    result = _run("export", "plain.npz", "--to", "torch", "-o", "x.pt")
    assert result.exit_code == 2 and "no 'gradwork' entry" in result.stderr
    result = _run("export", "plain.npz", "--to", "keras", "-o", "x.h5")
    assert result.exit_code == 2 and result.stderr == "--to keras: unknown target (expected onnx, torch or problem)\n"
    (workdir / "train.yaml").write_text(CONFIG.replace("tanh", "square"))
    assert _run("train", "train.yaml", "-o", "sq.npz").exit_code == 0
    result = _run("export", "sq.npz", "--to", "torch", "-o", "sq.pt")
    assert result.exit_code == 2 and result.stderr == ("sq.npz: layer 'hidden': activation 'square' has no "
                                                       "PyTorch module\n")


def test_params_meta_records_the_run(workdir):
    assert _run("train", "train.yaml", "-o", "net.npz").exit_code == 0
    with np.load("net.npz") as archive:
        meta = json.loads(str(archive["gradwork"]))
    assert meta["optimizer"] == {"name": "adam", "lr": 0.05} and meta["loss"] == "cross_entropy"


def test_exported_problem_is_solved_by_gradwork_solve(workdir):
    assert _run("train", "train.yaml", "-o", "net.npz").exit_code == 0
    assert _run("export", "net.npz", "--to", "problem", "-o", "step.yaml").exit_code == 0
    result = _run("solve", "step.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    solved = json.loads(result.stdout)
    assert set(solved["updated"]) == {"hidden.W", "hidden.b", "out.W", "out.b"}
    assert np.array(solved["updated"]["hidden.W"]).shape == (2, 6)  # row convention: [in, out]
