"""Progress: plain lines when piped, a rich bar on a terminal."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from gradwork.nn import MLP
from gradwork.train import fit
from gradwork.train.loop import EpochMetrics
from gradwork.train.progress import PlainProgress, RichProgress, describe, reporter_for


def _tiny_fit(progress):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, 12)
    model = MLP.init([3, 2], ["identity"], seed=0)
    return fit(model, X, y, epochs=3, batch_size=5, validation=(X[:4], y[:4]), progress=progress)


def test_plain_lines_one_per_epoch():
    stream = io.StringIO()
    history = _tiny_fit(PlainProgress(stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    for line, metrics in zip(lines, history.epochs):
        assert line == describe(metrics, 3)
        assert line.startswith(f"epoch {metrics.epoch}/3  loss {metrics.loss:.4f}  acc {metrics.accuracy:.4f}  "
                               f"val_loss {metrics.val_loss:.4f}  val_acc {metrics.val_accuracy:.4f}  ")


def test_describe_regression_epoch():
    line = describe(EpochMetrics(7, 0.123456, None, None, None, 1.5), 12)
    assert line == "epoch  7/12  loss 0.1235  1.50s"


def test_pipe_gets_plain_lines_and_terminal_gets_a_bar():
    assert isinstance(reporter_for(io.StringIO()), PlainProgress)

    class FakeTerminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(reporter_for(FakeTerminal()), RichProgress)


def test_rich_bar_runs_and_prints_the_last_epoch():
    stream = io.StringIO()
    history = _tiny_fit(RichProgress(Console(file=stream, force_terminal=True, width=120)))
    text = stream.getvalue()
    assert "epoch 3/3" in text and "9/9" in text  # 3 epochs x 3 batches
    assert describe(history.last, 3).rsplit("  ", 1)[0] in text
