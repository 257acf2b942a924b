"""Training-step speed: gradwork vs hand-written NumPy vs PyTorch eager, in one process.

Four cases (one step = forward + loss + backward + optimizer update):

* seed 002: the 2-2-1 relu/sigmoid network, BCE, float64, one sample, SGD lr 0.01
* softmax + CE: seed 000's 4-3-2 leaky_relu(0.01) network without biases, its two
  outputs' softmax and cross-entropy (one-hot target), float64, one sample, SGD lr 0.1
* digits: 64-128-64-10 relu, cross-entropy, float32, batches of 32 real digits, SGD lr 0.01
* big: 784-512-512-10 relu, cross-entropy, float32, batches of 256 (random data), SGD lr 0.01

Contenders: ``numpy`` (a hand-written forward/backward, the practical limit for a
NumPy engine), ``gradwork`` (the training fast path as ``fit`` runs it: the traced
graph with fused ops, compiled into one generated function, SGD in place; the
compiled step picks its scalar back end, Python floats, for the two small nets and
its NumPy back end for the MLPs), ``gradwork-numpy`` (the small nets only: the same
step forced onto the NumPy back end), ``gradwork-graph`` (the plain engine, building a
new graph every step), ``micrograd`` (the small nets: Karpathy's micrograd, the PyPI
package, when installed (the ``bench`` extra), with the functions it lacks added the way
its ``relu`` is written), ``scalars`` (the small nets: a leaner micrograd-style engine of
pure-Python scalar nodes written here, with ``__slots__`` and no child sets: a stricter
comparison for the graph-per-step engine than micrograd itself),
``floats`` (the small nets: the step written by hand in plain Python floats, the
floor for any Python engine), ``torch`` (PyTorch eager on the CPU, as many threads
as NumPy's BLAS; float64 for the small nets, float32 for the MLPs, as the data) and
``jax`` (``jax.jit`` of value-and-grad plus the SGD update, when JAX is installed;
XLA limited to one thread).

Besides time, the big MLP's peak memory during a step (tracemalloc, which sees
NumPy's buffers; traced from before the contender is built, so its parameters
and buffers count) is compared with the hand-written NumPy step's.
Before timing, each contender's first step is checked against the NumPy one.
Rounds of each contender are interleaved and the median round is reported, so
that all contenders see the same machine conditions.

Run: ``python benchmarks/train_bench.py [--quick] [--threads 1,2]``; writes
benchmarks/RESULTS.md with one table per thread count (default: 1 and NumPy's
own BLAS thread count). NumPy's BLAS is limited with threadpoolctl and PyTorch
gets the same count with ``torch.set_num_threads``.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow NumPy's kernels; the script restarts
itself without them.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
_SLOWING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(name in os.environ for name in _SLOWING):  # before NumPy loads OpenBLAS
    cleared = {k: v for k, v in os.environ.items() if k not in _SLOWING}
    cleared["GRADWORK_BENCH_CLEARED"] = ",".join(n for n in _SLOWING if n in os.environ)
    os.execve(sys.executable, [sys.executable, *sys.argv], cleared)

import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402
import torch  # noqa: E402

try:  # optional: not a test dependency
    import jax  # noqa: E402

    jax.config.update("jax_enable_x64", True)  # float64 for the small nets; the MLPs pass float32 arrays
    import jax.numpy as jnp  # noqa: E402
except ImportError:  # pragma: no cover
    jax = jnp = None

try:  # optional: the `bench` extra installs Karpathy's micrograd (PyPI `micrograd`), the engine the issue names
    from micrograd.engine import Value as MicrogradValue  # noqa: E402
except ImportError:  # pragma: no cover
    MicrogradValue = None

from gradwork import functional as F  # noqa: E402
from gradwork.nn import MLP, SGD, loss  # noqa: E402
from gradwork.nn.tape import Tape  # noqa: E402
from gradwork.tensor import Tensor  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
Step = Callable[[], None]
Params = Callable[[], list[np.ndarray]]  # parameters in the row layout: W [in, out], b [out]


@dataclass
class Case:
    name: str
    description: str
    samples: int  # per step
    target: float  # the gradwork / numpy time ratio aimed at
    target_text: str
    contenders: dict[str, Callable[[], tuple[Step, Params]]] = field(default_factory=dict)
    rtol: float = 1e-10


# ---------------------------------------------------------------------- contenders


def gradwork_tape(layers, convention, dtype, lr, x_batches, t_batches, make_loss, backend="auto"):
    """The fast path as fit() runs it: trace once, fuse, compile, SGD in place."""
    def make():
        net = MLP.from_specs(layers(), convention=convention, dtype=dtype)
        x, t = Tensor(x_batches[0], dtype=dtype), Tensor(t_batches[0], dtype=dtype)
        tape = Tape(make_loss(net(x, fused=True), t), [x, t])
        compiled = tape.compile(SGD(net.parameters(), lr=lr), backend=backend)
        batches = _cycle(list(zip(x_batches, t_batches)))

        def step():
            compiled(*next(batches))
        return step, lambda: _row_params(net)
    return make


def gradwork_graph(layers, convention, dtype, lr, x_batches, t_batches, make_loss):
    """The plain engine: a new graph of Tensors per step, Tensor.backward, SGD."""
    def make():
        net = MLP.from_specs(layers(), convention=convention, dtype=dtype)
        opt = SGD(net.parameters(), lr=lr)
        batches = _cycle(list(zip(x_batches, t_batches)))

        def step():
            xb, tb = next(batches)
            L = make_loss(net(Tensor(xb, dtype=dtype)), Tensor(tb, dtype=dtype))
            opt.zero_grad()
            L.backward()
            opt.step()
        return step, lambda: _row_params(net)
    return make


def _row_params(net: MLP) -> list[np.ndarray]:
    out = []
    for layer in net.layers:
        W = layer.W.data
        out.append(W if layer.convention == "row" or W.ndim == 1 else W.T)
        if layer.b is not None:
            out.append(layer.b.data)
    return [np.array(p, dtype=np.float64) for p in out]


def _cycle(items):
    while True:
        yield from items


def torch_eager(modules, loss_fn, lr, x_batches, t_batches):
    def make():
        model = modules()
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        batches = _cycle([(torch.from_numpy(x), torch.from_numpy(t)) for x, t in zip(x_batches, t_batches)])

        def step():
            xb, tb = next(batches)
            opt.zero_grad()
            loss_fn(model(xb), tb).backward()
            opt.step()

        def params():
            out = []
            for module in model:
                if isinstance(module, torch.nn.Linear):
                    out.append(module.weight.detach().numpy().T.astype(np.float64))
                    if module.bias is not None:
                        out.append(module.bias.detach().numpy().astype(np.float64))
            return out
        return step, params
    return make


def _linear(W, b, dtype):
    W = np.asarray(W, dtype=dtype)
    W = W[:, None] if W.ndim == 1 else W
    layer = torch.nn.Linear(*W.shape, bias=b is not None, dtype=getattr(torch, dtype))
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T.copy()))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(np.atleast_1d(np.asarray(b, dtype=dtype))))
    return layer


# ---------------------------------------------------------------------- case 1: seed 002

SEED_002 = lambda: [  # noqa: E731
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]


# ---------------------------------------------------------------------- a micrograd-style scalar engine


class Scalar:
    """One number of a graph of pure-Python scalars, with its gradient and how to pass it back.

    The smallest reverse-mode engine there is (the style of Karpathy's micrograd,
    written here from the idea): every operation makes a node holding a closure
    that adds its share of the gradient into its inputs.
    """

    __slots__ = ("data", "grad", "parents", "back")  # micrograd's names

    def __init__(self, data, parents=(), back=None):
        self.data, self.grad, self.parents, self.back = data, 0.0, parents, back

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other))

        def back():
            self.grad += out.grad
            other.grad += out.grad
        out.back = back
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other))

        def back():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out.back = back
        return out

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def relu(self):
        out = Scalar(self.data if self.data > 0 else 0.0, (self,))

        def back():
            self.grad += (out.data > 0) * out.grad
        out.back = back
        return out

    def sigmoid(self):
        out = Scalar(1.0 / (1.0 + math.exp(-self.data)), (self,))

        def back():
            self.grad += out.data * (1.0 - out.data) * out.grad
        out.back = back
        return out

    def log(self):
        out = Scalar(math.log(self.data), (self,))

        def back():
            self.grad += out.grad / self.data
        out.back = back
        return out

    def exp(self):
        out = Scalar(math.exp(self.data), (self,))

        def back():
            self.grad += out.data * out.grad
        out.back = back
        return out

    def leaky_relu(self, alpha):
        out = Scalar(self.data if self.data > 0 else alpha * self.data, (self,))

        def back():
            self.grad += (1.0 if self.data >= 0 else alpha) * out.grad
        out.back = back
        return out

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            if node.back is not None:
                node.back()


def micrograd_value():
    """micrograd's ``Value`` extended with the functions the small nets need that the package lacks.

    micrograd 0.1.0 has +, *, ** and relu only. Each function added here is written the way its ``relu``
    is (one node whose closure adds the local derivative times ``out.grad``), which is also the cheapest
    way to add it: one node per function, not a composition of several.
    """
    Value = MicrogradValue

    def unary(name, value, derivative):
        def method(self, *args):
            out = Value(value(self.data, *args), (self,), name)

            def _backward():
                self.grad += derivative(self.data, out.data, *args) * out.grad
            out._backward = _backward
            return out
        return method

    Value.exp = unary("exp", math.exp, lambda x, y: y)
    Value.log = unary("log", math.log, lambda x, y: 1.0 / x)
    Value.sigmoid = unary("sigmoid", lambda x: 1.0 / (1.0 + math.exp(-x)), lambda x, y: y * (1.0 - y))
    Value.leaky_relu = unary("leaky_relu", lambda x, alpha: x if x > 0 else alpha * x,
                             lambda x, y, alpha: 1.0 if x >= 0 else alpha)
    return Value  # extended in this benchmark's process only


def scalars_seed_002(Value, x, t, lr):
    """Seed 002's step on a scalar engine's nodes (``Value``: micrograd's or the leaner ``Scalar``), written as
    micrograd's README writes a net: a graph of ~30 scalars per step, then SGD on the nine numbers."""
    def make():
        W1 = [[Value(0.5), Value(-0.6)], [Value(-0.4), Value(0.8)]]
        b1 = [Value(0.2), Value(-0.2)]
        w2, b2 = [Value(0.3), Value(-0.5)], Value(0.0)
        params = [*W1[0], *W1[1], *b1, *w2, b2]
        xs, target = [float(v) for v in x], float(t)

        def step():
            hidden = [(xs[0] * W1[0][j] + xs[1] * W1[1][j] + b1[j]).relu() for j in range(2)]
            y = (hidden[0] * w2[0] + hidden[1] * w2[1] + b2).sigmoid()
            loss = -(target * y.log() + (1.0 - target) * (1 - y).log())
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data -= lr * p.grad

        def current():
            return [np.array([[W1[i][j].data for j in range(2)] for i in range(2)]),
                    np.array([b.data for b in b1]), np.array([w.data for w in w2]), np.array([b2.data])]
        return step, current
    return make


def scalars_softmax(Value, x, t, lr):
    """Seed 000's softmax + cross-entropy step on a scalar engine's nodes (~60 scalars per step)."""
    def make():
        W1 = [[Value(float(v)) for v in row] for row in SEED_000_W1]
        W2 = [[Value(float(v)) for v in row] for row in SEED_000_W2]
        params = [p for row in W1 + W2 for p in row]
        xs, ts = [float(v) for v in x], [float(v) for v in t]

        def step():
            h = [sum(xs[i] * W1[i][j] for i in range(4)).leaky_relu(0.01) for j in range(3)]
            z = [sum(h[i] * W2[i][k] for i in range(3)) for k in range(2)]
            top = max(v.data for v in z)
            e = [(v - top).exp() for v in z]
            log_total = sum(e).log()
            loss = sum(-ts[k] * ((z[k] - top) - log_total) for k in range(2))
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data -= lr * p.grad
        return step, lambda: [np.array([[p.data for p in row] for row in W1]),
                              np.array([[p.data for p in row] for row in W2])]
    return make


def floats_seed_002(x, t, lr):
    """Seed 002's step written out by hand in plain Python floats: the floor for any engine written in Python."""
    def make():
        state = [0.5, -0.6, -0.4, 0.8, 0.2, -0.2, 0.3, -0.5, 0.0]  # W1 (row by row), b1, w2, b2
        x0, x1, target = float(x[0]), float(x[1]), float(t)

        def step():
            w00, w01, w10, w11, c0, c1, v0, v1, c2 = state
            z0, z1 = x0 * w00 + x1 * w10 + c0, x0 * w01 + x1 * w11 + c1
            a0, a1 = (z0 if z0 > 0 else 0.0), (z1 if z1 > 0 else 0.0)
            z2 = a0 * v0 + a1 * v1 + c2
            y = 1.0 / (1.0 + math.exp(-z2))
            loss = -(target * math.log(y) + (1 - target) * math.log(1 - y))  # noqa: F841  (as every contender does)
            d2 = y - target
            d0, d1 = (v0 * d2 if z0 > 0 else 0.0), (v1 * d2 if z1 > 0 else 0.0)
            state[:] = [w00 - lr * x0 * d0, w01 - lr * x0 * d1, w10 - lr * x1 * d0, w11 - lr * x1 * d1,
                        c0 - lr * d0, c1 - lr * d1, v0 - lr * a0 * d2, v1 - lr * a1 * d2, c2 - lr * d2]

        def current():
            w00, w01, w10, w11, c0, c1, v0, v1, c2 = state
            return [np.array([[w00, w01], [w10, w11]]), np.array([c0, c1]), np.array([v0, v1]), np.array([c2])]
        return step, current
    return make


def jax_contender(params0, loss_fn, lr, x_batches, t_batches):
    """``jax.jit`` of the loss's value and gradient plus the SGD update, on JAX arrays (one XLA thread)."""
    def make():
        @jax.jit
        def update(params, x, t):
            value, grads = jax.value_and_grad(loss_fn)(params, x, t)
            return [p - lr * g for p, g in zip(params, grads)], value

        state = [[jnp.asarray(p) for p in params0()]]
        batches = _cycle([(jnp.asarray(x), jnp.asarray(t)) for x, t in zip(x_batches, t_batches)])

        def step():
            xb, tb = next(batches)
            state[0], value = update(state[0], xb, tb)
            value.block_until_ready()
        return step, lambda: [np.asarray(p, dtype=np.float64) for p in state[0]]
    return make


def seed_002_case() -> Case:
    x, t = np.array([1.0, 2.0]), np.array(0.0)
    case = Case("seed 002 step", "2-2-1 relu/sigmoid, BCE, float64, 1 sample, SGD", 1, 0.5, "<= 0.5x NumPy")

    def numpy_make():
        W1, b1 = np.array([[0.5, -0.6], [-0.4, 0.8]]), np.array([0.2, -0.2])
        w2, b2 = np.array([0.3, -0.5]), np.array(0.0)
        lr = 0.01

        def step():
            nonlocal W1, b1, w2, b2
            z1 = x @ W1 + b1
            a1 = np.maximum(z1, 0.0)
            z2 = a1 @ w2 + b2
            y = 1.0 / (1.0 + np.exp(-z2))
            L = -(t * np.log(y) + (1 - t) * np.log(1 - y))  # noqa: F841  (computed as every contender does)
            dz2 = y - t  # BCE after a sigmoid
            dw2 = a1 * dz2
            dz1 = w2 * dz2 * (z1 > 0)
            dW1 = np.outer(x, dz1)
            W1 -= lr * dW1
            b1 -= lr * dz1
            w2 -= lr * dw2
            b2 = b2 - lr * dz2
        return step, lambda: [W1.copy(), b1.copy(), w2.copy(), np.atleast_1d(b2).astype(np.float64)]

    def bce(y, t_):
        return loss("bce", y, t_)

    case.contenders["numpy"] = numpy_make
    case.contenders["gradwork"] = gradwork_tape(SEED_002, "row", "float64", 0.01, [x], [t], bce)
    case.contenders["gradwork-numpy"] = gradwork_tape(SEED_002, "row", "float64", 0.01, [x], [t], bce, "numpy")
    case.contenders["gradwork-graph"] = gradwork_graph(SEED_002, "row", "float64", 0.01, [x], [t], bce)
    case.contenders["scalars"] = scalars_seed_002(Scalar, x, t, 0.01)
    if MicrogradValue is not None:
        case.contenders["micrograd"] = scalars_seed_002(micrograd_value(), x, t, 0.01)
    case.contenders["floats"] = floats_seed_002(x, t, 0.01)
    if jax is not None:
        def seed_loss(params, xb, tb):
            W1, b1, w2, b2 = params
            y = jax.nn.sigmoid(jnp.maximum(xb @ W1 + b1, 0.0) @ w2 + b2)
            return -(tb * jnp.log(y) + (1 - tb) * jnp.log(1 - y))
        case.contenders["jax"] = jax_contender(
            lambda: [np.array([[0.5, -0.6], [-0.4, 0.8]]), np.array([0.2, -0.2]), np.array([0.3, -0.5]),
                     np.array(0.0)], seed_loss, 0.01, [x], [t])

    def modules():
        return torch.nn.Sequential(_linear([[0.5, -0.6], [-0.4, 0.8]], [0.2, -0.2], "float64"), torch.nn.ReLU(),
                                   _linear([0.3, -0.5], [0.0], "float64"), torch.nn.Sigmoid())
    case.contenders["torch"] = torch_eager(modules, torch.nn.functional.binary_cross_entropy, 0.01,
                                           [x], [np.array([0.0])])
    return case


# ---------------------------------------------------------------------- case 2: seed 000 (softmax)

SEED_000_W1 = np.array([[-0.2, -0.1, 0.2, 0.2], [0.9, 0.3, 0.5, -0.5], [0.4, 0.4, -0.7, 0.5]]).T  # [4, 3]
SEED_000_W2 = np.array([[0.6, -0.1, -0.5], [-0.2, 0.8, -0.3]]).T  # [3, 2]
SEED_000 = lambda: [  # noqa: E731
    {"name": "hidden", "weights": SEED_000_W1.copy(), "activation": {"name": "leaky_relu", "alpha": 0.01}},
    {"name": "output", "weights": SEED_000_W2.copy(), "activation": "softmax"},
]


def softmax_ce_case() -> Case:
    x, t = np.array([3.0, 1.0, -1.0, 2.0]), np.array([1.0, 0.0])
    case = Case("softmax + CE step", "4-3-2 leaky_relu, softmax + cross-entropy, float64, 1 sample, SGD",
                1, 0.6, "<= 0.6x NumPy")
    specs = lambda: [{**SEED_000()[0]}, {**SEED_000()[1], "activation": "identity"}]  # noqa: E731  (logits out)

    def numpy_make():
        W1, W2, lr = SEED_000_W1.copy(), SEED_000_W2.copy(), 0.1

        def step():
            nonlocal W1, W2
            z1 = x @ W1
            h = np.where(z1 > 0, z1, 0.01 * z1)
            z2 = h @ W2
            shifted = z2 - z2.max()
            e = np.exp(shifted)
            total = e.sum()
            L = -(t * (shifted - np.log(total))).sum()  # noqa: F841
            dz2 = e / total - t  # softmax + CE: p - t
            dW2 = np.outer(h, dz2)
            dz1 = (W2 @ dz2) * np.where(z1 >= 0, 1.0, 0.01)
            dW1 = np.outer(x, dz1)
            W1 -= lr * dW1
            W2 -= lr * dW2
        return step, lambda: [W1.copy(), W2.copy()]

    def ce(z, t_):
        return F.cross_entropy(z, t_)

    case.contenders["numpy"] = numpy_make
    case.contenders["gradwork"] = gradwork_tape(specs, "row", "float64", 0.1, [x], [t], ce)
    case.contenders["gradwork-numpy"] = gradwork_tape(specs, "row", "float64", 0.1, [x], [t], ce, "numpy")
    case.contenders["gradwork-graph"] = gradwork_graph(specs, "row", "float64", 0.1, [x], [t], ce)

    def floats_make():
        W1 = [[float(v) for v in row] for row in SEED_000_W1]  # [4][3]
        W2 = [[float(v) for v in row] for row in SEED_000_W2]  # [3][2]
        xs, ts = [float(v) for v in x], [float(v) for v in t]

        def step():
            z1 = [sum(xs[i] * W1[i][j] for i in range(4)) for j in range(3)]
            h = [v if v > 0 else 0.01 * v for v in z1]
            z2 = [h[0] * W2[0][k] + h[1] * W2[1][k] + h[2] * W2[2][k] for k in range(2)]
            top = max(z2)
            e = [math.exp(v - top) for v in z2]
            total = e[0] + e[1]
            loss = -sum(ts[k] * (z2[k] - top - math.log(total)) for k in range(2))  # noqa: F841
            d2 = [e[k] / total - ts[k] for k in range(2)]
            d1 = [(W2[j][0] * d2[0] + W2[j][1] * d2[1]) * (1.0 if z1[j] >= 0 else 0.01) for j in range(3)]
            for j in range(3):
                for k in range(2):
                    W2[j][k] -= 0.1 * h[j] * d2[k]
            for i in range(4):
                for j in range(3):
                    W1[i][j] -= 0.1 * xs[i] * d1[j]
        return step, lambda: [np.array(W1), np.array(W2)]

    case.contenders["scalars"] = scalars_softmax(Scalar, x, t, 0.1)
    case.contenders["floats"] = floats_make
    if MicrogradValue is not None:
        case.contenders["micrograd"] = scalars_softmax(micrograd_value(), x, t, 0.1)
    if jax is not None:
        def softmax_loss(params, xb, tb):
            W1, W2 = params
            z1 = xb @ W1
            return -(tb * jax.nn.log_softmax(jnp.where(z1 > 0, z1, 0.01 * z1) @ W2)).sum()
        case.contenders["jax"] = jax_contender(lambda: [SEED_000_W1.copy(), SEED_000_W2.copy()], softmax_loss, 0.1,
                                               [x], [t])

    def modules():
        return torch.nn.Sequential(_linear(SEED_000_W1, None, "float64"), torch.nn.LeakyReLU(0.01),
                                   _linear(SEED_000_W2, None, "float64"))

    def torch_ce(z, t_):
        return torch.nn.functional.cross_entropy(z[None], t_[None])  # class probabilities as the target
    case.contenders["torch"] = torch_eager(modules, torch_ce, 0.1, [x], [t])
    return case


# ---------------------------------------------------------------------- cases 3 and 4: MLPs


def mlp_case(name, description, sizes, batch, batches, data, target, target_text, samples_note) -> Case:
    rng = np.random.default_rng(0)
    init = MLP.init(sizes, ["relu"] * (len(sizes) - 2) + ["identity"], seed=0, dtype="float32")
    weights = [layer.W.data.copy() for layer in init.layers]
    X, labels = data(rng, batch * batches)
    x_batches = [np.ascontiguousarray(X[i * batch:(i + 1) * batch]) for i in range(batches)]
    label_batches = [labels[i * batch:(i + 1) * batch] for i in range(batches)]
    t_batches = [np.eye(sizes[-1], dtype=np.float32)[y] for y in label_batches]
    lr = 0.01
    case = Case(name, description, batch, target, target_text, rtol=2e-4)

    def specs():
        return [{"name": f"layer{i}", "weights": W.copy(), "bias": np.zeros(W.shape[1], np.float32),
                 "activation": "relu" if i < len(weights) - 1 else "identity"} for i, W in enumerate(weights)]

    def numpy_make():
        Ws = [W.copy() for W in weights]
        bs = [np.zeros(W.shape[1], np.float32) for W in weights]
        batches_ = _cycle(list(zip(x_batches, t_batches)))

        def step():
            xb, tb = next(batches_)
            activations, pre = [xb], []
            for W, b in zip(Ws[:-1], bs[:-1]):
                z = activations[-1] @ W + b
                pre.append(z)
                activations.append(np.maximum(z, 0))
            logits = activations[-1] @ Ws[-1] + bs[-1]
            shifted = logits - logits.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            total = e.sum(axis=1, keepdims=True)
            L = -(tb * (shifted - np.log(total))).sum() / len(xb)  # noqa: F841
            d = (e / total - tb) / len(xb)
            grads = []
            for i in range(len(Ws) - 1, -1, -1):
                grads.append((activations[i].T @ d, d.sum(axis=0)))
                if i:
                    d = (d @ Ws[i].T) * (pre[i - 1] > 0)
            for (gW, gb), W, b in zip(reversed(grads), Ws, bs):
                W -= lr * gW
                b -= lr * gb
        return step, lambda: [p.astype(np.float64) for pair in zip(Ws, bs) for p in pair]

    def cross_entropy(z, t):
        return F.cross_entropy(z, t)

    case.contenders["numpy"] = numpy_make
    case.contenders["gradwork"] = gradwork_tape(specs, "row", "float32", lr, x_batches, t_batches, cross_entropy)
    case.contenders["gradwork-graph"] = gradwork_graph(specs, "row", "float32", lr, x_batches, t_batches,
                                                       cross_entropy)

    def modules():
        layers = []
        for i, W in enumerate(weights):
            layers.append(_linear(W, np.zeros(W.shape[1]), "float32"))
            layers.append(torch.nn.ReLU() if i < len(weights) - 1 else torch.nn.Identity())
        return torch.nn.Sequential(*layers)
    case.contenders["torch"] = torch_eager(modules, torch.nn.functional.cross_entropy, lr, x_batches,
                                           [y.astype(np.int64) for y in label_batches])
    if jax is not None:
        def mlp_loss(params, xb, tb):
            h = xb
            for i in range(0, len(params) - 2, 2):
                h = jnp.maximum(h @ params[i] + params[i + 1], 0)
            logits = h @ params[-2] + params[-1]
            return -(tb * jax.nn.log_softmax(logits)).sum() / xb.shape[0]
        case.contenders["jax"] = jax_contender(
            lambda: [p for W in weights for p in (W.copy(), np.zeros(W.shape[1], np.float32))], mlp_loss, lr,
            x_batches, t_batches)
    case.description += samples_note
    return case


def digits_data(rng, n):
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = rng.permutation(len(digits.target))[:n]
    return (digits.data[order] / 16.0).astype(np.float32), digits.target[order]


def random_mnist_shaped(rng, n):
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


# ---------------------------------------------------------------------- measuring


def check_first_step(case: Case) -> None:
    """Every contender's parameters after one step equal hand-written NumPy's."""
    reference = None
    for name, make in case.contenders.items():
        step, params = make()
        step()
        got = params()
        if reference is None:
            reference = got
            continue
        for index, (a, b) in enumerate(zip(got, reference)):
            np.testing.assert_allclose(a.reshape(b.shape), b, rtol=case.rtol, atol=case.rtol * 1e-2,
                                       err_msg=f"{case.name}: {name} parameter {index} after one step")


def measure(case: Case, rounds: int, budget: float) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds per step of each contender, wall clock and this thread's CPU time.

    ``rounds`` interleaved rounds of about ``budget`` seconds each. The CPU time
    leaves out the time other processes held the core (this machine is shared);
    it equals the work done only when BLAS runs on this one thread.
    """
    steppers = {name: make()[0] for name, make in case.contenders.items()}
    per_round = {}
    for name, step in steppers.items():  # warm up and size the rounds
        for _ in range(20):
            step()
        started, count = time.perf_counter(), 0
        while time.perf_counter() - started < budget / 2:
            step()
            count += 1
        per_round[name] = max(5, int(count * budget / (time.perf_counter() - started)))
    times: dict[str, list[float]] = {name: [] for name in steppers}
    cpu: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(rounds):
        for name, step in steppers.items():
            n = per_round[name]
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                step()
            cpu[name].append((time.process_time() - started_cpu) / n)
            times[name].append((time.perf_counter() - started) / n)
    return times, cpu


def peak_memory(make: Callable[[], tuple[Step, Params]]) -> int:
    """Bytes traced at the peak of one step, counting the contender's own parameters and buffers.

    Tracing starts before the contender is built; two steps run first, so
    buffers made on the first call are in place and the peak is a steady step's.
    """
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        step, _ = make()
        step()
        step()
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def blas_line() -> tuple[str, int]:
    blas = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    info = [i for i in blas if "numpy" in i.get("filepath", "")] or blas  # not SciPy's copy (scikit-learn)
    if not info:
        return "no BLAS found by threadpoolctl", 1
    first = info[0]
    text = (f"{first.get('internal_api')} {first.get('version')} ({first.get('prefix')}), kernel "
            f"{first.get('architecture')}, {first.get('num_threads')} threads, {first.get('threading_layer')}")
    return text, int(first.get("num_threads") or 1)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rounds, budget = (5, 0.05) if quick else (11, 0.2)
    counts = [1]  # the targets are one-thread ratios; --threads 1,2 adds tables
    if "--threads" in argv:
        counts = [int(n) for n in argv[argv.index("--threads") + 1].split(",")]
    sections = []
    for threads in counts:
        with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
            torch.set_num_threads(threads)
            blas, _ = blas_line()
            print(f"-- {threads} thread(s): {blas}", flush=True)
            load_before = os.getloadavg()[0]
            threads_, blas_, rows = run_cases(threads, blas, rounds, budget)
            sections.append((threads_, blas_, rows, (load_before, os.getloadavg()[0])))
    RESULTS.write_text(report(sections, rounds, budget))
    print(f"wrote {RESULTS}")
    return 0


def run_cases(threads: int, blas: str, rounds: int, budget: float) -> tuple[int, str, list]:
    cases = [
        seed_002_case(),
        softmax_ce_case(),
        mlp_case("digits MLP", "64-128-64-10 relu, cross-entropy, float32, SGD", [64, 128, 64, 10], 32, 45,
                 digits_data, 1 / 1.05, ">= 1.05x NumPy throughput", ", batch 32 of real digits"),
        mlp_case("big MLP", "784-512-512-10 relu, cross-entropy, float32, SGD", [784, 512, 512, 10], 256, 8,
                 random_mnist_shaped, 1.0, "<= 1.0x NumPy", ", batch 256 of random data"),
    ]
    rows = []
    for case in cases:
        check_first_step(case)
        times, cpu = measure(case, rounds, budget)
        medians = {name: statistics.median(values) for name, values in times.items()}
        spread = {name: (min(values), max(values)) for name, values in times.items()}
        # Per round, so that each ratio compares measurements taken moments apart: every contender over NumPy.
        ratios = {name: _median_ratio(times[name], times["numpy"]) for name in times}
        cpu_ratios = {name: _median_ratio(cpu[name], cpu["numpy"]) for name in cpu}
        ratios["cpu"] = cpu_ratios
        for engine in ("micrograd", "scalars"):
            if engine in times:
                ratios[f"graph/{engine}"] = _median_ratio(times["gradwork-graph"], times[engine])
                ratios[f"cpu graph/{engine}"] = _median_ratio(cpu["gradwork-graph"], cpu[engine])
        if case.name == "big MLP":
            ratios["memory"] = {name: peak_memory(case.contenders[name]) for name in ("numpy", "gradwork")}
        rows.append((case, medians, spread, ratios))
        print(f"{case.name}: " + ", ".join(f"{n} {m * 1e6:.1f} us" for n, m in medians.items()), flush=True)
    return threads, blas, rows


def report(sections, rounds, budget) -> str:
    cleared = os.environ.get("GRADWORK_BENCH_CLEARED")
    lines = [
        "# Training-step benchmark",
        "",
        "Written by `benchmarks/train_bench.py` (`make bench`). One step = forward + loss + backward + "
        "optimizer update. Times are the median of interleaved rounds in one process "
        f"({rounds} rounds of about {budget} s per contender per case); ratios are per-step times "
        "relative to hand-written NumPy (lower is faster), the median of the per-round ratios. "
        "`gradwork (compiled)` is the training fast path (`fit`'s compiled tape: fused ops, one generated function "
        "per batch shape, SGD in place; the scalar back end for the two small nets, the NumPy back end for the "
        "MLPs); `gradwork eager` is the plain engine building a new graph every step.",
        "",
    ]
    for threads, blas, rows, load in sections:
        lines += [f"## {threads} BLAS / PyTorch thread{'s' if threads > 1 else ''}", "",
                  f"NumPy BLAS: {blas}. Load average (1 min) before / after these measurements: "
                  f"{load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores.", ""]
        if threads > 1 and max(load) > threads + 0.5:  # more runnable threads than this benchmark has
            lines += [f"**The machine was loaded when this table was measured:** {threads} BLAS threads then wait "
                      "for cores other processes hold, which slows the matrix products of every contender by "
                      "an amount that changes from round to round; read these rows with care and prefer the "
                      "one-thread table.", ""]
        lines += targets(rows, threads)
        lines += table(rows)
        if threads == 1:
            lines += ["With one thread, each contender's CPU time is also its work, unaffected by other processes "
                      "holding the core; the CPU-time ratio is the steadier figure on this shared machine.", ""]
    lines += conditions(cleared)
    return "\n".join(lines)


ORDER = ("numpy", "gradwork", "gradwork-numpy", "gradwork-graph", "micrograd", "scalars", "floats", "torch", "jax")
TITLES = {"numpy": "NumPy (hand)", "gradwork": "gradwork (compiled)", "gradwork-numpy": "gradwork (NumPy back end)",
          "gradwork-graph": "gradwork eager", "micrograd": "micrograd", "scalars": "micrograd-style (leaner)",
          "floats": "plain floats",
          "torch": "PyTorch eager", "jax": "JAX jit"}


def targets(rows, threads) -> list[str]:
    """The issue's target table: each ratio with its target, met or not (by wall and by CPU time)."""
    lines = ["### Targets", "", "| case | measured (wall) | CPU time | target | met |", "|---|---|---|---|---|"]
    for case, medians, _, ratios in rows:
        ratio, cpu_ratio = ratios["gradwork"], ratios["cpu"]["gradwork"]
        if case.name == "digits MLP":
            met = _met(1 / ratio >= 1 / case.target - 1e-9, 1 / cpu_ratio >= 1 / case.target - 1e-9)
            lines.append(f"| {case.name} b{case.samples} throughput vs hand NumPy | {1 / ratio:.2f}x | "
                         f"{1 / cpu_ratio:.2f}x | {case.target_text.replace(' NumPy', '')} | {met} |")
        else:
            met = _met(ratio <= case.target, cpu_ratio <= case.target)
            lines.append(f"| {case.name} vs hand NumPy | {ratio:.2f}x | {cpu_ratio:.2f}x | "
                         f"{case.target_text.replace(' NumPy', '')} | {met} |")
        # The target is micrograd itself (the PyPI package); the leaner micrograd-style engine
        # written here (__slots__, no child sets) is a stricter comparison, reported without a target.
        for engine, title, target in (("micrograd", "micrograd (the package)", "<= 1.0x"),
                                      ("scalars", "the leaner micrograd-style engine (not a target)", "-")):
            if f"graph/{engine}" not in ratios:
                continue
            graph, cpu_graph = ratios[f"graph/{engine}"], ratios[f"cpu graph/{engine}"]
            verdict = _met(graph <= 1.0, cpu_graph <= 1.0) if target != "-" else ("ahead" if cpu_graph < 1
                                                                                   else "behind")
            lines.append(f"| eager (graph per step) {case.name} vs {title} | {graph:.2f}x "
                         f"({medians['gradwork-graph'] * 1e6:.0f} vs {medians[engine] * 1e6:.0f} us) | "
                         f"{cpu_graph:.2f}x | {target} | {verdict} |")
        if "jax" in ratios:
            versus = ratios["gradwork"] / ratios["jax"]
            lines.append(f"| {case.name}: gradwork vs JAX jit (not a target) | {versus:.2f}x | "
                         f"{ratios['cpu']['gradwork'] / ratios['cpu']['jax']:.2f}x | - | "
                         f"{'ahead' if versus < 1 else 'behind'} |")
        if "memory" in ratios:
            memory = ratios["memory"]
            share = memory["gradwork"] / memory["numpy"]
            lines.append(f"| {case.name} step peak memory vs hand NumPy | {share:.2f}x "
                         f"({memory['gradwork'] / 2**20:.1f} "
                         f"vs {memory['numpy'] / 2**20:.1f} MiB) | - | <= 1.2x | {'yes' if share <= 1.2 else 'no'} |")
    lines += ["", "Ratios are gradwork's time over hand-written NumPy's (throughput: the inverse), medians of "
              f"per-round ratios, {threads} BLAS thread{'s' if threads > 1 else ''}; CPU time is the process's "
              "(time.process_time), which leaves out the time other processes held the cores.", ""]
    return lines


def _met(wall: bool, cpu: bool) -> str:
    return {(True, True): "yes", (False, False): "no"}.get((wall, cpu), "wall no, CPU yes" if cpu else
                                                            "wall yes, CPU no")


def table(rows) -> list[str]:
    names = [name for name in ORDER if any(name in medians for _, medians, _, _ in rows)]
    lines = ["Per step, and each contender's time over hand NumPy's (wall; CPU time in brackets):", "",
             "| case | " + " | ".join(TITLES[name] for name in names) + " |", "|---|" + "---|" * len(names)]
    for case, medians, _, ratios in rows:
        cells = []
        for name in names:
            if name not in medians:
                cells.append("-")
                continue
            text = _fmt(medians[name], case)
            if name != "numpy":
                text += f" ({ratios[name]:.2f}x; CPU {ratios['cpu'][name]:.2f}x)"
            cells.append(text)
        lines.append(f"| {case.name} | " + " | ".join(cells) + " |")
    lines += ["", "Per-step time ranges over the rounds (min - max):", ""]
    for case, _medians, spread, _ in rows:
        ranges = ", ".join(f"{name} {lo * 1e6:.1f}-{hi * 1e6:.1f} us" for name, (lo, hi) in spread.items())
        lines.append(f"- {case.name} ({case.description}): {ranges}")
    lines.append("")
    return lines


READING = """\
## Reading the numbers

- The small steps (seed 002, seed 000) are a few dozen NumPy calls on arrays of 1 to 12 numbers, where
  each call costs about as much as its arithmetic is worth. `gradwork` runs them on the compiled step's
  scalar back end: straight-line Python over floats, one statement per element (forward, backward, SGD
  update), generated from the registered ops' scalar emitters, with the parameters read from and written
  back to their arrays once per step. `gradwork (NumPy back end)` is the same step forced onto NumPy calls
  over preallocated buffers. `plain floats` is the step a person would write in plain Python (lists and
  loops for the softmax net): the floor for any Python engine. JAX jit runs one XLA call per step; its
  dispatch cost is what it pays on these nets.
- `gradwork eager` is the eager engine through its public API (Tensor, MLP, loss, SGD): every step builds
  a new graph of ~13 nodes, walks it backward and stores every node's gradient, intermediate ones
  included. micrograd (the package) and the leaner micrograd-style engine build ~30 Python scalar nodes
  (seed 002) or ~60 (softmax) per step; micrograd's nodes carry a dict and a set of children each, which is
  what the leaner engine's `__slots__` and tuples save. The issue's target ("eager still ahead of
  micrograd") is measured against the package; the leaner engine is reported beside it.
- digits: about 25 NumPy calls on [32, 128]-sized arrays per step; the two sides run the same products;
  gradwork starts backward from the learning rate under plain SGD, so each parameter's update is one
  subtraction with no scaling pass, and adds the call of the generated function and cross-entropy's
  general gradient (p * sum(t) - t).
- big MLP: the matrix products dominate and both run the same BLAS calls; the fused linear op (bias added
  into the product in place) can put gradwork slightly ahead of the straightforward NumPy code. Peak
  memory: gradwork's preallocated buffers and in-place SGD against NumPy's temporaries; the traced graph
  (one batch of activations, kept by the tape and the layers) is what remains above hand NumPy.
"""


def conditions(cleared) -> list[str]:
    return [READING,
        "## Conditions",
        "",
        f"- Machine: {platform.machine()} {_cpu_name()}, {os.cpu_count()} cores, **shared with other developers "
        "running tests at the same time**: absolute times are noisy, ratios from interleaved rounds less so.",
        "- JAX: " + (f"{jax.__version__} (CPU, x64 enabled, one XLA thread)." if jax is not None else "not installed."),
        f"- Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__} "
        "(CPU; `torch.set_num_threads(n)` with n the thread count NumPy's BLAS is limited to, by threadpoolctl).",
        "- OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: "
        + (f"were set ({cleared}); the benchmark restarted itself without them." if cleared else "not set."),
        "- Each contender's parameters after its first step were checked against the hand-written NumPy step "
        "(rtol 1e-10 in float64, 2e-4 in float32) before timing.",
        "",
    ]


def _median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(numerators, denominators))


def _fmt(seconds: float, case: Case) -> str:
    text = f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"
    if case.samples > 1:
        text += f" ({1 / seconds:,.0f} steps/s)"
    return text


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
