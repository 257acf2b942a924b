"""Every module of src/gradwork is at most 600 lines and states its one job in its docstring (#22 item 8).

A module that grows past the bound is split along a seam of its own (a phase, a back end, a kind of model),
not cut at line 600: see how nn/compile.py, check/mistakes/, explain/derive.py and explain/render/latex.py were.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "gradwork"
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_module_is_over_600_lines():
    long = {path.relative_to(SRC).as_posix(): n for path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split them along a seam): {long}"


def test_every_module_states_its_job_in_a_docstring():
    missing = [path.relative_to(SRC).as_posix() for path in _modules()
               if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()]
    assert missing == [], f"modules without a docstring stating their job: {missing}"
