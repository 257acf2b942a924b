"""A marked worked solution as text, the student's own document annotated (Markdown, HTML), or JSON."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from gradwork.documents.escape import html_text, json_safe, markdown_inert_html, terminal_text
from gradwork.mark.scan import split_lines
from gradwork.numbers.display import number_text

if TYPE_CHECKING:  # types only: report imports this module for its notebook views, so no import back at run time
    from gradwork.mark.report import LineResult, MarkReport

MARKS = {"correct": "✓", "wrong": "✗", "carried_forward": "→", "not_read": "?", "unchecked": "·", "missing": "–"}

VERDICTS = {"correct": "correct", "wrong": "wrong", "carried_forward": "carried forward", "not_read": "not read",
            "unchecked": "not checked"}


def render_json(report: MarkReport) -> str:
    """docs/format.md's ``mark --format json`` object (a non-finite number, never valid JSON, as null)."""
    return json.dumps(json_safe(report.to_json()), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def headline(report: MarkReport) -> str:
    score = report.score()
    counts = report.counts()
    parts = [f"{counts[s]} {VERDICTS[s]}" for s in ("correct", "carried_forward", "wrong", "not_read") if counts[s]]
    title = f"{report.title}: " if report.title else ""
    return (f"{title}{_points(score['points'])}/{_points(score['max_points'])} points, {score['correct']} of "
            f"{score['total']} items credited; lines: {', '.join(parts) or 'none checked'}; numbers compared to "
            f"{report.policy.describe_tolerance()}.")


def render_text(report: MarkReport, width: int = 110) -> str:
    """One row per checked line (line number, mark, diagnosis, message), then what is missing."""
    out = [terminal_text(headline(report)), ""]
    for line in report.lines:
        if line.status == "unchecked":
            continue
        codes = f" [{', '.join(line.diagnosis)}]" if line.diagnosis else ""
        out.append(f"{line.line:>4} {MARKS[line.status]} {_clip(line.text, 50)}{codes}")
        if line.status != "correct" and line.message:
            out.append(f"       {_clip(line.message, width - 7)}")
    out += _missing_lines(report)
    out += _inferred_lines(report, markdown=False)
    # The student's text (and symbols) on a terminal: ESC and other controls shown, never sent.
    return terminal_text("\n".join(out).rstrip(), keep_newlines=True) + "\n"


def render_markdown(report: MarkReport, text: str) -> str:
    """The student's document with a mark after every checked maths block, and a summary at the end.

    The student's text is kept line for line, with its HTML made inert (``<!--`` and tags shown as text), so
    nothing they wrote can hide a mark; a mark that falls inside a fenced code block goes after the fence.
    """
    notes: dict[int, list[str]] = {}
    for line in report.lines:
        if line.status == "unchecked":
            continue
        notes.setdefault(line.end_line or line.line, []).append(_note_markdown(line))
    out: list[str] = []
    pending: list[str] = []
    fence: str | None = None
    for number, source in enumerate(split_lines(text), start=1):
        opened = _FENCE.match(source)
        if fence is None:
            out.append(_inert(source))
            if opened:
                fence = opened.group(1)
        else:
            out.append(source)
            if opened and opened.group(1) == fence and not source.strip()[3:].strip("`~"):
                fence = None
        pending += notes.get(number, [])
        if pending and fence is None:
            out += ["", *pending, ""]
            pending = []
    if fence is not None:  # a fence the student never closed: closed here, so that the marks are not code
        out.append(fence)
        if pending:
            out += ["", *pending, ""]
    out += ["", "---", "", f"**Marked by gradwork**: {_md(headline(report))}", ""]
    out += _missing_lines(report, markdown=True)
    out += _inferred_lines(report, markdown=True)
    return "\n".join(out).rstrip() + "\n"


_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")
def _inert(source: str) -> str:
    """A line of the student's Markdown with every HTML tag or comment opener shown as text."""
    return markdown_inert_html(source)


def _md(text: str) -> str:
    """gradwork's own words in Markdown: no HTML, no line breaks."""
    return markdown_inert_html(" ".join(text.split()))


def render_html(report: MarkReport, text: str) -> str:
    """One self-contained page: the document line by line, each mark beside the maths it is about."""
    notes: dict[int, list[LineResult]] = {}
    for line in report.lines:
        if line.status != "unchecked":
            notes.setdefault(line.end_line or line.line, []).append(line)
    e = html_text
    rows: list[str] = []
    for number, source in enumerate(split_lines(text), start=1):
        rows.append(f'<div class="src"><span class="n">{number}</span>{html_text(source) or "&nbsp;"}</div>')
        for line in notes.get(number, []):
            codes = "".join(f' <code>{e(c)}</code>' for c in line.diagnosis)
            rows.append(f'<div class="mark {line.status}"><b>{MARKS[line.status]} line {line.line}</b>{codes} '
                        f'{e(_binding_text(line))}{e(line.message)}</div>')
    missing = "".join(f"<li><code>{e(m.key)}</code> {e(m.message)}"
                      + "".join(f" <code>{e(c)}</code>" for c in m.diagnosis) + "</li>"
                      for m in report.missing)
    bindings = "".join(f"<li><code>{e(b.symbol)}</code> = <code>{e(str(b.written or b.quantity))}</code>: "
                       f"{e(b.evidence)}</li>" for b in report.bindings if b.inferred)
    title = e(report.title or "Marked work")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
.src {{ font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: pre-wrap; }}
.n {{ display: inline-block; width: 3rem; color: #999; }}
.mark {{ margin: 0.2rem 0 0.6rem 3rem; padding: 0.3rem 0.6rem; border-left: 4px solid; font-size: 0.9rem; }}
.correct {{ border-color: #2a2; background: #f2fbf2; }} .wrong {{ border-color: #c22; background: #fdf0f0; }}
.carried_forward {{ border-color: #28c; background: #f0f6fd; }} .not_read {{ border-color: #aa2; background: #fbfbef; }}
</style></head><body>
<h1>{title}</h1>
<p>{e(headline(report))}</p>
{''.join(rows)}
<h2>Missing</h2><ul>{missing or '<li>nothing</li>'}</ul>
<h2>Symbols read from the working</h2><ul>{bindings or '<li>all from the problem&#39;s names</li>'}</ul>
</body></html>
"""


def _note_markdown(line: LineResult) -> str:
    codes = " ".join(f"`{c}`" for c in line.diagnosis)
    return _md(f"> {MARKS[line.status]} **line {line.line}** {codes} {_binding_text(line)}{line.message}").rstrip()


def _binding_text(line: LineResult) -> str:
    if line.binding is None or line.binding.quantity is None:
        return ""
    return f"({line.binding.symbol} = {line.binding.written or line.binding.quantity}) "


def _missing_lines(report: MarkReport, markdown: bool = False) -> list[str]:
    if not report.missing:
        return []
    out = ["", "**Missing**" if markdown else "Missing:"]
    for m in report.missing:
        codes = f" [{', '.join(m.diagnosis)}]" if m.diagnosis else ""
        shown = m.label or m.key
        out.append(_md(f"- {shown}: {m.message}{codes}") if markdown else f"  – {shown}: {m.message}{codes}")
    return out


def _inferred_lines(report: MarkReport, markdown: bool) -> list[str]:
    inferred = [b for b in report.bindings if b.inferred]
    if not inferred:
        return []
    out = ["", "**Symbols read from the working**" if markdown else "Symbols read from the working:"]
    for b in inferred:
        target = (b.written or b.quantity) if b.quantity else "ambiguous: " + ", ".join(b.candidates)
        entry = f"{b.symbol} = {target}: {b.evidence}"
        out.append(_md("- " + entry) if markdown else "  " + entry)
    return out


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _points(value: float) -> str:
    return number_text(float(value))  # check's rounding rule: 2.5, 3, 0.3333


# ---------------------------------------------------------------- the notebook view (Jupyter reprs)
def summary_markdown(report: MarkReport) -> str:
    """The marked solution as a table of its checked lines, for a notebook (the document itself is not needed)."""
    rows = ["| line | | as written | diagnosis | feedback |", "|---|---|---|---|---|"]
    for line in report.lines:
        if line.status == "unchecked":
            continue
        codes = ", ".join(f"`{code}`" for code in line.diagnosis)
        rows.append(f"| {line.line} | {MARKS[line.status]} | {_cell(_clip(line.text, 60))} | {codes} "
                    f"| {_cell(line.message)} |")
    out = [f"**{_cell(headline(report))}**", "", *rows]
    missing = _missing_lines(report, markdown=True)
    if missing:
        out += ["", *missing]
    return "\n".join(out) + "\n"


def summary_html(report: MarkReport) -> str:
    """The same table as an HTML fragment (a notebook cell takes a fragment, never a whole page)."""
    e = html_text
    rows = "".join(
        f'<tr class="gw-{line.status}"><td>{line.line}</td><td>{MARKS[line.status]}</td>'
        f"<td><code>{e(_clip(line.text, 60))}</code></td><td>{e(', '.join(line.diagnosis))}</td>"
        f"<td>{e(line.message)}</td></tr>"
        for line in report.lines if line.status != "unchecked")
    missing = "".join(f"<li><code>{e(m.key)}</code> {e(m.message)}</li>" for m in report.missing)
    return (f'<div class="gw-mark"><p><strong>{e(headline(report))}</strong></p>'
            "<table><thead><tr><th>line</th><th></th><th>as written</th><th>diagnosis</th><th>feedback</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p>Missing:</p><ul>{missing}</ul>" if missing else "") + "</div>")


def _cell(text: str) -> str:
    """Text for one Markdown table cell: no line break, no cell border, no HTML a notebook would run."""
    return html_text(" ".join(text.split())).replace("|", "\\|")
