"""One mark per line of the document: the verdicts of every statement side on it, gathered.

A line is wrong if any check on it is wrong, carried forward if a result on it is
and nothing is wrong, right if something on it was checked and held, not read if
nothing on it could be read (with the reason), else unchecked. The first wrong
line of a chain carries the diagnosis; a later wrong result of the same chain
says where the first slip is.

Charged once: a result that check finds wrong only with mistakes already
charged at an earlier line of the student's own working that no answers file
can hold (a local derivative, a definition), and that follows from that line
(its own arithmetic holds), is carried forward here; its points stay check's.
"""

from __future__ import annotations

from typing import Any

from gradwork.mark.arith import short
from gradwork.mark.checks import Verdict
from gradwork.mark.document import REFERENCES, Row, Work
from gradwork.mark.program import Statement
from gradwork.mark.report import LineResult, LineStatus
from gradwork.mark.syntax import symbols, numbers as literals, Func, children


def carry_forward(statements: list[Statement]) -> None:
    """Results wrong only by a mistake charged at an earlier line that check cannot see (a local derivative, a
    definition), or that repeat an earlier line's wrong number for the same quantity: carried forward."""
    charged: dict[str, int] = {}  # code -> first line charged by a local derivative or definition line
    results: dict[str, tuple[int, tuple[str, ...]]] = {}  # node (without element) -> first wrong result's line, codes
    wrong_numbers: dict[str, int] = {}  # a wrong line's result as written -> its line
    wrong_names: dict[str, int] = {}  # the symbol (or derivative) a wrong line gives -> its line
    for statement in statements:
        own_slip = any(v.status == "wrong" and v.kind == "link" for vs in statement.verdicts.values() for v in vs)
        used = _uses(statement, wrong_numbers, wrong_names)
        for side, verdicts in sorted(statement.verdicts.items()):
            for k, verdict in enumerate(verdicts):
                if verdict.status != "wrong":
                    continue
                if verdict.kind in ("local", "definition"):
                    for code in verdict.codes:
                        charged.setdefault(code, statement.chain.rows[side].line)
                elif verdict.kind == "result" and verdict.codes and not own_slip and all(
                        code in charged for code in verdict.codes):
                    line = min(charged[code] for code in verdict.codes)
                    verdicts[k] = Verdict("carried_forward", (), f"follows from line {line}, where the mistake "
                                                                 f"({', '.join(verdict.codes)}) is marked",
                                          "result")
                elif verdict.kind == "result" and used is not None and not own_slip:
                    verdicts[k] = Verdict("carried_forward", (), f"follows from line {used}: right given the "
                                                                 "number you have there", "result")
                elif verdict.kind == "result" and statement.key:
                    node = statement.key.split("[")[0]
                    earlier = results.get(node)
                    if earlier is None:
                        results[node] = (statement.chain.rows[side].line, verdict.codes)
                    elif verdict.codes and set(verdict.codes) <= set(earlier[1]) and not own_slip:
                        verdicts[k] = Verdict("carried_forward", (), f"the same slip as line {earlier[0]} "
                                                                     f"({', '.join(verdict.codes)}), marked there",
                                              "result")


        if any(v.status == "wrong" for vs in statement.verdicts.values() for v in vs):
            line = statement.line
            if statement.result is not None:
                wrong_numbers.setdefault(statement.sides[statement.result].text.strip(), line)
            for name in _gives(statement):
                wrong_names.setdefault(name, line)


def _gives(statement: Statement) -> list[str]:
    """The names later formulas use for what the statement gives: its symbol, or its derivative."""
    if statement.kind == "symbol" and statement.target:
        return [statement.target] + ([statement.written] if statement.written else [])
    if statement.kind == "gradient" and statement.written and statement.sides[0].node is not None:
        return sorted(symbols(statement.sides[0].node))
    if statement.kind == "local" and statement.sides[0].node is not None:
        return sorted(symbols(statement.sides[0].node))
    if statement.kind == "function" and statement.function is not None and statement.definition:
        return [statement.function.name + ("'" if statement.function.order else "")]
    return []


def _uses(statement: Statement, numbers: dict[str, int], names: dict[str, int]) -> int | None:
    """The line of an earlier wrong result this statement's working uses (a number as written, or a symbol)."""
    if not numbers and not names:  # no wrong line so far
        return None
    for i, side in enumerate(statement.sides):
        if i == 0 or i == statement.result or side.node is None:
            continue
        for literal in literals(side.node):
            if literal.text in numbers and literal.text not in ("0", "1"):
                return numbers[literal.text]
        # Several wrong lines may be used: the earliest is named (not the first the set yields, which would
        # change with Python's string hashing from run to run).
        used = [names[name] for name in symbols(side.node) | _functions(side.node) if name in names]
        if used:
            return min(used)
    return None


def _functions(node: Any) -> set[str]:
    """The functions a side applies, as ``_gives`` names them (``tanh'`` for a derivative)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Func):
            found.add(current.name + ("'" if current.order else ""))
        stack.extend(children(current))
    return found


def line_results(work: Work, statements: list[Statement]) -> list[LineResult]:
    per_row: dict[int, dict[str, Any]] = {}
    order: list[Row] = []
    for statement in statements:
        first_wrong: int | None = None
        for i, side in enumerate(statement.sides):
            row = statement.chain.rows[i]
            entry = per_row.get(row.line)
            if entry is None:
                entry = per_row[row.line] = {"row": row, "verdicts": [], "unread": [], "binding": None,
                                             "item": None, "notes": [], "texts": []}
                order.append(row)
            if row.text not in entry["texts"]:
                entry["texts"].append(row.text)
            entry["notes"].extend(statement.notes.get(i, []))
            if entry["binding"] is None and statement.binding is not None:
                entry["binding"] = statement.binding
            if side.node is None and side.error == REFERENCES:  # [B1]·[B2]: what the steps named give is checked
                entry["notes"].append(f"{short(side.text)} names earlier steps")
            elif side.node is None:
                entry["unread"].append(f"{short(side.text)} ({side.error})")
            for verdict in statement.verdicts.get(i, []):
                if verdict.status == "wrong":
                    if first_wrong is not None and first_wrong != row.line and verdict.kind == "result":
                        verdict = Verdict(verdict.status, verdict.codes,
                                          verdict.message + f" (the first slip in this chain is on line {first_wrong})",
                                          verdict.kind)
                    first_wrong = row.line if first_wrong is None else first_wrong
                entry["verdicts"].append(verdict)
                if verdict.kind == "result":
                    entry["item"] = statement.key
    lines: list[LineResult] = []
    for row in sorted(order, key=lambda r: r.line):
        entry = per_row[row.line]
        verdicts: list[Verdict] = entry["verdicts"]
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
            if v.status == status:
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
