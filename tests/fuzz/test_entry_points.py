"""Mutation fuzzers for the entry points a class and its students reach (issue #25 item 7).

* a class folder of answers files (``gradwork check PROBLEM FOLDER``): mutated answers
  under hostile file names; every student is a row of the gradebook (marked, or with
  its one-line error), the CSV reads back, nothing reaches the terminal raw;
* a worked solution (``mark_work`` and every renderer of its report): mutated with
  Markdown and LaTeX tokens; a report, or one located :class:`WorkError`, in bounded time.

The exported graders are fuzzed in tests/fuzz/test_graders.py.

``GRADWORK_FUZZ_EXAMPLES`` sets the number of inputs per fuzzer (tests/fuzz/mutations.py).
A case that runs longer than ``CASE_SECONDS`` fails as a hang.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gradwork.documents import limits
from tests.fuzz.mutations import EXAMPLES, HOSTILE, counted, entry_fuzz, mutated, seed_texts

ROOT = Path(__file__).resolve().parents[2]
CASE_SECONDS = 60
SMALL = {"steps": 5, "elements": 2_000, "list_length": 500, "values": 20_000, "file_size": 50_000}
ANSWERS_FOR = {  # examples/answers/README.md
    "seed000_exercise6_1.yaml": "seed000_exercise6_1.yaml", "seed002_exam4a.yaml": "seed002_exam4a_row.yaml",
    "seed003_hw7_1.yaml": "seed003_7_1_network.yaml", "seed003_hw7_2.yaml": "seed003_7_2_graph.yaml",
    "seed003_hw7_3_F2.yaml": "seed003_7_3b_scale.yaml", "seed003_hw7_3_F3.yaml": "seed003_7_3c_scaled_gather.yaml",
    "seed004_hw1.yaml": "seed004_hw1.toml",
}
WORK_FOR = {"seed000": "seed000_exercise6_1.yaml", "seed002": "seed002_exam4a_row.yaml",
            "seed003_7_1": "seed003_7_1_network.yaml", "seed003_7_2": "seed003_7_2_graph.yaml",
            "seed003_7_3b": "seed003_7_3b_scale.yaml", "seed004": "seed004_hw1.toml"}
FILE_NAMES = ["alice", "=cmd|' -C calc'!A0", "<img src=x onerror=alert(1)>", "e\x1b[31mvil", "ünï cødé", "a b",
              "-rf", "..hidden", "x" * 200, "+SUM(A1)", "@x", "bob", "{1:NUMERICAL:=3}", "\u202eevil", "a--b"]
MARKDOWN = [
    "$$", "$", "\\[", "\\]", "\\(", "\\)", "\\frac{", "}", "{", "\\sum_{i=1}^{n}", "\\sum_{j}\\sum_{k}", "\\quad",
    " " * 300, "\t" * 200, "L" + " " * 3000, "*" * 500, "<!--", "-->", "```", "~~~", "\x1b[31m", "\u2028", "\f",
    "\v", "=", "\\\\", "&", "\\begin{pmatrix}", "\\end{pmatrix}", "\\begin{aligned}", "1e999", "nan", "\\infty",
    "^{", "_{", "\\left(", "\\right)", "\\cdot", "\\times", "\\sigma(", "e^{-", "\\ln", "\\log_{10}", "\\approx",
    "\\partial", "\\delta_", "w_5", "z_1 = ", " = 0.5", "\n", "\n\n", "\\text{", "\\mathrm{", "\\hat{y}", "-0.",
    "$$(" * 50, "\\[" * 300, "(((", ")))", "<img src=x onerror=alert(1)>", "\\\\\\\\", "\\,", "\\;", "\\!", "'",
    "⁽¹⁾", "₁₂", "σ′", "∂L/∂w", "≈", "−", "·", "×",
]
FIXTURES = ROOT / "tests" / "mark" / "fixtures"
WORKS = [(path.name, path.read_text(encoding="utf-8")) for path in sorted(FIXTURES.glob("*.md"))]


@contextmanager
def bounded(seconds: int = CASE_SECONDS):
    """Fail a case that runs longer than ``seconds`` (a hang), instead of stopping the fuzzer."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def alarm(*_):
        raise AssertionError(f"a case ran longer than {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _one_line_each(stderr: str) -> None:
    for line in stderr.splitlines():
        assert "\x1b" not in line and "Traceback" not in line and "internal error" not in line, line


# ----------------------------------------------------------------- a class folder of answers files


@st.composite
def class_folder(draw):
    """(problem file, [(file name, text)]) for a class of 1 to 4 students."""
    name, _ = draw(st.sampled_from(sorted(ANSWERS_FOR.items())))
    students = draw(st.lists(st.sampled_from(FILE_NAMES), min_size=1, max_size=4, unique=True))
    seeds = [(n, t) for n, t in seed_texts("answers/*.yaml") if n == name]
    files = []
    for student in students:
        _, text = draw(mutated(seeds)) if draw(st.booleans()) else seeds[0]
        suffix = draw(st.sampled_from([".yaml", ".yaml", ".json", ".yml", ".toml"]))
        files.append((student + suffix, text))
    return ANSWERS_FOR[name], files


@entry_fuzz
@given(class_folder())
def test_a_class_folder_is_marked_row_by_row(tmp_path_factory, case):
    from gradwork.cli import app

    counted("class folder")
    problem, files = case
    folder = tmp_path_factory.mktemp("class") / "answers"
    folder.mkdir()
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    out = folder.parent / "gradebook.csv"
    with bounded(), limits.using(**SMALL):
        result = CliRunner().invoke(app, ["check", str(EXAMPLES / problem), str(folder), "-o", str(out), "--force"])
    if result.exit_code == 130:  # the run itself was interrupted (timeout -s INT ends a long run): stop here
        raise KeyboardInterrupt
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    _one_line_each(result.stderr)
    assert "\x1b" not in result.stdout
    if result.exit_code == 2 and not out.exists():  # the whole folder refused (e.g. two files of one student)
        assert len(result.stderr.splitlines()) == 1, result.stderr
        return
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows, "an empty gradebook"
    for row in rows:
        for cell in row.values():
            assert not (cell or "").startswith(("=", "+", "-", "@")) or re.fullmatch(r"-?[\d.]+", cell), cell


# ----------------------------------------------------------------- worked solutions


@st.composite
def worked_solution(draw):
    name, text = draw(st.sampled_from(WORKS))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        end = draw(st.integers(at, min(len(text), at + 60)))
        kind = draw(st.sampled_from(["insert", "insert", "replace", "delete", "duplicate", "text"]))
        token = draw(st.sampled_from(MARKDOWN + HOSTILE))
        if kind == "insert":
            text = text[:at] + token * draw(st.integers(1, 3)) + text[at:]
        elif kind == "replace":
            text = text[:at] + token + text[end:]
        elif kind == "delete":
            text = text[:at] + text[end:]
        elif kind == "duplicate":
            text = text[:end] + text[at:end] * draw(st.integers(1, 20)) + text[end:]
        else:
            text = text[:at] + draw(st.text(max_size=8)) + text[end:]
    problem = next(p for prefix, p in sorted(WORK_FOR.items(), key=lambda kv: -len(kv[0])) if name.startswith(prefix))
    return problem, name, text


_SOLVED: dict[str, object] = {}


def _solved(problem: str):
    from gradwork.problem import load, solve

    if problem not in _SOLVED:
        _SOLVED[problem] = solve(load(EXAMPLES / problem))
    return _SOLVED[problem]


@entry_fuzz
@given(worked_solution())
def test_a_worked_solution_is_marked_or_refused_in_one_line(case):
    from gradwork.mark import WorkError, mark_work
    from gradwork.mark.render import render_html, render_json, render_markdown, render_text

    counted("worked solution")
    problem, name, text = case
    solution = _solved(problem)
    with bounded(), limits.using(**SMALL):
        try:
            report = mark_work(solution, text, name)
        except WorkError as error:
            assert "\n" not in str(error) and str(error).startswith(f"{name}:"), str(error)
            return
        rendered = {"json": render_json(report), "markdown": render_markdown(report, text),
                    "html": render_html(report, text), "text": render_text(report)}
    data = json.loads(rendered["json"])  # valid JSON: no NaN, no Infinity
    assert 0 <= data["score"]["points"] <= data["score"]["max_points"]
    assert "\x1b" not in rendered["text"]
    assert not re.search(r"<(?:img|script)\b", rendered["markdown"] + rendered["html"])


def test_the_fuzzers_seeds_are_there():
    assert WORKS and all(any(n.startswith(p) for p in WORK_FOR) for n, _ in WORKS)
    assert {n for n, _ in seed_texts("answers/*.yaml")} == set(ANSWERS_FOR)
    assert os.path.isdir(EXAMPLES / "templates") and sys.platform


# ----------------------------------------------------------------- what the long runs found (kept as tests)

FOUND_WORK = [
    # a row ending in "=" continued by a row without "=": IndexError in mark/document.py (fuzzer, 10-minute run)
    ("seed000_exercise6_1.yaml", "$$X = [3, 1, -1, 2]$$\n\n$$H = \\sigma_{LeakyReLU}(XW_1, a = 0.01) =\\\\ "
                                 "\\sigma_{LeakyReLU}([-0.5, 1.5, 3.3], a = 0.01) \\\\ = [-0.005, 1.5, 3.3]$$\n"),
    # an element (x_0) bound to a whole vector: ValueError in check/items.py (fuzzer, 10-minute run)
    ("seed003_7_3b_scale.yaml", "$$\\begin{aligned} \\frac{\\partial L}{\\partial x_0} &= d_0 \\cdot x$$_0 "
                                "+ \\sum_{i=0}^4 d_i \\cdot x_i, \\\\ \\frac{\\partial L}{\\partial x_1} &= "
                                "d_1 \\cdot x_0 \\end{aligned}$$\n\n"
                                "$$\\frac{\\partial L}{\\partial x_4} = d_4 \\cdot x_0$$\n"),
    # \frac1e999999999: the one-digit argument split off a number in exponent form (ValueError in mark/parse.py)
    ("seed003_7_2_graph.yaml", "$$L = \\frac{1}{2}z^2 = \\frac1e999999999$$\n"),
]


def test_what_the_worked_solution_fuzzer_found():
    from gradwork.mark import WorkError, mark_work

    for problem, text in FOUND_WORK:
        try:
            mark_work(_solved(problem), text, "work.md")
        except WorkError:
            pass
