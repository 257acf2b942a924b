"""The corpus writer's formulas: a tiny expression tree, printed as a student writes it in each notation.

Notations: ``latex`` (heavy LaTeX, as a careful student or a transcription tool writes it), ``unicode``
(plain text with Unicode maths: w⁽²⁾₁₂, ∂E/∂w, ·, −, σ′), ``ascii`` (typed: w2_12, dE/dw, *, sigmoid'),
``ocr`` (LaTeX with the habits of handwriting-to-LaTeX tools: \\omega for w, \\left( ... \\right), *,
circled labels, stray spacing). This is test code: nothing here is read by gradwork.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

SUB = dict(zip("0123456789+-()", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎"))
SUP = dict(zip("0123456789+-()T", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵀ"))
GREEK_UNICODE = {"eta": "η", "alpha": "α", "delta": "δ", "theta": "θ", "sigma": "σ", "mu": "μ", "beta": "β",
                 "gamma": "γ", "lambda": "λ", "epsilon": "ε"}


@dataclass(frozen=True)
class Sym:
    base: str  # "w", "z", "delta", "eta", "L", "yhat"
    sub: str = ""  # "12"
    layer: str = ""  # "2": written as a raised (2)
    updated: bool = False  # the value after the update


@dataclass(frozen=True)
class Num:
    value: float
    text: str


@dataclass(frozen=True)
class Op:
    op: str  # + - * / o (elementwise)
    args: tuple


@dataclass(frozen=True)
class Neg:
    arg: object


@dataclass(frozen=True)
class Call:
    fn: str  # sigmoid, tanh, relu, lrelu, softplus, exp, log, identity, square, softmax
    args: tuple
    prime: bool = False


@dataclass(frozen=True)
class D:
    num: Sym
    den: Sym


@dataclass(frozen=True)
class Pow:
    base: object
    exponent: object


@dataclass(frozen=True)
class Mat:
    rows: tuple  # tuple of tuples of expressions


@dataclass(frozen=True)
class T:
    arg: object


@dataclass(frozen=True)
class Paren:
    arg: object


@dataclass
class Style:
    """How one student writes: fixed for a whole document."""

    notation: str
    times: str = "cdot"  # cdot | juxtapose | times | star
    update: str = "prime"  # prime | new | arrow | assign | plus
    frac_derivative: bool = True  # LaTeX \frac{\partial L}{\partial w}; else ∂L/∂w inline
    bracket_numbers: bool = True  # (−0.5) in a product
    rng: random.Random = field(default_factory=random.Random)
    matrix: str = "bmatrix"  # bmatrix | pmatrix | brackets


# ---------------------------------------------------------------- numbers
def number_text(value: float, digits: int, mode: str = "sig") -> str:
    """``value`` rounded as the student rounds: ``digits`` significant figures, or decimals."""
    if value == 0:
        return "0"
    if mode == "dec":
        text = f"{value:.{digits}f}"
    else:
        text = f"{value:.{digits}g}"
        if "e" in text:  # 1.038e+05 -> 103800; 1.2e-05 -> 0.000012
            rounded = float(text)
            text = str(int(round(rounded))) if abs(rounded) >= 1 else f"{rounded:.{digits + 8}f}".rstrip("0")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if "." not in text and mode != "dec" and math.isfinite(value) and abs(value) < 10 ** (digits - 1) \
            and abs(value - round(value)) > 1e-9:
        text = f"{value:#.{digits}g}".rstrip(".")  # 0.99998 rounds to 1.000, not to the exact-looking 1
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------- printing
class Printer:
    def __init__(self, style: Style) -> None:
        self.style = style
        self.n = style.notation

    # -- symbols
    def sym(self, s: Sym) -> str:
        n = self.n
        base = s.base
        if n in ("latex", "ocr"):
            text = {"yhat": "\\hat{y}", "delta": "\\delta", "eta": "\\eta", "alpha": "\\alpha", "theta": "\\theta",
                    "sigma": "\\sigma", "mu": "\\mu", "net": "\\text{net}", "lr": "\\eta"}.get(base, base)
            if n == "ocr" and base == "w" and self.style.rng.random() < 0.5:
                text = "\\omega"
            if s.layer:
                text += "^{(" + s.layer + ")}"
            if s.sub:
                text += "_{" + s.sub + "}" if len(s.sub) > 1 or self.style.rng.random() < 0.5 else "_" + s.sub
            if s.updated:
                text = self._updated_latex(text)
            return text
        if n == "unicode":
            text = {"yhat": "ŷ", "net": "net", "lr": "η"}.get(base, GREEK_UNICODE.get(base, base))
            if s.layer:
                text += "".join(SUP[c] for c in "(" + s.layer + ")")
            if s.sub:
                text += "".join(SUB[c] for c in s.sub) if all(c in SUB for c in s.sub) else "_" + s.sub
            if s.updated:
                text += "′" if self.style.update != "new" else "_new"
            return text
        text = {"yhat": "y_hat", "delta": "delta", "eta": "eta", "alpha": "alpha", "theta": "theta",
                "lr": "lr"}.get(base, base)
        if s.layer:
            text += s.layer + ("_" + s.sub if s.sub else "")
        elif s.sub:
            text += s.sub if text.isalpha() and len(text) == 1 else "_" + s.sub
        if s.updated:
            text += "_new" if self.style.update == "new" else "'"
        return text

    def _updated_latex(self, text: str) -> str:
        update = self.style.update
        if update == "new":
            return text + "^{new}" if "^" not in text else "{" + text + "}^{new}"
        if update == "plus":
            return text + "^{+}" if "^" not in text else text + "'"
        # a prime goes before the subscript: w'_{12}
        head, sep, rest = text.partition("_")
        if "^" in head:
            return text + "'" if not sep else head + "'" + sep + rest
        return head + "'" + sep + rest

    # -- expressions
    def expr(self, e: object, context: str = "") -> str:
        n = self.n
        if isinstance(e, Sym):
            return self.sym(e)
        if isinstance(e, Num):
            text = e.text
            if n == "unicode" and text.startswith("-"):
                text = "−" + text[1:]
            if text.startswith(("-", "−")) and context in ("factor", "right"):
                return "(" + text + ")"
            return text
        if isinstance(e, Paren):
            inner = self.expr(e.arg)
            if n in ("latex", "ocr") and self.style.rng.random() < 0.3:
                return "\\left(" + inner + "\\right)"
            return "(" + inner + ")"
        if isinstance(e, Neg):
            minus = "−" if n == "unicode" else "-"
            return minus + self.expr(e.arg, "factor")
        if isinstance(e, Op):
            return self.op(e, context)
        if isinstance(e, Call):
            return self.call(e)
        if isinstance(e, D):
            return self.derivative(e)
        if isinstance(e, Pow):
            base = self.expr(e.base, "factor")
            if isinstance(e.base, (Op, Neg)) or (isinstance(e.base, Num) and e.base.value < 0):
                base = "(" + self.expr(e.base) + ")"
            exponent = self.expr(e.exponent)
            if n in ("latex", "ocr"):
                return base + "^{" + exponent + "}"
            if n == "unicode" and all(c in SUP for c in exponent):
                return base + "".join(SUP[c] for c in exponent)
            return base + "^" + (exponent if len(exponent) == 1 else "(" + exponent + ")")
        if isinstance(e, Mat):
            return self.matrix(e)
        if isinstance(e, T):
            inner = self.expr(e.arg, "factor")
            if isinstance(e.arg, (Op, Neg)):
                inner = "(" + self.expr(e.arg) + ")"
            if n in ("latex", "ocr"):
                return inner + self.style.rng.choice(["^T", "^{T}", "^\\top"])
            if n == "unicode":
                return inner + "ᵀ"
            return inner + "^T"
        raise TypeError(e)

    def op(self, e: Op, context: str) -> str:
        n = self.n
        if e.op in "+-":
            parts = [self.expr(e.args[0])]
            for arg in e.args[1:]:
                sign = e.op
                text = self.expr(arg, "right" if e.op == "-" else "")
                if e.op == "+" and text.startswith(("-", "−")) and not isinstance(arg, Neg):
                    text = "(" + text + ")"
                if sign == "-" and n == "unicode":
                    sign = "−"
                parts.append(f" {sign} {text}")
            text = "".join(parts)
            return "(" + text + ")" if context in ("factor", "right") else text
        if e.op == "/":
            top, bottom = e.args
            if n in ("latex", "ocr"):
                return "\\frac{" + self.expr(top) + "}{" + self.expr(bottom) + "}"
            a = self.expr(top, "factor")
            b = self.expr(bottom, "factor")
            if isinstance(top, Op) and top.op in "+-":
                a = "(" + self.expr(top) + ")"
            if isinstance(bottom, Op):
                b = "(" + self.expr(bottom) + ")"
            return f"{a}/{b}"
        joiner = {"o": {"latex": " \\odot ", "ocr": " \\circ ", "unicode": " ⊙ ", "ascii": " * "}[n]}.get(e.op)
        if joiner is None:
            times = self.style.times
            joiner = {("latex", "cdot"): " \\cdot ", ("latex", "times"): " \\times ", ("latex", "star"): " \\cdot ",
                      ("ocr", "cdot"): " \\cdot ", ("ocr", "times"): " \\times ", ("ocr", "star"): " * ",
                      ("unicode", "cdot"): "·", ("unicode", "times"): " × ", ("unicode", "star"): " · ",
                      ("ascii", "cdot"): "*", ("ascii", "times"): " * ", ("ascii", "star"): "*"}.get((n, times), " ")
            if times == "juxtapose":
                joiner = "" if n in ("unicode", "ascii") else " "
        parts = []
        for arg in e.args:
            text = self.expr(arg, "factor")
            if isinstance(arg, Call) and parts and self.style.times == "juxtapose":
                text = " " + text  # t ln(a), never tln(a)
            if self.style.times == "juxtapose" and (isinstance(arg, Num) or parts and text[:1].isdigit()):
                text = text if text.startswith("(") else "(" + text + ")"
            parts.append(text)
        if self.style.times == "juxtapose" and self.n in ("unicode", "ascii") and all(
                p.startswith("(") or not p[:1].isdigit() for p in parts):
            needs_space = [a for a in e.args if isinstance(a, Sym) and (len(self.sym(a)) > 1 and self.n == "ascii")]
            needs_space += [b for a, b in zip(parts, parts[1:]) if self.n == "ascii" and a[-1:].isalnum()
                            and b[:1].isalpha() and max(len(a), len(b)) > 1]  # w13*a4, never w13a4 (w_1 3 a_4)
            if needs_space:
                joiner = "*"
        return joiner.join(parts)

    def call(self, e: Call) -> str:
        n = self.n
        args = ", ".join(self.expr(a) for a in e.args)
        prime = ("′" if n == "unicode" else "'") if e.prime else ""
        if e.fn == "exp" and not e.prime and self.style.rng.random() < 0.5 and n != "ascii":
            exponent = self.expr(e.args[0])
            if n in ("latex", "ocr"):
                return "e^{" + exponent + "}"
            return "e^(" + exponent + ")"
        if n in ("latex", "ocr"):
            name = {"sigmoid": "\\sigma", "tanh": "\\tanh", "relu": "\\text{ReLU}", "lrelu": "\\text{LeakyReLU}",
                    "softplus": "\\text{softplus}", "exp": "\\exp", "log": "\\ln", "softmax": "\\text{softmax}",
                    "elu": "\\text{ELU}"}.get(e.fn, "\\text{" + e.fn + "}")
            if n == "ocr" and e.fn == "relu":
                name = "\\mathrm{ReLU}"
            if n == "ocr" and e.fn in ("log",) and self.style.rng.random() < 0.5:
                name = "\\log"
            if e.fn in ("log", "exp") and not e.prime and len(e.args) == 1 and isinstance(e.args[0], (Num, Sym)):
                return name + " " + args if self.style.rng.random() < 0.4 else name + "(" + args + ")"
            open_, close = ("\\left(", "\\right)") if n == "ocr" and self.style.rng.random() < 0.4 else ("(", ")")
            return name + prime + open_ + args + close
        if n == "unicode":
            name = {"sigmoid": "σ", "relu": "ReLU", "lrelu": "LeakyReLU", "log": "ln"}.get(e.fn, e.fn)
        else:
            name = {"log": "ln", "lrelu": "leaky_relu"}.get(e.fn, e.fn)
        return name + prime + "(" + args + ")"

    def derivative(self, e: D) -> str:
        n = self.n
        top, bottom = self.sym(e.num), self.sym(e.den)
        if n in ("latex", "ocr"):
            if self.style.frac_derivative:
                return "\\frac{\\partial " + top + "}{\\partial " + bottom + "}"
            return "\\partial " + top + "/\\partial " + bottom
        if n == "unicode":
            return f"∂{top}/∂{bottom}"
        return f"d{top}/d{bottom}"

    def matrix(self, e: Mat) -> str:
        n = self.n
        rows = [[self.expr(c) for c in row] for row in e.rows]
        if n in ("latex", "ocr"):
            kind = self.style.matrix
            if kind == "brackets":
                return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
            return ("\\begin{" + kind + "} " + " \\\\ ".join(" & ".join(r) for r in rows) + " \\end{" + kind + "}")
        if len(rows) == 1:
            return "[" + ", ".join(rows[0]) + "]"
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


def product(*factors: object) -> object:
    flat = [f for f in factors if f is not None]
    return flat[0] if len(flat) == 1 else Op("*", tuple(flat))


def total(*terms: object) -> object:
    return terms[0] if len(terms) == 1 else Op("+", tuple(terms))
