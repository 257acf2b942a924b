"""What a symbol is bound to (:class:`Binding`), the lines that give symbols numbers (:class:`Claim`), and a
document's bindings (:class:`Bindings`): the types :mod:`gradwork.mark.bind` builds and the marker reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gradwork.mark.program import strip_update


@dataclass(frozen=True)
class Binding:
    """What one symbol stands for, and why."""

    symbol: str
    quantity: str | None  # node key ("output.W[0]", "hidden.z", "loss", "target", "lr"); None when ambiguous/unknown
    inferred: bool
    evidence: str
    candidates: tuple[str, ...] = ()  # the equally good quantities when ambiguous
    weak: bool = False  # chosen among equally good numbers by the subscript alone: a formula may say otherwise
    support: int = 0  # how many lines' numbers say so (a formula's structure saying otherwise more often wins)
    written: str = ""  # the quantity as the problem writes it (gradwork.problem.notation): w₅, η, J; for feedback

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"symbol": self.symbol, "quantity": self.quantity, "inferred": self.inferred,
                               "evidence": self.evidence}
        if self.candidates:
            out["ambiguous"] = list(self.candidates)
        return out


@dataclass
class Claim:
    """A line that gives a symbol a value: ``section`` is where the number belongs."""

    symbol: str
    section: str  # values | gradients | updated | given | loss
    value: Any  # the student's number (array) or None (a formula only)
    chain: int  # index of the chain
    line: int
    old_value: Any = None  # for an update: the parameter's value before it, as the student wrote it


def symbol_key(text: str) -> str:
    """How symbols are compared: ``w_{11}^{(2)}``, ``w_11^(2)`` and ``w11^(2)`` are one symbol."""
    return re.sub(r"[_{}\s\\]", "", text)


@dataclass
class Bindings:
    by_symbol: dict[str, Binding] = field(default_factory=dict)
    overrides: dict[int, Binding] = field(default_factory=dict)  # chain index -> a label read as another quantity

    def get(self, symbol: str) -> Binding | None:
        """The binding of ``symbol``, or of the symbol it updates (``w'_5``, ``w_5^{new}`` are ``w_5``'s)."""
        found = self.by_symbol.get(symbol)
        if found is None:
            target, updated = strip_update(symbol)
            if updated:
                found = self.by_symbol.get(target)
        return found

    def node(self, symbol: str) -> str | None:
        binding = self.get(symbol)
        return None if binding is None else binding.quantity
