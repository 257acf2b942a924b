"""Data sets for training: scikit-learn's ``digits``, CSV files, ``.npz`` files.

A :class:`Dataset` is a feature matrix ``X`` (one sample per row) and targets
``y``: class indices (``int``) for classification, numbers for regression.
:func:`encode_targets` turns ``y`` into the array a loss compares the
network's output with (one-hot rows for ``cross_entropy``).

Errors name the file and, where there is one, the line and column:
``data.csv:4:9: 'abc' is not a number (expected a numeric feature)``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.documents.errors import GradworkError, ProblemError
from gradwork.documents.files import read_text
from gradwork.documents.npz import read_npz, unlocated


class DataError(GradworkError, ValueError):
    """A data set that cannot be loaded; the message starts with FILE or FILE:LINE:COL."""


@dataclass
class Dataset:
    """Features ``X`` [samples, features] and targets ``y`` [samples] or [samples, outputs]."""

    X: np.ndarray
    y: np.ndarray
    name: str = "data"
    class_names: list[str] | None = field(default=None)  # for string labels read from a CSV file

    def __post_init__(self) -> None:
        if self.X.ndim != 2:
            raise DataError(f"{self.name}: X must be a matrix with one sample per row, not shape {self.X.shape}")
        if len(self.y) != len(self.X):
            raise DataError(f"{self.name}: X has {len(self.X)} samples but y has {len(self.y)}")

    def __len__(self) -> int:
        return len(self.X)

    @property
    def features(self) -> int:
        return self.X.shape[1]

    @property
    def is_classification(self) -> bool:
        return self.y.ndim == 1 and np.issubdtype(self.y.dtype, np.integer)

    @property
    def classes(self) -> int | None:
        """How many classes (labels are 0 .. classes - 1), or None for regression targets."""
        if not self.is_classification:
            return None
        return len(self.class_names) if self.class_names else int(self.y.max()) + 1

    def subset(self, indices: np.ndarray) -> Dataset:
        return Dataset(self.X[indices], self.y[indices], self.name, self.class_names)


# ------------------------------------------------------------------ loaders


def load_digits() -> Dataset:
    """scikit-learn's 8x8 handwritten digits (1797 samples, 10 classes; shipped with scikit-learn, no download).

    Pixel intensities 0..16 are scaled to [0, 1].
    """
    from sklearn.datasets import load_digits as sklearn_digits  # imported here: scikit-learn is slow to import

    bunch = sklearn_digits()
    return Dataset(bunch.data / 16.0, bunch.target.astype(np.int64), "digits")


def load_csv(path: str | Path, target: str) -> Dataset:
    """A CSV file with a header row; ``target`` names the column to predict, the other columns are features.

    Features must be numbers. Targets that are all integers are class indices;
    other numbers are regression targets; words are class names, numbered in
    sorted order.
    """
    path = Path(path)
    try:  # a regular file within the file-size limit (a FIFO or /dev/zero is refused unread), UTF-8
        text = read_text(path, "CSV file", "a CSV file with a header row")
    except ProblemError as error:
        raise DataError(str(error)) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataError(f"{path}: empty file (expected a header row naming the columns)")
    header = [name.strip() for name in rows[0]]
    if target not in header:
        raise DataError(f"{path}:1:1: no column named {target!r} (columns: {', '.join(header)})")
    target_column = header.index(target)
    lines = text.splitlines()
    features: list[list[float]] = []
    targets: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"{path}:{number}:1: {len(row)} cells (expected {len(header)}, as in the header)")
        values = []
        for column, cell in enumerate(row):
            if column == target_column:
                targets.append(cell.strip())
                continue
            try:
                values.append(float(cell))
                if not math.isfinite(values[-1]):  # "nan", "inf": training on them only spreads NaN
                    raise ValueError(cell)
            except ValueError:
                col = _cell_column(lines[number - 1], column)
                raise DataError(f"{path}:{number}:{col}: {cell.strip()!r} is not a number "
                                f"(expected a numeric feature in column {header[column]!r})") from None
        features.append(values)
    if not features:
        raise DataError(f"{path}: no data rows (expected at least one row after the header)")
    y, class_names = _parse_targets(targets)
    return Dataset(np.asarray(features, dtype=np.float64), y, path.name, class_names)


def _cell_column(line: str, index: int) -> int:
    """The 1-based character column where cell ``index`` starts (quoted cells with commas are rare here)."""
    column = 1
    for _ in range(index):
        position = line.find(",", column - 1)
        if position < 0:
            break
        column = position + 2
    return column


def _parse_targets(cells: list[str]) -> tuple[np.ndarray, list[str] | None]:
    try:
        numbers = np.asarray([float(c) for c in cells])
        if not np.all(np.isfinite(numbers)):
            raise ValueError("not finite")  # "nan" targets are names of a class, not numbers
    except ValueError:
        names = sorted(set(cells))
        index = {name: i for i, name in enumerate(names)}
        return np.asarray([index[c] for c in cells], dtype=np.int64), names
    if np.all(numbers == np.round(numbers)) and numbers.min() >= 0:
        return numbers.astype(np.int64), None
    return numbers, None


def load_npz(path: str | Path) -> Dataset:
    """A NumPy ``.npz`` archive with arrays ``X`` [samples, features] and ``y``."""
    path = Path(path)
    try:  # a regular file; only X and y read, each after its header was checked against the limits
        arrays = read_npz(path, ["X", "y"], what=".npz archive", strings=["y"])
    except ProblemError as error:
        raise DataError(unlocated(error)) from None
    X, y = arrays["X"], arrays["y"]
    if X.ndim == 1:
        X = X[:, None]
    if not np.issubdtype(X.dtype, np.number):
        raise DataError(f"{path}: X holds {X.dtype} values (expected numbers)")
    for key, array in (("X", X), ("y", y)):
        if np.issubdtype(array.dtype, np.number) and not np.all(np.isfinite(array)):
            raise DataError(f"{path}: {key} has NaN or infinite values (expected finite numbers)")
    if np.issubdtype(y.dtype, np.floating) and y.ndim == 1 and np.all(y == np.round(y)) and y.min() >= 0:
        y = y.astype(np.int64)
    return Dataset(X.astype(np.float64), y, path.name)


def load_dataset(spec: str | dict[str, Any], base: str | Path = ".") -> Dataset:
    """The data set a training config names: ``"digits"``, ``{csv: FILE, target: COLUMN}`` or ``{npz: FILE}``.

    Relative paths are read from ``base`` (the config file's folder).
    """
    if isinstance(spec, str):
        spec = {"name": spec}
    base = Path(base)
    if "csv" in spec:
        return load_csv(base / spec["csv"], spec["target"])
    if "npz" in spec:
        return load_npz(base / spec["npz"])
    if spec.get("name") == "digits":
        return load_digits()
    raise DataError(f"unknown data set {spec.get('name')!r} (expected digits, {{csv: FILE, target: COLUMN}} "
                    "or {npz: FILE})")


# ------------------------------------------------------------------ splitting and batching


def split(dataset: Dataset, validation: float, rng: np.random.Generator) -> tuple[Dataset, Dataset | None]:
    """Shuffle with ``rng`` and hold out a ``validation`` fraction (0 <= validation < 1) for validation."""
    if not 0 <= validation < 1:
        raise ValueError(f"validation must be a fraction in [0, 1), not {validation}")
    held_out = int(round(len(dataset) * validation))
    if held_out == 0:
        return dataset, None
    order = rng.permutation(len(dataset))
    return dataset.subset(order[held_out:]), dataset.subset(order[:held_out])


def minibatches(n: int, batch_size: int, rng: np.random.Generator | None) -> Iterator[slice | np.ndarray]:
    """Index slices of one epoch over ``n`` samples, in a random order when ``rng`` is given; the last may be short."""
    if rng is None:
        for start in range(0, n, batch_size):
            yield slice(start, start + batch_size)
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def encode_targets(y: np.ndarray, loss: str, outputs: int, dtype: Any = np.float32) -> np.ndarray:
    """The array the loss compares with the network's [samples, outputs] output.

    ``cross_entropy`` turns class indices into one-hot rows; for other losses a
    vector of targets becomes one column.
    """
    if y.ndim == 1 and loss == "cross_entropy":
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError("cross_entropy needs class indices as targets (integers 0, 1, ...)")
        if y.max() >= outputs:
            raise DataError(f"targets include class {int(y.max())} but the output layer has {outputs} units "
                            f"(expected at least {int(y.max()) + 1})")
        encoded = np.zeros((len(y), outputs), dtype=dtype)
        encoded[np.arange(len(y)), y] = 1
        return encoded
    if y.ndim == 1:
        if outputs != 1:
            raise DataError(f"one target per sample but the output layer has {outputs} units (expected 1)")
        return y.astype(dtype)[:, None]
    if y.shape[1] != outputs:
        raise DataError(f"targets have {y.shape[1]} columns but the output layer has {outputs} units")
    return y.astype(dtype)
