"""The registry of mistake models (:data:`MISTAKES`, :func:`mistake`) and what a model yields: :class:`Variant` s,
and the :class:`Look` an observer gets at one answered item. The models themselves: :mod:`gradwork.check.mistakes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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
    # Its variants depend only on the problem's form (see structure_key), not its numbers: made once per form.
    per_form: bool = False


MISTAKES: dict[str, Mistake] = {}


def mistake(code: str, rule: str, generic: bool = False,
            per_form: bool = False) -> Callable[[Callable[[Graph], Iterable[Variant]]], Callable]:
    """Register a mistake model under its docs/format.md diagnosis ``code``.

    ``per_form=True``: the model reads only what :func:`structure_key` holds (ops, their options, shapes, names,
    notation, convention, optimizer settings), never a number of the problem, and its variants' functions use
    nothing of the graph: its variants are made once and shared by every problem of that form (every variant
    of a template).
    """
    def register(function: Callable[[Graph], Iterable[Variant]]) -> Callable[[Graph], Iterable[Variant]]:
        if code in MISTAKES:
            raise ValueError(f"mistake {code!r} is registered twice")
        MISTAKES[code] = Mistake(code, rule, function, generic, per_form)
        return function
    return register


def variants_for(graph: Graph) -> list[Variant]:
    """Every variant of every registered model that fits this problem, in registry order."""
    shared = _shared_variants(graph)
    return [variant for model in MISTAKES.values()
            for variant in (shared[model.code] if model.per_form else model.variants(graph))]


_FORMS: dict[Any, tuple[tuple[Any, ...], dict[str, list[Variant]]]] = {}  # by structure_key: (ops, variants)
MAX_FORMS = 64


def _shared_variants(graph: Graph) -> dict[str, list[Variant]]:
    """The per-form models' variants for this graph's form, made for the first graph of that form."""
    key, ops = structure_key(graph)
    found = _FORMS.get(key)
    if found is None or any(a is not b for a, b in zip(found[0], ops)):  # (ops by identity: kept alive here)
        if len(_FORMS) >= MAX_FORMS:
            _FORMS.clear()
        found = _FORMS[key] = (ops, {model.code: list(model.variants(graph)) for model in MISTAKES.values()
                                     if model.per_form})
    return found[1]


def structure_key(graph: Graph) -> tuple[Any, tuple[Any, ...]]:
    """What a per-form model may read of a problem, without its numbers: (a hashable key, the ops by node)."""
    solution = graph.solution
    ops = tuple(node.op for node in graph.nodes)
    nodes = tuple((id(op), repr(sorted(node.params.items())), node.shape, node.requires_grad)
                  for op, node in zip(ops, graph.nodes))
    written = graph.written
    optimizer = solution.optimizer
    layers = tuple(repr(layer) for layer in solution.layers)
    given = solution.values.get("input")
    key = (nodes, tuple(tuple(i) for i in graph.inputs), graph.root, graph.loss, graph.view.output,
           tuple(graph.names.items()), tuple(graph.params.items()), tuple(graph.view.names.items()),
           graph.backend.name, graph.updates, solution.form, solution.convention, solution.batch_reduction,
           None if given is None else np.shape(given), layers, tuple(solution.frozen),
           (optimizer.name, repr(optimizer.lr), optimizer.steps, repr(sorted(optimizer.options.items()))),
           (tuple(written.symbols.items()), written.form, written.named))
    return key, ops
