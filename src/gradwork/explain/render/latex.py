r"""LaTeX: formulas (``w^{(1)}_{12}``, ``\frac{\partial L}{\partial w}``) and a standalone document.

The document needs only article, amsmath, amssymb, geometry and longtable
(all in Debian's texlive-latex-base) and compiles with
``pdflatex -halt-on-error``. pdflatex cannot typeset arbitrary Unicode, so
text is converted to LaTeX (σ -> ``\ensuremath{\sigma}``, ① ->
``\textcircled{\scriptsize 1}``: :mod:`gradwork.explain.render.latex_text`);
Markdown and HTML, whose math engines read Unicode, use the same printer with
``unicode_text=True``.

This module's job is LaTeX math and the LaTeX document: the formula printer
(:class:`LatexPrinter`), the steps as display math shared by the LaTeX,
Markdown and HTML documents (:class:`MathDocument`), and the standalone
document fitted to its text block (:class:`LatexRenderer`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render.base import array_is_matrix, dedupe, FLAG, Printer, Renderer, reused_note, Setting
from gradwork.explain.render.latex_text import latex_text, prose_latex, unicode_math, visible_width, widest_matrix
from gradwork.explain.render.notation import CALLS, FUNCTIONS, GREEK, GREEK_LATEX, IDENTIFIER, join_indices
from gradwork.explain.render.precedence import PREC_ATOM, PREC_POSTFIX, PREC_PRODUCT, PREC_RELATION, PREC_SUM
from gradwork.explain.render.text import printed_once, product_factors, rounded_floats, split_primes

LINE_WIDTH = 64  # visible characters one display line holds (11 pt, A4, 2 cm margins), with room to spare

_MATH_ESCAPES = {"{": r"\{", "}": r"\}", "\\": r"\backslash ", "$": r"\$", "%": r"\%", "#": r"\#", "&": r"\&"}
_TEXT_SPECIAL = re.compile(r"([{}\\$%#&])")
_TALL = re.compile(r"\\(frac|tfrac|begin|sum|left|sqrt)")


# ---------------------------------------------------------------- formulas


ACCENT_COMMANDS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "dot": "dot", "ddot": "ddot", "vec": "vec"}


_SYMBOLS: dict[tuple[Any, ...], str] = {}  # (printer class, settings, symbol, extra superscript) -> LaTeX


class LatexPrinter(Printer):
    TIMES = r" \cdot "
    r"""Formulas as LaTeX math: ``z^{(1)} = W^{(1)} x = \begin{pmatrix} 5 \\ 7 \end{pmatrix}``.

    ``unicode_text``: whether ``\text{}`` may hold Unicode (MathJax, MathML)
    or must be pdflatex-safe ASCII.
    """

    MINUS = "-"

    settings_spec: ClassVar[dict[str, Setting]] = {"unicode_text": FLAG}
    latex = True
    fraction_is_atom = True
    quotient_is_atom = True
    HADAMARD = r" \odot "
    RELATIONS: ClassVar[dict[str, str]] = {
        "=": "=", "≈": r"\approx", "←": r"\leftarrow", "<": "<", ">": ">", "≤": r"\le", "≥": r"\ge"}
    PRODUCT_SIGNS: ClassVar[dict[str, str]] = {"dot": r" \cdot ", "hadamard": r" \odot ", m.MATRIX: " "}

    def bracket(self, text: str) -> str:
        return rf"\left({text}\right)" if _TALL.search(text) else f"({text})"

    def text(self, words: str) -> str:
        if not self.settings["unicode_text"]:
            return rf"\text{{{latex_text(words)}}}"
        # Math engines take \text{} literally (no \{ inside), so LaTeX's specials go between text runs.
        pieces = []
        for run in _TEXT_SPECIAL.split(words):
            if not run:
                continue
            pieces.append(_MATH_ESCAPES[run] if run in _MATH_ESCAPES else rf"\text{{{run}}}")
        return "".join(pieces) or r"\text{}"

    def relation_op(self, op: str) -> str:
        return self.RELATIONS.get(op, op)

    # ---------------------------------------------------------- names
    def name(self, base: str) -> tuple[str, bool]:
        """A symbol's base as LaTeX, and whether it is simple enough to take scripts directly."""
        if base in GREEK:
            return "\\" + base, True
        if base in GREEK_LATEX:
            return GREEK_LATEX[base], True
        match = IDENTIFIER.match(base)
        if match:
            letters, digits = match.groups()
            if letters in GREEK_LATEX:
                head = GREEK_LATEX[letters]
            elif not letters.isascii():
                return "{" + unicode_math(base, self.settings["unicode_text"]) + "}", False
            else:
                head = letters if len(letters) == 1 else rf"\mathrm{{{letters}}}"
            return (head + f"_{{{digits}}}", False) if digits else (head, True)
        return "{" + unicode_math(base, self.settings["unicode_text"]) + "}", False

    def layer(self, layer: str) -> str:
        if layer.isalpha() and len(layer) > 1:
            return rf"\mathrm{{{latex_text(layer)}}}"
        return unicode_math(layer, self.settings["unicode_text"])

    def function(self, name: str) -> str:
        if name in FUNCTIONS:
            return FUNCTIONS[name][1]
        if name in GREEK:
            return "\\" + name
        if name in GREEK_LATEX:
            return GREEK_LATEX[name]
        if len(name) == 1 and name.isascii() and name.isalpha():
            return name
        if re.fullmatch(r"[A-Za-z_]+", name):
            escaped = name.replace("_", r"\_")
            return rf"\operatorname{{{escaped}}}"
        return "{" + unicode_math(name, self.settings["unicode_text"]) + "}"

    # ---------------------------------------------------------- nodes
    def _print_Symbol(self, symbol: m.Symbol, extra_sup: str = "") -> str:
        # A symbol prints the same under the same printer class and settings: printed once, read back after.
        key = (type(self), tuple(self.settings.items()), symbol, extra_sup)
        text = _SYMBOLS.get(key)
        if text is None:
            if len(_SYMBOLS) >= 4096:
                _SYMBOLS.clear()
            text = _SYMBOLS[key] = self._symbol(symbol, extra_sup)
        return text

    def _symbol(self, symbol: m.Symbol, extra_sup: str) -> str:
        base, simple = self.name(symbol.base)
        if symbol.accent:
            base, simple = rf"\{ACCENT_COMMANDS.get(symbol.accent, symbol.accent)}{{{base}}}", True
        sub = self.subscript_text(symbol.sub) if symbol.sub else ""
        if symbol.of is not None:
            sub = (sub + "," if sub else "") + self.print(symbol.of)
        if sub:
            base, simple = (base if simple else "{" + base + "}") + f"_{{{sub}}}", False
        text = base + ("'" if symbol.updated else "")
        sup = ("(" + self.layer(symbol.layer) + ")" if symbol.layer is not None else "") + extra_sup
        if symbol.step is not None and symbol.step_raised:
            sup += f"({symbol.step})"
        if sup:
            text += f"^{{{sup}}}"
        labels = symbol.index_labels()
        if labels:
            if not symbol.one_based:  # a graph name's element, 0-based as in the file: x[0] in every format
                text += "[" + ",".join(labels) + "]"
            else:
                index = join_indices(labels)
                text += f"_{{{index}}}" if simple or sup else f"[{index}]"
        if symbol.step is not None and not symbol.step_raised:
            text += f"[{symbol.step}]"
        return text

    def subscript_text(self, sub: str) -> str:
        """A name's own subscript: a word upright (E with subscript total in roman), digits and tags as they are."""
        if re.fullmatch(r"[A-Za-z]{3,}", sub):
            return rf"\mathrm{{{sub}}}"
        return latex_text(sub) if not sub.isascii() else sub

    def _print_Number(self, number: m.Number) -> str:
        n = self.numeral(number)
        sign = "-" if n.negative else ""
        if n.kind == "sympy":
            import sympy  # heavy: imported only for SymPy values (symbolic mode)

            # ln for the natural log; an unevaluated −1·a (numbers put into 1 − y) reads −a
            shown = rounded_floats(n.value, self.settings["digits"])
            return printed_once("latex", shown, lambda value: re.sub(r"(^|[-+(] ?)1 \\cdot ", r"\1",
                                                                      sympy.latex(value, ln_notation=True)))
        if n.kind == "fraction":
            return rf"{sign}\frac{{{n.digits}}}{{{n.denominator}}}"
        if n.kind == "scientific":
            return rf"{sign}{n.digits} \times 10^{{{n.exponent}}}"
        if n.kind == "infinity":
            return sign + r"\infty"
        if n.kind == "nan":
            return r"\text{NaN}"
        return sign + n.digits

    def _print_Array(self, array: m.Array) -> str:
        if not array_is_matrix(array):
            body = (" & " if array.row else r" \\ ").join(self.print(e) for e in array.rows)
        else:
            body = r" \\ ".join(" & ".join(self._cell(c) for c in row) for row in array.rows)
        return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"

    def _cell(self, cell: Any) -> str:
        if isinstance(cell, (tuple, list)):
            return self._print_Array(m.Array(tuple(cell)))
        return self.print(cell)

    def _print_Product(self, expr: m.Product) -> str:
        return self.PRODUCT_SIGNS[expr.kind].join(product_factors(self, expr))

    def _print_Quotient(self, expr: m.Quotient) -> str:
        return rf"\frac{{{self.print(expr.numerator)}}}{{{self.print(expr.denominator)}}}"

    def _print_Power(self, expr: m.Power) -> str:
        base = self.print(expr.base, PREC_ATOM)
        if base.startswith((r"\frac", r"-\frac")):  # an atom, but a raised fraction reads as raising its denominator
            base = self.bracket(base)
        return f"{base}^{{{self.print(expr.exponent)}}}"

    def _print_Neg(self, expr: m.Neg) -> str:
        return "-" + self.print(expr.operand, PREC_PRODUCT)

    def _print_Call(self, expr: m.Call) -> str:
        name, primes = split_primes(expr.function)
        args = ", ".join(self.print(a) for a in expr.args)
        call = CALLS.get(name)
        if call is not None and len(expr.args) == 1 and not primes:  # the registry's call form: \sqrt{x}, |x|
            return call[1].replace("$x", args)
        return self.function(name) + "'" * primes + self.bracket(args)

    def _print_Transpose(self, expr: m.Transpose) -> str:
        if isinstance(expr.operand, m.Symbol):
            return self._print_Symbol(expr.operand, extra_sup=r"\top")
        return self.print(expr.operand, PREC_ATOM) + r"^{\top}"

    def _print_Derivative(self, expr: m.Derivative) -> str:
        wrt = self.print(expr.wrt, PREC_POSTFIX)
        if self.precedence(expr.of) >= PREC_POSTFIX:
            return rf"\frac{{\partial {self.print(expr.of)}}}{{\partial {wrt}}}"
        return rf"\frac{{\partial}}{{\partial {wrt}}}\left({self.print(expr.of)}\right)"

    def _print_Label(self, expr: m.Label) -> str:
        return rf"\text{{{expr.tag}}}"

    def _print_Words(self, expr: m.Words) -> str:
        return self.text(expr.text)

    def _print_Cases(self, expr: m.Cases) -> str:
        rows = []
        for value, condition in expr.branches:
            when = self.print(condition) if isinstance(condition, m.Words) else \
                rf"\text{{if }} {self.print(condition)}"
            rows.append(f"{self.print(value)} & {when}")
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    def _print_Relation(self, expr: m.Relation) -> str:
        sign = f" {self.relation_op(expr.op)} "
        return sign.join(self.print(side, PREC_RELATION + 1) for side in expr.sides)


# ---------------------------------------------------------------- shared by the LaTeX-math documents


class MathDocument(Renderer):
    """Steps as LaTeX formulas plus prose; subclasses decide how text and math are wrapped."""

    unicode_text: ClassVar[bool] = False

    def setup(self, derivation: s.Derivation) -> None:
        self.printer = LatexPrinter(digits=self.settings["digits"], unicode_text=self.unicode_text)
        self.values = self.factor_values(derivation)

    def math(self, expr: Any) -> str:
        return self.printer.print(expr)

    def chain(self, sides: list[Any], op: str = "=") -> str:
        printed = [self.printer.print(side, PREC_RELATION + 1) for side in sides]
        return f" {self.printer.relation_op(op)} ".join(printed[i] for i in dedupe(printed))

    def relation(self, expr: Any) -> str:
        if isinstance(expr, m.Relation):
            return self.chain(list(expr.sides), expr.op)
        return self.math(expr)

    def compute_math(self, step: s.Compute) -> str:
        return self.chain(self.compute_sides(step))

    def factor_math(self, step: s.Factor) -> str:
        sides = step.sides()
        return self.math(m.Label(step.label)) + r"\quad " + self.chain(sides)

    def chain_math(self, step: s.ChainProduct) -> str:
        return self.chain(self.chain_sides(step, self.values))

    def fork_math(self, step: s.Fork) -> str:
        contributions = m.Sum(step.contributions) if len(step.contributions) > 1 else step.contributions[0]
        return self.chain([step.lhs, contributions, step.total])

    def chain_notes(self, step: s.ChainProduct) -> list[str]:
        reused = reused_note(step.reused, lambda n: m.Label(n).tag)
        return [note for note in (reused, step.note) if note]

    # Steps whose layout is the same in every math document: a displayed formula plus notes.
    def parts_block(self, parts: tuple[Any, ...]) -> str:
        raise NotImplementedError

    def display(self, math: str) -> str:
        raise NotImplementedError

    def note(self, text: str | None) -> str:
        raise NotImplementedError

    def _render_Compute(self, step: s.Compute) -> str:
        out = self.display(self.compute_math(step))
        if step.parts:
            out += self.parts_block(step.parts)
        return out + self.note(step.note)

    def _render_Factor(self, step: s.Factor) -> str:
        return self.display(self.factor_math(step))

    def _render_ChainProduct(self, step: s.ChainProduct) -> str:
        return self.display(self.chain_math(step)) + "".join(self.note(n) for n in self.chain_notes(step))

    def _render_Fork(self, step: s.Fork) -> str:
        return self.display(self.fork_math(step)) + self.note(step.reason)

    def _render_Update(self, step: s.Update) -> str:
        return self.display(self.relation(step.relation)) + (self.note("Frozen: not updated.") if step.frozen else "")


class LatexRenderer(MathDocument):
    """A standalone LaTeX document (``pdflatex -halt-on-error`` compiles it)."""

    PREAMBLE = "\n".join([
        r"\documentclass[11pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{longtable}",
        r"\setcounter{MaxMatrixCols}{COLUMNS}",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.5em}",
        r"\allowdisplaybreaks",
    ])
    # amsmath's matrices take at most MaxMatrixCols columns (10 by default), and pdflatex builds every matrix's
    # column template that wide: 100 made a page of small matrices 6-8x slower to compile. So the document asks
    # for its widest matrix, and never for less than amsmath's 10.
    MATRIX_COLUMNS = 10

    def render(self, derivation: s.Derivation) -> str:
        self.setup(derivation)
        title = self.text(derivation.title or "Worked solution")
        out = [r"\begin{document}", r"\section*{" + title + "}"]
        if self.preface(derivation):
            out.append(r"\textit{" + self.text(self.preface(derivation)) + "}")
        out.append("")
        for section in derivation.sections:
            self.section = section
            out.append(r"\subsection*{" + self.text(section.title) + "}")
            for step in section.steps:
                out.append(self.dispatch(step))
            out.append("")
        out.append(r"\end{document}")
        body = "\n".join(out) + "\n"
        columns = max(self.MATRIX_COLUMNS, widest_matrix(body))
        return self.PREAMBLE.replace("{COLUMNS}", f"{{{columns}}}") + "\n" + body

    def text(self, words: str) -> str:
        return prose_latex(words)

    @staticmethod
    def display(math: str) -> str:
        return r"\[ " + math + r" \]"

    # ---------------------------------------------------------- fitting the text block
    def display_sides(self, sides: list[Any], lead: str = "", op: str = "=") -> str:
        """lhs = a = b = c on one line when it fits, else one side per line aligned at the signs;
        a side that is still too wide (a long sum) breaks after its terms."""
        printed = [self.printer.print(side, PREC_RELATION + 1) for side in sides]
        keep = dedupe(printed)
        kept = [sides[i] for i in keep]
        texts = [printed[i] for i in keep]
        sign = f" {self.printer.relation_op(op)} "
        whole = lead + sign.join(texts)
        if visible_width(whole) <= LINE_WIDTH or len(texts) < 2:
            return self.display(whole)
        lines = [f"{lead}{texts[0]} &{sign.strip()} {self._broken(kept[1], texts[1])}"]
        lines += [f"&{sign.strip()} {self._broken(side, text)}" for side, text in zip(kept[2:], texts[2:])]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def _broken(self, side: Any, text: str) -> str:
        """A side too wide for one line: a sum broken after every few terms (each line stays in the block)."""
        if visible_width(text) <= LINE_WIDTH - 8 or not isinstance(side, m.Sum) or len(side.terms) < 2:
            return text
        pieces: list[str] = []
        current = ""
        for i, term in enumerate(side.terms):
            piece = self.printer.print(term, PREC_SUM)
            if i:
                piece = f"- {piece[1:].lstrip()}" if piece.startswith("-") else f"+ {piece}"
            if current and visible_width(current + piece) > LINE_WIDTH - 8:
                pieces.append(current)
                current = ""
            current += (" " if current else "") + piece
        pieces.append(current)
        return " \\\\\n&\\quad ".join(pieces)

    def _render_Compute(self, step: s.Compute) -> str:
        out = self.display_sides(self.compute_sides(step))
        if step.parts:
            out += self.parts_block(step.parts)
        return out + self.note(step.note)

    def _render_Factor(self, step: s.Factor) -> str:
        return self.display_sides(step.sides(), lead=self.math(m.Label(step.label)) + r"\quad ")

    def _render_ChainProduct(self, step: s.ChainProduct) -> str:
        return self.display_sides(self.chain_sides(step, self.values)) + \
            "".join(self.note(n) for n in self.chain_notes(step))

    def _render_Update(self, step: s.Update) -> str:
        out = self.display_sides(list(step.relation.sides), op=step.relation.op)
        return out + (self.note("Frozen: not updated.") if step.frozen else "")

    def aligned(self, items: tuple[Any, ...]) -> str:
        """Relations one per line, aligned at their first sign; a relation too wide for the text block
        continues on the next lines, one side each."""
        lines = []
        for item in items:
            if isinstance(item, m.Relation) and len(item.sides) > 1:
                sign = self.printer.relation_op(item.op)
                printed = [self.printer.print(side, PREC_RELATION + 1) for side in item.sides]
                keep = dedupe(printed)
                kept, texts = [item.sides[i] for i in keep], [printed[i] for i in keep]
                if len(texts) < 2:
                    lines.append("&" + texts[0])
                    continue
                if visible_width(f" {sign} ".join(texts)) <= LINE_WIDTH:
                    lines.append(f"{texts[0]} &{sign} " + f" {sign} ".join(texts[1:]))
                    continue
                lines.append(f"{texts[0]} &{sign} {self._broken(kept[1], texts[1])}")
                lines += [f"&{sign} {self._broken(side, text)}" for side, text in zip(kept[2:], texts[2:])]
            else:
                lines.append("&" + self.math(item))
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def note(self, text: str | None) -> str:
        return ("\n" + r"{\small\itshape " + self.text(text) + "}\n") if text else ""

    # ---------------------------------------------------------- steps
    def _render_Prose(self, step: s.Prose) -> str:
        out = self.text(step.text) + "\n" if step.text else ""
        return out + (self.display(self.relation(step.math)) if step.math is not None else "")

    def _render_Given(self, step: s.Given) -> str:
        return "Given:\n" + self.aligned(step.items)

    def _render_Definition(self, step: s.Definition) -> str:
        lines = [self.relation(step.formula)]
        if step.derivative is not None:
            lines.append(self.relation(step.derivative))
        return "\\begin{gather*}\n" + " \\\\\n".join(lines) + "\n\\end{gather*}" + self.note(step.sentence)

    def parts_block(self, parts: tuple[Any, ...]) -> str:
        return "\n" + self.aligned(parts)

    def _render_Table(self, step: s.Table) -> str:
        if any(not isinstance(c, str) and visible_width(self.math(c)) > 14 for row in step.rows for c in row):
            return self._table_as_lines(step)
        columns = len(step.columns)
        head = " & ".join(r"\textbf{" + self.text(c) + "}" for c in step.columns)
        rows = [" & ".join(self.text(c) if isinstance(c, str) else f"${self.math(c)}$" for c in row)
                for row in step.rows]
        # tabular, not longtable: longtable settles its column widths over two pdflatex runs.
        lines = [r"\begin{tabular}{" + "l" * columns + "}", r"\hline", head + r" \\", r"\hline"]
        lines += [row + r" \\" for row in rows]
        lines += [r"\hline", r"\end{tabular}"]
        title = "" if self._same_title(step.title) else r"\textbf{" + self.text(step.title) + "}\n"
        return title + "\n".join(lines)


    def _table_as_lines(self, step: s.Table) -> str:
        """A table of matrices is wider than the page: one quantity per block, one column per line."""
        blocks = []
        for row in step.rows:
            name, cells = row[0], row[1:]
            head = self.text(name) if isinstance(name, str) else self.math(name)
            lines = [f"&{head}"]
            lines += [r"\text{" + self.text(column) + "} &= " + self.math(cell)
                      for column, cell in zip(step.columns[1:], cells) if not isinstance(cell, str)]
            blocks.append(" \\\\\n".join(lines))
        title = "" if self._same_title(step.title) else r"\textbf{" + self.text(step.title) + "}\n"
        return title + "\\begin{align*}\n" + " \\\\[6pt]\n".join(blocks) + "\n\\end{align*}"

    def _render_Pitfall(self, step: s.Pitfall) -> str:
        return r"\textbf{!}~" + self.text(step.text) + "\n"
