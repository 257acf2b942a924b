"""Marking a worked solution line by line, the way a grader ticks it.

For every chain ``head = side = side = ... = result``:

1. **arithmetic**: each ``=`` between two sides the student evaluated holds on
   their own numbers, to the precision they wrote (each decimal they wrote
   may be off by half a unit in its last place, and that uncertainty is
   carried through the expression). A link that only holds with logs in base
   10 is ``log_base_10``; a link between two formulas must be an identity
   (checked at random points: ``algebra``); a formula equated to numbers must
   give them with the student's values of its symbols.
2. **result**: the chain's final number, as the quantity its head names, is
   marked by ``gradwork.check`` with all the student's results together: right,
   ``carried_forward`` (right given the student's earlier lines) or wrong with
   the mistake models that explain it.
3. **rule**: a formula for a named quantity (``∂J/∂w_5 = (a_3 - y) a_1``),
   evaluated on the problem's true values, must give the true quantity. A
   chain whose only value is such a formula is marked by check with it.

The first wrong line of a chain gets the diagnosis; later lines of the chain
that are wrong only as its consequence say so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradwork.check import Answer, Answers, Checker, ItemResult, solution_of
from gradwork.mark.bind import Binder, Binding, Bindings, Claim
from gradwork.mark.document import Chain, Row, Work, read_work
from gradwork.mark.errors import NothingRead
from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.latex import (
    Deriv,
    Node,
    Num,
    Sym,
    has_derivative,
    is_number,
    numbers,
    symbols,
    uses_log,
)
from gradwork.mark.quantities import LOSS_LETTERS, base_and_parts, catalog, role_of
from gradwork.mark.report import LineResult, LineStatus, MarkReport, Missing
from gradwork.numbers.tolerance import Tolerance
from gradwork.problem import Quantity, Solution

CHECK_SECTIONS = ("loss", "values", "gradients", "updated")
MAX_REMARKS = 32  # lines that repeat an already-marked quantity with another number, each marked again by check


@dataclass
class _Verdict:
    status: str  # correct | wrong | carried_forward
    codes: tuple[str, ...] = ()
    message: str = ""
    kind: str = "link"  # link | result | rule


@dataclass
class _ChainInfo:
    chain: Chain
    head: str  # "sym", "grad", "local", "none"
    symbol: str | None = None
    section: str | None = None  # where the head's number belongs
    binding: Binding | None = None
    key: str | None = None  # the check key of the head's quantity
    result: int | None = None  # side index of the result
    result_value: Any = None
    formula_result: bool = False
    verdicts: dict[int, list[_Verdict]] = field(default_factory=dict)  # side index -> verdicts
    notes: dict[int, list[str]] = field(default_factory=dict)  # side index -> remarks that are not marks


class WorkMarker:
    """Marks worked solutions against one solved problem; build one per problem and reuse it for a class."""

    def __init__(self, solution: Solution, tolerance: Tolerance | None = None, policy: Any = None) -> None:
        solution = solution_of(solution, "WorkMarker")  # a gradwork.Solved too, as the README shows
        self.solution = solution
        self.policy = policy if policy is not None else solution.marking
        if tolerance is not None:
            self.policy = self.policy.with_tolerance(tolerance, "command line")
        self.tolerance = self.policy.effective_tolerance
        self.marker = Checker(solution)
        self.quantities = catalog(solution)
        self.by_key = {(q.section, q.node_key): q for q in self.quantities}
        self.symbolic = solution.mode == "symbolic"
        self.convention = solution.convention or "row"
        # numbers the problem gives (weights, inputs, target, learning rate) are exact when a student copies them
        self.exact: frozenset[float] = frozenset(
            round(float(q.value), 12) for q in self.quantities
            if q.section == "given" or (q.section == "values" and q.name == "input")
            if np.asarray(q.value).ndim == 0 and np.asarray(q.value).dtype != object)

    # ------------------------------------------------------------ the whole document
    def mark(self, text: str, source: str = "<work>") -> MarkReport:
        work = read_work(text)
        _refuse_unread(work, source)
        infos = [self._head(chain) for chain in work.chains]
        self._sections(infos)
        definitions = self._definitions(infos)
        claims = self._claims(infos)
        all_symbols = {s for info in infos for side in info.chain.sides if side.node is not None
                       for s in symbols(side.node) if "/" not in s}
        aliases = [(info.chain.sides[0].node.name, info.chain.sides[1].node.name) for info in infos
                   if len(info.chain.sides) == 2 and isinstance(info.chain.sides[0].node, Sym)
                   and isinstance(info.chain.sides[1].node, Sym)]
        bindings = Binder(self.solution, self.quantities, self.tolerance).bind(claims, all_symbols, aliases)
        student = self._student_values(claims, bindings)
        for index, info in enumerate(infos):
            self._bind_head(index, info, bindings)
        true_env = _Env(self, bindings, definitions, None)
        own_env = _Env(self, bindings, definitions, student)
        numeric_keys = {info.key for info in infos if info.key is not None and _last_number(info.chain.sides)}
        for info in infos:
            self._given(info)
            self._results(info, true_env, numeric_keys)
            self._links(info, own_env)
            self._rules(info, true_env)
        report, missing = self._check(infos, source)
        self._attach_results(infos, report)
        lines = self._lines(work, infos)
        if not report.total and not any(line.status in ("correct", "wrong", "carried_forward") for line in lines):
            first = next((line.line for line in lines if line.status != "not_read"), lines[0].line if lines else 1)
            raise NothingRead(source, first, 1, "nothing in this worked solution could be checked against the problem",
                              "equations that give the problem's quantities numbers, or a names: map binding its "
                              "symbols")
        listed = sorted(bindings.by_symbol.values(), key=lambda b: b.symbol) + list(bindings.overrides.values())
        return MarkReport(self.solution.title, source, self.tolerance, self.policy, tuple(lines), report,
                          tuple(listed), tuple(missing), tuple(q.key for q in self.solution.ask))

    # ------------------------------------------------------------ heads and where their numbers belong
    def _head(self, chain: Chain) -> _ChainInfo:
        node = chain.sides[0].node
        if isinstance(node, Sym):
            return _ChainInfo(chain, "sym", node.name)
        if isinstance(node, Deriv):
            top = node.numerator.name
            base = base_and_parts(top)[0]
            if base in LOSS_LETTERS or role_of(top) == "loss" or self._names_loss(top):
                return _ChainInfo(chain, "grad", node.denominator.name)
            return _ChainInfo(chain, "local")
        return _ChainInfo(chain, "none")

    def _names_loss(self, symbol: str) -> bool:
        from gradwork.mark.bind import symbol_key

        names = self.solution.names
        return bool(names) and (loss := names.symbol("loss")) is not None and symbol_key(loss) == symbol_key(symbol)

    def _sections(self, infos: list[_ChainInfo]) -> None:
        backward = next((i for i, info in enumerate(infos) if info.head == "grad"
                         or (info.head == "sym" and role_of(info.symbol or "") == "delta")), len(infos))
        for index, info in enumerate(infos):
            if info.head == "grad":
                info.section = "gradients"
            elif info.head == "sym":
                role = role_of(info.symbol or "")
                names_node = self._names_node(info.symbol or "")
                if names_node is not None:
                    role = next((q.role for q in self.quantities if q.node_key == names_node.split("[")[0]
                                 or q.name == names_node.split("[")[0]), role)
                self_reference = any(info.symbol in symbols(side.node) for side in info.chain.sides[1:]
                                     if side.node is not None)
                if role == "delta":
                    info.section = "gradients"
                elif role == "loss":
                    info.section = "loss"
                elif role in ("target", "lr"):
                    info.section = "given"
                elif role in ("weight", "bias"):
                    info.section = "updated" if (self_reference or index > backward or self._steps(info)) else "given"
                else:
                    info.section = "values"

    def _steps(self, info: _ChainInfo) -> bool:
        """Does the chain take a step: the learning rate (as a symbol or its number) or a gradient in it?"""
        lr = self.solution.optimizer.lr if self.solution.parameters else None
        for side in info.chain.sides[1:]:
            if side.node is None:
                continue
            if has_derivative(side.node) or any(base_and_parts(s)[0] in ("eta", "alpha") for s in symbols(side.node)):
                return True
            if lr is not None and any(abs(n.value - float(lr)) < 1e-12 for n in numbers(side.node)):
                return True
        return False

    def _names_node(self, symbol: str) -> str | None:
        from gradwork.mark.bind import symbol_key

        for ref, name in (self.solution.names.items() if self.solution.names else ()):
            if symbol_key(name) == symbol_key(symbol):
                return ref.key
        return None

    def _definitions(self, infos: list[_ChainInfo]) -> dict[str, Node]:
        """Symbols the working defines by a formula (``E'_{BCE} = (o - y)/(o(1 - o))``)."""
        found: dict[str, Node] = {}
        for info in infos:
            if info.head != "sym" or info.symbol is None:
                continue
            formulas = [s.node for s in info.chain.sides[1:] if s.node is not None and not is_number(s.node)
                        and not has_derivative(s.node) and info.symbol not in symbols(s.node)]
            if formulas and info.symbol not in found:
                found[info.symbol] = formulas[-1]
        return found

    def _claims(self, infos: list[_ChainInfo]) -> list[Claim]:
        claims: list[Claim] = []
        for index, info in enumerate(infos):
            if info.head not in ("sym", "grad") or info.symbol is None:
                continue
            sides = info.chain.sides
            result = _last_number(sides)
            value = old = None
            if result is not None:
                node = sides[result].node
                assert node is not None  # _last_number picks a side that was read
                try:
                    value = Evaluator(_no_symbols)(node)
                except (Unbound, ValueError, TypeError, ArithmeticError):
                    value = None
                if info.section == "updated":
                    first = next((s.node for s in sides[1:] if s.node is not None and is_number(s.node)), None)
                    if first is not None and numbers(first):
                        old = _signed_first(first)
            claims.append(Claim(info.symbol, info.section or "values", value, index,
                                info.chain.rows[result if result is not None else 0].line, old))
        return claims

    def _student_values(self, claims: list[Claim], bindings: Bindings) -> dict[str, Any]:
        """The student's own number for each symbol, as used in later formulas (values, or the given parameters)."""
        own: dict[str, Any] = {}
        for claim in claims:
            if claim.value is None or claim.symbol in own:
                continue
            if claim.section in ("values", "given", "loss") or (claim.section == "gradients"
                                                               and role_of(claim.symbol) == "delta"):
                own[claim.symbol] = claim.value
            elif claim.section == "gradients":
                own["d/d" + claim.symbol] = claim.value
        return own

    def _bind_head(self, index: int, info: _ChainInfo, bindings: Bindings) -> None:
        if info.symbol is None or info.section is None:
            return
        binding = bindings.overrides.get(index) or bindings.get(info.symbol)
        info.binding = binding
        if binding is None or binding.quantity is None:
            return
        node = binding.quantity
        if node in ("target", "lr"):
            info.key = None
            return
        if node == "loss":
            info.key = "loss" if info.section in ("loss", "values") else None
            return
        section = info.section
        if section == "given":
            info.key = None
            return
        if section == "loss":
            return
        name = node.split("[")[0]
        known = {q.name for q in self.quantities if q.section == section}
        if name in known:
            info.key = f"{section}.{node}"

    # ------------------------------------------------------------ the three checks
    def _given(self, info: _ChainInfo) -> None:
        """A line restating what the problem gives (``W_1 = [[0.5, -0.6], ...]``, ``\\eta = 0.01``)."""
        if info.section != "given" or info.binding is None or info.binding.quantity is None:
            return
        q = self.by_key.get(("given", info.binding.quantity))
        result = _last_number(info.chain.sides)
        if q is None or result is None:
            return
        node = info.chain.sides[result].node
        assert node is not None  # _last_number picks a side that was read
        try:
            value = np.asarray(Evaluator(_no_symbols)(node), dtype=np.float64)
        except (Unbound, ValueError, TypeError, ArithmeticError):
            return
        expected = np.asarray(q.value)
        if value.size != expected.size or expected.dtype == object:
            return
        ok = bool(np.all(self.tolerance.passes(value.reshape(expected.shape), expected)))
        if ok:
            info.verdicts.setdefault(result, []).append(
                _Verdict("correct", message=f"{info.binding.symbol} = {info.binding.quantity} as the problem gives it",
                         kind="result"))
        else:  # restating the data is not graded work, and the text may name it differently (the question's b_2)
            info.notes.setdefault(result, []).append(
                f"{info.binding.symbol} = {_number(value)} is not {info.binding.quantity} = {_number(expected)} "
                "as the problem gives it: another quantity under the same name?")

    def _results(self, info: _ChainInfo, env: _Env, numeric_keys: set[str]) -> None:
        sides = info.chain.sides
        if info.key is None:
            return
        result = _last_number(sides) if not self.symbolic else _last_read(sides, start=1)
        if result is not None and result > 0:
            value = None
            node = sides[result].node
            assert node is not None  # _last_number and _last_read pick a side that was read
            try:
                value = env.evaluate(node) if self.symbolic else Evaluator(_no_symbols)(node)
            except (Unbound, ValueError, TypeError, ArithmeticError):
                value = None
            if value is not None and _finite(value):
                info.result, info.result_value = result, value
                return
        formula = _last_formula(sides)
        if formula is not None and info.key not in numeric_keys:  # a formula is the answer only where no number is
            try:
                value = env.evaluate(sides[formula].node)
            except (Unbound, ValueError, TypeError, ArithmeticError):
                return
            if self._fits(info.key, value):
                if not self.symbolic:  # a formula's value, to more figures than any tolerance asks for
                    value = np.asarray([float(f"{v:.8g}") for v in np.asarray(value, dtype=float).reshape(-1)]
                                       ).reshape(np.shape(value))
                info.result, info.result_value, info.formula_result = formula, value, True

    def _fits(self, key: str, value: Any) -> bool:
        quantity = Quantity.parse(key)
        q = self.by_key.get((quantity.section, quantity.node.key if quantity.node else "loss"))
        if q is None and quantity.section == "loss":
            q = next((x for x in self.quantities if x.section == "loss"), None)
        return q is not None and np.asarray(value).size == np.asarray(q.value).size

    def _links(self, info: _ChainInfo, env: _Env) -> None:
        sides = info.chain.sides
        start = 2 if info.head in ("sym", "grad", "local") else 1
        for i in range(start, len(sides)):
            a, b = sides[i - 1], sides[i]
            if a.node is None or b.node is None or has_derivative(a.node) or has_derivative(b.node):
                continue
            left_number, right_number = is_number(a.node), is_number(b.node)
            if left_number and right_number:
                verdict = self._arithmetic(a.node, b.node, a.text, b.text)
            elif left_number or right_number:
                verdict = self._substitution(a.node, b.node, env, a.text, b.text)
            else:
                verdict = self._identity(a.node, b.node, a.text, b.text)
            if verdict is not None:
                info.verdicts.setdefault(i, []).append(verdict)

    def _arithmetic(self, left: Node, right: Node, left_text: str, right_text: str) -> _Verdict | None:
        try:
            holds, a, b = _holds(left, right, _no_symbols, exact=self.exact)
        except (Unbound, ValueError, TypeError, ArithmeticError):
            return None
        if holds:
            return _Verdict("correct", message="the arithmetic holds")
        if uses_log(left) or uses_log(right):
            try:
                if _holds(left, right, _no_symbols, log10=True, exact=self.exact)[0]:
                    return _Verdict("wrong", ("log_base_10",),
                                    f"{_short(left_text)} is {_number(a)} with natural logs, not {_number(b)}: "
                                    f"{_number(b)} is what log base 10 gives. Logs in losses are natural logs.")
            except (Unbound, ValueError, TypeError, ArithmeticError):
                pass
        written = _short(right_text) if _short(right_text) == _number(b) else f"{_short(right_text)} = {_number(b)}"
        return _Verdict("wrong", ("arithmetic",),
                        f"{_short(left_text)} = {_number(a)}, not {written}: the arithmetic does not hold as written")

    def _substitution(self, left: Node, right: Node, env: _Env, left_text: str, right_text: str) -> _Verdict | None:
        formula, numeric = (left, right) if not is_number(left) else (right, left)
        if not env.all_bound(formula):
            return None
        try:
            holds, a, b = _holds(formula, numeric, env.lookup, exact=self.exact)
            if not holds:  # the symbols' values are the student's rounded numbers: the marking tolerance also counts
                b_array = np.asarray(b, dtype=float).reshape(np.shape(a))
                holds = bool(np.all(self.tolerance.passes(np.asarray(a, dtype=float), b_array)))
        except (Unbound, ValueError, TypeError, ArithmeticError):
            return None
        if holds:
            return _Verdict("correct", message="the numbers put in are right")
        shown = ", ".join(f"{s} = {_number(env.lookup(s))}" for s in sorted(symbols(formula)) if "/" not in s)
        return _Verdict("wrong", ("arithmetic",),
                        f"with {shown} (your values, else the problem's) this is {_number(a)}, "
                        f"not {_number(b)}: the numbers put in are not these symbols' values")

    def _identity(self, left: Node, right: Node, left_text: str, right_text: str) -> _Verdict | None:
        names = sorted(symbols(left) | symbols(right))
        generator = random.Random(len(names) * 7919 + len(left_text) + len(right_text))
        for _ in range(3):
            point = {name: generator.uniform(0.15, 0.85) for name in names}
            try:
                a = Evaluator(point.__getitem__)(left)
                b = Evaluator(point.__getitem__)(right)
            except (Unbound, KeyError, ValueError, TypeError, ArithmeticError):
                return None
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
                return None
            if not np.allclose(a, b, rtol=1e-7, atol=1e-10):
                return _Verdict("wrong", ("algebra",),
                                f"{_short(left_text)} and {_short(right_text)} are not equal as formulas "
                                f"(they differ at {', '.join(f'{n} = {point[n]:.3g}' for n in names[:4])})")
        return _Verdict("correct", message="the algebra holds")

    def _rules(self, info: _ChainInfo, env: _Env) -> None:
        if info.key is None:
            return
        expected = self._true(info.key)
        if expected is None:
            return
        for i, side in enumerate(info.chain.sides[1:], start=1):
            if side.node is None or is_number(side.node) or has_derivative(side.node) or (
                    info.formula_result and i == info.result) or (self.symbolic and i == info.result):
                continue
            if not env.all_bound(side.node):
                continue
            try:
                value = env.evaluate(side.node)
            except (Unbound, ValueError, TypeError, ArithmeticError):
                continue
            given = np.asarray(value)
            if given.size != np.asarray(expected).size:
                continue
            ok = bool(np.all(self.tolerance.passes(given.reshape(np.shape(expected)), expected)))
            name = info.binding.symbol if info.binding else info.key
            if ok:
                info.verdicts.setdefault(i, []).append(_Verdict("correct", message=f"a correct rule for {name}",
                                                                kind="rule"))
                continue
            text = (f"with the problem's numbers this formula gives {_number(given)}, but {info.key} is "
                    f"{_number(expected)}")
            if env.inferred(side.node):  # the bindings are a reading, not the teacher's: say so, do not mark
                info.notes.setdefault(i, []).append(text + " (with the symbols read as: " + env.describe(side.node)
                                                    + "; a names: map in the problem would settle it)")
            else:
                info.verdicts.setdefault(i, []).append(_Verdict("wrong", ("rule",), text + ": not the rule for it",
                                                                "rule"))

    def _true(self, key: str) -> Any:
        quantity = Quantity.parse(key)
        if quantity.section == "loss":
            q = next((x for x in self.quantities if x.section == "loss"), None)
        else:
            q = self.by_key.get((quantity.section, quantity.node.key))  # type: ignore[union-attr]
        return None if q is None else q.value

    # ------------------------------------------------------------ marking the results with check
    def _check(self, infos: list[_ChainInfo], source: str):
        chosen: dict[str, _ChainInfo] = {}
        for info in infos:
            if info.key is None or info.result is None:
                continue
            current = chosen.get(info.key)
            if current is None or (current.formula_result and not info.formula_result) or (
                    current.formula_result == info.formula_result):
                chosen[info.key] = info
        answers: list[Answer] = []
        for key, info in chosen.items():
            quantity = Quantity.parse(key)
            line = info.chain.rows[info.result].line  # type: ignore[index]
            answers.append(Answer(quantity.section, quantity.name or "loss", quantity.index,
                                  _json_value(info.result_value), line, 1))
        missing_codes: dict[str, tuple[tuple[str, ...], str]] = {}
        if not self.solution.ask:  # what the student answered is scored; an SGD step also asks every parameter
            updated = {Quantity.parse(a.key).name for a in answers if a.section == "updated"}
            if updated:
                for name in self.solution.parameters:
                    if name not in updated and name in self.solution.updated and name not in self.solution.frozen:
                        key = f"updated.{name}"
                        bias = any(layer.bias == name for layer in self.solution.layers) or name.endswith(".b")
                        answers.append(_blank(key))
                        missing_codes[key] = (("bias_not_updated",) if bias else (), f"{name} is never updated" + (
                            ": biases are parameters too, b <- b - lr * dL/db" if bias else ""))
        self._answers = answers
        report = self.marker.check(Answers(source, tuple(answers)), policy=self.policy)
        missing = [Missing(item.key, *missing_codes.get(item.key, ((), f"{item.key} is asked and no line gives it")))
                   for item in report.items if item.status == "missing"]
        return report, missing

    def _attach_results(self, infos: list[_ChainInfo], report) -> None:
        items: dict[str, ItemResult] = {item.key: item for item in (*report.items, *report.not_asked)}
        remarked = 0
        for info in infos:
            if info.key is None or info.result is None:
                continue
            item = _item_for(items, info.key)
            if item is None:
                continue
            if info.key not in items or _same_answer(item.given, info.result_value):
                verdict = _Verdict(item.status, tuple(item.diagnosis), _result_message(info, item), "result")
            else:  # the same quantity given again elsewhere: marked in place of the one chosen, the rest as they are
                remarked += 1
                if remarked > MAX_REMARKS:  # bounded work: a document repeating one quantity hundreds of times
                    continue
                other = self._mark_instead(info, report.answers)
                if other is None:
                    continue
                verdict = _Verdict(other.status, tuple(other.diagnosis), _result_message(info, other), "result")
            info.verdicts.setdefault(info.result, []).append(verdict)

    def _mark_instead(self, info: _ChainInfo, source: str) -> ItemResult | None:
        if info.key is None:  # only lines bound to a quantity are marked again
            return None
        value = _json_value(info.result_value)
        replaced = [Answer(a.section, a.name, a.index, value, a.line, a.column) if a.key == info.key else a
                    for a in self._answers]
        try:
            report = self.marker.check(Answers(source, tuple(replaced)), policy=self.policy)
        except ValueError:
            return None
        return _item_for({item.key: item for item in (*report.items, *report.not_asked)}, info.key)

    # ------------------------------------------------------------ lines
    def _lines(self, work: Work, infos: list[_ChainInfo]) -> list[LineResult]:
        per_row: dict[int, dict[str, Any]] = {}
        order: list[Row] = []
        for info in infos:
            first_wrong: int | None = None
            for i, side in enumerate(info.chain.sides):
                row = info.chain.rows[i]
                entry = per_row.get(row.line)
                if entry is None:
                    entry = per_row[row.line] = {"row": row, "verdicts": [], "unread": [], "binding": None,
                                                 "item": None, "notes": [], "texts": []}
                    order.append(row)
                if row.text not in entry["texts"]:
                    entry["texts"].append(row.text)
                entry["notes"].extend(info.notes.get(i, []))
                if entry["binding"] is None and info.binding is not None:
                    entry["binding"] = info.binding
                if side.node is None:
                    entry["unread"].append(f"{_short(side.text)} ({side.error})")
                for verdict in info.verdicts.get(i, []):
                    if verdict.status == "wrong":
                        if first_wrong is not None and first_wrong != row.line and verdict.kind == "result":
                            verdict = _Verdict(verdict.status, verdict.codes,
                                               verdict.message
                                               + f" (the first slip in this chain is on line {first_wrong})",
                                               verdict.kind)
                        first_wrong = row.line if first_wrong is None else first_wrong
                    entry["verdicts"].append(verdict)
                    if verdict.kind == "result":
                        entry["item"] = info.key
        lines: list[LineResult] = []
        for row in sorted(order, key=lambda r: r.line):
            entry = per_row[row.line]
            verdicts: list[_Verdict] = entry["verdicts"]
            statuses = [v.status for v in verdicts]
            status: LineStatus
            if "wrong" in statuses:
                status = "wrong"
            elif "carried_forward" in statuses:
                status = "carried_forward"
            elif statuses:
                status = "correct"
            elif entry["unread"]:
                status = "not_read"
            else:
                status = "unchecked"
            codes: list[str] = []
            for v in verdicts:
                if v.status == status or (status == "wrong" and v.status == "wrong"):
                    codes.extend(c for c in v.codes if c not in codes)
            shown = [v.message for v in verdicts if v.status == status and v.message]
            shown += [v.message for v in verdicts if v.status != status and v.message and v.kind == "result"]
            message = "; ".join(dict.fromkeys(shown + entry["notes"]))
            if entry["unread"]:
                message = (message + "; " if message else "") + "not read: " + ", ".join(entry["unread"])
            binding = entry["binding"]
            if status == "unchecked" and not message:
                message = "nothing here can be checked against the problem" if binding is None else \
                    f"{binding.symbol} is not checked here"
            lines.append(LineResult(row.line, " \\\\ ".join(entry["texts"]), status, tuple(codes), binding, message,
                                    entry["item"], row.end_line))
        return lines


# ---------------------------------------------------------------- environments
class _Env:
    """Symbol values for evaluating formulas: the student's own numbers (``own``) or the problem's true ones."""

    def __init__(self, marker: WorkMarker, bindings: Bindings, definitions: dict[str, Node],
                 own: dict[str, Any] | None) -> None:
        self.marker = marker
        self.bindings = bindings
        self.definitions = definitions
        self.own = own
        self.depth = 0

    def all_bound(self, node: Node) -> bool:
        for name in symbols(node):
            try:
                self.lookup(name)
            except Unbound:
                return False
        return True

    def inferred(self, node: Node) -> bool:
        """Is any symbol of ``node`` bound by inference (not the problem's names:)?"""
        for name in symbols(node):
            variable = name.split("/d", 1)[1] if "/d" in name else name
            binding = self.bindings.get(variable)
            if binding is None or binding.inferred:
                return True
        return False

    def describe(self, node: Node) -> str:
        parts = []
        for name in sorted(symbols(node)):
            variable = name.split("/d", 1)[1] if "/d" in name else name
            binding = self.bindings.get(variable)
            parts.append(f"{name} = {binding.quantity if binding and binding.quantity else 'its definition'}")
        return ", ".join(parts)

    def evaluate(self, node: Node | None) -> Any:
        if node is None:
            raise Unbound("an unread side")
        return Evaluator(self.lookup, exact=self.marker.symbolic)(node)

    def lookup(self, name: str) -> Any:
        if name.startswith("d") and "/d" in name:
            _, variable = name[1:].split("/d", 1)
            if self.own is not None and "d/d" + variable in self.own:
                return self._shaped(self.own["d/d" + variable])
            node = self.bindings.node(variable)
            if node is None or node in ("target", "lr"):
                raise Unbound(name)
            return self._shaped(self._quantity("gradients", node))
        if self.own is not None and name in self.own:
            return self._shaped(self.own[name])
        binding = self.bindings.get(name)
        if binding is None or binding.quantity is None:
            definition = self.definitions.get(name)
            if definition is None or self.depth > 8:
                raise Unbound(name)
            self.depth += 1
            try:
                return Evaluator(self.lookup, exact=self.marker.symbolic)(definition)
            finally:
                self.depth -= 1
        node = binding.quantity
        if node in ("target", "lr"):
            return self._shaped(self._quantity("given", node))
        if node == "loss":
            return self._shaped(self._quantity("loss", "loss"))
        section = "gradients" if role_of(name) == "delta" else "values"
        return self._shaped(self._quantity(section, node))

    def _quantity(self, section: str, node: str) -> Any:
        for s in ((section, "given") if section == "values" else (section,)):
            q = self.marker.by_key.get((s, node))
            if q is not None:
                return q.value
        if section == "loss":
            q = next((x for x in self.marker.quantities if x.section == "loss"), None)
            if q is not None:
                return q.value
        raise Unbound(node)

    def _shaped(self, value: Any) -> Any:
        array = np.asarray(value)
        if array.ndim == 1 and array.size > 1:
            return array.reshape(1, -1) if self.marker.convention == "row" else array.reshape(-1, 1)
        return array


# ---------------------------------------------------------------- helpers
def _refuse_unread(work: Work, source: str) -> None:
    """A document with no equation read is an error, never 0/0 points and a pass."""
    if any(side.read for chain in work.chains for side in chain.sides):
        return
    expected = "equations in maths, such as $z_1 = 0.5 * 1 + 0.2 = 0.7$"
    if not work.chains:
        raise NothingRead(source, 1, 1, "no equation found in this worked solution", expected)
    first = work.chains[0].sides[0]
    raise NothingRead(source, first.line, 1, f"no equation of this worked solution could be read ({first.error})",
                      expected)


def _finite(value: Any) -> bool:
    """A number check can mark: not infinite or NaN (10^400 written out by a student is not an answer)."""
    array = np.asarray(value)
    return array.dtype == object or bool(np.all(np.isfinite(array.astype(float))))


def _no_symbols(name: str) -> Any:
    raise Unbound(name)


def _holds(left: Node, right: Node, lookup: Any, log10: bool = False,
           exact: frozenset[float] = frozenset()) -> tuple[bool, Any, Any]:
    """Does ``left = right`` hold to the precision written? Returns (holds, left value, right value)."""
    a = Evaluator(lookup, log10=log10)(left)
    b = Evaluator(lookup, log10=log10)(right)
    a_array, b_array = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_array.size != b_array.size:
        raise Unbound("sides of different sizes")
    if a_array.shape != b_array.shape:
        if a_array.ndim == 2 and b_array.ndim == 2 and a_array.shape == b_array.shape[::-1] and min(a_array.shape) > 1:
            return False, a, b
        b_array = b_array.reshape(a_array.shape)
    slack = _uncertainty(left, lookup, log10, a_array, exact) + _uncertainty(right, lookup, log10, b_array, exact)
    scale = np.maximum(np.abs(a_array), np.abs(b_array))
    with np.errstate(invalid="ignore"):
        ok = np.abs(a_array - b_array) <= slack + 1e-9 * (1 + scale)
    return bool(np.all(ok)), a, b


def _uncertainty(node: Node, lookup: Any, log10: bool, value: np.ndarray,
                 exact: frozenset[float] = frozenset()) -> np.ndarray:
    """How far ``node``'s value can move if each decimal written is off by half a unit in its last place.

    Integers and the numbers the problem gives (``exact``, up to sign) are exact.
    """
    total = np.zeros(value.shape)
    literals = [n for n in numbers(node) if n.decimals is not None
                and round(n.value, 12) not in exact and round(-n.value, 12) not in exact]
    if len(literals) == 1 and isinstance(node, Num):
        return np.full(value.shape, 0.51 * 10.0 ** -(literals[0].decimals or 0))  # not None: filtered above
    for literal in literals[:24]:
        half = 0.5 * 10.0 ** -literal.decimals  # type: ignore[operator]
        try:
            bumped = np.asarray(Evaluator(lookup, log10=log10, bumps={id(literal): half})(node), dtype=float)
        except (Unbound, ValueError, TypeError, ArithmeticError):
            continue
        if bumped.shape == value.shape:
            with np.errstate(invalid="ignore"):
                total = total + np.nan_to_num(np.abs(bumped - value), nan=0.0)
    return total * 1.02


def _signed_first(node: Node) -> float | None:
    """The first number of an update's numbers (``-0.6 - (0.01)(-0.2005)`` -> -0.6): the old value."""
    from gradwork.mark.latex import Bin, Neg

    current = node
    while isinstance(current, Bin) and current.op in ("+", "-"):
        current = current.left
    if isinstance(current, Neg) and isinstance(current.operand, Num):
        return -current.operand.value
    if isinstance(current, Num):
        return current.value
    return None


def _last_number(sides) -> int | None:
    for i in range(len(sides) - 1, 0, -1):
        if sides[i].node is not None and is_number(sides[i].node):
            return i
    return None


def _last_read(sides, start: int = 1) -> int | None:
    for i in range(len(sides) - 1, start - 1, -1):
        if sides[i].node is not None and not has_derivative(sides[i].node):
            return i
    return None


def _last_formula(sides) -> int | None:
    for i in range(len(sides) - 1, 0, -1):
        node = sides[i].node
        if node is not None and not is_number(node) and not has_derivative(node):
            return i
    return None


def _json_value(value: Any) -> Any:
    array = np.asarray(value)
    if array.dtype == object:
        if array.ndim == 0:
            return str(array.item())
        return [_json_value(v) for v in array]
    if array.ndim == 0:
        return float(array)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    return array.tolist()


def _item_for(items: dict[str, ItemResult], key: str) -> ItemResult | None:
    """The verdict on ``key``; an element marked as part of its asked whole gets that element's status."""
    if key in items:
        return items[key]
    quantity = Quantity.parse(key)
    whole = items.get(quantity.whole.key)
    if whole is None or quantity.index is None:
        return None
    status = whole.status
    if whole.elements is not None:
        try:
            status = np.asarray(whole.elements, dtype=object)[quantity.index]
        except IndexError:
            pass
    from dataclasses import replace

    return replace(whole, key=key, status=status, diagnosis=whole.diagnosis if status == "wrong" else ())


def _blank(key: str) -> Answer:
    quantity = Quantity.parse(key)
    return Answer(quantity.section, quantity.name or "loss", quantity.index, None, 0, 1)


def _same_answer(given: Any, value: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(given, dtype=object).reshape(-1),
                                   np.asarray(_json_value(value), dtype=object).reshape(-1)))
    except ValueError:
        return False


def _result_message(info: _ChainInfo, item: ItemResult) -> str:
    name = info.binding.symbol if info.binding else info.key
    if item.status == "correct":
        return f"{name} is {info.key}: correct" + (" (your formula, on the problem's numbers)"
                                                    if info.formula_result else "")
    message = item.message
    if info.formula_result:
        message = message.replace("you wrote", "on the problem's numbers your formula gives", 1)
    return f"{name} is {info.key}: {message}"


def _number(value: Any) -> str:
    from gradwork.numbers.display import array_text

    array = np.asarray(value)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.dtype != object:
        array = np.asarray([float(f"{v:.10g}") for v in array.astype(float).reshape(-1)]).reshape(array.shape)
    return array_text(array.tolist() if array.ndim else (array.item() if array.dtype == object else float(array)), 4)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
