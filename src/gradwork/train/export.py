"""Hand a trained network to ONNX or PyTorch.

* :func:`export_onnx`: a float32 ONNX model (opset 17, IR version 8) built
  with the ``onnx`` package's helper API: one ``Gemm`` per dense layer and the
  activation's ONNX op (the op registry's ``Op.export``). Input ``input`` [batch, in], output ``output``.
* :func:`export_torch`: a ``torch.nn.Sequential`` of ``Linear`` layers and
  activation modules, saved with ``torch.save``. It holds only torch's own
  classes, so it loads without gradwork installed:
  ``torch.load(FILE, weights_only=False)``.

Both compute what gradwork computes (checked to 1e-5 in the tests). The
frameworks are imported inside these functions only; ``pip install
'gradwork[export]'`` provides them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gradwork.nn import MLP
from gradwork.nn.activations import ALIASES
from gradwork.nn.layers import Dense
from gradwork.ops import OPS, Op
from gradwork.documents.files import writing
from gradwork.documents.errors import GradworkError

ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # understood by every onnxruntime since 1.10


class ExportError(GradworkError, ValueError):
    pass


def _torch_layout(layer: Dense) -> np.ndarray:
    """The weights as [out, in], the layout of torch.nn.Linear and of ONNX Gemm with transB=1."""
    W = np.asarray(layer.W.data)
    if W.ndim == 1:  # a single unit's incoming weights
        return W[None, :]
    return W.T if layer.convention == "row" else W


def _activation(layer: Dense) -> tuple[str, dict[str, Any]]:
    if layer.activation_spec is None:
        raise ExportError(f"layer {layer.name!r} has a custom activation function (expected a named activation)")
    options = dict(layer.activation_spec)
    name = options.pop("name")
    return ALIASES.get(name, name), options


# ------------------------------------------------------------------ ONNX


def export_onnx(model: MLP, path: str | Path) -> Path:
    """Write ``model`` as a float32 ONNX file at ``path`` (float64 weights are rounded to float32)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    # float32 whatever the training dtype: onnxruntime has no float64 kernels for several activations (Elu, Softplus).
    elem_type, dtype = TensorProto.FLOAT, np.dtype(np.float32)
    nodes, initializers = [], []
    current = "input"
    for number, layer in enumerate(model.layers):
        weight_name, z_name = f"{layer.name}.W", f"{layer.name}.z"
        initializers.append(numpy_helper.from_array(_torch_layout(layer).astype(dtype), weight_name))
        gemm_inputs = [current, weight_name]
        if layer.b is not None:
            initializers.append(numpy_helper.from_array(np.atleast_1d(np.asarray(layer.b.data, dtype=dtype)),
                                                        f"{layer.name}.b"))
            gemm_inputs.append(f"{layer.name}.b")
        nodes.append(helper.make_node("Gemm", gemm_inputs, [z_name], transB=1, name=f"{layer.name}.linear"))
        out_name = "output" if number == len(model.layers) - 1 else f"{layer.name}.a"
        nodes.extend(_onnx_activation(helper, layer, z_name, out_name, dtype, initializers))
        current = out_name
    graph = helper.make_graph(
        nodes,
        "gradwork_mlp",
        [helper.make_tensor_value_info("input", elem_type, ["batch", model.sizes[0]])],
        [helper.make_tensor_value_info("output", elem_type, ["batch", model.sizes[-1]])],
        initializer=initializers,
    )
    onnx_model = helper.make_model(graph, producer_name="gradwork", opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    onnx_model.ir_version = ONNX_IR_VERSION
    onnx.checker.check_model(onnx_model)
    path = Path(path)
    with writing(path) as stream:  # the one atomic writer: a failed write leaves the old file
        stream.write(onnx_model.SerializeToString())
    return path


def _onnx_activation(helper: Any, layer: Dense, z: str, out: str, dtype: np.dtype, initializers: list) -> list:
    from onnx import numpy_helper

    name, options = _activation(layer)
    node = helper.make_node
    if name == "identity":
        return [node("Identity", [z], [out])]
    if name == "square":
        return [node("Mul", [z, z], [out])]
    op = OPS.get(name)
    if op is not None and op.export is not None and op.export.onnx is not None:
        attributes = dict(op.export.onnx_attributes)
        attributes.update({key: float(options.get(key, _default(op, key))) for key in op.export.options})
        return [node(op.export.onnx, [z], [out], **attributes)]
    if op is None or op.export is None or not op.export.onnx_nodes:
        raise ExportError(f"layer {layer.name!r}: activation {name!r} has no ONNX export")
    # The registry's composition (GELU: x (1 + erf(x / sqrt 2)) / 2): $x is z, $out the layer's output,
    # #label a constant of the layer, any other name a value the composition made (<layer>.<op>_<name>).
    p = layer.name
    for label, value in op.export.onnx_constants:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), f"{p}.{label}"))

    def named(value: str) -> str:
        if value == "$x":
            return z
        if value == "$out":
            return out
        return f"{p}.{value[1:]}" if value.startswith("#") else f"{p}.{op.name}_{value}"

    return [node(step.op_type, [named(v) for v in step.inputs], [named(step.output)]) for step in op.export.onnx_nodes]


# ------------------------------------------------------------------ PyTorch


def torch_module(model: MLP) -> Any:
    """``model`` as a ``torch.nn.Sequential`` with the same weights and dtype."""
    import torch
    from torch import nn

    dtype = {"float32": torch.float32, "float64": torch.float64}[model.dtype]
    modules: list[Any] = []
    for layer in model.layers:
        weights = _torch_layout(layer)
        linear = nn.Linear(weights.shape[1], weights.shape[0], bias=layer.b is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weights)))
            if layer.b is not None:
                linear.bias.copy_(torch.from_numpy(np.atleast_1d(np.asarray(layer.b.data))))
        modules.append(linear)
        modules.append(_torch_activation(nn, layer))
    return nn.Sequential(*modules)


def _torch_activation(nn: Any, layer: Dense) -> Any:
    name, options = _activation(layer)
    if name == "identity":
        return nn.Identity()
    op = OPS.get(name)
    if op is None or op.export is None or op.export.torch is None:
        raise ExportError(f"layer {layer.name!r}: activation {name!r} has no PyTorch module")
    args = [float(options.get(key, _default(op, key))) for key in op.export.options]
    return getattr(nn, op.export.torch)(*args, **dict(op.export.torch_kwargs))


def _default(op: Op, option: str) -> str:
    return next(o.default for o in op.options if o.name == option)


def export_torch(model: MLP, path: str | Path) -> Path:
    """Save ``model`` as a whole ``torch.nn.Module`` at ``path``.

    Load it with ``torch.load(path, weights_only=False)``; it holds only torch's own classes.
    """
    import torch

    path = Path(path)
    with writing(path) as stream:
        torch.save(torch_module(model), stream)
    return path


EXPORTERS = {"onnx": export_onnx, "torch": export_torch}
