"""Explain's HTML fragments made fit for the page's narrow panel.

* :func:`wrap_math`: a MathML formula ``a = b = c`` becomes one ``<math>`` per
  link (``a = b``, ``= c``) in a wrapping row, so a long derivation breaks at
  its ``=`` signs instead of running out of the panel (MathML has no line
  breaking in browsers); a side that is still long breaks before its top-level
  ``+`` and ``−``. Nothing inside brackets, fractions or matrices is split.
* :func:`circled_labels`: the factor labels ① … ⑩ are drawn as a digit in a CSS
  circle, which needs no font to have the glyph; past ten, ``(11)`` as plain text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_MATH = re.compile(r"<math\b[^>]*>.*?</math>", re.S)
_TAG = re.compile(r"(<[^>]+>)")
RELATIONS = {"=", "≈", "←", "≤", "≥"}
_OPEN, _CLOSE = set("([{⟨‖"), set(")]}⟩‖")
_TERMS = {"+", "−", "-"}
LONG_SIDE = 24  # leaf tokens: a side longer than this breaks before its top-level + and −
CIRCLED = {chr(0x2460 + n - 1): n for n in range(1, 21)}  # ① … ⑳
MAX_CIRCLED = 10


def polish(fragment: str) -> str:
    """Both transformations, for one step's HTML."""
    return circled_labels(wrap_math(fragment))


def wrap_math(fragment: str) -> str:
    return _MATH.sub(lambda match: _wrap(match.group(0)), fragment)


def _wrap(markup: str) -> str:
    try:
        math = ET.fromstring(markup)
    except ET.ParseError:  # not plain XML (an entity HTML knows, XML does not): leave it whole
        return markup
    row = math[0] if len(math) == 1 and math[0].tag == "mrow" else math
    pieces = _split(list(row), RELATIONS)
    pieces = [part for piece in pieces for part in
              (_split(piece, _TERMS, binary_only=True) if _size(piece) > LONG_SIDE else [piece])]
    if len(pieces) < 2:
        return markup
    block = math.get("display") == "block"
    out = []
    for piece in pieces:
        wrapper = ET.Element("math", {"display": "inline", "class": "gw-piece"})
        inner = ET.SubElement(wrapper, "mrow")
        inner.extend(piece)
        out.append(ET.tostring(wrapper, encoding="unicode", short_empty_elements=False))
    tag = "div" if block else "span"
    return f'<{tag} class="gw-eq{" gw-eq-block" if block else ""}">{"".join(out)}</{tag}>'


def _text(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def _size(elements: list[ET.Element]) -> int:
    return sum(1 for element in elements for leaf in element.iter() if len(leaf) == 0)


def _split(elements: list[ET.Element], breaks: set[str], binary_only: bool = False) -> list[list[ET.Element]]:
    """``elements`` cut before each top-level operator in ``breaks`` (outside any bracket)."""
    pieces: list[list[ET.Element]] = [[]]
    depth = 0
    for element in elements:
        text = _text(element) if element.tag == "mo" else ""
        if element.tag == "mo" and text in _CLOSE and depth > 0:
            depth -= 1
        elif element.tag == "mo" and text in _OPEN:
            depth += 1
        elif depth == 0 and element.tag == "mo" and text in breaks and pieces[-1]:
            before = pieces[-1][-1]
            # A − right after an operator or an opening bracket is a sign, not a term.
            unary = before.tag == "mo" and _text(before) not in _CLOSE
            if not (binary_only and unary):
                pieces.append([])
        pieces[-1].append(element)
    return [piece for piece in pieces if piece]


def circled_labels(fragment: str) -> str:
    """① … ⑩ as ``<span class="gw-circled">1</span>``; ⑪ and beyond as "(11)"."""
    def replace(text: str) -> str:
        return "".join(_label(char) if char in CIRCLED else char for char in text)

    return "".join(part if part.startswith("<") else replace(part) for part in _TAG.split(fragment))


def _label(char: str) -> str:
    number = CIRCLED[char]
    if number > MAX_CIRCLED:
        return f"({number})"
    return f'<span class="gw-circled" aria-label="factor {number}">{number}</span>'
