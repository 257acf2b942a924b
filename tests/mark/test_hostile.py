"""Hostile worked solutions (#25): nothing read is an error, marks cannot be hidden or shifted, a class folder
never reads outside itself, two files of one student are an error, and every scanner is linear in its input.

The inputs that hung ``gradwork mark`` are kept at the sizes the hostile test used; a deadline far above their
time (seconds on a slow machine) turns a regression into a failure instead of a hung suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradwork.cli import app
from gradwork.mark import NothingRead, mark_folder, mark_work
from gradwork.mark.render import render_markdown, render_text
from gradwork.problem import load, solve

ROOT = Path(__file__).resolve().parents[2]
SEED002 = ROOT / "examples" / "seed002_exam4a_row.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
runner = CliRunner()


@cache
def solution():
    return solve(load(SEED002))


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (not hang) when the block runs past ``seconds``: these inputs once never finished."""
    def expired(*_):
        raise AssertionError(f"still running after {seconds} s: a scanner is not linear in its input")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------- nothing read is never a pass
@pytest.mark.parametrize("text, where", [
    ("Just words, no maths at all.\n", ":1:1: no equation found"),
    ("", ":1:1: no equation found"),
    ("intro\n\n$$\\begin{cases} 0 \\\\ 1 \\end{cases} = \\nabla$$\n", ":3:1: no equation of this worked solution"),
    ("$$\\text{we now compute} = \\text{the answer}$$\n", ":1:1: no equation of this worked solution"),
])
def test_a_solution_with_nothing_read_is_an_error(text, where):
    with pytest.raises(NothingRead) as raised:
        mark_work(solution(), text, "w.md")
    assert str(raised.value).startswith("w.md" + where) and "\n" not in str(raised.value)


def test_nothing_read_is_one_line_and_exit_2_from_the_command_line(tmp_path):
    work = tmp_path / "empty.md"
    work.write_text("I did the work on paper.\n", encoding="utf-8")
    result = runner.invoke(app, ["mark", str(SEED002), str(work)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{work}:1:1: no equation found" in result.output


def test_in_a_class_nothing_read_is_that_students_error(tmp_path):
    (tmp_path / "empty.md").write_text("nothing\n", encoding="utf-8")
    shutil.copy(FIXTURES / "seed002_correct.md", tmp_path / "good.md")
    reports, gradebook = mark_folder(solution(), tmp_path)
    assert set(reports) == {"good"} and "no equation found" in gradebook.errors["empty"]


# ----------------------------------------------------------------- marks the student cannot hide or shift
def test_a_students_html_comment_does_not_hide_the_marks():
    text = "$$J = 0.513$$\n\n<!-- everything after this is hidden\n\n$$a_3 = 0.5$$\n\n<script>\n"
    report = mark_work(solution(), text, "w.md")
    marked = render_markdown(report, text)
    assert "<!--" not in marked and "<script" not in marked
    assert "&lt;!-- everything after this is hidden" in marked
    assert "> ✗ **line 5**" in marked


def test_a_mark_inside_an_unclosed_code_fence_is_placed_after_a_closing_fence():
    text = "$$J = 0.513$$\n\n```\n$$a_3 = 0.5$$\n"
    marked = render_markdown(mark_work(solution(), text, "w.md"), text)
    lines = marked.splitlines()
    assert lines[:2] == ["$$J = 0.513$$", ""] and not lines[3]
    assert lines[2].startswith("> ✓ **line 1** (J = loss) J is ")
    closing = lines.index("```", 4)
    assert closing > 4 and not any(line.startswith("> ") for line in lines[4:closing])


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x0b", "\x1c", "\x85", "\u2029"])
def test_unusual_line_separators_do_not_move_the_marks(separator):
    text = f"intro{separator}more intro\n\n$$J = 0.513$$\n\nnote{separator}note\n\n$$a_3 = 0.5$$\n"
    report = mark_work(solution(), text, "w.md")
    assert [(line.line, line.status) for line in report.lines] == [(3, "correct"), (7, "wrong")]
    marked = render_markdown(report, text).split("\n")
    assert marked[marked.index("$$a_3 = 0.5$$") + 2].startswith("> ✗ **line 7**")
    assert marked[marked.index("$$J = 0.513$$") + 2].startswith("> ✓ **line 3**")


def test_control_characters_never_reach_the_terminal():
    text = "$$J = 0.513 \x1bc$$\n\n$$a_3 = 0.4013$$\n"
    shown = render_text(mark_work(solution(), text, "w.md"))
    assert "\x1b" not in shown


def test_json_never_holds_infinity():
    from gradwork.mark.render import render_json

    text = "$$J = 0.513$$\n\n$$a_3 = 10^{400} = 1e400$$\n\n$$z_3 = 1e999$$\n"
    shown = render_json(mark_work(solution(), text, "w.md"))
    assert "Infinity" not in shown and "NaN" not in shown


# ----------------------------------------------------------------- class folders
def test_a_symlink_out_of_the_class_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("$$J = 0.513$$ the teacher's private notes\n", encoding="utf-8")
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(FIXTURES / "seed002_correct.md", folder / "alice.md")
    os.symlink(secret, folder / "mallory.md")
    os.symlink(folder / "alice.md", folder / "alias.md")  # inside the folder: followed, as check does
    result = runner.invoke(app, ["mark", str(SEED002), str(folder), "--format", "json"])
    assert "private notes" not in result.output and "mallory" not in result.output
    assert "alias" in result.output and result.exit_code == 0, result.output


def test_two_files_for_one_student_are_an_error_naming_both(tmp_path):
    shutil.copy(FIXTURES / "seed002_correct.md", tmp_path / "alice.md")
    shutil.copy(FIXTURES / "seed002_update_sign.md", tmp_path / "alice.txt")
    shutil.copy(FIXTURES / "seed002_correct.md", tmp_path / "bob.md")
    result = runner.invoke(app, ["mark", str(SEED002), str(tmp_path)])
    assert result.exit_code == 2
    assert "two files for one student: alice.md and alice.txt" in result.output
    gradebook = (tmp_path / "gradebook.csv").read_text(encoding="utf-8")
    assert "bob" in gradebook and "alice" in gradebook  # alice's row says why she has no mark
    reports, book = mark_folder(solution(), tmp_path)
    assert set(reports) == {"bob"} and "alice.md and alice.txt" in book.errors["alice"]


# ----------------------------------------------------------------- linear scanners (these hung)
HANGS = {
    "L then 500,000 spaces": "$L" + " " * 500_000 + "= 1$\n\n$$J = 0.513$$\n",
    "L then 500,000 spaces in display maths": "$$L = " + " " * 500_000 + "(t; y) = 1$$\n\n$$J = 0.513$$\n",
    "\\[ 200,000 times": "\\[" * 200_000 + "\n",
    "a run of spaces and tabs": "$$a = 1," + " \t" * 200_000 + "\\quad J = 0.513$$\n",
    "a run of tabs before \\quad": "$$J = 0.513," + "\t" * 400_000 + "\\quad b = 2$$\n",
    "60,000 open $$($$ blocks": "$$($$" * 60_000 + "\n",
    "a million * labels": "$$" + "*" * 1_000_000 + " = 1$$\n\n$$J = 0.513$$\n",
    "a million * outside maths": "*" * 1_000_000 + "\n",
    "four nested sums": "$$J = \\sum_{i=1}^{60}\\sum_{j=1}^{60}\\sum_{k=1}^{60}\\sum_{l=1}^{60} x_i = 1$$\n\n"
                        "$$J = 0.513$$\n",
    "unclosed environments": "\\begin{align}" * 100_000 + "\n",
    "unclosed comments": "<!--" * 200_000 + "\n",
    "50,000 ifs in one brace": "a = {" + "1 if " * 50_000 + "\n",
    "50,000 lines carrying one sum on": "x = 1\n" + "    + 1\n" * 50_000,
    "20,000 aligned rows carrying one sum on": "\\begin{align*} x &= 1 \\\\\n" + "&\\quad + 1 \\\\\n" * 20_000
                                               + "\\end{align*}\n",
    "50,000 comment openers on an equation's line": "J = 1 " + "<!-- " * 50_000 + "\n",
}


@pytest.mark.parametrize("name", HANGS)
def test_hostile_inputs_finish_and_the_rest_is_still_marked(name):
    with deadline(60):
        report = mark_work(solution(), "$$J = 0.513$$\n\n" + HANGS[name], "w.md")
    assert any(line.status == "correct" and line.item == "loss" for line in report.lines)


def test_more_equations_than_a_worked_solution_is_a_located_error():
    from gradwork.mark import WorkTooLarge

    with deadline(60), pytest.raises(WorkTooLarge, match=r"w.md:5001:1: more than 5000 equations"):
        mark_work(solution(), "$$J = 0.513$$\n" + "$a = 1\n" * 10_000, "w.md")


@pytest.mark.parametrize("terms", [1000, 5000])
def test_a_sum_of_thousands_of_terms_is_marked(terms):
    text = "$$J = " + " + ".join(["0.0001"] * terms) + f" = {terms / 10000:g}$$\n"
    with deadline(60):
        report = mark_work(solution(), text, "w.md")
    assert report.lines[0].status == "wrong" and report.lines[0].item == "loss"  # the sum holds; the loss is wrong
    assert "arithmetic" not in report.lines[0].diagnosis


def test_nesting_too_deep_is_not_read_with_its_reason():
    text = "$$a_3 = " + "(" * 3000 + "1" + ")" * 3000 + "$$\n\n$$J = 0.513$$\n"
    report = mark_work(solution(), text, "w.md")
    assert report.lines[0].status == "not_read" and "nested" in report.lines[0].message
