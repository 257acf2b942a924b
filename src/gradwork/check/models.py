"""The mistake models of one solved problem, replayed once and kept: what every student's check reads.

:class:`Models` holds the solved graph, its correct replay (``clean``), every
variant of every registered model (:mod:`gradwork.check.mistakes`) with its
replay, and per place which variants change the number there and what each
predicts (stacked, so that a wrong answer is screened against all of them at
once). None of it depends on a student, so a class is checked with one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.numbers.tolerance import DEFAULT
from gradwork.check.convert import element
from gradwork.check.mistakes import Look, Variant, round_half_down, same_numbers, variants_for
from gradwork.check.replay_step import identical
from gradwork.check.replay import (
    NOTHING, Graph, Perturbation, Place, ReplayError, State, Substitutions, replay, round_significant,
)
from gradwork.problem import Solution


_UNSET: Any = object()
_F64 = np.dtype(np.float64)
MEMO_KEPT = 50_000  # answers' comparisons kept per problem (see Models.memo)


class Models:
    """The correct solve and every mistake model's replay for one problem (computed lazily, once)."""

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.graph = Graph(solution)
        self.clean = replay(self.graph)
        self._variants: list[Variant] | None = None
        self._variant_states: dict[int, State | None] = {}  # by id(variant)
        self._changed: dict[tuple[Any, ...], Any] = {}  # does a variant change a place's number? which do?
        self._observers: list[Variant] | None = None
        self._memo: dict[Any, Any] = {}

    @property
    def variants(self) -> list[Variant]:
        if self._variants is None:
            self._variants = variants_for(self.graph)
        return self._variants

    @property
    def observers(self) -> list[Variant]:
        if self._observers is None:
            self._observers = [v for v in self.variants if v.observe is not None]
        return self._observers

    def sites(self, variant: Variant) -> frozenset[Place] | None:
        """The places a replayed mistake alters directly (its perturbation's ``places``), once per variant."""
        key = ("sites", id(variant))
        if key not in self._changed:
            assert variant.perturbation is not None
            self._changed[key] = variant.perturbation.places(self.graph)
        return self._changed[key]

    def memo(self, entries: int = 1) -> dict[Any, Any]:
        """A store for results that depend only on this problem and one answer (diagnose's comparisons with the
        correct solve), shared by a class; emptied when it grows past MEMO_KEPT entries (``entries``: how many
        the caller is about to add at most)."""
        if len(self._memo) + entries > MEMO_KEPT:
            self._memo.clear()
        return self._memo

    def variant_state(self, variant: Variant) -> State | None:
        """The correct solve with ``variant``'s mistake made (None when it cannot be evaluated)."""
        key = id(variant)
        if key not in self._variant_states:
            try:
                # A mistake of the backward pass or the update leaves the forward pass as it is, and one of the
                # update alone the backward pass too: the correct solve's are reused, not evaluated again.
                self._variant_states[key] = None if variant.perturbation is None else replay(
                    self.graph, variant.perturbation, forward_of=self.clean, backward_of=self.clean,
                    update_of=self.clean)
            except ReplayError:
                self._variant_states[key] = None
        return self._variant_states[key]

    def replay(self, perturbation: Perturbation = NOTHING, substitutions: Substitutions | None = None,
               forward_of: State | None = None, update: bool = True) -> State | None:
        """One replay (None where the perturbed computation cannot be evaluated).

        The correct solve itself when nothing is changed: no perturbation, and every number put in is the one the
        correct solve has there, bit for bit (the same replay: a student's answers that are the key's own numbers).
        """
        if perturbation is NOTHING and update and (not substitutions or self._as_computed(substitutions)):
            return self.clean
        try:
            return replay(self.graph, perturbation, substitutions, forward_of, update)
        except ReplayError:
            return None

    def _as_computed(self, substitutions: Substitutions) -> bool:
        """Does every number in ``substitutions`` equal the correct solve's own at its place, bit for bit?"""
        for place in substitutions.entries:
            natural = self.clean.read(place)
            if natural is None or not identical(substitutions.apply(place, natural), natural):
                return False
        return True

    def changing(self, place: Place) -> list[tuple[int, Variant]]:
        """The replayed mistakes that change the number at ``place``, with their positions. Cached per problem."""
        key = ("changing", place)
        found = self._changed.get(key)
        if found is None:
            reach = self._reach(place)
            clean = self.clean.read(place)
            found = self._changed[key] = [(k, v) for k, v in enumerate(self.variants)
                                          if reach[k] and self._differs(v, place, clean)]
        return found

    def _reach(self, place: Place) -> list[bool]:
        """For each variant: can its mistake change the number at ``place`` at all? Not where every place it
        alters directly is neither ``place`` nor upstream of it (its replay's number there is then the correct
        one, and is not computed); nor without a replay. Over several optimizer steps every update depends on
        every place."""
        key = ("reach", place)
        found = self._changed.get(key)
        if found is None:
            every = place.kind == "updated" and self.solution.optimizer.steps > 1
            upstream = self.graph.upstream_places(place)
            found = self._changed[key] = [
                v.perturbation is not None and (every or sites is None or place in sites or
                                                not sites.isdisjoint(upstream))
                for v, sites in zip(self.variants, self._sites())]
        return found

    def _sites(self) -> list[frozenset[Place] | None]:
        """Every variant's sites (None for an observer, or a mistake that alters every place)."""
        found = self._changed.get(("sites",))
        if found is None:
            found = self._changed[("sites",)] = [None if v.perturbation is None else self.sites(v)
                                              for v in self.variants]
        return found

    def changes(self, variant: Variant, place: Place) -> bool:
        """Does ``variant``'s mistake change the number at ``place`` (in the correct solve)? Cached per problem."""
        key = ("changes", id(variant), place)
        found = self._changed.get(key)
        if found is None:
            found = self._changed[key] = variant.perturbation is not None and self._may_reach(variant, place) \
                and self._differs(variant, place)
        return found

    def _differs(self, variant: Variant, place: Place, clean: Any = _UNSET) -> bool:
        """Does the replay of ``variant`` (a mistake with a perturbation) differ from the correct solve at
        ``place`` (whose number there is ``clean``, when given)? Cached per problem."""
        key = (id(variant), place)
        found = self._changed.get(key)
        if found is None:
            state = self.variant_state(variant)
            found = self._changed[key] = state is not None and not same_numbers(
                state.read(place), self.clean.read(place) if clean is _UNSET else clean)
        return found

    def _may_reach(self, variant: Variant, place: Place) -> bool:
        """Can ``variant``'s mistake change the number at ``place`` at all? (see _reach)"""
        sites = self.sites(variant)
        if sites is None or place in sites or (place.kind == "updated" and self.solution.optimizer.steps > 1):
            return True
        return not sites.isdisjoint(self.graph.upstream_places(place))

    def candidates(self, place: Place, index: tuple[int, ...] | None, given: np.ndarray
                   ) -> tuple[list[tuple[Variant, ...]], np.ndarray] | None:
        """Every replayed mistake's number for an item, alone or written down by a combining observer.

        Stacked into one array (one row per combination); they do not depend on
        the student, so they are computed once per problem and item key. None
        for symbolic or exact numbers.
        """
        key = ("candidates", place, index)
        if key in self._changed:
            return self._changed[key]
        clean = pick(index, self.clean.read(place))
        if self.graph.backend.name != "float":
            self._changed[key] = None
            return None
        shape = () if clean is None else clean.shape
        combinations: list[tuple[Variant, ...]] = []  # the rows of the answer's shape, in order
        rows: list[np.ndarray] = []
        observers = [v for v in self.observers if v.combines]
        for _, variant in self.changing(place):
            state = self.variant_state(variant)
            assert state is not None
            for prediction in written_as_carried(variant, pick(index, state.read(place))):
                row = prediction if type(prediction) is np.ndarray and prediction.dtype is _F64 else \
                    np.asarray(prediction, dtype=np.float64)
                if row.shape == shape:
                    rows.append(row)
                    combinations.append((variant,))
            look = Look(self.graph, state, place, index, given, DEFAULT)
            for observer in observers:
                for written in observer.observe(look):  # type: ignore[misc]
                    row = np.asarray(written, dtype=np.float64)
                    if row.shape == shape:
                        rows.append(row)
                        combinations.append((observer, variant))
        result = (combinations, np.array(rows, dtype=np.float64).reshape(len(rows), *shape))
        self._changed[key] = result
        return result


def written_as_carried(variant: Variant, value: np.ndarray | None) -> list[np.ndarray | None]:
    """A replayed mistake's number for an item, and for a student who rounds every number they carry on, that
    number written as they carry it (rounded to the same figures, a half either way)."""
    figures = None if variant.perturbation is None else variant.perturbation.round_to
    if figures is None or value is None or np.asarray(value).dtype == object:
        return [value]
    return [value, round_significant(np.asarray(value), figures),
            round_half_down(np.asarray(value), figures, decimals=False)]


def pick(index: tuple[int, ...] | None, full: np.ndarray | None) -> np.ndarray | None:
    """An item's number out of its whole place's (its element, for an element key)."""
    if full is None or index is None:
        return full
    return np.asarray(full[element(index, full)])


def combined(variants: list[Variant]) -> Perturbation:
    """The replayed mistakes of ``variants`` made together (only variants with a perturbation count)."""
    return sum((v.perturbation for v in variants if v.perturbation is not None), NOTHING)
