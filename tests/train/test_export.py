"""ONNX (run in onnxruntime) and PyTorch (loaded with torch.load) reproduce gradwork's outputs to 1e-5."""

from __future__ import annotations

import numpy as np
from tests.lazy import lazy
import pytest

from gradwork.nn import MLP
from gradwork.nn.layers import Dense
from gradwork.ops import ops_of_kind
from gradwork.train import predict
from gradwork.train.export import ExportError, export_onnx, export_torch

onnxruntime = lazy("onnxruntime")
torch = lazy("torch")


def _registered_activations() -> list:
    """Every elementwise activation of the op registry (its options set away from their defaults), and identity."""
    found: list = []
    for op in ops_of_kind("activation"):
        if op.elementwise:
            options = {o.name: round(float(o.default) * 0.7 + 0.03, 3) for o in op.options}
            found.append({"name": op.name, **options} if options else op.name)
    return [*found, "identity"]


ACTIVATIONS = _registered_activations()


def _model(convention="row", dtype="float32", last="softmax"):
    hidden = ACTIVATIONS
    sizes = [5] + [4] * len(hidden) + [3]
    model = MLP.init(sizes, [*hidden, last], init="xavier", seed=2, convention=convention, dtype=dtype)
    for p in model.parameters():  # non-zero biases, so that a transposed or missing bias would show
        if p.name.endswith(".b"):
            p.data += np.linspace(-0.5, 0.5, p.data.size).astype(p.data.dtype)
    return model


def _inputs(dtype):
    return np.random.default_rng(0).normal(scale=2.0, size=(7, 5)).astype(dtype)


@pytest.mark.parametrize("convention", ["row", "column"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_runs_in_onnxruntime_with_gradworks_outputs(tmp_path, convention, dtype):
    model = _model(convention, dtype)
    path = export_onnx(model, tmp_path / "net.onnx")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    X = _inputs(dtype)
    (out,) = session.run(["output"], {"input": X.astype(np.float32)})
    assert out.dtype == np.float32 and out.shape == (7, 3)  # ONNX files are float32 (documented)
    np.testing.assert_allclose(out, predict(model, X), rtol=1e-5, atol=1e-5)
    (single,) = session.run(["output"], {"input": X[:1].astype(np.float32)})  # the batch axis is free
    np.testing.assert_allclose(single, predict(model, X[:1]), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("convention", ["row", "column"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_module_loads_and_reproduces_outputs(tmp_path, convention, dtype):
    model = _model(convention, dtype)
    path = export_torch(model, tmp_path / "net.pt")
    # Only torch's own classes are pickled: loading needs no gradwork.
    assert not [name for name in torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
                if "gradwork" in name]
    module = torch.load(path, weights_only=False)
    assert isinstance(module, torch.nn.Sequential)
    X = _inputs(dtype)
    with torch.no_grad():
        out = module(torch.from_numpy(X)).numpy()
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, predict(model, X), rtol=1e-5, atol=1e-5)


def test_square_exports_to_onnx_but_not_torch(tmp_path):
    model = MLP.init([3, 2, 1], ["square", "identity"], seed=0)
    session = onnxruntime.InferenceSession(str(export_onnx(model, tmp_path / "sq.onnx")),
                                           providers=["CPUExecutionProvider"])
    X = _inputs("float32")[:, :3]
    np.testing.assert_allclose(session.run(None, {"input": X})[0], predict(model, X), rtol=1e-5, atol=1e-6)
    with pytest.raises(ExportError, match="activation 'square' has no PyTorch module"):
        export_torch(model, tmp_path / "sq.pt")


def test_custom_activation_cannot_be_exported(tmp_path):
    model = MLP([Dense(np.ones((2, 2), dtype=np.float32), None, lambda z: z, convention="row", dtype="float32")])
    with pytest.raises(ExportError, match="custom activation"):
        export_onnx(model, tmp_path / "x.onnx")
