"""mark/lines.py: which earlier wrong line a result is carried forward from."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from gradwork.mark.lines import _uses
from gradwork.mark.parse import parse

ROOT = Path(__file__).resolve().parents[2]


def _statement(*sides: str, result: int) -> SimpleNamespace:
    return SimpleNamespace(sides=[SimpleNamespace(node=parse(text), text=text) for text in sides], result=result)


def test_a_result_that_uses_several_wrong_lines_follows_from_the_earliest():
    statement = _statement("z", "w_2 b + w_1 a + c_3 d", "3.5", result=2)
    wrong_names = {"w_2": 7, "c_3": 9, "w_1": 4}
    assert _uses(statement, {}, wrong_names) == 4


def test_a_wrong_number_written_again_is_named_before_a_symbol():
    statement = _statement("z", "0.75 w_1", "3.5", result=2)
    assert _uses(statement, {"0.75": 6}, {"w_1": 2}) == 6
    assert _uses(statement, {}, {"b": 2}) is None


def test_the_report_does_not_depend_on_string_hashing():
    """Python salts str hashes per process: a mark that iterated a set of names chose its 'follows from line N'
    by that salt (corpus document 14985, examples/mazur_step_by_step.yaml against tests/mark/handwritten). The
    report made here is compared with one made under another salt."""
    code = ("import glob, hashlib; from gradwork.problem import load, solve; from gradwork.mark import mark_work; "
            "from gradwork.mark.render import render_json; s = solve(load('examples/mazur_step_by_step.yaml')); "
            "print(hashlib.sha256(''.join(render_json(mark_work(s, open(f, encoding='utf-8').read(), f)) "
            "for f in sorted(glob.glob('tests/mark/handwritten/kind6_*.md'))).encode()).hexdigest())")
    here = {}
    with contextlib.chdir(ROOT):
        exec(code.replace("print(", "digest = ("), here)  # noqa: S102 - the same statement, in this process
    other = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    there = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": other}).stdout.strip()
    assert here["digest"] == there
