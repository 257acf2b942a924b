"""Finding the equations on a printed page, in each format, and writing them in the text notation.

* text: every line that is an equation (not prose, not a table), with wrapped lines joined;
* markdown: ``$$…$$`` displays and list items that are one ``$…$``;
* latex: ``\\[…\\]``, ``align*`` (rows joined where they continue with ``&=``) and ``gather*`` rows;
* html: each ``gw-eq`` (its ``<math>`` pieces), MathML read back;
* json: each step's formulas, from the structured data.

LaTeX and MathML are translated to the text notation here (grammar.py reads that), by this file's own
tables: nothing from gradwork's printers is used to read their output.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

from tests.explain.reread.checker import Equation
from tests.explain.reread.values import Unreadable

# ---------------------------------------------------------------- shared: scripts

_SUP = dict(zip("0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"))
_SUBS = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_WORD_FUNCTIONS = {"ln", "log", "exp", "ReLU", "LeakyReLU", "tanh", "softmax", "softplus", "ELU", "GELU", "max",
                   "min", "diag", "sign", "id", "sum", "sqrt", "abs", "mean"}


def raised(inside: str) -> str:
    """A superscript in the text notation: a layer (1) → ⁽¹⁾, ⊤ → ᵀ, a prime, or a power ^(…)."""
    inside = inside.strip()
    out = ""
    while inside.endswith(("ᵀ", "⊤", "T")) and (inside.endswith(("ᵀ", "⊤")) or inside.endswith(")T")
                                              or inside == "T"):
        out = "ᵀ" + out
        inside = inside[:-1].strip()
    primes = ""
    while inside.endswith("′") or inside.startswith("′"):
        primes += "′"
        inside = inside[:-1].strip() if inside.endswith("′") else inside[1:].strip()
    if not inside:
        return primes + out
    if inside.startswith("(") and inside.endswith(")") and "(" not in inside[1:-1]:
        body = inside.replace(" ", "")
        if all(c in _SUP for c in body):
            return primes + "".join(_SUP[c] for c in body) + out
        return primes + "^(" + body + ")" + out
    return primes + "^(" + inside + ")" + out


def lowered(inside: str) -> str:
    inside = inside.strip().replace(" ", "")
    if inside and all(c in _SUBS for c in inside):
        return "".join(_SUBS[c] for c in inside)
    return "_(" + inside + ")"


def vector_text(rows: list[list[str]], delimiter: str = "(") -> str:
    """A pmatrix in the text notation: one row [a, b], one column (a, b), else [[a, b], [c, d]]."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return "()"
    if len(rows) == 1:
        cells = rows[0]
        if len(cells) == 1:
            return "(" + cells[0] + ")"
        return "[" + ", ".join(cells) + "]"
    if all(len(row) == 1 for row in rows):
        return "(" + ", ".join(row[0] for row in rows) + ")"
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"


def cases_text(rows: list[list[str]]) -> str:
    branches = []
    for row in rows:
        value = row[0]
        condition = row[1].strip() if len(row) > 1 else "otherwise"
        if condition.startswith("if "):
            branches.append(f"{value} if {condition[3:]}")
        elif condition == "otherwise":
            branches.append(f"{value} otherwise")
        else:
            branches.append(f"{value} if {condition}")
    return "{" + "; ".join(branches) + "}"


def circled_text(number: int) -> str:
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"[C{number}]"


# ---------------------------------------------------------------- LaTeX → text

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "nabla": "∇", "ell": "ℓ",
}
_SYMBOLS = {
    "cdot": "·", "odot": "⊙", "times": "×", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈",
    "leftarrow": "←", "partial": "∂", "top": "ᵀ", "prime": "′", "infty": "∞", "lvert": "|", "rvert": "|",
    "vert": "|", "mid": "|", "neq": "≠", "ln": " ln ", "log": " ln ", "exp": " exp ", "max": " max ",
    "min": " min ", "tanh": " tanh ", "sum": "Σ", "{": "{", "}": "}", "%": "%", "_": "_", "&": "&", "lbrace": "{",
    "rbrace": "}", "cdots": "…", "ldots": "…",
}
_SPACES = {",", ";", ":", "!", "quad", "qquad", " ", "enspace", "thinspace"}
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307", "vec": "\u20d7"}
_CIRCLE = re.compile(r"\\ooalign\{\\hfil\\raise[\d.]+ex\\hbox\{\\(?:scriptsize|tiny|footnotesize) (\d+)\}\\hfil"
                     r"\\crcr\\mbox\{\$\\bigcirc\$\}\}")


class _Latex:
    def __init__(self, source: str) -> None:
        self.s = _CIRCLE.sub(lambda m: circled_text(int(m.group(1))), source)
        self.i = 0

    def group(self) -> str:
        """The next argument: a {…} group or one token."""
        self.skip_space()
        if self.i < len(self.s) and self.s[self.i] == "{":
            depth, start = 0, self.i
            while self.i < len(self.s):
                c = self.s[self.i]
                if c == "\\":
                    self.i += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        self.i += 1
                        return self.s[start + 1:self.i - 1]
                self.i += 1
            raise Unreadable(f"unclosed {{ in {self.s!r}")
        if self.i < len(self.s) and self.s[self.i] == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", self.s[self.i:])
            assert match is not None
            self.i += match.end()
            return match.group(0)
        char = self.s[self.i:self.i + 1]
        self.i += 1
        return char

    def skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def environment(self, name: str) -> str:
        end = f"\\end{{{name}}}"
        depth, j = 1, self.i
        begin = f"\\begin{{{name}}}"
        while j < len(self.s):
            if self.s.startswith(begin, j):
                depth += 1
            elif self.s.startswith(end, j):
                depth -= 1
                if depth == 0:
                    body = self.s[self.i:j]
                    self.i = j + len(end)
                    return body
            j += 1
        raise Unreadable(f"unclosed environment {name}")

    def convert(self) -> str:
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\":
                out.append(self.command())
            elif c == "^":
                self.i += 1
                out.append(raised(latex_to_text(self.group())))
            elif c == "_":
                self.i += 1
                out.append(lowered(latex_to_text(self.group())))
            elif c == "{":
                out.append(latex_to_text(self.group()))
            elif c == "'":
                out.append("′")
                self.i += 1
            elif c == "-":
                out.append("−")
                self.i += 1
            elif c == "~":
                out.append(" ")
                self.i += 1
            else:
                out.append(c)
                self.i += 1
        return "".join(out)

    def command(self) -> str:
        match = re.match(r"\\([A-Za-z]+|.)", self.s[self.i:])
        assert match is not None
        self.i += match.end()
        name = match.group(1)
        if name in _SPACES:
            return " "
        if name == "frac":
            top, bottom = latex_to_text(self.group()), latex_to_text(self.group())
            if top.strip().startswith("∂") and bottom.strip().startswith("∂"):
                of, wrt = top.strip()[1:].strip(), bottom.strip()[1:].strip()
                if not of:
                    return f" ∂/∂{wrt} "  # the operator, applied to what follows
                return f"∂{of}/∂{wrt}"
            return f"(({top}) / ({bottom}))"
        if name == "sqrt":
            return f"√({latex_to_text(self.group())})"
        if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"):
            self.skip_space()
            delimiter = self.s[self.i]
            if delimiter == "\\":
                return self.command()
            self.i += 1
            return "" if delimiter == "." else delimiter
        if name in ("operatorname", "mathrm", "text", "mathit", "textrm", "mbox", "mathbf", "boldsymbol"):
            inside = latex_to_text(self.group()) if name != "text" else _text_words(self.group())
            return f" {inside} " if inside.strip() in _WORD_FUNCTIONS or inside.strip() in ("if", "otherwise") \
                else inside
        if name in _ACCENTS:
            return unicodedata.normalize("NFC", latex_to_text(self.group()).strip() + _ACCENTS[name])
        if name == "begin":
            env = self.group()
            body = self.environment(env)
            rows = [[latex_to_text(cell).strip() for cell in _split(row, "&")] for row in _split(body, "\\\\")]
            if env == "cases":
                return cases_text(rows)
            if env in ("pmatrix", "bmatrix", "matrix"):
                return vector_text(rows)
            raise Unreadable(f"environment {env}")
        if name in _GREEK:
            return _GREEK[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in ("textgreater",):
            return ">"
        if name in ("textless",):
            return "<"
        if name in ("ensuremath",):
            return latex_to_text(self.group())
        if name in ("displaystyle", "small", "scriptsize", "tiny", "normalsize"):
            return ""
        raise Unreadable(f"LaTeX command \\{name}")


def _text_words(group: str) -> str:
    return re.sub(r"\\([{}_%&$#])", r"\1", group)


_SPLITTERS = {separator: re.compile(r"\\begin|\\end|(?<!\\)[{}]|"
                                    + (r"(?<!\\)&" if separator == "&" else re.escape(separator)))
              for separator in ("&", "\\\\")}


def _split(body: str, separator: str) -> list[str]:
    """``body`` split at ``separator`` outside braces and environments.

    The scan jumps between the only things that matter (``\\begin``, ``\\end``, an unescaped brace, the
    separator) with one regular expression; each is taken where a character-by-character scan would take it (a
    separator inside braces is passed over by one character, so a ``\\begin`` starting inside it still counts)."""
    parts, depth, start, position = [], 0, 0, 0
    splitter = _SPLITTERS[separator]
    while (found := splitter.search(body, position)) is not None:
        token = found.group()
        if token in ("\\begin", "\\end"):
            depth += 1 if token == "\\begin" else -1
            position = found.start() + 1
        elif token in ("{", "}"):
            depth += 1 if token == "{" else -1
            position = found.end()
        elif depth == 0:
            parts.append(body[start:found.start()])
            start = position = found.end()
        else:
            position = found.start() + 1
    parts.append(body[start:])
    return parts


@lru_cache(maxsize=8192)  # a pure reading; Markdown and LaTeX pages, and every style, print the same formulas
def latex_to_text(source: str) -> str:
    return _Latex(source).convert()


# ---------------------------------------------------------------- the formats

_LABEL = re.compile(r"^(?:([①-⑳])|\[([A-Z])(\d+)\]|\((\d+)\))\s+(?=\S)")
_CIRCLED_AT = re.compile(r"^([①-⑳]|\[C\d+\]|\[[A-Z]\d+\])\s*")


def _label_of(text: str) -> tuple[str | None, str]:
    match = _LABEL.match(text)
    if not match:
        return None, text
    if match.group(1):
        label = f"C{ord(match.group(1)) - 0x2460 + 1}"
    elif match.group(2):
        label = match.group(2) + match.group(3)
    else:
        label = f"C{match.group(4)}"
    return label, text[match.end():]


_WORDS = re.compile(r"(?<![\w])[A-Za-z]{2,}(?:'s)?[ ,:;.]+(?:[A-Za-z]{2,}|[a-z])\b")
_FUNCTION_WORDS = re.compile(r"\b(?:ln|log|exp|ReLU|LeakyReLU|tanh|softmax|softplus|ELU|GELU|max|min|diag|sign|id"
                             r"|sum|sqrt|abs|mean|if|otherwise)\b")


def is_prose(line: str) -> bool:
    bare = _FUNCTION_WORDS.sub("", line)
    return bool(_WORDS.search(bare)) or line.rstrip().endswith((":", ".")) and not line.rstrip().endswith("..")


def _open(text: str) -> bool:
    return sum(text.count(c) for c in "([{") > sum(text.count(c) for c in ")]}")


def text_equations(page: str) -> list[Equation]:
    lines = page.splitlines()
    out: list[Equation] = []
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and set(nxt) <= {"-"} and len(nxt) >= 3 and stripped:
            section = stripped
            i += 2
            continue
        i += 1
        if not stripped or set(stripped) <= {"-", "="} or stripped.startswith(("+", "|", "⚠")):
            continue
        indent = len(line) - len(line.lstrip())
        # A wrapped equation: its later lines are indented more and start with an operator, or continue an
        # array or a bracket that is still open.
        while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) > indent and lines[i].strip() and \
                (lines[i].strip().startswith(("= ", "+ ", "− ", "· ", "⊙ ", "≈ ")) or _open(stripped)):
            stripped += " " + lines[i].strip()
            i += 1
        label, body = _label_of(stripped)
        if ("=" not in body and "≈" not in body) or is_prose(body):
            continue
        out.append(Equation(body, section, label))
    return out


def markdown_equations(page: str) -> list[Equation]:
    out: list[Equation] = []
    section = ""
    for line in page.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
            continue
        math = None
        if stripped.startswith("$$") and stripped.endswith("$$") and len(stripped) > 4:
            math = stripped[2:-2]
        elif re.fullmatch(r"- \$[^$]+\$", stripped):
            math = stripped[3:-1]
        if math is None:
            continue
        for piece in re.split(r",?\\qquad", math):
            out.extend(_latex_equation(piece, section))
    return out


def _latex_equation(source: str, section: str) -> list[Equation]:
    try:
        text = latex_to_text(source).strip()
    except (Unreadable, IndexError, ValueError, AssertionError) as error:
        return [Equation(f"⟨unreadable LaTeX: {error}⟩ {source}", section)]
    label, body = _label_of(_CIRCLED_AT.sub(lambda m: m.group(1) + " ", text, count=1))
    if "=" not in body and "≈" not in body:
        return []
    return [Equation(" ".join(body.split()), section, label)]


def latex_equations(page: str) -> list[Equation]:
    out: list[Equation] = []
    section = ""
    body = page.split("\\begin{document}", 1)[-1]
    pattern = re.compile(r"\\subsection\*\{([^}]*)\}|\\section\*\{([^}]*)\}|\\\[(.*?)\\\]|"
                         r"\\begin\{(align\*|gather\*)\}(.*?)\\end\{\4\}", re.S)
    for match in pattern.finditer(body):
        if match.group(1) or match.group(2):
            section = match.group(1) or match.group(2)
            continue
        if match.group(3) is not None:
            out.extend(_latex_equation(match.group(3), section))
            continue
        rows = [row.strip() for row in _split(match.group(5), "\\\\")]
        if match.group(4) == "align*":
            joined: list[str] = []
            for row in rows:
                if row.startswith("&") and joined:
                    joined[-1] += " " + row
                else:
                    joined.append(row)
            rows = joined
        for row in rows:
            if row:
                out.extend(_latex_equation(" ".join(_split(row, "&")), section))
    return out


def _mathml(node: Any) -> str:
    if isinstance(node, str):
        return node
    tag, attributes, children = node
    if tag == "span" and "gw-circled" in (attributes.get("class") or ""):
        return circled_text(int("".join(c for c in children if isinstance(c, str)).strip()))
    if tag in ("math", "mrow", "mstyle", "mpadded", "semantics", "span", "mphantom"):
        return _row(children)
    if tag == "mi":
        text = "".join(_mathml(c) for c in children)
        return f" {text} " if len(text) > 1 else text
    if tag == "mn":
        return "".join(_mathml(c) for c in children)
    if tag == "mo":
        text = "".join(_mathml(c) for c in children)
        if text.strip() in _WORD_FUNCTIONS:
            return f" {text.strip()} "
        return {"-": "−", "⋅": "·", "′": "′", "⊤": "ᵀ", "&": ""}.get(text, text)
    if tag == "mtext":
        return "".join(_mathml(c) for c in children)
    if tag == "mspace":
        return " "
    if tag == "mfrac":
        top, bottom = (_mathml(c) for c in children if not isinstance(c, str))
        if top.strip().startswith("∂") and bottom.strip().startswith("∂"):
            of = top.strip()[1:].strip()
            return f"∂{of}/∂{bottom.strip()[1:].strip()}"
        return f"(({top}) / ({bottom}))"
    kids = [c for c in children if not isinstance(c, str)]
    if tag == "msup":  # latex2mathml may spread a (pmatrix) base over several children: the last is the script
        return _row(kids[:-1]) + raised(_mathml(kids[-1]))
    if tag == "msub":
        return _row(kids[:-1]) + lowered(_mathml(kids[-1]))
    if tag == "msubsup":
        return _mathml(kids[0]) + lowered(_mathml(kids[1])) + raised(_mathml(kids[2]))
    if tag == "munder":
        return _mathml(kids[0]) + lowered(_mathml(kids[1]))
    if tag == "msqrt":
        return "√(" + _row(children) + ")"
    if tag == "mtable":
        return vector_text(_table(node))
    if tag == "mover":
        accent = _mathml(kids[1]).strip()
        marks = {"^": "\u0302", "ˆ": "\u0302", "¯": "\u0304", "‾": "\u0304", "~": "\u0303", "˜": "\u0303"}
        return unicodedata.normalize("NFC", _mathml(kids[0]).strip() + marks.get(accent, ""))
    raise Unreadable(f"MathML <{tag}>")


def _table(node: Any) -> list[list[str]]:
    rows = []
    for row in node[2]:
        if isinstance(row, str) or row[0] != "mtr":
            continue
        rows.append([_row(cell[2]).strip() for cell in row[2] if not isinstance(cell, str) and cell[0] == "mtd"])
    return rows


def _row(children: list[Any]) -> str:
    """A sequence of MathML nodes; ( mtable ) is a vector or matrix, { mtable a case split."""
    out: list[str] = []
    items = [c for c in children if not (isinstance(c, str) and not c.strip())]
    k = 0
    while k < len(items):
        item = items[k]
        if not isinstance(item, str) and item[0] == "mo" and k + 1 < len(items) and \
                not isinstance(items[k + 1], str) and items[k + 1][0] == "mtable":
            opening = "".join(c for c in item[2] if isinstance(c, str)).strip()
            rows = _table(items[k + 1])
            if opening == "{":
                out.append(cases_text(rows))
                k += 2
                continue
            if opening in ("(", "["):
                out.append(vector_text(rows))
                k += 3  # the closing bracket too
                continue
        out.append(_mathml(item))
        k += 1
    return "".join(out)


_TAG = re.compile(r"<math\b[^>]*>.*?</math>|<(/?)([A-Za-z][\w-]*)([^>]*)>", re.S)
_CLASS = re.compile(r'class="([^"]*)"')
_SKIP_HTML = {"p", "td", "th", "table", "figcaption", "summary", "caption", "style", "script"}
_VOID = {"br", "img", "meta", "link", "input", "hr", "mspace", "col"}


def _element(math: str) -> Any:
    """A <math> block as [tag, attrs, children] (the C XML parser: the page's MathML is well-formed)."""
    import xml.etree.ElementTree as ET

    def convert(node: Any) -> Any:
        children: list[Any] = [node.text] if node.text else []
        for child in node:
            children.append(convert(child))
            if child.tail:
                children.append(child.tail)
        return [node.tag.split("}")[-1], dict(node.attrib), children]

    return convert(ET.fromstring(re.sub(r'\sxmlns="[^"]*"', "", math)))


def html_equations(page: str) -> list[Equation]:
    """Each gw-eq group (its <math> pieces), and each <math> on its own outside prose and tables."""
    out: list[Equation] = []
    stack: list[tuple[str, bool]] = []  # (tag, opens a gw-eq group)
    skipping = 0
    group: list[Any] | None = None
    section, heading = "", None
    for match in _TAG.finditer(page):
        text = match.group(0)
        if text.startswith("<math"):
            if group is not None:
                group.append(text)
            elif not skipping:
                out.extend(_html_equation([text], section))
            continue
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag in _VOID:
            continue
        if not closing:
            classes = (_CLASS.search(match.group(3) or "") or [None, ""])[1].split()
            starts = "gw-eq" in classes and group is None
            stack.append((tag, starts))
            if tag in _SKIP_HTML:
                skipping += 1
            if starts:
                group = []
            if tag in ("h1", "h2", "h3"):
                heading = match.end()
            continue
        if tag in ("h1", "h2", "h3") and heading is not None:
            section = re.sub(r"<[^>]+>", "", page[heading:match.start()]).strip()
            heading = None
        while stack:
            opened, starts = stack.pop()
            if opened in _SKIP_HTML:
                skipping = max(0, skipping - 1)
            if starts and group is not None:
                out.extend(_html_equation(group, section))
                group = None
            if opened == tag:
                break
    return out


@lru_cache(maxsize=8192)  # a pure reading; the HTML document and the interactive page hold the same <math>
def _math_text(math: str) -> str:
    return _mathml(_element(math))


def _html_equation(maths: list[str], section: str) -> list[Equation]:
    try:
        text = " ".join(_math_text(math) for math in maths)
    except (Unreadable, ValueError, IndexError, SyntaxError) as error:
        return [Equation(f"⟨unreadable MathML: {error}⟩", section)]
    label, body = _label_of(_CIRCLED_AT.sub(lambda m: m.group(1) + " ", text.strip(), count=1))
    if "=" not in body and "≈" not in body:
        return []
    return [Equation(" ".join(body.split()), section, label)]


# ---------------------------------------------------------------- JSON


def json_equations(page: str) -> list[Equation]:
    """Each step's formulas as the JSON carries them (numbers by their ``display``)."""
    steps = json.loads(page)
    steps = steps.get("steps", steps) if isinstance(steps, dict) else steps
    out: list[Equation] = []
    factors: dict[int, str] = {}
    for step in steps:
        section = step.get("section", "")
        kind = step["type"]
        chains: list[tuple[list[Any], str | None]] = []
        if kind == "compute":
            chains.append(([step[k] for k in ("lhs", "formula", "substituted", "result") if step.get(k)], None))
            chains += [(part["sides"], None) for part in step.get("parts", [])]
        elif kind == "factor":
            factors[step["label"]] = _json_text(step["value"])
            sides = [step[k] for k in ("derivative", "formula", "substituted", "value") if step.get(k)]
            chains.append((sides, f"C{step['label']}"))
        elif kind == "chain_product":
            labels = " + ".join("·".join(f"[C{n}]" for n in path) for path in step["paths"])
            numbers = " + ".join("·".join(f"({factors.get(n, '?')})" for n in path) for path in step["paths"])
            text = f"{_json_text(step['lhs'])} = {labels} = {numbers} = {_json_text(step['value'])}"
            out.append(Equation(text, section))
            continue
        elif kind == "update":
            chains.append((step["relation"]["sides"], None))
        elif kind in ("prose",) and isinstance(step.get("math"), dict) and step["math"].get("type") == "relation":
            chains.append((step["math"]["sides"], None))
        elif kind == "definition":
            for key in ("formula", "derivative"):
                if isinstance(step.get(key), dict) and step[key].get("type") == "relation":
                    chains.append((step[key]["sides"], None))
        elif kind == "given":
            chains += [(item["sides"], None) for item in step["items"]]
        for key in ("relations",):
            for relation in step.get(key, []) or []:
                chains.append((relation["sides"], None))
        for sides, label in chains:
            if len(sides) < 2:
                continue
            try:
                text = " = ".join(_json_text(side) for side in sides)
            except Unreadable as error:
                text = f"⟨unreadable JSON: {error}⟩"
            out.append(Equation(text, section, label))
    return out


def _symbol_text(node: dict[str, Any]) -> str:
    base = _GREEK.get(node["base"], node["base"])
    if node.get("accent"):
        base = unicodedata.normalize("NFC", base + _ACCENTS.get(node["accent"], ""))
    out = base + ("′" if node.get("updated") else "")
    own = lowered(node["sub"]) if node.get("sub") else ""
    if node.get("of"):
        own += "_(" + _symbol_text(node["of"]) + ")"
    if node.get("layer") is not None:
        out += raised("(" + node["layer"] + ")")
    out += own
    index = node.get("index") or []
    if index:
        labels = [str(i + 1) if isinstance(i, int) and node.get("one_based", True) else str(i) for i in index]
        if node.get("one_based", True):
            out += lowered(",".join(labels) if any(len(x) > 1 for x in labels) else "".join(labels))
        else:
            out += "[" + ",".join(labels) + "]"
    if node.get("step") is not None:
        out += raised(f"({node['step']})") if node.get("step_raised") else f"[{node['step']}]"
    return out


def _json_text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "[" + ", ".join(_json_text(n) for n in node) + "]"
    kind = node.get("type")
    if kind == "number":
        return node["display"]
    if kind == "symbol":
        return _symbol_text(node)
    if kind == "array":
        rows = node["rows"]
        if rows and isinstance(rows[0], list):
            return "[" + ", ".join("[" + ", ".join(_json_text(c) for c in row) + "]" for row in rows) + "]"
        inside = ", ".join(_json_text(c) for c in rows)
        return f"[{inside}]" if node.get("row") else f"({inside})"
    if kind == "sum":
        return "(" + " + ".join(_json_text(t) for t in node["terms"]) + ")"
    if kind == "neg":
        return "(−" + _json_text(node["operand"]) + ")"
    if kind == "product":
        sign = {"dot": "·", "hadamard": " ⊙ ", "matmul": " "}[node["kind"]]
        return "(" + sign.join("(" + _json_text(f) + ")" for f in node["factors"]) + ")"
    if kind == "quotient":
        return f"(({_json_text(node['numerator'])}) / ({_json_text(node['denominator'])}))"
    if kind == "power":
        return f"(({_json_text(node['base'])})^({_json_text(node['exponent'])}))"
    if kind == "transpose":
        return f"({_json_text(node['operand'])})ᵀ"
    if kind == "derivative":
        return f"∂{_json_text(node['of'])}/∂{_json_text(node['wrt'])}"
    if kind == "call":
        name = {"sum_k": "Σₖ", "sum_nk": "Σₙ Σₖ", "log": "ln", "sigmoid": "σ", "relu": "ReLU", "sum": "Σ",
                "leaky_relu": "LeakyReLU", "sqrt": "√"}.get(node["function"], node["function"])
        return f"{name}({', '.join(_json_text(a) for a in node['args'])})"
    if kind == "label":
        return f"[C{node['number']}]"
    if kind == "words":
        return node["text"]
    if kind == "relation":
        return " = ".join(_json_text(s) for s in node["sides"])
    if kind == "op_template":
        return _template_text(node)
    if kind == "cases":
        branches = [f"{_json_text(b['value'])} {_json_text(b['condition'])}" for b in node["branches"]]
        return "{" + "; ".join(branches) + "}"
    raise Unreadable(f"JSON formula of type {kind}")


def _template_text(node: dict[str, Any]) -> str:
    """An op template from JSON: the op's text template (as the registry prints it), each binding bracketed."""
    from gradwork.ops import get_op

    op = get_op(node["op"])
    part = node["part"]
    if part == "notation":
        template = op.notation.text
    elif part == "partial":
        template = op.partial(node.get("position", 0)).text
    elif part == "term":
        template = op.term.text
    elif part == "definition":
        template = op.definition_text or op.notation.text
    else:
        template = op.element_partials[0 if part == "element_diagonal" else 1].text
    bindings = {name: _json_text(value) for name, value in node["bindings"].items()}
    if node.get("elementwise"):  # the rule's products between values are elementwise
        template = re.sub(r"(\$\{?\w+\}?)\s+(?!if\b)(?=[(A-Za-z$])", r"\1 ⊙ ", template)
        template = re.sub(r"\s*\*\s*", " ⊙ ", template)
    text = re.sub(r"\$\{?(\w+)\}?", lambda m: "(" + bindings.get(m.group(1), m.group(1)) + ")", template)
    for word, shown in (("leaky_relu", "LeakyReLU"), ("sigmoid", "σ"), ("log", "ln"), ("relu", "ReLU"),
                        ("alpha", "α"), ("sqrt", "√"), ("phi", "φ"), ("Phi", "Φ")):
        text = re.sub(rf"\b{word}\b", shown, text)
    return text.replace("**", "^").replace("*", "·").replace("@", " ").replace(".T", "ᵀ")


READERS = {"text": text_equations, "markdown": markdown_equations, "latex": latex_equations,
           "html": html_equations, "json": json_equations}
