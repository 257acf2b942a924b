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
from typing import TYPE_CHECKING

from gradwork.explain.derive import derive
from gradwork.explain.math import Derivative, Expr, Symbol, Words
from gradwork.explain.steps import Definition, Derivation, Prose, Section, Step
from gradwork.problem.notation import Notation, notation
from gradwork.explain.render import render
from gradwork.generate.build import dump_yaml

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
    """The student sheet as a derivation: the question, the data and what to compute, nothing of the method.

    The setup's convention and given values stay; each function used (activation, loss) is defined, since the
    question needs it, but its derivative rule and the explanation's sentences only where the template says
    ``hints: [rules]``; other ``hints:`` lines are printed under "Hints". No line about styles or rounding.
    """
    cached = variant.__dict__.get("_sheet")
    if cached is None:
        cached = variant.__dict__["_sheet"] = _sheet(variant)
    return cached


def _sheet(variant: Variant) -> Derivation:
    full = derivation(variant)
    hints = getattr(variant.template, "hints", ())
    rules = "rules" in hints
    given: list[Section] = []
    for section in full.sections:
        if section.phase != "setup":
            continue
        kept: list[Step] = []
        for step in section.steps:
            if isinstance(step, Definition) and not rules:
                step = replace(step, derivative=None, sentence="")
            kept.append(step)
        given.append(replace(section, title="The problem", steps=tuple(kept)))
    extra = tuple(Prose(h) for h in hints if h != "rules")
    sections = tuple(given)
    if extra:
        sections += (Section("Hints", "setup", extra),)
    written = notation(variant.solution)
    questions = tuple(Prose(f"({number}) Compute {_words(item, written)}:", _expression(full, item))
                      for number, item in enumerate(variant.items, start=1))
    return Derivation(full.title, full.style, full.mode, sections + (Section("Questions", "summary", questions),),
                      full.symbols, full.vectors, kind="sheet")


def render_sheet(variant: Variant, format: str, digits: int = 4) -> str:
    return _stamp(render(sheet(variant), format, digits=digits), variant, format)  # type: ignore[arg-type]


def render_key(variant: Variant, format: str = "markdown", digits: int = 4) -> str:
    """The worked solution (every step), stamped with the variant's origin."""
    return _stamp(render(derivation(variant), format, digits=digits), variant, format)  # type: ignore[arg-type]


def answers_text(variant: Variant) -> str:
    """The key's answers file (YAML), with the marking policy the problem states, if any."""
    return f"# {variant.origin}\n# the key: every asked item at full precision\n" + dump_yaml(
        json.loads(json.dumps(variant.answers)))


def _words(item: Item, written: Notation) -> str:
    """The question in words, in the problem's own symbols (never an internal key such as output.W)."""
    if item.section == "loss":
        return f"the loss {written.loss.text()}"
    quantity = written.quantity(item.key)
    if item.section == "gradients":
        return f"the gradient {quantity.text()}"
    if item.section == "updated":
        return f"{written.symbol(item.name or '', item.index).text()} after the update, {quantity.text()}"
    return f"the value of {quantity.text()}"


def _expression(full: Derivation, item: Item) -> Expr:
    """The asked item as a formula in the notation model's symbols (an element by its own name: w₃, not w⁽¹⁾₁₂
    when the problem names it)."""
    loss = full.symbols.get("loss", Symbol("L"))
    if item.section == "loss":
        return loss
    symbol = full.symbols.get(item.name or "")
    if symbol is None:
        return Words(item.entry)
    if item.index is not None:
        symbol = symbol.element(tuple(item.index))
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
