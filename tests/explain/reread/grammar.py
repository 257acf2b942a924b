"""Reading a printed equation back: the text notation of a derivation, parsed into a small tree.

Text is read as a student reads it: ``z⁽¹⁾ = x W⁽¹⁾ + b⁽¹⁾ = [1, 2] [[0.5, −0.6], [−0.4, 0.8]] + [0.2, −0.2]``.
LaTeX, MathML and JSON are first turned into this notation (formats.py), so one reader serves every format.

The notation: ``·`` multiplies numbers (two vectors of one shape: their dot product), ``⊙`` elementwise,
juxtaposition is a matrix product (or scaling); ``[a, b]`` a row, ``(a, b)`` a column, ``[[…], […]]`` a matrix;
``[z > 0]`` an Iverson bracket; ``①`` or ``[B4]`` a step reference; ``∂J/∂w₅`` a derivative read as one name;
``w⁽¹⁾₁₂`` a symbol with a layer and an index; ``ᵀ`` a transpose; ``²`` or ``^(…)`` a power; ``a / b`` a
quotient whose denominator is an atom; ``{1 if x ≥ 0; α otherwise}`` cases. Nothing here knows gradwork.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from tests.explain.reread.values import Unreadable

SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁⱽᵂ",
                 "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRUVW"))
SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789+-=()aehijklmnoprstuvx"))
CIRCLED = {chr(0x2460 + k): k + 1 for k in range(20)}
FUNCTIONS = {"ln", "log", "exp", "σ", "ReLU", "LeakyReLU", "tanh", "softmax", "softplus", "ELU", "GELU", "max",
             "min", "diag", "sign", "id", "Σ", "sum", "sqrt", "abs", "mean", "Φ", "sigmoid", "relu"}
KEYWORDS = {"if", "otherwise", "and", "or", "else"}
RELATIONS = {"=", "≈", "←"}
COMPARISONS = {">", "<", "≥", "≤"}


class Tok(NamedTuple):  # (a named tuple: made ~50 times per equation read)
    kind: str  # num, name, label, func, op, word
    text: str
    space_before: bool = False


# ---------------------------------------------------------------- names


@dataclass(frozen=True)
class Name:
    """A symbol as printed, in parts: w′⁽¹⁾₁₂ is base w, one prime, layer 1, index 12."""

    base: str
    primes: int = 0
    layer: str = ""
    sub: str = ""
    bracket: str = ""

    @property
    def key(self) -> str:
        out = self.base + "'" * self.primes
        if self.layer:
            out += f"^({self.layer})"
        if self.sub:
            out += f"_({self.sub})"
        if self.bracket:
            out += f"[{self.bracket}]"
        return out


def _scripts(text: str, i: int, table: dict[str, str]) -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] in table:
        out.append(table[text[i]])
        i += 1
    return "".join(out), i


def _group(text: str, i: int) -> tuple[str, int]:
    """``(…)`` starting at ``i``, with nesting: its inside and the index after it."""
    if i >= len(text) or text[i] != "(":
        raise Unreadable(f"expected ( at {text[i:i + 10]!r}")
    depth, j = 0, i
    while j < len(text):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    raise Unreadable(f"unclosed ( in {text!r}")


# ---------------------------------------------------------------- lexer


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LABEL = re.compile(r"\[([A-Z])(\d+)\]")
_SCIENTIFIC = re.compile(r"\s*×\s*10(?=[⁰¹²³⁴⁵⁶⁷⁸⁹⁻^])")


def lex(text: str) -> list[Tok]:
    text = unicodedata.normalize("NFC", text)
    tokens: list[Tok] = []
    i = 0
    space = False
    while i < len(text):
        c = text[i]
        if c.isspace():
            space = True
            i += 1
            continue
        match = _NUMBER.match(text, i) if c.isdecimal() else None  # (\d is a decimal digit)
        if match:
            number = match.group(0)
            j = match.end()
            scientific = _SCIENTIFIC.match(text, j)
            if scientific:
                k = scientific.end()
                exponent, k2 = _scripts(text, k, SUPER)
                if exponent:
                    number += "e" + exponent
                    j = k2
                elif text.startswith("^(", k):
                    inside, k2 = _group(text, k + 1)
                    number += "e" + inside.replace("−", "-").strip()
                    j = k2
            tokens.append(Tok("num", number, space))
            i, space = j, False
            continue
        label = _LABEL.match(text, i) if c == "[" else None
        if label:
            tokens.append(Tok("label", label.group(1) + label.group(2), space))
            i, space = label.end(), False
            continue
        if c in CIRCLED:
            tokens.append(Tok("label", f"C{CIRCLED[c]}", space))
            i, space = i + 1, False
            continue
        if c == "½":
            tokens.append(Tok("num", "0.5", space))
            i, space = i + 1, False
            continue
        if c == "ᵀ":
            tokens.append(Tok("op", "ᵀ", space))
            i, space = i + 1, False
            continue
        if c.isalpha() and c not in SUPER and c not in SUB or c == "∇":
            i = _name(text, i, tokens, space)
            space = False
            continue
        if c in SUPER:  # a power after an atom (x², 10⁻⁷ handled above), or ᵀ
            if c == "ᵀ":
                tokens.append(Tok("op", "ᵀ", space))
                i += 1
            else:
                raised, i = _scripts(text, i, SUPER)
                tokens.append(Tok("op", "^", space))
                tokens.extend(lex_group(raised))
            space = False
            continue
        if c in SUB:  # a subscript after a call or a group: an index (softmax(x)ᵢ)
            lowered, i = _scripts(text, i, SUB)
            tokens.append(Tok("op", "_", False))
            tokens.append(Tok("word", lowered, False))
            space = False
            continue
        if c == "_" and text.startswith("_(", i):
            inside, i = _group(text, i + 1)
            tokens.append(Tok("op", "_", False))
            tokens.append(Tok("word", inside, False))
            space = False
            continue
        if c in "′'":
            tokens.append(Tok("op", "′", space))
            i += 1
            space = False
            continue
        two = text[i:i + 2]
        if two in (">=", "<="):
            tokens.append(Tok("op", "≥" if two == ">=" else "≤", space))
            i += 2
            space = False
            continue
        if c in "+−-·⊙×*/^=≈←<>≥≤()[]{},;|√∂∑Σ!":
            op = {"-": "−", "*": "·", "∑": "Σ"}.get(c, c)
            if op == "Σ":
                tokens.append(Tok("func", "Σ", space))
            else:
                tokens.append(Tok("op", op, space))
            i += 1
            space = False
            continue
        raise Unreadable(f"unexpected character {c!r} in {text!r}")
    return tokens


def lex_group(raised: str) -> list[Tok]:
    """A raised exponent's tokens, bracketed: x⁻¹ is x^(−1)."""
    return [Tok("op", "("), *lex(raised.replace("-", "−")), Tok("op", ")")]


def _name(text: str, i: int, tokens: list[Tok], space: bool) -> int:
    start = i
    digits = ""
    if text[i].isascii():
        while i < len(text) and text[i].isascii() and text[i].isalpha():
            i += 1
        while i < len(text) and text[i] in "0123456789" and text[start:i] not in FUNCTIONS:  # w6 written plainly
            digits += text[i]
            i += 1
    else:
        i += 1
    while i < len(text) and unicodedata.combining(text[i]):
        i += 1
    word = text[start:i - len(digits)] if digits else text[start:i]
    if word in KEYWORDS:
        tokens.append(Tok("word", word, space))
        return i
    primes = 0
    while i < len(text) and text[i] in "′'":
        primes += 1
        i += 1
    if word in FUNCTIONS and not (word == "σ" and i < len(text) and text[i] in "⁽_₀₁₂₃₄₅₆₇₈₉"):
        tokens.append(Tok("func", word + "′" * primes, space))
        return i
    layer, sub, bracket = "", digits, ""
    while i < len(text):
        if text.startswith("⁽", i):
            raised, j = _scripts(text, i, SUPER)
            if not (raised.startswith("(") and raised.endswith(")")):
                break
            layer, i = raised[1:-1], j
        elif text.startswith("^(", i) and text.startswith("^((", i):
            inside, i = _group(text, i + 1)
            layer = inside[1:-1]
        elif text[i] in SUB:
            lowered, i = _scripts(text, i, SUB)
            sub += lowered
        elif text.startswith("_(", i):
            inside, i = _group(text, i + 1)
            sub += inside.replace(" ", "")
        elif text[i] == "_" and i + 1 < len(text) and text[i + 1].isalnum():
            j = i + 1
            while j < len(text) and text[j].isascii() and text[j].isalnum():  # E_total: a word as subscript
                j += 1
            sub += text[i + 1:j]
            i = j
        elif text[i] in "′'":
            primes += 1
            i += 1
        elif text[i] == "[" and re.match(r"\[\d+(?:,\s*\d+)*\]", text[i:]) and not _LABEL.match(text, i):
            close = text.index("]", i)
            bracket = text[i + 1:close].replace(" ", "")
            i = close + 1
        else:
            break
    tokens.append(Tok("name", Name(word, primes, layer, sub, bracket).key, space))
    return i


# ---------------------------------------------------------------- the tree
# Nodes are tuples: ("num", text) ("name", key) ("label", id) ("deriv", of, wrt) ("vec", [items], row)
# ("mat", [[…]]) ("add", a, b) ("sub", a, b) ("neg", a) ("mul", kind, a, b) ("div", a, b) ("pow", a, b)
# ("call", name, [args]) ("T", a) ("iverson", op, a, b) ("index", a, sub) ("sumover", sub, a)
# ("cases", [(value, condition | None)]) ("abs", a)


class Parser:
    def __init__(self, tokens: list[Tok], source: str) -> None:
        self.t = tokens
        self.n = len(tokens)
        self.i = 0
        self.source = source

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.t[j] if j < self.n else None

    def take(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise Unreadable(f"unexpected end of {self.source!r}")
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        if self.i >= self.n:
            return False
        tok = self.t[self.i]
        return tok.kind == kind and (text is None or tok.text == text)

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise Unreadable(f"expected {text!r}, found {tok.text!r} in {self.source!r}")

    # ------------------------------------------------------------ levels
    def relation(self) -> tuple[list[Any], list[str]]:
        sides = [self.sum()]
        ops: list[str] = []
        while self.at("op") and self.peek().text in RELATIONS:  # type: ignore[union-attr]
            ops.append(self.take().text)
            sides.append(self.sum())
        if self.peek() is not None:
            raise Unreadable(f"left over {' '.join(t.text for t in self.t[self.i:])!r} in {self.source!r}")
        return sides, ops

    def sum(self) -> Any:
        node = self.term()
        while self.at("op") and self.peek().text in ("+", "−"):  # type: ignore[union-attr]
            op = self.take().text
            right = self.term()
            node = ("add", node, right) if op == "+" else ("sub", node, right)
        return node

    def term(self) -> Any:
        node = self.unary()
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.kind == "op" and tok.text in ("·", "⊙", "×"):
                self.take()
                node = ("mul", "hadamard" if tok.text == "⊙" else "dot", node, self.unary())
            elif tok.kind == "op" and tok.text == "/":
                self.take()
                node = ("div", node, self.power(allow_minus=True))
            elif self.starts_atom(tok):
                node = ("mul", "juxt", node, self.power())
            else:
                break
        return node

    def starts_atom(self, tok: Tok) -> bool:
        if tok.kind in ("num", "name", "label", "func"):
            return True
        return tok.kind == "op" and tok.text in ("(", "[", "√", "∂", "{")

    def unary(self) -> Any:
        if self.at("op", "−"):
            self.take()
            return ("neg", self.unary())
        if self.at("op", "+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self, allow_minus: bool = False) -> Any:
        if allow_minus and self.at("op", "−"):
            self.take()
            return ("neg", self.power())
        base = self.postfix()
        if self.at("op", "^"):
            self.take()
            if self.at("op", "−"):
                self.take()
                return ("pow", base, ("neg", self.postfix()))
            return ("pow", base, self.power())
        return base

    def postfix(self) -> Any:
        node = self.atom()
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op":
                return node
            if tok.text == "ᵀ":
                self.take()
                node = ("T", node)
            elif tok.text == "_":
                self.take()
                node = ("index", node, self.take().text)
            elif tok.text == "′":
                self.take()
                node = ("prime", node)
            elif tok.text == "[" and not tok.space_before and node[0] in ("vec", "mat", "call") and \
                    self.peek(1) is not None and self.peek(1).kind == "num" and self.peek(2) is not None and \
                    self.peek(2).text == "]":  # type: ignore[union-attr]
                self.take()
                position = self.take().text
                self.take()
                node = ("at", node, position)
            else:
                return node

    def atom(self) -> Any:
        tok = self.take()
        if tok.kind == "num":
            return ("num", tok.text)
        if tok.kind == "name":
            return ("name", tok.text)
        if tok.kind == "label":
            return ("label", tok.text)
        if tok.kind == "func":
            return self.call(tok.text)
        if tok.kind == "op":
            if tok.text == "(":
                items = self.items(")")
                if len(items) == 1:
                    return items[0]
                return ("vec", items, False)
            if tok.text == "[":
                return self.bracket()
            if tok.text == "√":
                return ("call", "sqrt", [self.postfix()])
            if tok.text == "|":
                inside = self.sum()
                self.expect("|")
                return ("call", "abs", [inside])
            if tok.text == "∂" and self.at("op", "/"):  # ∂/∂u (expression): a derivative operator
                self.take()
                self.expect("∂")
                wrt = self.postfix()
                return ("deriv", show(self.power()), show(wrt))
            if tok.text == "∂":
                of = self.postfix()
                self.expect("/")
                self.expect("∂")
                wrt = self.postfix()
                return ("deriv", show(of), show(wrt))
            if tok.text == "{":
                return self.cases()
        raise Unreadable(f"unexpected {tok.text!r} in {self.source!r}")

    def items(self, close: str) -> list[Any]:
        items = [self.sum()]
        while self.at("op", ","):
            self.take()
            items.append(self.sum())
        self.expect(close)
        return items

    def bracket(self) -> Any:
        first = self.sum()
        if first[0] == "vec" and first[2] and self.at("op") and self.peek().text in (",", "]") and \
                self.t[self.i - 1].text == "]":  # type: ignore[union-attr]  # a matrix [[…], […]]
            rows = [first[1]]
            while self.at("op", ","):
                self.take()
                row = self.sum()
                if row[0] != "vec" or not row[2]:
                    raise Unreadable(f"a matrix row that is not a row in {self.source!r}")
                rows.append(row[1])
            self.expect("]")
            return ("mat", rows)
        if self.at("op") and self.peek().text in COMPARISONS:  # type: ignore[union-attr]
            op = self.take().text
            right = self.sum()
            self.expect("]")
            return ("iverson", op, first, right)
        items = [first]
        while self.at("op", ","):
            self.take()
            items.append(self.sum())
        self.expect("]")
        return ("vec", items, True)

    def call(self, name: str) -> Any:
        if name == "Σ" and self.at("op", "_"):
            self.take()
            index = self.take().text
            return ("sumover", index, self.power())
        if self.at("op", "_"):  # max_k, LeakyReLU_α: the subscript names an index or a constant
            self.take()
            self.take()
        if self.at("op", "("):
            self.take()
            args = self.items(")")
            if name == "Σ" and len(args) == 1:
                return ("call", "sum", args)
            return ("call", name, args)
        return ("call", name, [self.power()])

    def cases(self) -> Any:
        branches = []
        while True:
            value = self.sum()
            if self.at("word", "if"):
                self.take()
                left = self.sum()
                op = self.take().text
                if op not in COMPARISONS and op != "=":
                    raise Unreadable(f"a condition with {op!r} in {self.source!r}")
                branches.append((value, ("iverson", op, left, self.sum())))
            elif self.at("word", "otherwise"):
                self.take()
                branches.append((value, None))
            else:
                raise Unreadable(f"cases without if/otherwise in {self.source!r}")
            if self.at("op", ";"):
                self.take()
                continue
            self.expect("}")
            return ("cases", branches)


_PARSED: dict[str, tuple[list[Any], list[str]] | Exception] = {}  # text -> its reading (or why it has none)


def parse(text: str) -> tuple[list[Any], list[str]]:
    """An equation chain ``a = b = c`` as its sides (trees) and the relation signs between them.

    Memoised: the same equation is printed in every format of a page (a quarter of the texts read are new), and
    reading is a function of the text alone. The trees are never changed by their readers (tuples and lists only
    read); the lists returned are fresh copies."""
    known = _PARSED.get(text)
    if known is None:
        try:
            tokens = lex(text)
            if not tokens:
                raise Unreadable("empty")
            known = Parser(tokens, text).relation()
        except (Unreadable, KeyError, IndexError, ValueError) as error:  # what a reader of parse() catches
            known = error
        if len(_PARSED) > 100_000:
            _PARSED.clear()
        _PARSED[text] = known
    if isinstance(known, Exception):
        raise known.with_traceback(None)
    return list(known[0]), list(known[1])


def parse_expr(text: str) -> Any:
    sides, ops = parse(text)
    if ops:
        raise Unreadable(f"a relation where one expression was expected: {text!r}")
    return sides[0]


def show(node: Any) -> str:
    """A tree as a key (names, derivatives): the canonical spelling, the same whatever the format."""
    kind = node[0]
    if kind in ("num", "name"):
        return node[1]
    if kind == "label":
        return "[" + node[1] + "]"
    if kind == "deriv":
        return f"∂{node[1]}/∂{node[2]}"
    if kind == "call":
        return f"{node[1]}({', '.join(show(a) for a in node[2])})"
    if kind == "T":
        return show(node[1]) + "ᵀ"
    if kind == "prime":
        return show(node[1]) + "'"
    if kind == "index":
        return f"{show(node[1])}_({node[2]})"
    if kind == "neg":
        return "−" + show(node[1])
    if kind in ("add", "sub"):
        return f"({show(node[1])} {'+' if kind == 'add' else '−'} {show(node[2])})"
    if kind == "mul":
        return f"({show(node[2])} {node[1]} {show(node[3])})"
    if kind == "div":
        return f"({show(node[1])} / {show(node[2])})"
    if kind == "pow":
        return f"{show(node[1])}^{show(node[2])}"
    if kind == "vec":
        inside = ", ".join(show(i) for i in node[1])
        return f"[{inside}]" if node[2] else f"({inside})"
    if kind == "mat":
        return "[" + ", ".join("[" + ", ".join(show(i) for i in row) + "]" for row in node[1]) + "]"
    return repr(node)


_NAMES: dict[int, tuple[Any, tuple[str, ...]]] = {}  # id(tree) -> (the tree, its names)


def names_in(node: Any) -> list[str]:
    """The symbol keys a tree uses (derivatives and labels count as names).

    Remembered per tree: the sides of parse's memo are asked again on every page that prints them. The tree is
    kept beside its names, so the id stays its own; trees are never changed by their readers (see parse)."""
    known = _NAMES.get(id(node))
    if known is None or known[0] is not node:
        if len(_NAMES) > 100_000:
            _NAMES.clear()
        known = _NAMES[id(node)] = (node, tuple(_names_in(node)))
    return list(known[1])


def _names_in(node: Any) -> list[str]:
    if not isinstance(node, tuple):
        return []
    kind = node[0]
    if kind == "name":
        return [node[1]]
    if kind == "deriv":
        return [show(node)]
    if kind == "label":
        return [show(node)]
    out: list[str] = []
    for part in node[1:]:
        if isinstance(part, tuple):
            out += _names_in(part)
        elif isinstance(part, list):
            for item in part:
                if isinstance(item, tuple) and item and isinstance(item[0], str):
                    out += _names_in(item)
                elif isinstance(item, (list, tuple)):
                    for sub in item:
                        out += _names_in(sub) if isinstance(sub, tuple) else []
    return out


@lru_cache(maxsize=16384)  # pure (a Name is frozen); the reader splits the same keys on every lookup
def split_name(key: str) -> Name | None:
    match = re.fullmatch(r"([^\W\d_]+)('*)(?:\^\(([^()]*)\))?(?:_\(([^()]*)\))?(?:\[([\d,]+)\])?", key)
    if match is None:
        return None
    return Name(match.group(1), len(match.group(2)), match.group(3) or "", match.group(4) or "", match.group(5) or "")
