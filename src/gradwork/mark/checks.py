"""Checking each line: its arithmetic, what it restates, its rules, its local derivatives and its definitions.

For a statement ``head = side = ... = result`` (:mod:`gradwork.mark.program`):

1. **links** (``arithmetic``, ``algebra``): each ``=`` between two sides holds,
   numbers on the student's own values in force at that line (a formula equated
   to numbers is evaluated with them, within the precision written and the marking
   tolerance), formulas as identities at random points;
2. **given**: a line restating the data agrees with it (else a remark);
3. **rules** (``rule``): a formula for a bound quantity gives that quantity on the
   problem's true values;
4. **local derivatives**: ``∂a_3/∂z_3``, ``σ'(z_3)``, ``∂z_3/∂w_5`` are compared with
   the network's own value at that node, and a wrong one is diagnosed
   (``activation_derivative``, ``relu_at_zero``, ``softmax_diagonal_jacobian``, or a
   ``sign``/``factor_2``/``factor_half`` slip);
5. **definitions**: ``tanh'(z) = 1 - tanh(z)`` is compared with the registered
   derivative of tanh at random points (✗ ``activation_derivative``); ``σ(x) = x^2``
   that is no registered σ but is this network's activation reads σ as that
   activation for the rest of the document.

The results themselves are marked by check (:mod:`gradwork.mark.score`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.mark.arith import holds, is_result, last_number, no_symbols, short, shown
from gradwork.mark.env import Env, FunctionDefinition
from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.functions import derivative as registered_derivative
from gradwork.mark.functions import evaluate as registered_value
from gradwork.mark.functions import function_op
from gradwork.mark.program import Statement
from gradwork.mark.syntax import Func, Node, Sym, has_derivative, is_number, symbols, uses_log, Bin, Num

if TYPE_CHECKING:
    from gradwork.mark.marker import WorkMarker

ERRORS = (Unbound, ValueError, TypeError, ArithmeticError, IndexError)


@dataclass
class Verdict:
    status: str  # correct | wrong | carried_forward
    codes: tuple[str, ...] = ()
    message: str = ""
    kind: str = "link"  # link | result | rule | local | definition


def verdict_at(statement: Statement, side: int, verdict: Verdict) -> None:
    statement.verdicts.setdefault(side, []).append(verdict)


def note_at(statement: Statement, side: int, text: str) -> None:
    statement.notes.setdefault(side, []).append(text)


class Checks:
    """The line checks of one document, with its context (bindings, versions, definitions)."""

    def __init__(self, marker: WorkMarker, context: Any) -> None:
        self.marker = marker
        self.context = context
        self.tolerance = marker.tolerance

    def plain(self, log10: bool = False, bumps: dict[int, float] | None = None) -> Evaluator:
        """Numbers only, with the problem's options for its functions (a leaky ReLU's slope)."""
        return Evaluator(no_symbols, log10=log10, bumps=bumps, options=self.context.options)

    def own(self, statement: Statement) -> Env:
        return Env(self.context, statement.index, own=True)

    def true(self, statement: Statement) -> Env:
        return Env(self.context, statement.index, own=False)

    # ------------------------------------------------------------ 1. links
    def links(self, statement: Statement) -> None:
        sides = statement.sides
        start = 2 if statement.kind != "none" else 1
        env = self.own(statement)
        for i in range(start, len(sides)):
            a, b = sides[i - 1], sides[i]
            if a.node is None or b.node is None:
                continue
            left_number, right_number = is_number(a.node), is_number(b.node)
            if left_number and right_number:
                verdict = self.arithmetic(a.node, b.node, a.text, b.text)
            elif left_number or right_number:
                verdict = self.substitution(a.node, b.node, env, a.text, b.text)
            elif has_derivative(a.node) or has_derivative(b.node):
                verdict = None  # a chain-rule product equated to its factors: not algebra
            else:
                partly = symbols(a.node) != symbols(b.node)  # one side has some of its symbols' numbers put in
                verdict = (self.on_own_values(a.node, b.node, env) if partly else None) or \
                    self.identity(a.node, b.node, a.text, b.text, env)
            if verdict is not None:
                verdict_at(statement, i, verdict)

    def on_own_values(self, left: Node, right: Node, env: Env) -> Verdict | None:
        """Two formulas that hold on the student's own values (one partly substituted: ``σ'(z) w = 2(5) w``)."""
        if not env.all_bound(left) or not env.all_bound(right):
            return None
        try:
            ok, a, b = holds(left, right, env.make, exact=self.marker.exact)
            if not ok:
                ok = bool(np.all(self.tolerance.passes(np.asarray(a, dtype=float),
                                                       np.asarray(b, dtype=float).reshape(np.shape(a)))))
        except ERRORS:
            return None
        return Verdict("correct", message="the numbers put in are right") if ok else None

    def arithmetic(self, left: Node, right: Node, left_text: str, right_text: str) -> Verdict | None:
        exact = self.marker.exact
        try:
            ok, a, b = holds(left, right, self.plain, exact=exact)
        except ERRORS:
            return None
        if not ok and is_result(right):  # a result rounded as the marking tolerance allows: still right
            ok = bool(np.all(self.tolerance.passes(np.asarray(b, dtype=float).reshape(np.shape(a)),
                                                   np.asarray(a, dtype=float))))  # as check: written vs worked out
        if ok:
            return Verdict("correct", message="the arithmetic holds")
        if uses_log(left) or uses_log(right):
            try:
                if holds(left, right, self.plain, log10=True, exact=exact)[0]:
                    return Verdict("wrong", ("log_base_10",),
                                   f"{short(left_text)} is {shown(a)} with natural logs, not {shown(b)}: "
                                   f"{shown(b)} is what log base 10 gives. Logs in losses are natural logs.")
            except ERRORS:
                pass
        written = short(right_text) if short(right_text) == shown(b) else f"{short(right_text)} = {shown(b)}"
        return Verdict("wrong", ("arithmetic", *self.slip(a, b)),
                       f"{short(left_text)} = {shown(a)}, not {written}: the arithmetic does not hold as written")

    def slip(self, worked: Any, written: Any) -> tuple[str, ...]:
        """``(-1824)(3) = 5472``: a result that is the worked-out one with its sign flipped is also a ``sign`` slip,
        as check names that number."""
        try:
            a, b = np.asarray(worked, dtype=float), np.asarray(written, dtype=float).reshape(np.shape(worked))
            flipped = bool(np.any(a != 0)) and bool(np.all(self.tolerance.passes(b, -a)))
        except ERRORS:
            return ()
        return ("sign",) if flipped else ()

    def substitution(self, left: Node, right: Node, env: Env, left_text: str, right_text: str) -> Verdict | None:
        formula, numeric = (left, right) if not is_number(left) else (right, left)
        if not env.all_bound(formula) or not env.derivatives_given(formula):
            return None
        try:
            ok, a, b = holds(formula, numeric, env.make, exact=self.marker.exact)
            if not ok:  # the symbols' values are the student's rounded numbers: the marking tolerance also counts
                b_array = np.asarray(b, dtype=float).reshape(np.shape(a))  # as check: the written number given
                ok = bool(np.all(self.tolerance.passes(b_array, np.asarray(a, dtype=float))))
        except ERRORS:
            return None
        if ok:
            return Verdict("correct", message="the numbers put in are right")
        values = []
        for name in sorted(symbols(formula)):
            try:
                values.append(f"{name} = {shown(env.lookup(name))}")
            except ERRORS:
                continue
        return Verdict("wrong", ("arithmetic", *self.slip(a, b)),
                       f"with {', '.join(values)} (your values, else the problem's) this is {shown(a)}, "
                       f"not {shown(b)}: the numbers put in are not these symbols' values")

    def identity(self, left: Node, right: Node, left_text: str, right_text: str, env: Env) -> Verdict | None:
        names = sorted(symbols(left) | symbols(right))
        generator = random.Random(len(names) * 7919 + len(left_text) + len(right_text))
        bindings = env.context.bindings
        same = {name: f"{bindings.node(name) or name}{chr(39) * name.count(chr(39))}" for name in names}  # x[2], x_2
        for _ in range(3):
            drawn = {quantity: generator.uniform(0.15, 0.85) for quantity in sorted(set(same.values()))}
            point = {name: drawn[same[name]] for name in names}
            try:
                a = Evaluator(point.__getitem__, activation=env.function)(left)
                b = Evaluator(point.__getitem__, activation=env.function)(right)
            except (*ERRORS, KeyError):
                return None
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
                return None
            if not np.allclose(a, b, rtol=1e-7, atol=1e-10):
                return Verdict("wrong", ("algebra",),
                               f"{short(left_text)} and {short(right_text)} are not equal as formulas "
                               f"(they differ at {', '.join(f'{n} = {point[n]:.3g}' for n in names[:4])})")
        return Verdict("correct", message="the algebra holds")

    # ------------------------------------------------------------ 2. given data restated
    def given(self, statement: Statement) -> None:
        binding = statement.binding
        if statement.section != "given" or binding is None or binding.quantity is None:
            return
        q = self.marker.by_key.get(("given", binding.quantity)) or self.marker.by_key.get(("values",
                                                                                             binding.quantity))
        result = last_number(statement.sides)
        if q is None or result is None:
            return
        try:
            value = np.asarray(statement.value, dtype=np.float64)
        except ERRORS:
            return
        expected = np.asarray(q.value)
        if statement.value is None or value.size != expected.size or expected.dtype == object:
            return
        if bool(np.all(self.tolerance.passes(value.reshape(expected.shape), expected))):
            said = f"{binding.symbol} = {binding.quantity} as the problem gives it"
            verdict_at(statement, result, Verdict("correct", message=said, kind="result"))
        else:  # restating the data is not graded work, and the text may name it differently (the question's b_2)
            note_at(statement, result, f"{binding.symbol} = {shown(value)} is not {binding.quantity} = "
                                    f"{shown(expected)} as the problem gives it: another quantity under the same name?")

    # ------------------------------------------------------------ 3. rules
    def rules(self, statement: Statement) -> None:
        if statement.key is None:
            return
        expected = self.marker.true_value(statement.key)
        if expected is None:
            return
        env = self.true(statement)
        for i, side in enumerate(statement.sides[1:], start=1):
            if side.node is None or is_number(side.node) or has_derivative(side.node) or (
                    statement.formula_result and i == statement.result) or (self.marker.symbolic
                                                                             and i == statement.result):
                continue
            if not env.all_bound(side.node):
                continue
            try:
                value = env.evaluate(side.node)
            except ERRORS:
                continue
            given = np.asarray(value)
            if given.size != np.asarray(expected).size:
                continue
            try:
                ok = bool(np.all(self.tolerance.passes(given.reshape(np.shape(expected)), expected)))
            except ERRORS:
                continue
            name = statement.binding.symbol if statement.binding else statement.key
            if ok:
                verdict_at(statement, i, Verdict("correct", message=f"a correct rule for {name}", kind="rule"))
                continue
            text = (f"with the problem's numbers this formula gives {shown(given)}, but {statement.key} is "
                    f"{shown(expected)}")
            codes = ("update_sign",) if self._adds_the_step(statement, side.node) else ("rule",)
            if env.inferred(side.node) and codes == ("rule",):  # a reading, not the teacher's names: a remark
                note_at(statement, i, text + " (with the symbols read as: " + env.describe(side.node)
                     + "; a names: map in the problem would settle it)")
            else:
                verdict_at(statement, i, Verdict("wrong", codes, text + ": not the rule for it", "rule"))

    def rate(self, statement: Statement) -> None:
        """An update that multiplies the gradient by a number other than the problem's learning rate:
        ``w_5 - 0.05 ∂E/∂w_5`` when η is 0.5 is ✗ ``learning_rate`` on that side."""
        lr = self.marker.solution.optimizer.lr if self.marker.solution.parameters else None
        if statement.section != "updated" or lr is None:
            return

        for i, side in enumerate(statement.sides[1:], start=1):
            node = side.node
            if not isinstance(node, Bin) or node.op not in "+-":
                continue
            step = node.right
            factors = [step.left, step.right] if isinstance(step, Bin) and step.op == "*" else []
            numbers = [f for f in factors if isinstance(f, Num)]
            others = [f for f in factors if not isinstance(f, Num)]
            if len(numbers) == 1 and len(others) == 1 and (has_derivative(others[0]) or any(
                    self.marker.role(name) == "delta" for name in symbols(others[0]))):
                used = numbers[0].value
                if abs(used - float(lr)) > 1e-12 * max(1.0, abs(float(lr))):
                    verdict_at(statement, i, Verdict("wrong", ("learning_rate",),
                                                     f"the step uses {numbers[0].text} as the learning rate; the "
                                                     f"problem's is {float(lr):g}", "rule"))

    def _adds_the_step(self, statement: Statement, node: Node) -> bool:
        """``w + η ∂L/∂w`` for an updated parameter: the step added, not subtracted."""
        return statement.section == "updated" and isinstance(node, Bin) and node.op == "+" and any(
            has_derivative(part) or any(self.marker.role(s) in ("lr", "delta") for s in symbols(part))
            for part in (node.left, node.right))

    # ------------------------------------------------------------ 4. local derivatives
    def local(self, statement: Statement) -> None:
        """``∂a/∂z = ...`` or ``σ'(z_3) = ...``: the number and the formula against the network's derivative."""
        expected, about = self._local_truth(statement)
        if expected is None:
            return
        env = self.true(statement)
        result = statement.result
        if result is not None and statement.value is not None:
            self._judge_local(statement, result, np.asarray(statement.value, dtype=float), expected, about,
                              kind="local")
        for i, side in enumerate(statement.sides[1:], start=1):
            if i == result or side.node is None or is_number(side.node) or has_derivative(side.node):
                continue
            if not env.all_bound(side.node):
                continue
            try:
                value = np.asarray(env.evaluate(side.node), dtype=float)
            except ERRORS:
                continue
            self._judge_local(statement, i, value, expected, about, kind="rule", formula=True,
                              named=not env.inferred(side.node))

    def _local_truth(self, statement: Statement) -> tuple[np.ndarray | None, Any]:
        marker = self.marker
        if statement.kind == "local" and statement.target is not None:
            top, variable = statement.target.split("|", 1)
            numerator, denominator = self.context.bindings.node(top), self.context.bindings.node(variable)
            if numerator is None or denominator is None:
                return None, None
            value = self.context.local(numerator, denominator)
            return (None, None) if value is None else (np.asarray(value, dtype=float), (numerator, denominator))
        function = statement.function
        if statement.kind == "function" and function is not None and not statement.definition:
            try:
                value = np.asarray(self.true(statement).evaluate(function), dtype=float)
            except ERRORS:
                return None, None
            argument = function.args[0] if function.args else None
            bound = self.context.bindings.node(argument.name) if isinstance(argument, Sym) else None
            return value, (marker.layer_output(bound), bound) if bound else (None, None)
        return None, None

    def _judge_local(self, statement: Statement, side: int, given: np.ndarray, expected: np.ndarray, about: Any,
                     kind: str, formula: bool = False, named: bool = True) -> None:
        if given.size != expected.size:
            return
        given = given.reshape(expected.shape)
        ok = bool(np.all(self.tolerance.passes(given, expected)))
        what = "this derivative" if not about or not about[0] else f"∂{about[0]}/∂{about[1]}"
        if ok:
            verdict_at(statement, side, Verdict("correct", message=f"{what} is the network's", kind=kind))
            return
        codes = self.marker.local_codes(about, given, expected)
        text = f"{what} is {shown(expected)} at the problem's numbers, not {shown(given)}"
        if formula and not named and codes == ("rule",):
            note_at(statement, side, text + " (with the symbols as read)")
            return
        verdict_at(statement, side, Verdict("wrong", codes, text, kind))

    # ------------------------------------------------------------ 5. definitions
    def definition(self, statement: Statement, functions: dict[tuple[str, int], FunctionDefinition]) -> None:
        """``tanh'(z) = 1 - tanh(z)``: each formula for a function (or its derivative) against the registry's,
        at random points; one that is no registered function but is this network's activation reads the
        symbol as that activation from here on."""
        function = statement.function
        if function is None or not statement.definition:
            return
        variable = function.args[0].name if function.args and isinstance(function.args[0], Sym) else None
        if variable is None:
            return
        op = function_op(function.name) if function.name not in ("f", "g", "F", "G", "phi", "varphi", "psi") \
            else None
        points = np.array([-1.3, -0.4, 0.35, 0.9, 1.7])
        for i, side in enumerate(statement.sides[1:], start=1):
            node = side.node
            if node is None or variable not in symbols(node):
                continue
            try:
                values = self._at_points(node, variable, points, statement, functions)
            except ERRORS:
                continue
            if values is None:
                continue
            reference = self._reference(op, function.order, points)
            if reference is not None and np.allclose(values, reference, rtol=1e-6, atol=1e-9, equal_nan=True):
                verdict_at(statement, i, Verdict("correct", message=f"the rule for {_written(function)}",
                                                 kind="definition"))
                continue
            layer = self.marker.matching_activation(values, points, function.order)
            if layer is not None:
                verdict_at(statement, i, Verdict("correct", message=f"{_written(function)} as this network's {layer}",
                                          kind="definition"))
                functions[(function.name, function.order)] = FunctionDefinition(
                    function.name, function.order, variable, node, statement.line)
                continue
            self.context.wrong_functions[(function.name, function.order)] = FunctionDefinition(
                function.name, function.order, variable, node, statement.line)
            code = "activation_derivative" if function.order else "rule"
            expected = "its registered derivative" if function.order else "the registered function"
            verdict_at(statement, i, Verdict("wrong", (code,),
                                      f"{short(side.text)} is not {_written(function)}: at {variable} = 0.35 it is "
                                      f"{values[2]:.4g}, {expected} gives "
                                      f"{'?' if reference is None else f'{reference[2]:.4g}'}", "definition"))

    def _at_points(self, node: Node, variable: str, points: np.ndarray, statement: Statement,
                   functions: dict[tuple[str, int], FunctionDefinition]) -> np.ndarray | None:
        def lookup(name: str) -> Any:
            if name == variable:
                return points
            raise Unbound(name)

        with np.errstate(all="ignore"):  # ln at the negative points: nan there, compared as such
            value = np.asarray(Evaluator(lookup, options=self.context.options, activation=None)(node), dtype=float)
        return value if value.shape == points.shape else None if value.ndim else np.full(points.shape, float(value))

    @staticmethod
    def _reference(op: Any, order: int, points: np.ndarray) -> np.ndarray | None:
        if op is None:
            return None
        try:
            with np.errstate(all="ignore"):
                return registered_derivative(op, [points]) if order else registered_value(op, [points])
        except ERRORS:
            return None


def _written(function: Func) -> str:
    return function.name + "'" * function.order


__all__ = ["Checks", "Verdict", "note_at", "verdict_at"]
