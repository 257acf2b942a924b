"""One escaper per output language: whatever a name, a file name or a student wrote reaches an output as text.

Every renderer that puts text it did not write itself (a title, a symbol, a
file name, a student's line) into an output calls the escaper of that output's
language, so that the text shows as written and can never become markup:

=====================  =========================================================
:func:`markdown_text`  Markdown prose and headings: no emphasis, link, HTML, math
:func:`markdown_code`  a Markdown code span
:func:`markdown_maths` LaTeX (already escaped for LaTeX) placed in ``$...$`` or
                       ``$$...$$`` of a Markdown file: no HTML, no blank line
:func:`html_text`      HTML text and attribute values
:func:`latex_text`     LaTeX text mode (pdflatex: ASCII out, long words breakable)
:func:`latex_maths_text` text inside LaTeX maths (``\\text{...}``)
:func:`xml_text`       XML text and attribute values (characters XML forbids dropped)
:func:`xml_comment`    the inside of ``<!-- ... -->``
:func:`xml_cdata`      the inside of ``<![CDATA[ ... ]]>``
:func:`cloze_text`     text in a Moodle Cloze question (no sub-question syntax)
:func:`dot_string`     a Graphviz DOT double-quoted string
:func:`graphviz_label` text in a Graphviz HTML-like label
:func:`csv_cell`       a CSV cell a spreadsheet shows as text, never as a formula
:func:`terminal_text`  text for a terminal: control characters (ESC ...) shown, not sent
:func:`plain_text`     one line of plain text (matplotlib titles): no controls, bounded
:func:`json_safe`      data for JSON: NaN and infinities as null, never bare
=====================  =========================================================

The escapers are pure functions of text; they live below every renderer so
that explain, check, mark, viz, generate and the command line share them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from gradwork.documents.memo import remember_short

# ---------------------------------------------------------------- characters no output should carry raw

# C0 and C1 controls, DEL; Unicode's format characters (category Cf: bidi overrides, zero widths, the soft
# hyphen, tags ...), which reorder or hide text; line and paragraph separators (U+2028/9), which some viewers
# break lines at. (Tab, newline and carriage return are handled by each escaper.)
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
                        "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
                        "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str, *, keep_newlines: bool = False) -> str:
    r"""``text`` with every control character shown as ``\x1b``, ``\u202e`` ...: nothing reaches the terminal raw.

    Tabs and (with ``keep_newlines``) newlines stay; a carriage return is shown.
    """
    text = str(text)
    if keep_newlines:
        text = text.replace("\r\n", "\n")
        shown = _INVISIBLE.sub(_visible, text)
        return shown.replace("\r", "\\r")
    return _INVISIBLE.sub(_visible, text.replace("\r", "\\r").replace("\n", "\\n"))


def one_line(text: str) -> str:
    """``text`` on one line: runs of whitespace (newlines included) as one space, controls shown as escapes."""
    return " ".join(_INVISIBLE.sub(_visible, str(text)).split())


def plain_text(text: str, limit: int | None = None) -> str:
    """One line of plain text (controls dropped, whitespace folded), cut to ``limit`` characters with an ellipsis."""
    text = " ".join(_INVISIBLE.sub("", str(text)).split())
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


# ---------------------------------------------------------------- Markdown

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}<>#|$&~]|!(?=\[))")
# A link or image needs "](" or "][": the bracket's partner becomes an entity. (A backslash before a bracket or
# parenthesis would be worse: \[ and \( open maths in MathJax.)
_MARKDOWN_LINK = re.compile(r"\]([(\[])")
_MARKDOWN_LIST = re.compile(r"^(\s*)(\d{1,9})([.)])(?=\s|$)|^(\s*)([-+])(?=\s|$)")  # "1. " and "- " open lists


def markdown_text(text: str) -> str:
    """Prose for Markdown (a heading, a paragraph, a table cell) that renders exactly as written.

    Every character Markdown or its common extensions give a meaning anywhere
    in a line (emphasis, code, HTML, entities, maths, tables, strikethrough,
    attribute lists, headings) is backslash-escaped, and so is a list marker at
    the start; a link or image cannot form (``](`` and ``![`` are broken); line
    breaks become spaces, so text cannot end a heading or a table row, and
    invisible controls are dropped. (Short texts are remembered, documents/memo.py: every variant of a template
    writes the same headings and sentences.)
    """
    return _markdown_text(str(text))


@remember_short()
def _markdown_text(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", text))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _MARKDOWN_LINK.sub(lambda m: "]" + ("&#40;" if m.group(1) == "(" else "&#91;"), text)
    return _MARKDOWN_LIST.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}" if m.group(2)
                              else f"{m.group(4)}\\{m.group(5)}", text, count=1)


def markdown_code(text: str) -> str:
    """A Markdown code span holding ``text`` literally (HTML inside a code span is shown, not run)."""
    text = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", str(text)))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # "<" that could open an HTML tag, a comment or a declaration


def markdown_maths(latex: str) -> str:
    r"""LaTeX maths (already escaped for LaTeX) made safe between ``$`` or ``$$`` in Markdown.

    Markdown processors may read HTML inside maths before MathJax sees it, and
    a blank line ends the maths: a ``<`` that could open a tag becomes ``\lt``,
    every line break a space, and a ``$`` that is not escaped is escaped.
    (Short formulas are remembered, documents/memo.py: every variant of a template writes the same rules.)
    """
    return _markdown_maths(str(latex))


@remember_short()
def _markdown_maths(latex: str) -> str:
    latex = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", latex))
    latex = _TAG_START.sub(r"\\lt ", latex)
    return _UNESCAPED_DOLLAR.sub(r"\1\\$", latex)


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)((?:\\\\)*)\$")


def markdown_inert_html(text: str) -> str:
    """A Markdown line kept as written, except that no HTML tag, comment or declaration can open in it.

    For a document shown back as Markdown (a student's own worked solution,
    annotated): a ``<`` before a letter, ``/``, ``!`` or ``?`` becomes ``&lt;``,
    so ``<img onerror=...>`` or ``<!--`` is text; everything else (emphasis,
    maths, lists) is the author's.
    """
    return _TAG_START.sub("&lt;", _INVISIBLE.sub("", str(text)))


# ---------------------------------------------------------------- HTML and XML

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_HTML_SPECIAL = re.compile("[&<>\"']")
# XML 1.0 allows tab, newline, carriage return and U+0020..U+D7FF, U+E000..U+FFFD, U+10000.. only.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def html_text(text: str) -> str:
    """HTML text or a quoted attribute value: ``& < > " '`` as entities, invisible controls dropped."""
    return _HTML_SPECIAL.sub(lambda m: _HTML[m.group()], _INVISIBLE.sub("", str(text)))


def xml_text(text: str) -> str:
    """XML text or a quoted attribute value: as :func:`html_text`, and characters XML 1.0 forbids dropped."""
    return _HTML_SPECIAL.sub(lambda m: _HTML[m.group()], _XML_FORBIDDEN.sub("", _INVISIBLE.sub("", str(text))))


def xml_comment(text: str) -> str:
    """The inside of an XML comment: no ``--`` (it would end or break the comment), no trailing ``-``."""
    text = _XML_FORBIDDEN.sub("", _INVISIBLE.sub("", _LINE_BREAKS.sub(" ", str(text))))
    while "--" in text:
        text = text.replace("--", "- -")
    return text + " " if text.endswith("-") else text


def xml_cdata(text: str) -> str:
    """The inside of a CDATA section: ``]]>`` split across two sections, forbidden characters dropped."""
    return _XML_FORBIDDEN.sub("", str(text)).replace("]]>", "]]]]><![CDATA[>")


def cloze_text(text: str) -> str:
    """HTML text for a Moodle Cloze question: braces as entities, so ``{1:NUMERICAL:=3}`` stays text."""
    return html_text(text).replace("{", "&#123;").replace("}", "&#125;")


# ---------------------------------------------------------------- LaTeX

# LaTeX text mode's special characters as commands (the explain renderers use this table for ASCII text).
LATEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#",
    "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_LATEX = LATEX_TEXT
_LATEX_SPECIAL = re.compile(r"[\\{}$&%#_^~<>|]")
_LATEX_MATHS = {"{": r"\{", "}": r"\}", "\\": r"\backslash ", "$": r"\$", "%": r"\%", "#": r"\#", "&": r"\&",
                "_": r"\_", "^": r"\^{}", "~": r"\sim "}
_LATEX_MATHS_SPECIAL = re.compile(r"[{}\\$%#&_^~]")
_LONG_WORD = 30  # characters after which a word gets a break point (a 5,000-character name still fits a page)


def latex_text(text: str, *, ascii_only: bool = True) -> str:
    r"""Text for LaTeX's text mode (pdflatex): special characters as commands, non-ASCII as ``?`` when ``ascii_only``.

    Line breaks become spaces, invisible controls are dropped, and every run of
    30 characters without a space gets an allowed break (``\allowbreak``), so a
    5,000-character name wraps instead of running off the page.
    """
    text = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", str(text)))
    if ascii_only:
        text = "".join(c if c.isascii() else _ascii(c) for c in text)
    words = []
    for word in text.split(" "):
        pieces = [word[i:i + _LONG_WORD] for i in range(0, len(word), _LONG_WORD)] or [""]
        words.append(r"\allowbreak{}".join(_LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], p) for p in pieces))
    return " ".join(words)


def latex_maths_text(text: str) -> str:
    """Text placed inside LaTeX maths (a symbol a user wrote): maths specials escaped, no line breaks."""
    text = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", str(text)))
    return _LATEX_MATHS_SPECIAL.sub(lambda m: _LATEX_MATHS[m.group()], text)


def _ascii(character: str) -> str:
    decomposed = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode("ascii")
    return decomposed or "?"


# ---------------------------------------------------------------- Graphviz DOT


def graphviz_label(text: str) -> str:
    """Text inside a Graphviz HTML-like label (``label=<...>``): ``& < > "`` as the entities Graphviz reads."""
    text = _XML_FORBIDDEN.sub("", _INVISIBLE.sub("", str(text)))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")



def dot_string(text: str) -> str:
    r"""The inside of a DOT ``"..."`` string: ``"`` and ``\`` escaped, line breaks as ``\n``, controls dropped."""
    text = _INVISIBLE.sub("", str(text)).replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


# ---------------------------------------------------------------- CSV

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: text starting with ``= + - @ | %`` (or a tab, CR) gets a ``'``.

    Numbers pass unchanged (a negative number is a number, not a formula).
    """
    if isinstance(value, str):
        value = _INVISIBLE.sub("", value) if not value.startswith(("\t", "\r", "\n")) else value
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


# ---------------------------------------------------------------- JSON


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf; NumPy's too) as ``None``: ``json.dumps(...,
    allow_nan=False)`` of the result never fails and never writes ``NaN`` or ``Infinity`` (not JSON)."""
    if isinstance(value, float) or type(value).__name__ in ("float64", "float32", "float16", "longdouble"):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
