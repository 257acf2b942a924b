"""Re-evaluate a derivation from what it prints, independently of the engine.

Every displayed chain ``lhs = formula = numbers = result`` is read from the
step data as printed: a side made of numbers only (no symbol, no derivative)
is evaluated here, with its own arithmetic, and must equal the chain's last
side. Registry templates are evaluated from their printed text (parsed with
SymPy), not by calling the op; the few non-scalar templates (matmul, softmax,
indexing) get their textbook meaning written out below. Vectors have the
orientation the renderers draw (``Derivation.vectors``): a product that does
not fit as displayed (a column times a column) is an error, not a dot product.

Nothing here calls the engine's forward or VJP functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from gradwork.explain import math as m
from gradwork.explain import steps as s


class NotNumeric(Exception):
    """The side contains a symbol: it is a formula, not numbers."""


class Mismatch(AssertionError):
    pass


@dataclass
class Report:
    checked: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- values

def _scalar(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if type(value).__module__.startswith("sympy"):
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if value.free_symbols:
            raise NotNumeric(str(value))
        return float(value)
    if isinstance(value, np.generic):
        return _scalar(value.item())
    return float(value)


def _array(rows: Any, vectors: str) -> np.ndarray:
    def convert(item: Any) -> Any:
        return [convert(i) for i in item] if isinstance(item, (tuple, list)) else item

    data = convert(rows)
    flat = np.empty(np.shape(data) if data and isinstance(data[0], list) else (len(data),), dtype=object)
    for index in np.ndindex(flat.shape):
        cell = data
        for i in index:
            cell = cell[i]
        flat[index] = cell
    if flat.ndim == 1:
        return flat.reshape((1, -1) if vectors == "row" else (-1, 1))
    return flat


def _is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.ndim > 0


def _shape(v: Any) -> tuple:
    return v.shape if _is_array(v) else ()


# ---------------------------------------------------------------- the evaluator


class Evaluator:
    def __init__(self, derivation: s.Derivation) -> None:
        self.vectors = getattr(derivation, "vectors", "column")
        self.labels: dict[int, Any] = {}
        self.functions: dict[str, Any] = {}  # formula activations stated in the setup: σ, σ′ as SymPy in x
        for step in derivation.steps():
            if isinstance(step, s.Definition):
                for relation in (step.formula, step.derivative):
                    if isinstance(relation, m.Relation) and isinstance(relation.sides[0], m.Call) and \
                            isinstance(relation.sides[-1], m.Number):
                        self.functions[relation.sides[0].function] = relation.sides[-1].value

    def value(self, expr: Any) -> Any:
        method = getattr(self, "_" + type(expr).__name__, None)
        if method is None:
            raise NotNumeric(type(expr).__name__)
        return method(expr)

    # atoms
    def _Number(self, e: m.Number) -> Any:
        v = e.value
        if isinstance(v, np.ndarray) and v.ndim:
            return self._Array(m.Array(tuple(m.Number(x) for x in v.tolist())))
        return _scalar(v)

    def _Array(self, e: m.Array) -> Any:
        def conv(item: Any) -> Any:
            if isinstance(item, (tuple, list)):
                return [conv(i) for i in item]
            return self.value(item)
        return _array(conv(e.rows), "row" if e.row else "column")

    def _Label(self, e: m.Label) -> Any:
        if e.number not in self.labels:
            raise Mismatch(f"label {e.number} is used before it is derived")
        return self.labels[e.number]

    def _Symbol(self, e: m.Symbol) -> Any:
        raise NotNumeric(e.base)

    def _Derivative(self, e: m.Derivative) -> Any:
        raise NotNumeric("derivative")

    def _Words(self, e: m.Words) -> Any:
        raise NotNumeric(e.text)

    # arithmetic
    def _Sum(self, e: m.Sum) -> Any:
        values = [self.value(t) for t in e.terms]
        total = values[0]
        for v in values[1:]:
            total = _add(total, v)
        return total

    def _Neg(self, e: m.Neg) -> Any:
        return _negate(self.value(e.operand))

    def _Product(self, e: m.Product) -> Any:
        values = [self.value(f) for f in e.factors]
        out = values[0]
        for v in values[1:]:
            out = _multiply(out, v, e.kind)
        return out

    def _Quotient(self, e: m.Quotient) -> Any:
        top, bottom = self.value(e.numerator), self.value(e.denominator)
        if _is_array(bottom):  # elementwise, as Adam's m̂ / (√v̂ + ε) is read
            if not _is_array(top) or top.shape != bottom.shape:
                raise Mismatch(f"division of shape {_shape(top)} by shape {bottom.shape}")
            out = np.empty(top.shape, dtype=object)
            for i in np.ndindex(top.shape):
                out[i] = _div(top[i], bottom[i])
            return out
        return _map(lambda a: _div(a, bottom), top)

    def _Power(self, e: m.Power) -> Any:
        base, exponent = self.value(e.base), self.value(e.exponent)
        return _map(lambda a: _pow(a, exponent), base)

    def _Transpose(self, e: m.Transpose) -> Any:
        v = self.value(e.operand)
        return v.T.copy() if _is_array(v) else v

    def _Call(self, e: m.Call) -> Any:
        args = [self.value(a) for a in e.args]
        name = e.function
        if name in self.functions:
            formula = self.functions[name]
            import sympy
            return _map(lambda a: _from_sympy(formula.subs(sympy.Symbol("x"), _to_sympy(a))), args[0])
        scalar = SCALAR_FUNCTIONS.get(name)
        if scalar is not None:
            return _map(scalar, args[0])
        if name in ("sum", "Σ"):
            return _total(args[0])
        if name == "diag":
            cells = _flat(args[0])
            out = np.empty((len(cells), len(cells)), dtype=object)
            for i in range(len(cells)):
                for j in range(len(cells)):
                    out[i, j] = cells[i] if i == j else Fraction(0)
            return out
        raise NotNumeric(f"function {name}")

    def _Relation(self, e: m.Relation) -> Any:
        raise NotNumeric("relation")

    def _Cases(self, e: m.Cases) -> Any:
        raise NotNumeric("cases")

    def _OpTemplate(self, e: m.OpTemplate) -> Any:
        bound = {name: self.value(v) for name, v in e.bindings if not isinstance(v, m.Words)}
        special = SPECIAL.get((e.op, e.part))
        if special is not None:
            return special(self, bound, e)
        template = _template_text(e)
        expr, names = _parse_template(template)
        missing = [n for n in names if n not in bound]
        if missing:
            raise NotNumeric(f"{e.op} template needs {missing}")
        arrays = [v for v in bound.values() if _is_array(v)]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        except ValueError:
            raise Mismatch(f"{e.op}: elementwise template on shapes {[a.shape for a in arrays]}") from None
        bound = {k: (np.broadcast_to(v, shape) if _is_array(v) else v) for k, v in bound.items()}
        return _elementwise_sympy(expr, names, bound, shape)


# ---------------------------------------------------------------- arithmetic helpers

def _map(fn, v: Any) -> Any:
    if _is_array(v):
        out = np.empty(v.shape, dtype=object)
        for i in np.ndindex(v.shape):
            out[i] = fn(v[i])
        return out
    return fn(v)


def _num(a: Any) -> Any:
    return a


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a / b
    return float(a) / float(b)


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, Fraction) and isinstance(b, Fraction) and b.denominator == 1:
        return a ** int(b)
    return float(a) ** float(b)


def _mixed(a: Any, b: Any, op) -> Any:
    if isinstance(a, Fraction) != isinstance(b, Fraction):
        return op(float(a), float(b))
    return op(a, b)


def _add(a: Any, b: Any) -> Any:
    if _is_array(a) or _is_array(b):
        try:
            np.broadcast_shapes(_shape(a), _shape(b))
        except ValueError:
            raise Mismatch(f"sum of shapes {_shape(a)} and {_shape(b)} as displayed") from None
        A, B = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        out = np.empty(A.shape, dtype=object)
        for i in np.ndindex(A.shape):
            out[i] = _mixed(A[i], B[i], lambda x, y: x + y)
        return out
    return _mixed(a, b, lambda x, y: x + y)


def _negate(a: Any) -> Any:
    return _map(lambda x: -x, a)


def _times(a: Any, b: Any) -> Any:
    return _mixed(a, b, lambda x, y: x * y)


def _multiply(a: Any, b: Any, kind: str) -> Any:
    if not _is_array(a) or not _is_array(b):
        scalar, other = (a, b) if not _is_array(a) else (b, a)
        return _map(lambda x: _times(scalar, x), other)
    if kind == "matmul":
        if a.shape[-1] != b.shape[0]:
            raise Mismatch(f"matrix product of a {a.shape[0]}×{a.shape[1]} and a {b.shape[0]}×{b.shape[1]} "
                           "as displayed")
        out = np.empty((a.shape[0], b.shape[1]), dtype=object)
        for i in range(a.shape[0]):
            for j in range(b.shape[1]):
                total: Any = Fraction(0)
                for k in range(a.shape[1]):
                    total = _add(total, _times(a[i, k], b[k, j]))
                out[i, j] = total
        return out[0, 0] if out.shape == (1, 1) and (a.shape[0] == 1 and b.shape[1] == 1) else out
    if kind == "hadamard" or kind == "dot":
        if a.shape != b.shape:
            raise Mismatch(f"{'⊙' if kind == 'hadamard' else '·'} of shapes {a.shape} and {b.shape} as displayed")
        if kind == "dot":
            if 1 not in a.shape:
                raise Mismatch(f"'·' between two matrices of shape {a.shape}")
            return _total(np.array([_times(x, y) for x, y in zip(a.ravel(), b.ravel())], dtype=object))
        out = np.empty(a.shape, dtype=object)
        for i in np.ndindex(a.shape):
            out[i] = _times(a[i], b[i])
        return out
    raise Mismatch(f"unknown product kind {kind}")


def _total(v: Any) -> Any:
    if not _is_array(v):
        return v
    total: Any = Fraction(0)
    for x in v.ravel():
        total = _add(total, x)
    return total


def _to_sympy(a: Any) -> Any:
    import sympy
    if isinstance(a, Fraction):
        return sympy.Rational(a.numerator, a.denominator)
    return sympy.Float(a, 30)


def _from_sympy(v: Any) -> Any:
    return _scalar(v)


def _sigmoid(x: Any) -> float:
    import math
    return 1.0 / (1.0 + math.exp(-float(x)))


def _sign(x: Any) -> Any:
    return Fraction((x > 0) - (x < 0))


import math as _math  # noqa: E402

SCALAR_FUNCTIONS = {
    "exp": lambda x: _math.exp(float(x)), "log": lambda x: _math.log(float(x)), "ln": lambda x: _math.log(float(x)),
    "sqrt": lambda x: _math.sqrt(float(x)), "abs": abs, "sign": _sign, "σ": _sigmoid, "sigmoid": _sigmoid,
    "tanh": lambda x: _math.tanh(float(x)), "relu": lambda x: x if x > 0 else Fraction(0) * x,
}


# ---------------------------------------------------------------- registry templates from their printed text

def _template_text(e: m.OpTemplate) -> str:
    from gradwork.explain.render.base import template_source

    return template_source(e, latex=False)[0]


@cache
def _parse_template(template: str) -> tuple[Any, tuple[str, ...]]:
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor, implicit_multiplication_application, parse_expr, standard_transformations,
    )

    names = tuple(dict.fromkeys(re.findall(r"\$(\w+)", template)))
    text = re.sub(r"\$(\w+)", lambda match: f"_{match.group(1)}_", template)
    text = re.sub(r"\|([^|]*)\|", r"Abs(\1)", text)
    # An Iverson bracket [a ≥ b] is 1 where the condition holds, else 0.
    text = text.replace("≥", ">=").replace("≤", "<=")
    text = re.sub(r"\[([^\[\]]*?(?:>=|<=|==|>|<)[^\[\]]*)\]", r"Piecewise((1, \1), (0, True))", text)
    local = {f"_{n}_": sympy.Symbol(f"_{n}_") for n in names}
    local.update(Piecewise=sympy.Piecewise, log=sympy.log, exp=sympy.exp, sqrt=sympy.sqrt, sign=sympy.sign,
                 Abs=sympy.Abs,
                 sigmoid=sympy.Lambda(sympy.Symbol("u"), 1 / (1 + sympy.exp(-sympy.Symbol("u")))),
                 n=sympy.Symbol("_n_"))
    if "n" in re.sub(r"\$\w+|log|sign|softmax|sqrt", "", template) and "n" not in names:
        names = names + ("n",)
    expr = parse_expr(text, local_dict=local,
                      transformations=standard_transformations + (implicit_multiplication_application, convert_xor))
    return expr, names


def _elementwise_sympy(expr: Any, names: tuple[str, ...], bound: dict, shape: tuple) -> Any:
    import sympy

    def at(index: tuple) -> Any:
        subs = {}
        for name in names:
            v = bound[name]
            v = v[index] if _is_array(v) else v
            subs[sympy.Symbol(f"_{name}_")] = _to_sympy(v)
        return _from_sympy(sympy.N(expr.subs(subs), 30) if any(isinstance(x, sympy.Float) for x in subs.values())
                           else expr.subs(subs))

    if not shape:
        return at(())
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = at(index)
    return out


def _loss_notation(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    """A named loss written as a call (half_sse(y, t)): its definition, Σ of terms (÷ n for a mean)."""
    from gradwork.explain.render.base import get_op

    op = get_op(e.op)
    term = m.OpTemplate(e.op, "term", e.bindings)
    values = ev.value(term)
    total = _total(values)
    if op.over_outputs == "mean":
        total = _div(total, Fraction(values.size if _is_array(values) else 1))
    return total


def _matmul_notation(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    a, b = bound["a"], bound["b"]
    return _multiply(a, b, "matmul")


def _linear_notation(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    return _add(_multiply(bound["x"], bound["W"], "matmul"), bound["b"])


def _matmul_partial(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    g = bound["g"]
    if e.position == 0:
        return _multiply(g, bound["b"].T, "matmul")
    return _multiply(bound["a"].T, g, "matmul")


def _index_notation(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    raise NotNumeric("index")


def _softmax_notation(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    x = bound["x"]
    exps = _map(lambda v: _math.exp(float(v)), x)
    total = _total(exps)
    return _map(lambda v: v / total, exps)


def _softmax_element(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    oi, oj = bound.get("oi"), bound.get("oj")
    if e.part == "element_diagonal":
        return _times(oi, _add(Fraction(1), _negate(oi)))
    return _negate(_times(oi, oj))


def _flat(v: Any) -> list:
    return list(np.ravel(v)) if _is_array(v) else [v]


def _softmax_partial(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    """diag(out) − out outᵀ: the n×n Jacobian ∂out_i/∂x_j."""
    o = _flat(bound["out"])
    n = len(o)
    out = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            out[i, j] = _add(o[i] if i == j else Fraction(0), _negate(_times(o[i], o[j])))
    return out


def _relu_partial(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    raise NotNumeric("relu's Iverson bracket")


def _reduction(kind: str):
    def evaluate(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
        x = bound["x"]
        cells = list(np.ravel(x)) if _is_array(x) else [x]
        if kind == "sum":
            return _total(x)
        if kind == "mean":
            return _div(_total(x), Fraction(len(cells)))
        return max(cells) if kind == "max" else min(cells)
    return evaluate


def _mean_partial(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    raise NotNumeric("mean's 1/n needs n")


def _ce_term(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    """−t log softmax(y) for one sample: −Σₖ tₖ ln softmax(y)ₖ."""
    p = _flat(_softmax_notation(ev, {"x": bound["y"]}, e))
    return -sum(float(tk) * _math.log(pk) for tk, pk in zip(_flat(bound["t"]), p))


def _ce_partial(ev: Evaluator, bound: dict, e: m.OpTemplate) -> Any:
    """softmax(y) − t, on a sample (a vector) or each row of a batch."""
    y, t = bound["y"], bound["t"]
    rows = y if y.shape[0] > 1 and y.shape[1] > 1 else y.reshape(1, -1)
    out = np.empty(rows.shape, dtype=object)
    for r in range(rows.shape[0]):
        p = _flat(_softmax_notation(ev, {"x": rows[r]}, e))
        out[r] = p
    return _add(out.reshape(y.shape), _negate(t))


SPECIAL = {
    ("cross_entropy", "term"): _ce_term, ("cross_entropy", "partial"): _ce_partial,
    ("softmax", "partial"): _softmax_partial,
    **{(k, "notation"): _reduction(k) for k in ("sum", "mean", "max", "min")},
    ("leaky_relu", "partial"): _relu_partial, ("elu", "partial"): _relu_partial,
    ("matmul", "notation"): _matmul_notation,
    ("matmul", "partial"): _matmul_partial,
    ("linear", "notation"): _linear_notation,
    ("index", "notation"): _index_notation,
    ("softmax", "notation"): _softmax_notation,
    ("softmax", "element_diagonal"): _softmax_element,
    ("softmax", "element_off_diagonal"): _softmax_element,
    **{(name, "notation"): _loss_notation for name in ("half_sse", "sse", "mse", "l1", "bce")},
}


# ---------------------------------------------------------------- comparing


def _close(a: Any, b: Any, exact: bool) -> bool:
    if _is_array(a) and a.size == 1:
        a = a.ravel()[0]  # [0.5] and 0.5 are the same number
    if _is_array(b) and b.size == 1:
        b = b.ravel()[0]
    if _is_array(a) or _is_array(b):
        if _shape(a) != _shape(b):
            return False
        return all(_close(x, y, exact) for x, y in zip(np.ravel(a), np.ravel(b)))
    if exact and isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    a, b = float(a), float(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def chains(derivation: s.Derivation) -> list[tuple[s.Step, list[Any]]]:
    """Every displayed chain of sides, as the renderers show it, with the step it belongs to."""
    from gradwork.explain.render.base import Renderer

    values = Renderer.factor_values(derivation)
    out: list[tuple[s.Step, list[Any]]] = []
    for step in derivation.steps():
        if isinstance(step, s.Compute):
            out.append((step, Renderer.compute_sides(step)))
            out.extend((step, list(part.sides)) for part in step.parts)
        elif isinstance(step, s.Factor):
            out.append((step, step.sides()))
        elif isinstance(step, s.ChainProduct):
            out.append((step, Renderer.chain_sides(step, values)))
        elif isinstance(step, s.Fork):
            contributions = m.Sum(step.contributions) if len(step.contributions) > 1 else step.contributions[0]
            out.append((step, [step.lhs, contributions, step.total]))
        elif isinstance(step, s.Update):
            out.append((step, list(step.relation.sides)))
        elif isinstance(step, s.Prose) and isinstance(step.math, m.Relation):
            out.append((step, list(step.math.sides)))
        for extra in getattr(step, "relations", ()):  # optimizer working (velocity, moments)
            out.append((step, list(extra.sides)))
    return out


def check(derivation: s.Derivation) -> Report:
    """Re-evaluate every numeric side of every displayed chain against the chain's result."""
    report = Report()
    ev = Evaluator(derivation)
    exact = derivation.mode == "exact"
    for step, sides in chains(derivation):
        where = f"{type(step).__name__} {getattr(step, 'node', '') or ''}"
        try:
            result = ev.value(sides[-1])
        except NotNumeric:
            report.skipped += 1
            continue
        except Mismatch as error:
            report.failures.append(f"{where}: result: {error}")
            continue
        if isinstance(step, s.Factor):
            ev.labels[step.label] = result
        for side in sides[1:-1]:
            try:
                value = ev.value(side)
            except NotNumeric:
                continue
            except Mismatch as error:
                report.failures.append(f"{where}: {error}")
                continue
            report.checked += 1
            if not _close(value, result, exact):
                report.failures.append(f"{where}: a side evaluates to {_show(value)}, the printed result is "
                                       f"{_show(result)}")
    return report


def _show(v: Any) -> str:
    if _is_array(v):
        return "[" + ", ".join(_show(x) for x in v.ravel()) + f"] shape {v.shape}"
    return f"{float(v):.6g}"
