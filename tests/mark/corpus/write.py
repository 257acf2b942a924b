"""The working of a network problem in chain, delta or matrix style, as statements with three values each."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from tests.mark.corpus.expr import D, Mat, Num, Op, Paren, Sym, T, product, total
from tests.mark.corpus.network import (
    Network,
    Statement,
    activation_rule,
    derivative_rule,
    element_key,
    flat_at,
    loss_derivative_rule,
    loss_rule,
    weight_index,
)


def statements(net: Network, style: str, rng: random.Random) -> list[Statement]:
    out: list[Statement] = []
    if rng.random() < 0.35:
        out += _given(net, rng)
    if style == "matrix":
        out += _forward_matrix(net)
        out += _loss(net)
        out += _backward_matrix(net)
        out += _updates_matrix(net)
    else:
        out += _forward_units(net)
        out += _loss(net)
        out += _backward_units(net, style, rng)
        out += _updates_units(net, rng)
    return out


# ---------------------------------------------------------------- helpers
def _three(net: Network, read: Any) -> tuple[Any, Any, Any]:
    return read(net.student), read(net.clean), read(net.true)


def _layer_input(net: Network, layer_number: int) -> tuple[str, list[Sym]]:
    """The node feeding layer ``layer_number`` (1-based) and the symbols of its units."""
    n = net.names
    if layer_number == 1:
        return "input", [n.x(i) for i in range(n.units[0])]
    previous = net.solution.layers[layer_number - 2]
    return previous.a, [n.a(layer_number - 1, i) for i in range(n.units[layer_number - 1])]


def _unit(array: np.ndarray, j: int) -> float:
    a = np.asarray(array, dtype=float).reshape(-1)
    return float(a[j]) if a.size > j else float(a[-1])


def _vector_key(section: str, name: str, shape: tuple[int, ...], j: int) -> str:
    if not shape:
        return f"{section}.{name}"
    if len(shape) == 1:
        return f"{section}.{name}[{j}]"
    return f"{section}.{name}[0,{j}]"


def _shape(net: Network, name: str) -> tuple[int, ...]:
    return tuple(np.shape(net.true.value(name)))


# ---------------------------------------------------------------- given data restated
def _given(net: Network, rng: random.Random) -> list[Statement]:
    out = []
    n = net.names
    x = net.student.value("input")
    for i in range(n.units[0]):
        value = _unit(x, i)
        out.append(Statement(n.x(i), None, None, None, value, _unit(net.clean.value("input"), i),
                             _unit(net.true.value("input"), i), "given"))
    if rng.random() < 0.5:
        layer = net.solution.layers[0]
        for j in range(n.units[1]):
            for i in range(n.units[0]):
                index = weight_index(layer, net.solution.convention, j, i)
                read = lambda v, index=index: flat_at(v.value(layer.weight), index)  # noqa: E731
                out.append(Statement(n.w(1, j, i), None, None, None, *_three(net, read), "given"))
    return out


# ---------------------------------------------------------------- forward, one unit at a time
def _forward_units(net: Network) -> list[Statement]:
    out = []
    n = net.names
    for number, layer in enumerate(net.solution.layers, start=1):
        source, inputs = _layer_input(net, number)
        for j in range(n.units[number]):
            terms, values = [], []
            for i, symbol in enumerate(inputs):
                w = n.w(number, j, i)
                index = weight_index(layer, net.solution.convention, j, i)
                terms.append(product(w, symbol))
                values.append((w, flat_at(net.student.value(layer.weight), index)))
                values.append((symbol, _unit(net.student.value(source), i)))
            if layer.bias:
                b = n.b(number, j)
                terms.append(b)
                values.append((b, _unit(net.student.value(layer.bias), j)))
            shape = _shape(net, layer.z)
            key = _vector_key("values", layer.z, shape, j)
            read = lambda v, name=layer.z, j=j: _unit(v.value(name), j)  # noqa: E731
            out.append(Statement(n.z(number, j), total(*terms), None, key, *_three(net, read), "value", values))
            rule = activation_rule(layer.activation, n.z(number, j), None)
            if layer.a != layer.z:  # a softmax output has no one-unit formula: its number only
                key = _vector_key("values", layer.a, _shape(net, layer.a), j)
                read = lambda v, name=layer.a, j=j: _unit(v.value(name), j)  # noqa: E731
                z_value = _unit(net.student.value(layer.z), j)
                out.append(Statement(n.a(number, j), rule, None, key, *_three(net, read), "value",
                                     [(n.z(number, j), z_value)] if rule is not None else []))
    return out


def _loss(net: Network) -> list[Statement]:
    n = net.names
    last = net.solution.layers[-1]
    outputs = [n.a(n.layers, j) if last.a != last.z else n.z(n.layers, j) for j in range(n.units[-1])]
    targets = [n.t(j) for j in range(n.units[-1])]
    rule = loss_rule(net.solution, n, outputs, targets)
    values = []
    target = np.asarray(net.solution.target.data, dtype=float).reshape(-1) if net.solution.target is not None else []
    for j, (y, t) in enumerate(zip(outputs, targets)):
        values.append((y, _unit(net.student.value(last.a), j)))
        if len(target) > j:
            values.append((t, float(target[j])))
    return [Statement(Sym(n.loss), rule, None, "loss", net.student.loss(), net.clean.loss(), net.true.loss(), "loss",
                      values)]


# ---------------------------------------------------------------- backward, one unit at a time
def _backward_units(net: Network, style: str, rng: random.Random) -> list[Statement]:
    out: list[Statement] = []
    n = net.names
    L = Sym(n.loss)
    layers = net.solution.layers
    target = np.asarray(net.solution.target.data, dtype=float).reshape(-1) if net.solution.target is not None else None
    for number in range(len(layers), 0, -1):
        layer = layers[number - 1]
        source, inputs = _layer_input(net, number)
        elementwise = layer.activation not in ("softmax",)
        for j in range(n.units[number]):
            a_sym, z_sym = n.a(number, j), n.z(number, j)
            dz_sym = n.delta(number, j) if style == "delta" else D(L, z_sym)
            g_a = lambda v, name=layer.a, j=j: _unit(v.grad(name), j)  # noqa: E731
            g_z = lambda v, name=layer.z, j=j: _unit(v.grad(name), j)  # noqa: E731
            has_activation = layer.a != layer.z
            # dL/da: from the loss (output layer) or from the layer above
            if number == len(layers):
                formula = None
                if has_activation or True:
                    y = a_sym if has_activation else z_sym
                    t = n.t(j)
                    formula = loss_derivative_rule(net.solution, y, t, n.units[-1])
                    values = [(y, _unit(net.student.value(layer.a), j))]
                    if target is not None and target.size > j:
                        values.append((t, float(target[j])))
            else:
                above = layers[number]
                terms, values = [], []
                for k in range(n.units[number + 1]):
                    up = n.delta(number + 1, k) if style == "delta" else D(L, n.z(number + 1, k))
                    w = n.w(number + 1, k, j)
                    terms.append(product(up, w))
                    values.append((up, _unit(net.student.grad(above.z), k)))
                    values.append((w, flat_at(net.student.value(above.weight),
                                              weight_index(above, net.solution.convention, k, j))))
                formula = total(*terms)
            local_formula = derivative_rule(layer.activation, z_sym, a_sym, rng) if has_activation else None
            if style == "chain" or not has_activation or not elementwise:
                if has_activation:
                    key = _vector_key("gradients", layer.a, _shape(net, layer.a), j)
                    out.append(Statement(D(L, a_sym), formula, None, key, *_three(net, g_a), "grad", values))
                if has_activation and elementwise:
                    local = lambda v, ga=g_a, gz=g_z: _ratio(gz(v), ga(v))  # noqa: E731
                    if all(local(v) is not None for v in (net.student, net.clean, net.true)):
                        z_value = _unit(net.student.value(layer.z), j)
                        a_value = _unit(net.student.value(layer.a), j)
                        out.append(Statement(D(a_sym, z_sym), local_formula, None, f"local:{layer.a}[{j}]",
                                             *_three(net, local), "local", [(z_sym, z_value), (a_sym, a_value)]))
                        chain = product(D(L, a_sym), D(a_sym, z_sym))
                        chain_values = [(D(L, a_sym), g_a(net.student)), (D(a_sym, z_sym), local(net.student))]
                    else:
                        chain, chain_values = None, []
                else:  # no activation (dL/dz is dL/da's formula), or softmax (a Jacobian: the number only)
                    chain, chain_values = (None if has_activation else formula), ([] if has_activation else values)
                key = _vector_key("gradients", layer.z, _shape(net, layer.z), j)
                out.append(Statement(dz_sym, chain, None, key, *_three(net, g_z), "grad", chain_values))
            else:  # delta style: delta = (dL/da) * f'(z) in one line
                if formula is not None and local_formula is not None:
                    both = product(Paren(formula) if isinstance(formula, Op) and formula.op in "+-" else formula,
                                   local_formula if not isinstance(local_formula, Op) or local_formula.op != "-"
                                   else Paren(local_formula))
                else:
                    both = formula
                z_value = _unit(net.student.value(layer.z), j)
                a_value = _unit(net.student.value(layer.a), j)
                key = _vector_key("gradients", layer.z, _shape(net, layer.z), j)
                out.append(Statement(dz_sym, both, None, key, *_three(net, g_z), "grad",
                                     values + [(z_sym, z_value), (a_sym, a_value)]))
            for i, symbol in enumerate(inputs):
                w = n.w(number, j, i)
                index = weight_index(layer, net.solution.convention, j, i)
                key = element_key("gradients", layer.weight, _shape(net, layer.weight), index)
                read = lambda v, name=layer.weight, index=index: flat_at(v.grad(name), index)  # noqa: E731
                values = [(dz_sym, g_z(net.student)), (symbol, _unit(net.student.value(source), i))]
                out.append(Statement(D(L, w), product(dz_sym, symbol), None, key, *_three(net, read), "grad", values))
            if layer.bias:
                shape = _shape(net, layer.bias)
                key = element_key("gradients", layer.bias, shape, (j,) if shape else ())
                read = lambda v, name=layer.bias, j=j: _unit(v.grad(name), j)  # noqa: E731
                out.append(Statement(D(L, n.b(number, j)), dz_sym, None, key, *_three(net, read), "grad",
                                     [(dz_sym, g_z(net.student))]))
    return out


def _sgd(net: Network) -> bool:
    optimizer = net.solution.optimizer
    return bool(net.solution.parameters) and optimizer.name == "sgd" and optimizer.steps == 1 and \
        optimizer.lr is not None and not optimizer.options.get("momentum")


def _ratio(top: float, bottom: float) -> float | None:
    if abs(bottom) < 1e-12:
        return None
    return top / bottom


def _updates_units(net: Network, rng: random.Random) -> list[Statement]:
    out = []
    n = net.names
    L = Sym(n.loss)
    if not _sgd(net):
        return out
    lr = float(net.solution.optimizer.lr)
    eta = Sym(n.lr)
    for number, layer in enumerate(net.solution.layers, start=1):
        for j in range(n.units[number]):
            for i in range(n.units[number - 1]):
                w = n.w(number, j, i)
                index = weight_index(layer, net.solution.convention, j, i)
                key = element_key("updated", layer.weight, _shape(net, layer.weight), index)
                read = lambda v, name=layer.weight, index=index: flat_at(v.updated(name), index)  # noqa: E731
                old = flat_at(net.student.value(layer.weight), index)
                grad = flat_at(net.student.grad(layer.weight), index)
                out.append(_update(w, eta, D(L, w), key, read, net, old, lr, grad))
            if layer.bias:
                b = n.b(number, j)
                shape = _shape(net, layer.bias)
                key = element_key("updated", layer.bias, shape, (j,) if shape else ())
                read = lambda v, name=layer.bias, j=j: _unit(v.updated(name), j)  # noqa: E731
                old = _unit(net.student.value(layer.bias), j)
                grad = _unit(net.student.grad(layer.bias), j)
                out.append(_update(b, eta, D(L, b), key, read, net, old, lr, grad))
    return out


def _update(symbol: Sym, eta: Sym, gradient: Any, key: str, read: Any, net: Network, old: float, lr: float,
            grad: float) -> Statement:
    new = Sym(symbol.base, symbol.sub, symbol.layer, updated=True)
    formula = Op("-", (symbol, product(eta, gradient)))
    values = [(symbol, old), (eta, lr), (gradient, grad)]
    return Statement(new, formula, None, key, *_three(net, read), "update", values, assign=True)


# ---------------------------------------------------------------- matrix style
def _forward_matrix(net: Network) -> list[Statement]:
    out = []
    n = net.names
    column = net.solution.convention == "column"
    for number, layer in enumerate(net.solution.layers, start=1):
        source, _ = _layer_input(net, number)
        W = n.whole("w", number)
        x = n.whole("a", number - 1) if number > 1 else Sym("x")
        terms = [product(W, x) if column else product(x, W)]
        values = [(W, _matrix(net.student.value(layer.weight), layer, column, "weight")),
                  (x, _vector(net.student.value(source), column))]
        if layer.bias:
            b = n.whole("b", number)
            terms.append(b)
            values.append((b, _vector(net.student.value(layer.bias), column)))
        read = lambda v, name=layer.z: _vector(v.value(name), column)  # noqa: E731
        out.append(Statement(n.whole("z", number), total(*terms), None, f"values.{layer.z}", *_three(net, read),
                             "value", values))
        rule = activation_rule(layer.activation, n.whole("z", number), None)
        if layer.a != layer.z:  # softmax: its number only
            read = lambda v, name=layer.a: _vector(v.value(name), column)  # noqa: E731
            values = [(n.whole("z", number), _vector(net.student.value(layer.z), column))] if rule is not None else []
            out.append(Statement(n.whole("a", number), rule, None, f"values.{layer.a}", *_three(net, read), "value",
                                 values))
    return out


def _backward_matrix(net: Network) -> list[Statement]:
    out = []
    n = net.names
    L = Sym(n.loss)
    column = net.solution.convention == "column"
    layers = net.solution.layers
    for number in range(len(layers), 0, -1):
        layer = layers[number - 1]
        source, _ = _layer_input(net, number)
        delta = n.whole("delta", number)
        read = lambda v, name=layer.z: _vector(v.grad(name), column)  # noqa: E731
        out.append(Statement(delta, None, None, f"gradients.{layer.z}", *_three(net, read), "grad"))
        x = n.whole("a", number - 1) if number > 1 else Sym("x")
        outer = product(delta, T(x)) if column else product(T(x), delta)
        values = [(delta, _vector(net.student.grad(layer.z), column)), (x, _vector(net.student.value(source), column))]
        W = n.whole("w", number)
        read = lambda v, name=layer.weight, layer=layer: _matrix(v.grad(name), layer, column, "weight")  # noqa: E731
        out.append(Statement(D(L, W), outer, None, f"gradients.{layer.weight}", *_three(net, read), "grad",
                             values))
        if layer.bias:
            read = lambda v, name=layer.bias: _vector(v.grad(name), column)  # noqa: E731
            out.append(Statement(D(L, n.whole("b", number)), delta, None, f"gradients.{layer.bias}",
                                 *_three(net, read), "grad", values[:1]))
    return out


def _updates_matrix(net: Network) -> list[Statement]:
    out = []
    n = net.names
    L = Sym(n.loss)
    column = net.solution.convention == "column"
    if not _sgd(net):
        return out
    lr = float(net.solution.optimizer.lr)
    eta = Sym(n.lr)
    for number, layer in enumerate(net.solution.layers, start=1):
        for name, symbol, kind in ((layer.weight, n.whole("w", number), "weight"),
                                   (layer.bias, n.whole("b", number), "bias")):
            if not name:
                continue
            convert = (lambda a, layer=layer: _matrix(a, layer, column, "weight")) if kind == "weight" else \
                (lambda a: _vector(a, column))
            read = lambda v, name=name, convert=convert: convert(v.updated(name))  # noqa: E731
            new = Sym(symbol.base, symbol.sub, symbol.layer, updated=True)
            gradient = D(L, symbol)
            values = [(symbol, convert(net.student.value(name))), (eta, lr),
                      (gradient, convert(net.student.grad(name)))]
            out.append(Statement(new, Op("-", (symbol, product(eta, gradient))), None, f"updated.{name}",
                                 *_three(net, read), "update", values, assign=True))
    return out


def _vector(array: np.ndarray, column: bool) -> np.ndarray:
    a = np.asarray(array, dtype=float).reshape(-1)
    return a.reshape(-1, 1) if column else a.reshape(1, -1)


def _matrix(array: np.ndarray, layer: Any, column: bool, kind: str) -> np.ndarray:
    a = np.asarray(array, dtype=float)
    if a.ndim == 1:
        a = a.reshape(1, -1) if column else a.reshape(-1, 1)
    return a


__all__ = ["statements", "Mat", "Num"]
