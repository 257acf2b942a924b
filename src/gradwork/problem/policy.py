"""Checking ``names:``, ``ask:`` and ``marking:`` against the problem, with FILE:LINE:COL errors.

Names are checked when the file is loaded (a node that does not exist is an
error at its key). Element indices need the shapes, so they are checked once
the problem is solved (:func:`check_indices`), still pointing at the entry.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.numbers.marking import CHARGES, MarkingPolicy
from gradwork.problem.network import inner_of
from gradwork.numbers.written import is_number
from gradwork.problem.names import MAX_SYMBOL, Names
from gradwork.problem.notation import EXPECTED_NAME, NameError_, parse_name
from gradwork.problem.quantities import NodeRef, Quantity, QuantityError
from gradwork.problem.spec import GraphSpec, NetworkSpec
from gradwork.documents.sources import DataPath, Document
from gradwork.numbers.tolerance import Tolerance, ToleranceError


@dataclass(frozen=True)
class Catalogue:
    """Which node names each section of the solution has (before solving)."""

    values: tuple[str, ...]
    gradients: tuple[str, ...]
    updated: tuple[str, ...]
    has_loss: bool

    def section(self, section: str) -> tuple[str, ...]:
        return {"values": self.values, "gradients": self.gradients, "updated": self.updated}.get(section, ())

    @property
    def nameable(self) -> tuple[str, ...]:
        """Nodes a ``names:`` entry may name: every value and gradient node, the target and the loss."""
        return tuple(dict.fromkeys([*self.values, *self.gradients, "target", "loss"]))


@dataclass(frozen=True)
class Policy:
    names: Names
    ask: tuple[Quantity, ...]
    marking: MarkingPolicy


def catalogue(spec: NetworkSpec | GraphSpec, plan: Any, has_optimizer: bool) -> Catalogue:
    """The node names of each section, from the checked plan (see docs/format.md's JSON output)."""
    parameters = tuple(plan.parameter_names)
    if isinstance(spec, NetworkSpec):
        layers = tuple(name for layer in plan.layers for name in (f"{layer.name}.z", f"{layer.name}.a"))
        # softmax fused into cross_entropy: its probabilities are reported as <last layer>.p (solving.py)
        fused = (f"{plan.layers[-1].name}.p",) if inner_of(plan.loss) is not None and plan.layers else ()
        values = ("input", *layers, *fused)
        has_loss = plan.loss is not None
        gradients = (*parameters, *layers, "input") if has_loss else ()
    else:
        values = tuple(dict.fromkeys([*spec.inputs, *spec.params, *plan.nodes]))
        has_loss = spec.upstream is None  # a scalar output is the loss; shapes are checked after solving
        gradients = values
    return Catalogue(values, gradients, parameters if has_optimizer else (), has_loss)


def plan_policy(document: Document, spec: NetworkSpec | GraphSpec, known: Catalogue) -> Policy:
    """Build :class:`Names`, the asked quantities and the :class:`MarkingPolicy`; raise at the first bad entry."""
    names = _names(document, spec.names, known)
    ask = _ask(document, spec.ask, known)
    marking = _marking(document, spec, known, ask)
    return Policy(names, ask, marking)


def _names(document: Document, entries: dict[str, str], known: Catalogue) -> Names:
    seen: dict[str, str] = {}
    symbols: dict[NodeRef, str] = {}
    for key, symbol in entries.items():
        path: DataPath = ("names", key)
        try:
            node = NodeRef.parse(key)
        except QuantityError as error:
            raise document.error(path, str(error), at="key") from None
        if node.name not in known.nameable:
            raise document.error(path, f"names: {node.name!r} is not a node of this problem"
                                       f"{_close(node.name, known.nameable)}",
                                 "one of: " + ", ".join(known.nameable), at="key")
        if node.name == "loss" and node.index is not None:
            raise document.error(path, "names: the loss is one number and has no elements", "loss", at="key")
        text = symbol.strip()
        if not text:
            raise document.error(path, f"names: the symbol of {key!r} is empty", "a symbol such as w1")
        if len(text) > MAX_SYMBOL:
            raise document.error(path, f"names: the symbol of {key!r} is {len(text)} characters long",
                                 f"at most {MAX_SYMBOL}, so that formulas can be set")
        try:
            parse_name(text)  # plain (w1, net_h1), Unicode (ŷ, δ₃) or LaTeX (v_{11}, \hat{y}): printed right everywhere
        except NameError_ as error:
            raise document.error(path, f"names: {error}".split(" (expected")[0], EXPECTED_NAME) from None
        if text in seen:
            raise document.error(path, f"names: {text!r} already names {seen[text]!r}",
                                 "one symbol per quantity")
        seen[text] = key
        symbols[node] = text
    return Names(symbols)


def _quantity(document: Document, path: DataPath, text: str, known: Catalogue, *, at: str = "value") -> Quantity:
    try:
        quantity = Quantity.parse(text)
    except QuantityError as error:
        raise document.error(path, str(error), at=at) from None
    if quantity.section == "loss":
        if not known.has_loss:
            raise document.error(path, "this problem has no loss to ask for", "a quantity it computes", at=at)
        return quantity
    allowed = known.section(quantity.section)
    if quantity.name not in allowed:
        if not allowed:
            why = {"updated": "there is no optimizer, so nothing is updated",
                   "gradients": "there is no loss, so there are no gradients"}.get(quantity.section, "")
            raise document.error(path, f"{text!r} cannot be asked: {why}", "a quantity the problem computes", at=at)
        raise document.error(path, f"{quantity.section} has no {quantity.name!r}{_close(str(quantity.name), allowed)}",
                             "one of: " + ", ".join(allowed), at=at)
    return quantity


def _ask(document: Document, entries: list[str], known: Catalogue) -> tuple[Quantity, ...]:
    asked: list[Quantity] = []
    for i, text in enumerate(entries):
        quantity = _quantity(document, ("ask", i), text, known)
        if quantity in asked:
            raise document.error(("ask", i), f"{quantity.key!r} is asked twice", "each quantity once")
        asked.append(quantity)
    return tuple(asked)


def _fraction(document: Document, path: DataPath, value: Any, what: str) -> float:
    if not is_number(value) or not 0 <= float(value) <= 1:
        raise document.error(path, f"marking: {what} must be a number from 0 to 1, not {_show(value)}",
                             "e.g. 1 for full credit, 0.5 for half")
    return float(value)


def _marking(document: Document, spec: NetworkSpec | GraphSpec, known: Catalogue,
             ask: tuple[Quantity, ...]) -> MarkingPolicy:
    marking = spec.marking
    if marking is None:
        return MarkingPolicy()
    tolerance: Tolerance | None = None
    if marking.tolerance is not None:
        try:
            tolerance = Tolerance.parse(marking.tolerance)
        except ToleranceError as error:
            where = ("marking", "tolerance") + ((error.key,) if error.key and isinstance(marking.tolerance, dict)
                                                and error.key in marking.tolerance else ())
            raise document.error(where, f"marking: {error}") from None
    points: dict[str, float] = {}
    asked_keys = {quantity.key for quantity in ask}
    for key, value in marking.points.items():
        path: DataPath = ("marking", "points", key)
        quantity = _quantity(document, path, key, known, at="key")
        if ask and quantity.key not in asked_keys and quantity.whole.key not in asked_keys:
            raise document.error(path, f"marking: points for {quantity.key!r}, which is not in ask:",
                                 "points only for asked quantities", at="key")
        if not is_number(value) or not float(value) > 0 or not np.isfinite(float(value)):
            raise document.error(path, f"marking: points must be a number above 0, not {_show(value)}",
                                 "e.g. 2")
        points[quantity.key] = float(value)
    return MarkingPolicy(
        tolerance=tolerance,
        points=points,
        carried_forward=_fraction(document, ("marking", "carried_forward"), marking.carried_forward, "carried_forward"),
        missing=_fraction(document, ("marking", "missing"), marking.missing, "missing"),
        tolerance_source="problem" if tolerance is not None else "default",
        charge=_choice(document, ("marking", "charge"), marking.charge, CHARGES),
        other_variant_credit=_flag(document, ("marking", "other_variant_credit"), marking.other_variant_credit),
    )


def _choice(document: Document, path: DataPath, value: Any, choices: tuple[str, ...]) -> Any:
    if value not in choices:
        raise document.error(path, f"marking: {path[-1]} must be one of {', '.join(choices)}, not {_show(value)}",
                             f"{path[-1]}: {choices[0]}")
    return value


def _flag(document: Document, path: DataPath, value: Any) -> bool:
    if not isinstance(value, bool):
        raise document.error(path, f"marking: {path[-1]} must be true or false, not {_show(value)}",
                             f"{path[-1]}: false")
    return value


def check_indices(document: Document, policy: Policy, shapes: dict[str, dict[str, tuple[int, ...]]]) -> None:
    """After solving: every element index in names/ask/points must lie inside its node's shape.

    ``shapes`` maps a section ("values", "gradients", "updated") to node shapes as reported in JSON.
    """
    def inside(name: str, index: tuple[int, ...], section: str | None) -> tuple[int, ...] | None:
        sections = [section] if section else ["values", "gradients", "updated"]
        for part in sections:
            shape = shapes.get(part, {}).get(name)
            if shape is not None:
                # a single unit's value may be written as a number or a one-element list (docs/format.md)
                ok = (len(index) == len(shape) and all(0 <= i < n for i, n in zip(index, shape))) or (
                    shape == () and index == (0,))
                return None if ok else shape
        return None

    for node in policy.names:
        if node.index is not None:
            shape = inside(node.name, node.index, None)
            if shape is not None:
                raise document.error(("names", _written(document, "names", node.key)),
                                     f"names: {node.key} is outside {node.name}, which has shape {list(shape)}",
                                     "0-based indices inside the shape", at="key")
    for i, quantity in enumerate(policy.ask):
        if quantity.index is not None and quantity.name is not None:
            shape = inside(quantity.name, quantity.index, quantity.section)
            if shape is not None:
                raise document.error(("ask", i), f"{quantity.key} is outside {quantity.name}, which has shape "
                                     f"{list(shape)}", "0-based indices inside the shape")


def _written(document: Document, section: str, key: str) -> str:
    """The key as the file wrote it (``hidden.W[0, 0]`` and ``hidden.W[0,0]`` are the same node)."""
    entries = document.data.get(section, {}) if isinstance(document.data, dict) else {}
    for written in entries:
        try:
            if NodeRef.parse(written).key == key:
                return written
        except QuantityError:
            continue
    return key


def _close(name: str, options: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(name, options, n=1)
    return f", did you mean {match[0]!r}?" if match else ""


def _show(value: Any) -> str:
    return str(value) if is_number(value) else repr(value)
