"""What a student computes for a network problem, as statements: one per line of working, with the truth.

Each :class:`Statement` is one equation the student writes (``head = formula = numbers = result``) with the
quantity it gives (a check key such as ``gradients.hidden.W[0,1]``, or a mark-only one such as a local
derivative) and three values: the student's (from check's replay of the solve with the planted mistakes and
the student's rounding carried), the value of a student who rounds the same way but makes no mistake, and the
true value. The writer decides per line what is shown; the truth follows from the three values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.mark.corpus.expr import Call, Mat, Neg, Num, Op, Paren, Pow, Sym, T, number_text, product, total

ACTIVATION_CALLS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "leaky_relu": "lrelu",
                    "softplus": "softplus", "identity": None, "elu": "elu"}


@dataclass
class Statement:
    head: Any  # Sym or D
    formula: Any = None  # the rule in symbols
    substituted: Any = None  # the rule with the student's numbers put in (None: computed when shown)
    key: str | None = None  # what the line gives: a check key, "local:...", "given:...", None
    student: Any = None
    clean: Any = None
    true: Any = None
    kind: str = "value"  # given | value | loss | grad | local | update
    inputs: list = field(default_factory=list)  # (Sym, student value) pairs the substitution uses
    assign: bool = False  # written with an arrow or := (an update)
    planted: str | None = None  # filled by the truth pass: the mistake code first shown here


@dataclass
class Names:
    """A student's symbols for one network."""

    scheme: str  # layered | flat | letters
    loss: str
    target: str
    lr: str
    input: str
    layers: int
    units: list[int]  # units per layer, the input first
    flat_index: dict = field(default_factory=dict)

    def x(self, i: int) -> Sym:
        if self.input == "a0":
            return Sym("a", str(i + 1), "0")
        return Sym(self.input, str(i + 1) if self.units[0] > 1 or self.scheme != "letters" else "")

    def w(self, layer: int, j: int, i: int) -> Sym:
        if self.scheme == "layered":
            return Sym("w", f"{j + 1}{i + 1}", str(layer))
        if self.scheme == "flat":
            return Sym("w", str(self.flat_index[("w", layer, j, i)]))
        if layer == self.layers and self.layers == 2:
            return Sym("v", f"{j + 1}{i + 1}" if self.units[-1] > 1 else str(i + 1))
        return Sym("w", f"{j + 1}{i + 1}")

    def b(self, layer: int, j: int) -> Sym:
        if self.scheme == "layered":
            return Sym("b", str(j + 1), str(layer))
        if self.scheme == "flat":
            return Sym("b", str(self.flat_index[("b", layer, j)]))
        if layer == self.layers and self.layers == 2:
            return Sym("c", str(j + 1) if self.units[-1] > 1 else "")
        return Sym("b", str(j + 1))

    def z(self, layer: int, j: int) -> Sym:
        if self.scheme == "layered":
            return Sym("z", str(j + 1), str(layer))
        if self.scheme == "flat":
            return Sym("z", str(self.flat_index[("z", layer, j)]))
        if layer == self.layers and self.layers == 2:
            return Sym("s", str(j + 1) if self.units[-1] > 1 else "")
        return Sym("z", str(j + 1))

    def a(self, layer: int, j: int) -> Sym:
        if self.scheme == "layered":
            return Sym("a", str(j + 1), str(layer))
        if self.scheme == "flat":
            return Sym("a", str(self.flat_index[("z", layer, j)]))
        if layer == self.layers and self.layers == 2:
            return Sym("y", str(j + 1) if self.units[-1] > 1 else "")
        return Sym("h", str(j + 1))

    def delta(self, layer: int, j: int) -> Sym:
        if self.scheme == "layered":
            return Sym("delta", str(j + 1), str(layer))
        if self.scheme == "flat":
            return Sym("delta", str(self.flat_index[("z", layer, j)]))
        if layer == self.layers and self.layers == 2:
            return Sym("delta", "o" + (str(j + 1) if self.units[-1] > 1 else ""))
        return Sym("delta", str(j + 1))

    def t(self, j: int) -> Sym:
        return Sym(self.target, str(j + 1) if self.units[-1] > 1 else "")

    def whole(self, kind: str, layer: int) -> Sym:
        """A whole layer's vector or matrix: W^(2), z^(1), ..."""
        base = {"w": "W", "b": "b", "z": "z", "a": "a", "delta": "delta"}[kind]
        if self.scheme == "letters" and self.layers == 2:
            if layer == self.layers:
                base = {"w": "V", "b": "c", "z": "s", "a": "y", "delta": "delta"}[kind]
                return Sym(base, "o" if kind == "delta" else "")
            base = {"w": "W", "b": "b", "z": "z", "a": "h", "delta": "delta"}[kind]
            return Sym(base, "h" if kind == "delta" else "")
        return Sym(base, "", str(layer)) if self.scheme == "layered" else Sym(base, str(layer))


def choose_names(rng: random.Random, units: list[int]) -> Names:
    layers = len(units) - 1
    schemes = ["layered", "flat"] + (["letters"] if layers == 2 else [])
    scheme = rng.choice(schemes)
    loss = rng.choice(["L", "E", "J", "C"])
    names = Names(scheme, loss, "t", rng.choice(["eta", "eta", "alpha"]), rng.choice(["x", "x", "i"]), layers, units)
    if scheme == "layered" and rng.random() < 0.2:
        names.input = "a0"
    if scheme == "flat":
        counter = {"w": 0, "b": 0, "z": 0}
        for layer in range(1, layers + 1):
            for j in range(units[layer]):
                counter["z"] += 1
                names.flat_index[("z", layer, j)] = counter["z"]
                counter["b"] += 1
                names.flat_index[("b", layer, j)] = counter["b"]
                for i in range(units[layer - 1]):
                    counter["w"] += 1
                    names.flat_index[("w", layer, j, i)] = counter["w"]
        if names.input == "i":
            names.input = "x"
    return names


# ---------------------------------------------------------------- values of the solve, as the student has them
class Values:
    """Read one replay state of check's Graph by node name and element, in the layer's (unit j, input i) terms."""

    def __init__(self, graph: Any, state: Any, solution: Any) -> None:
        self.graph, self.state, self.solution = graph, state, solution

    def value(self, name: str) -> np.ndarray:
        return np.asarray(self.state.values[self.graph.names[name]], dtype=float)

    def grad(self, name: str) -> np.ndarray:
        g = self.state.grads[self.graph.names[name]]
        return np.zeros(np.shape(self.value(name))) if g is None else np.asarray(g, dtype=float)

    def updated(self, name: str) -> np.ndarray | None:
        i = self.graph.params.get(name)
        found = self.state.updated.get(i) if i is not None else None
        return None if found is None else np.asarray(found, dtype=float)

    def loss(self) -> float:
        return float(np.asarray(self.state.values[self.graph.loss], dtype=float).reshape(()))


def weight_index(layer: Any, convention: str, j: int, i: int) -> tuple[int, ...]:
    if layer.flat_weights:
        return (i,)
    return (i, j) if convention == "row" else (j, i)


def element_key(section: str, name: str, shape: tuple[int, ...], index: tuple[int, ...]) -> str:
    if not shape:
        return f"{section}.{name}"
    return f"{section}.{name}[{','.join(map(str, index))}]"


def flat_at(array: np.ndarray, index: tuple[int, ...]) -> float:
    a = np.asarray(array, dtype=float)
    if a.ndim == 0:
        return float(a)
    if a.ndim != len(index):
        return float(a.reshape(-1)[index[-1] if len(index) else 0])
    return float(a[index])


def unit_index(array_shape: tuple[int, ...], j: int) -> tuple[int, ...]:
    return () if not array_shape else (j,) if len(array_shape) == 1 else (0, j)


@dataclass
class Network:
    """The network problem as the writer sees it: layers, values of three replays, the student's names."""

    solution: Any
    graph: Any
    student: Values
    clean: Values
    true: Values
    names: Names
    rounding: tuple[int, str]  # (digits, "sig" | "dec")

    def num(self, value: float) -> Num:
        return Num(float(value), number_text(float(value), *self.rounding))

    def mat(self, array: np.ndarray) -> Mat:
        a = np.asarray(array, dtype=float)
        if a.ndim == 0:
            a = a.reshape(1, 1)
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        return Mat(tuple(tuple(self.num(v) for v in row) for row in a))


# ---------------------------------------------------------------- rules as a student writes them
def activation_rule(name: str, z: Any, a: Any) -> Any:
    """a = f(z) as written."""
    call = ACTIVATION_CALLS.get(name)
    if name == "identity":
        return z
    if name == "x**2" or name == "square":
        return Pow(z, Num(2, "2"))
    if call is None:
        return None
    return Call(call, (z,))


def derivative_rule(name: str, z: Any, a: Any, rng: random.Random) -> Any:
    """f'(z) as a student writes it: in the output a where that is the habit, else f'(z)."""
    if name == "sigmoid":
        return rng.choice([product(a, Paren(Op("-", (Num(1, "1"), a)))), Call("sigmoid", (z,), prime=True)])
    if name == "tanh":
        return rng.choice([Op("-", (Num(1, "1"), Pow(a, Num(2, "2")))), Call("tanh", (z,), prime=True)])
    if name in ("x**2", "square"):
        return product(Num(2, "2"), z)
    if name == "identity":
        return None
    call = ACTIVATION_CALLS.get(name)
    return None if call is None else Call(call, (z,), prime=True)


def loss_rule(solution: Any, names: Names, outputs: list[Sym], targets: list[Sym]) -> Any:
    """The loss in symbols, for the named losses."""
    loss = solution.loss_name
    terms = []
    n = len(outputs)
    for y, t in zip(outputs, targets):
        if loss in ("half_sse", "sse", "mse"):
            terms.append(Pow(Paren(Op("-", (t, y))), Num(2, "2")))
        elif loss == "l1":
            return None
        elif loss == "bce":
            one_minus_y = Paren(Op("-", (Num(1, "1"), y)))
            terms.append(Op("+", (product(t, Call("log", (y,))),
                                  product(Paren(Op("-", (Num(1, "1"), t))), Call("log", (one_minus_y,))))))
        else:
            return None
    body = total(*terms)
    if loss == "half_sse":
        return product(Paren(Op("/", (Num(1, "1"), Num(2, "2")))), Paren(body) if n > 1 else body)
    if loss == "sse":
        return body
    if loss == "mse":
        return Op("/", (body, Num(n, str(n)))) if n > 1 else body
    if loss == "bce":
        inner = Paren(body)
        return Neg(inner) if n == 1 else Neg(Op("/", (body, Num(n, str(n)))))
    return None


def loss_derivative_rule(solution: Any, y: Any, t: Any, n: int) -> Any:
    loss = solution.loss_name
    if loss == "half_sse":
        return Op("-", (y, t))
    if loss == "sse":
        return product(Num(2, "2"), Paren(Op("-", (y, t))))
    if loss == "mse":
        return product(Num(2, "2"), Paren(Op("-", (y, t)))) if n == 1 else \
            Op("/", (product(Num(2, "2"), Paren(Op("-", (y, t)))), Num(n, str(n))))
    if loss == "bce" and n == 1:
        return Op("/", (Op("-", (y, t)), product(y, Paren(Op("-", (Num(1, "1"), y))))))
    return None


__all__ = ["Network", "Statement", "Values", "activation_rule", "choose_names", "derivative_rule", "element_key",
           "flat_at", "loss_derivative_rule", "loss_rule", "unit_index", "weight_index", "T"]
