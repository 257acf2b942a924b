"""Marking a worked solution, phase by phase: read, as a program, bind, check each line, score with check.

1. **read** (:mod:`~gradwork.mark.document`, :mod:`~gradwork.mark.plain`,
   :mod:`~gradwork.mark.parse`): the maths of the document, as chains of sides;
2. **the program** (:mod:`~gradwork.mark.program`): each chain a statement with
   its phase, optimizer step and version;
3. **bind** (:mod:`~gradwork.mark.bind`): each symbol to a quantity of the problem;
4. **check** each line (:mod:`~gradwork.mark.checks`) with the values in force
   there (:mod:`~gradwork.mark.env`);
5. **score** (:mod:`~gradwork.mark.score`): the results, as one answers file, by
   check; its verdicts back on the lines (:mod:`~gradwork.mark.lines`).
"""

from __future__ import annotations

from dataclasses import replace

from typing import Any

import numpy as np

from gradwork.check import Checker, solution_of
from gradwork.mark.arith import finite, json_value, last_formula, last_number, last_read, no_symbols, signed_first
from gradwork.mark.bind import Binder, Binding, Bindings, Claim, problem_words, symbol_key
from gradwork.mark.calculus import Calculus
from gradwork.mark.checks import Checks
from gradwork.mark.document import MAX_EQUATIONS, TooManyEquations, Work, read_work
from gradwork.mark.env import Context, Env, FunctionDefinition
from gradwork.mark.errors import NothingRead, WorkTooLarge
from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.functions import with_pitfall
from gradwork.mark.lines import carry_forward, line_results
from gradwork.mark.program import Statement, read_program, strip_update
from gradwork.mark.quantities import LOSS_LETTERS, base_and_parts, catalog, layer_hint, role_of
from gradwork.mark.report import MarkReport
from gradwork.mark.score import attach, check_results
from gradwork.mark.structure import bind_by_structure, bind_by_substitution, bind_by_value
from gradwork.problem.notation import notation
from gradwork.problem.quantities import NodeRef, QuantityError
from gradwork.mark.syntax import Node, Sym, has_derivative, is_number, numbers, symbols
from gradwork.numbers.tolerance import Tolerance
from gradwork.problem import Quantity, Solution

ERRORS = (Unbound, ValueError, TypeError, ArithmeticError, IndexError)


class WorkMarker:
    """Marks worked solutions against one solved problem; build one per problem and reuse it for a class."""

    def __init__(self, solution: Solution, tolerance: Tolerance | None = None, policy: Any = None) -> None:
        solution = solution_of(solution, "WorkMarker")  # a gradwork.Solved too, as the README shows
        self.solution = solution
        self.policy = policy if policy is not None else solution.marking
        if tolerance is not None:
            self.policy = self.policy.with_tolerance(tolerance, "command line")
        self.tolerance = self.policy.effective_tolerance
        self.checker = Checker(solution)
        self.quantities = catalog(solution)
        self.by_key = {(q.section, q.node_key): q for q in self.quantities}
        self.loss = next((q for q in self.quantities if q.section == "loss"), None)
        self.symbolic = solution.mode == "symbolic"
        self.convention = solution.convention or "row"
        self.calculus = Calculus(solution)
        self.options = {layer.activation: {k: float(v) for k, v in layer.activation_options.items()
                                           if isinstance(v, (int, float)) or hasattr(v, "numerator")}
                        for layer in solution.layers if layer.activation_options}
        # numbers the problem gives (weights, inputs, target, learning rate) are exact when a student copies them
        self.exact: frozenset[float] = frozenset(
            round(float(q.value), 12) for q in self.quantities
            if q.section == "given" or (q.section == "values" and q.name == "input")
            if np.asarray(q.value).ndim == 0 and np.asarray(q.value).dtype != object)
        self._names = {symbol_key(symbol): ref.key for ref, symbol in solution.names.items()} if solution.names \
            else {}
        self._local_cache: dict[tuple[str, str], Any] = {}
        self._true_values: dict[str, Any] = {}
        self.known = frozenset(name for name in solution.nodes if "." not in name) | problem_words(solution)
        self.output_name = None if solution.layers or solution.loss is None else next(
            (name for name, tensor in solution.nodes.items() if tensor is solution.loss and name != "loss"), None)

    # ------------------------------------------------------------ the whole document
    def mark(self, text: str, source: str = "<work>") -> MarkReport:
        try:
            work = read_work(text, self.known)
        except TooManyEquations as error:
            raise WorkTooLarge(source, error.line, 1, f"more than {MAX_EQUATIONS} equations",
                               "a worked solution of a few pages") from None
        _refuse_unread(work, source)
        program = read_program(work, self.is_loss, self.role, self.is_rate, max(self.solution.optimizer.steps, 1))
        for statement in program:
            self._number(statement)
            statement.section = self._section(statement)
        bindings = self._bind(program)
        for statement in program:
            self._key(statement, bindings)
        functions: dict[tuple[str, int], FunctionDefinition] = {}
        context = Context(
            {(q.section, q.node_key): q for q in self.quantities}, self.loss, bindings, program,
            self._definitions(program), functions, self.convention, self.symbolic, self.layer_function,
            self.local, self.options)
        context.record()
        checks = Checks(self, context)
        numeric_keys: set[str | None] = {s.key for s in program if s.key is not None and last_number(s.sides)}
        for statement in program:
            if statement.kind == "function":
                checks.definition(statement, functions)
            checks.given(statement)
            self._results(statement, Env(context, statement.index, own=False), numeric_keys)
            checks.links(statement)
            checks.rules(statement)
            checks.rate(statement)
            if statement.kind in ("local", "function"):
                checks.local(statement)
        report, missing, answers = check_results(self, program, source)
        attach(self, program, report, answers)
        carry_forward(program)
        lines = line_results(work, program)
        if not report.total and not any(line.status in ("correct", "wrong", "carried_forward") for line in lines):
            first = next((line.line for line in lines if line.status != "not_read"), lines[0].line if lines else 1)
            raise NothingRead(source, first, 1, "nothing in this worked solution could be checked against the problem",
                              "equations that give the problem's quantities numbers, or a names: map binding its "
                              "symbols")
        listed = [_written(b, self.solution) for b in
                  sorted(bindings.by_symbol.values(), key=lambda b: b.symbol) + list(bindings.overrides.values())]
        return MarkReport(self.solution.title, source, self.tolerance, self.policy, tuple(lines), report,
                          tuple(listed), tuple(missing), tuple(q.key for q in self.solution.ask))

    # ------------------------------------------------------------ what symbols are
    def is_loss(self, symbol: str) -> bool:
        base = base_and_parts(symbol)[0]
        named = self._names.get(symbol_key(symbol))
        if named is None and self.output_name is not None and symbol_key(symbol) == symbol_key(self.output_name):
            return True  # a graph's output node (f) is what its gradients are of
        return named == "loss" or (named is None and (base in LOSS_LETTERS or role_of(symbol) == "loss"))

    def role(self, symbol: str) -> str | None:
        """A symbol's role: from the names map when it names the symbol, else from its letter."""
        target, _ = strip_update(symbol)
        named = self._names.get(symbol_key(target))
        if named is not None:
            if named == "loss":
                return "loss"
            return next((q.role for q in self.quantities if q.name == named.split("[")[0]), None)
        return role_of(target)

    def is_rate(self, value: Any) -> bool:
        lr = self.solution.optimizer.lr if self.solution.parameters else None
        try:
            return lr is not None and abs(float(value) - float(lr)) < 1e-12
        except ERRORS:
            return False

    # ------------------------------------------------------------ numbers and sections
    def _number(self, statement: Statement) -> None:
        """The student's number for the head: the last side that is a number."""
        result = last_number(statement.sides)
        statement.result = result
        if result is None:
            return
        node = statement.sides[result].node
        try:
            value = Evaluator(no_symbols, options=self.options)(node)  # type: ignore[arg-type]
        except ERRORS:
            return
        if finite(value):
            statement.value = value

    def _section(self, statement: Statement) -> str | None:
        kind = statement.kind
        if kind == "gradient":
            return "gradients"
        if kind in ("local", "function"):
            return "local"
        if kind != "symbol" or statement.target is None:
            return None
        role = self.role(statement.target)
        if role == "loss":
            return "loss"
        if role == "delta":
            return "gradients"
        if role in ("target", "lr", "input"):
            return "given"
        if role in ("weight", "bias"):
            return "updated" if statement.updated or statement.phase == "update" else "given"
        return "updated" if statement.updated else "values"

    # ------------------------------------------------------------ binding
    def _claims(self, program: list[Statement]) -> list[Claim]:
        claims: list[Claim] = []
        for statement in program:
            if statement.kind not in ("symbol", "gradient") or statement.target is None:
                continue
            old = None
            if statement.section == "updated":
                first = next((s.node for s in statement.sides[1:] if s.node is not None and is_number(s.node)), None)
                if first is not None and numbers(first):
                    old = signed_first(first)
            claims.append(Claim(statement.target, statement.section or "values", statement.value, statement.index,
                                statement.line, old))
        return claims

    def _bind(self, program: list[Statement]) -> Bindings:
        claims = self._claims(program)
        everything: set[str] = set()
        aliases: list[tuple[str, str]] = []
        for statement in program:
            for side in statement.sides:
                if side.node is not None:
                    everything |= {strip_update(s)[0] for s in symbols(side.node) if "/" not in s}
            sides = statement.sides
            if len(sides) == 2 and isinstance(sides[0].node, Sym) and isinstance(sides[1].node, Sym):
                aliases.append((strip_update(sides[0].node.name)[0], strip_update(sides[1].node.name)[0]))
            if statement.kind == "local" and statement.target:
                everything |= {strip_update(s)[0] for s in statement.target.split("|")}
        binder = Binder(self.solution, self.quantities, self.tolerance)
        bindings = binder.bind(claims, everything, aliases)
        bind_by_structure(program, bindings, self.solution)
        if binder.refine(bindings):
            bind_by_structure(program, bindings, self.solution)
        context = Context({(q.section, q.node_key): q for q in self.quantities}, self.loss, bindings, program, {}, {},
                          self.convention, self.symbolic, self.layer_function, self.local, self.options)

        def evaluate(node: Node, statement: Statement) -> Any:
            if has_derivative(node) and statement.kind != "gradient":
                raise Unbound("a derivative")
            return Env(context, statement.index, own=False).evaluate(node)

        def matches(section: str, value: Any, symbol: str) -> list[str]:
            role = self.role(symbol)
            keys = {q.node_key for q in binder.matches(section, value, role, layer_hint(symbol))}
            keys = {key for key in keys if not (f"{key}[" in " ".join(keys) and binder._size(key) == 1)}
            return sorted(keys)

        if not self.symbolic:
            bind_by_value(program, bindings, evaluate, matches)
            bind_by_structure(program, bindings, self.solution)

            def given(value: Any, symbol: str) -> list[str]:
                role = self.role(symbol)  # z_2 put in where W_1[1,1]'s number is: a z is never a given weight
                keys = {q.node_key for q in binder.matches("given", value, None, None)
                        if q.role not in ("target", "lr", "loss", "upstream")
                        and (role is None or q.role == role or {role, q.role} == {"act", "input"})}
                return sorted(keys) if len({key.split("[")[0] for key in keys}) == 1 else []

            plain = Evaluator(no_symbols, options=self.options)
            if bind_by_substitution(program, bindings, plain, given):
                bind_by_structure(program, bindings, self.solution)
        return bindings

    def _key(self, statement: Statement, bindings: Bindings) -> None:
        if statement.target is None or statement.section is None or statement.kind not in ("symbol", "gradient"):
            if statement.kind == "local" and statement.target:
                statement.binding = bindings.get(statement.target.split("|")[0])
            return
        binding = bindings.overrides.get(statement.index) or bindings.get(statement.target)
        statement.binding = binding
        if binding is None or binding.quantity is None:
            return
        node = binding.quantity
        parameter = node.split("[")[0] in self.solution.parameters
        section = statement.section
        if statement.kind == "symbol" and section == "values" and parameter:
            section = statement.section = "given"
        if statement.kind == "symbol" and section == "updated" and not parameter:
            section = statement.section = "values"
        if node in ("target", "lr", "upstream") or section == "given":
            return
        if node == "loss":
            statement.key = "loss" if section in ("loss", "values") and statement.step == 1 else None
            return
        if section == "loss":
            return
        steps = max(self.solution.optimizer.steps, 1)
        if (section == "updated" and statement.step != steps) or (section != "updated" and statement.step != 1):
            return  # a later step's quantities are not items of check's (only the last step's updates are)
        name = node.split("[")[0]
        if any(q.name == name and q.section == section for q in self.quantities):
            statement.key = f"{section}.{node}"

    def _definitions(self, program: list[Statement]) -> dict[str, Node]:
        """Symbols the working defines by a formula (``E'_{BCE} = (o - y)/(o(1 - o))``)."""
        found: dict[str, Node] = {}
        for statement in program:
            if statement.kind != "symbol" or statement.target is None:
                continue
            formulas = [s.node for s in statement.sides[1:] if s.node is not None and not is_number(s.node)
                        and not has_derivative(s.node) and statement.target not in symbols(s.node)]
            if formulas and statement.target not in found:
                found[statement.target] = formulas[-1]
        return found

    # ------------------------------------------------------------ results
    def _results(self, statement: Statement, env: Env, numeric_keys: set[str | None]) -> None:
        sides = statement.sides
        if statement.key is None:
            return
        result = statement.result if not self.symbolic else last_read(sides, start=1)
        if result is not None and result > 0:
            value = None
            node = sides[result].node
            try:
                value = env.evaluate(node) if self.symbolic else statement.value
            except ERRORS:
                value = None
            if value is not None and finite(value):
                statement.result, statement.result_value = result, value
                return
        formula = last_formula(sides)
        if formula is not None and any(side.node is None for side in sides[formula:]):
            return  # a number was written after the formula, but cannot be read: it is the answer, unread
        if formula is not None and statement.key not in numeric_keys:  # a formula is the answer where no number is
            try:
                value = env.evaluate(sides[formula].node)
            except ERRORS:
                return
            if self._fits(statement.key, value):
                if not self.symbolic:  # a formula's value, to more figures than any tolerance asks for
                    value = np.asarray([float(f"{v:.8g}") for v in np.asarray(value, dtype=float).reshape(-1)]
                                       ).reshape(np.shape(value))
                statement.result, statement.result_value, statement.formula_result = formula, value, True

    def _fits(self, key: str, value: Any) -> bool:
        expected = self.true_value(key)
        return expected is not None and np.asarray(value).size == np.asarray(expected).size

    def true_value(self, key: str) -> Any:
        if key in self._true_values:  # the problem's numbers do not change: each key is looked up once
            return self._true_values[key]
        quantity = Quantity.parse(key)
        if quantity.section == "loss":
            value = None if self.loss is None else self.loss.value
        else:
            q = self.by_key.get((quantity.section, quantity.node.key))  # type: ignore[union-attr]
            value = None if q is None else q.value
        self._true_values[key] = value
        return value

    # ------------------------------------------------------------ the network's derivatives
    def layer_function(self, node: str) -> Any:
        return self.calculus.layer_functions.get(node)

    def layer_output(self, bound: str | None) -> str | None:
        """The activation node (with the same element) of the layer whose pre-activation ``bound`` is."""
        if bound is None:
            return None
        name, _, rest = bound.partition("[")
        for layer in self.solution.layers:
            if layer.z == name:
                return layer.a + ("[" + rest if rest else "")
        return None

    def local(self, numerator: str, denominator: str) -> Any:
        """The true ∂numerator/∂denominator (node keys with optional elements), cached per document marker."""
        key = (numerator, denominator)
        if key not in self._local_cache:
            top, top_index = _split(numerator)
            bottom, bottom_index = _split(denominator)
            value = self.calculus.local(top, top_index, bottom, bottom_index)
            if value is None and top_index is not None and bottom_index is None:
                value = None
            self._local_cache[key] = value
        return self._local_cache[key]

    def local_codes(self, about: Any, given: np.ndarray, expected: np.ndarray) -> tuple[str, ...]:
        """Why a local derivative is wrong: a slip of sign or factor, else the activation's derivative."""
        close = lambda a, b: bool(np.all(self.tolerance.passes(a, b)))  # noqa: E731
        left_out = close(given, np.ones_like(expected)) and about and about[0] and about[1] and any(
            layer.a == about[0].split("[")[0] and layer.z == about[1].split("[")[0] for layer in self.solution.layers)
        if np.any(expected != 0) and not left_out:  # a derivative of 1: the activation's left out, as check prefers
            if close(given, -expected):
                return ("sign",)
            if close(given, 2 * expected):
                return ("factor_2",)
            if close(given, expected / 2):
                return ("factor_half",)
        if not about or not about[0] or not about[1]:
            return ("activation_derivative",)
        numerator, denominator = about[0].split("[")[0], about[1].split("[")[0]
        for layer in self.solution.layers:
            if layer.a == numerator and layer.z == denominator:
                function = self.layer_function(layer.z)
                ops = function.op_names if function is not None else ()
                if with_pitfall(ops, "softmax_diagonal_jacobian"):
                    return ("softmax_diagonal_jacobian",) if given.ndim else ("activation_derivative",)
                if with_pitfall(ops, "relu_at_zero"):
                    z = np.asarray(self.by_key[("values", layer.z)].value, dtype=float)
                    if np.any(z == 0):
                        return ("relu_at_zero",)
                return ("activation_derivative",)
        return ("rule",)

    def matching_activation(self, values: np.ndarray, points: np.ndarray, order: int) -> str | None:
        """The layer activation (or its derivative) that ``values`` are at ``points``, described; else None."""
        for layer in self.solution.layers:
            function = self.layer_function(layer.z)
            if function is None:
                continue
            try:
                reference = function.derivative(points) if order else function.value(points)
            except ERRORS:
                continue
            if np.allclose(values, reference, rtol=1e-6, atol=1e-9):
                return f"activation {layer.activation}" + ("'s derivative" if order else "")
        return None


def _split(key: str) -> tuple[str, tuple[int, ...] | None]:
    name, _, rest = key.partition("[")
    if not rest:
        return name, None
    return name, tuple(int(i) for i in rest.rstrip("]").split(","))


def _refuse_unread(work: Work, source: str) -> None:
    """A document with no equation read is an error, never 0/0 points and a pass."""
    if any(side.read for chain in work.chains for side in chain.sides):
        return
    expected = "equations in maths, such as $z_1 = 0.5 * 1 + 0.2 = 0.7$ or z1 = 0.5*1 + 0.2 = 0.7"
    if not work.chains:
        raise NothingRead(source, 1, 1, "no equation found in this worked solution", expected)
    first = work.chains[0].sides[0]
    raise NothingRead(source, first.line, 1, f"no equation of this worked solution could be read ({first.error})",
                      expected)


__all__ = ["WorkMarker", "json_value"]


def _written(binding: Binding, solution: Any) -> Binding:
    """A binding with its quantity as the problem writes it (gradwork.problem.notation), for feedback."""
    quantity = binding.quantity
    if quantity is None or binding.written:
        return binding
    written = notation(solution)
    if quantity == "lr":
        text = "η"
    elif quantity == "loss":
        text = written.loss.text()
    else:
        try:  # a node key, or one element of it
            node = NodeRef.parse(quantity)
        except QuantityError:
            return binding
        text = written.symbol(node.name, node.index).text()
    return replace(binding, written=text, evidence=binding.evidence.replace(f"{quantity}'s", f"{text}'s"))

