"""Loss and accuracy curves of a training run, drawn with matplotlib into a PNG file."""

from __future__ import annotations

from pathlib import Path

from gradwork.documents.escape import plain_text
from gradwork.train.loop import History
from gradwork.documents.files import writing


def plot_history(history: History, path: str | Path, title: str = "") -> Path:
    """Write loss (left) and accuracy (right, classification only) per epoch to the image ``path``."""
    # A bare Figure renders through the Agg canvas: no pyplot, no display, no global backend switch.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [m.epoch for m in history.epochs]
    has_accuracy = any(m.accuracy is not None for m in history.epochs)
    figure = Figure(figsize=(10 if has_accuracy else 5.5, 4))
    axes = figure.subplots(1, 2 if has_accuracy else 1, squeeze=False)
    loss_axes = axes[0][0]
    loss_axes.plot(epochs, history.series("loss"), marker="o", label="training")
    if any(v is not None for v in history.series("val_loss")):
        loss_axes.plot(epochs, history.series("val_loss"), marker="o", label="validation")
    loss_axes.set(xlabel="epoch", ylabel=f"loss ({history.loss_name})", title="Loss")
    loss_axes.legend()
    loss_axes.grid(alpha=0.3)
    if has_accuracy:
        accuracy_axes = axes[0][1]
        accuracy_axes.plot(epochs, history.series("accuracy"), marker="o", label="training")
        if any(v is not None for v in history.series("val_accuracy")):
            accuracy_axes.plot(epochs, history.series("val_accuracy"), marker="o", label="validation")
        accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
        accuracy_axes.legend()
        accuracy_axes.grid(alpha=0.3)
    for ax in axes[0]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    if title:  # the config's title as plain text: never parsed as mathtext ($...$ 200 deep would not end well)
        figure.suptitle(plain_text(title, 300), parse_math=False)
    figure.tight_layout()
    path = Path(path)

    with writing(path) as stream:  # atomic: a failed or killed write leaves the old image
        figure.savefig(stream, format="png", dpi=100)
    return path
