"""Reading one side of an equation, LaTeX as students write it, into a small expression tree.

The grammar is the school algebra of a worked backprop solution: numbers,
symbols with subscripts and layer superscripts (``w_{11}^{(2)}``), + - and
products (``\\cdot``, juxtaposition, ``\\hadamard`` for the elementwise
product), ``/`` and ``\\frac``, powers, ``^T``, ``\\log``/``\\exp``/``e^x``/
``\\sqrt``, named activations (``\\text{ReLU}(...)``), matrices (``pmatrix``,
``[a, b]``, ``[[..], [..]]``, ``{a \\choose b}``), bounded sums
(``\\sum_{i=0}^{4}``) and partial derivatives ``\\frac{\\partial J}{\\partial w_5}``.

Anything else raises :class:`Unreadable` with the reason: the line is then
reported as "not read", never guessed. (SymPy's own LaTeX parsers guess:
``\\text{Relu}(z)`` reads as the product t*e*x*t*R*e*l*u*z. They are also
17-68 ms per side, and a seed-length solution has ~280 sides: see docs/mark.md.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache


class Unreadable(ValueError):
    """A side that the reader does not understand (the message says what)."""


# ---------------------------------------------------------------- the tree
@dataclass(frozen=True, slots=True)
class Num:
    value: float
    decimals: int | None  # digits after the point as written (None: an integer, exact)
    text: str


@dataclass(frozen=True, slots=True)
class Sym:
    name: str  # canonical: "w_11^(2)", "delta_1", "hat(y)", "E'_BCE"


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # "+", "-", "*" (product: matrix or scalar), "o" (elementwise), "/", "^"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Func:
    name: str  # exp, log, log10, sqrt, tanh, abs, relu, sigmoid, softmax, leaky_relu
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Transpose:
    operand: Node


@dataclass(frozen=True, slots=True)
class Matrix:
    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class Deriv:
    numerator: Sym  # the function differentiated (J, a_3)
    denominator: Sym  # the variable (w_5)


Node = Num | Sym | Bin | Neg | Func | Transpose | Matrix | Deriv

FUNCTIONS = {
    "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt", "tanh": "tanh", "abs": "abs",
    "relu": "relu", "sigmoid": "sigmoid", "softmax": "softmax", "leakyrelu": "leaky_relu", "leaky_relu": "leaky_relu",
    "lrelu": "leaky_relu",
}
GREEK = {
    "alpha", "beta", "gamma", "omega", "delta", "Delta", "epsilon", "varepsilon", "eta", "theta", "lambda", "mu", "nu",
    "xi", "rho",
    "sigma", "tau", "phi", "varphi", "psi", "chi", "zeta", "kappa", "Theta", "Sigma", "Phi", "Lambda", "Omega",
}
# Symbols that name a function when followed by "(": sigma(x) is not sigma times x.
FUNCTION_LIKE = {"sigma", "phi", "varphi", "psi", "f", "g", "F", "G"}
MATRIX_ENVIRONMENTS = {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "vmatrix"}

_TOKEN = re.compile(r"""
  (?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
| (?P<text>\\text\s*\{[^{}]*\})
| (?P<env>\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\{[lcr|]*\})?)
| (?P<circled>\\circled\{\d*\})
| (?P<newline>\\\\)
| (?P<cmd>\\[A-Za-z]+)
| (?P<escaped>\\[{}|%$#&_])
| (?P<letter>[A-Za-z])
| (?P<punct>[-+/^_'=&(),\[\]{};|!<>.:?])
| (?P<space>\s+)
""", re.VERBOSE)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise Unreadable(f"the character {text[position]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "space":
            continue
        tokens.append(Token(kind, match.group()))
    return tokens


# ---------------------------------------------------------------- the parser
MAX_SIDE_CHARACTERS = 50_000  # a 5,000-term sum fits; a side is otherwise a line or two
MAX_DEPTH = 200  # how deeply a tree may nest (a long + or product chain is built balanced, so it stays shallow)
MAX_NODES = 20_000  # nodes in one side's tree, sums expanded (four nested sums of 60 terms are 13 million)
BALANCED_FROM = 32  # a chain of more terms than this is built as a balanced tree


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The tree of one side (already normalised). Raises :class:`Unreadable`."""
    stripped = text.strip().rstrip(".,;").strip()
    if not stripped:
        raise Unreadable("an empty side")
    if len(stripped) > MAX_SIDE_CHARACTERS:
        raise Unreadable(f"a formula of {len(stripped)} characters (at most {MAX_SIDE_CHARACTERS} are read)")
    parser = _Parser(tokenize(stripped))
    try:
        node = parser.expression()
    except RecursionError:
        raise Unreadable("an expression nested too deeply") from None
    if parser.peek() is not None:
        raise Unreadable(f"{parser.rest()!r}")
    if depth(node) > MAX_DEPTH:
        raise Unreadable(f"an expression nested more than {MAX_DEPTH} deep")
    return node


def depth(node: Node) -> int:
    """How deeply ``node`` nests (iteratively: a tree too deep for recursion is measured too)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def size(node: Node) -> int:
    """How many nodes ``node`` has."""
    count = 0
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        count += 1
        stack.extend(children(current))
    return count


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, (Neg, Transpose)):
        return (node.operand,)
    if isinstance(node, Func):
        return node.args
    if isinstance(node, Matrix):
        return tuple(c for row in node.rows for c in row)
    return ()


def _balanced(op: str, operands: list[Node]) -> Node:
    """``a op b op c ...`` as a balanced tree (``op`` associative: + of signed terms, or a product)."""
    while len(operands) > 1:
        paired: list[Node] = [Bin(op, operands[k], operands[k + 1]) for k in range(0, len(operands) - 1, 2)]
        if len(operands) % 2:
            paired.append(operands[-1])
        operands = paired
    return operands[0]


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.expanded = 0  # nodes written out by sums so far

    # -- token helpers
    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("an incomplete expression")
        self.i += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.text in texts

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text:
            raise Unreadable(f"{token.text!r} where {text!r} was expected")

    def rest(self) -> str:
        return " ".join(t.text for t in self.tokens[self.i:])

    # -- grammar
    def expression(self) -> Node:
        first = self.term()
        rest: list[tuple[str, Node]] = []
        while self.at("+", "-"):
            op = self.next().text
            rest.append((op, self.term()))
        if len(rest) >= BALANCED_FROM:
            return _balanced("+", [first] + [term if op == "+" else Neg(term) for op, term in rest])
        node = first
        for op, term in rest:
            node = Bin(op, node, term)
        return node

    def term(self) -> Node:
        first = self.unary()
        rest: list[tuple[str, Node]] = []
        while True:
            token = self.peek()
            if token is None:
                break
            if token.text == "\\cdot":
                self.next()
                rest.append(("*", self.unary()))
            elif token.text == "\\hadamard":
                self.next()
                rest.append(("o", self.unary()))
            elif token.text == "/":
                self.next()
                rest.append(("/", self.unary()))
            elif self.starts_atom(token):
                rest.append(("*", self.power()))
            else:
                break
        if len(rest) >= BALANCED_FROM and all(op == "*" for op, _ in rest):
            return _balanced("*", [first] + [factor for _, factor in rest])
        node = first
        for op, factor in rest:
            node = Bin(op, node, factor)
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.next()
            return Neg(self.unary())
        if self.at("+"):
            self.next()
            return self.unary()
        if self.at("\\sum"):
            return self.summation()
        return self.power()

    def power(self) -> Node:
        base = self.postfix(self.atom())
        if self.at("^"):
            self.next()
            exponent = self.exponent()
            return self.postfix(Bin("^", base, exponent))
        return base

    def postfix(self, node: Node) -> Node:
        while self.at("\\transpose"):
            self.next()
            node = Transpose(node)
        return node

    def exponent(self) -> Node:
        token = self.peek()
        if token is None:
            raise Unreadable("a power without an exponent")
        if token.text == "{":
            return self.braced()
        if token.text == "-":
            self.next()
            return Neg(self.exponent())
        if token.kind in ("num", "letter"):
            self.next()
            if token.kind == "num" and len(token.text) > 1 and "." not in token.text:  # x^23 is x^2 times 3
                self.tokens.insert(self.i, Token("num", token.text[1:]))
                return _number(token.text[0])
            return _number(token.text) if token.kind == "num" else Sym(token.text)
        raise Unreadable(f"the exponent {token.text!r}")

    def starts_atom(self, token: Token) -> bool:
        if token.kind in ("num", "letter", "text", "circled"):
            return True
        if token.kind == "env":
            return token.text.startswith("\\begin")
        if token.kind == "cmd":
            name = token.text[1:]
            return name in GREEK or name in FUNCTIONS or name in (
                "frac", "sqrt", "hat", "bar", "tilde", "partial", "pi", "log", "exp", "unreadable", "nabla", "sum")
        return token.text in ("(", "[", "{")

    def atom(self) -> Node:
        token = self.next()
        kind, text = token.kind, token.text
        if kind == "num":
            return _number(text)
        if kind == "letter":
            if text == "e" and self.at("^"):
                self.next()
                return Func("exp", (self.exponent(),))
            return self.symbol(text)
        if kind == "text":
            return self.text_command(text)
        if kind == "circled":
            raise Unreadable("a reference to step " + text[len("\\circled"):] + " (not a formula)")
        if kind == "env":
            return self.environment(text)
        if text == "(":
            return self.bracketed(")")
        if text == "[":
            return self.bracketed("]")
        if text == "{":
            self.i -= 1
            return self.braced()
        if kind == "cmd":
            name = text[1:]
            if name == "frac":
                return self.fraction()
            if name == "sqrt":
                if self.at("["):
                    raise Unreadable("a root other than the square root")
                return Func("sqrt", (self.braced(),))
            if name in ("log", "exp", "tanh", "ln", "sin", "cos"):
                if name in ("sin", "cos"):
                    raise Unreadable(f"\\{name}")
                return self.function(FUNCTIONS.get(name, name))
            if name in GREEK:
                return self.symbol(name)
            if name == "pi":
                return Num(3.141592653589793, None, "pi")
            if name in ("hat", "bar", "tilde"):
                inner = self.braced_text()
                return self.symbol(f"{name}({inner})")
            raise Unreadable(f"\\{name}")
        raise Unreadable(f"{text!r}")

    def symbol(self, base: str) -> Node:
        name = base
        primes = ""
        subscript = superscript = ""
        while True:
            if self.at("'"):
                self.next()
                primes += "'"
            elif self.at("_") and not subscript:
                self.next()
                subscript = self.script()
            elif self.at("^") and not superscript and self._label_superscript():
                self.next()
                superscript = self.script()
            else:
                break
        name += primes
        if subscript:
            name += "_" + subscript
        if superscript:
            name += "^" + superscript
        if self.at("(") and (base in FUNCTION_LIKE or primes):
            raise Unreadable(f"the function {name}(...)")
        element = self._element_index()
        if element:
            name += element
        return Sym(name)

    def _element_index(self) -> str:
        """``W_2(1,1)``, ``b_1(2)``: an element picked by whole numbers in parentheses (the student's count)."""
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
        self.i = j + 1
        return "(" + ",".join(parts) + ")"

    def _label_superscript(self) -> bool:
        """``^{(2)}`` or ``^(2)``: a layer label, not a power."""
        after = self.peek(1)
        if after is None:
            return False
        if after.text == "(":
            return True
        return after.text == "{" and (self.peek(2) is not None and self.peek(2).text == "(")  # type: ignore[union-attr]

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
                parts.append(_script_text(inner))
            return "".join(parts)
        if token.text == "(":
            parts = [token.text]
            while not self.at(")"):
                parts.append(_script_text(self.next()))
            parts.append(self.next().text)
            return "".join(parts)
        return _script_text(token)

    def text_command(self, text: str) -> Node:
        content = text[text.index("{") + 1:-1].strip()
        key = content.lower().replace(" ", "").replace("-", "").replace("'", "")
        if key in FUNCTIONS and content.strip() == content and "'" not in content:
            return self.function(FUNCTIONS[key])
        if re.fullmatch(r"[A-Za-z]+", content) and self.at("_", "^"):
            return self.symbol(content)
        raise Unreadable(f"the words \\text{{{content}}}")

    def function(self, name: str) -> Node:
        if self.at("_"):  # \log_{10}, \log_2
            self.next()
            base = self.script()
            if name != "log" or base not in ("10", "2", "e"):
                raise Unreadable(f"\\{name}_{base}")
            name = {"10": "log10", "2": "log2", "e": "log"}[base]
        if self.at("^"):
            raise Unreadable(f"a power of {name} written before its argument")
        if self.at("("):
            self.next()
            args = [self.expression()]
            while self.at(","):
                self.next()
                if self.peek() is not None and self.peek(1) is not None and self.peek(1).text == "=":  # type: ignore[union-attr]
                    self.next()
                    self.next()  # a keyword such as "a = 0.01": the value is what counts
                args.append(self.expression())
            self.expect(")")
            node: Node = Func(name, tuple(args))
            return node
        return Func(name, (self.power(),))

    def fraction(self) -> Node:
        if self.at("{") and self.peek(1) is not None and self.peek(1).text == "\\partial":  # type: ignore[union-attr]
            self.next()
            self.next()
            if self.at("}"):
                raise Unreadable("a derivative operator applied to what follows")
            numerator = self.expression()
            self.expect("}")
            self.expect("{")
            self.expect("\\partial")
            denominator = self.expression()
            self.expect("}")
            if not isinstance(numerator, Sym) or not isinstance(denominator, Sym):
                return Deriv(Sym("(expression)"), Sym("(expression)"))
            return Deriv(numerator, denominator)
        numerator = self.braced()
        denominator = self.braced()
        return Bin("/", numerator, denominator)

    def braced(self) -> Node:
        token = self.next()
        if token.text != "{":
            # \frac12: single-character arguments
            if token.kind == "num" and len(token.text) > 1 and "." not in token.text:
                self.tokens.insert(self.i, Token("num", token.text[1:]))
                return _number(token.text[0])
            self.i -= 1
            return self.atom()
        # {a \choose b}
        depth, j = 0, self.i
        while j < len(self.tokens):
            t = self.tokens[j].text
            if t == "{":
                depth += 1
            elif t == "}":
                if depth == 0:
                    break
                depth -= 1
            elif t == "\\choose" and depth == 0:
                top = self.expression()
                self.expect("\\choose")
                bottom = self.expression()
                self.expect("}")
                return Matrix(((top,), (bottom,)))
            j += 1
        node = self.expression()
        self.expect("}")
        return node

    def braced_text(self) -> str:
        token = self.next()
        if token.text != "{":
            return _script_text(token)
        parts = []
        while not self.at("}"):
            parts.append(_script_text(self.next()))
        self.next()
        return "".join(parts)

    def bracketed(self, close: str) -> Node:
        items = [self.expression()]
        while self.at(","):
            self.next()
            items.append(self.expression())
        self.expect(close)
        if len(items) == 1:
            return items[0]
        if all(isinstance(item, Matrix) and len(item.rows) == 1 for item in items):
            rows = tuple(item.rows[0] for item in items)  # type: ignore[union-attr]
            if len({len(row) for row in rows}) != 1:
                raise Unreadable("rows of different lengths")
            return Matrix(rows)
        return Matrix((tuple(items),))

    def environment(self, text: str) -> Node:
        name = re.search(r"\{([^{}]*)\}", text).group(1)  # type: ignore[union-attr]
        if not text.startswith("\\begin") or name not in MATRIX_ENVIRONMENTS:
            raise Unreadable(f"the environment {name}")
        rows: list[list[Node]] = [[]]
        while True:
            token = self.peek()
            if token is None:
                raise Unreadable(f"an unclosed {name}")
            if token.kind == "env" and token.text.startswith("\\end"):
                self.next()
                break
            if token.text == "&":
                self.next()
                continue
            if token.kind == "newline":
                self.next()
                rows.append([])
                continue
            rows[-1].append(self.expression())
        if not rows[-1]:
            rows.pop()
        if not rows or len({len(row) for row in rows}) != 1:
            raise Unreadable(f"a {name} with rows of different lengths")
        return Matrix(tuple(tuple(row) for row in rows))

    def summation(self) -> Node:
        self.expect("\\sum")
        if not self.at("_"):
            raise Unreadable("a sum without bounds")
        self.next()
        self.expect("{")
        index = self.next()
        if index.kind != "letter":
            raise Unreadable("a sum whose index is not a letter")
        self.expect("=")
        low = self.next()
        self.expect("}")
        self.expect("^")
        high = self.next()
        if high.text == "{":
            high = self.next()
            self.expect("}")
        if low.kind != "num" or high.kind != "num" or "." in low.text + high.text:
            raise Unreadable("a sum whose bounds are not numbers")
        start, stop = int(low.text), int(high.text)
        if not 0 <= stop - start < 64:
            raise Unreadable("a sum of more than 64 terms")
        body = self.term_without_sum()
        self.expanded += size(body) * (stop - start + 1)
        if self.expanded > MAX_NODES:
            raise Unreadable(f"sums that write out more than {MAX_NODES} terms")
        terms = [_substitute_index(body, index.text, k) for k in range(start, stop + 1)]
        node = terms[0]
        for term in terms[1:]:
            node = Bin("+", node, term)
        return node

    def term_without_sum(self) -> Node:
        return self.term()


def _script_text(token: Token) -> str:
    if token.kind == "cmd" and token.text[1:] in GREEK:
        return token.text[1:]
    if token.kind == "text":
        return token.text[token.text.index("{") + 1:-1].strip()
    if token.kind == "circled":
        raise Unreadable("a step label in a subscript")
    return token.text.lstrip("\\")


def _number(text: str) -> Num:
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else None
    if exponent:
        if abs(int(exponent)) > 300:
            raise Unreadable(f"the number {text} (too large or too small to be a student's number)")
        decimals = max(0, (decimals or 0) - int(exponent))
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable(f"the number {text[:20]} (too large to be a student's number)")
    return Num(value, decimals, text)


def _substitute_index(node: Node, index: str, value: int) -> Node:
    """``node`` with the summation index replaced by ``value`` in every subscript (d_i -> d_3)."""
    if isinstance(node, Sym):
        base, sep, sub = node.name.partition("_")
        if sep and re.fullmatch(rf"{index}|\{{{index}\}}", sub.split("^")[0]):
            rest = sub[len(sub.split("^")[0]):]
            return Sym(f"{base}_{value}{rest}")
        if node.name == index:
            return Num(float(value), None, str(value))
        return node
    if isinstance(node, Bin):
        return Bin(node.op, _substitute_index(node.left, index, value), _substitute_index(node.right, index, value))
    if isinstance(node, Neg):
        return Neg(_substitute_index(node.operand, index, value))
    if isinstance(node, Func):
        return Func(node.name, tuple(_substitute_index(a, index, value) for a in node.args))
    if isinstance(node, Transpose):
        return Transpose(_substitute_index(node.operand, index, value))
    if isinstance(node, Matrix):
        return Matrix(tuple(tuple(_substitute_index(c, index, value) for c in row) for row in node.rows))
    return node


# ---------------------------------------------------------------- questions about a tree
def symbols(node: Node) -> set[str]:
    """The symbol names used in ``node`` (derivatives count as their own names)."""
    found: set[str] = set()
    _walk_symbols(node, found)
    return found


def _walk_symbols(node: Node, found: set[str]) -> None:
    if isinstance(node, Sym):
        found.add(node.name)
    elif isinstance(node, Deriv):
        found.add(f"d{node.numerator.name}/d{node.denominator.name}")
    elif isinstance(node, Bin):
        _walk_symbols(node.left, found)
        _walk_symbols(node.right, found)
    elif isinstance(node, (Neg, Transpose)):
        _walk_symbols(node.operand, found)
    elif isinstance(node, Func):
        for a in node.args:
            _walk_symbols(a, found)
    elif isinstance(node, Matrix):
        for row in node.rows:
            for c in row:
                _walk_symbols(c, found)


def has_derivative(node: Node) -> bool:
    if isinstance(node, Deriv):
        return True
    if isinstance(node, Bin):
        return has_derivative(node.left) or has_derivative(node.right)
    if isinstance(node, (Neg, Transpose)):
        return has_derivative(node.operand)
    if isinstance(node, Func):
        return any(has_derivative(a) for a in node.args)
    if isinstance(node, Matrix):
        return any(has_derivative(c) for row in node.rows for c in row)
    return False


def numbers(node: Node) -> list[Num]:
    """The number literals of ``node``, in reading order."""
    found: list[Num] = []

    def walk(n: Node) -> None:
        if isinstance(n, Num):
            found.append(n)
        elif isinstance(n, Bin):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, (Neg, Transpose)):
            walk(n.operand)
        elif isinstance(n, Func):
            for a in n.args:
                walk(a)
        elif isinstance(n, Matrix):
            for row in n.rows:
                for c in row:
                    walk(c)

    walk(node)
    return found


def is_number(node: Node) -> bool:
    """A side with no symbols at all: the student's own arithmetic."""
    return not symbols(node)


def uses_log(node: Node) -> bool:
    if isinstance(node, Func):
        return node.name == "log" or any(uses_log(a) for a in node.args)
    if isinstance(node, Bin):
        return uses_log(node.left) or uses_log(node.right)
    if isinstance(node, (Neg, Transpose)):
        return uses_log(node.operand)
    if isinstance(node, Matrix):
        return any(uses_log(c) for row in node.rows for c in row)
    return False
