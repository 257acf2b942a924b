"""The OCR-noise normalisation applied to every equation before it is read: one table, in order.

Handwriting-to-LaTeX tools transcribe a hand-written *w* as ``\\omega``, *y* as
``\\gamma``, multiplication dots as ``*`` or ``·``, circled step labels as
``\\textcircled{1}``, and sprinkle ``\\left``/``\\right`` and spacing commands.
Each rule below rewrites one such habit into the plain form the reader
understands. A rule never invents a number: what is still not understood
afterwards is reported as "not read".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Rule:
    pattern: str
    replacement: str
    why: str
    # a screen: every match holds one of these strings, so a text with none of them is left as it is, unread
    needs: tuple[str, ...] = ()

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


# A symbol as the derivative rule below reads it: a letter or Greek command with primes and scripts.
_SYMBOL = r"(?:\\[A-Za-z]+|[A-Za-z])(?:\s*'|\s*[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9]))*"

_SIZING = ("\\left", "\\right", "\\big", "\\Big")
_DECORATIONS = ("\\mathbf", "\\boldsymbol", "\\vec", "\\mathit", "\\bm")

# Applied top to bottom; docs/mark.md prints this table.
RULES: tuple[Rule, ...] = (
    Rule(r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?\s*\.", "", "an invisible \\left. / \\right. delimiter", _SIZING),
    Rule(r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?(?![A-Za-z])", "", "sizing commands around brackets", _SIZING),
    Rule(r"\\text\{\s*\[[A-Z](\d+)\]\s*\}|\[[A-Z](\d+)\]", r"\\circled{\g<1>\g<2>}",
         "step tags as our worked solutions write them ([B4], \\text{[B4]}): a step label like a circled one", ("[",)),
    Rule(r"\\textcircled\{\s*(\d+)\s*\}|[\u2460-\u2473]", r"\\circled{\g<1>}",
         "circled step labels: a label at the start of a row is dropped, one inside a formula stands for an "
         "earlier step and is not read", ("\\textcircled", *map(chr, range(0x2460, 0x2474)))),
    Rule(r"\\(?:checkmark|surd)|[\u2713\u2714]", "", "a grader's tick", ("\\checkmark", "\\surd", "\u2713", "\u2714")),
    Rule(r"\\omega(?![A-Za-z])", "w", "OCR reads a hand-written w as omega", ("\\omega",)),
    Rule(r"\\gamma(?![A-Za-z])", "y", "OCR reads a hand-written y as gamma (not in a document that uses gamma as "
         "the learning rate: gamma = 0.01, gamma \\nabla ...)", ("\\gamma",)),
    Rule(r"[\u2212\u2013]", "-", "a Unicode minus or dash", ("\u2212", "\u2013")),
    Rule(r"\u00b7|\u22c5|\\bullet(?![A-Za-z])", r"\\cdot ", "a middle dot for multiplication",
         ("\u00b7", "\u22c5", "\\bullet")),
    Rule(r"(?<![\^_\\{])\*", r"\\cdot ", "* for multiplication", ("*",)),
    Rule(r"\\times(?![A-Za-z])|\u00d7", r"\\cdot ", "x (times) for multiplication", ("\\times", "\u00d7")),
    Rule(r"\\(?:odot|circ)(?![A-Za-z])|\u2218|\u2299", r"\\hadamard ", "the elementwise product",
         ("\\odot", "\\circ", "\u2218", "\u2299")),
    Rule(r"\\(?:d|t)frac(?![A-Za-z])", r"\\frac", "display and text fractions", ("\\dfrac", "\\tfrac")),
    Rule(r"\\(?:mathbf|boldsymbol|vec|mathit|bm)\s*\{\s*([A-Za-z])\s*\}", r"\1",
         "bold or arrow decorations on a symbol", _DECORATIONS),
    Rule(r"\\(?:mathbf|boldsymbol|vec|mathit|bm)\s*\{([^{}]*)\}", r"{\1}", "bold or arrow decorations on a group",
         _DECORATIONS),
    Rule(r"\\(?:vec|mathbf)\s*([A-Za-z])", r"\1", "an arrow on a one-letter symbol", ("\\vec", "\\mathbf")),
    Rule(r"(?<!\\)\\(?:quad|qquad|,|;|:|!|enspace|thinspace| )|~", " ", "spacing commands",
         ("\\quad", "\\qquad", "\\,", "\\;", "\\:", "\\!", "\\enspace", "\\thinspace", "\\ ", "~")),
    Rule(r"\\(?:displaystyle|textstyle|nonumber|notag)(?![A-Za-z])", "", "layout commands",
         ("\\displaystyle", "\\textstyle", "\\nonumber", "\\notag")),
    Rule(r"\^\s*\{\s*(?:T|\\top|\\intercal)\s*\}|\^\s*(?:T|\\top|\\intercal)(?![A-Za-z])", r"\\transpose ",
         "a transpose written ^T, ^{T} or ^\\top", ("^",)),
    Rule(r"\\operatorname\s*\{([^{}]*)\}|\\mathrm\s*\{([^{}]*)\}", r"\\text{\1\2}", "upright names",
         ("\\operatorname", "\\mathrm")),
    Rule(r"\\sigma\s*_\s*\{\s*(Softmax|softmax|LeakyReLU|ReLU|Relu|relu|Sigmoid|sigmoid|tanh)\s*\}\s*(?=\()",
         r"\\text{\1}", "an activation written as sigma with its name as subscript", ("\\sigma",)),
    Rule(r"(?<![A-Za-z\\])([LJEC])\s*\(\s*([A-Za-z])\s*[;,|]\s*([A-Za-z])\s*\)", r"\1",
         "the loss written with its arguments, L(t; y): the loss", ("(",)),
    Rule(r"\bnet(?=\s*[_^])", r"\\text{net}", "net (a unit's net input) is one symbol, not n e t", ("net",)),
    Rule(r"\\(?:ldots|cdots|dots)(?![A-Za-z])|\.\.\.", r"\\unreadable ", "an ellipsis cannot be checked",
         ("\\ldots", "\\cdots", "\\dots", "...")),
    Rule(r"\\(?:leftarrow|gets|longleftarrow|coloneqq)(?![A-Za-z])|:=|\u2190", "=",
         "an update written with an arrow or := (the symbol's next version)",
         ("\\leftarrow", "\\gets", "\\longleftarrow", "\\coloneqq", ":=", "\u2190")),
    Rule(r"\\partial\s*(" + _SYMBOL + r")\s*/\s*\\partial\s*(" + _SYMBOL + r")",
         r"\\frac{\\partial \1}{\\partial \2}", "a derivative written on one line, \\partial E / \\partial w",
         ("\\partial",)),
    Rule(r"\\ln(?![A-Za-z])", r"\\log", "ln and log: both natural logs (log base 10 is a diagnosed mistake)",
         ("\\ln",)),
)

# (pattern, replacement, its screen, the gamma rule?)
_COMPILED = tuple((rule.compiled(), rule.replacement, rule.needs, rule.replacement == "y") for rule in RULES)


GAMMA_AS_RATE = re.compile(r"\\gamma\s*(?:=\s*[\d.]|\\nabla|\\cdot\s*\\nabla)")


def normalise(text: str, gamma_is_y: bool = True) -> str:
    """``text`` with every rule of :data:`RULES` applied, in order (the gamma rule only when ``gamma_is_y``).

    A rule none of whose :attr:`Rule.needs` strings is in the text (as the rules before it left it) cannot match
    there, and is not run."""
    for pattern, replacement, needs, gamma in _COMPILED:
        if gamma and not gamma_is_y:
            continue
        for need in needs:  # (a loop, not any(): this screen is asked of every rule for every new row)
            if need in text:
                break
        else:
            if needs:
                continue
        text = pattern.sub(replacement, text)
    return text


def strip_braced_command(text: str, command: str, keep: int, arguments: int) -> str:
    """Replace ``\\command{a}{b}...`` by its ``keep``-th argument (0-based), brace-aware; -1 drops it.

    ``\\underbrace{X}_{label}`` keeps X and drops the label that follows.
    """
    out: list[str] = []
    i = 0
    token = "\\" + command
    while True:
        j = text.find(token, i)
        if j < 0 or (j + len(token) < len(text) and text[j + len(token)].isalpha()):
            if j < 0:
                out.append(text[i:])
                return "".join(out)
            out.append(text[i:j + len(token)])
            i = j + len(token)
            continue
        out.append(text[i:j])
        k = j + len(token)
        args: list[str] = []
        for _ in range(arguments):
            k = _skip_space(text, k)
            if k < len(text) and text[k] == "{":
                end = _matching(text, k)
                if end < 0:
                    return "".join(out) + text[j:]
                args.append(text[k + 1:end])
                k = end + 1
            elif k < len(text):
                args.append(text[k])
                k += 1
        if command in ("underbrace", "overbrace"):  # the label under (over) the brace goes too
            m = _skip_space(text, k)
            if m < len(text) and text[m] in "_^":
                m = _skip_space(text, m + 1)
                if m < len(text) and text[m] == "{":
                    end = _matching(text, m)
                    k = end + 1 if end >= 0 else k
                elif m < len(text):
                    k = m + 1
        out.append("{" + args[keep] + "}" if 0 <= keep < len(args) else " ")
        i = k


def _skip_space(text: str, k: int) -> int:
    while k < len(text) and text[k].isspace():
        k += 1
    return k


def _matching(text: str, k: int) -> int:
    """Index of the brace closing the one at ``k`` (-1 if none)."""
    depth = 0
    for m in range(k, len(text)):
        c = text[m]
        if c == "\\":
            continue
        if c == "{" and (m == 0 or text[m - 1] != "\\"):
            depth += 1
        elif c == "}" and (m == 0 or text[m - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return m
    return -1


BRACED: tuple[tuple[str, int, int, str], ...] = (
    ("underbrace", 0, 1, "\\underbrace{X}_{label}: X (the label is a note)"),
    ("overbrace", 0, 1, "\\overbrace{X}^{label}: X"),
    ("underset", 1, 2, "\\underset{note}{X}: X"),
    ("overset", 1, 2, "\\overset{note}{X}: X"),
    ("boxed", 0, 1, "\\boxed{X}: X (a boxed result)"),
    ("cancel", 0, 1, "\\cancel{X}: X"),
    ("hspace", -1, 1, "\\hspace{...}: spacing"),
    ("phantom", -1, 1, "\\phantom{...}: spacing"),
)


MEMO_CHARACTERS = 2_000  # a row up to this long is remembered (a class's documents repeat their rows)


def normalise_all(text: str, gamma_is_y: bool = True) -> str:
    """The table's rules, then the brace-aware ones (:data:`BRACED`). Memoised (bounded) for rows up to
    :data:`MEMO_CHARACTERS`: a class's documents repeat their rows, and the problem's own symbols are read for
    every document."""
    if len(text) <= MEMO_CHARACTERS:
        return _remembered(text, gamma_is_y)
    return _normalise_all(text, gamma_is_y)


@lru_cache(maxsize=8192)
def _remembered(text: str, gamma_is_y: bool) -> str:
    return _normalise_all(text, gamma_is_y)


def _normalise_all(text: str, gamma_is_y: bool) -> str:
    text = normalise(text, gamma_is_y)
    for command, keep, arguments, _ in BRACED:
        if "\\" + command in text:
            text = strip_braced_command(text, command, keep, arguments)
    return text
