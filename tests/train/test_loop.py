"""fit / predict / evaluate: determinism, agreement with PyTorch training, digits accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from tests.lazy import lazy

from gradwork.nn import MLP, SGD
from gradwork.train import evaluate, fit, load_digits, predict, predict_classes, split

torch = lazy("torch")


def _blobs(n=40, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centers = rng.normal(scale=3.0, size=(classes, features))
    return centers[y] + rng.normal(size=(n, features)), y


def _params(model):
    return [p.data.copy() for p in model.parameters()]


def test_same_seed_same_training_other_seed_other_result():
    X, y = _blobs()
    runs = []
    for seed in (3, 3, 4):
        model = MLP.init([4, 8, 3], ["relu", "identity"], seed=0)
        history = fit(model, X, y, epochs=3, batch_size=8, seed=seed, optimizer={"name": "adam", "lr": 0.01})
        runs.append((_params(model), history.series("loss")))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    assert not np.array_equal(runs[0][0][0], runs[2][0][0])  # another batch order


def _torch_copy(model):
    layers = []
    for layer in model.layers:
        linear = torch.nn.Linear(*layer.W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W.data.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.b.data.copy()))
        layers.append(linear)
    return torch.nn.Sequential(layers[0], torch.nn.Tanh(), layers[1])


@pytest.mark.parametrize("optimizer,torch_factory", [
    ({"name": "adam", "lr": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01)),
    ({"name": "momentum", "lr": 0.05, "momentum": 0.9}, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9,
                                                                                  weight_decay=0.01)),
])
def test_fit_matches_pytorch_training_on_the_same_batches(optimizer, torch_factory):
    X, y = _blobs(n=10)
    model = MLP.init([4, 6, 3], ["tanh", "identity"], seed=1, dtype="float64")
    reference = _torch_copy(model)
    history = fit(model, X, y, epochs=2, batch_size=4, shuffle=False, optimizer=optimizer, weight_decay=0.01)

    opt = torch_factory(reference.parameters())
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    losses = []
    for _ in range(2):
        total = 0.0
        for start in range(0, 10, 4):  # batches of 4, 4, 2 in order
            opt.zero_grad()
            batch_loss = torch.nn.functional.cross_entropy(reference(X_t[start:start + 4]), y_t[start:start + 4])
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * len(X_t[start:start + 4])
        losses.append(total / 10)
    np.testing.assert_allclose(history.series("loss"), losses, rtol=1e-12)
    torch_params = [reference[0].weight.T, reference[0].bias, reference[2].weight.T, reference[2].bias]
    for ours, theirs in zip(_params(model), torch_params):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_digits_reaches_97_percent_validation_accuracy_in_20_epochs():
    data = load_digits()
    train, validation = split(data, 0.2, np.random.default_rng([0, 1]))
    model = MLP.init([64, 128, 64, 10], ["relu", "relu", "identity"], seed=0)
    history = fit(model, train.X, train.y, epochs=20, batch_size=32, optimizer={"name": "adam", "lr": 0.001},
                  validation=(validation.X, validation.y))
    # Accuracy recounted here from the predictions, not taken from fit's bookkeeping.
    accuracy = np.mean(predict(model, validation.X).argmax(axis=1) == validation.y)
    assert accuracy >= 0.97
    assert history.last.val_accuracy == pytest.approx(accuracy)
    assert history.series("loss")[-1] < history.series("loss")[0] / 10


def test_predict_evaluate_and_classes():
    X, y = _blobs(n=30)
    model = MLP.init([4, 8, 3], ["relu", "identity"], seed=2)
    fit(model, X, y, epochs=30, batch_size=10, optimizer={"name": "adam", "lr": 0.05})
    out = predict(model, X)
    assert out.shape == (30, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(predict_classes(model, X), out.argmax(axis=1))
    np.testing.assert_allclose(predict(model, X[0]), out[0], rtol=1e-6)
    loss, accuracy = evaluate(model, X, y)
    logits = out.astype(np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = -np.mean(shifted[np.arange(30), y] - np.log(np.exp(shifted).sum(axis=1)))
    assert loss == pytest.approx(expected, rel=1e-5)
    assert accuracy == np.mean(out.argmax(axis=1) == y) and accuracy > 0.9


def test_binary_bce_and_regression():
    X, y = _blobs(n=40, classes=2)
    binary = MLP.init([4, 6, 1], ["tanh", "sigmoid"], init="xavier", seed=0)
    history = fit(binary, X, y, loss="bce", epochs=40, batch_size=8, optimizer={"name": "adam", "lr": 0.05})
    assert history.last.accuracy > 0.9
    np.testing.assert_array_equal(predict_classes(binary, X), (predict(binary, X)[:, 0] > 0.5).astype(int))

    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(64, 2))
    yr = Xr @ np.array([1.5, -2.0]) + 0.5
    linear = MLP.init([2, 1], ["identity"], seed=0, dtype="float64")
    history = fit(linear, Xr, yr, loss="mse", epochs=200, batch_size=16, optimizer=SGD(linear.parameters(), lr=0.1))
    assert history.last.accuracy is None
    np.testing.assert_allclose(linear.layers[0].W.data[:, 0], [1.5, -2.0], atol=1e-6)
    np.testing.assert_allclose(linear.layers[0].b.data, [0.5], atol=1e-6)


def test_fit_rejects_mismatched_data():
    model = MLP.init([4, 3], ["identity"])
    with pytest.raises(ValueError, match="the data has 5 features but the network takes 4 inputs"):
        fit(model, np.zeros((2, 5)), np.zeros(2, dtype=int), epochs=1)


def test_single_unit_with_flat_weights_trains_like_a_column():
    # The seed 002 network (flat output weights): fit reshapes the targets to its [batch] output.
    from gradwork.nn import MLP as Net

    X, y = _blobs(n=24, features=2, classes=2, seed=3)
    net = Net.from_specs([
        {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "tanh"},
        {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
    ], convention="row")
    history = fit(net, X, y, loss="bce", epochs=30, batch_size=6, optimizer={"name": "adam", "lr": 0.05},
                  validation=(X, y))
    out = predict(net, X)
    assert out.shape == (24,)
    classes = predict_classes(net, X)
    np.testing.assert_array_equal(classes, (out > 0.5).astype(int))
    assert history.last.val_accuracy == pytest.approx(np.mean(classes == y)) and history.last.val_accuracy > 0.9
    assert predict_classes(net, X[0]) == classes[0]
