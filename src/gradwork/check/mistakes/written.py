"""Mistake models of writing numbers down (two entries swapped, a number rounded too soon) and the rounding
arithmetic they and the checker share (:data:`ROUNDINGS`, :func:`round_half_down`, :func:`last_figure_units`).
Registered in :mod:`gradwork.check.mistakes`.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from collections.abc import Iterator
from typing import Any

import numpy as np

from gradwork.check.mistakes.registry import Look, Variant, mistake
from gradwork.check.replay import Graph, Perturbation
from gradwork.check.rounding import Rounding, _cut, round_decimals, round_significant


# ---------------------------------------------------------------- models of writing numbers down
@mistake("swapped_entries", "Each entry has its own place: check which index is the row and which the column.",
         per_form=True)
def swapped_entries(graph: Graph) -> Iterator[Variant]:
    def swap_two(look: Look) -> Iterator[np.ndarray]:
        predicted = look.predicted
        if predicted is None or predicted.size < 2 or predicted.shape != look.given.shape:
            return
        wrong = np.flatnonzero(~look.tolerance.passes(look.given, predicted))
        if len(wrong) == 2:
            swapped = predicted.copy().reshape(-1)
            a, b = wrong
            if predicted.ndim == 2 and np.unravel_index(b, predicted.shape) == \
                    np.unravel_index(a, predicted.shape)[::-1]:
                return  # two entries mirrored across the diagonal: the matrix written transposed (its own model)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            yield swapped.reshape(predicted.shape)

    yield Variant("swapped_entries", "entries", "your array is the expected one with two entries swapped",
                  observe=swap_two)


@mistake("rounding",
         "Keep full precision in intermediate steps and round only the final answer, to the nearest digit "
         "(not truncated).", generic=True, per_form=True)
def rounding(graph: Graph) -> Iterator[Variant]:
    if graph.backend.name != "float":
        return

    def rounded_at_the_end(look: Look) -> Iterator[np.ndarray]:
        predicted = look.predicted
        if predicted is None or predicted.dtype == object:
            return
        places = look.tolerance.places if look.tolerance.kind != "rtol" else 6
        # Only worth trying if the answer is near the prediction at all (one digit of the coarsest rounding).
        reach = float(np.max(np.abs(predicted), initial=0.0))  # no rounding moves a number further than this
        reach = max(reach, 1.0) if look.tolerance.kind == "digits" else max(reach, 1e-12)
        if np.shape(look.given) == predicted.shape and not np.all(
                np.abs(look.given - predicted)[np.isfinite(look.given)] <= reach):
            return
        same_shape = np.shape(look.given) == predicted.shape and look.given.dtype != object
        ways, stacks = _roundings(predicted, look.tolerance.kind, places)
        nearest = None
        if same_shape and predicted.size > 1:
            # Each number rounded on its own, a half either way: 0.675 is 0.67 to a program that rounds its
            # binary value and 0.68 on a calculator, so each element takes the one nearest what was written
            # (for every precision at once: stacks[k] is precision k's [rounded, rounded half down]).
            chosen = np.argmin(np.abs(stacks - np.asarray(look.given, dtype=np.float64)), axis=1)
            nearest = np.take_along_axis(stacks, chosen[:, None], axis=1)[:, 0].astype(predicted.dtype, copy=False)
        for k, rounded in enumerate(ways):
            yield from rounded
            if nearest is not None:
                yield nearest[k]

    def rounded_along_the_way(look: Look) -> Iterator[np.ndarray]:
        # A student who rounds every number to f figures also rounds numbers nobody asked for (2(y - t) before
        # the batch's 1/n): the answer drifts a few units of its own last figure from what their written numbers
        # give. Only as the same rounding again, once it has been charged.
        predicted, given = look.predicted, look.given
        if predicted is None or predicted.dtype == object or given.dtype == object or \
                np.shape(given) != np.shape(predicted):
            return
        band = DRIFT_UNITS * last_figure_units(given)
        yield predicted + np.clip(given - predicted, -band, band)

    yield Variant("rounding", "final answer", "your number is the right result rounded or cut off too early",
                  observe=rounded_at_the_end)
    yield Variant("rounding", "along the way", "your number follows from your own numbers rounded along the way",
                  observe=rounded_along_the_way, again_only=True)
    for figures in (2, 3):
        yield Variant("rounding", "intermediate values",
                      f"your number follows from intermediate values rounded to {figures} significant figures",
                      Perturbation(round_to=figures))


ROUNDINGS: tuple[Rounding, ...] = ("round", "round_even", "truncate")
_ROUNDED: dict[tuple[Any, ...], tuple[list[list[np.ndarray]], np.ndarray]] = {}
_ROUNDED_KEPT = 4096  # predictions whose roundings are kept (the correct solve's, shared by a whole class)


def _roundings(predicted: np.ndarray, kind: str, places: int) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """rounded_at_the_end's numbers that do not depend on the answer, computed once per prediction (a class's
    students are diagnosed against the same solve): per precision, the prediction in each of the ROUNDINGS, and
    the stack [rounded, rounded a half toward zero] (float64; one row per precision). Read-only arrays."""
    key = (kind, places, predicted.dtype.str, predicted.shape, predicted.tobytes())
    found = _ROUNDED.get(key)
    if found is not None:
        return found
    decimals = kind == "digits"
    precisions = range(0 if decimals else 1, places + 1)
    if not isinstance(predicted, np.ndarray):  # a NumPy scalar, which the rounding functions leave as it is
        ways = [[round_decimals(predicted, precision, mode) if decimals else
                 round_significant(predicted, precision, mode) for mode in ROUNDINGS] for precision in precisions]
        return ways, np.zeros(0)
    # round_decimals / round_significant / round_half_down for every precision and mode at once: each
    # precision's scale is computed exactly as they compute it (the same NumPy call on the same array), the rest
    # is exact elementwise arithmetic (products, quotients, floor, rint, trunc), the same numbers on one stack.
    a = np.asarray(predicted, dtype=np.float64)
    magnitude = np.abs(a)
    with np.errstate(all="ignore"):
        if decimals:
            scales = np.array([np.full_like(a, 10.0 ** precision) for precision in precisions])
        else:
            exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
            scales = np.array([10.0 ** (precision - 1 - exponent) for precision in precisions])
        x = a * scales
        by_mode = [_cut(x, mode) / scales for mode in ROUNDINGS]
        if not decimals:  # round_significant: 0 stays 0
            by_mode = [np.where(magnitude > 0, cut, 0.0) for cut in by_mode]
        by_mode = [cut.astype(predicted.dtype, copy=False) for cut in by_mode]
        ways = [[cut[k, ...] for cut in by_mode] for k in range(len(precisions))]
        stack = np.zeros(0)
        if predicted.size > 1:
            y = magnitude * scales
            down = np.sign(a) * np.maximum(np.ceil(y - 0.5 - 1e-9 * np.maximum(y, 1.0)), 0.0) / scales
            stack = np.stack([np.asarray(by_mode[0], dtype=np.float64), down], axis=1)
    for array in (*(a for row in ways for a in row), stack):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    if len(_ROUNDED) >= _ROUNDED_KEPT:
        _ROUNDED.clear()
    _ROUNDED[key] = (ways, stack)
    return ways, stack


DRIFT_UNITS = 2.5  # how far (in units of its last written figure) rounding along the way may move a number


def last_figure_units(given: np.ndarray) -> np.ndarray:
    """One unit of the last figure of each number as written (0.75 -> 0.01, 12 -> 1, 0.0 -> 0); NaN (blank): 0."""
    out = np.zeros(np.shape(given), dtype=np.float64)
    flat = np.asarray(given, dtype=np.float64).reshape(-1)
    for k, value in enumerate(flat.tolist()):
        if value == value and value not in (math.inf, -math.inf) and value != 0:
            unit = _last_figure_unit(value)
            if unit is not None:
                out.reshape(-1)[k] = unit
    return out


@functools.lru_cache(maxsize=8192)
def _last_figure_unit(value: float) -> float | None:
    """One unit of the last figure of a finite, non-zero number (None where Decimal gives no integer exponent);
    a class writes the same numbers again and again."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return 10.0 ** exponent if isinstance(exponent, int) else None


def round_half_down(array: np.ndarray, precision: int, decimals: bool) -> np.ndarray:
    """``array`` to ``precision`` decimal places or significant figures, a half (or a hair over: floating-point
    noise) toward zero: 0.675 and 0.67500000001 become 0.67; the other halves are rounded as usual."""
    a = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(a)
    if decimals:
        scale = np.full_like(a, 10.0 ** precision)
    else:
        safe = np.where(magnitude > 0, magnitude, 1.0)
        scale = 10.0 ** (precision - 1 - np.floor(np.log10(safe)))
    y = magnitude * scale
    return np.sign(a) * np.maximum(np.ceil(y - 0.5 - 1e-9 * np.maximum(y, 1.0)), 0.0) / scale
