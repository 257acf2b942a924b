"""A variant's student sheet and key, as documents.

The sheet is the derivation's setup section (what is given: the convention, the
numbers, the functions used, with their definitions) followed by the questions,
one per asked item, written in the problem's own symbols; nothing computed is on
it. The key is the whole worked solution and the answers file. Both are step
data rendered by explain's renderers, so the sheet prints numbers and symbols
exactly as the key does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gradwork.explain.derive import derive
from gradwork.explain.math import Derivative, Expr, Symbol, Words
from gradwork.explain.steps import Derivation, Prose, Section
from gradwork.problem.quantities import node_key

if TYPE_CHECKING:
    from gradwork.generate.build import Variant
    from gradwork.generate.plant import Item

SHEET_FORMATS = {"markdown": "sheet.md", "latex": "sheet.tex", "html": "sheet.html"}


def derivation(variant: Variant) -> Derivation:
    cached = variant.__dict__.get("_derivation")
    if cached is None:
        cached = variant.__dict__["_derivation"] = derive(variant.solution, "chain")
    return cached


def sheet(variant: Variant) -> Derivation:
    """The student sheet as a derivation: what is given, then what to compute."""
    full = derivation(variant)
    given = tuple(section for section in full.sections if section.phase == "setup")
    names = getattr(variant.solution, "names", None)
    questions = tuple(Prose(f"({number}) Compute {_words(item, names)}:", _expression(full, item))
                      for number, item in enumerate(variant.items, start=1))
    return Derivation(full.title, full.style, full.mode,
                      given + (Section("Questions", "summary", questions),), full.symbols)


def render_sheet(variant: Variant, format: str, digits: int = 4) -> str:
    from gradwork.explain.render import render

    return _stamp(render(sheet(variant), format, digits=digits), variant, format)  # type: ignore[arg-type]


def render_key(variant: Variant, format: str = "markdown", digits: int = 4) -> str:
    """The worked solution (every step), stamped with the variant's origin."""
    from gradwork.explain.render import render

    return _stamp(render(derivation(variant), format, digits=digits), variant, format)  # type: ignore[arg-type]


def answers_text(variant: Variant) -> str:
    """The key's answers file (YAML), with the marking policy the problem states, if any."""
    from gradwork.generate.build import dump_yaml

    return f"# {variant.origin}\n# the key: every asked item at full precision\n" + dump_yaml(
        json.loads(json.dumps(variant.answers)))


def _words(item: Item, names: Any = None) -> str:
    """The question in words, with the problem's own symbol (``names:``) where it has one."""
    def called(name: str | None, index: tuple[int, ...] | None, entry: str) -> str:
        symbol = names.symbol(name, index) if names and name else None
        if symbol is None and names and name and index is not None:
            whole = names.symbol(name)
            symbol = node_key(whole, index) if whole else None
        return f"{symbol} ({entry})" if symbol else entry

    if item.section == "loss":
        symbol = names.symbol("loss") if names else None
        return f"the loss {symbol}" if symbol else "the loss"
    label = called(item.name, item.index, item.entry)
    if item.section == "gradients":
        return f"the gradient of the loss with respect to {label}"
    if item.section == "updated":
        return f"{label} after the update"
    return f"the value of {label}"


def _expression(full: Derivation, item: Item) -> Expr:
    symbols = full.symbols
    loss = symbols.get("loss", Symbol("L"))
    if item.section == "loss":
        return loss
    symbol = symbols.get(item.name or "")
    if symbol is None:
        return Words(item.entry)
    if item.index is not None:
        symbol = replace(symbol, index=tuple(item.index))
    if item.section == "gradients":
        return Derivative(loss, symbol)
    if item.section == "updated":
        return replace(symbol, updated=True)
    return symbol


def _stamp(text: str, variant: Variant, format: str) -> str:
    """Say where the document came from: seed and template hash in every output."""
    line = variant.origin
    if format == "latex":
        return f"% {line}\n{text}"
    if format == "html":  # after the doctype, which must come first
        head, newline, rest = text.partition("\n")
        if head.lower().startswith("<!doctype"):
            return f"{head}\n<!-- {line} -->\n{rest}"
        return f"<!-- {line} -->\n{text}"
    if format == "markdown":
        return f"<!-- {line} -->\n\n{text.rstrip()}\n\n*{line}*\n"
    return f"{line}\n{text}"
