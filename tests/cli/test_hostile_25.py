"""The hostile cases of issue #25 (items 3-6 and mark's output guard), each run as a user would run it.

Every case ends quickly with exit 0, 1 or 2 and at most one line on stderr; nothing
the user wrote is replaced; no name, file name or student text reaches an output raw.
(The output faults -- file-size limit, full disk, a kill -- are in test_output_faults.py;
the .npz headers in tests/documents/test_npz.py.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradwork.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROBLEM = (EXAMPLES / "seed002_exam4a_row.yaml").read_text(encoding="utf-8")
WORK = ROOT / "tests" / "mark" / "fixtures" / "seed002_correct.md"
TITLE = "T <img src=x onerror=alert(1)> {1:NUMERICAL:=3} ]]> -- $$ `x` [a](javascript:b) \\end{document}"


class Hung(Exception):
    pass


@contextmanager
def deadline(seconds: int):
    """A case that would block forever (a FIFO read) fails instead of hanging the suite."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def alarm(*_):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(*args, input: str | None = None, seconds: int = 60):
    with deadline(seconds):
        return CliRunner().invoke(app, [str(a) for a in args], input=input)


def refused(result, *fragments: str, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stderr, result.stdout[-300:])
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def here(tmp_path, monkeypatch):
    (tmp_path / "p.yaml").write_text(PROBLEM, encoding="utf-8")
    shutil.copy(EXAMPLES / "answers" / "seed002_exam4a.yaml", tmp_path / "a.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----------------------------------------------------------------- mark's output guard (as check's)


def test_mark_refuses_the_problem_as_its_gradebook_even_with_force(here):
    (here / "cls").mkdir()
    shutil.copy(WORK, here / "cls" / "alice.md")
    refused(run("mark", "p.yaml", "cls", "-o", "p.yaml", "--force"), "is an input of this command")
    assert (here / "p.yaml").read_text(encoding="utf-8") == PROBLEM


def test_mark_refuses_a_gradebook_linked_to_the_problem(here):
    (here / "cls").mkdir()
    shutil.copy(WORK, here / "cls" / "alice.md")
    (here / "cls" / "gradebook.csv").symlink_to(here / "p.yaml")
    refused(run("mark", "p.yaml", "cls", "--force"), "is an input of this command")
    assert (here / "p.yaml").read_text(encoding="utf-8") == PROBLEM


def test_mark_never_replaces_a_fifo(here):
    os.mkfifo(here / "out.md")
    refused(run("mark", "p.yaml", WORK, "-o", "out.md", "--force"), "is a FIFO")
    assert (here / "out.md").is_fifo()


# ----------------------------------------------------------------- inputs that are not regular files


@pytest.fixture
def fifo(here):
    os.mkfifo(here / "pipe")
    return "pipe"


def test_a_fifo_is_refused_unread_as_every_input(here, fifo):
    refused(run("solve", fifo, seconds=20), "pipe:1:1: is a FIFO (named pipe), not a regular file")
    refused(run("check", "p.yaml", fifo, seconds=20), "is a FIFO")
    refused(run("check", fifo, "a.yaml", seconds=20), "is a FIFO")
    refused(run("mark", "p.yaml", fifo, seconds=20), "is a FIFO")
    refused(run("generate", EXAMPLES / "templates" / "seed002_exam4a.yaml", "--students", fifo, "-o", "v",
                seconds=20), "is a FIFO")
    refused(run("generate", fifo, "--seed", "0", seconds=20), "is a FIFO")
    refused(run("export", fifo, "--to", "problem", "-o", "x.yaml", seconds=20), "is a FIFO")
    (here / "t.yaml").write_text("data: {csv: pipe, target: label}\nlayers: [{units: 2}]\nepochs: 1\n")
    refused(run("train", "t.yaml", seconds=20), "is a FIFO")
    (here / "t2.yaml").write_text("data: {npz: pipe}\nlayers: [{units: 2}]\nepochs: 1\n")
    refused(run("train", "t2.yaml", seconds=20), "is a FIFO")
    (here / "cls").mkdir()
    os.mkfifo(here / "cls" / "bob.yaml")  # in a class folder: not a submission, never opened
    shutil.copy(EXAMPLES / "answers" / "seed002_exam4a.yaml", here / "cls" / "alice.yaml")
    assert run("check", "p.yaml", "cls", seconds=20).exit_code in (1, 2)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_is_refused_as_a_roster_and_as_data():
    refused(run("generate", EXAMPLES / "templates" / "seed002_exam4a.yaml", "--students", "/dev/zero", "-o", "v"),
            "/dev/zero:1:1: is a device")
    refused(run("check", EXAMPLES / "seed002_exam4a_row.yaml", "/dev/zero"), "is a device")


def test_dev_zero_as_training_data(here):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    (here / "t.yaml").write_text("data: {csv: /dev/zero, target: label}\nlayers: [{units: 2}]\nepochs: 1\n")
    refused(run("train", "t.yaml"), "is a device")


# ----------------------------------------------------------------- memory and time


def test_200_layers_alternating_wide_and_narrow_are_refused_before_anything_is_allocated(here):
    layers = "\n".join(f"  - {{units: {100_000 if k % 2 == 0 else 100}}}" for k in range(200))
    (here / "t.yaml").write_text(f"data: digits\nlayers:\n{layers}\nepochs: 1\n")
    started = time.perf_counter()
    line = refused(run("train", "t.yaml"), "weights and biases together", "--max-total-elements")
    assert time.perf_counter() - started < 10 and re.match(r"t\.yaml:\d+:\d+: ", line)


def _template(here: Path, old: str, new: str, name: str = "t.yaml", extra: str = "") -> str:
    text = (EXAMPLES / "templates" / "seed000_exercise6_1.yaml").read_text(encoding="utf-8")
    assert old in text
    (here / name).write_text(text.replace(old, new) + extra, encoding="utf-8")
    return name


def test_tries_100000_with_a_constraint_that_never_holds_stops_within_the_time_budget(here):
    # An input of all zeros: no_relu_at_zero can never hold.
    name = _template(here, "low: -3, high: 3, step: 1, nonzero: true", "low: 0, high: 0, step: 1",
                     extra="tries: 100000\n")
    for args in (["generate", name, "--seed", "0", "-o", "v"], ["test", name, "--count", "2"]):
        started = time.perf_counter()
        line = refused(run(*args, "--max-draw-seconds", "1"), "no candidate for variant v001",
                       "of 100000 tries", "(limit 1; --max-draw-seconds to raise")
        assert time.perf_counter() - started < 15, line


def test_a_huge_weight_seed_000_in_symbolic_mode_ends_at_once(here):
    text = (EXAMPLES / "seed000_exercise6_1.yaml").read_text(encoding="utf-8")
    text = text.replace("[[0.6, -0.1, -0.5], [-0.2, 0.8, -0.3]]", "[[6e300, -1e299, -5e300], [-2e300, 8e300, -3e299]]")
    text = text.replace("input: [3, 1, -1, 2]", "input: [3e300, 1e300, -1e300, 2e300]")
    (here / "huge.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    refused(run("solve", "huge.yaml", "--mode", "symbolic"), "huge.yaml:", "exp(", "--mode float")
    assert time.perf_counter() - started < 20


# ----------------------------------------------------------------- located errors, not internal errors


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("low: -3, high: 3, step: 1, nonzero: true", "low: 5, high: 5, step: 1e-40", "needs 41 significant digits"),
    ("low: -3, high: 3, step: 1, nonzero: true", 'low: "1/3", high: 3, step: 1', "low must be a decimal number"),
])
def test_template_numbers_decimal_cannot_hold_are_located(here, old, new, fragment):
    line = refused(run("generate", _template(here, old, new), "--seed", "0", "-o", "v"), fragment)
    assert re.match(r"t\.yaml:7:\d+: ", line), line


def test_negative_seeds_are_located(here):
    refused(run("generate", EXAMPLES / "templates" / "seed002_exam4a.yaml", "--seed", "-1"), "--seed")
    (here / "d.csv").write_text("x,label\n1,0\n2,1\n")
    (here / "t.yaml").write_text("data: {csv: d.csv, target: label}\nseed: -1\nlayers: [{units: 2}]\nepochs: 1\n")
    refused(run("train", "t.yaml"), "t.yaml:2:7: seed is -1")


def test_a_title_of_200_nested_mathtext_groups_is_plotted_as_text(here):
    (here / "d.csv").write_text("x,label\n1,0\n2,1\n3,0\n4,1\n")
    title = json.dumps("$" + "{" * 200 + "x" + "}" * 200 + "$ \\frac{")
    (here / "t.yaml").write_text(f"title: {title}\ndata: {{csv: d.csv, target: label}}\nvalidation: 0\n"
                                 "layers: [{units: 2}]\nepochs: 1\n")
    result = run("train", "t.yaml", "--plot", "c.png")
    assert result.exit_code == 0, result.stderr
    assert (here / "c.png").read_bytes().startswith(b"\x89PNG")


# ----------------------------------------------------------------- escaping by construction


def _hostile_problem(here: Path) -> str:
    (here / "h.yaml").write_text(PROBLEM.replace("title: Exam 4a - 2-2-1 network, one SGD step",
                                                 "title: " + json.dumps(TITLE)), encoding="utf-8")
    return "h.yaml"


def _raw_html(text: str) -> list[str]:
    return re.findall(r"(?<!\\)<(?:img|script)\b[^>]*>", text)  # a tag that would open (not \<img, &lt;img)


def test_no_title_reaches_markdown_or_html_raw(here):
    name = _hostile_problem(here)
    for args in (["solve", name, "--format", "markdown"], ["check", name, "a.yaml", "--format", "markdown"]):
        result = run(*args)
        assert result.exit_code in (0, 1), result.stderr
        assert not _raw_html(result.stdout) and "](javascript" not in result.stdout, result.stdout[:400]
    for suffix in ("md", "html"):
        (here / "cls").mkdir(exist_ok=True)
        shutil.copy(here / "a.yaml", here / "cls" / "<img src=x onerror=alert(1)>.yaml")
        result = run("check", name, "cls", "-o", f"summary.{suffix}", "--force")
        assert result.exit_code == 1, result.stderr
        assert not _raw_html((here / f"summary.{suffix}").read_text(encoding="utf-8"))


def test_no_student_text_reaches_a_marked_document_raw(here):
    (here / "w.md").write_text("Worked <img src=x onerror=alert(1)> \x1b[31mred\n\n$$L = 1e999$$\n\n$$z_1 = 5$$\n\n"
                               "$$z_2 = 0.8\x1b[31m$$\n\n<!-- hide\n", encoding="utf-8")
    for fmt in ("markdown", "html"):
        result = run("mark", "p.yaml", "w.md", "--format", fmt)
        assert result.exit_code in (1, 2), result.stderr
        assert not _raw_html(result.stdout) and "<!-- hide" not in result.stdout
    result = run("mark", "p.yaml", "w.md", "--format", "json")
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout
    json.loads(result.stdout)
    text = run("mark", "p.yaml", "w.md").stdout
    assert "\x1b" not in text and "0.8\\x1b[31m" in text


def test_a_file_name_with_escape_sequences_never_reaches_the_terminal(here):
    result = run("solve", "no\x1b[31mfile.yaml")
    assert "\x1b" not in result.stderr and "no\\x1b[31mfile.yaml:1:1:" in refused(result)
    (here / "cls").mkdir()
    shutil.copy(here / "a.yaml", here / "cls" / "e\x1b[2Jvil.yaml")
    result = run("check", "p.yaml", "cls")
    assert result.exit_code == 1 and "\x1b" not in result.stdout + result.stderr
    assert "e\\x1b[2Jvil" in result.stdout


def test_exports_of_a_template_named_with_xml_and_cloze_syntax_stay_well_formed(here):
    text = (EXAMPLES / "templates" / "seed002_exam4a.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^title:.*$", lambda _: "title: " + json.dumps(TITLE), text, flags=re.M)
    name = "evil--name {1:SHORTANSWER:=a}.yaml"
    (here / name).write_text(text, encoding="utf-8")
    for to in ("moodle", "qti", "prairielearn"):
        assert run("generate", name, "--seed", "0", "-o", to, "--to", to).exit_code == 0
    root = ET.parse(here / "moodle" / "moodle.xml").getroot()  # a `--` in a comment would not parse
    for question in root.iter("question"):
        body = question.findtext("questiontext/text")
        if body is None:
            continue
        cloze = re.findall(r"\{\d*:(?:NUMERICAL|SHORTANSWER|MULTICHOICE|NM|SA|MC)\b", body)
        assert len(cloze) == body.count("NUMERICAL:%100%"), "a name became a Cloze sub-question"
    with zipfile.ZipFile(here / "qti" / "qti.zip") as z:
        for member in z.namelist():
            ET.fromstring(z.read(member))
    folders = [p.name for p in (here / "prairielearn").iterdir()]
    assert all(re.fullmatch(r"[A-Za-z0-9_.+-]+", f) for f in folders), folders


def test_a_5000_character_name_or_title_never_breaks_pdflatex(here):
    long_name = PROBLEM.replace("  output.W[0]: w5", "  output.W[0]: " + "w" * 5000)
    (here / "n.yaml").write_text(long_name, encoding="utf-8")
    refused(run("solve", "n.yaml", "--format", "latex"), "is 5000 characters long", "at most 64")
    (here / "t.yaml").write_text(PROBLEM.replace("title: Exam 4a", "title: " + "é{" * 2500 + " Exam"),
                                 encoding="utf-8")
    assert run("solve", "t.yaml", "--format", "latex", "-o", "t.tex").exit_code == 0
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=here,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


# ----------------------------------------------------------------- the public API


def test_the_public_api_says_what_is_wrong_with_its_arguments(here):
    import gradwork
    from gradwork.check import AnswersError, parse_answers
    from gradwork.documents.errors import GradworkError
    from gradwork.generate import read_template

    for call in (lambda: gradwork.load([1, 2]), lambda: gradwork.load({"title": "x"}), lambda: gradwork.load(5),
                 lambda: read_template({"title": "x"})):
        with pytest.raises(TypeError, match="expected a path, '-' for standard input, or the text of a file"):
            call()
    solved = gradwork.load("p.yaml").solve()
    with pytest.raises(TypeError, match="tolerance must be a Tolerance or a mapping"):
        solved.check("a.yaml", tolerance="bogus")
    with pytest.raises(GradworkError, match="tolerance"):
        solved.check("a.yaml", tolerance={"bogus": 1})
    with pytest.raises(TypeError, match="mark\\(\\) takes the worked solution's text"):
        solved.mark(5)
    deep: list = []
    inner = deep
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    with pytest.raises(AnswersError, match="nested more than 64 deep"):
        parse_answers({"loss": deep})
    with pytest.raises(TypeError, match="parse_answers"):
        parse_answers([1, 2])
