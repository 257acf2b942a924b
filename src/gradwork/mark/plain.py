"""Maths written without LaTeX: plain Unicode (``∂E/∂w₁₂ = 0.3·0.2 = 0.06``) and ASCII (``dE/dw12 = 0.3*0.2``).

A plain line is read in two steps:

1. **where the maths is**: from the first ``=`` (or ``:=``, ``←``, ``<-``) out to both
   sides, as far as the text is maths: a prose word (three letters or more that
   name no function, symbol or number word, or a short word such as "so"/"is")
   ends it, as does a list marker or a heading;
2. **into the reader's LaTeX**, one rule at a time: subscripts and superscripts
   (``w⁽²⁾₁₂`` is ``w^{(2)}_{12}``), ``∂X/∂Y`` and ``dX/dY`` as derivatives, ``dw12``
   as the loss's gradient by w12 (code's habit), ``·`` ``×`` ``*`` products, ``−``,
   primes ``′``, Greek letters, ``ŷ``/``y_hat``, a letter run followed by digits as
   a subscripted symbol (``w12``, ``a2_1`` is layer 2's ``a_1``), function names,
   ``x.T`` and ``ᵀ`` transposes, ``½``, an arrow or ``:=`` as ``=`` (an update).

Each rule is linear in the line. What does not convert is left for the reader,
which reports it as not read with the reason.
"""

from __future__ import annotations

import re

from gradwork.documents.memo import remember_short
from gradwork.mark.functions import function_op, is_call_word, is_op_word
from gradwork.mark.tokens import MATHS_FUNCTIONS
from gradwork.ops.registry import generation

SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789+-=()aehijklmnoprstuvx"))
SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ",
                       "0123456789+-=()abcdefghijklmnoprstuvwxyzT"))
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta", "θ": "theta",
         "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma",
         "τ": "tau", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Δ": "Delta", "Σ": "Sigma", "Θ": "Theta",
         "Φ": "Phi", "Ω": "Omega", "Λ": "Lambda"}
GREEK_WORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma", "phi", "psi",
               "omega", "rho", "tau", "kappa", "Delta", "Sigma", "Theta"}
ASSIGN = re.compile(r":=|←|<-|⟵|⇐")
# Words that are maths in a plain line (beside the registry's function names and Greek letters).
MATH_WORDS = {"net", "new", "old", "hat", "lr", "loss", "grad", "out", "in", "ln", "T", "e", *MATHS_FUNCTIONS}
PROSE_SHORT = {"so", "is", "we", "at", "of", "to", "by", "as", "if", "or", "an", "be", "on", "it", "and", "the",
               "for", "then", "thus", "hence", "where", "with", "gives", "get", "are", "has", "our"}
_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]\s+|\d+[.)]\s+|[a-z][.)]\s+|>\s*)")


def maths_span(line: str, known: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """(offset, text) of the maths in a plain line around its first ``=``, or None when there is none.

    ``known``: words that are symbols of this problem (a graph's node names, ``den``, ``dot``), never prose."""
    line = _without_comments(line)  # an HTML comment is never maths
    stripped = line.lstrip()
    if not stripped or stripped.startswith(("#", "|", "<!--")):
        return None
    marker = _LIST_MARKER.match(line)
    start_bound = marker.end() if marker else 0
    equals = _first_equals(line, start_bound)
    if equals is None:
        return None
    if stripped.startswith("=") and not stripped.startswith("=="):  # "    = 0.3": the line above goes on
        span = line[equals:_extend_right(line, equals, known)].strip()
        return (equals, span) if len(span) > 1 else None
    start = _extend_left(line, equals, start_bound, known)
    end = _extend_right(line, equals, known)
    lead = re.fullmatch(r"\s*([+−·×])\s+", line[:start])
    if lead:  # "    + ∂L/∂F[3] = ...": the sum on the line above goes on (or, with nothing above it, a list item)
        start = lead.start(1)
    span = line[start:end].strip()
    if not span or span.startswith("=") or "=" not in ASSIGN.sub("=", span):
        return None
    return start + (len(line[start:end]) - len(line[start:end].lstrip())), span


def _without_comments(line: str) -> str:
    """``line`` with each ``<!-- ... -->`` blanked (one left open runs to the end); linear, unlike a lazy regex."""
    if "<!--" not in line:
        return line
    out, position = [], 0
    while (opened := line.find("<!--", position)) >= 0:
        closed = line.find("-->", opened + 4)
        end = len(line) if closed < 0 else closed + 3
        out += [line[position:opened], " " * (end - opened)]
        position = end
    out.append(line[position:])
    return "".join(out)


def _first_equals(line: str, start: int) -> int | None:
    match = re.compile(r":=|←|<-|=").search(line, start)
    return None if match is None else match.start()


def _is_prose(word: str, known: frozenset[str] = frozenset()) -> bool:
    """A word that is not maths: "so", "then", "weights"; not a symbol, function or Greek name."""
    word = word.strip("_")
    if word in known:
        return False
    if not word or is_op_word(word):
        return False
    parts = [part for part in word.split("_") if part]
    if len(parts) > 1:
        return all(_is_prose(part, known) for part in parts)
    lower = word.lower()
    if lower in PROSE_SHORT:
        return True
    if len(word) < 3 or word in MATH_WORDS or lower in MATH_WORDS or word in GREEK_WORDS:
        return False
    return not re.fullmatch(r"d?[A-Za-z]|d[A-Z][a-z]?|[A-Z][a-z]?|d[A-Za-z]d[A-Za-z]", word)  # dL/dydy/ds


def _extend_left(line: str, equals: int, bound: int, known: frozenset[str] = frozenset()) -> int:
    """Where the left side begins: back from the ``=`` over maths, stopping after a prose word or a colon."""
    start = bound
    for match in reversed(list(_WORD.finditer(line, bound, equals))):
        after = line[match.end():equals]
        if _is_prose(match.group(), known) or (":" in after.replace(":=", "")) or ";" in after:
            start = match.end()
            break
    while start < equals and line[start] in " \t:,;":
        start += 1
    return start


_ROUND = re.compile(r"[()]")


def _extend_right(line: str, equals: int, known: frozenset[str] = frozenset()) -> int:
    """Where the maths ends: the end of the line, or before the first prose word after the ``=``."""
    end = len(line)
    braces, counted = 0, equals  # braces open between the = and the word (counted once: linear)
    for match in _WORD.finditer(line, equals):
        braces += line.count("{", counted, match.start()) - line.count("}", counted, match.start())
        counted = match.start()
        if match.group() in CASE_WORDS and braces > 0:
            continue  # {1 if z > 0; 0 otherwise}: a rule by cases
        if _is_prose(match.group(), known):
            end = match.start()
            break
    text = line[:end].rstrip()
    depth, opened = 0, []  # "= 0.19 (relu'(z) = 1 since ...": a remark in brackets left open is cut off
    for bracket in _ROUND.finditer(text, equals):
        k = bracket.start()
        if text[k] == "(":
            opened.append(k)
        elif opened:
            opened.pop()
        else:  # "(... for layer l; a⁽⁰⁾ = x)": the bracket of a remark begun in the prose
            text = text[:k].rstrip()
            break
    if opened:
        text = text[:opened[0]].rstrip()
    del depth
    while text and text[-1] in ",;:(" or (text.endswith(".") and not re.search(r"\d\.\d*$", text[-12:])):
        text = text[:-1].rstrip()
    if re.search(r"\d\.$", text):  # "= 0.5." at the end of a sentence
        text = text[:-1]
    return len(text)


# ---------------------------------------------------------------- into the reader's LaTeX
MEMO_CHARACTERS = 2_000  # a line up to this long is remembered (a class's documents repeat their lines)


def to_latex(text: str) -> str:
    """Plain Unicode/ASCII maths as the LaTeX the reader reads (see the module docstring). Memoised (bounded) for
    lines up to :data:`MEMO_CHARACTERS`, per state of the op registry (its names are read as functions)."""
    return _remembered(text)


def _to_latex(text: str) -> str:
    text = ASSIGN.sub("=", text).replace("\\_", "_").replace("\\*", "*")  # Markdown's escapes: E\_total
    text = _with_cases(text)
    text = re.sub(r"\[[A-Z](\d+)\]", r"\\circled{\1}", text)  # [B4]: a step tag as our worked solutions write it
    for written, read in (("\u2033", "''"), ("\u2034", "'''"), ("\u2032", "'"), ("\u2019", "'"), ("\u2212", "-"),
                          ("\u2013", "-")):  # ″ ‴ ′ ’ − –
        text = text.replace(written, read)
    text = text.replace("½", "(1/2)").replace("¼", "(1/4)")
    text = re.sub(r"([A-Za-z])\u0302", r"\\hat{\1}", text)  # y + combining circumflex
    text = text.replace("ŷ", "\\hat{y} ")
    text = re.sub(r"\b([A-Za-z])_?hat\b", r"\\hat{\1} ", text)
    text = _scripts(text)
    text = _FUNCTION_CALL.sub(_function_name, text)
    text = re.sub(r"(_\{[^{}]*\})_(new|old)\b", r"\1^{\2}", text)
    text = text.replace("@", " \\cdot ")
    text = _derivatives(text)
    text = _identifiers(text)
    text = re.sub(r"_([A-Za-z0-9]{2,})(?![A-Za-z0-9{(])", r"_{\1}", text)  # δ_o1: one subscript, as plain text means
    text = re.sub(r"(?<=[\w)\]}])\.T\b|ᵀ", "^T", text)
    text = text.replace("·", " \\cdot ").replace("⋅", " \\cdot ").replace("×", " \\cdot ").replace("*", " \\cdot ")
    text = text.replace("≥", " \\geq ").replace("≤", " \\leq ").replace(">=", " \\geq ").replace("<=", " \\leq ")
    text = text.replace("⊙", " \\odot ").replace("∘", " \\odot ")
    text = re.sub(r"√\s*", "\\\\sqrt", text)
    text = text.replace("∑", "\\sum ").replace("Σ", "\\sum ")
    if not text.isascii():  # the Greek letters are not ASCII
        for letter, name in GREEK.items():
            text = text.replace(letter, f"\\{name} ")
    text = _exponents(text)
    return _separate(text)


CASE_WORDS = {"if", "otherwise", "else"}
_CASE = re.compile(r"\s*(\S.*?)\s+(?:if\s+(\S.*)|otherwise|else)\s*")


_remembered = remember_short(MEMO_CHARACTERS, 8192, also=generation)(_to_latex)


def _with_cases(text: str) -> str:
    """``{1 if z > 0; 0 otherwise}`` as ``\\begin{cases} 1 & z > 0 \\\\ 0 & \\text{otherwise} \\end{cases}``
    (braces scanned once: linear in the line)."""
    if "{" not in text or not CASE_WORDS & set(re.findall(r"[a-z]+", text)):
        return text
    out, position = [], 0
    while (opened := text.find("{", position)) >= 0:
        closed = text.find("}", opened + 1)
        inner = text.find("{", opened + 1)
        if closed < 0 or 0 <= inner < closed:
            out.append(text[position:opened + 1])
            position = opened + 1
            continue
        inside, rows = text[opened + 1:closed], []
        for piece in (inside.split(";") if ";" in inside else inside.split(",")):
            found = _CASE.fullmatch(piece)
            if found is None:
                break
            rows.append(f"{found[1]} & " + (found[2] if found[2] else "\\text{otherwise}"))
        else:
            out += [text[position:opened], "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"]
            position = closed + 1
            continue
        out.append(text[position:closed + 1])
        position = closed + 1
    out.append(text[position:])
    return "".join(out)


def _separate(text: str) -> str:
    """``w1 = 0.5, w2 = -0.6``: equations a comma or semicolon parts (outside brackets) as ``\\quad`` does (one pass:
    linear in the line)."""
    if ", " not in text and "; " not in text:  # a part ends at a comma or semicolon and a space
        return text
    pieces: list[str] = []
    depth = 0
    start = 0  # where the part being read began
    equals = False  # an "=" in it so far
    for k, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "=":
            equals = True
        elif c in ",;" and depth == 0 and k + 1 < len(text) and text[k + 1] == " ":
            following = _PART_END.search(text, k + 1)  # the next part: up to the next comma or semicolon
            if equals and text.find("=", k + 1, following.start() if following else len(text)) >= 0:
                pieces += [text[start:k], " \\quad "]
                start = k + 1
                equals = False
    return "".join(pieces) + text[start:] if pieces else text


_PART_END = re.compile("[,;]")


_FUNCTION_CALL = re.compile(r"(?<![\\A-Za-z{])([A-Za-z][A-Za-z_]*)(?=\s*'?\s*\()")


def _function_name(match: re.Match[str]) -> str:
    """``sigmoid(`` / ``ReLU'(`` / ``leaky_relu(``: a registered function, as the reader's \\text{...}."""
    word = match.group(1)
    if word in MATHS_FUNCTIONS or (function_op(word) is None and is_call_word(word)):  # sign(z), max(0, z)
        return "\\text{" + word + "}"
    if function_op(word) is None or len(word) < 2:
        return word
    return "\\text{" + word + "}"


def _scripts(text: str) -> str:
    """Runs of Unicode subscripts and superscripts as _{...} and ^{...}."""
    if text.isascii():  # every script letter is outside ASCII
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in SUBSCRIPT or c in SUPERSCRIPT:
            table, mark = (SUBSCRIPT, "_") if c in SUBSCRIPT else (SUPERSCRIPT, "^")
            j = i
            while j < n and text[j] in table:
                j += 1
            run = "".join(table[ch] for ch in text[i:j])
            out.append(mark + "{" + run + "}" if run != "T" else "^T")
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


_SYMBOL = (  # ∂L/∂s₂h₃: the symbol ends at its subscript, h₃ is the next factor
    r"(?:\\hat\{[A-Za-z]\}|[A-Za-zα-ωΑ-Ω][A-Za-z]*)(?:'?(?:\^\{[^{}]*\}|_\{[^{}]*\}|_\w+|\d\w*|\^\(\w+\))*)'?")
_PARTIAL = re.compile(rf"∂\s*({_SYMBOL})\s*/\s*∂\s*({_SYMBOL})")
_PARTIAL_OF_CALL = re.compile(  # ∂σ(u)/∂u, ∂ReLU(u)/∂u: a function's derivative
    r"∂\s*((?:\\text\{[A-Za-z_]+\}|[A-Za-zα-ωΑ-Ω]+)\s*\(\s*([A-Za-z])\s*\))\s*/\s*∂\s*\2(?![\w])")
_ASCII_PARTIAL = re.compile(rf"(?<![A-Za-z\\])d\s*({_SYMBOL})\s*/\s*d\s*({_SYMBOL})")
_ASCII_JOINED = re.compile(  # dL/dydy/ds, dL/dh1dh1/dz1: two derivatives typed with nothing between them
    r"(?<![A-Za-z\\])(d[A-Za-z]\w*/d[A-Za-z]\w*?)(?=d[A-Za-z]\w*/d[A-Za-z])")


def _derivatives(text: str) -> str:
    def frac(match: re.Match[str]) -> str:
        return "\\frac{\\partial " + _identifiers(match.group(1)) + "}{\\partial " + _identifiers(match.group(2)) + "}"

    text = _PARTIAL_OF_CALL.sub(lambda m: "\\frac{\\partial " + m.group(1) + "}{\\partial " + m.group(2) + "}", text)
    text = _PARTIAL.sub(frac, text)
    text = _ASCII_JOINED.sub(lambda m: m.group(1) + " * ", text)
    return _ASCII_PARTIAL.sub(frac, text)


_IDENTIFIER = re.compile(r"(?<![\\A-Za-z{_])([A-Za-z]+)(\d+)?((?:_[A-Za-z0-9]+)*)(?![A-Za-z(])")


def _identifiers(text: str) -> str:
    """ASCII names: ``w12`` -> w_{12}, ``a2_1`` -> a^{(2)}_{1}, ``eta`` -> \\eta, ``dw12`` -> dL/dw_{12}, ``lr``."""
    def name(match: re.Match[str]) -> str:
        letters, digits, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if letters in ("e", "T") and not digits and not rest:
            return letters
        if function_op(letters + rest) is not None and not digits:
            return "\\text{" + letters + rest + "}"
        if function_op(letters) is not None and not digits and not rest:
            return "\\text{" + letters + "}"
        if not digits and not rest and re.fullmatch(r"[WVU][a-z]|[a-z][WVU]", letters):
            return letters[0] + " " + letters[1]  # Wx, Vh, xW: a weight matrix and a vector, multiplied
        update = ""
        if rest.endswith(("_new", "_old")):
            update = "^{" + rest[-3:] + "}"
            rest = rest[:-4]
        if letters in GREEK_WORDS:
            base = "\\" + letters + " "
        elif letters == "lr":
            base = "\\eta "
        elif len(letters) > 1 and letters.startswith("d") and (len(letters) == 2 or letters[1:] in ("net",)):
            inner = _identifiers(letters[1:] + digits + rest)
            return "\\frac{\\partial L}{\\partial " + inner.strip() + "}"
        elif len(letters) > 1:
            base = "\\var{" + letters + "}"
        else:
            base = letters
        parts = [p for p in rest.split("_") if p]
        if digits and parts:  # a2_1: layer 2, unit 1
            return base + "^{(" + digits + ")}_{" + "".join(parts) + "}" + update
        if digits:
            return base + "_{" + digits + "}" + update
        if parts:
            return base + "_{" + "".join(parts) + "}" + update
        return base + update

    named: dict[str, str] = {}  # a name's reading is its text's (a long line repeats its names: read each once)

    def remembered(match: re.Match[str]) -> str:
        found = named.get(match.group())
        if found is None:
            found = named[match.group()] = name(match)
        return found

    return _IDENTIFIER.sub(remembered, text)


def _exponents(text: str) -> str:
    """``^(...)`` as ``^{...}`` unless it is a layer label ``^(2)``; ``^-1`` as ``^{-1}``."""
    if "^(" not in text and "^-" not in text:  # nothing to rewrite
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("^(", i):
            depth, j = 0, i + 1
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = text[i + 2:j]
            if re.fullmatch(r"\d+", inner) or j >= n:
                out.append(text[i:j + 1])
            else:
                out.append("^{" + inner + "}")
            i = j + 1
            continue
        if text.startswith("^-", i):
            match = re.match(r"\^-(\d+(?:\.\d+)?|[A-Za-z])", text[i:])
            if match:
                out.append("^{-" + match.group(1) + "}")
                i += match.end()
                continue
        out.append(text[i])
        i += 1
    return "".join(out)
