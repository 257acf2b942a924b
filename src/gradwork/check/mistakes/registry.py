"""The registry of mistake models (:data:`MISTAKES`, :func:`mistake`) and what a model yields: :class:`Variant` s,
and the :class:`Look` an observer gets at one answered item. The models themselves: :mod:`gradwork.check.mistakes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from gradwork.numbers.tolerance import Tolerance
from gradwork.check.convert import element
from gradwork.check.replay import Graph, Perturbation, Place, State

Observer = Callable[["Look"], Iterable[np.ndarray]]


@dataclass(frozen=True)
class Variant:
    """One way a model's mistake can happen in this problem."""

    code: str
    site: str  # where, in the problem's names: "output.a", "hidden.W", "hidden.b"
    note: str  # what the student did here, e.g. "used only the diagonal of softmax's Jacobian at output.a"
    perturbation: Perturbation | None = None
    observe: Observer | None = None
    combines: bool = False  # an observer also tried on top of each replayed mistake (not only the correct solve)
    rule: str | None = None  # the correct rule where it depends on the place (the loss as written); else the model's
    reveals: str = ""  # more of the note that gives the answer away (the right update's numbers): shown only with it
    generic: bool | None = None  # a catch-all here? None: as its model (a factor at a squared loss is specific)
    again_only: bool = False  # explains a number only as the same mistake again, once it has been charged

    @property
    def catch_all(self) -> bool:
        return MISTAKES[self.code].generic if self.generic is None else self.generic


@dataclass(frozen=True)
class Look:
    """What an ``observe`` function sees: one answered item and a solve's number for it."""

    graph: Graph
    state: State
    place: Place
    index: tuple[int, ...] | None
    given: np.ndarray
    tolerance: Tolerance

    @property
    def predicted(self) -> np.ndarray | None:
        return self.read(self.place)

    def read(self, place: Place) -> np.ndarray | None:
        full = self.state.read(place)
        if full is None or self.index is None:
            return full
        return np.asarray(full[element(self.index, full)])  # a one-unit scalar takes [0] as well


@dataclass(frozen=True)
class Mistake:
    code: str
    rule: str
    variants: Callable[[Graph], Iterable[Variant]]
    generic: bool = False


MISTAKES: dict[str, Mistake] = {}


def mistake(code: str, rule: str, generic: bool = False) -> Callable[[Callable[[Graph], Iterable[Variant]]], Callable]:
    """Register a mistake model under its docs/format.md diagnosis ``code``."""
    def register(function: Callable[[Graph], Iterable[Variant]]) -> Callable[[Graph], Iterable[Variant]]:
        if code in MISTAKES:
            raise ValueError(f"mistake {code!r} is registered twice")
        MISTAKES[code] = Mistake(code, rule, function, generic)
        return function
    return register


def variants_for(graph: Graph) -> list[Variant]:
    """Every variant of every registered model that fits this problem, in registry order."""
    return [variant for model in MISTAKES.values() for variant in model.variants(graph)]
