"""A marked answers file as a terminal table, Markdown or HTML feedback for a student, or JSON.

Every form states the score in points, the marking policy and where its
tolerance came from, and lists the items given but not asked (not scored).
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from gradwork.documents.escape import html_text, json_safe, markdown_code, markdown_text, terminal_text
from gradwork.numbers.display import array_text, number_text

if TYPE_CHECKING:  # the report's types, for annotations only: report.py imports this module for its notebook views
    from gradwork.check.report import ItemResult, Report

MARKS = {"correct": "✓", "carried_forward": "→", "wrong": "✗", "missing": "–"}
VERDICTS = {"correct": "correct", "carried_forward": "carried forward", "wrong": "wrong", "missing": "missing"}
STYLES = {"correct": "green", "carried_forward": "cyan", "wrong": "bold red", "missing": "yellow"}
GIVEN_DIGITS = 12  # the student's own number is shown as written
EXPECTED_DIGITS = 4


def render_json(report: Report) -> str:
    """docs/format.md's ``check --format json`` object."""
    return json.dumps(json_safe(report.to_json()), indent=2, ensure_ascii=False, allow_nan=False)


def points_text(points: float, max_points: float) -> str:
    return f"{_number(points)}/{_number(max_points)}"


def headline(report: Report) -> str:
    """``Exam 4a: 6/10 points (6 of 10 items credited: 6 correct, 4 wrong)``."""
    counts = report.counts()
    parts = [f"{counts[status]} {VERDICTS[status]}" for status in ("correct", "carried_forward", "wrong", "missing")
             if counts[status]]
    title = f"{report.title}: " if report.title else ""
    if not report.answered:
        asked = f" ({report.total} items asked)" if report.total else ""
        return f"{title}{points_text(report.points, report.max_points)} points: nothing answered{asked}"
    return (f"{title}{points_text(report.points, report.max_points)} points "
            f"({report.correct} of {report.total} items credited: {', '.join(parts)})")


def render_text(report: Report, color: bool = False, width: int = 100) -> str:
    """A table of verdicts and points, then the feedback on each item that is not simply correct."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False)
    console.print(Text(terminal_text(headline(report)), style="bold" if color else ""))
    console.print(Text("Marking: " + report.policy_text() + "."))
    for warning in report.warnings:
        console.print(Text("Warning: " + terminal_text(warning) + ".", style="yellow" if color else ""))
    table = Table(box=box.SIMPLE_HEAD if color else box.ASCII2, show_edge=not color)
    table.add_column("item", no_wrap=True)
    for column in ("you wrote", "expected", "verdict", "points", "diagnosis"):
        table.add_column(column, overflow="fold")
    for item in report.items:
        verdict = Text(f"{MARKS[item.status]} {VERDICTS[item.status]}", style=STYLES[item.status] if color else "")
        table.add_row(terminal_text(item.label), terminal_text(_given(item)),
                      array_text(item.expected, EXPECTED_DIGITS), verdict,
                      points_text(item.points, item.max_points), ", ".join(item.diagnosis))
    console.print(table)
    notes = [item for item in report.items if item.status != "correct"]
    for item in notes:
        console.print(Text(f"{MARKS[item.status]} {terminal_text(item.label)}: ",
                           style=STYLES[item.status] if color else "") + Text(terminal_text(item.message)))
    if not report.answered:
        console.print("Nothing answered: an answers file needs numbers, such as `loss: 0.25` or "
                      "`gradients: {output.W: [...]}`.")
    elif not notes:
        console.print("Everything asked is correct." if report.asked else "Everything is correct.")
    if report.not_asked:
        console.print("Not asked, so not scored: " + "; ".join(
            f"{item.label} ({VERDICTS[item.status]})" for item in report.not_asked))
    return buffer.getvalue().rstrip() + "\n"


def render_markdown(report: Report) -> str:
    """Feedback a tutor can paste to a student: score, policy, a table, one paragraph per item to look at."""
    title = _escape(report.title or "Your answers")
    lines = [f"### {title}: {points_text(report.points, report.max_points)} points", "",
             f"Marking: {report.policy_text()}. Answers that are right given an earlier wrong answer of yours "
             "are credited as carried forward.", ""]
    lines += [f"> **Warning:** {_escape(warning)}." for warning in report.warnings]
    if report.warnings:
        lines.append("")
    lines += ["| | item | you wrote | expected | verdict | points |", "|---|---|---|---|---|---|"]
    for item in report.items:
        lines.append(f"| {MARKS[item.status]} | {markdown_code(item.label)} | {_escape(_given(item))} "
                     f"| {_escape(array_text(item.expected, EXPECTED_DIGITS))} | {VERDICTS[item.status]} "
                     f"| {points_text(item.points, item.max_points)} |")
    wrong = [item for item in report.items if item.status in ("wrong", "missing")]
    carried = [item for item in report.items if item.status == "carried_forward"]
    if wrong:
        lines += ["", "**What to look at**", ""]
        lines += [_paragraph(item) for item in wrong]
    if carried:
        lines += ["", "**Carried forward (credited)**", ""]
        lines += [f"- {markdown_code(item.label)}: {_escape(item.message)}" for item in carried]
    if not report.answered:
        lines += ["", "Nothing answered."]
    elif not wrong and not carried:
        lines += ["", "Everything asked is correct." if report.asked else "Everything is correct."]
    if report.not_asked:
        lines += ["", "**Not asked, so not scored**: " + ", ".join(
            f"{markdown_code(item.label)} ({VERDICTS[item.status]})" for item in report.not_asked)]
    return "\n".join(lines) + "\n"


def render_html(report: Report) -> str:
    """A self-contained HTML fragment (Jupyter's ``_repr_html_``): the table with each item's feedback."""
    e = html_text
    rows = []
    for item in report.items:
        feedback = "" if item.status == "correct" and item.message == "correct" else item.message
        codes = "".join(f' <code>{e(code)}</code>' for code in item.diagnosis)
        rows.append(
            f'<tr class="gw-{item.status}"><td>{MARKS[item.status]}</td><td><code>{e(item.label)}</code></td>'
            f"<td>{e(_given(item))}</td><td>{e(array_text(item.expected, EXPECTED_DIGITS))}</td>"
            f"<td>{VERDICTS[item.status]}</td><td>{points_text(item.points, item.max_points)}</td>"
            f"<td>{e(_without_codes(item, feedback))}{codes}</td></tr>")
    parts = [f'<div class="gw-check"><p><strong>{e(headline(report))}</strong></p>',
             f"<p>Marking: {e(report.policy_text())}.</p>"]
    parts += [f"<p><strong>Warning:</strong> {e(warning)}.</p>" for warning in report.warnings]
    parts.append("<table><thead><tr><th></th><th>item</th><th>you wrote</th><th>expected</th><th>verdict</th>"
                 "<th>points</th><th>feedback</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    if report.not_asked:
        parts.append("<p>Not asked, so not scored: " + ", ".join(
            f"<code>{e(item.label)}</code> ({VERDICTS[item.status]})" for item in report.not_asked) + "</p>")
    return "".join(parts) + "</div>"


def _paragraph(item: ItemResult) -> str:
    codes = " ".join(f"`{code}`" for code in item.diagnosis)
    text = _escape(_without_codes(item, item.message))
    return f"- **{markdown_code(item.label)}**: {text}" + (f" {codes}" if codes else "")


def _without_codes(item: ItemResult, message: str) -> str:
    return message.removesuffix(f" [{', '.join(item.diagnosis)}]") if item.diagnosis else message


def _given(item: ItemResult) -> str:
    if item.given is None and item.line == 0:
        return "(not answered)"
    return array_text(item.given, GIVEN_DIGITS)


def _escape(text: str) -> str:
    return markdown_text(text)


def _number(value: Any) -> str:
    return number_text(float(value))
