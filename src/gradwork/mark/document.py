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
from gradwork.mark.scan import LAYOUT_ENVIRONMENTS, Block, Lines, blocks

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
REFERENCES = "references to earlier steps (not a formula)"
_NAMED = re.compile(r"\\text\{([A-Za-z_]+)\}")
_STEP_REFERENCES = re.compile(r"^\s*(?:\(\s*\d+\s*\)\s*){2,}$"
                              r"|^\s*\\circled\{\d*\}(?:\s*(?:(?:\\cdot|\+|-)\s*)?\\circled\{\d*\})*\s*$")


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
    above: tuple[Chain, int] | None = None  # the plain line above: its chain and (last) line
    pending: dict[int, tuple[Side, list[str]]] = {}  # sides that rows below carried on: read at the end
    for block in _logical_lines(blocks(text), lines):
        start, content = block.start, block.content
        shown: str | None = None
        goes_on = False
        if block.kind == "plain":
            found = maths_span(content, known)
            if found is None:
                continue
            offset, shown = found
            line = lines.of(start + offset)
            chain_above = above[0] if above is not None and above[1] == line - 1 else None
            if shown[0] in "+−·×":  # a list item "+ w = 0.5" (a sum going on was joined to its line above)
                offset, shown = offset + 1, shown[1:].lstrip()
            elif shown[0] == "=" and chain_above is None:
                continue
            goes_on = shown[0] == "="  # "    = 0.06": the equation on the line above goes on
            previous_block_chain = chain_above if goes_on else previous_block_chain
            start, content = start + offset, to_latex(shown)
            above = None
        inline = block.kind == "inline" or (block.kind == "plain" and not goes_on)
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
                if known and block.kind != "plain" and "\\text{" in segment:  # \mathrm{invden}: a node's name
                    segment = _NAMED.sub(lambda m: f"\\var{{{m[1]}}}" if m[1] in known else m[0], segment)
                pieces = _split_equals(segment)
                goes_on_sum = current is not None and current is last_in_block and not dangling and not inline and (
                    segment.lstrip()[:1] in "+-" or segment.lstrip().startswith(("\\cdot", "\\times")))
                if goes_on_sum and current is not None:  # "&\quad + 3.018 \cdot ...": the sum above goes on
                    last = current.sides[-1]
                    pending.setdefault(id(last), (last, [last.text]))[1].append(pieces[0].strip())  # read once, whole
                    pieces = ["", *pieces[1:]]
                    if len(pieces) < 2:
                        continue
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
        if block.kind == "plain" and last_in_block is not None:
            above = (last_in_block, lines.of(block.end - 1))
    for side, parts in pending.values():
        side.text = " ".join(parts)
        read = _side(side.text, side.line)
        side.node, side.error = read.node, read.error
    return Work(text, [c for c in chains if len(c.sides) >= 2])


def _logical_lines(found: list[Block], lines: Lines) -> list[Block]:
    """Plain lines with the lines that carry them on (indented deeper, right below: a sum going on after ``+``
    or ``−``, brackets still open) joined into one, as a wrapped line of working is read (in one pass: linear)."""
    out: list[Block] = []
    parts: list[str] = []  # the logical line being built (out[-1] once flushed)
    head: Block | None = None
    end, depth, last_line, first_indent, has_equals = 0, 0, 0, 0, False

    def flush() -> None:
        if head is not None:
            out.append(Block(head.start, end, " ".join(parts), "plain") if len(parts) > 1 else head)

    for block in found:
        if block.kind == "plain" and head is not None and has_equals and lines.of(block.start) == last_line + 1:
            indent = len(block.content) - len(block.content.lstrip())
            rest = block.content.strip()
            if indent > first_indent and rest and (rest[0] in "+−·×" or depth > 0 or parts[-1][-1:] in "+−-·×*/("):
                parts.append(rest)
                end, last_line = block.end, lines.of(block.end - 1)
                depth += _opened(rest)
                continue
        flush()
        head, parts = None, []
        if block.kind != "plain":
            out.append(block)
            continue
        if not block.content.lstrip().startswith("="):  # an equation's first line
            first_indent = len(block.content) - len(block.content.lstrip())
        head, parts, end = block, [block.content.rstrip()], block.end
        last_line, has_equals = lines.of(block.end - 1), "=" in block.content
        depth = _opened(block.content)
    flush()
    return out


def _opened(text: str) -> int:
    """Brackets and braces ``text`` opens less those it closes."""
    return (text.count("(") + text.count("[") + text.count("{")
            - text.count(")") - text.count("]") - text.count("}"))


def _side(text: str, line: int) -> Side:
    side = Side(text.strip(), line)
    if _STEP_REFERENCES.match(side.text):
        side.error = REFERENCES
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
