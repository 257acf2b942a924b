"""The key's items, and answers with a mistake planted in them, computed by check's mistake models.

The right answers are read from the solve; a planted mistake's answers are read
from check's replay of the same solve with that mistake made
(:mod:`gradwork.check.mistakes`), so a planted number is computed, never typed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import math

import numpy as np

from gradwork.check import Checker
from gradwork.check.mistakes import Variant
from gradwork.check.replay import Place, State
from gradwork.generate.scoring import tolerance_of
from gradwork.problem import Solution
from gradwork.problem.quantities import node_key, quantity_key

_MISSING: Any = object()
NOISE = 1e-12  # relative: below this a replay's number is the right one (floating-point noise)


@dataclass(frozen=True)
class Item:
    """One asked quantity: ``section`` loss | values | gradients | updated, a node name and an optional element."""

    section: str
    name: str | None
    index: tuple[int, ...] | None = None

    @property
    def key(self) -> str:
        return quantity_key(self.section, self.name, self.index)

    @property
    def entry(self) -> str:
        """The key inside its section of an answers file: ``hidden.W`` or ``"hidden.W[1,0]"``."""
        return node_key(self.name or "", self.index)


def asked(solution: Solution) -> list[Item]:
    """What the exercise asks: the problem's ``ask:``, else its values, loss, parameter gradients and updates."""
    ask = getattr(solution, "ask", ())
    if ask:
        return [Item(q.section, q.name, q.index) for q in ask]
    items: list[Item] = []
    leaves = set(solution.parameters)
    computed = [name for name, node in solution.nodes.items() if node.op is not None and name != "loss"]
    items += [Item("values", name) for name in computed if name in solution.values]
    if solution.loss_value is not None:
        items.append(Item("loss", None))
    wanted = list(solution.parameters) or [name for name, node in solution.nodes.items()
                                           if node.op is None and name not in leaves]
    items += [Item("gradients", name) for name in wanted if name in solution.gradients]
    items += [Item("updated", name) for name in solution.updated]
    return items


def answers(solution: Solution, items: list[Item]) -> dict[str, Any]:
    """The right answers to ``items`` as an answers file's data (docs/format.md), in the solve's mode."""
    out: dict[str, Any] = {}
    for item in items:
        if item.section == "loss":
            out["loss"] = solution.json_value(solution.loss_value)
            continue
        value = solution.json_value(getattr(solution, item.section)[item.name])
        if item.index is not None and np.ndim(value):
            value = np.asarray(value, dtype=object)[item.index]  # one element: a plain number
            value = value.tolist() if isinstance(value, np.ndarray) else value
        out.setdefault(item.section, {})[item.entry] = value
    return out


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """np.allclose(a, b, rtol=NOISE, atol=NOISE), on Python floats for a small array (a fraction of its cost)."""
    if a.size > 64:
        return bool(np.allclose(a, b, rtol=NOISE, atol=NOISE))
    for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
        if x == y:
            continue
        if not abs(x - y) <= NOISE + NOISE * abs(y) or abs(y) == math.inf:  # NaN fails here, as in allclose
            return False
    return True


class Planter:
    """Plants mistakes in one solved variant (a float solve) and reads the numbers they give."""

    def __init__(self, solution: Solution, items: list[Item]) -> None:
        self.solution = solution
        self.marker = Checker(solution)
        self.items = items
        self.tolerance = tolerance_of(solution)
        self._places: dict[Item, Place | None] = {}  # _read's: each item's place, and its quantity's shape and size
        self._shapes: dict[Item, tuple[tuple[int, ...], int]] = {}
        self.right = {item: self._read(self.marker.clean, item) for item in items}
        self._numbers: dict[int, dict[Item, np.ndarray | None] | None] = {}  # by id(variant): the marker keeps each

    def variants(self, code: str) -> list[Variant]:
        """The ways mistake ``code`` can be made here that replay the solve (one per site)."""
        found = [v for v in self.marker.variants if v.code == code and v.perturbation is not None]
        if code == "missed_path":  # the whole path, not one product-rule term of one element
            found = [v for v in found if "[" not in v.site]
        return found

    def numbers(self, variant: Variant) -> dict[Item, np.ndarray | None] | None:
        """The asked items' numbers with ``variant``'s mistake made (None: it cannot be made here); read once per
        variant (the constraints ask, then each planted case): callers only read them."""
        key = id(variant)
        if key not in self._numbers:
            state = self.marker.variant_state(variant)
            self._numbers[key] = None if state is None else {item: self._read(state, item) for item in self.items}
        return self._numbers[key]

    def changes(self, numbers: dict[Item, np.ndarray | None]) -> Iterator[Item]:
        """The items whose number the mistake changes at all (beyond floating-point noise), in order, one by one
        (a caller stops at the first it needs)."""
        for item, wrong in numbers.items():
            right = self.right[item]
            if wrong is None or right is None:
                continue
            a, b = np.asarray(wrong, dtype=float), np.asarray(right, dtype=float)
            if a.shape != b.shape or not _close(a, b):
                yield item

    def beyond_tolerance(self, numbers: dict[Item, np.ndarray | None], item: Item) -> bool:
        wrong, right = np.asarray(numbers[item], dtype=float), np.asarray(self.right[item], dtype=float)
        if wrong.shape != right.shape:
            return True
        return not bool(np.all(self.tolerance.passes(wrong, right)))

    def plant(self, code: str) -> tuple[Variant, dict[str, Any]] | None:
        """Answers to every item made with mistake ``code`` at its first site that changes an asked number."""
        for variant in self.variants(code):
            numbers = self.numbers(variant)
            if numbers is None or next(self.changes(numbers), None) is None:
                continue
            return variant, self._answers(numbers)
        return None

    def _answers(self, numbers: dict[Item, np.ndarray | None]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item, value in numbers.items():
            data = _json(value)
            if item.section == "loss":
                out["loss"] = data
            else:
                out.setdefault(item.section, {})[item.entry] = data
        return out

    def _read(self, state: State, item: Item) -> np.ndarray | None:
        place = self._places.get(item, _MISSING)
        if place is _MISSING:
            place = self._places[item] = self._place(item)
        full = None if place is None else state.read(place)
        if full is None:
            return None
        shaped = self._shapes.get(item)
        if shaped is None:
            shape = np.shape(self._reported(Item(item.section, item.name)))
            shaped = self._shapes[item] = (shape, int(np.prod(shape, dtype=int)))
        shape, size = shaped
        full = np.asarray(full)
        if full.size == size:
            full = full.reshape(shape)
        return full if item.index is None else np.asarray(full[item.index])

    def _place(self, item: Item) -> Place | None:
        """An item's place in the replays."""
        graph = self.marker.graph
        if item.section == "loss":
            place = Place("loss", graph.loss) if graph.loss is not None else None
        elif item.section == "updated":
            place = Place("updated", graph.params[item.name]) if item.name in graph.params else None
        else:
            node = graph.names.get(item.name)  # type: ignore[arg-type]
            place = None if node is None else Place("value" if item.section == "values" else "grad", node)
        return place

    def _reported(self, item: Item) -> Any:
        if item.section == "loss":
            return self.solution.loss_value
        value = getattr(self.solution, item.section)[item.name]
        return value if item.index is None else np.asarray(value, dtype=object)[item.index]


def visible(planter: Planter, code: str) -> bool:
    """Does every way of making mistake ``code`` that changes an asked number change it beyond the tolerance?"""
    for variant in planter.variants(code):
        numbers = planter.numbers(variant)
        if numbers is None:
            continue  # cannot be made here (a non-square W read transposed)
        changed = False
        for item in planter.changes(numbers):  # the first item changed beyond the tolerance settles it
            changed = True
            if planter.beyond_tolerance(numbers, item):
                break
        else:
            if changed:
                return False
    return True


def _json(value: Any) -> Any:
    array = np.asarray(value)
    if array.shape == ():
        return _leaf(array.item())
    return [_json(item) for item in array]


def _leaf(value: Any) -> Any:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)
