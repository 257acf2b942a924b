"""The JSON shape FORMAT.md fixes, the terminal table and the Markdown feedback."""

from __future__ import annotations

import json
from pathlib import Path

from gradwork.check import Marker, read_answers
from gradwork.check.render import render_json, render_markdown, render_text
from tests.check import fixtures

ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "answers"


def _report():
    return Marker(fixtures.seed_002("column")).mark(read_answers(ANSWERS / "seed002_exam4a.yaml"))


def test_json_shape_follows_format_md():
    data = json.loads(render_json(_report()))
    assert data["score"] == {"correct": 5, "total": 10}
    assert set(data) == {"score", "items", "title", "tolerance", "counts"}
    assert data["tolerance"] == {"sigfigs": 3, "text": "3 significant figures", "default": True}
    for item in data["items"]:
        assert {"key", "given", "expected", "status", "diagnosis", "message"} <= set(item)
        assert item["status"] in ("correct", "wrong", "carried_forward", "missing")
        assert isinstance(item["diagnosis"], list)
    loss = next(item for item in data["items"] if item["key"] == "loss")
    assert loss["given"] == 0.2225 and loss["diagnosis"] == ["log_base_10"]
    assert abs(loss["expected"] - 0.4740769842) < 1e-9
    assert data["counts"] == {"correct": 0, "carried_forward": 5, "wrong": 5, "missing": 0}


def test_text_table_is_plain_without_color():
    text = render_text(_report(), color=False)
    assert "\x1b[" not in text
    assert text.splitlines()[0].startswith("Exam 4a: 5/10 credited (5 carried forward, 5 wrong); numbers compared to 3")
    assert "| loss" in text and "log_base_10" in text
    assert "✗ loss: you wrote 0.2225, expected 0.4741 (3 s.f.)" in text


def test_text_with_color_uses_ansi():
    assert "\x1b[" in render_text(_report(), color=True)


def test_markdown_feedback():
    text = render_markdown(_report())
    assert text.startswith("### Exam 4a: 5 of 10\n")
    assert "| ✗ | `loss` | 0.2225 | 0.4741 | wrong |" in text
    assert "- **`loss`**: you wrote 0.2225, expected 0.4741 (3 s.f.)" in text
    assert text.count("`log_base_10`") == 1
    assert "**Carried forward (credited)**" in text
