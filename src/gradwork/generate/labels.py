"""How an asked item is named on a platform: the problem's own symbol as LaTeX (``h_{1}``, ``\\frac{\\partial E}
{\\partial v_{11}}``), the same symbol the sheet's question shows.

Every export labels its inputs through this module alone, so when the notation
model changes, only this file follows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradwork.explain.render.latex import LatexRenderer
from gradwork.generate.sheet import _expression, derivation

if TYPE_CHECKING:
    from gradwork.generate.build import Variant
    from gradwork.generate.plant import Item


def label_latex(variant: Variant, item: Item) -> str:
    """The item's symbol as LaTeX math (no delimiters), e.g. ``\\frac{\\partial L}{\\partial W^{(1)}}``."""
    return labels_latex(variant)[item.key]


def labels_latex(variant: Variant) -> dict[str, str]:
    """Every asked item's symbol as LaTeX, by item key (computed once per variant)."""
    cached = variant.__dict__.get("_labels_latex")
    if cached is None:
        full = derivation(variant)
        renderer = LatexRenderer()
        renderer.setup(full)
        cached = variant.__dict__["_labels_latex"] = {item.key: renderer.math(_expression(full, item))
                                                       for item in variant.items}
    return cached



def element_latex(variant: Variant, item: Item, index: tuple[int, ...]) -> str:
    """One number of an item as LaTeX: the item's symbol with the element's index (the whole item for ``()``)."""
    if not index:
        return label_latex(variant, item)
    from dataclasses import replace


    full = derivation(variant)
    renderer = LatexRenderer()
    renderer.setup(full)
    return renderer.math(_expression(full, replace(item, index=tuple(index))))
