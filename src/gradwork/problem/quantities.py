"""Quantities of a solved problem, named as docs/format.md's JSON names them.

A quantity is one section of the solution (``loss``, ``values``,
``gradients``, ``updated``), a node name within it (``hidden.W``) and,
optionally, one element of that node (0-based, ``hidden.W[1,0]``). Its text
form, :attr:`Quantity.key`, is what ``ask:`` and ``marking: points:`` list::

    loss
    values.output.a
    gradients.hidden.W[1,0]
    updated.hidden.b

A node reference without a section (``hidden.W[0,0]``, as ``names:`` keys are
written) is a :class:`NodeRef`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Section = Literal["loss", "values", "gradients", "updated"]
SECTIONS: tuple[Section, ...] = ("loss", "values", "gradients", "updated")
Index = tuple[int, ...]

# a node name (letters, digits, _ - . but not ending in a dot) and an optional [i] / [i,j] element index
_REFERENCE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*?)\s*(?:\[(?P<index>[^\]]*)\])?$")


class QuantityError(ValueError):
    """Text that does not name a quantity; the message says what was expected."""


@dataclass(frozen=True)
class NodeRef:
    """A node, or one element of it: ``hidden.W`` or ``hidden.W[0,1]``."""

    name: str
    index: Index | None = None

    @classmethod
    def parse(cls, text: str) -> NodeRef:
        match = _REFERENCE.match(text.strip())
        if not match or match["name"].endswith("."):
            raise QuantityError(f"{text!r} is not a node name (expected a name such as hidden.W or hidden.W[0,1])")
        return cls(match["name"], _index(text, match["index"]))

    @property
    def key(self) -> str:
        return node_key(self.name, self.index)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Quantity:
    """One asked-for or answered item: a section, a node (None for the loss) and an optional element."""

    section: Section
    name: str | None = None
    index: Index | None = None

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """``loss``, ``values.output.a``, ``gradients.hidden.W[1,0]``, ``updated.hidden.b``."""
        if not isinstance(text, str):
            raise QuantityError(f"{text!r} is not a quantity (expected text such as gradients.hidden.W)")
        stripped = text.strip()
        if stripped == "loss":
            return cls("loss")
        section, dot, rest = stripped.partition(".")
        if section not in SECTIONS[1:] or not dot or not rest:
            raise QuantityError(f"{text!r} is not a quantity (expected loss, or values., gradients. or updated. "
                                "followed by a node name, e.g. gradients.hidden.W[1,0])")
        node = NodeRef.parse(rest)
        return cls(section, node.name, node.index)

    @property
    def node(self) -> NodeRef | None:
        return None if self.name is None else NodeRef(self.name, self.index)

    @property
    def key(self) -> str:
        return quantity_key(self.section, self.name, self.index)

    @property
    def whole(self) -> Quantity:
        """The same quantity without its element index."""
        return Quantity(self.section, self.name)

    def __str__(self) -> str:
        return self.key


def _index(text: str, index: str | None) -> Index | None:
    if index is None:
        return None
    parts = [part.strip() for part in index.split(",")]
    if not parts or not all(part.isdigit() for part in parts):
        raise QuantityError(f"{text!r} has an index that is not whole numbers >= 0 (expected e.g. [0] or [1,0])")
    return tuple(int(part) for part in parts)


def index_text(index: Index | None) -> str:
    """An element index as keys write it, 0-based: ``[1,0]``; "" for a whole node."""
    return "" if index is None else "[" + ",".join(map(str, index)) + "]"


def node_key(name: str, index: Index | None = None) -> str:
    """A node or one element of it: ``hidden.W``, ``hidden.W[1,0]`` (how ``names:`` keys and answers entries read)."""
    return name + index_text(index)


def quantity_key(section: str, name: str | None = None, index: Index | None = None) -> str:
    """The one builder of quantity keys (docs/format.md): ``loss``, ``values.output.a``, ``gradients.hidden.W[1,0]``.

    Every report, answers file, export and marked line names a quantity with this text;
    :meth:`Quantity.parse` reads it back.
    """
    if section == "loss":
        return "loss"
    return f"{section}.{node_key(name or '', index)}"
