"""Steps as JSON-ready data: the ``steps`` list of ``gradwork solve --format json``.

Every step is ``{"type": "<step class in snake_case>", "section": ..., "phase": ..., <its fields>}``;
every formula is a dict with a ``"type"`` key too (``{"type": "symbol", "base": "w", "layer": "1",
"index": [0, 1], ...}``). Numbers: ``{"type": "number", "value": 0.4013..., "exact": false,
"display": "0.4013"}`` where ``value`` is the full-precision float (an int where it is a Python
integer; an exact-mode number as the results write it, a string even when whole: ``"3"``,
``"3/8"``; a SymPy string in symbolic mode; ``"nan"``/``"inf"`` where JSON has no number) and
``display`` is the value as the text renderer shows it.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from gradwork.documents.json_text import indented_json
from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render.base import as_expr, Renderer, snake
from gradwork.explain.render.text import TextPrinter
from gradwork.numbers.display import json_number as number_value  # one rule for every number


_OPTIONAL_SYMBOL_FIELDS = ("sub", "accent", "of", "step", "step_raised")
_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {}  # class -> (its "type", the fields written)
_ROUTES: dict[type, str] = {}  # class -> how JsonRenderer.value converts its instances (see _route)


def _route(cls: type) -> str:
    """How a value of class ``cls`` is converted, decided once per class: the tests in their order."""
    if issubclass(cls, (str, bool, type(None))):
        return "same"
    if issubclass(cls, (tuple, list)):
        return "list"
    if issubclass(cls, dict):
        return "dict"
    if is_dataclass(cls):
        return "dataclass"
    if issubclass(cls, int):
        return "int"
    return "formula"


class JsonRenderer(Renderer):
    """Steps and formulas as nested dicts, dispatching on class like the other renderers."""

    def render(self, derivation: s.Derivation) -> str:
        return indented_json(self.steps(derivation))

    def steps(self, derivation: s.Derivation) -> list[dict[str, Any]]:
        self.text = TextPrinter(digits=self.settings["digits"])
        out = []
        for section in derivation.sections:
            for step in section.steps:
                data = self.dispatch(step)
                data.setdefault("phase", section.phase)
                data["section"] = section.title
                out.append(data)
        return out

    def value(self, value: Any) -> Any:
        """Any field of a step or formula, converted."""
        route = _ROUTES.get(type(value))
        if route is None:
            route = _ROUTES[type(value)] = _route(type(value))
        if route == "same":
            return value
        if route == "list":
            return [self.value(v) for v in value]
        if route == "dict":
            return {str(k): self.value(v) for k, v in value.items()}
        if route == "dataclass":
            return self.dispatch(value)
        if route == "int":
            return value
        return self.dispatch(as_expr(value))

    def fields_of(self, obj: Any) -> dict[str, Any]:
        known = _FIELDS.get(type(obj))
        if known is None:  # a step's or formula's fields (a symbol's table of element names is for printing)
            known = _FIELDS[type(obj)] = (snake(type(obj).__name__),
                                          tuple(f.name for f in fields(obj) if f.name != "elements"))
        kind, names = known
        data: dict[str, Any] = {"type": kind}
        for name in names:
            data[name] = self.value(getattr(obj, name))
        return data

    # ---------------------------------------------------------- formulas
    def _render_Number(self, number: m.Number) -> dict[str, Any]:
        expr = as_expr(number)
        if isinstance(expr, m.Array):
            return self.dispatch(expr)
        return {"type": "number", "value": number_value(number.value), "exact": number.exact,
                "display": self.text.print(number)}

    def _render_OpTemplate(self, expr: m.OpTemplate) -> dict[str, Any]:
        data = {"type": "op_template", "op": expr.op, "part": expr.part, "position": expr.position,
                "bindings": {name: self.value(bound) for name, bound in expr.bindings}}
        if expr.elementwise:  # bound to arrays: the rule's products are elementwise
            data["elementwise"] = True
        return data

    def _render_Cases(self, expr: m.Cases) -> dict[str, Any]:
        return {"type": "cases", "branches": [{"value": self.value(v), "condition": self.value(c)}
                                              for v, c in expr.branches]}

    def _render_Symbol(self, expr: m.Symbol) -> dict[str, Any]:
        data = self.fields_of(expr)
        for name in _OPTIONAL_SYMBOL_FIELDS:  # a name's own subscript, accent, owner, step: only when it has one
            if data.get(name) in (None, "", False):
                data.pop(name, None)
        return data

    def _render_Array(self, expr: m.Array) -> dict[str, Any]:
        data = {"type": "array", "rows": self.value(expr.rows)}
        if expr.row:  # a vector drawn as a row (the row convention's x, z, b): its orientation is part of it
            data["row"] = True
        return data

    def _render_Sum(self, expr: m.Sum) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Product(self, expr: m.Product) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Quotient(self, expr: m.Quotient) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Power(self, expr: m.Power) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Neg(self, expr: m.Neg) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Call(self, expr: m.Call) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Transpose(self, expr: m.Transpose) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Derivative(self, expr: m.Derivative) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Label(self, expr: m.Label) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Words(self, expr: m.Words) -> dict[str, Any]:
        return self.fields_of(expr)

    def _render_Relation(self, expr: m.Relation) -> dict[str, Any]:
        return self.fields_of(expr)

    # ---------------------------------------------------------- steps
    def _render_Prose(self, step: s.Prose) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Given(self, step: s.Given) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Definition(self, step: s.Definition) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Compute(self, step: s.Compute) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Factor(self, step: s.Factor) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_ChainProduct(self, step: s.ChainProduct) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Fork(self, step: s.Fork) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Update(self, step: s.Update) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Table(self, step: s.Table) -> dict[str, Any]:
        return self.fields_of(step)

    def _render_Pitfall(self, step: s.Pitfall) -> dict[str, Any]:
        return self.fields_of(step)


def steps_to_json(derivation: s.Derivation, digits: int = 4) -> list[dict[str, Any]]:
    """The derivation's steps as JSON-ready dicts, in order."""
    return JsonRenderer(digits=digits).steps(derivation)
