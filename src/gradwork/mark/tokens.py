"""The tokens of one side of an equation (already normalised to LaTeX), and the numbers a student writes.

A token records whether space came before it: two numbers with only a space
between them are one number broken by a space (``0.5 939``), never a product.
A number keeps the decimals it was written with (its precision), and an integer
ending in zeros (``1260000``, a rounded result) keeps the place it was rounded to.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from gradwork.mark.syntax import Num, Unreadable

GREEK = {
    "alpha", "beta", "gamma", "omega", "delta", "Delta", "epsilon", "varepsilon", "eta", "theta", "lambda", "mu", "nu",
    "xi", "rho",
    "sigma", "tau", "phi", "varphi", "psi", "chi", "zeta", "kappa", "Theta", "Sigma", "Phi", "Lambda", "Omega",
}
# Letters that stand for "the activation" when followed by "(" (f(z), phi(z)): generic functions, resolved from
# the layer their argument belongs to. A registered function's names (sigma, tanh, ReLU, ...) come from the registry.
GENERIC_FUNCTIONS = {"phi", "varphi", "psi", "f", "g", "F", "G"}
UPDATE_WORDS = {"new", "old", "neu", "upd"}  # w^{new}: a label, not a power
NOT_FUNCTIONS = {"sin", "cos", "tan", "arctan"}  # commands a student may write that no problem here has
MATHS_FUNCTIONS = {"sign"}  # school maths the registry has no op for (d|x|/dx = sign(x)): evaluated here
COMPARISONS = {">": ">", "<": "<", "\\gt": ">", "\\lt": "<", "\\geq": ">=", "\\ge": ">=", "\\geqslant": ">=",
               "\\leq": "<=", "\\le": "<=", "\\leqslant": "<="}  # inside [ ]: Iverson's bracket
MATRIX_ENVIRONMENTS = {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "vmatrix"}

_TOKEN = re.compile(r"""
  (?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
| (?P<text>\\text\s*\{[^{}]*\})
| (?P<var>\\var\{[A-Za-z_]+\})
| (?P<env>\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\{[lcr|]*\})?)
| (?P<circled>\\circled\{\d*\})
| (?P<newline>\\\\)
| (?P<cmd>\\[A-Za-z]+)
| (?P<escaped>\\[{}|%$#&_])
| (?P<letter>[A-Za-z])
| (?P<punct>[-+/^_'=&(),\[\]{};|!<>.:?*])
| (?P<space>\s+)
""", re.VERBOSE)


class Token(NamedTuple):  # (a tuple: made for every token of every side read)
    kind: str
    text: str
    spaced: bool = False  # whitespace before it (two numbers with only a space between are one broken number)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    spaced = False
    for match in _TOKEN.finditer(text):  # every token where the one before ends, else the character there is not read
        if match.start() != position:
            break
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "space":
            spaced = True
            continue
        tokens.append(Token(kind, match.group(), spaced))
        spaced = False
    if position < len(text):
        raise Unreadable(f"the character {text[position]!r}")
    return tokens


OCR_DIGITS = {"l", "O", "o", "I", "S"}  # letters OCR puts for 1, 0, 5 inside a number


def script_text(token: Token) -> str:
    if token.kind == "cmd" and token.text[1:] in GREEK:
        return token.text[1:]
    if token.kind == "text":
        return token.text[token.text.index("{") + 1:-1].strip()
    if token.kind == "circled":
        raise Unreadable("a step label in a subscript")
    return token.text.lstrip("\\")


def number(text: str) -> Num:
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else None
    if exponent:
        if abs(int(exponent)) > 300:
            raise Unreadable(f"the number {text} (too large or too small to be a student's number)")
        decimals = max(0, (decimals or 0) - int(exponent))
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable(f"the number {text[:20]} (too large to be a student's number)")
    if decimals is None and not exponent and len(text) >= 4:  # 1260000: a rounded result, its zeros not figures
        zeros = len(text) - len(text.rstrip("0"))
        if zeros >= 1:
            decimals = -zeros
    return Num(value, decimals, text)
