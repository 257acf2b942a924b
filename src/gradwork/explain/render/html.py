"""A single self-contained HTML file: MathML (via latex2mathml), inline CSS, no scripts, no fetches.

:func:`step_fragments` gives each step's HTML on its own, with the graph node
and phase it belongs to, for pages that show one step at a time.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render.latex import MathDocument
from gradwork.documents.escape import html_text as escape

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; color: #1d1d1f;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; color: #1f5f8b; border-bottom: 1px solid #d0dbe3; margin-top: 2rem; }
.preface, .note, .sentence { color: #555; font-style: italic; }
.note, .sentence { margin: 0.2rem 0 0.6rem 1.5rem; font-size: 0.92rem; }
.step { margin: 0.6rem 0; overflow-x: auto; }
.step math[display="block"] { margin: 0.4rem 0; }
.parts { list-style: none; margin: 0.2rem 0 0.4rem 1.5rem; padding: 0; }
.parts li { margin: 0.25rem 0; }
.pitfall { background: #fff7e0; border-left: 4px solid #e0a800; padding: 0.4rem 0.8rem; }
table { border-collapse: collapse; margin: 0.6rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: middle; }
th { background: #f3f6f8; }
""".strip()

_NAMESPACE = re.compile(r'\s+xmlns="[^"]*"')


@functools.lru_cache(maxsize=4096)  # pure; the same definitions recur in every page and every generated variant
def mathml(latex: str, display: bool = False) -> str:
    """LaTeX math as a MathML ``<math>`` element (HTML5 needs no namespace attribute)."""
    from latex2mathml.converter import convert  # not in PrairieLearn's packages: imported when HTML is written

    markup = _NAMESPACE.sub("", convert(latex, display="block" if display else "inline"))
    return _MTEXT.sub(lambda match: match.group(1) + _escape_text(match.group(2)) + match.group(3), markup)


_MTEXT = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_BARE_AMPERSAND = re.compile(r"&(?!#?\w+;)")


def _escape_text(text: str) -> str:
    """latex2mathml copies \\text{} content as it is; "<", ">" and "&" must become entities in HTML."""
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


class HtmlRenderer(MathDocument):
    """A derivation as one HTML page; every step is a ``<div class="step">`` with data-node and data-phase."""

    unicode_text = True

    def render(self, derivation: s.Derivation) -> str:
        self.setup(derivation)
        title = escape(derivation.title or "Worked solution")
        body = [f"<h1>{title}</h1>"]
        if self.preface(derivation):
            body.append(f'<p class="preface">{escape(self.preface(derivation))}</p>')
        for section in derivation.sections:
            self.section = section
            body.append(f'<section class="phase-{section.phase}">')
            body.append(f"<h2>{escape(section.title)}</h2>")
            body += [self.step_html(step, section) for step in section.steps]
            body.append("</section>")
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>\n{CSS}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
        ]) + "\n"

    def step_html(self, step: Any, section: s.Section) -> str:
        kind = re.sub(r"(?<!^)(?=[A-Z])", "-", type(step).__name__).lower()
        node = getattr(step, "node", None)
        phase = getattr(step, "phase", None) or section.phase
        attributes = f' data-phase="{escape(phase)}"' + (f' data-node="{escape(node)}"' if node else "")
        return f'<div class="step {kind}"{attributes}>\n{self.dispatch(step)}\n</div>'

    # ---------------------------------------------------------- pieces
    @staticmethod
    def display(latex: str) -> str:
        return mathml(latex, display=True)

    @staticmethod
    def inline(latex: str) -> str:
        return mathml(latex)

    @staticmethod
    def note(text: str | None, kind: str = "note") -> str:
        return f'\n<p class="{kind}">{escape(text)}</p>' if text else ""

    def items(self, relations: tuple[Any, ...]) -> str:
        rows = "\n".join(f"<li>{self.inline(self.relation(item))}</li>" for item in relations)
        return f'\n<ul class="parts">\n{rows}\n</ul>'

    # ---------------------------------------------------------- steps
    def _render_Prose(self, step: s.Prose) -> str:
        out = f"<p>{escape(step.text)}</p>" if step.text else ""
        if step.math is not None:
            out += self.display(self.relation(step.math))
        return out

    def _render_Given(self, step: s.Given) -> str:
        return "<p>Given:</p>" + self.items(step.items)

    def _render_Definition(self, step: s.Definition) -> str:
        out = self.display(self.relation(step.formula))
        if step.derivative is not None:
            out += self.display(self.relation(step.derivative))
        return out + self.note(step.sentence, "sentence")

    def parts_block(self, parts: tuple[Any, ...]) -> str:
        return self.items(parts)

    def _render_Table(self, step: s.Table) -> str:
        def cell(value: Any) -> str:
            return escape(value) if isinstance(value, str) else self.inline(self.math(value))

        caption = "" if self._same_title(step.title) else f"<caption>{escape(step.title)}</caption>"
        head = "".join(f"<th>{escape(c)}</th>" for c in step.columns)

        def td(column: str, value: Any) -> str:  # each cell names its column: a narrow page stacks the rows
            empty = ' class="gw-empty"' if value == "—" else ""
            return f'<td data-label="{escape(column)}"{empty}>{cell(value)}</td>'

        rows = "\n".join("<tr>" + "".join(td(c, v) for c, v in zip(step.columns, row)) + "</tr>"
                         for row in step.rows)
        return (f'<table class="gw-table">{caption}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n'
                "</table>")

    def _render_Pitfall(self, step: s.Pitfall) -> str:
        return f'<p class="pitfall">⚠ {escape(step.text)}</p>'

    def math(self, expr: Any) -> str:
        return self.relation(expr) if isinstance(expr, m.Relation) else self.printer.print(expr)


class TexHtmlRenderer(HtmlRenderer):
    """HTML whose maths stays LaTeX, as ``\\(...\\)`` and ``\\[...\\]`` (HTML-escaped), for a page that typesets
    with MathJax (PrairieLearn's questions do; latex2mathml is not there)."""

    @staticmethod
    def display(latex: str) -> str:
        return f'<div class="math">\\[{escape(latex)}\\]</div>'

    @staticmethod
    def inline(latex: str) -> str:
        return f"\\({escape(latex)}\\)"


def step_fragments(derivation: s.Derivation, digits: int = 4,
                   math: str = "mathml") -> list[tuple[str | None, str, str]]:
    """(node, phase, html) for every step, in order: the HTML is a self-contained ``<div class="step">``.

    ``math``: ``"mathml"`` (the default: no script needed) or ``"tex"`` (LaTeX for MathJax).
    """
    if math not in ("mathml", "tex"):
        raise ValueError(f"unknown math {math!r} (expected mathml or tex)")
    renderer = (TexHtmlRenderer if math == "tex" else HtmlRenderer)(digits=digits)
    renderer.setup(derivation)
    out = []
    for section in derivation.sections:
        renderer.section = section
        for step in section.steps:
            phase = getattr(step, "phase", None) or section.phase
            out.append((getattr(step, "node", None), phase, renderer.step_html(step, section)))
    return out
