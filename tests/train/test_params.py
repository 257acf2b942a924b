"""Parameters on disk and back; a docs/format.md problem file for one step of a trained network."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from gradwork.nn import MLP, loss
from gradwork.tensor import Tensor
from gradwork.train import Checkpoint, ParamsError, load_params, problem_from_params, problem_yaml, save_params


def _checkpoint(convention="row", dtype="float32"):
    model = MLP.init([3, 4, 2], [{"name": "leaky_relu", "alpha": 0.1}, "identity"], seed=4,
                     convention=convention, dtype=dtype, names=["hidden", "output"])
    return Checkpoint(model, loss="cross_entropy", optimizer={"name": "sgd", "lr": 0.1, "weight_decay": 0.01},
                      title="toy", sample_input=np.array([0.5, -1.0, 2.0], dtype=dtype), sample_target=1)


@pytest.mark.parametrize("convention", ["row", "column"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_keeps_weights_activations_and_outputs(tmp_path, convention, dtype):
    original = _checkpoint(convention, dtype)
    path = save_params(tmp_path / "toy.npz", original)
    loaded = load_params(path)
    for p, q in zip(original.model.parameters(), loaded.model.parameters()):
        assert p.name == q.name and q.data.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(p.data, q.data)
    assert [layer.activation_spec for layer in loaded.model.layers] == [{"name": "leaky_relu", "alpha": 0.1},
                                                                        {"name": "identity"}]
    assert loaded.model.convention == convention and loaded.loss == "cross_entropy" and loaded.title == "toy"
    assert loaded.sample_target == 1
    x = np.array([[1.0, -2.0, 0.5]], dtype=dtype)
    np.testing.assert_array_equal(loaded.model(Tensor(x, dtype=dtype)).data,
                                  original.model(Tensor(x, dtype=dtype)).data)


def test_file_layout_is_plain_numpy(tmp_path):
    path = save_params(tmp_path / "toy.params.npz", _checkpoint())
    assert path.name == "toy.params.npz"  # no extra .npz appended
    with np.load(path, allow_pickle=False) as archive:
        assert set(archive.files) == {"hidden.W", "hidden.b", "output.W", "output.b", "sample.input",
                                      "sample.target", "gradwork"}
        assert archive["hidden.W"].shape == (3, 4)  # row convention: [in, out]
        meta = json.loads(str(archive["gradwork"]))
    assert meta["format"] == "gradwork-params" and meta["version"] == 1
    assert meta["layers"][0] == {"name": "hidden", "units": 4, "activation": {"name": "leaky_relu", "alpha": 0.1},
                                 "bias": True}


def test_unreadable_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ParamsError, match="junk.npz: not a readable .npz parameters file"):
        load_params(tmp_path / "junk.npz")
    np.savez(tmp_path / "bare.npz", W=np.zeros(2))
    with pytest.raises(ParamsError, match="bare.npz: no 'gradwork' entry"):
        load_params(tmp_path / "bare.npz")


def test_problem_file_has_the_format_md_layers_structure(tmp_path):
    checkpoint = load_params(save_params(tmp_path / "toy.npz", _checkpoint()))
    problem = problem_from_params(checkpoint)
    text = problem_yaml(problem)
    parsed = yaml.safe_load(text)
    assert parsed == problem
    assert list(parsed) == ["title", "convention", "input", "target", "layers", "loss", "optimizer"]
    assert parsed["convention"] == "row" and parsed["loss"] == "cross_entropy" and parsed["target"] == 1
    assert parsed["optimizer"] == {"name": "sgd", "lr": 0.1}  # problem files have no weight decay
    assert parsed["input"] == [0.5, -1.0, 2.0]
    hidden, output = parsed["layers"]
    assert hidden["name"] == "hidden" and hidden["activation"] == {"name": "leaky_relu", "alpha": 0.1}
    assert output["activation"] == "identity"
    assert np.array(hidden["weights"]).shape == (3, 4) and np.array(hidden["bias"]).shape == (4,)
    # Shortest decimals that read back as the same float32 weights.
    np.testing.assert_array_equal(np.array(hidden["weights"], dtype=np.float32), checkpoint.model.layers[0].W.data)
    assert all(len(repr(v)) <= 16 for v in hidden["weights"][0])
    assert "weights: [[" in text and "- name: hidden" in text  # rows flow-style, structure block-style
    assert "activation: {name: leaky_relu, alpha: 0.1}" in text and "optimizer: {name: sgd, lr: 0.1}" in text


def test_problem_file_reproduces_the_networks_loss(tmp_path):
    # Rebuild the net from the emitted YAML with the engine in float64 and compare with the float32 checkpoint.
    checkpoint = _checkpoint()
    problem = yaml.safe_load(problem_yaml(problem_from_params(checkpoint)))
    net = MLP.from_specs(problem["layers"], convention=problem["convention"])
    rebuilt = loss("cross_entropy", net(Tensor(problem["input"])), np.eye(2)[problem["target"]])
    trained = checkpoint.model(Tensor(checkpoint.sample_input, dtype="float32"))
    expected = loss("cross_entropy", trained, np.eye(2, dtype=np.float32)[1])
    assert rebuilt.item() == pytest.approx(expected.item(), rel=1e-5)  # float32 vs float64


def test_problem_needs_a_sample():
    checkpoint = _checkpoint()
    checkpoint.sample_input = None
    with pytest.raises(ParamsError, match="no sample to explain"):
        problem_from_params(checkpoint)
    explicit = problem_from_params(checkpoint, x=[1.0, 2.0, 3.0], target=0, optimizer={"name": "adam", "lr": 0.5})
    assert explicit["input"] == [1.0, 2.0, 3.0] and explicit["optimizer"] == {"name": "adam", "lr": 0.5}


def test_emitted_problem_solves_to_pytorchs_training_step(tmp_path):
    # The emitted file through the problem loader and solver; the expected step computed in PyTorch float64.
    import torch

    from gradwork.problem import solve

    checkpoint = _checkpoint()
    path = tmp_path / "step.yaml"
    path.write_text(problem_yaml(problem_from_params(checkpoint)))
    solution = solve(path)

    problem = yaml.safe_load(path.read_text())
    (W1, b1), (W2, b2) = [(torch.tensor(layer["weights"], dtype=torch.float64, requires_grad=True),
                           torch.tensor(layer["bias"], dtype=torch.float64, requires_grad=True))
                          for layer in problem["layers"]]
    x = torch.tensor(problem["input"], dtype=torch.float64)
    logits = torch.nn.functional.leaky_relu(x @ W1 + b1, 0.1) @ W2 + b2
    loss_t = torch.nn.functional.cross_entropy(logits[None], torch.tensor([problem["target"]]))
    loss_t.backward()
    assert solution.loss_value == pytest.approx(loss_t.item(), rel=1e-12)
    for name, tensor in (("hidden.W", W1), ("hidden.b", b1), ("output.W", W2), ("output.b", b2)):
        np.testing.assert_allclose(solution.updated[name], (tensor - 0.1 * tensor.grad).detach().numpy(), rtol=1e-12)
