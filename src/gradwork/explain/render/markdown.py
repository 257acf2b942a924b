"""Markdown with LaTeX math: ``$...$`` inline, ``$$...$$`` display (GitHub, Jupyter, pandoc, MkDocs)."""

from __future__ import annotations

from typing import Any

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render.latex import MathDocument
from gradwork.documents.escape import markdown_maths, markdown_text


def escape(text: str) -> str:
    """Prose as Markdown that renders as written (no stray emphasis, link, math or HTML): the one escaper."""
    return markdown_text(text)


class MarkdownRenderer(MathDocument):
    """A derivation as Markdown: one heading per section, display math per step."""

    unicode_text = True

    def render(self, derivation: s.Derivation) -> str:
        self.setup(derivation)
        out = [f"# {escape(derivation.title or 'Worked solution')}"]
        if self.preface(derivation):
            out += ["", f"*{escape(self.preface(derivation))}*"]
        for section in derivation.sections:
            self.section = section
            out += ["", f"## {escape(section.title)}"]
            for step in section.steps:
                out += ["", self.dispatch(step).rstrip("\n")]
        return "\n".join(out) + "\n"

    @staticmethod
    def display(math: str) -> str:
        return f"$${markdown_maths(math)}$$"

    @staticmethod
    def inline(math: str) -> str:
        return f"${markdown_maths(math)}$"

    @staticmethod
    def note(text: str | None) -> str:
        return f"\n\n*{escape(text)}*" if text else ""

    def items(self, relations: tuple[Any, ...]) -> str:
        return "\n".join(f"- {self.inline(self.relation(item))}" for item in relations)

    # ---------------------------------------------------------- steps
    def _render_Prose(self, step: s.Prose) -> str:
        parts = [escape(step.text)] if step.text else []
        if step.math is not None:
            parts.append(self.display(self.relation(step.math)))
        return "\n\n".join(parts)

    def _render_Given(self, step: s.Given) -> str:
        return "Given:\n\n" + self.items(step.items)

    def _render_Definition(self, step: s.Definition) -> str:
        math = self.relation(step.formula)
        if step.derivative is not None:
            math += r",\qquad " + self.relation(step.derivative)
        return self.display(math) + self.note(step.sentence)

    def parts_block(self, parts: tuple[Any, ...]) -> str:
        return "\n\n" + self.items(parts)

    def _render_Table(self, step: s.Table) -> str:
        def cell(value: Any) -> str:
            if isinstance(value, str):
                return escape(value)
            return self.inline(self.math(value).replace("|", r"\vert "))  # a bare | would end the cell

        lines = [] if self._same_title(step.title) else [f"**{escape(step.title)}**", ""]
        lines.append("| " + " | ".join(escape(c) for c in step.columns) + " |")
        lines.append("|" + "|".join("---" for _ in step.columns) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in step.rows]
        return "\n".join(lines)

    def _render_Pitfall(self, step: s.Pitfall) -> str:
        return f"> ⚠ {escape(step.text)}"

    def math(self, expr: Any) -> str:
        return self.printer.print(expr) if not isinstance(expr, m.Relation) else self.relation(expr)
