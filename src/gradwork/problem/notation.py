"""How every quantity of a solved problem is written: one symbol per quantity, as data (docs/explain.md).

The problem's own ``names:`` come first; every other quantity gets the course
convention (network form: x, t, z⁽ˡ⁾, a⁽ˡ⁾, W⁽ˡ⁾ or w⁽ˡ⁾, b⁽ˡ⁾, p, L; graph
form: the node names as written), re-lettered where it would print like a
symbol that already means something else. Target and output never share a
letter; the loss has one name.

    from gradwork.problem.notation import notation
    written = notation(solution)
    written.quantity("gradients.hidden.W[0,1]").text()    # '∂J/∂w₃' (Unicode)
    written.quantity("updated.output.b").plain()          # "b3'" (ASCII)
    written.symbol("hidden.z", (0,)).text()               # 'z₁'

This layer holds no LaTeX: a :class:`Symbol` is data with a Unicode form
(:meth:`Symbol.text`) and an ASCII form (:meth:`Symbol.plain`); explain's
renderers print it as LaTeX. ``names:`` values may be written plainly (``w1``,
``net_h1``, ``E_total``), in Unicode (``w₁``, ``ŷ``, ``δ₃``) or as LaTeX
(``v_{11}``, ``\\hat{y}``, ``w^{(1)}_{12}``): :func:`parse_name` reads all three.

Indices are visually distinct: a layer is raised in parentheses (W⁽¹⁾), a unit
is a subscript (z₁, w⁽¹⁾₁₂), a graph name's element is a 0-based bracket (x[0]),
and an optimizer step is a bracket in network form (v[2]), where brackets mean
nothing else, and raised in graph form (v⁽²⁾), where nothing else is raised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from gradwork.nn.activations import is_identity
from gradwork.problem.quantities import Quantity, QuantityError

__all__ = ["GREEK", "NameError_", "Notation", "Symbol", "Written", "notation", "parse_name", "subscript",
           "superscript"]

# ---------------------------------------------------------------- characters

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "nabla": "∇", "partial": "∂", "ell": "ℓ",
}
GREEK_NAMES = {char: name for name, char in GREEK.items() if name not in ("varepsilon", "varphi")}

SUPERSCRIPTS = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"))
SUBSCRIPTS = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
FROM_SUPERSCRIPT = {v: k for k, v in SUPERSCRIPTS.items() if k != "−"}
FROM_SUBSCRIPT = {v: k for k, v in SUBSCRIPTS.items() if k != "−"}

# Accents a name may carry: LaTeX command name -> the Unicode combining mark.
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
_ACCENT_OF_MARK = {mark: name for name, mark in ACCENTS.items()}
_ACCENT_OF_MARK["\u0305"] = "bar"  # an overline reads as a bar too


def superscript(text: str) -> str | None:
    """``text`` in Unicode superscripts, or None where a character has none."""
    if not text or any(c not in SUPERSCRIPTS for c in text):
        return None
    return "".join(SUPERSCRIPTS[c] for c in text)


def subscript(text: str) -> str | None:
    """``text`` in Unicode subscripts, or None where a character has none."""
    if not text or any(c not in SUBSCRIPTS for c in text):
        return None
    return "".join(SUBSCRIPTS[c] for c in text)


# ---------------------------------------------------------------- one symbol


@dataclass(frozen=True)
class Symbol:
    """A named quantity: ``base`` with its own subscript and accent, a layer, an element index, a step.

    ``index`` holds 0-based positions (ints) or generic index letters ("j", "k");
    ``one_based`` prints positions counting from 1 as subscripts (network form:
    w⁽¹⁾₁₂) or as written in brackets (graph form: x[0]). ``sub`` is part of the
    name itself (``w1`` is base "w", sub "1"; ``net_h1`` base "net", sub "h1").
    ``of`` is the parameter a velocity or moment belongs to (v of W⁽¹⁾), ``step``
    an optimizer step (``step_raised``: written ⁽ᵗ⁾, else [t]).
    """

    base: str
    layer: str | None = None
    index: tuple[int | str, ...] = ()
    one_based: bool = True
    updated: bool = False
    # The problem's own names for single elements (``names: {hidden.W[0,0]: w1}``): index -> symbol.
    elements: tuple[tuple[tuple[int, ...], Symbol], ...] = ()
    sub: str = ""
    accent: str = ""
    of: Symbol | None = None
    step: int | str | None = None
    step_raised: bool = False

    # ------------------------------------------------------------ forms
    def text(self) -> str:
        """Unicode, as a terminal shows it: ``w⁽¹⁾₁₂``, ``w₅′``, ``ŷ``, ``netₕ₁``, ``x[0]``, ``v_(W⁽¹⁾)[2]``."""
        out = base_text(self.base, self.accent)
        # a short subscript is lowered (w₅, netₕ₁); a word stays readable as typed (E_total, not Eₜₒₜₐₗ)
        short = len(self.sub) <= 2 or self.sub.isdigit()
        own = ((subscript(self.sub) if short else None) or f"_{self.sub}") if self.sub else ""
        if self.of is not None:
            inner = self.of.text()
            own += subscript(inner) or f"_({inner})"
        if self.layer is None:
            out += own
        if self.updated:
            out += "′"
        if self.layer is not None:  # w⁽¹⁾₁₂: the layer first, then the name's own subscript
            out += ((superscript(f"({self.layer})") if len(self.layer) <= 3 else None) or f"^({self.layer})") + own
        labels = self.index_labels()
        if labels and not self.one_based:
            out += "[" + ",".join(labels) + "]"
        elif labels:
            joined = join_indices(labels)
            out += subscript(joined) or f"_({joined})"
        if self.step is not None:
            out += (superscript(f"({self.step})") if self.step_raised else None) or f"[{self.step}]"
        return out

    def plain(self) -> str:
        """ASCII, as typed: ``w^(1)_12``, ``w5'``, ``y_hat``, ``net_h1``, ``x[0]``, ``v_(W^(1))[2]``."""
        base = GREEK_NAMES.get(self.base, self.base)
        base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode() or base
        out = base + (f"_{self.accent}" if self.accent else "")
        own = ""
        if self.sub:
            joined = self.sub.isdigit() and base.isalpha() and not self.accent and self.layer is None
            own = self.sub if joined else f"_{self.sub}"
        if self.of is not None:
            own += f"_({self.of.plain()})"
        if self.layer is None:
            out += own
        if self.updated:
            out += "'"
        if self.layer is not None:
            out += f"^({self.layer})" + own
        labels = self.index_labels()
        if labels and not self.one_based:
            out += "[" + ",".join(labels) + "]"
        elif labels:
            out += "_" + join_indices(labels)
        if self.step is not None:
            out += f"[{self.step}]"
        return out

    def index_labels(self) -> list[str]:
        """The indices as printed: 1-based for network symbols, as stored for graph names."""
        shift = 1 if self.one_based else 0
        return [str(i + shift) if isinstance(i, int) else str(i) for i in self.index]

    def __str__(self) -> str:
        return self.text()

    # ------------------------------------------------------------ derived symbols
    def element(self, index: tuple[int | str, ...]) -> Symbol:
        """One entry: the problem's own name for it, else the symbol with the index (a matrix W's entries are w)."""
        for position, named in self.elements:
            if tuple(position) == tuple(index):
                return replace(named, updated=self.updated, step=self.step, step_raised=self.step_raised)
        if not index:
            return self
        base = self.base.lower() if self.one_based and self.base == "W" else self.base
        return replace(self, base=base, index=tuple(index), elements=())

    def at_step(self, step: int | str | None, raised: bool | None = None) -> Symbol:
        return replace(self, step=step, step_raised=self.step_raised if raised is None else raised)

    @property
    def letter(self) -> str:
        """The letter a reader tells symbols apart by (case-insensitive for W and its entries w)."""
        return self.base.lower()


def base_text(base: str, accent: str = "") -> str:
    """A base name in Unicode: Greek names as letters, trailing digits as a subscript (w6: w₆), an accent as
    its combining mark over the last letter."""
    text = GREEK.get(base, base)
    match = _PLAIN.match(text)
    if match and match.group("digits"):
        text = GREEK.get(match.group("base"), match.group("base")) + (subscript(match.group("digits")) or
                                                                      match.group("digits"))
    if accent:
        text += ACCENTS.get(accent, "")
        text = unicodedata.normalize("NFC", text)
    return text


def join_indices(labels: list[str]) -> str:
    """w_12 when every index is one character, w_10,2 otherwise."""
    return "".join(labels) if all(len(label) == 1 for label in labels) else ",".join(labels)


# ---------------------------------------------------------------- reading names: plain, Unicode or LaTeX


class NameError_(ValueError):  # noqa: N801 (NameError is a builtin)
    """A ``names:`` value that is not a symbol; the message says what was expected."""


EXPECTED_NAME = r"a symbol such as w1, w_{11}, \hat{y}, ŷ, net_h1 or δ₃"
_LATEX_WORD = re.compile(r"\\(?:mathrm|text|operatorname|mathit)\s*\{([^{}]*)\}")
_LATEX_ACCENT = re.compile(r"^\\(hat|bar|tilde|dot|ddot|vec|overline|widehat)\s*(?:\{([^{}]*)\}|(\\?[A-Za-z]))")
_LATEX_GREEK = re.compile(r"\\([A-Za-z]+)")
_PLAIN = re.compile(r"^(?P<base>[^\W\d_]+?)(?P<digits>\d*)$")
_LAYERED = re.compile(r"^([A-Za-z]+)(\d+)$")


@lru_cache(maxsize=4096)  # a pure reading of the text into a frozen Symbol; every load reads its names
def parse_name(text: str) -> Symbol:
    """A ``names:`` value as a :class:`Symbol`; raise :class:`NameError_` for anything else.

    ``w1`` → w₁; ``net_h1`` → net with subscript h1; ``E_total``; ``v_{11}``;
    ``\\hat{y}`` and ``ŷ`` → y with a hat; ``\\delta_3`` and ``δ₃``;
    ``w^{(1)}_{12}`` → w⁽¹⁾₁₂ (a layer and a subscript).
    """
    original = text
    text = text.strip()
    if text.startswith("$") and text.endswith("$") and len(text) > 1:
        text = text.strip("$").strip()
    if not text:
        raise NameError_(f"{original!r} is empty (expected {EXPECTED_NAME})")
    text = _LATEX_WORD.sub(lambda m: m.group(1), text)
    accent = ""
    found = _LATEX_ACCENT.match(text)
    if found:
        accent = {"overline": "bar", "widehat": "hat"}.get(found.group(1), found.group(1))
        inner = found.group(2) if found.group(2) is not None else found.group(3)
        text = inner + text[found.end():]
    text = _LATEX_GREEK.sub(lambda m: GREEK.get(m.group(1), "\\" + m.group(1)), text)
    if "\\" in text:
        raise NameError_(f"{original!r} has LaTeX that is not a name (expected {EXPECTED_NAME})")
    text = "".join(FROM_SUBSCRIPT.get(c, c) if c in FROM_SUBSCRIPT else c for c in text) if \
        not any(c in FROM_SUPERSCRIPT for c in text) else _raised_back(text)
    # Unicode accents: ŷ is y + a combining circumflex once decomposed.
    decomposed = unicodedata.normalize("NFD", text)
    marks = [c for c in decomposed if unicodedata.combining(c)]
    if marks:
        if accent or len(marks) > 1 or marks[0] not in _ACCENT_OF_MARK:
            raise NameError_(f"{original!r} has marks gradwork cannot print (expected {EXPECTED_NAME})")
        accent = _ACCENT_OF_MARK[marks[0]]
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    layer = None
    raised = re.search(r"\^\s*\{?\s*\(([^()]*)\)\s*\}?", text)
    if raised:
        layer = raised.group(1).strip()
        text = text[:raised.start()] + text[raised.end():]
    base, _, sub = text.partition("_")
    sub = sub.strip()
    if sub.startswith("{") and sub.endswith("}"):
        sub = sub[1:-1].strip()
    base = base.strip()
    if not sub:
        match = _PLAIN.match(base)
        if match is None:
            raise NameError_(f"{original!r} is not a name (expected {EXPECTED_NAME})")
        base, sub = match.group("base"), match.group("digits")
    if not re.fullmatch(r"[^\W\d_]+", base) or not re.fullmatch(r"[\w,]*", sub) or "_" in sub or \
            (layer is not None and not re.fullmatch(r"[\w+\-−]+", layer)):
        raise NameError_(f"{original!r} is not a name (expected {EXPECTED_NAME})")
    return Symbol(base, layer, sub=sub, accent=accent)


def _raised_back(text: str) -> str:
    """``w⁽¹⁾₁₂`` as ``w^{(1)}_{12}``: Unicode super- and subscripts back to scripts."""
    out, mode = [], ""
    for char in text:
        kind = "^" if char in FROM_SUPERSCRIPT else "_" if char in FROM_SUBSCRIPT else ""
        if kind != mode:
            if mode:
                out.append("}")
            if kind:
                out.append(kind + "{")
            mode = kind
        out.append(FROM_SUPERSCRIPT.get(char, FROM_SUBSCRIPT.get(char, char)) if kind else char)
    if mode:
        out.append("}")
    return "".join(out)


# ---------------------------------------------------------------- a quantity as written


@dataclass(frozen=True)
class Written:
    """A quantity key as the document writes it: a value (z₁), a gradient (∂J/∂w₃) or an updated value (w₃′)."""

    section: Literal["loss", "values", "gradients", "updated"]
    symbol: Symbol
    loss: Symbol

    def text(self) -> str:
        """Unicode: ``z₁``, ``∂J/∂w₃``, ``w₃′``, ``J``."""
        if self.section == "gradients":
            return f"∂{self.loss.text()}/∂{self.symbol.text()}"
        return self.symbol.text()

    def plain(self) -> str:
        """ASCII: ``z1``, ``dJ/dw3``, ``w3'``, ``J``."""
        if self.section == "gradients":
            return f"d{self.loss.plain()}/d{self.symbol.plain()}"
        return self.symbol.plain()

    def __str__(self) -> str:
        return self.text()


# ---------------------------------------------------------------- the table for one solved problem

# Other letters for a convention symbol whose own would print like a symbol that means something else.
_ALTERNATIVES = {"x": "xiu", "t": "tyd", "z": "zsu", "a": "aho", "W": "WVU", "w": "wvu", "b": "bcd", "L": "LEJC",
                 "p": "pqπ"}
# Letters the derivation's rules use for their own things (rates, moments, deltas, dummies).
RESERVED = frozenset("ηαβεμδσΣ")
LEARNING_RATE = Symbol("η")


@dataclass
class Notation:
    """Every node's symbol for one solved problem, with the loss's, and derived forms.

    ``symbols`` maps node names (``hidden.W``, ``target``, ``loss``, graph node
    names) to their :class:`Symbol`; :meth:`symbol` adds elements and
    :meth:`quantity` names a quantity key.
    """

    symbols: dict[str, Symbol]
    form: Literal["network", "graph"] = "network"
    named: frozenset[str] = field(default_factory=frozenset)  # nodes whose symbol the problem gives
    # text()/plain() results by key (a speed memo: the symbols are not changed after the notation is made)
    _written: dict[tuple[str, Any], str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def loss(self) -> Symbol:
        return self.symbols.get("loss", Symbol("L"))

    @property
    def learning_rate(self) -> Symbol:
        """The learning rate's symbol, η in every problem (a reserved letter: no quantity is given it)."""
        return LEARNING_RATE

    def symbol(self, name: str, index: tuple[int, ...] | None = None) -> Symbol:
        """Node ``name``'s symbol, or its element's (0-based ``index``); an unknown node is written as its name."""
        whole = self.symbols.get(name)
        if whole is None:
            whole = Symbol(name, one_based=False)
        return whole.element(tuple(index)) if index else whole

    def quantity(self, key: str | Quantity) -> Written:
        """A quantity (``values.hidden.z[0]``, ``gradients.output.W``, ``updated.hidden.b``, ``loss``) as written."""
        quantity = Quantity.parse(key) if isinstance(key, str) else key
        if quantity.section == "loss":
            return Written("loss", self.loss, self.loss)
        symbol = self.symbol(quantity.name or "", quantity.index)
        if quantity.section == "updated":
            symbol = replace(symbol, updated=True)
        return Written(quantity.section, symbol, self.loss)

    def text(self, key: str | Quantity) -> str:
        """:meth:`quantity`'s Unicode form; a key that is not a quantity comes back as it is."""
        found = self._written.get(("text", key))  # check's feedback names the same keys for every student
        if found is None:
            try:
                found = self.quantity(key).text()
            except QuantityError:
                found = str(key)
            self._written[("text", key)] = found
        return found

    def plain(self, key: str | Quantity) -> str:
        found = self._written.get(("plain", key))
        if found is None:
            try:
                found = self.quantity(key).plain()
            except QuantityError:
                found = str(key)
            self._written[("plain", key)] = found
        return found

    def at_step(self, symbol: Symbol, step: int | str | None) -> Symbol:
        """``symbol`` at an optimizer step, written so that the step reads apart from layers and elements."""
        return symbol.at_step(step, raised=self.form == "graph")

    def taken(self) -> set[str]:
        """Every letter a symbol of this document uses (bases, with W's entries as w)."""
        letters: set[str] = set()
        for symbol in self.symbols.values():
            letters.add(base_text(symbol.base))
            letters.update(base_text(named.base) for _, named in symbol.elements)
        return letters

    def fresh(self, preferred: str, also_avoid: str = "") -> str:
        """The first of ``preferred``'s letters that no symbol here uses (a dummy variable, a new quantity)."""
        used = self.taken() | set(also_avoid) | set(RESERVED)
        for letter in preferred:
            if letter not in used and letter.lower() not in used:
                return letter
        return preferred[0] + "′"


def notation(solution: Any) -> Notation:
    """The notation of a solved problem (computed once per solution)."""
    cached = getattr(solution, "__dict__", {}).get("_notation")
    if isinstance(cached, Notation):
        return cached
    table = _with_names(_convention(solution), solution)
    named = frozenset(ref.name for ref in getattr(solution, "names", {}) or {})
    symbols = _resolve(table, named, solution)
    if len(_WRITTEN) >= 256:  # (notations of the same symbols, as every variant of a template's, share a memo)
        _WRITTEN.clear()
    written = _WRITTEN.setdefault((tuple(symbols.items()), solution.form, named), {})
    result = Notation(symbols, solution.form, named, written)
    try:
        solution.__dict__["_notation"] = result
    except AttributeError:
        pass
    return result


def _convention(solution: Any) -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {"loss": Symbol("L")}
    if solution.form == "network":
        symbols["input"] = Symbol("x")
        symbols["target"] = Symbol("t")
        for number, layer in enumerate(solution.layers, start=1):
            tag = str(number)
            symbols[layer.z] = Symbol("z", tag)
            # the identity's output is z itself: one quantity, one symbol
            identity = solution.nodes.get(layer.a) is solution.nodes.get(layer.z) or is_identity(layer.activation)
            symbols[layer.a] = Symbol("z" if identity else "a", tag)
            symbols[layer.weight] = Symbol("w" if layer.flat_weights else "W", tag)
            if layer.bias:
                symbols[layer.bias] = Symbol("b", tag)
        for name in solution.nodes:
            if name.endswith(".p"):
                symbols[name] = Symbol("p")  # softmax's probabilities inside cross-entropy
        return symbols
    for name, tensor in solution.nodes.items():
        if name != "loss":
            symbols[name] = _graph_name(name)
        if tensor is solution.loss:
            symbols["loss"] = _graph_name(name)  # the graph's own name for its output
    if solution.target is not None:
        symbols.setdefault("target", Symbol("t", one_based=False))
    return symbols


def _graph_name(name: str) -> Symbol:
    """A graph node's name as written (its trailing digits print as a subscript: h1 → h₁)."""
    return Symbol(name, one_based=False)


def _with_names(symbols: dict[str, Symbol], solution: Any) -> dict[str, Symbol]:
    names = getattr(solution, "names", None)
    if not names:
        return symbols
    elements: dict[str, list[tuple[tuple[int, ...], Symbol]]] = {}
    for ref, name in names.items():
        if ref.index is not None:
            elements.setdefault(ref.name, []).append((tuple(ref.index), _element_name(name)))
    out = dict(symbols)
    for node in list(symbols) + [ref.name for ref in names if ref.name not in symbols]:
        default = symbols.get(node)
        whole = names.symbol(node)
        if whole is None and default is None:
            continue
        if whole is not None:
            symbol = _named(whole, node, solution, default.one_based if default else True)
        else:
            assert default is not None
            symbol = default
        if node in elements:
            symbol = replace(symbol, elements=tuple(elements[node]))
        out[node] = symbol
    return out


def _element_name(name: str) -> Symbol:
    try:
        return parse_name(name)
    except NameError_:
        return Symbol(name)


def _named(name: str, node: str, solution: Any, one_based: bool) -> Symbol:
    """A name as the problem writes it. A vector or matrix named with a trailing number (W1, net1)
    is that layer's: W⁽¹⁾, whose entries read w⁽¹⁾₁₂; a scalar keeps the number as a subscript (w6: w₆)."""
    tensor = solution.target if node == "target" else solution.nodes.get(node)
    match = _LAYERED.match(name.strip())
    if match and tensor is not None and one_based and (getattr(tensor, "size", 1) > 1 or
                                                        match.group(2) == _layer_number(solution, node) and
                                                        _layered_sibling(solution, match.group(1), node)):
        return Symbol(match.group(1), match.group(2), (), one_based)
    try:
        return replace(parse_name(name), one_based=one_based)
    except NameError_:
        return Symbol(name, one_based=one_based)


def _layered_sibling(solution: Any, letters: str, node: str) -> bool:
    """Whether another node's name has the same letters and is a layer's vector (net1 beside net2)."""
    names = getattr(solution, "names", None) or {}
    for ref, name in names.items():
        match = _LAYERED.match(name.strip())
        other = solution.nodes.get(ref.name)
        if ref.index is None and ref.name != node and match and match.group(1) == letters and \
                other is not None and getattr(other, "size", 1) > 1:
            return True
    return False


def _layer_number(solution: Any, node: str) -> str | None:
    """The number of the layer a network node belongs to (net2 names layer 2's z: net⁽²⁾, as net1 is net⁽¹⁾)."""
    for number, layer in enumerate(getattr(solution, "layers", []) or [], start=1):
        if node in (layer.z, layer.a, layer.weight, layer.bias):
            return str(number)
    return None


def _resolve(symbols: dict[str, Symbol], named: frozenset[str], solution: Any) -> dict[str, Symbol]:
    """Re-letter convention symbols that would print like another quantity's symbol, and keep the
    target's letter apart from the output's."""
    out = dict(symbols)
    output = _output_name(solution)
    same = {("loss", name) for name, tensor in solution.nodes.items()  # a graph's loss is one of its nodes
            if name != "loss" and tensor is solution.loss}
    same |= {(layer.a, layer.z) for layer in getattr(solution, "layers", []) or []  # the identity's a is z
             if solution.nodes.get(layer.a) is solution.nodes.get(layer.z) or is_identity(layer.activation)}
    same |= {(b, a) for a, b in same}
    # What follows depends only on these (the same for every variant of a template): worked out once for them.
    key = (tuple(symbols.items()), named, output, frozenset(same))
    found = _RESOLVED.get(key)
    if found is None:
        if len(_RESOLVED) >= 256:
            _RESOLVED.clear()
        found = _RESOLVED[key] = _relettered(out, named, output, same)
    return dict(found)


_RESOLVED: dict[Any, dict[str, Symbol]] = {}
_WRITTEN: dict[Any, dict[tuple[str, Any], str]] = {}  # Notation._written, by symbols, form and named


def _relettered(out: dict[str, Symbol], named: frozenset[str], output: str | None,
                same: set[tuple[str, str]]) -> dict[str, Symbol]:
    """_resolve's re-lettering of ``out`` (in place; returned)."""

    def printed(node: str) -> set[str]:
        symbol = out[node]
        forms = {symbol.text()}
        forms.update(named_symbol.text() for _, named_symbol in symbol.elements)
        return forms

    for node in list(out):
        if node in named:
            continue
        others = set().union(*(printed(other) for other in out if other != node and (node, other) not in same)) \
            if len(out) > 1 else set()
        clash = out[node].text() in others
        partner = {"target": output, output: "target"}.get(node) if output is not None else None
        if partner is not None and partner in out:
            clash = clash or _letters(out[partner]) & _letters(out[node]) != set()
        if not clash:
            continue
        symbol = out[node]
        for letter in _ALTERNATIVES.get(symbol.base, symbol.base)[1:]:
            candidate = replace(symbol, base=letter)
            if candidate.text() not in others and not (partner is not None and partner in out and
                                                       _letters(out[partner]) & _letters(candidate)):
                out[node] = candidate
                break
    return out


def _letters(symbol: Symbol) -> set[str]:
    letters = {symbol.letter}
    letters.update(named.letter for _, named in symbol.elements)
    return letters


def _output_name(solution: Any) -> str | None:
    if solution.form == "network" and solution.layers:
        return str(solution.layers[-1].a)
    for name, tensor in solution.nodes.items():
        if tensor is solution.output:
            return str(name)
    return None
