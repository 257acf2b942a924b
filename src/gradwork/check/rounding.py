"""Rounding numbers as students do (to significant figures or decimal places, a half away from zero, as floating
point does, or cut off): what a replay that rounds every number carries on, and what check's rounding models
write down."""

from __future__ import annotations

from typing import Literal

import numpy as np

Rounding = Literal["round", "round_even", "truncate"]


def round_significant(array: np.ndarray, figures: int, mode: Rounding = "round") -> np.ndarray:
    """``array`` rounded (or truncated toward zero) to ``figures`` significant figures; exact/symbolic unchanged."""
    if not isinstance(array, np.ndarray) or array.dtype == object:
        return array
    a = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(a)
    safe = np.where(magnitude > 0, magnitude, 1.0)
    scale = 10.0 ** (figures - 1 - np.floor(np.log10(safe)))
    cut = _cut(a * scale, mode)
    result = np.where(magnitude > 0, cut / scale, 0.0)
    return result.astype(array.dtype, copy=False)


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

