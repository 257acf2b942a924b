"""Splitting a Markdown + LaTeX worked solution into equations: rows, chains and sides.

* Maths is display (``$$...$$``, ``\\[...\\]``) or inline (``$...$``).
* A display block is cut into rows at ``\\\\`` outside matrices and ``cases``;
  ``aligned``/``align``/``split``/``gathered``/``array`` wrappers and ``&``
  are layout. A block whose brackets are still open at its end continues in
  the next block (a matrix written over several lines).
* A row is cut into equations at ``\\quad`` (``a = 1, \\quad b = 2``); a piece
  without ``=`` is a note (``\\text{over } W_1``) and is skipped.
* An equation is a chain of sides ``a = b = c = 0.401``. A row that starts
  with ``=`` continues the chain of the row (or display block) before it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from gradwork.mark.latex import Node, Unreadable, parse
from gradwork.mark.normalise import GAMMA_AS_RATE, normalise_all

LAYOUT_ENVIRONMENTS = {"aligned", "align", "align*", "split", "gathered", "gather", "gather*", "array", "eqnarray",
                       "eqnarray*", "equation", "equation*", "alignedat", "flalign", "multline"}
_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.DOTALL)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$")
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}(\s*\{[lcr|\s]*\})?")
_SEPARATOR = re.compile(r",?\s*\\q?quad(?![A-Za-z])")
_LABEL = re.compile(r"^\s*(?:\\circled\{\d*\}|\\cdot|\\ast|\\star|\\rightarrow|\\Rightarrow|\\to|\\implies"
                    r"|\(\s*\d+\s*\)|\d+\s*\)|-\s(?=\\frac)|[a-z]\)\s)\s*")
_STEP_REFERENCES = re.compile(r"^\s*(?:\(\s*\d+\s*\)\s*){2,}$|^\s*(?:\\circled\{\d*\}\s*)+$")


@dataclass
class Side:
    text: str  # normalised LaTeX
    line: int  # the document line the side is on
    node: Node | None = None
    error: str | None = None  # why it was not read

    @property
    def read(self) -> bool:
        return self.node is not None


@dataclass
class Row:
    """One line of working as the student wrote it: the unit that gets a mark."""

    line: int  # 1-based line in the document where the row starts
    end_line: int  # the last line of its maths block (annotations go after it)
    text: str  # the row's LaTeX as written


@dataclass
class Chain:
    """``a = b = c``: the sides, in order, each with the row it is on."""

    sides: list[Side] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # rows[i] holds sides[i]

    def row_of(self, side_index: int) -> Row:
        return self.rows[side_index]


@dataclass
class Work:
    """A whole document: its text and its chains in reading order."""

    text: str
    chains: list[Chain]

    @property
    def rows(self) -> list[Row]:
        seen: dict[int, Row] = {}
        for chain in self.chains:
            for row in chain.rows:
                seen.setdefault(id(row), row)
        return sorted(seen.values(), key=lambda r: r.line)


def read_work(text: str) -> Work:
    """Split ``text`` into chains of parsed sides (every side parsed or marked unread)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    chains: list[Chain] = []
    gamma_is_y = GAMMA_AS_RATE.search(text) is None
    blocks = _math_blocks(text)
    previous_block_chain: Chain | None = None
    for start, end, content, inline in blocks:
        block_end_line = line_of(end)
        current: Chain | None = previous_block_chain if not inline else None
        last_in_block: Chain | None = None
        dangling = False
        for row_offset, row_text in _rows(content, inline):
            raw = row_text.strip()
            if not raw:
                continue
            line = line_of(start + row_offset + len(row_text) - len(row_text.lstrip()))
            row = Row(line, block_end_line, raw)
            for segment in _SEPARATOR.split(raw):
                segment = _strip_label(normalise_all(segment, gamma_is_y))
                pieces = _split_equals(segment)
                if len(pieces) < 2 and not (dangling and current is not None and segment.strip()):
                    continue
                continuing = (not pieces[0].strip() or dangling) and current is not None
                if continuing:
                    chain = current
                    pieces = pieces[1:]
                else:
                    chain = Chain()
                    chains.append(chain)
                    if not pieces[0].strip():
                        pieces = pieces[1:]
                dangling = not pieces[-1].strip()  # a row ending in "=" goes on in the next row
                if dangling:
                    pieces = pieces[:-1]
                for piece in pieces:
                    chain.sides.append(_side(piece, line))  # type: ignore[union-attr]
                    chain.rows.append(row)  # type: ignore[union-attr]
                current = chain
                last_in_block = chain
        previous_block_chain = last_in_block if not inline else previous_block_chain
    return Work(text, [c for c in chains if len(c.sides) >= 2])


def _side(text: str, line: int) -> Side:
    side = Side(text.strip(), line)
    if _STEP_REFERENCES.match(side.text):
        side.error = "references to earlier steps (not a formula)"
        return side
    try:
        side.node = parse(side.text)
    except Unreadable as error:
        side.error = str(error)
    except RecursionError:
        side.error = "an expression nested too deeply"
    return side


def _strip_label(text: str) -> str:
    while True:
        stripped = _LABEL.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def _math_blocks(text: str) -> list[tuple[int, int, str, bool]]:
    """(start offset of the content, end offset, content, inline?) in reading order; open brackets join blocks."""
    found: list[tuple[int, int, str, bool]] = []
    displays = list(_DISPLAY.finditer(text))
    covered: list[tuple[int, int]] = []
    merged: list[tuple[int, int, str]] = []
    for match in displays:
        group = 1 if match.group(1) is not None else 2
        start, content = match.start(group), match.group(group)
        covered.append((match.start(), match.end()))
        if merged and _open_brackets(merged[-1][2]) > 0 and not text[merged[-1][1]:match.start()].strip("$ \n\t"):
            first_start, _, first_content = merged[-1]
            # keep offsets roughly right: the joined content starts where the first block started
            merged[-1] = (first_start, match.end(), first_content + " " + content)
            continue
        merged.append((start, match.end(), content))
    found.extend((s, e, c, False) for s, e, c in merged)
    blanked = list(text)
    for s, e in covered:
        blanked[s:e] = " " * (e - s)
    for match in _INLINE.finditer("".join(blanked)):
        content = match.group(1)
        if "=" in content:
            found.append((match.start(1), match.end(), content, True))
    return sorted(found, key=lambda block: block[0])


def _open_brackets(content: str) -> int:
    depth = 0
    for c in re.sub(r"\\[{}\[\]()]|\\(?:left|right)", "", content):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
    return depth


def _rows(content: str, inline: bool) -> list[tuple[int, str]]:
    """The rows of a block with their offsets: ``\\\\`` and newlines... only ``\\\\`` outside matrices cut."""
    if inline:
        return [(0, content)]
    chars = list(content)
    opaque = 0
    rows: list[tuple[int, str]] = []
    row_start = 0
    i = 0
    while i < len(content):
        if content.startswith("\\begin", i) or content.startswith("\\end", i):
            match = _ENV.match(content, i)
            if match:
                name = match.group(2).strip()
                if name in LAYOUT_ENVIRONMENTS and opaque == 0:
                    for k in range(match.start(), match.end()):
                        chars[k] = " "
                elif match.group(1) == "begin":
                    opaque += 1
                else:
                    opaque = max(0, opaque - 1)
                i = match.end()
                continue
        if content.startswith("\\\\", i) and opaque == 0:
            rows.append((row_start, "".join(chars[row_start:i])))
            i += 2
            row_start = i
            continue
        if content[i] == "&" and opaque == 0 and (i == 0 or content[i - 1] != "\\"):
            chars[i] = " "
        i += 1
    rows.append((row_start, "".join(chars[row_start:])))
    return rows


def _split_equals(text: str) -> list[str]:
    """``text`` cut at every ``=`` outside brackets, braces and environments."""
    pieces: list[str] = []
    depth = 0
    env = 0
    current: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith("\\begin", i):
            env += 1
        elif text.startswith("\\end", i):
            env -= 1
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "{}[]()":
            current.append(text[i:i + 2])
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "=" and depth == 0 and env == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    pieces.append("".join(current))
    return pieces
