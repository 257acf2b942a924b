"""Batch marking: one CSV row per student, one column per item, plus the score."""

from __future__ import annotations

import csv
import io

from gradwork.check import parse_answers
from gradwork.check.gradebook import answers_files, mark_class, mark_folder
from tests.check import fixtures


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_class_gradebook_rows_columns_and_missing_items():
    answers = [
        parse_answers({"loss": 0.5130, "values": {"output.a": 0.4013}}, "alice.yaml"),
        parse_answers({"loss": 0.2225, "updated": {"output.b": 0}}, "bob.yaml"),
        parse_answers({"values": {"output.a": 0.4013}, "updated": {"output.b": -0.004013}}, "carol.json"),
    ]
    book = mark_class(fixtures.seed_002(), answers)
    text = book.to_csv()
    rows = {row["student"]: row for row in _rows(text)}
    assert text.splitlines()[0] == "student,correct,total,values.output.a,loss,updated.output.b,error"
    assert rows["alice"] == {"student": "alice", "correct": "2", "total": "3", "values.output.a": "correct",
                             "loss": "correct", "updated.output.b": "missing", "error": ""}
    assert rows["bob"]["loss"] == "wrong (log_base_10)"
    assert rows["bob"]["updated.output.b"] == "wrong (bias_not_updated)"
    assert rows["bob"]["values.output.a"] == "missing"
    assert (rows["bob"]["correct"], rows["bob"]["total"]) == ("0", "3")
    assert rows["carol"]["loss"] == "missing" and rows["carol"]["correct"] == "2"


def test_folder_with_an_unreadable_file(tmp_path):
    (tmp_path / "ann.yaml").write_text("loss: 0.513\n")
    (tmp_path / "ben.toml").write_text("loss = 0.2225\n")
    (tmp_path / "cid.yaml").write_text("loss: [1, 2\n")
    (tmp_path / "dee.yaml").write_text("values: {nope: 1}\n")
    (tmp_path / "notes.txt").write_text("not an answers file")
    assert [p.name for p in answers_files(tmp_path)] == ["ann.yaml", "ben.toml", "cid.yaml", "dee.yaml"]
    book = mark_folder(fixtures.seed_002(), tmp_path)
    rows = {row["student"]: row for row in _rows(book.to_csv())}
    assert rows["ann"]["loss"] == "correct" and rows["ben"]["loss"] == "wrong (log_base_10)"
    assert rows["cid"]["error"].startswith(f"{tmp_path / 'cid.yaml'}:2:1: ")
    assert "unknown name 'nope' in values" in rows["dee"]["error"]
    assert rows["cid"]["correct"] == ""
