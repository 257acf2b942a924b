"""examples/train_digits.yaml: >= 97% validation accuracy after 20 epochs, recounted in PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.lazy import lazy
from typer.testing import CliRunner

from gradwork.cli import app

torch = lazy("torch")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_digits.yaml"


def test_example_trains_digits_to_97_percent(tmp_path):
    params, model_file = tmp_path / "digits.npz", tmp_path / "digits.pt"
    result = CliRunner().invoke(app, ["train", str(EXAMPLE), "-o", str(params), "--plot", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.output
    last_epoch = [line for line in result.stdout.splitlines() if line.startswith("epoch ")][-1]
    assert last_epoch.startswith("epoch 20/20")
    assert CliRunner().invoke(app, ["export", str(params), "--to", "torch", "-o", str(model_file)]).exit_code == 0

    # The validation rows as docs/train.md defines them: the first round(0.2 n) of a permutation
    # drawn by numpy.random.default_rng([seed, 1]); pixels scaled by 1/16.
    from sklearn.datasets import load_digits  # here, not at collection: scikit-learn takes a second to import

    digits = load_digits()
    held_out = np.random.default_rng([0, 1]).permutation(len(digits.target))[:round(0.2 * len(digits.target))]
    X = torch.tensor(digits.data[held_out] / 16.0, dtype=torch.float32)
    network = torch.load(model_file, weights_only=False)
    with torch.no_grad():
        accuracy = (network(X).argmax(dim=1).numpy() == digits.target[held_out]).mean()
    assert accuracy >= 0.97
    assert f"val_acc {accuracy:.4f}" in last_epoch
