"""Data sets: CSV, .npz, digits; splitting, batching and target encoding."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.train.data import (
    DataError, Dataset, encode_targets, load_csv, load_dataset, load_digits, load_npz, minibatches, split,
)


def test_csv_with_numeric_labels(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x1,label,x2\n1.5,0,2\n-3,2,0.25\n\n4,1,1e-3\n")
    data = load_csv(path, "label")
    np.testing.assert_array_equal(data.X, [[1.5, 2.0], [-3.0, 0.25], [4.0, 0.001]])
    np.testing.assert_array_equal(data.y, [0, 2, 1])
    assert data.y.dtype == np.int64 and data.is_classification and data.classes == 3


def test_csv_with_named_classes_and_regression_targets(tmp_path):
    named = tmp_path / "flowers.csv"
    named.write_text("petal,species\n1.0,versicolor\n2.0,setosa\n3.0,versicolor\n")
    data = load_dataset({"csv": "flowers.csv", "target": "species"}, base=tmp_path)
    assert data.class_names == ["setosa", "versicolor"]
    np.testing.assert_array_equal(data.y, [1, 0, 1])
    assert data.classes == 2
    numeric = tmp_path / "prices.csv"
    numeric.write_text("size,price\n1,0.5\n2,1.25\n")
    prices = load_csv(numeric, "price")
    assert prices.y.dtype == np.float64 and not prices.is_classification and prices.classes is None


@pytest.mark.parametrize("text,target,message", [
    ("a,b\n1,2\n", "c", r"bad.csv:1:1: no column named 'c' \(columns: a, b\)"),
    ("a,b,y\n1,2,0\n1,abc,1\n", "y",
     r"bad.csv:3:3: 'abc' is not a number \(expected a numeric feature in column 'b'\)"),
    ("a,y\n1,0\n1,2,3\n", "y", r"bad.csv:3:1: 3 cells \(expected 2, as in the header\)"),
    ("a,y\n", "y", r"bad.csv: no data rows"),
    ("", "y", r"bad.csv: empty file"),
])
def test_csv_errors_point_at_the_cell(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_csv(path, target)


def test_npz_round_trip_and_errors(tmp_path):
    X = np.arange(12.0).reshape(4, 3)
    np.savez(tmp_path / "d.npz", X=X, y=np.array([0.0, 1.0, 1.0, 0.0]))
    data = load_dataset({"npz": "d.npz"}, base=tmp_path)
    np.testing.assert_array_equal(data.X, X)
    assert data.y.dtype == np.int64 and data.classes == 2  # whole-number float labels are classes
    np.savez(tmp_path / "no_y.npz", X=X)
    with pytest.raises(DataError, match=r"no_y.npz: no array named 'y' \(expected arrays X and y; found X\)"):
        load_npz(tmp_path / "no_y.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(DataError, match="junk.npz: not a readable .npz archive"):
        load_npz(tmp_path / "junk.npz")
    with pytest.raises(DataError, match="missing.npz"):
        load_npz(tmp_path / "missing.npz")


def test_digits_ships_offline_scaled_to_unit_interval():
    data = load_digits()
    assert data.X.shape == (1797, 64) and data.classes == 10
    assert data.X.min() == 0.0 and data.X.max() == 1.0
    assert load_dataset("digits").X.shape == (1797, 64)
    with pytest.raises(DataError, match="unknown data set 'mnist'"):
        load_dataset("mnist")


def test_split_is_deterministic_and_disjoint():
    data = Dataset(np.arange(20.0)[:, None], np.arange(20) % 3)
    train_a, val_a = split(data, 0.25, np.random.default_rng(5))
    train_b, val_b = split(data, 0.25, np.random.default_rng(5))
    np.testing.assert_array_equal(val_a.X, val_b.X)
    assert len(val_a) == 5 and len(train_a) == 15
    assert sorted(np.concatenate([train_a.X, val_a.X]).ravel()) == list(range(20))
    whole, none = split(data, 0.0, np.random.default_rng(0))
    assert none is None and len(whole) == 20
    with pytest.raises(ValueError):
        split(data, 1.0, np.random.default_rng(0))


def test_minibatches_cover_every_sample_once():
    rng = np.random.default_rng(0)
    batches = list(minibatches(10, 4, rng))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))
    in_order = list(minibatches(10, 4, None))
    assert in_order == [slice(0, 4), slice(4, 8), slice(8, 12)]


def test_encode_targets():
    np.testing.assert_array_equal(encode_targets(np.array([2, 0]), "cross_entropy", 3),
                                  [[0, 0, 1], [1, 0, 0]])
    assert encode_targets(np.array([1, 0]), "bce", 1).shape == (2, 1)
    assert encode_targets(np.ones((2, 3)), "mse", 3).dtype == np.float32
    with pytest.raises(DataError, match="targets include class 3 but the output layer has 3 units"):
        encode_targets(np.array([3]), "cross_entropy", 3)
    with pytest.raises(DataError, match="one target per sample but the output layer has 2 units"):
        encode_targets(np.array([0.5]), "mse", 2)
