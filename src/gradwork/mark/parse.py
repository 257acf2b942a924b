"""Reading one side of an equation, as students write it (already normalised to LaTeX), into a tree.

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

import re
from functools import lru_cache

from gradwork.mark.cursor import Cursor
from gradwork.mark.functions import between_bars, call_op, function_op, is_call_word, is_natural_log
from gradwork.ops.registry import generation
from gradwork.mark.tokens import (COMPARISONS, GENERIC_FUNCTIONS, MATHS_FUNCTIONS, GREEK, MATRIX_ENVIRONMENTS,
                                   NOT_FUNCTIONS, OCR_DIGITS, Token, number, script_text, tokenize)
from gradwork.mark.syntax import (balanced, Bin, Deriv, Func, Matrix, Neg, Node, Num, Sym, Transpose, Unreadable,
                                  depth, size, substitute_index)

MAX_SIDE_CHARACTERS = 50_000  # a 5,000-term sum fits; a side is otherwise a line or two
MAX_DEPTH = 200  # how deeply a tree may nest (a long + or product chain is built balanced, so it stays shallow)
MAX_NODES = 20_000  # nodes in one side's tree, sums expanded (four nested sums of 60 terms are 13 million)
BALANCED_FROM = 32  # a chain of more terms than this is built as a balanced tree


MEMO_CHARACTERS = 500  # a side up to this long (nearly all: 99.9% of the corpus's are under 170) is one of many
# remembered (a class's documents repeat them); at most 16,384 of them bounds what they hold


def parse(text: str) -> Node:
    """The tree of one side (already normalised). Raises :class:`Unreadable`. Remembered: up to 16,384 sides of
    up to :data:`MEMO_CHARACTERS` (the problem's symbols and a class's repeated lines), and the last 64 longer."""
    state = generation()
    return _remembered(text, state) if len(text) <= MEMO_CHARACTERS else _remembered_long(text, state)


# Remembered by the registry's generation too: which words are functions follows the ops registered now.
@lru_cache(maxsize=16_384)
def _remembered(text: str, state: int) -> Node:
    return _parse(text)


@lru_cache(maxsize=64)
def _remembered_long(text: str, state: int) -> Node:
    return _parse(text)


def _parse(text: str) -> Node:
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


class _Parser(Cursor):
    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.expanded = 0  # nodes written out by sums so far

    # -- grammar
    def expression(self) -> Node:
        first = self.term()
        rest: list[tuple[str, Node]] = []
        while self.following() in ("+", "-"):
            op = self.next().text
            rest.append((op, self.term()))
        if len(rest) >= BALANCED_FROM:
            return balanced("+", [first] + [term if op == "+" else Neg(term) for op, term in rest])
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
                self._refuse_brokennumber(token)
                rest.append(("*", self.power()))
            else:
                break
        if len(rest) >= BALANCED_FROM and all(op == "*" for op, _ in rest):
            return balanced("*", [first] + [factor for _, factor in rest])
        node = first
        for op, factor in rest:
            node = Bin(op, node, factor)
        return node

    def unary(self) -> Node:
        following = self.following()
        if following == "-":
            self.next()
            return Neg(self.unary())
        if following == "+":
            self.next()
            return self.unary()
        if following == "\\sum":
            return self.summation()
        return self.power()

    def power(self) -> Node:
        base = self.postfix(self.atom())
        if isinstance(base, Sym) and self.at("^") and self._update_label():  # {w^{(1)}_{32}}^{new}
            self.next()
            self.script()
            name = base.name
            cut = min((k for k in (name.find("_"), name.find("^")) if k > 0), default=len(name))
            base = Sym(name[:cut] + "'" + name[cut:])
        if self.at("^"):
            self.next()
            exponent = self.exponent()
            return self.postfix(Bin("^", base, exponent))
        return base

    def postfix(self, node: Node) -> Node:
        if isinstance(node, Deriv) and self.at("[") and not self.peek().spaced:  # type: ignore[union-attr]
            element = self._element_index()  # \partial L/\partial F[3]: the gradient's element 3 (code's count)
            if element:
                node = Deriv(node.numerator, Sym(node.denominator.name + element))
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
            # x^23 is x^2 times 3 (a digit run only: x^2e5 is not split into 2 and "e5")
            if token.kind == "num" and len(token.text) > 1 and token.text[:2].isdigit() and "." not in token.text:
                self.tokens.insert(self.i, Token("num", token.text[1:]))
                return number(token.text[0])
            return number(token.text) if token.kind == "num" else Sym(token.text)
        raise Unreadable(f"the exponent {token.text!r}")

    def starts_atom(self, token: Token) -> bool:
        if token.kind in ("num", "letter", "text", "circled", "var"):
            return True
        if token.kind == "env":
            return token.text.startswith("\\begin")
        if token.kind == "cmd":
            name = token.text[1:]
            return name in GREEK or name in NOT_FUNCTIONS or function_op(token.text) is not None or name in (
                "frac", "hat", "bar", "tilde", "partial", "pi", "unreadable", "nabla") or is_call_word(name) \
                or token.text == r"\sum"
        return token.text in ("(", "[", "{")

    def atom(self) -> Node:
        token = self.next()
        kind, text = token.kind, token.text
        if kind == "num":
            return number(text)
        if kind == "letter":
            if text == "e" and self.at("^"):
                self.next()
                return Func(_op(r"\exp"), (self.exponent(),))
            return self.symbol(text)
        if kind == "text":
            return self.text_command(text)
        if kind == "var":  # a name of several letters (plain notation: loss, lr, net)
            return self.symbol(text[len("\\var{"):-1])
        if kind == "circled":
            raise Unreadable("a reference to step " + text[len("\\circled"):] + " (not a formula)")
        if kind == "env":
            return self.environment(text)
        if text == "(":
            return self.bracketed(")")
        if text == "[":
            return self.bracketed("]")
        if text == "|" and between_bars() is not None:  # |z - t|: the registry's function written between bars
            inside = self.expression()
            self.expect("|")
            return Func(between_bars().name, (inside,))  # type: ignore[union-attr]
        if text == "{":
            self.i -= 1
            return self.braced()
        if kind == "cmd":
            name = text[1:]
            if name == "frac":
                return self.fraction()
            if text == r"\sqrt":
                if self.at("["):
                    raise Unreadable("a root other than the square root")
                return Func(_op(text), (self.braced(),))
            if name in NOT_FUNCTIONS:
                raise Unreadable(f"\\{name}")
            if name in MATHS_FUNCTIONS or is_call_word(name):  # \max(0, z): the registry's elementwise maximum
                return self.called(name)
            op = function_op(text) if name not in GREEK else None
            if op is not None:
                return self.function(op.name)
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
            following = self.following()
            if following == "'":
                self.next()
                primes += "'"
            elif following in ("^", "_") and self._update_label():  # w^{new}, w_{new}, w^{+}: the updated value, w'
                self.next()
                self.script()
                primes += "'"
            elif following == "_" and not subscript:
                self.next()
                subscript = self.script()
            elif following == "^" and not superscript and self._label_superscript():
                self.next()
                superscript = self.script()
            else:
                break
        name += primes
        if subscript:
            name += "_" + subscript
        if superscript:
            name += "^" + superscript
        if self.at("(") and not subscript and not superscript:
            op = function_op(base) if base in GREEK else None
            if op is not None:
                return self.call(op.name, len(primes))
            if base in GENERIC_FUNCTIONS:
                return self.call(base, len(primes))
        if self.at("(") and base in GENERIC_FUNCTIONS | {"sigma"}:
            raise Unreadable(f"the function {name}(...)")
        start = self.i
        element = self._element_index()
        if element and "," not in element and (superscript or len(subscript) > 1):
            self.i, element = start, ""  # w⁽²⁾₁₂(2): already one weight, so (2) is a factor, not its element 2
        if element:
            name += element
        return Sym(name)

    def text_command(self, text: str) -> Node:
        content = text[text.index("{") + 1:-1].strip()
        op = function_op(content) if "'" not in content else None
        if op is not None:
            return self.function(op.name)
        if (content in MATHS_FUNCTIONS or is_call_word(content)) and self.at("("):  # \operatorname{sign}(z)
            return self.called(content)
        if re.fullmatch(r"[A-Za-z]+", content) and self.at("_", "^"):
            return self.symbol(content)
        raise Unreadable(f"the words \\text{{{content}}}")

    def function(self, name: str) -> Node:
        if self.at("_") and is_natural_log(name):  # \log_{10}, \log_2
            self.next()
            base = self.script()
            if base not in ("10", "2", "e"):
                raise Unreadable(f"\\log_{base}")
            name = {"10": "log10", "2": "log2", "e": name}[base]
        if self.at("_") and not is_natural_log(name):  # LeakyReLU_α(u): the subscript names its parameter
            self.next()
            self.script()
        order = 0
        while self.at("'"):
            self.next()
            order += 1
        if self.at("^"):
            raise Unreadable(f"a power of {name} written before its argument")
        if order:
            if not self.at("("):
                raise Unreadable(f"the derivative {name}{chr(39) * order} without its argument")
            return self.call(name, order)
        if self.at("("):
            return self.call(name, 0)
        return Func(name, (self.power(),))

    def called(self, name: str) -> Node:
        """``max(0, z)``, ``sign(z)``: a call whose op depends on how many arguments it has."""
        call = self.call(name, 0)
        assert isinstance(call, Func)
        if name in MATHS_FUNCTIONS:
            return call
        op = call_op(name, len(call.args))
        if op is None:
            raise Unreadable(f"{name} of {len(call.args)} arguments")
        return Func(op.name, call.args)

    def call(self, name: str, order: int) -> Node:
        """``name(args)`` at an opening parenthesis; ``order`` primes were written before it."""
        if order > 1:
            raise Unreadable(f"a derivative of order {order}")
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
            return Func(name, tuple(args), order)
        raise Unreadable(f"{name} without its argument")

    def fraction(self) -> Node:
        if self.at("{") and self.peek(1) is not None and self.peek(1).text == "\\partial":  # type: ignore[union-attr]
            self.next()
            self.next()
            operator = self.at("}")  # \frac{\partial}{\partial u}(e^u): the operator applied to what follows
            numerator = Sym("") if operator else self.expression()
            self.expect("}")
            self.expect("{")
            self.expect("\\partial")
            denominator = self.expression()
            self.expect("}")
            if operator:
                numerator = self.power()
            if isinstance(numerator, Func) and not numerator.order and numerator.args == (denominator,):
                return Func(numerator.name, numerator.args, 1)  # the derivative of a function of one variable
            if operator:
                raise Unreadable("a derivative operator applied to what follows")
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
            if token.kind == "num" and len(token.text) > 1 and token.text[:2].isdigit() and "." not in token.text:
                self.tokens.insert(self.i, Token("num", token.text[1:]))
                return number(token.text[0])
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
            return script_text(token)
        parts = []
        while not self.at("}"):
            parts.append(script_text(self.next()))
        self.next()
        return "".join(parts)

    def _refuse_brokennumber(self, token: Token) -> None:
        """``0.5 939`` or ``0.59l3`` is one number broken by a space or a letter, never a product."""
        previous = self.tokens[self.i - 1] if self.i else None
        if previous is None or previous.kind != "num":
            return
        if token.kind == "num":
            raise Unreadable(f"a number broken by a space: {previous.text} {token.text}")
        following = self.peek(1)
        if token.kind == "letter" and token.text in OCR_DIGITS and not token.spaced and following is not None \
                and following.kind == "num" and not following.spaced:
            raise Unreadable(f"a number broken by a letter: {previous.text}{token.text}{following.text}")

    def _spaced_row(self, close: str) -> Node | None:
        """``[0.5 0.3 -1]``: numbers separated by spaces only, a row vector (as MATLAB writes one)."""
        j = self.i
        values: list[Node] = []
        while j < len(self.tokens):
            token = self.tokens[j]
            if token.text == close:
                break
            if token.text == "-" and j + 1 < len(self.tokens) and self.tokens[j + 1].kind == "num":
                values.append(Neg(number(self.tokens[j + 1].text)))
                j += 2
                continue
            if token.kind != "num":
                return None
            values.append(number(token.text))
            j += 1
        if len(values) < 2 or j >= len(self.tokens):
            return None
        self.i = j + 1
        return Matrix((tuple(values),))

    def bracketed(self, close: str) -> Node:
        nested = self.i >= 2 and self.tokens[self.i - 2].text in ("[", ",")  # [[0.0353 8]]: a list's row has commas
        if close == "]" and not nested:
            row = self._spaced_row(close)
            if row is not None:
                return row
        singles = [self.at("[")]  # [[0.5], [0.4]]: each item a one-number row, so a column
        items = [self.expression()]
        if close == "]" and self.at(*COMPARISONS):  # [z > 0]: Iverson's bracket, 1 where it holds and 0 elsewhere
            relation = COMPARISONS[self.next().text]
            right = self.expression()
            self.expect(close)
            return Bin(relation, items[0], right)
        while self.at(","):
            self.next()
            singles.append(self.at("["))
            items.append(self.expression())
        self.expect(close)
        if len(items) == 1:
            return items[0]
        if close == "]" and all(singles) and all(isinstance(item, (Num, Neg, Sym)) for item in items):
            return Matrix(tuple((item,) for item in items))
        if all(isinstance(item, Matrix) and len(item.rows) == 1 for item in items):
            rows = tuple(item.rows[0] for item in items)  # type: ignore[union-attr]
            if len({len(row) for row in rows}) != 1:
                raise Unreadable("rows of different lengths")
            return Matrix(rows)
        return Matrix((tuple(items),))

    def environment(self, text: str) -> Node:
        name = re.search(r"\{([^{}]*)\}", text).group(1)  # type: ignore[union-attr]
        if text.startswith("\\begin") and name == "cases":
            return self.cases()
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

    def cases(self) -> Node:
        """``\\begin{cases} 1 & z > 0 \\\\ 0 & \\text{otherwise} \\end{cases}``: a rule by cases, read as
        the sum of each value times Iverson's bracket of its condition (1 where it holds): one value at any point."""
        pieces: list[tuple[Node, Node | None]] = []
        while not (self.peek() is not None and self.peek().kind == "env"):  # type: ignore[union-attr]
            value = self.expression()
            if self.at(","):
                self.next()
            if not self.at("&"):
                raise Unreadable("cases without a condition after &")
            self.next()
            if self.peek() is not None and self.peek().kind == "text" and re.fullmatch(  # type: ignore[union-attr]
                    r"\\text\s*\{\s*(otherwise|else)\s*\}", self.peek().text):  # type: ignore[union-attr]
                self.next()
                pieces.append((value, None))
            else:
                if self.peek() is not None and self.peek().kind == "text" and re.fullmatch(  # type: ignore[union-attr]
                        r"\\text\s*\{\s*(if|for|when)\s*\}", self.peek().text):  # type: ignore[union-attr]
                    self.next()
                left = self.expression()
                if not self.at(*COMPARISONS):
                    raise Unreadable("cases whose condition is not a comparison")
                relation = COMPARISONS[self.next().text]
                pieces.append((value, Bin(relation, left, self.expression())))
            if self.peek() is not None and self.peek().kind == "newline":  # type: ignore[union-attr]
                self.next()
        if not self.next().text.startswith("\\end") or not pieces:
            raise Unreadable("cases without their end")  # pragma: no cover (the scanner closes environments)
        held = [condition for _, condition in pieces if condition is not None]
        total: Node | None = None
        for value, condition in pieces:
            if condition is None:  # otherwise: where none of the others holds
                condition = Bin("-", Num(1.0, None, "1"), balanced("+", held)) if held else Num(1.0, None, "1")
            term = Bin("o", value, condition)
            total = term if total is None else Bin("+", total, term)
        return total  # type: ignore[return-value]

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
        terms = [substitute_index(body, index.text, k) for k in range(start, stop + 1)]
        node = terms[0]
        for term in terms[1:]:
            node = Bin("+", node, term)
        return node

    def term_without_sum(self) -> Node:
        return self.term()


def _op(command: str) -> str:
    """The registered op a LaTeX command names (``\\exp``, ``\\sqrt``), by the registry's own names."""
    op = function_op(command)
    if op is None:
        raise Unreadable(command)
    return op.name


