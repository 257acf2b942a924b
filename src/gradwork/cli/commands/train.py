"""`gradwork train CONFIG` and `gradwork export PARAMS.npz --to onnx|torch|problem -o FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import EXIT_WRONG, fail
from gradwork.cli.output import guard_output, write_output


@app.command("train")
def train(
    config: Path = typer.Argument(..., help="Training config (YAML): layers with units, data, epochs, optimizer."),
    epochs: int | None = typer.Option(None, "--epochs", min=0, help="Override the config's number of epochs."),
    plot: Path | None = typer.Option(None, "--plot", help="Write loss and accuracy curves to this PNG file."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Where to save the trained parameters (.npz); default: the config's `save`, "
                                     "else CONFIG-NAME.params.npz in the current folder."),
    force: bool = typer.Option(False, "--force", help="Replace the parameters file and the plot if they exist."),
) -> None:
    """Train an MLP from a config file; save its parameters to .npz."""
    # lazy (start-up): loaded when this command runs
    from gradwork.train import ConfigError, DataError, load_config, save_params, train_from_config
    from gradwork.train.progress import reporter_for

    if plot is not None and plot.suffix.lower() != ".png":
        fail(f"{plot}: --plot writes a PNG image (expected a file name ending in .png)")
    try:
        loaded = load_config(config)
    except (ConfigError, DataError) as error:
        fail(str(error))
    if output is None:
        output = loaded.base / loaded.config.save if loaded.config.save else Path(f"{config.stem}.params.npz")
    data = loaded.config.data
    inputs = [config, *(loaded.base / name for name in (data.csv, data.npz) if name)]
    guard_output(output, inputs, force)
    if plot is not None:
        guard_output(plot, [*inputs, output], force, option="--plot")
    # lazy (start-up): loaded when this command runs
    from gradwork.train.run import DivergedError

    try:
        result = train_from_config(loaded, epochs=epochs, progress=reporter_for(sys.stdout))
    except (ConfigError, DataError) as error:
        fail(str(error))
    except DivergedError as error:  # the input was fine; the run was not (exit 1, nothing saved)
        fail(f"{config}: {error}", EXIT_WRONG)
    try:
        save_params(output, result.checkpoint)
    except OSError as error:
        fail(f"{output}: cannot write ({error.strerror or error})")
    typer.echo(f"saved parameters to {output}")
    if plot is not None:
        # lazy (start-up): loaded when this command runs
        from gradwork.train.plot import plot_history

        try:
            plot_history(result.history, plot, title=loaded.config.title)
        except OSError as error:
            fail(f"{plot}: cannot write ({error.strerror or error})")
        typer.echo(f"wrote curves to {plot}")


@app.command("export")
def export(
    params: Path = typer.Argument(..., help="Parameters saved by `gradwork train` (.npz)."),
    to: str = typer.Option(..., "--to", help="onnx, torch, or problem (a docs/format.md problem file for one step)."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    """Export trained parameters to ONNX, PyTorch, or a problem file explaining one training step."""
    # lazy (start-up): loaded when this command runs
    from gradwork.train import ParamsError, load_params

    if to not in ("onnx", "torch", "problem"):
        fail(f"--to {to}: unknown target (expected onnx, torch or problem)")
    guard_output(output, [params], force)
    try:
        checkpoint = load_params(params)
    except ParamsError as error:
        fail(str(error))
    try:
        if to == "problem":
            # lazy (start-up): loaded when this command runs
            from gradwork.train import problem_from_params, problem_yaml

            write_output(problem_yaml(problem_from_params(checkpoint)), output)
        else:
            # lazy (start-up): loaded when this command runs
            from gradwork.train.export import EXPORTERS, ExportError

            try:
                EXPORTERS[to](checkpoint.model, output)
            except ImportError as error:
                fail(f"{params}: --to {to} needs the {error.name} package (pip install 'gradwork[export]')")
            except ExportError as error:
                fail(f"{params}: {error}")
    except ParamsError as error:
        fail(f"{params}: {error}")
    except OSError as error:
        fail(f"{output}: cannot write ({error.strerror or error})")
    typer.echo(f"wrote {output}")
