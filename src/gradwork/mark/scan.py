"""Finding the maths in a worked solution: display and inline LaTeX, bare environments, and plain lines.

One pass over the text, linear in its length whatever it holds (an opener
that is never closed is looked for once, not once per opener):

* ``$$...$$``, ``\\[...\\]`` and a bare ``\\begin{align}...\\end{align}`` (any
  layout environment) are *display* blocks; a display block whose brackets are
  still open at its end is joined with the next one (a matrix written over
  several lines), at most :data:`MAX_JOINED` blocks;
* ``$...$`` and ``\\(...\\)`` on one line are *inline* blocks;
* every other line (inside a fenced code block too) is a *plain* line, which
  the plain-notation reader may read (``dE/dw12 = 0.3*0.2 = 0.06``);
* an HTML comment ``<!-- ... -->`` is not the student's visible work: skipped.

Lines are counted at ``\\n`` only (a form feed, vertical tab or U+2028 inside a
line is not a line break), so every mark lands on the line an editor shows.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

LAYOUT_ENVIRONMENTS = ("aligned", "align", "align*", "split", "gathered", "gather", "gather*", "array", "eqnarray",
                       "eqnarray*", "equation", "equation*", "alignedat", "alignat", "alignat*", "flalign",
                       "flalign*", "multline", "multline*", "displaymath", "math")
MAX_JOINED = 32  # display blocks joined because a bracket is still open (a matrix over a few lines)

_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)", re.MULTILINE)


@lru_cache(maxsize=64)
def _opener(dead: frozenset[str]) -> re.Pattern[str]:
    """Where maths may open: ``$$``, ``$``, ``\\[``, ``\\(``, a layout environment's ``\\begin``, ``<!--``, a fence;
    without the openers whose closer (``$$``, ``\\]``, ``\\end{align}``, ``-->``) is in ``dead``, known not to occur
    any more: such an opener is stepped over unread, so a run of them (``\\[`` 200,000 times) need not be visited."""
    environments = "|".join(re.escape(name) for name in LAYOUT_ENVIRONMENTS if f"\\end{{{name}}}" not in dead)
    alternatives = [("$$", r"\$\$"), ("", r"(?<!\\)\$"), ("\\]", r"\\\["), ("", r"\\\("),
                    ("", rf"\\begin\s*\{{({environments})\}}" if environments else ""), ("-->", "<!--"),
                    ("", r"^[ ]{0,3}(?:```|~~~)")]
    return re.compile("|".join(pattern for closer, pattern in alternatives if pattern and closer not in dead),
                      re.MULTILINE)


class Block(NamedTuple):
    """A piece of the document to read: maths (display or inline) or one plain line."""

    start: int  # offset of the content in the document
    end: int  # offset just after the block (its closing delimiter)
    content: str
    kind: str  # "display" | "inline" | "plain"


class Lines:
    """Offsets to 1-based line numbers, counting ``\\n`` only."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def split_lines(text: str) -> list[str]:
    """The document's lines as an editor shows them: cut at ``\\n`` (a trailing ``\\r`` dropped), nothing else."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def blocks(text: str) -> list[Block]:
    """The maths blocks and plain lines of ``text`` in reading order."""
    found: list[Block] = []
    plain_from = 0  # text between maths blocks is read as plain lines
    dead: set[str] = set()  # closers a search failed to find (none later either): their openers are not looked for
    openers = _opener(frozenset())
    position = 0
    n = len(text)
    while position < n:
        match = openers.search(text, position)
        if match is None:
            break
        opener = match.group(0)
        start = match.end()
        if opener.lstrip(" ").startswith(("```", "~~~")):
            fence = opener.strip()
            found.extend(_plain(text, plain_from, match.start()))
            close = _closing_fence(text, start, fence)
            line_end = text.find("\n", start)
            inner_from = n if line_end < 0 else line_end + 1
            inner_to = n if close is None else close
            found.extend(_plain(text, inner_from, inner_to))  # ASCII working is often put in a code block
            position = n if close is None else _line_end(text, close)
            plain_from = position
            continue
        if opener == "$":
            line_end = _line_end(text, start)
            close = _inline_close(text, start, line_end)
            if close < 0:
                position = start
                continue
            found.extend(_plain(text, plain_from, match.start()))
            found.append(Block(start, close + 1, text[start:close], "inline"))
            position = plain_from = close + 1
            continue
        if opener == "\\(":
            line_end = _line_end(text, start)
            close = text.find("\\)", start, line_end)
            if close < 0:
                position = start
                continue
            found.extend(_plain(text, plain_from, match.start()))
            found.append(Block(start, close + 2, text[start:close], "inline"))
            position = plain_from = close + 2
            continue
        if opener == "<!--":
            closer, kind = "-->", ""
        elif opener.startswith("\\begin"):
            closer, kind = f"\\end{{{match.group(1)}}}", "display"
        else:
            closer, kind = ("$$" if opener == "$$" else "\\]"), "display"
        close = text.find(closer, start)
        if close < 0:  # never closed, here or later: that opener is stepped over from now on
            dead.add(closer)
            openers = _opener(frozenset(dead))
            position = start
            continue
        found.extend(_plain(text, plain_from, match.start()))
        if kind:
            found.append(Block(start, close + len(closer), text[start:close], kind))
        position = plain_from = close + len(closer)
    found.extend(_plain(text, plain_from, n))
    return _joined(text, found)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _inline_close(text: str, start: int, line_end: int) -> int:
    """The ``$`` closing an inline formula opened just before ``start`` (on its line, not escaped), or -1."""
    at = start
    while True:
        at = text.find("$", at, line_end)
        if at < 0:
            return -1
        if at == start:  # "$$" was matched as display before; an empty "$$" here is no formula
            return -1
        if text[at - 1] != "\\":
            return at
        at += 1


def _closing_fence(text: str, start: int, fence: str) -> int | None:
    for match in _FENCE.finditer(text, _line_end(text, start)):
        if match.group(1) == fence:
            return match.start()
    return None


def _plain(text: str, start: int, end: int) -> list[Block]:
    """The lines of ``text[start:end]`` that are not blank, as plain blocks (one without an ``=`` or arrow may
    carry on the working of the line above it)."""
    out: list[Block] = []
    position = start
    while position < end:
        line_end = text.find("\n", position, end)
        if line_end < 0:
            line_end = end
        line = text[position:line_end]
        if line.strip():
            out.append(Block(position, line_end, line, "plain"))
        position = line_end + 1
    return out


def open_brackets(content: str) -> int:
    """How many round or square brackets ``content`` leaves open (escaped and sized ones ignored)."""
    if "\\" in content:
        content = _ESCAPED.sub("", content)
    return content.count("(") + content.count("[") - content.count(")") - content.count("]")


_ESCAPED = re.compile(r"\\.", re.DOTALL)


def _joined(text: str, found: list[Block]) -> list[Block]:
    """Display blocks joined while a bracket stays open and nothing but space lies between them."""
    out: list[Block] = []
    parts: list[str] = []  # while out[-1] is a display block: its content and the contents of those joined to it
    depth = end = 0  # brackets left open by them; where the last of them ends
    for block in found:
        if (block.kind == "display" and parts and depth > 0 and len(parts) <= MAX_JOINED
                and not text[end:block.start].strip("$[]\\ \n\t")):
            parts.append(block.content)
            depth += open_brackets(block.content)
            end = block.end
            continue
        if len(parts) > 1:
            out[-1] = Block(out[-1].start, end, " ".join(parts), "display")
        out.append(block)
        parts = [block.content] if block.kind == "display" else []
        depth = open_brackets(block.content) if block.kind == "display" else 0
        end = block.end
    if len(parts) > 1:
        out[-1] = Block(out[-1].start, end, " ".join(parts), "display")
    return out
