"""Progress reports for :func:`gradwork.train.fit`: a rich progress bar on a terminal, plain lines otherwise.

Reporters write only to the stream or console they are given (library code
never prints on its own); the command line picks one with :func:`reporter_for`.
"""

from __future__ import annotations

from typing import IO, Any

from gradwork.train.loop import EpochMetrics, History


def describe(metrics: EpochMetrics, epochs: int) -> str:
    """One epoch as a line: ``epoch  3/20  loss 0.2104  acc 0.9374  val_loss 0.1893  val_acc 0.9443  0.05s``."""
    width = len(str(epochs))
    parts = [f"epoch {metrics.epoch:>{width}}/{epochs}", f"loss {metrics.loss:.4f}"]
    if metrics.accuracy is not None:
        parts.append(f"acc {metrics.accuracy:.4f}")
    if metrics.val_loss is not None:
        parts.append(f"val_loss {metrics.val_loss:.4f}")
    if metrics.val_accuracy is not None:
        parts.append(f"val_acc {metrics.val_accuracy:.4f}")
    parts.append(f"{metrics.seconds:.2f}s")
    return "  ".join(parts)


class PlainProgress:
    """One line per epoch, for logs and pipes."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.epochs = 0

    def start(self, epochs: int, batches: int) -> None:
        self.epochs = epochs

    def batch(self, epoch: int, index: int, loss: float) -> None:
        pass

    def epoch(self, metrics: EpochMetrics) -> None:
        self.stream.write(describe(metrics, self.epochs) + "\n")
        self.stream.flush()

    def finish(self, history: History) -> None:
        pass


class RichProgress:
    """A live progress bar over all minibatches, showing the running loss and the last epoch's accuracy."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self._bar: Any = None
        self._task: Any = None
        self.epochs = 0

    def start(self, epochs: int, batches: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.epochs = epochs
        self._bar = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  {task.fields[extra]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("train", total=epochs * batches, epoch=1, epochs=epochs, loss="-", extra="")

    def batch(self, epoch: int, index: int, loss: float) -> None:
        self._bar.update(self._task, advance=1, epoch=epoch, loss=f"{loss:.4f}")

    def epoch(self, metrics: EpochMetrics) -> None:
        extra = []
        if metrics.accuracy is not None:
            extra.append(f"acc {metrics.accuracy:.4f}")
        if metrics.val_accuracy is not None:
            extra.append(f"val_acc {metrics.val_accuracy:.4f}")
        self._bar.update(self._task, extra="  ".join(extra))

    def finish(self, history: History) -> None:
        if self._bar is not None:
            self._bar.stop()
        for metrics in history.epochs[-1:]:
            self.console.print(describe(metrics, self.epochs), highlight=False)


def reporter_for(stream: IO[str]) -> PlainProgress | RichProgress:
    """A progress bar when ``stream`` is a terminal, plain lines when it is a pipe or a file."""
    if stream.isatty():
        from rich.console import Console

        return RichProgress(Console(file=stream))
    return PlainProgress(stream)
