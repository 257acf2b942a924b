"""A marked answers file as a terminal table, Markdown feedback for a student, or JSON."""

from __future__ import annotations

import io
import json
from typing import Any

from gradwork.check.report import ItemResult, Report
from gradwork.problem.display import array_text

MARKS = {"correct": "✓", "carried_forward": "→", "wrong": "✗", "missing": "–"}
VERDICTS = {"correct": "correct", "carried_forward": "carried forward", "wrong": "wrong", "missing": "missing"}
STYLES = {"correct": "green", "carried_forward": "cyan", "wrong": "bold red", "missing": "yellow"}


def render_json(report: Report) -> str:
    """FORMAT.md's ``check --format json`` object."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def render_text(report: Report, color: bool = False, width: int = 100) -> str:
    """A table of verdicts and the feedback on each item that is not simply correct (rich; plain when not ``color``)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False)
    console.print(Text(_headline(report), style="bold" if color else ""))
    table = Table(box=box.SIMPLE_HEAD if color else box.ASCII2, show_edge=not color)
    for column in ("item", "you wrote", "expected", "verdict", "diagnosis"):
        table.add_column(column, overflow="fold")
    for item in report.items:
        verdict = Text(f"{MARKS[item.status]} {VERDICTS[item.status]}", style=STYLES[item.status] if color else "")
        table.add_row(item.key, _short(item.given, 12), _short(item.expected, 4), verdict, ", ".join(item.diagnosis))
    console.print(table)
    notes = [item for item in report.items if item.status != "correct"]
    for item in notes:
        console.print(Text(f"{MARKS[item.status]} {item.key}: ", style=STYLES[item.status] if color else "")
                      + Text(item.message))
    if not notes:
        console.print("Everything is correct.")
    return buffer.getvalue().rstrip() + "\n"


def render_markdown(report: Report) -> str:
    """Feedback a tutor can paste to a student: score, a table, and one paragraph per item to look at."""
    lines = [f"### {report.title or 'Your answers'}: {report.correct} of {report.total}", "",
             f"Numbers are compared to {report.tolerance.describe()}"
             + (" (the default)" if not report.tolerance_stated else "") + "; answers that are right given an "
             "earlier wrong answer of yours are credited as carried forward.", "",
             "| | item | you wrote | expected | verdict |", "|---|---|---|---|---|"]
    for item in report.items:
        lines.append(f"| {MARKS[item.status]} | `{item.key}` | {_cell(item.given, 12)} | {_cell(item.expected, 4)} "
                     f"| {VERDICTS[item.status]} |")
    wrong = [item for item in report.items if item.status in ("wrong", "missing")]
    carried = [item for item in report.items if item.status == "carried_forward"]
    if wrong:
        lines += ["", "**What to look at**", ""]
        lines += [_paragraph(item) for item in wrong]
    if carried:
        lines += ["", "**Carried forward (credited)**", ""]
        lines += [f"- `{item.key}`: {item.message}" for item in carried]
    if not wrong and not carried:
        lines += ["", "Everything is correct."]
    return "\n".join(lines) + "\n"


def _headline(report: Report) -> str:
    tolerance = report.tolerance.describe() + ("" if report.tolerance_stated else ", the default")
    counts = report.counts()
    parts = [f"{counts[status]} {VERDICTS[status]}" for status in ("correct", "carried_forward", "wrong", "missing")
             if counts[status]]
    title = f"{report.title}: " if report.title else ""
    return f"{title}{report.correct}/{report.total} credited ({', '.join(parts) or 'nothing answered'}); " \
           f"numbers compared to {tolerance}."


def _paragraph(item: ItemResult) -> str:
    codes = " ".join(f"`{code}`" for code in item.diagnosis)
    message = item.message.removesuffix(f" [{', '.join(item.diagnosis)}]") if item.diagnosis else item.message
    return f"- **`{item.key}`**: {message}" + (f" {codes}" if codes else "")


def _short(value: Any, digits: int) -> str:
    return array_text(value, digits)


def _cell(value: Any, digits: int) -> str:
    return array_text(value, digits).replace("|", "\\|")
