r"""Text and Unicode in LaTeX: pdflatex cannot typeset arbitrary Unicode, so a string becomes LaTeX here.

σ -> ``\ensuremath{\sigma}``, ① -> ``\textcircled{\scriptsize 1}``, an accented letter -> its accent command,
prose with ``a_1`` in it -> inline math; with ``unicode_ok=True`` (Markdown and HTML, whose math engines read
Unicode) the Unicode stays. Also how wide a piece of LaTeX sets (:func:`visible_width`), for fitting display
lines. The printer and the document that use these: :mod:`gradwork.explain.render.latex`.
"""

from __future__ import annotations

import re
import unicodedata

from gradwork.documents.escape import LATEX_TEXT
from gradwork.documents.memo import remember_short
from gradwork.explain.render.notation import FROM_SUBSCRIPT, FROM_SUPERSCRIPT, GREEK_LATEX

UNICODE_MATH: dict[str, str] = {
    "−": "-", "·": r"\cdot", "⊙": r"\odot", "∂": r"\partial", "×": r"\times", "≈": r"\approx", "≤": r"\le",
    "≥": r"\ge", "≠": r"\ne", "←": r"\leftarrow", "→": r"\rightarrow", "∞": r"\infty", "∇": r"\nabla",
    "Σ": r"\sum", "∑": r"\sum", "′": "'", "″": "''", "…": r"\dots", "⊤": r"\top", "½": r"\tfrac{1}{2}",
    "ℓ": r"\ell", "∈": r"\in", "√": r"\surd", "±": r"\pm", "⋅": r"\cdot", "∘": r"\circ",
}
_TEXT_ASCII = LATEX_TEXT  # the one table of LaTeX text escapes (gradwork.documents.escape)
_TEXT_SYMBOLS = {
    "—": "---", "–": "--", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}", "⚠": r"\textbf{!}",
    "•": r"\textbullet{}", "\u00a0": "~", "✓": r"\ensuremath{\checkmark}", "°": r"\ensuremath{^\circ}",
}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0327": "c", "\u030c": "v"}


_MATRIX = re.compile(r"\\begin\{pmatrix\}((?:(?!\\begin\{pmatrix\}).)*?)\\end\{pmatrix\}", re.S)
_MATRIX_TOKENS = re.compile(r"\\begin\{pmatrix\}|\\end\{pmatrix\}|\\\\|\\&|&")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}")
_UNSET = re.compile(r"\\(left|right|quad|,|;|!|operatorname|mathrm|text|displaystyle)")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_BLANK = re.compile(r"[{}\s]")


@remember_short(kept=8_192)  # pure; a document measures the same sides again as it fits its lines
def visible_width(latex: str) -> int:
    """A rough count of the characters ``latex`` sets on one line: a matrix counts its widest row,
    a fraction its wider part, a command one character, scripts about half."""
    text = latex
    while True:
        match = _MATRIX.search(text)
        if match is None:
            break
        rows = [row.split("&") for row in match.group(1).split(r"\\")]
        widest = max(sum(visible_width(cell.strip()) + 2 for cell in row) for row in rows)
        text = text[:match.start()] + "M" * (widest + 2) + text[match.end():]
    while True:
        new = _FRAC.sub(lambda f: "F" * max(visible_width(f.group(1)), visible_width(f.group(2))), text)
        if new == text:
            break
        text = new
    text = _SCRIPT.sub(lambda s: "s" * ((len(s.group(1)) + 1) // 2), text)
    text = _UNSET.sub("", text)
    text = _COMMAND.sub("c", text)
    return len(_BLANK.sub("", text)) + text.count(" = ") + text.count("=")


def widest_matrix(latex: str) -> int:
    """The most columns any ``pmatrix`` in ``latex`` has (0 without one; a matrix inside a cell counts its own).

    One pass over the text: a stack of the open matrices, each with its current row's columns and its widest.
    """
    widest = 0
    open_matrices: list[list[int]] = []  # [columns of the current row, the widest row so far]
    for token in _MATRIX_TOKENS.finditer(latex):
        mark = token.group()
        if mark == r"\begin{pmatrix}":
            open_matrices.append([1, 0])
        elif not open_matrices or mark == r"\&":
            continue
        elif mark == "&":
            open_matrices[-1][0] += 1
        elif mark == "\\\\":
            row = open_matrices[-1]
            row[1], row[0] = max(row[1], row[0]), 1
        else:  # \end{pmatrix}
            columns, wider = open_matrices.pop()
            widest = max(widest, columns, wider)
    return widest


_INLINE_MATH = re.compile(r"(?<![\w\\])([A-Za-zα-ωΑ-Ω]+)([_^])([A-Za-z0-9]+)\b")


def prose_latex(text: str, unicode_ok: bool = False) -> str:
    """Prose (and titles) for LaTeX: w_jk and x^2 typeset as math, everything else as text."""
    out, position = [], 0
    for match in _INLINE_MATH.finditer(text):
        out.append(latex_text(text[position:match.start()], unicode_ok))
        base, mark, script = match.groups()
        base = "".join(GREEK_LATEX[c] + " " if c in GREEK_LATEX else c for c in base).strip()
        out.append(rf"\ensuremath{{{base}{mark}{{{script}}}}}")
        position = match.end()
    out.append(latex_text(text[position:], unicode_ok))
    return "".join(out)


def latex_text(text: str, unicode_ok: bool = False) -> str:
    """Plain text for LaTeX text mode, every character pdflatex-safe; ``unicode_ok`` leaves it as it is.
    (Short texts are remembered, documents/memo.py: every variant writes the same words.)"""
    if unicode_ok:
        return text
    return _latex_text(text)


@remember_short()
def _latex_text(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isascii():
            out.append(_TEXT_ASCII.get(c, c))
        elif run := _script_run(text, i):
            mark, plain, i = run
            out.append(rf"\ensuremath{{{mark}{{{plain}}}}}")
            continue
        elif c in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[c])
        elif number := circled_number(c):
            out.append(textcircled(number))
        elif c in GREEK_LATEX or c in UNICODE_MATH:
            out.append(rf"\ensuremath{{{GREEK_LATEX.get(c) or UNICODE_MATH[c]}}}")
        else:
            out.append(_accented(c))
        i += 1
    return "".join(out)


def _script_run(text: str, i: int) -> tuple[str, str, int] | None:
    """The run of Unicode superscripts (or subscripts) starting at ``i``: its mark (^ or _), its plain
    characters and where it ends; None when ``text[i]`` is neither."""
    c = text[i]
    if c in FROM_SUPERSCRIPT:
        table, mark = FROM_SUPERSCRIPT, "^"
    elif c in FROM_SUBSCRIPT:
        table, mark = FROM_SUBSCRIPT, "_"
    else:
        return None
    j = i
    while j < len(text) and text[j] in table:
        j += 1
    return mark, "".join(table[ch] for ch in text[i:j]), j


def _accented(c: str) -> str:
    decomposed = unicodedata.normalize("NFKD", c)
    base, marks = decomposed[:1], decomposed[1:]
    if base.isascii() and base.isalpha() and all(mark in _ACCENTS for mark in marks):
        for mark in marks:
            base = f"\\{_ACCENTS[mark]}{{{base}}}"
        return base
    if decomposed.isascii():
        return "".join(_TEXT_ASCII.get(ch, ch) for ch in decomposed)
    return "?"


def circled_number(c: str) -> int | None:
    return ord(c) - 0x2460 + 1 if 0x2460 <= ord(c) <= 0x2473 else None


def textcircled(number: int) -> str:
    """A circled number from Computer Modern alone (\\textcircled would need TS1 bitmap fonts)."""
    size = r"\scriptsize" if number < 10 else r"\tiny"
    return rf"\ooalign{{\hfil\raise0.07ex\hbox{{{size} {number}}}\hfil\crcr\mbox{{$\bigcirc$}}}}"


def unicode_math(text: str, unicode_ok: bool = False) -> str:
    """Free-form math written in Unicode (``σ′(z_j⁽ᴸ⁾)``, ``x**2``) as LaTeX math."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if run := _script_run(text, i):
            mark, plain, i = run
            out.append(f"{mark}{{{unicode_math(plain, unicode_ok)}}}")
            continue
        if text.startswith("**", i) or (c in "_^" and i + 1 < len(text) and text[i + 1].isalnum()):
            mark = "_" if c == "_" else "^"
            i += 2 if text.startswith("**", i) else 1
            j = i
            while j < len(text) and text[j].isalnum():
                j += 1
            out.append(f"{mark}{{{text[i:j]}}}")
            i = j
            continue
        if c == "*":
            out.append(r"\cdot ")
        elif c in GREEK_LATEX and c != "Σ":
            out.append(GREEK_LATEX[c] + " ")
        elif c in UNICODE_MATH:
            command = UNICODE_MATH[c]
            out.append(command + (" " if command.startswith("\\") else ""))
        elif c in "{}$&%#":
            out.append("\\" + c)
        elif c == "\\":
            out.append(r"\backslash ")
        elif c == "~":
            out.append(r"\sim ")
        elif c in "_^":  # not a script (nothing to attach to): the character itself, never a TeX error
            out.append(r"\_" if c == "_" else r"\hat{}")
        elif c.isascii():
            out.append(c)
        else:
            out.append(rf"\text{{{latex_text(c, unicode_ok)}}}")
        i += 1
    return "".join(out).strip()
