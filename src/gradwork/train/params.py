"""Trained parameters on disk (``.npz``), and back into a docs/format.md problem file.

Layout of a parameters file (a plain NumPy ``.npz``; read it with
``numpy.load(path)``, no pickling):

=====================  ============================================================
key                    array
=====================  ============================================================
``<layer>.W``          the layer's weights, in the file's convention:
                       [in, out] for ``row`` (z = x W + b), [out, in] for ``column``
``<layer>.b``          the layer's bias [out] (absent for a layer without bias)
``sample.input``       one input sample [in], kept to emit an explainable problem
``sample.target``      its target (a class index, or the target values)
``gradwork``           a JSON string: ``{"format": "gradwork-params", "version": 1,
                       "title", "convention", "dtype", "loss", "optimizer",
                       "classes", "layers": [{"name", "units", "activation",
                       "bias"}]}``; ``activation`` is ``{"name": ..., options}``
=====================  ============================================================

Layers appear in ``gradwork["layers"]`` in network order; their names are the
problem-file names (``hidden.W``), so a saved network reads like the exercise
that explains one of its steps (:func:`problem_from_params`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.nn import MLP
from gradwork.nn.activations import UnknownActivationError
from gradwork.nn.layers import Dense
from gradwork.documents.errors import GradworkError, ProblemError
from gradwork.documents.files import writing
from gradwork.documents.npz import read_npz, unlocated

FORMAT_NAME = "gradwork-params"
FORMAT_VERSION = 1
META_KEY = "gradwork"


class ParamsError(GradworkError, ValueError):
    """A parameters file that cannot be read; the message starts with the file name."""


@dataclass
class Checkpoint:
    """A trained network with what is needed to use it, explain it or export it."""

    model: MLP
    loss: str | dict[str, Any] = "cross_entropy"  # a name, or {name: huber, delta: 1}
    optimizer: dict[str, Any] = field(default_factory=lambda: {"name": "sgd", "lr": 0.01})
    title: str = ""
    classes: list[str] | None = None  # class names, when the data had named classes
    sample_input: np.ndarray | None = None
    sample_target: Any = None


def save_params(path: str | Path, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` in the layout above."""
    model = checkpoint.model
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for layer in model.layers:
        if layer.activation_spec is None:
            raise ParamsError(f"layer {layer.name!r} has a custom activation function that cannot be saved by name")
        arrays[f"{layer.name}.W"] = np.asarray(layer.W.data)
        if layer.b is not None:
            arrays[f"{layer.name}.b"] = np.asarray(layer.b.data)
        layers.append({"name": layer.name, "units": layer.fan_out, "activation": layer.activation_spec,
                       "bias": layer.b is not None})
    if checkpoint.sample_input is not None:
        arrays["sample.input"] = np.asarray(checkpoint.sample_input)
        arrays["sample.target"] = np.asarray(checkpoint.sample_target)
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "title": checkpoint.title,
        "convention": model.convention,
        "dtype": model.dtype,
        "loss": checkpoint.loss,
        "optimizer": checkpoint.optimizer,
        "classes": checkpoint.classes,
        "layers": layers,
    }
    arrays[META_KEY] = np.asarray(json.dumps(meta))
    path = Path(path)

    with writing(path) as handle:  # atomic; a file object, or numpy would append ".npz" to other suffixes
        np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub matches **arrays to allow_pickle
    return path


def load_params(path: str | Path) -> Checkpoint:
    """Read a parameters file written by :func:`save_params` (or by hand in the same layout).

    Only the arrays the metadata names are read, each after its header was
    checked against the limits (:func:`gradwork.documents.npz.read_npz`).
    """
    path = Path(path)
    try:
        found = read_npz(path, [], what=".npz parameters file", optional=[META_KEY], strings=[META_KEY])
        if META_KEY not in found:
            raise ParamsError(f"{path}: no {META_KEY!r} entry (expected a file written by `gradwork train`)")
        meta = _meta(path, found[META_KEY])
        layers = meta.get("layers")
        if not isinstance(layers, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str)
                                                   for s in layers):
            raise ParamsError(f"{path}: not a valid parameters file (the {META_KEY!r} entry has no list of named "
                              "layers; expected a file written by `gradwork train`)")
        names = [f"{spec['name']}.W" for spec in layers]
        optional = [f"{spec['name']}.b" for spec in layers] + ["sample.input", "sample.target"]
        arrays = read_npz(path, names, what=".npz parameters file", optional=optional)
    except ProblemError as error:
        raise ParamsError(unlocated(error)) from None
    arrays[META_KEY] = meta
    try:
        return _checkpoint(path, arrays)
    except ParamsError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        # Written by hand or damaged: one line, never a traceback.
        what = f"missing entry {error}" if isinstance(error, KeyError) else " ".join(str(error).split())
        raise ParamsError(f"{path}: not a valid parameters file ({what})") from None


def _meta(path: Path, entry: np.ndarray) -> dict[str, Any]:
    """The metadata JSON (any depth or size refused with one line, never a RecursionError)."""
    try:
        meta = json.loads(str(entry))
    except json.JSONDecodeError as error:
        raise ParamsError(f"{path}: the {META_KEY!r} entry is not JSON ({error.msg})") from None
    except RecursionError:
        raise ParamsError(f"{path}: the {META_KEY!r} entry nests too deeply (expected the metadata of "
                          "`gradwork train`)") from None
    if not isinstance(meta, dict):
        raise ParamsError(f"{path}: the {META_KEY!r} entry is not a JSON object (expected the metadata of "
                          "`gradwork train`)")
    return meta


def _checkpoint(path: Path, arrays: dict[str, Any]) -> Checkpoint:
    meta = arrays[META_KEY]
    if meta.get("format") != FORMAT_NAME or meta.get("version", 0) > FORMAT_VERSION:
        raise ParamsError(f"{path}: format {meta.get('format')!r} version {meta.get('version')!r} "
                          f"(expected {FORMAT_NAME!r} version {FORMAT_VERSION})")
    layers = []
    for spec in meta["layers"]:
        name = spec["name"]
        if f"{name}.W" not in arrays:
            raise ParamsError(f"{path}: no array {name}.W for layer {name!r}")
        bias = arrays.get(f"{name}.b") if spec.get("bias", True) else None
        for key, array in ((f"{name}.W", arrays[f"{name}.W"]), (f"{name}.b", bias)):
            if array is not None and (array.dtype.kind not in "fiu" or not np.all(np.isfinite(array))):
                raise ParamsError(f"{path}: the array {key!r} is not all finite numbers (expected trained weights)")
        try:
            layers.append(Dense(arrays[f"{name}.W"], bias, spec["activation"], convention=meta["convention"],
                                name=name, dtype=meta.get("dtype", "float32")))
        except UnknownActivationError as error:
            raise ParamsError(f"{path}: layer {name!r}: {error}") from None
    for before, after in zip(layers, layers[1:]):
        if before.fan_out != after.fan_in:
            raise ParamsError(f"{path}: layer {before.name!r} has {before.fan_out} outputs but layer {after.name!r} "
                              f"takes {after.fan_in} inputs (expected matching shapes)")
    sample_input = arrays.get("sample.input")
    sample_target = arrays.get("sample.target")
    return Checkpoint(
        model=MLP(layers),
        loss=meta.get("loss", "cross_entropy"),
        optimizer=meta.get("optimizer") or {"name": "sgd", "lr": 0.01},
        title=meta.get("title", ""),
        classes=meta.get("classes"),
        sample_input=sample_input,
        sample_target=None if sample_target is None else sample_target.tolist(),
    )


# ------------------------------------------------------------------ problem files


def problem_from_params(
    checkpoint: Checkpoint,
    x: Any = None,
    target: Any = None,
    optimizer: dict[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """A docs/format.md ``layers:`` problem (as a dict) for one training step of the saved network on one sample.

    ``x`` and ``target`` default to the sample stored in the file; ``optimizer``
    defaults to the one the network was trained with (without weight decay,
    which problem files do not have). Numbers are written as the shortest
    decimal that reads back as the same float32 value.
    """
    x = checkpoint.sample_input if x is None else x
    target = checkpoint.sample_target if target is None else target
    if x is None or target is None:
        raise ParamsError("no sample to explain: pass x and target (the file stores none)")
    model = checkpoint.model
    chosen = dict(optimizer or checkpoint.optimizer)
    chosen.pop("weight_decay", None)
    layers = []
    for layer in model.layers:
        spec = layer.activation_spec or {"name": "identity"}
        activation: Any = spec["name"] if len(spec) == 1 else dict(spec)
        entry: dict[str, Any] = {"name": layer.name, "weights": _numbers(layer.W.data)}
        if layer.b is not None:
            entry["bias"] = _numbers(layer.b.data)
        entry["activation"] = activation
        layers.append(entry)
    return {
        "title": title or f"One {chosen.get('name', 'sgd')} step of the trained network"
                          + (f" ({checkpoint.title})" if checkpoint.title else ""),
        "convention": model.convention,
        "input": _numbers(np.asarray(x)),
        "target": _numbers(np.asarray(target)),
        "layers": layers,
        "loss": checkpoint.loss,
        "optimizer": {key: _plain(value) for key, value in chosen.items()},
    }


def problem_yaml(problem: dict[str, Any]) -> str:
    """``problem`` as YAML: block style for the structure; vectors, matrices and small mappings in flow style."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
        numeric = all(isinstance(v, (int, float, list)) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=numeric)

    def represent_dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> Any:
        scalars = all(isinstance(v, (int, float, str, bool)) for v in value.values())
        return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=scalars)

    Dumper.add_representer(list, represent_list)
    Dumper.add_representer(dict, represent_dict)
    return yaml.dump(problem, Dumper=Dumper, sort_keys=False, width=100, allow_unicode=True)


def _numbers(array: np.ndarray) -> Any:
    """Nested Python numbers; float32 values as their shortest round-tripping decimal (0.1, not 0.10000000149)."""
    array = np.asarray(array)
    if np.issubdtype(array.dtype, np.integer):
        return array.tolist()
    if array.dtype == np.float32:
        return _shortest(array)
    return array.astype(np.float64).tolist()


def _shortest(array: np.ndarray) -> Any:
    if array.ndim == 0:
        return float(str(array[()]))  # NumPy prints a float32 scalar as its shortest round-tripping decimal
    return [_shortest(row) for row in array]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
