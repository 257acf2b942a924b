"""``fit`` trains a small float64 network on the compiled step's scalar back end, with the NumPy back end's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import gradwork.nn.compile_scalar as compiled
from gradwork.nn import MLP
from gradwork.train import fit


def _fit(optimizer):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(13, 3))  # 13 rows, batches of 4: the last batch (1 row) has a shape of its own
    y = rng.integers(0, 2, 13)
    model = MLP.init([3, 4, 2], ["tanh", "identity"], seed=3, dtype="float64")
    history = fit(model, X, y, loss="cross_entropy", epochs=3, batch_size=4, optimizer=optimizer, seed=5)
    return history.series("loss"), history.series("accuracy"), [p.data.copy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", {"name": "adam", "lr": 0.01}])
def test_fit_on_the_scalar_back_end_equals_fit_on_numpy(optimizer, monkeypatch):
    picked = []
    build = compiled.ScalarBuilder.build

    def recording(self):
        built = build(self)
        picked.append(None if built is None else built.backend)
        return built

    monkeypatch.setattr(compiled.ScalarBuilder, "build", recording)
    scalar = _fit(optimizer)
    assert picked and all(backend == "scalar" for backend in picked)  # every batch shape ran as floats
    monkeypatch.setattr(compiled, "SCALAR_MAX_OPERATIONS", -1)  # nothing fits the bound: NumPy
    picked.clear()
    numpy_ = _fit(optimizer)
    assert picked and all(backend is None for backend in picked)
    np.testing.assert_allclose(scalar[0], numpy_[0], rtol=1e-12)
    assert scalar[1] == numpy_[1]
    for a, b in zip(scalar[2], numpy_[2]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
