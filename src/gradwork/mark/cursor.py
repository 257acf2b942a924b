"""The parser's cursor over a side's tokens, and how it reads the labels of a symbol's name.

A name's subscript and layer superscript (``w_{11}^{(2)}``), an update's label (``w^{new}``, ``w^{+}``) and an
element picked after the name (``W_2(1,1)`` counted from 1, ``x[2]`` counted from 0) are read here, token by
token, with no grammar: :mod:`gradwork.mark.parse` builds the tree.
"""

from __future__ import annotations

from gradwork.mark.syntax import Unreadable
from gradwork.mark.tokens import UPDATE_WORDS, Token, script_text


class Cursor:
    """A position in a side's tokens."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("an incomplete expression")
        self.i += 1
        return token

    def following(self) -> str:
        """The next token's text, "" at the end (no token is empty)."""
        i, tokens = self.i, self.tokens
        return tokens[i].text if i < len(tokens) else ""

    def at(self, *texts: str) -> bool:
        i, tokens = self.i, self.tokens  # peek(), inline: the parser asks this most
        return i < len(tokens) and tokens[i].text in texts

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text:
            raise Unreadable(f"{token.text!r} where {text!r} was expected")

    def rest(self) -> str:
        return " ".join(t.text for t in self.tokens[self.i:])

    def _element_index(self) -> str:
        """``W_2(1,1)``, ``b_1(2)``: an element picked by whole numbers in parentheses (the student's count);
        ``x[2]``, ``W[0,1]`` right after the name: one picked as code does, from 0."""
        if self.at("[") and not self.peek().spaced:  # type: ignore[union-attr]
            j, parts = self.i + 1, []
            while j + 1 < len(self.tokens) and self.tokens[j].kind == "num" and "." not in self.tokens[j].text:
                parts.append(self.tokens[j].text)
                j += 2 if self.tokens[j + 1].text == "," else 1
                if self.tokens[j - 1].text != ",":
                    break
            if not parts or j >= len(self.tokens) or self.tokens[j].text != "]" or self.tokens[j - 1].text == ",":
                return ""
            self.i = j + 1
            return "[" + ",".join(parts) + "]"
        if not self.at("("):
            return ""
        j, parts = self.i + 1, []
        while j < len(self.tokens) and self.tokens[j].kind == "num" and "." not in self.tokens[j].text:
            parts.append(self.tokens[j].text)
            j += 1
            if j < len(self.tokens) and self.tokens[j].text == ",":
                j += 1
                continue
            break
        if not parts or j >= len(self.tokens) or self.tokens[j].text != ")" or (
                len(parts) == 1 and (self.i + 2 >= len(self.tokens) or j != self.i + 2)):
            return ""
        if len(parts) == 1 and j + 1 < len(self.tokens) and self.tokens[j + 1].text in ("(", "\\cdot"):
            return ""
        if len(parts) == 1 and self.tokens[self.i].spaced:  # w_6 (2) z_2: a factor 2, not element 2 of w_6
            return ""
        self.i = j + 1
        return "(" + ",".join(parts) + ")"

    def _update_label(self) -> bool:
        """``^{new}``, ``_{new}``, ``^{+}``, ``^{*}``, ``^{(new)}`` next: an update's label."""
        j = self.i + 1
        if j < len(self.tokens) and self.tokens[j].text == "{":
            j += 1
        if j < len(self.tokens) and self.tokens[j].text == "(":
            j += 1
        if j < len(self.tokens) and self.tokens[j].text in ("+", "*") and self.tokens[self.i].text == "^":
            return True
        word: list[str] = []
        while j < len(self.tokens) and self.tokens[j].kind == "letter" and len(word) < 8:
            word.append(self.tokens[j].text)
            j += 1
        return "".join(word) in UPDATE_WORDS and j < len(self.tokens) and self.tokens[j].text in ("}", ")")

    def _label_superscript(self) -> bool:
        """``^{(2)}`` or ``^(2)``: a layer label; ``^{new}``, ``^{+}``, ``^{*}``: an update's label. Not a power."""
        after = self.peek(1)
        if after is None:
            return False
        if after.text == "(":
            return True
        if after.text != "{":
            return False
        following = self.peek(2)
        if following is not None and following.text in ("(", "+", "*"):
            return True
        word: list[str] = []
        j = self.i + 2
        while j < len(self.tokens) and self.tokens[j].kind == "letter" and len(word) < 8:
            word.append(self.tokens[j].text)
            j += 1
        return "".join(word) in UPDATE_WORDS and j < len(self.tokens) and self.tokens[j].text == "}"

    def script(self) -> str:
        """A subscript or label superscript as canonical text: ``{11}`` -> "11", ``{(2)}`` -> "(2)"."""
        token = self.next()
        if token.text == "{":
            depth, parts = 1, []
            while True:
                inner = self.next()
                if inner.text == "{":
                    depth += 1
                elif inner.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                parts.append(script_text(inner))
            return "".join(parts)
        if token.text == "(":
            parts = [token.text]
            while not self.at(")"):
                parts.append(script_text(self.next()))
            parts.append(self.next().text)
            return "".join(parts)
        return script_text(token)
