"""What every renderer shares: dispatch by class, declared settings, one precedence table.

Printers turn a formula (:mod:`gradwork.explain.math`) into a string in one
notation; renderers turn a whole derivation (:mod:`gradwork.explain.steps`)
into a document. Both follow SymPy's printer design:

* a method ``_print_<Class>`` (printers) or ``_render_<Class>`` (renderers) per
  type, found by walking the object's MRO, with a fallback that names what is
  missing instead of printing something wrong;
* settings declared once per class (default, check, what is expected) and
  validated when the printer is made;
* one precedence table (:data:`PRECEDENCE`) decides every bracket.

Numbers and names are formatted in :mod:`.notation` and brackets decided by
:mod:`.precedence`, so text, LaTeX, HTML and JSON agree.
"""

from __future__ import annotations

import numbers
import re
from functools import cached_property
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, ClassVar
from collections.abc import Callable

import numpy as np

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.ops import get_op as registry_get_op
from gradwork.ops.registry import generation
from gradwork.explain.render.notation import Numeral, is_sympy, number_precedence, numeral
from gradwork.explain.render.precedence import (
    MINUS_SIGNS, PREC_ATOM, PREC_NEG, PREC_POSTFIX, PREC_POWER, PREC_PRODUCT, PREC_QUOTIENT, PREC_RELATION,
    PREC_SUM, PRECEDENCE,
)

# ---------------------------------------------------------------- settings and dispatch


@dataclass(frozen=True)
class Setting:
    default: Any
    check: Callable[[Any], bool]
    expected: str


def _is_digits(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 17


DIGITS = Setting(4, _is_digits, "an integer number of significant figures from 1 to 17")
FLAG = Setting(False, lambda v: isinstance(v, bool), "True or False")


class UnsupportedError(TypeError):
    """A printer or renderer met a type it has no method for."""


_DISPATCH: dict[tuple[type, type], str] = {}  # (dispatcher class, object class) -> method name ("" for none)


class Dispatcher:
    """Settings and MRO dispatch, shared by printers and renderers."""

    settings_spec: ClassVar[dict[str, Setting]] = {}
    method_prefix: ClassVar[str] = "_print_"

    def __init__(self, **settings: Any) -> None:
        spec = self.all_settings()
        unknown = sorted(set(settings) - set(spec))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no setting {unknown[0]!r} "
                            f"(settings: {', '.join(sorted(spec))})")
        self.settings: dict[str, Any] = {name: s.default for name, s in spec.items()}
        for name, value in settings.items():
            if not spec[name].check(value):
                raise ValueError(f"{type(self).__name__} setting {name}={value!r} (expected {spec[name].expected})")
            self.settings[name] = value

    @classmethod
    def all_settings(cls) -> dict[str, Setting]:
        merged: dict[str, Setting] = {}
        for klass in reversed(cls.__mro__):
            merged.update(getattr(klass, "settings_spec", {}))
        return merged

    def dispatch(self, obj: Any, *args: Any) -> Any:
        key = (type(self), type(obj))
        name = _DISPATCH.get(key)
        if name is None:  # the first class on obj's MRO this dispatcher's class has a method for, found once
            name = _DISPATCH[key] = next((f"{self.method_prefix}{klass.__name__}" for klass in type(obj).__mro__
                                          if getattr(type(self), f"{self.method_prefix}{klass.__name__}", None)
                                          is not None), "")
        if name:
            return getattr(self, name)(obj, *args)
        return self.fallback(obj)

    def fallback(self, obj: Any) -> Any:
        known = sorted(name[len(self.method_prefix):] for name in dir(self) if name.startswith(self.method_prefix))
        raise UnsupportedError(f"{type(self).__name__} has no {self.method_prefix}{type(obj).__name__} method "
                               f"(it handles: {', '.join(known)})")

    def handles(self, cls: type) -> bool:
        return any(hasattr(self, f"{self.method_prefix}{k.__name__}") for k in cls.__mro__)


# ---------------------------------------------------------------- op templates

_PLACEHOLDER = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_MULTIPLY_AFTER = re.compile(  # what, right after a value, multiplies it: an operator, a bracket, a name, a command
    r"^(\*|·|@|\\cdot|\\odot|\\times|\\,|\$|\(|[A-Za-z0-9]|\\(?!right|end|ge|le|ne|approx|quad|text|\\))")
_FUNCTION_BEFORE = re.compile(r"(\\(ln|log|exp|sum|max|min|sin|cos|tanh)|\b(ln|log|max|min|sum|exp))$")


def template_pieces(template: str) -> list[tuple[str, str | None]]:
    """Split a registry template into (literal, None) and ("", placeholder name) pieces."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            pieces.append((template[position:match.start()], None))
        pieces.append(("", match.group(1) or match.group(2)))
        position = match.end()
    if position < len(template):
        pieces.append((template[position:], None))
    return pieces


def required_precedence(before: str, after: str) -> int:
    """The precedence a value needs to stand between ``before`` and ``after`` in a template unbracketed.

    ``before``/``after`` are the raw template text on either side (other
    placeholders appear as ``$name``).
    """
    b, a = before.rstrip(), after.lstrip()
    closing_power = a.startswith("}") and a[1:].lstrip().startswith("^") and b.endswith("{")
    if a.startswith(("^", "**", "[", ".T", "_", "'")) or closing_power or b.endswith(("^", "**")):
        return PREC_ATOM
    opened = b == "" or b.endswith(("(", "{", "[", ",", "|", "&"))
    closed = a == "" or a.startswith((")", "}", "]", ",", "|", "&", "\\right", "\\\\", "\\end"))
    if opened and closed:
        return 0
    if b.endswith("/"):
        return PREC_POWER
    if b.endswith(MINUS_SIGNS) or a.startswith("/"):
        return PREC_PRODUCT
    if b.endswith("+"):
        return PREC_NEG + 1  # 4 + (−3): a sign after a plus is bracketed
    if _FUNCTION_BEFORE.search(b):
        return PREC_POWER
    juxtaposed_before = bool(b) and (b[-1].isalnum() or b[-1] in ")}*·@" or b.endswith(("\\cdot", "\\odot", "\\,")))
    if juxtaposed_before and not opened or _MULTIPLY_AFTER.match(a):
        return PREC_PRODUCT
    return PREC_SUM


def template_precedence(template: str) -> int:
    """How tightly a whole template binds, read from its top-level operators."""
    t = template.strip()
    if _PLACEHOLDER.fullmatch(t):
        return -1  # the binding's own precedence
    flat = _PLACEHOLDER.sub("X", t)
    flat = re.sub(r"\\begin\{(\w+)\}.*?\\end\{\1\}", "X", flat)
    depth, top = 0, []
    for char in flat:
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif depth == 0:
            top.append(char)
    s = "".join(top).replace("\\left", "").replace("\\right", "")
    if re.search(r"(?<![<>=!])=(?!=)|\\approx|\\leftarrow|≈|←", s):
        return PREC_RELATION
    if re.search(r"\S\s*[-+−]\s*\S", s):
        return PREC_SUM
    if s.startswith(MINUS_SIGNS):
        return PREC_NEG
    if "/" in s:
        return PREC_QUOTIENT
    if re.search(r"\*|@|·|\\cdot|\\odot|\\times|\\,|\s", s):
        return PREC_PRODUCT
    if "^" in s:
        return PREC_POWER
    return PREC_ATOM


def get_op(name: str) -> Any:
    return registry_get_op(name)  # the registry is data the printers read


def template_source(expr: m.OpTemplate, latex: bool) -> tuple[str, int | None]:
    """The registry template an OpTemplate refers to, for LaTeX or text, and its declared precedence."""
    op = get_op(expr.op)
    part = expr.part
    if part == "notation":
        return (op.notation.latex if latex else op.notation.text), op.notation.precedence
    if part == "partial":
        partial = op.partial(expr.position)
        return (partial.latex if latex else partial.text), None
    if part == "term":
        if op.term is None:
            raise UnsupportedError(f"op {op.name!r} has no per-output term to print")
        return (op.term.latex if latex else op.term.text), op.term.precedence
    if part in ("element_diagonal", "element_off_diagonal"):
        if op.element_partials is None:
            raise UnsupportedError(f"op {op.name!r} has no per-element derivatives to print")
        notation = op.element_partials[0 if part == "element_diagonal" else 1]
        return (notation.latex if latex else notation.text), notation.precedence
    if part == "definition":
        template = op.definition_latex if latex else (op.definition_text or op.notation.text)
        if any(name == "x" for name, _ in expr.bindings):  # stated in the page's own variable, not x
            template = re.sub(r"(?<![A-Za-z\\$])x(?![A-Za-z])", "$x", template)
        return template, None
    raise UnsupportedError(f"OpTemplate part {part!r} is not one the printers know")


# ---------------------------------------------------------------- the printer base


class Printer(Dispatcher):
    """Prints a formula as a string; subclasses give the notation (text, LaTeX)."""

    settings_spec: ClassVar[dict[str, Setting]] = {"digits": DIGITS}
    method_prefix: ClassVar[str] = "_print_"
    latex: ClassVar[bool] = False
    fraction_is_atom: ClassVar[bool] = False
    quotient_is_atom: ClassVar[bool] = False

    _inside = False  # printing a formula's parts (only a whole formula is looked up in _FORMULAS)

    def doprint(self, expr: Any) -> str:
        return self.print(expr)

    def print(self, expr: Any, required: int = 0) -> str:
        """``expr`` printed, bracketed if it binds less tightly than ``required``.

        A formula without numbers prints the same under the same printer class, settings and op registry: a whole
        one is printed once and read back after (every variant of a template writes the same rules)."""
        if self._inside:
            return self._printed(expr, required)
        structure = formula_key(expr)
        if structure is NOT_A_KEY:
            return self._whole(expr, required)
        key = (type(self), self._settings_key, generation(), structure, required)
        text = _FORMULAS.get(key)
        if text is None:
            text = self._whole(expr, required)
            if len(_FORMULAS) >= MAX_FORMULAS:
                _FORMULAS.clear()
            _FORMULAS[key] = text
        return text

    @cached_property
    def _settings_key(self) -> tuple[Any, ...]:
        return tuple(self.settings.items())  # (settings are fixed when the printer is made)

    def _whole(self, expr: Any, required: int) -> str:
        self._inside = True
        try:
            return self._printed(expr, required)
        finally:
            self._inside = False

    def _printed(self, expr: Any, required: int) -> str:
        expr = as_expr(expr)
        text = self.dispatch(expr)
        if not required:  # nothing binds less tightly than a relation: no bracket to decide
            return text
        if self.precedence(expr) < required or (required >= PREC_PRODUCT and text.startswith(MINUS_SIGNS)):
            return self.bracket(text)
        return text

    def bracket(self, text: str) -> str:
        return f"({text})"

    def precedence(self, expr: Any) -> int:
        expr = as_expr(expr)
        if isinstance(expr, m.Number):
            if isinstance(expr.value, (list, tuple)) or hasattr(expr.value, "ndim") and expr.value.ndim:
                return PREC_ATOM
            return number_precedence(self.numeral(expr), self.fraction_is_atom)
        if isinstance(expr, m.Symbol):
            # A superscript already there (w⁽¹⁾, w′) must be bracketed before another one (a power, ᵀ).
            return PREC_POSTFIX if expr.layer is not None or expr.updated else PREC_ATOM
        if isinstance(expr, (m.Quotient, m.Derivative)) and self.quotient_is_atom:
            return PREC_ATOM
        if isinstance(expr, m.Product) and len(expr.factors) == 1:
            return self.precedence(expr.factors[0])
        if isinstance(expr, m.Sum) and len(expr.terms) == 1:
            return self.precedence(expr.terms[0])
        if isinstance(expr, m.OpTemplate):
            return self._template_precedence(expr)
        for klass in type(expr).__mro__:
            if klass.__name__ in PRECEDENCE:
                return PRECEDENCE[klass.__name__]
        return PREC_ATOM

    def numeral(self, number: m.Number) -> Numeral:
        return numeral(number.value, self.settings["digits"], number.exact)

    # ---------------------------------------------------------- op templates
    def _template_precedence(self, expr: m.OpTemplate) -> int:
        template, declared = template_source(expr, self.latex)
        inferred = template_precedence(template)
        if inferred == -1:
            name = _PLACEHOLDER.fullmatch(template.strip())
            bound = dict(expr.bindings).get((name.group(1) or name.group(2)) if name else "")
            return self.precedence(bound) if bound is not None else PREC_ATOM
        return inferred if declared is None else min(declared, inferred)

    def _print_OpTemplate(self, expr: m.OpTemplate) -> str:
        template, _ = template_source(expr, self.latex)
        bindings = dict(expr.bindings)
        out = []
        position = 0
        pieces = template_pieces(template)
        for k, (literal, name) in enumerate(pieces):
            if name is None:
                shown = literal
                if expr.elementwise and k:  # bound to arrays: a product inside the rule is elementwise
                    shown = self.elementwise_literal(literal, pieces[k - 1][1] is not None)
                out.append(self.template_literal(shown))
                position += len(literal)
                continue
            raw = _PLACEHOLDER.match(template, position)
            assert raw is not None
            before, after = template[:position], template[raw.end():]
            value = bindings.get(name, m.Symbol(name))
            self.place_binding(out, before, self.print(value, required_precedence(before, after)))
            position = raw.end()
        return self.finish_template("".join(out))

    def template_literal(self, literal: str) -> str:
        return literal

    HADAMARD = " ⊙ "

    def elementwise_literal(self, literal: str, after_value: bool) -> str:
        """A template's products as elementwise: ``*`` and LaTeX's thin space, and a juxtaposition right after a
        value (``$out (1 - $out)``, ``$x phi($x)``), become ⊙."""
        signed = re.sub(r"\s*\*\s*|\s*\\,\s*|\s*·\s*", lambda _: self.HADAMARD, literal)
        if signed == literal and after_value and \
                re.match(r"^ +(?!if\b|otherwise\b|\\(?:ge|le|geq|leq|ne|end|right)\b)[(A-Za-z\\$]", literal):
            signed = self.HADAMARD + literal.lstrip(" ")
        return signed

    def place_binding(self, out: list[str], before: str, text: str) -> None:
        self.separate_numbers(out, text)
        out.append(text)

    TIMES = "·"  # what goes between two numbers a template juxtaposes ($oi $oj with numbers: 0.1177·0.8823)

    def separate_numbers(self, out: list[str], text: str) -> None:
        """Juxtaposed numbers read as one list of numbers: put a multiplication sign between them."""
        if len(out) >= 2 and not out[-1].strip() and out[-1] and re.search(r"\d\)?$", out[-2]) and \
                re.match(r"^[(−\-]?\d", text) and "," not in text and "," not in out[-2] and "&" not in text \
                and "&" not in out[-2]:  # two numbers; juxtaposed arrays stay a matrix product
            out[-1] = self.TIMES

    def finish_template(self, text: str) -> str:
        return text

    MINUS = "−"  # the minus sign a binary difference is printed with

    def _print_Sum(self, expr: Any) -> str:
        if not expr.terms:
            return "0"
        out = self.print(expr.terms[0], PREC_SUM)
        for term in expr.terms[1:]:
            text = self.print(term, PREC_SUM)
            out += f" {self.MINUS} {text[1:].lstrip()}" if text.startswith(MINUS_SIGNS) else f" + {text}"
        return out


_FORMULAS: dict[tuple[Any, ...], str] = {}  # (printer class, settings, registry generation, formula_key, required)
MAX_FORMULAS = 20_000
NOT_A_KEY: Any = object()
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # formula class -> its fields (None: not a formula without numbers)


def formula_key(value: Any) -> Any:
    """A formula without numbers as plain hashable data, every field of every node included (two formulas with the
    same key print alike); NOT_A_KEY when it holds a number (or anything but formula nodes, strings, ints, None)."""
    cls = type(value)
    if cls is str or value is None or cls is int:
        return value
    if cls is bool:
        return (bool, value)
    if cls is tuple:
        parts: list[Any] = [tuple]
        for item in value:
            part = formula_key(item)
            if part is NOT_A_KEY:
                return NOT_A_KEY
            parts.append(part)
        return tuple(parts)
    if cls is m.Symbol:  # a symbol's fields are names, indices and flags: the symbol is its own key
        return value
    if cls is m.Number:  # (keying numbers too cost more than it saved: they rarely recur across variants)
        return NOT_A_KEY
    names = _FIELDS.get(cls, ())
    if names == ():
        names = _FIELDS[cls] = (tuple(f.name for f in fields(cls)) if is_dataclass(cls)
                                and cls.__module__ == m.__name__ and cls is not m.Number else None)
    if names is None:
        return NOT_A_KEY
    parts = [cls]
    for name in names:
        part = formula_key(getattr(value, name))
        if part is NOT_A_KEY:
            return NOT_A_KEY
        parts.append(part)
    return tuple(parts)


_PASSES: dict[type, bool] = {}  # class -> whether as_expr returns its instances unchanged (decided by class alone)


def _passes(cls: type) -> bool:
    return not (issubclass(cls, (list, tuple, m.Number)) or cls.__name__ == "ndarray"
                or issubclass(cls, numbers.Number) and not issubclass(cls, bool)
                or cls.__module__.split(".")[0] == "sympy")


_SCALARS = (float, int, np.float64)  # a Number holding one of these is a formula as it is


def as_expr(value: Any) -> Any:
    """Plain numbers and nested sequences, where a formula is expected, as Number / Array."""
    passes = _PASSES.get(type(value))
    if passes is None:
        passes = _PASSES[type(value)] = _passes(type(value))
    if passes:  # formulas, strings, and anything a printer will name as unsupported
        return value
    if type(value) is m.Number and type(value.value) in _SCALARS:  # a number: itself (what the tests below say)
        return value
    if isinstance(value, (list, tuple)):
        return _nested_array(value, False)
    if isinstance(value, m.Number) and (isinstance(value.value, (list, tuple)) or
                                         getattr(value.value, "ndim", False)):
        rows = value.value.tolist() if hasattr(value.value, "tolist") else value.value
        return _nested_array(rows, value.exact)
    if type(value).__name__ == "ndarray":
        return as_expr(m.Number(value)) if value.ndim else m.Number(value.item())
    if isinstance(value, numbers.Number) and not isinstance(value, bool) or is_sympy(value):
        return m.Number(value)
    return value  # formulas, strings, and anything a printer will name as unsupported


def _nested_array(rows: Any, exact: bool) -> m.Array:
    def convert(item: Any) -> Any:
        if isinstance(item, (list, tuple)):
            return tuple(convert(i) for i in item)
        return item if type(item).__module__ == m.__name__ else m.Number(item, exact)

    return m.Array(tuple(convert(r) for r in rows))


def array_is_matrix(array: m.Array) -> bool:
    return bool(array.rows) and isinstance(array.rows[0], (tuple, list))


# ---------------------------------------------------------------- the document renderer base

class Renderer(Dispatcher):
    """Renders a Derivation; ``_render_<StepClass>`` per step type."""

    settings_spec: ClassVar[dict[str, Setting]] = {"digits": DIGITS}
    method_prefix: ClassVar[str] = "_render_"

    section: Any = None  # the section being rendered

    def render(self, derivation: Any) -> str:
        raise NotImplementedError

    def preface(self, derivation: Any) -> str:
        """One line under the title: the style, and how numbers are shown (none on a student's sheet)."""
        if getattr(derivation, "kind", "solution") == "sheet":
            return ""
        style = f"{derivation.style.capitalize()} style."
        if derivation.mode == "exact":
            return f"{style} Exact arithmetic: numbers are fractions."
        if derivation.mode == "symbolic":
            return f"{style} Symbolic: results are formulas."
        return (f"{style} Numbers are computed at full precision and shown to "
                f"{self.settings['digits']} significant figures.")

    def _same_title(self, title: str) -> bool:
        """A table titled like its section needs no second heading."""
        return self.section is not None and self.section.title == title

    @staticmethod
    def factor_values(derivation: Any) -> dict[int, Any]:
        """Each numbered chain-rule factor's value, so a product of labels can be shown with numbers."""
        return {step.label: step.value for step in derivation.steps() if isinstance(step, s.Factor)}

    @staticmethod
    def chain_sides(step: Any, values: dict[int, Any]) -> list[Any]:
        """∂L/∂w = ①·② (+ …) = numbers = value, as formula sides."""
        def product(path: tuple[int, ...], numbers: bool) -> Any:
            factors = tuple(values[label] if numbers else m.Label(label) for label in path)
            return factors[0] if len(factors) == 1 else m.Product(factors)

        def total(numbers: bool) -> Any:
            terms = tuple(product(path, numbers) for path in step.paths)
            return terms[0] if len(terms) == 1 else m.Sum(terms)

        sides: list[Any] = [step.lhs]
        if step.paths:
            sides.append(total(False))
            if all(label in values for path in step.paths for label in path):
                sides.append(total(True))
        sides.append(step.value)
        return sides

    @staticmethod
    def compute_sides(step: Any) -> list[Any]:
        return [s for s in (step.lhs, step.formula, step.substituted, step.result) if s is not None]


def dedupe(printed: list[str]) -> list[int]:
    """Indices of sides to keep: a side printed exactly like the one before it says nothing new."""
    keep: list[int] = []
    for i, text in enumerate(printed):
        if i and text == printed[keep[-1]]:
            continue
        keep.append(i)
    return keep


def reused_note(reused: tuple[int, ...], label: Callable[[int], str]) -> str | None:
    if not reused:
        return None
    names = [label(n) for n in reused]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} {'was' if len(names) == 1 else 'were'} derived above."


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
