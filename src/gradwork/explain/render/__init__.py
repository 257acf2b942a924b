"""Renderers: a Derivation as text, Markdown, LaTeX, HTML or JSON.

    render(derivation, "markdown", digits=4)          # -> str
    steps_to_json(derivation, digits=4)                # -> list of JSON-ready dicts
    step_fragments(derivation, digits=4)               # -> [(node, phase, html), ...]
    step_titles(derivation, digits=4)                  # -> a plain-text heading per step, same order

Each format lives in its own module and is imported only when used (a lazy import for load time, not to
break a cycle: no renderer imports this package's functions back).
"""

from __future__ import annotations

from gradwork.documents.json_text import indented_json
from typing import TYPE_CHECKING, Any, Literal

from gradwork.explain import math as m

if TYPE_CHECKING:
    from gradwork.explain.steps import Derivation

Format = Literal["text", "markdown", "latex", "html", "json"]
FORMATS: tuple[str, ...] = ("text", "markdown", "latex", "html", "json")

__all__ = ["FORMATS", "Format", "latex_symbol", "render", "step_fragments", "step_titles", "steps_to_json"]


def render(derivation: Derivation, format: Format, *, digits: int = 4, color: bool = False,
           width: int = 100) -> str:
    """The derivation as one document in ``format``.

    ``digits``: significant figures shown (numbers are computed at full
    precision). ``color``: ANSI colour for a terminal (text only). ``width``:
    the columns text wraps at (text only; the terminal's, or 100 when piped).
    ``"json"`` gives the JSON text of :func:`steps_to_json`.
    """
    if format == "text":
        # lazy (start-up): a renderer loads with its format
        from gradwork.explain.render.text import TextRenderer

        return TextRenderer(digits=digits, color=color, width=max(40, width)).render(derivation)
    if format == "markdown":
        # lazy (start-up): a renderer loads with its format
        from gradwork.explain.render.markdown import MarkdownRenderer

        return MarkdownRenderer(digits=digits).render(derivation)
    if format == "latex":
        # lazy (start-up): a renderer loads with its format
        from gradwork.explain.render.latex import LatexRenderer

        return LatexRenderer(digits=digits).render(derivation)
    if format == "html":
        # lazy (start-up): a renderer loads with its format
        from gradwork.explain.render.html import HtmlRenderer

        return HtmlRenderer(digits=digits).render(derivation)
    if format == "json":
        return indented_json(steps_to_json(derivation, digits=digits)) + "\n"
    raise ValueError(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")


def steps_to_json(derivation: Derivation, digits: int = 4) -> list[dict[str, Any]]:
    """Every step as a JSON-ready dict (see :mod:`gradwork.explain.render.json`)."""
    # lazy (start-up): a renderer loads with its format
    from gradwork.explain.render.json import steps_to_json as convert

    return convert(derivation, digits=digits)


def step_fragments(derivation: Derivation, digits: int = 4, math: str = "mathml") -> list[tuple[str | None, str, str]]:
    """Each step as an HTML fragment: (node, phase, html), for interactive pages; ``math="tex"`` keeps the maths
    as LaTeX for MathJax."""
    # lazy (start-up): a renderer loads with its format
    from gradwork.explain.render.html import step_fragments as fragments

    return fragments(derivation, digits=digits, math=math)


def step_titles(derivation: Derivation, digits: int = 4) -> list[str]:
    """A short plain-text heading per step ("Forward pass: net⁽¹⁾"), in step_fragments' order."""
    # lazy (start-up): a renderer loads with its format
    from gradwork.explain.render.text import step_titles as titles

    return titles(derivation, digits=digits)


def latex_symbol(written: Any) -> str:
    """A quantity as the notation model writes it (``notation(solution).quantity(key)``, a ``Written``), or a
    ``Symbol``, as LaTeX math without dollars: ``\\frac{\\partial J}{\\partial w_{3}}``, ``b_{3}'``, ``z^{(1)}``.
    For labels of exported questions, so that a platform shows the problem's own symbols."""
    # lazy (start-up): a renderer loads with its format
    from gradwork.explain.render.latex import LatexPrinter

    printer = LatexPrinter()
    if isinstance(written, m.Symbol):
        return printer.doprint(written)
    if written.section == "gradients":
        return printer.doprint(m.Derivative(written.loss, written.symbol))
    return printer.doprint(written.symbol)

