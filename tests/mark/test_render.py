"""The marked work as text, as the student's own document annotated (Markdown, HTML), and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from gradwork.mark import mark_work
from gradwork.mark.render import render_html, render_json, render_markdown, render_text
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
WORK = (Path(__file__).resolve().parent / "fixtures" / "seed002_log_base_10.md").read_text(encoding="utf-8")


def report():
    return mark_work(solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml")), WORK, "seed002_log_base_10.md")


def test_markdown_keeps_the_document_and_marks_each_checked_block_after_it():
    marked = render_markdown(report(), WORK)
    lines = marked.splitlines()
    assert lines[:len(WORK.splitlines())][:3] == WORK.splitlines()[:3]
    loss_end = next(i for i, line in enumerate(lines) if "0.2228 \\end{aligned}" in line)
    note = next(line for line in lines[loss_end + 1:] if line.startswith(">"))
    assert note.startswith("> ✗ **line 19** `log_base_10`")
    assert any(line.startswith("> ✓ **line 5**") for line in lines)
    assert "**Marked by gradwork**" in marked and "27/28 points" in marked


def test_text_lists_marks_and_the_messages_of_lines_not_right():
    text = render_text(report())
    assert "  19 ✗" in text and "[log_base_10]" in text and "natural logs" in text


def test_html_is_one_page_with_the_marks_escaped():
    page = render_html(report(), WORK)
    assert page.startswith("<!DOCTYPE html>") and '<div class="mark wrong"><b>✗ line 19</b>' in page
    assert "<script" not in page


def test_json_is_format_md_mark_output():
    data = json.loads(render_json(report()))
    assert data["score"] == {"correct": 27, "total": 28, "points": 27.0, "max_points": 28.0}
    assert all(set(line) >= {"line", "text", "status", "diagnosis", "binding", "message"} for line in data["lines"])
    assert {line["status"] for line in data["lines"]} <= {"correct", "wrong", "carried_forward", "not_read",
                                                           "unchecked"}
