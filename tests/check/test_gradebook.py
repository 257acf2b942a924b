"""Batch marking: one row per student, one column per item (verdict and points), the class summary."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from gradwork.check import check_answers, parse_answers
from gradwork.check.gradebook import answers_files, csv_cell, check_class, check_folder
from gradwork.problem import MarkingPolicy, Quantity
from tests.check import fixtures


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


CLASS = [
    {"loss": 0.5130, "values": {"output.a": 0.4013}},
    {"loss": 0.2225, "updated": {"output.b": 0}},
    {"values": {"output.a": 0.4013}, "updated": {"output.b": -0.004013}},
]


def _class():
    return [parse_answers(data, name) for data, name in zip(CLASS, ("alice.yaml", "bob.yaml", "carol.json"))]


def test_without_ask_each_student_is_scored_on_their_own_answers_and_the_rest_is_an_empty_cell():
    book = check_class(fixtures.seed_002(), _class())
    text = book.to_csv()
    assert text.splitlines()[0] == (
        "student,points,max_points,correct,total,values.output.a,values.output.a points,loss,loss points,"
        "updated.output.b,updated.output.b points,diagnoses,not_asked,warnings,error,marking")
    rows = {row["student"]: row for row in _rows(text)}
    assert (rows["alice"]["points"], rows["alice"]["max_points"], rows["alice"]["loss"]) == ("2", "2", "correct")
    assert rows["alice"]["updated.output.b"] == "" and rows["alice"]["updated.output.b points"] == ""
    assert rows["bob"]["loss"] == "wrong (log_base_10)" and rows["bob"]["loss points"] == "0"
    assert rows["bob"]["updated.output.b"] == "wrong (bias_not_updated)"
    assert rows["bob"]["diagnoses"] == "log_base_10 bias_not_updated"
    assert (rows["carol"]["points"], rows["carol"]["total"]) == ("2", "2")
    assert rows["carol"]["marking"].startswith("numbers compared to 3 significant figures (the default)")


def test_the_same_student_scores_the_same_alone_and_in_a_class():
    solution = fixtures.seed_002()
    for asked in ((), (Quantity.parse("loss"), Quantity.parse("values.output.a"), Quantity.parse("updated.output.b"))):
        problem = replace(solution, ask=asked, marking=MarkingPolicy(points={"loss": 2.0}, missing=0.0))
        book = check_class(problem, _class())
        for answers in _class():
            alone = check_answers(problem, answers)
            in_class = book.reports[answers.student]
            assert (alone.points, alone.max_points, alone.correct, alone.total) == \
                (in_class.points, in_class.max_points, in_class.correct, in_class.total)
            assert alone.to_json() == in_class.to_json()


def test_with_ask_the_columns_are_the_asked_items_with_their_points():
    asked = tuple(Quantity.parse(k) for k in ("loss", "updated.output.b", "values.output.a"))
    problem = replace(fixtures.seed_002(), ask=asked,
                      marking=MarkingPolicy(points={"loss": 2.0, "updated.output.b": 3.0}, missing=0.5))
    book = check_class(problem, _class())
    assert book.keys == ("loss", "updated.output.b", "values.output.a")
    rows = {row["student"]: row for row in _rows(book.to_csv())}
    # alice: loss 2 + output.b blank (half of 3) + output.a 1
    assert (rows["alice"]["points"], rows["alice"]["max_points"]) == ("4.5", "6")
    assert rows["alice"]["updated.output.b"] == "missing" and rows["alice"]["updated.output.b points"] == "1.5"
    assert (rows["bob"]["points"], rows["bob"]["loss points"]) == ("0.5", "0")  # output.a blank: 0.5 of 1


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped():
    assert [csv_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "plain", 3)] == \
        ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "plain", 3]
    answers = [parse_answers({"loss": 0.513}, "=HYPERLINK(evil).yaml"), parse_answers({"loss": 0.513}, "-x.yaml")]
    text = check_class(fixtures.seed_002(), answers).to_csv()
    students = [row["student"] for row in _rows(text)]
    assert students == ["'-x", "'=HYPERLINK(evil)"]
    for row in csv.reader(io.StringIO(text)):
        assert not any(isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") for cell in row)


def test_class_summary_counts_students_per_diagnosis():
    answers = _class() + [parse_answers({"loss": 0.2226, "updated": {"hidden.b": [0.2, -0.2]}}, "dan.yaml")]
    book = check_class(fixtures.seed_002(), answers)
    common = book.diagnosis_counts()
    assert [(d.code, d.students) for d in common] == [("log_base_10", 2), ("bias_not_updated", 2)]
    assert common[1].items == ("updated.output.b", "updated.hidden.b")
    text = book.to_markdown()
    assert "| `log_base_10` | 2 | `loss` | Logs in losses are natural logs" in text
    assert "| `loss` | 1 | 0 | 2 | 0 |" in text  # alice right, bob and dan in log10
    assert "| bob | 0/2 | 0/2 | `log_base_10`, `bias_not_updated` |" in text
    page = book.to_html()
    assert page.startswith('<!DOCTYPE html>') and '<td><code>log_base_10</code></td><td class="num">2</td>' in page
    assert book._repr_html_().startswith('<div class="gw-gradebook">')
    assert "Most common diagnoses:\n  log_base_10: 2 students (loss)" in book.to_text()


def test_folder_with_an_unreadable_file(tmp_path):
    (tmp_path / "ann.yaml").write_text("loss: 0.513\n")
    (tmp_path / "ben.toml").write_text("loss = 0.2225\n")
    (tmp_path / "cid.yaml").write_text("loss: [1, 2\n")
    (tmp_path / "dee.yaml").write_text("values: {nope: 1}\n")
    (tmp_path / "notes.txt").write_text("not an answers file")
    assert [p.name for p in answers_files(tmp_path)] == ["ann.yaml", "ben.toml", "cid.yaml", "dee.yaml"]
    book = check_folder(fixtures.seed_002(), tmp_path)
    rows = {row["student"]: row for row in _rows(book.to_csv())}
    assert rows["ann"]["loss"] == "correct" and rows["ben"]["loss"] == "wrong (log_base_10)"
    assert rows["cid"]["error"].startswith(f"{tmp_path / 'cid.yaml'}:2:1: ")
    assert "unknown name 'nope' in values" in rows["dee"]["error"]
    assert rows["cid"]["points"] == ""
