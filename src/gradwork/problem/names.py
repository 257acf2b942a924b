"""The problem's own symbols: ``names: {hidden.W[0,0]: w1, output.a: a3, loss: J}``.

A name belongs to a node (``output.a``, ``hidden.W``) or to one element of
it (``hidden.W[0,0]``, 0-based). Renderers, check feedback and the mark
command use it instead of the internal node names; ``mark`` also reads it
backwards, from a symbol in a student's working to the quantity it means.
The gradient and the updated value of a named node are written with the same
symbol (∂J/∂w1, w1 after the update), so one entry names all three.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from gradwork.problem.quantities import Index, NodeRef


MAX_SYMBOL = 64  # characters of one name or symbol: longer ones cannot be set in a formula (TeX's widths overflow)


class Names(Mapping[NodeRef, str]):
    """An immutable map from node references to the problem's symbols (empty when the file has none)."""

    def __init__(self, entries: Mapping[NodeRef, str] | None = None) -> None:
        self._symbols: dict[NodeRef, str] = dict(entries or {})
        self._nodes: dict[str, NodeRef] = {symbol: node for node, symbol in self._symbols.items()}

    def symbol(self, name: str, index: Index | None = None) -> str | None:
        """The symbol of node ``name`` (or of its element ``index``), or None when it has none."""
        return self._symbols.get(NodeRef(name, tuple(index) if index is not None else None))

    def lookup(self, symbol: str) -> tuple[str, Index | None] | None:
        """The node (and element) that ``symbol`` names, or None."""
        node = self._nodes.get(symbol)
        return None if node is None else (node.name, node.index)

    def __getitem__(self, key: NodeRef) -> str:
        return self._symbols[key]

    def __iter__(self) -> Iterator[NodeRef]:
        return iter(self._symbols)

    def __len__(self) -> int:
        return len(self._symbols)

    def as_dict(self) -> dict[str, str]:
        """As written in a problem file: ``{"hidden.W[0,0]": "w1", ...}``."""
        return {node.key: symbol for node, symbol in self._symbols.items()}

    def __repr__(self) -> str:
        return f"Names({self.as_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Names) and self._symbols == other._symbols

    def __hash__(self) -> int:
        return hash(frozenset(self._symbols.items()))
