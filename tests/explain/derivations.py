"""Derivations built by hand, independent of derive.py, for the renderers' golden tests.

``seed_004_delta`` is docs/explain.md's Sample 1 (seed 004, delta style, net = W a,
σ(x) = x², L = ½(t − y)², η = 0.01); every number is worked by hand there.
``seed_002_chain`` is Sample 2 (seed 002's w₆ in the row reading), with values
from the sample at full precision (a₃ = σ(−0.4)).
"""

from __future__ import annotations

import math

from gradwork.explain.math import (
    Array, Call, Cases, Derivative, Label, Neg, Number, OpTemplate, Power, Product, Quotient, Relation, Sum, Symbol,
    Transpose, Words,
)
from gradwork.explain.steps import (
    ChainProduct, Compute, Definition, Derivation, Factor, Given, Pitfall, Prose, Section, Table, Update,
)


def n(value, exact: bool = False) -> Number:
    return Number(value, exact)


def vector(*values) -> Array:
    return Array(tuple(v if not isinstance(v, (int, float)) else n(v) for v in values))


def matrix(*rows) -> Array:
    return Array(tuple(tuple(v if not isinstance(v, (int, float)) else n(v) for v in row) for row in rows))


def times(*factors, kind: str = "dot") -> Product:
    return Product(tuple(f if not isinstance(f, (int, float)) else n(f) for f in factors), kind)  # type: ignore[arg-type]


def minus(a, b) -> Sum:
    return Sum((a if not isinstance(a, (int, float)) else n(a), Neg(b if not isinstance(b, (int, float)) else n(b))))


def seed_004_delta() -> Derivation:
    x, t, y, L, eta = Symbol("x"), Symbol("t"), Symbol("y"), Symbol("L"), Symbol("η")
    W1, w2 = Symbol("W", "1"), Symbol("w", "2")
    net1, net2, a1 = Symbol("net", "1"), Symbol("net", "2"), Symbol("a", "1")
    d1, d2 = Symbol("δ", "1"), Symbol("δ", "2")

    def sigma_prime(arg):
        return Call("σ′", (arg,))

    j, i, k = ("j",), ("i",), ("k",)
    netK_j = Symbol("net", "K", j)
    setup = Section("Setup", "setup", (
        Prose("Column convention: net⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ with a⁽⁰⁾ = x, and no biases. Indices count from 1.",
              Relation((Symbol("net", "l"), times(Symbol("W", "l"), Symbol("a", "l-1"), kind="matmul")))),
        Given((
            Relation((x, vector(n(2, True), n(3, True)))),
            Relation((W1, matrix((n(-2, True), n(3, True)), (n(2, True), n(1, True))))),
            Relation((w2, vector(n(-2, True), n(1, True)))),
            Relation((t, n(3, True))),
            Relation((eta, n(0.01, True))),
        )),
        Definition("x**2", Relation((Call("σ", (x,)), Power(x, n(2, True)))),
                   Relation((Call("σ′", (x,)), times(n(2, True), x))),
                   "The activation squares its input, so its derivative is 2x (not the logistic σ(1 − σ))."),
        Definition("half_sse", OpTemplate("half_sse", "definition"),
                   Relation((Derivative(L, y), OpTemplate("half_sse", "partial", (("y", y), ("t", t))))),
                   "The ½ cancels the 2 that differentiating the square brings down."),
    ))
    forward = Section("Forward pass", "forward", (
        Compute("layer1.z", "forward", net1, times(W1, x, kind="matmul"),
                vector(Sum((times(-2, 2), times(3, 3))), Sum((times(2, 2), times(1, 3)))), vector(5.0, 7.0)),
        Compute("layer1.a", "forward", a1, Call("σ", (net1,)),
                vector(Power(n(5.0), n(2, True)), Power(n(7.0), n(2, True))), vector(25.0, 49.0)),
        Compute("layer2.z", "forward", net2, times(w2, a1), Sum((times(-2, 25.0), times(1, 49.0))), n(-1.0)),
        Compute("layer2.a", "forward", y, Call("σ", (net2,)), Power(n(-1.0), n(2, True)), n(1.0)),
    ))
    loss = Section("Loss", "loss", (
        Compute("loss", "loss", L, OpTemplate("half_sse", "term", (("y", y), ("t", t))),
                OpTemplate("half_sse", "term", (("y", n(1.0)), ("t", n(3, True)))), n(2.0)),
    ))
    backward = Section("Backward pass", "backward", (
        Prose("The delta of unit j in layer K is δ⁽ᴷ⁾ⱼ = ∂L/∂net⁽ᴷ⁾ⱼ. Each weight's gradient is the delta of the "
              "unit it feeds times the value it carries:",
              Relation((Derivative(L, Symbol("w", "K", ("j", "i"))), times(Symbol("δ", "K", j),
                                                                          Symbol("a", "K-1", i))))),
        Prose("", Relation((Symbol("δ", "K", j), Cases((
            (times(Neg(minus(Symbol("t", None, j), Symbol("y", None, j))), sigma_prime(netK_j)),
             Words("if K is the output layer")),
            (times(times(Symbol("Σₖ"), Symbol("δ", "K+1", k), Symbol("w", "K+1", ("k", "j")), kind="matmul"),
                   sigma_prime(netK_j)),
             Words("otherwise")),
        ))))),
        Compute("layer2.z", "backward", d2, times(Neg(minus(t, y)), sigma_prime(net2)),
                Neg(times(minus(3, 1.0), times(2, -1.0))), n(4.0),
                note="σ′(net⁽²⁾) = 2·net⁽²⁾ = 2·(−1)."),
        Compute("layer2.W", "backward", Derivative(L, w2), times(d2, a1),
                vector(times(4.0, 25.0), times(4.0, 49.0)), vector(100.0, 196.0)),
        Compute("layer1.z", "backward", d1, times(times(d2, w2), sigma_prime(net1), kind="hadamard"), None,
                vector(-80.0, 56.0), parts=(
                    Relation((Symbol("δ", "1", (0,)),
                              times(d2, Symbol("w", "2", (0,)), sigma_prime(Symbol("net", "1", (0,)))),
                              times(4.0, -2, times(2, 5.0)), n(-80.0))),
                    Relation((Symbol("δ", "1", (1,)),
                              times(d2, Symbol("w", "2", (1,)), sigma_prime(Symbol("net", "1", (1,)))),
                              times(4.0, 1, times(2, 7.0)), n(56.0))),
                )),
        Compute("layer1.W", "backward", Derivative(L, W1), times(d1, Transpose(x), kind="matmul"),
                matrix((times(-80.0, 2), times(-80.0, 3)), (times(56.0, 2), times(56.0, 3))),
                matrix((-160.0, -240.0), (112.0, 168.0)),
                note="An outer product: entry (j, i) is δ⁽¹⁾ⱼ·xᵢ."),
    ))

    def sgd(old, grad, new):
        return Sum((old, Neg(times(n(0.01, True), grad)))), new

    update = Section("Update", "update", (
        Update("layer2.W", Relation((
            Symbol("w", "2", updated=True), Sum((w2, Neg(times(eta, Derivative(L, w2))))),
            vector(minus(n(-2, True), times(n(0.01, True), 100.0)), minus(n(1, True), times(n(0.01, True), 196.0))),
            vector(-2 - 0.01 * 100.0, 1 - 0.01 * 196.0)))),
        Update("layer1.W", Relation((
            Symbol("W", "1", updated=True), Sum((W1, Neg(times(eta, Derivative(L, W1))))),
            matrix((minus(n(-2, True), times(n(0.01, True), -160.0)), minus(n(3, True), times(n(0.01, True), -240.0))),
                   (minus(n(2, True), times(n(0.01, True), 112.0)), minus(n(1, True), times(n(0.01, True), 168.0)))),
            matrix((-2 + 0.01 * 160.0, 3 + 0.01 * 240.0), (2 - 0.01 * 112.0, 1 - 0.01 * 168.0))))),
    ))
    summary = Section("Summary", "summary", (
        Table("Summary", ("quantity", "value", "∂L/∂·", "updated"), (
            (x, vector(2.0, 3.0), vector(272.0, -184.0), "—"),
            (W1, matrix((-2.0, 3.0), (2.0, 1.0)), matrix((-160.0, -240.0), (112.0, 168.0)),
             matrix((-2 + 0.01 * 160.0, 3 + 0.01 * 240.0), (2 - 0.01 * 112.0, 1 - 0.01 * 168.0))),
            (net1, vector(5.0, 7.0), vector(-80.0, 56.0), "—"),
            (a1, vector(25.0, 49.0), vector(-8.0, 4.0), "—"),
            (w2, vector(-2.0, 1.0), vector(100.0, 196.0), vector(-2 - 0.01 * 100.0, 1 - 0.01 * 196.0)),
            (net2, n(-1.0), n(4.0), "—"),
            (y, n(1.0), n(-2.0), "—"),
            (L, n(2.0), "—", "—"),
        )),
    ))
    pitfalls = Section("Watch out", "summary", (
        Pitfall("factor_half", "The ½ in ½(t − y)² only cancels the 2 of the square: don't halve the gradient "
                               "again.", "loss"),
        Pitfall("activation_derivative", "Here σ(x) = x², not the logistic sigmoid: σ′(x) = 2x, "
                                         "not σ(x)(1 − σ(x)).", "layer1.a"),
    ))
    return Derivation("HW 1: a 2-2-1 network, one SGD step (seed 004)", "delta", "float",
                      (setup, forward, loss, backward, update, summary, pitfalls),
                      {"input": x, "layer1.W": W1, "layer2.W": w2, "loss": L})


def seed_002_chain() -> Derivation:
    """docs/explain.md's Sample 2: w₆'s gradient as three numbered factors, and b₃ reusing two of them."""
    a2, a3, z3, y, J = Symbol("a2"), Symbol("a3"), Symbol("z3"), Symbol("y"), Symbol("J")
    w6, b3 = Symbol("w6"), Symbol("b3")
    a3_value = 1 / (1 + math.exp(0.4))  # σ(z₃) with z₃ = −0.4
    d1 = (a3_value - 0) / (a3_value * (1 - a3_value))
    d2 = a3_value * (1 - a3_value)
    grad_w6 = d1 * d2 * 0.8
    setup = Section("Setup", "setup", (
        Prose("Row convention: w₆ joins hidden unit 2 to the output.",
              Relation((z3, Sum((times(Symbol("a1"), Symbol("w5")), times(a2, w6), b3))))),
        Given((Relation((a2, n(0.8))), Relation((a3, n(a3_value))), Relation((y, n(0, True))),
               Relation((w6, n(-0.5, True))), Relation((Symbol("η"), n(0.01, True))))),
        Definition("bce", Relation((J, Neg(Sum((times(y, Call("log", (a3,))),
                                                times(minus(n(1, True), y), Call("log", (minus(n(1, True), a3),)))))))),
                   None, "Logs are natural logs."),
    ))
    backward = Section("Backward pass", "backward", (
        Prose("∂J/∂w₆ is a product of three chain-rule factors, each derived once:",
              Relation((Derivative(J, w6), times(Label(1), Label(2), Label(3))))),
        Factor(1, Derivative(J, a3), Quotient(minus(a3, y), times(a3, minus(n(1, True), a3))), n(d1), "output.a"),
        Factor(2, Derivative(a3, z3), times(a3, minus(n(1, True), a3)), n(d2), "output.z"),
        Factor(3, Derivative(z3, w6), a2, n(0.8), "output.W"),
        ChainProduct("output.W[1]", Derivative(J, w6), ((1, 2, 3),), (), n(grad_w6),
                     "[B1]·[B2] = a₃ − y = 0.4013: sigmoid and cross-entropy cancel, which is why this output layer's "
                     "δ is just a₃ − y."),
        Factor(4, Derivative(z3, b3), n(1, True), n(1, True), "output.b"),
        ChainProduct("output.b", Derivative(J, b3), ((1, 2, 4),), (1, 2), n(d1 * d2)),
    ))
    update = Section("Update", "update", (
        Update("output.W[1]", Relation((Symbol("w6", updated=True),
                                        Sum((w6, Neg(times(Symbol("η"), Derivative(J, w6))))),
                                        minus(n(-0.5, True), times(n(0.01, True), n(grad_w6))),
                                        n(-0.5 - 0.01 * grad_w6)))),
        Update("output.b", Relation((Symbol("b3", updated=True), b3, n(0, True))), frozen=True),
    ))
    return Derivation("Exam 4a: the weight w₆ (seed 002)", "chain", "float", (setup, backward, update),
                      {"loss": J})
