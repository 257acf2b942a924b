"""Terminal text: formulas in Unicode (w⁽¹⁾₁₂, ∂L/∂w, σ′), plain or coloured with rich.

With ``color=True`` headings are coloured and every result is highlighted
(rich, ANSI escapes); with ``color=False`` (output piped or written to a
file) the same lines come out as plain text and tables as ASCII.
"""

from __future__ import annotations

import re
import textwrap
from io import StringIO
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render.base import array_is_matrix, dedupe, FLAG, Printer, Renderer, reused_note, Setting
from gradwork.explain.render.notation import (
    CALLS, EXPONENT_CHARS, FUNCTIONS, GREEK, IDENTIFIER, PRIMES, subscript, superscript,
)
from gradwork.explain.render.precedence import (
    MINUS_SIGNS, PREC_ATOM, PREC_NEG, PREC_POSTFIX, PREC_POWER, PREC_PRODUCT, PREC_QUOTIENT, PREC_RELATION,
)

# ---------------------------------------------------------------- formulas


class TextPrinter(Printer):
    """Formulas as one line of Unicode text: ``net⁽¹⁾ = W⁽¹⁾x = (−2·2 + 3·3, 2·2 + 1·3) = (5, 7)``.

    Layer superscripts and 1-based indices use Unicode super/subscripts where
    every character has one (``w⁽¹⁾₁₂``, ``δ⁽ˡ⁾ⱼ``) and fall back to
    ``w^(out)_(10,2)`` otherwise; graph-form names keep 0-based brackets (``x[0]``).
    """

    RELATIONS: ClassVar[dict[str, str]] = {"=": "=", "≈": "≈", "←": "←", "<": "<", ">": ">", "≤": "≤", "≥": "≥"}
    PRODUCT_SIGNS: ClassVar[dict[str, str]] = {"dot": "·", "hadamard": " ⊙ ", m.MATRIX: ""}

    def _print_Symbol(self, symbol: m.Symbol) -> str:
        return symbol.text()  # the notation model's own Unicode form (gradwork.problem.notation)

    def _print_Number(self, number: m.Number) -> str:
        n = self.numeral(number)
        sign = "−" if n.negative else ""
        if n.kind == "sympy":
            return sympy_text(rounded_floats(n.value, self.settings["digits"]))
        if n.kind == "fraction":
            return f"{sign}{n.digits}/{n.denominator}"
        if n.kind == "scientific":
            return f"{sign}{n.digits}×10{superscript(str(n.exponent))}"
        if n.kind == "infinity":
            return f"{sign}∞"
        if n.kind == "nan":
            return "NaN"
        return sign + n.digits

    def _print_Array(self, array: m.Array) -> str:
        if not array_is_matrix(array):
            inside = ", ".join(self.print(e) for e in array.rows)
            return f"[{inside}]" if array.row else f"({inside})"  # a row is a 1 × n matrix; a column a tuple
        return self._rows(array.rows)

    def _rows(self, rows: Any) -> str:
        if isinstance(rows, (tuple, list)):
            return "[" + ", ".join(self._rows(r) for r in rows) + "]"
        return self.print(rows)

    def _print_Product(self, expr: m.Product) -> str:
        texts = product_factors(self, expr)
        if expr.kind != m.MATRIX:
            return self.PRODUCT_SIGNS[expr.kind].join(texts)
        out = texts[0]
        for text in texts[1:]:
            if text[:1] == "∂" or out[-1:].isalnum() and text[:1].isalnum() and \
                    not (out[-1:] in "⁾ᵀ" or text[:1].isdigit()):
                out += " "  # Σₖ δₖ, W x; but W⁽¹⁾x and xᵀW stay together
            out += text
        return out

    def _print_Quotient(self, expr: m.Quotient) -> str:
        return f"{self.print(expr.numerator, PREC_NEG)} / {self.print(expr.denominator, PREC_POWER)}"

    def _print_Power(self, expr: m.Power) -> str:
        base = self.print(expr.base, PREC_ATOM)
        exponent = self.print(expr.exponent)
        raised = superscript(exponent, EXPONENT_CHARS)
        if raised:
            return base + raised
        if self.precedence(expr.exponent) < PREC_ATOM or exponent.startswith(MINUS_SIGNS):
            exponent = self.bracket(exponent)
        return f"{base}^{exponent}"

    def _print_Neg(self, expr: m.Neg) -> str:
        return "−" + self.print(expr.operand, PREC_PRODUCT)

    def _print_Call(self, expr: m.Call) -> str:
        name, primes = split_primes(expr.function)
        args = [self.print(a) for a in expr.args]
        call = CALLS.get(name)
        if call is not None and len(args) == 1 and not primes:  # the registry's call form: √x, |x|
            before, _, after = call[0].partition("$x")
            enclosed = bool(after) or self.precedence(expr.args[0]) >= PREC_ATOM
            return before + (args[0] if enclosed else self.bracket(args[0])) + after
        return f"{function_text(name)}{'′' * primes}({', '.join(args)})"

    def _print_Transpose(self, expr: m.Transpose) -> str:
        if isinstance(expr.operand, m.Symbol):
            return self.print(expr.operand) + "ᵀ"
        return self.print(expr.operand, PREC_ATOM) + "ᵀ"

    def _print_Derivative(self, expr: m.Derivative) -> str:
        return f"∂{self.print(expr.of, PREC_POSTFIX)}/∂{self.print(expr.wrt, PREC_POSTFIX)}"

    def _print_Label(self, expr: m.Label) -> str:
        return expr.tag

    def _print_Words(self, expr: m.Words) -> str:
        return expr.text

    def _print_Cases(self, expr: m.Cases) -> str:
        branches = []
        for value, condition in expr.branches:
            when = self.print(condition) if isinstance(condition, m.Words) else "if " + self.print(condition)
            branches.append(f"{self.print(value)} {when}")
        return "{" + "; ".join(branches) + "}"

    def _print_Relation(self, expr: m.Relation) -> str:
        sign = f" {self.RELATIONS.get(expr.op, expr.op)} "
        return sign.join(self.print(side, PREC_RELATION + 1) for side in expr.sides)

    def relation_op(self, op: str) -> str:
        return self.RELATIONS.get(op, op)

    def template_literal(self, literal: str) -> str:
        return typeset_template(literal)

    def place_binding(self, out: list[str], before: str, text: str) -> None:
        raised = superscript(text, EXPONENT_CHARS) if before.endswith(("^", "**")) else None
        if raised and out and out[-1].endswith("^"):
            out[-1] = out[-1][:-1]
            out.append(raised)
        else:
            self.separate_numbers(out, text)
            out.append(text)

    def finish_template(self, text: str) -> str:
        def raise_group(match: re.Match) -> str:
            return superscript(match.group(1).replace(" ", ""), EXPONENT_CHARS) or match.group(0)

        text = _EXPONENT_GROUP.sub(raise_group, text)
        # A registry rule written the Python way, (1 if x ≥ 0 else α), reads as cases: {1 if x ≥ 0; α otherwise}.
        return _CONDITIONAL.sub(lambda c: f"{{{c.group(1)} if {c.group(2)}; {c.group(3)} otherwise}}", text)


_EXPONENT_GROUP = re.compile(r"\^\(([^()]*)\)")


_CONDITIONAL = re.compile(r"\(([^()]+?) if ([^()]+?) else ([^()]+?)\)")


def product_factors(printer: Printer, expr: m.Product) -> list[str]:
    """Each factor printed: the first may keep a leading minus; later ones, and nested products, are bracketed."""
    if not expr.factors:
        return ["1"]
    first = expr.factors[0]
    texts = [printer.print(first, PREC_NEG)]
    if len(expr.factors) > 1 and printer.precedence(first) == PREC_QUOTIENT:
        texts[0] = printer.bracket(texts[0])  # (1 / 2)·x, not 1 / 2·x
    for factor in expr.factors[1:]:
        text = printer.print(factor, PREC_PRODUCT)
        if isinstance(factor, m.Product) and len(factor.factors) > 1 and printer.precedence(factor) >= PREC_PRODUCT:
            text = printer.bracket(text)  # keep the grouping the derivation built: 4·(−2)·(2·5)
        texts.append(text)
    return texts


def split_primes(name: str) -> tuple[str, int]:
    stripped = name.rstrip("".join(PRIMES))
    return stripped, len(name) - len(stripped)


def function_text(name: str) -> str:
    if name in FUNCTIONS:
        return FUNCTIONS[name][0]
    return GREEK.get(name, name)


def name_text(name: str) -> str:
    """A symbol's base in Unicode: Greek names as letters, trailing digits as subscripts (w6 -> w₆)."""
    if name in GREEK:
        return GREEK[name]
    match = IDENTIFIER.match(name)
    if match and match.group(2):
        return GREEK.get(match.group(1), match.group(1)) + (subscript(match.group(2)) or match.group(2))
    return name


_TYPOGRAPHY: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\*\*"), "^"),
    (re.compile(r"\s*\*\s*"), "·"),
    (re.compile(r"\s*@\s*"), " "),
    (re.compile(r">="), "≥"),
    (re.compile(r"<="), "≤"),
    (re.compile(r"=="), "="),
    (re.compile(r"!="), "≠"),
    (re.compile(r"-"), "−"),
    (re.compile(r"\b1/2\b"), "½"),
    (re.compile(r"\^2\b"), "²"),
    (re.compile(r"\^T\b|\.T\b"), "ᵀ"),
    (re.compile(r"\bleaky_relu\b"), "LeakyReLU"),
    (re.compile(r"\blog_softmax\b"), "ln softmax"),
    (re.compile(r"\bsigmoid\b"), "σ"),
    (re.compile(r"\brelu\b"), "ReLU"),
    (re.compile(r"\blog\b"), "ln"),
    (re.compile(r"\bsqrt\b"), "√"),
    (re.compile(r"\balpha\b"), "α"),
    (re.compile(r"\bPhi\b"), "Φ"),
    (re.compile(r"\bphi\b"), "φ"),
    (re.compile(r"\bgelu\b"), "GELU"),
    (re.compile(r"\belu\b"), "ELU"),
    (re.compile(r"\bsum_(?=[a-z]\b)"), "Σ_"),
    (re.compile(r"(?<=[A-Za-zΣ)])_([a-z0-9])\b"), lambda match: subscript(match.group(1)) or match.group(0)),
]


def typeset_template(literal: str) -> str:
    """The registry's ASCII text templates in the notation the text printer uses (·, −, σ, ln, ²)."""
    for pattern, replacement in _TYPOGRAPHY:
        literal = pattern.sub(replacement, literal)
    return literal


# ---------------------------------------------------------------- documents


@dataclass
class _Line:
    segments: list[tuple[str, str]]  # (text, style name)
    indent: int = 0


@dataclass
class _TableBlock:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


_BLANK = _Line([])


class TextRenderer(Renderer):
    """A derivation as terminal text."""

    settings_spec: ClassVar[dict[str, Setting]] = {
        "color": FLAG,
        "width": Setting(100, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 40,
                         "an integer of at least 40 (characters per line)"),
    }
    STYLES: ClassVar[dict[str, str]] = {
        "title": "bold", "heading": "bold cyan", "result": "bold green", "label": "bold magenta",
        "note": "dim", "pitfall": "yellow", "plain": "",
    }
    STEP_INDENT = 2
    DETAIL_INDENT = 6

    def render(self, derivation: s.Derivation) -> str:
        self.printer = TextPrinter(digits=self.settings["digits"])
        self.values = self.factor_values(derivation)
        blocks: list[Any] = [
            _Line([(derivation.title or "Worked solution", "title")]),
            _Line([("=" * max(len(derivation.title or "Worked solution"), 3), "title")]),
        ]
        if self.preface(derivation):
            blocks.append(_Line([(self.preface(derivation), "note")]))
        for section in derivation.sections:
            self.section = section
            blocks += [_BLANK, _Line([(section.title, "heading")]), _Line([("-" * len(section.title), "heading")])]
            for step in section.steps:
                blocks.extend(self.dispatch(step))
        return self._rich(blocks) if self.settings["color"] else self._plain(blocks)


    # ---------------------------------------------------------- pieces
    def _p(self, expr: Any) -> str:
        return self.printer.print(expr, PREC_RELATION + 1)

    def _chain(self, sides: list[Any], op: str = "=", lead: list[tuple[str, str]] | None = None,
               indent: int = STEP_INDENT, highlight: bool = True) -> _Line:
        """lhs = … = result, the result highlighted; sides that repeat the previous one are dropped."""
        printed = [self._p(side) for side in sides]
        kept = [printed[i] for i in dedupe(printed)]
        sign = f" {self.printer.relation_op(op)} "
        segments = list(lead or [])
        if len(kept) > 1:
            segments.append((sign.join(kept[:-1]) + sign, "plain"))
        segments.append((kept[-1], "result" if highlight and len(kept) > 1 else "plain"))
        return _Line(segments, indent)

    def _relation(self, relation: Any, indent: int, highlight: bool = False) -> _Line:
        """A stated relation; ``highlight`` marks its last side as a computed result."""
        if isinstance(relation, m.Relation):
            return self._chain(list(relation.sides), relation.op, indent=indent, highlight=highlight)
        return _Line([(self.printer.print(relation), "plain")], indent)

    def _wrapped(self, text: str, style: str, indent: int, first: str = "") -> list[_Line]:
        width = self.settings["width"] - indent
        lines = textwrap.wrap(text, width=width, initial_indent=first,
                              subsequent_indent=" " * len(first)) or [first]
        return [_Line([(line, style)], indent) for line in lines]

    def _note(self, text: str | None) -> list[_Line]:
        return self._wrapped(text, "note", self.DETAIL_INDENT) if text else []

    # ---------------------------------------------------------- steps
    def _render_Prose(self, step: s.Prose) -> list[Any]:
        lines = self._wrapped(step.text, "plain", self.STEP_INDENT) if step.text else []
        if step.math is not None:
            lines.append(self._relation(step.math, self.DETAIL_INDENT))
        return lines

    def _render_Given(self, step: s.Given) -> list[Any]:
        return [_Line([("Given:", "plain")], self.STEP_INDENT)] + [
            self._relation(item, self.DETAIL_INDENT) for item in step.items]

    def _render_Definition(self, step: s.Definition) -> list[Any]:
        lines = [self._relation(step.formula, self.STEP_INDENT)]
        if step.derivative is not None:
            lines.append(self._relation(step.derivative, self.DETAIL_INDENT))
        return lines + self._note(step.sentence)

    def _render_Compute(self, step: s.Compute) -> list[Any]:
        lines = [self._chain(self.compute_sides(step))]
        lines += [self._relation(part, self.DETAIL_INDENT, highlight=True) for part in step.parts]
        return lines + self._note(step.note)

    def _render_Factor(self, step: s.Factor) -> list[Any]:
        sides = step.sides()
        label = self._p(m.Label(step.label))
        return [self._chain(sides, lead=[(label, "label"), (" ", "plain")])]

    def _render_ChainProduct(self, step: s.ChainProduct) -> list[Any]:
        lines = [self._chain(self.chain_sides(step, self.values))]
        lines += self._note(reused_note(step.reused, lambda n: self._p(m.Label(n))))
        return lines + self._note(step.note)

    def _render_Fork(self, step: s.Fork) -> list[Any]:
        contributions = m.Sum(step.contributions) if len(step.contributions) > 1 else step.contributions[0]
        return [self._chain([step.lhs, contributions, step.total])] + self._note(step.reason)

    def _render_Update(self, step: s.Update) -> list[Any]:
        line = self._relation(step.relation, self.STEP_INDENT, highlight=True)
        return [line] + (self._note("Frozen: not updated.") if step.frozen else [])

    def _render_Table(self, step: s.Table) -> list[Any]:
        rows = [[cell if isinstance(cell, str) else self._p(cell) for cell in row] for row in step.rows]
        if self._same_title(step.title):  # the section heading already names it
            return [_TableBlock("", list(step.columns), rows)]
        return [_BLANK, _TableBlock(step.title, list(step.columns), rows)]

    def _render_Pitfall(self, step: s.Pitfall) -> list[Any]:
        return self._wrapped(step.text, "pitfall", self.STEP_INDENT, first="⚠ ")

    # ---------------------------------------------------------- output
    def _plain(self, blocks: list[Any]) -> str:
        out: list[str] = []
        width = self.settings["width"]
        for block in blocks:
            if isinstance(block, _TableBlock):
                out.extend(fitted_table(block, self.STEP_INDENT, width))
            else:
                text = "".join(segment for segment, _ in block.segments).rstrip()
                out.extend(wrap_equation(text, block.indent, width))
        return "\n".join(out) + "\n"

    def _rich(self, blocks: list[Any]) -> str:
        from rich.console import Console  # rich: imported only for a terminal's colours
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        buffer = StringIO()
        console = Console(file=buffer, force_terminal=True, color_system="standard", width=self.settings["width"],
                          highlight=False, emoji=False, markup=False)
        width = self.settings["width"]
        for block in blocks:
            if isinstance(block, _TableBlock):
                if table_width(block, self.STEP_INDENT) > width:  # too wide: one block per quantity
                    for line in fitted_table(block, self.STEP_INDENT, width):
                        console.print(Text(line), soft_wrap=True)
                    continue
                table = Table(title=block.title or None, title_style=self.STYLES["heading"], title_justify="left")
                for column in block.columns:
                    table.add_column(column)
                for row in block.rows:
                    table.add_row(*row)
                console.print(Padding(table, (0, 0, 0, self.STEP_INDENT)))
                continue
            plain = "".join(segment for segment, _ in block.segments).rstrip()
            lines = wrap_equation(plain, block.indent, width)
            if len(lines) > 1:  # wrapped at the = signs: the result keeps its highlight on the last line
                result, style = block.segments[-1] if block.segments else ("", "plain")
                for line in lines[:-1]:
                    console.print(Text(line), soft_wrap=True)
                last = Text(lines[-1][:len(lines[-1]) - len(result)] if lines[-1].endswith(result) else lines[-1])
                if lines[-1].endswith(result):
                    last.append(result, style=self.STYLES[style] or None)
                console.print(last, soft_wrap=True)
                continue
            text = Text(" " * block.indent)
            for segment, style in block.segments:
                text.append(segment, style=self.STYLES[style] or None)
            console.print(text, soft_wrap=True)
        return buffer.getvalue()


CONTINUATION = 4  # a wrapped equation's later lines are indented this much more than its first


def wrap_equation(text: str, indent: int, width: int) -> list[str]:
    """One printed line (``indent`` spaces, then ``text``) in lines of at most ``width`` columns where it can be.

    It breaks before a top-level ``=`` first (later lines start with ``= …``, indented a little more), then
    before a top-level ``+``, ``−`` or ``⊙``, then after a comma inside an array (``[[…],`` / ``[…]]``), so every
    line reads as a continuation of the one before. A piece with no place to break stays whole.
    """
    if indent + len(text) <= width or not text:
        return [" " * indent + text] if text else [""]
    lines: list[str] = []
    current, pad = text, indent
    while pad + len(current) > width:
        cut = _break_at(current, width - pad, first=not lines)
        if cut is None:
            break
        lines.append(" " * pad + current[:cut].rstrip())
        current = current[cut:].lstrip()
        pad = indent + CONTINUATION
    lines.append(" " * pad + current)
    return lines


def _break_at(text: str, room: int, first: bool = False) -> int | None:
    """Where to break ``text`` so that its first part fits ``room`` columns: the best place at the lowest depth.

    The ``first`` line keeps its left side and one = at least: a line with the left side alone says nothing."""
    lhs_end = text.find(" = ") + 2 if first else 0
    candidates: dict[int, list[int]] = {}  # depth -> break positions (the second part starts there)
    depth = 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == " " and i + 2 < len(text) and text[i + 1] in "=+−⊙" and text[i + 2] == " ":
            level = 0 if text[i + 1] == "=" and depth == 0 else 1 if depth == 0 else 2 + 2 * depth
            candidates.setdefault(level, []).append(i + 1)
        elif char == "," and depth >= 1 and i + 1 < len(text) and text[i + 1] == " ":
            candidates.setdefault(1 + 2 * depth, []).append(i + 2)
    for level in sorted(candidates):
        fitting = [p for p in candidates[level] if max(0, lhs_end) < p <= room]
        if fitting:
            return max(fitting)
    for level in sorted(candidates):  # nothing fits: the earliest break, so the line is as short as it can be
        if candidates[level]:
            return min(p for p in candidates[level] if p > 0)
    return None


def table_width(table: _TableBlock, indent: int) -> int:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    return indent + sum(w + 3 for w in widths) + 1


def fitted_table(table: _TableBlock, indent: int, width: int) -> list[str]:
    """The ASCII table, or, when it is wider than ``width``, one block per row: its first cell, then each
    other column's name and value on a line of its own (wrapped like an equation)."""
    if table_width(table, indent) <= width:
        return ascii_table(table, indent)
    out = [" " * indent + table.title] if table.title else []
    label = max(len(c) for c in table.columns[1:]) if len(table.columns) > 1 else 0
    for row in table.rows:
        out.append(" " * indent + row[0])
        for column, cell in zip(table.columns[1:], row[1:]):
            if cell == "—":
                continue
            out.extend(wrap_equation(f"{column.ljust(label)}  {cell}", indent + 4, width))
    return out


def ascii_table(table: _TableBlock, indent: int) -> list[str]:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    pad = " " * indent
    rule = pad + "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: list[str]) -> str:
        return pad + "|" + "|".join(f" {c.ljust(w)} " for c, w in zip(cells, widths)) + "|"

    out = ([pad + table.title] if table.title else []) + [rule, line(table.columns), rule]
    out += [line(row) for row in table.rows]
    return out + [rule]


def step_title(step: Any, section: s.Section, printer: TextPrinter) -> str:
    """A short plain-text heading for one step: its section and what it computes ("Forward pass: net⁽¹⁾")."""
    subject: Any = None
    if isinstance(step, s.Compute):
        subject = step.lhs
    elif isinstance(step, (s.ChainProduct, s.Fork)):
        subject = step.lhs
    elif isinstance(step, s.Factor):
        return f"{section.title}: {printer.print(m.Label(step.label))} {printer.print(step.derivative)}"
    elif isinstance(step, s.Update) and step.relation.sides:
        subject = step.relation.sides[0]
    elif isinstance(step, s.Definition):
        return f"{section.title}: {step.name}"
    if subject is None:
        return section.title
    return f"{section.title}: {printer.print(subject)}"


def step_titles(derivation: s.Derivation, digits: int = 4) -> list[str]:
    """One heading per step, in the order of :func:`gradwork.explain.render.step_fragments`."""
    printer = TextPrinter(digits=digits)
    return [step_title(step, section, printer) for section in derivation.sections for step in section.steps]


_POWER = re.compile(r"\*\*(\d+)")


def rounded_floats(value: Any, digits: int) -> Any:
    """The decimals inside a SymPy expression shown to ``digits`` figures, the rest left as it is
    (numbers put into a formula unevaluated: −(ln(0.8823) + …))."""
    import sympy  # heavy: imported only for SymPy values (symbolic mode)

    floats = value.atoms(sympy.Float)
    if not floats:
        return value
    with sympy.evaluate(False):
        return value.xreplace({f: sympy.Float(float(f"{float(f):.{digits}g}"), digits) for f in floats})


_PRINTED: dict[tuple[str, Any], str] = {}


def printed_once(kind: str, value: Any, make: Callable[[Any], str]) -> str:
    """``make(value)`` for a SymPy expression, made once per equal expression (SymPy's printers sort the terms of
    every sum, milliseconds each, and a derivation prints the same numbers in every style and format). SymPy's
    ``==`` is structural, a Float's precision included, so equal expressions print alike; an unhashable one (a
    mutable matrix) is printed every time."""
    try:
        text = _PRINTED.get((kind, value))
    except TypeError:
        return make(value)
    if text is None:
        text = make(value)
        if len(_PRINTED) >= 20_000:
            _PRINTED.clear()
        _PRINTED[kind, value] = text
    return text


def sympy_text(value: Any) -> str:
    """A SymPy expression as a student writes it: x², 2·x, √x (SymPy's own str, lightly typeset)."""
    return printed_once("text", value, _sympy_text)


def _sympy_text(value: Any) -> str:
    text = str(value)
    # y_1, t_12: a name with a numbered index, as the derivation writes indices (y₁)
    text = re.sub(r"\b([A-Za-z]+)_(\d+)\b", lambda s: s.group(1) + (subscript(s.group(2)) or "_" + s.group(2)), text)
    text = _POWER.sub(lambda m: superscript(m.group(1)) or "^" + m.group(1), text)
    text = text.replace("**", "^").replace("*", "·")
    for name, (call, _) in CALLS.items():  # SymPy names functions as the ops do: sqrt(x) -> √(x)
        if call.endswith("$x"):
            text = text.replace(name, call.removesuffix("$x"))
    text = text.replace("-", "−")
    text = re.sub(r"\blog\(", "ln(", text)  # SymPy's log is the natural log, written ln as everywhere else
    text = re.sub(r"(^|[−+(] ?)1·", r"\1", text)  # an unevaluated −1·a (numbers put into 1 − y) reads −a
    return text
