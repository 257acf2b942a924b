"""--plot: a PNG with loss and accuracy curves."""

from __future__ import annotations

from gradwork.train.loop import EpochMetrics, History
from gradwork.train.plot import plot_history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history(accuracy):
    history = History("cross_entropy" if accuracy else "mse")
    for epoch in range(1, 4):
        history.epochs.append(EpochMetrics(epoch, 1.0 / epoch, 0.5 + epoch / 10 if accuracy else None,
                                           1.2 / epoch, 0.4 + epoch / 10 if accuracy else None, 0.01))
    return history


def test_classification_plot_is_two_panels(tmp_path):
    path = plot_history(_history(True), tmp_path / "curves.png", title="run")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width = int.from_bytes(data[16:20], "big")
    assert width == 1000  # two panels: 10 inches at 100 dpi


def test_regression_plot_is_one_panel(tmp_path):
    data = plot_history(_history(False), tmp_path / "loss.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and int.from_bytes(data[16:20], "big") == 550
