"""Reading a solved problem's tensor graph in terms of its *named* nodes.

The nodes, their order and their names are gradwork.problem's one view of a
solved problem (``solved_graph``); this module adds the formulas.

A layer's ``z = x W + b`` is two engine ops (matmul, then add) with an unnamed
tensor between them. The explainers talk about named quantities only, so this
module walks through unnamed intermediates: the formula of a named node in
terms of other named nodes, the gradient formula of a node as upstream
gradient times local derivative (from the op registry's templates), and
numeric Jacobians between named nodes computed by the engine's own VJPs.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np

from gradwork.explain.math import (
    MATRIX,
    Array, Call, Derivative, Expr, Neg, Number, OpTemplate, Power, Product, Quotient, Sum, Symbol, Transpose, Words,
)
from gradwork.ops import UNBROADCAST_SUM, Op, batch_mean
from gradwork.problem import Solution
from gradwork.problem.solved_graph import solved_graph
from gradwork.autodiff import backward_pass
from gradwork.tensor import Tensor, topological_order


def value_expr(data: Any) -> Expr:
    """A tensor value as a Number or an Array of Numbers."""
    array = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if array.ndim == 0:
        return Number(array.item())
    if array.ndim == 1:
        return Array(tuple(Number(v) for v in array.tolist()))
    if array.ndim == 2:
        return Array(tuple(tuple(Number(v) for v in row) for row in array.tolist()))
    return Words(f"array of shape {array.shape}")


def element(symbol: Symbol, index: tuple[int | str, ...]) -> Symbol:
    """One entry of a named array: the problem's own name for it (w1, h1), else the indexed symbol (W's are w).

    A symbol is immutable and its entries depend on it alone: each is made once and shared (every variant of a
    template names the same entries)."""
    key = (symbol, tuple(index))
    found = _ELEMENTS.get(key)
    if found is None:
        if len(_ELEMENTS) >= MAX_ELEMENTS:
            _ELEMENTS.clear()
        found = _ELEMENTS[key] = symbol.element(key[1])
    return found


_ELEMENTS: dict[tuple[Symbol, tuple[int | str, ...]], Symbol] = {}
MAX_ELEMENTS = 4096


class NamedGraph:
    """The graph of a Solution seen through its named nodes."""

    def __init__(self, solution: Solution, symbols: dict[str, Symbol]) -> None:
        self.solution = solution
        self.symbols = symbols
        # The walk and the names are gradwork.problem's one view of the solved problem.
        view = solved_graph(solution)
        self.view = view
        self.name_of: dict[int, str] = {
            id(node.tensor): node.name for node in view
            if node.name is not None and (node.name in solution.nodes or node.name in solution.parameters)}
        if solution.target is not None and id(solution.target) not in self.name_of and "target" in symbols:
            self.name_of[id(solution.target)] = "target"
        self.root = view.nodes[view.root].tensor
        self.order = [node.tensor for node in view.nodes[:view.root_size]]  # what the root depends on
        self.consumers: dict[int, list[tuple[Tensor, int]]] = {}
        for node in view.nodes[:view.root_size]:
            uses = view.consumers(node.index, toward_root=True)
            if uses:
                self.consumers[id(node.tensor)] = [(view.nodes[i].tensor, position) for i, position in uses]
        self.loss_symbol = symbols.get("loss", Symbol("L"))
        self.euler_taken = any(symbol.base == "e" and not symbol.index for symbol in symbols.values())
        self.row_vectors = solution.form == "network" and solution.convention == "row"

    # ------------------------------------------------------------ naming
    def name(self, tensor: Tensor) -> str | None:
        return self.name_of.get(id(tensor))

    def symbol(self, tensor: Tensor) -> Symbol | None:
        name = self.name(tensor)
        return self.symbols.get(name) if name else None

    def written(self, name: str) -> Symbol:
        """Node ``name``'s symbol (a node without one is written as its name)."""
        return self.symbols.get(name) or Symbol(name, one_based=False)

    def written_for(self, tensor: Tensor) -> Symbol:
        """``tensor``'s symbol, as :meth:`written` (the loss's own where it is the loss)."""
        symbol = self.symbol(tensor)
        return symbol if symbol is not None else Symbol(self.name(tensor) or "?", one_based=False)

    def tensor(self, name: str) -> Tensor:
        if name == "target" and self.solution.target is not None:
            return self.solution.target
        return self.solution.nodes[name]

    # ------------------------------------------------------------ forward formulas
    def formula(self, tensor: Tensor, *, top: bool = True) -> Expr:
        """``tensor`` written in terms of the named nodes it is computed from."""
        symbol = self.symbol(tensor)
        if symbol is not None and not top:
            return symbol
        if tensor.op is None:
            return symbol if symbol is not None else _constant(tensor)
        if tensor.op.vector_dot and all(i.ndim == 1 for i in tensor.inputs):
            # two vectors: a dot product (a juxtaposition would read as a column times a column)
            return Product(tuple(self.formula(i, top=False) for i in tensor.inputs), "dot")
        if tensor.op.picks:
            picked = self._picked(tensor)
            if picked is not None:
                return picked
        if self.euler_taken and _writes_euler(tensor.op):  # e names a quantity here: exp(x), never e to the x
            return Call(tensor.op.name, (self.formula(tensor.inputs[0], top=False),))
        return OpTemplate(tensor.op.name, "notation", self._bindings(tensor), 0)

    def _picked(self, tensor: Tensor) -> Expr | None:
        """``w[0]`` as the element symbol itself, ``x[[2, 4, 3]]`` as the vector (x[2], x[4], x[3]):
        what was picked, never the indexing code."""
        base = self.formula(tensor.inputs[0], top=False)
        source = tensor.inputs[0]
        if not isinstance(base, Symbol) or source.ndim != 1:
            return None
        positions = _positions(source, _picking(tensor))
        if positions is None:
            return None
        if tensor.ndim == 0:
            return element(base, (int(positions[0]),))
        if tensor.ndim == 1:
            return Array(tuple(element(base, (int(p),)) for p in positions))
        return None

    def element_values(self, symbol: Symbol, tensor: Tensor) -> dict[Expr, Expr]:
        """Each element symbol of a named vector or matrix -> its number (small arrays only)."""
        data = np.asarray(tensor.data, dtype=object)
        if data.ndim == 0 or data.size > 64:
            return {}
        return {element(symbol, index): Number(data[index]) for index in np.ndindex(data.shape)}

    def _bindings(self, tensor: Tensor) -> tuple[tuple[str, Expr], ...]:
        op = tensor.op
        assert op is not None
        bindings: list[tuple[str, Expr]] = []
        if op.variadic:
            bindings.append(("xs", Words(", ".join("·" for _ in tensor.inputs))))
        else:
            for partial, child in zip(op.partials, tensor.inputs):
                bindings.append((partial.wrt, self.formula(child, top=False)))
        options = {option.name for option in op.options}
        for key in op.params:  # a parameter the templates write out ($index), as words
            if key in tensor.params and key not in options and _in_templates(op, key):
                bindings.append((key, Words(_index_text(tensor.params[key]))))
        for option in op.options:  # a user option (leaky ReLU's α): its symbol; its number comes with the others
            if option.name in tensor.params:
                bindings.append((option.name, Symbol(option.name)))
        return tuple(bindings)

    def constants(self) -> dict[Expr, Expr]:
        """The ops' own options (leaky ReLU's and ELU's α) -> their numbers (one value per option and problem)."""
        found: dict[Expr, Expr] = {}
        for node in self.order:
            for option in node.op.options if node.op is not None else ():
                if option.name in node.params:
                    found.setdefault(Symbol(option.name), Number(node.params[option.name], exact=True))
        return found

    def named_inputs(self, tensor: Tensor) -> list[Tensor]:
        """The named tensors (or constants) ``tensor`` is computed from, through unnamed intermediates."""
        found: list[Tensor] = []
        stack = list(tensor.inputs)
        while stack:
            child = stack.pop(0)
            if self.name(child) is not None or child.op is None:
                if all(child is not f for f in found):
                    found.append(child)
            else:
                stack.extend(child.inputs)
        return found

    def values_mapping(self) -> dict[Expr, Expr]:
        """Every named node's symbol -> its value, and d(loss)/d(node) -> its gradient."""
        mapping: dict[Expr, Expr] = dict(self.constants())
        for name, symbol in self.symbols.items():
            try:
                tensor = self.tensor(name)
            except KeyError:
                continue
            mapping.update(self.element_values(symbol, tensor))
            mapping[symbol] = value_expr(tensor.data)
            if tensor.grad is not None:
                mapping[Derivative(self.loss_symbol, symbol)] = value_expr(tensor.grad)
                grads = np.asarray(tensor.grad, dtype=object)
                if 0 < grads.ndim and grads.size <= 64:
                    for index in np.ndindex(grads.shape):
                        mapping[Derivative(self.loss_symbol, element(symbol, index))] = Number(grads[index])
        return mapping

    # ------------------------------------------------------------ backward formulas
    def gradient_terms(self, tensor: Tensor) -> list[tuple[Tensor, Expr]]:
        """d(loss)/d(tensor) as one term per use of ``tensor``: (named consumer, upstream x local)."""
        terms: list[tuple[Tensor, Expr]] = []
        for consumer, position in self.consumers.get(id(tensor), []):
            if not consumer.requires_grad:
                continue
            named = self.name(consumer) is not None
            upstream: Expr | None
            if consumer is self.root and self.solution.loss is not None:
                upstream = None  # d(loss)/d(loss) = 1: the term is the loss's own local derivative
                owners = [consumer]
            elif named:
                upstream = Derivative(self.loss_symbol, self.written_for(consumer))
                owners = [consumer]
            else:
                inner = self.gradient_terms(consumer)
                if not inner:
                    continue
                upstream = _sum([expr for _, expr in inner])
                owners = [owner for owner, _ in inner]
            term = self._pull(consumer, position, upstream)
            terms.append((owners[0], self._unbroadcast(consumer, tensor, term)))
        return terms

    def gradient_formula(self, tensor: Tensor) -> Expr:
        return _sum([expr for _, expr in self.gradient_terms(tensor)])

    def _unbroadcast(self, consumer: Tensor, tensor: Tensor, term: Expr) -> Expr:
        """A value broadcast over a bigger one (a shared bias, a bias over a batch) collects the sum of
        the upstream gradient over the copies: written out, so the printed rule gives the printed number."""
        if consumer.op is None or not consumer.op.elementwise or tensor.shape == consumer.shape:
            return term
        if tensor.size == 1:
            return Call(UNBROADCAST_SUM, (term,))
        if consumer.ndim == 2 and tensor.ndim == 1 and consumer.shape[1] == tensor.shape[0]:
            ones = Array(tuple(Number(1, exact=True) for _ in range(consumer.shape[0])), row=True)
            return Product((ones, term), MATRIX)  # 1ᵀ G: each column of the batch summed
        return term

    def _pull(self, consumer: Tensor, position: int, upstream: Expr | None) -> Expr:
        op = consumer.op
        assert op is not None
        partial = op.partial(position)
        if op.vector_dot and all(i.ndim == 1 for i in consumer.inputs):
            # a · b, a dot product: its gradient is the upstream scalar times the other vector.
            other = self.formula(consumer.inputs[1 - position], top=False)
            return other if upstream is None else Product((upstream, other))
        if op.picks and upstream is not None:
            routed = self._routed(consumer, upstream)
            if routed is not None:
                return routed
        if partial.includes_upstream:
            g = upstream if upstream is not None else Number(1, exact=True)
            return OpTemplate(op.name, "partial", self._local_bindings(consumer) + (("g", g),), position)
        local = self.local_formula(consumer, position)
        if upstream is None:
            return local
        if partial.text == "1":
            return upstream
        if partial.text == "-1":
            return Neg(upstream)
        if not op.elementwise and consumer.size > 1 and consumer.inputs[position].size > 1:
            # A full Jacobian J = ∂out/∂in: the gradient is Jᵀ g (columns), or g J (rows).
            if self.row_vectors:
                return Product((upstream, local), MATRIX)
            return Product((Transpose(local), upstream), MATRIX)
        kind: Literal["hadamard", "dot"] = "hadamard" if op.elementwise and consumer.size > 1 else "dot"
        return Product((upstream, local), kind)

    def _routed(self, consumer: Tensor, upstream: Expr) -> Expr | None:
        """Picking elements, backwards: a vector the size of the source with each picked element's upstream
        gradient at the position it came from (positions picked twice add up) and 0 elsewhere."""
        source = consumer.inputs[0]
        if source.ndim != 1:
            return None
        positions = _positions(source, _picking(consumer))
        if positions is None:
            return None
        pieces: list[list[Expr]] = [[] for _ in range(source.size)]
        for j, p in enumerate(positions):
            piece: Expr
            if consumer.ndim == 0:
                piece = upstream
            elif isinstance(upstream, Derivative) and isinstance(upstream.wrt, Symbol):
                piece = Derivative(upstream.of, element(upstream.wrt, (j,)))
            elif isinstance(upstream, Array) and not isinstance(upstream.rows[0], tuple):
                piece = upstream.rows[j]
            else:
                return None
            pieces[int(p)].append(piece)
        return Array(tuple(_sum(list(terms)) for terms in pieces))

    def _local_bindings(self, consumer: Tensor) -> tuple[tuple[str, Expr], ...]:
        named = consumer is not self.root or self.name(consumer)
        out = self.formula(consumer, top=False) if named else self.loss_symbol
        return self._bindings(consumer) + (("out", out),)

    def loss_partial(self, loss: Tensor, bindings: tuple[tuple[str, Expr], ...]) -> Expr:
        """∂L/∂y of a named loss, with the divisor written as a number: the per-term rule, over D.

        D counts the samples (a batch averaged) times the outputs (a loss that averages them, such as
        mse). mse's own template says "2/n"; its per-term rule is another op's (the registry's ``term_rule``:
        sse's), so n is never left unbound.
        """
        op = loss.op
        assert op is not None
        rule = OpTemplate(op.term_rule or op.name, "partial", bindings, 0)
        divisor = loss_divisor(loss)
        return rule if divisor == 1 else Quotient(rule, Number(divisor, exact=True))

    def local_formula(self, consumer: Tensor, position: int) -> Expr:
        """The local derivative d consumer / d input[position] from the op's rule template."""
        op = consumer.op
        assert op is not None
        partial = op.partial(position)
        if op.term is not None and position == 0 and op.inner is None:  # cross-entropy's rule is per logit
            return self.loss_partial(consumer, self._local_bindings(consumer))
        if op.term is not None and position == 0:  # softmax(z) − t, over the batch's N samples when it averages
            divisor = loss_divisor(consumer)
            rule = OpTemplate(op.name, "partial", self._local_bindings(consumer), position)
            return rule if divisor == 1 else Quotient(rule, Number(divisor, exact=True))
        if partial.text in ("1", "-1"):
            return Number(int(partial.text), exact=True)
        if self.euler_taken and _writes_euler(op):  # e names a quantity here: exp(x), never e to the x
            return Call(op.name, (self.formula(consumer.inputs[0], top=False),))
        constants = {p.wrt: child for p, child in zip(op.partials, consumer.inputs)
                     if child.op is None and self.name(child) is None and child.size == 1}
        fold = partial.with_constant
        if fold is not None and fold[0] in constants:
            value = constants[fold[0]].data.reshape(()).item()
            if fold[1] == "power":  # x^p with a constant p: write p x^(p-1) with the exponent worked out.
                base = self.formula(consumer.inputs[position], top=False)
                power = base if value - 1 == 1 else Power(base, Number(value - 1, exact=True))
                return _fold(Product((Number(value, exact=True), power)))
            return Number(1 / _exact(value), exact=True)  # a / b with a constant b: 1/b
        return OpTemplate(op.name, "partial", self._local_bindings(consumer), position,
                          elementwise=op.elementwise and consumer.size > 1)

    def edge_formula(self, consumer: Tensor, tensor: Tensor) -> Expr:
        """d consumer / d tensor for two directly connected named nodes, through unnamed ops between them."""
        terms: list[Expr] = []
        for position, child in enumerate(consumer.inputs):
            if child is tensor:
                terms.append(self.local_formula(consumer, position))
            elif self.name(child) is None and child.op is not None and self._reaches(child, tensor):
                inner = self.edge_formula(child, tensor)
                outer = self.local_formula(consumer, position)
                terms.append(_fold(Product((outer, inner))))
        return _sum(terms)

    def _reaches(self, node: Tensor, target: Tensor) -> bool:
        i, j = self.view.index(node), self.view.index(target)
        return i is not None and j is not None and self.view.depends(i, j)

    # ------------------------------------------------------------ numbers
    def jacobian(self, out: Tensor, inp: Tensor) -> np.ndarray:
        """d out / d inp as an array of shape out.shape + inp.shape, by the engine's VJPs.

        One row per element of ``out``, each a pass of the engine's one backward
        driver over the nodes between ``inp`` and ``out`` only (inputs from
        elsewhere are held constant, ``inp`` is a leaf), so nothing outside is pulled back.
        """
        nodes, inputs, values, saved = _subgraph(out, inp)
        at = len(nodes) - 1  # out comes last in topological order
        where = next((i for i, node in enumerate(nodes) if getattr(node, "tensor", node) is inp), None)
        rows = []
        for flat in range(max(out.size, 1)):
            seed = out.backend.zeros_like(out.data).reshape(-1)
            seed[flat] = 1
            if where is None:
                rows.append(inp.backend.zeros_like(inp.data))
                continue
            grads = backward_pass(nodes, inputs, values, at, seed.reshape(out.shape), saved=saved)
            found = grads.get(where)
            rows.append(inp.backend.zeros_like(inp.data) if found is None else found)
        return np.stack(rows).reshape(out.shape + inp.shape)

    def local_derivative(self, out: Tensor, inp: Tensor) -> np.ndarray:
        """For an elementwise path, d out_i / d inp_i (the Jacobian's diagonal)."""
        jac = self.jacobian(out, inp)
        if out.shape != inp.shape or out.ndim == 0:
            return jac
        n = out.size
        return jac.reshape(n, n)[np.arange(n), np.arange(n)].reshape(out.shape)


def _in_templates(op: Op, key: str) -> bool:
    """Whether the op's notation or rule templates write the parameter ``key`` out (``$index``)."""
    placeholder = "$" + key
    texts = [op.notation.text, op.notation.latex] + [t for p in op.partials for t in (p.text, p.latex)]
    return any(placeholder in text for text in texts)


def loss_divisor(loss: Tensor) -> int:
    """What a named loss divides its sum of terms by: samples (batch mean) × outputs (a mean loss)."""
    op, y = loss.op, loss.inputs[0]
    per_sample = y.shape[-1] if y.ndim else 1
    samples = y.size // max(per_sample, 1) if y.ndim > 1 else 1
    divisor = samples if batch_mean(loss.params) else 1
    if op is not None and op.averages_outputs:
        divisor *= per_sample
    return int(divisor)


def _exact(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return Fraction(int(value))
    return Fraction(value) if isinstance(value, (int, Fraction)) else value


def _fold(product: Product) -> Expr:
    """Flatten nested products and multiply their exact numbers: (1/2)·(2·z) is z."""
    factors: list[Expr] = []
    stack = list(product.factors)
    while stack:
        factor = stack.pop(0)
        if isinstance(factor, Product) and factor.kind == product.kind:
            stack[:0] = list(factor.factors)
        else:
            factors.append(factor)
    coefficient: Any = 1
    rest = []
    for factor in factors:
        if isinstance(factor, Number) and factor.exact:
            coefficient = coefficient * _exact(factor.value)
        else:
            rest.append(factor)
    if coefficient == 0:
        return Number(0, exact=True)
    if coefficient != 1 or not rest:
        value = int(coefficient) if getattr(coefficient, "denominator", 2) == 1 else coefficient
        rest.insert(0, Number(value, exact=True))
    return rest[0] if len(rest) == 1 else Product(tuple(rest), product.kind)


class _Held:
    """A node the Jacobian's backward pass treats as a leaf: ``inp`` itself, or an input from outside the paths."""

    op = None
    params: dict[str, Any] = {}
    saved = None

    def __init__(self, tensor: Tensor, requires_grad: bool) -> None:
        self.tensor, self.backend, self.requires_grad = tensor, tensor.backend, requires_grad


def _subgraph(out: Tensor, inp: Tensor) -> tuple[list[Any], list[tuple[int, ...]], list[Any], list[Any]]:
    """The paths from ``inp`` to ``out`` as flat lists for :func:`gradwork.autodiff.backward_pass`."""
    inside = _between(out, inp)
    if not any(node is inp for node in inside) or not any(node is out for node in inside):
        return [], [], [], []
    position: dict[int, int] = {}
    nodes: list[Any] = []
    for node in inside:  # inputs from outside the paths first: constants for this derivative
        for parent in node.inputs if node is not inp else ():
            if id(parent) not in position and not any(parent is n for n in inside):
                position[id(parent)] = len(nodes)
                nodes.append(_Held(parent, requires_grad=False))
    for node in inside:
        position[id(node)] = len(nodes)
        nodes.append(_Held(node, node.requires_grad) if node is inp or node.op is None else node)
    inputs = [() if isinstance(node, _Held) else tuple(position[id(parent)] for parent in node.inputs)
              for node in nodes]
    values = [getattr(node, "tensor", node).data for node in nodes]
    saved = [None if isinstance(node, _Held) else node.saved for node in nodes]
    return nodes, inputs, values, saved


def _between(out: Tensor, inp: Tensor) -> list[Tensor]:
    """Nodes on paths from ``inp`` to ``out``, in topological order."""
    order = topological_order(out)
    reaches: set[int] = {id(inp)}
    for node in order:
        if any(id(parent) in reaches for parent in node.inputs):
            reaches.add(id(node))
    return [node for node in order if id(node) in reaches]


def _picking(tensor: Tensor) -> Any:
    """What a picking op picks: its one parameter (the index it was given)."""
    op = tensor.op
    return tensor.params.get(op.params[0]) if op is not None and op.params else None


def _writes_euler(op: Any) -> bool:
    """An op whose notation is e to a power (exp): reads wrong where e names a quantity."""
    return op is not None and op.notation.latex.replace(" ", "").startswith("e^")


def _positions(source: Tensor, index: Any) -> list[int] | None:
    """The flat positions of ``source`` that ``source[index]`` picks, in order, or None for other indexing."""
    try:
        picked = np.arange(source.size).reshape(source.shape)[index]
    except (IndexError, TypeError, ValueError):
        return None
    return [int(p) for p in np.ravel(picked)]


def _sum(terms: list[Expr]) -> Expr:
    if not terms:
        return Number(0, exact=True)
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


def _constant(tensor: Tensor) -> Expr:
    if tensor.size == 1:
        return Number(tensor.data.reshape(()).item(), exact=True)
    return Array(tuple(Number(v, exact=True) for v in np.asarray(tensor.data).ravel().tolist()))


def _index_text(index: Any) -> str:
    if isinstance(index, tuple):
        return ", ".join(_index_text(i) for i in index)
    if isinstance(index, np.ndarray):
        return str(index.tolist())
    return str(index)
