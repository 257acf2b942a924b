"""check's rounding (gradwork.check.rounding): significant figures on Python floats for a small array are NumPy's
numbers bit for bit (signed zeros included), and NumPy rounds what the shortcut leaves to it (a number at a power
of ten, one not finite)."""

from __future__ import annotations

import numpy as np

from gradwork.check import rounding
from gradwork.check.rounding import _cut, _round_small, round_significant
from tests.sampling import sample

# Random arrays compared with NumPy's rounding: the first 5,000 of the same draws in `make test`, 20,000 in
# `make test-full` (tests/sampling.py).
DRAWS = sample(5_000, 20_000)


def _numpys(array: np.ndarray, figures: int) -> np.ndarray:
    """round_significant's NumPy arithmetic, as the module writes it for any array."""
    a = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(a)
    safe = np.where(magnitude > 0, magnitude, 1.0)
    with np.errstate(all="ignore"):
        scale = 10.0 ** (figures - 1 - np.floor(np.log10(safe)))
        result = np.where(magnitude > 0, _cut(a * scale, "round") / scale, 0.0)
    return result.astype(array.dtype, copy=False)


def _draw(rng: np.random.Generator, k: int) -> np.ndarray:
    shape = [(), (2,), (2, 2), (3,), (4, 4)][k % 5]
    kind = k % 4
    if kind == 0:
        a = rng.normal(size=shape) * 10.0 ** rng.integers(-9, 9)
    elif kind == 1:
        a = np.round(rng.normal(size=shape), int(rng.integers(0, 4)))
    elif kind == 2:  # halves at the rounding digit: 0.125 to 2 figures
        a = (rng.integers(-2000, 2000, size=shape) + 0.5) / 10.0 ** rng.integers(0, 6)
    else:
        a = rng.choice([0.0, -0.0, 1.0, 0.1, 10.0, 0.005, 0.015, 0.25, 1e-7, 99.95, 0.9995, -2.5], size=shape)
    return np.asarray(a, dtype=np.float64)


def test_small_arrays_round_to_numpys_numbers_bit_for_bit():
    rng = np.random.default_rng(26)
    shortcut = 0
    for k in range(DRAWS):
        array, figures = _draw(rng, k), int(rng.integers(1, 7))
        found = _round_small(array, figures) if array.size <= rounding.SMALL else None
        want = _numpys(array, figures)
        if found is not None:
            shortcut += 1
            assert found.shape == want.shape and found.dtype == want.dtype
            assert np.array_equal(found.view(np.int64), want.view(np.int64)), (array, figures, found, want)
        got = round_significant(array, figures)
        assert np.array_equal(got.view(np.int64), want.view(np.int64))
    assert shortcut > DRAWS // 2  # most arrays take the shortcut


def test_powers_of_ten_and_numbers_not_finite_are_left_to_numpy():
    for numbers in ([1.0], [0.1, 0.37], [1000.0], [np.inf], [np.nan, 1.5], [1e-310]):
        array = np.array(numbers)
        assert _round_small(array, 3) is None
        with np.errstate(all="ignore"):
            got, want = round_significant(array, 3), _numpys(array, 3)
        assert np.array_equal(got, want, equal_nan=True)


def test_other_modes_and_exact_numbers_are_unchanged_paths():
    array = np.array([0.125, -0.375])
    assert round_significant(array, 2, "truncate").tolist() == [0.12, -0.37]
    assert round_significant(array, 2, "round").tolist() == [0.13, -0.38]
    exact = np.array([1, 2], dtype=object)
    assert round_significant(exact, 2) is exact
