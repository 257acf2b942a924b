"""Students of random two-layer exercises, worked by hand in NumPy, each with one mistake of the kind students make.

Nothing here calls gradwork: the network (either convention, a batch or one
sample), its loss, its gradients and one SGD step are written out as a student
writes them, and each mistake is made *in that working* (σ′ = h(1 − h) used
for tanh′, the 2 of a square dropped, W read in the other convention, the
update's sign, ...), so the numbers of every later answer follow from it. The
truth is known: the mistake, and so the first item it makes wrong. The tests
then ask whether ``gradwork check`` charges it there, with its code, once, and
credits everything after it (tests/check/test_random_students.py; the
benchmark benchmarks/check_students.py runs many more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

HIDDEN = ("relu", "leaky_relu", "sigmoid", "tanh")
OUTPUTS = (("sigmoid", "bce"), ("identity", "mse"), ("identity", "sse"), ("identity", "half_sse"),
           ("sigmoid", "mse"), ("identity", "cross_entropy"))
ALPHA = 0.1  # leaky ReLU's slope below 0


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


@dataclass
class Exercise:
    """A random 2-layer exercise: the problem file's data and everything a student needs."""

    convention: str
    x: np.ndarray  # (n,) or (N, n)
    t: np.ndarray
    w1: np.ndarray  # in the problem's layout: [out, in] for column, [in, out] for row
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    hidden: str
    output: str
    loss: str
    lr: float
    points: dict[str, int] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()  # items the sheet does not ask
    figures: int = 4  # how many significant figures the students write

    @property
    def batch(self) -> bool:
        return self.x.ndim == 2

    @property
    def probability(self) -> str:
        """The key of the network's output probabilities."""
        return "output.p" if self.loss == "cross_entropy" else "output.a"

    def every_item(self) -> list[str]:
        return [f"values.{k}" for k in ("hidden.z", "hidden.a", "output.z", self.probability)] + ["loss"] + \
            [f"gradients.{k}" for k in ("output.z", "output.W", "output.b", "hidden.a", "hidden.z", "hidden.W",
                                        "hidden.b")] + \
            [f"updated.{k}" for k in ("output.W", "output.b", "hidden.W", "hidden.b")]

    def ask(self) -> list[str]:
        return [key for key in self.every_item() if key not in self.dropped]

    def problem(self) -> dict[str, Any]:
        activation: Any = {"name": "leaky_relu", "alpha": ALPHA} if self.hidden == "leaky_relu" else self.hidden
        return {"title": "random exercise", "convention": self.convention, "input": self.x.tolist(),
                "target": self.t.tolist(),
                "layers": [{"name": "hidden", "weights": self.w1.tolist(), "bias": self.b1.tolist(),
                            "activation": activation},
                           {"name": "output", "weights": self.w2.tolist(), "bias": self.b2.tolist(),
                            "activation": self.output}],
                "loss": self.loss, "optimizer": {"name": "sgd", "lr": self.lr},
                "ask": self.ask(), "marking": {"points": {k: v for k, v in self.points.items() if k in self.ask()}}}

    def total(self) -> int:
        return sum(self.points.get(k, 1) for k in self.ask())


def grid(rng: np.random.Generator, shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Numbers with one decimal, never 0 (as an exercise prints them)."""
    values = rng.integers(round(low * 10), round(high * 10) + 1, size=shape) / 10
    return np.where(values == 0, 0.1, values)


def random_exercise(rng: np.random.Generator, sparse: float = 0.0) -> Exercise:
    """A random exercise with no hidden pre-activation at exactly 0 (where ReLU's derivative is a convention)."""
    while True:
        ex = _draw(rng, sparse)
        X = ex.x if ex.batch else ex.x[None, :]
        if np.all(np.abs(X @ (ex.w1 if ex.convention == "row" else ex.w1.T) + ex.b1) > 1e-9):
            return ex


def _draw(rng: np.random.Generator, sparse: float) -> Exercise:
    n_in, n_hidden = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    output, loss = OUTPUTS[int(rng.integers(len(OUTPUTS)))]
    n_out = int(rng.integers(2, 4)) if loss == "cross_entropy" else int(rng.integers(1, 3))
    batch = int(rng.integers(1, 3))
    convention = ("row", "column")[int(rng.integers(2))]
    x = grid(rng, (batch, n_in) if batch > 1 else (n_in,), -2, 2)
    if loss == "cross_entropy":
        classes = rng.integers(n_out, size=batch)
        t = np.eye(n_out)[classes] if batch > 1 else np.eye(n_out)[classes[0]]
    elif loss == "bce" or output == "sigmoid":
        t = rng.integers(0, 2, size=(batch, n_out) if batch > 1 else (n_out,)).astype(float)
    else:
        t = grid(rng, (batch, n_out) if batch > 1 else (n_out,))
    w1, w2 = grid(rng, (n_hidden, n_in)), grid(rng, (n_out, n_hidden))
    if convention == "row":
        w1, w2 = w1.T.copy(), w2.T.copy()
    points = {k: int(rng.integers(1, 3)) for k in ("loss", "gradients.hidden.W", "updated.output.W",
                                                   "updated.hidden.W", "updated.output.b")}
    ex = Exercise(convention, x, t, w1, grid(rng, (n_hidden,), -0.5, 0.5), w2, grid(rng, (n_out,), -0.5, 0.5),
                  HIDDEN[int(rng.integers(len(HIDDEN)))], output, loss, float(rng.choice([0.1, 0.5, 0.05])),
                  points, figures=int(rng.choice([3, 4, 4, 5])))
    if rng.random() < sparse:  # an exam sheet that asks for a few numbers only
        every = ex.every_item()
        keep = rng.random(len(every)) < 0.5
        keep[-4 + int(rng.integers(4))] = True  # at least one update
        ex.dropped = tuple(key for key, kept in zip(every, keep) if not kept)
    return ex


# ---------------------------------------------------------------- a student's working
@dataclass
class Slip:
    """One mistake, as the student makes it."""

    code: str  # the diagnosis gradwork should give ("" for an arithmetic slip, which has none)
    name: str
    options: dict[str, Any] = field(default_factory=dict)


def derivative(kind: str, z: np.ndarray, a: np.ndarray, rule: str | None = None) -> np.ndarray:
    """An activation's derivative; ``rule`` another one a student writes instead."""
    rule = rule or kind
    if rule == "none":
        return np.ones_like(z)
    if rule == "relu":
        return (z > 0).astype(float)
    if rule == "leaky_relu":
        return np.where(z > 0, 1.0, ALPHA)
    if rule == "sigmoid":
        return a * (1 - a)
    if rule == "sigmoid_at_z":
        return z * (1 - z)
    if rule == "tanh":
        return 1 - a ** 2
    if rule == "identity":
        return np.ones_like(z)
    raise ValueError(rule)


def activation(kind: str, z: np.ndarray) -> np.ndarray:
    return {"relu": lambda: np.maximum(z, 0), "leaky_relu": lambda: np.where(z > 0, z, ALPHA * z),
            "sigmoid": lambda: sigmoid(z), "tanh": lambda: np.tanh(z), "identity": lambda: z}[kind]()


def work(ex: Exercise, slip: Slip | None = None) -> dict[str, np.ndarray]:
    """Every asked number as a student computes it (full precision), with ``slip`` made."""
    o = slip.options if slip else {}
    name = slip.name if slip else ""
    x = o.get("x", ex.x)
    X = x if ex.batch else x[None, :]  # samples in rows
    T = ex.t if ex.batch else ex.t[None, :]
    n = X.shape[0]
    # Everything in the row layout: Z = X A + b with A = [in, out].
    A1 = ex.w1 if ex.convention == "row" else ex.w1.T
    A2 = ex.w2 if ex.convention == "row" else ex.w2.T
    used = A1.T if name == "read_transposed" else A1  # the square W1 read in the other convention
    at = o.get("at")

    def slipped(key: str, V: np.ndarray) -> np.ndarray:  # an arithmetic slip in the first number of ``key``
        if name != "forward_slip" or at != key:
            return V
        V = V.copy()
        V.flat[0] += 0.3
        return V

    carry = o.get("carry")

    def r(V: Any) -> Any:  # every number rounded as it is written down, then used rounded (``carry`` figures)
        return np.asarray(written(V, carry), dtype=float) if carry else V

    Z1 = r(slipped("values.hidden.z", X @ used + ex.b1))
    H = r(slipped("values.hidden.a", activation(ex.hidden, Z1)))
    Z2 = r(slipped("values.output.z", H @ A2 + ex.b2))
    ln = np.log10 if name.startswith("log10") else np.log
    if ex.loss == "cross_entropy":
        E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        P = r(E / E.sum(axis=1, keepdims=True))
        per = -(T * ln(P)).sum(axis=1)
        if name == "softmax_diagonal":
            dZ2 = -T / P * P * (1 - P)
        else:
            dZ2 = P - T
        Y = P
    else:
        Y = r(activation(ex.output, Z2))
        k = Y.shape[1]
        if ex.loss == "bce":
            per = -(T * ln(Y) + (1 - T) * ln(1 - Y)).mean(axis=1)
            dY = (-(T / Y) + (1 - T) / (1 - Y)) / k
        elif ex.loss == "mse":
            per = ((T - Y) ** 2).mean(axis=1)
            dY = o.get("two", 2.0) * (Y - T) / k
        elif ex.loss == "sse":
            per = ((T - Y) ** 2).sum(axis=1)
            dY = o.get("two", 2.0) * (Y - T)
        else:  # half_sse
            per = 0.5 * ((T - Y) ** 2).sum(axis=1)
            dY = o.get("two", 1.0) * (Y - T)
        if name == "log10_through":
            dY = dY / np.log(10)
        dZ2 = r(r(dY) * derivative(ex.output, Z2, Y, o.get("output_rule")))
    L = r(per.mean())
    if name != "batch_sum":
        dZ2 = r(dZ2 / n)
    dA2 = r(H.T @ dZ2)
    db2 = r(dZ2.sum(axis=0))
    dH = r(dZ2 @ A2.T)
    dZ1 = r(dH * derivative(ex.hidden, Z1, H, o.get("hidden_rule")))
    dA1 = r(X.T @ dZ1)
    db1 = r(dZ1.sum(axis=0))
    if name == "read_transposed":
        dA1 = dA1.T  # the gradient of each weight they used, reported where the problem prints that weight
    lr = {"update_sign": -ex.lr, "eta_left_out": 1.0, "eta_misread": ex.lr * 10}.get(name, ex.lr)
    A2n, A1n = r(A2 - lr * dA2), r(A1 - lr * dA1)
    b2n, b1n = (ex.b2, ex.b1) if name == "bias_not_updated" else (r(ex.b2 - lr * db2), r(ex.b1 - lr * db1))

    def layout(A: np.ndarray) -> np.ndarray:  # back to the problem's layout
        return A if ex.convention == "row" else A.T

    def values(V: np.ndarray) -> np.ndarray:
        return V if ex.batch else V[0]

    out = {"values.hidden.z": values(Z1), "values.hidden.a": values(H), "values.output.z": values(Z2),
           f"values.{ex.probability}": values(Y), "loss": np.asarray(L),
           "gradients.output.z": values(dZ2), "gradients.output.W": layout(dA2), "gradients.output.b": db2,
           "gradients.hidden.a": values(dH), "gradients.hidden.z": values(dZ1), "gradients.hidden.W": layout(dA1),
           "gradients.hidden.b": db1, "updated.output.W": layout(A2n), "updated.output.b": b2n,
           "updated.hidden.W": layout(A1n), "updated.hidden.b": b1n}
    if name == "gradient_written_transposed":
        out["gradients.hidden.W"] = out["gradients.hidden.W"].T
    if ex.output == "identity" and ex.loss != "cross_entropy":
        out["values.output.a"] = values(Z2)
    return out


def slips(ex: Exercise, rng: np.random.Generator) -> list[Slip]:
    """The mistakes that can be made in this exercise."""
    other = {"tanh": "sigmoid", "sigmoid": "tanh", "leaky_relu": "relu"}
    found = [Slip("update_sign", "update_sign"), Slip("learning_rate", "eta_left_out"),
             Slip("learning_rate", "eta_misread"), Slip("bias_not_updated", "bias_not_updated"),
             Slip("activation_derivative", "hidden_rule_none", {"hidden_rule": "none"})]
    forward = [k for k in ("values.hidden.z", "values.hidden.a", "values.output.z") if k in ex.ask()]
    if forward:  # a slip the teacher can see: in a number the sheet asks (one it does not ask cannot be followed)
        found.append(Slip("", "forward_slip", {"at": forward[0]}))
    if ex.hidden in other:
        found.append(Slip("activation_derivative", "hidden_other_rule", {"hidden_rule": other[ex.hidden]}))
    if ex.output == "sigmoid":
        found.append(Slip("activation_derivative", "output_tanh_rule", {"output_rule": "tanh"}))
        found.append(Slip("activation_derivative", "output_at_z", {"output_rule": "sigmoid_at_z"}))
    if ex.loss in ("mse", "sse"):
        found.append(Slip("factor_half", "dropped_two", {"two": 1.0}))
    if ex.loss == "half_sse":
        found.append(Slip("factor_2", "kept_two", {"two": 2.0}))
    if ex.loss in ("bce", "cross_entropy"):
        found.append(Slip("log_base_10", "log10_loss"))
    if ex.loss == "bce":
        found.append(Slip("log_base_10", "log10_through"))
    if ex.loss == "cross_entropy":
        found.append(Slip("softmax_diagonal_jacobian", "softmax_diagonal"))
    if ex.batch:
        found.append(Slip("batch_mean", "batch_sum"))
    if ex.w1.shape[0] == ex.w1.shape[1]:
        found.append(Slip("transposed", "read_transposed"))
    else:
        found.append(Slip("transposed", "gradient_written_transposed"))
    found.append(Slip("rounding", "rounded_intermediates", {"carry": 2}))
    misread = ex.x.copy()
    misread.flat[int(rng.integers(misread.size))] *= -1
    found.append(Slip("misread_data", "misread_input", {"x": misread}))
    return found


def written(value: np.ndarray, figures: int = 4) -> Any:
    """As a student writes a number: to ``figures`` significant figures."""
    array = np.asarray(value, dtype=float)
    text = np.vectorize(lambda v: float(f"{v:.{figures}g}"))(array) if array.size else array
    return np.asarray(text).tolist() if array.ndim else float(text)


def answers_file(ex: Exercise, numbers: dict[str, np.ndarray], slip: Slip | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    figures = slip.options.get("carry", ex.figures) if slip else ex.figures
    for key in ex.ask():
        value = written(numbers[key], figures)
        if key == "loss":
            out["loss"] = value
        else:
            section, name = key.split(".", 1)
            out.setdefault(section, {})[name] = value
    if slip is not None and slip.name == "misread_input":
        out["values"] = {"input": slip.options["x"].tolist(), **out.get("values", {})}
    return out


# ---------------------------------------------------------------- what a teacher expects
@dataclass
class Expected:
    """The teacher's marking of one student: the first item the mistake makes wrong, and the points."""

    first: str | None  # None: the mistake changes no asked number beyond the tolerance
    points: float
    later: list[str]  # the items after the first one (each right given it: correct or carried forward)
    before: list[str]


def expected(ex: Exercise, clean: dict[str, np.ndarray], mine: dict[str, np.ndarray], tolerance: Any,
             slip: Slip | None = None) -> Expected:
    """Charged once, at the first asked item (in the sheet's order) that the mistake moves beyond the tolerance."""
    keys = ex.ask()
    figures = slip.options.get("carry", ex.figures) if slip else ex.figures
    first = None
    for key in keys:
        right, wrote = np.asarray(clean[key], dtype=float), np.asarray(written(mine[key], figures), dtype=float)
        if right.shape != wrote.shape or not bool(np.all(tolerance.passes(wrote, right))):
            first = key
            break
    if first is None:
        return Expected(None, ex.total(), [], keys)
    at = keys.index(first)
    return Expected(first, ex.total() - ex.points.get(first, 1), keys[at + 1:], keys[:at])
