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

import re
from dataclasses import dataclass, field

from gradwork.mark.parse import parse
from gradwork.mark.plain import maths_span, to_latex
from gradwork.mark.syntax import Node, Unreadable
from gradwork.mark.normalise import GAMMA_AS_RATE, normalise_all
from gradwork.mark.scan import LAYOUT_ENVIRONMENTS, Lines, blocks

MAX_ROW_CHARACTERS = 100_000  # a 5,000-term sum is ~35,000
MAX_EQUATIONS = 5_000  # seed 002's two pages hold ~110; more is not one student's worked solution


class TooManyEquations(ValueError):
    """A document with more than :data:`MAX_EQUATIONS` equations (the line where the limit was passed)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}(\s*\{[lcr|\s]*\})?")
_SEPARATOR = re.compile(r",?\s*\\q?quad(?![A-Za-z])")
_LABEL = re.compile(r"\s*(?:\\circled\{\d*\}|\\cdot|\\ast|\\star|\\rightarrow|\\Rightarrow|\\to|\\implies"
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


def read_work(text: str, known: frozenset[str] = frozenset()) -> Work:
    """Split ``text`` into chains of parsed sides (every side parsed or marked unread).

    ``known``: the problem's own names (a graph's nodes), which a plain line reads as symbols, never prose."""
    lines = Lines(text)
    chains: list[Chain] = []
    gamma_is_y = GAMMA_AS_RATE.search(text) is None
    previous_block_chain: Chain | None = None
    for block in blocks(text):
        start, content = block.start, block.content
        shown: str | None = None
        if block.kind == "plain":
            found = maths_span(content, known)
            if found is None:
                continue
            offset, shown = found
            start, content = start + offset, to_latex(shown)
        inline = block.kind != "display"
        block_end_line = lines.of(block.end - 1)
        current: Chain | None = previous_block_chain if not inline else None
        last_in_block: Chain | None = None
        dangling = False
        for row_offset, row_text in _rows(content, inline):
            raw = " ".join(row_text.split())
            if not raw:
                continue
            line = lines.of(start + row_offset + len(row_text) - len(row_text.lstrip()))
            row = Row(line, block_end_line, shown if shown is not None else raw)
            if len(raw) > MAX_ROW_CHARACTERS:  # not one line of working: not read, and not scanned further
                chains.append(Chain([Side(raw[:40], line, None, f"a line of {len(raw)} characters (at most "
                                                                f"{MAX_ROW_CHARACTERS} are read)")] * 2, [row, row]))
                current = last_in_block = None
                dangling = False
                continue
            for segment in _SEPARATOR.split(raw):
                segment = _strip_label(normalise_all(segment, gamma_is_y))
                pieces = _split_equals(segment)
                if len(pieces) < 2 and not (dangling and current is not None and segment.strip()):
                    continue
                continuing = (not pieces[0].strip() or dangling) and current is not None
                if continuing and current is not None:
                    chain = current
                    if not pieces[0].strip():  # the row starts with "=" (after a dangling row, it need not)
                        pieces = pieces[1:]
                else:
                    chain = Chain()
                    chains.append(chain)
                    if not pieces[0].strip():
                        pieces = pieces[1:]
                dangling = not pieces or not pieces[-1].strip()  # a row ending in "=" goes on in the next row
                if dangling:
                    pieces = pieces[:-1]
                if len(chains) > MAX_EQUATIONS:
                    raise TooManyEquations(line)
                for piece in pieces:
                    chain.sides.append(_side(piece, line))
                    chain.rows.append(row)
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
    position = 0
    while (match := _LABEL.match(text, position)) is not None and match.end() > position:
        position = match.end()
    return text[position:]


_ROW_TOKEN = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\{[lcr|\s]*\})?|\\\\|\\&|&")
_EQUALS_TOKEN = re.compile(r"\\[{}\[\]()]|\\begin|\\end|[()\[\]{}=]")


def _rows(content: str, inline: bool) -> list[tuple[int, str]]:
    """The rows of a block with their offsets: ``\\\\`` outside matrices and ``cases`` cuts; layout goes."""
    if inline:
        return [(0, content)]
    opaque = 0
    rows: list[tuple[int, str]] = []
    row_start = 0
    parts: list[str] = []
    copied = 0
    for match in _ROW_TOKEN.finditer(content):
        token = match.group()
        if token == "\\&":
            continue
        if token == "&":
            if opaque == 0:
                parts += [content[copied:match.start()], " "]
                copied = match.end()
            continue
        if token == "\\\\":
            if opaque == 0:
                parts.append(content[copied:match.start()])
                rows.append((row_start, "".join(parts)))
                parts, row_start = [], match.end()
                copied = match.end()
            continue
        env = _ENV.match(token)
        if env is None:
            continue
        if env.group(2).strip() in LAYOUT_ENVIRONMENTS and opaque == 0:
            parts += [content[copied:match.start()], " " * len(token)]
            copied = match.end()
        elif env.group(1) == "begin":
            opaque += 1
        else:
            opaque = max(0, opaque - 1)
    parts.append(content[copied:])
    rows.append((row_start, "".join(parts)))
    return rows


def _split_equals(text: str) -> list[str]:
    """``text`` cut at every ``=`` outside brackets, braces and environments."""
    pieces: list[str] = []
    depth = 0
    env = 0
    cut = 0
    for match in _EQUALS_TOKEN.finditer(text):
        token = match.group()
        if token == "\\begin":
            env += 1
        elif token == "\\end":
            env -= 1
        elif token in "([{":
            depth += 1
        elif token in ")]}":
            depth -= 1
        elif token == "=" and depth == 0 and env == 0:
            pieces.append(text[cut:match.start()])
            cut = match.end()
    pieces.append(text[cut:])
    return pieces
