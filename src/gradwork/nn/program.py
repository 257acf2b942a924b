"""A fixed graph's forward and backward pass as straight-line Python over floats, with hook points: fast replays.

The checker replays a solved problem dozens of times per answers file (each
mistake model, each student's numbers put in), and ``gradwork test`` and
``generate`` do it for every variant of a template. The graph is the same
every time (every variant of a template has the same structure); only the
numbers differ. :func:`program_for` compiles such a graph once per structure
(cached across graphs: ops, parameters, shapes, which inputs need a gradient)
into a :class:`GraphProgram`, whose :meth:`~GraphProgram.forward` and
:meth:`~GraphProgram.backward` take the numbers as arrays and run one
generated function each: one Python statement per element, from each op's
scalar emitter (:mod:`gradwork.ops.scalar`), the same as the compiled training
step's scalar back end.

What a replay changes goes in through hooks, each a Python function over
arrays called only at its own node (the generated code is specialised, and
cached, per set of hooked nodes):

* ``forwards[i](bk, *inputs, **params)``: a different forward for node i;
* ``values[i](i, value) -> value``: what flows on from node i (leaves too);
* ``vjps[(i, position)](bk, g, out, *inputs, **params)``: a different VJP,
  summed back to the input's shape as the engine's driver does;
* ``grads[i](i, g) -> g``: node i's finished gradient, before it flows on.

Nodes are visited in the order of :func:`gradwork.autodiff.backward_pass`, so
the results equal the engine's to rounding (tests/nn/test_program.py). A hook
whose result has another shape than the node's, or float arithmetic that
raises where NumPy gives inf or NaN, raises :class:`ProgramError`: the
caller then runs the engine itself.

Exact numbers (``exact=True``: object arrays of Fractions, the exact backend)
run the same generated code rewritten to exact arithmetic
(:mod:`gradwork.nn.program_exact`): the results are the engine's, Fraction for
Fraction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from fractions import Fraction

import numpy as np

from gradwork.nn.program_exact import NAMESPACE as EXACT_NAMESPACE, exact_source
from gradwork.ops.registry import Op, unbroadcast
from gradwork.ops.scalar import NAMESPACE, ScalarCall

MAX_ELEMENTS = 64  # the largest array a program takes (past it NumPy's own calls are cheaper)
MAX_PROGRAMS = 256  # structures kept in the cache (a whole test run, or generate over many templates)
MAX_VARIANTS = 256  # hook sets kept per structure


class ProgramError(ValueError):
    """The program cannot run these numbers: the caller evaluates the graph with the engine instead."""


class GraphProgram:
    """Forward and backward of one graph structure; see the module docstring."""

    def __init__(self, ops: Sequence[Op | None], params: Sequence[Mapping[str, Any]], inputs: Sequence[tuple[int, ...]],
                 shapes: Sequence[tuple[int, ...]], requires_grad: Sequence[bool], root: int,
                 saved_shapes: Sequence[tuple[int, ...] | None] | None = None, exact: bool = False) -> None:
        self.exact = exact
        self.ops, self.params, self.inputs = list(ops), list(params), [tuple(i) for i in inputs]
        self.shapes = [tuple(s) for s in shapes]
        # What an op's `save` keeps has the shape of its first input (cross-entropy's softmax) unless told.
        self.saved_sizes = [
            None if op is None or op.save is None else
            int(np.prod(shape)) if (shape := (saved_shapes[i] if saved_shapes and saved_shapes[i] is not None
                                              else self.shapes[self.inputs[i][0]])) else 1
            for i, op in enumerate(self.ops)]
        self.sizes = [int(np.prod(s)) if s else 1 for s in self.shapes]
        self.requires_grad, self.root = list(requires_grad), root
        self._forwards: dict[Hashable, Callable[..., Any]] = {}
        self._backwards: dict[Hashable, Callable[..., Any]] = {}
        self.sources: dict[Hashable, str] = {}

    # ------------------------------------------------------------------ running
    def forward(self, leaves: Sequence[Any], backend: Any, forwards: Mapping[int, Callable[..., Any]] | None = None,
                values: Mapping[int, Callable[[int, Any], Any]] | None = None) -> list[np.ndarray]:
        """Every node's value as it flows on (after its ``values`` hook); ``leaves[i]`` is read for leaf nodes."""
        forwards, values = forwards or {}, values or {}
        key = (frozenset(forwards), frozenset(values))
        run = self._forwards.get(key, _MISSING)
        if run is _MISSING:
            run = self._remember(self._forwards, key, _Builder(self).forward(set(forwards), set(values)), key)
        assert run is not _MISSING
        if run is None:
            raise ProgramError("an op of this graph has no scalar emitter for its shapes")
        try:
            found = run(leaves, backend, forwards, values)
        except (ArithmeticError, ValueError, TypeError, IndexError) as error:  # ExactError too
            raise ProgramError(str(error)) from error
        return found

    def backward(self, values: Sequence[Any], seed: Any, backend: Any,
                 vjps: Mapping[tuple[int, int], Callable[..., Any]] | None = None,
                 grads: Mapping[int, Callable[[int, Any], Any]] | None = None) -> list[np.ndarray | None]:
        """d(root)/d(node), weighted by ``seed``, for every node a gradient reaches (None elsewhere)."""
        vjps, grads = vjps or {}, grads or {}
        key = (frozenset(vjps), frozenset(grads))
        run = self._backwards.get(key, _MISSING)
        if run is _MISSING:
            run = self._remember(self._backwards, key, _Builder(self).backward(set(vjps), set(grads)), ("b", key))
        assert run is not _MISSING
        if run is None:
            raise ProgramError("an op of this graph has no scalar emitter for its shapes")
        try:
            found = run(values, seed, backend, vjps, grads)
        except (ArithmeticError, ValueError, TypeError, IndexError) as error:
            raise ProgramError(str(error)) from error
        return found

    def _remember(self, cache: dict[Hashable, Any], key: Hashable, built: tuple[Callable[..., Any], str] | None,
                  name: Hashable) -> Callable[..., Any] | None:
        """Keep what was generated for ``key`` (None: nothing could be, which is kept too)."""
        if len(cache) >= MAX_VARIANTS:
            cache.clear()
        cache[key] = None if built is None else built[0]
        if built is None:
            return None
        if len(self.sources) < 8:
            self.sources[name] = built[1]
        return built[0]


_CACHE: dict[Hashable, GraphProgram | None] = {}
_MISSING: Any = object()


def program_for(nodes: Sequence[Any], inputs: Sequence[tuple[int, ...]], root: int,
                exact: bool = False) -> GraphProgram | None:
    """The program of a graph of nodes with ``op``, ``params``, ``requires_grad`` and ``data`` (Tensors), or None.

    None when a value is not a float64 array (``exact``: an object array of
    Fractions), an array is larger than :data:`MAX_ELEMENTS`, or an op has no
    scalar emitter. Programs are cached by the graph's structure, so every
    variant of a template shares one.
    """
    shapes = []
    dtype = np.dtype(object) if exact else np.float64
    for node in nodes:
        data = node.data
        if type(data) is not np.ndarray or data.dtype != dtype or data.size > MAX_ELEMENTS:
            return None
        if exact and not all(type(x) is Fraction for x in data.flat):
            return None
        shapes.append(data.shape)
    for node in nodes:
        if node.op is not None and node.op.scalar is None:
            return None
        if exact and any(_inexact(value) for value in node.params.values()):
            return None  # a float or Fraction parameter would be read back from its float literal
    key = _structure(nodes, inputs, shapes, root)
    if key is not None:
        key = (key, exact)
        if key in _CACHE:
            return _CACHE[key]
    program = GraphProgram([n.op for n in nodes], [n.params for n in nodes], inputs, shapes,
                           [bool(n.requires_grad) for n in nodes], root,
                           [None if getattr(n, "saved", None) is None else np.shape(n.saved) for n in nodes], exact)
    if key is not None:
        if len(_CACHE) >= MAX_PROGRAMS:
            _CACHE.clear()
        _CACHE[key] = program
    return program


def _structure(nodes: Sequence[Any], inputs: Sequence[tuple[int, ...]], shapes: list[tuple[int, ...]],
               root: int) -> Hashable | None:
    parts: list[Hashable] = [root]
    for node, positions, shape in zip(nodes, inputs, shapes):
        params = tuple(sorted((name, _frozen(value)) for name, value in node.params.items()))
        op = node.op
        parts.append((None if op is None else (op.name, id(op)), params, tuple(positions), shape,
                      bool(node.requires_grad), None if getattr(node, "saved", None) is None else np.shape(node.saved)))
    try:
        key = tuple(parts)
        hash(key)
    except TypeError:
        return None
    return key


def _inexact(value: Any) -> bool:
    """Is a parameter a number other than an integer (or does it hold one)?"""
    if isinstance(value, (list, tuple)):
        return any(_inexact(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "iub"
    return not isinstance(value, (str, bool, int, np.integer, type(None)))


def _frozen(value: Any) -> Hashable:
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, tuple):
        return ("tuple", tuple(_frozen(v) for v in value))
    return (type(value).__name__, value)


# ---------------------------------------------------------------------- generating
class _Builder:
    def __init__(self, program: GraphProgram) -> None:
        self.p = program
        self.count = 0
        self.namespace: dict[str, Any] = dict(NAMESPACE)
        self.namespace.update(np=np, _array=_array, _unpack=_unpack, _shaped=_shaped, _given=_given)
        if program.exact:
            self.namespace.update(EXACT_NAMESPACE)

    def temp(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def names(self, prefix: str, i: int) -> list[str]:
        return [f"{prefix}{i}_{k}" for k in range(self.p.sizes[i])]

    def unpack(self, target: list[str], array: str, i: int) -> str:
        """A statement reading the elements of the array ``array`` (node i's shape, checked) into ``target``."""
        return f"{', '.join(target)}, = _unpack({array}, {self.p.shapes[i]!r})"

    def saved(self, i: int) -> list[str] | None:
        size = self.p.saved_sizes[i]
        return None if size is None else [f"s{i}_{k}" for k in range(size)]

    def array(self, names: list[str], i: int) -> str:
        shape = self.p.shapes[i]
        if self.p.exact:
            return f"_fractions([{', '.join(names)}], {shape!r})"
        if not shape:
            return f"np.array({names[0]})"
        if len(shape) == 1:
            return f"np.array([{', '.join(names)}])"
        return f"np.array([{', '.join(names)}]).reshape({shape!r})"

    def call(self, i: int, out: list[str], saved: list[str] | None, names: list[list[str]]) -> ScalarCall:
        p = self.p
        return ScalarCall(out, p.shapes[i], [names[j] for j in p.inputs[i]], [p.shapes[j] for j in p.inputs[i]],
                          p.params[i], saved, self.temp)

    def finish(self, header: str, lines: list[str], name: str) -> tuple[Callable[..., Any], str] | None:
        source = header + "\n" + "\n".join(f"    {line}" for line in lines) + "\n"
        if self.p.exact:
            exact = exact_source(source, self.namespace)
            if exact is None:
                return None
            source = exact
        exec(compile(source, f"<gradwork graph program {name}>", "exec"), self.namespace)  # noqa: S102 (ours)
        return self.namespace[name], source

    # ---------------------------------------------------------------- forward
    def forward(self, replaced: set[int], hooked: set[int]) -> tuple[Callable[..., Any], str] | None:
        p = self.p
        names: list[list[str]] = [[] for _ in p.ops]
        lines: list[str] = []
        arrays: dict[int, str] = {}  # nodes whose flowing value already exists as an array, by name
        for i, op in enumerate(p.ops):
            names[i] = self.names("v", i)
            if op is None:
                arrays[i] = f"L[{i}]"
                if i in hooked:
                    lines.append(f"A{i} = V[{i}]({i}, L[{i}])")
                    arrays[i] = f"A{i}"
                lines.append(self.unpack(names[i], arrays[i], i))
                continue
            params = p.params[i]
            if i in replaced:
                self.namespace[f"P{i}"] = params
                args = ", ".join(self.array(names[j], j) if j not in arrays else arrays[j] for j in p.inputs[i])
                lines.append(f"A{i} = _given(bk, F[{i}](bk, {args}, **P{i}))")
                arrays[i] = f"A{i}"
            else:
                assert op.scalar is not None
                emitted = op.scalar.forward(self.call(i, names[i], self.saved(i), names))
                if emitted is None:
                    return None
                lines += [f"# {i}: {op.name}", *emitted]
            if i in hooked:
                source = arrays.get(i) or self.array(names[i], i)
                lines.append(f"A{i} = V[{i}]({i}, {source})")
                arrays[i] = f"A{i}"
            if i in arrays:
                lines.append(self.unpack(names[i], arrays[i], i))
        returned = [arrays.get(i) or self.array(names[i], i) for i in range(len(p.ops))]
        lines.append(f"return [{', '.join(returned)}]")
        return self.finish("def forward(L, bk, F, V):", lines, "forward")

    # ---------------------------------------------------------------- backward
    def backward(self, replaced: set[tuple[int, int]], hooked: set[int]) -> tuple[Callable[..., Any], str] | None:
        p = self.p
        names = [self.names("v", i) for i in range(len(p.ops))]
        lines: list[str] = []
        root = p.root
        seed = self.names("g", root)
        grads: dict[int, list[str | None]] = {root: list(seed)}
        lines.append(self.unpack(seed, "seed", root))
        arrays: dict[int, str] = {}  # finished gradients that are arrays already (hooked ones)
        for i in range(root, -1, -1):
            if i not in grads:
                continue
            if i in hooked:  # the gradient is complete here: every consumer comes later in the order
                g = [name or "0.0" for name in grads[i]]
                lines.append(f"B{i} = G[{i}]({i}, {self.array(g, i)})")
                target = self.names("g", i)
                lines.append(self.unpack(target, f"B{i}", i))
                grads[i] = list(target)
                arrays[i] = f"B{i}"
            op = p.ops[i]
            if op is None:
                continue
            wanted = [(position, j) for position, j in enumerate(p.inputs[i]) if p.requires_grad[j]]
            if not wanted:
                continue
            call = self.call(i, names[i], self.saved(i), names)
            call.g = [name or "0.0" for name in grads[i]]
            if op.save is not None:  # what save kept, recomputed (the engine's replay has no saved values)
                assert op.scalar is not None
                again = op.scalar.forward(self.call(i, [self.temp() for _ in range(p.sizes[i])], call.saved, names))
                if again is None:
                    return None
                lines += again
            prelude_done = False
            for position, j in wanted:
                if (i, position) in replaced:
                    self.namespace[f"P{i}"] = p.params[i]
                    g_array = arrays.get(i) or self.array([name or "0.0" for name in grads[i]], i)
                    args = ", ".join(self.array(names[k], k) for k in p.inputs[i])
                    temp = self.temp()
                    lines.append(f"{temp} = _shaped(J[({i}, {position})](bk, {g_array}, {self.array(names[i], i)}, "
                                 f"{args}, **P{i}), {p.shapes[j]!r})")
                    parts = [f"{temp}_{k}" for k in range(p.sizes[j])]
                    lines.append(f"{', '.join(parts)}, = {temp}.ravel().tolist()")
                    terms: list[str | None] = list(parts)
                else:
                    assert op.scalar is not None
                    if op.scalar.prelude is not None and not prelude_done:
                        prelude = op.scalar.prelude(call)
                        if prelude is None:
                            return None
                        lines += prelude[0]
                        call.g = prelude[1]
                        prelude_done = True
                    emitted = op.scalar.vjp(call, position)
                    if emitted is None or len(emitted[1]) != p.sizes[j]:
                        return None
                    lines += [f"# d{op.name}/d{op.partial(position).wrt} -> {j}", *emitted[0]]
                    terms = emitted[1]
                have = grads.setdefault(j, [None] * p.sizes[j])
                for k, term in enumerate(terms):
                    if term is None:
                        continue
                    name = f"g{j}_{k}"
                    if have[k] is None:
                        lines.append(f"{name} = {term}")
                        have[k] = name
                    else:
                        lines.append(f"{name} = {name} + ({term})")
        returned = []
        for i in range(len(p.ops)):
            if i not in grads:
                returned.append("None")
            elif i in arrays and grads[i] == self.names("g", i):
                returned.append(arrays[i])
            else:
                returned.append(self.array([name or "0.0" for name in grads[i]], i))
        lines.append(f"return [{', '.join(returned)}]")
        # Read only the values some VJP uses (a sum's or an add's VJP needs none).
        used = set(re.findall(r"\bv(\d+)_\d+\b", "\n".join(lines)))
        reads = [self.unpack(names[i], f"X[{i}]", i) for i in range(len(p.ops)) if str(i) in used]
        return self.finish("def backward(X, seed, bk, J, G):", reads + lines, "backward")


def _given(bk: Any, value: Any) -> np.ndarray:
    """A replaced forward's result as a float64 array."""
    return np.asarray(value, dtype=np.float64)


def _unpack(array: Any, shape: tuple[int, ...]) -> list[float]:
    """The elements of ``array`` as Python floats, checking it has ``shape`` (a hook may have changed it)."""
    if type(array) is not np.ndarray:
        array = np.asarray(array, dtype=np.float64)
    if array.shape != shape or array.dtype != np.float64:
        if array.dtype.kind not in "fiub" or array.shape != shape:
            raise ProgramError(f"a value of shape {array.shape} and type {array.dtype} where {shape} floats were "
                               "expected")
    return array.ravel().tolist()


def _array(values: list[float], shape: tuple[int, ...]) -> np.ndarray:
    if not shape:
        return np.array(values[0])
    return np.array(values).reshape(shape)


def _shaped(contribution: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A VJP's result in its input's shape, summed over broadcast axes (as the engine's driver does)."""
    contribution = np.asarray(contribution, dtype=np.float64)
    if contribution.shape != shape:
        contribution = unbroadcast(contribution, shape)
    return contribution


__all__ = ["GraphProgram", "ProgramError", "program_for"]
