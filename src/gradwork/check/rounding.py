"""Rounding numbers as students do (to significant figures or decimal places, a half away from zero, as floating
point does, or cut off): what a replay that rounds every number carries on, and what check's rounding models
write down."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

Rounding = Literal["round", "round_even", "truncate"]


def round_significant(array: np.ndarray, figures: int, mode: Rounding = "round") -> np.ndarray:
    """``array`` rounded (or truncated toward zero) to ``figures`` significant figures; exact/symbolic unchanged."""
    if not isinstance(array, np.ndarray) or array.dtype == object:
        return array
    if mode == "round" and array.dtype is _F64 and array.size <= SMALL:
        found = _round_small(array, figures)
        if found is not None:
            return found
    a = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(a)
    safe = np.where(magnitude > 0, magnitude, 1.0)
    scale = 10.0 ** (figures - 1 - np.floor(np.log10(safe)))
    cut = _cut(a * scale, mode)
    result = np.where(magnitude > 0, cut / scale, 0.0)
    return result.astype(array.dtype, copy=False)


SMALL = 16  # arrays of at most this many float64 numbers are rounded on Python floats (see _round_small)
_F64 = np.dtype(np.float64)
_SCALES: dict[float, float] = {}  # 10.0 ** k as NumPy computes it, by k


def _round_small(array: np.ndarray, figures: int) -> np.ndarray | None:
    """:func:`round_significant` of a small float64 array, "round" mode, on Python floats: the same numbers.

    Each step is the NumPy version's own operation on the same float: the
    power of ten is NumPy's (kept per exponent), the product, floor, sign and
    quotient are exact IEEE operations in both. Only the exponent,
    floor(log10 |x|), comes from another log10 (Python's): None (NumPy does
    it all) when a number is within 1e-9 of a power of ten in log10, where two
    log10 implementations could disagree about the floor, and for numbers
    that are not finite or out of [1e-300, 1e300].
    """
    out: list[float] = []
    for x in array.ravel().tolist():
        m = abs(x)
        if m == 0.0:
            out.append(0.0)
            continue
        if not 1e-300 <= m <= 1e300:  # (NaN fails this too)
            return None
        exponent = math.log10(m)
        below = math.floor(exponent)
        if exponent - below < 1e-9 or below + 1 - exponent < 1e-9:
            return None
        k = float(figures - 1 - below)
        scale = _SCALES.get(k)
        if scale is None:
            if len(_SCALES) > 4096:
                _SCALES.clear()
            scale = _SCALES[k] = float((10.0 ** np.array([k]))[0])
        y = x * scale
        cut = float(math.floor(y + 0.5)) if y > 0 else -float(math.floor(-y + 0.5))
        out.append(cut / scale)
    return np.array(out[0]) if not array.shape else np.array(out).reshape(array.shape)


def round_decimals(array: np.ndarray, places: int, mode: Rounding = "round") -> np.ndarray:
    """``array`` rounded (or truncated toward zero) to ``places`` decimal places."""
    if not isinstance(array, np.ndarray) or array.dtype == object:
        return array
    scale = 10.0 ** places
    a = np.asarray(array, dtype=np.float64)
    cut = _cut(a * scale, mode)
    return (cut / scale).astype(array.dtype, copy=False)


def _cut(x: np.ndarray, mode: Rounding) -> np.ndarray:
    """To whole numbers: "round" as students do (a half away from zero: 0.325 to 2 figures is 0.33, not
    NumPy's 0.32), "round_even" as floating point does (0.105, stored as 0.10499..., becomes 0.1),
    "truncate" toward zero."""
    if mode == "truncate":
        return np.trunc(x)
    if mode == "round_even":
        return np.round(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)

