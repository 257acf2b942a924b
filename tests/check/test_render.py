"""The JSON shape docs/format.md fixes, the terminal table and the Markdown feedback."""

from __future__ import annotations

import json
from pathlib import Path

from gradwork.check import Checker, read_answers
from gradwork.check.render import render_json, render_markdown, render_text
from tests.check import fixtures

ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "answers"


def _report():
    return Checker(fixtures.seed_002("column")).check(read_answers(ANSWERS / "seed002_exam4a.yaml"))


def test_json_shape_follows_format_md():
    data = json.loads(render_json(_report()))
    assert data["score"] == {"correct": 6, "total": 10, "points": 6, "max_points": 10}
    assert set(data) == {"score", "items", "not_asked", "title", "marking", "tolerance", "counts", "answered",
                         "warnings"}
    assert data["tolerance"] == {"sigfigs": 3, "text": "3 significant figures", "source": "default", "default": True}
    assert data["marking"]["tolerance_source"] == "default" and data["marking"]["carried_forward"] == 1.0
    assert data["marking"]["text"].startswith("numbers compared to 3 significant figures (the default)")
    for item in data["items"]:
        assert {"key", "given", "expected", "status", "diagnosis", "message", "points", "max_points"} <= set(item)
        assert item["points"] == (1 if item["status"] in ("correct", "carried_forward") else 0)
        assert item["status"] in ("correct", "wrong", "carried_forward", "missing")
        assert isinstance(item["diagnosis"], list)
    loss = next(item for item in data["items"] if item["key"] == "loss")
    assert loss["given"] == 0.2225 and loss["diagnosis"] == ["log_base_10"]
    assert abs(loss["expected"] - 0.4740769842) < 1e-9
    assert data["counts"] == {"correct": 0, "carried_forward": 6, "wrong": 4, "missing": 0}


def test_text_table_is_plain_without_color():
    text = render_text(_report(), color=False)
    assert "\x1b[" not in text
    assert text.splitlines()[0] == "Exam 4a: 6/10 points (6 of 10 items credited: 6 carried forward, 4 wrong)"
    assert text.splitlines()[1].startswith("Marking: numbers compared to 3 significant figures (the default);")
    assert "| L " in text and "log_base_10" in text and "| 0/1 " in text
    assert "✗ L: you wrote 0.2225, expected 0.4741 (3 s.f.)" in text


def test_text_with_color_uses_ansi():
    assert "\x1b[" in render_text(_report(), color=True)


def test_markdown_feedback():
    text = render_markdown(_report())
    assert text.startswith("### Exam 4a: 6/10 points\n\n"
                           "Marking: numbers compared to 3 significant figures (the default)")
    assert "| ✗ | `L` | 0.2225 | 0.4741 | wrong | 0/1 |" in text
    assert "- **`L`**: you wrote 0.2225, expected 0.4741 (3 s.f.)" in text
    assert text.count("`log_base_10`") == 1
    assert "**Carried forward (credited)**" in text


def test_jupyter_shows_a_table_with_feedback():
    report = _report()
    page = report._repr_html_()
    assert page.startswith('<div class="gw-check">') and "<table>" in page
    assert '<tr class="gw-wrong"><td>✗</td><td><code>L</code></td><td>0.2225</td><td>0.4741</td>' in page
    assert "Your number uses log10 in L." in page and "<code>log_base_10</code>" in page
    assert "Marking: numbers compared to 3 significant figures (the default)" in page
    assert report._repr_markdown_() == render_markdown(report)

